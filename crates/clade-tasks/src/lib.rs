//! Coding tasks with hidden tests, and the grader that judges a solution.
//!
//! A suite is a folder of tasks (see `tasks/README.md` for the layout):
//! a statement, a stub library, visible tests an agent may run, hidden tests
//! it never sees and a reference solution. `manifest.toml` pins every file by
//! SHA-256 ([`Manifest`]); grading refuses a suite that does not match it.
//!
//! Grading ([`Grader`]) takes only `src/**/*.rs` from a solution, builds it
//! with the hidden tests as a host-generated harness (`cargo test --no-run`
//! for wasm32-wasip1 in the build sandbox, the library forbidding
//! `unsafe_code`), and runs each hidden test in its own wasm instance. A test
//! passes only when the harness reports it through a per-run host import
//! after the test function returned ([`harness`]): a solution that prints a
//! fake summary, exits early, panics, spins or brings its own tests passes
//! nothing. [`check_task`] proves that per task.
//!
//! This crate never talks to a model and never shows a hidden test to one.

mod check;
mod error;
pub mod grade;
pub mod harness;
mod manifest;
mod suite;

pub use check::{Solution, SolutionCheck, TaskCheck, check_task};
pub use error::TasksError;
pub use grade::{Grade, Grader, TestResult, default_test_limits};
pub use manifest::{MANIFEST_FILE, Manifest};
pub use suite::{Split, TASK_FILES, Task, read_suite};
