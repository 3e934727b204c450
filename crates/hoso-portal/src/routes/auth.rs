//! Who is calling: a bearer token issued by the portal names the applicant,
//! or, on the officer API, the officer. The two kinds never stand in for
//! each other.

use crate::error::ApiError;
use crate::records::{Account, Role};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

/// Accounts of tokens seen lately, so that a request of a busy client
/// needs no database read to say who it is. Tokens are never withdrawn
/// today; one that is will stop working within [`SEEN_FOR`].
#[derive(Debug, Default)]
pub struct SeenTokens(Mutex<HashMap<(Role, String), (Account, Instant)>>);

/// How long a token's account is remembered.
const SEEN_FOR: Duration = Duration::from_secs(60);
/// Tokens remembered at most; past this the memory starts afresh.
const SEEN_MAX: usize = 100_000;

impl SeenTokens {
    fn get(&self, role: Role, digest: &str) -> Option<Account> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&(role, digest.to_owned()))
            .filter(|(_, at)| at.elapsed() < SEEN_FOR)
            .map(|(row, _)| row.clone())
    }

    fn put(&self, role: Role, digest: String, row: Account) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= SEEN_MAX {
            map.clear();
        }
        map.insert((role, digest), (row, Instant::now()));
    }
}

/// The account of `role` the request's bearer token belongs to.
async fn account(parts: &Parts, state: &AppState, role: Role) -> Result<Option<Account>, ApiError> {
    let digest = bearer_digest(parts)?;
    if let Some(row) = state.seen_tokens.get(role, &digest) {
        return Ok(Some(row));
    }
    let row = state.db.account_by_token(role, digest.clone()).await?;
    if let Some(row) = &row {
        state.seen_tokens.put(role, digest, row.clone());
    }
    Ok(row)
}

impl FromRequestParts<AppState> for Applicant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let row = account(parts, state, Role::Applicant)
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
    /// What the account may do ([`crate::duties`]).
    pub duties: crate::duties::Duties,
}

impl FromRequestParts<AppState> for Officer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let row = account(parts, state, Role::Officer).await?.ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "officer_only",
                "Chỉ cán bộ có mã truy cập cán bộ mới dùng được chức năng này.",
                "Only an officer's access token opens this.",
            )
        })?;
        Ok(Self {
            account: row.account,
            duties: row.duties,
        })
    }
}
