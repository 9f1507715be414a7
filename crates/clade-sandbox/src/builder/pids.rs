//! A bound on the number of processes and threads of one build, through the
//! kernel's `pids` cgroup controller. rlimits cannot do this for root
//! (`RLIMIT_NPROC` does not apply to uid 0), and a build runs as whoever
//! runs Clade. Each build gets its own group with `pids.max` set; the build
//! process enters it between fork and exec, so cargo, rustc, the linker and
//! anything they start are counted together. Where no pids controller is
//! writable (no cgroup delegation for this user), builds go unbounded in
//! this respect, as before; `PidsGroup::create` returns `None` and the caller
//! goes on. This module owns the group's life; it must not touch any other
//! cgroup than the ones it made.

use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Where a writable `pids` hierarchy may be mounted: cgroup v1's own
/// mount, then the v2 unified root (when it delegates `pids`).
const ROOTS: &[&str] = &["/sys/fs/cgroup/pids", "/sys/fs/cgroup"];

const PREFIX: &str = "clade-build-";

static NEXT: AtomicU64 = AtomicU64::new(0);

/// One build's pids group; removed when dropped (after the build's
/// processes have exited).
#[derive(Debug)]
pub(crate) struct PidsGroup {
    dir: PathBuf,
    /// `<dir>/cgroup.procs`, ready for the child to open without allocating.
    procs: CString,
}

impl PidsGroup {
    /// A new group allowing `max` processes and threads, or `None` when this
    /// machine offers no writable pids controller.
    pub(crate) fn create(max: u64) -> Option<PidsGroup> {
        ROOTS
            .iter()
            .find_map(|root| Self::create_under(Path::new(root), max))
    }

    fn create_under(root: &Path, max: u64) -> Option<PidsGroup> {
        if !root.join("cgroup.procs").is_file() {
            return None;
        }
        sweep_stale(root);
        let name = format!(
            "{PREFIX}{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let dir = root.join(name);
        std::fs::create_dir(&dir).ok()?;
        let group = PidsGroup {
            procs: CString::new(dir.join("cgroup.procs").as_os_str().as_bytes()).ok()?,
            dir,
        };
        // Dropping `group` on failure removes the folder again.
        std::fs::write(group.dir.join("pids.max"), max.to_string()).ok()?;
        Some(group)
    }

    /// The group's `cgroup.procs`, for [`enter`] in the child.
    pub(crate) fn procs(&self) -> CString {
        self.procs.clone()
    }
}

/// Moves the calling process into the group whose `cgroup.procs` is
/// `procs`. Meant for the child between fork and exec: it only calls getpid,
/// open, write and close, which are async-signal-safe, and allocates nothing.
pub(crate) fn enter(procs: &CStr) -> std::io::Result<()> {
    let mut digits = [0u8; 20];
    // SAFETY: getpid has no preconditions.
    let pid = unsafe { libc::getpid() };
    let text = format_pid(pid as u64, &mut digits);
    // SAFETY: `procs` is a valid NUL-terminated path; the flags ask for a
    // plain write-only open.
    let fd = unsafe { libc::open(procs.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `text` is valid for its length; `fd` is open.
    let written = unsafe { libc::write(fd, text.as_ptr().cast(), text.len()) };
    let error = std::io::Error::last_os_error();
    // SAFETY: `fd` is ours to close.
    unsafe { libc::close(fd) };
    if written < 0 { Err(error) } else { Ok(()) }
}

impl Drop for PidsGroup {
    fn drop(&mut self) {
        // The build's processes were waited for (or killed with their
        // tree); a straggler still exiting makes rmdir fail for a moment.
        // The build's caller does not wait for that: a thread retries.
        if std::fs::remove_dir(&self.dir).is_ok() || !self.dir.exists() {
            return;
        }
        let dir = std::mem::take(&mut self.dir);
        std::thread::spawn(move || {
            for _ in 0..100 {
                std::thread::sleep(std::time::Duration::from_millis(20));
                if std::fs::remove_dir(&dir).is_ok() || !dir.exists() {
                    return;
                }
            }
        });
    }
}

/// Removes empty groups left by Clade processes that no longer run (a
/// SIGKILL skips `Drop`, and a process may exit while a removal is still
/// pending). A group of a live process is never touched.
fn sweep_stale(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if !Path::new("/proc").join(pid.to_string()).exists() {
            // Fails harmlessly when the group still has processes.
            let _ = std::fs::remove_dir(entry.path());
        }
    }
}

/// `pid` in decimal, written into `buffer` without allocating.
fn format_pid(mut pid: u64, buffer: &mut [u8; 20]) -> &[u8] {
    let mut at = buffer.len();
    loop {
        at -= 1;
        buffer[at] = b'0' + (pid % 10) as u8;
        pid /= 10;
        if pid == 0 {
            break;
        }
    }
    &buffer[at..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_holds_its_bound_and_is_removed_when_dropped() {
        let Some(group) = PidsGroup::create(16) else {
            eprintln!("SKIP a_group_holds_its_bound…: no writable pids cgroup here");
            return;
        };
        let dir = group.dir.clone();
        let max = std::fs::read_to_string(dir.join("pids.max")).unwrap();
        assert_eq!(max.trim(), "16");
        drop(group);
        assert!(!dir.exists());
    }

    #[test]
    fn pids_are_written_in_decimal() {
        let mut buffer = [0u8; 20];
        assert_eq!(format_pid(0, &mut buffer), b"0");
        assert_eq!(format_pid(4_194_304, &mut buffer), b"4194304");
        assert_eq!(format_pid(u64::MAX, &mut buffer), b"18446744073709551615");
    }
}
