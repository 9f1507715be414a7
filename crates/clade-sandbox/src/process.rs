//! Running a native host process (a candidate build, a user's trusted
//! scorer) with a deadline, optional stdin bytes and bounded output.
//!
//! The command starts in its own process group; at the deadline the whole
//! group is killed, so nothing it started outlives it and holds its pipes
//! open (under bubblewrap, killing `bwrap` also ends its PID namespace, and
//! `--die-with-parent` covers the caller dying first).

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub struct Finished {
    /// `None` when the deadline killed the command.
    pub status: Option<ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
}

/// Runs `command` with `stdin` on its standard input, keeping at most
/// `stdout_limit` / `stderr_limit` bytes of its output.
pub fn run_with_deadline(
    mut command: Command,
    stdin: &[u8],
    timeout: Duration,
    stdout_limit: usize,
    stderr_limit: usize,
) -> std::io::Result<Finished> {
    command
        .stdin(if stdin.is_empty() {
            Stdio::null()
        } else {
            Stdio::piped()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = command.spawn()?;
    let writer = child.stdin.take().map(|mut pipe| {
        let input = stdin.to_vec();
        // A process that stops reading early closes the pipe: not an error.
        std::thread::spawn(move || drop(pipe.write_all(&input)))
    });
    let stdout = child
        .stdout
        .take()
        .map(|s| std::thread::spawn(move || read_bounded(s, stdout_limit)));
    let stderr = child
        .stderr
        .take()
        .map(|s| std::thread::spawn(move || read_bounded(s, stderr_limit)));

    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            kill_group(child.id());
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // After the group is gone the pipes close and the threads finish.
    kill_group(child.id());
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    let join = |reader: Option<std::thread::JoinHandle<(Vec<u8>, bool)>>| {
        reader.and_then(|r| r.join().ok()).unwrap_or_default()
    };
    let (stdout, stdout_truncated) = join(stdout);
    let (stderr, stderr_truncated) = join(stderr);
    Ok(Finished {
        status,
        stdout,
        stderr,
        stdout_truncated,
        stderr_truncated,
    })
}

/// Reads all of `stream`, keeping the first `limit` bytes.
fn read_bounded(mut stream: impl Read, limit: usize) -> (Vec<u8>, bool) {
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    let mut truncated = false;
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = limit.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
                truncated |= n > room;
            }
        }
    }
    (kept, truncated)
}

fn kill_group(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: kill(2) with a negative pid signals the process group we
        // created for this child; it touches no memory.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}
