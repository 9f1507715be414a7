//! The archive writer: one thread owns the [`Archive`] and records variants in
//! the order the controller decided them. Whatever has queued up while it was
//! writing goes into the next write as one batch (group commit), so a slow
//! LLM gets each variant on disk at once and a fast loop still writes few,
//! large packs. It decides nothing; ids are checked against the controller's.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Instant;

use clade_archive::{Archive, ArchiveError, NewVariant};
use tokio::sync::mpsc::UnboundedSender;

/// The most variants written in one batch.
const MAX_BATCH: usize = 4096;
/// Batches at least this large are written as one pack.
const PACK_FROM: usize = 16;

/// Where the controller sends the variants it decides: the archive writer,
/// or a test's list.
pub(crate) trait VariantQueue {
    /// Queues the variant the archive must give `id`. `false` when the
    /// queue has stopped (after a failure it already reported).
    fn send(&self, id: u64, variant: NewVariant) -> bool;
}

impl VariantQueue for Writer {
    fn send(&self, id: u64, variant: NewVariant) -> bool {
        Writer::send(self, id, variant)
    }
}

/// What the writer reports back.
#[derive(Debug)]
pub(crate) enum Ack {
    /// These variants are durable: (id, commit).
    Committed {
        variants: Vec<(u64, String)>,
        ms: f64,
    },
    Failed(String),
}

pub(crate) struct Writer {
    queue: Option<mpsc::Sender<(u64, NewVariant)>>,
    thread: Option<JoinHandle<Result<Archive, ArchiveError>>>,
}

impl Writer {
    pub(crate) fn spawn(
        mut archive: Archive,
        run: String,
        acks: UnboundedSender<Ack>,
    ) -> std::io::Result<Self> {
        let (queue, receiver) = mpsc::channel::<(u64, NewVariant)>();
        let thread = std::thread::Builder::new()
            .name("clade-archive-writer".into())
            .spawn(move || {
                while let Ok(first) = receiver.recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match receiver.try_recv() {
                            Ok(next) => batch.push(next),
                            Err(_) => break,
                        }
                    }
                    let started = Instant::now();
                    let expected: Vec<u64> = batch.iter().map(|(id, _)| *id).collect();
                    let variants: Vec<NewVariant> = batch.into_iter().map(|(_, v)| v).collect();
                    // A pack has a fixed cost (a repository handle, two files);
                    // a few variants are cheaper as loose objects.
                    let written = if variants.len() < PACK_FROM {
                        variants
                            .into_iter()
                            .map(|v| archive.insert(&run, v))
                            .collect::<Result<Vec<_>, _>>()
                    } else {
                        archive.insert_batch(&run, variants)
                    };
                    let written = match written {
                        Ok(written) => written,
                        Err(err) => {
                            let _ = acks.send(Ack::Failed(err.to_string()));
                            return Err(err);
                        }
                    };
                    let got: Vec<u64> = written.iter().map(|v| v.meta.id).collect();
                    if got != expected {
                        let message = format!(
                            "the archive assigned ids {got:?} where the run expected {expected:?}; is another process writing this run?"
                        );
                        let _ = acks.send(Ack::Failed(message.clone()));
                        return Err(ArchiveError::Refused(message));
                    }
                    let _ = acks.send(Ack::Committed {
                        variants: written.into_iter().map(|v| (v.meta.id, v.commit)).collect(),
                        ms: started.elapsed().as_secs_f64() * 1000.0,
                    });
                }
                Ok(archive)
            })?;
        Ok(Writer {
            queue: Some(queue),
            thread: Some(thread),
        })
    }

    /// Queues a variant the archive must give `id`. `false` when the writer
    /// has stopped (after a failure it already reported).
    pub(crate) fn send(&self, id: u64, variant: NewVariant) -> bool {
        self.queue
            .as_ref()
            .is_some_and(|q| q.send((id, variant)).is_ok())
    }

    /// Writes what is queued and returns the archive.
    pub(crate) fn finish(mut self) -> Result<Archive, String> {
        self.queue.take();
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(Ok(archive))) => Ok(archive),
            Some(Ok(Err(err))) => Err(err.to_string()),
            Some(Err(_)) => Err("the archive writer panicked".into()),
            None => Err("the archive writer is gone".into()),
        }
    }
}
