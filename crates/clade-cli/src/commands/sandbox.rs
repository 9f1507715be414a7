//! `clade sandbox build|run|bench`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clade_sandbox::{
    BuildOutcome, BuildStatus, Builder, BuilderConfig, DirMount, Isolation, RunLimits, RunOutcome,
    RunRequest, Runner, RunnerConfig,
};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum SandboxCommand {
    /// Build a candidate crate (its src/**/*.rs) to wasm32-wasip1, isolated.
    Build {
        /// The candidate crate directory.
        crate_dir: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Build timeout in seconds.
        #[arg(long, default_value_t = 120)]
        timeout_s: u64,
        /// Build without bubblewrap (only when user namespaces are unavailable).
        #[arg(long)]
        no_isolation: bool,
    },
    /// Run a wasm module under fuel, memory and time limits.
    Run {
        /// The module (a WASI preview 1 command).
        module: PathBuf,
        /// Fuel limit.
        #[arg(long, default_value_t = RunLimits::default().fuel)]
        fuel: u64,
        /// Linear memory limit in MiB.
        #[arg(long, default_value_t = 256)]
        memory_mb: u64,
        /// Wall-clock limit in milliseconds.
        #[arg(long, default_value_t = 10_000)]
        timeout_ms: u64,
        /// A file whose bytes become the guest's stdin.
        #[arg(long)]
        stdin: Option<PathBuf>,
        /// HOST_DIR:GUEST_DIR, mounted read-only; repeatable.
        #[arg(long = "dir", value_name = "HOST_DIR:GUEST_DIR")]
        dirs: Vec<DirMount>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Arguments passed to the guest (after argv[0]).
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Measure the sandbox: warm runs vs process spawns, rebuilds, fuel cost.
    Bench {
        /// Repetitions for the per-run measurements.
        #[arg(long, default_value_t = 200)]
        runs: usize,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: SandboxCommand) -> anyhow::Result<()> {
    match command {
        SandboxCommand::Build {
            crate_dir,
            json,
            timeout_s,
            no_isolation,
        } => {
            let builder = Builder::new(BuilderConfig {
                timeout: Duration::from_secs(timeout_s),
                isolation: if no_isolation {
                    Isolation::None
                } else {
                    Isolation::Bubblewrap
                },
                ..BuilderConfig::default()
            })?;
            let outcome = builder
                .build(&crate_dir)
                .with_context(|| format!("building {}", crate_dir.display()))?;
            print_build(&outcome, json)
        }
        SandboxCommand::Run {
            module,
            fuel,
            memory_mb,
            timeout_ms,
            stdin,
            dirs,
            json,
            args,
        } => {
            let wasm = std::fs::read(&module)
                .with_context(|| format!("cannot read module {}", module.display()))?;
            let stdin = match stdin {
                Some(path) => std::fs::read(&path)
                    .with_context(|| format!("cannot read stdin file {}", path.display()))?,
                None => Vec::new(),
            };
            let request = RunRequest {
                args,
                stdin,
                dirs,
                limits: RunLimits {
                    fuel,
                    memory_bytes: memory_mb.saturating_mul(1 << 20),
                    timeout: Duration::from_millis(timeout_ms),
                    ..RunLimits::default()
                },
                random_seed: 0,
            };
            let runner = Runner::new(RunnerConfig::default())?;
            let outcome = runner.run(&wasm, &request)?;
            print_run(&outcome, json)
        }
        SandboxCommand::Bench { runs, json } => super::sandbox_bench::run(runs, json),
    }
}

fn print_build(outcome: &BuildOutcome, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(outcome)?);
        return Ok(());
    }
    match outcome.status {
        BuildStatus::Ok => {
            let wasm = outcome
                .wasm
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let cached = if outcome.cached { " (cached)" } else { "" };
            println!("ok: {wasm} in {:.0} ms{cached}", outcome.build_ms);
        }
        BuildStatus::Rejected => println!("rejected: {}", outcome.reason.as_deref().unwrap_or("")),
        BuildStatus::BuildFailed => {
            println!("build failed: {}", outcome.reason.as_deref().unwrap_or(""));
            if let Some(diagnostics) = &outcome.diagnostics {
                println!("{diagnostics}");
            }
        }
    }
    Ok(())
}

fn print_run(outcome: &RunOutcome, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(outcome)?);
        return Ok(());
    }
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(&outcome.stdout)?;
    let mut err = std::io::stderr().lock();
    err.write_all(&outcome.stderr)?;
    let detail = match (outcome.exit_code, &outcome.trap) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(trap)) => trap.lines().next().unwrap_or("").to_string(),
        (None, None) => String::new(),
    };
    let fuel = outcome
        .fuel_used
        .map(|f| format!(", fuel {f}"))
        .unwrap_or_default();
    eprintln!(
        "[{}: {detail}; {:.2} ms{fuel}, peak memory {} KiB{}{}]",
        outcome.status,
        outcome.wall_ms,
        outcome.peak_memory_bytes >> 10,
        if outcome.stdout_truncated {
            ", stdout truncated"
        } else {
            ""
        },
        if outcome.stderr_truncated {
            ", stderr truncated"
        } else {
            ""
        },
    );
    Ok(())
}
