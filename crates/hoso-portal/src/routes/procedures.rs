//! The procedure catalog, with ETags so that apps revalidate cached schemas
//! with a 304 instead of downloading them again.

use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hoso_core::ProcedureCode;
use hoso_core::wire::ProcedureListing;

pub async fn list(State(state): State<AppState>) -> Json<Vec<ProcedureListing>> {
    Json(
        state
            .catalog
            .current()
            .map(|e| ProcedureListing {
                code: e.procedure.code.clone(),
                version: e.procedure.version.clone(),
                name: e.procedure.name.clone(),
            })
            .collect(),
    )
}

pub async fn one(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let entry = code
        .parse::<ProcedureCode>()
        .ok()
        .and_then(|c| state.catalog.get(&c))
        .ok_or_else(|| ApiError::not_found("thủ tục / procedure"))?;
    if super::holds(&headers, &entry.etag) {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, entry.etag.clone())],
        )
            .into_response());
    }
    Ok((
        [
            (header::ETAG, entry.etag.clone()),
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CACHE_CONTROL, "no-cache".to_owned()),
        ],
        entry.json.clone(),
    )
        .into_response())
}
