//! Archive errors: what went wrong, with what, and where useful a hint.

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("git: {context}: {source}")]
    Git {
        context: String,
        #[source]
        source: git2::Error,
    },

    #[error(
        "invalid run name {0:?}: use letters, digits, '.', '_' and '-', not starting with '.' or '-'"
    )]
    InvalidRunName(String),

    #[error("run {0:?} already exists in this archive; choose another name or resume it")]
    RunExists(String),

    #[error("no run named {0:?} in this archive (see `clade runs`)")]
    UnknownRun(String),

    #[error("no variant {0:?} (expected RUN/ID or a commit id prefix; see `clade tree`)")]
    UnknownVariant(String),

    #[error("{0:?} matches several variants; give more of the commit id")]
    AmbiguousVariant(String),

    #[error("variant {run}/{id} is rejected and cannot be a parent")]
    NotSelectable { run: String, id: u64 },

    #[error("invalid path {0:?} in a candidate tree")]
    InvalidPath(String),

    #[error("corrupt metadata for {what}: {reason}")]
    CorruptMetadata { what: String, reason: String },

    #[error("the working tree has uncommitted changes ({0}); commit or stash them first")]
    DirtyWorkingTree(String),

    #[error("{0}")]
    Refused(String),
}

pub(crate) trait GitContext<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T, ArchiveError>;
}

impl<T> GitContext<T> for Result<T, git2::Error> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T, ArchiveError> {
        self.map_err(|source| ArchiveError::Git {
            context: context(),
            source,
        })
    }
}
