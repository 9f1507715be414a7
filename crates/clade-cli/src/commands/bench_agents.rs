//! `clade bench agents`: compare agents on a task suite. Parses arguments,
//! shows progress, prints the report; the comparison itself is
//! `clade_agent_bench`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::Context;
use clade_agent_bench::{Bench, CellDone, Plan, Report, SplitFilter};
use clade_agent_host::{AgentRunner, ModelService};
use clade_archive::ResultStore;
use clade_sandbox::BuilderConfig;
use serde_json::json;

#[derive(clap::Args)]
pub struct AgentsArgs {
    /// Agent folders (e.g. agents/seed), or RUN/ID variants of an
    /// agent-evolution run; the first is the baseline.
    pub agents: Vec<String>,
    /// The task suite (a folder with a manifest.toml, e.g. tasks/rust-core).
    #[arg(long)]
    pub suite: Option<PathBuf>,
    /// heldout, validate, train or all.
    #[arg(long, default_value = "heldout")]
    pub split: String,
    /// Runs of each agent on each task.
    #[arg(long, default_value_t = 3)]
    pub repeats: u32,
    /// A TOML file with [[llm.models]] (one model) and [agent.budget], as
    /// for `clade agent run`; without it the built-in local model.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Cells run at once (default: 1 for the local model, which answers one
    /// request at a time; 4 for an API model).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Use stored results only: a missing one is an error saying why.
    #[arg(long)]
    pub cached: bool,
    /// Also print a tasks × agents matrix of passes per repeat.
    #[arg(long)]
    pub per_task: bool,
    /// Print one JSON event per finished cell, then the report, one per line.
    #[arg(long)]
    pub json: bool,
    /// Write the pass rates (with intervals) and tokens per solved task as SVG.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Plot a run's lineage (generation, score, edges, best so far) to
    /// RUN-lineage.svg, or beside --svg.
    #[arg(long, value_name = "RUN")]
    pub lineage: Option<String>,
    /// The repository whose archive holds the runs and the stored results.
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
}

pub fn run(args: AgentsArgs) -> anyhow::Result<ExitCode> {
    if let Some(run) = &args.lineage {
        let path = lineage_path(run, args.svg.as_deref());
        crate::commands::lineage::write(&args.repo, run, &path)?;
        if !args.json {
            println!("wrote the lineage of {run} to {}", path.display());
        }
        if args.agents.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
    }
    let Some(suite) = &args.suite else {
        anyhow::bail!("name the task suite with --suite (e.g. --suite tasks/rust-core)");
    };
    if args.agents.is_empty() {
        anyhow::bail!("name at least one agent (e.g. agents/seed)");
    }
    let split = SplitFilter::parse(&args.split)?;
    let (config, model) = crate::commands::agent::load_config(args.config.as_deref())?;
    let scratch = tempfile::tempdir().context("creating a scratch folder")?;
    let agents =
        crate::commands::lineage::resolve_agents(&args.repo, &args.agents, scratch.path())?;
    let service = ModelService::start(model)?;
    let jobs = args.jobs.unwrap_or(if service.is_local() { 1 } else { 4 });
    let runner = AgentRunner::new(BuilderConfig::default()).context("setting up the sandbox")?;
    let store = ResultStore::open_or_create(&args.repo).context("opening the result store")?;
    let plan = Plan {
        agents,
        suite: suite.clone(),
        split,
        only: None,
        repeats: args.repeats,
        jobs,
        cached_only: args.cached,
        scratch: scratch.path().to_path_buf(),
        stop: None,
    };
    if !args.json {
        eprintln!(
            "comparing {} agent(s) on the {} split of {} with {}, {} repeat(s), {jobs} at a time",
            plan.agents.len(),
            split.name(),
            suite.display(),
            service.identity(),
            args.repeats
        );
    }
    let bench = Bench {
        runner: &runner,
        model: &service,
        store,
        budget: config.agent.budget.clone(),
    };
    let progress = Progress::new(args.json);
    let results = bench.run(&plan, &|done| progress.show(done))?;
    let report = Report::new(&results, &suite.display().to_string(), split, args.repeats);
    if let Some(path) = &args.svg {
        std::fs::write(path, clade_agent_bench::svg::comparison(&report))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        let mut value = serde_json::to_value(&report)?;
        value["event"] = json!("report");
        println!("{value}");
    } else {
        print!("\n{}", report.table());
        if args.per_task {
            print!("\n{}", report.per_task_table());
        }
        if let Some(path) = &args.svg {
            println!("\nwrote {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn lineage_path(run: &str, svg: Option<&Path>) -> PathBuf {
    let safe: String = run
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    match svg {
        Some(svg) => {
            let stem = svg.file_stem().and_then(|s| s.to_str()).unwrap_or("bench");
            svg.with_file_name(format!("{stem}-lineage.svg"))
        }
        None => PathBuf::from(format!("{safe}-lineage.svg")),
    }
}

/// One line per finished cell on stderr, or one JSON event on stdout.
struct Progress {
    json: bool,
    tokens: Mutex<u64>,
}

impl Progress {
    fn new(json: bool) -> Self {
        Progress {
            json,
            tokens: Mutex::new(0),
        }
    }

    fn show(&self, done: &CellDone) {
        let tokens = match self.tokens.lock() {
            Ok(mut t) => {
                *t += done.tokens;
                *t
            }
            Err(_) => 0,
        };
        if self.json {
            if let Ok(mut value) = serde_json::to_value(done) {
                value["event"] = json!("cell");
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{value}");
                let _ = out.flush();
            }
            return;
        }
        let eta = done
            .eta_s
            .map_or(String::new(), |s| format!(", about {} left", duration(s)));
        eprintln!(
            "[{}/{}] {} on {} (repeat {}): {}{} — {} passed so far, {} tokens{eta}",
            done.done,
            done.total,
            done.agent,
            done.task,
            done.repeat + 1,
            if done.pass { "pass" } else { "fail" },
            if done.cached { " (stored)" } else { "" },
            done.passes,
            tokens
        );
    }
}

fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, s % 3600 / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}
