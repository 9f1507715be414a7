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
//! - [`scoring`]: the trusted host-side scorers (`stdout-json`, a user's
//!   command, builtins);
//! - [`init`]: a commented `clade.toml` for an existing crate;
//! - [`bench`]: the shipped benchmarks, and scoring a solution against one;
//! - [`functions`]: the function benchmarks' host skeletons in call mode.
//!
//! Candidates are hostile: they only ever run in clade-sandbox, and a failing
//! candidate is a rejected variant, never an error of this crate.

pub mod bench;
mod config;
mod controller;
mod error;
mod evaluate;
mod events;
pub mod functions;
pub mod init;
mod project;
mod proposal;
mod run;
pub mod scoring;
mod writer;

pub use clade_llm::CacheMode;
pub use config::{
    BuildKind, Config, ConfigError, EvaluateConfig, RunConfig, ScorerConfig, SearchConfig,
    StageConfig, TargetConfig,
};
pub use controller::{FrameworkTimes, StopReason};
pub use error::EvolveError;
pub use evaluate::{Evaluation, Evaluator};
pub use events::{Best, Event, Totals};
pub use project::{Project, find_crate};
pub use run::{RunOptions, RunState, Summary, locate_config, run};

/// The models used when clade.toml lists none: the embedded local model.
pub fn default_models() -> Result<Vec<clade_llm::ModelConfig>, EvolveError> {
    Err(EvolveError::Setup(
        "clade.toml lists no [[llm.models]], and this build has no embedded local model; \
         add a model, e.g.\n[[llm.models]]\nprovider = \"openai\"\nmodel = \"gpt-4o-mini\"\napi_key_env = \"OPENAI_API_KEY\""
            .into(),
    ))
}
