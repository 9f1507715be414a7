//! The host side of the agent imports: one [`AgentHost`] per run answers the
//! guest's `clade.agent_*` calls from state it owns (the task, the workspace,
//! the meter, the transcript). Requests are JSON; anything malformed, too
//! large or over budget is refused with a reason the guest can read.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use clade_llm::{ChatRequest, Endpoint, Message, ReplyShape};
use clade_sandbox::RunHost;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::budget::Meter;
use crate::transcript::{Event, NOTE_LIMIT, Transcript, cut};
use crate::workspace::Workspace;

/// Every import an agent guest may link, in the `clade` module.
pub const AGENT_IMPORTS: &[&str] = &[
    "agent_task",
    "agent_llm",
    "agent_list",
    "agent_read",
    "agent_write",
    "agent_diff",
    "agent_test",
    "agent_note",
    "agent_spent",
    "agent_done",
];

/// Caps on one chat request.
const MAX_MESSAGES: usize = 32;
const MAX_CHAT_BYTES: usize = 256 << 10;
const MAX_STOPS: usize = 4;
const MAX_GRAMMAR_BYTES: usize = 64 << 10;
/// A reply's length when neither the agent nor the model's config sets one
/// (the proposer's default): the token budget bounds the total, not one
/// reply, and a small model left unbounded rambles to the end of its context.
pub const DEFAULT_REPLY_TOKENS: u64 = 1024;

/// What the agent is told about its task (never the hidden tests).
#[derive(Debug, Clone)]
pub struct TaskView {
    pub id: String,
    pub kind: &'static str,
    pub statement: String,
    pub metric: String,
    pub direction: String,
}

/// The result of one visible test run, as the agent sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestReport {
    pub built: bool,
    pub passed: u64,
    pub total: u64,
    pub output: String,
    /// An optimization task's score, from the host's evaluation.
    pub score: Option<f64>,
}

/// Runs the visible tests (or evaluates the candidate) on a workspace.
pub trait Tester: Send {
    fn run(&mut self, workspace: &Workspace, deadline: Instant) -> Result<TestReport, String>;
}

/// The model behind the `agent_llm` import.
pub struct Model {
    pub backend: ModelBackend,
    /// The seed of the k-th call derives from this and k.
    pub seed: u64,
}

/// Who answers an agent's chat calls.
pub enum ModelBackend {
    /// A real model.
    Endpoint {
        endpoint: Arc<Endpoint>,
        /// The runtime the endpoint's futures run on; the guest calls from
        /// a blocking thread, which waits on it.
        handle: tokio::runtime::Handle,
    },
    /// Every call answered with this text, at no token cost and with no
    /// network: a canary run proves an agent works before it costs a call.
    Canned(String),
}

/// A reply as the meter and the transcript see it.
struct Answer {
    text: String,
    tokens_in: u64,
    tokens_out: u64,
    cached: bool,
}

impl Model {
    fn takes_grammar(&self) -> bool {
        match &self.backend {
            ModelBackend::Endpoint { endpoint, .. } => endpoint.takes_grammar(),
            ModelBackend::Canned(_) => false,
        }
    }

    fn configured_max_tokens(&self) -> Option<u64> {
        match &self.backend {
            ModelBackend::Endpoint { endpoint, .. } => endpoint.config().max_tokens.map(u64::from),
            ModelBackend::Canned(_) => None,
        }
    }

    /// The reply to `request`; `Err(None)` when `left` ran out first.
    fn complete(&self, request: ChatRequest, left: Duration) -> Result<Answer, Option<String>> {
        let (endpoint, handle) = match &self.backend {
            ModelBackend::Endpoint { endpoint, handle } => (endpoint.clone(), handle),
            ModelBackend::Canned(text) => {
                return Ok(Answer {
                    text: text.clone(),
                    tokens_in: 0,
                    tokens_out: 0,
                    cached: false,
                });
            }
        };
        let answer = handle
            .block_on(async move { tokio::time::timeout(left, endpoint.complete(&request)).await });
        match answer {
            Ok(Ok(c)) => Ok(Answer {
                text: c.text,
                tokens_in: c.tokens_in,
                tokens_out: c.tokens_out,
                cached: c.cached,
            }),
            Ok(Err(e)) => Err(Some(e.to_string())),
            Err(_) => Err(None),
        }
    }
}

pub(crate) struct State {
    pub task: TaskView,
    pub workspace: Workspace,
    pub meter: Meter,
    pub transcript: Transcript,
    pub tester: Box<dyn Tester>,
    pub done: Option<String>,
    /// The first model call that failed (after its retries, or a replay
    /// miss): the run's result then says nothing about the agent.
    pub model_error: Option<String>,
}

pub struct AgentHost {
    state: Mutex<State>,
    model: Model,
}

impl AgentHost {
    pub(crate) fn new(state: State, model: Model) -> Self {
        AgentHost {
            state: Mutex::new(state),
            model,
        }
    }

    pub(crate) fn lock(&self) -> Result<MutexGuard<'_, State>, String> {
        self.state
            .lock()
            .map_err(|_| "the agent host's state is unusable (a thread panicked)".to_string())
    }

    pub(crate) fn into_state(self) -> Option<State> {
        self.state.into_inner().ok()
    }
}

impl RunHost for AgentHost {
    fn call(&self, name: &str, input: &[u8], deadline: Instant) -> Result<Vec<u8>, String> {
        let mut state = self.lock()?;
        let request: Value = if input.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(input).map_err(|e| format!("malformed request: {e}"))?
        };
        let answer = match name {
            "agent_task" => Ok(task_json(&state, self.model.takes_grammar())),
            "agent_llm" => self.llm(&mut state, request, deadline),
            "agent_list" => Ok(json!({"files": state.workspace.list()})),
            "agent_read" => read(&state, &request),
            "agent_write" => write(&mut state, &request),
            "agent_diff" => Ok(json!({"diff": state.workspace.diff()})),
            "agent_test" => test(&mut state, deadline),
            "agent_note" => {
                let text = cut(str_field(&request, "text"), NOTE_LIMIT);
                state.transcript.push(Event::AgentNote { text });
                Ok(json!({}))
            }
            "agent_spent" => Ok(json!(state.meter.spent())),
            "agent_done" => {
                let summary = cut(str_field(&request, "summary"), NOTE_LIMIT);
                state.transcript.push(Event::Done {
                    summary: summary.clone(),
                });
                state.done = Some(summary);
                Ok(json!({}))
            }
            other => Err(format!("`clade.{other}` is not an agent import")),
        };
        match answer {
            Ok(value) => Ok(value.to_string().into_bytes()),
            Err(reason) => {
                state.transcript.push(Event::Refused {
                    import: name.to_string(),
                    reason: reason.clone(),
                });
                Err(reason)
            }
        }
    }
}

fn str_field<'a>(request: &'a Value, key: &str) -> &'a str {
    request.get(key).and_then(Value::as_str).unwrap_or("")
}

fn task_json(state: &State, takes_grammar: bool) -> Value {
    let budget = state.meter.budget();
    json!({
        "id": state.task.id,
        "kind": state.task.kind,
        "statement": state.task.statement,
        "metric": state.task.metric,
        "direction": state.task.direction,
        "files": state.workspace.list(),
        "limits": {
            "llm_calls": budget.llm_calls,
            "tokens": budget.tokens,
            "test_runs": budget.test_runs,
            "wall_ms": budget.wall_s * 1000,
        },
        "takes_grammar": takes_grammar,
    })
}

fn read(state: &State, request: &Value) -> Result<Value, String> {
    let text = state.workspace.read(str_field(request, "path"))?;
    Ok(json!({"text": text}))
}

fn write(state: &mut State, request: &Value) -> Result<Value, String> {
    let path = str_field(request, "path");
    let text = request
        .get("text")
        .and_then(Value::as_str)
        .ok_or("malformed request: `text` must be a string")?;
    state.workspace.write(path, text)?;
    state.transcript.push(Event::Write {
        path: path.to_string(),
        bytes: text.len() as u64,
    });
    Ok(json!({}))
}

fn test(state: &mut State, deadline: Instant) -> Result<Value, String> {
    state.meter.begin_test_run()?;
    let State {
        tester,
        workspace,
        transcript,
        ..
    } = state;
    let report = tester.run(workspace, deadline)?;
    transcript.push(Event::Tests {
        built: report.built,
        passed: report.passed,
        total: report.total,
        output: report.output.clone(),
        score: report.score,
    });
    Ok(json!({
        "built": report.built,
        "passed": report.passed,
        "total": report.total,
        "output": report.output,
        "score": report.score,
    }))
}

/// A chat as the guest sends it. Model, seed and timeout are not fields:
/// they are the host's.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Chat {
    messages: Vec<Message>,
    temperature: Option<f64>,
    max_tokens: Option<u64>,
    #[serde(default)]
    stop: Vec<String>,
    #[serde(default)]
    search_replace: bool,
    grammar: Option<String>,
}

impl Chat {
    fn check(&self) -> Result<(), String> {
        let bytes: usize = self.messages.iter().map(|m| m.content.len()).sum();
        if self.messages.is_empty() || self.messages.len() > MAX_MESSAGES {
            return Err(format!(
                "malformed request: a chat has 1 to {MAX_MESSAGES} messages, not {}",
                self.messages.len()
            ));
        }
        if bytes > MAX_CHAT_BYTES {
            return Err(format!(
                "refused: the chat is {bytes} bytes; at most {MAX_CHAT_BYTES}"
            ));
        }
        if self.stop.len() > MAX_STOPS {
            return Err(format!("refused: at most {MAX_STOPS} stop strings"));
        }
        if self
            .grammar
            .as_ref()
            .is_some_and(|g| g.len() > MAX_GRAMMAR_BYTES)
        {
            return Err(format!(
                "refused: the grammar is over {MAX_GRAMMAR_BYTES} bytes"
            ));
        }
        if self.temperature.is_some_and(|t| !(0.0..=2.0).contains(&t)) {
            return Err("refused: temperature must be between 0 and 2".into());
        }
        Ok(())
    }
}

/// A rough count of a prompt's tokens (four bytes each), so `max_tokens`
/// leaves room for the prompt in the budget.
fn estimate_tokens(messages: &[Message]) -> u64 {
    messages.iter().map(|m| m.content.len() as u64 / 4).sum()
}

/// The seed of the `k`-th call of a run seeded with `seed` (SplitMix64 of
/// both), so every agent run on the same task and repeat gets the same
/// seeds.
pub fn call_seed(seed: u64, k: u64) -> u64 {
    let mut z = seed ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl AgentHost {
    fn llm(&self, state: &mut State, request: Value, deadline: Instant) -> Result<Value, String> {
        let chat: Chat =
            serde_json::from_value(request).map_err(|e| format!("malformed request: {e}"))?;
        chat.check()?;
        let left = state.meter.begin_llm_call()?;
        let k = state.meter.spent().llm_calls - 1;
        let prompt_tokens = estimate_tokens(&chat.messages);
        let room = left.saturating_sub(prompt_tokens);
        let wanted = chat
            .max_tokens
            .or(self.model.configured_max_tokens())
            .unwrap_or(DEFAULT_REPLY_TOKENS);
        let max_tokens = wanted.min(room).min(u64::from(u32::MAX));
        if max_tokens == 0 {
            let refusal = state.meter.refuse("tokens");
            return Err(format!(
                "{refusal} (the prompt alone is about {prompt_tokens} of the {left} left)"
            ));
        }
        let seed = call_seed(self.model.seed, k);
        let grammar = chat.grammar.filter(|_| self.model.takes_grammar());
        let shape = if chat.search_replace {
            ReplyShape::SearchReplace { grammar }
        } else {
            ReplyShape::Free
        };
        state.transcript.push(Event::LlmRequest {
            messages: chat.messages.clone(),
            max_tokens,
            seed,
        });
        let request = ChatRequest {
            messages: chat.messages,
            temperature: chat.temperature,
            max_tokens: Some(max_tokens as u32),
            seed: Some(seed),
            stop: chat.stop,
            grammar: None,
            shape,
        };
        let left_time = deadline.saturating_duration_since(Instant::now());
        let completion = match self.model.complete(request, left_time) {
            Ok(completion) => completion,
            Err(Some(e)) => {
                let error = format!("the model call failed: {e}");
                state.model_error.get_or_insert_with(|| error.clone());
                state.transcript.push(Event::LlmError {
                    error: error.clone(),
                });
                return Err(error);
            }
            Err(None) => {
                let refusal = state.meter.refuse("wall");
                let error = format!("{refusal} (the task's time ran out waiting for the model)");
                state.transcript.push(Event::LlmError {
                    error: error.clone(),
                });
                return Err(error);
            }
        };
        state
            .meter
            .debit_tokens(completion.tokens_in, completion.tokens_out);
        state.transcript.push(Event::LlmReply {
            text: completion.text.clone(),
            tokens_in: completion.tokens_in,
            tokens_out: completion.tokens_out,
            cached: completion.cached,
        });
        Ok(json!({
            "text": completion.text,
            "tokens_in": completion.tokens_in,
            "tokens_out": completion.tokens_out,
        }))
    }
}
