//! Where a filed dossier stands at the portal, which moves an officer may
//! make from each state, and when the applicant may withdraw it. The
//! portal refuses any other move; the app and the CLI show the same
//! bilingual names.

use crate::Bilingual;
use serde::{Deserialize, Serialize};

/// The state of a dossier after filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Filed; the receipt was issued.
    Received,
    /// An officer found it complete and took it on.
    Accepted,
    /// The agency asks the applicant for more (what is asked goes with it).
    SupplementRequested,
    /// Being examined.
    Processing,
    /// The result can be collected or downloaded.
    ResultReady,
    /// Refused, with the reason in the note.
    Rejected,
    /// The result was handed over; nothing more happens.
    Completed,
    /// The applicant withdrew it, with a reason, before it was examined
    /// (see [`Status::may_withdraw`]); nothing more happens, and a fee paid
    /// is refunded.
    Withdrawn,
}

/// Longest reason for a withdrawal, in characters after normalisation.
pub const WITHDRAWAL_REASON_MAX_CHARS: usize = 2000;

/// Why a withdrawal was refused. Its text is [`WithdrawalError::message`],
/// Vietnamese then English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub enum WithdrawalError {
    /// The dossier is past the point where it may be withdrawn, or was
    /// settled already.
    NotNow(Status),
    /// No reason given.
    NoReason,
    /// A reason longer than [`WITHDRAWAL_REASON_MAX_CHARS`].
    ReasonTooLong(usize),
    /// A control or invisible character inside the reason, which would be
    /// recorded without anyone seeing it (see [`crate::length::find_hidden`]).
    HiddenCharacter {
        /// The character, as `U+200B`.
        code_point: String,
        /// Its position in the normalised reason, in characters from 1.
        position: usize,
    },
}

impl WithdrawalError {
    /// What people read: what is wrong and what to do.
    pub fn message(&self) -> Bilingual {
        match self {
            Self::NotNow(status) => Bilingual::new(
                format!(
                    "hồ sơ đang ở trạng thái “{}” nên không rút được nữa; chỉ rút được khi hồ sơ chưa được giải quyết (đã tiếp nhận hoặc đã chấp nhận)",
                    status.label().vi
                ),
                format!(
                    "the dossier is “{}”, so it can no longer be withdrawn; a dossier can be withdrawn only before it is examined (received or accepted)",
                    status.label().en
                ),
            ),
            Self::NoReason => Bilingual::new(
                "hãy nêu lý do rút hồ sơ",
                "give a reason for withdrawing the dossier",
            ),
            Self::ReasonTooLong(chars) => Bilingual::new(
                format!(
                    "lý do rút hồ sơ dài {chars}/{WITHDRAWAL_REASON_MAX_CHARS} ký tự — hãy rút gọn"
                ),
                format!(
                    "the reason is {chars}/{WITHDRAWAL_REASON_MAX_CHARS} characters — shorten it"
                ),
            ),
            Self::HiddenCharacter {
                code_point,
                position,
            } => Bilingual::new(
                format!(
                    "lý do rút hồ sơ có ký tự ẩn {code_point} ở vị trí {position} — hãy xoá ký tự này"
                ),
                format!(
                    "the reason holds the hidden character {code_point} at position {position} — remove it"
                ),
            ),
        }
    }
}

impl Status {
    /// Every state, in the order a dossier usually passes through them.
    pub const ALL: [Status; 8] = [
        Status::Received,
        Status::Accepted,
        Status::SupplementRequested,
        Status::Processing,
        Status::ResultReady,
        Status::Rejected,
        Status::Completed,
        Status::Withdrawn,
    ];

    /// The states from which the applicant may withdraw a dossier: those in
    /// which the agency has not begun to examine it. Not
    /// `supplement_requested`, which an officer may ask for during
    /// processing too, so that state alone does not say whether examination
    /// began; nor any later or final state.
    pub const WITHDRAWABLE: [Status; 2] = [Status::Received, Status::Accepted];

    /// The name used on the wire and in databases.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Accepted => "accepted",
            Status::SupplementRequested => "supplement_requested",
            Status::Processing => "processing",
            Status::ResultReady => "result_ready",
            Status::Rejected => "rejected",
            Status::Completed => "completed",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// Reads a wire name.
    pub fn parse(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// What people read.
    pub fn label(self) -> Bilingual {
        let (vi, en) = match self {
            Status::Received => ("Đã tiếp nhận", "Received"),
            Status::Accepted => ("Đã chấp nhận hồ sơ", "Accepted"),
            Status::SupplementRequested => ("Yêu cầu bổ sung", "Supplement requested"),
            Status::Processing => ("Đang giải quyết", "Processing"),
            Status::ResultReady => ("Đã có kết quả", "Result ready"),
            Status::Rejected => ("Từ chối", "Rejected"),
            Status::Completed => ("Đã trả kết quả", "Completed"),
            Status::Withdrawn => ("Đã rút hồ sơ", "Withdrawn"),
        };
        Bilingual::new(vi, en)
    }

    /// True when nothing can follow.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Rejected | Status::Completed | Status::Withdrawn
        )
    }

    /// The states an officer may move a dossier to from this one. Never
    /// `withdrawn`: only the applicant withdraws, through
    /// [`Status::withdraw`].
    pub fn next(self) -> &'static [Status] {
        use Status::*;
        match self {
            Received => &[Accepted, SupplementRequested, Rejected],
            Accepted => &[Processing, SupplementRequested, Rejected],
            // The applicant's supplement (or the officer, for papers
            // handed in at the desk) brings it back into examination.
            SupplementRequested => &[Received, Processing, Rejected],
            Processing => &[SupplementRequested, ResultReady, Rejected],
            ResultReady => &[Completed],
            Rejected | Completed | Withdrawn => &[],
        }
    }

    /// Whether an officer may move a dossier from this state to `to`.
    pub fn may_move_to(self, to: Status) -> bool {
        self.next().contains(&to)
    }

    /// Whether the applicant may withdraw a dossier in this state: one of
    /// [`Status::WITHDRAWABLE`].
    pub fn may_withdraw(self) -> bool {
        Status::WITHDRAWABLE.contains(&self)
    }

    /// Judges the applicant's withdrawal of a dossier in this state with
    /// `reason`: the reason as it is to be recorded (normalised like every
    /// value), or why the withdrawal is refused: the state, no reason, one
    /// too long, or one holding a control or invisible character (kept
    /// out of the history, where nobody would see it). A dossier so
    /// withdrawn enters [`Status::Withdrawn`].
    pub fn withdraw(self, reason: &str) -> Result<String, WithdrawalError> {
        if !self.may_withdraw() {
            return Err(WithdrawalError::NotNow(self));
        }
        let reason = crate::length::normalize(reason);
        let chars = reason.chars().count();
        if chars == 0 {
            Err(WithdrawalError::NoReason)
        } else if chars > WITHDRAWAL_REASON_MAX_CHARS {
            Err(WithdrawalError::ReasonTooLong(chars))
        } else if let Some(hidden) = crate::length::find_hidden(&reason) {
            Err(WithdrawalError::HiddenCharacter {
                code_point: hidden.code_point(),
                position: hidden.position,
            })
        } else {
            Ok(reason)
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).expect("json");
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!(Status::parse("approved"), None);
        assert!(serde_json::from_str::<Status>("\"approved\"").is_err());
    }

    #[test]
    fn final_states_lead_nowhere_and_every_other_state_can_end() {
        for s in Status::ALL {
            assert_eq!(s.is_final(), s.next().is_empty(), "{s}");
            assert!(!s.may_move_to(s), "{s} may not move to itself");
        }
        // From every state some path reaches a final state.
        for start in Status::ALL {
            let mut seen = vec![start];
            let mut i = 0;
            while i < seen.len() {
                for &n in seen[i].next() {
                    if !seen.contains(&n) {
                        seen.push(n);
                    }
                }
                i += 1;
            }
            assert!(seen.iter().any(|s| s.is_final()), "{start} never ends");
        }
        assert!(Status::Received.may_move_to(Status::Accepted));
        assert!(!Status::Received.may_move_to(Status::Completed));
        assert!(!Status::Completed.may_move_to(Status::Processing));
    }

    #[test]
    fn the_applicant_withdraws_only_before_examination_and_officers_never_do() {
        use Status::*;
        for s in Status::ALL {
            let allowed = s.withdraw("Nộp nhầm thủ tục");
            match s {
                Received | Accepted => assert_eq!(allowed, Ok("Nộp nhầm thủ tục".into())),
                _ => assert_eq!(allowed, Err(WithdrawalError::NotNow(s)), "{s}"),
            }
            assert!(
                !s.may_move_to(Withdrawn),
                "an officer moved {s} to withdrawn"
            );
        }
        assert!(Withdrawn.is_final());
        let refused = SupplementRequested.withdraw("x").expect_err("refused");
        assert!(refused.to_string().contains("Yêu cầu bổ sung"), "{refused}");
        let message = refused.message();
        assert!(message.vi.contains("“Yêu cầu bổ sung”"), "{message}");
        assert!(message.en.contains("“Supplement requested”"), "{message}");
        assert_eq!(
            refused.to_string(),
            format!("{} / {}", message.vi, message.en)
        );
    }

    #[test]
    fn a_withdrawal_needs_a_reason_of_bounded_length() {
        assert_eq!(
            Status::Received.withdraw(" \u{200b} "),
            Err(WithdrawalError::NoReason)
        );
        let long = "ư".repeat(WITHDRAWAL_REASON_MAX_CHARS + 1);
        assert_eq!(
            Status::Accepted.withdraw(&long),
            Err(WithdrawalError::ReasonTooLong(
                WITHDRAWAL_REASON_MAX_CHARS + 1
            ))
        );
        let fits = "ư".repeat(WITHDRAWAL_REASON_MAX_CHARS);
        assert_eq!(Status::Accepted.withdraw(&fits), Ok(fits.clone()));
        assert_eq!(
            Status::Received.withdraw("  Không cần nữa \u{200b}"),
            Ok("Không cần nữa".into())
        );
    }

    #[test]
    fn a_reason_with_a_hidden_character_inside_is_refused_naming_it() {
        assert_eq!(
            Status::Received.withdraw("Nộp\u{200b} nhầm"),
            Err(WithdrawalError::HiddenCharacter {
                code_point: "U+200B".into(),
                position: 4
            })
        );
        let bell = Status::Accepted
            .withdraw("Nộp nhầm\u{7}thủ tục")
            .expect_err("refused");
        assert!(bell.to_string().contains("U+0007"), "{bell}");
        // Line ends are text, not hidden characters.
        assert_eq!(
            Status::Received.withdraw("Nộp nhầm.\nSẽ nộp lại."),
            Ok("Nộp nhầm.\nSẽ nộp lại.".into())
        );
    }
}
