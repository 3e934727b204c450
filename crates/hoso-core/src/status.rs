//! Where a filed dossier stands at the portal, and which moves an officer
//! may make from each state. The portal refuses any other move; the app
//! and the CLI show the same bilingual names.

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
}

impl Status {
    /// Every state, in the order a dossier usually passes through them.
    pub const ALL: [Status; 7] = [
        Status::Received,
        Status::Accepted,
        Status::SupplementRequested,
        Status::Processing,
        Status::ResultReady,
        Status::Rejected,
        Status::Completed,
    ];

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
        };
        Bilingual::new(vi, en)
    }

    /// True when nothing can follow.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Rejected | Status::Completed)
    }

    /// The states an officer may move a dossier to from this one.
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
            Rejected | Completed => &[],
        }
    }

    /// Whether `to` may follow this state.
    pub fn may_move_to(self, to: Status) -> bool {
        self.next().contains(&to)
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
}
