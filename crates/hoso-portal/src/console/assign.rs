//! Giving a dossier to a colleague, or sending it to the leader: the rule
//! both record back ends apply inside the transaction that records it.

use crate::duties::{Duties, Duty};
use crate::error::ApiError;
use crate::records::{Assignment, OfficerAccount};
use axum::http::StatusCode;
use hoso_core::status::Status;

/// `by`, holding `duties`, gives dossier `code` to `to`, having seen it
/// assigned to `seen` (empty: nobody), with `note`: what the console's
/// form and the officer API both do.
pub async fn give(
    state: &crate::state::AppState,
    by: &str,
    duties: Duties,
    code: &str,
    to: &str,
    seen: Option<&str>,
    note: &str,
) -> Result<(), ApiError> {
    crate::duties::require(
        duties,
        crate::duties::ASSIGN,
        hoso_core::Bilingual::new("giao hồ sơ", "give dossiers to colleagues"),
    )?;
    state
        .db
        .assign(Assignment {
            code: code.to_owned(),
            by: by.to_owned(),
            to: to.trim().to_owned(),
            seen: seen
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            note: note.trim().to_owned(),
            at: crate::state::now_vn().to_rfc3339(),
        })
        .await
}

/// Judges `a` for a dossier in state `status` (as stored) now assigned to
/// `assigned`, to the officer `to` (`None`: no such account): refused
/// when the dossier is closed, when it was given meanwhile to someone the
/// giver did not see, or when the colleague works no dossiers.
pub fn judge(
    a: &Assignment,
    status: &str,
    assigned: Option<&str>,
    to: Option<&OfficerAccount>,
) -> Result<(), ApiError> {
    if Status::parse(status).is_none_or(Status::is_final) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "dossier_closed",
            format!("Hồ sơ {} đã kết thúc; không giao cho ai nữa.", a.code),
            format!("Dossier {} is closed; it is given to nobody now.", a.code),
        ));
    }
    if assigned != a.seen.as_deref() {
        let now = assigned.unwrap_or("—");
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "assignment_changed",
            format!(
                "Hồ sơ {} vừa được giao cho {now}; hãy xem lại trước khi giao.",
                a.code
            ),
            format!(
                "Dossier {} was just given to {now}; look again before giving it.",
                a.code
            ),
        ));
    }
    let works = to.is_some_and(|o| {
        [Duty::Receiving, Duty::Processing, Duty::Leader]
            .into_iter()
            .any(|d| o.duties.has(d))
    });
    if !works {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_officer",
            format!("Không có cán bộ \"{}\" xử lý hồ sơ.", a.to),
            format!("There is no officer \"{}\" who works dossiers.", a.to),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duties::Duties;

    fn ask(seen: Option<&str>) -> Assignment {
        Assignment {
            code: "HS-261205-0001".into(),
            by: "tiepnhan".into(),
            to: "lanhdao".into(),
            seen: seen.map(str::to_owned),
            note: String::new(),
            at: "2026-12-05T09:00:00+07:00".into(),
        }
    }

    fn officer(duties: Duties) -> OfficerAccount {
        OfficerAccount {
            id: 2,
            account: "lanhdao".into(),
            display_name: "Lãnh đạo".into(),
            duties,
            password_hash: None,
        }
    }

    #[test]
    fn an_assignment_is_refused_when_closed_changed_or_to_nobody_who_works() {
        let leader = officer(Duties::of(&[Duty::Leader]));
        assert!(judge(&ask(None), "processing", None, Some(&leader)).is_ok());
        assert!(judge(&ask(Some("xuly")), "accepted", Some("xuly"), Some(&leader)).is_ok());
        let code = |r: Result<(), ApiError>| r.expect_err("refused").code;
        assert_eq!(
            code(judge(&ask(None), "completed", None, Some(&leader))),
            "dossier_closed"
        );
        assert_eq!(
            code(judge(&ask(None), "processing", Some("xuly"), Some(&leader))),
            "assignment_changed"
        );
        assert_eq!(
            code(judge(&ask(None), "processing", None, None)),
            "unknown_officer"
        );
        let admin = officer(Duties::of(&[Duty::Admin]));
        assert_eq!(
            code(judge(&ask(None), "processing", None, Some(&admin))),
            "unknown_officer"
        );
    }
}
