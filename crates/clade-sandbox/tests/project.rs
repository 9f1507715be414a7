//! A user's crate with its own manifest, lock and registry dependencies
//! (serde with its derive macro, serde_json with its build script): vendored
//! once with the network, then built offline in the sandbox, its tests
//! built for wasm32-wasip1 and run in the runner. Needs crates.io (the
//! first run vendors; later runs reuse the vendor folder and the compiled
//! dependencies).

mod common;

use std::path::Path;
use std::process::Command;

use clade_sandbox::{BuildStatus, ProjectCrate, RunRequest, Runner, RunnerConfig};
use common::builder;

const MANIFEST: &str = r#"[package]
name = "demo-deps"
version = "0.1.0"
edition = "2021"

[dependencies]
serde = { version = "1", features = ["derive"] }
serde_json = "1"
"#;

const LIB: &str = "pub fn double(x: i32) -> i32 {\n    x * 2\n}\n";

const MAIN: &str = r#"use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Point {
    x: i32,
    y: i32,
}

fn main() {
    let p: Point = serde_json::from_str("{\"x\":1,\"y\":2}").unwrap();
    let q = Point { x: p.x + 1, y: demo_deps::double(p.y) };
    println!("{}", serde_json::to_string(&q).unwrap());
}
"#;

const TESTS: &str = "#[test]\nfn doubles() {\n    assert_eq!(demo_deps::double(2), 4);\n}\n\n#[test]\nfn doubles_negatives() {\n    assert_eq!(demo_deps::double(-3), -6);\n}\n";

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The demo crate with its lock (made with the network, as a user would).
fn demo() -> (tempfile::TempDir, ProjectCrate) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Cargo.toml", MANIFEST);
    write(dir.path(), "src/lib.rs", LIB);
    write(dir.path(), "src/main.rs", MAIN);
    write(dir.path(), "tests/it.rs", TESTS);
    write(
        dir.path(),
        "src/bin/bench.rs",
        "fn main() {\n    println!(\"{}\", demo_deps::double(21));\n}\n",
    );
    let lock = Command::new("cargo")
        .args(["generate-lockfile", "--quiet"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        lock.status.success(),
        "{}",
        String::from_utf8_lossy(&lock.stderr)
    );
    let vendor = builder().vendor(dir.path()).expect("cargo vendor");
    let project = ProjectCrate {
        manifest: MANIFEST.as_bytes().to_vec(),
        lock: std::fs::read(dir.path().join("Cargo.lock")).unwrap(),
        vendor,
        bin: None,
        workspace: None,
    };
    (dir, project)
}

/// `main` made unique to this run, so no build comes from the output cache.
fn fresh_main(main: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("#[allow(dead_code)]\nconst BUILD_ID: u128 = {nanos};\n{main}")
}

fn run(wasm: &Path, args: &[&str]) -> clade_sandbox::RunOutcome {
    let runner = Runner::new(RunnerConfig::default()).unwrap();
    let bytes = std::fs::read(wasm).unwrap();
    runner
        .run(
            &bytes,
            &RunRequest {
                args: args.iter().map(|a| a.to_string()).collect(),
                ..RunRequest::default()
            },
        )
        .unwrap()
}

#[test]
fn a_crate_with_registry_dependencies_builds_offline_and_its_tests_run() {
    let (dir, project) = demo();
    write(dir.path(), "src/main.rs", &fresh_main(MAIN));
    let first = builder().build_project(dir.path(), &project).unwrap();
    assert_eq!(first.status, BuildStatus::Ok, "{first:#?}");
    let out = run(first.wasm.as_ref().unwrap(), &[]);
    assert_eq!(out.stdout_text(), "{\"x\":2,\"y\":4}\n", "{out:?}");

    // A second candidate: the dependencies are already compiled.
    write(
        dir.path(),
        "src/main.rs",
        &fresh_main(&MAIN.replace("p.x + 1", "p.x + 10")),
    );
    let second = builder().build_project(dir.path(), &project).unwrap();
    assert_eq!(second.status, BuildStatus::Ok, "{second:#?}");
    assert_eq!(
        run(second.wasm.as_ref().unwrap(), &[]).stdout_text(),
        "{\"x\":11,\"y\":4}\n"
    );
    assert!(!first.cached && !second.cached, "{first:?} {second:?}");
    eprintln!(
        "first build {:.0} ms (dependencies included unless compiled by an earlier run), second {:.0} ms",
        first.build_ms, second.build_ms
    );

    // Another binary of the crate, chosen by name (a library's benchmark).
    let bench = ProjectCrate {
        bin: Some("bench".into()),
        ..project.clone()
    };
    let built = builder().build_project(dir.path(), &bench).unwrap();
    assert_eq!(built.status, BuildStatus::Ok, "{built:#?}");
    assert_eq!(run(built.wasm.as_ref().unwrap(), &[]).stdout_text(), "42\n");
    let missing = ProjectCrate {
        bin: Some("nothing".into()),
        ..project.clone()
    };
    let none = builder().build_project(dir.path(), &missing).unwrap();
    assert_eq!(none.status, BuildStatus::BuildFailed);
    assert!(none.reason.unwrap().contains("no binary `nothing`"));

    let tests = builder().build_project_tests(dir.path(), &project).unwrap();
    assert_eq!(tests.status, BuildStatus::Ok, "{tests:#?}");
    let names: Vec<&str> = tests.binaries.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"it"), "{names:?}");
    let (_, it) = tests.binaries.iter().find(|(n, _)| n == "it").unwrap();
    let listed = run(it, &["--list", "--format", "terse"]);
    assert_eq!(
        listed.stdout_text(),
        "doubles: test\ndoubles_negatives: test\n",
        "{listed:?}"
    );
    let passed = run(it, &["--exact", "doubles"]);
    assert!(passed.succeeded(), "{passed:?}");
    assert!(passed.stdout_text().contains("test doubles ... ok"));

    // A candidate that breaks the function fails the test: with panic =
    // abort the test binary traps.
    write(dir.path(), "src/lib.rs", &LIB.replace("x * 2", "x + 2"));
    let broken = builder().build_project_tests(dir.path(), &project).unwrap();
    let (_, it) = broken.binaries.iter().find(|(n, _)| n == "it").unwrap();
    assert!(
        run(it, &["--exact", "doubles"]).succeeded(),
        "2 + 2 is 4 too"
    );
    let failed = run(it, &["--exact", "doubles_negatives"]);
    assert!(!failed.succeeded(), "{failed:?}");
}

#[test]
fn a_candidate_may_not_touch_the_manifest_or_add_a_build_script() {
    let (dir, project) = demo();
    write(
        dir.path(),
        "Cargo.toml",
        &format!("{MANIFEST}rand = \"0.8\"\n"),
    );
    let changed = builder().build_project(dir.path(), &project).unwrap();
    assert_eq!(changed.status, BuildStatus::Rejected);
    assert!(changed.reason.unwrap().contains("Cargo.toml"));

    write(dir.path(), "Cargo.toml", MANIFEST);
    write(dir.path(), "build.rs", "fn main() {}\n");
    let script = builder().build_project(dir.path(), &project).unwrap();
    assert_eq!(script.status, BuildStatus::Rejected);
    assert!(script.reason.unwrap().contains("build.rs"));
}
