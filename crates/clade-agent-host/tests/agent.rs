//! The seed agent and hostile agents on real tasks: real builds, real
//! wasmtime, a scripted LLM on 127.0.0.1.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use clade_agent_host::{AgentOutcome, AgentRunner, Budget, ModelService, TaskRun};
use clade_llm::{ModelConfig, ProviderKind, Reply, ScriptedServer};
use clade_sandbox::{BuildStatus, BuilderConfig, RunStatus};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One runner per test binary, building in a folder kept across runs.
fn runner() -> &'static AgentRunner {
    static RUNNER: OnceLock<AgentRunner> = OnceLock::new();
    RUNNER.get_or_init(|| {
        let work_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("agent-host-build");
        AgentRunner::new(BuilderConfig {
            work_dir,
            ..BuilderConfig::default()
        })
        .unwrap()
    })
}

fn built(agent: &Path) -> Vec<u8> {
    let outcome = runner().build(agent).unwrap();
    assert_eq!(
        outcome.status,
        BuildStatus::Ok,
        "{:?}\n{}",
        outcome.reason,
        outcome.diagnostics.unwrap_or_default()
    );
    std::fs::read(outcome.wasm.unwrap()).unwrap()
}

const KEY_ENV: &str = "CLADE_AGENT_HOST_TEST_KEY";
const KEY: &str = "sk-agent-host-test-secret-8c1f";

fn scripted_model(server: &ScriptedServer) -> ModelService {
    let mut config = ModelConfig::new(ProviderKind::Openai, "scripted");
    config.base_url = Some(server.url());
    // SAFETY: every test sets the same value; nothing reads it concurrently
    // in a way a torn write could confuse.
    unsafe { std::env::set_var(KEY_ENV, KEY) };
    config.api_key_env = Some(KEY_ENV.into());
    config.max_retries = 0;
    ModelService::start(config).unwrap()
}

struct Ran {
    outcome: AgentOutcome,
    events: Vec<serde_json::Value>,
    transcript_text: String,
}

fn run(agent: &Path, task: &str, server: &ScriptedServer, budget: Budget) -> Ran {
    let wasm = built(agent);
    let service = scripted_model(server);
    let dir = tempfile::tempdir().unwrap();
    let transcript = dir.path().join("t.jsonl");
    let outcome = runner()
        .run_task(TaskRun {
            agent_wasm: &wasm,
            prompts: &repo().join("agents/seed/prompts"),
            suite: &repo().join("tasks/test-mini"),
            task_id: task,
            budget,
            model: service.model(7),
            random_seed: 7,
            transcript: transcript.clone(),
        })
        .unwrap();
    let transcript_text = std::fs::read_to_string(&transcript).unwrap();
    let events = transcript_text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    Ran {
        outcome,
        events,
        transcript_text,
    }
}

fn seed() -> PathBuf {
    repo().join("agents/seed")
}

fn guest(name: &str) -> PathBuf {
    repo().join("sandbox/guests").join(name)
}

fn notes(events: &[serde_json::Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["kind"] == "agent_note")
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect()
}

const REFERENCE_BLOCK: &str =
    "src/lib.rs\n<<<<<<< SEARCH\n    todo!()\n=======\n    a + b\n>>>>>>> REPLACE\n";

#[test]
fn the_seed_agent_passes_a_task_when_the_model_answers_the_reference() {
    let server = ScriptedServer::start(vec![Reply::openai(REFERENCE_BLOCK, 500, 40)]).unwrap();
    let ran = run(&seed(), "add-numbers", &server, Budget::default());
    let o = &ran.outcome;
    assert!(o.pass, "{o:?}");
    assert_eq!(
        (o.hidden.passed, o.hidden.total),
        (o.hidden.total, o.hidden.total)
    );
    assert!(o.hidden.total >= 3, "{o:?}");
    assert_eq!(
        (o.visible.passed, o.visible.total),
        (o.visible.total, o.visible.total)
    );
    assert_eq!(o.status, RunStatus::Exited);
    assert_eq!((o.spent.llm_calls, o.spent.test_runs), (1, 1));
    assert_eq!((o.spent.tokens_in, o.spent.tokens_out), (500, 40));
    assert_eq!(o.done.as_deref(), Some("round 1: the visible tests pass"));
    assert_eq!(server.requests().len(), 1);
    let request: serde_json::Value = serde_json::from_str(&server.requests()[0].body).unwrap();
    assert_eq!(request["max_tokens"], 1024, "the default reply length");
    let kinds: Vec<&str> = ran
        .events
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["task", "llm_request", "llm_reply", "write", "tests", "done"]
    );
}

#[test]
fn the_seed_agent_fails_a_task_when_the_model_answers_a_stub() {
    let wrong = "src/lib.rs\n<<<<<<< SEARCH\n    todo!()\n=======\n    a - b\n>>>>>>> REPLACE\n";
    let server = ScriptedServer::start_with(move |_, _| Reply::openai(wrong, 100, 10)).unwrap();
    let budget = Budget {
        llm_calls: 2,
        ..Budget::default()
    };
    let ran = run(&seed(), "add-numbers", &server, budget);
    let o = &ran.outcome;
    assert!(!o.pass, "{o:?}");
    assert_eq!(o.hidden.passed, 0, "{o:?}");
    // The second answer repeats the first edit, which no longer applies.
    assert_eq!(o.spent.llm_calls, 2);
    assert_eq!(server.requests().len(), 2);
    let fix = &server.requests()[1].body;
    assert!(
        fix.contains("FAILED"),
        "the fix prompt shows the visible failure: {fix}"
    );
    // Nothing of the hidden tests reached the model: no name, no line.
    let hidden =
        std::fs::read_to_string(repo().join("tasks/test-mini/add-numbers/hidden/tests.rs"))
            .unwrap();
    let lines: Vec<&str> = hidden
        .lines()
        .map(str::trim)
        .filter(|l| l.len() >= 20)
        .collect();
    assert!(!lines.is_empty());
    let names = [
        "adds_negatives",
        "adds_mixed_signs",
        "adds_near_limits",
        "is_commutative",
    ];
    for request in server.requests() {
        for name in names {
            assert!(!request.body.contains(name), "{name} leaked");
        }
        for line in &lines {
            let quoted = serde_json::to_string(line).unwrap();
            assert!(
                !request.body.contains(quoted.trim_matches('"')),
                "{line} leaked"
            );
        }
    }
    assert!(!ran.transcript_text.contains("adds_negatives"));
}

#[test]
fn a_hostile_agent_is_refused_everything_past_its_rights_and_budget() {
    let server = ScriptedServer::start_with(|_, _| Reply::openai("hi", 10, 5)).unwrap();
    let budget = Budget {
        llm_calls: 3,
        test_runs: 2,
        ..Budget::default()
    };
    let ran = run(&guest("agent-hostile"), "add-numbers", &server, budget);
    assert_eq!(
        server.requests().len(),
        3,
        "exactly the budgeted calls reach the model: {:?}\n{:#?}",
        ran.outcome,
        notes(&ran.events)
    );
    let notes = notes(&ran.events);
    let expect = [
        "write tests/visible.rs: refused: tests/visible.rs is read-only",
        "write Cargo.toml: refused: Cargo.toml is read-only",
        "write ../x: refused: \"../x\" leaves the workspace",
        "write /etc/x: refused: \"/etc/x\" is not a relative path inside the workspace",
        "write hidden/tests.rs: refused: hidden/tests.rs is not an editable file (editable: src/**/*.rs)",
        "huge write: refused: host import input of 104857631 bytes exceeds 67108864",
        "big write: refused: src/lib.rs would be 1048576 bytes; files are at most 262144",
        "llm 0: ok 2",
        "llm 3: budget_exhausted: llm_calls",
        "tests 2: budget_exhausted: test_runs",
    ];
    for line in expect {
        assert!(
            notes.iter().any(|n| n == line),
            "missing {line:?} in {notes:#?}"
        );
    }
    for path in [
        "/etc/passwd",
        "/agent/prompts/../../etc/passwd",
        "hidden/tests.rs",
    ] {
        let note = notes
            .iter()
            .find(|n| n.starts_with(&format!("fs read {path}:")))
            .unwrap();
        assert!(!note.contains("bytes"), "{note}");
    }
    // Asked for a million, max_tokens was clamped to what the budget has
    // left after the prompt (24,000 − "hello"'s estimated 1), then to what
    // the two replies of 15 tokens before it left.
    let max_of = |n: usize| {
        let body: serde_json::Value = serde_json::from_str(&server.requests()[n].body).unwrap();
        body["max_tokens"].as_u64().unwrap()
    };
    assert_eq!((max_of(0), max_of(1), max_of(2)), (23_999, 23_984, 23_969));
    // The key reached the model's server and nothing the agent can see.
    let auth = server.requests()[0]
        .header("authorization")
        .unwrap()
        .to_string();
    assert!(auth.contains(KEY), "{auth}");
    assert!(notes.iter().any(|n| n == "env: []"), "{notes:#?}");
    assert!(!ran.transcript_text.contains(KEY));
    assert!(!serde_json::to_string(&ran.outcome).unwrap().contains(KEY));
    let o = &ran.outcome;
    assert!(!o.pass);
    assert_eq!(o.spent.llm_calls, 3);
    assert_eq!(o.done.as_deref(), Some("hostile agent done"));
}

#[test]
fn a_spinning_agent_ends_at_the_deadline() {
    let server = ScriptedServer::start(vec![]).unwrap();
    let budget = Budget {
        wall_s: 2,
        ..Budget::default()
    };
    let ran = run(&guest("agent-spin"), "add-numbers", &server, budget);
    assert_eq!(ran.outcome.status, RunStatus::Timeout);
    assert!(!ran.outcome.pass);
    // The deadline, not fuel, ended it; grading the stub adds a little.
    assert!(ran.outcome.spent.wall_ms < 4_000, "{:?}", ran.outcome.spent);
}

#[test]
fn an_agent_waiting_on_a_hanging_model_ends_at_the_deadline() {
    let server = ScriptedServer::start(vec![Reply::Hang(Duration::from_secs(60))]).unwrap();
    let budget = Budget {
        wall_s: 2,
        ..Budget::default()
    };
    let ran = run(&seed(), "add-numbers", &server, budget);
    let o = &ran.outcome;
    assert!(o.spent.wall_ms < 4_000, "{o:?}");
    assert!(!o.pass);
    assert!(
        ran.events.iter().any(|e| e["kind"] == "llm_error"),
        "{:#?}",
        ran.events
    );
}

#[test]
fn the_seed_agents_first_request_is_the_proposers_prompt_for_the_same_input() {
    use clade_agent::{Operator, Program, PromptInput, Templates, build_prompt};
    use std::collections::BTreeMap;

    let server = ScriptedServer::start(vec![Reply::openai(REFERENCE_BLOCK, 500, 40)]).unwrap();
    run(&seed(), "add-numbers", &server, Budget::default());
    let body: serde_json::Value = serde_json::from_str(&server.requests()[0].body).unwrap();

    // What the host-side proposer builds for a parent whose files are the
    // stub, with the task's statement as its task.
    let task = clade_tasks::Task::read(&repo().join("tasks/test-mini/add-numbers")).unwrap();
    let view = clade_agent_host::coding::task_view(&task).unwrap();
    let stub = std::fs::read_to_string(task.dir.join("src/lib.rs")).unwrap();
    let input = PromptInput {
        task: view.statement,
        metric: view.metric,
        direction: view.direction,
        operator: Operator::Diff,
        parent: Program {
            label: "the workspace".into(),
            score: None,
            metrics: BTreeMap::new(),
            files: BTreeMap::from([("src/lib.rs".to_string(), stub)]),
        },
        feedback: None,
        top_programs: Vec::new(),
        inspirations: Vec::new(),
        previous_attempts: Vec::new(),
        second_parent: None,
        failed: None,
        feedback_limit: 2_000,
        context_code_limit: 6_000,
    };
    let prompt = build_prompt(&Templates::seed(), &input);
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["messages"][0]["content"], prompt.system.as_str());
    assert_eq!(body["messages"][1]["role"], "user");
    assert_eq!(body["messages"][1]["content"], prompt.user.as_str());
    insta::assert_snapshot!("seed_first_request_user", prompt.user);
}
