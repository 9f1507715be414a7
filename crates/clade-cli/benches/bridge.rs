//! What the OpenEvolve bridge costs: an evaluator in OpenEvolve's shape
//! loads a program by path, calls a small function, passes a numpy array
//! both ways and runs a script with `sys.executable` — once through
//! `clade bench score` (the program in the sandbox, every call crossing
//! the bridge) and once natively (what OpenEvolve does: the program in the
//! evaluator's own interpreter). Prints the medians side by side.
//!
//! Needs the wasm runtime (`scripts/fetch-python.sh`) and a native Python
//! with numpy in CLADE_EVALUATOR_PYTHON (`scripts/test.sh` makes one).
//! Run: `cargo bench --profile dev -p clade-cli --bench bridge`.

use std::path::Path;
use std::process::Command;

const PROGRAM: &str = "# EVOLVE-BLOCK-START
import numpy as np


def step(x):
    return x + 1


def double(a):
    return a * 2
# EVOLVE-BLOCK-END
";

const EVALUATOR: &str = r#"import importlib.util, statistics, subprocess, sys, tempfile, time
import numpy as np


def timed(f, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def evaluate(program_path):
    t = time.perf_counter()
    spec = importlib.util.spec_from_file_location("program", program_path)
    program = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(program)
    load = time.perf_counter() - t
    array = np.arange(100_000, dtype=np.float64)
    assert float(program.double(array).sum()) == float(array.sum() * 2)
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write("print(1)\n")
    script = lambda: subprocess.run([sys.executable, f.name], check=True, capture_output=True)
    return {
        "combined_score": 1.0,
        "load_ms": load * 1e3,
        "call_us": timed(lambda: program.step(1), 200) * 1e6,
        "array_800k_ms": timed(lambda: program.double(array), 20) * 1e3,
        "script_ms": timed(script, 5) * 1e3,
    }
"#;

const ROWS: &[(&str, &str)] = &[
    ("load_ms", "load the module (ms)"),
    ("call_us", "call step(1) (µs)"),
    ("array_800k_ms", "double(800 KB array) (ms)"),
    ("script_ms", "run `print(1)` via sys.executable (ms)"),
];

fn main() {
    let Some(python) = std::env::var("CLADE_EVALUATOR_PYTHON")
        .ok()
        .filter(|p| Path::new(p).is_file())
    else {
        println!(
            "skipped: CLADE_EVALUATOR_PYTHON names no Python with numpy (scripts/test.sh makes one)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let problem = dir.path().join("problem");
    std::fs::create_dir(&problem).expect("the problem folder");
    std::fs::write(problem.join("initial_program.py"), PROGRAM).expect("write");
    std::fs::write(problem.join("evaluator.py"), EVALUATOR).expect("write");
    let project = dir.path().join("bridge");
    let clade = env!("CARGO_BIN_EXE_clade");
    let imported = Command::new(clade)
        .args(["import", "openevolve", "--python", &python, "--into"])
        .arg(&project)
        .arg(&problem)
        .output()
        .expect("clade import");
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let scored = Command::new(clade)
        .args(["bench", "score", "--json", "--dir"])
        .arg(dir.path())
        .arg("bridge")
        .arg(&project)
        .output()
        .expect("clade bench score");
    let scored: serde_json::Value = serde_json::from_slice(&scored.stdout).unwrap_or_else(|_| {
        panic!(
            "clade bench score: {}",
            String::from_utf8_lossy(&scored.stderr)
        )
    });
    let native = Command::new(&python)
        .arg("-c")
        .arg(format!(
            "import json, sys\nsys.path.insert(0, {dir:?})\nimport evaluator\nprint(json.dumps(evaluator.evaluate({program:?})))",
            dir = problem.display().to_string(),
            program = problem.join("initial_program.py").display().to_string(),
        ))
        .output()
        .expect("the native evaluator");
    let native: serde_json::Value = serde_json::from_slice(&native.stdout).unwrap_or_else(|_| {
        panic!(
            "native evaluator: {}",
            String::from_utf8_lossy(&native.stderr)
        )
    });
    println!(
        "{:<42} {:>12} {:>12} {:>8}",
        "", "sandboxed", "native", "ratio"
    );
    for (key, label) in ROWS {
        let ours = scored["metrics"][key].as_f64().unwrap_or(f64::NAN);
        let theirs = native[key].as_f64().unwrap_or(f64::NAN);
        println!(
            "{label:<42} {ours:>12.3} {theirs:>12.3} {:>7.1}x",
            ours / theirs
        );
    }
    println!(
        "sandbox fuel {} over the evaluation; wall {:.0} ms",
        scored["sandbox"]["fuel"],
        scored["sandbox"]["wall_ms"].as_f64().unwrap_or(f64::NAN)
    );
}
