//! What travels over NATS: the names of the stream, consumers, buckets and
//! subjects, a job, a result and a worker's heartbeat, each as JSON. Only
//! this module knows the shapes; it must not do any I/O.

use std::collections::BTreeMap;

use clade_evolve::{EvalJob, Evaluation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The work-queue stream (its name comes from the config; default here).
pub const DEFAULT_STREAM: &str = "CLADE_JOBS";
/// Results by job id: first one wins.
pub const RESULTS_BUCKET: &str = "clade-results";
/// Live workers: each refreshes its entry; entries expire.
pub const WORKERS_BUCKET: &str = "clade-workers";
/// Evaluation bundles by content digest.
pub const BUNDLES_BUCKET: &str = "clade-bundles";
/// How long a worker's heartbeat stays without a refresh.
pub const WORKER_TTL_S: u64 = 20;
/// How long results are kept (a `--resume` within it reuses them).
pub const RESULT_TTL_S: u64 = 7 * 24 * 3600;

/// The subjects a stream named `stream` takes jobs on.
pub fn stream_subjects(stream: &str) -> String {
    format!("{}.>", subject_root(stream))
}

/// The subject of jobs for workers whose environment fingerprint is `fp`:
/// a worker subscribes to its own, so a mismatched one never sees a job.
pub fn job_subject(stream: &str, fp: &str) -> String {
    format!("{}.{fp}", subject_root(stream))
}

/// The durable consumer every worker of fingerprint `fp` shares.
pub fn consumer_name(fp: &str) -> String {
    format!("workers-{fp}")
}

fn subject_root(stream: &str) -> String {
    format!("clade.jobs.{}", stream.to_ascii_lowercase())
}

/// Where the server announces a job that reached its delivery cap.
pub fn max_deliveries_subject(stream: &str) -> String {
    format!("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{stream}.*")
}

/// One candidate to evaluate, with what names its evaluation uniquely.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobMessage {
    /// Digest of everything that decides the result; the results key.
    pub id: String,
    pub run: String,
    /// The run's name for the job (`i12r1`), for logs.
    pub key: String,
    pub seed: u64,
    /// The evaluation bundle's digest (object name in the bundles bucket).
    pub bundle: String,
    /// The coordinator's environment fingerprint (the subject says it too).
    pub fingerprint: String,
    pub files: BTreeMap<String, String>,
}

impl JobMessage {
    pub fn new(run: &str, bundle: &str, fingerprint: &str, job: &EvalJob) -> JobMessage {
        JobMessage {
            id: job_id(run, bundle, fingerprint, job),
            run: run.to_string(),
            key: job.key.clone(),
            seed: job.seed,
            bundle: bundle.to_string(),
            fingerprint: fingerprint.to_string(),
            files: job.files.clone(),
        }
    }
}

impl JobMessage {
    /// Whether the id is the digest of the rest: a job that fails this was
    /// made by something other than a coordinator, or damaged.
    pub fn is_consistent(&self) -> bool {
        let job = EvalJob {
            files: self.files.clone(),
            key: self.key.clone(),
            seed: self.seed,
        };
        self.id == job_id(&self.run, &self.bundle, &self.fingerprint, &job)
    }
}

/// The same run, bundle, environment, job key, seed and files give the same
/// id, so a resumed coordinator finds what workers already published.
pub fn job_id(run: &str, bundle: &str, fingerprint: &str, job: &EvalJob) -> String {
    let mut hasher = Sha256::new();
    for part in [run, bundle, fingerprint, &job.key, &job.seed.to_string()] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    for (path, text) in &job.files {
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update((text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    }
    let hex = format!("{:x}", hasher.finalize());
    hex[..32].to_string()
}

/// A worker's answer to a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultMessage {
    pub job: String,
    pub worker: String,
    pub evaluation: Evaluation,
}

/// A live worker, as its heartbeat says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerInfo {
    pub id: String,
    pub host: String,
    pub fingerprint: String,
    /// The environment the fingerprint digests, in words.
    pub environment: String,
    pub jobs_done: u64,
    pub busy: u32,
    pub slots: u32,
    pub started_ms: u64,
}

/// Whether two evaluations of one job agree on everything but timings.
pub fn same_outcome(a: &Evaluation, b: &Evaluation) -> bool {
    match (a, b) {
        (
            Evaluation::Scored {
                score: sa,
                metrics: ma,
                sandbox: xa,
                ..
            },
            Evaluation::Scored {
                score: sb,
                metrics: mb,
                sandbox: xb,
                ..
            },
        ) => sa == sb && ma == mb && xa.fuel == xb.fuel,
        (
            Evaluation::Rejected {
                reason: ra,
                feedback: fa,
                ..
            },
            Evaluation::Rejected {
                reason: rb,
                feedback: fb,
                ..
            },
        ) => ra == rb && fa == fb,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(key: &str, text: &str) -> EvalJob {
        EvalJob {
            files: BTreeMap::from([("src/main.rs".to_string(), text.to_string())]),
            key: key.into(),
            seed: 3,
        }
    }

    #[test]
    fn a_job_id_names_everything_that_decides_the_result() {
        let base = job_id("r", "b", "f", &job("i1", "x"));
        assert_eq!(base, job_id("r", "b", "f", &job("i1", "x")));
        assert_eq!(base.len(), 32);
        for other in [
            job_id("r2", "b", "f", &job("i1", "x")),
            job_id("r", "b2", "f", &job("i1", "x")),
            job_id("r", "b", "f2", &job("i1", "x")),
            job_id("r", "b", "f", &job("i2", "x")),
            job_id("r", "b", "f", &job("i1", "y")),
        ] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn a_job_whose_id_is_not_its_digest_is_inconsistent() {
        let good = JobMessage::new("r", "b", "f", &job("i1", "x"));
        assert!(good.is_consistent());
        let mut tampered = good.clone();
        tampered.files.insert("src/main.rs".into(), "y".into());
        assert!(!tampered.is_consistent());
        let mut forged = good;
        forged.id = "../../escape".into();
        assert!(!forged.is_consistent());
    }

    #[test]
    fn subjects_keep_fingerprints_apart() {
        assert_eq!(
            job_subject("CLADE_JOBS", "ab12"),
            "clade.jobs.clade_jobs.ab12"
        );
        assert_eq!(stream_subjects("CLADE_JOBS"), "clade.jobs.clade_jobs.>");
        assert_ne!(job_subject("S", "a"), job_subject("S", "b"));
    }
}
