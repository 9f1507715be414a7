//! `clade gc`: what Clade's caches keep without bound, removed by age.
//!
//! Clade's home (`CLADE_HOME`) holds compiled modules (`modules/`), built
//! modules and build folders (`build/wasm/`, `build/src/`), agent scratch
//! (`build/agent-runs/`) and agent transcripts (`transcripts/`); a
//! repository's git dir holds each run's scratch folder and, when asked,
//! the response cache (`clade/llm-cache/`, which replays need). Files not
//! modified for `older_than` are removed; empty folders go with them.
//!
//! This module never touches models, the build's shared target folder (its
//! freshness is cargo's), the archive's refs, notes or objects, run state or
//! logs: variants are the archive's, and only `git` decides about objects.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::EvolveError;

/// What a collection removed (or, dry, would remove).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GcReport {
    pub files: u64,
    pub bytes: u64,
    /// The folders looked at, each with what it gave.
    pub folders: Vec<GcFolder>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GcFolder {
    pub path: PathBuf,
    pub files: u64,
    pub bytes: u64,
}

/// Where to collect.
pub struct GcScope<'a> {
    pub home: &'a Path,
    /// The git dir of a repository with runs, when one is in scope.
    pub git_dir: Option<&'a Path>,
    /// Also the repository's response cache (replays of old runs then miss).
    pub llm_cache: bool,
}

/// Removes files under the scope's cache folders older than `older_than`
/// (only counts them when `dry_run`).
pub fn collect(
    scope: &GcScope<'_>,
    older_than: Duration,
    dry_run: bool,
) -> Result<GcReport, EvolveError> {
    let cutoff = SystemTime::now()
        .checked_sub(older_than)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut folders: Vec<PathBuf> = [
        "modules",
        "build/wasm",
        "build/src",
        "build/agent-runs",
        "transcripts",
    ]
    .iter()
    .map(|f| scope.home.join(f))
    .collect();
    if let Some(git_dir) = scope.git_dir {
        let runs = git_dir.join("clade").join("runs");
        if let Ok(entries) = std::fs::read_dir(&runs) {
            for entry in entries.flatten() {
                folders.push(entry.path().join("scratch"));
            }
        }
        if scope.llm_cache {
            folders.push(git_dir.join("clade").join("llm-cache"));
        }
    }
    let mut report = GcReport::default();
    for folder in folders.into_iter().filter(|f| f.is_dir()) {
        let mut found = GcFolder {
            path: folder.clone(),
            files: 0,
            bytes: 0,
        };
        sweep(&folder, cutoff, dry_run, &mut found)?;
        report.files += found.files;
        report.bytes += found.bytes;
        report.folders.push(found);
    }
    Ok(report)
}

/// Removes (or counts) the old files under `dir`, then the folders left
/// empty below it. Symlinks are removed as links, never followed.
fn sweep(
    dir: &Path,
    cutoff: SystemTime,
    dry_run: bool,
    found: &mut GcFolder,
) -> Result<(), EvolveError> {
    let entries = std::fs::read_dir(dir).map_err(EvolveError::io("read", dir))?;
    for entry in entries {
        let entry = entry.map_err(EvolveError::io("read", dir))?;
        let path = entry.path();
        let meta = std::fs::symlink_metadata(&path).map_err(EvolveError::io("stat", &path))?;
        if meta.is_dir() {
            sweep(&path, cutoff, dry_run, found)?;
            if !dry_run && std::fs::read_dir(&path).is_ok_and(|mut d| d.next().is_none()) {
                let _ = std::fs::remove_dir(&path);
            }
            continue;
        }
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        if modified >= cutoff {
            continue;
        }
        found.files += 1;
        found.bytes += meta.len();
        if !dry_run {
            std::fs::remove_file(&path).map_err(EvolveError::io("remove", &path))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn age(path: &Path, days: u64) {
        let then = SystemTime::now() - Duration::from_secs(days * 86_400);
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(then).unwrap();
    }

    #[test]
    fn old_cache_files_go_new_ones_and_everything_else_stay() {
        let home = tempfile::tempdir().unwrap();
        let git = tempfile::tempdir().unwrap();
        let put = |root: &Path, rel: &str, days: u64| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, b"12345").unwrap();
            age(&path, days);
            path
        };
        let old_module = put(home.path(), "modules/e/abc.cwasm", 40);
        let new_module = put(home.path(), "modules/e/def.cwasm", 1);
        let old_wasm = put(home.path(), "build/wasm/x.wasm", 40);
        let model = put(home.path(), "models/m.gguf", 400);
        let target = put(home.path(), "build/target/release/x.rlib", 400);
        let scratch = put(git.path(), "clade/runs/r1/scratch/i3/src/main.rs", 30);
        let log = put(git.path(), "clade/runs/r1/clade.log", 400);
        let cached = put(git.path(), "clade/llm-cache/ab/abcdef.json", 400);
        let scope = GcScope {
            home: home.path(),
            git_dir: Some(git.path()),
            llm_cache: false,
        };
        let dry = collect(&scope, Duration::from_secs(14 * 86_400), true).unwrap();
        assert_eq!((dry.files, dry.bytes), (3, 15));
        assert!(old_module.exists(), "a dry run removes nothing");
        let done = collect(&scope, Duration::from_secs(14 * 86_400), false).unwrap();
        assert_eq!(done.files, 3);
        for gone in [&old_module, &old_wasm, &scratch] {
            assert!(!gone.exists(), "{}", gone.display());
        }
        for kept in [&new_module, &model, &target, &log, &cached] {
            assert!(kept.exists(), "{}", kept.display());
        }
        assert!(
            !git.path().join("clade/runs/r1/scratch/i3").exists(),
            "empty folders go"
        );
        let with_cache = GcScope {
            llm_cache: true,
            ..scope
        };
        assert_eq!(
            collect(&with_cache, Duration::from_secs(14 * 86_400), false)
                .unwrap()
                .files,
            1
        );
        assert!(!cached.exists());
    }
}
