//! A filed dossier's life after the receipt: the history of its states
//! (each change one row of `status_events`, whose cursor is the change
//! feed's cursor) and the rules of officers' moves between states. The
//! records are kept by [`crate::records`]; the lookup by code and PIN is in
//! [`crate::lookup`].

use crate::error::ApiError;
use axum::http::StatusCode;
use hoso_core::status::{Status, WithdrawalError};
use hoso_core::wire::{DossierStatus, FeedDocument, StatusEvent, StatusFeed, Transition};

/// Largest page of the change feed.
pub const FEED_PAGE_MAX: u32 = 500;

/// Who made the changes an applicant makes (a withdrawal, a result said
/// to have arrived), in the history.
pub const APPLICANT_ACTOR: &str = "applicant";

/// The entity tag of a dossier's status: changes whenever a state is
/// added, and (in officers' views) whenever what is owed back changes,
/// which moves no state: `"s42"`, or `"s42-r125000"` while 125.000 đồng
/// are owed. `If-Match` names the state's version by it.
pub fn status_etag(status: &DossierStatus) -> String {
    match status.refund_due_vnd {
        0 => format!("\"s{}\"", version(status)),
        due => format!("\"s{}-r{due}\"", version(status)),
    }
}

/// The version of a dossier's state an entity tag names (`If-Match`).
pub fn tagged_version(etag: &str) -> Option<u64> {
    let inner = etag.trim().strip_prefix("\"s")?.strip_suffix('"')?;
    let version = inner.split_once("-r").map_or(inner, |(v, _)| v);
    version.parse().ok()
}

/// A dossier's status from its stored columns and its history, oldest
/// change first, with what is owed back (0 in applicants' views).
pub fn status_of(
    code: &str,
    received_at: String,
    appointment: &str,
    procedure: &str,
    history: Vec<StatusEvent>,
    refund_due_vnd: u64,
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
        refund_due_vnd,
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
/// the officer did not see. The move must be one `duties` holds the duty
/// for ([`crate::duties::for_move`]). The supplement request to record, if
/// any.
pub fn judge(
    code: &str,
    current: &DossierStatus,
    change: &Transition,
    expected: Option<u64>,
    duties: crate::duties::Duties,
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
    crate::duties::require_move(duties, current.status, change.to)?;
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

/// What an applicant asks of their own dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplicantAsk {
    /// Withdraw it, for this reason (as sent).
    Withdraw(String),
    /// The result arrived: the dossier is completed.
    ResultReceived,
}

/// Judges an applicant's move of dossier `code` from `current`: the state
/// to enter and the note to record, `None` when the dossier is there
/// already (asking again changes nothing), or why it is refused: 409 from
/// a state that does not allow it, 422 for a reason that will not do.
pub fn judge_applicant(
    code: &str,
    current: &DossierStatus,
    ask: &ApplicantAsk,
) -> Result<Option<(Status, String)>, ApiError> {
    match ask {
        ApplicantAsk::Withdraw(_) if current.status == Status::Withdrawn => Ok(None),
        ApplicantAsk::Withdraw(reason) => match current.status.withdraw(reason) {
            Ok(reason) => Ok(Some((Status::Withdrawn, reason))),
            Err(e @ WithdrawalError::NotNow(_)) => {
                let m = e.message();
                Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "withdrawal_not_allowed",
                    format!("Hồ sơ {code}: {}.", m.vi),
                    format!("Dossier {code}: {}.", m.en),
                ))
            }
            Err(e) => {
                let m = e.message();
                Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "withdrawal_reason_invalid",
                    format!("{} (trường \"reason\").", capitalized(&m.vi)),
                    format!("{} (field \"reason\").", capitalized(&m.en)),
                ))
            }
        },
        ApplicantAsk::ResultReceived => match current.status {
            Status::Completed => Ok(None),
            Status::ResultReady => Ok(Some((
                Status::Completed,
                crate::results::RECEIVED_NOTE.to_owned(),
            ))),
            other => Err(ApiError::new(
                StatusCode::CONFLICT,
                "result_not_ready",
                format!(
                    "Hồ sơ {code} đang ở trạng thái “{}”, chưa có kết quả để nhận; chỉ xác nhận đã nhận khi hồ sơ ở trạng thái “{}”.",
                    other.label().vi,
                    Status::ResultReady.label().vi
                ),
                format!(
                    "Dossier {code} is “{}”, with no result to receive; receipt of the result is confirmed only once it is “{}”.",
                    other.label().en,
                    Status::ResultReady.label().en
                ),
            )),
        },
    }
}

/// `text` with its first letter in capitals, to begin a sentence.
pub(crate) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
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

    fn at(status: Status, refund_due_vnd: u64) -> DossierStatus {
        DossierStatus {
            code: "HOSO.PRACTICE-261204-0001".parse().expect("code"),
            status,
            received_at: "2026-12-04T09:00:00+07:00".into(),
            appointment_date: "2026-12-08".parse().expect("date"),
            procedure: "le-phi-thu".parse().expect("procedure"),
            history: vec![event(7)],
            refund_due_vnd,
        }
    }

    #[test]
    fn a_tag_names_the_version_and_what_is_owed_and_if_match_reads_the_version() {
        assert_eq!(status_etag(&at(Status::Received, 0)), "\"s7\"");
        let owing = status_etag(&at(Status::Rejected, 125_000));
        assert_eq!(owing, "\"s7-r125000\"");
        assert_eq!(tagged_version("\"s7\""), Some(7));
        assert_eq!(tagged_version(&owing), Some(7));
        for bad in ["s7", "\"7\"", "\"s\"", "\"sx-r1\"", "W/\"s7\""] {
            assert_eq!(tagged_version(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_applicant_withdraws_before_examination_and_says_when_the_result_arrived() {
        let withdraw = ApplicantAsk::Withdraw("  Nộp nhầm thủ tục ".into());
        assert_eq!(
            judge_applicant("X", &at(Status::Accepted, 0), &withdraw).expect("allowed"),
            Some((Status::Withdrawn, "Nộp nhầm thủ tục".into()))
        );
        assert_eq!(
            judge_applicant("X", &at(Status::Withdrawn, 0), &withdraw).expect("again"),
            None
        );
        let late = judge_applicant("HOSO.X-1", &at(Status::Processing, 0), &withdraw)
            .expect_err("too late");
        assert_eq!(
            (late.status, late.code),
            (StatusCode::CONFLICT, "withdrawal_not_allowed")
        );
        assert!(
            late.message.vi.contains("“Đang giải quyết”"),
            "{}",
            late.message.vi
        );
        assert!(
            late.message
                .en
                .starts_with("Dossier HOSO.X-1: the dossier is “Processing”")
        );
        let empty = judge_applicant(
            "X",
            &at(Status::Received, 0),
            &ApplicantAsk::Withdraw(" ".into()),
        )
        .expect_err("no reason");
        assert_eq!(
            (empty.status, empty.code),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "withdrawal_reason_invalid"
            )
        );
        assert!(
            empty.message.en.starts_with("Give a reason"),
            "{}",
            empty.message.en
        );

        let received = ApplicantAsk::ResultReceived;
        assert_eq!(
            judge_applicant("X", &at(Status::ResultReady, 0), &received).expect("received"),
            Some((Status::Completed, crate::results::RECEIVED_NOTE.into()))
        );
        assert_eq!(
            judge_applicant("X", &at(Status::Completed, 0), &received).expect("again"),
            None
        );
        let early =
            judge_applicant("X", &at(Status::Processing, 0), &received).expect_err("no result yet");
        assert_eq!(
            (early.status, early.code),
            (StatusCode::CONFLICT, "result_not_ready")
        );
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
