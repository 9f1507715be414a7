//! The seam between the controller and "build, run and score one
//! candidate": [`EvalBackend`]. The controller hands a backend an
//! [`EvalJob`] and records whatever [`Evaluation`] comes back; it never knows
//! where or how the candidate ran. Today's in-process sandbox evaluator
//! ([`crate::Evaluator`]) is the first backend; distributed workers, Python
//! candidates and agent tasks are meant to be others.
//!
//! This module owns the contract and the one place a backend is called from
//! async code ([`evaluate_on_pool`]); it must not know any backend's insides.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::error::EvolveError;
use crate::evaluate::{Evaluation, Evaluator};
use crate::rejection::Rejection;

/// One candidate to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalJob {
    /// The candidate's evolvable files, root-relative path → content.
    pub files: BTreeMap<String, String>,
    /// A name unique within the run (`seed`, `i12`, `i12r1`): a scratch
    /// folder, a job id, a log line.
    pub key: String,
    /// The evaluation's seed (WASI randomness, drawn inputs): from the
    /// run's evaluation stream, never the LLM's.
    pub seed: u64,
}

/// Builds, runs and scores candidates.
///
/// What an implementation must guarantee, because the controller and the
/// archive rely on it:
///
/// - **Determinism.** The same files and seed give the same `Evaluation`
///   (score, metrics, rejection, fuel), apart from wall-clock timings, on
///   any machine: the archive is resumed and replayed on that promise.
/// - **Rejections are values.** Every way a candidate can fail (does not
///   build, traps, runs out of fuel or time, prints garbage, is refused by
///   the scorer) is `Ok(Evaluation::Rejected { .. })` with a reason and
///   feedback. `Err` is for the host's own faults (a cache folder that
///   cannot be written, a worker that cannot be reached) and is recorded
///   as a `host_error` rejection of that candidate; the run goes on.
/// - **The host scores.** The score comes only from trusted host code; no
///   file, output or exit status of the candidate is taken as a score.
/// - **Concurrency.** Up to `run.parallel_evaluations` calls run at once,
///   each on a blocking thread: a call may block for as long as the
///   evaluation takes, and must end within its configured limits.
/// - **Nothing else.** A backend never touches the archive, the LLM or the
///   user's environment variables; secrets never reach a candidate.
pub trait EvalBackend: Send + Sync {
    fn evaluate(&self, job: &EvalJob) -> Result<Evaluation, EvolveError>;

    /// The workers behind a remote backend, as last seen (cheap: no I/O);
    /// `None` for this machine's sandbox.
    fn workers(&self) -> Option<WorkerCounts> {
        None
    }
}

/// What a remote backend's workers are doing, for the progress display.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct WorkerCounts {
    /// Live workers that can take this run's jobs.
    pub live: u32,
    /// Jobs being evaluated by them.
    pub busy: u32,
    /// Jobs waiting on the queue for a worker.
    pub queued: u64,
}

/// The in-process sandbox evaluator is the default backend.
impl EvalBackend for Evaluator {
    fn evaluate(&self, job: &EvalJob) -> Result<Evaluation, EvolveError> {
        Evaluator::evaluate(self, &job.files, &job.key, job.seed)
    }
}

/// Runs `job` on the blocking pool. A host fault or a panicking backend
/// becomes the candidate's `host_error` rejection, so one bad evaluation
/// never stops or hangs the run.
pub(crate) async fn evaluate_on_pool(backend: Arc<dyn EvalBackend>, job: EvalJob) -> Evaluation {
    match tokio::task::spawn_blocking(move || backend.evaluate(&job)).await {
        Ok(Ok(evaluation)) => evaluation,
        // The message names the host problem (cache dir, toolchain, worker).
        Ok(Err(err)) => Evaluation::host_error(err.to_string()),
        Err(join) => Evaluation::rejected(
            Rejection::HostError(format!("the evaluation thread failed: {join}")),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Result<Evaluation, String>);

    impl EvalBackend for Fixed {
        fn evaluate(&self, job: &EvalJob) -> Result<Evaluation, EvolveError> {
            assert_eq!(job.key, "i3");
            match &self.0 {
                Ok(evaluation) => Ok(evaluation.clone()),
                Err(message) if message == "panic" => panic!("backend bug"),
                Err(message) => Err(EvolveError::Setup(message.clone())),
            }
        }
    }

    fn job() -> EvalJob {
        EvalJob {
            files: BTreeMap::from([("src/main.rs".into(), "fn main() {}".into())]),
            key: "i3".into(),
            seed: 7,
        }
    }

    fn on_pool(backend: Fixed) -> Evaluation {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(evaluate_on_pool(Arc::new(backend), job()))
    }

    #[test]
    fn a_backends_evaluation_is_passed_through() {
        let scored = Evaluation::rejected(Rejection::RunFailed("trap".into()), Some("x".into()));
        assert_eq!(on_pool(Fixed(Ok(scored.clone()))), scored);
    }

    #[test]
    fn a_host_fault_is_the_candidates_host_error() {
        let Evaluation::Rejected { reason, .. } = on_pool(Fixed(Err("disk full".into()))) else {
            panic!("not rejected");
        };
        assert_eq!(reason.to_string(), "host_error: disk full");
    }

    #[test]
    fn a_panicking_backend_is_a_host_error_not_a_hang() {
        let Evaluation::Rejected { reason, .. } = on_pool(Fixed(Err("panic".into()))) else {
            panic!("not rejected");
        };
        let text = reason.to_string();
        assert!(
            text.starts_with("host_error: the evaluation thread failed: "),
            "{text}"
        );
    }
}
