//! Reviewing variants: diffs between trees, a branch for a variant, and
//! promoting a variant's change onto the current branch. These are the only
//! operations that touch the user's branches, index or working tree, and only
//! when asked.

use std::path::Path;

use git2::{BranchType, Delta, DiffOptions, Oid, StatusOptions};
use serde::Serialize;

use crate::archive::Archive;
use crate::error::{ArchiveError, GitContext};
use crate::store;

/// One changed file between two trees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileDiff {
    pub path: String,
    /// `None` when the file does not exist on that side or is not UTF-8 text.
    pub old: Option<String>,
    pub new: Option<String>,
    pub binary: bool,
}

/// A unified diff of one file (3 lines of context), with `a/` and `b/` names.
pub fn unified_diff(file: &FileDiff) -> String {
    if file.binary {
        return format!("Binary file {} differs\n", file.path);
    }
    let old = file.old.as_deref().unwrap_or("");
    let new = file.new.as_deref().unwrap_or("");
    let a = if file.old.is_some() {
        format!("a/{}", file.path)
    } else {
        "/dev/null".into()
    };
    let b = if file.new.is_some() {
        format!("b/{}", file.path)
    } else {
        "/dev/null".into()
    };
    similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Histogram)
        .diff_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&a, &b)
        .to_string()
}

impl Archive {
    /// The files that differ between two trees of a run (`None`: the base).
    pub fn diff(
        &self,
        run: &str,
        from: Option<u64>,
        to: Option<u64>,
    ) -> Result<Vec<FileDiff>, ArchiveError> {
        let old = self.tree_of(run, from)?;
        let new = self.tree_of(run, to)?;
        self.diff_trees(old, new)
    }

    /// The files that differ between variants of possibly different runs.
    pub fn diff_between(
        &self,
        a: (&str, u64),
        b: (&str, u64),
    ) -> Result<Vec<FileDiff>, ArchiveError> {
        let old = self.tree_of(a.0, Some(a.1))?;
        let new = self.tree_of(b.0, Some(b.1))?;
        self.diff_trees(old, new)
    }

    fn diff_trees(&self, old: Oid, new: Oid) -> Result<Vec<FileDiff>, ArchiveError> {
        let old_tree = self.repo.find_tree(old).ctx(|| "tree".into())?;
        let new_tree = self.repo.find_tree(new).ctx(|| "tree".into())?;
        let mut options = DiffOptions::new();
        let diff = self
            .repo
            .diff_tree_to_tree(Some(&old_tree), Some(&new_tree), Some(&mut options))
            .ctx(|| "diffing trees".into())?;
        let mut files = Vec::new();
        for delta in diff.deltas() {
            let path = delta
                .new_file()
                .path()
                .or_else(|| delta.old_file().path())
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            let read = |id: Oid, exists: bool| -> Result<(Option<String>, bool), ArchiveError> {
                if !exists || id.is_zero() {
                    return Ok((None, false));
                }
                let blob = self.repo.find_blob(id).ctx(|| format!("blob of {path}"))?;
                match std::str::from_utf8(blob.content()) {
                    Ok(text) if !blob.is_binary() => Ok((Some(text.to_string()), false)),
                    _ => Ok((None, true)),
                }
            };
            let (old, old_binary) = read(delta.old_file().id(), delta.status() != Delta::Added)?;
            let (new, new_binary) = read(delta.new_file().id(), delta.status() != Delta::Deleted)?;
            files.push(FileDiff {
                path,
                old,
                new,
                binary: old_binary || new_binary,
            });
        }
        Ok(files)
    }

    /// Creates a normal branch at the variant's commit (default name
    /// `clade/<run>/<id>`). Does not check it out.
    pub fn create_branch(
        &self,
        run: &str,
        id: u64,
        name: Option<&str>,
    ) -> Result<String, ArchiveError> {
        let variant = self.variant(run, id)?;
        let name = name.map_or_else(|| format!("clade/{run}/{id}"), str::to_string);
        if self.repo.find_branch(&name, BranchType::Local).is_ok() {
            return Err(ArchiveError::Refused(format!(
                "branch {name} already exists"
            )));
        }
        let commit = self
            .repo
            .find_commit(Oid::from_str(&variant.commit).ctx(|| "commit id".into())?)
            .ctx(|| "variant commit".into())?;
        self.repo
            .branch(&name, &commit, false)
            .ctx(|| format!("creating branch {name}"))?;
        Ok(name)
    }

    /// Applies the whole change of a variant (run base → variant) onto the
    /// current branch as one commit, merging with whatever the branch did
    /// since the run started. Refuses on a dirty working tree or a conflict.
    pub fn promote(&self, run: &str, id: u64) -> Result<String, ArchiveError> {
        if self.repo.is_bare() {
            return Err(ArchiveError::Refused(
                "this archive is a bare repository; use `clade branch` or `clade diff` to take the change".into(),
            ));
        }
        let dirty = self.dirty_paths()?;
        if !dirty.is_empty() {
            return Err(ArchiveError::DirtyWorkingTree(dirty.join(", ")));
        }
        let head = self.repo.head().ctx(|| "HEAD".into())?;
        if !head.is_branch() {
            return Err(ArchiveError::Refused(
                "HEAD is detached; check out a branch first".into(),
            ));
        }
        let head_commit = head.peel_to_commit().ctx(|| "HEAD commit".into())?;
        let base_tree = self
            .repo
            .find_tree(self.tree_of(run, None)?)
            .ctx(|| "base tree".into())?;
        let variant_tree = self
            .repo
            .find_tree(self.tree_of(run, Some(id))?)
            .ctx(|| "variant tree".into())?;
        let head_tree = head_commit.tree().ctx(|| "HEAD tree".into())?;
        let mut merged = self
            .repo
            .merge_trees(&base_tree, &head_tree, &variant_tree, None)
            .ctx(|| "merging the variant onto HEAD".into())?;
        if merged.has_conflicts() {
            let mut paths = Vec::new();
            if let Ok(conflicts) = merged.conflicts() {
                for conflict in conflicts.flatten() {
                    if let Some(entry) = conflict.our.or(conflict.their) {
                        paths.push(String::from_utf8_lossy(&entry.path).into_owned());
                    }
                }
            }
            return Err(ArchiveError::Refused(format!(
                "the variant's change conflicts with the current branch in: {}",
                paths.join(", ")
            )));
        }
        let tree_id = merged
            .write_tree_to(&self.repo)
            .ctx(|| "writing merged tree".into())?;
        if tree_id == head_tree.id() {
            return Err(ArchiveError::Refused(
                "the current branch already contains this change".into(),
            ));
        }
        let tree = self.repo.find_tree(tree_id).ctx(|| "merged tree".into())?;
        let variant = self.variant(run, id)?;
        let score = variant
            .meta
            .score
            .map(|s| format!(" (score {s})"))
            .unwrap_or_default();
        let message = format!(
            "Promote clade variant {run}/{id}{score}\n\nClade-Run: {run}\nClade-Variant: {id}\nClade-Commit: {}\n",
            variant.commit
        );
        let sig = match self.repo.signature() {
            Ok(sig) => sig,
            Err(_) => store::signature(crate::meta::now_ms())?,
        };
        let commit = self
            .repo
            .commit(Some("HEAD"), &sig, &sig, &message, &tree, &[&head_commit])
            .ctx(|| "committing the promotion".into())?;
        // The tree was clean, so a forced checkout only writes the promoted
        // files (untracked files are left alone).
        let mut checkout = git2::build::CheckoutBuilder::new();
        checkout.force();
        self.repo
            .checkout_head(Some(&mut checkout))
            .ctx(|| "updating the working tree".into())?;
        Ok(commit.to_string())
    }

    fn dirty_paths(&self) -> Result<Vec<String>, ArchiveError> {
        let mut options = StatusOptions::new();
        options.include_untracked(false).include_ignored(false);
        let statuses = self
            .repo
            .statuses(Some(&mut options))
            .ctx(|| "git status".into())?;
        Ok(statuses
            .iter()
            .filter(|s| !s.status().is_empty())
            .filter_map(|s| s.path().ok().map(|p| p.to_string()))
            .take(10)
            .collect())
    }

    /// The working directory of a non-bare archive repository.
    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }
}
