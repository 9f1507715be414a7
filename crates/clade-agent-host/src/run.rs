//! One agent on one task, start to grade: build nothing (the agent's wasm is
//! built already), run the guest with the task's imports until it ends
//! however it ends, write the transcript, then grade what is in the
//! workspace: a coding task on its hidden tests, an optimization task by
//! re-evaluating the workspace and the seed on inputs the agent never saw.

use std::collections::BTreeMap;
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
use crate::host::{AGENT_IMPORTS, AgentHost, Model, State, TaskView, Tester};
use crate::optimize::{Benchmark, Evaluate, OptimizationGrade};
use crate::proposer::{self, RunEvaluation};
use crate::self_improve::{self, Canary, ChildTests};
use crate::transcript::{Event, Transcript};
use crate::workspace::Workspace;
use clade_evolve::ProposalRequest;

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
    pub task: TaskRef<'a>,
    pub budget: Budget,
    pub model: Model,
    /// Seed of the guest's WASI randomness.
    pub random_seed: u64,
    pub transcript: PathBuf,
}

/// Which task a run is on.
#[derive(Debug, Clone, Copy)]
pub enum TaskRef<'a> {
    /// Task `id` of the coding-task suite at `suite` (checked against its
    /// manifest before the run and again before grading).
    Coding { suite: &'a Path, id: &'a str },
    /// The shipped benchmark in this folder (a `clade.toml` beside its crate).
    Optimize { bench: &'a Path },
    /// The agent edits a copy of the agent folder `agent` (its own, or its
    /// parent's) as `statement` asks; its tests build the child and run it
    /// on `canary`. Not graded here: the caller judges the final files.
    SelfImprove {
        agent: &'a Path,
        statement: &'a str,
        canary: &'a Canary,
    },
    /// One iteration of `clade run --agent`: the parent's files, the run's
    /// evaluation. Not graded here: the run evaluates what is left.
    Propose { request: &'a ProposalRequest },
}

/// A task made ready to run: what the agent sees, what grades it after.
enum Prepared {
    Coding,
    Optimize(Arc<Benchmark>),
    SelfImprove,
    Propose,
}

/// What became of one run.
#[derive(Debug, Clone, Serialize)]
pub struct AgentOutcome {
    pub task: String,
    /// Every hidden test passed (a coding task), or the final workspace
    /// scores better than the seed on the grade's inputs (an optimization
    /// task).
    pub pass: bool,
    /// The hidden tests (0 of 0 for an optimization task).
    pub hidden: Count,
    /// The visible tests on the final workspace, run by the host.
    pub visible: Count,
    /// An optimization task's grade.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optimization: Option<OptimizationGrade>,
    /// How the agent's own run ended (exited, timeout, out_of_fuel, trapped…).
    pub status: RunStatus,
    pub exit_code: Option<i32>,
    /// Why the agent's run trapped, when it did.
    pub trap: Option<String>,
    /// The summary the agent gave when it said it was done; never evidence.
    pub done: Option<String>,
    pub spent: Spent,
    /// Why the final workspace did not build against the hidden tests (or,
    /// for an optimization task, why it was rejected).
    pub build_reason: Option<String>,
    /// The agent changed its workspace at all.
    pub edited: bool,
    /// The first budget the agent ran into (`llm_calls`, `tokens`,
    /// `test_runs`, `wall`), if any.
    pub budget_exhausted: Option<String>,
    /// The first model call that failed (after its retries, or a replay
    /// miss): a result with one measures the model's availability, not the
    /// agent, and is not kept as the agent's.
    pub model_error: Option<String>,
    /// The final workspace against the task's files (unified diff).
    #[serde(skip)]
    pub diff: String,
    /// The editable files at the end (path → text).
    #[serde(skip)]
    pub files: BTreeMap<String, String>,
    pub transcript: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Count {
    pub passed: usize,
    pub total: usize,
}

/// Builds agents and runs them on tasks. Cloning is cheap and shares the
/// engine, the module cache and the build folder.
#[derive(Clone)]
pub struct AgentRunner {
    inner: Arc<Inner>,
}

struct Inner {
    builder: Builder,
    runner: Runner,
    grader: Arc<Grader>,
    scratch: PathBuf,
    /// Module cache and build folder of benchmark evaluations.
    eval_home: PathBuf,
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
        let eval_home = config
            .work_dir
            .parent()
            .map_or_else(|| config.work_dir.join("eval"), Path::to_path_buf);
        Ok(AgentRunner {
            inner: Arc::new(Inner {
                eval_home,
                builder: Builder::new(config.clone())?,
                grader: Arc::new(Grader::new(Builder::new(config)?, default_test_limits())?),
                runner,
                scratch,
            }),
        })
    }

    /// Compiles `wasm` into the module cache now, so a run of it does not
    /// spend its own time compiling (a failure is the run's to report).
    pub fn precompile(&self, wasm: &[u8]) {
        let _ = self.inner.runner.precompile(wasm);
    }

    /// Builds the agent at `dir` with the host's agent template.
    pub fn build(&self, dir: &Path) -> Result<BuildOutcome, AgentHostError> {
        Ok(self.inner.builder.build_agent(dir)?)
    }

    /// Runs the agent on one task and grades the result.
    pub fn run_task(&self, run: TaskRun<'_>) -> Result<AgentOutcome, AgentHostError> {
        if !run.prompts.is_dir() {
            return Err(AgentHostError::Invalid(format!(
                "{}: the agent has no prompts folder",
                run.prompts.display()
            )));
        }
        run.budget.validate().map_err(AgentHostError::Invalid)?;
        let (prepared, view, workspace, tester) = self.prepare(run.task)?;
        let mut transcript = Transcript::create(&run.transcript)
            .map_err(AgentHostError::io("create", &run.transcript))?;
        transcript.push(Event::Task {
            id: view.id.clone(),
        });
        let state = State {
            task: view,
            workspace,
            meter: Meter::new(run.budget.clone()),
            transcript,
            tester,
            done: None,
            model_error: None,
        };
        let request = guest_request(&run);
        let (outcome, state) = self.run_guest(run.agent_wasm, &request, run.model, state)?;
        let spent = state.meter.spent();
        let exhausted = state.meter.exhausted();
        let diff = state.workspace.diff();
        state
            .transcript
            .finish()
            .map_err(AgentHostError::io("write", &run.transcript))?;
        let mut graded = match prepared {
            Prepared::Coding => self.grade_coding(run.task, &state.workspace)?,
            Prepared::Optimize(bench) => grade_optimization(&bench, &state.workspace)?,
            Prepared::SelfImprove => AgentOutcome::ungraded("self-improve"),
            Prepared::Propose => AgentOutcome::ungraded("proposal"),
        };
        graded.files = state
            .workspace
            .editable()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        graded.status = outcome.status;
        graded.exit_code = outcome.exit_code;
        graded.trap = outcome.trap.clone();
        graded.done = state.done;
        graded.spent = spent;
        graded.edited = !diff.is_empty();
        graded.diff = diff;
        graded.budget_exhausted = exhausted.map(str::to_string);
        graded.model_error = state.model_error.clone();
        graded.transcript = run.transcript;
        Ok(graded)
    }

    /// What the agent sees and works on, and how its tests run.
    fn prepare(
        &self,
        task: TaskRef<'_>,
    ) -> Result<(Prepared, TaskView, Workspace, Box<dyn Tester>), AgentHostError> {
        match task {
            TaskRef::Coding { suite, id } => {
                let task = suite_task(suite, id)?.0;
                let tester =
                    VisibleTests::new(self.inner.grader.clone(), &task, &self.inner.scratch)?;
                Ok((
                    Prepared::Coding,
                    coding::task_view(&task)?,
                    coding::workspace(&task)?,
                    Box::new(tester),
                ))
            }
            TaskRef::Optimize { bench } => {
                let bench = Arc::new(Benchmark::open(
                    bench,
                    &self.inner.eval_home,
                    &self.inner.scratch,
                )?);
                Ok((
                    Prepared::Optimize(bench.clone()),
                    bench.task_view(),
                    bench.workspace(),
                    Box::new(Evaluate::new(bench)),
                ))
            }
            TaskRef::SelfImprove {
                agent,
                statement,
                canary,
            } => Ok((
                Prepared::SelfImprove,
                self_improve::task_view(statement),
                self_improve::workspace(agent)?,
                Box::new(ChildTests::new(
                    self.clone(),
                    canary.clone(),
                    &self.inner.scratch,
                )),
            )),
            TaskRef::Propose { request } => Ok((
                Prepared::Propose,
                proposer::task_view(request),
                proposer::workspace(request),
                Box::new(RunEvaluation::new(request)),
            )),
        }
    }

    /// Runs the guest until it ends however it ends; the host's state after.
    fn run_guest(
        &self,
        wasm: &[u8],
        request: &RunRequest,
        model: Model,
        state: State,
    ) -> Result<(clade_sandbox::RunOutcome, State), AgentHostError> {
        let host = Arc::new(AgentHost::new(state, model));
        let outcome = self
            .inner
            .runner
            .run_with_host(wasm, request, host.clone())?;
        let state = Arc::try_unwrap(host)
            .ok()
            .and_then(AgentHost::into_state)
            .ok_or_else(|| AgentHostError::Invalid("the agent host is still in use".into()))?;
        Ok((outcome, state))
    }

    /// A coding task's workspace on the hidden and the visible tests.
    fn grade_coding(
        &self,
        task: TaskRef<'_>,
        workspace: &Workspace,
    ) -> Result<AgentOutcome, AgentHostError> {
        let TaskRef::Coding { suite, id } = task else {
            return Err(AgentHostError::Invalid("not a coding task".into()));
        };
        // The suite is checked again: grading never trusts files that
        // changed while the agent ran.
        let (task, hidden) = suite_task(suite, id)?;
        let dir = coding::materialize(workspace, &self.inner.scratch)?;
        let graded = self.inner.grader.grade(&task, &hidden, &dir);
        let _ = std::fs::remove_dir_all(&dir);
        let grade = graded?;
        let visible = VisibleTests::new(self.inner.grader.clone(), &task, &self.inner.scratch)?
            .grade(workspace, None)?;
        let mut outcome = AgentOutcome::ungraded(&task.id);
        outcome.pass = grade.passed;
        outcome.hidden = Count {
            passed: grade.hidden_passed,
            total: grade.hidden_total,
        };
        outcome.visible = Count {
            passed: visible.hidden_passed,
            total: visible.hidden_total,
        };
        outcome.build_reason = grade.build_reason;
        Ok(outcome)
    }
}

/// The agent's run: its prompts mounted read-only, its own computation
/// limited, the budget's wall time as the deadline.
fn guest_request(run: &TaskRun<'_>) -> RunRequest {
    RunRequest {
        args: Vec::new(),
        stdin: Vec::new(),
        dirs: vec![DirMount {
            host: run.prompts.to_path_buf(),
            guest: PROMPTS_MOUNT.to_string(),
            writable: false,
        }],
        limits: RunLimits {
            fuel: AGENT_FUEL,
            memory_bytes: AGENT_MEMORY,
            timeout: run.budget.wall(),
            stdout_bytes: 64 << 10,
            stderr_bytes: 64 << 10,
        },
        random_seed: run.random_seed,
    }
}

/// An optimization task's workspace re-evaluated on unseen inputs.
fn grade_optimization(
    bench: &Benchmark,
    workspace: &Workspace,
) -> Result<AgentOutcome, AgentHostError> {
    let grade = bench.grade(workspace)?;
    let mut outcome = AgentOutcome::ungraded(&bench.name);
    outcome.pass = grade.improved;
    outcome.build_reason = grade.rejection.clone();
    outcome.optimization = Some(grade);
    Ok(outcome)
}

impl AgentOutcome {
    /// A failing outcome for `task`, filled in by grading and the run.
    fn ungraded(task: &str) -> Self {
        AgentOutcome {
            task: task.to_string(),
            pass: false,
            hidden: Count {
                passed: 0,
                total: 0,
            },
            visible: Count {
                passed: 0,
                total: 0,
            },
            optimization: None,
            status: RunStatus::Exited,
            exit_code: None,
            trap: None,
            done: None,
            spent: Spent::default(),
            build_reason: None,
            edited: false,
            budget_exhausted: None,
            model_error: None,
            diff: String::new(),
            files: BTreeMap::new(),
            transcript: PathBuf::new(),
        }
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
