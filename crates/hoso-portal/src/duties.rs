//! What an officer may do: the duties an account holds (receiving,
//! processing, signing off as leader, administering the portal) and which
//! of them each action needs. The officer API and the console ask the same
//! functions, inside the transaction that acts, so no page can offer what
//! the server would refuse and no request can do what a page hides.

use crate::error::ApiError;
use axum::http::StatusCode;
use hoso_core::Bilingual;
use hoso_core::status::Status;

/// One duty of an officer's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// Receives dossiers: accepts them, asks for what is missing, refuses
    /// to receive them, hands the result over.
    Receiving,
    /// Examines accepted dossiers: starts processing, asks for a
    /// supplement, attaches the result's documents, sends to the leader.
    Processing,
    /// Signs off: issues the result, rejects a dossier under examination,
    /// approves refunds.
    Leader,
    /// Keeps the accounts, procedures and holidays; acts on no dossier.
    Admin,
}

impl Duty {
    /// Every duty, in the order they are shown.
    pub const ALL: [Duty; 4] = [Duty::Receiving, Duty::Processing, Duty::Leader, Duty::Admin];

    /// Its name in settings, the records and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Duty::Receiving => "receiving",
            Duty::Processing => "processing",
            Duty::Leader => "leader",
            Duty::Admin => "admin",
        }
    }

    /// What officers call it.
    pub fn label(self) -> Bilingual {
        let (vi, en) = match self {
            Duty::Receiving => ("Cán bộ tiếp nhận", "Receiving officer"),
            Duty::Processing => ("Cán bộ xử lý", "Processing officer"),
            Duty::Leader => ("Lãnh đạo", "Leader"),
            Duty::Admin => ("Quản trị", "Administrator"),
        };
        Bilingual::new(vi, en)
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The duties one account holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Duties(u8);

impl Duties {
    /// What an account made without naming its duties holds: every duty
    /// but administration, as one officer of a small office does all.
    pub const WORKING: Duties = Duties(0b0111);

    /// These duties.
    pub fn of(duties: &[Duty]) -> Self {
        Self(duties.iter().fold(0, |all, d| all | d.bit()))
    }

    /// Whether `duty` is among them.
    pub fn has(self, duty: Duty) -> bool {
        self.0 & duty.bit() != 0
    }

    /// Each duty held, in [`Duty::ALL`]'s order.
    pub fn iter(self) -> impl Iterator<Item = Duty> {
        Duty::ALL.into_iter().filter(move |d| self.has(*d))
    }

    /// Reads `receiving,leader` (spaces allowed); `None` names the unknown
    /// word.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut duties = Vec::new();
        for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let duty = Duty::ALL
                .into_iter()
                .find(|d| d.as_str() == word)
                .ok_or_else(|| word.to_owned())?;
            duties.push(duty);
        }
        Ok(Self::of(&duties))
    }

    /// `receiving,leader`, as stored.
    pub fn to_text(self) -> String {
        self.iter().map(Duty::as_str).collect::<Vec<_>>().join(",")
    }
}

/// The duty a move of a dossier from `from` to `to` needs. The move must
/// also be one [`Status::may_move_to`] allows.
pub fn for_move(from: Status, to: Status) -> Duty {
    use Status::*;
    match (from, to) {
        // At the desk: received, found complete or not, refused at once;
        // papers brought in answer to a supplement; the result handed over.
        (Received, _) | (SupplementRequested, Received) | (ResultReady, Completed) => {
            Duty::Receiving
        }
        // Signing off: the result, and a refusal once examined.
        (_, ResultReady) | (_, Rejected) => Duty::Leader,
        _ => Duty::Processing,
    }
}

/// Attaching, replacing or removing the result's documents.
pub const RESULT_DOCUMENTS: &[Duty] = &[Duty::Processing, Duty::Leader];
/// Recording a refund.
pub const REFUNDS: &[Duty] = &[Duty::Leader];
/// Assigning a dossier to a colleague (or to the leader).
pub const ASSIGN: &[Duty] = &[Duty::Receiving, Duty::Processing, Duty::Leader];

/// Refuses unless `held` has one of `needed`, naming what `action` needs.
pub fn require(held: Duties, needed: &[Duty], action: Bilingual) -> Result<(), ApiError> {
    if needed.iter().any(|d| held.has(*d)) {
        return Ok(());
    }
    let names = |pick: fn(Bilingual) -> String| {
        needed
            .iter()
            .map(|d| pick(d.label()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "duty_not_held",
        format!(
            "Tài khoản này không được {}; việc này dành cho: {}.",
            action.vi,
            names(|b| b.vi)
        ),
        format!(
            "This account may not {}; that is for: {}.",
            action.en,
            names(|b| b.en)
        ),
    ))
}

/// Refuses the move from `from` to `to` unless `held` has its duty.
pub fn require_move(held: Duties, from: Status, to: Status) -> Result<(), ApiError> {
    let action = Bilingual::new(
        format!("chuyển hồ sơ sang \"{}\"", to.label().vi),
        format!("move a dossier to \"{}\"", to.label().en),
    );
    require(held, &[for_move(from, to)], action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duties_read_and_write_back() {
        let d = Duties::parse(" leader, receiving ").expect("known");
        assert!(d.has(Duty::Leader) && d.has(Duty::Receiving));
        assert!(!d.has(Duty::Processing) && !d.has(Duty::Admin));
        assert_eq!(d.to_text(), "receiving,leader");
        assert_eq!(Duties::parse("clerk"), Err("clerk".to_owned()));
        assert_eq!(Duties::WORKING.to_text(), "receiving,processing,leader");
        assert_eq!(Duties::parse("").expect("empty"), Duties::default());
    }

    #[test]
    fn each_move_needs_the_duty_of_whoever_does_it_in_an_office() {
        use Status::*;
        let receiving = Duties::of(&[Duty::Receiving]);
        let processing = Duties::of(&[Duty::Processing]);
        let leader = Duties::of(&[Duty::Leader]);
        let admin = Duties::of(&[Duty::Admin]);
        let cases = [
            (Received, Accepted, receiving),
            (Received, SupplementRequested, receiving),
            (Received, Rejected, receiving),
            (SupplementRequested, Received, receiving),
            (Accepted, Processing, processing),
            (Accepted, SupplementRequested, processing),
            (SupplementRequested, Processing, processing),
            (Processing, SupplementRequested, processing),
            (Processing, ResultReady, leader),
            (Processing, Rejected, leader),
            (Accepted, Rejected, leader),
            (SupplementRequested, Rejected, leader),
            (ResultReady, Completed, receiving),
        ];
        for (from, to, who) in cases {
            assert!(from.may_move_to(to), "{from:?} → {to:?} is a move");
            assert!(require_move(who, from, to).is_ok(), "{from:?} → {to:?}");
            for other in [receiving, processing, leader, admin] {
                if other != who {
                    let refused = require_move(other, from, to).expect_err("not theirs");
                    assert_eq!(refused.status, StatusCode::FORBIDDEN);
                    assert_eq!(refused.code, "duty_not_held");
                }
            }
        }
        // Every move an officer can make is in the table above.
        let listed = Status::ALL
            .iter()
            .flat_map(|from| from.next().iter().map(move |to| (*from, *to)))
            .count();
        assert_eq!(listed, cases.len());
    }
}
