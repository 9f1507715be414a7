//! The `local` provider: a GGUF model run in-process through llama.cpp
//! (`llama-cpp-2`), behind the `local` cargo feature.
//!
//! llama.cpp's backend may be initialised once per process, and a context
//! borrows its model and is not `Sync`; so each model file gets one worker
//! thread that loads it once (on the first request), owns its context, and
//! takes requests in arrival order from a channel. Callers await a reply.
//! The prompt goes through the chat template stored in the GGUF.
//!
//! The worker decodes up to `slots` requests together and keeps each
//! slot's cache for the next prompt that shares its prefix (`worker`); a
//! request samples with its own sampler, grammar and stop strings
//! (`request`, `sampling`).

mod request;
mod sampling;
mod worker;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, mpsc};

use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatTemplate, LlamaModel};

use crate::error::LlmError;

/// What one generation needs.
pub(crate) struct Job {
    /// (role, content) in order: `system`, `user` or `assistant`.
    pub messages: Vec<(&'static str, String)>,
    pub temperature: f64,
    pub max_tokens: u32,
    pub seed: u64,
    pub stop: Vec<String>,
    pub grammar: Option<String>,
    /// Guesses decoded ahead per step (prompt lookup); 0: none.
    pub draft_tokens: usize,
}

/// A generation's text and measurements.
#[derive(Debug, Clone)]
pub(crate) struct Generated {
    pub text: String,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// Generation speed (prompt processing excluded).
    pub tokens_per_second: f64,
    /// Tokens the grammar rejected and had resampled.
    pub grammar_resamples: u64,
    /// Prompt tokens kept from the previous request's KV cache.
    pub prompt_tokens_reused: u64,
    /// Guessed tokens decoded ahead, and how many sampling confirmed.
    pub draft_tokens: u64,
    pub draft_accepted: u64,
}

type Reply = tokio::sync::oneshot::Sender<Result<Generated, LlmError>>;

/// The worker serving one model file.
pub(crate) struct LocalModel {
    jobs: Mutex<mpsc::Sender<(Job, Reply)>>,
}

/// How a model is run: the same file with other settings is another worker.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Settings {
    pub path: PathBuf,
    pub context: u32,
    pub threads: u32,
    /// Reuse the previous request's KV cache for a shared prompt prefix.
    pub prefix_cache: bool,
    /// Requests decoded together, each in its own sequence of `context`
    /// tokens.
    pub slots: u32,
}

static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
static MODELS: OnceLock<Mutex<HashMap<Settings, Arc<LocalModel>>>> = OnceLock::new();

fn backend() -> Result<&'static LlamaBackend, LlmError> {
    BACKEND
        .get_or_init(|| {
            LlamaBackend::init()
                .map(|mut backend| {
                    // llama.cpp logs every layer to stderr otherwise.
                    backend.void_logs();
                    backend
                })
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| LlmError::Local(format!("llama.cpp backend: {e}")))
}

impl LocalModel {
    /// The worker for `settings`, started on first use; the model loads on
    /// the first request.
    pub(crate) fn shared(settings: Settings) -> Result<Arc<LocalModel>, LlmError> {
        if !settings.path.is_file() {
            return Err(LlmError::Local(format!(
                "no model file at {}: run `scripts/fetch-model.sh 1.5b` (or 0.5b), or point \
                 [[llm.models]] path / CLADE_MODEL at a GGUF file",
                settings.path.display()
            )));
        }
        let models = MODELS.get_or_init(|| Mutex::new(HashMap::new()));
        let mut models = models
            .lock()
            .map_err(|_| LlmError::Local("the model registry is poisoned".into()))?;
        if let Some(model) = models.get(&settings) {
            return Ok(model.clone());
        }
        let (jobs, receiver) = mpsc::channel::<(Job, Reply)>();
        let worker_settings = settings.clone();
        std::thread::Builder::new()
            .name("clade-local-model".into())
            .spawn(move || worker::serve(&worker_settings, receiver))
            .map_err(|e| LlmError::Local(format!("cannot start the model thread: {e}")))?;
        let model = Arc::new(LocalModel {
            jobs: Mutex::new(jobs),
        });
        models.insert(settings, model.clone());
        Ok(model)
    }

    /// Queues `job` and waits for its turn and its reply.
    pub(crate) async fn generate(&self, job: Job) -> Result<Generated, LlmError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .lock()
            .map_err(|_| LlmError::Local("the model queue is poisoned".into()))?
            .send((job, reply))
            .map_err(|_| LlmError::Local("the model thread has stopped".into()))?;
        answer
            .await
            .map_err(|_| LlmError::Local("the model thread stopped mid-request".into()))?
    }
}

fn load(settings: &Settings) -> Result<(LlamaModel, LlamaChatTemplate), LlmError> {
    let backend = backend()?;
    let model = LlamaModel::load_from_file(backend, &settings.path, &LlamaModelParams::default())
        .map_err(|e| {
        LlmError::Local(format!(
            "cannot load {}: {e} (is it a GGUF model?)",
            settings.path.display()
        ))
    })?;
    let template = model.chat_template(None).map_err(|e| {
        LlmError::Local(format!(
            "{} has no usable chat template: {e}",
            settings.path.display()
        ))
    })?;
    Ok((model, template))
}

/// The default thread count: every core.
pub(crate) fn default_threads() -> u32 {
    std::thread::available_parallelism().map_or(4, |n| n.get() as u32)
}

/// Whether `path` looks like a GGUF file (its magic), for early errors.
pub(crate) fn looks_like_gguf(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && &magic == b"GGUF"
}
