//! `clade evolve-agent`: arguments, progress lines and the final screen. The
//! loop is `clade_agent_evolve`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clade_agent_evolve::{Event, EvolveConfig, Options, StopReason, Summary};

#[derive(clap::Args)]
pub struct EvolveAgentArgs {
    /// The agent folder to evolve (e.g. agents/seed), inside a git repository.
    pub agent: Option<PathBuf>,
    /// The task suite (e.g. tasks/rust-core): stage 1 runs train tasks,
    /// stage 2 the validate split; heldout is left for `clade bench agents`.
    #[arg(long)]
    pub suite: Option<PathBuf>,
    /// Generations (overrides run.generations).
    #[arg(long)]
    pub generations: Option<u64>,
    /// Children per generation (overrides run.children).
    #[arg(long)]
    pub children: Option<u64>,
    /// A TOML file: [run], [llm.task], [llm.meta], [budget.task],
    /// [budget.self_edit], [stages], [selection], [canary].
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Name of a new run (default: run.name, else agents-<unix seconds>).
    #[arg(long)]
    pub name: Option<String>,
    /// Continue a stopped or killed run (default: the most recent agent run).
    #[arg(long, num_args = 0..=1, value_name = "RUN")]
    pub resume: Option<Option<String>>,
    /// Take every model reply from the response cache (a miss fails the
    /// child that needed it): reproduces a run's tree without a model.
    #[arg(long)]
    pub replay: bool,
    /// Build agents without the bubblewrap sandbox (the build of code an LLM
    /// wrote then runs unconfined on this machine).
    #[arg(long)]
    pub no_isolation: bool,
    /// Print one JSON event per line.
    #[arg(long)]
    pub json: bool,
    /// The repository holding the agent and the archive.
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
}

pub fn run(args: EvolveAgentArgs) -> anyhow::Result<ExitCode> {
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            EvolveConfig::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
        None => EvolveConfig::default(),
    };
    if let Some(name) = &args.name {
        config.run.name = Some(name.clone());
    }
    if args.resume.is_none() && args.agent.is_none() {
        anyhow::bail!(
            "name the agent folder to evolve (e.g. `clade evolve-agent agents/seed --suite tasks/rust-core`)"
        );
    }
    let options = Options {
        repo: args.repo.clone(),
        agent: args.agent.clone(),
        suite: args.suite.clone(),
        config,
        resume: args.resume.clone(),
        replay: args.replay,
        generations: args.generations,
        children: args.children,
        no_isolation: args.no_isolation,
        default_canary_suite: clade_tasks_dir().join("test-mini"),
        catch_signals: true,
    };
    let json = args.json;
    let summary = clade_agent_evolve::evolve(&options, &mut |event| show(event, json))?;
    if !json {
        print_summary(&summary);
    }
    Ok(ExitCode::SUCCESS)
}

/// Clade's own task suites: `./tasks` when run from a checkout, else the
/// ones Clade was built from.
fn clade_tasks_dir() -> PathBuf {
    let local = PathBuf::from("tasks/test-mini");
    if local.join("manifest.toml").is_file() {
        PathBuf::from("tasks")
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tasks")
    }
}

fn show(event: &Event, json: bool) {
    if json {
        if let Ok(line) = serde_json::to_string(event) {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
        return;
    }
    let line = match event {
        Event::Start {
            run,
            agent,
            suite,
            resumed,
            generations,
            children,
            stage1,
            stage2,
            task_model,
            meta_model,
        } => format!(
            "{} {run}: evolving {agent} on {suite}, {generations} generations × {children} children; \
             stage 1: {} train tasks, stage 2: {} validate tasks; tasks by {task_model}, self-edits by {meta_model}",
            if *resumed { "resuming" } else { "starting" },
            stage1.len(),
            stage2.len()
        ),
        Event::Step {
            child,
            generation,
            step,
            parent,
            entry,
        } => format!(
            "gen {generation} child {child}: {}{}{}",
            serde_json::to_value(step)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            parent.map(|p| format!(" (parent {p})")).unwrap_or_default(),
            entry
                .as_ref()
                .map(|e| format!(" on {e}"))
                .unwrap_or_default()
        ),
        Event::Task {
            agent,
            task,
            pass,
            cached,
            ..
        } => format!(
            "  {agent} {task}: {}{}",
            if *pass { "pass" } else { "fail" },
            if *cached { " (stored)" } else { "" }
        ),
        Event::Agent {
            id,
            parent,
            validated,
            rejection,
            score,
            tokens,
            ..
        } => match (validated, rejection) {
            (true, _) => format!(
                "agent {id}{}: kept, pass rate {} ({tokens} tokens)",
                parent
                    .map(|p| format!(" (child of {p})"))
                    .unwrap_or_default(),
                score.map_or("—".to_string(), |s| format!("{:.1}%", 100.0 * s))
            ),
            (false, Some(why)) => format!("agent {id}: rejected, {}", first_line(&why.to_string())),
            (false, None) => format!("agent {id}: rejected"),
        },
        Event::Reevaluated { id, repeats, score } => {
            format!(
                "agent {id}: re-evaluated over {repeats} repeats: {:.1}%",
                100.0 * score
            )
        }
        Event::Stopping { reason } => format!("stopping: {}", reason_text(*reason)),
        Event::Finish { .. } => return,
    };
    // Rejections quote compiler output on code a model wrote.
    eprintln!("{}", clade_archive::printable(&line));
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

fn reason_text(reason: StopReason) -> &'static str {
    match reason {
        StopReason::Generations => "every generation is done",
        StopReason::Tokens => "the token budget is spent",
        StopReason::Cost => "the cost budget is spent",
        StopReason::Wall => "the wall-time budget is spent",
        StopReason::Interrupted => "interrupted (resume with `clade evolve-agent --resume`)",
    }
}

fn print_summary(s: &Summary) {
    println!(
        "\n{}: {}; {} agents, {} kept; {} tokens, ${:.4}",
        s.run,
        reason_text(s.reason),
        s.agents,
        s.validated,
        s.tokens,
        s.cost_usd
    );
    let pct = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{:.1}%", 100.0 * v));
    println!("seed: {}", pct(s.seed_score));
    if let Some(best) = s.best {
        println!(
            "best: {}/{best} at {} (train and validate tasks)",
            s.run,
            pct(s.best_score)
        );
        println!("\nreview and adopt it:");
        println!("  clade tree {}", s.run);
        println!("  clade show {}/{best}", s.run);
        println!(
            "  clade bench agents {} {}/{best} --suite {} --split heldout --repeats 3",
            s.agent_root, s.run, s.suite
        );
        println!(
            "  clade branch {}/{best}    # or: clade promote {}/{best}",
            s.run, s.run
        );
    }
}
