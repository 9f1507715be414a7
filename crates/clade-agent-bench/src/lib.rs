//! `clade bench agents`: is this agent better than that one, at the same
//! model and budget, and by how much?
//!
//! A comparison runs every (agent, task, repeat) *cell* of a suite's split
//! ([`run`]): each cell is one `clade_agent_host` run of the agent on the
//! task, graded on the hidden tests. Every agent gets the same seed for the
//! same (task, repeat) — common random numbers, so agents differ by what
//! they do, not by the draws they got — and the same model and budget,
//! which [`CellParams`] names and fingerprints. Each fresh result is stored
//! with its transcript in the archive's result store
//! (`refs/clade-results/agent-bench/<agent tree>/<params>/<task>/<repeat>`,
//! written only by the host) before it is reported, so a second comparison
//! makes no LLM call and an interrupted one resumes where it stopped.
//!
//! [`report`] turns the results into the numbers a reviewer trusts: the pass
//! rate with a bootstrap interval over tasks (a task's repeats stay
//! together), the Wilson interval, the paired difference against the first
//! agent, and the cost per task; [`svg`] draws them, and an evolution run's
//! lineage. [`stats`] holds the statistics as pure functions.
//!
//! ```text
//! clade bench agents agents/seed agents/more-repairs --suite tasks/rust-core --split heldout --repeats 3
//! ```
//!
//! This crate must not let an agent choose a key, a seed, a model or a
//! budget, and must not mix results of different parameters.

mod agent;
mod cell;
mod error;
pub mod report;
mod run;
pub mod stats;
pub mod svg;
mod variants;

pub use agent::{Agent, agent_tree};
pub use cell::{CellParams, CellResult, KEY_ROOT, key as cell_key, seed, suite_hash};
pub use error::BenchError;
pub use report::Report;
pub use run::{Bench, CellDone, Plan, Results, SplitFilter};
pub use variants::{lineage_nodes, variant_agent};
