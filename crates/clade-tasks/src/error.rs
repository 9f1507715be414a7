use std::path::PathBuf;

/// What went wrong reading, hashing or grading a suite. A solution that
/// fails is never an error: it is a [`crate::Grade`] that did not pass.
#[derive(Debug, thiserror::Error)]
pub enum TasksError {
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error(
        "{file}: {problem}; the suite does not match its manifest (run `clade tasks hash` after editing a task on purpose)"
    )]
    Tampered { file: String, problem: String },
    #[error("{}: no manifest.toml; run `clade tasks hash {}` first", suite.display(), suite.display())]
    NoManifest { suite: PathBuf },
    #[error("no task {id:?} in the suite (known: {known})")]
    UnknownTask { id: String, known: String },
    #[error(transparent)]
    Sandbox(#[from] clade_sandbox::SandboxError),
}

impl TasksError {
    pub(crate) fn io(
        action: &'static str,
        path: &std::path::Path,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| TasksError::Io {
            action,
            path,
            source,
        }
    }

    pub(crate) fn invalid(path: &std::path::Path, message: impl Into<String>) -> Self {
        TasksError::Invalid {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}
