//! `clade agent build | run`: an agent as a program Clade builds and runs on
//! a coding task or a shipped benchmark. The work is in `clade_agent_host`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clade_agent_host::{
    AgentConfig, AgentOutcome, AgentRunner, ModelService, OptimizationGrade, TaskRef, TaskRun,
};
use clade_sandbox::{BuildStatus, BuilderConfig};

#[derive(clap::Subcommand)]
pub enum AgentCommand {
    /// Build an agent (its src/**/*.rs) to wasm with the host's agent template.
    Build {
        /// The agent folder (e.g. agents/seed).
        agent: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Run an agent on one task, then grade it: a coding task on its hidden
    /// tests, a benchmark by re-evaluating the result on unseen inputs.
    Run {
        agent: PathBuf,
        /// A task folder inside a suite with a manifest (e.g.
        /// tasks/test-mini/add-numbers), or a benchmark folder with a
        /// clade.toml (e.g. benchmarks/sort-speed).
        #[arg(long)]
        task: PathBuf,
        /// A TOML file with [[llm.models]] (one model) and [agent.budget];
        /// without it the built-in local model and the default budget are used.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Seed of the model calls (the k-th call's seed derives from it).
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: AgentCommand) -> anyhow::Result<ExitCode> {
    match command {
        AgentCommand::Build { agent, json } => build(&agent, json),
        AgentCommand::Run {
            agent,
            task,
            config,
            seed,
            json,
        } => run_task(&agent, &task, config.as_deref(), seed, json),
    }
}

fn build(agent: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let runner = AgentRunner::new(BuilderConfig::default()).context("setting up the sandbox")?;
    let outcome = runner
        .build(agent)
        .with_context(|| format!("building the agent {}", agent.display()))?;
    if json {
        println!("{}", serde_json::to_string(&outcome)?);
    } else {
        match (&outcome.status, &outcome.wasm) {
            (BuildStatus::Ok, Some(wasm)) => println!(
                "built {} in {:.1} s: {}",
                agent.display(),
                outcome.build_ms / 1e3,
                wasm.display()
            ),
            _ => {
                println!(
                    "{}: {}",
                    outcome.status.as_str(),
                    outcome.reason.as_deref().unwrap_or("")
                );
                if let Some(diagnostics) = &outcome.diagnostics {
                    println!("{diagnostics}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run_task(
    agent: &Path,
    task: &Path,
    config: Option<&Path>,
    seed: u64,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let (config, model) = load_config(config)?;
    let home = clade_sandbox::default_home();
    let (suite, task_id) = suite_and_id(task)?;
    let is_benchmark = task.join("clade.toml").is_file();
    let runner = AgentRunner::new(BuilderConfig::default()).context("setting up the sandbox")?;
    let built = runner
        .build(agent)
        .with_context(|| format!("building the agent {}", agent.display()))?;
    let Some(wasm_path) = built.wasm.filter(|_| built.status == BuildStatus::Ok) else {
        anyhow::bail!(
            "the agent {} does not build ({}): {}\n{}",
            agent.display(),
            built.status.as_str(),
            built.reason.unwrap_or_default(),
            built.diagnostics.unwrap_or_default()
        );
    };
    let wasm =
        std::fs::read(&wasm_path).with_context(|| format!("reading {}", wasm_path.display()))?;
    let service = ModelService::start(model)?;
    let budget = &config.agent.budget;
    // Runs take minutes with a local model: say what is running, on stderr
    // so `--json` output stays one line.
    eprintln!(
        "running {} on {task_id} with {} (budget: {} LLM calls, {} tokens, {} test runs, {} s)",
        agent.display(),
        service.label(),
        budget.llm_calls,
        budget.tokens,
        budget.test_runs,
        budget.wall_s
    );
    let transcript = home
        .join("transcripts")
        .join(format!("{task_id}-{}.jsonl", unique_suffix()));
    let outcome = runner.run_task(TaskRun {
        agent_wasm: &wasm,
        prompts: &agent.join("prompts"),
        task: if is_benchmark {
            TaskRef::Optimize { bench: task }
        } else {
            TaskRef::Coding {
                suite: &suite,
                id: &task_id,
            }
        },
        budget: config.agent.budget.clone(),
        model: service.model(seed),
        random_seed: seed,
        transcript,
    })?;
    if json {
        println!("{}", serde_json::to_string(&outcome)?);
    } else {
        print_outcome(&outcome, &service.label());
    }
    Ok(ExitCode::SUCCESS)
}

/// The agent config at `path` (the default without one) and its model,
/// the built-in local one when it names none.
pub(crate) fn load_config(
    path: Option<&Path>,
) -> anyhow::Result<(AgentConfig, clade_llm::ModelConfig)> {
    let mut config = match path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            AgentConfig::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
        None => AgentConfig::default(),
    };
    let home = clade_sandbox::default_home();
    let mut model = match config.llm.models.pop() {
        Some(model) => model,
        None => clade_evolve::default_models(&home)?.remove(0),
    };
    clade_evolve::resolve_local_model(&mut model, &home)?;
    Ok((config, model))
}

/// The suite folder (the task folder's parent) and the task's id (its name).
fn suite_and_id(task: &Path) -> anyhow::Result<(PathBuf, String)> {
    let task = task
        .canonicalize()
        .with_context(|| format!("no task folder {}", task.display()))?;
    let id = task
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .with_context(|| format!("{} names no task", task.display()))?;
    let suite = task
        .parent()
        .map(Path::to_path_buf)
        .with_context(|| format!("{} is not inside a suite", task.display()))?;
    Ok((suite, id))
}

fn unique_suffix() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("{ms}-{}", std::process::id())
}

fn print_outcome(outcome: &AgentOutcome, model: &str) {
    let verdict = if outcome.pass { "PASS" } else { "FAIL" };
    if let Some(grade) = &outcome.optimization {
        print_optimization(outcome, grade, verdict, model);
    } else {
        println!(
            "{}: {verdict}  hidden {}/{}  visible {}/{}  (agent {}, model {model})",
            outcome.task,
            outcome.hidden.passed,
            outcome.hidden.total,
            outcome.visible.passed,
            outcome.visible.total,
            outcome.status.as_str(),
        );
    }
    let s = &outcome.spent;
    println!(
        "spent: {} LLM calls, {} tokens in, {} out, {} test runs, {:.1} s",
        s.llm_calls,
        s.tokens_in,
        s.tokens_out,
        s.test_runs,
        s.wall_ms as f64 / 1e3
    );
    if let Some(reason) = &outcome.build_reason {
        println!("the final workspace was rejected: {reason}");
    }
    if let Some(done) = &outcome.done {
        println!("the agent said: {done}");
    }
    println!("transcript: {}", outcome.transcript.display());
}

fn print_optimization(
    outcome: &AgentOutcome,
    grade: &OptimizationGrade,
    verdict: &str,
    model: &str,
) {
    let number = |v: Option<f64>| v.map_or("none".to_string(), |v| v.to_string());
    println!(
        "{}: {verdict}  {} {} (seed {}, reference {}, gain {}) on unseen inputs  (agent {}, model {model})",
        outcome.task,
        grade.metric,
        number(grade.score),
        number(grade.seed_score),
        number(grade.reference),
        grade.gain.map_or("none".to_string(), |g| format!("{g:.4}")),
        outcome.status.as_str(),
    );
}
