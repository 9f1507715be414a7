//! Python programs in the wasm CPython: what works (numpy, tracebacks,
//! arguments, stdin, reproducible fuel) and what a hostile program cannot do.
//!
//! They need the runtime (`scripts/fetch-python.sh`); without it a test says
//! why it skipped, unless CLADE_REQUIRE_PYTHON is set (CI), where it fails.
//! The compiled runtime is cached beside the runtime (its `modules` folder), so only
//! the first run on a machine compiles it (minutes).

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use clade_sandbox::python::{PythonArtifacts, PythonProgram, PythonRunner, PythonSession};
use clade_sandbox::{DirMount, RunLimits, RunOutcome, RunRequest, RunStatus, SandboxError};

fn runner() -> Option<&'static PythonRunner> {
    static RUNNER: OnceLock<Option<PythonRunner>> = OnceLock::new();
    RUNNER
        .get_or_init(|| {
            let home = clade_sandbox::default_home();
            let artifacts = match PythonArtifacts::locate(&home) {
                Ok(found) => found,
                Err(why) => {
                    assert!(
                        std::env::var_os("CLADE_REQUIRE_PYTHON").is_none(),
                        "CLADE_REQUIRE_PYTHON is set but {why}"
                    );
                    eprintln!("skipped: {why}");
                    return None;
                }
            };
            let runner = PythonRunner::new(artifacts).expect("the Python runner starts");
            runner.warm().expect("the runtime compiles");
            Some(runner)
        })
        .as_ref()
}

fn limits() -> RunLimits {
    RunLimits {
        fuel: 50_000_000_000,
        memory_bytes: 512 << 20,
        timeout: Duration::from_secs(30),
        ..RunLimits::default()
    }
}

/// Runs `source` as `main.py` with `request`'s arguments, stdin and limits.
fn run_with(source: &str, request: RunRequest) -> Option<RunOutcome> {
    let runner = runner()?;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.py"), source).unwrap();
    let program = PythonProgram {
        dir: dir.path().to_path_buf(),
        entry: "main.py".into(),
    };
    Some(runner.run(&program, &request).unwrap())
}

fn run(source: &str) -> Option<RunOutcome> {
    run_with(
        source,
        RunRequest {
            limits: limits(),
            ..RunRequest::default()
        },
    )
}

fn stdout(outcome: &RunOutcome) -> String {
    String::from_utf8_lossy(&outcome.stdout).into_owned()
}

fn stderr(outcome: &RunOutcome) -> String {
    String::from_utf8_lossy(&outcome.stderr).into_owned()
}

/// Runs `source` and asserts that it raised (exit code 1) an exception
/// whose traceback names `error`.
fn raises(source: &str, error: &str) -> Option<RunOutcome> {
    let out = run(source)?;
    assert_eq!(out.exit_code, Some(1), "{out:?}");
    assert!(stderr(&out).contains(error), "{}", stderr(&out));
    Some(out)
}

#[test]
fn a_program_prints_and_exits_zero() {
    let Some(out) = run("print(6 * 7)") else {
        return;
    };
    assert_eq!((out.status, out.exit_code), (RunStatus::Exited, Some(0)));
    assert_eq!(stdout(&out), "42\n");
    assert!(out.fuel_used.is_some_and(|f| f > 0));
}

#[test]
fn numpy_and_scipy_are_built_in() {
    let source = "import numpy as np, scipy.optimize as so\n\
                  r = so.minimize_scalar(lambda x: (x - 3.0) ** 2)\n\
                  print(int(np.arange(5).sum()), round(float(r.x), 3))";
    let Some(out) = run(source) else { return };
    assert_eq!(stdout(&out), "10 3.0\n", "stderr: {}", stderr(&out));
}

#[test]
fn an_exception_exits_one_with_its_traceback() {
    let Some(out) = run("def f():\n    raise ValueError('bad radius')\nf()\n") else {
        return;
    };
    assert_eq!((out.status, out.exit_code), (RunStatus::Exited, Some(1)));
    let err = stderr(&out);
    assert!(err.contains("Traceback"), "{err}");
    assert!(err.contains("/candidate/main.py\", line 2, in f"), "{err}");
    assert!(err.contains("ValueError: bad radius"), "{err}");
}

#[test]
fn sys_exit_sets_the_exit_code() {
    let Some(out) = run("import sys\nsys.exit(3)") else {
        return;
    };
    assert_eq!((out.status, out.exit_code), (RunStatus::Exited, Some(3)));
}

#[test]
fn arguments_and_stdin_reach_the_program() {
    let request = RunRequest {
        args: vec!["--n".into(), "5".into()],
        stdin: b"1 2 3\n".to_vec(),
        limits: limits(),
        ..RunRequest::default()
    };
    let source = "import sys\nprint(sys.argv[1:], sum(map(int, sys.stdin.read().split())))";
    let Some(out) = run_with(source, request) else {
        return;
    };
    assert_eq!(stdout(&out), "['--n', '5'] 6\n", "{}", stderr(&out));
}

#[test]
fn randomness_and_fuel_repeat_for_a_seed_and_differ_across_seeds() {
    let source = "import random, os\nprint(random.random(), os.urandom(4).hex())";
    let with_seed = |seed| {
        run_with(
            source,
            RunRequest {
                limits: limits(),
                random_seed: seed,
                ..RunRequest::default()
            },
        )
    };
    let (Some(a), Some(b), Some(c)) = (with_seed(7), with_seed(7), with_seed(8)) else {
        return;
    };
    assert_eq!((stdout(&a), a.fuel_used), (stdout(&b), b.fuel_used));
    assert_ne!(stdout(&a), stdout(&c));
}

// --- hostile programs -----------------------------------------------------

#[test]
fn host_files_do_not_exist_for_it() {
    let Some(out) = run("open('/etc/passwd').read()") else {
        return;
    };
    assert_eq!(out.exit_code, Some(1));
    assert!(
        stderr(&out).contains("FileNotFoundError"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_environment_holds_nothing_of_the_hosts() {
    // SAFETY: set before any thread of this test reads the environment;
    // the runner gives guests nothing from it either way.
    unsafe { std::env::set_var("CLADE_TEST_SECRET", "sk-do-not-leak") };
    let Some(out) = run("import os\nprint(sorted(os.environ.items()))") else {
        return;
    };
    assert_eq!(
        stdout(&out),
        "[('PYTHONTZPATH', ''), ('TMPDIR', '/tmp')]\n",
        "{}",
        stderr(&out)
    );
}

#[test]
fn sockets_cannot_connect() {
    let source = "import socket\n\
                  s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n\
                  s.connect(('127.0.0.1', 22))";
    raises(source, "Error");
}

#[test]
fn subprocesses_cannot_start() {
    let source = "import subprocess\nsubprocess.run(['/bin/sh', '-c', 'echo escaped'])";
    let Some(out) = raises(source, "Error") else {
        return;
    };
    assert!(!stdout(&out).contains("escaped"));
}

#[test]
fn ctypes_is_not_there() {
    raises("import ctypes\nctypes.CDLL(None)", "Error");
}

#[test]
fn an_endless_loop_runs_out_of_fuel() {
    let request = RunRequest {
        limits: RunLimits {
            fuel: 2_000_000_000,
            ..limits()
        },
        ..RunRequest::default()
    };
    let Some(out) = run_with("while True:\n    pass\n", request) else {
        return;
    };
    assert_eq!(out.status, RunStatus::OutOfFuel);
}

#[test]
fn an_endless_loop_without_a_fuel_cap_meets_the_deadline() {
    let request = RunRequest {
        limits: RunLimits {
            fuel: u64::MAX,
            timeout: Duration::from_millis(1500),
            ..limits()
        },
        ..RunRequest::default()
    };
    let Some(out) = run_with("while True:\n    pass\n", request) else {
        return;
    };
    assert_eq!(out.status, RunStatus::Timeout);
    assert!(out.wall_ms < 5_000.0, "{} ms", out.wall_ms);
}

#[test]
fn a_memory_bomb_hits_the_memory_limit() {
    let request = RunRequest {
        limits: RunLimits {
            memory_bytes: 128 << 20,
            ..limits()
        },
        ..RunRequest::default()
    };
    let Some(out) = run_with("x = bytearray(512 * 1024 * 1024)\nprint(len(x))", request) else {
        return;
    };
    // CPython turns a refused allocation into MemoryError (exit 1); a
    // refused grow of the heap itself ends the run at the limit.
    assert!(
        out.status == RunStatus::MemoryLimit
            || (out.exit_code == Some(1) && stderr(&out).contains("MemoryError")),
        "{:?} {}",
        out.status,
        stderr(&out)
    );
    assert!(out.peak_memory_bytes <= 128 << 20);
    assert!(stdout(&out).is_empty());
}

#[test]
fn unbounded_recursion_ends_at_the_memory_limit() {
    // CPython 3.15 keeps Python frames on its heap, not the wasm stack: with
    // the recursion limit lifted, the frames grow until the memory cap.
    let source = "import sys\nsys.setrecursionlimit(10**9)\n\
                  def f(n):\n    return f(n + 1) + 1\nf(0)";
    let request = RunRequest {
        limits: RunLimits {
            memory_bytes: 128 << 20,
            ..limits()
        },
        ..RunRequest::default()
    };
    let Some(out) = run_with(source, request) else {
        return;
    };
    assert_eq!(out.status, RunStatus::MemoryLimit, "{}", stderr(&out));
}

#[test]
fn deep_recursion_under_the_default_limit_is_a_recursion_error() {
    raises("def f(n):\n    return f(n + 1) + 1\nf(0)", "RecursionError");
}

#[test]
fn a_mounted_input_cannot_be_written() {
    let inputs = tempfile::tempdir().unwrap();
    std::fs::write(inputs.path().join("data.txt"), "original").unwrap();
    let request = RunRequest {
        dirs: vec![DirMount {
            host: inputs.path().to_path_buf(),
            guest: "/inputs".into(),
            writable: false,
        }],
        limits: limits(),
        ..RunRequest::default()
    };
    let source = "print(open('/inputs/data.txt').read())\n\
                  open('/inputs/data.txt', 'w').write('changed')";
    let Some(out) = run_with(source, request) else {
        return;
    };
    assert_eq!(stdout(&out), "original\n");
    assert_eq!(out.exit_code, Some(1));
    assert!(stderr(&out).contains("Error"), "{}", stderr(&out));
    let after = std::fs::read_to_string(inputs.path().join("data.txt")).unwrap();
    assert_eq!(after, "original");
}

/// A writable mount (a trusted caller's scratch folder) takes the guest's
/// files, but not a symlink leading out of it.
#[test]
fn a_writable_mount_takes_files_but_no_way_out() {
    let scratch = tempfile::tempdir().unwrap();
    let request = RunRequest {
        dirs: vec![DirMount {
            host: scratch.path().to_path_buf(),
            guest: "/scratch".into(),
            writable: true,
        }],
        limits: limits(),
        ..RunRequest::default()
    };
    let source = "import os\n\
                  open('/scratch/result.txt', 'w').write('42')\n\
                  os.makedirs('/scratch/sub')\n\
                  try:\n    os.symlink('/etc/passwd', '/scratch/sub/link')\n    print('linked')\n\
                  except OSError as e:\n    print('refused', e.errno)\n\
                  try:\n    open('/scratch/../escape.txt', 'w').write('x')\n    print('escaped')\n\
                  except OSError as e:\n    print('refused', e.errno)";
    let Some(out) = run_with(source, request) else {
        return;
    };
    assert_eq!(out.exit_code, Some(0), "{}", stderr(&out));
    let result = std::fs::read_to_string(scratch.path().join("result.txt")).unwrap();
    assert_eq!(result, "42");
    assert!(scratch.path().join("sub").is_dir());
    assert!(std::fs::symlink_metadata(scratch.path().join("sub/link")).is_err());
    assert!(!scratch.path().parent().unwrap().join("escape.txt").exists());
    assert!(
        !stdout(&out).contains("linked") && !stdout(&out).contains("escaped"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn its_own_folder_is_read_only_too() {
    let Some(out) = run("open('/candidate/main.py', 'w').write('print(0)')") else {
        return;
    };
    assert_eq!(out.exit_code, Some(1));
}

#[test]
fn output_past_the_cap_is_cut_and_flagged() {
    let request = RunRequest {
        limits: RunLimits {
            stdout_bytes: 1000,
            ..limits()
        },
        ..RunRequest::default()
    };
    let Some(out) = run_with("import sys\nsys.stdout.write('x' * 100000)", request) else {
        return;
    };
    assert_eq!(out.stdout.len(), 1000);
    assert!(out.stdout_truncated);
}

#[test]
fn a_fake_score_is_only_stdout() {
    // The program can print whatever it likes; what it prints is data for
    // the host's scorer, never a verdict: the run reports its real status.
    let source = "print('{\"score\": 1e9, \"status\": \"exited\"}')\nraise SystemExit(2)";
    let Some(out) = run(source) else { return };
    assert_eq!((out.status, out.exit_code), (RunStatus::Exited, Some(2)));
}

#[test]
fn the_runtimes_folders_cannot_be_shadowed_by_a_mount() {
    let Some(runner) = runner() else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.py"), "print(1)").unwrap();
    let program = PythonProgram {
        dir: dir.path().to_path_buf(),
        entry: "main.py".into(),
    };
    let request = RunRequest {
        dirs: vec![DirMount {
            host: dir.path().to_path_buf(),
            guest: "/usr/local/lib".into(),
            writable: false,
        }],
        limits: limits(),
        ..RunRequest::default()
    };
    let err = runner.run(&program, &request).unwrap_err();
    assert!(matches!(err, SandboxError::Mount { .. }), "{err}");
}

#[test]
fn a_missing_runtime_names_the_fetch_command() {
    let empty = tempfile::tempdir().unwrap();
    let err = PythonArtifacts::locate(Path::new(empty.path())).unwrap_err();
    assert!(err.to_string().contains("scripts/fetch-python.sh"), "{err}");
}

/// Starts a session of a program whose script is `source`, with `setup`;
/// `body` gets the session, and its result comes back with the outcome.
fn with_session<T: Send>(
    source: &str,
    setup: &str,
    limits: RunLimits,
    body: impl FnOnce(&mut PythonSession<'_>) -> T + Send,
) -> Option<(T, RunOutcome)> {
    let runner = runner()?;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.py"), source).unwrap();
    let program = PythonProgram {
        dir: dir.path().to_path_buf(),
        entry: "main.py".into(),
    };
    let request = RunRequest {
        limits,
        ..RunRequest::default()
    };
    let ran = runner
        .with_session(&program, setup, &request, body)
        .unwrap();
    Some(ran.expect("the runtime instantiates"))
}

/// Loads main.py as the function benchmarks do, and defines `ask()`, which
/// answers the question at the door with the program's `answer(question)`.
const ASK: &str = r#"import runpy, _host
ns = runpy.run_path("/candidate/main.py", run_name="candidate")
def ask():
    _host.call(ns["answer"](_host.call(b"")))
"#;

#[test]
fn a_session_answers_each_turn_through_the_door() {
    let source = "def answer(q):\n    return q[::-1] + b'!'\n";
    let Some((answers, outcome)) = with_session(source, ASK, limits(), |python| {
        [b"abc".as_slice(), b"", b"xy"].map(|q| python.turn("ask()", q).unwrap())
    }) else {
        return;
    };
    assert_eq!(answers, [b"cba!".to_vec(), b"!".to_vec(), b"yx!".to_vec()]);
    assert_eq!(outcome.status, RunStatus::Exited, "{outcome:?}");
    assert_eq!(outcome.exit_code, Some(0));
}

#[test]
fn state_lasts_across_turns_and_a_restart_forgets_it() {
    let source =
        "seen = []\ndef answer(q):\n    seen.append(q)\n    return str(len(seen)).encode()\n";
    let Some((answers, _)) = with_session(source, ASK, limits(), |python| {
        let mut answers = Vec::new();
        for _ in 0..2 {
            answers.push(python.turn("ask()", b"q").unwrap());
        }
        python.restart().unwrap();
        answers.push(python.turn("ask()", b"q").unwrap());
        answers
    }) else {
        return;
    };
    assert_eq!(answers, [b"1".to_vec(), b"2".to_vec(), b"1".to_vec()]);
}

#[test]
fn an_exception_poisons_the_session_with_its_traceback_on_stderr() {
    let source = "def answer(q):\n    return {}['missing_key']\n";
    let Some(((first, second), outcome)) = with_session(source, ASK, limits(), |python| {
        (python.turn("ask()", b"q"), python.turn("ask()", b"q"))
    }) else {
        return;
    };
    let first = first.unwrap_err();
    assert_eq!(first.status, RunStatus::Exited);
    assert!(
        first
            .message
            .contains("raised an exception or called sys.exit"),
        "{first}"
    );
    assert_eq!(second.unwrap_err(), first, "later turns repeat the failure");
    assert_eq!(outcome.status, RunStatus::Exited);
    let stderr = stderr(&outcome);
    assert!(
        stderr.contains("main.py\", line 2") && stderr.contains("KeyError: 'missing_key'"),
        "{stderr}"
    );
}

#[test]
fn a_failing_setup_is_what_the_first_turn_reports() {
    let Some((first, outcome)) = with_session("syntax error here", ASK, limits(), |python| {
        python.turn("ask()", b"q")
    }) else {
        return;
    };
    assert!(
        first
            .unwrap_err()
            .message
            .contains("raised an exception or called sys.exit")
    );
    assert!(
        stderr(&outcome).contains("SyntaxError"),
        "{}",
        stderr(&outcome)
    );
}

#[test]
fn a_turn_that_sends_no_answer_fails() {
    let Some((turn, _)) = with_session("", "", limits(), |python| python.turn("x = 1", b"q"))
    else {
        return;
    };
    let err = turn.unwrap_err();
    assert!(err.message.contains("sent no answer"), "{err}");
}

#[test]
fn one_fuel_budget_covers_every_turn_and_restart() {
    let source = "def answer(q):\n    return str(sum(range(100_000))).encode()\n";
    let limits = RunLimits {
        fuel: 3_000_000_000,
        ..limits()
    };
    let Some((turns, outcome)) = with_session(source, ASK, limits, |python| {
        let mut turns = 0;
        while python.turn("ask()", b"q").is_ok() && turns < 10_000 {
            turns += 1;
            if turns % 50 == 0 && python.restart().is_err() {
                break;
            }
        }
        turns
    }) else {
        return;
    };
    assert_eq!(outcome.status, RunStatus::OutOfFuel, "{outcome:?}");
    assert!((1..10_000).contains(&turns), "{turns} turns");
}

#[test]
fn a_plain_run_finds_no_host_behind_the_door() {
    let Some(out) = run(
        "import _host\ntry:\n    _host.call(b'hello')\nexcept ConnectionRefusedError:\n    print('refused')\n",
    ) else {
        return;
    };
    assert_eq!(stdout(&out), "refused\n", "{}", stderr(&out));
}
