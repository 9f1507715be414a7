//! The `clade` command-line tool. It parses arguments, calls into the library
//! crates and prints results; the work itself lives in those crates.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "clade",
    version,
    about = "Clade: a self-improving coding agent with a wasm sandbox and a git archive"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct RepoArg {
    /// The repository (or folder with a .clade/archive.git) holding the archive.
    #[arg(long, default_value = ".", global = true)]
    repo: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Evolve a codebase: propose, build, score and archive variants.
    Run(commands::run::RunArgs),
    /// Write a commented clade.toml for the crate in a folder.
    Init(commands::run::InitArgs),
    /// List the runs in the archive.
    Runs {
        #[command(flatten)]
        repo: RepoArg,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show a run's lineage tree with scores; the best path is marked with *.
    Tree {
        /// The run (default: the most recent).
        run: Option<String>,
        #[command(flatten)]
        repo: RepoArg,
        /// Also show rejected variants.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Show a variant's metadata and its diff against its parent.
    Show {
        /// RUN/ID or a commit id prefix.
        variant: String,
        #[command(flatten)]
        repo: RepoArg,
        /// Also show the prompts and replies that produced it.
        #[arg(long)]
        transcript: bool,
        #[arg(long)]
        json: bool,
    },
    /// Diff a variant against its parent, or two variants.
    Diff {
        a: String,
        b: Option<String>,
        #[command(flatten)]
        repo: RepoArg,
    },
    /// Create a branch at a variant for review (default name clade/RUN/ID).
    Branch {
        variant: String,
        name: Option<String>,
        #[command(flatten)]
        repo: RepoArg,
    },
    /// Apply a variant's whole change onto the current branch as one commit.
    Promote {
        variant: String,
        #[command(flatten)]
        repo: RepoArg,
    },
    /// Review runs in the browser: lineages, scores, diffs, branch and
    /// promote. Prints the URL to open (with its access token) first.
    Serve(commands::serve::ServeArgs),
    /// Evaluate candidates of runs elsewhere: take jobs from a NATS
    /// JetStream queue (`[evaluate.backend] kind = "nats"` in the run's
    /// clade.toml) and evaluate them in this machine's sandbox; or, inside
    /// a Slurm job, evaluate one batch of a `kind = "slurm"` run.
    Worker(commands::worker::WorkerArgs),
    /// The live workers on a NATS server: id, host, jobs done, busy, fingerprint.
    Workers(commands::worker::WorkersArgs),
    /// The shipped benchmarks: list them, score a solution.
    Bench {
        #[command(subcommand)]
        command: commands::bench::BenchCommand,
    },
    /// Coding-task suites: pin one by its manifest, check the grader on it.
    Tasks {
        #[command(subcommand)]
        command: commands::tasks::TasksCommand,
    },
    /// Build an agent and run it on a coding task.
    Agent {
        #[command(subcommand)]
        command: commands::agent::AgentCommand,
    },
    /// Evolve an agent's own code (the Darwin Gödel Machine loop): every agent
    /// is a commit of an archive run, scored on train and validate tasks.
    EvolveAgent(commands::evolve_agent::EvolveAgentArgs),
    /// The local model for other tools: `clade model serve`.
    Model {
        #[command(subcommand)]
        command: commands::model::ModelCommand,
    },
    /// Remove cache files older than a number of days: compiled and built
    /// modules, build and run scratch, transcripts (and, with --llm-cache,
    /// the response cache replays need). Models, archives and logs stay.
    Gc(commands::gc::GcArgs),
    /// Bring a problem from another tool: `clade import openevolve <DIR>`.
    Import {
        #[command(subcommand)]
        command: commands::import::ImportCommand,
    },
    /// Build and run untrusted candidates in the wasm sandbox.
    Sandbox {
        #[command(subcommand)]
        command: commands::sandbox::SandboxCommand,
    },
}

fn ok(_: ()) -> ExitCode {
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    use commands::review;
    let result = match cli.command {
        Command::Run(args) => commands::run::run(args),
        Command::Bench { command } => commands::bench::run(command),
        Command::Init(args) => commands::run::init(args),
        Command::Runs { repo, json } => review::runs(&repo.repo, json).map(ok),
        Command::Tree {
            run,
            repo,
            all,
            json,
        } => review::tree(&repo.repo, run, all, json).map(ok),
        Command::Show {
            variant,
            repo,
            transcript,
            json,
        } => review::show(&repo.repo, &variant, transcript, json).map(ok),
        Command::Diff { a, b, repo } => review::diff(&repo.repo, &a, b.as_deref()).map(ok),
        Command::Branch {
            variant,
            name,
            repo,
        } => review::branch(&repo.repo, &variant, name.as_deref()).map(ok),
        Command::Promote { variant, repo } => review::promote(&repo.repo, &variant).map(ok),
        Command::Serve(args) => commands::serve::run(args).map(ok),
        Command::Worker(args) => commands::worker::worker(args).map(ok),
        Command::Workers(args) => commands::worker::workers(args).map(ok),
        Command::Sandbox { command } => commands::sandbox::run(command).map(ok),
        Command::Tasks { command } => commands::tasks::run(command),
        Command::Agent { command } => commands::agent::run(command),
        Command::EvolveAgent(args) => commands::evolve_agent::run(args),
        Command::Model { command } => commands::model::run(command),
        Command::Gc(args) => commands::gc::run(args).map(ok),
        Command::Import { command } => commands::import::run(command).map(ok),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            // One line: the error and its causes.
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
