//! `clade agent build | run` and `clade tasks hash | check` as a user runs
//! them, with a scripted LLM on 127.0.0.1.

use std::path::Path;

use crate::env::{clade, copy_dir, repo_root};
use clade_llm::{Reply, ScriptedServer};
use serde_json::Value;

fn json_of(output: &std::process::Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn config_for(dir: &Path, server: &ScriptedServer) -> std::path::PathBuf {
    config_with_budget(dir, server, 2)
}

/// An agent config for the scripted `server` with `calls` model calls and
/// as many test runs.
fn config_with_budget(dir: &Path, server: &ScriptedServer, calls: u64) -> std::path::PathBuf {
    let path = dir.join("agent.toml");
    let text = format!(
        "[[llm.models]]\nprovider = \"openai\"\nmodel = \"scripted\"\nbase_url = \"{}\"\nmax_retries = 0\n\n[agent.budget]\nllm_calls = {calls}\ntest_runs = {calls}\nwall_s = 120\n",
        server.url()
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// `clade agent run agents/seed --task TASK --config CONFIG` (text output).
fn agent_run(root: &Path, task: &str, config: &Path) -> std::process::Output {
    let args = ["agent", "run", "agents/seed", "--task", task, "--config"];
    let mut cmd = crate::env::clade_command(root, &args);
    cmd.arg(config).output().expect("run clade")
}

#[test]
fn agent_build_reports_the_module_as_json() {
    let root = repo_root();
    let out = json_of(&clade(&root, &["agent", "build", "agents/seed", "--json"]));
    assert_eq!(out["status"], "ok", "{out}");
    assert!(Path::new(out["wasm"].as_str().unwrap()).is_file(), "{out}");
}

#[test]
fn agent_run_passes_a_task_with_the_reference_answer_and_fails_with_a_wrong_one() {
    let root = repo_root();
    let dir = tempfile::tempdir().unwrap();
    let right = "src/lib.rs\n<<<<<<< SEARCH\n    todo!()\n=======\n    a + b\n>>>>>>> REPLACE\n";
    let server = ScriptedServer::start_with(move |_, _| Reply::openai(right, 300, 20)).unwrap();
    let config = config_for(dir.path(), &server);
    let args = [
        "agent",
        "run",
        "agents/seed",
        "--task",
        "tasks/test-mini/add-numbers",
        "--config",
        config.to_str().unwrap(),
        "--json",
    ];
    let out = json_of(&clade(&root, &args));
    assert_eq!(out["pass"], true, "{out}");
    assert_eq!(out["hidden"]["passed"], out["hidden"]["total"], "{out}");
    assert_eq!(out["visible"]["passed"], out["visible"]["total"], "{out}");
    assert_eq!(out["status"], "exited", "{out}");
    assert_eq!(out["spent"]["llm_calls"], 1, "{out}");
    assert_eq!(out["spent"]["test_runs"], 1, "{out}");
    assert!(
        Path::new(out["transcript"].as_str().unwrap()).is_file(),
        "{out}"
    );

    let wrong = "src/lib.rs\n<<<<<<< SEARCH\n    todo!()\n=======\n    a * b\n>>>>>>> REPLACE\n";
    let server = ScriptedServer::start_with(move |_, _| Reply::openai(wrong, 300, 20)).unwrap();
    let config = config_for(dir.path(), &server);
    let mut args = args;
    args[6] = config.to_str().unwrap();
    let out = json_of(&clade(&root, &args));
    assert_eq!(out["pass"], false, "{out}");
    assert_eq!(out["spent"]["llm_calls"], 2, "{out}");
}

/// A whole-file answer for add-numbers whose body is `body`.
fn add_numbers_answer(body: &str) -> String {
    format!("```rust\npub fn add(a: i64, b: i64) -> i64 {{\n    {body}\n}}\n```\n")
}

/// `clade agent run agents/seed` on add-numbers with `calls` model calls,
/// the scripted model giving `answers` in turn; the `--json` report and the
/// requests the model received.
fn run_seed_with_answers(calls: u64, answers: Vec<String>) -> (Value, Vec<clade_llm::Recorded>) {
    let root = repo_root();
    let dir = tempfile::tempdir().unwrap();
    let server = ScriptedServer::start_with(move |i, _| {
        Reply::openai(&answers[i.min(answers.len() - 1)], 300, 20)
    })
    .unwrap();
    let config = config_with_budget(dir.path(), &server, calls);
    let args = [
        "agent",
        "run",
        "agents/seed",
        "--task",
        "tasks/test-mini/add-numbers",
    ];
    let mut cmd = crate::env::clade_command(&root, &args);
    let output = cmd
        .arg("--config")
        .arg(&config)
        .arg("--json")
        .output()
        .unwrap();
    (json_of(&output), server.requests())
}

fn user_prompt_of(request: &clade_llm::Recorded) -> String {
    let body: Value = serde_json::from_str(&request.body).unwrap();
    body["messages"][1]["content"].as_str().unwrap().to_string()
}

#[test]
fn the_seed_asks_afresh_after_a_repair_that_does_not_build() {
    let broken = add_numbers_answer("a +");
    let answers = vec![
        broken.clone(),
        broken.replace("a +", "a + +"),
        add_numbers_answer("a + b"),
    ];
    let (out, requests) = run_seed_with_answers(3, answers);
    assert_eq!(out["pass"], true, "{out}");
    assert_eq!(out["spent"]["llm_calls"], 3, "{out}");
    let prompts: Vec<String> = requests.iter().map(user_prompt_of).collect();
    assert!(prompts[1].contains("# What went wrong"), "{}", prompts[1]);
    assert!(!prompts[2].contains("# What went wrong"), "{}", prompts[2]);
    assert!(
        prompts[2].contains("todo!()"),
        "the fresh prompt shows the stub: {}",
        prompts[2]
    );
}

#[test]
fn the_seed_ends_with_its_best_tested_version_when_a_repair_breaks_the_build() {
    // Passes one visible test (add(2, 3) is wrong) and every hidden test.
    let partly = add_numbers_answer("if a == 2 { 0 } else { a + b }");
    let (out, _) = run_seed_with_answers(2, vec![partly, add_numbers_answer("a +")]);
    assert_eq!(out["spent"]["llm_calls"], 2, "{out}");
    assert_eq!(out["visible"]["passed"], 1, "{out}");
    assert_eq!(out["hidden"]["passed"], out["hidden"]["total"], "{out}");
}

#[test]
fn a_changed_hidden_test_stops_grading_and_names_the_file() {
    let root = repo_root();
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("mini");
    copy_dir(&root.join("tasks/test-mini"), &suite);
    let hashed = json_of(&clade(
        &root,
        &["tasks", "hash", suite.to_str().unwrap(), "--json"],
    ));
    assert_eq!(hashed["tasks"], 3, "{hashed}");
    let manifest = std::fs::read_to_string(suite.join("manifest.toml")).unwrap();
    let shipped = std::fs::read_to_string(root.join("tasks/test-mini/manifest.toml")).unwrap();
    assert_eq!(
        manifest, shipped,
        "hashing the shipped suite changes nothing"
    );

    let hidden = suite.join("add-numbers/hidden/tests.rs");
    let text = std::fs::read_to_string(&hidden).unwrap();
    std::fs::write(&hidden, text.replacen("add(", "add (", 1)).unwrap();
    let server = ScriptedServer::start(vec![]).unwrap();
    let config = config_for(dir.path(), &server);
    let task = suite.join("add-numbers");
    let out = agent_run(&root, task.to_str().unwrap(), &config);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("add-numbers/hidden/tests.rs"), "{stderr}");
    assert!(stderr.contains("does not match its manifest"), "{stderr}");
    assert!(
        server.requests().is_empty(),
        "no model call on a tampered suite"
    );
}

#[test]
fn an_unknown_budget_key_is_an_error_with_its_line() {
    let root = repo_root();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(
        &config,
        "[agent.budget]\nllm_calls = 2\nuse_sandbox = false\n",
    )
    .unwrap();
    let out = agent_run(&root, "tasks/test-mini/add-numbers", &config);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(stderr.contains("use_sandbox"), "{stderr}");
}

#[test]
fn tasks_check_passes_on_the_mini_suite() {
    let root = repo_root();
    let out = json_of(&clade(
        &root,
        &["tasks", "check", "tasks/test-mini", "--json"],
    ));
    assert_eq!(out["ok"], true, "{out}");
    assert_eq!(out["tasks"].as_array().unwrap().len(), 3, "{out}");
}
