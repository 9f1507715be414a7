//! The shipped benchmarks through the real binary: every seed builds and
//! scores in the sandbox, the function benchmarks reproduce the published
//! baselines through call mode, cheats are rejected with a reason, and a
//! benchmark folder runs under `clade run`.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::env::repo_root;
use serde_json::Value;

/// `clade <args>` in the checkout.
fn clade(args: &[&str]) -> Output {
    crate::env::clade(&repo_root(), args)
}

fn score(name: &str, solution: &Path) -> (bool, Value) {
    let out = clade(&["bench", "score", name, solution.to_str().unwrap(), "--json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let value: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "{name}: not JSON ({e}): {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.success(), value)
}

fn bench(name: &str) -> PathBuf {
    repo_root().join("benchmarks").join(name)
}

/// A copy of a benchmark crate with its evolvable function's body replaced.
fn variant(name: &str, from: &str, to: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::copy(
        bench(name).join("Cargo.toml"),
        dir.path().join("Cargo.toml"),
    )
    .unwrap();
    let main = std::fs::read_to_string(bench(name).join("src/main.rs")).unwrap();
    assert!(main.contains(from), "{name}: {from:?} not in the seed");
    std::fs::write(dir.path().join("src/main.rs"), main.replace(from, to)).unwrap();
    dir
}

#[test]
fn every_benchmark_is_listed_with_a_readme_and_a_seed_that_scores() {
    let out = clade(&["bench", "list", "--json"]);
    assert!(out.status.success());
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    let mut expected = vec![
        "bin-packing-online",
        "bin-packing-online-py",
        "circle-packing-26",
        "circle-packing-32",
        "circle-packing-26-py",
        "heilbronn-triangle-11",
        "min-max-distance-16",
        "sort-speed",
    ];
    let networks: Vec<String> = (9..=16).map(|n| format!("sorting-network-{n}")).collect();
    expected.extend(networks.iter().map(String::as_str));
    expected.extend(["tsp-constructive", "tsp-constructive-py"]);
    assert_eq!(names, expected);
    for name in &names {
        let readme = std::fs::read_to_string(bench(name).join("README.md")).unwrap();
        assert!(
            readme.contains("| reference")
                || readme.contains("| heuristic")
                || name == &"sort-speed",
            "{name}: README without references"
        );
    }

    // Program benchmarks: each seed crate builds, runs and scores.
    for (name, metric, expect) in [
        ("circle-packing-26", "sum_radii", 26.0 * (1.0 / 12.0 - 1e-9)),
        ("circle-packing-32", "sum_radii", 32.0 * (1.0 / 12.0 - 1e-9)),
        ("min-max-distance-16", "ratio_squared", 18.0),
    ] {
        let (ok, value) = score(name, &bench(name));
        assert!(ok, "{name}: {value}");
        let got = value["metrics"][metric].as_f64().unwrap();
        assert!((got - expect).abs() < 1e-9, "{name}: {got} vs {expect}");
    }
    let (ok, value) = score("heilbronn-triangle-11", &bench("heilbronn-triangle-11"));
    assert!(ok && value["score"].as_f64().unwrap() > 0.0, "{value}");
    // The eight sorting networks share one seed: Batcher's, with the
    // published comparator counts.
    for (n, comparators) in (9..=16).zip([26, 31, 37, 41, 48, 53, 59, 63]) {
        let (ok, value) = score(&format!("sorting-network-{n}"), &bench("sorting-network"));
        assert!(ok, "{n}: {value}");
        assert_eq!(
            value["metrics"]["comparators"].as_f64(),
            Some(comparators as f64),
            "N = {n}"
        );
    }
}

#[test]
fn function_benchmarks_reproduce_the_published_baselines_through_call_mode() {
    let (ok, value) = score("tsp-constructive", &bench("tsp-constructive"));
    assert!(ok, "{value}");
    for (key, reference) in [
        ("n20", 4.446566634076893),
        ("n50", 6.891886602053466),
        ("n100", 9.650788327301203),
    ] {
        let got = value["metrics"][key].as_f64().unwrap();
        assert!((got - reference).abs() < 1e-9, "{key}: {got}");
    }

    let (ok, value) = score("bin-packing-online", &bench("bin-packing-online"));
    assert!(ok, "{value}");
    for (key, best_fit) in [
        ("or1", 5.81),
        ("or2", 6.06),
        ("or3", 5.37),
        ("or4", 4.94),
        ("weibull_5k", 3.98),
    ] {
        let got = value["metrics"][key].as_f64().unwrap();
        assert_eq!((got * 100.0).round() / 100.0, best_fit, "{key}: {got}");
    }

    // The fuel-scored speed benchmark: the seed and the optimized baseline.
    let (ok, seed) = score("sort-speed", &bench("sort-speed"));
    assert!(ok, "{seed}");
    let (ok, baseline) = score("sort-speed", &bench("sort-speed").join("baseline"));
    assert!(ok, "{baseline}");
    let (seed_fuel, baseline_fuel) = (
        seed["score"].as_f64().unwrap(),
        baseline["score"].as_f64().unwrap(),
    );
    println!("sort-speed fuel: seed {seed_fuel}, baseline {baseline_fuel}");
    assert!(
        baseline_fuel * 10.0 < seed_fuel,
        "{seed_fuel} vs {baseline_fuel}"
    );
}

#[test]
fn cheats_are_rejected_with_a_reason() {
    // Program output: NaN, a printed score, wrong counts.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.txt");
    for (name, output, expect) in [
        ("circle-packing-26", "NaN 0.5 0.1\n".repeat(26), "finite"),
        (
            "circle-packing-26",
            "2.6358627564136983\n".to_string(),
            "26",
        ),
        ("min-max-distance-16", "0 0\n".repeat(16), "coincide"),
        ("sorting-network-9", "0 1\n".to_string(), "does not sort"),
    ] {
        std::fs::write(&file, &output).unwrap();
        let (ok, value) = score(name, &file);
        assert!(!ok, "{name} accepted {output:?}");
        assert_eq!(value["status"], "rejected");
        let reason = format!("{} {}", value["reason"], value["feedback"]);
        assert!(reason.contains(expect), "{name}: {reason}");
    }

    // Function benchmarks: a NaN priority, an already visited node, a wrong sort.
    let nan = variant(
        "bin-packing-online",
        "*score = -(f64::from(left) - f64::from(item));",
        "*score = f64::NAN + f64::from(left) - f64::from(item);",
    );
    let (ok, value) = score("bin-packing-online", nan.path());
    assert!(!ok);
    assert!(
        value["reason"].as_str().unwrap().contains("not finite"),
        "{value}"
    );

    let visited = variant("tsp-constructive", "    best\n}", "    current\n}");
    let (ok, value) = score("tsp-constructive", visited.path());
    assert!(!ok);
    assert!(
        value["reason"]
            .as_str()
            .unwrap()
            .contains("not an unvisited node"),
        "{value}"
    );

    let lazy = variant(
        "sort-speed",
        "    for i in 1..values.len() {",
        "    values.reverse();\n    for i in 1..0 {",
    );
    let (ok, value) = score("sort-speed", lazy.path());
    assert!(!ok);
    assert!(
        value["reason"]
            .as_str()
            .unwrap()
            .contains("not sorted correctly"),
        "{value}"
    );

    let spin = variant(
        "sort-speed",
        "    for i in 1..values.len() {",
        "    values[0] = values[0].wrapping_add(0);\n    for i in 1..values.len() {",
    );
    let (ok, value) = score("sort-speed", spin.path());
    assert!(!ok);
    let reason = value["reason"].as_str().unwrap();
    assert!(reason.starts_with("run_failed: trapped"), "{value}");
    // The one-line reason names the panic, not only the wasm trap.
    assert!(
        reason.contains("panicked at src/main.rs:") && reason.contains("index out of bounds"),
        "{value}"
    );
    // The feedback carries the guest's panic message, for repairs and fixes,
    // near its start (prompts keep only the start; the wasm backtrace
    // follows).
    let feedback = value["feedback"].as_str().unwrap_or("");
    let at = feedback.find("index out of bounds");
    assert!(
        at.is_some_and(|at| at < 300) && feedback.contains("src/main.rs"),
        "{value}"
    );
}

#[test]
fn a_function_candidate_keeps_no_state_between_instances() {
    // Best fit for its first 5,000 calls, worst fit after: a candidate that
    // could carry state across instances would pack the later sets worse.
    // Every instance meets a fresh instance of the module (none has more
    // than 5,000 items), so it scores exactly as best fit everywhere.
    let stateful = variant(
        "bin-packing-online",
        "{\n    for (score, &left) in scores.iter_mut().zip(remaining) {
        *score = -(f64::from(left) - f64::from(item));",
        "{\n    static CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let calls = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    for (score, &left) in scores.iter_mut().zip(remaining) {
        let fit = f64::from(left) - f64::from(item);
        *score = if calls < 5_000 { -fit } else { fit };",
    );
    let (ok, value) = score("bin-packing-online", stateful.path());
    assert!(ok, "{value}");
    for (key, best_fit) in [("or2", 6.06), ("or4", 4.94), ("weibull_5k", 3.98)] {
        let got = value["metrics"][key].as_f64().unwrap();
        assert_eq!((got * 100.0).round() / 100.0, best_fit, "{key}: {got}");
    }
}
