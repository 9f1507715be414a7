//! What can stop an agent-evolution run. A failing child is not here: it is
//! a rejected variant with its reason ([`crate::ChildRejection`]).

#[derive(Debug, thiserror::Error)]
pub enum EvolveAgentError {
    #[error(transparent)]
    Archive(#[from] clade_archive::ArchiveError),

    #[error(transparent)]
    Bench(#[from] clade_agent_bench::BenchError),

    #[error(transparent)]
    AgentHost(#[from] clade_agent_host::AgentHostError),

    #[error("{0}")]
    Setup(String),

    /// A model call failed (after its retries, or a replay miss): what it
    /// would have decided is unknown, so the run stops; `--resume` goes on.
    #[error("the model failed {0}; the run can go on with --resume")]
    Model(String),

    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl EvolveAgentError {
    pub(crate) fn io(
        action: &'static str,
        path: &std::path::Path,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| EvolveAgentError::Io {
            action,
            path,
            source,
        }
    }
}
