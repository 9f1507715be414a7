//! Grading one solution of one task on the host: build the solution's
//! `src/**/*.rs` with the task's hidden tests as a harness, then run each
//! hidden test in its own wasm instance under fuel, memory and time limits.
//! A test passed only when the harness reported exactly that test through
//! the per-run `test_passed` import; exit codes and output are not read.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clade_sandbox::{
    BuildStatus, Builder, HostImports, RunHost, RunLimits, RunRequest, RunStatus, Runner,
    RunnerConfig, TestBuild,
};
use serde::Serialize;

use crate::TasksError;
use crate::harness::harness_source;
use crate::suite::{Task, read_text};

const PASS_IMPORT: &str = "test_passed";

/// The limits of one hidden test.
pub fn default_test_limits() -> RunLimits {
    RunLimits {
        fuel: 2_000_000_000,
        memory_bytes: 128 << 20,
        timeout: Duration::from_secs(10),
        stdout_bytes: 16 << 10,
        stderr_bytes: 16 << 10,
    }
}

/// The result of one hidden test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestResult {
    pub name: String,
    pub passed: bool,
    /// How the test's instance ended (exited, trapped, out_of_fuel, timeout…).
    pub status: RunStatus,
    pub fuel_used: Option<u64>,
    /// The test's stderr (a panic message quotes the test's expectations):
    /// only ever shown for visible tests, never serialized.
    #[serde(skip)]
    pub stderr: String,
}

/// The grade of one solution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grade {
    pub task: String,
    /// Every hidden test named in the manifest passed.
    pub passed: bool,
    pub build: BuildStatus,
    /// Why the build was refused or failed.
    pub build_reason: Option<String>,
    pub hidden_passed: usize,
    pub hidden_total: usize,
    pub tests: Vec<TestResult>,
    pub build_ms: f64,
    pub tests_ms: f64,
    /// The compiler's diagnostics when the build failed. They quote the
    /// tests' code: shown to an agent only for visible tests, never
    /// serialized.
    #[serde(skip)]
    pub diagnostics: Option<String>,
}

/// Records what a harness reported during one run.
#[derive(Default)]
struct Reports(Mutex<Vec<String>>);

impl RunHost for Reports {
    fn call(&self, name: &str, input: &[u8], _deadline: Instant) -> Result<Vec<u8>, String> {
        if name != PASS_IMPORT {
            return Err(format!("`clade.{name}` is not offered while grading"));
        }
        let test = String::from_utf8_lossy(input).into_owned();
        self.0
            .lock()
            .map_err(|_| "the grader's report lock is poisoned".to_string())?
            .push(test);
        Ok(Vec::new())
    }
}

pub struct Grader {
    builder: Builder,
    runner: Runner,
    limits: RunLimits,
}

impl Grader {
    pub fn new(builder: Builder, limits: RunLimits) -> Result<Grader, TasksError> {
        let runner = Runner::new(RunnerConfig {
            host_imports: HostImports::new().per_run(PASS_IMPORT),
            ..RunnerConfig::default()
        })?;
        Ok(Grader {
            builder,
            runner,
            limits,
        })
    }

    /// Grades the crate at `solution` (its `src/**/*.rs`) against `task`'s
    /// hidden tests; `hidden` are the test names the manifest holds.
    pub fn grade(
        &self,
        task: &Task,
        hidden: &[String],
        solution: &Path,
    ) -> Result<Grade, TasksError> {
        let tests_text = read_text(&task.dir.join("hidden/tests.rs"))?;
        self.run_tests(task, &tests_text, hidden, solution)
    }

    /// Builds `solution` with the tests in `tests_text` as the harness and
    /// runs each test named in `names` in its own instance. `passed` means
    /// every named test passed.
    pub fn run_tests(
        &self,
        task: &Task,
        tests_text: &str,
        names: &[String],
        solution: &Path,
    ) -> Result<Grade, TasksError> {
        self.run_tests_until(task, tests_text, names, solution, None)
    }

    /// [`Grader::run_tests`], ended at `deadline`: the build is killed
    /// there, and tests not started by then count as failed (timeout).
    pub fn run_tests_until(
        &self,
        task: &Task,
        tests_text: &str,
        names: &[String],
        solution: &Path,
        deadline: Option<Instant>,
    ) -> Result<Grade, TasksError> {
        let harness = harness_source(tests_text, names);
        let build = self.builder.build_tests(&TestBuild {
            candidate: solution,
            lib_name: &task.lib_name,
            harness: &harness,
            deadline,
        })?;
        let mut grade = Grade {
            task: task.id.clone(),
            passed: false,
            build: build.status,
            build_reason: build.reason.clone(),
            hidden_passed: 0,
            hidden_total: names.len(),
            tests: Vec::new(),
            build_ms: build.build_ms,
            tests_ms: 0.0,
            diagnostics: build.diagnostics.clone(),
        };
        let Some(wasm_path) = build.wasm.filter(|_| build.status == BuildStatus::Ok) else {
            return Ok(grade);
        };
        let wasm = std::fs::read(&wasm_path).map_err(TasksError::io("read", &wasm_path))?;
        let started = Instant::now();
        for name in names {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                grade.tests.push(TestResult {
                    name: name.clone(),
                    passed: false,
                    status: RunStatus::Timeout,
                    fuel_used: None,
                    stderr: "not run: the deadline passed".into(),
                });
                continue;
            }
            grade.tests.push(self.run_test(&wasm, name)?);
        }
        grade.tests_ms = started.elapsed().as_secs_f64() * 1e3;
        grade.hidden_passed = grade.tests.iter().filter(|t| t.passed).count();
        grade.passed = grade.hidden_passed == grade.hidden_total;
        Ok(grade)
    }

    fn run_test(&self, wasm: &[u8], name: &str) -> Result<TestResult, TasksError> {
        let reports = Arc::new(Reports::default());
        let request = RunRequest {
            args: vec![name.to_string()],
            limits: self.limits.clone(),
            ..RunRequest::default()
        };
        let outcome = self.runner.run_with_host(wasm, &request, reports.clone())?;
        let reported = reports.0.lock().map(|r| r.clone()).unwrap_or_default();
        Ok(TestResult {
            name: name.to_string(),
            passed: reported == [name],
            status: outcome.status,
            fuel_used: outcome.fuel_used,
            stderr: outcome.stderr_text().into_owned(),
        })
    }
}
