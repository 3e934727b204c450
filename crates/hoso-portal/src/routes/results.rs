//! Result documents (see [`crate::results`]): an officer puts and deletes
//! them by name until the result is issued; the applicant downloads them,
//! in ranges, once it is.

use super::{Applicant, Officer};
use crate::error::ApiError;
use crate::results;
use crate::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_LENGTH, ETAG};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

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
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let attached = results::Attach {
        code,
        raw_name: raw,
        officer: officer.account,
        duties: officer.duties,
        declared,
    };
    let (replaced, document) = results::attach(state, attached, body).await?;
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
    results::remove(&state, officer.duties, code, &raw).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
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
