//! The bridge between a user's trusted evaluator and a Python candidate
//! (`scorer = { evaluator = "evaluator.py" }`, what `clade import
//! openevolve` writes): the evaluator runs natively, with the Python the
//! config names, and calls `evaluate(program_path)` as OpenEvolve would;
//! the candidate runs only in the sandbox.
//!
//! The evaluator reaches the candidate through `clade_bridge.py` (loaded
//! first in its process: proxy modules, a sandboxed `sys.executable`, safe
//! unpickling) and a Unix socket this module serves for the evaluation's
//! length: each connection is either one sandboxed interpreter holding the
//! program's module (`load`, then `call`s) or one script run (`exec`). Every
//! sandboxed run has the evaluation's limits; their fuel, time and memory
//! are the candidate's sandbox figures. This module owns the bridge's files,
//! the socket and the evaluator process; it never scores by itself: the
//! metrics are the evaluator's.

mod serve;

use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use clade_archive::SandboxStats;
use clade_sandbox::RunLimits;
use clade_sandbox::process::run_with_deadline;
use clade_sandbox::python::PythonRunner;

use crate::error::EvolveError;
use crate::scoring::Metrics;

/// The bridge's Python files, written beside each other in its folder.
const FILES: &[(&str, &str)] = &[
    ("clade_bridge.py", include_str!("clade_bridge.py")),
    ("clade_codec.py", include_str!("clade_codec.py")),
    ("clade_python.py", include_str!("clade_python.py")),
    (
        "openevolve/__init__.py",
        include_str!("openevolve/__init__.py"),
    ),
    (
        "openevolve/evaluation_result.py",
        include_str!("openevolve/evaluation_result.py"),
    ),
];

/// The most a sandboxed script may leave in the evaluation's temporary
/// folder (results it writes for the evaluator).
const MAX_SCRATCH_BYTES: u64 = 256 << 20;

/// A run's evaluator: its file, the native Python that runs it, and how
/// long one evaluation may take.
pub(crate) struct Bridge {
    dir: PathBuf,
    evaluator: PathBuf,
    python: String,
    timeout: Duration,
}

/// What one evaluation gave: the evaluator's metrics or why there are
/// none, and the sandbox figures of every run it asked for.
pub(crate) struct Bridged {
    pub metrics: Result<Metrics, String>,
    pub sandbox: SandboxStats,
}

/// One evaluation's side of the sandbox, shared by its connections.
pub(crate) struct Sandboxed<'a> {
    pub python: &'a PythonRunner,
    pub bridge_dir: &'a Path,
    /// The candidate's materialized folder (canonical).
    pub program_dir: PathBuf,
    /// The evaluation's temporary folder, writable by sandboxed scripts.
    pub tmp: PathBuf,
    pub limits: RunLimits,
    pub random_seed: u64,
    pub stats: Mutex<SandboxStats>,
}

/// Everything an evaluation needs but the bridge.
pub(crate) struct Job<'a> {
    pub python: &'a PythonRunner,
    pub program_dir: &'a Path,
    pub entry: &'a str,
    pub limits: RunLimits,
    pub random_seed: u64,
    pub cwd: &'a Path,
    pub hidden_env: &'a [String],
    pub work: PathBuf,
}

impl Bridge {
    /// Writes the bridge's files under `scratch`; `evaluator` must exist.
    pub(crate) fn new(
        scratch: &Path,
        evaluator: PathBuf,
        python: String,
        timeout: Duration,
    ) -> Result<Self, EvolveError> {
        if !evaluator.is_file() {
            return Err(EvolveError::Setup(format!(
                "evaluate.scorer.evaluator: {} is not a file",
                evaluator.display()
            )));
        }
        let dir = scratch.join("bridge");
        for (rel, text) in FILES {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(EvolveError::io("create", parent))?;
            }
            std::fs::write(&path, text).map_err(EvolveError::io("write", &path))?;
        }
        Ok(Bridge {
            dir: canonical(&dir)?,
            evaluator: canonical(&evaluator)?,
            python,
            timeout,
        })
    }

    /// Runs the evaluator on the candidate materialized in `job.program_dir`.
    pub(crate) fn evaluate(&self, job: Job<'_>) -> Result<Bridged, EvolveError> {
        let tmp = job.work.join("tmp");
        std::fs::create_dir_all(&tmp).map_err(EvolveError::io("create", &tmp))?;
        let socket_path = socket_path()?;
        let listener =
            UnixListener::bind(&socket_path).map_err(EvolveError::io("bind", &socket_path))?;
        let result_path = job.work.join("result.json");
        let sandboxed = Sandboxed {
            python: job.python,
            bridge_dir: &self.dir,
            program_dir: canonical(job.program_dir)?,
            tmp: canonical(&tmp)?,
            limits: job.limits.clone(),
            random_seed: job.random_seed,
            stats: Mutex::new(SandboxStats::default()),
        };
        let program = sandboxed.program_dir.join(job.entry);
        let mut cmd = Command::new(&self.python);
        cmd.arg(self.dir.join("clade_bridge.py"))
            .current_dir(job.cwd)
            .env("CLADE_BRIDGE_SOCKET", &socket_path)
            .env("CLADE_BRIDGE_PROGRAM", &program)
            .env("CLADE_BRIDGE_PROGRAM_DIR", &sandboxed.program_dir)
            .env("CLADE_BRIDGE_EVALUATOR", &self.evaluator)
            .env("CLADE_BRIDGE_WORK", &job.work)
            .env("CLADE_BRIDGE_TMP", &sandboxed.tmp)
            .env("CLADE_BRIDGE_RESULT", &result_path)
            // The program's folder stays as materialized: no __pycache__.
            .env("PYTHONDONTWRITEBYTECODE", "1");
        for var in job.hidden_env {
            cmd.env_remove(var);
        }
        let finished = serve::while_running(&listener, &sandboxed, || {
            run_with_deadline(cmd, &[], self.timeout, 16 << 20, 64 << 10)
        });
        if let Some(dir) = socket_path.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
        let finished = finished.map_err(|e| {
            EvolveError::Setup(format!(
                "cannot start the evaluator's Python {:?}: {e} (set evaluate.scorer.python)",
                self.python
            ))
        })?;
        let sandbox = sandboxed
            .stats
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default();
        let metrics = match finished.status {
            None => Err(format!(
                "the evaluator did not finish within {:.0} s and was killed",
                self.timeout.as_secs_f64()
            )),
            Some(status) if !status.success() => Err(format!(
                "the evaluator's Python failed ({status}): {}",
                tail(&String::from_utf8_lossy(&finished.stderr), 2000)
            )),
            Some(_) => read_result(&result_path).map_err(|message| {
                let stderr = String::from_utf8_lossy(&finished.stderr);
                match tail(&stderr, 4000) {
                    "" => message,
                    tail => format!("{message}\n\nThe evaluator's stderr:\n{tail}"),
                }
            }),
        };
        Ok(Bridged { metrics, sandbox })
    }
}

/// A short socket path (Unix sockets' paths are limited to ~100 bytes, and
/// a run's scratch folder can be deeper than that) in a new folder only
/// this user may enter, so no other local user can ask for sandboxed runs.
fn socket_path() -> Result<PathBuf, EvolveError> {
    use std::os::unix::fs::DirBuilderExt;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("clade-bridge-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .map_err(EvolveError::io("create", &dir))?;
    Ok(dir.join("s"))
}

fn canonical(path: &Path) -> Result<PathBuf, EvolveError> {
    path.canonicalize()
        .map_err(EvolveError::io("resolve", path))
}

fn tail(text: &str, chars: usize) -> &str {
    let text = text.trim();
    let start = text
        .char_indices()
        .rev()
        .nth(chars - 1)
        .map_or(0, |(i, _)| i);
    &text[start..]
}

/// The evaluator's result file: `{"metrics": {..}, "ignored": [..],
/// "reported_error": ..}` or `{"error": "<traceback>"}` when it raised.
fn read_result(path: &Path) -> Result<Metrics, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|_| "the evaluator ended without a result".to_string())?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("the evaluator's result: {e}"))?;
    if let Some(error) = value.get("error").and_then(|e| e.as_str()) {
        let last = error.trim().lines().last().unwrap_or("an exception");
        return Err(format!("the evaluator raised {last}\n{error}"));
    }
    if let Some(error) = value.get("reported_error").and_then(|e| e.as_str()) {
        return Err(format!("the evaluator reported an error: {error}"));
    }
    let mut metrics = Metrics::new();
    let numbers = value
        .get("metrics")
        .and_then(|m| m.as_object())
        .ok_or("the evaluator's result holds no metrics")?;
    for (key, number) in numbers {
        match number.as_f64() {
            Some(v) if v.is_finite() => {
                metrics.insert(key.clone(), v);
            }
            _ => return Err(format!("metric {key:?} is not a finite number")),
        }
    }
    Ok(metrics)
}
