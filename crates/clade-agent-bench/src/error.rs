//! What can stop a comparison. A failing agent is not here: it is a cell
//! that did not pass, with its reason.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Archive(#[from] clade_archive::ArchiveError),

    #[error(transparent)]
    AgentHost(#[from] clade_agent_host::AgentHostError),

    #[error(transparent)]
    Tasks(#[from] clade_tasks::TasksError),

    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Results under other parameters than the comparison's.
    #[error("{0}")]
    Mismatch(String),

    #[error("{0}")]
    Invalid(String),

    /// A model call failed (after its retries, or a replay miss): the cell
    /// would measure the model, not the agent, so it is not stored.
    #[error("{agent} on {task}: {error}; the results before it are stored, run again to go on")]
    Model {
        agent: String,
        task: String,
        error: String,
    },

    /// The plan's stop flag was set; every finished cell is stored.
    #[error("stopped before every cell ran; the finished ones are stored")]
    Stopped,
}

impl BenchError {
    pub(crate) fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| BenchError::Io {
            action,
            path,
            source,
        }
    }

    pub(crate) fn poisoned() -> Self {
        BenchError::Invalid("a worker panicked; results so far are stored".into())
    }
}
