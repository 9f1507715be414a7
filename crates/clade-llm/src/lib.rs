//! Clade's LLM access: the only crate that speaks HTTP (reqwest as a client; a
//! small std server for `serve`).
//!
//! - [`Endpoint`]: one model behind the OpenAI-compatible chat-completions
//!   API (OpenAI, vLLM, llama.cpp server, Ollama's /v1, LM Studio, OpenRouter,
//!   DeepSeek…) or the Anthropic Messages API, with a timeout, retries with
//!   exponential backoff and jitter on 429/5xx/connection errors (honouring
//!   `Retry-After`; never on other 4xx), a concurrency limit, token and cost
//!   accounting, and a [`ResponseCache`] keyed by the canonical request, so a
//!   run replays offline with the same replies;
//! - [`Ensemble`]: several endpoints drawn by weight; [`Ledger`]: run totals;
//! - [`ScriptedServer`]: a scripted LLM on 127.0.0.1 for tests and demos;
//! - [`serve`]: a model behind an OpenAI-compatible endpoint (`clade model serve`).
//!
//! API keys are read from a named environment variable into [`ApiKey`], which
//! never prints, and are scrubbed from error bodies; they never reach the
//! cache, which stores requests by digest only.

mod cache;
mod config;
mod endpoint;
mod ensemble;
mod error;
mod http_server;
mod ledger;
#[cfg(feature = "local")]
mod local;
mod retry;
mod scripted;
mod secret;
mod serve;
mod types;
mod wire;

pub use cache::{CacheMode, ResponseCache, request_digest};
pub use config::{DEFAULT_DRAFT_TOKENS, DEFAULT_SLOTS, ModelConfig, ProviderKind};
pub use endpoint::Endpoint;
pub use ensemble::Ensemble;
pub use error::LlmError;
pub use ledger::{Ledger, Usage};
pub use retry::{RetryPolicy, parse_retry_after};
pub use scripted::{Recorded, Reply, ScriptedServer};
pub use secret::ApiKey;
pub use serve::serve;
pub use types::{ChatRequest, Completion, Message, ReplyShape, Role, SEARCH_REPLACE_END};

/// Whether this build runs local GGUF models in-process (the `local`
/// feature).
pub fn local_available() -> bool {
    cfg!(feature = "local")
}
