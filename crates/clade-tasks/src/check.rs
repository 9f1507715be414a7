//! `clade tasks check`: testing the grader on every task of a suite. The
//! reference must pass every hidden test; the stub and each built-in tamper
//! solution must pass none. A tamper is the stub with every `todo!()` body
//! replaced by an attack on a naive grader: print a fake libtest summary and
//! exit 0, exit 0 at once, or bring its own passing tests.

use std::path::Path;

use serde::Serialize;

use crate::TasksError;
use crate::grade::{Grade, Grader};
use crate::suite::{Task, read_text};

/// A solution the check grades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Solution {
    Reference,
    Stub,
    FakeSummary,
    EarlyExit,
    OwnTests,
}

impl Solution {
    pub const ALL: [Solution; 5] = [
        Solution::Reference,
        Solution::Stub,
        Solution::FakeSummary,
        Solution::EarlyExit,
        Solution::OwnTests,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Solution::Reference => "reference",
            Solution::Stub => "stub",
            Solution::FakeSummary => "fake_summary",
            Solution::EarlyExit => "early_exit",
            Solution::OwnTests => "own_tests",
        }
    }

    /// The library source of this solution.
    fn source(self, task: &Task, hidden: &[String]) -> Result<String, TasksError> {
        let stub = read_text(&task.dir.join("src/lib.rs"))?;
        let fake = "{ ::std::println!(\"\\ntest result: ok. 99 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\"); \
                    ::std::eprintln!(\"test result: ok.\"); ::std::process::exit(0) }";
        Ok(match self {
            Solution::Reference => read_text(&task.dir.join("reference/lib.rs"))?,
            Solution::Stub => stub,
            Solution::FakeSummary => stub.replace("todo!()", fake),
            Solution::EarlyExit => stub.replace("todo!()", "::std::process::exit(0)"),
            Solution::OwnTests => {
                let mut own = stub;
                own.push_str("\n#[cfg(test)]\nmod clade_own_tests {\n");
                for name in hidden {
                    own.push_str(&format!("    #[test]\n    fn {name}() {{}}\n"));
                }
                own.push_str("}\n");
                own
            }
        })
    }
}

/// What one solution scored, and whether that is what the check expects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SolutionCheck {
    pub solution: Solution,
    pub grade: Grade,
    /// `None` when the grade is as expected.
    pub violation: Option<String>,
}

/// The check of one task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskCheck {
    pub task: String,
    pub ok: bool,
    pub solutions: Vec<SolutionCheck>,
}

impl TaskCheck {
    pub fn violations(&self) -> impl Iterator<Item = &str> {
        self.solutions.iter().filter_map(|s| s.violation.as_deref())
    }
}

/// Grades every solution of `task` in scratch crates under `scratch`.
pub fn check_task(
    grader: &Grader,
    task: &Task,
    hidden: &[String],
    scratch: &Path,
) -> Result<TaskCheck, TasksError> {
    let stub = read_text(&task.dir.join("src/lib.rs"))?;
    let mut solutions = Vec::new();
    for solution in Solution::ALL {
        let dir = scratch.join(format!("{}-{}", task.id, solution.name()));
        let src = dir.join("src");
        std::fs::create_dir_all(&src).map_err(TasksError::io("create", &src))?;
        let lib = src.join("lib.rs");
        std::fs::write(&lib, solution.source(task, hidden)?)
            .map_err(TasksError::io("write", &lib))?;
        let grade = grader.grade(task, hidden, &dir)?;
        let _ = std::fs::remove_dir_all(&dir);
        let violation = judge(solution, &grade, &stub);
        solutions.push(SolutionCheck {
            solution,
            grade,
            violation,
        });
    }
    Ok(TaskCheck {
        task: task.id.clone(),
        ok: solutions.iter().all(|s| s.violation.is_none()),
        solutions,
    })
}

fn judge(solution: Solution, grade: &Grade, stub: &str) -> Option<String> {
    let who = solution.name();
    let (passed, total) = (grade.hidden_passed, grade.hidden_total);
    match solution {
        Solution::Reference if !grade.passed => Some(match &grade.build_reason {
            Some(reason) => format!("reference: does not build: {reason}"),
            None => format!("reference: passed {passed} of {total} hidden tests, not all"),
        }),
        Solution::Reference => None,
        _ if solution != Solution::Stub
            && solution != Solution::OwnTests
            && !stub.contains("todo!()") =>
        {
            Some(format!("{who}: the stub has no todo!() body to replace"))
        }
        _ if passed > 0 => Some(format!(
            "{who}: passed {passed} of {total} hidden tests; it must pass none"
        )),
        _ => None,
    }
}
