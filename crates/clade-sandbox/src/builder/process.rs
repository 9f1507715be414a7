//! Running a build command with a deadline and bounded output.
//!
//! The command starts in its own process group; at the deadline the whole
//! group is killed (under bubblewrap, killing `bwrap` also ends its PID
//! namespace, and `--die-with-parent` covers the builder dying first).

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct Finished {
    /// `None` when the deadline killed the command.
    pub status: Option<ExitStatus>,
    /// stdout and stderr interleaved per stream (stderr after stdout), cut to
    /// the limit.
    pub output: String,
    pub output_truncated: bool,
}

pub(crate) fn run_with_deadline(
    mut command: Command,
    timeout: Duration,
    output_limit: usize,
) -> std::io::Result<Finished> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = command.spawn()?;
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|stream| std::thread::spawn(move || read_bounded(stream, output_limit)))
    .collect();

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
        std::thread::sleep(Duration::from_millis(10));
    };
    // After the group is gone the pipes close and the readers finish.
    kill_group(child.id());

    let mut output = Vec::new();
    let mut truncated = false;
    for reader in readers {
        let (bytes, cut) = reader.join().unwrap_or_default();
        output.extend_from_slice(&bytes);
        truncated |= cut;
    }
    if output.len() > output_limit {
        output.truncate(output_limit);
        truncated = true;
    }
    Ok(Finished {
        status,
        output: String::from_utf8_lossy(&output).into_owned(),
        output_truncated: truncated,
    })
}

/// Reads all of `stream`, keeping the first `limit` bytes.
fn read_bounded(mut stream: Box<dyn Read + Send>, limit: usize) -> (Vec<u8>, bool) {
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
