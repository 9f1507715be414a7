//! The `local` provider: a GGUF model run in-process through llama.cpp
//! (`llama-cpp-2`), behind the `local` cargo feature.
//!
//! llama.cpp's backend may be initialised once per process, and a context
//! borrows its model and is not `Sync`; so each model file gets one worker
//! thread that loads it once (on the first request), owns its context, and
//! serves requests in arrival order from a channel. Callers await a reply.
//! The prompt goes through the chat template stored in the GGUF.
//!
//! The worker keeps the KV cache of the last request (its prompt and the
//! tokens it generated) and evaluates only the part of the next prompt that
//! differs from it: a repair prompt repeats its system prompt and task, and
//! prompt evaluation is most of a short reply's time on a CPU. The cache
//! is the context's own (no extra memory), cut back to the shared prefix.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Instant;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use llama_cpp_2::token::data::LlamaTokenData;
use llama_cpp_2::token::data_array::LlamaTokenDataArray;

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
            .spawn(move || serve(&worker_settings, receiver))
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

/// The worker: load once, then answer jobs in order.
fn serve(settings: &Settings, jobs: mpsc::Receiver<(Job, Reply)>) {
    let loaded = load(settings);
    let (model, template) = match &loaded {
        Ok(pair) => (&pair.0, &pair.1),
        Err(err) => {
            for (_, reply) in jobs {
                let _ = reply.send(Err(err.clone()));
            }
            return;
        }
    };
    let context = backend().and_then(|backend| {
        let params = LlamaContextParams::default()
            .with_n_ctx(NonZeroU32::new(settings.context))
            .with_n_batch(BATCH as u32)
            .with_n_threads(settings.threads as i32)
            .with_n_threads_batch(settings.threads as i32);
        model
            .new_context(backend, params)
            .map_err(|e| LlmError::Local(format!("creating a context: {e}")))
    });
    let mut context = match context {
        Ok(context) => context,
        Err(err) => {
            for (_, reply) in jobs {
                let _ = reply.send(Err(err.clone()));
            }
            return;
        }
    };
    // The tokens whose KV entries are in the cache, at positions 0.., in
    // sequence 0; empty when the cache holds nothing reusable.
    let mut cached: Vec<LlamaToken> = Vec::new();
    for (job, reply) in jobs {
        if !settings.prefix_cache {
            cached.clear();
        }
        // A caller that stopped waiting (a deadline, a dropped request)
        // has closed its reply: its job is skipped, or cut short between
        // tokens, instead of holding the model for nobody.
        if reply.is_closed() {
            continue;
        }
        let result = generate(
            model,
            template,
            &mut context,
            settings.context,
            &job,
            &reply,
            &mut cached,
        );
        let _ = reply.send(result);
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

fn generate(
    model: &LlamaModel,
    template: &LlamaChatTemplate,
    context: &mut LlamaContext<'_>,
    n_ctx: u32,
    job: &Job,
    reply: &Reply,
    cached: &mut Vec<LlamaToken>,
) -> Result<Generated, LlmError> {
    let local = |what: &str, e: &dyn std::fmt::Display| LlmError::Local(format!("{what}: {e}"));
    let messages = job
        .messages
        .iter()
        .map(|(role, content)| {
            LlamaChatMessage::new((*role).to_string(), content.clone())
                .map_err(|e| local("a chat message", &e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let prompt = model
        .apply_chat_template(template, &messages, true)
        .map_err(|e| local("chat template", &e))?;
    let tokens = model.vocab().tokenize(prompt.as_bytes(), false, true);
    let room = (n_ctx as usize).saturating_sub(tokens.len());
    if room < 16 {
        return Err(LlmError::Local(format!(
            "the prompt has {} tokens and the context holds {n_ctx}; shorten the prompt or raise context_size",
            tokens.len()
        )));
    }
    let max_new = (job.max_tokens as usize).min(room - 1);

    // Whatever fails below leaves the cache unknown: start from nothing.
    let known = std::mem::take(cached);
    let reused = keep_prefix(context, &known, &tokens);
    let mut batch = LlamaBatch::new(BATCH, 1);
    decode_prompt(context, &mut batch, &tokens, reused)
        .map_err(|e| local("decoding the prompt", &e))?;
    let mut decoded = tokens.clone();

    let mut sampler = if job.temperature <= 0.0 {
        LlamaSampler::greedy()
    } else {
        LlamaSampler::chain_simple([
            LlamaSampler::top_k(crate::config::LOCAL_TOP_K),
            LlamaSampler::top_p(crate::config::LOCAL_TOP_P, 1),
            LlamaSampler::min_p(crate::config::LOCAL_MIN_P, 1),
            LlamaSampler::temp(job.temperature as f32),
            LlamaSampler::dist(job.seed as u32),
        ])
    };
    let mut grammar = match &job.grammar {
        Some(gbnf) => Some(
            LlamaSampler::grammar(model, gbnf, "root")
                .map_err(|e| local("the reply grammar does not compile", &e))?,
        ),
        None => None,
    };
    let vocab = model.vocab();
    let started = Instant::now();
    let mut text: Vec<u8> = Vec::new();
    let mut produced = 0u64;
    let mut resamples = 0u64;
    let mut drafted = 0u64;
    let mut accepted = 0u64;
    // The next token's logits are at `logits_at` of the last decode. The
    // cache holds `decoded` and then `draft`: tokens copied from the text
    // as guesses of what comes next, decoded in the same batch, not yet
    // confirmed by sampling.
    let mut logits_at = batch.n_tokens() - 1;
    let mut draft: Vec<LlamaToken> = Vec::new();
    while (produced as usize) < max_new && !reply.is_closed() {
        let Some(token) = sample_next(
            context,
            logits_at,
            &mut sampler,
            &mut grammar,
            &mut resamples,
        ) else {
            break;
        };
        if vocab.is_eog(token) {
            break;
        }
        produced += 1;
        text.extend(vocab.token_to_piece(token, false, None));
        if let Some(cut) = stop_at(&text, &job.stop) {
            text.truncate(cut);
            break;
        }
        // The sample is the next guess: it is in the cache already, and
        // its logits came with the batch. Sampling decides every token as
        // it would without guesses, so the reply is the same.
        if draft.first() == Some(&token) {
            draft.remove(0);
            decoded.push(token);
            logits_at += 1;
            accepted += 1;
            continue;
        }
        if !draft.is_empty() {
            drop_after(context, decoded.len())?;
            draft.clear();
        }
        decoded.push(token);
        let guesses = guess(&decoded, job.draft_tokens);
        batch.clear();
        for (i, t) in std::iter::once(&token).chain(&guesses).enumerate() {
            let at = (decoded.len() - 1 + i) as i32;
            batch
                .add(*t, at, &[0], true)
                .map_err(|e| local("batch", &e))?;
        }
        context
            .decode(&mut batch)
            .map_err(|e| local("decoding", &e))?;
        drafted += guesses.len() as u64;
        logits_at = 0;
        draft = guesses;
    }
    if !draft.is_empty() {
        drop_after(context, decoded.len())?;
    }
    *cached = decoded;
    let seconds = started.elapsed().as_secs_f64();
    Ok(Generated {
        text: String::from_utf8_lossy(&text).into_owned(),
        tokens_in: tokens.len() as u64,
        tokens_out: produced,
        tokens_per_second: if seconds > 0.0 {
            produced as f64 / seconds
        } else {
            0.0
        },
        grammar_resamples: resamples,
        prompt_tokens_reused: reused as u64,
        draft_tokens: drafted,
        draft_accepted: accepted,
    })
}

/// The next token from the logits at `logits_at`, held to the grammar if
/// there is one: the sampled token when the grammar allows it (checking one
/// token is cheap; masking the whole vocabulary on every step would halve
/// the speed), else a constrained resample; `None` when the grammar allows
/// nothing.
fn sample_next(
    context: &mut LlamaContext<'_>,
    logits_at: i32,
    sampler: &mut LlamaSampler,
    grammar: &mut Option<LlamaSampler>,
    resamples: &mut u64,
) -> Option<LlamaToken> {
    let mut token = sampler.sample(context, logits_at);
    let Some(grammar) = grammar.as_mut() else {
        return Some(token);
    };
    if !grammar_allows(grammar, token) {
        *resamples += 1;
        let mut candidates = context.token_data_array_ith(logits_at);
        grammar.apply(&mut candidates);
        sampler.apply(&mut candidates);
        token = match candidates.selected_token() {
            Some(token) if grammar_allows(grammar, token) => token,
            // Nothing the grammar allows survived the filters: the most
            // likely allowed token, if any.
            _ => allowed_best(context, logits_at, grammar)?,
        };
    }
    // Only ever a token the grammar allows: llama.cpp aborts the process on
    // accepting one it refuses.
    grammar.accept(token);
    Some(token)
}

/// Removes the cache's entries from position `from` on (unconfirmed
/// guesses).
fn drop_after(context: &mut LlamaContext<'_>, from: usize) -> Result<(), LlmError> {
    let from = u32::try_from(from).map_err(|_| LlmError::Local("position overflow".into()))?;
    context
        .kv_cache_seq_rm(0, Some(from), None)
        .map(drop)
        .map_err(|e| LlmError::Local(format!("cutting the cache: {e}")))
}

/// Up to `max` guesses of the tokens after `sequence`: what followed the
/// last place its final tokens (3, else 2) occurred before — replies to
/// code prompts copy whole lines of the prompt (SEARCH blocks, kept code).
pub(crate) fn guess(sequence: &[LlamaToken], max: usize) -> Vec<LlamaToken> {
    if max == 0 {
        return Vec::new();
    }
    for n in [3usize, 2] {
        if sequence.len() <= n {
            continue;
        }
        let tail = &sequence[sequence.len() - n..];
        let found = (0..sequence.len() - n)
            .rev()
            .find(|&start| &sequence[start..start + n] == tail);
        if let Some(start) = found {
            let from = start + n;
            let to = (from + max).min(sequence.len());
            if from < to {
                return sequence[from..to].to_vec();
            }
        }
    }
    Vec::new()
}

/// Cuts the KV cache back to the longest prefix `tokens` shares with
/// `known` (what the cache holds) and returns its length; 0 (and an empty
/// cache) when nothing is shared or the cut fails. At least the prompt's
/// last token is always evaluated again, for its logits.
fn keep_prefix(
    context: &mut LlamaContext<'_>,
    known: &[LlamaToken],
    tokens: &[LlamaToken],
) -> usize {
    let shared = known.iter().zip(tokens).take_while(|(a, b)| a == b).count();
    let shared = shared.min(tokens.len().saturating_sub(1));
    match u32::try_from(shared) {
        Ok(p0) if p0 > 0 && context.kv_cache_seq_rm(0, Some(p0), None).is_ok() => shared,
        _ => {
            context.clear_kv_cache();
            0
        }
    }
}

/// Evaluates `tokens[from..]` at their positions, in batches, with logits
/// only for the last token.
fn decode_prompt(
    context: &mut LlamaContext<'_>,
    batch: &mut LlamaBatch,
    tokens: &[LlamaToken],
    from: usize,
) -> Result<(), String> {
    let rest = tokens.get(from..).unwrap_or_default();
    for (chunk_index, chunk) in rest.chunks(BATCH).enumerate() {
        batch.clear();
        for (i, token) in chunk.iter().enumerate() {
            let pos = from + chunk_index * BATCH + i;
            let last = pos + 1 == tokens.len();
            batch
                .add(*token, pos as i32, &[0], last)
                .map_err(|e| e.to_string())?;
        }
        context.decode(batch).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Tokens per prompt batch (llama.cpp's `n_batch`, set on the context too).
const BATCH: usize = 512;

/// Whether the grammar, in its current state, allows `token` next.
fn grammar_allows(grammar: &mut LlamaSampler, token: LlamaToken) -> bool {
    let mut one = LlamaTokenDataArray::new(vec![LlamaTokenData::new(token, 0.0, 0.0)], false);
    grammar.apply(&mut one);
    one.data
        .first()
        .is_some_and(|d| d.logit() != f32::NEG_INFINITY)
}

/// The most likely token the grammar allows at `logits_at`, if any.
fn allowed_best(
    context: &LlamaContext<'_>,
    logits_at: i32,
    grammar: &mut LlamaSampler,
) -> Option<LlamaToken> {
    let mut candidates = context.token_data_array_ith(logits_at);
    grammar.apply(&mut candidates);
    candidates
        .data
        .iter()
        .filter(|d| d.logit() != f32::NEG_INFINITY)
        .max_by(|a, b| a.logit().total_cmp(&b.logit()))
        .map(|d| d.id())
}

/// Where the text ends when it now ends with a stop string. Unlike the HTTP
/// APIs, the local model keeps the stop string: Clade stops on a block's
/// closing marker, which the parser needs.
fn stop_at(text: &[u8], stops: &[String]) -> Option<usize> {
    stops
        .iter()
        .filter(|s| !s.is_empty())
        .find(|s| text.ends_with(s.as_bytes()))
        .map(|_| text.len())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(ids: &[i32]) -> Vec<LlamaToken> {
        ids.iter().map(|&id| LlamaToken(id)).collect()
    }

    #[test]
    fn guesses_copy_what_followed_the_last_tokens_before() {
        // ... 5 6 7 8 9 ... 5 6 7 → 8 9 (and on, up to the limit)
        let seq = tokens(&[1, 5, 6, 7, 8, 9, 2, 3, 5, 6, 7]);
        assert_eq!(guess(&seq, 2), tokens(&[8, 9]));
        assert_eq!(guess(&seq, 8), tokens(&[8, 9, 2, 3, 5, 6, 7]));
        // Three tokens first, then two; nothing when they never occurred.
        let two = tokens(&[4, 6, 7, 1, 9, 6, 7]);
        assert_eq!(guess(&two, 3), tokens(&[1, 9, 6]));
        assert!(guess(&tokens(&[1, 2, 3, 4]), 8).is_empty());
        assert!(guess(&seq, 0).is_empty());
    }

    #[test]
    fn stop_strings_cut_the_text() {
        let stops = vec![">>>>>>> REPLACE\n```".to_string(), String::new()];
        assert_eq!(stop_at(b"abc", &stops), None);
        assert_eq!(stop_at(b"x>>>>>>> REPLACE\n```", &stops), Some(20));
    }
}
