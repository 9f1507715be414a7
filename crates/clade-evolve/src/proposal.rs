//! One iteration's work away from the controller: ask the LLM, parse and
//! apply the reply, and evaluate the candidate on the blocking pool. It reads
//! the plan the controller made and returns an [`Outcome`]; it decides
//! nothing about the archive or the population.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clade_agent::{Candidate, Operator, Prompt, Workspace, apply_reply};
use clade_llm::{ChatRequest, Endpoint, Ledger, LlmError, Message};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::evaluate::{Evaluation, Evaluator};

/// What the controller decided for one iteration.
pub(crate) struct Plan {
    pub iteration: u64,
    pub island: usize,
    /// The validated variant the candidate descends from.
    pub parent: u64,
    pub operator: Operator,
    pub inspirations: Vec<u64>,
    pub prompt: Prompt,
    pub endpoint: Arc<Endpoint>,
    pub llm_seed: u64,
    /// The files the reply's edits apply to: the parent's, or for a fix the
    /// rejected candidate's.
    pub base_files: Arc<BTreeMap<String, String>>,
    /// Framework time spent planning (selection, prompt), in ms.
    pub plan_ms: f64,
}

pub(crate) struct LlmInfo {
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_usd: f64,
    pub llm_ms: f64,
    pub prompt_digest: String,
    pub response_digest: String,
}

/// What became of a plan.
pub(crate) enum Produced {
    Llm(LlmError),
    Unparsable(String),
    Candidate {
        candidate: Candidate,
        digest: String,
        /// `None` when the candidate duplicates a recorded variant and was
        /// not evaluated.
        evaluation: Option<Evaluation>,
    },
}

pub(crate) struct Outcome {
    pub plan: Plan,
    pub llm: Option<LlmInfo>,
    pub result: Produced,
    /// Framework time spent parsing, applying and hashing, in ms.
    pub apply_ms: f64,
}

/// What the iteration tasks share.
pub(crate) struct Shared {
    pub evaluator: Arc<Evaluator>,
    pub eval_permits: Arc<Semaphore>,
    pub ledger: Ledger,
    /// Content digest of every recorded candidate → its id.
    pub digests: Mutex<HashMap<String, u64>>,
    pub llm_in_flight: AtomicUsize,
    pub eval_in_flight: AtomicUsize,
}

/// The digest of a candidate's evolvable files: equal digests mean equal
/// trees, since nothing else in a candidate differs from the base.
pub(crate) fn files_digest(files: &BTreeMap<String, String>) -> String {
    let mut hasher = Sha256::new();
    for (path, text) in files {
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update((text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    }
    hex(&hasher.finalize())
}

pub(crate) fn text_digest(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A small local model tends to ramble past its first SEARCH/REPLACE block
/// into broken ones: for the operators that ask for blocks, it stops at the
/// first closing marker (which the local provider keeps in the text).
fn stop_strings(plan: &Plan) -> Vec<String> {
    let local = plan.endpoint.config().provider == clade_llm::ProviderKind::Local;
    let blocks = matches!(
        plan.operator,
        Operator::Diff | Operator::Fix | Operator::Crossover
    );
    if local && blocks {
        vec![">>>>>>> REPLACE".to_string()]
    } else {
        Vec::new()
    }
}

/// Runs one plan to its outcome.
pub(crate) async fn work(plan: Plan, shared: Arc<Shared>) -> Outcome {
    let request = ChatRequest {
        messages: vec![
            Message::system(plan.prompt.system.clone()),
            Message::user(plan.prompt.user.clone()),
        ],
        seed: Some(plan.llm_seed),
        stop: stop_strings(&plan),
        ..ChatRequest::default()
    };
    shared.llm_in_flight.fetch_add(1, Ordering::Relaxed);
    let started = Instant::now();
    let reply = plan.endpoint.complete(&request).await;
    shared.llm_in_flight.fetch_sub(1, Ordering::Relaxed);
    let completion = match reply {
        Ok(completion) => completion,
        Err(err) => {
            return Outcome {
                plan,
                llm: None,
                result: Produced::Llm(err),
                apply_ms: 0.0,
            };
        }
    };
    shared.ledger.record(&completion);
    tracing::info!(
        iteration = plan.iteration,
        model = %plan.endpoint.config().label(),
        cached = completion.cached,
        tokens_in = completion.tokens_in,
        tokens_out = completion.tokens_out,
        latency_ms = completion.latency_ms,
        tokens_per_second = completion.tokens_per_second.unwrap_or(0.0),
        "llm reply"
    );
    let llm = LlmInfo {
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
    };
    let apply_started = Instant::now();
    let workspace = Workspace {
        files: plan.base_files.as_ref().clone(),
    };
    let candidate = match apply_reply(&completion.text, &workspace) {
        Ok(candidate) => candidate,
        Err(rejection) => {
            return Outcome {
                plan,
                llm: Some(llm),
                result: Produced::Unparsable(rejection.to_string()),
                apply_ms: apply_started.elapsed().as_secs_f64() * 1e3,
            };
        }
    };
    let digest = files_digest(&candidate.files);
    let apply_ms = apply_started.elapsed().as_secs_f64() * 1e3;
    let known = shared
        .digests
        .lock()
        .map(|d| d.contains_key(&digest))
        .unwrap_or(false);
    if known {
        return Outcome {
            plan,
            llm: Some(llm),
            result: Produced::Candidate {
                candidate,
                digest,
                evaluation: None,
            },
            apply_ms,
        };
    }
    let Ok(permit) = shared.eval_permits.clone().acquire_owned().await else {
        return Outcome {
            plan,
            llm: Some(llm),
            result: Produced::Unparsable("the run is shutting down".into()),
            apply_ms,
        };
    };
    shared.eval_in_flight.fetch_add(1, Ordering::Relaxed);
    let evaluator = shared.evaluator.clone();
    let files = candidate.files.clone();
    let key = format!("i{}", plan.iteration);
    let seed = plan.llm_seed;
    let evaluated =
        tokio::task::spawn_blocking(move || evaluator.evaluate(&files, &key, seed)).await;
    drop(permit);
    shared.eval_in_flight.fetch_sub(1, Ordering::Relaxed);
    let evaluation = match evaluated {
        Ok(Ok(evaluation)) => evaluation,
        // A host fault (cache dir, toolchain) is reported as the candidate's
        // rejection so the run goes on; the message names the host problem.
        Ok(Err(err)) => Evaluation::Rejected {
            reason: format!("host_error: {err}"),
            feedback: None,
            sandbox: Default::default(),
            build_ms: 0.0,
            eval_ms: 0.0,
        },
        Err(join) => Evaluation::Rejected {
            reason: format!("host_error: the evaluation thread failed: {join}"),
            feedback: None,
            sandbox: Default::default(),
            build_ms: 0.0,
            eval_ms: 0.0,
        },
    };
    Outcome {
        plan,
        llm: Some(llm),
        result: Produced::Candidate {
            candidate,
            digest,
            evaluation: Some(evaluation),
        },
        apply_ms,
    }
}
