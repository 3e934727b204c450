//! Where a filed dossier stands against its appointment date, counted in
//! working days by the calendar (so Tết and other days off do not count):
//! on time, "sắp đến hạn" (due within two working days), "quá hạn"
//! (overdue), paused while the agency waits for a supplement, settled, or
//! ended by the applicant's withdrawal.

use crate::Bilingual;
use crate::calendar::Calendar;
use crate::status::Status;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Working days left at or under which a dossier is "due soon".
pub const DUE_SOON_DAYS: u32 = 2;

/// A dossier's deadline as of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Deadline {
    /// More than [`DUE_SOON_DAYS`] working days left.
    OnTime {
        /// Working days after today up to the appointment date.
        working_days_left: u32,
    },
    /// The appointment date is today or within [`DUE_SOON_DAYS`] working days.
    DueSoon {
        /// Working days after today up to the appointment date (0: today).
        working_days_left: u32,
    },
    /// The appointment date has passed without a result.
    Overdue {
        /// Working days after the appointment date up to today.
        working_days_late: u32,
    },
    /// The agency asked for a supplement: its clock waits for the answer.
    Paused,
    /// A result or a refusal was given; no deadline runs.
    Settled,
    /// The applicant withdrew the dossier; no deadline runs.
    Withdrawn,
}

impl Deadline {
    /// The deadline of a dossier in `status` due on `due`, as of `today`.
    pub fn of(calendar: &Calendar, status: Status, due: NaiveDate, today: NaiveDate) -> Self {
        match status {
            Status::ResultReady | Status::Rejected | Status::Completed => return Self::Settled,
            Status::Withdrawn => return Self::Withdrawn,
            Status::SupplementRequested => return Self::Paused,
            Status::Received | Status::Accepted | Status::Processing => {}
        }
        if today > due {
            return Self::Overdue {
                working_days_late: calendar.working_days_between(due, today).max(1),
            };
        }
        let left = calendar.working_days_between(today, due);
        if left <= DUE_SOON_DAYS {
            Self::DueSoon {
                working_days_left: left,
            }
        } else {
            Self::OnTime {
                working_days_left: left,
            }
        }
    }

    /// What people read.
    pub fn label(self) -> Bilingual {
        match self {
            Self::OnTime { working_days_left } => Bilingual::new(
                format!("Còn {working_days_left} ngày làm việc"),
                format!("{} left", working_days(working_days_left)),
            ),
            Self::DueSoon {
                working_days_left: 0,
            } => Bilingual::new("Sắp đến hạn: hẹn trả hôm nay", "Due soon: today"),
            Self::DueSoon { working_days_left } => Bilingual::new(
                format!("Sắp đến hạn: còn {working_days_left} ngày làm việc"),
                format!("Due soon: {} left", working_days(working_days_left)),
            ),
            Self::Overdue { working_days_late } => Bilingual::new(
                format!("Quá hạn {working_days_late} ngày làm việc"),
                format!("Overdue by {}", working_days(working_days_late)),
            ),
            Self::Paused => Bilingual::new(
                "Tạm dừng tính hạn: cơ quan chờ hồ sơ bổ sung",
                "Deadline paused: the agency awaits a supplement",
            ),
            Self::Settled => Bilingual::new("Đã có kết quả", "Settled"),
            Self::Withdrawn => Bilingual::new(
                "Đã rút hồ sơ: không còn tính hạn",
                "Withdrawn: no deadline runs",
            ),
        }
    }
}

/// "1 working day", "3 working days".
fn working_days(n: u32) -> String {
    if n == 1 {
        "1 working day".to_owned()
    } else {
        format!("{n} working days")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn across_tet_2026_only_working_days_count() {
        let cal = Calendar::vietnam();
        // The hand-checked example: received Friday 13/2/2026 in office
        // hours with one working day: due Monday 23/2 (Tết 14–22/2).
        let received = day(2026, 2, 13).and_hms_opt(10, 0, 0).expect("time");
        let due = cal.due_date(received, 1, None);
        assert_eq!(due, day(2026, 2, 23));
        // On the first day of Tết, one working day is left: due soon.
        assert_eq!(
            Deadline::of(cal, Status::Accepted, due, day(2026, 2, 17)),
            Deadline::DueSoon {
                working_days_left: 1
            }
        );
        assert_eq!(
            Deadline::of(cal, Status::Processing, due, day(2026, 2, 23)),
            Deadline::DueSoon {
                working_days_left: 0
            }
        );
        assert_eq!(
            Deadline::of(cal, Status::Processing, due, day(2026, 2, 24)),
            Deadline::Overdue {
                working_days_late: 1
            }
        );
        // Ten working days from 24/1/2025 (Tết 2025 on 29/1): 14/2/2025.
        let due = cal.add_working_days(day(2025, 1, 24), 10);
        assert_eq!(due, day(2025, 2, 14));
        assert_eq!(
            Deadline::of(cal, Status::Received, due, day(2025, 1, 24)),
            Deadline::OnTime {
                working_days_left: 10
            }
        );
        assert_eq!(
            Deadline::of(cal, Status::Received, due, day(2025, 1, 24))
                .label()
                .vi,
            "Còn 10 ngày làm việc"
        );
    }

    #[test]
    fn a_supplement_pauses_and_a_result_settles_the_deadline() {
        let cal = Calendar::vietnam();
        let due = day(2026, 3, 2);
        let late = day(2026, 3, 20);
        assert_eq!(
            Deadline::of(cal, Status::SupplementRequested, due, late),
            Deadline::Paused
        );
        assert_eq!(
            Deadline::of(cal, Status::Withdrawn, due, late),
            Deadline::Withdrawn
        );
        for s in [Status::ResultReady, Status::Rejected, Status::Completed] {
            assert_eq!(Deadline::of(cal, s, due, late), Deadline::Settled);
        }
        let overdue = Deadline::of(cal, Status::Processing, due, late);
        assert_eq!(overdue.label().vi, "Quá hạn 14 ngày làm việc");
    }
}
