//! `clade worker`: takes jobs of its own environment fingerprint from the
//! work queue, evaluates them in this machine's sandbox with the bundle the
//! job names (fetched once by digest and kept on disk), and stores the
//! result under the job's id. Delivery is at least once; results make it
//! exactly once in effect: a job whose result exists is acknowledged
//! without work, and of two results the first stays (a differing second is
//! reported as nondeterminism).
//!
//! A worker runs untrusted candidates only inside its sandbox; what it holds
//! of NATS is what it needs to take jobs and store results.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_nats::jetstream::consumer::PullConsumer;
use async_nats::jetstream::{AckKind, Message, kv};
use clade_evolve::remote::Bundle;
use clade_evolve::{EvalBackend, Evaluation};
use futures_util::StreamExt;
use tokio::io::AsyncReadExt;
use tokio::sync::Mutex;

use crate::evaluator;
use crate::infra::{self, Connection, Infra, nats};
use crate::wire::{JobMessage, ResultMessage, WorkerInfo, same_outcome};
use crate::{DistError, environment};

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub conn: Connection,
    /// Jobs evaluated at once.
    pub jobs: u32,
    /// Clade's cache home (bundles, build dir, module cache).
    pub home: PathBuf,
    /// Environment variables a command scorer must not see.
    pub hidden_env: Vec<String>,
    /// Stop after this many jobs (tests); `None`: until killed.
    pub max_jobs: Option<u64>,
}

/// What every job slot of a worker shares.
struct Shared {
    infra: Infra,
    options: WorkerOptions,
    id: String,
    fingerprint: String,
    /// The environment the fingerprint digests, in words.
    words: String,
    /// Evaluators by bundle digest, built once each.
    evaluators: Mutex<HashMap<String, Arc<dyn EvalBackend>>>,
    done: AtomicU64,
    busy: AtomicU32,
}

/// Runs a worker until `max_jobs` are done (or forever). `ready` is called
/// once it is connected and subscribed, with its id and fingerprint.
pub fn run(options: WorkerOptions, ready: impl FnOnce(&str, &str)) -> Result<u64, DistError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let infra = infra::connect(&options.conn).await?;
        let (words, fingerprint) = environment();
        let consumer = infra::job_consumer(&infra, &options.conn, &fingerprint).await?;
        let id = worker_id();
        let shared = Arc::new(Shared {
            infra,
            options,
            id: id.clone(),
            fingerprint: fingerprint.clone(),
            words,
            evaluators: Mutex::new(HashMap::new()),
            done: AtomicU64::new(0),
            busy: AtomicU32::new(0),
        });
        heartbeat(&shared).await;
        tokio::spawn(heartbeats(shared.clone()));
        ready(&id, &fingerprint);
        let mut slots = Vec::new();
        for _ in 0..shared.options.jobs.max(1) {
            slots.push(tokio::spawn(slot(shared.clone(), consumer.clone())));
        }
        for slot in slots {
            slot.await
                .map_err(|e| DistError::Nats(format!("a job slot failed: {e}")))??;
        }
        Ok(shared.done.load(Ordering::Relaxed))
    })
}

/// One job at a time, forever (or until the worker's quota is done).
async fn slot(shared: Arc<Shared>, consumer: PullConsumer) -> Result<(), DistError> {
    loop {
        if let Some(max) = shared.options.max_jobs
            && shared.done.load(Ordering::Relaxed) >= max
        {
            return Ok(());
        }
        let batch = consumer
            .fetch()
            .max_messages(1)
            .expires(Duration::from_secs(2))
            .messages()
            .await;
        let mut batch = match batch {
            Ok(batch) => batch,
            Err(e) => {
                // The server is away: the client reconnects; try again.
                tracing::warn!(error = %e, "fetching a job failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        while let Some(message) = batch.next().await {
            match message {
                Ok(message) => handle(&shared, message).await,
                Err(e) => tracing::warn!(error = %e, "a job delivery failed"),
            }
        }
    }
}

/// One delivered job, from parsing to the acknowledgement.
async fn handle(shared: &Arc<Shared>, message: Message) {
    let job = match serde_json::from_slice::<JobMessage>(&message.payload) {
        Ok(job) if job.is_consistent() => job,
        Ok(job) => {
            tracing::warn!(job = ?job.id, "a job whose id is not the digest of its content: dropped");
            let _ = message.ack_with(AckKind::Term).await;
            return;
        }
        Err(e) => {
            // Nothing can ever evaluate it: stop its redelivery.
            tracing::warn!(error = %e, "a job that is not a job: dropped");
            let _ = message.ack_with(AckKind::Term).await;
            return;
        }
    };
    let delivered = message.info().map(|i| i.delivered).unwrap_or(1);
    match shared.infra.results.get(&job.id).await {
        Ok(Some(_)) => {
            tracing::info!(job = %job.id, "result already stored: acknowledged without work");
            let _ = message.ack().await;
            return;
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "could not check for an earlier result"),
    }
    shared.busy.fetch_add(1, Ordering::Relaxed);
    heartbeat(shared).await;
    tracing::info!(job = %job.id, run = %job.run, key = %job.key, delivered, "evaluating");
    let evaluated = with_progress(
        &message,
        shared.options.conn.ack_wait,
        evaluate(shared, &job),
    )
    .await;
    shared.busy.fetch_sub(1, Ordering::Relaxed);
    let evaluation = match evaluated {
        Ok(evaluation) => evaluation,
        Err(e) if delivered < shared.options.conn.max_deliver => {
            // Another worker (or this one, later) may manage: try again.
            tracing::warn!(job = %job.id, error = %e, "could not evaluate; handing the job back");
            let _ = message
                .ack_with(AckKind::Nak(Some(Duration::from_secs(1))))
                .await;
            return;
        }
        Err(e) => Evaluation::host_error(format!(
            "no worker could evaluate it in {delivered} deliveries; the last said: {e}"
        )),
    };
    if let Err(e) = store_patiently(shared, &message, &job, evaluation).await {
        // Unacknowledged, the job comes back (here or elsewhere) and is
        // evaluated again.
        tracing::warn!(job = %job.id, error = %e, "could not store the result; handing the job back");
        let _ = message
            .ack_with(AckKind::Nak(Some(Duration::from_secs(1))))
            .await;
        return;
    }
    shared.done.fetch_add(1, Ordering::Relaxed);
    heartbeat(shared).await;
    if let Err(e) = message.ack().await {
        tracing::warn!(job = %job.id, error = %e, "acknowledging failed (the result is stored)");
    }
}

/// Runs `work`, telling the server the job is in progress every third of
/// `ack_wait`, so a long evaluation is not handed to another worker.
async fn with_progress<T>(
    message: &Message,
    ack_wait: Duration,
    work: impl std::future::Future<Output = T>,
) -> T {
    let mut work = std::pin::pin!(work);
    let every = (ack_wait / 3).max(Duration::from_millis(200));
    loop {
        tokio::select! {
            done = &mut work => return done,
            _ = tokio::time::sleep(every) => {
                let _ = message.ack_with(AckKind::Progress).await;
            }
        }
    }
}

async fn evaluate(shared: &Arc<Shared>, job: &JobMessage) -> Result<Evaluation, DistError> {
    evaluator::check(job, &shared.fingerprint)?;
    let backend = evaluator(shared, &job.bundle).await?;
    let job = job.clone();
    tokio::task::spawn_blocking(move || evaluator::evaluate(&*backend, &job))
        .await
        .map_err(|e| DistError::Setup(format!("the evaluation thread failed: {e}")))?
}

/// The evaluator of bundle `digest`: from memory, else from the bundle on
/// disk, else fetched from the store first.
async fn evaluator(shared: &Arc<Shared>, digest: &str) -> Result<Arc<dyn EvalBackend>, DistError> {
    let mut evaluators = shared.evaluators.lock().await;
    if let Some(found) = evaluators.get(digest) {
        return Ok(found.clone());
    }
    let bundle = fetch_bundle(shared, digest).await?;
    let place = evaluator::Place {
        home: shared.options.home.clone(),
        hidden_env: shared.options.hidden_env.clone(),
        worker: shared.id.clone(),
    };
    let owned = digest.to_string();
    let built = tokio::task::spawn_blocking(move || evaluator::build(&place, &owned, bundle))
        .await
        .map_err(|e| DistError::Setup(format!("preparing the bundle failed: {e}")))??;
    evaluators.insert(digest.to_string(), built.clone());
    Ok(built)
}

async fn fetch_bundle(shared: &Arc<Shared>, digest: &str) -> Result<Bundle, DistError> {
    let mut object = shared
        .infra
        .bundles
        .get(digest)
        .await
        .map_err(|e| nats(&format!("fetching the bundle {digest}"), e))?;
    let mut bytes = Vec::new();
    object
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| nats(&format!("reading the bundle {digest}"), e))?;
    evaluator::read_bundle(&bytes, digest)
}

/// Stores the result unless one is there; a differing earlier one is
/// reported as nondeterminism (the first stays: it may be recorded already).
/// `Err` when the store cannot be reached: the job must not be acknowledged.
async fn store(
    shared: &Arc<Shared>,
    job: &JobMessage,
    evaluation: Evaluation,
) -> Result<(), DistError> {
    let result = ResultMessage {
        job: job.id.clone(),
        worker: shared.id.clone(),
        evaluation,
    };
    let bytes: bytes::Bytes = serde_json::to_vec(&result)?.into();
    let created = shared.infra.results.create(&job.id, bytes).await;
    match created {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {}
        Err(e) => return Err(nats("storing a result", e)),
    }
    let earlier = shared
        .infra
        .results
        .get(&job.id)
        .await
        .map_err(|e| nats("reading the stored result", e))?
        .and_then(|b| serde_json::from_slice::<ResultMessage>(&b).ok());
    match earlier {
        Some(earlier) if same_outcome(&earlier.evaluation, &result.evaluation) => {
            tracing::info!(job = %job.id, "a second evaluation agrees with the stored one");
        }
        Some(earlier) => tracing::warn!(
            job = %job.id,
            first = %earlier.worker,
            "nondeterminism: this evaluation differs from the one {} stored first (kept)",
            earlier.worker
        ),
        None => tracing::warn!(job = %job.id, "the stored result is not readable"),
    }
    Ok(())
}

/// [`store`], retried while the server is away (a restart) for up to
/// `ack_wait`, telling the server the job is in progress meanwhile.
async fn store_patiently(
    shared: &Arc<Shared>,
    message: &Message,
    job: &JobMessage,
    evaluation: Evaluation,
) -> Result<(), DistError> {
    let started = Instant::now();
    loop {
        match store(shared, job, evaluation.clone()).await {
            Ok(()) => return Ok(()),
            Err(e) if started.elapsed() > shared.options.conn.ack_wait => return Err(e),
            Err(e) => {
                tracing::warn!(job = %job.id, error = %e, "storing the result failed; retrying");
                let _ = message.ack_with(AckKind::Progress).await;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

async fn heartbeats(shared: Arc<Shared>) {
    loop {
        tokio::time::sleep(Duration::from_secs(5)).await;
        heartbeat(&shared).await;
    }
}

async fn heartbeat(shared: &Arc<Shared>) {
    let info = WorkerInfo {
        id: shared.id.clone(),
        host: host_name(),
        fingerprint: shared.fingerprint.clone(),
        environment: shared.words.clone(),
        jobs_done: shared.done.load(Ordering::Relaxed),
        busy: shared.busy.load(Ordering::Relaxed),
        slots: shared.options.jobs.max(1),
        started_ms: 0,
    };
    if let Ok(bytes) = serde_json::to_vec(&info)
        && let Err(e) = shared.infra.workers.put(&shared.id, bytes.into()).await
    {
        tracing::warn!(error = %e, "heartbeat failed");
    }
}

/// Sends this process's log (jobs taken, evaluated, handed back) to stderr.
pub fn log_to_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .try_init();
}

fn worker_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{}-{}-{:04x}",
        host_name(),
        std::process::id(),
        nanos & 0xffff
    )
}

pub(crate) fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        })
        .unwrap_or_else(|| "host".into())
}

#[cfg(test)]
mod tests {
    //! Against a real nats-server (JetStream on a free port of 127.0.0.1),
    //! when Debian's is installed (scripts/test.sh installs it and sets
    //! `CLADE_REQUIRE_NATS`).

    use std::collections::BTreeMap;
    use std::process::{Command, Stdio};

    use super::*;
    use crate::wire::job_subject;

    struct Server {
        child: std::process::Child,
        _data: tempfile::TempDir,
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn server() -> Option<(Server, String)> {
        let binary = ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
            .into_iter()
            .find(|p| std::path::Path::new(p).is_file());
        let Some(binary) = binary else {
            assert!(
                std::env::var_os("CLADE_REQUIRE_NATS").is_none(),
                "CLADE_REQUIRE_NATS is set but there is no nats-server"
            );
            eprintln!("skipped: no nats-server (scripts/test.sh installs Debian's)");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .ok()?;
        let data = tempfile::tempdir().ok()?;
        let child = Command::new(binary)
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "nats-server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some((
            Server { child, _data: data },
            format!("nats://127.0.0.1:{port}"),
        ))
    }

    /// The same job delivered twice (a coordinator that published it again
    /// under another message id, or a redelivery after the result was
    /// stored): the second delivery is acknowledged without work and the
    /// first result stays.
    #[test]
    fn a_second_delivery_of_a_stored_job_is_acknowledged_without_work() {
        let Some((_server, url)) = server() else {
            return;
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let conn = Connection {
                url,
                token_env: None,
                user: None,
                stream: "DUPES".into(),
                ack_wait: Duration::from_secs(5),
                max_deliver: 3,
            };
            let infra = infra::connect(&conn).await.unwrap();
            let (_, fingerprint) = environment();
            let consumer = infra::job_consumer(&infra, &conn, &fingerprint)
                .await
                .unwrap();
            let job = JobMessage::new(
                "r",
                &"0".repeat(64),
                &fingerprint,
                &clade_evolve::EvalJob {
                    files: BTreeMap::from([("src/main.rs".into(), "fn main() {}".into())]),
                    key: "i0".into(),
                    seed: 1,
                },
            );
            let stored = ResultMessage {
                job: job.id.clone(),
                worker: "first".into(),
                evaluation: Evaluation::host_error("the first result".into()),
            };
            let bytes = serde_json::to_vec(&stored).unwrap();
            infra.results.create(&job.id, bytes.into()).await.unwrap();
            for msg_id in ["one", "two"] {
                let mut headers = async_nats::HeaderMap::new();
                headers.insert("Nats-Msg-Id", msg_id);
                let payload = serde_json::to_vec(&job).unwrap();
                infra
                    .js
                    .publish_with_headers(
                        job_subject(&conn.stream, &fingerprint),
                        headers,
                        payload.into(),
                    )
                    .await
                    .unwrap()
                    .await
                    .unwrap();
            }
            let shared = Arc::new(Shared {
                infra,
                options: WorkerOptions {
                    conn: conn.clone(),
                    jobs: 1,
                    home: std::env::temp_dir().join("clade-dist-no-home"),
                    hidden_env: Vec::new(),
                    max_jobs: None,
                },
                id: "second".into(),
                fingerprint: fingerprint.clone(),
                words: String::new(),
                evaluators: Mutex::new(HashMap::new()),
                done: AtomicU64::new(0),
                busy: AtomicU32::new(0),
            });
            let mut handled = 0;
            let mut batch = consumer
                .fetch()
                .max_messages(2)
                .expires(Duration::from_secs(2))
                .messages()
                .await
                .unwrap();
            while let Some(message) = batch.next().await {
                handle(&shared, message.unwrap()).await;
                handled += 1;
            }
            assert_eq!(handled, 2);
            // No work was done (no bundle fetched, nothing counted), the
            // queue is empty and the first result stands.
            assert_eq!(shared.done.load(Ordering::Relaxed), 0);
            assert!(shared.evaluators.lock().await.is_empty());
            let mut stream = shared.infra.js.get_stream(&conn.stream).await.unwrap();
            assert_eq!(stream.info().await.unwrap().state.messages, 0);
            let kept: ResultMessage =
                serde_json::from_slice(&shared.infra.results.get(&job.id).await.unwrap().unwrap())
                    .unwrap();
            assert_eq!(kept, stored);
        });
    }
}
