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
