//! Agent-host costs on this machine, as medians: guest start-up (task →
//! done), one import round trip, and grading one task (build + every hidden
//! test), warm and from a cold build folder.
//!
//! `cargo bench -p clade-agent-host --bench agent` (CLADE_BENCH_ITERATIONS,
//! default 7).

use std::path::{Path, PathBuf};
use std::time::Instant;

use clade_agent_host::{AgentRunner, Budget, ModelService, TaskRef, TaskRun};
use clade_llm::{ModelConfig, ProviderKind, ScriptedServer};
use clade_sandbox::BuilderConfig;
use clade_tasks::{Grader, Manifest, default_test_limits};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let iterations: usize = std::env::var("CLADE_BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let work = tempfile::tempdir().unwrap();
    let config = BuilderConfig {
        work_dir: work.path().join("build"),
        ..BuilderConfig::default()
    };
    let runner = AgentRunner::new(config.clone()).unwrap();
    let built = runner
        .build(&repo().join("sandbox/guests/agent-roundtrip"))
        .unwrap();
    let wasm = std::fs::read(built.wasm.unwrap()).unwrap();
    let server = ScriptedServer::start(vec![]).unwrap();
    let mut model = ModelConfig::new(ProviderKind::Openai, "scripted");
    model.base_url = Some(server.url());
    let service = ModelService::start(model).unwrap();

    // One agent run = start-up + `test_runs` round trips + grading the stub;
    // the grading is the same in both, so the difference is the imports.
    let suite = repo().join("tasks/test-mini");
    let run_ms = |calls: u64| {
        let started = Instant::now();
        let outcome = runner
            .run_task(TaskRun {
                agent_wasm: &wasm,
                prompts: &repo().join("agents/seed/prompts"),
                task: TaskRef::Coding {
                    suite: &suite,
                    id: "add-numbers",
                },
                budget: Budget {
                    test_runs: calls,
                    ..Budget::default()
                },
                model: service.model(1),
                random_seed: 1,
                transcript: work.path().join("t.jsonl"),
            })
            .unwrap();
        assert_eq!(outcome.done, Some(format!("{calls} calls")));
        started.elapsed().as_secs_f64() * 1e3
    };
    run_ms(0);
    let calls = 10_000;
    let base: Vec<f64> = (0..iterations).map(|_| run_ms(0)).collect();
    let many: Vec<f64> = (0..iterations).map(|_| run_ms(calls)).collect();
    let base = median(base);
    let per_call_us = (median(many) - base) * 1e3 / calls as f64;

    // Grading alone: the reference of add-numbers, warm (cached build) and
    // cold (a fresh build folder each time: the test crate compiles).
    let (manifest, tasks) = Manifest::verify(&repo().join("tasks/test-mini")).unwrap();
    let task = tasks.iter().find(|t| t.id == "add-numbers").unwrap();
    let hidden = &manifest.hidden[&task.id];
    let solution = work.path().join("solution");
    std::fs::create_dir_all(solution.join("src")).unwrap();
    std::fs::copy(
        task.dir.join("reference/lib.rs"),
        solution.join("src/lib.rs"),
    )
    .unwrap();
    let grader = Grader::new(
        clade_sandbox::Builder::new(config.clone()).unwrap(),
        default_test_limits(),
    )
    .unwrap();
    let grade_ms = |grader: &Grader| {
        let started = Instant::now();
        let grade = grader.grade(task, hidden, &solution).unwrap();
        assert!(grade.passed);
        started.elapsed().as_secs_f64() * 1e3
    };
    let warm: Vec<f64> = (0..iterations).map(|_| grade_ms(&grader)).collect();
    let cold: Vec<f64> = (0..iterations.min(3))
        .map(|i| {
            let fresh = Grader::new(
                clade_sandbox::Builder::new(BuilderConfig {
                    work_dir: work.path().join(format!("cold-{i}")),
                    ..BuilderConfig::default()
                })
                .unwrap(),
                default_test_limits(),
            )
            .unwrap();
            grade_ms(&fresh)
        })
        .collect();

    println!("agent host, medians of {iterations} runs");
    println!("  agent run with no imports but task/done (incl. grading the stub): {base:.1} ms");
    println!(
        "  one import round trip (agent_spent):                            {per_call_us:.1} µs"
    );
    println!(
        "  grading add-numbers ({} hidden tests), warm build:              {:.1} ms",
        hidden.len(),
        median(warm)
    );
    println!(
        "  grading add-numbers, cold build folder:                          {:.1} ms",
        median(cold)
    );
}
