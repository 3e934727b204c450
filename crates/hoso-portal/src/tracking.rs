//! A filed dossier's life after the receipt: the history of its states
//! (each change one row of `status_events`, whose row id is the change
//! feed's cursor) and officers' moves between states. The lookup by code
//! and PIN is in [`crate::lookup`].

use crate::error::ApiError;
use axum::http::StatusCode;
use hoso_core::status::Status;
use hoso_core::wire::{DossierStatus, StatusEvent, StatusFeed, Transition};
use rusqlite::{Connection, OptionalExtension, params};

/// Largest page of the change feed.
pub const FEED_PAGE_MAX: u32 = 500;

/// The entity tag of a dossier's status: changes whenever a state is added.
pub fn status_etag(version: u64) -> String {
    format!("\"s{version}\"")
}

/// Appends a change to a dossier's history and makes it the current state.
pub fn record(
    conn: &Connection,
    code: &str,
    status: Status,
    at: &str,
    actor: &str,
    note: &str,
    request: Option<&str>,
) -> rusqlite::Result<u64> {
    conn.execute(
        "INSERT INTO status_events (dossier_code, status, at, actor, note, request)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![code, status.as_str(), at, actor, note, request],
    )?;
    let cursor = conn.last_insert_rowid();
    conn.execute(
        "UPDATE dossiers SET status = ?2 WHERE code = ?1",
        params![code, status.as_str()],
    )?;
    Ok(u64::try_from(cursor).unwrap_or_default())
}

fn event(r: &rusqlite::Row<'_>) -> rusqlite::Result<StatusEvent> {
    let cursor: i64 = r.get(0)?;
    let code: String = r.get(1)?;
    let status: String = r.get(2)?;
    let bad = |what: String| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, what.into())
    };
    Ok(StatusEvent {
        cursor: u64::try_from(cursor).unwrap_or_default(),
        code: code.parse().map_err(|e| bad(format!("{e}")))?,
        status: Status::parse(&status).ok_or_else(|| bad(format!("state {status}")))?,
        at: r.get(3)?,
        actor: r.get(4)?,
        note: r.get(5)?,
        request: r.get(6)?,
    })
}

const EVENT_COLUMNS: &str = "e.cursor, e.dossier_code, e.status, e.at, e.actor, e.note, e.request";

/// A dossier's status and history; with `applicant`, only if it is theirs.
pub fn dossier_status(
    conn: &Connection,
    code: &str,
    applicant: Option<i64>,
) -> Result<Option<DossierStatus>, ApiError> {
    let row: Option<(String, String, String)> = conn
        .query_row(
            "SELECT received_at, appointment_date, procedure_code FROM dossiers
             WHERE code = ?1 AND (?2 IS NULL OR applicant_id = ?2)",
            params![code, applicant],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((received_at, appointment, procedure)) = row else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM status_events e WHERE e.dossier_code = ?1 ORDER BY e.cursor"
    ))?;
    let history = stmt
        .query_map(params![code], event)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let current = history
        .last()
        .ok_or_else(|| ApiError::internal(format!("dossier {code} has no history")))?;
    Ok(Some(DossierStatus {
        code: code.parse().map_err(ApiError::internal)?,
        status: current.status,
        received_at,
        appointment_date: appointment.parse().map_err(ApiError::internal)?,
        procedure: procedure.parse().map_err(ApiError::internal)?,
        history,
    }))
}

/// The version of a status: the cursor of its last change.
pub fn version(status: &DossierStatus) -> u64 {
    status.history.last().map(|e| e.cursor).unwrap_or_default()
}

/// Changes to `applicant`'s dossiers after `since`, at most `limit`.
pub fn feed(
    conn: &Connection,
    applicant: i64,
    since: u64,
    limit: u32,
) -> rusqlite::Result<StatusFeed> {
    let limit = limit.clamp(1, FEED_PAGE_MAX);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM status_events e JOIN dossiers d ON d.code = e.dossier_code
         WHERE d.applicant_id = ?1 AND e.cursor > ?2 ORDER BY e.cursor LIMIT ?3"
    ))?;
    let mut events = stmt
        .query_map(
            params![
                applicant,
                i64::try_from(since).unwrap_or(i64::MAX),
                limit + 1
            ],
            event,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let more = events.len() > limit as usize;
    events.truncate(limit as usize);
    let next_cursor = events.last().map_or(since, |e| e.cursor);
    Ok(StatusFeed {
        events,
        next_cursor,
        more,
    })
}

/// Dossiers an officer sees, optionally only those in one state, oldest
/// first.
pub fn officer_list(
    conn: &Connection,
    status: Option<Status>,
) -> Result<Vec<DossierStatus>, ApiError> {
    let codes: Vec<String> = {
        let mut stmt = conn.prepare_cached(
            "SELECT code FROM dossiers WHERE ?1 IS NULL OR status = ?1 ORDER BY received_at, code",
        )?;
        stmt.query_map(params![status.map(Status::as_str)], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut out = Vec::with_capacity(codes.len());
    for code in codes {
        out.extend(dossier_status(conn, &code, None)?);
    }
    Ok(out)
}

/// An officer moves a dossier. `expected`, from `If-Match`, is the version
/// the officer looked at: a change made meanwhile by someone else refuses
/// the move rather than overwrite what the officer did not see.
pub fn transition(
    conn: &mut Connection,
    code: &str,
    officer: &str,
    change: &Transition,
    expected: Option<u64>,
    at: &str,
) -> Result<DossierStatus, ApiError> {
    let tx = conn.transaction()?;
    let current =
        dossier_status(&tx, code, None)?.ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
    if let Some(v) = expected
        && v != version(&current)
    {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "status_changed",
            format!(
                "Hồ sơ {code} vừa được chuyển sang \"{}\"; hãy xem lại trước khi chuyển tiếp.",
                current.status.label().vi
            ),
            format!(
                "Dossier {code} was just moved to \"{}\"; look again before moving it.",
                current.status.label().en
            ),
        ));
    }
    if !current.status.may_move_to(change.to) {
        let allowed = |pick: fn(hoso_core::Bilingual) -> String| {
            let names: Vec<String> = current
                .status
                .next()
                .iter()
                .map(|s| pick(s.label()))
                .collect();
            if names.is_empty() {
                "—".to_owned()
            } else {
                names.join(", ")
            }
        };
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "transition_not_allowed",
            format!(
                "Không thể chuyển hồ sơ từ \"{}\" sang \"{}\". Có thể chuyển sang: {}.",
                current.status.label().vi,
                change.to.label().vi,
                allowed(|b| b.vi)
            ),
            format!(
                "A dossier cannot move from \"{}\" to \"{}\". It may move to: {}.",
                current.status.label().en,
                change.to.label().en,
                allowed(|b| b.en)
            ),
        ));
    }
    let request = change
        .request
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if change.to == Status::SupplementRequested && request.is_none() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "supplement_unspecified",
            "Yêu cầu bổ sung phải nói rõ cần bổ sung gì (trường \"request\").",
            "A supplement request must say what is to be added (field \"request\").",
        ));
    }
    if change.to == Status::Rejected && change.note.trim().is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason_missing",
            "Từ chối hồ sơ phải ghi rõ lý do (trường \"note\").",
            "Rejecting a dossier needs the reason (field \"note\").",
        ));
    }
    record(
        &tx,
        code,
        change.to,
        at,
        officer,
        change.note.trim(),
        request.filter(|_| change.to == Status::SupplementRequested),
    )?;
    let updated = dossier_status(&tx, code, None)?
        .ok_or_else(|| ApiError::internal(format!("dossier {code} vanished")))?;
    tx.commit()?;
    Ok(updated)
}
