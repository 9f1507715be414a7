//! `clade worker --slurm-batch LIST`: what a Slurm batch job runs. It
//! evaluates the jobs its list names, one after another, in this node's
//! sandbox, and publishes each result first-wins beside them. A job whose
//! result is there already is skipped (a resubmitted batch redoes only what
//! was lost). It reads only files under the shared folder and names none
//! from their content.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clade_evolve::EvalBackend;

use super::layout::{Layout, Published, publish_first, read_if_there};
use crate::evaluator::{self, Place};
use crate::wire::{JobMessage, ResultMessage, same_outcome};
use crate::{DistError, environment};

/// What one batch did.
#[derive(Debug, Default, PartialEq)]
pub struct BatchReport {
    pub evaluated: u64,
    /// Jobs whose result another run of the batch published first.
    pub skipped: u64,
    /// Jobs that could not be evaluated here, with why (also printed to
    /// the batch's log); the coordinator resubmits them.
    pub failed: Vec<(String, String)>,
}

/// Evaluates the jobs listed in `list` (a batch file the coordinator wrote
/// under `<dir>/batches/`). `home` is this node's Clade cache.
pub fn run_batch(
    list: &Path,
    home: PathBuf,
    hidden_env: Vec<String>,
) -> Result<BatchReport, DistError> {
    let layout = layout_of(list)?;
    let text =
        std::fs::read_to_string(list).map_err(|e| super::layout::io_error("read", list, e))?;
    let ids: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if let Some(bad) = ids.iter().find(|id| !evaluator::is_digest(id, 32)) {
        return Err(DistError::Setup(format!(
            "{}: {bad:?} is not a job id",
            list.display()
        )));
    }
    let (words, fingerprint) = environment();
    let place = Place {
        home,
        hidden_env,
        worker: worker_name(),
    };
    let mut evaluators: HashMap<String, Arc<dyn EvalBackend>> = HashMap::new();
    let mut report = BatchReport::default();
    // One job that cannot be evaluated here does not take the others down:
    // it is reported and left without a result, for the coordinator.
    for id in ids {
        if layout.result(id).exists() {
            report.skipped += 1;
            continue;
        }
        let done = (|| {
            let job = read_job(&layout, id)?;
            evaluator::check(&job, &fingerprint)
                .map_err(|e| DistError::Setup(format!("{e}; this node's environment: {words}")))?;
            let backend = match evaluators.get(&job.bundle) {
                Some(found) => found.clone(),
                None => {
                    let built = build(&layout, &place, &job.bundle)?;
                    evaluators.insert(job.bundle.clone(), built.clone());
                    built
                }
            };
            let evaluation = evaluator::evaluate(&*backend, &job)?;
            publish(&layout, &place.worker, &job, evaluation)
        })();
        match done {
            Ok(()) => report.evaluated += 1,
            Err(e) => {
                eprintln!("job {id}: {e}");
                report.failed.push((id.to_string(), e.to_string()));
            }
        }
    }
    Ok(report)
}

/// The shared folder a batch list lives in: `<dir>/batches/NAME.list`.
fn layout_of(list: &Path) -> Result<Layout, DistError> {
    let root = list
        .parent()
        .filter(|p| p.file_name().is_some_and(|n| n == "batches"))
        .and_then(Path::parent)
        .ok_or_else(|| {
            DistError::Setup(format!(
                "{} is not a batch list (expected DIR/batches/NAME.list)",
                list.display()
            ))
        })?;
    Ok(Layout::new(root))
}

fn read_job(layout: &Layout, id: &str) -> Result<JobMessage, DistError> {
    let path = layout.job(id);
    let bytes = read_if_there(&path)?
        .ok_or_else(|| DistError::Setup(format!("job {id}: {} is missing", path.display())))?;
    let job: JobMessage = serde_json::from_slice(&bytes)
        .map_err(|e| DistError::Setup(format!("job {id}: {} is not a job: {e}", path.display())))?;
    if job.id != id {
        return Err(DistError::Setup(format!(
            "job {id}: {} names another job ({})",
            path.display(),
            job.id
        )));
    }
    Ok(job)
}

fn build(layout: &Layout, place: &Place, digest: &str) -> Result<Arc<dyn EvalBackend>, DistError> {
    if !evaluator::is_digest(digest, 64) {
        return Err(DistError::Setup(format!(
            "{digest:?} is not a bundle digest"
        )));
    }
    let path = layout.bundle(digest);
    let bytes = read_if_there(&path)?
        .ok_or_else(|| DistError::Setup(format!("the bundle {} is missing", path.display())))?;
    evaluator::build(place, digest, evaluator::read_bundle(&bytes, digest)?)
}

fn publish(
    layout: &Layout,
    worker: &str,
    job: &JobMessage,
    evaluation: clade_evolve::Evaluation,
) -> Result<(), DistError> {
    let result = ResultMessage {
        job: job.id.clone(),
        worker: worker.to_string(),
        evaluation,
    };
    let bytes = serde_json::to_vec(&result)?;
    if let Published::Existing(earlier) = publish_first(&layout.result(&job.id), &bytes)? {
        match serde_json::from_slice::<ResultMessage>(&earlier) {
            Ok(earlier) if same_outcome(&earlier.evaluation, &result.evaluation) => {}
            Ok(earlier) => tracing::warn!(
                job = %job.id,
                "nondeterminism: this evaluation differs from the one {} published first (kept)",
                earlier.worker
            ),
            Err(_) => tracing::warn!(job = %job.id, "the published result is not readable"),
        }
    }
    Ok(())
}

/// `slurm-JOBID-HOST` inside a Slurm job, else `batch-PID-HOST`.
fn worker_name() -> String {
    let host = crate::worker::host_name();
    match std::env::var("SLURM_JOB_ID") {
        Ok(id) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => {
            format!("slurm-{id}-{host}")
        }
        _ => format!("batch-{}-{host}", std::process::id()),
    }
}
