//! Errors of the controller. A failing candidate is never one of these: it is
//! a rejected variant. These are faults of the setup or of the host.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum EvolveError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),

    /// The run cannot start as configured; the message says what to change.
    #[error("{0}")]
    Setup(String),

    #[error("archive: {0}")]
    Archive(#[from] clade_archive::ArchiveError),

    #[error("sandbox: {0}")]
    Sandbox(#[from] clade_sandbox::SandboxError),

    #[error("{0}")]
    Llm(#[from] clade_llm::LlmError),

    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The archive writer or an evaluation thread died.
    #[error("internal: {0}")]
    Internal(String),
}

impl EvolveError {
    pub(crate) fn io(
        action: &'static str,
        path: &std::path::Path,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| EvolveError::Io {
            action,
            path,
            source,
        }
    }
}
