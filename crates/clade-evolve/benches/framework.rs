//! The loop's own cost per iteration, without the LLM's or the candidate's:
//! an instant scripted LLM on 127.0.0.1 and a candidate that is an input file
//! fed to a fixed wasm module (`build = "wasm"`), scored by `stdout-json`.
//!
//! Framework time per iteration is planning (selection, inspirations,
//! prompt), parsing and applying the reply, recording (status, population,
//! event) and the archive writer's share of its batch. Figures are printed
//! for the first 100 iterations (≈100 variants) and the last 100 (≈N
//! variants), side by side with their ratio.
//!
//! `cargo bench -p clade-evolve --bench framework` (CLADE_BENCH_ITERATIONS,
//! default 10000).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use clade_evolve::{CacheMode, RunOptions};
use clade_llm::{Reply, ScriptedServer};
use clade_sandbox::{BuildStatus, Builder, BuilderConfig};
use serde_json::Value;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let iterations: u64 = std::env::var("CLADE_BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let home = clade_sandbox::default_home();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();

    // The fixed module: a guest that scores its stdin.
    let guest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sandbox/guests/stdin-score");
    let builder = Builder::new(BuilderConfig {
        work_dir: home.join("build"),
        ..BuilderConfig::default()
    })
    .expect("builder");
    let built = builder.build(&guest).expect("build");
    assert_eq!(built.status, BuildStatus::Ok, "{:?}", built.diagnostics);
    std::fs::copy(built.wasm.unwrap(), root.join("score.wasm")).unwrap();
    std::fs::write(root.join("params.txt"), "x = 0\n").unwrap();

    let server = ScriptedServer::start_with(|n, request| {
        let body: Value = serde_json::from_str(&request.body).unwrap_or(Value::Null);
        let user = body["messages"][1]["content"].as_str().unwrap_or("");
        let current = user
            .split("x = ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or("0");
        let text = format!(
            "params.txt\n```\n<<<<<<< SEARCH\nx = {current}\n=======\nx = {}\n>>>>>>> REPLACE\n```\n",
            n + 1
        );
        Reply::openai(&text, 100, 30)
    })
    .unwrap();
    std::fs::write(
        root.join("clade.toml"),
        format!(
            r#"[run]
name = "bench"
iterations = {iterations}
parallel_proposals = 4
parallel_evaluations = 2

[target]
files = ["params.txt"]
build = "wasm"
module = "score.wasm"

[evaluate]
stdin = "params.txt"
scorer = "stdout-json"
fuel = 10000000

[[llm.models]]
provider = "openai"
model = "instant"
base_url = "{}"
api_key_env = "CLADE_BENCH_NO_KEY"
"#,
            server.url()
        ),
    )
    .unwrap();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "bench"]);

    let started = Instant::now();
    let summary = clade_evolve::run(
        &RunOptions {
            config: root.to_path_buf(),
            cache: CacheMode::Off,
            home: Some(home),
            ..RunOptions::default()
        },
        &mut |_| {},
    )
    .expect("run");
    let wall = started.elapsed().as_secs_f64();
    let t = &summary.times;
    let n = t.plan_ms.len();
    assert_eq!(n as u64, iterations);
    let framework: Vec<f64> = (0..n)
        .map(|i| {
            t.plan_ms[i]
                + t.apply_ms[i]
                + t.record_ms[i]
                + t.write_ms.get(i).copied().unwrap_or(0.0)
        })
        .collect();
    let window = 100.min(n);
    let early = 0..window;
    let late = n - window..n;
    println!(
        "framework time per iteration (ms over 100 iterations: medians; the writer's and the total amortized means); {} variants, {} validated, {wall:.1} s wall ({:.2} ms/iteration overall)",
        n + 1,
        summary.totals.validated,
        wall * 1000.0 / n as f64
    );
    println!(
        "{:<30} {:>12} {:>12} {:>8}",
        "",
        format!("at ~{}", window),
        format!("at ~{n}"),
        "ratio"
    );
    let row = |name: &str, values: &[f64], stat: fn(&[f64]) -> f64| {
        let a = stat(&values[early.clone()]);
        let b = stat(&values[late.clone()]);
        println!("{name:<30} {a:>12.4} {b:>12.4} {:>7.2}x", b / a.max(1e-9));
    };
    row("plan (select + prompt)", &t.plan_ms, median);
    row("parse + apply", &t.apply_ms, median);
    row("record (status, population)", &t.record_ms, median);
    // The writer works in batches on its own thread: its cost per variant
    // is the batch time shared out, averaged over the window.
    row("archive write (mean/variant)", &t.write_ms, mean);
    row("total framework", &framework, mean);
    drop(server);
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() { 0.0 } else { v[v.len() / 2] }
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "b")
        .env("GIT_AUTHOR_EMAIL", "b@example.invalid")
        .env("GIT_COMMITTER_NAME", "b")
        .env("GIT_COMMITTER_EMAIL", "b@example.invalid")
        .status()
        .unwrap()
        .success();
    assert!(ok, "git {args:?}");
}
