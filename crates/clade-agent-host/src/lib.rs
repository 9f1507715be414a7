//! Runs an agent guest on a task and grades what it left.
//!
//! An agent is a wasm32-wasip1 program (`agents/seed` is the first) that the
//! sandbox builds with the host-owned agent template. [`AgentRunner`] runs it
//! on one task of a suite with the `clade.agent_*` imports answered by an
//! [`AgentHost`]: the task statement, an LLM chat call, list/read/write of a
//! workspace the host holds, the diff, the visible tests, a note, what has
//! been spent, done. A task is a coding task of a suite ([`coding`]) or a
//! shipped benchmark to optimize ([`optimize`]), or the agent's own folder
//! to improve ([`self_improve`]). The host owns every limit ([`Budget`], metered by
//! [`budget::Meter`] in host memory), the model, its seeds and any API key,
//! and writes the transcript itself. After the agent ends, however it ends,
//! only the workspace's `src/**/*.rs` is graded, with the hidden tests of the
//! pristine, hash-checked suite (`clade_tasks::Grader`); an optimization
//! task's evolvable files are re-evaluated on inputs the agent never saw.
//!
//! This crate must not let anything of the hidden tests, the reference or a
//! key reach the guest, and must not read a score from anything the guest
//! wrote.

pub mod budget;
pub mod coding;
pub mod config;
mod error;
pub mod host;
mod model;
pub mod optimize;
mod proposer;
mod run;
pub mod self_improve;
pub mod transcript;
pub mod workspace;

pub use budget::{Budget, Spent};
pub use config::AgentConfig;
pub use error::AgentHostError;
pub use host::{AGENT_IMPORTS, AgentHost, Model, ModelBackend, TestReport, Tester, call_seed};
pub use model::{HostReply, ModelService};
pub use optimize::{Benchmark, OptimizationGrade};
pub use proposer::AgentProposer;
pub use run::{AgentOutcome, AgentRunner, Count, PROMPTS_MOUNT, TaskRef, TaskRun};
pub use self_improve::Canary;
