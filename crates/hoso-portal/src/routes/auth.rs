//! Who is calling: a bearer token issued by the portal names the applicant.

use crate::db;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

/// The applicant a request acts for.
#[derive(Debug, Clone)]
pub struct Applicant {
    /// Row id.
    pub id: i64,
    /// Account name, printed on receipts.
    pub account: String,
}

impl FromRequestParts<AppState> for Applicant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        let digest = hoso_core::Sha256Digest::of(token.as_bytes()).to_hex();
        let row = state
            .db
            .call(move |conn| Ok(db::applicant_by_token(conn, &digest)?))
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        Ok(Self {
            id: row.id,
            account: row.account,
        })
    }
}
