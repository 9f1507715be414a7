//! Git primitives of the archive: trees from candidate files, variant commits,
//! fan-out notes, refs. Nothing here touches a working tree, an index, HEAD or
//! a branch.
//!
//! Write order is what makes the archive crash-safe: objects first (loose, or
//! one pack per batch), then the notes ref, then the variant refs. A variant
//! exists once its ref exists; a crash before that leaves only unreachable
//! objects or an orphan note, which reopening ignores.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use git2::{FileMode, ObjectType, Oid, Repository, Signature, Time, TreeWalkMode, TreeWalkResult};

use crate::error::{ArchiveError, GitContext};

pub(crate) const NOTES_REF: &str = "refs/notes/clade";
/// The prompts and replies behind each variant, apart from its metadata so
/// reading the index never loads them (see [`crate::Transcript`]).
pub(crate) const TRANSCRIPTS_REF: &str = "refs/notes/clade-transcripts";
pub(crate) const REF_ROOT: &str = "refs/clade/";

pub(crate) fn run_ref(run: &str) -> String {
    format!("{REF_ROOT}{run}/run")
}

pub(crate) fn variant_ref(run: &str, id: u64, validated: bool) -> String {
    format!("{REF_ROOT}{run}/{}/{id}", if validated { "v" } else { "r" })
}

/// What a ref under `refs/clade/` names.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CladeRef {
    Run(String),
    Variant {
        run: String,
        id: u64,
        validated: bool,
    },
}

pub(crate) fn parse_ref(name: &str) -> Option<CladeRef> {
    let rest = name.strip_prefix(REF_ROOT)?;
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [run, "run"] => Some(CladeRef::Run(run.to_string())),
        [run, kind @ ("v" | "r"), id] => Some(CladeRef::Variant {
            run: run.to_string(),
            id: id.parse().ok()?,
            validated: *kind == "v",
        }),
        _ => None,
    }
}

pub(crate) fn signature(ms: u64) -> Result<Signature<'static>, ArchiveError> {
    Signature::new(
        "clade",
        "clade@localhost",
        &Time::new((ms / 1000) as i64, 0),
    )
    .ctx(|| "signature".into())
}

/// A candidate path must be relative, normalized and stay inside the tree.
pub(crate) fn check_path(path: &str) -> Result<(), ArchiveError> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path.contains('\0')
        || path
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == ".." || c.eq_ignore_ascii_case(".git"));
    if bad {
        Err(ArchiveError::InvalidPath(path.to_string()))
    } else {
        Ok(())
    }
}

/// `base` with `files` written over it (`None` content removes the file).
pub(crate) fn build_tree(
    repo: &Repository,
    base: Oid,
    files: &[(String, Option<Vec<u8>>)],
) -> Result<Oid, ArchiveError> {
    let base_tree = repo.find_tree(base).ctx(|| format!("base tree {base}"))?;
    let mut update = git2::build::TreeUpdateBuilder::new();
    for (path, content) in files {
        check_path(path)?;
        match content {
            Some(bytes) => {
                let blob = repo.blob(bytes).ctx(|| format!("writing {path}"))?;
                update.upsert(path.as_str(), blob, FileMode::Blob);
            }
            None => {
                update.remove(path.as_str());
            }
        }
    }
    update
        .create_updated(repo, &base_tree)
        .ctx(|| "writing tree".into())
}

pub(crate) fn empty_tree(repo: &Repository) -> Result<Oid, ArchiveError> {
    repo.treebuilder(None)
        .and_then(|b| b.write())
        .ctx(|| "empty tree".into())
}

/// A notes commit adding `notes` (commit → blob) on top of the current notes
/// ref, with a two-hex-digit fan-out like git's own (`ab/cdef…`), so each
/// update rewrites one small subtree instead of one tree holding every note.
/// The ref is not moved: see [`set_notes_ref`].
pub(crate) fn notes_commit(
    repo: &Repository,
    notes_ref: &'static str,
    notes: &[(Oid, Oid)],
    ms: u64,
) -> Result<NotesUpdate, ArchiveError> {
    let previous = repo
        .find_reference(notes_ref)
        .ok()
        .and_then(|r| r.peel_to_commit().ok());
    let base_tree = match &previous {
        Some(commit) => commit.tree().ctx(|| "notes tree".into())?,
        None => repo
            .find_tree(empty_tree(repo)?)
            .ctx(|| "empty tree".into())?,
    };
    let mut update = git2::build::TreeUpdateBuilder::new();
    for (commit, blob) in notes {
        let hex = commit.to_string();
        update.upsert(
            format!("{}/{}", &hex[..2], &hex[2..]),
            *blob,
            FileMode::Blob,
        );
    }
    let tree = update
        .create_updated(repo, &base_tree)
        .ctx(|| "notes tree".into())?;
    let tree = repo.find_tree(tree).ctx(|| "notes tree".into())?;
    let sig = signature(ms)?;
    let parents: Vec<&git2::Commit> = previous.iter().collect();
    let commit = repo
        .commit(None, &sig, &sig, "Notes added by clade", &tree, &parents)
        .ctx(|| "notes commit".into())?;
    Ok(NotesUpdate {
        notes_ref,
        commit,
        previous: previous.map(|c| c.id()),
    })
}

pub(crate) struct NotesUpdate {
    notes_ref: &'static str,
    commit: Oid,
    previous: Option<Oid>,
}

/// Moves the notes ref to a notes commit whose objects are durable.
pub(crate) fn set_notes_ref(repo: &Repository, update: &NotesUpdate) -> Result<(), ArchiveError> {
    let name = update.notes_ref;
    match update.previous {
        Some(previous) => repo
            .reference_matching(name, update.commit, true, previous, "clade: add notes")
            .map(drop),
        None => repo
            .reference(name, update.commit, false, "clade: add notes")
            .map(drop),
    }
    .ctx(|| format!("updating {name} (another writer may be active)"))
}

/// The note on `commit` under `notes_ref`, if any: one path lookup in the
/// notes tree (either fan-out), no walk.
pub(crate) fn read_note(
    repo: &Repository,
    notes_ref: &str,
    commit: Oid,
) -> Result<Option<Vec<u8>>, ArchiveError> {
    let Ok(reference) = repo.find_reference(notes_ref) else {
        return Ok(None);
    };
    let tree = reference
        .peel_to_tree()
        .ctx(|| format!("{notes_ref} tree"))?;
    let hex = commit.to_string();
    let entry = match tree.get_path(Path::new(&format!("{}/{}", &hex[..2], &hex[2..]))) {
        Ok(entry) => entry,
        Err(_) => match tree.get_name(&hex) {
            Some(entry) => entry.to_owned(),
            None => return Ok(None),
        },
    };
    let blob = repo
        .find_blob(entry.id())
        .ctx(|| format!("note of {hex} on {notes_ref}"))?;
    Ok(Some(blob.content().to_vec()))
}

/// Creates a new loose ref the way git does (`<ref>.lock`, then rename).
///
/// libgit2's ref creation scans every existing ref for name conflicts, which
/// makes inserting the n-th variant O(n). Variant ref names are fresh by
/// construction (ids only grow, and `refs/clade/<run>/{v,r}/` holds nothing
/// but ids), so the scan buys nothing here.
pub(crate) fn create_loose_ref(
    git_dir: &std::path::Path,
    name: &str,
    target: Oid,
) -> Result<(), ArchiveError> {
    let path = git_dir.join(name);
    let io = |e: std::io::Error| ArchiveError::Refused(format!("writing ref {name}: {e}"));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let lock = path.with_file_name(format!(
        "{}.lock",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    std::fs::write(&lock, format!("{target}\n")).map_err(io)?;
    std::fs::rename(&lock, &path).map_err(io)
}

/// Adds new refs straight into `packed-refs`, all at once: one file written
/// and renamed per batch instead of one new file per ref (inode creation
/// dominated batched inserts). The file is rewritten sorted, keeping every
/// existing line (and its `^` peel line) and the existing header's traits.
/// Returns false, writing nothing, when `packed-refs.lock` is held (a user's
/// `git gc`, say); the caller then writes loose refs.
pub(crate) fn add_packed_refs(
    git_dir: &std::path::Path,
    refs: &[(String, Oid)],
) -> Result<bool, ArchiveError> {
    use std::io::Write as _;
    let path = git_dir.join("packed-refs");
    let lock_path = git_dir.join("packed-refs.lock");
    let io = |e: std::io::Error| ArchiveError::Refused(format!("writing {}: {e}", path.display()));
    let mut lock = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&lock_path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
        Err(e) => return Err(io(e)),
    };
    let result = (|| {
        let existing = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(io(e)),
        };
        let mut header = "# pack-refs with: peeled fully-peeled sorted ".to_string();
        // (refname, the ref's line plus any peel line)
        let mut entries: Vec<(String, String)> = Vec::new();
        for line in existing.lines() {
            if let Some(traits) = line.strip_prefix("# pack-refs with:") {
                let mut traits: Vec<&str> = traits.split_whitespace().collect();
                if !traits.contains(&"sorted") {
                    traits.push("sorted");
                }
                header = format!("# pack-refs with: {} ", traits.join(" "));
            } else if line.starts_with('^') {
                if let Some(last) = entries.last_mut() {
                    last.1.push_str(line);
                    last.1.push('\n');
                }
            } else if let Some((_, name)) = line.split_once(' ') {
                entries.push((name.to_string(), format!("{line}\n")));
            }
        }
        for (name, oid) in refs {
            entries.push((name.clone(), format!("{oid} {name}\n")));
        }
        entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        entries.dedup_by(|a, b| a.0 == b.0);
        let mut out = String::with_capacity(existing.len() + refs.len() * 80);
        out.push_str(header.trim_end());
        out.push_str(" \n");
        for (_, lines) in &entries {
            out.push_str(lines);
        }
        lock.write_all(out.as_bytes()).map_err(io)?;
        // No fsync: like libgit2's own object and ref writes (which do not
        // fsync by default), the rename protects against a killed process;
        // an fsync here alone would only stall the writer behind the page
        // cache (seconds under load) without making objects durable.
        std::fs::rename(&lock_path, &path).map_err(io)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&lock_path);
    }
    result.map(|()| true)
}

/// Every note: annotated commit → note blob. Reads any fan-out.
pub(crate) fn read_notes(repo: &Repository) -> Result<HashMap<Oid, Oid>, ArchiveError> {
    let mut map = HashMap::new();
    let Ok(reference) = repo.find_reference(NOTES_REF) else {
        return Ok(map);
    };
    let tree = reference.peel_to_tree().ctx(|| "notes tree".into())?;
    tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
        if entry.kind() == Some(ObjectType::Blob)
            && let Ok(name) = entry.name()
        {
            let hex: String = dir
                .chars()
                .filter(|c| *c != '/')
                .chain(name.chars())
                .collect();
            if let Ok(oid) = Oid::from_str(&hex)
                && hex.len() == 40
            {
                map.insert(oid, entry.id());
            }
        }
        TreeWalkResult::Ok
    })
    .ctx(|| "reading notes".into())?;
    Ok(map)
}

/// Writes objects into an in-memory pack, then stores it as one pack file.
/// Used for batches: far fewer files and fsyncs than loose objects.
pub(crate) fn with_mempack<T>(
    git_dir: &std::path::Path,
    write: impl FnOnce(&Repository) -> Result<T, ArchiveError>,
) -> Result<T, ArchiveError> {
    let repo = Repository::open(git_dir).ctx(|| format!("opening {}", git_dir.display()))?;
    // The pack builder would spend most of the batch searching for deltas
    // (between versions of the notes trees); `git gc` can delta later.
    // libgit2 1.9 reads its big-file threshold, above which nothing is
    // deltified, from `pack.deltaCacheSize` (sic, pack-objects.c), so that is
    // the key that turns delta search off. The setting is added in memory to
    // this handle only, never to .git/config.
    let settings = git_dir.join("clade-pack-v2.config");
    if !settings.is_file() {
        std::fs::write(
            &settings,
            "[pack]\n\tdeltaCacheSize = 1\n\tbigFileThreshold = 1\n",
        )
        .map_err(|e| ArchiveError::Refused(format!("writing {}: {e}", settings.display())))?;
    }
    repo.config()
        .and_then(|mut config| config.add_file(&settings, git2::ConfigLevel::App, true))
        .ctx(|| "pack settings".into())?;
    let odb = repo.odb().ctx(|| "odb".into())?;
    let mempack = odb.add_new_mempack_backend(1000).ctx(|| "mempack".into())?;
    let value = write(&repo)?;
    let mut buf = git2::Buf::new();
    mempack
        .dump(&repo, &mut buf)
        .ctx(|| "dumping the batch pack".into())?;
    let mut writer = odb.packwriter().ctx(|| "pack writer".into())?;
    writer
        .write_all(&buf)
        .map_err(|e| ArchiveError::Refused(format!("writing the batch pack: {e}")))?;
    writer.commit().ctx(|| "committing the batch pack".into())?;
    mempack.reset().ctx(|| "mempack reset".into())?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_round_trip() {
        assert_eq!(parse_ref(&run_ref("r1")), Some(CladeRef::Run("r1".into())));
        assert_eq!(
            parse_ref(&variant_ref("r1", 42, false)),
            Some(CladeRef::Variant {
                run: "r1".into(),
                id: 42,
                validated: false
            })
        );
        assert_eq!(parse_ref("refs/clade/r1/v/x"), None);
        assert_eq!(parse_ref("refs/heads/main"), None);
    }

    #[test]
    fn paths_must_stay_inside() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../b",
            "a//b",
            ".git/config",
            "src/.GIT/x",
            "a\\b",
            "./a",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
        for good in ["src/lib.rs", "a/b/c.txt", ".gitignore"] {
            assert!(check_path(good).is_ok(), "{good}");
        }
    }
}
