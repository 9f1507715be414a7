//! The agent's view of a task, through the host's metered imports.
//!
//! An agent guest is a WASI command (`fn main`) that reads its task, asks the
//! LLM, reads and writes files of a workspace the host holds, runs the
//! visible tests and says when it is done. The host owns every limit: a call
//! past a budget returns `budget_exhausted: <which>`, a refused write says
//! why, and the model, its seed and any key stay on the host. Nothing the
//! agent writes is read back as a score.
//!
//! Every import takes and returns JSON ([`crate::json`]).

use crate::HostError;
use crate::json::{self, Value};

mod import {
    crate::host_import! { pub fn agent_task; }
    crate::host_import! { pub fn agent_llm; }
    crate::host_import! { pub fn agent_list; }
    crate::host_import! { pub fn agent_read; }
    crate::host_import! { pub fn agent_write; }
    crate::host_import! { pub fn agent_diff; }
    crate::host_import! { pub fn agent_test; }
    crate::host_import! { pub fn agent_note; }
    crate::host_import! { pub fn agent_spent; }
    crate::host_import! { pub fn agent_done; }
}

/// What the agent may spend on one task.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    pub llm_calls: u64,
    pub tokens: u64,
    pub test_runs: u64,
    pub wall_ms: u64,
}

/// What the agent has spent so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spent {
    pub llm_calls: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub test_runs: u64,
    pub wall_ms: u64,
}

/// A file of the workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
    pub writable: bool,
}

/// The task: what to do, which files there are, what may be spent.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: String,
    /// `tests` (make hidden tests pass) or `optimize` (improve a score).
    pub kind: String,
    pub statement: String,
    /// What the metric is and whether higher is better, for `optimize`.
    pub metric: String,
    pub direction: String,
    pub files: Vec<FileEntry>,
    pub limits: Limits,
    /// The model applies a reply grammar (the built-in local one does: it
    /// is small, and a grammar keeps its SEARCH/REPLACE blocks well-formed).
    pub takes_grammar: bool,
}

/// One message of a chat.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// `system`, `user` or `assistant`.
    pub role: String,
    pub content: String,
}

impl Message {
    pub fn new(role: &str, content: impl Into<String>) -> Self {
        Message {
            role: role.to_string(),
            content: content.into(),
        }
    }
}

/// A chat request. Model, seed and timeout are the host's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chat {
    pub messages: Vec<Message>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u64>,
    pub stop: Vec<String>,
    /// The reply should be SEARCH/REPLACE blocks: the host ends the reply
    /// after the last block the way its provider allows.
    pub search_replace: bool,
    /// A GBNF grammar (root rule `root`), applied only when the task says
    /// the model `takes_grammar`.
    pub grammar: Option<String>,
}

/// The model's reply and what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub text: String,
    pub tokens_in: u64,
    pub tokens_out: u64,
}

/// What running the visible tests (or evaluating the candidate) gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestReport {
    /// The workspace compiled with the tests.
    pub built: bool,
    pub passed: u64,
    pub total: u64,
    /// Compiler diagnostics or one line per test, for the agent to read.
    pub output: String,
    /// For `optimize` tasks: the candidate's score, when it has one.
    pub score: Option<f64>,
}

fn call(
    import: fn(&[u8]) -> Result<Vec<u8>, HostError>,
    input: Value,
) -> Result<Value, HostError> {
    let reply = import(input.to_string().as_bytes())?;
    let text = String::from_utf8_lossy(&reply);
    json::parse(&text).map_err(|e| HostError(format!("the host's reply is not JSON: {e}")))
}

fn s(text: &str) -> Value {
    Value::Str(text.to_string())
}

/// The task this run is about.
pub fn task() -> Result<Task, HostError> {
    let v = call(import::agent_task, Value::Null)?;
    let limits = v.get("limits").cloned().unwrap_or(Value::Null);
    Ok(Task {
        id: v.str_of("id"),
        kind: v.str_of("kind"),
        statement: v.str_of("statement"),
        metric: v.str_of("metric"),
        direction: v.str_of("direction"),
        files: files_of(&v),
        limits: Limits {
            llm_calls: limits.u64_of("llm_calls"),
            tokens: limits.u64_of("tokens"),
            test_runs: limits.u64_of("test_runs"),
            wall_ms: limits.u64_of("wall_ms"),
        },
        takes_grammar: v.get("takes_grammar").and_then(Value::as_bool) == Some(true),
    })
}

fn files_of(v: &Value) -> Vec<FileEntry> {
    v.get("files")
        .map(Value::as_array)
        .unwrap_or_default()
        .iter()
        .map(|f| FileEntry {
            path: f.str_of("path"),
            bytes: f.u64_of("bytes"),
            writable: f.get("writable").and_then(Value::as_bool) == Some(true),
        })
        .collect()
}

/// Asks the model.
pub fn llm(chat: &Chat) -> Result<Reply, HostError> {
    let messages = chat
        .messages
        .iter()
        .map(|m| {
            Value::Obj(vec![
                ("role".into(), s(&m.role)),
                ("content".into(), s(&m.content)),
            ])
        })
        .collect();
    let mut fields = vec![("messages".to_string(), Value::Arr(messages))];
    if let Some(t) = chat.temperature {
        fields.push(("temperature".into(), Value::Num(t)));
    }
    if let Some(m) = chat.max_tokens {
        fields.push(("max_tokens".into(), Value::Num(m as f64)));
    }
    let stop = chat.stop.iter().map(|x| s(x)).collect();
    fields.push(("stop".into(), Value::Arr(stop)));
    fields.push(("search_replace".into(), Value::Bool(chat.search_replace)));
    if let Some(g) = &chat.grammar {
        fields.push(("grammar".into(), s(g)));
    }
    let v = call(import::agent_llm, Value::Obj(fields))?;
    Ok(Reply {
        text: v.str_of("text"),
        tokens_in: v.u64_of("tokens_in"),
        tokens_out: v.u64_of("tokens_out"),
    })
}

/// The workspace's files.
pub fn list_files() -> Result<Vec<FileEntry>, HostError> {
    Ok(files_of(&call(import::agent_list, Value::Null)?))
}

pub fn read_file(path: &str) -> Result<String, HostError> {
    let v = call(import::agent_read, Value::Obj(vec![("path".into(), s(path))]))?;
    Ok(v.str_of("text"))
}

/// Writes a file of the workspace; the host refuses files the task does not
/// let the agent edit.
pub fn write_file(path: &str, text: &str) -> Result<(), HostError> {
    // Written directly: a large file is copied once, not three times.
    let mut body = String::with_capacity(text.len() + path.len() + 24);
    body.push_str("{\"path\":");
    json::write_str(path, &mut body);
    body.push_str(",\"text\":");
    json::write_str(text, &mut body);
    body.push('}');
    import::agent_write(body.as_bytes()).map(drop)
}

/// The unified diff of the workspace against the task's starting files.
pub fn diff() -> Result<String, HostError> {
    Ok(call(import::agent_diff, Value::Null)?.str_of("diff"))
}

/// Builds the workspace and runs the visible tests (for `optimize` tasks:
/// evaluates the candidate).
pub fn run_tests() -> Result<TestReport, HostError> {
    let v = call(import::agent_test, Value::Null)?;
    Ok(TestReport {
        built: v.get("built").and_then(Value::as_bool) == Some(true),
        passed: v.u64_of("passed"),
        total: v.u64_of("total"),
        output: v.str_of("output"),
        score: v.get("score").and_then(Value::as_f64),
    })
}

/// Adds a note to the transcript, marked as the agent's own.
pub fn note(text: &str) {
    let _ = call(import::agent_note, Value::Obj(vec![("text".into(), s(text))]));
}

pub fn spent() -> Result<Spent, HostError> {
    let v = call(import::agent_spent, Value::Null)?;
    Ok(Spent {
        llm_calls: v.u64_of("llm_calls"),
        tokens_in: v.u64_of("tokens_in"),
        tokens_out: v.u64_of("tokens_out"),
        test_runs: v.u64_of("test_runs"),
        wall_ms: v.u64_of("wall_ms"),
    })
}

/// Tells the host the agent is finished; the workspace is graded as it is.
pub fn done(summary: &str) {
    let _ = call(
        import::agent_done,
        Value::Obj(vec![("summary".into(), s(summary))]),
    );
}

/// `fn main` for an agent: reads the task, calls `solve(task) -> String` and
/// reports the returned summary with [`done`].
#[macro_export]
macro_rules! agent_main {
    ($solve:path) => {
        fn main() {
            match $crate::agent::task() {
                Ok(task) => {
                    let summary: String = $solve(task);
                    $crate::agent::done(&summary);
                }
                Err(e) => {
                    eprintln!("no task: {e}");
                    ::std::process::exit(2);
                }
            }
        }
    };
}
