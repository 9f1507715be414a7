//! OpenEvolve problems through the real binary: `clade import openevolve`
//! on the shipped examples (examples/openevolve), their evaluators run
//! natively and unedited while the programs run in the sandbox, an
//! evolution with a scripted model, and a hostile program that tries to
//! reach the evaluator and the host.
//!
//! The evaluator's Python (with numpy) is CLADE_EVALUATOR_PYTHON, which
//! `scripts/test.sh` sets; without it (or the wasm runtime) a test says why
//! it skipped, unless CLADE_REQUIRE_PYTHON is set (CI).

use std::path::{Path, PathBuf};

use crate::env::{assert_ok, clade_command, commit_all, repo_root};
use crate::python::{python_runtime, write};
use crate::run::{finish, parse_events};
use clade_llm::{Reply, ScriptedServer};
use serde_json::Value;

/// The evaluator's native Python, when the tests have one.
fn evaluator_python() -> Option<String> {
    if !python_runtime() {
        return None;
    }
    match std::env::var("CLADE_EVALUATOR_PYTHON") {
        Ok(python) if Path::new(&python).is_file() => Some(python),
        _ => {
            let why = "CLADE_EVALUATOR_PYTHON names no Python with numpy (scripts/test.sh sets it)";
            assert!(
                std::env::var_os("CLADE_REQUIRE_PYTHON").is_none(),
                "CLADE_REQUIRE_PYTHON is set but {why}"
            );
            eprintln!("skipped: {why}");
            None
        }
    }
}

/// `clade import openevolve <source> --into <parent>/<name>`.
fn import(source: &Path, parent: &Path, name: &str, python: &str) -> PathBuf {
    let into = parent.join(name);
    let out = clade_command(
        parent,
        &[
            "import",
            "openevolve",
            source.to_str().unwrap(),
            "--into",
            into.to_str().unwrap(),
            "--python",
            python,
            "--json",
        ],
    )
    .output()
    .unwrap();
    assert_ok(&out);
    into
}

fn assert_ok_with_stdout(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The evaluation of the project in `parent/name` as it stands.
fn score(parent: &Path, name: &str) -> Value {
    let out = score_command(parent, name);
    assert_ok_with_stdout(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `clade bench score --json` of the project in `parent/name`, whatever its
/// outcome (a rejection exits 1).
fn score_command(parent: &Path, name: &str) -> std::process::Output {
    let project = parent.join(name);
    clade_command(
        parent,
        &[
            "bench",
            "score",
            "--json",
            "--dir",
            parent.to_str().unwrap(),
            name,
            project.to_str().unwrap(),
        ],
    )
    .output()
    .unwrap()
}

fn example(name: &str) -> PathBuf {
    repo_root().join("examples/openevolve").join(name)
}

/// What OpenEvolve would get: the evaluator run natively on the program,
/// both in the same (native) interpreter.
fn native_metrics(python: &str, problem: &Path) -> Value {
    let script = format!(
        "import json, sys\nsys.path.insert(0, {dir:?})\nimport evaluator\nprint(json.dumps(evaluator.evaluate({program:?})))\n",
        dir = problem.display().to_string(),
        program = problem.join("initial_program.py").display().to_string(),
    );
    let out = std::process::Command::new(python)
        .args(["-c", &script])
        .env_clear()
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn an_evaluator_that_pickles_through_a_subprocess_scores_as_it_would_natively() {
    let Some(python) = evaluator_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let source = example("circle_packing");
    import(&source, dir.path(), "cp", &python);
    let scored = score(dir.path(), "cp");
    assert_eq!(scored["status"], "valid", "{scored}");
    let native = native_metrics(&python, &source);
    let (ours, theirs) = (
        scored["metrics"]["sum_radii"].as_f64().unwrap(),
        native["sum_radii"].as_f64().unwrap(),
    );
    // Two numpy builds (wasm and native) may round the last bit apart.
    assert!((ours - theirs).abs() < 1e-12, "{scored} {native}");
    assert!(ours > 0.9, "{scored}");
    assert!(scored["sandbox"]["fuel"].as_u64().unwrap() > 0, "{scored}");
}

/// examples/openevolve/tsp_constructive, the comparison harness's TSP: the
/// seed (nearest neighbour) scores ReEvo's published mean tour length for
/// it through the bridge, bit for bit, as natively; a program that answers
/// a visited city is rejected with the evaluator's error.
#[test]
fn the_tsp_example_scores_nearest_neighbour_as_reevo_published_it() {
    let Some(python) = evaluator_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let source = example("tsp_constructive");
    let project = import(&source, dir.path(), "tsp", &python);
    let scored = score(dir.path(), "tsp");
    assert_eq!(scored["status"], "valid", "{scored}");
    assert_eq!(
        scored["metrics"]["tour_length"], 6.891886602053466,
        "{scored}"
    );
    assert_eq!(scored["metrics"]["combined_score"], 1.0, "{scored}");
    let native = native_metrics(&python, &source);
    assert_eq!(native["tour_length"], 6.891886602053466, "{native}");

    let program = project.join("initial_program.py");
    let text = std::fs::read_to_string(&program).unwrap().replace(
        "return unvisited_nodes[np.argmin(distance_matrix[current_node][unvisited_nodes])]",
        "return current_node",
    );
    std::fs::write(&program, text).unwrap();
    let out = score_command(dir.path(), "tsp");
    assert!(!out.status.success());
    let rejected: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rejected["status"], "rejected", "{rejected}");
    assert!(
        rejected.to_string().contains("not an unvisited node"),
        "{rejected}"
    );
}

#[test]
fn an_evaluator_that_imports_the_program_calls_it_in_the_sandbox() {
    let Some(python) = evaluator_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let source = example("function_minimization");
    import(&source, dir.path(), "fm", &python);
    let scored = score(dir.path(), "fm");
    assert_eq!(scored["status"], "valid", "{scored}");
    let combined = scored["metrics"]["combined_score"].as_f64().unwrap();
    assert!(combined > 0.5 && combined < 1.0, "{scored}");
    // Its three calls ran in one sandboxed interpreter, which metered them.
    assert!(
        scored["sandbox"]["fuel"].as_u64().unwrap() > 100_000_000,
        "{scored}"
    );
}

/// Multi-start local search with scipy (in the sandbox): it finds the
/// global minimum the seed's random search only nears.
const SCIPY_SEARCH: &str = "def search_algorithm(iterations=300, bounds=(-5, 5)):
    from scipy.optimize import minimize

    best = None
    for x0 in np.linspace(bounds[0], bounds[1], 6):
        for y0 in np.linspace(bounds[0], bounds[1], 6):
            r = minimize(lambda p: evaluate_function(p[0], p[1]), [x0, y0], method=\"Nelder-Mead\")
            if best is None or r.fun < best.fun:
                best = r
    return best.x[0], best.x[1], evaluate_function(best.x[0], best.x[1])";

fn reply_for(n: usize) -> String {
    let replacement = match n % 2 {
        // The evaluator catches the failure and returns it as
        // metrics["error"]: a rejection with the evaluator's message.
        1 => {
            "def search_algorithm(iterations=300, bounds=(-5, 5)):\n    raise ValueError(\"no search today\")"
        }
        _ => SCIPY_SEARCH,
    };
    format!(
        "initial_program.py\n```python\n<<<<<<< SEARCH\ndef search_algorithm(iterations=300, bounds=(-5, 5)):\n=======\n{replacement}\n\ndef _seed_search_algorithm(iterations=300, bounds=(-5, 5)):\n>>>>>>> REPLACE\n```\n"
    )
}

#[test]
fn an_imported_problem_evolves_with_its_evaluator_unedited() {
    let Some(python) = evaluator_python() else {
        return;
    };
    let server = ScriptedServer::start_with(|n, _| Reply::openai(&reply_for(n), 50, 20)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let project = import(&example("function_minimization"), dir.path(), "fm", &python);
    // The imported config names OpenAI; point it at the scripted model.
    let config = project.join("clade.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let cut = text.find("[[llm.models]]").unwrap();
    let scripted = format!(
        "[[llm.models]]\nprovider = \"openai\"\nmodel = \"scripted\"\nbase_url = \"{}\"\napi_key_env = \"CLADE_TEST_KEY\"\nmax_retries = 0\n",
        server.url()
    );
    std::fs::write(&config, format!("{}{scripted}", &text[..cut])).unwrap();
    assert!(text.contains("[run]\niterations = 20\nseed = 42"), "{text}");
    commit_all(&project, "OpenEvolve problem");
    let out = clade_command(
        &project,
        &["run", "--json", "--name", "oe", "--iterations", "2"],
    )
    .env("CLADE_TEST_KEY", "k")
    .output()
    .unwrap();
    assert_ok(&out);
    let events = parse_events(&out);
    let variants: Vec<&Value> = events.iter().filter(|e| e["event"] == "variant").collect();
    let reasons: Vec<&str> = variants
        .iter()
        .filter_map(|v| v["reason"].as_str())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r
                .starts_with("scorer_rejected: the evaluator reported an error: no search today")),
        "{reasons:?}"
    );
    let seed = events.iter().find(|e| e["event"] == "seed").unwrap()["score"]
        .as_f64()
        .unwrap();
    let best = finish(&events)["best"]["score"].as_f64().unwrap();
    assert!(seed < 0.95 && best > 0.99, "seed {seed}, best {best}");
}

const HOSTILE_PROGRAM: &str = r#"# EVOLVE-BLOCK-START
import os
import sys


def probe():
    seen = {"secret": "CLADE_TEST_SECRET" in os.environ, "evaluator": "evaluator" in sys.modules}
    try:
        open("/etc/passwd").read()
        seen["passwd"] = True
    except OSError:
        seen["passwd"] = False
    try:
        import socket
        socket.create_connection(("127.0.0.1", 9), timeout=1)
        seen["socket"] = True
    except Exception:
        seen["socket"] = False
    return seen


class Boom:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        # Unpickling this natively would run code in the evaluator.
        return (exec, (f"open({self.marker!r}, 'w').close()",))


def write_pickle(path, marker):
    import pickle
    with open(path, "wb") as f:
        pickle.dump(Boom(marker), f)
    try:
        os.symlink("/etc/passwd", path + ".link")
        print("symlink made")
    except OSError as e:
        print("symlink refused:", e)


def spin():
    while True:
        pass
# EVOLVE-BLOCK-END
"#;

const HOSTILE_EVALUATOR: &str = r#"import importlib.util, os, pickle, shutil, subprocess, sys, tempfile


def evaluate(program_path):
    spec = importlib.util.spec_from_file_location("program", program_path)
    program = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(program)
    seen = program.probe()
    # A copy of the program loaded from the temporary folder is sandboxed too.
    copy = os.path.join(tempfile.mkdtemp(), "copied_program.py")
    shutil.copy(program_path, copy)
    spec = importlib.util.spec_from_file_location("copied", copy)
    copied = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(copied)
    seen_by_copy = copied.probe()
    marker = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pwned")
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(
            "import sys\n"
            f"sys.path.insert(0, {os.path.dirname(program_path)!r})\n"
            "import initial_program\n"
            f"initial_program.write_pickle({f.name + '.pkl'!r}, {marker!r})\n"
        )
    ran = subprocess.run([sys.executable, f.name], capture_output=True)
    try:
        with open(f.name + ".pkl", "rb") as g:
            pickle.load(g)
        unpickled = 1.0
    except pickle.UnpicklingError:
        unpickled = 0.0
    try:
        program.spin()
        timed_out = 0.0
    except TimeoutError:
        timed_out = 1.0
    return {
        "combined_score": 1.0,
        "script_exit": float(ran.returncode),
        "secret_seen": float(seen["secret"]),
        "evaluator_reachable": float(seen["evaluator"]),
        "copy_reaches_evaluator": float(seen_by_copy["evaluator"]),
        "passwd_read": float(seen["passwd"]),
        "socket_opened": float(seen["socket"]),
        "unpickled": unpickled,
        "pwned": float(os.path.exists(marker)),
        "symlink_made": float(b"symlink made" in ran.stdout),
        "symlink_left": float(os.path.lexists(f.name + ".pkl.link")),
        "evaluator_secret": float("CLADE_TEST_SECRET" in os.environ),
        "timed_out": timed_out,
    }
"#;

#[test]
fn a_hostile_program_reaches_neither_the_evaluator_nor_the_host() {
    let Some(python) = evaluator_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("problem");
    write(&source, "initial_program.py", HOSTILE_PROGRAM);
    write(&source, "evaluator.py", HOSTILE_EVALUATOR);
    write(&source, "config.yaml", "evaluator:\n  timeout: 30\n");
    let project = import(&source, dir.path(), "hostile", &python);
    // Each sandboxed run gets 3 s (the spin must end there), the evaluator 30.
    let config = project.join("clade.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("timeout_ms = 30000"), "{text}");
    std::fs::write(
        &config,
        text.replace("timeout_ms = 30000", "timeout_ms = 3000"),
    )
    .unwrap();
    let out = clade_command(
        dir.path(),
        &[
            "bench",
            "score",
            "--json",
            "--dir",
            dir.path().to_str().unwrap(),
            "hostile",
            dir.path().join("hostile").to_str().unwrap(),
        ],
    )
    .env("CLADE_TEST_SECRET", "sk-hostile")
    .output()
    .unwrap();
    assert_ok_with_stdout(&out);
    let scored: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(scored["status"], "valid", "{scored}");
    let metrics = &scored["metrics"];
    // wasmtime's WASI refuses a symlink whose target leaves the mount; if
    // one is ever made, the scrub after the run must have removed it.
    eprintln!("symlink made in the sandbox: {}", metrics["symlink_made"]);
    for (key, expected) in [
        ("script_exit", 0.0),
        ("secret_seen", 0.0),
        ("evaluator_reachable", 0.0),
        ("copy_reaches_evaluator", 0.0),
        ("passwd_read", 0.0),
        ("socket_opened", 0.0),
        ("unpickled", 0.0),
        ("pwned", 0.0),
        ("symlink_left", 0.0),
        // The evaluator is the user's trusted code: it keeps its environment.
        ("evaluator_secret", 1.0),
        ("timed_out", 1.0),
    ] {
        assert_eq!(metrics[key].as_f64(), Some(expected), "{key}: {scored}");
    }
    assert!(!dir.path().join("hostile/pwned").exists());
}
