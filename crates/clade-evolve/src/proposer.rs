//! The seam between the controller and "turn a parent into a candidate":
//! [`Proposer`]. Without one, an iteration asks the run's LLM itself
//! (`proposal::work`: prompt, reply, SEARCH/REPLACE, repairs). With one —
//! `clade run --agent`, an agent guest Clade built — the iteration hands the
//! proposer the parent's evolvable files, the run's model for this
//! iteration and a way to evaluate, and records whatever files it leaves.
//!
//! This module owns the contract only; it must not know how a proposer
//! works inside.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use clade_llm::Endpoint;

use crate::evaluate::Evaluation;

/// Evaluates a candidate's evolvable files with the run's backend and this
/// iteration's evaluation seed.
pub type Evaluate = Arc<dyn Fn(&BTreeMap<String, String>) -> Evaluation + Send + Sync>;

/// One iteration's question.
pub struct ProposalRequest {
    pub iteration: u64,
    /// What the program does and what to improve (`target.task`).
    pub task: String,
    pub metric: String,
    /// `maximize` or `minimize`.
    pub direction: String,
    /// The parent's evolvable files and its score.
    pub files: BTreeMap<String, String>,
    pub parent_score: Option<f64>,
    /// The files hold EVOLVE-BLOCK markers: only their regions may change.
    pub regions: bool,
    /// The model of this iteration and the seed its calls derive from.
    pub endpoint: Arc<Endpoint>,
    pub seed: u64,
    pub evaluate: Evaluate,
}

/// What a proposer left.
pub struct Proposal {
    /// The evolvable files at the end (the controller evaluates them again,
    /// so what counts is the host's evaluation, never the proposer's word).
    pub files: BTreeMap<String, String>,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_usd: f64,
    /// Where the proposer's own record of the work is, if it keeps one.
    pub transcript: Option<PathBuf>,
}

/// Turns a parent into a candidate. Called on a blocking thread of the
/// run's runtime (so it may block on the endpoint through
/// `tokio::runtime::Handle::current()`); `Err` is the proposer's failure,
/// recorded as the iteration's `agent_failed` rejection.
pub trait Proposer: Send + Sync {
    fn propose(&self, request: ProposalRequest) -> Result<Proposal, String>;
}

impl std::fmt::Debug for dyn Proposer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Proposer")
    }
}

impl std::fmt::Debug for ProposalRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProposalRequest")
            .field("iteration", &self.iteration)
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .field("regions", &self.regions)
            .finish_non_exhaustive()
    }
}
