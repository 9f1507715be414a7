//! `clade sandbox build|run|bench`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clade_sandbox::{
    BuildOutcome, BuildStatus, Builder, BuilderConfig, DirMount, Isolation, RunLimits, RunOutcome,
    RunRequest, Runner, RunnerConfig,
    python::{PythonArtifacts, PythonProgram, PythonRunner},
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
    /// Run a Python program in the wasm CPython under the same limits.
    ///
    /// The program sees only itself (at /candidate), the standard library
    /// and the folders given with --dir; numpy and scipy are built in.
    Python {
        /// The program.
        file: PathBuf,
        /// Fuel limit (importing numpy takes about 1e9).
        #[arg(long, default_value_t = PYTHON_FUEL)]
        fuel: u64,
        /// Linear memory limit in MiB.
        #[arg(long, default_value_t = 1024)]
        memory_mb: u64,
        /// Wall-clock limit in milliseconds.
        #[arg(long, default_value_t = 30_000)]
        timeout_ms: u64,
        /// A file whose bytes become the program's stdin.
        #[arg(long)]
        stdin: Option<PathBuf>,
        /// HOST_DIR:GUEST_DIR, mounted read-only; repeatable.
        #[arg(long = "dir", value_name = "HOST_DIR:GUEST_DIR")]
        dirs: Vec<DirMount>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Arguments passed to the program (its sys.argv[1:]).
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
            let request = RunRequest {
                args,
                stdin: read_stdin(stdin.as_deref())?,
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
        SandboxCommand::Python {
            file,
            fuel,
            memory_mb,
            timeout_ms,
            stdin,
            dirs,
            json,
            args,
        } => {
            let request = RunRequest {
                args,
                stdin: read_stdin(stdin.as_deref())?,
                dirs,
                limits: RunLimits {
                    fuel,
                    memory_bytes: memory_mb.saturating_mul(1 << 20),
                    timeout: Duration::from_millis(timeout_ms),
                    ..RunLimits::default()
                },
                random_seed: 0,
            };
            let outcome = run_python(&file, &request)?;
            print_run(&outcome, json)
        }
        SandboxCommand::Bench { runs, json } => super::sandbox_bench::run(runs, json),
    }
}

/// The default fuel of a Python run: importing numpy and scipy fit.
const PYTHON_FUEL: u64 = 100_000_000_000;

fn read_stdin(path: Option<&std::path::Path>) -> anyhow::Result<Vec<u8>> {
    match path {
        Some(path) => std::fs::read(path)
            .with_context(|| format!("cannot read stdin file {}", path.display())),
        None => Ok(Vec::new()),
    }
}

/// Runs one script: it is copied alone into a private folder, so the
/// program sees none of its neighbours.
fn run_python(file: &std::path::Path, request: &RunRequest) -> anyhow::Result<RunOutcome> {
    let source = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty())
        .unwrap_or("main.py");
    let folder = tempfile::tempdir().context("cannot make a folder for the program")?;
    std::fs::write(folder.path().join(name), source)
        .context("cannot copy the program into its folder")?;
    let home = clade_sandbox::default_home();
    let artifacts = PythonArtifacts::locate(&home)?;
    let runner = PythonRunner::new(artifacts)?;
    let program = PythonProgram {
        dir: folder.path().to_path_buf(),
        entry: name.to_string(),
    };
    Ok(runner.run(&program, request)?)
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
