//! `manifest.toml`: the SHA-256 of every file of a suite and the names of
//! each task's hidden tests, written by `clade tasks hash`. Grading reads a
//! suite only through [`Manifest::verify`], so an edited test, stub or
//! reference is refused, naming the file, instead of quietly changing what a
//! pass means. Digests are of the plain bytes, so `sha256sum` agrees.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::TasksError;
use crate::harness::test_names;
use crate::suite::{Task, read_suite, read_text};

pub const MANIFEST_FILE: &str = "manifest.toml";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// `task/relative/path` → lowercase hex SHA-256.
    pub files: BTreeMap<String, String>,
    /// Task id → the hidden tests a solution must pass, in file order.
    pub hidden: BTreeMap<String, Vec<String>>,
}

impl Manifest {
    /// Reads the suite at `dir` and computes its manifest.
    pub fn compute(dir: &Path) -> Result<(Manifest, Vec<Task>), TasksError> {
        let tasks = read_suite(dir)?;
        let mut files = BTreeMap::new();
        let mut hidden = BTreeMap::new();
        for task in &tasks {
            for rel in task_files(&task.dir)? {
                let digest = file_digest(&task.dir.join(&rel))?;
                files.insert(format!("{}/{rel}", task.id), digest);
            }
            let path = task.dir.join("hidden/tests.rs");
            let names = test_names(&read_text(&path)?)
                .map_err(|message| TasksError::invalid(&path, message))?;
            if names.is_empty() {
                return Err(TasksError::invalid(&path, "no #[test] functions"));
            }
            hidden.insert(task.id.clone(), names);
        }
        Ok((Manifest { files, hidden }, tasks))
    }

    /// Writes the manifest of the suite at `dir`; returns it.
    pub fn write(dir: &Path) -> Result<Manifest, TasksError> {
        let (manifest, _) = Manifest::compute(dir)?;
        let body = manifest.to_toml();
        let text = format!(
            "# Written by `clade tasks hash`: the SHA-256 of every file of this suite and\n\
             # the hidden tests each task's solution must pass. Do not edit by hand.\n{body}"
        );
        let path = dir.join(MANIFEST_FILE);
        std::fs::write(&path, text).map_err(TasksError::io("write", &path))?;
        Ok(manifest)
    }

    /// The suite's tasks, after checking that every file matches the
    /// manifest and that no file was added or removed.
    pub fn verify(dir: &Path) -> Result<(Manifest, Vec<Task>), TasksError> {
        let path = dir.join(MANIFEST_FILE);
        if !path.is_file() {
            return Err(TasksError::NoManifest {
                suite: dir.to_path_buf(),
            });
        }
        let recorded: Manifest = toml::from_str(&read_text(&path)?)
            .map_err(|e| TasksError::invalid(&path, e.to_string()))?;
        let (actual, tasks) = Manifest::compute(dir)?;
        for (file, digest) in &recorded.files {
            match actual.files.get(file) {
                None => return Err(tampered(file, "missing")),
                Some(d) if d != digest => return Err(tampered(file, "changed")),
                Some(_) => {}
            }
        }
        if let Some(file) = actual
            .files
            .keys()
            .find(|f| !recorded.files.contains_key(*f))
        {
            return Err(tampered(file, "not in the manifest"));
        }
        if actual.hidden != recorded.hidden {
            return Err(tampered(
                MANIFEST_FILE,
                "its hidden test names differ from the tests",
            ));
        }
        Ok((recorded, tasks))
    }
}

impl Manifest {
    /// TOML by hand (the toml crate is built for parsing only); keys and
    /// values are quoted with Rust's escapes, which TOML reads the same for
    /// the ASCII names and digests a suite holds.
    fn to_toml(&self) -> String {
        let mut out = String::from("[files]\n");
        for (file, digest) in &self.files {
            out.push_str(&format!("{file:?} = {digest:?}\n"));
        }
        out.push_str("\n[hidden]\n");
        for (task, names) in &self.hidden {
            let names: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
            out.push_str(&format!("{task:?} = [{}]\n", names.join(", ")));
        }
        out
    }
}

fn tampered(file: &str, problem: &str) -> TasksError {
    TasksError::Tampered {
        file: file.to_string(),
        problem: problem.to_string(),
    }
}

/// Every regular file under a task folder, relative, sorted.
fn task_files(dir: &Path) -> Result<Vec<String>, TasksError> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, rel)) = stack.pop() {
        for entry in std::fs::read_dir(&path).map_err(TasksError::io("list", &path))? {
            let entry = entry.map_err(TasksError::io("list", &path))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let kind = entry.file_type().map_err(TasksError::io("list", &path))?;
            if kind.is_dir() {
                stack.push((entry.path(), child));
            } else if kind.is_file() {
                out.push(child);
            } else {
                return Err(TasksError::invalid(
                    &entry.path(),
                    "only files and folders are allowed",
                ));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn file_digest(path: &Path) -> Result<String, TasksError> {
    let bytes = std::fs::read(path).map_err(TasksError::io("read", path))?;
    Ok(format!("{:x}", Sha256::digest(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let task = dir.path().join("demo");
        for (file, text) in [
            ("task.toml", "id = \"demo\"\ntier = 1\nsplit = \"train\"\n"),
            ("TASK.md", "Write `pub fn one() -> u32`.\n"),
            (
                "Cargo.toml",
                "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
            ),
            ("src/lib.rs", "pub fn one() -> u32 {\n    todo!()\n}\n"),
            (
                "tests/visible.rs",
                "use demo::*;\n\n#[test]\nfn is_one() {\n    assert_eq!(one(), 1);\n}\n",
            ),
            (
                "hidden/tests.rs",
                "use demo::*;\n\n#[test]\nfn still_one() {\n    assert_eq!(one(), 1);\n}\n",
            ),
            ("reference/lib.rs", "pub fn one() -> u32 {\n    1\n}\n"),
        ] {
            let path = task.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn a_hashed_suite_verifies() {
        let dir = suite();
        let written = Manifest::write(dir.path()).unwrap();
        assert_eq!(written.hidden["demo"], vec!["still_one".to_string()]);
        assert_eq!(written.files.len(), 7);
        let (read, tasks) = Manifest::verify(dir.path()).unwrap();
        assert_eq!(read, written);
        assert_eq!(tasks[0].lib_name, "demo");
    }

    #[test]
    fn an_edited_hidden_test_is_named() {
        let dir = suite();
        Manifest::write(dir.path()).unwrap();
        std::fs::write(
            dir.path().join("demo/hidden/tests.rs"),
            "use demo::*;\n\n#[test]\nfn still_one() {\n}\n",
        )
        .unwrap();
        let err = Manifest::verify(dir.path()).unwrap_err().to_string();
        assert!(err.starts_with("demo/hidden/tests.rs: changed;"), "{err}");
    }

    #[test]
    fn an_added_file_is_named() {
        let dir = suite();
        Manifest::write(dir.path()).unwrap();
        std::fs::write(dir.path().join("demo/src/extra.rs"), "").unwrap();
        let err = Manifest::verify(dir.path()).unwrap_err().to_string();
        assert!(
            err.starts_with("demo/src/extra.rs: not in the manifest;"),
            "{err}"
        );
    }

    #[test]
    fn a_suite_without_manifest_says_how_to_make_one() {
        let dir = suite();
        let err = Manifest::verify(dir.path()).unwrap_err().to_string();
        assert!(err.contains("run `clade tasks hash"), "{err}");
    }
}
