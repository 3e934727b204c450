//! Dates as people in Vietnam write them, day first (`04/12/2026`),
//! whatever the system's locale; a dossier stores them as ISO
//! `YYYY-MM-DD`, which hoso-core judges.

use chrono::{Datelike, NaiveDate};

/// How the window writes a day.
pub const SHOWN: &str = "%d/%m/%Y";
/// How a dossier stores a day.
const STORED: &str = "%Y-%m-%d";

/// The day `text` names: day, month and a four-digit year separated by
/// `/`, `-` or `.` (`4/12/2026`, `04-12-2026`), or the stored form
/// (`2026-12-04`). `None` for anything else, a day that does not exist
/// included.
pub fn parse(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let parts: Vec<&str> = text.split(['/', '-', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let digits = |s: &str, len: std::ops::RangeInclusive<usize>| {
        (len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    if a.len() == 4 {
        // The stored form, year first: only as it is stored.
        return NaiveDate::parse_from_str(text, STORED).ok();
    }
    let day: u32 = digits(a, 1..=2)?;
    let month: u32 = digits(b, 1..=2)?;
    let year: u32 = digits(c, 4..=4)?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `day` as a dossier stores it.
pub fn stored(day: NaiveDate) -> String {
    day.format(STORED).to_string()
}

/// `day` as the window shows it.
pub fn shown(day: NaiveDate) -> String {
    day.format(SHOWN).to_string()
}

/// A stored value as the window shows it: a day as `dd/mm/yyyy`, any other
/// text (typed, not yet a date) as it is.
pub fn shown_of_stored(value: &str) -> String {
    NaiveDate::parse_from_str(value.trim(), STORED)
        .map(shown)
        .unwrap_or_else(|_| value.to_owned())
}

/// What to store for `typed`: the day in the stored form when it names
/// one, else the text itself (so what is kept is what is on screen, and
/// hoso-core's check names the problem).
pub fn to_store(typed: &str) -> String {
    parse(typed).map(stored).unwrap_or_else(|| typed.to_owned())
}

/// The first day of the month `months` after (or before) `day`'s.
pub fn month_start(day: NaiveDate, months: i32) -> NaiveDate {
    let index = day.year() * 12 + day.month0() as i32 + months;
    let (year, month0) = (index.div_euclid(12), index.rem_euclid(12) as u32);
    NaiveDate::from_ymd_opt(year, month0 + 1, 1).unwrap_or(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a real day")
    }

    #[test]
    fn a_day_is_read_day_first_with_any_usual_separator() {
        for typed in [
            "4/12/2026",
            "04/12/2026",
            "4-12-2026",
            "04.12.2026",
            " 4/12/2026 ",
        ] {
            assert_eq!(parse(typed), Some(day(2026, 12, 4)), "{typed}");
        }
        assert_eq!(
            parse("2026-12-04"),
            Some(day(2026, 12, 4)),
            "the stored form"
        );
    }

    #[test]
    fn what_is_not_a_real_day_is_refused() {
        for typed in [
            "",
            "4/12",
            "4/12/26",
            "4/12/202",
            "31/02/2026",
            "4/13/2026",
            "0/12/2026",
            "4/12/2026/1",
            "a/12/2026",
            "2026/12/04",
            "2026-13-01",
            "+4/12/2026",
            "004/12/2026",
        ] {
            assert_eq!(parse(typed), None, "{typed}");
        }
        assert_eq!(parse("29/02/2028"), Some(day(2028, 2, 29)), "a leap day");
    }

    #[test]
    fn a_stored_day_is_shown_day_first_and_typed_text_stays_as_typed() {
        assert_eq!(shown_of_stored("2026-12-04"), "04/12/2026");
        assert_eq!(shown_of_stored("4/12/20"), "4/12/20");
        assert_eq!(to_store("4/12/2026"), "2026-12-04");
        assert_eq!(to_store("4/12/20"), "4/12/20");
        assert_eq!(to_store(""), "");
    }

    #[test]
    fn months_step_across_years() {
        assert_eq!(month_start(day(2026, 12, 4), 1), day(2027, 1, 1));
        assert_eq!(month_start(day(2026, 1, 31), -1), day(2025, 12, 1));
        assert_eq!(month_start(day(2026, 3, 15), 0), day(2026, 3, 1));
        assert_eq!(month_start(day(2026, 3, 15), -27), day(2023, 12, 1));
    }
}
