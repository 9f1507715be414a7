//! A git repository made from a set of files in one commit: how a worker
//! turns an evaluation bundle back into the repository its evaluator reads
//! (`clade worker`). It writes only inside the folder it is given.

use std::collections::BTreeMap;
use std::path::Path;

use git2::Repository;

use crate::error::{ArchiveError, GitContext};
use crate::store::{build_tree, check_path, empty_tree, signature};

/// Creates a git repository at `dir` (which must not exist or be empty)
/// holding `files` (repository-relative) in its working tree and in one
/// commit on `main`; returns the commit id.
pub fn write_snapshot(
    dir: &Path,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<String, ArchiveError> {
    for path in files.keys() {
        check_path(path)?;
    }
    let io = |what: &Path, e: std::io::Error| {
        ArchiveError::Refused(format!("writing {}: {e}", what.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let repo =
        Repository::init(dir).ctx(|| format!("creating a repository at {}", dir.display()))?;
    for (path, bytes) in files {
        let full = dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        std::fs::write(&full, bytes).map_err(|e| io(&full, e))?;
    }
    let entries: Vec<(String, Option<Vec<u8>>)> = files
        .iter()
        .map(|(path, bytes)| (path.clone(), Some(bytes.clone())))
        .collect();
    let tree = build_tree(&repo, empty_tree(&repo)?, &entries)?;
    let tree = repo.find_tree(tree).ctx(|| "snapshot tree".into())?;
    let sig = signature(0)?;
    let commit = repo
        .commit(Some("refs/heads/main"), &sig, &sig, "snapshot", &tree, &[])
        .ctx(|| "snapshot commit".into())?;
    repo.set_head("refs/heads/main")
        .ctx(|| "snapshot HEAD".into())?;
    Ok(commit.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_is_a_repository_whose_head_holds_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        let files = BTreeMap::from([
            ("a/b.txt".to_string(), b"b\n".to_vec()),
            ("c.bin".to_string(), vec![0, 1, 2]),
        ]);
        let commit = write_snapshot(&root, &files).unwrap();
        let archive = crate::Archive::open(&root).unwrap();
        assert_eq!(archive.head_commit().as_deref(), Some(commit.as_str()));
        let stored: BTreeMap<String, Vec<u8>> = archive
            .files_in_commit(&commit, "")
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(stored, files);
        assert_eq!(std::fs::read(root.join("a/b.txt")).unwrap(), b"b\n");
    }

    #[test]
    fn a_path_out_of_the_folder_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        let files = BTreeMap::from([("../x".to_string(), b"x".to_vec())]);
        assert!(matches!(
            write_snapshot(&root, &files),
            Err(ArchiveError::InvalidPath(_))
        ));
        assert!(!root.exists());
    }
}
