//! What one result is of, and the result itself: a cell is (agent, suite,
//! model, budget, task, repeat). Its key in the result store names the
//! agent by the git tree id of its sources and prompts, so the same agent
//! under another folder name reuses its results, and any change to it does
//! not; the suite by the hash of its manifest; model and budget by a hash
//! of their description, which [`CellParams`] keeps in full so a mismatch
//! can be named.

use std::path::Path;

use clade_agent_host::{AgentOutcome, Budget, Count, Spent};
use clade_sandbox::RunStatus;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::BenchError;

/// Where agent-benchmark results live in the result store.
pub const KEY_ROOT: &str = "agent-bench";

/// What a comparison holds equal for every agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellParams {
    /// SHA-256 of the suite's manifest (every file's hash and the hidden
    /// test names).
    pub suite_hash: String,
    /// `provider:model`.
    pub model: String,
    pub budget: Budget,
}

impl CellParams {
    /// The store-key component of the parameters: short, and different
    /// whenever any of them differs.
    pub fn fingerprint(&self) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        hex(&Sha256::digest(text.as_bytes()))[..20].to_string()
    }

    /// What differs between stored parameters and these, in words; `None`
    /// when they are equal.
    pub fn difference(&self, stored: &CellParams) -> Option<String> {
        let mut parts = Vec::new();
        if self.suite_hash != stored.suite_hash {
            parts.push(format!(
                "the suite hash (stored {}, now {})",
                short(&stored.suite_hash),
                short(&self.suite_hash)
            ));
        }
        if self.model != stored.model {
            parts.push(format!(
                "the model (stored {}, now {})",
                stored.model, self.model
            ));
        }
        if self.budget != stored.budget {
            parts.push(format!(
                "the budget (stored {}, now {})",
                budget_text(&stored.budget),
                budget_text(&self.budget)
            ));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

fn budget_text(b: &Budget) -> String {
    format!(
        "{} calls, {} tokens, {} test runs, {} s",
        b.llm_calls, b.tokens, b.test_runs, b.wall_s
    )
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

/// The store key of a cell.
pub fn key(agent_tree: &str, params: &CellParams, task: &str, repeat: u32) -> String {
    format!(
        "{}/{repeat}",
        task_prefix(agent_tree, &params.fingerprint(), task)
    )
}

pub fn task_prefix(agent_tree: &str, fingerprint: &str, task: &str) -> String {
    format!("{KEY_ROOT}/{agent_tree}/{fingerprint}/{task}")
}

/// The seed of a (task, repeat), the same for every agent (common random
/// numbers: agents differ by what they do, not by the draws they got).
pub fn seed(task: &str, repeat: u32) -> u64 {
    let digest = Sha256::digest(format!("{task}\0{repeat}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(bytes)
}

/// The SHA-256 of the suite's manifest file, after the suite is verified
/// against it.
pub fn suite_hash(suite: &Path) -> Result<String, BenchError> {
    clade_tasks::Manifest::verify(suite)?;
    let path = suite.join(clade_tasks::MANIFEST_FILE);
    let bytes = std::fs::read(&path).map_err(BenchError::io("read", &path))?;
    Ok(hex(&Sha256::digest(&bytes)))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One graded run, as stored: what the report needs, nothing the agent
/// claimed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellResult {
    pub task: String,
    pub repeat: u32,
    pub seed: u64,
    pub pass: bool,
    pub hidden: Count,
    pub visible: Count,
    /// How the agent's run ended; `None` when it never ran (it did not
    /// build).
    pub status: Option<RunStatus>,
    pub spent: Spent,
    pub cost: f64,
    /// Why the final workspace was rejected, when it was.
    pub rejection: Option<String>,
    /// The agent changed its workspace at all.
    #[serde(default)]
    pub edited: bool,
    /// The first budget the agent ran into, if any.
    #[serde(default)]
    pub budget_exhausted: Option<String>,
}

impl CellResult {
    pub fn of(outcome: &AgentOutcome, repeat: u32, seed: u64, cost: f64) -> Self {
        CellResult {
            task: outcome.task.clone(),
            repeat,
            seed,
            pass: outcome.pass,
            hidden: outcome.hidden,
            visible: outcome.visible,
            status: Some(outcome.status),
            spent: outcome.spent.clone(),
            cost,
            rejection: outcome.build_reason.clone(),
            edited: outcome.edited,
            budget_exhausted: outcome.budget_exhausted.clone(),
        }
    }

    /// A failed cell of an agent that does not build.
    pub fn unbuilt(task: &str, repeat: u32, seed: u64, reason: &str) -> Self {
        let none = Count {
            passed: 0,
            total: 0,
        };
        CellResult {
            task: task.to_string(),
            repeat,
            seed,
            pass: false,
            hidden: none,
            visible: none,
            status: None,
            spent: Spent::default(),
            cost: 0.0,
            rejection: Some(reason.to_string()),
            edited: false,
            budget_exhausted: None,
        }
    }

    pub fn tokens(&self) -> u64 {
        self.spent.tokens_in + self.spent.tokens_out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> CellParams {
        CellParams {
            suite_hash: "ab".repeat(32),
            model: "local:qwen".into(),
            budget: Budget::default(),
        }
    }

    #[test]
    fn every_parameter_changes_the_fingerprint_and_is_named() {
        let base = params();
        let mut model = params();
        model.model = "openai:gpt".into();
        let mut budget = params();
        budget.budget.llm_calls += 1;
        let mut suite = params();
        suite.suite_hash = "cd".repeat(32);
        assert_eq!(base.difference(&params()), None);
        for (other, word) in [(model, "model"), (budget, "budget"), (suite, "suite hash")] {
            assert_ne!(other.fingerprint(), base.fingerprint());
            let diff = other.difference(&base).unwrap();
            assert!(diff.contains(word), "{diff}");
        }
    }

    #[test]
    fn seeds_differ_by_task_and_repeat_only() {
        assert_eq!(seed("t", 0), seed("t", 0));
        assert_ne!(seed("t", 0), seed("t", 1));
        assert_ne!(seed("t", 0), seed("u", 0));
    }
}
