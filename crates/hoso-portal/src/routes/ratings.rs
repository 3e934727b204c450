//! The applicant's satisfaction rating of their completed dossier:
//! `POST /v1/dossiers/{code}/rating` gives it (again: the latest replaces
//! the earlier one), `GET` reads it back. The rule is in
//! [`crate::ratings`].

use super::{Applicant, json_body};
use crate::error::ApiError;
use crate::state::{AppState, now_vn};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use hoso_core::wire::RatingRequest;

/// `POST /v1/dossiers/{code}/rating`: records the owner's rating of a
/// completed dossier, answered with the rating as kept.
pub async fn rate(
    State(state): State<AppState>,
    who: Applicant,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let ask: RatingRequest = json_body(&body)?;
    let at = now_vn().to_rfc3339();
    let rating = state.db.rate(code, who.id, ask, at).await?;
    Ok(([(CACHE_CONTROL, "no-store")], Json(rating)).into_response())
}

/// `GET /v1/dossiers/{code}/rating`: the owner's rating of the dossier,
/// 404 `not_rated` while there is none.
pub async fn rating(
    State(state): State<AppState>,
    who: Applicant,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let rating = state
        .db
        .rating(code.clone(), who.id)
        .await?
        .ok_or_else(|| crate::ratings::not_rated(&code))?;
    Ok(([(CACHE_CONTROL, "no-store")], Json(rating)).into_response())
}
