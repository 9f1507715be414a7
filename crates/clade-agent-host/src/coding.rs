//! Coding tasks (`tasks/<suite>/<task>`): the workspace an agent starts
//! from, its visible test runs, and the final grade on the hidden tests,
//! built from the pristine, hash-checked suite with only the agent's
//! `src/**/*.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use clade_tasks::{Grade, Grader, Task, harness::test_names};

use crate::AgentHostError;
use crate::host::{TaskView, TestReport, Tester};
use crate::transcript::cut;
use crate::workspace::{NewFiles, Workspace};

/// Diagnostics shown to the agent, in bytes.
const DIAGNOSTICS_LIMIT: usize = 8 << 10;
/// One failing test's stderr shown to the agent, in bytes.
const TEST_STDERR_LIMIT: usize = 1 << 10;

/// What the agent is told: the statement and the visible tests.
pub fn task_view(task: &Task) -> Result<TaskView, AgentHostError> {
    let statement = read(&task.dir.join("TASK.md"))?;
    let visible = read(&task.dir.join("tests/visible.rs"))?;
    Ok(TaskView {
        id: task.id.clone(),
        kind: "tests",
        statement: format!(
            "{}\n\nThe visible tests (`tests/visible.rs`, read-only; more tests are hidden):\n\n```rust\n{}\n```",
            statement.trim_end(),
            visible.trim_end()
        ),
        metric: "hidden tests passed".into(),
        direction: "maximize".into(),
    })
}

/// The workspace: the stub's `src/**/*.rs` to edit, the manifest and the
/// visible tests to read. Hidden tests and the reference are not in it.
pub fn workspace(task: &Task) -> Result<Workspace, AgentHostError> {
    let writable = BTreeMap::from([(
        "src/lib.rs".to_string(),
        read(&task.dir.join("src/lib.rs"))?,
    )]);
    let read_only = BTreeMap::from([
        (
            "Cargo.toml".to_string(),
            read(&task.dir.join("Cargo.toml"))?,
        ),
        (
            "tests/visible.rs".to_string(),
            read(&task.dir.join("tests/visible.rs"))?,
        ),
    ]);
    Ok(Workspace::new(writable, read_only, NewFiles::RustSources))
}

fn read(path: &Path) -> Result<String, AgentHostError> {
    std::fs::read_to_string(path).map_err(AgentHostError::io("read", path))
}

/// Writes the workspace's editable files under a fresh folder in `scratch`.
pub fn materialize(workspace: &Workspace, scratch: &Path) -> Result<PathBuf, AgentHostError> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = scratch.join(format!("ws-{}-{n}", std::process::id()));
    for (rel, text) in workspace.editable() {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(AgentHostError::io("create", parent))?;
        }
        std::fs::write(&path, text).map_err(AgentHostError::io("write", &path))?;
    }
    Ok(dir)
}

/// Runs a task's visible tests on the agent's workspace.
pub struct VisibleTests {
    pub grader: Arc<Grader>,
    pub task: Task,
    pub scratch: PathBuf,
    visible: String,
    names: Vec<String>,
}

impl VisibleTests {
    pub fn new(grader: Arc<Grader>, task: &Task, scratch: &Path) -> Result<Self, AgentHostError> {
        let path = task.dir.join("tests/visible.rs");
        let visible = read(&path)?;
        let names = test_names(&visible)
            .map_err(|e| AgentHostError::Invalid(format!("{}: {e}", path.display())))?;
        Ok(VisibleTests {
            grader,
            task: task.clone(),
            scratch: scratch.to_path_buf(),
            visible,
            names,
        })
    }

    /// The visible tests on `workspace`, graded by the host; a build or a
    /// test still running at `deadline` is ended there.
    pub fn grade(
        &self,
        workspace: &Workspace,
        deadline: Option<Instant>,
    ) -> Result<Grade, AgentHostError> {
        let dir = materialize(workspace, &self.scratch)?;
        let grade =
            self.grader
                .run_tests_until(&self.task, &self.visible, &self.names, &dir, deadline);
        let _ = std::fs::remove_dir_all(&dir);
        Ok(grade?)
    }
}

impl Tester for VisibleTests {
    fn run(&mut self, workspace: &Workspace, deadline: Instant) -> Result<TestReport, String> {
        let grade = self
            .grade(workspace, Some(deadline))
            .map_err(|e| format!("the host could not run the tests: {e}"))?;
        Ok(report(&grade))
    }
}

/// What the agent reads of a visible run: libtest-like lines, the failing
/// tests' panic messages, or the build's diagnostics.
fn report(grade: &Grade) -> TestReport {
    if grade.build != clade_sandbox::BuildStatus::Ok {
        let mut output = format!(
            "the build failed: {}\n",
            grade.build_reason.as_deref().unwrap_or("no reason given")
        );
        if let Some(diagnostics) = &grade.diagnostics {
            output.push_str(&cut(diagnostics, DIAGNOSTICS_LIMIT));
        }
        return TestReport {
            built: false,
            passed: 0,
            total: grade.hidden_total as u64,
            output,
            score: None,
        };
    }
    let mut output = String::new();
    for test in &grade.tests {
        if test.passed {
            output.push_str(&format!("test {} ... ok\n", test.name));
        } else {
            output.push_str(&format!(
                "test {} ... FAILED ({})\n",
                test.name, test.status
            ));
            let stderr = test.stderr.trim();
            if !stderr.is_empty() {
                output.push_str(&cut(stderr, TEST_STDERR_LIMIT));
                output.push('\n');
            }
        }
    }
    let failed = grade.hidden_total - grade.hidden_passed;
    output.push_str(&format!(
        "\ntest result: {} passed; {failed} failed\n",
        grade.hidden_passed
    ));
    TestReport {
        built: true,
        passed: grade.hidden_passed as u64,
        total: grade.hidden_total as u64,
        output,
        score: None,
    }
}
