//! This machine as the evaluation backend: the sandbox's runner and
//! builder (and the Python runtime) with the evaluator over the crate as
//! committed at a run's base commit. `clade run` builds it by default and a
//! `clade worker` builds it from a bundle; it must not know about runs,
//! archives' writers or remote transports.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clade_archive::Archive;
use clade_sandbox::python::{PythonArtifacts, PythonRunner};
use clade_sandbox::{Builder, BuilderConfig, Runner, RunnerConfig};

use crate::backend::EvalBackend;
use crate::config::{BuildKind, Config};
use crate::error::EvolveError;
use crate::evaluate::Evaluator;
use crate::project::{Project, is_program_file};

/// This machine's sandbox (runner, builder) and the evaluator over the
/// crate as committed at `base_commit`: what `clade run` evaluates with by
/// default, and what a worker builds from a bundle.
pub(crate) fn local_backend(
    config: &Config,
    project: &Project,
    archive: &Archive,
    base_commit: &str,
    home: &Path,
    hidden_env: Vec<String>,
    scratch: PathBuf,
) -> Result<Arc<dyn EvalBackend>, EvolveError> {
    let runner = Arc::new(Runner::new(RunnerConfig {
        cache_dir: Some(home.join("modules")),
        ..RunnerConfig::default()
    })?);
    let builder = match config.target.build {
        BuildKind::CargoWasm => Some(Arc::new(Builder::new(BuilderConfig {
            work_dir: home.join("build"),
            ..BuilderConfig::default()
        })?)),
        BuildKind::Wasm | BuildKind::Python => None,
    };
    let python = match config.target.build {
        BuildKind::Python => Some(python_runner(home)?),
        _ => None,
    };
    let mut crate_files = BTreeMap::new();
    if let Some(dir) = project.crate_repo_dir() {
        for (path, bytes) in archive.files_in_commit(base_commit, &dir)? {
            let rel = if dir.is_empty() {
                path.as_str()
            } else {
                path.strip_prefix(&format!("{dir}/")).unwrap_or(&path)
            };
            if is_program_file(config.target.build, rel) {
                crate_files.insert(rel.to_string(), bytes);
            }
        }
        if crate_files.is_empty() {
            return Err(EvolveError::Setup(format!(
                "the crate at {} is not in the last commit ({}): commit it first",
                if dir.is_empty() { "." } else { dir.as_str() },
                &base_commit[..12.min(base_commit.len())]
            )));
        }
    }
    let workspace = crate::own_crate::workspace_of(config, project, archive, base_commit)?;
    let mut evaluator = Evaluator::new(
        config,
        project.clone(),
        runner,
        builder,
        crate_files,
        hidden_env,
        scratch,
    )?
    .with_own_crate(config, workspace)?;
    if let Some(python) = python {
        evaluator = evaluator.with_python(python);
    }
    Ok(Arc::new(evaluator))
}

/// The Python runtime under `home`, compiled before the seed runs (minutes
/// the first time on a machine, said on stderr; a load from the module cache
/// after). A missing runtime is an error naming the command that fetches it.
pub(crate) fn python_runner(home: &Path) -> Result<Arc<PythonRunner>, EvolveError> {
    let artifacts = PythonArtifacts::locate(home)?;
    let runner = PythonRunner::new(artifacts)?;
    tracing::info!(
        "loading the Python runtime (the first time on a machine it compiles for minutes)"
    );
    let started = Instant::now();
    runner.warm()?;
    if started.elapsed() > Duration::from_secs(5) {
        tracing::info!(
            "compiled the Python runtime in {:.0} s (cached for later runs)",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(Arc::new(runner))
}
