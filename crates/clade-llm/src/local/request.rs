//! One request in a slot: its prompt tokens, its own sampler, grammar, seed
//! and stop strings, what of it is in the KV cache, and its guesses. It
//! says what it needs evaluated next and samples from the logits it gets;
//! the worker owns the batch and the context's decode calls. A request
//! never touches another sequence's cache entries.

use std::time::Instant;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;

use super::sampling::{guess, sample_next, stop_at};
use super::{Generated, Job, Reply};
use crate::error::LlmError;

fn local(what: &str, e: &dyn std::fmt::Display) -> LlmError {
    LlmError::Local(format!("{what}: {e}"))
}

/// The prompt of `job` as tokens, through the model's chat template.
pub(super) fn prompt_tokens(
    model: &LlamaModel,
    template: &LlamaChatTemplate,
    job: &Job,
) -> Result<Vec<LlamaToken>, LlmError> {
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
    Ok(model.vocab().tokenize(prompt.as_bytes(), false, true))
}

/// A request being served.
pub(super) struct Request {
    job: Job,
    pub(super) reply: Reply,
    prompt: Vec<LlamaToken>,
    max_new: usize,
    /// Prompt tokens found in the cache when the request started.
    reused: usize,
    /// Confirmed tokens (prompt, then reply), all in the cache except the
    /// last one while it waits in `queued`.
    decoded: Vec<LlamaToken>,
    /// The last sampled token and its guesses, to evaluate next.
    queued: Vec<LlamaToken>,
    /// Guesses in the cache after `decoded`, not yet confirmed by sampling.
    draft: Vec<LlamaToken>,
    sampler: LlamaSampler,
    grammar: Option<LlamaSampler>,
    text: Vec<u8>,
    produced: u64,
    resamples: u64,
    drafted: u64,
    accepted: u64,
    /// When the prompt was evaluated (generation speed excludes it).
    started: Option<Instant>,
}

/// What sampling from a decode's logits led to.
pub(super) enum Progress {
    /// Tokens are queued for the next decode.
    Queued,
    /// The reply is complete (end, stop string, length, or nobody waits).
    Done,
}

impl Request {
    /// A request for `job` whose prompt is `prompt`, of which the first
    /// `reused` tokens are already in its sequence's cache; `n_ctx` is the
    /// sequence's room.
    pub(super) fn new(
        model: &LlamaModel,
        job: Job,
        reply: Reply,
        prompt: Vec<LlamaToken>,
        reused: usize,
        n_ctx: u32,
    ) -> Result<Request, (Reply, LlmError)> {
        let room = (n_ctx as usize).saturating_sub(prompt.len());
        if room < 16 {
            let err = LlmError::Local(format!(
                "the prompt has {} tokens and the context holds {n_ctx}; shorten the prompt or raise context_size",
                prompt.len()
            ));
            return Err((reply, err));
        }
        let grammar = match &job.grammar {
            Some(gbnf) => match LlamaSampler::grammar(model, gbnf, "root") {
                Ok(grammar) => Some(grammar),
                Err(e) => return Err((reply, local("the reply grammar does not compile", &e))),
            },
            None => None,
        };
        Ok(Request {
            max_new: (job.max_tokens as usize).min(room - 1),
            sampler: sampler(&job),
            grammar,
            decoded: prompt[..reused].to_vec(),
            reused,
            prompt,
            job,
            reply,
            queued: Vec::new(),
            draft: Vec::new(),
            text: Vec::new(),
            produced: 0,
            resamples: 0,
            drafted: 0,
            accepted: 0,
            started: None,
        })
    }

    /// The confirmed tokens whose cache entries exist, at positions 0..
    pub(super) fn in_cache(&self) -> &[LlamaToken] {
        let queued = usize::from(!self.queued.is_empty());
        &self.decoded[..self.decoded.len() - queued]
    }

    /// Whether the prompt is evaluated and tokens wait for a decode.
    pub(super) fn replying(&self) -> bool {
        !self.queued.is_empty()
    }

    /// Adds what this request needs evaluated next to `batch`, at most
    /// `room` tokens, in sequence `seq`; returns how many it added.
    pub(super) fn add_to(
        &self,
        batch: &mut LlamaBatch,
        seq: i32,
        room: usize,
    ) -> Result<usize, LlmError> {
        let (from, tokens, all_logits) = if self.queued.is_empty() {
            let from = self.decoded.len();
            let rest = &self.prompt[from..];
            (from, &rest[..rest.len().min(room)], false)
        } else if self.queued.len() <= room {
            (self.decoded.len() - 1, &self.queued[..], true)
        } else {
            return Ok(0);
        };
        for (i, token) in tokens.iter().enumerate() {
            let pos = from + i;
            let logits = all_logits || pos + 1 == self.prompt.len();
            batch
                .add(*token, pos as i32, &[seq], logits)
                .map_err(|e| local("batch", &e))?;
        }
        Ok(tokens.len())
    }

    /// Records that the `count` tokens `add_to` gave were evaluated, the
    /// first at batch index `base`; returns where the logits to sample
    /// from are, if there are any yet (not while the prompt is partly
    /// evaluated).
    pub(super) fn evaluated(&mut self, base: i32, count: usize) -> Option<i32> {
        if self.queued.is_empty() {
            let from = self.decoded.len();
            self.decoded
                .extend_from_slice(&self.prompt[from..from + count]);
            if self.decoded.len() < self.prompt.len() {
                return None;
            }
            self.started = Some(Instant::now());
            return Some(base + count as i32 - 1);
        }
        self.draft = self.queued.split_off(1);
        self.queued.clear();
        Some(base)
    }

    /// Samples from the logits at `logits_at` on: as long as sampling
    /// confirms the guesses decoded with them, their logits are there too.
    /// Sampling decides every token as it would without guesses.
    /// `guessing`: whether to decode guesses with the next token (the
    /// worker turns them off while other requests share the batch).
    pub(super) fn advance(
        &mut self,
        model: &LlamaModel,
        context: &mut LlamaContext<'_>,
        seq: i32,
        mut logits_at: i32,
        guessing: bool,
    ) -> Result<Progress, LlmError> {
        let vocab = model.vocab();
        loop {
            if self.produced as usize >= self.max_new || self.reply.is_closed() {
                return Ok(Progress::Done);
            }
            let Some(token) = sample_next(
                context,
                logits_at,
                &mut self.sampler,
                &mut self.grammar,
                &mut self.resamples,
            ) else {
                return Ok(Progress::Done);
            };
            if vocab.is_eog(token) {
                return Ok(Progress::Done);
            }
            self.produced += 1;
            self.text.extend(vocab.token_to_piece(token, false, None));
            if let Some(cut) = stop_at(&self.text, &self.job.stop) {
                self.text.truncate(cut);
                return Ok(Progress::Done);
            }
            if self.draft.first() == Some(&token) {
                self.draft.remove(0);
                self.decoded.push(token);
                logits_at += 1;
                self.accepted += 1;
                continue;
            }
            self.drop_draft(context, seq)?;
            self.decoded.push(token);
            let guesses = if guessing {
                guess(&self.decoded, self.job.draft_tokens)
            } else {
                Vec::new()
            };
            self.drafted += guesses.len() as u64;
            self.queued = std::iter::once(token).chain(guesses).collect();
            return Ok(Progress::Queued);
        }
    }

    /// Removes unconfirmed guesses from the sequence's cache.
    fn drop_draft(&mut self, context: &mut LlamaContext<'_>, seq: i32) -> Result<(), LlmError> {
        if self.draft.is_empty() {
            return Ok(());
        }
        self.draft.clear();
        let from = u32::try_from(self.decoded.len())
            .map_err(|_| LlmError::Local("position overflow".into()))?;
        context
            .kv_cache_seq_rm(seq, Some(from), None)
            .map_err(|e| local("cutting the cache", &e))
    }

    /// The reply, the reply channel, and the tokens the sequence's cache
    /// holds now (`None` when that is unknown).
    pub(super) fn finish(
        mut self,
        context: &mut LlamaContext<'_>,
        seq: i32,
    ) -> (Reply, Result<Generated, LlmError>, Option<Vec<LlamaToken>>) {
        if let Err(err) = self.drop_draft(context, seq) {
            return (self.reply, Err(err), None);
        }
        let seconds = self.started.map_or(0.0, |t| t.elapsed().as_secs_f64());
        let generated = Generated {
            text: String::from_utf8_lossy(&self.text).into_owned(),
            tokens_in: self.prompt.len() as u64,
            tokens_out: self.produced,
            tokens_per_second: if seconds > 0.0 {
                self.produced as f64 / seconds
            } else {
                0.0
            },
            grammar_resamples: self.resamples,
            prompt_tokens_reused: self.reused as u64,
            draft_tokens: self.drafted,
            draft_accepted: self.accepted,
        };
        // A token still queued was sampled but never evaluated.
        let mut cached = self.decoded;
        if !self.queued.is_empty() {
            cached.pop();
        }
        (self.reply, Ok(generated), Some(cached))
    }
}

fn sampler(job: &Job) -> LlamaSampler {
    if job.temperature <= 0.0 {
        return LlamaSampler::greedy();
    }
    LlamaSampler::chain_simple([
        LlamaSampler::top_k(crate::config::LOCAL_TOP_K),
        LlamaSampler::top_p(crate::config::LOCAL_TOP_P, 1),
        LlamaSampler::min_p(crate::config::LOCAL_MIN_P, 1),
        LlamaSampler::temp(job.temperature as f32),
        LlamaSampler::dist(job.seed as u32),
    ])
}
