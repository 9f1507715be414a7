//! A worker's evaluation of one job, whatever carried it: the evaluator of
//! a bundle (materialized once under the worker's home and built the way
//! `clade run` builds its own) and the checks a job passes before it is
//! evaluated. Blocking and transport-free: the NATS worker calls it on a
//! blocking thread, the Slurm batch worker directly.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use clade_evolve::remote::{Bundle, worker_backend};
use clade_evolve::{EvalBackend, EvalJob, Evaluation};

use crate::DistError;
use crate::wire::JobMessage;

/// What a worker evaluates with, besides the bundle.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    /// Clade's cache home (bundles, build dir, module cache).
    pub home: PathBuf,
    /// Environment variables a command scorer must not see.
    pub hidden_env: Vec<String>,
    /// This worker's name: its scratch folder for candidate builds.
    pub worker: String,
}

/// The evaluator of `bundle` (whose digest is `digest`): materialized under
/// the worker's home unless it is there already, then built.
pub(crate) fn build(
    place: &Place,
    digest: &str,
    bundle: Bundle,
) -> Result<Arc<dyn EvalBackend>, DistError> {
    let dir = bundle_dir(&place.home, digest)?;
    let scratch = place
        .home
        .join("worker")
        .join("scratch")
        .join(&place.worker);
    bundle
        .materialize(&dir)
        .and_then(|()| {
            worker_backend(
                &dir,
                &bundle.config_path,
                &place.home,
                place.hidden_env.clone(),
                scratch,
            )
        })
        .map_err(|e| DistError::Setup(format!("the bundle {digest} does not evaluate here: {e}")))
}

/// Reads a bundle's bytes, refusing any whose digest is not `digest`.
pub(crate) fn read_bundle(bytes: &[u8], digest: &str) -> Result<Bundle, DistError> {
    let bundle = Bundle::from_bytes(bytes).map_err(|e| DistError::Setup(e.to_string()))?;
    if bundle.digest() != digest {
        return Err(DistError::Setup(format!(
            "the bundle stored as {digest} has another digest ({}): refused",
            bundle.digest()
        )));
    }
    Ok(bundle)
}

fn bundle_dir(home: &Path, digest: &str) -> Result<PathBuf, DistError> {
    if !is_digest(digest, 64) {
        return Err(DistError::Setup(format!(
            "{digest:?} is not a bundle digest"
        )));
    }
    Ok(home.join("worker").join("bundles").join(digest))
}

/// Whether `text` is `len` lowercase hex digits: the only names a job or a
/// bundle may give a file.
pub(crate) fn is_digest(text: &str, len: usize) -> bool {
    text.len() == len
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Refuses a job made for another environment than this worker's
/// `fingerprint`, or whose id is not the digest of its content.
pub(crate) fn check(job: &JobMessage, fingerprint: &str) -> Result<(), DistError> {
    if !job.is_consistent() {
        return Err(DistError::Setup(format!(
            "job {}: its id is not the digest of its content: refused",
            job.id
        )));
    }
    if job.fingerprint != fingerprint {
        return Err(DistError::Setup(format!(
            "the job's fingerprint {} is not this worker's {fingerprint}",
            job.fingerprint
        )));
    }
    Ok(())
}

/// Evaluates `job` (passed [`check`]) with `backend`.
pub(crate) fn evaluate(
    backend: &dyn EvalBackend,
    job: &JobMessage,
) -> Result<Evaluation, DistError> {
    // The job id, not the run's key, names the scratch folder: jobs of
    // several runs may share a bundle on one worker.
    let eval_job = EvalJob {
        files: job.files.clone(),
        key: format!("j{}", job.id),
        seed: job.seed,
    };
    let started = Instant::now();
    let evaluation = backend
        .evaluate(&eval_job)
        .map_err(|e| DistError::Setup(e.to_string()))?;
    tracing::info!(job = %job.id, ms = started.elapsed().as_millis() as u64, "evaluated");
    Ok(evaluation)
}
