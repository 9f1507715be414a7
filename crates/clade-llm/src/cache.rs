//! The response cache: completions on disk keyed by a canonical hash of the
//! request (provider, endpoint, model, messages, sampling settings; never the
//! API key), so a run replays without the network and gets the same replies.

use std::path::PathBuf;

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::config::{ModelConfig, ProviderKind};
use crate::error::LlmError;
use crate::types::{ChatRequest, Completion};

#[derive(Debug, Clone)]
pub struct ResponseCache {
    dir: PathBuf,
}

/// How the cache is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CacheMode {
    /// Read hits, write misses.
    #[default]
    ReadWrite,
    /// Never call the provider: a miss is an error (replays).
    ReplayOnly,
    Off,
}

/// The canonical digest of what is asked of whom.
pub fn request_digest(model: &ModelConfig, req: &ChatRequest) -> String {
    // serde_json orders object keys (no preserve_order), so this is canonical.
    let bytes = serde_json::to_vec(&canonical_request(model, req)).unwrap_or_default();
    format!("{:x}", Sha256::digest(&bytes))
}

/// Everything that decides a reply, as the JSON value the digest hashes.
fn canonical_request(model: &ModelConfig, req: &ChatRequest) -> serde_json::Value {
    let mut canonical = json!({
        "provider": model.provider,
        "base_url": model.base_url(),
        "model": model.model,
        "messages": req.messages,
        "temperature": req.temperature.or(model.temperature),
        "max_tokens": req.max_tokens.or(model.max_tokens),
        "seed": req.seed.or(model.seed),
        "stop": req.stop,
    });
    if model.provider == ProviderKind::Local {
        canonical["sampler"] = json!({
            "top_k": crate::config::LOCAL_TOP_K,
            "top_p": crate::config::LOCAL_TOP_P,
            "min_p": crate::config::LOCAL_MIN_P,
        });
    }
    // Only when set, so the keys of requests without one stay as they were.
    if let Some(grammar) = &req.grammar {
        canonical["grammar"] = json!(grammar);
    }
    canonical
}

impl ResponseCache {
    pub fn new(dir: PathBuf) -> Self {
        ResponseCache { dir }
    }

    fn path(&self, digest: &str) -> PathBuf {
        self.dir.join(&digest[..2]).join(format!("{digest}.json"))
    }

    pub fn get(&self, digest: &str) -> Option<Completion> {
        let bytes = std::fs::read(self.path(digest)).ok()?;
        let mut completion: Completion = serde_json::from_slice(&bytes).ok()?;
        completion.cached = true;
        Some(completion)
    }

    pub fn put(&self, digest: &str, completion: &Completion) -> Result<(), LlmError> {
        let path = self.path(digest);
        let err = |e: std::io::Error| LlmError::Cache(format!("{}: {e}", path.display()));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let mut stored = completion.clone();
        stored.cached = false;
        let bytes =
            serde_json::to_vec_pretty(&stored).map_err(|e| LlmError::Cache(e.to_string()))?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, bytes).map_err(err)?;
        std::fs::rename(&tmp, &path).map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Message;

    fn request() -> ChatRequest {
        ChatRequest {
            messages: vec![Message::user("sort faster")],
            temperature: None,
            max_tokens: None,
            seed: Some(1),
            stop: vec![],
            grammar: None,
            shape: Default::default(),
        }
    }

    #[test]
    fn local_keys_hold_the_sampler_and_http_keys_do_not() {
        let local = canonical_request(&ModelConfig::new(ProviderKind::Local, "qwen"), &request());
        assert_eq!(local["sampler"]["top_k"], json!(crate::config::LOCAL_TOP_K));
        assert_eq!(local["sampler"]["top_p"], json!(crate::config::LOCAL_TOP_P));
        assert_eq!(local["sampler"]["min_p"], json!(crate::config::LOCAL_MIN_P));
        let http = canonical_request(&ModelConfig::new(ProviderKind::Openai, "gpt"), &request());
        assert!(http.get("sampler").is_none(), "{http}");
        assert!(http.get("grammar").is_none(), "{http}");
    }
}
