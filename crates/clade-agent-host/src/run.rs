//! One agent on one coding task, start to grade: build nothing (the agent's
//! wasm is built already), run the guest with the task's imports until it
//! ends however it ends, write the transcript, then grade what is in the
//! workspace on the hidden tests.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clade_sandbox::{
    BuildOutcome, Builder, BuilderConfig, DirMount, HostImports, RunLimits, RunRequest, RunStatus,
    Runner, RunnerConfig,
};
use clade_tasks::{Grader, Manifest, Task, default_test_limits};
use serde::Serialize;

use crate::AgentHostError;
use crate::budget::{Budget, Meter, Spent};
use crate::coding::{self, VisibleTests};
use crate::host::{AGENT_IMPORTS, AgentHost, Model, State};
use crate::transcript::{Event, Transcript};

/// Where the agent's prompts appear inside the guest.
pub const PROMPTS_MOUNT: &str = "/agent/prompts";

/// Fuel of the agent's own computation (not its builds or tests, which run
/// in their own sandboxes): ~20 s of guest work on this machine's cores.
const AGENT_FUEL: u64 = 40_000_000_000;
const AGENT_MEMORY: u64 = 512 << 20;

/// What one run is about.
pub struct TaskRun<'a> {
    /// The agent's built module.
    pub agent_wasm: &'a [u8],
    /// The agent's `prompts/` folder, mounted read-only.
    pub prompts: &'a Path,
    /// The suite the task belongs to (checked against its manifest before
    /// the run and again before grading).
    pub suite: &'a Path,
    pub task_id: &'a str,
    pub budget: Budget,
    pub model: Model,
    /// Seed of the guest's WASI randomness.
    pub random_seed: u64,
    pub transcript: PathBuf,
}

/// What became of one run.
#[derive(Debug, Clone, Serialize)]
pub struct AgentOutcome {
    pub task: String,
    /// Every hidden test passed.
    pub pass: bool,
    pub hidden: Count,
    /// The visible tests on the final workspace, run by the host.
    pub visible: Count,
    /// How the agent's own run ended (exited, timeout, out_of_fuel, trapped…).
    pub status: RunStatus,
    pub exit_code: Option<i32>,
    /// Why the agent's run trapped, when it did.
    pub trap: Option<String>,
    /// The summary the agent gave when it said it was done; never evidence.
    pub done: Option<String>,
    pub spent: Spent,
    /// Why the final workspace did not build against the hidden tests.
    pub build_reason: Option<String>,
    pub transcript: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Count {
    pub passed: usize,
    pub total: usize,
}

/// Builds agents and runs them on tasks.
pub struct AgentRunner {
    builder: Builder,
    runner: Runner,
    grader: Arc<Grader>,
    scratch: PathBuf,
}

impl AgentRunner {
    pub fn new(config: BuilderConfig) -> Result<Self, AgentHostError> {
        let scratch = config.work_dir.join("agent-runs");
        std::fs::create_dir_all(&scratch).map_err(AgentHostError::io("create", &scratch))?;
        let mut imports = HostImports::new();
        for name in AGENT_IMPORTS {
            imports = imports.per_run(name);
        }
        let runner = Runner::new(RunnerConfig {
            host_imports: imports,
            ..RunnerConfig::default()
        })?;
        Ok(AgentRunner {
            builder: Builder::new(config.clone())?,
            grader: Arc::new(Grader::new(Builder::new(config)?, default_test_limits())?),
            runner,
            scratch,
        })
    }

    /// Builds the agent at `dir` with the host's agent template.
    pub fn build(&self, dir: &Path) -> Result<BuildOutcome, AgentHostError> {
        Ok(self.builder.build_agent(dir)?)
    }

    /// Runs the agent on one task and grades the result.
    pub fn run_task(&self, run: TaskRun<'_>) -> Result<AgentOutcome, AgentHostError> {
        let task = suite_task(run.suite, run.task_id)?.0;
        if !run.prompts.is_dir() {
            return Err(AgentHostError::Invalid(format!(
                "{}: the agent has no prompts folder",
                run.prompts.display()
            )));
        }
        run.budget.validate().map_err(AgentHostError::Invalid)?;
        let mut transcript = Transcript::create(&run.transcript)
            .map_err(AgentHostError::io("create", &run.transcript))?;
        transcript.push(Event::Task {
            id: task.id.clone(),
        });
        let state = State {
            task: coding::task_view(&task)?,
            workspace: coding::workspace(&task)?,
            meter: Meter::new(run.budget.clone()),
            transcript,
            tester: Box::new(VisibleTests::new(
                self.grader.clone(),
                &task,
                &self.scratch,
            )?),
            done: None,
        };
        let host = Arc::new(AgentHost::new(state, run.model));
        let request = RunRequest {
            args: Vec::new(),
            stdin: Vec::new(),
            dirs: vec![DirMount {
                host: run.prompts.to_path_buf(),
                guest: PROMPTS_MOUNT.to_string(),
            }],
            limits: RunLimits {
                fuel: AGENT_FUEL,
                memory_bytes: AGENT_MEMORY,
                timeout: run.budget.wall(),
                stdout_bytes: 64 << 10,
                stderr_bytes: 64 << 10,
            },
            random_seed: run.random_seed,
        };
        let outcome = self
            .runner
            .run_with_host(run.agent_wasm, &request, host.clone())?;
        let state = Arc::try_unwrap(host)
            .ok()
            .and_then(AgentHost::into_state)
            .ok_or_else(|| AgentHostError::Invalid("the agent host is still in use".into()))?;
        let spent = state.meter.spent();
        state
            .transcript
            .finish()
            .map_err(AgentHostError::io("write", &run.transcript))?;
        // The suite is checked again: grading never trusts files that
        // changed while the agent ran.
        let (task, hidden) = suite_task(run.suite, run.task_id)?;
        let dir = coding::materialize(&state.workspace, &self.scratch)?;
        let graded = self.grader.grade(&task, &hidden, &dir);
        let _ = std::fs::remove_dir_all(&dir);
        let grade = graded?;
        let visible = VisibleTests::new(self.grader.clone(), &task, &self.scratch)?
            .grade(&state.workspace)?;
        Ok(AgentOutcome {
            task: task.id.clone(),
            pass: grade.passed,
            hidden: Count {
                passed: grade.hidden_passed,
                total: grade.hidden_total,
            },
            visible: Count {
                passed: visible.hidden_passed,
                total: visible.hidden_total,
            },
            status: outcome.status,
            exit_code: outcome.exit_code,
            trap: outcome.trap.clone(),
            done: state.done,
            spent,
            build_reason: grade.build_reason,
            transcript: run.transcript,
        })
    }
}

/// The task `id` of the suite at `suite`, with its hidden test names, after
/// checking every file of the suite against its manifest.
fn suite_task(suite: &Path, id: &str) -> Result<(Task, Vec<String>), AgentHostError> {
    let (manifest, tasks) = Manifest::verify(suite)?;
    let known = || {
        tasks
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let task = tasks.iter().find(|t| t.id == id).cloned().ok_or_else(|| {
        AgentHostError::Invalid(format!("no task {id:?} in the suite (known: {})", known()))
    })?;
    let hidden = manifest.hidden.get(id).cloned().unwrap_or_default();
    Ok((task, hidden))
}
