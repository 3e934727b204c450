//! Result documents (see [`crate::results`]): an officer puts and deletes
//! them by name until the result is issued; the applicant downloads them,
//! in ranges, once it is.

use super::{Applicant, Officer};
use crate::error::ApiError;
use crate::records::NewResult;
use crate::results;
use crate::state::{AppState, now_vn};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_LENGTH, ETAG};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// Removes the bytes of a result document no record names any more.
async fn forget_bytes(state: &AppState, id: &str) {
    if let Err(e) = state.storage.remove(id).await {
        tracing::warn!(%id, %e, "the bytes of a result document no record names were not removed");
    }
}

/// Refuses an officer whose duties attach no result documents.
fn may_change_results(officer: &Officer) -> Result<(), ApiError> {
    crate::duties::require(
        officer.duties,
        crate::duties::RESULT_DOCUMENTS,
        hoso_core::Bilingual::new("đính kèm tài liệu kết quả", "attach result documents"),
    )
}

/// `PUT /v1/officer/dossiers/{code}/results/{name}`: the body is result
/// document `name`, replacing the one of that name; 201 when new, 200
/// when it replaced one, with its name, size and SHA-256.
pub async fn put(
    State(state): State<AppState>,
    officer: Officer,
    Path((code, raw)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    may_change_results(&officer)?;
    let name = results::name(&raw)?;
    let max = state.config.max_upload_bytes;
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(results::too_large(max));
    }
    // Refused before any byte is stored when nothing could be recorded.
    let found = state
        .db
        .results_state(code.clone())
        .await?
        .ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
    results::open_for_results(&code, found.status, found.issued)?;
    // Stored and recorded to the end (or removed) even if the officer's
    // connection drops: a body cut off keeps nothing.
    let task = tokio::spawn(async move {
        let idle = state.config.idle_body_timeout;
        let stored = results::store(&state, body, max, idle).await?;
        let document = results::document(name.clone(), &stored);
        let new = NewResult {
            code,
            name,
            size: stored.size,
            sha256: stored.sha256,
            storage_id: stored.id.clone(),
            officer: officer.account,
            at: now_vn().to_rfc3339(),
        };
        match state.db.put_result(new).await {
            Ok(replaced) => {
                if let Some(old) = &replaced {
                    forget_bytes(&state, old).await;
                }
                Ok((replaced.is_some(), document))
            }
            Err(e) => {
                forget_bytes(&state, &stored.id).await;
                Err(e)
            }
        }
    });
    let (replaced, document) = task.await.map_err(ApiError::internal)??;
    let status = if replaced {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let etag = format!("\"{}\"", document.sha256.to_hex());
    Ok((status, [(ETAG, etag)], Json(document)).into_response())
}

/// `DELETE /v1/officer/dossiers/{code}/results/{name}`: 204 once result
/// document `name` is gone, 404 when there was none.
pub async fn delete(
    State(state): State<AppState>,
    officer: Officer,
    Path((code, raw)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    may_change_results(&officer)?;
    let name = results::name(&raw)?;
    match state.db.delete_result(code, name).await? {
        Some(id) => {
            forget_bytes(&state, &id).await;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        None => Err(ApiError::not_found(
            "tài liệu kết quả này / such result document",
        )),
    }
}

/// `GET /v1/dossiers/{code}/results/{name}`: result document `name` of
/// the caller's dossier, once its result notice was issued.
pub async fn download(
    State(state): State<AppState>,
    who: Applicant,
    Path((code, raw)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let name = hoso_core::filename::FileName::new(&raw).name;
    let stored = state
        .db
        .issued_result(code, who.id, name)
        .await?
        .ok_or_else(|| ApiError::not_found("tài liệu kết quả / result document"))?;
    results::download(&state, stored, &headers).await
}
