//! What the local-model benches share: which model file, numbers from the
//! environment, and medians.

use std::path::PathBuf;

use clade_llm::{ChatRequest, Endpoint, Message, ModelConfig, ProviderKind};

/// `CLADE_MODEL` if set, else `file` in `~/.cache/clade/models/`.
pub fn model_path(file: &str) -> PathBuf {
    std::env::var_os("CLADE_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/clade/models")
                .join(file)
        })
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The number in the environment variable `name`, else `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The recorded requests, as chat requests for greedy replies of `tokens`.
#[allow(dead_code)]
pub fn recorded_requests(tokens: u32) -> Vec<ChatRequest> {
    let text = include_str!("../data/seed-repair-round.json");
    let data: serde_json::Value = serde_json::from_str(text).expect("the recorded requests");
    let requests = data["requests"].as_array().expect("a list of requests");
    requests
        .iter()
        .map(|messages| ChatRequest {
            messages: messages
                .as_array()
                .expect("messages")
                .iter()
                .map(|m| {
                    let content = m["content"].as_str().expect("content").to_string();
                    match m["role"].as_str() {
                        Some("system") => Message::system(content),
                        _ => Message::user(content),
                    }
                })
                .collect(),
            temperature: Some(0.0),
            max_tokens: Some(tokens),
            ..ChatRequest::default()
        })
        .collect()
}

/// The local model at `path`, with `configure` applied to its config.
#[allow(dead_code)]
pub fn local_endpoint(
    path: &std::path::Path,
    configure: impl FnOnce(&mut ModelConfig),
) -> Endpoint {
    let mut config = ModelConfig::new(ProviderKind::Local, "bench");
    config.path = Some(path.display().to_string());
    configure(&mut config);
    Endpoint::new(config, None).expect("the local model")
}

/// The built-in model of `size` (`"1.5b"`, `"0.5b"`), or `None` after
/// saying the bench is skipped and how to fetch it.
#[allow(dead_code)]
pub fn model_or_skip(size: &str) -> Option<PathBuf> {
    let path = model_path(&format!("qwen2.5-coder-{size}-instruct-q4_k_m.gguf"));
    if path.is_file() {
        return Some(path);
    }
    eprintln!(
        "skipped: no model at {} (scripts/fetch-model.sh {size})",
        path.display()
    );
    None
}

/// The single-threaded runtime the benches drive the endpoint with.
#[allow(dead_code)]
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}
