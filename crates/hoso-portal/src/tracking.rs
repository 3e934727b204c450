//! A filed dossier's life after the receipt: the history of its states
//! (each change one row of `status_events`, whose cursor is the change
//! feed's cursor) and the rules of officers' moves between states. The
//! records are kept by [`crate::records`]; the lookup by code and PIN is in
//! [`crate::lookup`].

use crate::error::ApiError;
use axum::http::StatusCode;
use hoso_core::status::Status;
use hoso_core::wire::{DossierStatus, StatusEvent, StatusFeed, Transition};

/// Largest page of the change feed.
pub const FEED_PAGE_MAX: u32 = 500;

/// The entity tag of a dossier's status: changes whenever a state is added.
pub fn status_etag(version: u64) -> String {
    format!("\"s{version}\"")
}

/// A dossier's status from its stored columns and its history, oldest
/// change first.
pub fn status_of(
    code: &str,
    received_at: String,
    appointment: &str,
    procedure: &str,
    history: Vec<StatusEvent>,
) -> Result<DossierStatus, ApiError> {
    let current = history
        .last()
        .ok_or_else(|| ApiError::internal(format!("dossier {code} has no history")))?;
    Ok(DossierStatus {
        code: code.parse().map_err(ApiError::internal)?,
        status: current.status,
        received_at,
        appointment_date: appointment.parse().map_err(ApiError::internal)?,
        procedure: procedure.parse().map_err(ApiError::internal)?,
        history,
    })
}

/// The version of a status: the cursor of its last change.
pub fn version(status: &DossierStatus) -> u64 {
    status.history.last().map(|e| e.cursor).unwrap_or_default()
}

/// A page of the feed from `events` read after `since` (at most
/// `limit + 1` of them, to tell whether more follow).
pub fn page(mut events: Vec<StatusEvent>, since: u64, limit: u32) -> StatusFeed {
    let more = events.len() > limit as usize;
    events.truncate(limit as usize);
    let next_cursor = events.last().map_or(since, |e| e.cursor);
    StatusFeed {
        events,
        next_cursor,
        more,
        documents: Vec::new(),
    }
}

/// Judges an officer's move of dossier `code` from `current`. `expected`,
/// from `If-Match`, is the version the officer looked at: a change made
/// meanwhile by someone else refuses the move rather than overwrite what
/// the officer did not see. The supplement request to record, if any.
pub fn judge(
    code: &str,
    current: &DossierStatus,
    change: &Transition,
    expected: Option<u64>,
) -> Result<Option<String>, ApiError> {
    if let Some(v) = expected
        && v != version(current)
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
    Ok(request
        .filter(|_| change.to == Status::SupplementRequested)
        .map(str::to_owned))
}
