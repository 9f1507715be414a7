//! Shared helpers: one builder work dir per test target (dependencies compile
//! once across tests and runs) and the hostile guests under `sandbox/guests/`.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use clade_sandbox::{
    BuildOutcome, BuildStatus, Builder, BuilderConfig, HostImports, RunLimits, Runner, RunnerConfig,
};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

pub fn guest_dir(name: &str) -> PathBuf {
    repo_root().join("sandbox/guests").join(name)
}

pub fn work_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("clade-test-build")
}

pub fn builder() -> &'static Builder {
    static BUILDER: OnceLock<Builder> = OnceLock::new();
    BUILDER.get_or_init(|| {
        Builder::new(BuilderConfig {
            work_dir: work_dir(),
            timeout: Duration::from_secs(300),
            ..BuilderConfig::default()
        })
        .expect("builder (is bubblewrap installed? scripts/test.sh installs it)")
    })
}

pub fn build(dir: &Path) -> BuildOutcome {
    builder().build(dir).expect("host error while building")
}

/// The wasm of `sandbox/guests/<name>`, built once per test process.
pub fn guest(name: &str) -> Vec<u8> {
    static CACHE: OnceLock<Mutex<HashMap<String, Vec<u8>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(wasm) = cache.lock().unwrap().get(name) {
        return wasm.clone();
    }
    let outcome = build(&guest_dir(name));
    assert_eq!(
        outcome.status,
        BuildStatus::Ok,
        "guest {name} failed to build: {outcome:#?}"
    );
    let wasm = std::fs::read(outcome.wasm.unwrap()).unwrap();
    cache.lock().unwrap().insert(name.to_string(), wasm.clone());
    wasm
}

pub fn runner() -> Runner {
    runner_with(HostImports::new())
}

pub fn runner_with(host_imports: HostImports) -> Runner {
    Runner::new(RunnerConfig {
        cache_dir: Some(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("clade-test-modules")),
        host_imports,
        ..RunnerConfig::default()
    })
    .expect("runner")
}

pub fn limits() -> RunLimits {
    RunLimits {
        fuel: 5_000_000_000,
        memory_bytes: 64 << 20,
        timeout: Duration::from_secs(5),
        stdout_bytes: 64 << 10,
        stderr_bytes: 16 << 10,
    }
}

/// Every file below `dir` with its contents, to prove nothing changed.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.push((path.clone(), Vec::new()));
                stack.push(path);
            } else {
                out.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}
