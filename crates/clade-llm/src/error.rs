//! LLM errors. None of them carries an API key: bodies are scrubbed before
//! they are stored here.

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    #[error("{endpoint}: no API key: set the environment variable {env}")]
    MissingApiKey { endpoint: String, env: String },

    #[error("{endpoint}: HTTP {status}: {body}")]
    Http {
        endpoint: String,
        status: u16,
        body: String,
    },

    #[error("{endpoint}: no answer within {seconds} s")]
    Timeout { endpoint: String, seconds: f64 },

    #[error("{endpoint}: cannot connect: {reason}")]
    Connect { endpoint: String, reason: String },

    #[error("{endpoint}: the reply is not a valid {api} response: {reason}")]
    Malformed {
        endpoint: String,
        api: &'static str,
        reason: String,
    },

    #[error("{endpoint}: gave up after {attempts} attempts; last error: {last}")]
    RetriesExhausted {
        endpoint: String,
        attempts: u32,
        last: Box<LlmError>,
    },

    #[error("invalid model configuration: {0}")]
    Config(String),

    #[error("response cache: {0}")]
    Cache(String),

    #[error("the local model: {0}")]
    Local(String),
}

impl LlmError {
    /// Whether trying again may help: rate limits, server errors, timeouts
    /// and connection failures. Other 4xx never get better by retrying.
    pub fn is_retryable(&self) -> bool {
        match self {
            LlmError::Http { status, .. } => *status == 429 || *status >= 500,
            LlmError::Timeout { .. } | LlmError::Connect { .. } => true,
            _ => false,
        }
    }
}
