//! The shared folder of the Slurm batch backend: where jobs, results,
//! bundles, batch scripts and logs live, and the two ways a file appears
//! there — whole (written aside, then renamed) and first-wins (written
//! aside, then hard-linked: a second result never replaces the first).
//! Paths only come from digests and counters made here, never from a file's
//! content.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::DistError;

/// The folders under `evaluate.backend.dir`.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub root: PathBuf,
}

impl Layout {
    pub fn new(root: &Path) -> Layout {
        Layout {
            root: root.to_path_buf(),
        }
    }

    /// Creates the folders (idempotent).
    pub fn create(&self) -> Result<(), DistError> {
        for dir in ["bundles", "jobs", "results", "batches", "logs"] {
            let path = self.root.join(dir);
            std::fs::create_dir_all(&path).map_err(|e| io_error("create", &path, e))?;
        }
        Ok(())
    }

    pub fn bundle(&self, digest: &str) -> PathBuf {
        self.root.join("bundles").join(format!("{digest}.bundle"))
    }

    pub fn job(&self, id: &str) -> PathBuf {
        self.root.join("jobs").join(format!("{id}.json"))
    }

    pub fn result(&self, id: &str) -> PathBuf {
        self.root.join("results").join(format!("{id}.json"))
    }

    /// A batch's list of job ids and its script.
    pub fn batch(&self, name: &str) -> (PathBuf, PathBuf) {
        let dir = self.root.join("batches");
        (
            dir.join(format!("{name}.list")),
            dir.join(format!("{name}.sh")),
        )
    }

    /// Slurm's `--output` pattern, and the log of Slurm job `id`.
    pub fn log_pattern(&self) -> PathBuf {
        self.root.join("logs").join("slurm-%j.out")
    }

    pub fn log(&self, slurm_id: &str) -> PathBuf {
        self.root.join("logs").join(format!("slurm-{slurm_id}.out"))
    }
}

/// Writes `bytes` at `path` so that a reader sees all or nothing.
pub(crate) fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), DistError> {
    let aside = aside(path);
    std::fs::write(&aside, bytes).map_err(|e| io_error("write", &aside, e))?;
    std::fs::rename(&aside, path).map_err(|e| {
        let _ = std::fs::remove_file(&aside);
        io_error("rename into", path, e)
    })
}

/// What [`publish_first`] found.
#[derive(Debug, PartialEq)]
pub(crate) enum Published {
    Stored,
    /// Another writer got there first; its bytes.
    Existing(Vec<u8>),
}

/// Writes `bytes` at `path` unless a file is there: the first writer wins,
/// whole, even when workers on several nodes race.
pub(crate) fn publish_first(path: &Path, bytes: &[u8]) -> Result<Published, DistError> {
    let aside = aside(path);
    std::fs::write(&aside, bytes).map_err(|e| io_error("write", &aside, e))?;
    let linked = std::fs::hard_link(&aside, path);
    let _ = std::fs::remove_file(&aside);
    match linked {
        Ok(()) => Ok(Published::Stored),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => std::fs::read(path)
            .map(Published::Existing)
            .map_err(|e| io_error("read", path, e)),
        Err(e) => Err(io_error("link into", path, e)),
    }
}

/// Reads `path` if it exists.
pub(crate) fn read_if_there(path: &Path) -> Result<Option<Vec<u8>>, DistError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("read", path, e)),
    }
}

/// A name beside `path` no other process or node picks.
fn aside(path: &Path) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(
        ".{name}.{}.{}.{nanos}",
        crate::worker::host_name(),
        std::process::id()
    ))
}

pub(crate) fn io_error(doing: &str, path: &Path, e: std::io::Error) -> DistError {
    DistError::Setup(format!("could not {doing} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_result_stays_and_a_second_writer_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        assert_eq!(publish_first(&path, b"first").unwrap(), Published::Stored);
        assert_eq!(
            publish_first(&path, b"second").unwrap(),
            Published::Existing(b"first".to_vec())
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        // Nothing is left aside.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_whole_write_replaces_and_leaves_nothing_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.json");
        write_whole(&path, b"one").unwrap();
        write_whole(&path, b"two").unwrap();
        assert_eq!(read_if_there(&path).unwrap().unwrap(), b"two");
        assert_eq!(read_if_there(&dir.path().join("none")).unwrap(), None);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
