//! The host side of Clade's sandbox.
//!
//! Every candidate an LLM writes is hostile code. This crate is the only place
//! in Clade that knows wasmtime, and it owns the two steps that touch such code:
//!
//! - [`Builder`] turns a candidate crate (its `src/**/*.rs` only; the host owns
//!   `Cargo.toml` and `Cargo.lock`) into a `wasm32-wasip1` module. The build
//!   runs offline and `--locked`, with a cleared environment, inside bubblewrap
//!   (no network, toolchain read-only, only the build and target directories
//!   writable) and under a timeout that kills the whole process tree. Outputs
//!   are keyed by a hash of the sources, so a stale wasm can never be returned.
//! - [`Runner`] runs a module in wasmtime with nothing inherited: explicit
//!   arguments and stdin bytes, no environment, optional read-only directories,
//!   bounded stdout/stderr, a fuel limit, a memory limit, a wall-clock deadline
//!   (which also bounds blocking WASI calls such as `sleep`) and a maximum wasm
//!   stack. Compiled modules are cached on disk by content hash.
//!
//! Whatever a candidate does, the result is a value ([`RunOutcome`],
//! [`BuildOutcome`]); [`SandboxError`] is reserved for faults of the host
//! itself (an unreadable cache directory, a missing toolchain, bad usage).
//!
//! Guests may call host functions registered in [`HostImports`] through the
//! `clade` import module; the guest side of that ABI is the `clade-guest` crate
//! under `sandbox/guest-sdk`.

mod builder;
mod error;
pub mod process;
pub mod python;
mod runner;

pub use builder::{
    BuildLimits, BuildOutcome, BuildStatus, Builder, BuilderConfig, Isolation, ProjectCrate,
    TestBinaries, TestBuild, Vendored, Workspace,
};
pub use error::SandboxError;
pub use runner::host_imports::{HostFn, HostImports, RunHost};
pub use runner::outcome::{RunOutcome, RunStatus};
pub use runner::{
    CallError, DirMount, RunLimits, RunRequest, Runner, RunnerConfig, RunnerStats, Session,
    TrustedModule, Value,
};

/// The engine version, as pinned in the workspace manifest (a test holds
/// them together).
const WASMTIME: &str = "48.0.8";

/// What decides how this machine builds and runs a candidate, in words: the
/// engine, the candidate template (manifest, lock, guest SDK) and the Rust
/// toolchain on `PATH` (`rustc --version`; `none` without one). Equal words
/// on two machines mean equal evaluations of equal candidates; distributed
/// evaluation matches jobs to workers by them.
pub fn environment() -> String {
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "rustc none".into());
    let template = builder::candidate_fingerprint();
    format!(
        "wasmtime {WASMTIME}; candidate template {}; {rustc}",
        &template[..16]
    )
}

/// Where Clade keeps its caches unless told otherwise: `$CLADE_HOME`, else
/// `$XDG_CACHE_HOME/clade`, else `~/.cache/clade`.
pub fn default_home() -> std::path::PathBuf {
    if let Some(home) = std::env::var_os("CLADE_HOME") {
        return home.into();
    }
    if let Some(cache) = std::env::var_os("XDG_CACHE_HOME") {
        return std::path::PathBuf::from(cache).join("clade");
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| ".".into());
    std::path::PathBuf::from(home).join(".cache").join("clade")
}

/// Lowercase hex of a SHA-256 digest.
pub(crate) fn sha256_hex(parts: &[&[u8]]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in parts {
        // Length-prefix each part so ("ab","c") and ("a","bc") differ.
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    // generic-array's LowerHex: the one hex encoding of a digest.
    format!("{:x}", hasher.finalize())
}

/// Lowercase hex of the plain SHA-256 of `bytes` (what `sha256sum` prints).
pub(crate) fn sha256_plain_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(bytes))
}

#[cfg(test)]
mod environment_tests {
    #[test]
    fn the_engine_version_is_the_pinned_one() {
        let manifest = include_str!("../../../Cargo.toml");
        let pin = format!("wasmtime = {{ version = \"={}\"", super::WASMTIME);
        assert!(manifest.contains(&pin), "Cargo.toml does not pin {pin}");
        assert!(super::environment().starts_with(&format!(
            "wasmtime {}; candidate template ",
            super::WASMTIME
        )));
    }
}
