//! `clade.toml`: the contract scripts rely on. Every table denies unknown
//! keys; every default is written here and in README.

use std::path::{Path, PathBuf};

use clade_agent::OperatorMix;
use clade_archive::{Direction, FeatureDimension, InspirationSource, PopulationConfig, Selection};
use clade_llm::ModelConfig;
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// toml's message names the key, its line and column, and quotes the line.
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub run: RunConfig,
    pub target: TargetConfig,
    pub evaluate: EvaluateConfig,
    #[serde(default)]
    pub search: SearchConfig,
    #[serde(default)]
    pub llm: LlmConfig,
    /// The folder the config was read from; relative paths resolve here.
    #[serde(skip)]
    pub base_dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunConfig {
    /// Default: `run-<unix seconds>` chosen at start.
    pub name: Option<String>,
    pub seed: u64,
    pub iterations: u64,
    pub max_cost_usd: Option<f64>,
    pub max_tokens: Option<u64>,
    /// Stop when this many LLM replies were received (every call counts:
    /// reflections, resamples, repairs; replies from the cache too, so a
    /// replay stops where the run did).
    pub max_llm_calls: Option<u64>,
    pub max_wall_minutes: Option<f64>,
    pub target_score: Option<f64>,
    pub parallel_proposals: usize,
    pub parallel_evaluations: usize,
    /// How many times a candidate that fails to build, run or pass the
    /// scorer is sent back to the model with the error, within its
    /// iteration. Default: 1 when every model is local, else 0.
    pub repairs: Option<u32>,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            name: None,
            seed: 0,
            iterations: 100,
            max_cost_usd: None,
            max_tokens: None,
            max_llm_calls: None,
            max_wall_minutes: None,
            target_score: None,
            parallel_proposals: 2,
            parallel_evaluations: 1,
            repairs: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BuildKind {
    /// Build `package` with the sandbox builder.
    CargoWasm,
    /// Use a prebuilt module at `module`.
    Wasm,
    /// Python files (`.py` under `target.root`) run by the wasm CPython;
    /// `entry` is the script.
    Python,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    #[serde(default = "dot")]
    pub root: PathBuf,
    /// Evolvable paths, relative to `root`.
    pub files: Vec<String>,
    #[serde(default = "cargo_wasm")]
    pub build: BuildKind,
    #[serde(default)]
    pub package: Option<String>,
    #[serde(default)]
    pub module: Option<PathBuf>,
    /// The script `build = "python"` runs, relative to `root`. Default: the
    /// first evolvable `.py` file.
    #[serde(default)]
    pub entry: Option<String>,
    /// What the program does and what to improve, for the prompts. Default:
    /// a sentence naming the metric and its direction.
    #[serde(default)]
    pub task: Option<String>,
    /// A folder with the agent's prompt templates (`system.md`, `diff.md`,
    /// `rewrite.md`, `crossover.md`, `fix.md`). Default: the seed agent's,
    /// compiled in.
    #[serde(default)]
    pub prompts: Option<PathBuf>,
    /// For a crate built with its own manifest (`cargo-wasm` with
    /// dependencies of its own): the binary to run and score, e.g. `bench`
    /// for `src/bin/bench.rs` beside a library. Default: the package's
    /// main binary.
    #[serde(default)]
    pub bin: Option<String>,
}

fn dot() -> PathBuf {
    PathBuf::from(".")
}
fn cargo_wasm() -> BuildKind {
    BuildKind::CargoWasm
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum ScorerConfig {
    /// `"stdout-json"`: the candidate's last stdout line is a JSON object of
    /// metrics (for a user's own code).
    Named(String),
    /// `{ command = ["python3", "score.py"] }`: a trusted scorer run natively.
    Command { command: Vec<String> },
    /// `{ builtin = "<name>" }`: a scorer compiled into Clade; function
    /// benchmarks also name their `data` folder.
    Builtin {
        builtin: String,
        #[serde(default)]
        data: Option<PathBuf>,
    },
    /// `{ evaluator = "evaluator.py" }`: a trusted evaluator in OpenEvolve's
    /// shape (`evaluate(program_path)` returns metrics), run natively by
    /// `python`; the program it evaluates runs only in the sandbox
    /// (`build = "python"`; see `clade import openevolve`).
    Evaluator {
        evaluator: PathBuf,
        /// The evaluator's Python (with the packages it imports). Default:
        /// `python3` on PATH.
        #[serde(default)]
        python: Option<String>,
        /// Seconds one evaluation may take in all. Default: 300
        /// (OpenEvolve's `evaluator.timeout`).
        #[serde(default)]
        timeout_s: Option<u64>,
    },
}

/// The evaluator scorer's defaults.
pub const EVALUATOR_PYTHON: &str = "python3";
pub const EVALUATOR_TIMEOUT_S: u64 = 300;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluateConfig {
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub stdin: Option<PathBuf>,
    /// `HOST:GUEST`, mounted read-only.
    #[serde(default)]
    pub dirs: Vec<String>,
    #[serde(default = "default_fuel")]
    pub fuel: u64,
    #[serde(default = "default_memory_mb")]
    pub memory_mb: u64,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    pub scorer: ScorerConfig,
    #[serde(default = "default_metric")]
    pub metric: String,
    #[serde(default)]
    pub direction: Direction,
    #[serde(default)]
    pub stage: Vec<StageConfig>,
    /// Where candidates are evaluated: this process (default) or workers.
    #[serde(default)]
    pub backend: BackendConfig,
}

/// `[evaluate.backend]`: where candidates are built and run.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendConfig {
    #[serde(default)]
    pub kind: BackendKind,
    /// The NATS server, e.g. `nats://127.0.0.1:4222` (`kind = "nats"`).
    #[serde(default)]
    pub url: Option<String>,
    /// The environment variable holding the server's token, if it needs
    /// one (with `user`: that user's password).
    #[serde(default)]
    pub token_env: Option<String>,
    /// The NATS user to connect as (the server's `authorization.users`),
    /// its password in the variable `token_env` names.
    #[serde(default)]
    pub user: Option<String>,
    /// The work-queue stream. Default `CLADE_JOBS`.
    #[serde(default = "default_stream")]
    pub stream: String,
    /// Seconds a job may go without a sign of life before another worker
    /// gets it (workers extend it while they evaluate). Default 60.
    #[serde(default = "default_ack_wait_s")]
    pub ack_wait_s: u64,
    /// Deliveries of one job before it is recorded as a host error. Default 3.
    #[serde(default = "default_max_deliver")]
    pub max_deliver: i64,
    /// Seconds the run waits for one job's result. Default 3600.
    #[serde(default = "default_job_timeout_s")]
    pub job_timeout_s: u64,
    /// The folder every Slurm node sees at the same path (`kind =
    /// "slurm"`): jobs, results, bundles and logs live under it.
    #[serde(default)]
    pub dir: Option<PathBuf>,
    /// Candidates per Slurm job (`kind = "slurm"`). Default 4.
    #[serde(default = "default_batch")]
    pub batch: usize,
    /// Extra `sbatch` arguments, e.g. `["--partition=cpu", "--time=30"]`.
    #[serde(default)]
    pub sbatch_args: Vec<String>,
    /// Milliseconds between looks at the results and at `squeue`. Default 1000.
    #[serde(default = "default_poll_ms")]
    pub poll_ms: u64,
    /// The `clade` binary as the nodes see it. Default: this one's path.
    #[serde(default)]
    pub command: Option<PathBuf>,
}

impl Default for BackendConfig {
    fn default() -> Self {
        BackendConfig {
            kind: BackendKind::Local,
            url: None,
            token_env: None,
            user: None,
            stream: default_stream(),
            ack_wait_s: default_ack_wait_s(),
            max_deliver: default_max_deliver(),
            job_timeout_s: default_job_timeout_s(),
            dir: None,
            batch: default_batch(),
            sbatch_args: Vec::new(),
            poll_ms: default_poll_ms(),
            command: None,
        }
    }
}

fn default_batch() -> usize {
    4
}
fn default_poll_ms() -> u64 {
    1000
}

fn default_stream() -> String {
    "CLADE_JOBS".into()
}
fn default_ack_wait_s() -> u64 {
    60
}
fn default_max_deliver() -> i64 {
    3
}
fn default_job_timeout_s() -> u64 {
    3600
}

/// Which evaluation backend a run uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// This process's sandbox.
    #[default]
    Local,
    /// `clade worker` processes through a NATS JetStream work queue.
    Nats,
    /// Batches of candidates submitted with `sbatch`, their jobs and
    /// results as files on a filesystem the nodes share.
    Slurm,
}

fn default_fuel() -> u64 {
    10_000_000_000
}
fn default_memory_mb() -> u64 {
    256
}
fn default_timeout_ms() -> u64 {
    10_000
}
fn default_metric() -> String {
    "score".into()
}

/// A cascade stage: run with these overrides first; continue only when the
/// primary metric reaches `threshold` (in the run's direction). Or, with
/// `kind = "cargo-test"`, the crate's own tests as a gate before scoring.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageConfig {
    #[serde(default)]
    pub kind: StageKind,
    #[serde(default)]
    pub args: Option<Vec<String>>,
    #[serde(default)]
    pub stdin: Option<PathBuf>,
    /// Required for `kind = "run"`; none for `cargo-test`.
    #[serde(default)]
    pub threshold: Option<f64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StageKind {
    /// Run the program and score it against `threshold`.
    #[default]
    Run,
    /// Build the crate's tests for wasm32-wasip1 and run every one in the
    /// sandbox; any failure rejects the candidate.
    CargoTest,
}

/// `[search]`: the population settings plus the operator mix. It mirrors
/// [`PopulationConfig`] field by field because serde cannot combine
/// `flatten` with `deny_unknown_fields`, and typos must stay errors.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchConfig {
    pub islands: usize,
    pub migration_interval: u64,
    pub migration_rate: f64,
    pub selection: Selection,
    pub feature_dimensions: Vec<FeatureDimension>,
    pub elite_size: usize,
    /// `None`: [`OperatorMix::default`], or [`OperatorMix::small_model`] when
    /// every model is local.
    pub operators: Option<OperatorMix>,
    pub inspirations: usize,
    pub inspiration_sources: Vec<InspirationSource>,
    /// Candidates closer than this (Jaccard distance of token trigrams) to
    /// a recorded variant are resampled, then recorded as near duplicates
    /// without evaluation. 0 (the default): only exact repeats are.
    pub novelty_threshold: f64,
    /// How each iteration's operator is chosen: drawn from the mix
    /// (default), or by UCB1 over the operators the mix allows.
    pub operator_selection: OperatorSelection,
    /// Before each proposal, ask the model what makes a better variant
    /// better than a worse one (ReEvo's short-term reflection) and put the
    /// hint in the prompt, with the hints that preceded improvements.
    pub reflection: bool,
    /// Carry an instruction on how to approach the change in each prompt,
    /// chosen by UCB1 from a population the model keeps rewriting
    /// (Promptbreeder's thinking styles and mutation prompts).
    pub prompt_evolution: bool,
}

/// `search.operator_selection`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatorSelection {
    /// Drawn with the mix's weights.
    #[default]
    Mix,
    /// UCB1 on wins (a child better than its parent and the seed).
    Ucb,
}

impl Default for SearchConfig {
    fn default() -> Self {
        let p = PopulationConfig::default();
        SearchConfig {
            islands: p.islands,
            migration_interval: p.migration_interval,
            migration_rate: p.migration_rate,
            selection: p.selection,
            feature_dimensions: p.feature_dimensions,
            elite_size: p.elite_size,
            operators: None,
            inspirations: p.inspirations,
            inspiration_sources: p.inspiration_sources,
            novelty_threshold: 0.0,
            operator_selection: OperatorSelection::Mix,
            reflection: false,
            prompt_evolution: false,
        }
    }
}

impl SearchConfig {
    pub fn population(&self) -> PopulationConfig {
        PopulationConfig {
            islands: self.islands,
            migration_interval: self.migration_interval,
            migration_rate: self.migration_rate,
            feature_dimensions: self.feature_dimensions.clone(),
            elite_size: self.elite_size,
            selection: self.selection.clone(),
            inspirations: self.inspirations,
            inspiration_sources: self.inspiration_sources.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmConfig {
    /// None: the local default model (issue 6).
    pub models: Vec<ModelConfig>,
}

/// A config without `evaluate.scorer`: `clade init` leaves the choice to the
/// user, since the one scorer it could pick for any crate (`stdout-json`)
/// trusts the program's own report.
const NO_SCORER: &str = "evaluate.scorer is not set: choose how candidates are scored, \
{ command = [\"python3\", \"score.py\"] } (your trusted scorer reads the program's stdout; \
nothing a candidate writes can forge it), { builtin = \"<name>\" } (`clade bench list`), or \
\"stdout-json\" (the program reports its own metrics: code Clade edits could report what it likes)";

/// What `evaluate.scorer` accepts, for a table that matches none of them.
const SCORER_SHAPES: &str = "evaluate.scorer takes \"stdout-json\", { command = [...] }, \
{ builtin = \"<name>\", data = \"<folder>\" } or \
{ evaluator = \"evaluator.py\", python = \"python3\", timeout_s = 300 }, with no other keys";

impl Config {
    /// Reads `clade.toml`, or `<dir>/clade.toml` when `path` is a folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let file = if path.is_dir() {
            path.join("clade.toml")
        } else {
            path.to_path_buf()
        };
        let text = std::fs::read_to_string(&file).map_err(|source| ConfigError::Read {
            path: file.clone(),
            source,
        })?;
        let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse(&text, &file, &base)
    }

    /// Parses config text; `file` names it in errors, `base_dir` anchors
    /// relative paths.
    pub fn parse(text: &str, file: &Path, base_dir: &Path) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: file.to_path_buf(),
            message,
        };
        let mut config: Config = toml::from_str(text).map_err(|e| {
            if e.message().contains("missing field `scorer`") {
                invalid(NO_SCORER.to_string())
            } else if e.message().contains("untagged enum ScorerConfig") {
                invalid(format!("{}\n{SCORER_SHAPES}", e.to_string().trim_end()))
            } else {
                invalid(e.to_string().trim_end().to_string())
            }
        })?;
        config.base_dir = base_dir.to_path_buf();
        config.validate().map_err(invalid)?;
        Ok(config)
    }

    /// Each stage's kind against its keys and the build.
    fn validate_stages(&self) -> Result<(), String> {
        for (i, stage) in self.evaluate.stage.iter().enumerate() {
            let n = i + 1;
            match stage.kind {
                StageKind::Run if stage.threshold.is_none() => {
                    return Err(format!("evaluate.stage {n} needs a threshold"));
                }
                StageKind::CargoTest
                    if stage.threshold.is_some()
                        || stage.args.is_some()
                        || stage.stdin.is_some() =>
                {
                    return Err(format!(
                        "evaluate.stage {n}: a cargo-test stage takes no threshold, args or stdin (every test must pass)"
                    ));
                }
                StageKind::CargoTest if self.target.build != BuildKind::CargoWasm => {
                    return Err(format!(
                        "evaluate.stage {n}: a cargo-test stage needs target.build = \"cargo-wasm\""
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn validate_backend(&self) -> Result<(), String> {
        let backend = &self.evaluate.backend;
        match backend.kind {
            BackendKind::Local => Ok(()),
            BackendKind::Nats => Self::validate_nats(backend),
            BackendKind::Slurm => Self::validate_slurm(backend),
        }
    }

    fn validate_slurm(backend: &BackendConfig) -> Result<(), String> {
        match &backend.dir {
            None => Err("evaluate.backend: kind = \"slurm\" needs dir = \"/shared/path\" (a folder every node sees at the same path)".into()),
            Some(dir) if !dir.is_absolute() => Err(format!(
                "evaluate.backend.dir = {:?}: use an absolute path (the nodes resolve it, not this folder)",
                dir.display().to_string()
            )),
            // The folder goes into a generated shell script and Slurm's
            // `--output` pattern, where `%` is special.
            Some(dir) if dir.to_string_lossy().contains(['\n', '\r', '%']) => Err(
                "evaluate.backend.dir: a path with a line break or '%' cannot go into a Slurm script".into(),
            ),
            _ if backend
                .command
                .as_ref()
                .is_some_and(|c| c.to_string_lossy().contains(['\n', '\r'])) =>
            {
                Err("evaluate.backend.command: a path with a line break cannot go into a Slurm script".into())
            }
            _ if backend.batch == 0 || backend.poll_ms == 0 || backend.max_deliver < 1 || backend.job_timeout_s == 0 => {
                Err("evaluate.backend: batch, poll_ms, max_deliver and job_timeout_s must be at least 1".into())
            }
            _ => match backend
                .sbatch_args
                .iter()
                .find(|a| a.starts_with("--export") || a.starts_with("--get-user-env"))
            {
                // Clade passes --export itself: only what finds clade and
                // its toolchain, never the run's API keys.
                Some(arg) => Err(format!(
                    "evaluate.backend.sbatch_args: {arg:?} is not allowed (clade exports only PATH, HOME and the toolchain's variables, to keep API keys off the nodes)"
                )),
                None => Ok(()),
            },
        }
    }

    fn validate_nats(backend: &BackendConfig) -> Result<(), String> {
        match &backend.url {
            None => Err("evaluate.backend: kind = \"nats\" needs url = \"nats://HOST:4222\"".into()),
            Some(url) if !url.starts_with("nats://") && !url.starts_with("tls://") => Err(format!(
                "evaluate.backend.url = {url:?}: expected nats://HOST:PORT"
            )),
            _ if backend.stream.is_empty()
                || !backend
                    .stream
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
            {
                Err(format!(
                    "evaluate.backend.stream = {:?}: use letters, digits, '_' and '-'",
                    backend.stream
                ))
            }
            _ if backend.max_deliver < 1 || backend.ack_wait_s == 0 || backend.job_timeout_s == 0 => {
                Err("evaluate.backend: max_deliver, ack_wait_s and job_timeout_s must be at least 1".into())
            }
            _ => Ok(()),
        }
    }

    /// Checks what types alone cannot.
    fn validate(&self) -> Result<(), String> {
        if self.target.files.is_empty() {
            return Err("target.files must name at least one evolvable file".into());
        }
        match (self.target.build, &self.target.module) {
            (BuildKind::Wasm, None) => {
                return Err("target.build = \"wasm\" needs target.module".into());
            }
            (BuildKind::CargoWasm | BuildKind::Python, Some(_)) => {
                return Err("target.module is only for build = \"wasm\"".into());
            }
            _ => {}
        }
        if self.target.bin.is_some() && self.target.build != BuildKind::CargoWasm {
            return Err("target.bin is only for build = \"cargo-wasm\"".into());
        }
        if self.target.entry.is_some() && self.target.build != BuildKind::Python {
            return Err("target.entry is only for build = \"python\"".into());
        }
        if self.target.build == BuildKind::Python
            && self.target.entry.is_none()
            && !self.target.files.iter().any(|f| f.ends_with(".py"))
        {
            return Err(
                "target.build = \"python\" needs target.entry (the script to run) or an evolvable .py file"
                    .into(),
            );
        }
        if let ScorerConfig::Named(name) = &self.evaluate.scorer
            && name != "stdout-json"
        {
            return Err(format!(
                "evaluate.scorer = {name:?}: expected \"stdout-json\", {{ command = [...] }}, {{ builtin = \"<name>\" }} or {{ evaluator = \"evaluator.py\" }}"
            ));
        }
        if let ScorerConfig::Command { command } = &self.evaluate.scorer
            && command.is_empty()
        {
            return Err("evaluate.scorer.command must not be empty".into());
        }
        self.validate_stages()?;
        self.validate_backend()?;
        if let ScorerConfig::Evaluator { timeout_s, .. } = &self.evaluate.scorer {
            if self.target.build != BuildKind::Python {
                return Err(
                    "evaluate.scorer.evaluator evaluates Python programs: it needs target.build = \"python\""
                        .into(),
                );
            }
            if !self.evaluate.stage.is_empty() {
                return Err(
                    "evaluate.stage does not apply with evaluate.scorer.evaluator: the evaluator runs the program as it likes"
                        .into(),
                );
            }
            if *timeout_s == Some(0) {
                return Err("evaluate.scorer.timeout_s must be at least 1".into());
            }
        }
        let eval = &self.evaluate;
        if eval.memory_mb == 0 || eval.memory_mb > 65_536 {
            return Err(format!(
                "evaluate.memory_mb must be 1 to 65536 (64 GiB), not {}",
                eval.memory_mb
            ));
        }
        if eval.timeout_ms == 0 || eval.timeout_ms > 86_400_000 {
            return Err(format!(
                "evaluate.timeout_ms must be 1 to 86400000 (a day), not {}",
                eval.timeout_ms
            ));
        }
        if let Some(minutes) = self.run.max_wall_minutes
            && !(minutes.is_finite() && minutes > 0.0 && minutes <= 525_600.0)
        {
            return Err(format!(
                "run.max_wall_minutes must be between 0 and 525600 (a year), not {minutes}"
            ));
        }
        if let Some(usd) = self.run.max_cost_usd
            && !(usd.is_finite() && usd >= 0.0)
        {
            return Err(format!("run.max_cost_usd must be a number >= 0, not {usd}"));
        }
        // Each repair numbers its exchanges within a range of 100 (see the
        // transcript's exchange kinds).
        if self.run.repairs.is_some_and(|r| r > 99) {
            return Err("run.repairs must be at most 99".into());
        }
        if self.run.parallel_proposals == 0 || self.run.parallel_evaluations == 0 {
            return Err(
                "run.parallel_proposals and run.parallel_evaluations must be at least 1".into(),
            );
        }
        if !(0.0..=1.0).contains(&self.search.migration_rate) {
            return Err("search.migration_rate must be between 0 and 1".into());
        }
        if !(0.0..1.0).contains(&self.search.novelty_threshold) {
            return Err("search.novelty_threshold must be at least 0 and below 1".into());
        }
        if self.search.islands == 0 {
            return Err("search.islands must be at least 1".into());
        }
        if let Some(operators) = &self.search.operators {
            operators
                .validate()
                .map_err(|e| format!("search.operators: {e}"))?;
        }
        for model in &self.llm.models {
            model.validate().map_err(|e| format!("llm.models: {e}"))?;
        }
        Ok(())
    }

    /// A path from the config, resolved against its folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base_dir.join(path)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[target]
files = ["src/main.rs"]
package = "demo"

[evaluate]
scorer = "stdout-json"
"#;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/repo/clade.toml"), Path::new("/repo"))
    }

    #[test]
    fn a_minimal_config_takes_every_default() {
        let config = parse(MINIMAL).unwrap();
        assert_eq!(config.run, RunConfig::default());
        assert_eq!(config.search, SearchConfig::default());
        assert_eq!(config.target.build, BuildKind::CargoWasm);
        assert_eq!(config.evaluate.fuel, 10_000_000_000);
        assert_eq!(config.evaluate.metric, "score");
        assert_eq!(config.evaluate.direction, Direction::Maximize);
        assert!(config.llm.models.is_empty());
        assert_eq!(
            config.resolve(Path::new("data/in.txt")),
            Path::new("/repo/data/in.txt")
        );
        assert_eq!(config.resolve(Path::new("/abs")), Path::new("/abs"));
    }

    /// Durations from a config become `Duration`s and `Instant`s, which
    /// panic when they overflow: out-of-range values are refused by name.
    #[test]
    fn absurd_durations_and_budgets_are_refused() {
        let base = "[target]\nfiles = [\"src/main.rs\"]\n\n[evaluate]\nscorer = \"stdout-json\"\n";
        for (run, key) in [
            ("max_wall_minutes = 1e300", "run.max_wall_minutes"),
            ("max_wall_minutes = -5.0", "run.max_wall_minutes"),
            ("max_cost_usd = -1.0", "run.max_cost_usd"),
            ("repairs = 100", "run.repairs must be at most 99"),
        ] {
            let err = parse(&format!("[run]\n{run}\n\n{base}"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(key), "{run}: {err}");
        }
        for (evaluate, key) in [
            ("memory_mb = 17592186044416", "evaluate.memory_mb"),
            ("timeout_ms = 18446744073709551615", "evaluate.timeout_ms"),
        ] {
            let text = base.replace("[evaluate]\n", &format!("[evaluate]\n{evaluate}\n"));
            let err = parse(&text).unwrap_err().to_string();
            assert!(err.contains(key), "{evaluate}: {err}");
        }
        let extra = base.replace(
            "scorer = \"stdout-json\"",
            "scorer = { builtin = \"tsp\", dta = \"data\" }",
        );
        assert!(parse(&extra).is_err(), "a misspelt scorer key is an error");
        let model = "[[llm.models]]\nprovider = \"openai\"\nmodel = \"m\"\ntimeout_s = 1e300\n";
        let err = parse(&format!("{base}\n{model}")).unwrap_err().to_string();
        assert!(err.contains("timeout_s"), "{err}");
    }

    #[test]
    fn a_slurm_backend_needs_an_absolute_shared_folder() {
        let with = |backend: &str| parse(&format!("{MINIMAL}\n[evaluate.backend]\n{backend}"));
        let err = with("kind = \"slurm\"").unwrap_err().to_string();
        assert!(err.contains("kind = \"slurm\" needs dir ="), "{err}");
        let err = with("kind = \"slurm\"\ndir = \"shared\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("use an absolute path"), "{err}");
        let err = with("kind = \"slurm\"\ndir = \"/s\"\nbatch = 0")
            .unwrap_err()
            .to_string();
        assert!(err.contains("batch, poll_ms"), "{err}");
        let err = with("kind = \"slurm\"\ndir = \"/s/%j\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("'%'"), "{err}");
        let err = with("kind = \"slurm\"\ndir = \"/s\"\nsbatch_args = [\"--export=ALL\"]")
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"--export=ALL\" is not allowed"), "{err}");
        let config = with("kind = \"slurm\"\ndir = \"/s\"\nsbatch_args = [\"--time=5\"]").unwrap();
        let backend = &config.evaluate.backend;
        assert_eq!(backend.kind, BackendKind::Slurm);
        assert_eq!(backend.dir.as_deref(), Some(Path::new("/s")));
        assert_eq!((backend.batch, backend.poll_ms), (4, 1000));
        assert_eq!(backend.sbatch_args, ["--time=5"]);
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_the_key_line_and_column() {
        let err = parse(&MINIMAL.replace(
            "package = \"demo\"",
            "package = \"demo\"\npackge = \"typo\"",
        ))
        .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("/repo/clade.toml"), "{message}");
        assert!(message.contains("packge"), "{message}");
        assert!(message.contains("line 5"), "{message}");
        assert!(message.contains("column 1"), "{message}");

        let err = parse(&format!("{MINIMAL}\n[run]\niterations = \"many\"\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 10") && err.contains("invalid type"),
            "{err}"
        );
    }

    #[test]
    fn scorers_models_stages_and_search() {
        let text = r#"
[run]
name = "pack"
seed = 7
iterations = 30
max_cost_usd = 1.5

[target]
root = "."
files = ["src/main.rs"]
build = "wasm"
module = "candidate.wasm"

[evaluate]
args = ["--quick"]
scorer = { builtin = "circle-packing-26" }
metric = "sum_radii"
direction = "maximize"

[[evaluate.stage]]
args = ["--tiny"]
threshold = 1.0

[search]
islands = 3
selection = { strategy = "power_law", alpha = 1.5 }
operators = { diff = 0.7, rewrite = 0.3, crossover = 0.0, fix = 0.1 }
feature_dimensions = [{ metric = "fuel", bins = 8 }]

[[llm.models]]
provider = "openai"
model = "gpt-4o-mini"
api_key_env = "OPENAI_API_KEY"
price_in_per_mtok = 0.15
price_out_per_mtok = 0.6
"#;
        let config = parse(text).unwrap();
        assert_eq!(config.run.name.as_deref(), Some("pack"));
        assert_eq!(
            config.evaluate.scorer,
            ScorerConfig::Builtin {
                builtin: "circle-packing-26".into(),
                data: None,
            }
        );
        assert_eq!(config.evaluate.stage[0].threshold, Some(1.0));
        assert_eq!(
            config.search.population().selection,
            Selection::PowerLaw { alpha: 1.5 }
        );
        assert_eq!(config.search.feature_dimensions[0].bins, 8);
        assert_eq!(config.llm.models[0].price_out_per_mtok, 0.6);

        let command = parse(&MINIMAL.replace(
            "\"stdout-json\"",
            "{ command = [\"python3\", \"score.py\"] }",
        ))
        .unwrap();
        assert_eq!(
            command.evaluate.scorer,
            ScorerConfig::Command {
                command: vec!["python3".into(), "score.py".into()]
            }
        );
    }

    #[test]
    fn meaningless_combinations_are_rejected() {
        for (change, expect) in [
            (
                ("\"stdout-json\"", "\"stdout\""),
                "expected \"stdout-json\"",
            ),
            (
                ("files = [\"src/main.rs\"]", "files = []"),
                "at least one evolvable file",
            ),
            (
                ("package = \"demo\"", "build = \"wasm\""),
                "needs target.module",
            ),
            (("\"stdout-json\"", "{ command = [] }"), "must not be empty"),
            (
                ("\"stdout-json\"", "{ evaluator = \"evaluator.py\" }"),
                "needs target.build = \"python\"",
            ),
            (
                ("\"stdout-json\"", "{ evaluator = \"e.py\", timeout = 5 }"),
                "evaluate.scorer takes",
            ),
        ] {
            let err = parse(&MINIMAL.replace(change.0, change.1))
                .unwrap_err()
                .to_string();
            assert!(err.contains(expect), "{change:?}: {err}");
        }
        let err = parse(&format!("{MINIMAL}\n[search]\nmigration_rate = 2.0\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("migration_rate"), "{err}");
        let stage = |extra: &str| parse(&format!("{MINIMAL}{extra}")).map_err(|e| e.to_string());
        let err = stage("\n[[evaluate.stage]]\nargs = [\"1\"]\n").unwrap_err();
        assert!(err.contains("evaluate.stage 1 needs a threshold"), "{err}");
        let err =
            stage("\n[[evaluate.stage]]\nkind = \"cargo-test\"\nthreshold = 1.0\n").unwrap_err();
        assert!(err.contains("takes no threshold"), "{err}");
        let gate = stage("\n[[evaluate.stage]]\nkind = \"cargo-test\"\n").unwrap();
        assert_eq!(gate.evaluate.stage[0].kind, StageKind::CargoTest);
        let python = "[target]\nbuild = \"python\"\nfiles = [\"p.py\"]\n\n[evaluate]\nscorer = { evaluator = \"e.py\" }\n";
        let config = parse(python).unwrap();
        assert_eq!(
            config.evaluate.scorer,
            ScorerConfig::Evaluator {
                evaluator: "e.py".into(),
                python: None,
                timeout_s: None
            }
        );
        for (extra, expect) in [
            (
                "[[evaluate.stage]]\nthreshold = 1.0\n",
                "evaluate.stage does not apply",
            ),
            ("", "timeout_s must be at least 1"),
        ] {
            let text = format!("{python}{extra}").replace(
                "{ evaluator = \"e.py\" }",
                if extra.is_empty() {
                    "{ evaluator = \"e.py\", timeout_s = 0 }"
                } else {
                    "{ evaluator = \"e.py\" }"
                },
            );
            let err = parse(&text).unwrap_err().to_string();
            assert!(err.contains(expect), "{extra:?}: {err}");
        }
    }
}
