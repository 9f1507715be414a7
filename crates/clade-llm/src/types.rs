//! Requests and completions, independent of the provider.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Self {
        Message {
            role: Role::System,
            content: content.into(),
        }
    }

    pub fn user(content: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            content: content.into(),
        }
    }
}

/// What to ask. Sampling settings left `None` come from the model's config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    pub messages: Vec<Message>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u32>,
    pub seed: Option<u64>,
    pub stop: Vec<String>,
    /// A GBNF grammar the reply must follow (root rule `root`). The local
    /// provider enforces it, resampling a token only when the plain sample
    /// breaks it; HTTP providers have no such option and ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grammar: Option<String>,
    /// The shape the caller wants the reply in; the endpoint turns it into
    /// what its provider supports (stop strings, a grammar) before the
    /// request is digested, so callers never branch on the provider.
    #[serde(skip)]
    pub shape: ReplyShape,
}

/// The shape of reply a caller asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum ReplyShape {
    /// Whatever the model writes.
    #[default]
    Free,
    /// SEARCH/REPLACE blocks. `grammar` is a GBNF grammar of such blocks for
    /// the files the edits apply to; build it only when
    /// [`crate::Endpoint::takes_grammar`] says the endpoint enforces one.
    SearchReplace { grammar: Option<String> },
}

/// Where a SEARCH/REPLACE block ends.
pub const SEARCH_REPLACE_END: &str = ">>>>>>> REPLACE";

/// A reply and what it cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Completion {
    pub text: String,
    /// The model that answered (as the provider reports it).
    pub model: String,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_usd: f64,
    pub latency_ms: f64,
    /// Generation speed, where the provider's timing allows it.
    pub tokens_per_second: Option<f64>,
    /// Tokens a grammar refused and had resampled (local provider only).
    #[serde(default)]
    pub grammar_resamples: u64,
    /// Prompt tokens whose KV cache was kept from the previous request and
    /// not evaluated again (local provider only).
    #[serde(default)]
    pub prompt_tokens_reused: u64,
    /// Tokens guessed ahead by prompt lookup, and how many sampling
    /// confirmed (local provider only).
    #[serde(default)]
    pub draft_tokens: u64,
    #[serde(default)]
    pub draft_accepted: u64,
    /// Served from the response cache without calling the provider.
    #[serde(default)]
    pub cached: bool,
    /// SHA-256 of the canonical request, the cache key.
    #[serde(default)]
    pub request_digest: String,
}
