//! What a run reports while it works. `clade run --json` prints each event as
//! one JSON object per line (`{"event": "<kind>", ...}`); the terminal display
//! renders the same events. The field names are a contract, listed in README.

use clade_agent::Operator;
use clade_archive::VariantStatus;
use serde::Serialize;

use crate::rejection::Rejection;

/// The best variant so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Best {
    pub id: u64,
    pub score: f64,
    pub commit: Option<String>,
}

/// Run totals shown with every status.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Iterations finished (the seed not counted).
    pub done: u64,
    /// Iterations planned in total.
    pub planned: u64,
    pub validated: u64,
    pub rejected: u64,
    pub llm_in_flight: usize,
    pub eval_in_flight: usize,
    pub tokens: u64,
    /// LLM replies received (cached ones included).
    pub llm_calls: u64,
    pub cost_usd: f64,
    pub elapsed_s: f64,
    /// Estimated seconds left, from the recent iteration rate.
    pub eta_s: Option<f64>,
    /// A remote backend's workers (absent when evaluating locally).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workers: Option<crate::backend::WorkerCounts>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The run is set up and about to evaluate (or has found) the seed.
    Start {
        run: String,
        resumed: bool,
        repo: String,
        models: Vec<String>,
        /// Whether the built-in default model is used (no [[llm.models]]).
        default_model: bool,
        iterations: u64,
        done: u64,
        parallel_proposals: usize,
        parallel_evaluations: usize,
        log: String,
    },
    /// The seed's evaluation.
    Seed {
        id: u64,
        status: VariantStatus,
        score: Option<f64>,
        #[serde(serialize_with = "crate::rejection::option_as_text")]
        reason: Option<Rejection>,
    },
    /// One iteration's variant, recorded in order.
    Variant {
        iteration: u64,
        id: u64,
        parent: Option<u64>,
        island: usize,
        operator: Operator,
        /// Repairs made within the iteration (`run.repairs`); the recorded
        /// candidate is the last one.
        repairs: u32,
        model: Option<String>,
        status: VariantStatus,
        score: Option<f64>,
        #[serde(serialize_with = "crate::rejection::option_as_text")]
        reason: Option<Rejection>,
        /// Whether it is a new best.
        improved: bool,
        best: Option<Best>,
        totals: Totals,
    },
    /// A periodic heartbeat with the work in flight.
    Status { best: Option<Best>, totals: Totals },
    /// A stop was requested (budget, target, Ctrl-C, dead endpoint); the
    /// work in flight is finishing.
    Stopping { reason: StopReason, detail: String },
    /// The run ended: why, and where to look.
    Finish {
        run: String,
        reason: StopReason,
        detail: String,
        best: Option<Best>,
        seed_score: Option<f64>,
        totals: Totals,
        /// The best and the seed on inputs the search never saw.
        #[serde(skip_serializing_if = "Option::is_none")]
        held_back: Option<HeldBack>,
        /// Commands to review the result.
        review: Vec<String>,
    },
}

/// The best variant and the seed program on held-back inputs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeldBack {
    /// The seed of those inputs (the run ranked on another).
    pub seed: u64,
    pub best_id: u64,
    /// `None` when the program was rejected there.
    pub best_score: Option<f64>,
    pub seed_score: Option<f64>,
}

/// Why a run ended (serialized as [`StopReason::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum StopReason {
    #[serde(rename = "iterations")]
    Iterations,
    #[serde(rename = "max_tokens")]
    MaxTokens,
    #[serde(rename = "max_llm_calls")]
    MaxLlmCalls,
    #[serde(rename = "max_cost_usd")]
    MaxCost,
    #[serde(rename = "max_wall_minutes")]
    WallTime,
    #[serde(rename = "target_score")]
    TargetScore,
    #[serde(rename = "interrupted")]
    Interrupted,
    #[serde(rename = "llm_unavailable")]
    LlmUnavailable,
}

impl StopReason {
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::Iterations => "iterations",
            StopReason::MaxTokens => "max_tokens",
            StopReason::MaxLlmCalls => "max_llm_calls",
            StopReason::MaxCost => "max_cost_usd",
            StopReason::WallTime => "max_wall_minutes",
            StopReason::TargetScore => "target_score",
            StopReason::Interrupted => "interrupted",
            StopReason::LlmUnavailable => "llm_unavailable",
        }
    }

    /// Whether the run may be continued with `--resume`.
    pub fn resumable(self) -> bool {
        !matches!(self, StopReason::Iterations | StopReason::TargetScore)
    }
}
