//! The seed agent and hostile agents on real tasks: real builds, real
//! wasmtime, a scripted LLM on 127.0.0.1.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use clade_agent_host::{
    AgentOutcome, AgentRunner, Benchmark, Budget, ModelService, TaskRef, TaskRun,
};
use clade_llm::{ModelConfig, ProviderKind, Reply, ScriptedServer};
use clade_sandbox::{BuildStatus, BuilderConfig, RunStatus};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The build folder the tests' runners share, kept across runs.
fn work_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("agent-host-build")
}

/// One runner per test binary.
fn runner() -> &'static AgentRunner {
    static RUNNER: OnceLock<AgentRunner> = OnceLock::new();
    RUNNER.get_or_init(|| {
        AgentRunner::new(BuilderConfig {
            work_dir: work_dir(),
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

/// `agent` on the test-mini coding task `task`.
fn run(agent: &Path, task: &str, server: &ScriptedServer, budget: Budget) -> Ran {
    let suite = repo().join("tasks/test-mini");
    let task = TaskRef::Coding {
        suite: &suite,
        id: task,
    };
    run_on(runner(), agent, task, server, budget)
}

fn run_on(
    runner: &AgentRunner,
    agent: &Path,
    task: TaskRef<'_>,
    server: &ScriptedServer,
    budget: Budget,
) -> Ran {
    let wasm = built(agent);
    let service = scripted_model(server);
    let dir = tempfile::tempdir().unwrap();
    let transcript = dir.path().join("t.jsonl");
    let outcome = runner
        .run_task(TaskRun {
            agent_wasm: &wasm,
            prompts: &repo().join("agents/seed/prompts"),
            task,
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
    assert_eq!(
        request["max_tokens"], 2048,
        "the seed asks for a whole file"
    );
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
    // The host's diff of the workspace, through the import.
    let diff = notes.iter().find(|n| n.starts_with("diff: ")).unwrap();
    assert!(diff.contains("src/lib.rs"), "{diff}");
    assert!(diff.contains("\n+pub fn extra() {}"), "{diff}");
    assert!(
        diff.contains("\n-pub fn add(a: i64, b: i64) -> i64 {"),
        "{diff}"
    );
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
fn the_seed_agent_asks_for_the_whole_file_on_a_coding_task() {
    let server = ScriptedServer::start(vec![Reply::openai(REFERENCE_BLOCK, 500, 40)]).unwrap();
    run(&seed(), "add-numbers", &server, Budget::default());
    let body: serde_json::Value = serde_json::from_str(&server.requests()[0].body).unwrap();
    let system =
        std::fs::read_to_string(repo().join("agents/seed/prompts/solve-system.md")).unwrap();
    assert_eq!(body["messages"][0]["content"], system.as_str());
    insta::assert_snapshot!(
        "seed_coding_first_request_user",
        body["messages"][1]["content"].as_str().unwrap()
    );
}

#[test]
fn a_never_ending_build_of_the_task_is_killed_at_the_deadline() {
    // The final grade builds the same code again, bounded by the builder's
    // own timeout: kept short here so the test stays short. A work folder
    // of its own, so the processes it looks for are this test's alone (the
    // other tests build tasks in the shared one at the same time).
    let private = tempfile::tempdir().unwrap();
    let runner = AgentRunner::new(BuilderConfig {
        work_dir: private.path().to_path_buf(),
        timeout: Duration::from_secs(10),
        ..BuilderConfig::default()
    })
    .unwrap();
    let server = ScriptedServer::start(vec![]).unwrap();
    let budget = Budget {
        wall_s: 4,
        ..Budget::default()
    };
    let suite = repo().join("tasks/test-mini");
    let task = TaskRef::Coding {
        suite: &suite,
        id: "add-numbers",
    };
    // Compiling the agent's module counts against its run's time: a first
    // run on a cold cache compiles it, so the timed run below does not.
    let short = Budget {
        wall_s: 1,
        ..Budget::default()
    };
    run_on(&runner, &guest("agent-slow-build"), task, &server, short);
    let ran = run_on(&runner, &guest("agent-slow-build"), task, &server, budget);
    // The guest itself is interrupted at the same deadline, before it can
    // note the report: the host's transcript has it.
    let tests = ran.events.iter().find(|e| e["kind"] == "tests").unwrap();
    let output = tests["output"].as_str().unwrap();
    assert!(
        output.starts_with("the build failed: build timed out after 4.0 s and was killed"),
        "{output}"
    );
    assert!(
        !output.contains(&private.path().display().to_string()),
        "{output}"
    );
    let tests_ms = tests["ms"].as_u64().unwrap();
    assert!(tests_ms < 6_000, "the test build ended at {tests_ms} ms");
    let o = &ran.outcome;
    assert!(!o.pass);
    assert_eq!(o.status, RunStatus::Timeout);
    assert!(
        o.build_reason
            .as_deref()
            .is_some_and(|r| r.contains("timed out")),
        "{o:?}"
    );
    let work = private.path().display().to_string();
    let left: Vec<String> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains("rustc") && c.contains(&work) && c.contains("tests-"))
        .collect();
    assert!(left.is_empty(), "build processes left: {left:#?}");
}

/// A SEARCH/REPLACE block replacing sort-speed's insertion sort.
fn sort_block(new_sort: &str) -> String {
    format!(
        "src/main.rs\n<<<<<<< SEARCH\n{}=======\n{new_sort}>>>>>>> REPLACE\n",
        "fn sort(values: &mut [u32]) {\n    for i in 1..values.len() {\n        let mut j = i;\n        while j > 0 && values[j - 1] > values[j] {\n            values.swap(j - 1, j);\n            j -= 1;\n        }\n    }\n}\n"
    )
}

const SHELL_SORT: &str = "fn sort(values: &mut [u32]) {\n    let n = values.len();\n    let mut gap = n / 2;\n    while gap > 0 {\n        for i in gap..n {\n            let v = values[i];\n            let mut j = i;\n            while j >= gap && values[j - gap] > v {\n                values[j] = values[j - gap];\n                j -= gap;\n            }\n            values[j] = v;\n        }\n        gap /= 2;\n    }\n}\n";

const BUBBLE_SORT: &str = "fn sort(values: &mut [u32]) {\n    for _ in 0..values.len() {\n        for j in 1..values.len() {\n            if values[j - 1] > values[j] {\n                values.swap(j - 1, j);\n            }\n        }\n    }\n}\n";

fn run_sort_speed(reply: &str) -> (Ran, ScriptedServer) {
    let reply = reply.to_string();
    let server = ScriptedServer::start_with(move |_, _| Reply::openai(&reply, 800, 120)).unwrap();
    let budget = Budget {
        llm_calls: 2,
        ..Budget::default()
    };
    let bench = repo().join("benchmarks/sort-speed");
    let task = TaskRef::Optimize { bench: &bench };
    let ran = run_on(runner(), &seed(), task, &server, budget);
    (ran, server)
}

fn scores(events: &[serde_json::Value]) -> Vec<Option<f64>> {
    events
        .iter()
        .filter(|e| e["kind"] == "tests")
        .map(|e| e["score"].as_f64())
        .collect()
}

#[test]
fn the_seed_agent_improves_sort_speed_and_the_grade_uses_unseen_inputs() {
    let (ran, server) = run_sort_speed(&sort_block(SHELL_SORT));
    let o = &ran.outcome;
    let grade = o.optimization.as_ref().unwrap();
    assert!(o.pass, "{o:#?}");
    assert!(grade.improved && grade.rejection.is_none(), "{grade:?}");
    let (seed, score) = (grade.seed_score.unwrap(), grade.score.unwrap());
    assert!(score < seed, "{grade:?}");
    let gain = grade.gain.unwrap();
    assert!(gain > 0.0 && gain < 1.0, "{grade:?}");
    assert_eq!(grade.reference, Some(5_531_484.0));
    // The agent saw the seed's score and its candidate's, on the
    // benchmark's evaluation seed; the grade's inputs are others, so the
    // seed scores differently there.
    let seen = scores(&ran.events);
    assert_eq!(seen.len(), 2, "{seen:?}");
    let (seen_seed, seen_candidate) = (seen[0].unwrap(), seen[1].unwrap());
    assert!(seen_candidate < seen_seed);
    assert_ne!(
        seen_seed, seed,
        "the grade draws inputs the agent never saw"
    );
    assert_eq!((o.hidden.total, o.visible.total), (0, 0));
    assert_eq!(o.spent.test_runs, 2);

    // The first request is the host-side proposer's DIFF prompt for the
    // seed program with its score.
    use clade_agent::{Operator, Program, PromptInput, Templates, build_prompt};
    use std::collections::BTreeMap;
    let dir = tempfile::tempdir().unwrap();
    let bench = Benchmark::open(
        &repo().join("benchmarks/sort-speed"),
        Path::new(env!("CARGO_TARGET_TMPDIR")),
        dir.path(),
    )
    .unwrap();
    let view = bench.task_view();
    let main = std::fs::read_to_string(repo().join("benchmarks/sort-speed/src/main.rs")).unwrap();
    let input = PromptInput {
        task: view.statement,
        metric: view.metric,
        direction: view.direction,
        operator: Operator::Diff,
        parent: Program {
            label: "the workspace".into(),
            score: Some(seen_seed),
            metrics: BTreeMap::new(),
            files: BTreeMap::from([("src/main.rs".to_string(), main)]),
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
    let body: serde_json::Value = serde_json::from_str(&server.requests()[0].body).unwrap();
    assert_eq!(body["messages"][0]["content"], prompt.system.as_str());
    assert_eq!(body["messages"][1]["content"], prompt.user.as_str());
    insta::assert_snapshot!("seed_first_request_user", prompt.user);
}

#[test]
fn a_slower_answer_is_undone_and_the_optimization_task_fails() {
    let (ran, _server) = run_sort_speed(&sort_block(BUBBLE_SORT));
    let o = &ran.outcome;
    let grade = o.optimization.as_ref().unwrap();
    assert!(!o.pass, "{o:#?}");
    let seen = scores(&ran.events);
    assert!(seen[1].unwrap() > seen[0].unwrap(), "{seen:?}");
    // The workspace ends holding the seed program again.
    assert_eq!(grade.score, grade.seed_score, "{grade:?}");
    assert_eq!(grade.gain, Some(0.0));
    assert!(!grade.improved);
}
