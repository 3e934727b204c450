//! What a load balancer or an orchestrator asks a replica: `GET /healthz`
//! (the process answers; restart it when this fails) and `GET /readyz`
//! (send it requests: its records and its store answer, and it is not
//! stopping). Neither needs a token nor says more than which part failed.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// How long the readiness probe waits for the records or the store.
const PROBE_LIMIT: Duration = Duration::from_secs(2);

/// The process is up and its runtime answers.
pub async fn live() -> Response {
    Json(serde_json::json!({ "live": true })).into_response()
}

/// 200 when requests may be sent here; 503 naming what is not ready
/// (`stopping`, `records`, `storage`) otherwise.
pub async fn ready(State(state): State<AppState>) -> Response {
    let mut not_ready = Vec::new();
    if state.is_draining() {
        not_ready.push("stopping");
    } else {
        let (records, storage) = tokio::join!(
            tokio::time::timeout(PROBE_LIMIT, state.db.ping()),
            tokio::time::timeout(PROBE_LIMIT, state.storage.ready()),
        );
        if !matches!(records, Ok(Ok(()))) {
            tracing::warn!(?records, "readiness: the records do not answer");
            not_ready.push("records");
        }
        if !matches!(storage, Ok(Ok(()))) {
            tracing::warn!(?storage, "readiness: the store does not answer");
            not_ready.push("storage");
        }
    }
    let status = if not_ready.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Json(serde_json::json!({ "ready": not_ready.is_empty(), "not_ready": not_ready })),
    )
        .into_response()
}
