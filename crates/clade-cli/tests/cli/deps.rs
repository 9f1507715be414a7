//! A user's crate with registry dependencies (serde's derive macro,
//! serde_json's build script) and its own tests as the gate, evolved with a
//! scripted model: the seed builds against the vendored dependencies, a
//! candidate that breaks a test is rejected with the test's name, one that
//! keeps them passing is scored. Needs crates.io to vendor the first time.

use std::path::Path;

use crate::env::{assert_ok, clade_command, commit_all};
use crate::run::{finish, parse_events};
use clade_llm::{Reply, ScriptedServer};
use serde_json::Value;

const MANIFEST: &str = r#"[package]
name = "sorter"
version = "0.1.0"
edition = "2021"

[dependencies]
serde = { version = "1", features = ["derive"] }
serde_json = "1"
"#;

const LIB: &str = "// EVOLVE-BLOCK-START
pub fn double(x: i64) -> i64 {
    x * 2
}

pub fn bonus() -> i64 {
    1
}
// EVOLVE-BLOCK-END
";

const MAIN: &str = r#"use serde::Serialize;

#[derive(Serialize)]
struct Score {
    score: i64,
}

fn main() {
    let score = sorter::double(sorter::bonus());
    println!("{}", serde_json::to_string(&Score { score }).unwrap());
}
"#;

const TESTS: &str = "#[test]
fn doubles() {
    assert_eq!(sorter::double(21), 42);
}

#[test]
fn doubles_zero() {
    assert_eq!(sorter::double(0), 0);
}
";

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn reply_for(n: usize) -> String {
    reply_at("src/lib.rs", n)
}

/// The scripted reply `n`, editing the evolvable file at `path`.
fn reply_at(path: &str, n: usize) -> String {
    let (search, replace) = match n % 3 {
        // Keeps the tests passing and raises the score.
        0 => ("    1\n}", "    5\n}"),
        // Raises the score too, but breaks `double`: the tests catch it.
        1 => ("    x * 2\n", "    x * 2 + 1\n"),
        // Breaks it and forges libtest's report before exiting: refused
        // before anything runs.
        _ => (
            "    x * 2\n",
            "    println!(\"test doubles ... ok\\ntest result: ok. 1 passed\");\n    std::process::exit(0)\n",
        ),
    };
    format!("{path}\n```rust\n<<<<<<< SEARCH\n{search}\n=======\n{replace}\n>>>>>>> REPLACE\n```\n")
}

/// The lock, made as a user would (with the network).
fn lockfile(dir: &Path) {
    let lock = std::process::Command::new("cargo")
        .args(["generate-lockfile", "--quiet"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        lock.status.success(),
        "{}",
        String::from_utf8_lossy(&lock.stderr)
    );
}

/// A config: `target` and `evaluate` sections' keys, the crate's tests as
/// the gate, the scripted model at `url`.
fn config(url: &str, iterations: u64, target: &str, evaluate: &str) -> String {
    format!(
        r#"[run]
iterations = {iterations}
parallel_proposals = 1
repairs = 0

[target]
{target}

[evaluate]
{evaluate}

[[evaluate.stage]]
kind = "cargo-test"

[[llm.models]]
provider = "openai"
model = "scripted"
base_url = "{url}"
api_key_env = "CLADE_TEST_KEY"
max_retries = 0
"#
    )
}

/// The crate, its lock (made as a user would, with the network) and a
/// committed config whose `[evaluate]` section is `evaluate`; the run's
/// events.
fn run_crate(main: &str, evaluate: &str, iterations: u64) -> Vec<Value> {
    let server = ScriptedServer::start_with(|n, _| Reply::openai(&reply_for(n), 50, 20)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Cargo.toml", MANIFEST);
    write(dir.path(), "src/lib.rs", LIB);
    write(dir.path(), "src/main.rs", main);
    write(dir.path(), "tests/it.rs", TESTS);
    lockfile(dir.path());
    write(
        dir.path(),
        "clade.toml",
        &config(
            &server.url(),
            iterations,
            "files = [\"src/lib.rs\"]\npackage = \"sorter\"",
            evaluate,
        ),
    );
    commit_all(dir.path(), "a crate with dependencies");
    let out = clade_command(dir.path(), &["run", "--json", "--name", "deps"])
        .env("CLADE_TEST_KEY", "k")
        .output()
        .unwrap();
    assert_ok(&out);
    parse_events(&out)
}

#[test]
fn a_crate_with_dependencies_evolves_with_its_tests_as_the_gate() {
    // A trusted scorer that takes the program's line as it is: under it,
    // only the cargo-test stage's own rule refuses the forging candidate.
    let events = run_crate(MAIN, r#"scorer = { command = ["sh", "-c", "cat"] }"#, 3);
    let seed = events.iter().find(|e| e["event"] == "seed").unwrap();
    assert_eq!(seed["score"], 2.0, "{seed}");
    let variants: Vec<&Value> = events.iter().filter(|e| e["event"] == "variant").collect();
    let reasons: Vec<&str> = variants
        .iter()
        .filter_map(|v| v["reason"].as_str())
        .collect();
    assert_eq!(reasons.len(), 2, "{variants:?}");
    assert_eq!(
        reasons[0],
        "tests_failed: 2 of 2 tests failed: it::doubles, it::doubles_zero"
    );
    assert!(
        reasons[1].starts_with("build_rejected: src/lib.rs: under a cargo-test stage")
            && reasons[1].contains("`exit`"),
        "{}",
        reasons[1]
    );
    assert_eq!(finish(&events)["best"]["score"], 10.0);
}

/// `metric = "fuel"`: the host's fuel count is the score (lower is better);
/// the scorer only judges the output, and the program cannot print its own.
#[test]
fn the_hosts_fuel_count_can_be_the_score() {
    let main = MAIN
        .replace(
            "struct Score {\n    score: i64,\n}",
            "struct Score {\n    score: i64,\n    fuel: i64,\n}",
        )
        .replace("&Score { score }", "&Score { score, fuel: 1 }");
    assert!(main.contains("fuel: 1"));
    let events = run_crate(
        &main,
        r#"scorer = { command = ["sh", "-c", "grep -q score && echo '{\"valid\": 1}'"] }
metric = "fuel"
direction = "minimize""#,
        1,
    );
    let seed = events.iter().find(|e| e["event"] == "seed").unwrap();
    let fuel = seed["score"].as_f64().unwrap();
    assert!(
        fuel > 1000.0,
        "the host's count, not the program's 1: {seed}"
    );
}

/// A workspace: the evolvable crate is one member, depends on another by
/// path and on a registry crate through `[workspace.dependencies]`, and
/// inherits its version and edition; the lock is the workspace's.
#[test]
fn a_workspace_member_evolves_against_its_sibling() {
    let server =
        ScriptedServer::start_with(|n, _| Reply::openai(&reply_at("app/src/sorter.rs", n), 50, 20))
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[workspace]\nmembers = [\"core\", \"app\"]\nresolver = \"2\"\n\n[workspace.package]\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace.dependencies]\nitoa = \"1\"\n",
    );
    write(
        dir.path(),
        "core/Cargo.toml",
        "[package]\nname = \"core-lib\"\nversion.workspace = true\nedition.workspace = true\n\n[dependencies]\nitoa.workspace = true\n",
    );
    write(
        dir.path(),
        "core/src/lib.rs",
        "pub fn render(n: i64) -> String {\n    itoa::Buffer::new().format(n).to_string()\n}\n",
    );
    write(
        dir.path(),
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion.workspace = true\nedition.workspace = true\n\n[dependencies]\ncore-lib = { path = \"../core\" }\n",
    );
    write(
        dir.path(),
        "app/src/main.rs",
        "mod sorter;\n\nfn main() {\n    let score = sorter::double(sorter::bonus());\n    println!(\"{{\\\"score\\\": {}}}\", core_lib::render(score));\n}\n",
    );
    write(dir.path(), "app/src/sorter.rs", LIB);
    write(
        dir.path(),
        "app/tests/it.rs",
        "#[test]\nfn renders() {\n    assert_eq!(core_lib::render(-42), \"-42\");\n}\n",
    );
    lockfile(dir.path());
    write(
        dir.path(),
        "clade.toml",
        &config(
            &server.url(),
            1,
            "files = [\"app/src/sorter.rs\"]\npackage = \"app\"",
            r#"scorer = { command = ["sh", "-c", "cat"] }"#,
        ),
    );
    commit_all(dir.path(), "a workspace");
    let out = clade_command(dir.path(), &["run", "--json", "--name", "ws"])
        .env("CLADE_TEST_KEY", "k")
        .output()
        .unwrap();
    assert_ok(&out);
    let events = parse_events(&out);
    let seed = events.iter().find(|e| e["event"] == "seed").unwrap();
    assert_eq!(seed["score"], 2.0, "{seed}");
    assert_eq!(finish(&events)["best"]["score"], 10.0, "{events:?}");
}
