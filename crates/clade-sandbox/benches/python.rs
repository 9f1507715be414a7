//! Start-up of Python programs in the sandbox, median over runs in one
//! process: a warm start to `print(1)` (a fresh instance of the cached,
//! pre-linked runtime per run), `import numpy`, and `import numpy,
//! scipy.optimize`; a session's turn (one question and answer through the
//! door) and its restart (a fresh interpreter whose setup imports numpy);
//! with CLADE_BENCH_COLD=1 also the first compile of the runtime (minutes),
//! into a throwaway cache.
//!
//!     cargo bench -p clade-sandbox --bench python
//!
//! CLADE_BENCH_RUNS sets the runs per program (default 21). Needs the
//! runtime (`scripts/fetch-python.sh`).

use std::time::{Duration, Instant};

use clade_sandbox::python::{PythonArtifacts, PythonProgram, PythonRunner, PythonSession};
use clade_sandbox::{RunLimits, RunRequest, RunStatus};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn main() {
    let home = clade_sandbox::default_home();
    let artifacts = match PythonArtifacts::locate(&home) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("skipped: {e}");
            return;
        }
    };
    let runs: usize = std::env::var("CLADE_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(21);
    if std::env::var_os("CLADE_BENCH_COLD").is_some() {
        cold_compile(&artifacts);
    }
    let runner = PythonRunner::new(artifacts).expect("runner");
    let started = Instant::now();
    runner.warm().expect("the runtime compiles");
    println!(
        "load of the compiled runtime (disk cache): {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    sessions(&runner, runs);
    let dir = tempfile::tempdir().expect("temp dir");
    let programs = [
        ("print(1)", "print(1)"),
        ("import numpy", "import numpy"),
        (
            "import numpy, scipy.optimize",
            "import numpy, scipy.optimize",
        ),
    ];
    println!(
        "{:<32} {:>12} {:>12} {:>14}",
        "program", "median ms", "min ms", "fuel"
    );
    for (name, source) in programs {
        std::fs::write(dir.path().join("main.py"), source).expect("write");
        let program = PythonProgram {
            dir: dir.path().to_path_buf(),
            entry: "main.py".into(),
        };
        let request = RunRequest {
            limits: RunLimits {
                fuel: 100_000_000_000,
                memory_bytes: 1 << 30,
                timeout: Duration::from_secs(60),
                ..RunLimits::default()
            },
            ..RunRequest::default()
        };
        let mut times = Vec::new();
        let mut fuel = 0;
        for _ in 0..runs {
            let started = Instant::now();
            let outcome = runner.run(&program, &request).expect("run");
            times.push(started.elapsed().as_secs_f64() * 1e3);
            assert_eq!(
                outcome.status,
                RunStatus::Exited,
                "{}",
                outcome.stderr_text()
            );
            fuel = outcome.fuel_used.unwrap_or(0);
        }
        let min = times.iter().copied().fold(f64::INFINITY, f64::min);
        println!(
            "{name:<32} {:>12.1} {:>12.1} {fuel:>14}",
            median(times),
            min
        );
    }
}

/// A function benchmark's costs: one turn (a 400-byte question, the
/// program's function, an 8-byte answer), and one restart whose setup
/// imports numpy and loads the program.
fn sessions(runner: &PythonRunner, runs: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("main.py"),
        "import numpy as np\ndef answer(q):\n    return np.frombuffer(q, dtype='<u4')[:2].tobytes()\n",
    )
    .expect("write");
    let program = PythonProgram {
        dir: dir.path().to_path_buf(),
        entry: "main.py".into(),
    };
    let setup = "import runpy, _host\n\
                 ns = runpy.run_path('/candidate/main.py')\n\
                 def ask():\n    _host.call(ns['answer'](_host.call(b'')))\n";
    let request = RunRequest {
        limits: RunLimits {
            fuel: 1_000_000_000_000,
            memory_bytes: 1 << 30,
            timeout: Duration::from_secs(600),
            ..RunLimits::default()
        },
        ..RunRequest::default()
    };
    let question = vec![7u8; 400];
    let measure = |python: &mut PythonSession<'_>| {
        let mut turns = Vec::new();
        for _ in 0..runs * 100 {
            let started = Instant::now();
            python.turn("ask()", &question).expect("turn");
            turns.push(started.elapsed().as_secs_f64() * 1e3);
        }
        let mut restarts = Vec::new();
        for _ in 0..runs {
            let started = Instant::now();
            python.restart().expect("restart");
            restarts.push(started.elapsed().as_secs_f64() * 1e3);
        }
        (median(turns), median(restarts))
    };
    let ran = runner
        .with_session(&program, setup, &request, measure)
        .expect("session")
        .expect("the runtime instantiates");
    let ((turn, restart), outcome) = ran;
    assert_eq!(
        outcome.status,
        RunStatus::Exited,
        "{}",
        outcome.stderr_text()
    );
    println!(
        "session turn (median of {}): {turn:.3} ms; restart with numpy (median of {runs}): {restart:.1} ms",
        runs * 100
    );
}

/// Compiles the runtime into an empty cache: what the first use on a
/// machine costs.
fn cold_compile(artifacts: &PythonArtifacts) {
    let scratch = tempfile::tempdir().expect("temp dir");
    let dir = PythonArtifacts::dir_in(scratch.path());
    std::fs::create_dir_all(dir.join("lib")).expect("mkdir");
    for rel in ["python-snapshot.wasm", "lib/python315.zip"] {
        std::os::unix::fs::symlink(artifacts.dir().join(rel), dir.join(rel)).expect("link");
    }
    let cold = PythonRunner::new(PythonArtifacts::locate(scratch.path()).expect("locate"))
        .expect("runner");
    let started = Instant::now();
    cold.warm().expect("compile");
    println!(
        "cold compile of the runtime: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
