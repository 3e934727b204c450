//! Who is calling: a bearer token issued by the portal names the applicant,
//! or, on the officer API, the officer. The two kinds never stand in for
//! each other.

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

fn bearer_digest(parts: &Parts) -> Result<String, ApiError> {
    let token = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(ApiError::unauthorized)?;
    Ok(hoso_core::Sha256Digest::of(token.as_bytes()).to_hex())
}

impl FromRequestParts<AppState> for Applicant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let digest = bearer_digest(parts)?;
        let row = state
            .db
            .read(move |conn| Ok(db::account_by_token(conn, db::Role::Applicant, &digest)?))
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        Ok(Self {
            id: row.id,
            account: row.account,
        })
    }
}

/// The officer a request of the officer API acts for.
#[derive(Debug, Clone)]
pub struct Officer {
    /// Account name, recorded as the actor of each change.
    pub account: String,
}

impl FromRequestParts<AppState> for Officer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let digest = bearer_digest(parts)?;
        let row = state
            .db
            .read(move |conn| Ok(db::account_by_token(conn, db::Role::Officer, &digest)?))
            .await?
            .ok_or_else(|| {
                ApiError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    "officer_only",
                    "Chỉ cán bộ có mã truy cập cán bộ mới dùng được chức năng này.",
                    "Only an officer's access token opens this.",
                )
            })?;
        Ok(Self {
            account: row.account,
        })
    }
}
