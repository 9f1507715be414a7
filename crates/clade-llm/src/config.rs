//! One model's configuration, as written under `[[llm.models]]`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The local provider's sampling filters before temperature. Part of the
/// response cache key of local requests, so changing them never replays old
/// replies. Qwen2.5-Coder's recommended top_k 20 / top_p 0.8 were tried: the
/// 1.5B then gave the same insertion sort again and again (7 duplicates or
/// unchanged answers in 11 proposals, resampling at higher temperature
/// included), so the filters stay wide and the temperature does the work.
pub(crate) const LOCAL_TOP_K: i32 = 40;
pub(crate) const LOCAL_TOP_P: f32 = 0.95;
pub(crate) const LOCAL_MIN_P: f32 = 0.05;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// OpenAI-compatible chat completions: OpenAI, vLLM, llama.cpp server,
    /// Ollama's /v1, LM Studio, OpenRouter, DeepSeek…
    Openai,
    /// The Anthropic Messages API.
    Anthropic,
    /// A GGUF model run in-process through llama.cpp.
    Local,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    pub provider: ProviderKind,
    pub model: String,
    /// API root, e.g. `https://api.openai.com/v1`; defaults per provider.
    #[serde(default)]
    pub base_url: Option<String>,
    /// The environment variable holding the API key (never the key itself).
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Share of proposals sent to this model within the ensemble.
    #[serde(default = "one")]
    pub weight: f64,
    #[serde(default)]
    pub temperature: Option<f64>,
    #[serde(default)]
    pub max_tokens: Option<u32>,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub price_in_per_mtok: f64,
    #[serde(default)]
    pub price_out_per_mtok: f64,
    /// Extra HTTP headers (e.g. OpenRouter's `HTTP-Referer`).
    #[serde(default)]
    pub extra_headers: BTreeMap<String, String>,
    /// Seconds before a request is abandoned.
    #[serde(default = "default_timeout")]
    pub timeout_s: f64,
    #[serde(default = "default_retries")]
    pub max_retries: u32,
    /// Requests in flight to this endpoint at most.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// For `local`: the GGUF file (default: the fetched model of this name).
    #[serde(default)]
    pub path: Option<String>,
    /// For `local`: the context size in tokens (default 8192).
    #[serde(default)]
    pub context_size: Option<u32>,
    /// For `local`: CPU threads (default: every core).
    #[serde(default)]
    pub threads: Option<u32>,
    /// For `local`: hold SEARCH/REPLACE replies to a grammar whose SEARCH
    /// lines are the program's own (default true).
    #[serde(default = "yes")]
    pub grammar: bool,
    /// For `local`: keep the last request's KV cache and evaluate only the
    /// part of the next prompt that differs from it (default true).
    #[serde(default = "yes")]
    pub prefix_cache: bool,
    /// For `local`: tokens guessed ahead per step by copying what followed
    /// the reply's last tokens earlier in the prompt or reply (prompt-lookup
    /// speculation), all decoded in one batch and kept as far as sampling
    /// confirms them, so the reply is the one without guesses. 0: off.
    #[serde(default = "default_draft_tokens")]
    pub draft_tokens: u32,
    /// For `local`: requests decoded together in one batch, each in its own
    /// sequence of `context_size` tokens (continuous batching); more
    /// requests than slots wait their turn.
    #[serde(default = "default_slots")]
    pub slots: u32,
    /// Allow plain `http://` to a host other than this machine (a lab's
    /// server): the key and the prompts then cross the network unencrypted.
    #[serde(default)]
    pub allow_insecure_http: bool,
}

fn yes() -> bool {
    true
}

/// Measured with `cargo bench -p clade-llm --features local --bench
/// speculation` (README).
pub const DEFAULT_DRAFT_TOKENS: u32 = 8;

fn default_draft_tokens() -> u32 {
    DEFAULT_DRAFT_TOKENS
}

/// Measured with `cargo bench -p clade-llm --features local --bench
/// batching` (README).
pub const DEFAULT_SLOTS: u32 = 2;

fn default_slots() -> u32 {
    DEFAULT_SLOTS
}

fn one() -> f64 {
    1.0
}
fn default_timeout() -> f64 {
    120.0
}
fn default_retries() -> u32 {
    4
}
fn default_concurrency() -> usize {
    4
}

impl ModelConfig {
    /// A config with every default, for `provider` and `model`.
    pub fn new(provider: ProviderKind, model: &str) -> Self {
        ModelConfig {
            provider,
            model: model.to_string(),
            base_url: None,
            api_key_env: None,
            weight: 1.0,
            temperature: None,
            max_tokens: None,
            seed: None,
            price_in_per_mtok: 0.0,
            price_out_per_mtok: 0.0,
            extra_headers: BTreeMap::new(),
            timeout_s: default_timeout(),
            max_retries: default_retries(),
            concurrency: default_concurrency(),
            path: None,
            context_size: None,
            threads: None,
            grammar: true,
            prefix_cache: true,
            draft_tokens: DEFAULT_DRAFT_TOKENS,
            slots: DEFAULT_SLOTS,
            allow_insecure_http: false,
        }
    }

    pub fn base_url(&self) -> String {
        let default = match self.provider {
            ProviderKind::Openai => "https://api.openai.com/v1",
            ProviderKind::Anthropic => "https://api.anthropic.com/v1",
            ProviderKind::Local => "local",
        };
        self.base_url
            .as_deref()
            .unwrap_or(default)
            .trim_end_matches('/')
            .to_string()
    }

    /// The environment variable for the key, defaulted per provider.
    pub fn api_key_env(&self) -> Option<String> {
        match (&self.api_key_env, self.provider) {
            (Some(env), _) => Some(env.clone()),
            (None, ProviderKind::Openai) => Some("OPENAI_API_KEY".into()),
            (None, ProviderKind::Anthropic) => Some("ANTHROPIC_API_KEY".into()),
            (None, ProviderKind::Local) => None,
        }
    }

    /// A short name for messages: `provider:model@host`.
    pub fn label(&self) -> String {
        format!(
            "{}:{}",
            format!("{:?}", self.provider).to_lowercase(),
            self.model
        )
    }

    pub fn cost(&self, tokens_in: u64, tokens_out: u64) -> f64 {
        (tokens_in as f64 * self.price_in_per_mtok + tokens_out as f64 * self.price_out_per_mtok)
            / 1e6
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.model.trim().is_empty() {
            return Err("model must not be empty".into());
        }
        if !(self.weight.is_finite() && self.weight >= 0.0) {
            return Err(format!(
                "{}: weight must be a finite number >= 0",
                self.label()
            ));
        }
        if !(self.timeout_s.is_finite() && self.timeout_s > 0.0 && self.timeout_s <= 86_400.0) {
            return Err(format!(
                "{}: timeout_s must be between 0 and 86400 (a day), not {}",
                self.label(),
                self.timeout_s
            ));
        }
        if self.concurrency == 0 {
            return Err(format!("{}: concurrency must be at least 1", self.label()));
        }
        if self.context_size.is_some_and(|c| c < 512) {
            return Err(format!(
                "{}: context_size must be at least 512",
                self.label()
            ));
        }
        if self.threads == Some(0) {
            return Err(format!("{}: threads must be at least 1", self.label()));
        }
        if self.price_in_per_mtok < 0.0 || self.price_out_per_mtok < 0.0 {
            return Err(format!("{}: prices must not be negative", self.label()));
        }
        Ok(())
    }
}
