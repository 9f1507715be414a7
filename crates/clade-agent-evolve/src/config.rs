//! `clade evolve-agent --config FILE`: strict like `clade.toml` (an unknown
//! key or a wrong type is an error naming the key, its line and column),
//! every default written here and in README.
//!
//! The config is stored with the run (its `[target] root` names the agent
//! folder), so `--resume` continues exactly as the run began.

use std::path::PathBuf;

use clade_agent_host::Budget;
use clade_llm::ModelConfig;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvolveConfig {
    #[serde(default)]
    pub run: RunSection,
    #[serde(default)]
    pub llm: LlmSection,
    #[serde(default)]
    pub budget: BudgetSection,
    #[serde(default)]
    pub stages: StageSection,
    #[serde(default)]
    pub selection: SelectionSection,
    #[serde(default)]
    pub canary: CanarySection,
    /// Filled in by the command: the agent folder, relative to the
    /// repository root (the run's target).
    #[serde(default)]
    pub target: TargetSection,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunSection {
    /// Default: `agents-<unix seconds>`.
    pub name: Option<String>,
    pub seed: u64,
    pub generations: u64,
    /// Children per generation, all planned from the population as it was
    /// when the generation began.
    pub children: u64,
    pub max_tokens: Option<u64>,
    pub max_cost_usd: Option<f64>,
    pub max_wall_minutes: Option<f64>,
    pub archive: ArchivePolicy,
}

impl Default for RunSection {
    fn default() -> Self {
        RunSection {
            name: None,
            seed: 0,
            generations: 4,
            children: 2,
            max_tokens: None,
            max_cost_usd: None,
            max_wall_minutes: None,
            archive: ArchivePolicy::KeepAll,
        }
    }
}

/// Which children may become parents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArchivePolicy {
    /// Every child that builds and passes the canary (DGM's default).
    KeepAll,
    /// Only those that also score at least the seed's score minus the
    /// stage margin.
    KeepBetter,
}

/// The models: `task` solves the coding tasks, `meta` diagnoses and makes
/// the self-edits (DGM's split: a strong model for the second). Both
/// default to the built-in local model; `meta` defaults to `task`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmSection {
    #[serde(default)]
    pub task: Option<ModelConfig>,
    #[serde(default)]
    pub meta: Option<ModelConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BudgetSection {
    /// One agent on one coding task.
    pub task: Budget,
    /// The parent agent's self-edit run.
    pub self_edit: Budget,
    /// The diagnosis reply, in tokens.
    pub diagnosis_tokens: u32,
}

impl Default for BudgetSection {
    fn default() -> Self {
        BudgetSection {
            task: Budget::default(),
            self_edit: Budget {
                llm_calls: 6,
                tokens: 64_000,
                test_runs: 4,
                wall_s: 1_200,
            },
            diagnosis_tokens: 1_024,
        }
    }
}

/// Staged evaluation: every agent runs `stage1_tasks` train tasks; one
/// that reaches the seed's stage-1 rate minus `margin` also runs the
/// validate split (`stage2_tasks` of it, all when unset).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StageSection {
    pub stage1_tasks: usize,
    pub stage2: bool,
    pub stage2_tasks: Option<usize>,
    pub margin: f64,
    /// Every this many generations the top agents run their stages again
    /// with one more repeat (0: never).
    pub reevaluate_every: u64,
    pub reevaluate_top: usize,
}

impl Default for StageSection {
    fn default() -> Self {
        StageSection {
            stage1_tasks: 8,
            stage2: true,
            stage2_tasks: None,
            margin: 0.1,
            reevaluate_every: 4,
            reevaluate_top: 3,
        }
    }
}

/// DGM's parent rule: p ∝ sigmoid(lambda · (score − midpoint)) / (1 + children).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SelectionSection {
    pub lambda: f64,
    pub midpoint: f64,
}

impl Default for SelectionSection {
    fn default() -> Self {
        SelectionSection {
            lambda: 10.0,
            midpoint: 0.5,
        }
    }
}

/// The canary task: a task of a suite every child must solve with its
/// reference as the canned reply before it costs a call. Default: the
/// `add-numbers` task of Clade's own `tasks/test-mini`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CanarySection {
    pub suite: Option<PathBuf>,
    pub task: String,
}

impl Default for CanarySection {
    fn default() -> Self {
        CanarySection {
            suite: None,
            task: "add-numbers".into(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TargetSection {
    /// The agent folder relative to the repository root.
    pub root: String,
    /// The task suite relative to the repository root.
    pub suite: String,
}

impl EvolveConfig {
    /// Parses and checks config text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let config: EvolveConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        config.validate()?;
        Ok(config)
    }

    /// The text stored with a run.
    pub fn to_toml(&self) -> Result<String, String> {
        toml::to_string(self).map_err(|e| e.to_string())
    }

    pub fn validate(&self) -> Result<(), String> {
        let run = &self.run;
        if run.children == 0 {
            return Err("run.children must be at least 1".into());
        }
        if run.generations > 10_000 || run.children > 1_000 {
            return Err(
                "run.generations (at most 10000) or run.children (at most 1000) is too large"
                    .into(),
            );
        }
        if let Some(usd) = run.max_cost_usd
            && !(usd.is_finite() && usd >= 0.0)
        {
            return Err(format!(
                "run.max_cost_usd must be a non-negative number, not {usd}"
            ));
        }
        if let Some(minutes) = run.max_wall_minutes
            && !(minutes.is_finite() && minutes > 0.0 && minutes <= 525_600.0)
        {
            return Err(format!(
                "run.max_wall_minutes must be between 0 and 525600 (a year), not {minutes}"
            ));
        }
        self.budget
            .task
            .validate()
            .map_err(|e| format!("budget.task: {e}"))?;
        self.budget
            .self_edit
            .validate()
            .map_err(|e| format!("budget.self_edit: {e}"))?;
        if self.budget.diagnosis_tokens == 0 {
            return Err("budget.diagnosis_tokens must be at least 1".into());
        }
        let stages = &self.stages;
        if stages.stage1_tasks == 0 {
            return Err("stages.stage1_tasks must be at least 1".into());
        }
        if !(stages.margin.is_finite() && (0.0..=1.0).contains(&stages.margin)) {
            return Err(format!(
                "stages.margin must be between 0 and 1, not {}",
                stages.margin
            ));
        }
        let selection = &self.selection;
        // Above ~700 the sigmoid of a score far from the midpoint is 0 in
        // f64, and an agent could never be drawn.
        if !(selection.lambda.is_finite() && selection.lambda > 0.0 && selection.lambda <= 100.0) {
            return Err(format!(
                "selection.lambda must be in (0, 100], not {}",
                selection.lambda
            ));
        }
        if !(selection.midpoint.is_finite() && (0.0..=1.0).contains(&selection.midpoint)) {
            return Err(format!(
                "selection.midpoint must be between 0 and 1, not {}",
                selection.midpoint
            ));
        }
        for (name, model) in [("llm.task", &self.llm.task), ("llm.meta", &self.llm.meta)] {
            if let Some(model) = model {
                model.validate().map_err(|e| format!("{name}: {e}"))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_key_names_its_line_and_column() {
        let err = EvolveConfig::parse("[run]\ngenerations = 2\n\n[stages]\nuse_sandbox = false\n")
            .unwrap_err();
        assert!(err.contains("line 5"), "{err}");
        assert!(err.contains("column 1"), "{err}");
        assert!(err.contains("use_sandbox"), "{err}");
    }

    #[test]
    fn defaults_are_dgm_like_and_round_trip_through_the_stored_text() {
        let config = EvolveConfig::parse("").unwrap();
        assert_eq!(config.selection.lambda, 10.0);
        assert_eq!(config.selection.midpoint, 0.5);
        assert_eq!(config.run.archive, ArchivePolicy::KeepAll);
        let mut config = config;
        config.target.root = "agents/seed".into();
        let text = config.to_toml().unwrap();
        assert_eq!(EvolveConfig::parse(&text).unwrap(), config);
    }

    #[test]
    fn out_of_range_values_are_refused_by_name() {
        for (text, key) in [
            ("[run]\nchildren = 0\n", "run.children"),
            ("[stages]\nmargin = 2.0\n", "stages.margin"),
            ("[selection]\nlambda = -1.0\n", "selection.lambda"),
            ("[budget.task]\nwall_s = 0\n", "budget.task"),
            ("[run]\nmax_wall_minutes = 1e300\n", "run.max_wall_minutes"),
        ] {
            let err = EvolveConfig::parse(text).unwrap_err();
            assert!(err.contains(key), "{text}: {err}");
        }
    }
}
