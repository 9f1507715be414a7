//! What evaluating through NATS costs per job, side by side with this
//! machine's sandbox in one run: the same candidates (an input file fed to
//! a fixed wasm module, so evaluation itself is a few milliseconds and the
//! transport shows), one at a time and then several at once, locally and
//! through a real nats-server (JetStream, 127.0.0.1) with in-process
//! workers. Prints medians and ratios.
//!
//! `cargo bench -p clade-dist --bench overhead` (needs Debian's
//! nats-server; `CLADE_BENCH_JOBS`, default 40).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clade_evolve::remote::{Bundle, RemoteBackends, RemoteSpec, worker_backend};
use clade_evolve::{BackendConfig, BackendKind, EvalBackend, EvalJob};
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
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let Some(server) = ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
    else {
        eprintln!("skipped: no nats-server (scripts/test.sh installs Debian's)");
        return;
    };
    let jobs: u64 = std::env::var("CLADE_BENCH_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let home = clade_sandbox::default_home();
    let bundle = bundle(&home);
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("bundle");
    bundle.materialize(&dir).unwrap();
    let local = worker_backend(
        &dir,
        "clade.toml",
        &home,
        Vec::new(),
        scratch.path().join("s"),
    )
    .expect("the local evaluator");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut nats = Command::new(server)
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }
    let url = format!("nats://127.0.0.1:{port}");
    for _ in 0..2 {
        start_worker(&url, &home);
    }
    let remote = clade_dist::NatsBackends
        .connect(RemoteSpec {
            run: format!("bench-{}", std::process::id()),
            backend: BackendConfig {
                kind: BackendKind::Nats,
                url: Some(url),
                ..BackendConfig::default()
            },
            bundle,
        })
        .expect("the NATS backend");

    // Warm both (module compiled and cached, bundle fetched by the workers).
    for backend in [&local, &remote] {
        backend.evaluate(&job(u64::MAX)).unwrap();
    }
    println!("{jobs} jobs each (a wasm module scoring an input file), medians of per-job wall ms");
    println!("{:<38} {:>10} {:>10} {:>8}", "", "local", "NATS", "ratio");
    let one_local = one_at_a_time(&local, 0, jobs);
    let one_remote = one_at_a_time(&remote, jobs, jobs);
    row("one at a time: ms per job", one_local, one_remote);
    let two_local = together(&local, 2 * jobs, jobs, 2);
    let two_remote = together(&remote, 3 * jobs, jobs, 2);
    row("2 at once, 2 workers: ms per job", two_local, two_remote);
    let _ = nats.kill();
    let _ = nats.wait();
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
    median(&mut times)
}

/// Wall time per job of `n` jobs, `threads` in flight at once.
fn together(backend: &Arc<dyn EvalBackend>, first: u64, n: u64, threads: u64) -> f64 {
    let started = Instant::now();
    std::thread::scope(|scope| {
        for t in 0..threads {
            let backend = backend.clone();
            scope.spawn(move || {
                for i in (first + t..first + n).step_by(threads as usize) {
                    backend.evaluate(&job(i)).unwrap();
                }
            });
        }
    });
    started.elapsed().as_secs_f64() * 1e3 / n as f64
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn start_worker(url: &str, home: &Path) {
    let options = clade_dist::worker::WorkerOptions {
        conn: clade_dist::Connection {
            url: url.to_string(),
            token_env: None,
            stream: clade_dist::wire::DEFAULT_STREAM.into(),
            ack_wait: Duration::from_secs(60),
            max_deliver: 3,
        },
        jobs: 1,
        home: home.to_path_buf(),
        hidden_env: Vec::new(),
        max_jobs: None,
    };
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = clade_dist::worker::run(options, |_, _| {
            let _ = ready_tx.send(());
        });
    });
    ready_rx.recv().unwrap();
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
