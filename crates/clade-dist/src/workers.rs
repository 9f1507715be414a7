//! `clade workers`: the live workers, from their heartbeats (entries that
//! expire when a worker stops refreshing them).

use futures_util::StreamExt;

use crate::DistError;
use crate::infra::{self, Connection, Infra, nats};
use crate::wire::WorkerInfo;

/// Every worker whose heartbeat is current, by id.
pub async fn live(infra: &Infra) -> Result<Vec<WorkerInfo>, DistError> {
    live_in(&infra.workers).await
}

/// [`live`], from the workers bucket itself.
pub(crate) async fn live_in(
    bucket: &async_nats::jetstream::kv::Store,
) -> Result<Vec<WorkerInfo>, DistError> {
    let mut keys = match bucket.keys().await {
        Ok(keys) => keys,
        // An empty bucket has no keys to list.
        Err(_) => return Ok(Vec::new()),
    };
    let mut out = Vec::new();
    while let Some(key) = keys.next().await {
        let key = key.map_err(|e| nats("listing workers", e))?;
        if let Ok(Some(bytes)) = bucket.get(&key).await
            && let Ok(info) = serde_json::from_slice::<WorkerInfo>(&bytes)
        {
            out.push(info);
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Connects and lists the live workers.
pub fn list(conn: &Connection) -> Result<Vec<WorkerInfo>, DistError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let infra = infra::connect(conn).await?;
        live(&infra).await
    })
}
