//! Clade's evolution controller: `clade run`.
//!
//! - [`Config`]: `clade.toml`, parsed strictly (an unknown key or a wrong type
//!   is an error naming the key with its line and column), every default in
//!   one place, relative paths resolved against the config file's folder;
//! - [`run()`]: a run end to end — the seed is evaluated and recorded first;
//!   then proposals (LLM calls) and evaluations (build, cascade, score) run
//!   concurrently while outcomes are recorded strictly in iteration order, so
//!   one seed and the same replies give the same archive; budgets (iterations,
//!   tokens, USD, wall time, target score), graceful stops on Ctrl-C, resume
//!   from git after any stop or kill, and [`Event`]s for progress displays;
//! - [`EvalBackend`]: the seam between the controller and "build, run and
//!   score one candidate", with [`Evaluator`] (this machine's sandbox) as
//!   the first backend;
//! - [`Proposer`]: the seam between the controller and "turn a parent into
//!   a candidate", for an agent guest as the proposer (`clade run --agent`);
//! - [`scoring`]: the trusted host-side scorers (`stdout-json`, a user's
//!   command, builtins of output);
//! - [`builtins`]: the one table of builtin scorers (name, kind, data,
//!   metric, direction, reference) that config checking, scoring, call mode
//!   and `clade bench list` read;
//! - [`init`]: a commented `clade.toml` for an existing crate;
//! - [`bench`]: the shipped benchmarks, and scoring a solution against one;
//! - [`functions`]: the function benchmarks' host skeletons in call mode;
//! - [`gc`]: `clade gc`, the caches' old files removed by age.
//!
//! Candidates are hostile: they only ever run in clade-sandbox, and a failing
//! candidate is a rejected variant, never an error of this crate.

mod backend;
mod bandit;
pub mod bench;
mod bridge;
pub mod builtins;
mod config;
mod controller;
mod error;
mod evaluate;
mod events;
pub mod functions;
pub mod gc;
pub mod import;
pub mod init;
mod instructions;
mod local;
mod novelty;
mod own_crate;
mod project;
mod proposal;
mod proposer;
mod reflection;
mod rejection;
pub mod remote;
mod run;
pub mod scoring;
pub mod signals;
mod transcript;
mod writer;

pub use backend::{EvalBackend, EvalJob, WorkerCounts};
pub use clade_llm::CacheMode;
pub use config::{
    BackendConfig, BackendKind, BuildKind, Config, ConfigError, EVALUATOR_PYTHON,
    EVALUATOR_TIMEOUT_S, EvaluateConfig, OperatorSelection, RunConfig, ScorerConfig, SearchConfig,
    StageConfig, TargetConfig,
};
pub use controller::{FrameworkTimes, StopReason};
pub use error::EvolveError;
pub use evaluate::{Evaluation, Evaluator};
pub use events::{Best, Event, HeldBack, Totals};
pub use project::{Project, find_crate};
pub use proposer::{Evaluate, Proposal, ProposalRequest, Proposer};
pub use rejection::Rejection;
pub use run::{RunOptions, RunState, Summary, locate_config, run};

/// The default local model, used when clade.toml lists no `[[llm.models]]`.
pub const DEFAULT_LOCAL_MODEL: &str = "qwen2.5-coder-1.5b-instruct";

/// The models used when clade.toml lists none: the embedded local model
/// (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M), or the file `CLADE_MODEL` names.
pub fn default_models(home: &std::path::Path) -> Result<Vec<clade_llm::ModelConfig>, EvolveError> {
    if !clade_llm::local_available() {
        return Err(EvolveError::Setup(
            "clade.toml lists no [[llm.models]], and this build has no local model (cargo feature `local`); \
             add a model, e.g.\n[[llm.models]]\nprovider = \"openai\"\nmodel = \"gpt-4o-mini\"\napi_key_env = \"OPENAI_API_KEY\""
                .into(),
        ));
    }
    let mut model =
        clade_llm::ModelConfig::new(clade_llm::ProviderKind::Local, DEFAULT_LOCAL_MODEL);
    if let Some(named) = std::env::var_os("CLADE_MODEL") {
        match named.to_str() {
            Some("0.5b") => model.model = "qwen2.5-coder-0.5b-instruct".into(),
            Some("1.5b") => {}
            _ => model.path = Some(std::path::PathBuf::from(named).display().to_string()),
        }
    }
    resolve_local_model(&mut model, home)?;
    Ok(vec![model])
}

/// Fills in a local model's file: its `path`, else `CLADE_MODEL` (a file),
/// else `<home>/models/<model>-q4_k_m.gguf`; a missing file is an error that
/// says how to fetch it.
pub fn resolve_local_model(
    model: &mut clade_llm::ModelConfig,
    home: &std::path::Path,
) -> Result<(), EvolveError> {
    if model.provider != clade_llm::ProviderKind::Local {
        return Ok(());
    }
    let path = match &model.path {
        Some(path) => std::path::PathBuf::from(path),
        None => match std::env::var_os("CLADE_MODEL").filter(|v| v != "0.5b" && v != "1.5b") {
            Some(path) => std::path::PathBuf::from(path),
            None => home
                .join("models")
                .join(format!("{}-q4_k_m.gguf", model.model.to_lowercase())),
        },
    };
    if !path.is_file() {
        let size = if model.model.contains("0.5b") {
            "0.5b"
        } else {
            "1.5b"
        };
        return Err(EvolveError::Setup(format!(
            "the local model {} is not installed ({} is missing): fetch it with `scripts/fetch-model.sh {size}`, \
             or set CLADE_MODEL to a GGUF file, or add another model under [[llm.models]]",
            model.model,
            path.display()
        )));
    }
    model.path = Some(path.display().to_string());
    Ok(())
}
