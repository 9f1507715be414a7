//! `clade agent run --config FILE`: the model table of clade.toml and the
//! task budget. Strict: an unknown key is an error with its line and column.

use clade_llm::ModelConfig;
use serde::Deserialize;

use crate::Budget;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    #[serde(default)]
    pub llm: LlmSection,
    #[serde(default)]
    pub agent: AgentSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmSection {
    #[serde(default)]
    pub models: Vec<ModelConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSection {
    #[serde(default)]
    pub budget: Budget,
}

impl AgentConfig {
    pub fn parse(text: &str) -> Result<Self, String> {
        let config: AgentConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        config.agent.budget.validate()?;
        if config.llm.models.len() > 1 {
            return Err(format!(
                "llm.models: an agent run uses one model; this config lists {}",
                config.llm.models.len()
            ));
        }
        for model in &config.llm.models {
            model.validate().map_err(|e| format!("llm.models: {e}"))?;
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_budget_key_names_its_line() {
        let err =
            AgentConfig::parse("[agent.budget]\nllm_calls = 2\nsandbox = false\n").unwrap_err();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("sandbox"), "{err}");
    }

    #[test]
    fn budgets_default_per_key() {
        let config = AgentConfig::parse("[agent.budget]\nllm_calls = 2\n").unwrap();
        assert_eq!(config.agent.budget.llm_calls, 2);
        assert_eq!(config.agent.budget.test_runs, Budget::default().test_runs);
        assert!(config.llm.models.is_empty());
    }
}
