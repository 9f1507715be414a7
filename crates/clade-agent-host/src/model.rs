//! The model service an agent run talks to: an endpoint and the runtime its
//! requests run on, owned by the host. Agent runs are synchronous (the
//! guest blocks in the import), so the runtime is a background one and runs
//! must be started outside any async context.

use std::sync::Arc;

use clade_llm::{
    CacheMode, ChatRequest, Endpoint, Message, ModelConfig, ReplyShape, ResponseCache,
};

use crate::AgentHostError;
use crate::host::{Model, ModelBackend};

pub struct ModelService {
    runtime: tokio::runtime::Runtime,
    endpoint: Arc<Endpoint>,
}

impl ModelService {
    /// Starts the endpoint of `config` (no response cache: every call is
    /// metered as it happens).
    pub fn start(config: ModelConfig) -> Result<Self, AgentHostError> {
        Self::start_cached(config, None)
    }

    /// Starts the endpoint of `config` with a response cache: a replayed
    /// run takes its replies from there (a cached reply still costs its
    /// recorded tokens on the meter).
    pub fn start_cached(
        config: ModelConfig,
        cache: Option<(ResponseCache, CacheMode)>,
    ) -> Result<Self, AgentHostError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| AgentHostError::Invalid(format!("cannot start a runtime: {e}")))?;
        let endpoint = {
            let _entered = runtime.enter();
            Endpoint::new(config, cache).map_err(|e| AgentHostError::Invalid(e.to_string()))?
        };
        Ok(ModelService {
            runtime,
            endpoint: Arc::new(endpoint),
        })
    }

    /// The model for one run, its calls seeded from `seed`.
    pub fn model(&self, seed: u64) -> Model {
        Model {
            backend: ModelBackend::Endpoint {
                endpoint: self.endpoint.clone(),
                handle: self.runtime.handle().clone(),
            },
            seed,
        }
    }

    pub fn label(&self) -> String {
        self.endpoint.config().label()
    }

    /// The label and every setting that changes what the model replies
    /// (temperature, reply cap, context, grammar): results under two
    /// identities are not comparable.
    pub fn identity(&self) -> String {
        let c = self.endpoint.config();
        let mut settings = Vec::new();
        if let Some(t) = c.temperature {
            settings.push(format!("temperature {t}"));
        }
        if let Some(m) = c.max_tokens {
            settings.push(format!("max_tokens {m}"));
        }
        if c.provider == clade_llm::ProviderKind::Local {
            if let Some(n) = c.context_size {
                settings.push(format!("context {n}"));
            }
            if !c.grammar {
                settings.push("no grammar".into());
            }
        }
        if settings.is_empty() {
            c.label()
        } else {
            format!("{} ({})", c.label(), settings.join(", "))
        }
    }

    /// What `tokens_in` and `tokens_out` cost at the model's prices.
    pub fn cost(&self, tokens_in: u64, tokens_out: u64) -> f64 {
        self.endpoint.config().cost(tokens_in, tokens_out)
    }

    /// Whether the model is the in-process one, which answers one request
    /// at a time.
    pub fn is_local(&self) -> bool {
        self.endpoint.config().provider == clade_llm::ProviderKind::Local
    }

    /// One chat from host code (a diagnosis, never an agent's call):
    /// `system` and `user`, at most `max_tokens` in reply, seeded.
    pub fn chat(
        &self,
        system: &str,
        user: &str,
        max_tokens: u32,
        seed: u64,
    ) -> Result<HostReply, String> {
        let request = ChatRequest {
            messages: vec![Message::system(system), Message::user(user)],
            temperature: None,
            max_tokens: Some(max_tokens),
            seed: Some(seed),
            stop: Vec::new(),
            grammar: None,
            shape: ReplyShape::Free,
        };
        let endpoint = self.endpoint.clone();
        let completion = self
            .runtime
            .block_on(async move { endpoint.complete(&request).await })
            .map_err(|e| e.to_string())?;
        Ok(HostReply {
            text: completion.text,
            tokens_in: completion.tokens_in,
            tokens_out: completion.tokens_out,
        })
    }
}

/// A reply to host code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostReply {
    pub text: String,
    pub tokens_in: u64,
    pub tokens_out: u64,
}
