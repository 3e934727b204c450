//! The officer API's side of the console: the queue a page at a time and
//! assignments, judged as the console judges them.

use super::{Officer, json_body};
use crate::console::queue::{QueueForm, next_after, query};
use crate::error::ApiError;
use crate::records::{AssignmentRow, QueueRow};
use crate::state::{AppState, now_vn};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};

/// `GET /v1/officer/queue`: a page of the queue.
#[derive(Debug, Serialize)]
pub struct QueuePage {
    /// The dossiers, overdue first, then by due date and code.
    pub rows: Vec<QueueRow>,
    /// `after` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

pub async fn queue(
    State(state): State<AppState>,
    officer: Officer,
    Query(form): Query<QueueForm>,
) -> Result<Json<QueuePage>, ApiError> {
    let q = query(
        &form,
        &officer.account,
        &state.calendar,
        now_vn().date_naive(),
    );
    let page = (q.limit - 1) as usize;
    let mut rows = state.db.queue(q).await?;
    let more = rows.len() > page;
    rows.truncate(page);
    let next = next_after(&rows, more);
    Ok(Json(QueuePage { rows, next }))
}

/// `POST /v1/officer/dossiers/{code}/assignment`.
#[derive(Debug, Deserialize)]
pub struct AssignmentAsk {
    /// The colleague's account.
    pub to: String,
    /// Who the dossier was assigned to when the caller looked (`null`:
    /// nobody); given meanwhile to someone else, the assignment is
    /// refused with 412.
    #[serde(default)]
    pub seen: Option<String>,
    /// Why, or what to do.
    #[serde(default)]
    pub note: String,
}

/// Who a dossier is assigned to and every assignment, oldest first.
#[derive(Debug, Serialize)]
pub struct Assignments {
    /// The officer it is assigned to now.
    pub assigned_to: Option<String>,
    /// Each assignment.
    pub assignments: Vec<AssignmentRow>,
}

async fn assignments(state: &AppState, code: String) -> Result<Assignments, ApiError> {
    let found = state
        .db
        .console_dossier(code)
        .await?
        .ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
    Ok(Assignments {
        assigned_to: found.assigned_to,
        assignments: found.assignments,
    })
}

pub async fn assign(
    State(state): State<AppState>,
    officer: Officer,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Json<Assignments>, ApiError> {
    let ask: AssignmentAsk = json_body(&body)?;
    crate::console::assign::give(
        &state,
        &officer.account,
        officer.duties,
        &code,
        &ask.to,
        ask.seen.as_deref(),
        &ask.note,
    )
    .await?;
    Ok(Json(assignments(&state, code).await?))
}

pub async fn assignment(
    State(state): State<AppState>,
    _officer: Officer,
    Path(code): Path<String>,
) -> Result<Json<Assignments>, ApiError> {
    Ok(Json(assignments(&state, code).await?))
}

/// `GET /v1/officer/dossiers/{code}/receipt`: the signed receipt the
/// applicant holds, as signed.
pub async fn receipt(
    State(state): State<AppState>,
    _officer: Officer,
    Path(code): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let found = state
        .db
        .console_dossier(code)
        .await?
        .ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        found.receipt,
    )
        .into_response())
}

/// A result document as officers list it.
#[derive(Debug, Serialize)]
pub struct ResultListed {
    /// Its name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// `GET /v1/officer/dossiers/{code}/results`: the result's documents, by
/// name (before and after the result is issued).
pub async fn results(
    State(state): State<AppState>,
    _officer: Officer,
    Path(code): Path<String>,
) -> Result<Json<Vec<ResultListed>>, ApiError> {
    let list = state.db.result_documents(code).await?;
    Ok(Json(
        list.into_iter()
            .map(|r| ResultListed {
                name: r.name,
                size: r.size,
                sha256: r.sha256.to_hex(),
            })
            .collect(),
    ))
}

/// `GET /v1/officer/dossiers/{code}/results/{name}`: one of them, whole.
pub async fn result(
    State(state): State<AppState>,
    _officer: Officer,
    Path((code, name)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    crate::results::serve_to_officer(&state, code, &name, false).await
}
