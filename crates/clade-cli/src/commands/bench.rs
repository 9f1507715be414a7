//! `clade bench list | score | agents`: the shipped benchmarks, scoring a
//! solution against one, and comparing agents (`bench_agents`). The work is
//! in `clade_evolve::bench` and `clade_agent_bench`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clade_evolve::Evaluation;
use serde_json::json;

#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// List the shipped benchmarks.
    List {
        #[arg(long)]
        json: bool,
        /// The benchmarks folder (default: ./benchmarks, else the one Clade was built from).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Score a solution: an output file (program benchmarks) or a candidate crate folder.
    Score {
        /// The benchmark's name (see `clade bench list`).
        name: String,
        /// The candidate's output file, or a candidate crate folder.
        solution: PathBuf,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Compare agents on a task suite: pass rates with 95% intervals, paired
    /// differences against the first agent, cost per task; results are stored
    /// in git and reused.
    Agents(crate::commands::bench_agents::AgentsArgs),
}

fn benchmarks_dir(dir: Option<PathBuf>) -> PathBuf {
    dir.unwrap_or_else(|| {
        let local = PathBuf::from("benchmarks");
        if local.is_dir() {
            local
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benchmarks")
        }
    })
}

pub fn run(command: BenchCommand) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Agents(args) => crate::commands::bench_agents::run(args),
        BenchCommand::List { json, dir } => {
            let dir = benchmarks_dir(dir);
            let list = clade_evolve::bench::list(&dir)
                .with_context(|| format!("listing benchmarks in {}", dir.display()))?;
            if json {
                println!("{}", serde_json::to_string(&list)?);
            } else {
                for b in &list {
                    let reference = if b.reference.is_empty() {
                        String::new()
                    } else {
                        format!("  reference: {}", b.reference)
                    };
                    println!(
                        "{:<24} {:<8} {:<10} {} ({}){reference}",
                        b.name, b.kind, b.direction, b.metric, b.scorer
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Score {
            name,
            solution,
            json,
            dir,
        } => {
            let dir = benchmarks_dir(dir);
            let bench_dir = dir.join(&name);
            if !bench_dir.join("clade.toml").is_file() {
                let known: Vec<String> = clade_evolve::bench::list(&dir)
                    .map(|l| l.into_iter().map(|b| b.name).collect())
                    .unwrap_or_default();
                anyhow::bail!(
                    "no benchmark named {name:?} in {} (known: {})",
                    dir.display(),
                    known.join(", ")
                );
            }
            let evaluation =
                clade_evolve::bench::score(&bench_dir, &solution, &clade_sandbox::default_home())
                    .with_context(|| format!("scoring {} against {name}", solution.display()))?;
            Ok(report(&name, &evaluation, json))
        }
    }
}

fn report(name: &str, evaluation: &Evaluation, json_out: bool) -> ExitCode {
    match evaluation {
        Evaluation::Scored {
            score,
            metrics,
            sandbox,
            ..
        } => {
            if json_out {
                println!(
                    "{}",
                    json!({"benchmark": name, "status": "valid", "score": score, "metrics": metrics, "sandbox": sandbox})
                );
            } else {
                println!("{name}: valid, score {score}");
                for (key, value) in metrics {
                    println!("  {key} = {value}");
                }
            }
            ExitCode::SUCCESS
        }
        Evaluation::Rejected {
            reason, feedback, ..
        } => {
            if json_out {
                println!(
                    "{}",
                    json!({"benchmark": name, "status": "rejected", "reason": reason.to_string(), "feedback": feedback})
                );
            } else {
                println!("{name}: rejected: {reason}");
                if let Some(feedback) = feedback {
                    println!("{feedback}");
                }
            }
            ExitCode::FAILURE
        }
    }
}
