//! `clade tasks hash | check`: pinning a task suite by its manifest, and
//! testing the grader on every task. The work is in `clade_tasks`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clade_sandbox::{Builder, BuilderConfig};
use clade_tasks::{Grader, Manifest, TaskCheck, check_task, default_test_limits};
use serde_json::json;

#[derive(clap::Subcommand)]
pub enum TasksCommand {
    /// (Re)write the suite's manifest.toml: the SHA-256 of every file and the hidden test names.
    Hash {
        /// The suite folder (e.g. tasks/rust-core).
        suite: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Check the grader on every task: the reference passes every hidden test;
    /// the stub and the tamper solutions pass none. Exits 1 naming each violation.
    Check {
        suite: PathBuf,
        /// Only these tasks (repeatable).
        #[arg(long = "task")]
        tasks: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: TasksCommand) -> anyhow::Result<ExitCode> {
    match command {
        TasksCommand::Hash { suite, json } => {
            let manifest = Manifest::write(&suite)
                .with_context(|| format!("hashing the suite {}", suite.display()))?;
            let tests: usize = manifest.hidden.values().map(Vec::len).sum();
            if json {
                let out = json!({"tasks": manifest.hidden.len(), "files": manifest.files.len(), "hidden_tests": tests});
                println!("{out}");
            } else {
                println!(
                    "wrote {}: {} tasks, {} files, {tests} hidden tests",
                    suite.join(clade_tasks::MANIFEST_FILE).display(),
                    manifest.hidden.len(),
                    manifest.files.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        TasksCommand::Check { suite, tasks, json } => check(&suite, &tasks, json),
    }
}

fn check(suite: &Path, only: &[String], json: bool) -> anyhow::Result<ExitCode> {
    let (manifest, all) = Manifest::verify(suite)
        .with_context(|| format!("reading the suite {}", suite.display()))?;
    for id in only {
        if !all.iter().any(|t| &t.id == id) {
            let known: Vec<&str> = all.iter().map(|t| t.id.as_str()).collect();
            anyhow::bail!(
                "no task {id:?} in {} (known: {})",
                suite.display(),
                known.join(", ")
            );
        }
    }
    let builder = Builder::new(BuilderConfig::default()).context("setting up the build sandbox")?;
    let grader = Grader::new(builder, default_test_limits())?;
    let scratch = tempfile_dir()?;
    let mut checks: Vec<TaskCheck> = Vec::new();
    let selected: Vec<_> = all
        .iter()
        .filter(|t| only.is_empty() || only.contains(&t.id))
        .collect();
    for (n, task) in selected.iter().enumerate() {
        let hidden = manifest.hidden.get(&task.id).cloned().unwrap_or_default();
        let checked = check_task(&grader, task, &hidden, scratch.path())
            .with_context(|| format!("checking task {}", task.id))?;
        if !json {
            print_task(n + 1, selected.len(), &checked);
        }
        checks.push(checked);
    }
    let failed = checks.iter().filter(|c| !c.ok).count();
    if json {
        println!(
            "{}",
            serde_json::to_string(&json!({"ok": failed == 0, "tasks": checks}))?
        );
    } else {
        println!("{} tasks checked, {failed} with violations", checks.len());
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_task(n: usize, total: usize, checked: &TaskCheck) {
    let reference = &checked.solutions[0].grade;
    let build_ms: f64 = checked.solutions.iter().map(|s| s.grade.build_ms).sum();
    let tests_ms: f64 = checked.solutions.iter().map(|s| s.grade.tests_ms).sum();
    let verdict = if checked.ok { "ok" } else { "VIOLATION" };
    println!(
        "[{n}/{total}] {}: {verdict} (reference {}/{} hidden; build {:.1} s, tests {:.1} s)",
        checked.task,
        reference.hidden_passed,
        reference.hidden_total,
        build_ms / 1e3,
        tests_ms / 1e3
    );
    for violation in checked.violations() {
        println!("  {violation}");
    }
}

/// A scratch folder for the solutions' crates, removed on drop.
fn tempfile_dir() -> anyhow::Result<tempfile::TempDir> {
    let root = clade_sandbox::default_home().join("tasks-scratch");
    std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
    tempfile::tempdir_in(&root).with_context(|| format!("creating a folder in {}", root.display()))
}
