//! The model service an agent run talks to: an endpoint and the runtime its
//! requests run on, owned by the host. Agent runs are synchronous (the
//! guest blocks in the import), so the runtime is a background one and runs
//! must be started outside any async context.

use std::sync::Arc;

use clade_llm::{Endpoint, ModelConfig};

use crate::AgentHostError;
use crate::host::Model;

pub struct ModelService {
    runtime: tokio::runtime::Runtime,
    endpoint: Arc<Endpoint>,
}

impl ModelService {
    /// Starts the endpoint of `config` (no response cache: every call is
    /// metered as it happens).
    pub fn start(config: ModelConfig) -> Result<Self, AgentHostError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| AgentHostError::Invalid(format!("cannot start a runtime: {e}")))?;
        let endpoint = {
            let _entered = runtime.enter();
            Endpoint::new(config, None).map_err(|e| AgentHostError::Invalid(e.to_string()))?
        };
        Ok(ModelService {
            runtime,
            endpoint: Arc::new(endpoint),
        })
    }

    /// The model for one run, its calls seeded from `seed`.
    pub fn model(&self, seed: u64) -> Model {
        Model {
            endpoint: self.endpoint.clone(),
            handle: self.runtime.handle().clone(),
            seed,
        }
    }

    pub fn label(&self) -> String {
        self.endpoint.config().label()
    }
}
