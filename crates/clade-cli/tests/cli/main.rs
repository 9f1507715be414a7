//! The CLI's integration tests: one test binary driving the real `clade`
//! binary, every command through the hermetic environment of [`env`].
//!
//! - [`agent`]: `clade agent build|run` and `clade tasks hash|check`;
//! - [`bench`]: the shipped benchmarks score, reproduce their baselines and
//!   reject cheats;
//! - [`bench_agents`]: `clade bench agents`: pass matrices, stored results,
//!   common seeds, refusals, the SVG and the JSON report;
//! - [`distributed`]: `clade worker` processes over a real nats-server:
//!   the same archive as local, a killed worker, a foreign fingerprint;
//! - [`evolve_agent`]: `clade evolve-agent`: two generations with every
//!   kind of child, a kill and a resume, a replay, hostile self-edits;
//! - [`golden`]: a scripted run's events and notes, byte for byte;
//! - [`model`]: `clade model serve` answering plain HTTP requests;
//! - [`python`]: Python candidates: `clade sandbox python`, the Python
//!   benchmark's seed, a `clade run` of a Python program;
//! - [`review`]: `tree`, `show`, `diff`, `branch`, `promote`;
//! - [`run`]: `clade run` end to end (resume, stops, budgets, local model);
//! - [`sandbox`]: `clade sandbox build|run` and its JSON contract.

mod agent;
mod bench;
mod bench_agents;
mod browser;
mod deps;
mod distributed;
mod env;
mod evolve_agent;
mod golden;
mod model;
mod nats_auth;
mod openevolve;
mod python;
mod review;
mod run;
mod sandbox;
mod slurm;

use std::path::Path;

/// A test file outside this binary would be a second binary with its own
/// helpers and its own environment: every `.rs` file under `tests/` is a
/// module of this one.
#[test]
fn every_test_file_is_a_module_of_this_binary() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let main = std::fs::read_to_string(tests.join("cli/main.rs")).unwrap();
    let mut stray = Vec::new();
    for entry in std::fs::read_dir(&tests).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            stray.push(path.display().to_string());
        } else if path.is_dir() && path.file_name().is_some_and(|n| n != "cli") {
            stray.push(format!("{} (a folder beside cli/)", path.display()));
        }
    }
    for entry in std::fs::read_dir(tests.join("cli")).unwrap() {
        let path = entry.unwrap().path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let is_rs = path.extension().is_some_and(|e| e == "rs");
        if is_rs && stem != "main" && !main.contains(&format!("\nmod {stem};\n")) {
            stray.push(format!("{} (no `mod {stem};` in main.rs)", path.display()));
        }
    }
    assert!(
        stray.is_empty(),
        "not in the cli test binary:\n{}",
        stray.join("\n")
    );
}
