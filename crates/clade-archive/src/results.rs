//! Host-written results kept in git beside the archive: each result is a
//! commit of a few files under `refs/clade-results/<key>`, so it survives
//! `git gc --prune=now`, is read back without re-running anything, and is
//! reviewable with `git show refs/clade-results/<key>`.
//!
//! The key says what the result is of (e.g. an agent's tree, a suite, a
//! model, a budget, a task and a repeat); this module gives keys no meaning,
//! it only checks that each one is a safe ref name. It must not be written
//! from anything but host code: nothing a guest produced chooses a key.

use std::collections::BTreeMap;
use std::path::Path;

use git2::{FileMode, Oid, Repository};

use crate::ArchiveError;
use crate::archive::find_repository;
use crate::error::GitContext;
use crate::store::{check_path, empty_tree, signature};

/// Where results live.
pub const RESULTS_ROOT: &str = "refs/clade-results/";

/// The key of the host-written extras of variant `id` of an agent run
/// (`clade evolve-agent`: the diagnosis, the self-edit statement, scores
/// after re-evaluation), one place for the writer and the review pages.
pub fn agent_extras_key(run: &str, id: u64) -> String {
    format!("agent-evolve/{run}/{id}")
}

/// Results of one repository (the archive's, or the bare
/// `.clade/archive.git` when the folder is not in a git repository).
/// `git2::Repository` is Send, not Sync: give the store one owner.
pub struct ResultStore {
    repo: Repository,
}

impl ResultStore {
    /// The store of the repository at `git_dir`, which must exist.
    pub(crate) fn open_existing(git_dir: &Path) -> Result<Self, ArchiveError> {
        Ok(ResultStore {
            repo: Repository::open(git_dir).ctx(|| format!("opening {}", git_dir.display()))?,
        })
    }

    /// The store of the repository containing `path`, created as a bare
    /// archive at `path/.clade/archive.git` when there is none.
    pub fn open_or_create(path: &Path) -> Result<Self, ArchiveError> {
        Ok(ResultStore {
            repo: find_repository(path, true)?,
        })
    }

    /// The repository's common git dir.
    pub fn git_dir(&self) -> &Path {
        self.repo.commondir()
    }

    /// The git tree id of `files` (relative paths), written to the object
    /// store: the identity of a folder's contents, equal for equal contents
    /// wherever they are.
    pub fn tree_id(&self, files: &[(String, Vec<u8>)]) -> Result<String, ArchiveError> {
        self.write_tree(files).map(|oid| oid.to_string())
    }

    /// Records `files` as the result at `key`, replacing what was there.
    pub fn put(&self, key: &str, files: &[(String, Vec<u8>)]) -> Result<(), ArchiveError> {
        check_key(key)?;
        let tree = self.write_tree(files)?;
        let tree = self.repo.find_tree(tree).ctx(|| format!("tree {tree}"))?;
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let sig = signature(ms)?;
        let commit = self
            .repo
            .commit(None, &sig, &sig, &format!("result {key}\n"), &tree, &[])
            .ctx(|| format!("committing the result {key}"))?;
        let name = format!("{RESULTS_ROOT}{key}");
        self.repo
            .reference(&name, commit, true, "clade result")
            .ctx(|| format!("writing {name}"))?;
        Ok(())
    }

    /// The files of the result at `key`, or `None` when there is none.
    pub fn get(&self, key: &str) -> Result<Option<BTreeMap<String, Vec<u8>>>, ArchiveError> {
        check_key(key)?;
        let name = format!("{RESULTS_ROOT}{key}");
        let reference = match self.repo.find_reference(&name) {
            Ok(r) => r,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(e).ctx(|| format!("reading {name}")),
        };
        let tree = reference
            .peel_to_tree()
            .ctx(|| format!("the tree of {name}"))?;
        let mut files = BTreeMap::new();
        let mut failed = None;
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() != Some(git2::ObjectType::Blob) {
                return git2::TreeWalkResult::Ok;
            }
            let path = format!("{dir}{}", entry.name().unwrap_or_default());
            match self.repo.find_blob(entry.id()) {
                Ok(blob) => {
                    files.insert(path, blob.content().to_vec());
                    git2::TreeWalkResult::Ok
                }
                Err(e) => {
                    failed = Some((path, e));
                    git2::TreeWalkResult::Abort
                }
            }
        })
        .ctx(|| format!("reading the tree of {name}"))
        .or_else(|e| if failed.is_some() { Ok(()) } else { Err(e) })?;
        if let Some((path, e)) = failed {
            return Err(e).ctx(|| format!("{name}:{path}"));
        }
        Ok(Some(files))
    }

    /// Every key that starts with `prefix` (a whole number of components).
    pub fn keys(&self, prefix: &str) -> Result<Vec<String>, ArchiveError> {
        let glob = format!(
            "{RESULTS_ROOT}{}*",
            prefix.trim_end_matches('/').to_owned() + "/"
        );
        let refs = self
            .repo
            .references_glob(&glob)
            .ctx(|| format!("listing {glob}"))?;
        let mut keys: Vec<String> = refs
            .flatten()
            .filter_map(|r| r.name().ok().map(str::to_string))
            .filter_map(|n| n.strip_prefix(RESULTS_ROOT).map(str::to_string))
            .collect();
        keys.sort();
        Ok(keys)
    }

    /// A flat tree of `files` (nested paths become subtrees).
    fn write_tree(&self, files: &[(String, Vec<u8>)]) -> Result<Oid, ArchiveError> {
        let base = empty_tree(&self.repo)?;
        let base = self.repo.find_tree(base).ctx(|| "empty tree".into())?;
        let mut update = git2::build::TreeUpdateBuilder::new();
        for (path, bytes) in files {
            check_path(path)?;
            let blob = self.repo.blob(bytes).ctx(|| format!("writing {path}"))?;
            update.upsert(path.as_str(), blob, FileMode::Blob);
        }
        update
            .create_updated(&self.repo, &base)
            .ctx(|| "writing tree".into())
    }
}

/// A key is `/`-separated components of letters, digits, `.`, `_`, `-`,
/// none empty, none starting with `.`, none ending in `.lock`.
fn check_key(key: &str) -> Result<(), ArchiveError> {
    let component_ok = |c: &str| {
        !c.is_empty()
            && !c.starts_with('.')
            && !c.ends_with(".lock")
            && c.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-'))
    };
    if key.split('/').all(component_ok) {
        Ok(())
    } else {
        Err(ArchiveError::Refused(format!(
            "invalid result key {key:?}: use '/'-separated names of letters, digits, '.', '_' and '-'"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        pairs
            .iter()
            .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn a_result_reads_back_and_survives_gc() {
        let dir = tempfile::tempdir().unwrap();
        let store = ResultStore::open_or_create(dir.path()).unwrap();
        let put = files(&[("result.json", "{\"pass\":true}"), ("t/x.jsonl", "{}\n")]);
        store.put("bench/a1/t/0", &put).unwrap();
        let status = std::process::Command::new("git")
            .args(["gc", "--prune=now", "--quiet"])
            .current_dir(store.git_dir())
            .status()
            .unwrap();
        assert!(status.success());
        let store = ResultStore::open_or_create(dir.path()).unwrap();
        let got = store.get("bench/a1/t/0").unwrap().unwrap();
        assert_eq!(got["result.json"], b"{\"pass\":true}");
        assert_eq!(got["t/x.jsonl"], b"{}\n");
        assert_eq!(store.get("bench/a1/t/1").unwrap(), None);
        assert_eq!(store.keys("bench/a1").unwrap(), ["bench/a1/t/0"]);
        assert!(store.keys("bench/a").unwrap().is_empty());
    }

    #[test]
    fn equal_contents_have_equal_tree_ids() {
        let dir = tempfile::tempdir().unwrap();
        let store = ResultStore::open_or_create(dir.path()).unwrap();
        let a = store
            .tree_id(&files(&[("src/main.rs", "fn main() {}")]))
            .unwrap();
        let b = store
            .tree_id(&files(&[("src/main.rs", "fn main() {}")]))
            .unwrap();
        let c = store
            .tree_id(&files(&[("src/main.rs", "fn main() { }")]))
            .unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn keys_that_are_not_safe_ref_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = ResultStore::open_or_create(dir.path()).unwrap();
        for key in ["", "a//b", "../x", "a/.hidden", "a/b.lock", "a b", "a/~1"] {
            let err = store.put(key, &[]).unwrap_err().to_string();
            assert!(err.contains("invalid result key"), "{key:?}: {err}");
        }
    }
}
