//! `clade bench agents` as a user runs it: two agents that differ only in a
//! prompt, on the mini suite, with a scripted model that answers by what
//! the request says.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::env::{clade_command, copy_dir, git, repo_root};
use clade_llm::{Recorded, Reply, ScriptedServer};
use serde_json::Value;

/// The marker the second agent's prompt carries.
const CAREFUL: &str = "Check every edge case before you answer.";

/// A git repository holding `seed` (agents/seed) and `careful` (the same
/// with one more sentence in its solve prompt).
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    copy_dir(&repo_root().join("agents/seed"), &root.join("seed"));
    copy_dir(&repo_root().join("agents/seed"), &root.join("careful"));
    let solve = root.join("careful/prompts/solve.md");
    let text = std::fs::read_to_string(&solve).unwrap();
    std::fs::write(&solve, format!("{text}{CAREFUL}\n")).unwrap();
    git(root, &["init", "-q", "-b", "main"]);
    dir
}

/// Which task a request is about, from the stub it shows.
fn task_of(body: &str) -> &'static str {
    if body.contains("count_vowels") {
        "count-vowels"
    } else if body.contains("fn reverse") {
        "reverse-string"
    } else {
        "add-numbers"
    }
}

fn reference(task: &str) -> String {
    std::fs::read_to_string(repo_root().join(format!("tasks/test-mini/{task}/reference/lib.rs")))
        .unwrap()
}

/// The careful agent gets every task's reference; the seed only
/// add-numbers', and for the others a file that builds and fails.
fn server() -> ScriptedServer {
    ScriptedServer::start_with(|_, request| {
        let task = task_of(&request.body);
        let code = if request.body.contains(CAREFUL) || task == "add-numbers" {
            reference(task)
        } else if task == "count-vowels" {
            "pub fn count_vowels(s: &str) -> usize {\n    s.len()\n}\n".to_string()
        } else {
            "pub fn reverse(s: &str) -> String {\n    s.to_string()\n}\n".to_string()
        };
        Reply::openai(&format!("```rust\n{code}```\n"), 400, 60)
    })
    .unwrap()
}

fn config(dir: &Path, name: &str, model: &str, url: &str, llm_calls: u32) -> PathBuf {
    let path = dir.join(name);
    let text = format!(
        "[[llm.models]]\nprovider = \"openai\"\nmodel = \"{model}\"\nbase_url = \"{url}\"\nmax_retries = 0\n\n[agent.budget]\nllm_calls = {llm_calls}\ntest_runs = 2\nwall_s = 120\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// `clade bench agents seed careful --split all` on `suite`.
fn bench(root: &Path, suite: &Path, config: &Path, repeats: u32, extra: &[&str]) -> Output {
    let mut cmd = clade_command(
        root,
        &["bench", "agents", "seed", "careful", "--split", "all"],
    );
    cmd.arg("--suite").arg(suite).arg("--config").arg(config);
    cmd.arg("--repeats").arg(repeats.to_string()).args(extra);
    cmd.output().expect("run clade")
}

/// The JSON lines of a successful `--json` run: its cell events and its
/// report.
fn json_lines(out: &Output) -> (Vec<Value>, Value) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut values: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let report = values.pop().unwrap();
    assert_eq!(report["event"], "report", "{report}");
    (values, report)
}

fn matrix(report: &Value, agent: usize) -> Vec<Vec<bool>> {
    serde_json::from_value(report["agents"][agent]["matrix"].clone()).unwrap()
}

/// The seeds the model received per task, for requests with and without
/// the careful prompt.
fn seeds(requests: &[Recorded]) -> BTreeMap<(&'static str, bool), BTreeSet<u64>> {
    let mut out: BTreeMap<_, BTreeSet<u64>> = BTreeMap::new();
    for r in requests {
        let body: Value = serde_json::from_str(&r.body).unwrap();
        let seed = body["seed"].as_u64().expect("every request carries a seed");
        out.entry((task_of(&r.body), r.body.contains(CAREFUL)))
            .or_default()
            .insert(seed);
    }
    out
}

#[test]
fn two_agents_differing_in_a_prompt_are_compared_and_the_results_reused() {
    let dir = workspace();
    let root = dir.path();
    let suite = repo_root().join("tasks/test-mini");
    let server = server();
    let config = config(root, "agent.toml", "scripted", &server.url(), 2);
    let svg = root.join("bench.svg");
    let out = bench(
        root,
        &suite,
        &config,
        2,
        &["--json", "--svg", svg.to_str().unwrap()],
    );
    let (cells, report) = json_lines(&out);

    // Tasks in name order: add-numbers, count-vowels, reverse-string.
    assert_eq!(
        matrix(&report, 0),
        [[true, true], [false, false], [false, false]]
    );
    assert_eq!(matrix(&report, 1), [[true; 2]; 3]);
    assert_eq!(cells.len(), 12, "2 agents × 3 tasks × 2 repeats");
    assert!(
        cells
            .iter()
            .all(|c| c["event"] == "cell" && c["cached"] == false)
    );
    let careful = &report["agents"][1];
    assert_eq!(careful["passes"], 6);
    let d = careful["difference"]["mean"].as_f64().unwrap();
    assert!((d - 2.0 / 3.0).abs() < 1e-9, "{d}");

    // The seed used both calls on the tasks it failed, the careful agent
    // one per cell: 2 + 4 + 4 + 6 requests.
    let requests = server.requests();
    assert_eq!(requests.len(), 16);
    // Common random numbers: the k-th call on a (task, repeat) has the same
    // seed for both agents, and repeats differ.
    let seeds = seeds(&requests);
    for task in ["add-numbers", "count-vowels", "reverse-string"] {
        let seed_agent = &seeds[&(task, false)];
        let careful_agent = &seeds[&(task, true)];
        assert_eq!(careful_agent.len(), 2, "{task}: one first call per repeat");
        assert!(careful_agent.is_subset(seed_agent), "{task}: {seeds:?}");
    }

    // The picture: XML, one bar per agent.
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("the SVG is XML");
    let bars = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("class") == Some("bar"))
        .count();
    assert_eq!(bars, 2);

    // A second run reads every cell back: no model call, the same report.
    let again = bench(root, &suite, &config, 2, &["--json"]);
    let (cells, report_again) = json_lines(&again);
    assert_eq!(server.requests().len(), 16, "no LLM call the second time");
    assert!(cells.iter().all(|c| c["cached"] == true));
    assert_eq!(report_again, report);

    insta::assert_snapshot!(
        "bench_agents_report",
        serde_json::to_string_pretty(&stable(report)).unwrap()
    );
}

#[test]
fn stored_results_under_other_parameters_are_refused_by_name() {
    let dir = workspace();
    let root = dir.path();
    let suite = root.join("mini");
    copy_dir(&repo_root().join("tasks/test-mini"), &suite);
    let server = server();
    let config_a = config(root, "a.toml", "scripted", &server.url(), 2);
    let out = bench(root, &suite, &config_a, 1, &["--json"]);
    json_lines(&out);
    let made = server.requests().len();

    let refused = |config: &Path, suite: &Path, what: &str| {
        let out = bench(root, suite, config, 1, &["--cached"]);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(what), "{stderr}");
    };
    let budget = config(root, "b.toml", "scripted", &server.url(), 3);
    refused(&budget, &suite, "the budget (stored 2 calls");
    let model = config(root, "c.toml", "other-model", &server.url(), 2);
    refused(
        &model,
        &suite,
        "the model (stored openai:scripted, now openai:other-model)",
    );
    let task = suite.join("add-numbers/TASK.md");
    let text = std::fs::read_to_string(&task).unwrap();
    std::fs::write(&task, format!("{text}\nMind overflow.\n")).unwrap();
    let hashed = clade_command(root, &["tasks", "hash"])
        .arg(&suite)
        .output()
        .unwrap();
    assert!(hashed.status.success());
    refused(&config_a, &suite, "the suite hash (stored");
    assert_eq!(server.requests().len(), made, "a refusal makes no call");
}

#[test]
fn the_text_report_has_a_row_per_agent_and_a_matrix_per_task() {
    let dir = workspace();
    let root = dir.path();
    let suite = repo_root().join("tasks/test-mini");
    let server = server();
    let config = config(root, "agent.toml", "scripted", &server.url(), 2);
    let out = bench(root, &suite, &config, 1, &["--per-task"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    crate::env::assert_ok(&out);
    let row = |agent: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(agent))
            .unwrap_or_else(|| panic!("no row for {agent}:\n{stdout}"))
            .to_string()
    };
    assert!(row("seed ").contains("33.3%"), "{stdout}");
    assert!(row("careful ").contains("100.0%"), "{stdout}");
    assert!(row("careful ").contains("+66.7"), "{stdout}");
    let matrix = |task: &str| row(task);
    assert!(matrix("count-vowels").contains("0/1 -"), "{stdout}");
    assert!(matrix("count-vowels").contains("1/1 +"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[6/6]"), "progress per cell: {stderr}");
}

/// The report without what depends on the agent's current sources (its
/// tree id) or on timing.
fn stable(mut report: Value) -> Value {
    report["suite"] = "tasks/test-mini".into();
    report.as_object_mut().unwrap().remove("event");
    for agent in report["agents"].as_array_mut().unwrap() {
        agent["tree"] = "[tree]".into();
        agent["per_task"]["wall_s"] = "[wall]".into();
    }
    report
}

/// A model that fails (500 after retries) says nothing about the agent: the
/// comparison stops naming the error and stores no result, and a run with a
/// working model later runs the cell (before, the failure was stored as the
/// agent's fail and reused).
#[test]
fn a_failing_model_stops_the_comparison_and_stores_nothing() {
    let dir = workspace();
    let root = dir.path();
    let suite = repo_root().join("tasks/test-mini");
    let down = ScriptedServer::start_with(|_, _| Reply::json(500, r#"{"error":"down"}"#)).unwrap();
    let config_down = config(root, "down.toml", "scripted", &down.url(), 2);
    let out = bench(root, &suite, &config_down, 1, &["--json"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the model call failed"), "{stderr}");
    let stored = git(root, &["for-each-ref", "refs/clade-results/"]);
    assert!(stored.is_empty(), "nothing stored: {stored}");
    // The same model name on a working server: the cells run now.
    let up = server();
    let config_up = config(root, "up.toml", "scripted", &up.url(), 2);
    let (cells, _) = json_lines(&bench(root, &suite, &config_up, 1, &["--json"]));
    assert!(cells.iter().all(|c| c["cached"] == false), "{cells:?}");
}
