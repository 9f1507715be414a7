//! Tries to write 4 GiB to stdout, ignoring every write error. It writes to
//! fd 1 directly: std's line-buffered stdout would spend its fuel scanning
//! for newlines.
use std::io::Write;
use std::os::fd::FromRawFd;

fn main() {
    let chunk = vec![b'x'; 1 << 20];
    // SAFETY: fd 1 is stdout and stays open for the whole program.
    let mut out = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(1) });
    let mut failed = 0u64;
    for _ in 0..4096 {
        if out.write_all(&chunk).is_err() {
            failed += 1;
        }
    }
    eprintln!("failed writes: {failed}");
}
