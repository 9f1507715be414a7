//! One iteration's work away from the controller: ask the LLM, parse and
//! apply the reply, and evaluate the candidate on the blocking pool. Within
//! the iteration it also resamples a reply that repeats a known variant and,
//! with `run.repairs`, sends a failed candidate back with its error (or asks
//! afresh). Every extra call's seed derives from the plan's, so the same
//! replies give the same outcome. It reads the plan the controller made and
//! returns an [`Outcome`]; it decides nothing about the archive or the
//! population.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use clade_agent::{
    Candidate, Guidance, Operator, Program, Prompt, PromptInput, Templates, Workspace, apply_reply,
    build_prompt_with, candidate_between,
};
use clade_archive::{Instruction, Reflection, Transcript};
use clade_llm::{ChatRequest, Completion, Endpoint, Ledger, LlmError, Message, ReplyShape};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::backend::{EvalBackend, EvalJob, evaluate_on_pool};
use crate::evaluate::Evaluation;
use crate::proposer::{Proposal, ProposalRequest, Proposer};
use crate::rejection::Rejection;
use crate::transcript::{MUTATION_ATTEMPT, REFLECTION_ATTEMPT};

/// What the controller decided for one iteration.
#[derive(Clone)]
pub(crate) struct Plan {
    pub iteration: u64,
    pub island: usize,
    /// The validated variant the candidate descends from.
    pub parent: u64,
    pub operator: Operator,
    pub inspirations: Vec<u64>,
    /// What the prompt is rendered from (once the reflection and the
    /// mutation, if any, have set its guidance).
    pub question: Question,
    pub endpoint: Arc<Endpoint>,
    pub llm_seed: u64,
    /// The seed of the candidate's evaluation (its own stream).
    pub eval_seed: u64,
    /// The files the reply's edits apply to: the parent's, or for a fix the
    /// rejected candidate's.
    pub base_files: Arc<BTreeMap<String, String>>,
    /// Framework time spent planning (selection, prompt), in ms.
    pub plan_ms: f64,
    /// Variant ids below this were recorded when the plan was made: a repeat
    /// of one of them is resampled. Later ones are left to the record step,
    /// so whether a reply is resampled never depends on timing, and a
    /// replay asks the same questions.
    pub known_below: u64,
    /// Repairs allowed in this iteration (`run.repairs`).
    pub repairs: u32,
    /// What an agent proposer is told.
    pub brief: Brief,
    /// The comparison to ask for before the question (`search.reflection`).
    pub reflect: Option<crate::reflection::Reflect>,
    /// Ask the model to rewrite the question's instruction first
    /// (`search.prompt_evolution`).
    pub mutate: bool,
    /// The instruction the mutation replaced, once it made a new one.
    pub mutated_from: Option<String>,
}

impl Plan {
    /// The hint the question carries, as the variant's note keeps it.
    pub(crate) fn reflection(&self) -> Option<Reflection> {
        let (reflect, hint) = self
            .reflect
            .as_ref()
            .zip(self.question.guidance.reflection.as_ref())?;
        Some(Reflection {
            better: reflect.better,
            worse: reflect.worse,
            hint: hint.clone(),
        })
    }

    /// The instruction the question carries, as the variant's note keeps it.
    pub(crate) fn instruction(&self) -> Option<Instruction> {
        Some(Instruction {
            text: self.question.guidance.instruction.clone()?,
            mutated_from: self.mutated_from.clone(),
        })
    }
}

/// The question of an iteration as an agent proposer gets it.
#[derive(Clone)]
pub(crate) struct Brief {
    pub task: String,
    pub metric: String,
    pub direction: String,
    pub parent_score: Option<f64>,
    /// The parent's evolvable files (an agent always starts from the
    /// parent, never from a failed candidate).
    pub parent_files: Arc<BTreeMap<String, String>>,
}

/// What an iteration's prompts are rendered from: the templates, the
/// prompt input and the search's guidance (which a reflection or an
/// instruction's mutation may still change before the question is asked).
#[derive(Clone)]
pub(crate) struct Question {
    pub templates: Arc<Templates>,
    pub input: PromptInput,
    pub guidance: Guidance,
}

impl Question {
    pub(crate) fn prompt(&self) -> Prompt {
        build_prompt_with(&self.templates, &self.input, &self.guidance)
    }

    /// A repair: the failed candidate goes back to the model in a FIX
    /// prompt built from the plan's own input; when that answer is unusable
    /// (often: the same code again), the plan's own question is asked afresh.
    fn repair_prompt(
        &self,
        files: &BTreeMap<String, String>,
        reason: &Rejection,
        feedback: Option<&str>,
    ) -> Prompt {
        let mut input = self.input.clone();
        input.operator = Operator::Fix;
        input.failed = Some((
            Program {
                label: "the candidate".into(),
                score: None,
                metrics: BTreeMap::new(),
                files: files.clone(),
            },
            match feedback {
                Some(feedback) => format!("{reason}\n\n{feedback}"),
                None => reason.to_string(),
            },
        ));
        build_prompt_with(&self.templates, &input, &self.guidance)
    }
}

pub(crate) struct LlmInfo {
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_usd: f64,
    pub llm_ms: f64,
    pub prompt_digest: String,
    pub response_digest: String,
    /// Every exchange so far, for the archive's transcript.
    pub transcript: Transcript,
}

/// What became of a plan.
pub(crate) enum Produced {
    Llm(LlmError),
    /// No usable edit: the apply step's message.
    Unparsable(String),
    /// The run began shutting down before the candidate was evaluated.
    Interrupted,
    /// The agent proposer failed, or left the files as they were.
    AgentFailed(String),
    /// The proposal's task panicked (a bug of the host): recorded as the
    /// iteration's host error so the run goes on.
    Panicked(String),
    Candidate {
        candidate: Candidate,
        digest: String,
        /// `None` when the candidate duplicates a recorded variant and was
        /// not evaluated.
        evaluation: Option<Evaluation>,
        /// The recorded variant the candidate is too close to (id,
        /// distance), when the novelty gate kept it from evaluation.
        near: Option<(u64, f64)>,
    },
}

pub(crate) struct Outcome {
    pub plan: Plan,
    pub llm: Option<LlmInfo>,
    pub result: Produced,
    /// Framework time spent parsing, applying and hashing, in ms.
    pub apply_ms: f64,
    /// Repairs made within the iteration (the candidate is the last one).
    pub repairs: u32,
}

/// What the iteration tasks share.
pub(crate) struct Shared {
    pub backend: Arc<dyn EvalBackend>,
    pub eval_permits: Arc<Semaphore>,
    pub ledger: Ledger,
    /// Content digest of every recorded candidate → its id.
    pub digests: Mutex<HashMap<String, u64>>,
    /// The novelty gate's signatures (kept only when it is on).
    pub signatures: Mutex<crate::novelty::Signatures>,
    pub llm_in_flight: AtomicUsize,
    pub eval_in_flight: AtomicUsize,
    /// An agent that proposes instead of the run's own prompts.
    pub proposer: Option<Arc<dyn Proposer>>,
}

impl Shared {
    /// The digest table. A poisoned lock (a thread panicked holding it) is an
    /// error: going on without it would silently turn duplicate detection off.
    pub(crate) fn digests(&self) -> Result<MutexGuard<'_, HashMap<String, u64>>, String> {
        self.digests.lock().map_err(|_| {
            "the candidate digest table is unusable (a thread panicked while holding it)"
                .to_string()
        })
    }
}

/// The digest of a candidate's evolvable files as they behave: comments,
/// spacing and unused imports do not count (`clade_agent::normalize`), so
/// a candidate that only changes those is a duplicate of the variant it
/// repeats, never a new score from the same code.
pub(crate) fn files_digest(files: &BTreeMap<String, String>) -> String {
    let mut hasher = Sha256::new();
    for (path, text) in files {
        let text = clade_agent::normalize::normalize(text, path.ends_with(".rs"));
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update((text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    }
    format!("{:x}", hasher.finalize())
}

pub(crate) fn text_digest(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// The reply shape a prompt asks for: SEARCH/REPLACE blocks for the prompts
/// that ask for blocks, with a grammar whose SEARCH lines are taken from the
/// files the edits apply to (see [`clade_agent::grammar`]) when the endpoint
/// enforces one. Which provider does what is the endpoint's business.
fn reply_shape(
    endpoint: &Endpoint,
    operator: Operator,
    files: &BTreeMap<String, String>,
) -> ReplyShape {
    if !clade_agent::asks_for_blocks(operator, files) {
        return ReplyShape::Free;
    }
    ReplyShape::SearchReplace {
        grammar: endpoint
            .takes_grammar()
            .then(|| clade_agent::grammar::search_replace(files))
            .flatten(),
    }
}

/// How many more times a reply that repeats a recorded variant (or changes
/// nothing) is asked for again, each time with another seed and a higher
/// temperature: small models at their default temperature often give the
/// same edit over and over, and a repeat teaches the search nothing.
pub(crate) const RESAMPLES_ON_REPEAT: u32 = 2;

/// The sampling temperature of resample `attempt` (1, 2, …).
fn resample_temperature(plan: &Plan, attempt: u32) -> f64 {
    let base = plan.endpoint.config().temperature.unwrap_or(0.7);
    // Rounded, so the request (and its cache key) reads 1.3, not 1.2999….
    ((base + 0.3 * f64::from(attempt)).min(1.3) * 100.0).round() / 100.0
}

/// Sends one request and adds its usage to `llm` (usage adds up over
/// resamples and repairs; the digests are the last reply's).
async fn ask(
    plan: &Plan,
    shared: &Shared,
    request: &ChatRequest,
    attempt: u32,
    llm: &mut Option<LlmInfo>,
) -> Result<Completion, LlmError> {
    shared.llm_in_flight.fetch_add(1, Ordering::Relaxed);
    let started = Instant::now();
    let reply = plan.endpoint.complete(request).await;
    shared.llm_in_flight.fetch_sub(1, Ordering::Relaxed);
    let completion = reply?;
    shared.ledger.record(&completion);
    tracing::info!(
        iteration = plan.iteration,
        attempt,
        model = %plan.endpoint.config().label(),
        cached = completion.cached,
        tokens_in = completion.tokens_in,
        tokens_out = completion.tokens_out,
        latency_ms = completion.latency_ms,
        tokens_per_second = completion.tokens_per_second.unwrap_or(0.0),
        grammar_resamples = completion.grammar_resamples,
        prompt_tokens_reused = completion.prompt_tokens_reused,
        "llm reply"
    );
    let this = LlmInfo {
        tokens_in: completion.tokens_in,
        tokens_out: completion.tokens_out,
        cost_usd: if completion.cached {
            0.0
        } else {
            completion.cost_usd
        },
        llm_ms: if completion.cached {
            0.0
        } else {
            started.elapsed().as_secs_f64() * 1e3
        },
        prompt_digest: completion.request_digest.clone(),
        response_digest: text_digest(&completion.text),
        transcript: Transcript {
            exchanges: vec![crate::transcript::exchange(
                &plan.endpoint,
                request,
                &completion,
                attempt,
            )],
        },
    };
    *llm = Some(match llm.take() {
        None => this,
        Some(mut before) => {
            before
                .transcript
                .exchanges
                .extend(this.transcript.exchanges);
            LlmInfo {
                tokens_in: before.tokens_in + this.tokens_in,
                tokens_out: before.tokens_out + this.tokens_out,
                cost_usd: before.cost_usd + this.cost_usd,
                llm_ms: before.llm_ms + this.llm_ms,
                transcript: before.transcript,
                ..this
            }
        }
    });
    Ok(completion)
}

/// A seed for the `n`th extra call of an iteration, apart from its first.
fn derived_seed(seed: u64, n: u64) -> u64 {
    seed.wrapping_add(n.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// The variant recorded before the plan that `files` are too close to,
/// when the novelty gate is on. Not for FIX: a repair is a small edit of a
/// rejected variant by design.
fn too_close(plan: &Plan, shared: &Shared, files: &BTreeMap<String, String>) -> Option<(u64, f64)> {
    if plan.operator == clade_agent::Operator::Fix {
        return None;
    }
    if shared.signatures.lock().ok()?.threshold <= 0.0 {
        return None;
    }
    // Made outside the lock: the controller records meanwhile.
    let signature = crate::novelty::Signature::of(files);
    shared
        .signatures
        .lock()
        .ok()?
        .too_close(&signature, plan.known_below)
}

/// Whether a candidate with `digest` repeats a variant recorded before the
/// plan was made. Only those count: what was recorded since depends on
/// timing, and deciding by it would make a replay ask other questions.
/// (With a poisoned table it answers no: recording the outcome then fails
/// the run with the reason.)
fn known_before_plan(plan: &Plan, shared: &Shared, digest: &str) -> bool {
    shared
        .digests()
        .map(|d| d.get(digest).is_some_and(|id| *id < plan.known_below))
        .unwrap_or(false)
}

/// A reply applied to the parent: the candidate, its digest and the
/// recorded variant it is too close to (the novelty gate), or why not.
type Applied = Result<(Candidate, String, Option<(u64, f64)>), clade_agent::Rejection>;

/// With a comparison planned, asks for the hint and puts it in the plan's
/// question (and its repairs'). A failed call or a reply without a hint
/// leaves the question as planned: a hint is help, not a condition.
async fn reflect_first(plan: &mut Plan, shared: &Shared, llm: &mut Option<LlmInfo>) {
    let Some(reflect) = plan.reflect.clone() else {
        return;
    };
    let Some(reply) = ask_short(plan, shared, &reflect.comparison, REFLECTION_ATTEMPT, llm).await
    else {
        return;
    };
    let Some(hint) = clade_agent::reflect::clean_hint(&reply) else {
        return;
    };
    plan.question.guidance.reflection = Some(hint);
}

/// The longest reply asked for a hint or an instruction, in tokens (each
/// is asked to be at most 30 words).
const GUIDANCE_MAX_TOKENS: u32 = 96;

/// Asks `prompt` as the iteration's exchange numbered `attempt` (a hint or
/// an instruction: a short free reply) and returns the reply, scrubbed
/// again because it is kept in notes and later prompts; `None`, logged,
/// when the call fails — guidance is help, never a condition.
async fn ask_short(
    plan: &Plan,
    shared: &Shared,
    prompt: &Prompt,
    attempt: u32,
    llm: &mut Option<LlmInfo>,
) -> Option<String> {
    let request = ChatRequest {
        messages: vec![
            Message::system(prompt.system.clone()),
            Message::user(prompt.user.clone()),
        ],
        seed: Some(derived_seed(plan.llm_seed, u64::from(attempt))),
        max_tokens: Some(GUIDANCE_MAX_TOKENS),
        ..ChatRequest::default()
    };
    match ask(plan, shared, &request, attempt, llm).await {
        Ok(completion) => Some(plan.endpoint.scrub(&completion.text)),
        Err(err) => {
            let (kind, _) = crate::transcript::kind_of(attempt);
            tracing::warn!(iteration = plan.iteration, error = %err, "{} failed: asking without it", kind.as_str());
            None
        }
    }
}

/// With a mutation planned, asks for a new instruction from the plan's and
/// puts it in the question. A failed call or an unusable reply keeps the
/// planned instruction.
async fn mutate_first(plan: &mut Plan, shared: &Shared, llm: &mut Option<LlmInfo>) {
    let Some(old) = plan
        .question
        .guidance
        .instruction
        .clone()
        .filter(|_| plan.mutate)
    else {
        return;
    };
    let question = clade_agent::instruct::mutation_prompt(&plan.question.input.task, &old);
    let Some(reply) = ask_short(plan, shared, &question, MUTATION_ATTEMPT, llm).await else {
        return;
    };
    let Some(text) = clade_agent::instruct::clean_instruction(&reply) else {
        return;
    };
    if text == old {
        return;
    }
    plan.question.guidance.instruction = Some(text);
    plan.mutated_from = Some(old);
}

/// Runs one plan to its outcome.
pub(crate) async fn work(mut plan: Plan, shared: Arc<Shared>) -> Outcome {
    if let Some(proposer) = shared.proposer.clone() {
        return agent_work(plan, shared, proposer).await;
    }
    let mut llm: Option<LlmInfo> = None;
    mutate_first(&mut plan, &shared, &mut llm).await;
    reflect_first(&mut plan, &shared, &mut llm).await;
    // The plan's own question, in the reply shape its operator needs (made
    // once: resamples and fresh answers reuse it).
    let prompt = plan.question.prompt();
    let shape = reply_shape(&plan.endpoint, plan.operator, &plan.base_files);
    let question = |seed: u64, temperature: Option<f64>| ChatRequest {
        messages: vec![
            Message::system(prompt.system.clone()),
            Message::user(prompt.user.clone()),
        ],
        seed: Some(seed),
        temperature,
        shape: shape.clone(),
        ..ChatRequest::default()
    };
    let mut attempt = 0;
    let mut previous: Option<Applied> = None;
    let mut apply_ms = 0.0;
    let applied = loop {
        let request = question(
            derived_seed(plan.llm_seed, u64::from(attempt)),
            (attempt > 0).then(|| resample_temperature(&plan, attempt)),
        );
        let completion = match ask(&plan, &shared, &request, attempt, &mut llm).await {
            Ok(completion) => completion,
            Err(err) => match previous.take() {
                // A failed resample keeps what the reply before it gave.
                Some(applied) => {
                    tracing::warn!(iteration = plan.iteration, attempt, error = %err, "resample failed");
                    break applied;
                }
                None => {
                    // `llm` holds the reflection's exchange, if one was made.
                    return Outcome {
                        plan,
                        llm,
                        result: Produced::Llm(err),
                        apply_ms: 0.0,
                        repairs: 0,
                    };
                }
            },
        };
        let apply_started = Instant::now();
        let workspace = Workspace {
            files: plan.base_files.as_ref().clone(),
        };
        // The nearest recorded variant, measured once: only variants
        // recorded before the plan count, so it cannot change later.
        let applied = apply_reply(&completion.text, &workspace).map(|candidate| {
            let digest = files_digest(&candidate.files);
            let near = too_close(&plan, &shared, &candidate.files);
            (candidate, digest, near)
        });
        apply_ms += apply_started.elapsed().as_secs_f64() * 1e3;
        let repeat = match &applied {
            Err(clade_agent::Rejection::Unchanged) => true,
            Err(_) => false,
            Ok((_, digest, near)) => known_before_plan(&plan, &shared, digest) || near.is_some(),
        };
        if repeat && attempt < RESAMPLES_ON_REPEAT {
            attempt += 1;
            tracing::info!(
                iteration = plan.iteration,
                attempt,
                "repeat of a known variant: resampling"
            );
            previous = Some(applied);
            continue;
        }
        break applied;
    };
    let (mut candidate, mut digest, near) = match applied {
        Ok(applied) => applied,
        Err(unusable) => {
            return Outcome {
                plan,
                llm,
                result: Produced::Unparsable(unusable.to_string()),
                apply_ms,
                repairs: 0,
            };
        }
    };
    // With repairs, skipping an evaluation changes what the iteration
    // records, so here too only variants recorded before the plan count; a
    // repeat of a later one is evaluated and recorded as a duplicate, in
    // order.
    let known = |digest: &str| known_before_plan(&plan, &shared, digest);
    if known(&digest) || near.is_some() {
        return Outcome {
            plan,
            llm,
            result: Produced::Candidate {
                candidate,
                digest,
                evaluation: None,
                near,
            },
            apply_ms,
            repairs: 0,
        };
    }
    let Some(mut evaluation) = evaluate(&plan, &shared, &candidate.files, 0).await else {
        return Outcome {
            plan,
            llm,
            result: Produced::Interrupted,
            apply_ms,
            repairs: 0,
        };
    };
    // Repairs: the failed candidate and its error go back to the model.
    // Whatever goes wrong on the way (no reply, no usable edit, a known
    // variant) leaves the last evaluated candidate as the outcome.
    let mut repairs = 0;
    while repairs < plan.repairs
        && let Evaluation::Rejected {
            reason, feedback, ..
        } = &evaluation
        && reason.repairable()
    {
        repairs += 1;
        let prompt = plan
            .question
            .repair_prompt(&candidate.files, reason, feedback.as_deref());
        let request = ChatRequest {
            messages: vec![Message::system(prompt.system), Message::user(prompt.user)],
            seed: Some(derived_seed(plan.llm_seed, 100 + u64::from(repairs))),
            shape: reply_shape(&plan.endpoint, Operator::Fix, &candidate.files),
            ..ChatRequest::default()
        };
        let Ok(completion) = ask(&plan, &shared, &request, 100 + repairs, &mut llm).await else {
            break;
        };
        let started = Instant::now();
        let workspace = Workspace {
            files: candidate.files.clone(),
        };
        let fixed = apply_reply(&completion.text, &workspace)
            .and_then(|fixed| candidate_between(&plan.base_files, fixed.files));
        apply_ms += started.elapsed().as_secs_f64() * 1e3;
        let fixed = match fixed {
            Ok(fixed) => fixed,
            Err(rejection) => {
                // A small model often answers a repair with the same code,
                // or with nothing usable: the original question, asked
                // afresh, is then the better second chance.
                tracing::info!(iteration = plan.iteration, repairs, %rejection, "repair unusable: asking afresh");
                let request = question(derived_seed(plan.llm_seed, 200 + u64::from(repairs)), None);
                let Ok(completion) = ask(&plan, &shared, &request, 200 + repairs, &mut llm).await
                else {
                    break;
                };
                let workspace = Workspace {
                    files: plan.base_files.as_ref().clone(),
                };
                match apply_reply(&completion.text, &workspace) {
                    Ok(fresh) => fresh,
                    Err(rejection) => {
                        tracing::info!(iteration = plan.iteration, repairs, %rejection, "fresh answer unusable");
                        break;
                    }
                }
            }
        };
        let fixed_digest = files_digest(&fixed.files);
        if known(&fixed_digest) || fixed_digest == digest {
            break;
        }
        let Some(fixed_evaluation) = evaluate(&plan, &shared, &fixed.files, repairs).await else {
            break;
        };
        tracing::info!(
            iteration = plan.iteration,
            repairs,
            scored = matches!(fixed_evaluation, Evaluation::Scored { .. }),
            "repaired candidate evaluated"
        );
        candidate = fixed;
        digest = fixed_digest;
        evaluation = fixed_evaluation;
    }
    Outcome {
        plan,
        llm,
        result: Produced::Candidate {
            candidate,
            digest,
            evaluation: Some(evaluation),
            near: None,
        },
        apply_ms,
        repairs,
    }
}

/// Evaluates `files` on the blocking pool under the evaluation permits;
/// `None` when the run is shutting down.
async fn evaluate(
    plan: &Plan,
    shared: &Shared,
    files: &BTreeMap<String, String>,
    repair: u32,
) -> Option<Evaluation> {
    let permit = shared.eval_permits.clone().acquire_owned().await.ok()?;
    shared.eval_in_flight.fetch_add(1, Ordering::Relaxed);
    let key = if repair == 0 {
        format!("i{}", plan.iteration)
    } else {
        format!("i{}r{repair}", plan.iteration)
    };
    let job = EvalJob {
        files: files.clone(),
        key,
        seed: plan.eval_seed,
    };
    let evaluation = evaluate_on_pool(shared.backend.clone(), job).await;
    drop(permit);
    shared.eval_in_flight.fetch_sub(1, Ordering::Relaxed);
    Some(evaluation)
}

/// An agent proposer's iteration: the agent works on the parent's files on
/// a blocking thread (evaluating with the run's backend as it likes), then
/// whatever it left is evaluated here like any candidate.
async fn agent_work(plan: Plan, shared: Arc<Shared>, proposer: Arc<dyn Proposer>) -> Outcome {
    let backend = shared.backend.clone();
    let (iteration, eval_seed) = (plan.iteration, plan.eval_seed);
    let evaluations = Arc::new(AtomicUsize::new(0));
    let by_backend = move |files: &BTreeMap<String, String>| {
        let n = evaluations.fetch_add(1, Ordering::Relaxed) + 1;
        let job = EvalJob {
            files: files.clone(),
            key: format!("i{iteration}a{n}"),
            seed: eval_seed,
        };
        backend
            .evaluate(&job)
            .unwrap_or_else(|e| Evaluation::host_error(e.to_string()))
    };
    let brief = &plan.brief;
    let request = ProposalRequest {
        iteration,
        task: brief.task.clone(),
        metric: brief.metric.clone(),
        direction: brief.direction.clone(),
        files: brief.parent_files.as_ref().clone(),
        parent_score: brief.parent_score,
        regions: brief
            .parent_files
            .values()
            .any(|t| t.contains("EVOLVE-BLOCK-START")),
        endpoint: plan.endpoint.clone(),
        seed: plan.llm_seed,
        evaluate: Arc::new(by_backend),
    };
    shared.llm_in_flight.fetch_add(1, Ordering::Relaxed);
    let started = Instant::now();
    let joined = tokio::task::spawn_blocking(move || proposer.propose(request)).await;
    shared.llm_in_flight.fetch_sub(1, Ordering::Relaxed);
    let failed = |plan: Plan, why: String| Outcome {
        plan,
        llm: None,
        result: Produced::AgentFailed(why),
        apply_ms: 0.0,
        repairs: 0,
    };
    let proposal: Proposal = match joined {
        Ok(Ok(proposal)) => proposal,
        Ok(Err(why)) => return failed(plan, why),
        Err(join) => return failed(plan, format!("the agent's thread failed: {join}")),
    };
    let llm = Some(LlmInfo {
        tokens_in: proposal.tokens_in,
        tokens_out: proposal.tokens_out,
        cost_usd: proposal.cost_usd,
        llm_ms: started.elapsed().as_secs_f64() * 1e3,
        prompt_digest: text_digest(&format!("agent iteration {iteration}")),
        response_digest: files_digest(&proposal.files),
        // The agent's own exchanges stay with the agent's results.
        transcript: Transcript::default(),
    });
    let candidate = match candidate_between(&plan.brief.parent_files, proposal.files) {
        Ok(candidate) => candidate,
        Err(why) => {
            let mut outcome = failed(plan, format!("the agent left no usable change: {why}"));
            outcome.llm = llm;
            return outcome;
        }
    };
    let digest = files_digest(&candidate.files);
    let evaluation = if known_before_plan(&plan, &shared, &digest) {
        None
    } else {
        match evaluate(&plan, &shared, &candidate.files, 0).await {
            Some(evaluation) => Some(evaluation),
            None => {
                return Outcome {
                    plan,
                    llm,
                    result: Produced::Interrupted,
                    apply_ms: 0.0,
                    repairs: 0,
                };
            }
        }
    };
    Outcome {
        plan,
        llm,
        result: Produced::Candidate {
            candidate,
            digest,
            evaluation,
            near: None,
        },
        apply_ms: 0.0,
        repairs: 0,
    }
}
