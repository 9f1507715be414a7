//! What evaluating through NATS costs per job, side by side with this
//! machine's sandbox in one run: the same candidates (an input file fed to
//! a fixed wasm module, so evaluation itself is a few milliseconds and the
//! transport shows), one at a time and then several at once, locally and
//! through a real nats-server (JetStream, 127.0.0.1) with in-process
//! workers. Prints medians and ratios.
//!
//! `cargo bench -p clade-dist --bench overhead` (needs Debian's
//! nats-server; `CLADE_BENCH_JOBS`, default 40).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use clade_evolve::remote::Bundle;
use clade_evolve::{EvalBackend, EvalJob};
use clade_sandbox::{BuildStatus, Builder, BuilderConfig};

const CONFIG: &str = r#"[run]
name = "bench"

[target]
files = ["params.txt"]
build = "wasm"
module = "score.wasm"

[evaluate]
stdin = "params.txt"
scorer = "stdout-json"
fuel = 10000000
"#;

fn main() {
    let Some(nats) = common::start_unless_listing() else {
        return;
    };
    let jobs = common::count("CLADE_BENCH_JOBS", 40);
    let home = clade_sandbox::default_home();
    for _ in 0..2 {
        common::start_worker(&nats.url, &home);
    }
    let common::Sides {
        local,
        remote,
        scratch: _scratch,
    } = common::sides(bundle(&home), &home, &nats.url, "bench");

    // Warm both (module compiled and cached, bundle fetched by the workers).
    for backend in [&local, &remote] {
        backend.evaluate(&job(u64::MAX)).unwrap();
    }
    println!("{jobs} jobs each (a wasm module scoring an input file), medians of per-job wall ms");
    println!("{:<38} {:>10} {:>10} {:>8}", "", "local", "NATS", "ratio");
    let one_local = one_at_a_time(&local, 0, jobs);
    let one_remote = one_at_a_time(&remote, jobs, jobs);
    row("one at a time: ms per job", one_local, one_remote);
    let batch = |first: u64| (first..first + jobs).map(job).collect::<Vec<_>>();
    let two_local = common::together(&local, &batch(2 * jobs), 2);
    let two_remote = common::together(&remote, &batch(3 * jobs), 2);
    row("2 at once, 2 workers: ms per job", two_local, two_remote);
}

fn row(name: &str, local: f64, remote: f64) {
    println!(
        "{name:<38} {local:>10.2} {remote:>10.2} {:>7.2}x",
        remote / local.max(1e-9)
    );
}

fn job(i: u64) -> EvalJob {
    EvalJob {
        files: BTreeMap::from([("params.txt".to_string(), format!("x = {i}\n"))]),
        key: format!("i{i}"),
        seed: i,
    }
}

/// The median wall time of `n` jobs evaluated one after another.
fn one_at_a_time(backend: &Arc<dyn EvalBackend>, first: u64, n: u64) -> f64 {
    let mut times: Vec<f64> = (first..first + n)
        .map(|i| {
            let started = Instant::now();
            backend.evaluate(&job(i)).unwrap();
            started.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// The bench's project as a bundle: the config, the fixed module (the
/// sandbox's stdin-score guest) and the input file.
fn bundle(home: &Path) -> Bundle {
    let guest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sandbox/guests/stdin-score");
    let builder = Builder::new(BuilderConfig {
        work_dir: home.join("build"),
        ..BuilderConfig::default()
    })
    .expect("builder");
    let built = builder.build(&guest).expect("build");
    assert_eq!(built.status, BuildStatus::Ok, "{:?}", built.diagnostics);
    let module = std::fs::read(built.wasm.unwrap()).unwrap();
    Bundle {
        config_path: "clade.toml".into(),
        config_text: CONFIG.into(),
        files: BTreeMap::from([
            ("clade.toml".to_string(), CONFIG.as_bytes().to_vec()),
            ("params.txt".to_string(), b"x = 0\n".to_vec()),
            ("score.wasm".to_string(), module),
        ]),
    }
}
