//! `clade sandbox build|run` through the real binary: the JSON contract, exit
//! codes and one-line errors.

use std::path::Path;
use std::process::Output;

use crate::env::repo_root;
use serde_json::Value;

/// `clade <args>` in the checkout.
fn clade(args: &[&str]) -> Output {
    crate::env::clade(&repo_root(), args)
}

fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "clade failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    assert_eq!(
        stdout.lines().count(),
        1,
        "expected one JSON line: {stdout}"
    );
    serde_json::from_str(&stdout).unwrap()
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    keys
}

fn guest(name: &str) -> String {
    repo_root()
        .join("sandbox/guests")
        .join(name)
        .display()
        .to_string()
}

fn build_wasm(name: &str) -> String {
    let built = json(&clade(&["sandbox", "build", &guest(name), "--json"]));
    assert_eq!(built["status"], "ok", "{built}");
    built["wasm"].as_str().unwrap().to_string()
}

#[test]
fn build_then_run_follows_the_json_contract() {
    let built = json(&clade(&["sandbox", "build", &guest("hello"), "--json"]));
    for key in ["status", "wasm", "reason", "diagnostics", "build_ms"] {
        assert!(built.get(key).is_some(), "missing {key}: {built}");
    }
    assert_eq!(built["status"], "ok");
    assert!(built["build_ms"].as_f64().unwrap() >= 0.0);
    let wasm = built["wasm"].as_str().unwrap();
    assert!(Path::new(wasm).is_file());

    let tmp = tempfile::tempdir().unwrap();
    let stdin = tmp.path().join("stdin.txt");
    std::fs::write(&stdin, "from a file").unwrap();
    let ran = json(&clade(&[
        "sandbox",
        "run",
        wasm,
        "--json",
        "--fuel",
        "100000000",
        "--memory-mb",
        "32",
        "--timeout-ms",
        "5000",
        "--stdin",
        stdin.to_str().unwrap(),
        "--",
        "x",
        "--not-a-flag",
    ]));
    assert_eq!(
        keys(&ran),
        [
            "exit_code",
            "fuel_used",
            "peak_memory_bytes",
            "status",
            "stderr",
            "stderr_truncated",
            "stdout",
            "stdout_truncated",
            "trap",
            "wall_ms"
        ]
    );
    assert_eq!(ran["status"], "exited");
    assert_eq!(ran["exit_code"], 0);
    assert_eq!(ran["trap"], Value::Null);
    assert_eq!(
        ran["stdout"],
        "args=[\"candidate\", \"x\", \"--not-a-flag\"]\nstdin=from a file\nenv_vars=0\n"
    );
    assert_eq!(ran["stdout_truncated"], false);
    assert!(ran["fuel_used"].as_u64().unwrap() > 0);
}

#[test]
fn a_candidate_failing_is_still_exit_code_zero() {
    let rejected = json(&clade(&[
        "sandbox",
        "build",
        &guest("attack-build-rs"),
        "--json",
    ]));
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["wasm"], Value::Null);
    assert!(rejected["reason"].as_str().unwrap().contains("build.rs"));

    let failed = json(&clade(&[
        "sandbox",
        "build",
        &guest("compile-error"),
        "--json",
    ]));
    assert_eq!(failed["status"], "build_failed");
    assert!(
        failed["diagnostics"]
            .as_str()
            .unwrap()
            .contains("mismatched types")
    );

    let spin = build_wasm("spin");
    let ran = json(&clade(&[
        "sandbox",
        "run",
        &spin,
        "--json",
        "--timeout-ms",
        "200",
        "--fuel",
        "100000000000",
    ]));
    assert_eq!(ran["status"], "timeout");
    assert_eq!(ran["fuel_used"], Value::Null);
    let ran = json(&clade(&[
        "sandbox", "run", &spin, "--json", "--fuel", "1000",
    ]));
    assert_eq!(ran["status"], "out_of_fuel");
}

#[test]
fn dir_mounts_are_read_only() {
    let escape = build_wasm("escape");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("data.txt"), "mounted").unwrap();
    let mount = format!("{}:/input", tmp.path().display());
    let read = json(&clade(&[
        "sandbox",
        "run",
        &escape,
        "--json",
        "--dir",
        &mount,
        "--",
        "read-input",
    ]));
    assert!(
        read["stdout"].as_str().unwrap().contains("\"mounted\""),
        "{read}"
    );
    let write = json(&clade(&[
        "sandbox", "run", &escape, "--json", "--dir", &mount, "--", "write-ro",
    ]));
    assert!(
        !write["stdout"].as_str().unwrap().contains("LEAK"),
        "{write}"
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("data.txt")).unwrap(),
        "mounted"
    );
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn bad_usage_and_missing_files_fail_with_one_line() {
    let missing = clade(&["sandbox", "run", "/no/such/module.wasm", "--json"]);
    assert!(!missing.status.success());
    let stderr = String::from_utf8(missing.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains("/no/such/module.wasm"),
        "{stderr}"
    );
    assert!(missing.stdout.is_empty());

    let noop = build_wasm("noop");
    let missing_stdin = clade(&["sandbox", "run", &noop, "--stdin", "/no/such/input"]);
    assert!(!missing_stdin.status.success());
    assert!(String::from_utf8_lossy(&missing_stdin.stderr).contains("/no/such/input"));

    let bad_dir = clade(&["sandbox", "run", &noop, "--dir", "no-colon-here"]);
    assert!(!bad_dir.status.success());
    assert!(String::from_utf8_lossy(&bad_dir.stderr).contains("HOST_DIR:GUEST_DIR"));

    let no_crate = clade(&["sandbox", "build", "/no/such/crate", "--json"]);
    assert!(!no_crate.status.success());
    assert!(String::from_utf8_lossy(&no_crate.stderr).contains("/no/such/crate"));
}
