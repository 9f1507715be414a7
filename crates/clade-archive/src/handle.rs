//! One owner thread for an [`Archive`]: `git2::Repository` is Send but not
//! Sync, so concurrent callers (the evolution loop's tasks) send it closures
//! and wait for the answer.

use std::sync::mpsc;
use std::thread::JoinHandle;

use crate::Archive;

type Job = Box<dyn FnOnce(&mut Archive) + Send>;

/// A cloneable handle to an archive owned by a dedicated thread.
#[derive(Clone)]
pub struct ArchiveHandle {
    jobs: mpsc::Sender<Job>,
}

impl ArchiveHandle {
    /// Moves `archive` to its own thread.
    pub fn spawn(mut archive: Archive) -> std::io::Result<(Self, JoinHandle<Archive>)> {
        let (jobs, receiver) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("clade-archive".into())
            .spawn(move || {
                for job in receiver {
                    job(&mut archive);
                }
                archive
            })?;
        Ok((ArchiveHandle { jobs }, thread))
    }

    /// Runs `f` on the archive's thread and returns its result. `None` when
    /// the archive thread is gone (it panicked).
    pub fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Archive) -> T + Send + 'static,
    ) -> Option<T> {
        let (reply, answer) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |archive| {
            let _ = reply.send(f(archive));
        });
        self.jobs.send(job).ok()?;
        answer.recv().ok()
    }
}
