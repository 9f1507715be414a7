//! Distributed evaluation for Clade on existing engines: a NATS JetStream
//! work queue between one coordinator (`clade run` with `[evaluate.backend]
//! kind = "nats"`) and any number of `clade worker` processes, and Slurm
//! batches over a shared folder for clusters where no server may run
//! (`kind = "slurm"`, see [`slurm`]).
//!
//! - **Jobs**: one per candidate ([`wire::JobMessage`]: the evolvable files,
//!   the seed, the run's evaluation bundle by digest, the coordinator's
//!   environment fingerprint), published to a work-queue stream on the
//!   subject of that fingerprint, deduplicated by `Nats-Msg-Id` = job id.
//! - **Workers** share one durable pull consumer per fingerprint: a worker
//!   whose Clade, engine or toolchain differs subscribes elsewhere and
//!   never takes the job; the coordinator says so in its log when a job
//!   waits. A job not acknowledged within `ack_wait` (a killed worker) goes
//!   to another; `in_progress` keeps long evaluations; `max_deliver` caps
//!   deliveries, after which the coordinator records a `host_error`.
//! - **Results** are stored in a key-value bucket under the job id with
//!   `create` (first wins): a redelivered job whose result exists is
//!   acknowledged without work, a resumed coordinator reuses what was
//!   published, and the archive does not depend on the backend or the
//!   number of workers (the controller records in iteration order).
//! - **Bundles** (the committed folder of `clade.toml` at the run's base
//!   commit, and the run's config) travel by content digest through the
//!   JetStream object store, never by shared disk.
//!
//! This crate is Clade's only user of `async-nats` and the only one that
//! starts Slurm commands. It evaluates through
//! `clade-evolve`'s evaluator and never touches the archive.
//!
//! ```no_run
//! use std::time::Duration;
//! let conn = clade_dist::Connection {
//!     url: "nats://127.0.0.1:4222".into(),
//!     token_env: None,
//!     user: None,
//!     stream: clade_dist::wire::DEFAULT_STREAM.into(),
//!     ack_wait: Duration::from_secs(60),
//!     max_deliver: 3,
//! };
//! for worker in clade_dist::workers::list(&conn)? {
//!     println!("{} busy {}/{}", worker.id, worker.busy, worker.slots);
//! }
//! # Ok::<(), clade_dist::DistError>(())
//! ```

mod coordinator;
mod evaluator;
mod infra;
pub mod slurm;
pub mod wire;
pub mod worker;
pub mod workers;

use sha2::{Digest, Sha256};

pub use coordinator::{Coordinator, DistBackends};
pub use infra::Connection;

/// What went wrong, said for the user.
#[derive(Debug, thiserror::Error)]
pub enum DistError {
    #[error("{0}")]
    Setup(String),
    #[error("NATS: {0}")]
    Nats(String),
    #[error("job {key}: no result within {seconds} s (evaluate.backend.job_timeout_s)")]
    Timeout { key: String, seconds: u64 },
    #[error(
        "job {key} was delivered {deliveries} times without a result (workers died on it or could not evaluate it)"
    )]
    Poison { key: String, deliveries: i64 },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// This process's evaluation environment, in words and as the fingerprint
/// jobs and workers are matched by: Clade's version and the sandbox's
/// engine and toolchain ([`clade_sandbox::environment`]).
pub fn environment() -> (String, String) {
    let words = format!(
        "clade {}; {}",
        env!("CARGO_PKG_VERSION"),
        clade_sandbox::environment()
    );
    let digest = format!("{:x}", Sha256::digest(words.as_bytes()));
    (words, digest[..16].to_string())
}
