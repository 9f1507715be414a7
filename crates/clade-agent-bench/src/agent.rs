//! An agent of a comparison: its folder, the label reports use, and its
//! identity, the git tree id of exactly what makes it behave as it does
//! (`src/**/*.rs`, which the host builds, and `prompts/**`, which the host
//! mounts). Other files of the folder (a README, a `target/`) change
//! nothing and so do not change the identity.

use std::path::{Path, PathBuf};

use clade_archive::ResultStore;

use crate::BenchError;

#[derive(Debug, Clone)]
pub struct Agent {
    /// The folder as the user named it.
    pub label: String,
    pub dir: PathBuf,
    /// Git tree id of its sources and prompts.
    pub tree: String,
}

/// The agent at `dir`, identified; `label` is how reports name it.
pub fn agent_tree(store: &ResultStore, label: &str, dir: &Path) -> Result<Agent, BenchError> {
    let label = label.to_string();
    if !dir.join("src").is_dir() || !dir.join("prompts").is_dir() {
        return Err(BenchError::Invalid(format!(
            "{label} is not an agent folder (it needs src/ and prompts/)"
        )));
    }
    let mut files = Vec::new();
    collect(
        dir,
        Path::new("src"),
        &|p| p.extension().is_some_and(|e| e == "rs"),
        &mut files,
    )?;
    collect(dir, Path::new("prompts"), &|_| true, &mut files)?;
    files.sort();
    let tree = store.tree_id(&files)?;
    Ok(Agent {
        label,
        dir: dir.to_path_buf(),
        tree,
    })
}

/// The files under `root/rel` that `keep` accepts, as (relative path,
/// contents). Symlinks are refused: an agent's identity is its own bytes.
fn collect(
    root: &Path,
    rel: &Path,
    keep: &dyn Fn(&Path) -> bool,
    out: &mut Vec<(String, Vec<u8>)>,
) -> Result<(), BenchError> {
    let dir = root.join(rel);
    let entries = std::fs::read_dir(&dir).map_err(BenchError::io("read", &dir))?;
    for entry in entries {
        let entry = entry.map_err(BenchError::io("read", &dir))?;
        let path = entry.path();
        let rel = rel.join(entry.file_name());
        let kind = entry.file_type().map_err(BenchError::io("stat", &path))?;
        if kind.is_symlink() {
            return Err(BenchError::Invalid(format!(
                "{} is a symlink; an agent's sources and prompts must be plain files",
                path.display()
            )));
        } else if kind.is_dir() {
            collect(root, &rel, keep, out)?;
        } else if keep(&rel) {
            let name = rel.to_str().ok_or_else(|| {
                BenchError::Invalid(format!("{} is not a UTF-8 path", path.display()))
            })?;
            let bytes = std::fs::read(&path).map_err(BenchError::io("read", &path))?;
            out.push((name.to_string(), bytes));
        }
    }
    Ok(())
}
