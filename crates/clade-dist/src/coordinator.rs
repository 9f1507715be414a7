//! The coordinator's side (`clade run` with `[evaluate.backend] kind =
//! "nats"`): an [`EvalBackend`] that publishes each candidate as a job on
//! the work queue and waits for the result a worker stores under the job's
//! id. The controller records results in iteration order as with the local
//! backend, so the archive does not depend on where candidates ran.
//!
//! It owns a small tokio runtime of its own: `evaluate` is called on the
//! run's blocking threads. It must not evaluate anything itself.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clade_evolve::remote::{RemoteBackends, RemoteSpec};
use clade_evolve::{BackendKind, EvalBackend, EvalJob, Evaluation, EvolveError, WorkerCounts};
use futures_util::StreamExt;

use crate::infra::{self, Connection, Infra, nats};
use crate::wire::{JobMessage, ResultMessage, WorkerInfo, job_subject, max_deliveries_subject};
use crate::{DistError, environment};

/// Makes the remote backends of `clade run`: NATS or Slurm, as
/// `evaluate.backend.kind` says.
pub struct DistBackends;

impl RemoteBackends for DistBackends {
    fn connect(&self, spec: RemoteSpec) -> Result<Arc<dyn EvalBackend>, EvolveError> {
        let setup = |e: DistError| EvolveError::Setup(e.to_string());
        if spec.backend.kind == BackendKind::Slurm {
            let backend = crate::slurm::SlurmBackend::start(spec).map_err(setup)?;
            return Ok(Arc::new(backend));
        }
        // The run calls this from inside its own runtime, where another
        // cannot be started: connect on a thread of its own.
        let started = std::thread::spawn(move || Coordinator::start(spec))
            .join()
            .map_err(|_| EvolveError::Setup("the NATS connection thread panicked".into()))?;
        Ok(Arc::new(started.map_err(setup)?))
    }
}

/// A connected coordinator for one run.
pub struct Coordinator {
    runtime: Option<tokio::runtime::Runtime>,
    infra: Infra,
    conn: Connection,
    run: String,
    bundle: String,
    fingerprint: String,
    job_timeout: Duration,
    /// Stream sequences of jobs the server gave up on (delivery cap).
    poisoned: Arc<Mutex<HashSet<u64>>>,
    /// The workers and the queue as last counted (every 2 s).
    counts: Arc<Mutex<WorkerCounts>>,
    /// Told of every result stored, whoever's.
    stored: Arc<tokio::sync::Notify>,
}

impl Coordinator {
    fn start(spec: RemoteSpec) -> Result<Coordinator, DistError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let backend = &spec.backend;
        let conn = Connection {
            url: backend
                .url
                .clone()
                .ok_or_else(|| DistError::Setup("evaluate.backend.url is missing".into()))?,
            token_env: backend.token_env.clone(),
            user: backend.user.clone(),
            stream: backend.stream.clone(),
            ack_wait: Duration::from_secs(backend.ack_wait_s),
            max_deliver: backend.max_deliver,
        };
        let (_, fingerprint) = environment();
        let bundle = spec.bundle.digest();
        let poisoned = Arc::new(Mutex::new(HashSet::new()));
        let counts = Arc::new(Mutex::new(WorkerCounts::default()));
        let stored = Arc::new(tokio::sync::Notify::new());
        let infra = runtime.block_on(async {
            let infra = infra::connect(&conn).await?;
            // The consumer exists before the first job, so the delivery
            // cap applies even before any worker of this kind has started.
            let consumer = infra::job_consumer(&infra, &conn, &fingerprint).await?;
            let mut counter = Counter {
                workers: infra.workers.clone(),
                consumer,
                fingerprint: fingerprint.clone(),
                counts: counts.clone(),
            };
            counter.count().await;
            tokio::spawn(counter.every(Duration::from_secs(2)));
            tokio::spawn(watch_results(infra.results.clone(), stored.clone()));
            upload_bundle(&infra, &bundle, spec.bundle.to_bytes()).await?;
            let mut advisories = infra
                .client
                .subscribe(max_deliveries_subject(&conn.stream))
                .await
                .map_err(|e| nats("the delivery advisories", e))?;
            let poisoned = poisoned.clone();
            tokio::spawn(async move {
                while let Some(message) = advisories.next().await {
                    let seq = serde_json::from_slice::<serde_json::Value>(&message.payload)
                        .ok()
                        .and_then(|v| v["stream_seq"].as_u64());
                    if let (Some(seq), Ok(mut set)) = (seq, poisoned.lock()) {
                        set.insert(seq);
                    }
                }
            });
            Ok::<_, DistError>(infra)
        })?;
        tracing::info!(
            url = %conn.url,
            stream = %conn.stream,
            fingerprint = %fingerprint,
            bundle = %bundle,
            "evaluating on NATS workers"
        );
        Ok(Coordinator {
            runtime: Some(runtime),
            infra,
            conn,
            run: spec.run,
            bundle,
            fingerprint,
            job_timeout: Duration::from_secs(backend.job_timeout_s),
            poisoned,
            counts,
            stored,
        })
    }

    async fn evaluate_async(&self, job: &EvalJob) -> Result<Evaluation, DistError> {
        let message = JobMessage::new(&self.run, &self.bundle, &self.fingerprint, job);
        if let Ok(Some(found)) = self.result(&message.id).await {
            tracing::info!(job = %message.id, key = %job.key, "result already published: reused");
            return Ok(found);
        }
        let started = Instant::now();
        let sequence = self.publish(&message, started).await?;
        // Woken by any new result; the poll is the fallback (a watch lost
        // to a restart), its first pauses short.
        let mut pause = Duration::from_millis(2);
        let mut warned = false;
        loop {
            let stored = self.stored.notified();
            tokio::pin!(stored);
            stored.as_mut().enable();
            match self.result(&message.id).await {
                Ok(Some(found)) => return Ok(found),
                Ok(None) => {}
                // The server is away (a restart): the client reconnects and
                // the job waits in the stream; keep asking.
                Err(e) => {
                    tracing::warn!(job = %message.id, error = %e, "reading the result failed; retrying")
                }
            }
            if self
                .poisoned
                .lock()
                .is_ok_and(|set| set.contains(&sequence))
            {
                return Err(DistError::Poison {
                    key: job.key.clone(),
                    deliveries: self.conn.max_deliver,
                });
            }
            if started.elapsed() > self.job_timeout {
                return Err(DistError::Timeout {
                    key: job.key.clone(),
                    seconds: self.job_timeout.as_secs(),
                });
            }
            if !warned && started.elapsed() > Duration::from_secs(15) {
                warned = true;
                self.warn_without_workers().await;
            }
            tokio::select! {
                _ = stored => {}
                _ = tokio::time::sleep(pause) => {}
            }
            pause = (pause * 2).min(Duration::from_millis(500));
        }
    }

    /// Publishes the job (again and again while the server is away, up to
    /// the job's timeout: its id deduplicates a publish that did land) and
    /// returns its stream sequence.
    async fn publish(&self, message: &JobMessage, started: Instant) -> Result<u64, DistError> {
        let payload: bytes::Bytes = serde_json::to_vec(message)?.into();
        let subject = job_subject(&self.conn.stream, &self.fingerprint);
        loop {
            let mut headers = async_nats::HeaderMap::new();
            headers.insert("Nats-Msg-Id", message.id.as_str());
            let sent = self
                .infra
                .js
                .publish_with_headers(subject.clone(), headers, payload.clone())
                .await;
            let acked = match sent {
                Ok(ack) => ack.await.map_err(|e| nats("publishing a job", e)),
                Err(e) => Err(nats("publishing a job", e)),
            };
            match acked {
                Ok(ack) => return Ok(ack.sequence),
                Err(e) if started.elapsed() > self.job_timeout => return Err(e),
                Err(e) => {
                    tracing::warn!(job = %message.id, error = %e, "publishing failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// The stored result of job `id`, if a worker published one.
    async fn result(&self, id: &str) -> Result<Option<Evaluation>, DistError> {
        let Some(bytes) = self
            .infra
            .results
            .get(id)
            .await
            .map_err(|e| nats("reading a result", e))?
        else {
            return Ok(None);
        };
        let result: ResultMessage = serde_json::from_slice(&bytes)
            .map_err(|e| DistError::Nats(format!("the result of job {id} is not readable: {e}")))?;
        Ok(Some(result.evaluation))
    }

    /// Says, once per job that waits long, when no live worker can take
    /// this run's jobs and which ones there are.
    async fn warn_without_workers(&self) {
        let workers = crate::workers::live(&self.infra).await.unwrap_or_default();
        if workers.iter().any(|w| w.fingerprint == self.fingerprint) {
            return;
        }
        let others: Vec<String> = workers
            .iter()
            .map(|w: &WorkerInfo| format!("{} (fingerprint {})", w.id, w.fingerprint))
            .collect();
        tracing::warn!(
            fingerprint = %self.fingerprint,
            "no live worker has this run's evaluator fingerprint {}; jobs wait on the queue{}",
            self.fingerprint,
            if others.is_empty() {
                " (no worker is alive: start `clade worker --nats URL`)".to_string()
            } else {
                format!("; workers that cannot take them: {}", others.join(", "))
            }
        );
    }
}

/// Wakes the waiting jobs whenever a result is stored, so a fast
/// evaluation is not left waiting for the next poll. Watches again after
/// the server went away.
async fn watch_results(
    results: async_nats::jetstream::kv::Store,
    stored: Arc<tokio::sync::Notify>,
) {
    loop {
        if let Ok(mut entries) = results.watch_all().await {
            while entries.next().await.is_some() {
                stored.notify_waiters();
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Counts the live workers of a fingerprint and the jobs waiting for them.
struct Counter {
    workers: async_nats::jetstream::kv::Store,
    consumer: async_nats::jetstream::consumer::PullConsumer,
    fingerprint: String,
    counts: Arc<Mutex<WorkerCounts>>,
}

impl Counter {
    async fn every(mut self, period: Duration) {
        loop {
            tokio::time::sleep(period).await;
            self.count().await;
        }
    }

    async fn count(&mut self) {
        let workers = crate::workers::live_in(&self.workers)
            .await
            .unwrap_or_default();
        let mine = workers.iter().filter(|w| w.fingerprint == self.fingerprint);
        let (live, busy) = mine.fold((0, 0), |(n, b), w| (n + 1, b + w.busy));
        let queued = match self.consumer.info().await {
            Ok(info) => info.num_pending,
            Err(_) => return,
        };
        if let Ok(mut counts) = self.counts.lock() {
            *counts = WorkerCounts { live, busy, queued };
        }
    }
}

impl EvalBackend for Coordinator {
    fn evaluate(&self, job: &EvalJob) -> Result<Evaluation, EvolveError> {
        let Some(runtime) = &self.runtime else {
            return Err(EvolveError::Setup("the NATS backend has shut down".into()));
        };
        runtime
            .block_on(self.evaluate_async(job))
            .map_err(|e| EvolveError::Setup(e.to_string()))
    }

    fn workers(&self) -> Option<WorkerCounts> {
        self.counts.lock().ok().map(|c| *c)
    }
}

impl Drop for Coordinator {
    fn drop(&mut self) {
        // Dropped inside the run's runtime, where blocking is not allowed.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Puts the bundle in the store unless it is there already.
async fn upload_bundle(infra: &Infra, digest: &str, bytes: Vec<u8>) -> Result<(), DistError> {
    if infra.bundles.info(digest).await.is_ok() {
        return Ok(());
    }
    let mut reader = bytes.as_slice();
    infra
        .bundles
        .put(digest, &mut reader)
        .await
        .map_err(|e| nats("uploading the evaluation bundle", e))?;
    Ok(())
}
