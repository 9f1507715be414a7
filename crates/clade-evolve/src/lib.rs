//! Clade's evolution controller.
//!
//! So far it holds the host-side scoring ([`scoring`]: `stdout-json`, a
//! user's command, builtin scorers) and the run configuration (`clade.toml`, [`Config`]): strict
//! parsing (an unknown key or a wrong type is an error naming the key with
//! its line and column), every default in one place, and relative paths
//! resolved against the config file's folder. The loop itself — scheduling
//! proposals and evaluations, budgets, resume, progress events — is issue 5's
//! remaining work.

mod config;
pub mod scoring;

pub use config::{
    BuildKind, Config, ConfigError, EvaluateConfig, RunConfig, ScorerConfig, SearchConfig,
    StageConfig, TargetConfig,
};
