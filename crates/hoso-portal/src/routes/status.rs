//! Status: a dossier's state and history, the applicant's change feed by
//! cursor, both with ETags so that polling costs a 304 when nothing
//! changed; lookup by code and PIN without signing in; the applicant's own
//! moves (withdrawing a dossier, saying its result arrived); and the
//! officer API that moves dossiers between states.

use super::{Applicant, Officer, json_body};
use crate::error::ApiError;
use crate::server::ClientAddr;
use crate::state::{AppState, now_vn};
use crate::tracking::{self, ApplicantAsk, status_etag};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, ETAG, IF_MATCH};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hoso_core::status::Status;
use hoso_core::wire::{DossierStatus, LookupRequest, Transition, Withdrawal};
use serde::Deserialize;

/// A JSON answer with an entity tag, or 304 when the caller already holds
/// that version.
fn tagged<T: serde::Serialize>(headers: &HeaderMap, etag: String, body: T) -> Response {
    let held = super::holds(headers, &etag);
    let cache = [(ETAG, etag), (CACHE_CONTROL, "no-cache".to_owned())];
    if held {
        (StatusCode::NOT_MODIFIED, cache).into_response()
    } else {
        (cache, Json(body)).into_response()
    }
}

fn tagged_status(headers: &HeaderMap, status: DossierStatus) -> Response {
    tagged(headers, status_etag(&status), status)
}

pub async fn one(
    State(state): State<AppState>,
    who: Applicant,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let applicant = who.id;
    let status = state
        .db
        .dossier_status(code, Some(applicant))
        .await?
        .ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
    Ok(tagged_status(&headers, status))
}

#[derive(Deserialize)]
pub struct FeedQuery {
    #[serde(default)]
    since: u64,
    #[serde(default)]
    limit: Option<u32>,
}

pub async fn feed(
    State(state): State<AppState>,
    who: Applicant,
    Query(q): Query<FeedQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let applicant = who.id;
    let limit = q.limit.unwrap_or(100);
    let since = q.since;
    let feed = state.db.feed(applicant, since, limit).await?;
    // Events and documents together (a feed without documents keeps the
    // tag it always had).
    let etag = format!(
        "\"f{since}-{}-{}\"",
        feed.next_cursor,
        feed.events.len() + feed.documents.len()
    );
    Ok(tagged(&headers, etag, feed))
}

pub async fn lookup(
    State(state): State<AppState>,
    client: ClientAddr,
    body: Bytes,
) -> Result<Response, ApiError> {
    let ask: LookupRequest = json_body(&body)?;
    let now = now_vn();
    let (address, limits) = (client.key(), state.config.lookup.clone());
    let found = state
        .db
        .lookup(address, ask.code, ask.pin, now, limits)
        .await?;
    Ok(([(CACHE_CONTROL, "no-store")], Json(found)).into_response())
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: Option<String>,
}

pub async fn officer_list(
    State(state): State<AppState>,
    _officer: Officer,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<DossierStatus>>, ApiError> {
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(name) => Some(Status::parse(name).ok_or_else(|| unknown_state(name))?),
    };
    let list = state.db.officer_list(status).await?;
    Ok(Json(list))
}

fn unknown_state(name: &str) -> ApiError {
    let known: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "unknown_state",
        format!(
            "Không có trạng thái \"{name}\"; các trạng thái: {}.",
            known.join(", ")
        ),
        format!(
            "There is no state \"{name}\"; states: {}.",
            known.join(", ")
        ),
    )
}

pub async fn officer_one(
    State(state): State<AppState>,
    _officer: Officer,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let status = state
        .db
        .dossier_status(code, None)
        .await?
        .ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
    Ok(tagged_status(&headers, status))
}

/// The version named by `If-Match` (`"s42"`), `None` for `*` or no header.
fn expected_version(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(value) = headers.get(IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    tracking::tagged_version(text).map(Some).ok_or_else(|| {
        ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "status_changed",
            "If-Match không khớp phiên bản nào của hồ sơ; hãy tải lại trạng thái.",
            "If-Match names no version of this dossier; fetch its status again.",
        )
    })
}

pub async fn officer_move(
    State(state): State<AppState>,
    officer: Officer,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let change: Transition = json_body(&body)?;
    let expected = expected_version(&headers)?;
    let now = now_vn();
    let issue = crate::results::notice_maker(&state, &code, now);
    let status = state
        .db
        .transition(
            crate::records::Move {
                code,
                officer: officer.account.clone(),
                change,
                expected,
                duties: officer.duties,
                at: now.to_rfc3339(),
            },
            issue,
        )
        .await?;
    Ok(([(ETAG, status_etag(&status))], Json(status)).into_response())
}

/// The applicant's move of their own dossier `code`, answered with its
/// status as [`one`] gives it.
async fn applicant_move(
    state: &AppState,
    who: &Applicant,
    code: String,
    ask: ApplicantAsk,
) -> Result<Response, ApiError> {
    let status = state
        .db
        .applicant_move(crate::records::ApplicantMove {
            code,
            applicant: who.id,
            ask,
            at: now_vn().to_rfc3339(),
        })
        .await?;
    Ok((
        [
            (ETAG, status_etag(&status)),
            (CACHE_CONTROL, "no-cache".to_owned()),
        ],
        Json(status),
    )
        .into_response())
}

/// `POST /v1/dossiers/{code}/withdrawal`: the applicant withdraws a
/// dossier not yet examined, with a reason; asked again once withdrawn,
/// the same status and nothing changed.
pub async fn withdraw(
    State(state): State<AppState>,
    who: Applicant,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let ask: Withdrawal = json_body(&body)?;
    applicant_move(&state, &who, code, ApplicantAsk::Withdraw(ask.reason)).await
}

/// `POST /v1/dossiers/{code}/result-received`: the applicant says the
/// result arrived, which completes the dossier; asked again, nothing
/// changes.
pub async fn result_received(
    State(state): State<AppState>,
    who: Applicant,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    applicant_move(&state, &who, code, ApplicantAsk::ResultReceived).await
}
