//! Self-improvement tasks: an agent edits a copy of its own folder. The
//! workspace is the agent's `src/**/*.rs` and `prompts/*.md` (new files of
//! those kinds may be created, nothing else); "run the tests" builds the
//! child from the workspace with the host's agent template and runs it on
//! the canary; the statement is whatever the host says should change.
//!
//! The canary is a tiny coding task whose every model call is answered
//! with a canned reply (its reference solution in a fence), at no token
//! cost and with no network: an agent that traps, spins, never writes or
//! never tests fails it before it costs a real call.
//!
//! Nothing here decides whether a child is kept: the loop builds the final
//! workspace and runs the canary again itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clade_sandbox::{BuildStatus, RunStatus};

use crate::budget::Budget;
use crate::host::{Model, ModelBackend, TaskView, TestReport, Tester};
use crate::run::{AgentRunner, TaskRef, TaskRun};
use crate::transcript::cut;
use crate::workspace::{NewFiles, Workspace};
use crate::{AgentHostError, coding};

/// Diagnostics shown to the agent, in bytes.
const DIAGNOSTICS_LIMIT: usize = 8 << 10;

/// The canary: a task of a suite and the reply every call gets.
#[derive(Debug, Clone)]
pub struct Canary {
    pub suite: PathBuf,
    pub task: String,
    /// Its reference solution, in a ```rust fence.
    pub reply: String,
}

/// The budget of one canary run: enough for a working agent to ask, write,
/// test and finish twice over; short enough that a broken one costs little.
pub fn canary_budget() -> Budget {
    Budget {
        llm_calls: 4,
        tokens: 1_000_000,
        test_runs: 4,
        wall_s: 30,
    }
}

impl Canary {
    /// The canary of `task` in `suite`: its reply is the task's reference.
    pub fn new(suite: &Path, task: &str) -> Result<Self, AgentHostError> {
        let path = suite.join(task).join("reference/lib.rs");
        let reference =
            std::fs::read_to_string(&path).map_err(AgentHostError::io("read", &path))?;
        Ok(Canary {
            suite: suite.to_path_buf(),
            task: task.to_string(),
            reply: format!("```rust\n{}\n```\n", reference.trim_end()),
        })
    }

    /// Runs `wasm` (an agent built from a folder whose prompts are at
    /// `prompts`) on the canary; `Ok(None)` when it passed, else why not.
    pub fn check(
        &self,
        runner: &AgentRunner,
        wasm: &[u8],
        prompts: &Path,
        transcript: PathBuf,
    ) -> Result<Option<String>, AgentHostError> {
        // Compiled outside the clock: the verdict is about the agent, not
        // about how loaded the machine was while its module compiled.
        runner.precompile(wasm);
        let outcome = runner.run_task(TaskRun {
            agent_wasm: wasm,
            prompts,
            task: TaskRef::Coding {
                suite: &self.suite,
                id: &self.task,
            },
            budget: canary_budget(),
            model: Model {
                backend: ModelBackend::Canned(self.reply.clone()),
                seed: 0,
            },
            random_seed: 0,
            transcript: transcript.clone(),
        })?;
        let _ = std::fs::remove_file(&transcript);
        Ok(match (outcome.status, outcome.pass) {
            (RunStatus::Exited, true) => None,
            (RunStatus::Exited, false) => Some(format!(
                "the agent ran but did not solve the canary task {} with the right answer given \
                 ({} of {} hidden tests, {} LLM calls, {} test runs)",
                self.task,
                outcome.hidden.passed,
                outcome.hidden.total,
                outcome.spent.llm_calls,
                outcome.spent.test_runs
            )),
            (status, _) => Some(format!(
                "the agent's run ended {} on the canary task{}",
                status.as_str(),
                outcome
                    .trap
                    .map(|t| format!(": {}", cut(&t, 500)))
                    .unwrap_or_default()
            )),
        })
    }
}

/// What the agent is told: the host's statement of what to improve.
pub fn task_view(statement: &str) -> TaskView {
    TaskView {
        id: "self-improve".into(),
        kind: "self_improve",
        statement: statement.to_string(),
        metric: "the canary passes; the child is then scored on coding tasks".into(),
        direction: "maximize".into(),
    }
}

/// The agent's own files as a workspace: `src/**/*.rs` and `prompts/*.md`.
pub fn workspace(agent: &Path) -> Result<Workspace, AgentHostError> {
    let files = agent_files(agent)?;
    Ok(Workspace::new(files, BTreeMap::new(), NewFiles::AgentFiles))
}

/// `src/**/*.rs` and `prompts/*.md` of the agent at `dir` (relative path →
/// text). A symlink or a file that is not UTF-8 is an error.
pub fn agent_files(dir: &Path) -> Result<BTreeMap<String, String>, AgentHostError> {
    let mut files = BTreeMap::new();
    collect(dir, "src", &mut files, &|p| p.ends_with(".rs"), true)?;
    collect(dir, "prompts", &mut files, &|p| p.ends_with(".md"), false)?;
    Ok(files)
}

fn collect(
    root: &Path,
    rel: &str,
    out: &mut BTreeMap<String, String>,
    keep: &dyn Fn(&str) -> bool,
    deep: bool,
) -> Result<(), AgentHostError> {
    let dir = root.join(rel);
    let entries = std::fs::read_dir(&dir).map_err(AgentHostError::io("read", &dir))?;
    for entry in entries {
        let entry = entry.map_err(AgentHostError::io("read", &dir))?;
        let path = entry.path();
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return Err(AgentHostError::Invalid(format!(
                "{} is not a UTF-8 name",
                path.display()
            )));
        };
        let child = format!("{rel}/{name}");
        let kind = entry
            .file_type()
            .map_err(AgentHostError::io("stat", &path))?;
        if kind.is_symlink() {
            return Err(AgentHostError::Invalid(format!(
                "{} is a symlink; an agent's files must be plain files",
                path.display()
            )));
        } else if kind.is_dir() {
            if deep {
                collect(root, &child, out, keep, deep)?;
            }
        } else if keep(&child) {
            let text = std::fs::read_to_string(&path).map_err(AgentHostError::io("read", &path))?;
            out.insert(child, text);
        }
    }
    Ok(())
}

/// "Run the tests" of a self-improvement task: build the child the
/// workspace holds, then run it on the canary.
pub struct ChildTests {
    runner: AgentRunner,
    canary: Canary,
    scratch: PathBuf,
}

impl ChildTests {
    pub fn new(runner: AgentRunner, canary: Canary, scratch: &Path) -> Self {
        ChildTests {
            runner,
            canary,
            scratch: scratch.to_path_buf(),
        }
    }
}

impl Tester for ChildTests {
    fn run(&mut self, workspace: &Workspace, _deadline: Instant) -> Result<TestReport, String> {
        let dir = coding::materialize(workspace, &self.scratch).map_err(|e| e.to_string())?;
        let report = self.build_and_check(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        report
    }
}

impl ChildTests {
    fn build_and_check(&self, dir: &Path) -> Result<TestReport, String> {
        if !dir.join("prompts").is_dir() {
            std::fs::create_dir_all(dir.join("prompts")).map_err(|e| e.to_string())?;
        }
        let built = self.runner.build(dir).map_err(|e| e.to_string())?;
        let wasm = match (&built.status, &built.wasm) {
            (BuildStatus::Ok, Some(path)) => std::fs::read(path).map_err(|e| e.to_string())?,
            _ => {
                let output = format!(
                    "the agent does not build ({}): {}\n{}",
                    built.status.as_str(),
                    built.reason.unwrap_or_default(),
                    built.diagnostics.unwrap_or_default()
                );
                return Ok(TestReport {
                    built: false,
                    passed: 0,
                    total: 1,
                    output: cut(&output, DIAGNOSTICS_LIMIT),
                    score: None,
                });
            }
        };
        let transcript = dir.join("canary.jsonl");
        let failure = self
            .canary
            .check(&self.runner, &wasm, &dir.join("prompts"), transcript)
            .map_err(|e| e.to_string())?;
        Ok(TestReport {
            built: true,
            passed: u64::from(failure.is_none()),
            total: 1,
            output: failure
                .unwrap_or_else(|| "the child builds and passes the canary task".to_string()),
            score: None,
        })
    }
}
