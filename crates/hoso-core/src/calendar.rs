//! Working days in Viet Nam: the unit of every statutory processing time.
//!
//! A working day is Monday to Friday, minus the public holidays announced
//! for the year, plus the weekend days made working days in exchange. The
//! announced days come from `assets/calendar/vn-holidays.json`; for a year
//! without an announcement only the fixed solar holidays are known.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// Which days are worked.
#[derive(Debug, Clone)]
pub struct Calendar {
    days_off: BTreeSet<NaiveDate>,
    working_weekend_days: BTreeSet<NaiveDate>,
    announced_years: BTreeSet<i32>,
    fixed_solar: Vec<(u32, u32)>,
}

#[derive(Deserialize)]
struct HolidayFile {
    fixed_solar: Vec<String>,
    years: Vec<YearEntry>,
}

#[derive(Deserialize)]
struct YearEntry {
    year: i32,
    days_off: Vec<(NaiveDate, NaiveDate)>,
    working_days: Vec<NaiveDate>,
}

/// Why a holiday file was refused.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// Not JSON of the expected shape.
    #[error("tệp ngày nghỉ không đọc được / holiday file is malformed: {0}")]
    Malformed(#[from] serde_json::Error),
    /// A fixed holiday is not `MM-DD`, or a range runs backwards.
    #[error("ngày không hợp lệ trong tệp ngày nghỉ / invalid day in holiday file: {0}")]
    BadDay(String),
}

impl Calendar {
    /// Viet Nam's calendar as shipped with HoSo.
    pub fn vietnam() -> &'static Calendar {
        static CAL: OnceLock<Calendar> = OnceLock::new();
        CAL.get_or_init(|| {
            // The file is part of the build and checked by a test below.
            Self::from_json(include_str!("../../../assets/calendar/vn-holidays.json"))
                .unwrap_or_else(|e| panic!("bundled holiday file: {e}"))
        })
    }

    /// Reads a holiday file.
    pub fn from_json(text: &str) -> Result<Self, CalendarError> {
        let file: HolidayFile = serde_json::from_str(text)?;
        let mut fixed_solar = Vec::new();
        for md in &file.fixed_solar {
            let parsed = md
                .split_once('-')
                .and_then(|(m, d)| Some((m.parse().ok()?, d.parse().ok()?)))
                .filter(|&(m, d)| NaiveDate::from_ymd_opt(2024, m, d).is_some());
            fixed_solar.push(parsed.ok_or_else(|| CalendarError::BadDay(md.clone()))?);
        }
        let mut cal = Self {
            days_off: BTreeSet::new(),
            working_weekend_days: BTreeSet::new(),
            announced_years: BTreeSet::new(),
            fixed_solar,
        };
        for y in file.years {
            cal.announced_years.insert(y.year);
            for (first, last) in y.days_off {
                if last < first {
                    return Err(CalendarError::BadDay(format!("{first}..{last}")));
                }
                cal.days_off
                    .extend(first.iter_days().take_while(|d| *d <= last));
            }
            cal.working_weekend_days.extend(y.working_days);
        }
        Ok(cal)
    }

    /// Whether offices receive and process dossiers on `day`.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        if self.working_weekend_days.contains(&day) {
            return true;
        }
        if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) || self.days_off.contains(&day) {
            return false;
        }
        let announced = self.announced_years.contains(&day.year());
        announced || !self.fixed_solar.contains(&(day.month(), day.day()))
    }

    /// The day a result is due when a dossier received on `received` takes
    /// `days` working days: counting starts the working day after receipt.
    pub fn add_working_days(&self, received: NaiveDate, days: u32) -> NaiveDate {
        let mut day = received;
        let mut left = days;
        while left > 0 {
            day = day.succ_opt().unwrap_or(day);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days strictly after `from` up to and including `to`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .count() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn weekends_holidays_and_makeup_days_are_classified() {
        let cal = Calendar::vietnam();
        assert!(cal.is_working_day(d(2026, 11, 23)), "an ordinary Monday");
        assert!(!cal.is_working_day(d(2026, 11, 22)), "a Sunday");
        assert!(!cal.is_working_day(d(2026, 2, 16)), "Tết 2026");
        assert!(!cal.is_working_day(d(2026, 9, 2)), "National Day");
        assert!(cal.is_working_day(d(2026, 1, 10)), "make-up Saturday");
        assert!(cal.is_working_day(d(2025, 4, 26)), "make-up Saturday 2025");
        assert!(
            !cal.is_working_day(d(2030, 4, 30)),
            "fixed holiday in an unannounced year"
        );
    }

    #[test]
    fn one_working_day_after_the_friday_before_tet_2026_is_the_monday_after() {
        // Received Friday 13 Feb 2026; 14-22 Feb are Tết days off.
        let cal = Calendar::vietnam();
        assert_eq!(cal.add_working_days(d(2026, 2, 13), 1), d(2026, 2, 23));
        assert_eq!(cal.add_working_days(d(2026, 2, 13), 3), d(2026, 2, 25));
        assert_eq!(cal.working_days_between(d(2026, 2, 13), d(2026, 2, 25)), 3);
    }

    #[test]
    fn counting_crosses_the_new_year_makeup_saturday() {
        // Received Wednesday 31 Dec 2025; 1-4 Jan off; 10 Jan (Sat) worked.
        let cal = Calendar::vietnam();
        assert_eq!(cal.add_working_days(d(2025, 12, 31), 1), d(2026, 1, 5));
        assert_eq!(cal.add_working_days(d(2025, 12, 31), 5), d(2026, 1, 9));
        assert_eq!(cal.add_working_days(d(2025, 12, 31), 6), d(2026, 1, 10));
        assert_eq!(cal.add_working_days(d(2025, 12, 31), 7), d(2026, 1, 12));
    }

    #[test]
    fn a_backwards_range_or_bad_day_is_refused() {
        let bad = r#"{"fixed_solar": ["13-01"], "years": []}"#;
        assert!(matches!(
            Calendar::from_json(bad),
            Err(CalendarError::BadDay(_))
        ));
        let bad = r#"{"fixed_solar": [], "years": [{"year": 2026, "days_off": [["2026-02-22", "2026-02-14"]], "working_days": []}]}"#;
        assert!(matches!(
            Calendar::from_json(bad),
            Err(CalendarError::BadDay(_))
        ));
    }
}
