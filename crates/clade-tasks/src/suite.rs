//! A suite on disk: one folder per task, each with its statement, the stub
//! the agent edits, visible and hidden tests and a reference solution. This
//! module reads the layout; it does not judge anything.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::TasksError;

/// The files every task has, relative to its folder.
pub const TASK_FILES: &[&str] = &[
    "task.toml",
    "TASK.md",
    "Cargo.toml",
    "src/lib.rs",
    "tests/visible.rs",
    "hidden/tests.rs",
    "reference/lib.rs",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    Train,
    Validate,
    Heldout,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskToml {
    id: String,
    tier: u8,
    split: Split,
}

/// One task of a suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: String,
    pub tier: u8,
    pub split: Split,
    pub dir: PathBuf,
    /// The library's crate name (`[package] name` with `-` as `_`).
    pub lib_name: String,
}

impl Task {
    pub fn read(dir: &Path) -> Result<Task, TasksError> {
        for file in TASK_FILES {
            let path = dir.join(file);
            if !path.is_file() {
                return Err(TasksError::invalid(&path, "missing"));
            }
        }
        let meta_path = dir.join("task.toml");
        let text = read_text(&meta_path)?;
        let meta: TaskToml =
            toml::from_str(&text).map_err(|e| TasksError::invalid(&meta_path, e.to_string()))?;
        let folder = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if meta.id != folder {
            return Err(TasksError::invalid(
                &meta_path,
                format!("id {:?} differs from the folder name {folder:?}", meta.id),
            ));
        }
        if !(1..=3).contains(&meta.tier) {
            return Err(TasksError::invalid(&meta_path, "tier must be 1, 2 or 3"));
        }
        Ok(Task {
            id: meta.id,
            tier: meta.tier,
            split: meta.split,
            dir: dir.to_path_buf(),
            lib_name: lib_name(&dir.join("Cargo.toml"))?,
        })
    }
}

fn lib_name(manifest: &Path) -> Result<String, TasksError> {
    let text = read_text(manifest)?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| TasksError::invalid(manifest, e.to_string()))?;
    if table.contains_key("dependencies") {
        return Err(TasksError::invalid(
            manifest,
            "a task has no [dependencies]",
        ));
    }
    table
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(toml::Value::as_str)
        .map(|name| name.replace('-', "_"))
        .ok_or_else(|| TasksError::invalid(manifest, "no [package] name"))
}

/// The tasks of the suite at `dir`, sorted by id.
pub fn read_suite(dir: &Path) -> Result<Vec<Task>, TasksError> {
    let entries = std::fs::read_dir(dir).map_err(TasksError::io("list", dir))?;
    let mut tasks = Vec::new();
    for entry in entries {
        let entry = entry.map_err(TasksError::io("list", dir))?;
        if entry
            .file_type()
            .map_err(TasksError::io("list", dir))?
            .is_dir()
        {
            tasks.push(Task::read(&entry.path())?);
        }
    }
    tasks.sort_by(|a, b| a.id.cmp(&b.id));
    if tasks.is_empty() {
        return Err(TasksError::invalid(
            dir,
            "no tasks (a task is a folder with task.toml)",
        ));
    }
    Ok(tasks)
}

pub(crate) fn read_text(path: &Path) -> Result<String, TasksError> {
    std::fs::read_to_string(path).map_err(TasksError::io("read", path))
}
