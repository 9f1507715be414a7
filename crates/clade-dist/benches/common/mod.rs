//! What the benches share: a nats-server on a free port, the local and the
//! NATS backend over one bundle, in-process workers, and running jobs with
//! several in flight.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clade_evolve::remote::{Bundle, RemoteBackends, RemoteSpec, worker_backend};
use clade_evolve::{BackendConfig, BackendKind, EvalBackend, EvalJob};

/// The server, unless cargo only lists the benches (`--list`) or there is
/// no nats-server (the reason printed).
pub fn start_unless_listing() -> Option<Nats> {
    if std::env::args().any(|a| a == "--list") {
        return None;
    }
    start_nats()
}

/// The number in variable `var`, else `default`.
pub fn count(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The same bundle evaluated here and through NATS at `url` (run `run`).
pub struct Sides {
    pub local: Arc<dyn EvalBackend>,
    pub remote: Arc<dyn EvalBackend>,
    /// The local side's bundle and builds: keep it while evaluating.
    pub scratch: tempfile::TempDir,
}

pub fn sides(bundle: Bundle, home: &Path, url: &str, run: &str) -> Sides {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("bundle");
    bundle.materialize(&dir).unwrap();
    let local = worker_backend(
        &dir,
        "clade.toml",
        home,
        Vec::new(),
        scratch.path().join("s"),
    )
    .expect("the local evaluator");
    let remote = clade_dist::DistBackends
        .connect(RemoteSpec {
            run: format!("{run}-{}", std::process::id()),
            backend: BackendConfig {
                kind: BackendKind::Nats,
                url: Some(url.to_string()),
                ..BackendConfig::default()
            },
            bundle,
        })
        .expect("the NATS backend");
    Sides {
        local,
        remote,
        scratch,
    }
}

/// A JetStream server on a free port of 127.0.0.1, killed on drop; `None`
/// (the reason printed) without Debian's nats-server.
pub struct Nats {
    child: Child,
    _data: tempfile::TempDir,
    pub url: String,
}

impl Drop for Nats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_nats() -> Option<Nats> {
    let Some(server) = ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
    else {
        eprintln!("skipped: no nats-server (scripts/test.sh installs Debian's)");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let child = Command::new(server)
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Nats {
        child,
        _data: data,
        url: format!("nats://127.0.0.1:{port}"),
    })
}

/// A worker taking one job at a time, on a thread of this process.
pub fn start_worker(url: &str, home: &Path) {
    let options = clade_dist::worker::WorkerOptions {
        conn: clade_dist::Connection {
            url: url.to_string(),
            token_env: None,
            user: None,
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

/// Wall milliseconds per job of `jobs`, `threads` in flight at once.
pub fn together(backend: &Arc<dyn EvalBackend>, jobs: &[EvalJob], threads: usize) -> f64 {
    let started = Instant::now();
    std::thread::scope(|scope| {
        for t in 0..threads {
            let backend = backend.clone();
            scope.spawn(move || {
                for job in jobs.iter().skip(t).step_by(threads) {
                    let evaluation = backend.evaluate(job).unwrap();
                    assert!(
                        matches!(evaluation, clade_evolve::Evaluation::Scored { .. }),
                        "{} was not scored: {evaluation:?}",
                        job.key
                    );
                }
            });
        }
    });
    started.elapsed().as_secs_f64() * 1e3 / jobs.len() as f64
}
