//! Connecting to NATS and making sure the stream, the durable consumer of a
//! fingerprint, the two key-value buckets and the bundle store exist (both
//! sides create what is missing, idempotently, so either may start first).
//! It must not decide anything about jobs.

use std::time::Duration;

use async_nats::jetstream::{self, consumer, kv, object_store, stream};

use crate::DistError;
use crate::wire::{
    BUNDLES_BUCKET, RESULT_TTL_S, RESULTS_BUCKET, WORKER_TTL_S, WORKERS_BUCKET, consumer_name,
    job_subject, stream_subjects,
};

/// Where to connect and how the queue behaves.
#[derive(Debug, Clone)]
pub struct Connection {
    pub url: String,
    /// The environment variable holding the server's token, if it needs one
    /// (with `user`, that user's password). The value is read here and
    /// never printed.
    pub token_env: Option<String>,
    /// The user to connect as; `None`: token or no authentication.
    pub user: Option<String>,
    pub stream: String,
    /// A delivered job not acknowledged (or extended) within this goes to
    /// another worker.
    pub ack_wait: Duration,
    /// Deliveries of one job before it counts as poison.
    pub max_deliver: i64,
}

/// A connected client and the JetStream handles both sides use.
pub struct Infra {
    pub client: async_nats::Client,
    pub js: jetstream::Context,
    pub results: kv::Store,
    pub workers: kv::Store,
    pub bundles: object_store::ObjectStore,
}

/// Connects (retrying while the server is away, as NATS clients do after
/// the first connection too) and makes sure the stream and buckets exist.
pub async fn connect(conn: &Connection) -> Result<Infra, DistError> {
    let mut options = async_nats::ConnectOptions::new()
        .name("clade")
        .retry_on_initial_connect()
        .max_reconnects(None);
    let secret = match &conn.token_env {
        Some(var) => Some(std::env::var(var).map_err(|_| {
            DistError::Setup(format!(
                "the NATS token (or password) variable {var} is not set (evaluate.backend.token_env or --token-env names it)"
            ))
        })?),
        None => None,
    };
    match (&conn.user, secret) {
        (Some(user), Some(password)) => {
            options = options.user_and_password(user.clone(), password);
        }
        (Some(user), None) => {
            return Err(DistError::Setup(format!(
                "the NATS user {user} needs its password in a variable: name it with token_env"
            )));
        }
        (None, Some(token)) => options = options.token(token),
        (None, None) => {}
    }
    let client = tokio::time::timeout(Duration::from_secs(30), options.connect(conn.url.as_str()))
        .await
        .map_err(|_| {
            DistError::Setup(format!(
                "no NATS server answered at {} within 30 s",
                conn.url
            ))
        })?
        .map_err(|e| DistError::Setup(format!("cannot connect to NATS at {}: {e}", conn.url)))?;
    let js = jetstream::new(client.clone());
    js.get_or_create_stream(stream::Config {
        name: conn.stream.clone(),
        subjects: vec![stream_subjects(&conn.stream)],
        retention: stream::RetentionPolicy::WorkQueue,
        storage: stream::StorageType::File,
        duplicate_window: Duration::from_secs(600),
        ..Default::default()
    })
    .await
    .map_err(|e| match &conn.user {
        // A restricted user (scripts/nats/permissions.conf) may not create it.
        Some(user) => nats(
            &format!("the job stream (if user {user} may not create streams, start the coordinator first)"),
            e,
        ),
        None => nats("the job stream", e),
    })?;
    let results = key_value(&js, RESULTS_BUCKET, Duration::from_secs(RESULT_TTL_S)).await?;
    let workers = key_value(&js, WORKERS_BUCKET, Duration::from_secs(WORKER_TTL_S)).await?;
    let bundles = match js.get_object_store(BUNDLES_BUCKET).await {
        Ok(store) => store,
        Err(_) => js
            .create_object_store(object_store::Config {
                bucket: BUNDLES_BUCKET.into(),
                max_age: Duration::from_secs(RESULT_TTL_S),
                ..Default::default()
            })
            .await
            .map_err(|e| nats("the bundle store", e))?,
    };
    Ok(Infra {
        client,
        js,
        results,
        workers,
        bundles,
    })
}

/// The key-value bucket `bucket`, made as the client's `create_key_value`
/// makes one (a `KV_` stream of one value per key) but without its account
/// query, whose reply from a 2.9 server the client cannot read.
async fn key_value(
    js: &jetstream::Context,
    bucket: &str,
    max_age: Duration,
) -> Result<kv::Store, DistError> {
    if let Ok(store) = js.get_key_value(bucket).await {
        return Ok(store);
    }
    js.get_or_create_stream(stream::Config {
        name: format!("KV_{bucket}"),
        subjects: vec![format!("$KV.{bucket}.>")],
        max_messages_per_subject: 1,
        max_age,
        storage: stream::StorageType::File,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        discard: stream::DiscardPolicy::New,
        num_replicas: 1,
        ..Default::default()
    })
    .await
    .map_err(|e| nats(bucket, e))?;
    js.get_key_value(bucket).await.map_err(|e| nats(bucket, e))
}

/// The pull consumer all workers of fingerprint `fp` share.
pub async fn job_consumer(
    infra: &Infra,
    conn: &Connection,
    fp: &str,
) -> Result<consumer::PullConsumer, DistError> {
    let stream = infra
        .js
        .get_stream(&conn.stream)
        .await
        .map_err(|e| nats("the job stream", e))?;
    let name = consumer_name(fp);
    stream
        .get_or_create_consumer(
            &name,
            consumer::pull::Config {
                durable_name: Some(name.clone()),
                filter_subject: job_subject(&conn.stream, fp),
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait: conn.ack_wait,
                max_deliver: conn.max_deliver,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| nats("the job consumer", e))
}

pub(crate) fn nats(what: &str, e: impl std::fmt::Display) -> DistError {
    DistError::Nats(format!("{what}: {e}"))
}
