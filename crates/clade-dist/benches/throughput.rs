//! Evaluation throughput on this machine, in one run: the shipped
//! sort-speed benchmark's candidates (each a distinct program, so each is a
//! real cargo build to wasm and a run the host checks) evaluated by the
//! local backend with 1, 2 and 4 in flight, and through a real nats-server
//! by 1, 2 and 4 workers with as many in flight. No LLM: the question is
//! how fast candidates are evaluated once proposed. Prints candidates per
//! second and the ratios.
//!
//! `cargo bench -p clade-dist --bench throughput` (needs Debian's
//! nats-server; `CLADE_BENCH_CANDIDATES` per cell, default 12).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use clade_evolve::remote::Bundle;
use clade_evolve::{EvalBackend, EvalJob};

const BENCHMARK: &str = "../../benchmarks/sort-speed";

fn main() {
    let Some(nats) = common::start_unless_listing() else {
        return;
    };
    let per_cell = common::count("CLADE_BENCH_CANDIDATES", 12);
    let home = clade_sandbox::default_home();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(BENCHMARK);
    let seed = std::fs::read_to_string(root.join("src/main.rs")).unwrap();
    let common::Sides {
        local,
        remote,
        scratch: _scratch,
    } = common::sides(bundle(&root), &home, &nats.url, "throughput");
    // A nonce keeps every candidate of every run of the bench a real build.
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut next = 0u64;
    let mut candidates = |n: u64| -> Vec<EvalJob> {
        (0..n)
            .map(|_| {
                next += 1;
                EvalJob {
                    files: BTreeMap::from([(
                        "src/main.rs".to_string(),
                        format!("// candidate {nonce}-{next}\n{seed}"),
                    )]),
                    key: format!("i{next}"),
                    seed: next,
                }
            })
            .collect()
    };
    common::start_worker(&nats.url, &home);
    // Warm both: the toolchain's caches, the bundle on the worker.
    common::together(&local, &candidates(1), 1);
    common::together(&remote, &candidates(1), 1);
    println!(
        "sort-speed candidates ({per_cell} per cell, each a distinct program: cargo build + run), this machine ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<28} {:>14} {:>14} {:>8}",
        "in flight", "local cand/s", "NATS cand/s", "ratio"
    );
    let mut workers = 1;
    for flight in [1usize, 2, 4] {
        while workers < flight {
            common::start_worker(&nats.url, &home);
            workers += 1;
        }
        let per_local = rate(&local, &candidates(per_cell), flight);
        let per_remote = rate(&remote, &candidates(per_cell), flight);
        println!(
            "{:<28} {per_local:>14.2} {per_remote:>14.2} {:>7.2}x",
            format!("{flight} (NATS: {workers} workers)"),
            per_remote / per_local.max(1e-9)
        );
    }
}

/// Candidates per second with `flight` in flight.
fn rate(backend: &Arc<dyn EvalBackend>, jobs: &[EvalJob], flight: usize) -> f64 {
    1e3 / common::together(backend, jobs, flight)
}

/// The benchmark's folder as committed in this checkout, as a bundle.
fn bundle(root: &Path) -> Bundle {
    let mut files = BTreeMap::new();
    for path in ["clade.toml", "Cargo.toml", "src/main.rs"] {
        files.insert(path.to_string(), std::fs::read(root.join(path)).unwrap());
    }
    let config_text = String::from_utf8(files["clade.toml"].clone()).unwrap();
    Bundle {
        config_path: "clade.toml".into(),
        config_text,
        files,
    }
}
