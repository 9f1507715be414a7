//! `clade run` and `clade init`: argument handling and the progress display.
//! The loop itself lives in clade-evolve; this module only renders its
//! events (a live bar on a terminal, plain lines otherwise, JSON lines with
//! `--json`).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clade_archive::VariantStatus;
use clade_evolve::{CacheMode, Event, RunOptions, StopReason, Summary};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(clap::Args)]
pub struct RunArgs {
    /// clade.toml, or a folder holding one (a benchmark folder works).
    #[arg(default_value = ".")]
    pub config: PathBuf,
    /// Continue a stopped or killed run (default: the most recent).
    #[arg(long, num_args = 0..=1, value_name = "RUN")]
    pub resume: Option<Option<String>>,
    /// Name of a new run (default: run.name, else run-<unix seconds>).
    #[arg(long)]
    pub name: Option<String>,
    /// Iterations in total (overrides run.iterations; with --resume, the new total).
    #[arg(long)]
    pub iterations: Option<u64>,
    /// Seed of a new run: every draw of the search and the evaluation's inputs (overrides run.seed).
    #[arg(long, conflicts_with = "resume")]
    pub seed: Option<u64>,
    /// Print one JSON event per line instead of the live display.
    #[arg(long)]
    pub json: bool,
    /// Never call the LLM: take every reply from the response cache (a miss stops the run).
    #[arg(long, conflicts_with = "no_cache")]
    pub replay: bool,
    /// Neither read nor write the response cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Response cache folder (default: <git dir>/clade/llm-cache).
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    /// Propose with an agent instead of the run's own prompts: an agent
    /// folder (agents/seed reproduces the proposer) or RUN/ID of an
    /// agent-evolution run. Each iteration runs it on the parent's files
    /// with the default agent budget; the run's model, cache and scorer.
    #[arg(long, value_name = "AGENT")]
    pub agent: Option<String>,
}

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let scratch = tempfile::tempdir().context("creating a scratch folder")?;
    let proposer = match &args.agent {
        Some(spec) => Some(agent_proposer(spec, scratch.path())?),
        None => None,
    };
    let options = RunOptions {
        config: args.config,
        resume: args.resume,
        name: args.name,
        iterations: args.iterations,
        seed: args.seed,
        cache: if args.replay {
            CacheMode::ReplayOnly
        } else if args.no_cache {
            CacheMode::Off
        } else {
            CacheMode::ReadWrite
        },
        cache_dir: args.cache_dir,
        home: None,
        catch_signals: true,
        proposer,
        remote: Some(std::sync::Arc::new(clade_dist::DistBackends)),
    };
    let summary = if args.json {
        let mut out = std::io::stdout().lock();
        clade_evolve::run(&options, &mut |event| {
            if let Ok(line) = serde_json::to_string(event) {
                let _ = writeln!(out, "{line}");
                let _ = out.flush();
            }
        })?
    } else {
        let mut display = Display::new(std::io::stderr().is_terminal());
        let result = clade_evolve::run(&options, &mut |event| display.show(event));
        display.bar.finish_and_clear();
        let summary = result?;
        print_summary(&summary);
        summary
    };
    Ok(match summary.reason {
        StopReason::LlmUnavailable => {
            eprintln!("error: the run stopped: {}", summary.detail);
            ExitCode::FAILURE
        }
        StopReason::Interrupted => ExitCode::from(130),
        _ => ExitCode::SUCCESS,
    })
}

struct Display {
    bar: ProgressBar,
    live: bool,
    last_best: Option<f64>,
}

impl Display {
    fn new(live: bool) -> Self {
        let bar = if live {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:24} {pos}/{len} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        } else {
            ProgressBar::hidden()
        };
        Display {
            bar,
            live,
            last_best: None,
        }
    }

    /// One progress line; rejection reasons quote candidates' output, so
    /// control characters are shown, never sent to the terminal.
    fn line(&self, text: String) {
        let text = clade_archive::printable(&text).into_owned();
        if self.live {
            self.bar.println(text);
        } else {
            eprintln!("{text}");
        }
    }

    fn show(&mut self, event: &Event) {
        match event {
            Event::Start {
                run,
                resumed,
                models,
                default_model,
                iterations,
                done,
                log,
                ..
            } => {
                self.line(format!(
                    "{} run {run}: {done}/{iterations} iterations done; model{} {}{}\n  log: {log}",
                    if *resumed { "resuming" } else { "starting" },
                    if models.len() == 1 { "" } else { "s" },
                    models.join(", "),
                    if *default_model {
                        " (the built-in default; add [[llm.models]] to use another)"
                    } else {
                        ""
                    }
                ));
                self.bar.set_length(*iterations);
                self.bar.set_position(*done);
            }
            Event::Seed { score, reason, .. } => match score {
                Some(score) => {
                    self.last_best = Some(*score);
                    self.line(format!("seed scores {score}"));
                }
                None => self.line(match reason {
                    Some(reason) => format!("seed rejected: {reason}"),
                    None => "seed rejected: ?".to_string(),
                }),
            },
            Event::Variant {
                id,
                status,
                score,
                reason,
                improved,
                best,
                totals,
                operator,
                ..
            } => {
                self.bar.set_position(totals.done);
                if *improved && let (Some(best), Some(score)) = (best, score) {
                    let change = self
                        .last_best
                        .map(|b| format!(" ({:+})", score - b))
                        .unwrap_or_default();
                    self.line(format!(
                        "new best: #{id} {score}{change} [{}]",
                        operator.as_str()
                    ));
                    self.last_best = Some(best.score);
                } else if !self.live {
                    let what = match (status, score, reason) {
                        (VariantStatus::Validated, Some(score), _) => format!("score {score}"),
                        (_, _, Some(reason)) => format!("rejected: {reason}"),
                        (VariantStatus::Validated, None, None) => "validated".to_string(),
                        (VariantStatus::Rejected, _, None) => "rejected".to_string(),
                    };
                    self.line(format!("[{}/{}] #{id} {what}", totals.done, totals.planned));
                }
                self.bar
                    .set_message(status_message(best.as_ref().map(|b| b.score), totals));
            }
            Event::Status { best, totals } => {
                self.bar
                    .set_message(status_message(best.as_ref().map(|b| b.score), totals));
            }
            Event::Stopping { detail, .. } => self.line(format!("stopping: {detail}")),
            Event::Finish { .. } => {}
        }
    }
}

fn status_message(best: Option<f64>, totals: &clade_evolve::Totals) -> String {
    let mut message = status_line(best, totals);
    if let Some(w) = totals.workers {
        message.push_str(&format!(
            " | workers {} ({} busy) queue {}",
            w.live, w.busy, w.queued
        ));
    }
    message
}

fn status_line(best: Option<f64>, totals: &clade_evolve::Totals) -> String {
    let recorded = totals.validated + totals.rejected;
    let valid = if recorded > 0 {
        format!("{:.0}%", 100.0 * totals.validated as f64 / recorded as f64)
    } else {
        "-".into()
    };
    format!(
        "best {} | valid {valid} | llm {} eval {} | {} tok ${:.4}{}",
        best.map_or("-".to_string(), |b| b.to_string()),
        totals.llm_in_flight,
        totals.eval_in_flight,
        totals.tokens,
        totals.cost_usd,
        totals
            .eta_s
            .map(|s| format!(" | eta {}", human_duration(s)))
            .unwrap_or_default()
    )
}

fn human_duration(seconds: f64) -> String {
    let s = seconds.round() as u64;
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

fn print_summary(summary: &Summary) {
    let t = &summary.totals;
    println!(
        "run {} ended ({}): {}",
        summary.run,
        summary.reason.as_str(),
        summary.detail
    );
    println!(
        "  {} iterations: {} validated, {} rejected; {} tokens, ${:.4}; {:.1} s",
        t.done, t.validated, t.rejected, t.tokens, t.cost_usd, t.elapsed_s
    );
    match (&summary.best, summary.seed_score) {
        (Some(best), Some(seed)) => println!(
            "  best: {}/{} scores {} (seed {seed}, change {})",
            summary.run,
            best.id,
            best.score,
            change(best.score, seed)
        ),
        (Some(best), None) => println!("  best: {}/{} scores {}", summary.run, best.id, best.score),
        _ => {}
    }
    if let Some(held) = &summary.held_back {
        let shown = |s: Option<f64>| s.map_or("rejected".to_string(), |s| s.to_string());
        let delta = match (held.best_score, held.seed_score) {
            (Some(best), Some(seed)) => format!(", change {}", change(best, seed)),
            _ => String::new(),
        };
        println!(
            "  on held-back inputs the search never saw: best {}, seed {}{delta}",
            shown(held.best_score),
            shown(held.seed_score)
        );
    }
    if let Some(best) = &summary.best {
        println!("  review: clade show {}/{}", summary.run, best.id);
        println!("          clade branch {}/{}", summary.run, best.id);
    }
    if summary.reason.resumable() {
        println!("  continue: clade run --resume {}", summary.run);
    }
}

#[derive(clap::Args)]
pub struct InitArgs {
    /// The crate's folder.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Replace an existing clade.toml.
    #[arg(long)]
    pub force: bool,
}

pub fn init(args: InitArgs) -> anyhow::Result<ExitCode> {
    let made = clade_evolve::init::init(&args.dir, args.force)
        .with_context(|| format!("clade init in {}", args.dir.display()))?;
    println!("wrote {}", made.path.display());
    println!(
        "  package: {}",
        made.package
            .as_deref()
            .unwrap_or("(none found: set target.package)")
    );
    println!("  evolvable files: {}", made.files.join(", "));
    println!(
        "next: choose a scorer in [evaluate] (how candidates are scored; none is picked for you), commit, then `clade run`"
    );
    Ok(ExitCode::SUCCESS)
}

/// The agent named by `--agent`, built, as the run's proposer.
fn agent_proposer(
    spec: &str,
    scratch: &std::path::Path,
) -> anyhow::Result<std::sync::Arc<dyn clade_evolve::Proposer>> {
    let agents = crate::commands::lineage::resolve_agents(
        std::path::Path::new("."),
        &[spec.to_string()],
        scratch,
    )?;
    let (label, dir) = agents
        .into_iter()
        .next()
        .with_context(|| format!("no agent {spec}"))?;
    let runner = clade_agent_host::AgentRunner::new(clade_sandbox::BuilderConfig::default())
        .context("setting up the sandbox")?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let transcripts = clade_sandbox::default_home()
        .join("transcripts")
        .join(format!("run-agent-{stamp}-{}", std::process::id()));
    let proposer = clade_agent_host::AgentProposer::new(
        runner,
        &dir,
        clade_agent_host::Budget::default(),
        &transcripts,
    )
    .with_context(|| format!("preparing the agent {label}"))?;
    eprintln!(
        "proposing with the agent {label}; its transcripts go to {}",
        transcripts.display()
    );
    Ok(std::sync::Arc::new(proposer))
}

/// `best − seed` with its size relative to the seed: "-57400 (-0.03 %)", so
/// a reader sees at once whether a change is large.
fn change(best: f64, seed: f64) -> String {
    let delta = best - seed;
    if seed == 0.0 || !delta.is_finite() {
        return format!("{delta:+}");
    }
    format!("{delta:+} ({:+.2} %)", 100.0 * delta / seed.abs())
}

#[cfg(test)]
mod tests {
    use super::change;

    #[test]
    fn a_change_shows_its_size_relative_to_the_seed() {
        assert_eq!(change(193749545.0, 193806945.0), "-57400 (-0.03 %)");
        assert_eq!(change(1.5, 1.0), "+0.5 (+50.00 %)");
        assert_eq!(change(-2.0, -4.0), "+2 (+50.00 %)");
        assert_eq!(change(3.0, 0.0), "+3");
    }
}
