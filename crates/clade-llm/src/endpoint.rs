//! One model endpoint: HTTP calls with a timeout, retries with backoff, a
//! concurrency limit, cost accounting and the response cache.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::cache::{CacheMode, ResponseCache, request_digest};
use crate::config::{ModelConfig, ProviderKind};
use crate::error::LlmError;
use crate::retry::{RetryPolicy, parse_retry_after};
use crate::secret::ApiKey;
use crate::types::{ChatRequest, Completion, ReplyShape, SEARCH_REPLACE_END};
use crate::wire;

const ANTHROPIC_VERSION: &str = "2023-06-01";
/// Sampling defaults of the local model when the config sets none.
#[cfg(feature = "local")]
const LOCAL_TEMPERATURE: f64 = 0.7;
#[cfg(feature = "local")]
const LOCAL_MAX_TOKENS: u32 = 1024;
#[cfg(feature = "local")]
const LOCAL_CONTEXT: u32 = 8192;
/// Slots beyond this only cost cache memory on a CPU.
#[cfg(feature = "local")]
const MAX_LOCAL_SLOTS: u32 = 16;
const ANTHROPIC_DEFAULT_MAX_TOKENS: u32 = 4096;
/// Error bodies are kept for messages up to this length.
const BODY_LIMIT: usize = 2000;
/// Reply bodies are read up to this size; a larger one is refused, so an
/// endpoint cannot fill the host's memory (a real reply is kilobytes).
const REPLY_LIMIT: usize = 16 << 20;

pub struct Endpoint {
    config: ModelConfig,
    /// The in-process model, for the `local` provider.
    #[cfg(feature = "local")]
    local: Option<Arc<crate::local::LocalModel>>,
    key: Option<ApiKey>,
    http: reqwest::Client,
    permits: Arc<Semaphore>,
    retry: RetryPolicy,
    cache: Option<(ResponseCache, CacheMode)>,
    jitter: AtomicU64,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("model", &self.config.label())
            .field("base_url", &self.config.base_url())
            .finish()
    }
}

impl Endpoint {
    /// Reads the API key from the configured environment variable; a cache in
    /// replay-only mode needs no key.
    pub fn new(
        config: ModelConfig,
        cache: Option<(ResponseCache, CacheMode)>,
    ) -> Result<Self, LlmError> {
        config.validate().map_err(LlmError::Config)?;
        #[cfg(feature = "local")]
        let local = match config.provider {
            ProviderKind::Local => Some(local_model(&config)?),
            _ => None,
        };
        #[cfg(not(feature = "local"))]
        if config.provider == ProviderKind::Local {
            return Err(LlmError::Config(
                "this build of clade has no local model support (the `local` cargo feature is off)"
                    .into(),
            ));
        }
        if config.provider != ProviderKind::Local
            && !config.allow_insecure_http
            && config.base_url().starts_with("http://")
            && !is_loopback(&config.base_url())
        {
            return Err(LlmError::Config(format!(
                "{}: {} is plain HTTP to another machine, which would send the key and the prompts \
                 unencrypted; use https, or set allow_insecure_http = true for a server you trust",
                config.label(),
                config.base_url()
            )));
        }
        let replay_only = matches!(cache, Some((_, CacheMode::ReplayOnly)));
        let key = match config.api_key_env() {
            Some(env) => match ApiKey::from_env(&env) {
                Some(key) => Some(key),
                // Local servers (llama.cpp, vLLM, Ollama) take no key.
                None if replay_only || is_loopback(&config.base_url()) => None,
                None => {
                    return Err(LlmError::MissingApiKey {
                        endpoint: config.label(),
                        env,
                    });
                }
            },
            None => None,
        };
        // Installing the process-wide TLS provider twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // No redirects: a redirect to another host would carry the key
        // (and the extra headers) there.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| LlmError::Config(format!("HTTP client: {e}")))?;
        Ok(Endpoint {
            #[cfg(feature = "local")]
            local,
            permits: Arc::new(Semaphore::new(config.concurrency)),
            retry: RetryPolicy {
                max_retries: config.max_retries,
                ..RetryPolicy::default()
            },
            config,
            key,
            http,
            cache,
            jitter: AtomicU64::new(0x9E37_79B9_7F4A_7C15),
        })
    }

    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// `text` without the secrets this endpoint sends (its API key, its
    /// extra headers' values): for anything about to be stored or shown.
    pub fn scrub(&self, text: &str) -> String {
        let mut text = match &self.key {
            Some(key) => key.scrub(text),
            None => text.to_string(),
        };
        for value in self.config.extra_headers.values() {
            if value.len() >= 8 {
                text = text.replace(value.as_str(), "[redacted]");
            }
        }
        text
    }

    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// Whether this endpoint enforces a reply grammar (the local model with
    /// `grammar = true`); HTTP providers have no such option.
    pub fn takes_grammar(&self) -> bool {
        self.config.provider == ProviderKind::Local && self.config.grammar
    }

    /// Asks the model, from the cache when it holds this exact request.
    pub async fn complete(&self, request: &ChatRequest) -> Result<Completion, LlmError> {
        let mut req = request.clone();
        shape(&self.config, &mut req);
        req.temperature = req.temperature.or(self.config.temperature);
        req.max_tokens = req.max_tokens.or(self.config.max_tokens);
        req.seed = req.seed.or(self.config.seed);
        let digest = request_digest(&self.config, &req);
        if let Some((cache, mode)) = &self.cache {
            if *mode != CacheMode::Off
                && let Some(hit) = cache.get(&digest)
            {
                return Ok(hit);
            }
            if *mode == CacheMode::ReplayOnly {
                return Err(LlmError::Cache(format!(
                    "replay-only, and no cached reply for request {} to {}",
                    &digest[..12],
                    self.config.label()
                )));
            }
        }
        #[cfg(feature = "local")]
        if let Some(local) = &self.local {
            return self.complete_locally(local, &req, digest).await;
        }
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| LlmError::Config(e.to_string()))?;
        let started = Instant::now();
        let mut attempt = 0;
        let (text, model, tokens_in, tokens_out) = loop {
            match self.send_once(&req).await {
                Ok(parsed) => break parsed,
                Err((err, retry_after)) => {
                    if !err.is_retryable() {
                        return Err(err);
                    }
                    if attempt >= self.retry.max_retries {
                        return Err(LlmError::RetriesExhausted {
                            endpoint: self.config.label(),
                            attempts: attempt + 1,
                            last: Box::new(err),
                        });
                    }
                    tokio::time::sleep(self.retry.delay(attempt, retry_after, self.next_jitter()))
                        .await;
                    attempt += 1;
                }
            }
        };
        let latency_ms = started.elapsed().as_secs_f64() * 1e3;
        let completion = Completion {
            text,
            model: if model.is_empty() {
                self.config.model.clone()
            } else {
                model
            },
            tokens_in,
            tokens_out,
            cost_usd: self.config.cost(tokens_in, tokens_out),
            latency_ms,
            tokens_per_second: None,
            grammar_resamples: 0,
            prompt_tokens_reused: 0,
            draft_tokens: 0,
            draft_accepted: 0,
            cached: false,
            request_digest: digest.clone(),
        };
        if let Some((cache, CacheMode::ReadWrite)) = &self.cache {
            cache.put(&digest, &completion)?;
        }
        Ok(completion)
    }

    /// Generates with the in-process model; its calls queue on one thread.
    #[cfg(feature = "local")]
    async fn complete_locally(
        &self,
        local: &crate::local::LocalModel,
        req: &ChatRequest,
        digest: String,
    ) -> Result<Completion, LlmError> {
        use crate::types::Role;
        // Every turn in order, assistant turns included: an agent's
        // multi-turn chat reaches the chat template as it was written.
        let messages = req
            .messages
            .iter()
            .map(|m| {
                let role = match m.role {
                    Role::System => "system",
                    Role::User => "user",
                    Role::Assistant => "assistant",
                };
                (role, m.content.clone())
            })
            .collect();
        let started = Instant::now();
        let generated = local
            .generate(crate::local::Job {
                messages,
                temperature: req.temperature.unwrap_or(LOCAL_TEMPERATURE),
                max_tokens: req.max_tokens.unwrap_or(LOCAL_MAX_TOKENS),
                seed: req.seed.unwrap_or(0),
                stop: req.stop.clone(),
                grammar: req.grammar.clone(),
                draft_tokens: self.config.draft_tokens as usize,
            })
            .await?;
        let completion = Completion {
            text: generated.text,
            model: self.config.model.clone(),
            tokens_in: generated.tokens_in,
            tokens_out: generated.tokens_out,
            cost_usd: self.config.cost(generated.tokens_in, generated.tokens_out),
            latency_ms: started.elapsed().as_secs_f64() * 1e3,
            tokens_per_second: Some(generated.tokens_per_second),
            grammar_resamples: generated.grammar_resamples,
            prompt_tokens_reused: generated.prompt_tokens_reused,
            draft_tokens: generated.draft_tokens,
            draft_accepted: generated.draft_accepted,
            cached: false,
            request_digest: digest.clone(),
        };
        if let Some((cache, CacheMode::ReadWrite)) = &self.cache {
            cache.put(&digest, &completion)?;
        }
        Ok(completion)
    }

    fn next_jitter(&self) -> f64 {
        // A small xorshift: jitter need not be seeded, only spread out.
        let mut x = self.jitter.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.jitter.store(x, Ordering::Relaxed);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    async fn send_once(
        &self,
        req: &ChatRequest,
    ) -> Result<wire::Parsed, (LlmError, Option<Duration>)> {
        let label = self.config.label();
        let base = self.config.base_url();
        let (url, body, api) = match self.config.provider {
            ProviderKind::Anthropic => (
                format!("{base}/messages"),
                wire::anthropic_body(&self.config.model, req, ANTHROPIC_DEFAULT_MAX_TOKENS),
                "Anthropic Messages",
            ),
            _ => (
                format!("{base}/chat/completions"),
                wire::openai_body(&self.config.model, req),
                "OpenAI chat completions",
            ),
        };
        let mut builder = self
            .http
            .post(&url)
            .timeout(Duration::from_secs_f64(self.config.timeout_s))
            .json(&body);
        if let Some(key) = &self.key {
            builder = match self.config.provider {
                ProviderKind::Anthropic => builder.header("x-api-key", key.expose()),
                _ => builder.bearer_auth(key.expose()),
            };
        }
        if self.config.provider == ProviderKind::Anthropic {
            builder = builder.header("anthropic-version", ANTHROPIC_VERSION);
        }
        for (name, value) in &self.config.extra_headers {
            builder = builder.header(name, value);
        }
        // Everything the endpoint sends back is scrubbed of the secrets
        // sent to it (the key, the extra headers' values), success or not.
        let scrub = |text: &str| self.scrub(text);
        let response = builder
            .send()
            .await
            .map_err(|e| (self.transport_error(&e, &scrub), None))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let Some(body) = read_capped(response, REPLY_LIMIT)
            .await
            .map_err(|e| (self.transport_error(&e, &scrub), None))?
        else {
            let reason = format!("the reply body is over {} MiB", REPLY_LIMIT >> 20);
            return Err((
                LlmError::Malformed {
                    endpoint: label,
                    api,
                    reason,
                },
                None,
            ));
        };
        let text = scrub(&String::from_utf8_lossy(&body));
        if !status.is_success() {
            let mut body = scrub(text.trim());
            if body.len() > BODY_LIMIT {
                let cut = (0..=BODY_LIMIT)
                    .rev()
                    .find(|&i| body.is_char_boundary(i))
                    .unwrap_or(0);
                body.truncate(cut);
                body.push('…');
            }
            return Err((
                LlmError::Http {
                    endpoint: label,
                    status: status.as_u16(),
                    body,
                },
                retry_after,
            ));
        }
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            (
                LlmError::Malformed {
                    endpoint: label.clone(),
                    api,
                    reason: format!("not JSON: {e}"),
                },
                None,
            )
        })?;
        let parsed = match self.config.provider {
            ProviderKind::Anthropic => wire::anthropic_parse(&value),
            _ => wire::openai_parse(&value),
        };
        parsed.map_err(|reason| {
            (
                LlmError::Malformed {
                    endpoint: label,
                    api,
                    reason,
                },
                None,
            )
        })
    }

    fn transport_error(&self, e: &reqwest::Error, scrub: &dyn Fn(&str) -> String) -> LlmError {
        let endpoint = self.config.label();
        if e.is_timeout() {
            LlmError::Timeout {
                endpoint,
                seconds: self.config.timeout_s,
            }
        } else {
            // reqwest's message can include the URL, never headers.
            let mut reason = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                reason = format!("{reason}: {s}");
                source = s.source();
            }
            LlmError::Connect {
                endpoint,
                reason: scrub(&reason),
            }
        }
    }
}

/// Whether `url`'s host is this machine: `localhost` or a loopback
/// address, exactly (`localhost.example.com` is not).
fn is_loopback(url: &str) -> bool {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The worker of a `local` model config; the file must exist and be GGUF.
#[cfg(feature = "local")]
fn local_model(config: &ModelConfig) -> Result<Arc<crate::local::LocalModel>, LlmError> {
    let path = config.path.as_deref().ok_or_else(|| {
        LlmError::Config(format!(
            "{}: the local provider needs a model path",
            config.label()
        ))
    })?;
    let path = std::path::PathBuf::from(path);
    if path.is_file() && !crate::local::looks_like_gguf(&path) {
        return Err(LlmError::Local(format!(
            "{} is not a GGUF model file",
            path.display()
        )));
    }
    if !(1..=MAX_LOCAL_SLOTS).contains(&config.slots) {
        return Err(LlmError::Config(format!(
            "{}: slots is {}; a local model decodes 1 to {MAX_LOCAL_SLOTS} requests together",
            config.label(),
            config.slots
        )));
    }
    crate::local::LocalModel::shared(crate::local::Settings {
        path,
        context: config.context_size.unwrap_or(LOCAL_CONTEXT),
        threads: config.threads.unwrap_or_else(crate::local::default_threads),
        prefix_cache: config.prefix_cache,
        slots: config.slots,
    })
}

/// Turns the requested reply shape into this provider's options. A small
/// local model tends to ramble past its first SEARCH/REPLACE block into
/// broken ones, so it stops at the first closing marker (which the local
/// provider keeps in the text) and follows the grammar when it has one.
fn shape(config: &ModelConfig, req: &mut ChatRequest) {
    let ReplyShape::SearchReplace { grammar } = std::mem::take(&mut req.shape) else {
        return;
    };
    if config.provider != ProviderKind::Local {
        return;
    }
    if req.stop.is_empty() {
        req.stop = vec![SEARCH_REPLACE_END.to_string()];
    }
    if config.grammar && req.grammar.is_none() {
        req.grammar = grammar;
    }
}

/// The response's body, or `None` when it is longer than `limit` bytes
/// (refused by its announced length, else as soon as it passes the limit).
async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Ok(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks() -> ChatRequest {
        ChatRequest {
            shape: ReplyShape::SearchReplace {
                grammar: Some("root ::= \"x\"".into()),
            },
            ..ChatRequest::default()
        }
    }

    #[test]
    fn a_local_model_stops_after_a_block_and_follows_the_grammar() {
        let config = ModelConfig::new(ProviderKind::Local, "qwen");
        let mut req = blocks();
        shape(&config, &mut req);
        assert_eq!(req.stop, vec![">>>>>>> REPLACE".to_string()]);
        assert_eq!(req.grammar.as_deref(), Some("root ::= \"x\""));
        assert_eq!(req.shape, ReplyShape::Free);
    }

    #[test]
    fn a_local_model_without_grammars_only_stops() {
        let mut config = ModelConfig::new(ProviderKind::Local, "qwen");
        config.grammar = false;
        let mut req = blocks();
        shape(&config, &mut req);
        assert_eq!(req.stop, vec![">>>>>>> REPLACE".to_string()]);
        assert_eq!(req.grammar, None);
    }

    #[test]
    fn http_providers_get_the_request_unchanged() {
        let config = ModelConfig::new(ProviderKind::Openai, "gpt");
        let mut req = blocks();
        shape(&config, &mut req);
        assert!(req.stop.is_empty());
        assert_eq!(req.grammar, None);
    }

    #[test]
    fn a_free_reply_is_left_alone() {
        let config = ModelConfig::new(ProviderKind::Local, "qwen");
        let mut req = ChatRequest::default();
        shape(&config, &mut req);
        assert!(req.stop.is_empty());
        assert_eq!(req.grammar, None);
    }
}
