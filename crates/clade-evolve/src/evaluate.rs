//! Evaluating one candidate: materialize its crate, build it in the sandbox
//! builder, run the cascade stages and the full evaluation in the sandbox
//! runner, and score the output with the configured trusted scorer. Every way
//! a candidate can fail ends as [`Evaluation::Rejected`] with a short reason
//! and the full feedback; only host faults are errors. This module never
//! touches the archive or the LLM.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clade_agent::normalize::identifiers;
use clade_archive::{Direction, SandboxStats};
use clade_sandbox::python::{PythonProgram, PythonRunner};
use clade_sandbox::{
    BuildStatus, Builder, DirMount, ProjectCrate, RunLimits, RunOutcome, RunRequest, RunStatus,
    Runner,
};

use crate::bridge::{Bridge, Bridged, Job};
use crate::builtins::{self, Builtin, Scorer};
use crate::config::{
    BuildKind, Config, EVALUATOR_PYTHON, EVALUATOR_TIMEOUT_S, ScorerConfig, StageKind,
};
use crate::error::EvolveError;
use crate::functions::{self, FunctionBench, FunctionFailure};
use crate::project::{Project, clean_relative};
use crate::rejection::Rejection;
use crate::scoring::{self, EvaluationInputs, Metrics};

/// What became of a candidate's evaluation. Serializable: a remote worker
/// sends it back as JSON.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Evaluation {
    Scored {
        score: f64,
        metrics: Metrics,
        sandbox: SandboxStats,
        build_ms: f64,
        eval_ms: f64,
    },
    Rejected {
        /// Why, with a one-line detail (its `Display` is the stored
        /// `kind: detail`, e.g. `build_failed: error[E0308]: mismatched types`).
        reason: Rejection,
        /// Diagnostics, stderr or scorer message, for FIX prompts.
        feedback: Option<String>,
        sandbox: SandboxStats,
        build_ms: f64,
        eval_ms: f64,
    },
}

impl Evaluation {
    /// A host fault as the candidate's rejection (the run goes on).
    pub fn host_error(message: String) -> Self {
        Self::rejected(Rejection::HostError(message), None)
    }

    pub(crate) fn rejected(reason: Rejection, feedback: Option<String>) -> Self {
        Evaluation::Rejected {
            reason,
            feedback,
            sandbox: SandboxStats::default(),
            build_ms: 0.0,
            eval_ms: 0.0,
        }
    }

    fn with_times(mut self, build: f64, eval: f64) -> Self {
        match &mut self {
            Evaluation::Scored {
                build_ms, eval_ms, ..
            }
            | Evaluation::Rejected {
                build_ms, eval_ms, ..
            } => {
                *build_ms = build;
                *eval_ms = eval;
            }
        }
        self
    }
}

/// Names through which code could print its own score, end the program
/// before the reporting code runs, or shadow that code's macros.
const SELF_REPORTING: &[&str] = &[
    "macro_rules",
    "println",
    "print",
    "eprintln",
    "eprint",
    "write",
    "writeln",
    "stdout",
    "stderr",
    "exit",
    "abort",
    "include",
    "include_str",
    "include_bytes",
    "extern",
    "unsafe",
];

/// The same for Python (`build = "python"`): printing, ending early,
/// reaching the interpreter's streams, or running code from a string.
const SELF_REPORTING_PY: &[&str] = &[
    "print",
    "sys",
    "stdout",
    "stderr",
    "exit",
    "_exit",
    "quit",
    "os",
    "open",
    "exec",
    "eval",
    "compile",
    "__import__",
    "importlib",
    "builtins",
    "__builtins__",
    "globals",
    "atexit",
];

/// A candidate ready to run: a module, or a Python program's folder
/// (removed once its evaluation ends).
enum Program {
    Wasm(Arc<Vec<u8>>),
    Python(PathBuf),
}

/// Where a run's stdin comes from.
#[derive(Debug, Clone)]
enum Stdin {
    Bytes(Arc<Vec<u8>>),
    /// An evolvable file: the candidate's own version is fed.
    Evolvable(String),
}

#[derive(Debug, Clone)]
struct Stage {
    args: Vec<String>,
    stdin: Stdin,
    stdin_path: Option<PathBuf>,
    /// `None` for the full evaluation.
    threshold: Option<f64>,
}

/// Everything needed to evaluate candidates of one run; shared by the
/// evaluation threads.
pub struct Evaluator {
    runner: Arc<Runner>,
    builder: Option<Arc<Builder>>,
    project: Project,
    /// The crate's files from the base commit (crate-relative), which the
    /// candidate's evolvable files override.
    crate_files: BTreeMap<String, Vec<u8>>,
    /// The prebuilt module for `build = "wasm"`.
    module: Option<Arc<Vec<u8>>>,
    stages: Vec<Stage>,
    dirs: Vec<DirMount>,
    dirs_text: Vec<String>,
    limits: RunLimits,
    scorer: ScorerConfig,
    metric: String,
    direction: Direction,
    scorer_cwd: PathBuf,
    hidden_env: Vec<String>,
    scratch: PathBuf,
    /// A builtin scorer and its data folder; a function benchmark's
    /// candidate is driven through its exports instead of run.
    builtin: Option<(Builtin, Option<PathBuf>)>,
    /// `build = "python"`: the runtime (given by [`Evaluator::with_python`])
    /// and the script, root-relative.
    python: Option<Arc<PythonRunner>>,
    python_entry: Option<String>,
    /// `scorer = { evaluator = .. }`: the user's evaluator and its bridge
    /// to the sandbox.
    bridge: Option<Bridge>,
    /// A crate with dependencies of its own: its trusted manifest and lock
    /// and their vendored dependencies (see `own_crate`).
    own_crate: Option<ProjectCrate>,
    /// A `cargo-test` stage: the crate's tests gate every candidate.
    cargo_test: bool,
}

/// How long a `command` scorer may take.
const SCORER_TIMEOUT: Duration = Duration::from_secs(120);

impl Evaluator {
    /// `crate_files` are the crate's committed files, crate-relative.
    /// `hidden_env` names variables (API keys) a command scorer must not see.
    pub fn new(
        config: &Config,
        project: Project,
        runner: Arc<Runner>,
        builder: Option<Arc<Builder>>,
        crate_files: BTreeMap<String, Vec<u8>>,
        hidden_env: Vec<String>,
        scratch: PathBuf,
    ) -> Result<Self, EvolveError> {
        let eval = &config.evaluate;
        let stdin_for = |path: &Option<PathBuf>| -> Result<(Stdin, Option<PathBuf>), EvolveError> {
            let Some(path) = path else {
                return Ok((Stdin::Bytes(Arc::new(Vec::new())), None));
            };
            let full = config.resolve(path);
            if let Some(rel) = evolvable_name(&project, &full) {
                return Ok((Stdin::Evolvable(rel), Some(full)));
            }
            let bytes = std::fs::read(&full).map_err(|e| {
                EvolveError::Setup(format!("evaluate.stdin {}: {e}", full.display()))
            })?;
            Ok((Stdin::Bytes(Arc::new(bytes)), Some(full)))
        };
        let mut stages = Vec::new();
        for stage in eval.stage.iter().filter(|s| s.kind == StageKind::Run) {
            let (stdin, stdin_path) = match &stage.stdin {
                Some(_) => stdin_for(&stage.stdin)?,
                None => stdin_for(&eval.stdin)?,
            };
            stages.push(Stage {
                args: stage.args.clone().unwrap_or_else(|| eval.args.clone()),
                stdin,
                stdin_path,
                threshold: stage.threshold,
            });
        }
        let (stdin, stdin_path) = stdin_for(&eval.stdin)?;
        stages.push(Stage {
            args: eval.args.clone(),
            stdin,
            stdin_path,
            threshold: None,
        });
        let mut dirs = Vec::new();
        let mut dirs_text = Vec::new();
        for spec in &eval.dirs {
            let mount: DirMount = spec
                .parse()
                .map_err(|e| EvolveError::Setup(format!("evaluate.dirs: {e}")))?;
            let host = config.resolve(&mount.host);
            if !host.is_dir() {
                return Err(EvolveError::Setup(format!(
                    "evaluate.dirs: {} is not a folder",
                    host.display()
                )));
            }
            dirs_text.push(format!("{}:{}", host.display(), mount.guest));
            dirs.push(DirMount {
                host,
                guest: mount.guest,
                writable: false,
            });
        }
        let module = match (config.target.build, &config.target.module) {
            (BuildKind::Wasm, Some(path)) => {
                let full = config.resolve(path);
                match evolvable_name(&project, &full) {
                    // wasmtime is built without its WAT parser: an evolvable
                    // module would be text it cannot load.
                    Some(rel) => {
                        return Err(EvolveError::Setup(format!(
                            "target.module {rel} is an evolvable file; with build = \"wasm\" the module is fixed and the evolvable files are its inputs"
                        )));
                    }
                    None => Some(Arc::new(std::fs::read(&full).map_err(|e| {
                        EvolveError::Setup(format!("target.module {}: {e}", full.display()))
                    })?)),
                }
            }
            _ => None,
        };
        let builtin = resolve_builtin(config)?;
        let python_entry = resolve_python_entry(config, &project, &crate_files, &builtin)?;
        std::fs::create_dir_all(&scratch).map_err(EvolveError::io("create", &scratch))?;
        let bridge = resolve_bridge(config, &scratch)?;
        Ok(Evaluator {
            runner,
            builder,
            project,
            crate_files,
            module,
            stages,
            dirs,
            dirs_text,
            limits: RunLimits {
                fuel: eval.fuel,
                memory_bytes: eval.memory_mb << 20,
                timeout: Duration::from_millis(eval.timeout_ms),
                ..RunLimits::default()
            },
            scorer: eval.scorer.clone(),
            metric: eval.metric.clone(),
            direction: eval.direction,
            scorer_cwd: config.base_dir.clone(),
            hidden_env,
            scratch,
            builtin,
            python: None,
            python_entry,
            bridge,
            own_crate: None,
            cargo_test: eval.stage.iter().any(|s| s.kind == StageKind::CargoTest),
        })
    }

    /// Builds a crate with dependencies of its own (or a cargo-test stage)
    /// with its committed manifest and lock, vendoring the dependencies
    /// now; `workspace`: the workspace the crate is a member of. A crate
    /// the host's template builds is left as it is.
    pub fn with_own_crate(
        mut self,
        config: &Config,
        workspace: Option<clade_sandbox::Workspace>,
    ) -> Result<Self, EvolveError> {
        self.own_crate = crate::own_crate::resolve_project(
            config,
            self.builder.as_deref(),
            &self.crate_files,
            workspace,
            &self.scratch,
        )?;
        Ok(self)
    }

    /// Runs candidates in `python` (for `build = "python"`).
    pub fn with_python(mut self, python: Arc<PythonRunner>) -> Self {
        self.python = Some(python);
        self
    }

    /// Builds, runs and scores the candidate whose evolvable files are
    /// `files` (root-relative). `key` names its scratch folder.
    pub fn evaluate(
        &self,
        files: &BTreeMap<String, String>,
        key: &str,
        random_seed: u64,
    ) -> Result<Evaluation, EvolveError> {
        let started = Instant::now();
        if let Some(rejection) = self.reports_its_own_score(files) {
            return Ok(Evaluation::rejected(rejection, None).with_times(ms(started), 0.0));
        }
        let program = match self.program_of(files, key)? {
            Ok(program) => program,
            Err(rejection) => return Ok(rejection.with_times(ms(started), 0.0)),
        };
        if self.cargo_test
            && let Some(failed) = self.gate_tests(files, key)?
        {
            return Ok(failed.with_times(ms(started), 0.0));
        }
        let build_ms = ms(started);
        let eval_started = Instant::now();
        let evaluation = self.run_stages(&program, files, key, random_seed);
        if let Program::Python(dir) = &program {
            let _ = std::fs::remove_dir_all(dir);
        }
        Ok(evaluation?.with_times(build_ms, ms(eval_started)))
    }

    /// The crate's own tests, built from the candidate's sources and run in
    /// the sandbox: `None` when every one passed, else its rejection.
    fn gate_tests(
        &self,
        files: &BTreeMap<String, String>,
        key: &str,
    ) -> Result<Option<Evaluation>, EvolveError> {
        let (Some(builder), Some(project)) = (&self.builder, &self.own_crate) else {
            return Err(EvolveError::Internal(
                "a cargo-test stage without a project build".into(),
            ));
        };
        let dir = self.materialize(files, &format!("{key}-tests"))?;
        let built = builder.build_project_tests(&dir, project);
        let _ = std::fs::remove_dir_all(&dir);
        let built = built?;
        let (reason, feedback) = match built.status {
            BuildStatus::Ok => {
                match crate::own_crate::run_tests(&self.runner, &built.binaries, &self.limits)? {
                    None => return Ok(None),
                    Some(failed) => (Rejection::TestsFailed(failed.summary), failed.feedback),
                }
            }
            BuildStatus::Rejected => {
                let reason = built.reason.unwrap_or_default();
                (Rejection::BuildRejected(first_line(&reason)), reason)
            }
            BuildStatus::BuildFailed => {
                let diagnostics = built.diagnostics.or(built.reason).unwrap_or_default();
                let first = first_error(&diagnostics);
                (
                    Rejection::BuildFailed(format!("tests: {first}")),
                    diagnostics,
                )
            }
        };
        Ok(Some(Evaluation::rejected(reason, Some(feedback))))
    }

    /// Under `stdout-json` the program's own last line is its score, so
    /// the code an edit may change must not gain a way to print or to end
    /// the program early (or a macro that could shadow the reporting
    /// code's): any of those names that its regions add over the seed's
    /// rejects the candidate before it is built.
    ///
    /// The same holds under a `cargo-test` stage, where a test's own run
    /// says whether it passed: code that prints libtest's report and exits
    /// could pass a test it fails.
    fn reports_its_own_score(&self, files: &BTreeMap<String, String>) -> Option<Rejection> {
        let why = if matches!(self.scorer, ScorerConfig::Named(_)) {
            "under the stdout-json scorer the program's own output is its score"
        } else if self.cargo_test {
            "under a cargo-test stage a test's own output says whether it passed"
        } else {
            return None;
        };
        for (rel, text) in files
            .iter()
            .filter(|(p, _)| p.ends_with(".rs") || p.ends_with(".py"))
        {
            let forbidden = if rel.ends_with(".py") {
                SELF_REPORTING_PY
            } else {
                SELF_REPORTING
            };
            let seed = self
                .project
                .in_crate(rel)
                .and_then(|path| self.crate_files.get(path))
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            let before = identifiers(&clade_agent::regions::editable_source(&seed));
            let after = identifiers(&clade_agent::regions::editable_source(text));
            let added: Vec<&str> = after
                .difference(&before)
                .map(String::as_str)
                .filter(|name| forbidden.contains(name))
                .collect();
            if !added.is_empty() {
                return Some(Rejection::BuildRejected(format!(
                    "{rel}: {why}, so the editable code may not add `{}`",
                    added.join("`, `")
                )));
            }
        }
        None
    }

    fn program_of(
        &self,
        files: &BTreeMap<String, String>,
        key: &str,
    ) -> Result<Result<Program, Evaluation>, EvolveError> {
        if self.python_entry.is_some() {
            let dir = self.materialize(files, key)?;
            return Ok(Ok(Program::Python(dir)));
        }
        Ok(self.wasm_of(files, key)?.map(Program::Wasm))
    }

    /// Writes the program's committed files with the candidate's evolvable
    /// files over them into the job's scratch folder.
    fn materialize(
        &self,
        files: &BTreeMap<String, String>,
        key: &str,
    ) -> Result<PathBuf, EvolveError> {
        let dir = self.scratch.join(key);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(EvolveError::io("remove", &dir))?;
        }
        let mut crate_files = self.crate_files.clone();
        for (rel, text) in files {
            if let Some(in_crate) = self.project.in_crate(rel) {
                crate_files.insert(in_crate.to_string(), text.clone().into_bytes());
            }
        }
        for (rel, bytes) in &crate_files {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(EvolveError::io("create", parent))?;
            }
            std::fs::write(&path, bytes).map_err(EvolveError::io("write", &path))?;
        }
        std::fs::create_dir_all(&dir).map_err(EvolveError::io("create", &dir))?;
        Ok(dir)
    }

    fn wasm_of(
        &self,
        files: &BTreeMap<String, String>,
        key: &str,
    ) -> Result<Result<Arc<Vec<u8>>, Evaluation>, EvolveError> {
        if let Some(bytes) = &self.module {
            return Ok(Ok(bytes.clone()));
        }
        let Some(builder) = &self.builder else {
            return Err(EvolveError::Internal("no builder for cargo-wasm".into()));
        };
        let dir = self.materialize(files, key)?;
        let outcome = match &self.own_crate {
            Some(project) => builder.build_project(&dir, project),
            None => builder.build(&dir),
        };
        let _ = std::fs::remove_dir_all(&dir);
        let outcome = outcome?;
        match outcome.status {
            BuildStatus::Ok => {
                let Some(path) = outcome.wasm else {
                    return Ok(Err(Evaluation::rejected(
                        Rejection::BuildFailed("no module produced".into()),
                        None,
                    )));
                };
                let bytes = std::fs::read(&path).map_err(EvolveError::io("read", &path))?;
                Ok(Ok(Arc::new(bytes)))
            }
            BuildStatus::Rejected => {
                let reason = outcome.reason.unwrap_or_default();
                Ok(Err(Evaluation::rejected(
                    Rejection::BuildRejected(first_line(&reason)),
                    Some(reason),
                )))
            }
            BuildStatus::BuildFailed => {
                let diagnostics = outcome.diagnostics.or(outcome.reason).unwrap_or_default();
                let first = first_error(&diagnostics);
                let reason = crate::own_crate::dependency_failure(&diagnostics, &first)
                    .filter(|_| self.own_crate.is_some())
                    .unwrap_or(first);
                Ok(Err(Evaluation::rejected(
                    Rejection::BuildFailed(reason),
                    Some(diagnostics),
                )))
            }
        }
    }

    fn run_stages(
        &self,
        program: &Program,
        files: &BTreeMap<String, String>,
        key: &str,
        random_seed: u64,
    ) -> Result<Evaluation, EvolveError> {
        if let Some((
            Builtin {
                scorer: Scorer::Function(bench),
                ..
            },
            data,
        )) = &self.builtin
        {
            return self.run_function(*bench, data.as_deref(), program, random_seed);
        }
        if let Some(bridge) = &self.bridge {
            return self.run_evaluator(bridge, program, key, random_seed);
        }
        let mut sandbox = SandboxStats::default();
        let stage_count = self.stages.len();
        for (index, stage) in self.stages.iter().enumerate() {
            let stdin = match &stage.stdin {
                Stdin::Bytes(bytes) => bytes.as_ref().clone(),
                Stdin::Evolvable(rel) => files.get(rel).cloned().unwrap_or_default().into_bytes(),
            };
            let request = RunRequest {
                args: stage.args.clone(),
                stdin,
                dirs: self.dirs.clone(),
                limits: self.limits.clone(),
                random_seed,
            };
            let outcome = self.run_program(program, &request)?;
            sandbox.fuel = Some(sandbox.fuel.unwrap_or(0) + outcome.fuel_used.unwrap_or(0));
            sandbox.wall_ms = Some(sandbox.wall_ms.unwrap_or(0.0) + outcome.wall_ms);
            sandbox.peak_memory_bytes = Some(
                sandbox
                    .peak_memory_bytes
                    .unwrap_or(0)
                    .max(outcome.peak_memory_bytes),
            );
            let label = if stage_count > 1 {
                if stage.threshold.is_some() {
                    format!("stage {}: ", index + 1)
                } else {
                    "full evaluation: ".to_string()
                }
            } else {
                String::new()
            };
            if let Some(failure) = run_failure(&outcome) {
                return Ok(Evaluation::Rejected {
                    reason: Rejection::RunFailed(format!("{label}{}", first_line(&failure.0))),
                    feedback: Some(failure.1),
                    sandbox,
                    build_ms: 0.0,
                    eval_ms: 0.0,
                });
            }
            let stdin_file = self.stdin_file(stage, key, &request.stdin)?;
            let scored = self
                .score(&outcome, stage, stdin_file.as_deref())
                .and_then(|metrics| self.with_host_fuel(metrics, outcome.fuel_used));
            if let Some(path) =
                stdin_file.filter(|p| Some(p.as_path()) != stage.stdin_path.as_deref())
            {
                let _ = std::fs::remove_file(path);
            }
            let mut metrics = match scored {
                Ok(metrics) => metrics,
                Err(message) => {
                    return Ok(Evaluation::Rejected {
                        reason: Rejection::ScorerRejected(format!(
                            "{label}{}",
                            first_line(&message)
                        )),
                        feedback: Some(message),
                        sandbox,
                        build_ms: 0.0,
                        eval_ms: 0.0,
                    });
                }
            };
            let score = metrics[&self.metric];
            if let Some(threshold) = stage.threshold {
                if self.direction.fitness(score) < self.direction.fitness(threshold) {
                    return Ok(Evaluation::Rejected {
                        reason: Rejection::StageThreshold {
                            stage: index + 1,
                            metric: self.metric.clone(),
                            score,
                            threshold,
                        },
                        feedback: None,
                        sandbox,
                        build_ms: 0.0,
                        eval_ms: 0.0,
                    });
                }
                continue;
            }
            if let Some(fuel) = outcome.fuel_used {
                metrics.entry("fuel".into()).or_insert(fuel as f64);
            }
            return Ok(Evaluation::Scored {
                score,
                metrics,
                sandbox,
                build_ms: 0.0,
                eval_ms: 0.0,
            });
        }
        Err(EvolveError::Internal("no evaluation stage".into()))
    }

    /// Under `metric = "fuel"` the host's count is the metric, whatever the
    /// program printed; other metrics pass as they are.
    fn with_host_fuel(&self, mut metrics: Metrics, fuel: Option<u64>) -> Result<Metrics, String> {
        if self.metric != scoring::HOST_FUEL {
            return Ok(metrics);
        }
        let fuel =
            fuel.ok_or("no fuel was measured for the run (the metric is the host's fuel count)")?;
        metrics.insert(scoring::HOST_FUEL.into(), fuel as f64);
        Ok(metrics)
    }

    fn run_program(
        &self,
        program: &Program,
        request: &RunRequest,
    ) -> Result<RunOutcome, EvolveError> {
        Ok(match program {
            Program::Wasm(wasm) => self.runner.run(wasm, request)?,
            Program::Python(dir) => {
                let (python, program) = self.python_program(dir)?;
                python.run(&program, request)?
            }
        })
    }

    /// The runtime and the program for a Python candidate materialized in
    /// `dir`.
    fn python_program(&self, dir: &Path) -> Result<(&PythonRunner, PythonProgram), EvolveError> {
        match (&self.python, &self.python_entry) {
            (Some(python), Some(entry)) => Ok((
                python,
                PythonProgram {
                    dir: dir.to_path_buf(),
                    entry: entry.clone(),
                },
            )),
            _ => Err(EvolveError::Internal("no Python runtime".into())),
        }
    }

    /// Runs the user's evaluator on the candidate (see [`crate::bridge`]):
    /// its metrics score it; its exception or a missing metric rejects it.
    fn run_evaluator(
        &self,
        bridge: &Bridge,
        program: &Program,
        key: &str,
        random_seed: u64,
    ) -> Result<Evaluation, EvolveError> {
        let Program::Python(dir) = program else {
            return Err(EvolveError::Internal(
                "the evaluator scorer needs a Python program".into(),
            ));
        };
        let (python, program) = self.python_program(dir)?;
        let work = self.scratch.join(format!("{key}.bridge"));
        let bridged = bridge.evaluate(Job {
            python,
            program_dir: &program.dir,
            entry: &program.entry,
            limits: self.limits.clone(),
            random_seed,
            cwd: &self.scorer_cwd,
            hidden_env: &self.hidden_env,
            work: work.clone(),
        });
        let _ = std::fs::remove_dir_all(&work);
        let Bridged { metrics, sandbox } = bridged?;
        match metrics.and_then(|m| scoring::check_primary(m, &self.metric)) {
            Ok(mut metrics) => {
                if let Some(fuel) = sandbox.fuel {
                    metrics.entry("fuel".into()).or_insert(fuel as f64);
                }
                Ok(Evaluation::Scored {
                    score: metrics[&self.metric],
                    metrics,
                    sandbox,
                    build_ms: 0.0,
                    eval_ms: 0.0,
                })
            }
            Err(message) => Ok(Evaluation::Rejected {
                reason: Rejection::ScorerRejected(first_line(&message)),
                feedback: Some(message),
                sandbox,
                build_ms: 0.0,
                eval_ms: 0.0,
            }),
        }
    }

    fn run_function(
        &self,
        bench: FunctionBench,
        data: Option<&Path>,
        program: &Program,
        random_seed: u64,
    ) -> Result<Evaluation, EvolveError> {
        let request = RunRequest {
            args: Vec::new(),
            stdin: Vec::new(),
            dirs: Vec::new(),
            limits: self.limits.clone(),
            random_seed,
        };
        let scored = match program {
            Program::Wasm(wasm) => {
                functions::score_function(bench, &self.runner, wasm, &request, data)?
            }
            Program::Python(dir) => {
                let (python, program) = self.python_program(dir)?;
                functions::score_python_function(bench, python, &program, &request, data)?
            }
        };
        let name = bench.name();
        let sandbox = scored
            .outcome
            .as_ref()
            .map(|o| SandboxStats {
                fuel: o.fuel_used,
                wall_ms: Some(o.wall_ms),
                peak_memory_bytes: Some(o.peak_memory_bytes),
            })
            .unwrap_or_default();
        match scored.metrics {
            Ok(metrics) => match metrics.get(&self.metric) {
                Some(score) if score.is_finite() => Ok(Evaluation::Scored {
                    score: *score,
                    metrics,
                    sandbox,
                    build_ms: 0.0,
                    eval_ms: 0.0,
                }),
                _ => Ok(Evaluation::Rejected {
                    reason: Rejection::ScorerRejected(format!(
                        "the builtin {name} gives no finite {:?}",
                        self.metric
                    )),
                    feedback: None,
                    sandbox,
                    build_ms: 0.0,
                    eval_ms: 0.0,
                }),
            },
            Err(failure) => {
                let (reason, message) = match failure {
                    FunctionFailure::Run(message) => {
                        // The feedback reads as it always has: `run_failed: <error>`.
                        let full = format!("run_failed: {message}");
                        let line = first_line(&full);
                        let detail = line.strip_prefix("run_failed: ").unwrap_or(&line);
                        let detail = with_panic(detail, &message);
                        (Rejection::RunFailed(detail), full)
                    }
                    FunctionFailure::Scorer(message) => {
                        (Rejection::ScorerRejected(first_line(&message)), message)
                    }
                };
                Ok(Evaluation::Rejected {
                    reason,
                    feedback: Some(message),
                    sandbox,
                    build_ms: 0.0,
                    eval_ms: 0.0,
                })
            }
        }
    }

    /// The file a command scorer reads as the run's stdin: the candidate's
    /// own version when stdin is an evolvable file (written under the job's
    /// scratch name), the configured file otherwise.
    fn stdin_file(
        &self,
        stage: &Stage,
        key: &str,
        stdin: &[u8],
    ) -> Result<Option<PathBuf>, EvolveError> {
        if !matches!(self.scorer, ScorerConfig::Command { .. }) {
            return Ok(stage.stdin_path.clone());
        }
        match &stage.stdin {
            Stdin::Bytes(_) => Ok(stage.stdin_path.clone()),
            Stdin::Evolvable(_) => {
                let path = self.scratch.join(format!("{key}.stdin"));
                std::fs::write(&path, stdin).map_err(EvolveError::io("write", &path))?;
                Ok(Some(path))
            }
        }
    }

    fn score(
        &self,
        outcome: &RunOutcome,
        stage: &Stage,
        stdin_file: Option<&Path>,
    ) -> Result<Metrics, String> {
        if outcome.stdout_truncated {
            return Err("the output exceeded the stdout limit and was cut".into());
        }
        match &self.scorer {
            ScorerConfig::Named(_) => {
                scoring::metrics_from_json_line(&outcome.stdout, &self.metric)
            }
            ScorerConfig::Command { command } => scoring::run_command_scorer(
                command,
                &self.scorer_cwd,
                &outcome.stdout,
                &EvaluationInputs {
                    args: &stage.args,
                    stdin_file,
                    dirs: &self.dirs_text,
                },
                &self.hidden_env,
                &self.metric,
                SCORER_TIMEOUT,
            ),
            ScorerConfig::Builtin { builtin, .. } => {
                let Some((found, _)) = &self.builtin else {
                    return Err(format!("the builtin scorer {builtin} was not resolved"));
                };
                let metrics = found.score_output(&outcome.stdout)?;
                if !metrics.contains_key(&self.metric) {
                    return Err(format!(
                        "the builtin scorer {builtin} gives {}, not evaluate.metric = {:?}",
                        metrics.keys().cloned().collect::<Vec<_>>().join(", "),
                        self.metric
                    ));
                }
                Ok(metrics)
            }
            ScorerConfig::Evaluator { .. } => {
                Err("an evaluator scores the program by running it, not its output".into())
            }
        }
    }
}

/// The in-process backend: this machine's sandbox.
/// The builtin scorer the config names, with its data folder; `None` for
/// other scorers. An unknown builtin, or a missing data folder for one that
/// reads data, is a setup error.
fn resolve_builtin(config: &Config) -> Result<Option<(Builtin, Option<PathBuf>)>, EvolveError> {
    let ScorerConfig::Builtin { builtin, data } = &config.evaluate.scorer else {
        return Ok(None);
    };
    let found =
        builtins::find(builtin).map_err(|e| EvolveError::Setup(format!("evaluate.scorer: {e}")))?;
    let data = data.as_ref().map(|d| config.resolve(d));
    if found.needs_data() && !data.as_ref().is_some_and(|d| d.is_dir()) {
        return Err(EvolveError::Setup(format!(
            "evaluate.scorer: the builtin {builtin} needs data = \"<folder>\" holding its instances{}",
            data.map(|d| format!(" ({} is not a folder)", d.display()))
                .unwrap_or_default()
        )));
    }
    Ok(Some((found, data)))
}

/// The user's evaluator and its bridge, for `scorer = { evaluator = .. }`.
fn resolve_bridge(config: &Config, scratch: &Path) -> Result<Option<Bridge>, EvolveError> {
    let ScorerConfig::Evaluator {
        evaluator,
        python,
        timeout_s,
    } = &config.evaluate.scorer
    else {
        return Ok(None);
    };
    Bridge::new(
        scratch,
        config.resolve(evaluator),
        python.clone().unwrap_or_else(|| EVALUATOR_PYTHON.into()),
        Duration::from_secs(timeout_s.unwrap_or(EVALUATOR_TIMEOUT_S)),
    )
    .map(Some)
}

/// The script of a `build = "python"` target (`None` for other builds):
/// a committed or evolvable file, and never with a function benchmark that
/// takes only wasm candidates.
fn resolve_python_entry(
    config: &Config,
    project: &Project,
    crate_files: &BTreeMap<String, Vec<u8>>,
    builtin: &Option<(Builtin, Option<PathBuf>)>,
) -> Result<Option<String>, EvolveError> {
    if config.target.build != BuildKind::Python {
        return Ok(None);
    }
    if let Some((
        Builtin {
            scorer: Scorer::Function(bench),
            ..
        },
        _,
    )) = builtin
        && !bench.takes_python()
    {
        return Err(EvolveError::Setup(format!(
            "the builtin {} times a wasm module's export; it takes no Python program",
            bench.name()
        )));
    }
    let entry = crate::project::python_entry(config).ok_or_else(|| {
        EvolveError::Setup("target.entry must be a relative path inside target.root".into())
    })?;
    if !crate_files.contains_key(&entry) && !project.evolvable.contains(&entry) {
        return Err(EvolveError::Setup(format!(
            "target.entry {entry} is neither a committed .py file under target.root nor an evolvable file"
        )));
    }
    Ok(Some(entry))
}

/// The root-relative evolvable name of `path`, if it is one.
fn evolvable_name(project: &Project, path: &Path) -> Option<String> {
    let canonical = path.canonicalize().ok()?;
    let rel = canonical.strip_prefix(&project.root).ok()?;
    let rel = clean_relative(rel.to_str()?)?;
    project.evolvable.contains(&rel).then_some(rel)
}

/// Why a run failed (short, full), or `None` when it exited with 0.
fn run_failure(outcome: &RunOutcome) -> Option<(String, String)> {
    let stderr = tail(&outcome.stderr_text(), 3000);
    let short = match outcome.status {
        RunStatus::Exited if outcome.exit_code == Some(0) => return None,
        RunStatus::Exited => format!(
            "exited with code {}{}",
            outcome.exit_code.unwrap_or(-1),
            last_line(&stderr)
                .map(|l| format!(": {l}"))
                .unwrap_or_default()
        ),
        status => with_panic(
            &format!(
                "{status}{}",
                outcome
                    .trap
                    .as_deref()
                    .map(|t| format!(": {}", first_line(t)))
                    .unwrap_or_default()
            ),
            &stderr,
        ),
    };
    let mut full = short.clone();
    if let Some(trap) = &outcome.trap {
        full.push_str(&format!("\n{trap}"));
    }
    if !stderr.trim().is_empty() {
        full.push_str(&format!("\nstderr:\n{stderr}"));
    }
    Some((short, full))
}

/// A trap's one-line reason with Rust's panic message in place of the
/// wasm trap's own ("trapped: panicked at src/main.rs:9:5: attempt to
/// subtract with overflow"), when the guest printed one: the trap alone
/// (`unreachable` executed) does not say what went wrong.
fn with_panic(reason: &str, output: &str) -> String {
    match (reason.starts_with("trapped"), panic_summary(output)) {
        (true, Some(panic)) => format!("trapped: {panic}"),
        _ => reason.to_string(),
    }
}

/// "panicked at <place>: <message>" from Rust's panic output, at most 200
/// characters.
fn panic_summary(output: &str) -> Option<String> {
    let mut lines = output.lines();
    while let Some(line) = lines.next() {
        let Some(at) = line.find("panicked at ") else {
            continue;
        };
        let place = line[at..].trim_end().trim_end_matches(':');
        let summary = match lines.next().map(str::trim).filter(|m| !m.is_empty()) {
            Some(message) => format!("{place}: {message}"),
            None => place.to_string(),
        };
        return Some(summary.chars().take(200).collect());
    }
    None
}

/// The first non-empty line, at most 200 characters: a reason's summary.
pub(crate) fn first_line(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    line.chars().take(200).collect()
}

fn last_line(text: &str) -> Option<String> {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.chars().take(200).collect())
}

/// The first compiler error as one line, `path:line:col: error…`: from
/// rustc's full format (the `error` line and the `-->` place under it), or
/// from the short format, else the first line.
fn first_error(diagnostics: &str) -> String {
    let lines: Vec<&str> = diagnostics.lines().collect();
    let human = lines
        .iter()
        .position(|l| l.starts_with("error") && !l.contains("could not compile"));
    let short = lines.iter().position(|l| l.contains(": error"));
    let line = match (human, short) {
        // rustc's full format puts the place on the next line (`  --> file:line:col`);
        // the summary leads with it, as the short format does.
        (Some(at), _) => match lines
            .get(at + 1)
            .and_then(|next| next.trim_start().strip_prefix("--> "))
        {
            Some(place) => format!("{}: {}", place.trim(), lines[at]),
            None => lines[at].to_string(),
        },
        (None, Some(at)) => lines[at].to_string(),
        (None, None) => return first_line(diagnostics),
    };
    line.chars().take(200).collect()
}

fn tail(text: &str, limit: usize) -> String {
    let count = text.chars().count();
    if count <= limit {
        return text.to_string();
    }
    let skip = count - limit;
    format!("…{}", text.chars().skip(skip).collect::<String>())
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trap_reason_carries_the_panic_message() {
        let stderr = "thread '<unnamed>' (1) panicked at src/main.rs:28:12:\nindex out of bounds: the len is 616 but the index is 616\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(
            with_panic(
                "trapped: wasm trap: wasm `unreachable` instruction executed",
                stderr
            ),
            "trapped: panicked at src/main.rs:28:12: index out of bounds: the len is 616 but the index is 616"
        );
        assert_eq!(
            with_panic("trapped: wasm trap: out of fuel", "no panic here"),
            "trapped: wasm trap: out of fuel"
        );
        assert_eq!(
            with_panic("exited with code 1", stderr),
            "exited with code 1"
        );
    }

    #[test]
    fn compiler_output_is_summarised_by_its_first_error() {
        let diagnostics = "warning: unused\n  --> src/main.rs:1\nerror[E0308]: mismatched types\n  --> src/main.rs:3\n";
        assert_eq!(
            first_error(diagnostics),
            "src/main.rs:3: error[E0308]: mismatched types"
        );
        let human = "error[E0425]: cannot find function `gt`\n  --> src/main.rs:14:29\n   |\nhelp: consider importing\n";
        assert_eq!(
            first_error(human),
            "src/main.rs:14:29: error[E0425]: cannot find function `gt`"
        );
        assert_eq!(
            first_error("error: linking failed\n"),
            "error: linking failed"
        );
        let short = "src/main.rs:2:19: error: expected `;`, found `println`\nerror: could not compile `x`\n";
        assert_eq!(
            first_error(short),
            "src/main.rs:2:19: error: expected `;`, found `println`"
        );
        assert_eq!(first_error("weird"), "weird");
        assert_eq!(tail("abcdef", 3), "…def");
    }
}
