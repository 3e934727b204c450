//! A filed dossier's life after the receipt: the history of its states
//! (each change one row of `status_events`, whose row id is the change
//! feed's cursor), officers' moves between states, and the status lookup
//! by code and PIN for people who are not signed in.

use crate::error::ApiError;
use axum::http::StatusCode;
use chrono::{DateTime, FixedOffset};
use hoso_core::DossierCode;
use hoso_core::status::Status;
use hoso_core::wire::{DossierStatus, PublicStatus, StatusEvent, StatusFeed, Transition};
use rusqlite::{Connection, OptionalExtension, params};

/// Largest page of the change feed.
pub const FEED_PAGE_MAX: u32 = 500;
/// Wrong PINs for one dossier before lookups of it pause.
pub const LOOKUP_MAX_FAILURES: u32 = 5;
/// How long lookups of a dossier pause after too many wrong PINs.
pub const LOOKUP_PAUSE_SECS: i64 = 15 * 60;

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

/// The answer to a wrong code or PIN alike, so that a guess learns
/// nothing about which codes exist.
fn lookup_refused() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "lookup_failed",
        "Mã hồ sơ hoặc mã tra cứu không đúng. Hãy xem lại giấy tiếp nhận.",
        "The dossier code or lookup PIN is wrong. Check the receipt.",
    )
}

/// The state of dossier `code` for whoever holds its PIN. After
/// [`LOOKUP_MAX_FAILURES`] wrong PINs, lookups of that dossier pause for
/// [`LOOKUP_PAUSE_SECS`] (429 with Retry-After), so PINs cannot be guessed.
pub fn lookup(
    conn: &mut Connection,
    code: &str,
    pin: &str,
    now: DateTime<FixedOffset>,
) -> Result<PublicStatus, ApiError> {
    let code: DossierCode = code.trim().parse().map_err(|_| lookup_refused())?;
    let code = code.as_str().to_owned();
    let tx = conn.transaction()?;
    let stored: Option<String> = tx
        .query_row(
            "SELECT lookup_pin FROM dossiers WHERE code = ?1",
            params![code],
            |r| r.get(0),
        )
        .optional()?;
    let Some(stored) = stored else {
        return Err(lookup_refused());
    };
    let failures: Option<(u32, String)> = tx
        .query_row(
            "SELECT failures, first_at FROM lookup_failures WHERE dossier_code = ?1",
            params![code],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let window_start = failures
        .as_ref()
        .and_then(|(_, first)| DateTime::parse_from_rfc3339(first).ok())
        .filter(|first| (now - *first).num_seconds() < LOOKUP_PAUSE_SECS);
    let recent = match (&failures, window_start) {
        (Some((n, _)), Some(_)) => *n,
        _ => 0,
    };
    if recent >= LOOKUP_MAX_FAILURES {
        let wait = window_start
            .map(|first| LOOKUP_PAUSE_SECS - (now - first).num_seconds())
            .unwrap_or(LOOKUP_PAUSE_SECS)
            .max(1);
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "lookup_paused",
            format!(
                "Đã nhập sai mã tra cứu quá {LOOKUP_MAX_FAILURES} lần; hãy thử lại sau {} phút.",
                (wait + 59) / 60
            ),
            format!(
                "The lookup PIN was wrong more than {LOOKUP_MAX_FAILURES} times; try again in {} minutes.",
                (wait + 59) / 60
            ),
        )
        .with_header("retry-after", wait.to_string().parse::<axum::http::HeaderValue>().map_err(ApiError::internal)?));
    }
    if !same_pin(&stored, pin) {
        let first = window_start.unwrap_or(now).to_rfc3339();
        tx.execute(
            "INSERT INTO lookup_failures (dossier_code, failures, first_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(dossier_code) DO UPDATE SET failures = ?2, first_at = ?3",
            params![code, recent + 1, first],
        )?;
        tx.commit()?;
        return Err(lookup_refused());
    }
    tx.execute(
        "DELETE FROM lookup_failures WHERE dossier_code = ?1",
        params![code],
    )?;
    let status = dossier_status(&tx, &code, None)?.ok_or_else(lookup_refused)?;
    tx.commit()?;
    let since = status
        .history
        .last()
        .map(|e| e.at.clone())
        .unwrap_or_default();
    Ok(PublicStatus {
        code: status.code,
        procedure: status.procedure,
        status: status.status,
        since,
        received_at: status.received_at,
        appointment_date: status.appointment_date,
    })
}

/// Compares PINs without stopping at the first difference, ignoring case
/// and surrounding spaces (people type them from paper).
fn same_pin(stored: &str, typed: &str) -> bool {
    let typed = typed.trim().to_ascii_uppercase();
    let (a, b) = (stored.as_bytes(), typed.as_bytes());
    if a.is_empty() || a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_match_only_when_equal_whatever_the_case() {
        assert!(same_pin("K7QX", "k7qx "));
        assert!(!same_pin("K7QX", "K7QY"));
        assert!(!same_pin("K7QX", "K7Q"));
        assert!(!same_pin("", ""));
    }
}
