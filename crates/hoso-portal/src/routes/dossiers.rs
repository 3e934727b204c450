//! Dossiers: dry-run check, submission with Idempotency-Key and
//! lost-response recovery by key.

use super::{Applicant, Officer, malformed};
use crate::error::ApiError;
use crate::filing;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hoso_core::Sha256Digest;
use hoso_core::idempotency::IdempotencyKey;
use hoso_core::wire::{CheckResult, SubmissionRequest, SupplementRequest};

/// Reads a submission body and the hash that identifies its content for
/// idempotency: SHA-256 of its canonical JSON, so spacing and key order do
/// not make the same request look different, and with `uploads` taken as
/// the set it is: a client that uploads several documents at once lists
/// them in the order they finished, which a retry after a crash need not
/// repeat.
fn parse_request<T: serde::de::DeserializeOwned>(
    body: &[u8],
) -> Result<(T, Sha256Digest), ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(malformed)?;
    let request = serde_json::from_value(value.clone()).map_err(malformed)?;
    let mut hashed = value;
    if let Some(uploads) = hashed
        .get_mut("uploads")
        .and_then(serde_json::Value::as_array_mut)
    {
        uploads.sort_by_cached_key(|u| serde_json_canonicalizer::to_vec(u).unwrap_or_default());
    }
    let canonical = serde_json_canonicalizer::to_vec(&hashed).map_err(malformed)?;
    Ok((request, Sha256Digest::of(&canonical)))
}

pub async fn check(
    State(state): State<AppState>,
    _who: Applicant,
    body: Bytes,
) -> Result<Json<CheckResult>, ApiError> {
    let (request, _) = parse_request::<SubmissionRequest>(&body)?;
    let today = crate::state::now_vn().date_naive();
    let entry = state.catalog.require(&request.dossier.procedure, today)?;
    let problems = hoso_core::validate(&entry.procedure, &request.dossier);
    Ok(Json(CheckResult { problems }))
}

/// The `Idempotency-Key` a filing must carry.
fn idempotency_key(headers: &HeaderMap) -> Result<IdempotencyKey, ApiError> {
    let header = headers
        .get("Idempotency-Key")
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "idempotency_key_missing",
                "Thiếu Idempotency-Key: cổng chỉ nhận hồ sơ có khóa để không bao giờ ghi trùng.",
                "Idempotency-Key is missing: the portal only files dossiers with a key, so nothing is ever filed twice.",
            )
        })?
        .to_str()
        .unwrap_or_default();
    IdempotencyKey::from_header(header).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "idempotency_key_invalid",
            e.to_string(),
            e.to_string(),
        )
    })
}

pub async fn submit(
    State(state): State<AppState>,
    who: Applicant,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let (request, hash) = parse_request(&body)?;
    // Filing runs to its end even if the client goes away mid-request:
    // a dropped connection must not leave the key claimed and the client,
    // asking again by key, told "still processing" for minutes.
    let filing =
        tokio::spawn(async move { filing::submit(&state, &who, key, request, hash).await });
    let (status, response) = filing.await.map_err(ApiError::internal)??;
    Ok((status, Json(response)).into_response())
}

pub async fn supplement(
    State(state): State<AppState>,
    who: Applicant,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let (request, hash) = parse_request::<SupplementRequest>(&body)?;
    // Runs to its end like a filing (see `submit`).
    let filing = tokio::spawn(async move {
        crate::supplements::submit(&state, &who, &code, key, request, hash).await
    });
    let (status, response) = filing.await.map_err(ApiError::internal)??;
    Ok((status, Json(response)).into_response())
}

pub async fn officer_supplements(
    State(state): State<AppState>,
    _officer: Officer,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let list = crate::supplements::of_dossier(&state, &code).await?;
    Ok(Json(list).into_response())
}

/// The bytes of a document dossier `code` or one of its supplements
/// names, by its SHA-256.
pub async fn officer_document(
    State(state): State<AppState>,
    _officer: Officer,
    Path((code, sha256)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    crate::documents::download(&state, &code, &sha256).await
}

pub async fn by_key(
    State(state): State<AppState>,
    who: Applicant,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    let response = filing::by_key(&state, &who, &key).await?;
    Ok(Json(response).into_response())
}
