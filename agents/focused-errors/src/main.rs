//! The seed agent: Clade's proposer as a program Clade builds, runs and can
//! evolve. On an optimization task it is the proposer (`propose`): SEARCH/REPLACE
//! or rewrite prompts against the workspace, scored by the host's evaluation,
//! repaired by FIX prompts. On a coding task (`complete`) it asks for the
//! whole file, runs the visible tests, and shows the model what failed,
//! until the tests pass or the rounds or the host's budget run out.
//!
//! Everything it can do goes through `clade_guest::agent`: the host holds
//! the workspace, the model and every meter.

mod complete;
mod policy;
mod propose;

use std::collections::BTreeMap;

use clade_guest::agent::{self, Task};

/// Where the host mounts `prompts/`, read-only.
const PROMPTS: &str = "/agent/prompts";

clade_guest::agent_main!(solve);

fn solve(task: Task) -> String {
    let files = match editable_files(&task) {
        Ok(files) => files,
        Err(e) => return format!("cannot read the workspace: {e}"),
    };
    if task.kind == "tests" && files.len() == 1 {
        complete::run(&task, files)
    } else {
        propose::run(&task, files)
    }
}

/// A prompt file's text.
fn read_prompt(name: &str) -> Result<String, String> {
    let path = format!("{PROMPTS}/{name}");
    std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))
}

/// The files the agent may change, with their contents.
fn editable_files(task: &Task) -> Result<BTreeMap<String, String>, String> {
    let mut files = BTreeMap::new();
    for entry in task.files.iter().filter(|f| f.writable) {
        let text = agent::read_file(&entry.path).map_err(|e| e.to_string())?;
        files.insert(entry.path.clone(), text);
    }
    Ok(files)
}

/// Writes the files of `changed` to the host's workspace.
fn write_changed(changed: &[String], files: &BTreeMap<String, String>) -> Result<(), String> {
    for path in changed {
        agent::write_file(path, &files[path]).map_err(|e| format!("writing {path} was refused: {e}"))?;
    }
    Ok(())
}
