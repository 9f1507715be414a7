//! The `--json` events and the archive notes of a scripted run, compared with
//! a stored snapshot: restructuring the controller must not change a byte of
//! either (what varies with timing — elapsed seconds, in-flight counts,
//! commit ids, timestamps, paths — is masked first).
//!
//! The scripted LLM answers from the request's content alone (its seed and
//! the parent's `steps`), so the run is the same however the concurrent work
//! interleaves: parse failures, build failures with repairs, repeats that are
//! resampled, duplicates and improvements all occur.

use std::path::Path;

use crate::env::{clade_command, demo_crate, git};
use clade_llm::{Recorded, Reply, ScriptedServer};
use serde_json::Value;

const MAIN_RS: &str = r#"// The score is the number of steps.
// EVOLVE-BLOCK-START
fn score() -> u64 {
    let steps: u64 = 1;
    steps
}
// EVOLVE-BLOCK-END

fn main() {
    println!("{{\"score\": {}}}", score());
}
"#;

fn body(request: &Recorded) -> Value {
    serde_json::from_str(&request.body).unwrap_or(Value::Null)
}

/// The first `let steps: u64 = N` of the user prompt (the parent's, or the
/// failed candidate's in a fix).
fn steps_in(request: &Recorded) -> u64 {
    let user = body(request)["messages"][1]["content"]
        .as_str()
        .unwrap_or("")
        .to_string();
    user.split("let steps: u64 = ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

fn block(steps: u64, replacement: &str) -> String {
    format!(
        "src/main.rs\n```rust\n<<<<<<< SEARCH\n    let steps: u64 = {steps};\n=======\n{replacement}\n>>>>>>> REPLACE\n```\n"
    )
}

/// A reply decided by the request alone.
fn reply_for(request: &Recorded) -> Reply {
    let seed = body(request)["seed"].as_u64().unwrap_or(0);
    let steps = steps_in(request);
    let text = match seed % 7 {
        0 => "The program looks fine to me.".to_string(),
        1 => block(steps, &format!("    let steps: u64 = {}", steps + 2)),
        2 => block(steps, &format!("    let steps: u64 = {steps};")),
        _ => block(
            steps,
            &format!("    let steps: u64 = {};", steps + 1 + seed % 3),
        ),
    };
    Reply::openai(&text, 100 + seed % 50, 20 + seed % 10)
}

fn project(url: &str) -> tempfile::TempDir {
    demo_crate(
        MAIN_RS,
        &format!(
            r#"[run]
name = "golden"
seed = 11
iterations = 18
parallel_proposals = 2
parallel_evaluations = 1
repairs = 1

[target]
files = ["src/main.rs"]
package = "demo"

[evaluate]
scorer = "stdout-json"
fuel = 100000000
timeout_ms = 5000

[[llm.models]]
provider = "openai"
model = "scripted"
base_url = "{url}"
api_key_env = "CLADE_GOLDEN_KEY"
max_retries = 1
timeout_s = 20
price_in_per_mtok = 1.0
price_out_per_mtok = 2.0
"#
        ),
    )
}

/// Replaces what depends on timing, paths or clocks.
fn mask(value: &mut Value) {
    const VOLATILE: &[&str] = &[
        "elapsed_s",
        "eta_s",
        "llm_in_flight",
        "eval_in_flight",
        "commit",
        "created_ms",
        "llm_ms",
        "build_ms",
        "eval_ms",
        "wall_ms",
        "log",
        "repo",
        // These two hash the config (which holds the server's port).
        "tree",
        "prompt_digest",
    ];
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                // A commit id is known once the writer acknowledges it, which
                // races the next event: masked whether set or not.
                if key == "commit" || (VOLATILE.contains(&key.as_str()) && !field.is_null()) {
                    *field = Value::String("<masked>".into());
                } else {
                    mask(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask),
        _ => {}
    }
}

/// FNV-1a, 64 bits: a stable fingerprint of a request body.
fn fingerprint(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn notes(dir: &Path) -> Vec<Value> {
    let list = git(dir, &["notes", "--ref=clade", "list"]);
    let mut notes: Vec<Value> = list
        .lines()
        .filter_map(|line| line.split_whitespace().nth(1))
        .map(|commit| {
            let text = git(dir, &["notes", "--ref=clade", "show", commit]);
            serde_json::from_str(&text).unwrap()
        })
        .collect();
    notes.sort_by_key(|n| n["id"].as_u64());
    notes.iter_mut().for_each(mask);
    notes
}

#[test]
fn a_scripted_run_gives_the_recorded_events_and_notes() {
    let server = ScriptedServer::start_with(|_, request| reply_for(request)).unwrap();
    let dir = project(&server.url());
    let out = clade_command(dir.path(), &["run", "--json"])
        .env("CLADE_GOLDEN_KEY", "sk-golden")
        .output()
        .unwrap();
    crate::env::assert_ok(&out);
    let mut events: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|e: &Value| e["event"] != "status")
        .collect();
    for event in &mut events {
        // A variant's totals count the replies received so far, including
        // those of iterations still in flight; the finish totals are exact.
        if event["event"] == "variant" {
            event["totals"]["tokens"] = Value::String("<in flight>".into());
            event["totals"]["cost_usd"] = Value::String("<in flight>".into());
        }
        mask(event);
    }
    let events: Vec<String> = events.iter().map(|e| e.to_string()).collect();
    let notes: Vec<String> = notes(dir.path())
        .iter()
        .map(|n| serde_json::to_string_pretty(n).unwrap())
        .collect();
    // The questions asked, in an order that does not depend on timing.
    let mut requests: Vec<String> = server
        .requests()
        .iter()
        .map(|r| format!("seed {} body {}", body(r)["seed"], fingerprint(&r.body)))
        .collect();
    requests.sort();
    insta::with_settings!({snapshot_path => "snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("scripted_run_events", events.join("\n"));
        insta::assert_snapshot!("scripted_run_notes", notes.join("\n"));
        insta::assert_snapshot!("scripted_run_requests", requests.join("\n"));
    });
}

#[test]
fn a_run_asks_with_the_prompt_templates_its_config_names() {
    let server = ScriptedServer::start_with(|_, request| reply_for(request)).unwrap();
    let dir = project(&server.url());
    let root = dir.path();
    let seed_prompts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../agents/seed/prompts");
    std::fs::create_dir(root.join("prompts")).unwrap();
    for name in ["diff.md", "rewrite.md", "crossover.md", "fix.md"] {
        std::fs::copy(seed_prompts.join(name), root.join("prompts").join(name)).unwrap();
    }
    std::fs::write(
        root.join("prompts/system.md"),
        "You are a careful test agent.",
    )
    .unwrap();
    let config = std::fs::read_to_string(root.join("clade.toml")).unwrap();
    let config = config.replace(
        "package = \"demo\"\n",
        "package = \"demo\"\nprompts = \"prompts\"\n",
    );
    std::fs::write(root.join("clade.toml"), config).unwrap();
    let out = clade_command(root, &["run", "--json", "--iterations", "1"])
        .env("CLADE_GOLDEN_KEY", "sk-golden")
        .output()
        .unwrap();
    crate::env::assert_ok(&out);
    let requests = server.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(
            body(request)["messages"][0]["content"],
            "You are a careful test agent."
        );
    }
}
