//! A filed dossier's life after the receipt: the history of its states
//! (each change one row of `status_events`, whose cursor is the change
//! feed's cursor) and the rules of officers' moves between states. The
//! records are kept by [`crate::records`]; the lookup by code and PIN is in
//! [`crate::lookup`].

use crate::error::ApiError;
use axum::http::StatusCode;
use hoso_core::status::Status;
use hoso_core::wire::{DossierStatus, FeedDocument, StatusEvent, StatusFeed, Transition};

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

/// A page of the feed from `events` and `documents` read after `since`
/// (at most `limit + 1` of each, by cursor, to tell whether more follow):
/// the first `limit` of both together, since one cursor orders them.
pub fn page(
    mut events: Vec<StatusEvent>,
    mut documents: Vec<FeedDocument>,
    since: u64,
    limit: u32,
) -> StatusFeed {
    let limit = limit as usize;
    let mut cursors: Vec<u64> = events
        .iter()
        .map(|e| e.cursor)
        .chain(documents.iter().map(|d| d.cursor))
        .collect();
    cursors.sort_unstable();
    let more = cursors.len() > limit;
    cursors.truncate(limit);
    let next_cursor = cursors.last().copied().unwrap_or(since);
    events.retain(|e| e.cursor <= next_cursor);
    documents.retain(|d| d.cursor <= next_cursor);
    StatusFeed {
        events,
        next_cursor,
        more,
        documents,
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

#[cfg(test)]
mod tests {
    use super::*;
    use hoso_core::wire::DossierDocument;

    fn event(cursor: u64) -> StatusEvent {
        StatusEvent {
            cursor,
            code: "HOSO.PRACTICE-261204-0001".parse().expect("code"),
            status: Status::Received,
            at: "2026-12-04T09:00:00+07:00".into(),
            actor: "portal".into(),
            note: String::new(),
            request: None,
        }
    }

    fn document(cursor: u64) -> FeedDocument {
        FeedDocument {
            cursor,
            code: "HOSO.PRACTICE-261204-0001".parse().expect("code"),
            at: chrono::DateTime::parse_from_rfc3339("2026-12-04T09:00:00+07:00").expect("time"),
            document: DossierDocument::Unknown,
        }
    }

    #[test]
    fn a_page_holds_events_and_documents_in_cursor_order_up_to_the_limit() {
        let page1 = page(
            vec![event(1), event(4), event(6)],
            vec![document(2), document(3), document(7)],
            0,
            4,
        );
        let cursors = |p: &StatusFeed| {
            let mut c: Vec<u64> = p.events.iter().map(|e| e.cursor).collect();
            c.extend(p.documents.iter().map(|d| d.cursor));
            c.sort_unstable();
            c
        };
        assert_eq!(cursors(&page1), [1, 2, 3, 4]);
        assert_eq!((page1.next_cursor, page1.more), (4, true));
        let page2 = page(vec![event(6)], vec![document(7)], 4, 4);
        assert_eq!(cursors(&page2), [6, 7]);
        assert_eq!((page2.next_cursor, page2.more), (7, false));
        let empty = page(vec![], vec![], 7, 4);
        assert_eq!((empty.next_cursor, empty.more), (7, false));
    }
}
