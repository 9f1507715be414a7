//! The metadata of variants and runs, as stored in git notes (JSON).
//!
//! The note on each variant commit (`refs/notes/clade`) is a [`VariantMeta`].
//! Its field names are a stable contract: `git notes --ref=clade show <commit>`
//! prints it, and `clade show --json` embeds it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::direction::Direction;

/// Whether a variant may be a parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VariantStatus {
    /// Built and scored: selectable.
    Validated,
    /// Failed somewhere (parse, region, duplicate, build, trap, scorer):
    /// kept for feedback and statistics, never selectable.
    Rejected,
}

/// Sandbox measurements of a variant's evaluation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SandboxStats {
    pub fuel: Option<u64>,
    pub wall_ms: Option<f64>,
    pub peak_memory_bytes: Option<u64>,
}

/// Milliseconds spent in each step.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub llm_ms: Option<f64>,
    pub build_ms: Option<f64>,
    pub eval_ms: Option<f64>,
}

/// Everything recorded about one variant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VariantMeta {
    pub run: String,
    pub id: u64,
    pub parent: Option<u64>,
    pub status: Option<VariantStatus>,
    /// Why a rejected variant was rejected, e.g. `build_failed: ...`.
    pub reason: Option<String>,
    /// Compiler diagnostics, stderr or scorer message kept for FIX prompts.
    pub feedback: Option<String>,
    pub metrics: BTreeMap<String, f64>,
    /// The primary metric as given (not negated for minimisation).
    pub score: Option<f64>,
    pub operator: Option<String>,
    pub model: Option<String>,
    pub prompt_digest: Option<String>,
    pub response_digest: Option<String>,
    pub tokens_in: Option<u64>,
    pub tokens_out: Option<u64>,
    /// LLM replies of the variant's iteration (all exchanges of its
    /// transcript).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub llm_calls: Option<u64>,
    pub cost_usd: Option<f64>,
    pub timings: Timings,
    pub sandbox: SandboxStats,
    pub island: usize,
    pub generation: u64,
    /// MAP-Elites cell coordinates, one per feature dimension.
    pub features: Vec<u32>,
    /// Variants shown to the LLM as inspirations.
    pub inspirations: Vec<u64>,
    /// Unix time in milliseconds.
    pub created_ms: u64,
    /// The candidate's git tree id, so reopening needs no commit reads. The
    /// commit stays the truth: a note without it is read from the commit.
    pub tree: Option<String>,
    /// A rejected duplicate: the earlier variant whose code it repeats. The
    /// population counts it against its parent and may adopt that variant
    /// into the duplicate's island ([`crate::Population::record_duplicate`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<u64>,
    /// The hint the proposal's prompt carried (`search.reflection`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reflection: Option<Reflection>,
    /// The instruction the proposal's prompt carried
    /// (`search.prompt_evolution`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instruction: Option<Instruction>,
}

/// An instruction of an evolving prompt, as a variant's prompt carried it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Instruction {
    pub text: String,
    /// The instruction it was rewritten from, when the variant's iteration
    /// made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutated_from: Option<String>,
}

/// A hint from comparing two variants of the run, as its prompt showed it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reflection {
    /// The better and the worse variant compared.
    pub better: u64,
    pub worse: u64,
    pub hint: String,
}

impl VariantMeta {
    pub fn is_validated(&self) -> bool {
        self.status == Some(VariantStatus::Validated)
    }
}

/// A run's record, stored as `run.json` (with the config as `config.toml`) in
/// the tree of the commit at `refs/clade/<run>/run`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub name: String,
    pub seed: u64,
    /// The commit the run started from (the seed variant's parent).
    pub base_commit: Option<String>,
    pub direction: Direction,
    pub population: crate::population::PopulationConfig,
    pub created_ms: u64,
}

pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
