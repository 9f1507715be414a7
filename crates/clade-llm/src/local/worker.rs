//! The model thread: loads the model once, then serves requests in up to
//! `slots` llama.cpp sequences of one context, decoding them together
//! (continuous batching). Each step builds one batch: every replying
//! request's last token and its guesses first (a few tokens each), then
//! prompt tokens of starting requests in the room left; one decode reads
//! the weights once for all of them, which is what bounds a CPU's speed.
//! Prompt-lookup guesses are decoded only while one request runs.
//! A request joins as soon as a slot is free and leaves when it is done.
//!
//! Each slot keeps the cache of its last request (prompt and reply) and a
//! new request goes to the free slot whose cache shares the longest prefix
//! with its prompt, so only the rest is evaluated: a repair prompt repeats
//! its system prompt and task. The memory is the context's own, bounded by
//! slots × context size.

use std::num::NonZeroU32;
use std::sync::mpsc;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::{LlamaChatTemplate, LlamaModel};
use llama_cpp_2::token::LlamaToken;

use super::request::{Progress, Request, prompt_tokens};
use super::{Job, Reply, Settings, backend, load};
use crate::error::LlmError;

/// Tokens per batch (llama.cpp's `n_batch`, set on the context too).
const BATCH: usize = 512;

/// Serves `jobs` until every sender is gone and the last request is done.
pub(super) fn serve(settings: &Settings, jobs: mpsc::Receiver<(Job, Reply)>) {
    let (model, template) = match load(settings) {
        Ok(pair) => pair,
        Err(err) => return refuse_all(jobs, &err),
    };
    let mut context = match new_context(&model, settings) {
        Ok(context) => context,
        Err(err) => return refuse_all(jobs, &err),
    };
    let mut worker = Worker {
        model: &model,
        template: &template,
        settings,
        slots: (0..settings.slots.max(1))
            .map(|seq| Slot {
                seq: seq as i32,
                cached: Vec::new(),
                request: None,
                last_used: 0,
            })
            .collect(),
        batch: LlamaBatch::new(BATCH, 1),
        clock: 0,
    };
    worker.run(&mut context, &jobs);
}

fn refuse_all(jobs: mpsc::Receiver<(Job, Reply)>, err: &LlmError) {
    for (_, reply) in jobs {
        let _ = reply.send(Err(err.clone()));
    }
}

/// One context with room for `slots` sequences of `context` tokens. The
/// cache is unified (one pool of slots × context cells): a batch mixing
/// sequences of different lengths is decoded as one, and sequences can
/// share the cells of a common prefix.
fn new_context<'m>(
    model: &'m LlamaModel,
    settings: &Settings,
) -> Result<LlamaContext<'m>, LlmError> {
    let slots = settings.slots.max(1);
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(settings.context.saturating_mul(slots)))
        .with_n_seq_max(slots)
        .with_kv_unified(true)
        .with_n_batch(BATCH as u32)
        .with_n_threads(settings.threads as i32)
        .with_n_threads_batch(settings.threads as i32);
    model
        .new_context(backend()?, params)
        .map_err(|e| LlmError::Local(format!("creating a context: {e}")))
}

struct Slot {
    /// The llama.cpp sequence id.
    seq: i32,
    /// The tokens whose cache entries this sequence holds, at positions
    /// 0.., while no request runs in it.
    cached: Vec<LlamaToken>,
    request: Option<Request>,
    /// When a request last started here (the worker's clock).
    last_used: u64,
}

impl Slot {
    /// The tokens this sequence's cache holds at positions 0.., confirmed.
    fn in_cache(&self) -> &[LlamaToken] {
        match &self.request {
            Some(request) => request.in_cache(),
            None => &self.cached,
        }
    }
}

/// Sharing another slot's prefix pays when it saves more than this many
/// tokens over the slot's own (it costs the slot's own cache).
const MIN_SHARED: usize = 32;

struct Worker<'m, 's> {
    model: &'m LlamaModel,
    template: &'m LlamaChatTemplate,
    settings: &'s Settings,
    slots: Vec<Slot>,
    batch: LlamaBatch<'static>,
    /// Counts started requests.
    clock: u64,
}

impl<'m> Worker<'m, '_> {
    fn run(&mut self, context: &mut LlamaContext<'m>, jobs: &mpsc::Receiver<(Job, Reply)>) {
        let mut open = true;
        loop {
            if open {
                open = self.admit(context, jobs);
            }
            if self.idle() {
                if !open {
                    return;
                }
                continue;
            }
            self.step(context);
        }
    }

    fn idle(&self) -> bool {
        self.slots.iter().all(|slot| slot.request.is_none())
    }

    /// Starts new jobs while a slot is free, waiting for one only when
    /// nothing runs; false once every sender is gone.
    fn admit(
        &mut self,
        context: &mut LlamaContext<'m>,
        jobs: &mpsc::Receiver<(Job, Reply)>,
    ) -> bool {
        while self.slots.iter().any(|slot| slot.request.is_none()) {
            let next = if self.idle() {
                jobs.recv().map_err(|_| mpsc::TryRecvError::Disconnected)
            } else {
                jobs.try_recv()
            };
            match next {
                Ok((job, reply)) => self.start(context, job, reply),
                Err(mpsc::TryRecvError::Empty) => return true,
                Err(mpsc::TryRecvError::Disconnected) => return false,
            }
        }
        true
    }

    /// Puts `job` in the free slot whose cache shares most of its prompt.
    fn start(&mut self, context: &mut LlamaContext<'m>, job: Job, reply: Reply) {
        // A caller that stopped waiting (a deadline, a dropped request)
        // has closed its reply: its job is skipped.
        if reply.is_closed() {
            return;
        }
        let prompt = match prompt_tokens(self.model, self.template, &job) {
            Ok(prompt) => prompt,
            Err(err) => {
                let _ = reply.send(Err(err));
                return;
            }
        };
        let Some(index) = self.best_free_slot(&prompt) else {
            let _ = reply.send(Err(LlmError::Local("no free slot".into())));
            return;
        };
        let reused = if self.settings.prefix_cache {
            self.reuse_prefix(context, index, &prompt)
        } else {
            self.slots[index].cached.clear();
            forget(context, self.slots[index].seq);
            0
        };
        self.clock += 1;
        let slot = &mut self.slots[index];
        slot.last_used = self.clock;
        match Request::new(
            self.model,
            job,
            reply,
            prompt,
            reused,
            self.settings.context,
        ) {
            Ok(request) => slot.request = Some(request),
            Err((reply, err)) => {
                forget(context, slot.seq);
                let _ = reply.send(Err(err));
            }
        }
    }

    /// Makes slot `index`'s cache hold the longest prefix of `prompt` any
    /// slot holds and returns its length. Another slot's prefix (parallel
    /// proposals share their system prompt, task and often their parent)
    /// is shared, not copied: the unified cache tags its cells with both
    /// sequences.
    fn reuse_prefix(
        &mut self,
        context: &mut LlamaContext<'m>,
        index: usize,
        prompt: &[LlamaToken],
    ) -> usize {
        let seq = self.slots[index].seq;
        let known = std::mem::take(&mut self.slots[index].cached);
        let own = shared_prefix(&known, prompt);
        let elsewhere = self
            .slots
            .iter()
            .filter(|slot| slot.seq != seq)
            .map(|slot| (slot.seq, shared_prefix(slot.in_cache(), prompt)))
            .max_by_key(|&(_, shared)| shared);
        match elsewhere {
            Some((source, shared)) if shared > own + MIN_SHARED => {
                let shared = shared.min(prompt.len().saturating_sub(1));
                forget(context, seq);
                let p1 = u32::try_from(shared).ok();
                if context.kv_cache_seq_cp(source, seq, Some(0), p1).is_err() {
                    forget(context, seq);
                    return 0;
                }
                shared
            }
            _ => keep_prefix(context, seq, &known, prompt),
        }
    }

    /// The free slot whose cache shares the most of `prompt`; when none
    /// shares much, the one used longest ago, so the caches kept are the
    /// recent ones.
    fn best_free_slot(&self, prompt: &[LlamaToken]) -> Option<usize> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.request.is_none())
            .max_by_key(|(_, slot)| {
                let shared = shared_prefix(&slot.cached, prompt);
                if shared > MIN_SHARED {
                    (shared, 0)
                } else {
                    (0, u64::MAX - slot.last_used)
                }
            })
            .map(|(i, _)| i)
    }

    /// One decode for every running request, then sampling for each.
    fn step(&mut self, context: &mut LlamaContext<'m>) {
        self.drop_abandoned(context);
        let placed = self.fill_batch(context);
        if placed.is_empty() {
            return;
        }
        if let Err(e) = context.decode(&mut self.batch) {
            return self.fail_all(context, &LlmError::Local(format!("decoding: {e}")));
        }
        // Guesses pay when one request decodes alone (its token and guesses
        // cost about one token's time); with others in the batch the
        // decode is no longer bound by reading the weights, and guesses
        // that miss take the place of their tokens.
        let guessing = self.slots.iter().filter(|s| s.request.is_some()).count() <= 1;
        for (index, base, count) in placed {
            let slot = &mut self.slots[index];
            let Some(request) = slot.request.as_mut() else {
                continue;
            };
            let Some(logits_at) = request.evaluated(base, count) else {
                continue;
            };
            match request.advance(self.model, context, slot.seq, logits_at, guessing) {
                Ok(Progress::Queued) => {}
                Ok(Progress::Done) => self.finish(context, index),
                Err(err) => self.fail(context, index, err),
            }
        }
    }

    /// Fills the batch, replying requests first; returns (slot, first
    /// batch index, token count) for each request in it.
    fn fill_batch(&mut self, context: &mut LlamaContext<'m>) -> Vec<(usize, i32, usize)> {
        self.batch.clear();
        let mut order: Vec<usize> = (0..self.slots.len()).collect();
        order.sort_by_key(|&i| {
            self.slots[i]
                .request
                .as_ref()
                .is_none_or(|request| !request.replying())
        });
        let mut placed = Vec::new();
        for index in order {
            let base = self.batch.n_tokens();
            let room = BATCH.saturating_sub(base as usize);
            let slot = &self.slots[index];
            let Some(request) = slot.request.as_ref() else {
                continue;
            };
            if room == 0 {
                break;
            }
            match request.add_to(&mut self.batch, slot.seq, room) {
                Ok(0) => {}
                Ok(count) => placed.push((index, base, count)),
                Err(err) => self.fail(context, index, err),
            }
        }
        placed
    }

    /// Ends requests nobody waits for any more (their prompt may be long).
    fn drop_abandoned(&mut self, context: &mut LlamaContext<'m>) {
        for index in 0..self.slots.len() {
            let abandoned = self.slots[index]
                .request
                .as_ref()
                .is_some_and(|request| request.reply.is_closed());
            if abandoned {
                self.finish(context, index);
            }
        }
    }

    fn finish(&mut self, context: &mut LlamaContext<'m>, index: usize) {
        let slot = &mut self.slots[index];
        let Some(request) = slot.request.take() else {
            return;
        };
        let (reply, result, cached) = request.finish(context, slot.seq);
        match cached {
            Some(cached) => slot.cached = cached,
            None => forget(context, slot.seq),
        }
        let _ = reply.send(result);
    }

    fn fail(&mut self, context: &mut LlamaContext<'m>, index: usize, err: LlmError) {
        let slot = &mut self.slots[index];
        if let Some(request) = slot.request.take() {
            let _ = request.reply.send(Err(err));
        }
        slot.cached.clear();
        forget(context, slot.seq);
    }

    /// A failed decode leaves every sequence's cache unknown.
    fn fail_all(&mut self, context: &mut LlamaContext<'m>, err: &LlmError) {
        for slot in &mut self.slots {
            if let Some(request) = slot.request.take() {
                let _ = request.reply.send(Err(err.clone()));
            }
            slot.cached.clear();
        }
        context.clear_kv_cache();
    }
}

fn shared_prefix(known: &[LlamaToken], tokens: &[LlamaToken]) -> usize {
    known.iter().zip(tokens).take_while(|(a, b)| a == b).count()
}

/// Cuts sequence `seq`'s cache back to the longest prefix `tokens` shares
/// with `known` (what it holds) and returns its length; 0 (and nothing
/// cached for `seq`) when nothing is shared or the cut fails. At least the
/// prompt's last token is always evaluated again, for its logits.
fn keep_prefix(
    context: &mut LlamaContext<'_>,
    seq: i32,
    known: &[LlamaToken],
    tokens: &[LlamaToken],
) -> usize {
    let shared = shared_prefix(known, tokens).min(tokens.len().saturating_sub(1));
    match u32::try_from(shared) {
        Ok(p0) if p0 > 0 && context.kv_cache_seq_rm(seq, Some(p0), None).is_ok() => shared,
        _ => {
            forget(context, seq);
            0
        }
    }
}

/// Removes everything sequence `seq` holds.
fn forget(context: &mut LlamaContext<'_>, seq: i32) {
    if context.kv_cache_seq_rm(seq, None, None).is_err() {
        // Removing a whole sequence cannot be partial; if it ever fails,
        // nothing cached anywhere is trusted.
        context.clear_kv_cache();
    }
}
