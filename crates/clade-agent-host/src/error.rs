/// What went wrong on the host while running an agent. An agent that fails,
/// traps, overspends or writes nonsense is never an error: it is an
/// [`crate::AgentOutcome`] that did not pass.
#[derive(Debug, thiserror::Error)]
pub enum AgentHostError {
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Tasks(#[from] clade_tasks::TasksError),
    #[error(transparent)]
    Sandbox(#[from] clade_sandbox::SandboxError),
}

impl AgentHostError {
    pub(crate) fn io(
        action: &'static str,
        path: &std::path::Path,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| AgentHostError::Io {
            action,
            path,
            source,
        }
    }
}
