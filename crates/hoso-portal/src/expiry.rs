//! Expiration (tus `expiration` extension): an upload no filing names is
//! removed, row and bytes, once past its `Upload-Expires`, unfinished or
//! complete, so abandoned transfers do not fill the disk. A complete
//! upload's expiry counts from when it completed; an upload a dossier or
//! supplement names never expires. Idempotency keys past their retention
//! and lookup misses past their window go in the same sweep, and so do
//! payment requests past their deadline: awaiting, a request is expired;
//! partly paid, it stays so without a code for the rest (see
//! `hoso_core::payment`, whose late transfers are still taken); each
//! request that changes is a document of the change feed, in the
//! transaction that changes it.
//! The sweep runs when the portal starts and then every [`SWEEP_EVERY`],
//! so a request expires within that time of its deadline (a transfer
//! credited meanwhile is flagged late all the same, by the bank's time).

use crate::error::ApiError;
use crate::state::{AppState, now_vn};
use std::time::Duration;

/// How often unfinished uploads and payment deadlines are looked at.
pub const SWEEP_EVERY: Duration = Duration::from_secs(15 * 60);

/// What one sweep did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Swept {
    /// Unfiled uploads removed.
    pub uploads: usize,
    /// Payment requests changed by their deadline (expired, or left
    /// without a code).
    pub payment_requests: usize,
}

/// Removes the unfiled uploads whose expiry has passed and that no
/// request is writing to, forgets old keys and lookup misses, and applies
/// their deadline to the payment requests whose deadline passed.
pub async fn sweep(state: &AppState) -> Result<Swept, ApiError> {
    let candidates = state.db.unfiled_uploads().await?;
    let now = now_vn();
    let mut removed = 0;
    for (id, expires_at) in candidates {
        let expired = chrono::DateTime::parse_from_rfc3339(&expires_at).is_ok_and(|t| t < now);
        // An upload being written to is busy, not abandoned.
        if !expired {
            continue;
        }
        let Some(_lock) = state.lock_upload(&id).await else {
            continue;
        };
        let gone = state.db.delete_upload_unless_filed(&id).await?;
        if !gone {
            continue; // filed meanwhile
        }
        state.hashes.forget(&id);
        state.trailing.forget(&id);
        // The row is gone first: a crash here leaves only unnamed bytes.
        // S3: the multipart upload is aborted and every object removed.
        state
            .storage
            .remove(&id)
            .await
            .map_err(ApiError::internal)?;
        removed += 1;
    }
    if removed > 0 {
        tracing::info!(removed, "expired uploads removed");
    }
    // Idempotency keys past their retention (the procedure's processing
    // period and a grace, see `filing::key_kept_until`) go too.
    let cutoff = now.to_rfc3339();
    let keys = state.db.forget_expired_keys(cutoff).await?;
    if keys > 0 {
        tracing::info!(keys, "expired idempotency keys removed");
    }
    crate::lookup::forget_old_misses(state).await?;
    let payment_requests = state.db.expire_payments(now).await?;
    if payment_requests > 0 {
        tracing::info!(payment_requests, "payment requests past their deadline");
    }
    Ok(Swept {
        uploads: removed,
        payment_requests,
    })
}

/// Sweeps now and then every [`SWEEP_EVERY`] until the portal stops.
pub fn spawn_sweeper(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP_EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = sweep(&state).await {
                tracing::warn!(error = %e.code, "the expiry sweep failed");
            }
        }
    })
}
