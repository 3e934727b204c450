//! Working days in Viet Nam: the unit of every statutory processing time.
//!
//! A working day is Monday to Friday, minus public holidays, plus the
//! weekend days made working days in exchange. Two sources decide a year:
//!
//! - Announced years: the Government's notice for the year (days off,
//!   swapped days, make-up working Saturdays), kept as data in
//!   `assets/calendar/vn-holidays.json`. A newer file can be loaded at run
//!   time with [`Calendar::from_json`], so a new announcement needs no new
//!   release.
//! - Other years: the statutory holidays of the Labor Code 2019 Art. 112 —
//!   1 January; Tết, the last day of the lunar year and the first four days
//!   of the new one; Hùng Kings' day (10th of the 3rd lunar month); 30
//!   April; 1 May; 2 September and the day next to it (1 September, or 3
//!   September when the 2nd is a Monday — an assumption following recent
//!   notices) — each falling on a Saturday or Sunday giving a compensatory
//!   day off on the next working day (Art. 111.3).
//!
//! Periods follow the Civil Code 2015 (Art. 147-148): the day of receipt is
//! not counted, and a period ending on a day off ends on the next working
//! day. A dossier received after the office's closing time, or on a day
//! off, counts as received on the next working day.

use crate::{Bilingual, lunar};
use chrono::{Datelike, Days, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;
use std::sync::OnceLock;

/// Viet Nam's time, UTC+7 all year (there is no summer time): the offset
/// of every time HoSo signs or shows.
pub const VIETNAM_TIME: FixedOffset = match FixedOffset::east_opt(7 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+7 is within a day of UTC"),
};

/// Years whose statutory holidays are computed when not announced.
const COMPUTED_YEARS: RangeInclusive<i32> = 1990..=2100;

/// A public holiday of the Labor Code 2019 (Art. 112).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Holiday {
    /// 1 January.
    NewYear,
    /// Tết: the last day of the lunar year and the first four of the next.
    Tet,
    /// The 10th of the 3rd lunar month.
    HungKings,
    /// 30 April.
    Reunification,
    /// 1 May.
    Labour,
    /// 2 September and the day next to it.
    NationalDay,
}

impl Holiday {
    /// Its name as calendars and notices give it.
    pub fn name(self) -> Bilingual {
        match self {
            Self::NewYear => Bilingual::new("Tết Dương lịch", "New Year's Day"),
            Self::Tet => Bilingual::new("Tết Nguyên đán", "Lunar New Year (Tết)"),
            Self::HungKings => Bilingual::new(
                "Giỗ Tổ Hùng Vương (10/3 âm lịch)",
                "Hùng Kings' Commemoration Day (10th of the 3rd lunar month)",
            ),
            Self::Reunification => {
                Bilingual::new("Ngày Chiến thắng (30/4)", "Reunification Day (30 April)")
            }
            Self::Labour => Bilingual::new(
                "Ngày Quốc tế Lao động (1/5)",
                "International Labour Day (1 May)",
            ),
            Self::NationalDay => Bilingual::new("Quốc khánh (2/9)", "National Day (2 September)"),
        }
    }
}

/// A weekday offices are closed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayOff {
    /// The day.
    pub day: NaiveDate,
    /// The holiday it is, or the holidays of the break it belongs to.
    pub holidays: Vec<Holiday>,
    /// Whether it is none of those holidays itself but a compensatory or
    /// swapped day of their break.
    pub in_lieu: bool,
}

impl DayOff {
    /// What people call the day: "Tết Nguyên đán", or the break it lengthens.
    pub fn name(&self) -> Bilingual {
        let join = |pick: fn(&Bilingual) -> &str| {
            self.holidays
                .iter()
                .map(|h| pick(&h.name()).to_owned())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (vi, en) = (join(|b| &b.vi), join(|b| &b.en));
        match (self.holidays.is_empty(), self.in_lieu) {
            (true, _) => Bilingual::new(
                "Ngày nghỉ theo thông báo của Chính phủ",
                "Day off announced by the Government",
            ),
            (false, false) => Bilingual::new(vi, en),
            (false, true) => Bilingual::new(
                format!("Nghỉ dịp {vi} (nghỉ bù, hoán đổi)"),
                format!("{en} break (compensatory or swapped day)"),
            ),
        }
    }
}

/// Which days are worked.
#[derive(Debug, Clone)]
pub struct Calendar {
    days_off: BTreeSet<NaiveDate>,
    working_weekend_days: BTreeSet<NaiveDate>,
    announced_years: BTreeSet<i32>,
    office_close: NaiveTime,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayFile {
    #[serde(default, rename = "about")]
    _about: Option<String>,
    office_close: String,
    years: Vec<YearEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearEntry {
    year: i32,
    #[serde(default, rename = "source")]
    _source: Option<String>,
    days_off: Vec<(NaiveDate, NaiveDate)>,
    working_days: Vec<NaiveDate>,
}

/// Why a holiday file was refused.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// Not JSON of the expected shape.
    #[error("tệp ngày nghỉ không đọc được / holiday file is malformed: {0}")]
    Malformed(#[from] serde_json::Error),
    /// A range runs backwards, a day lies outside its year, a make-up day is
    /// not a weekend day, or the closing time is not `HH:MM`.
    #[error("ngày không hợp lệ trong tệp ngày nghỉ / invalid day in holiday file: {0}")]
    BadDay(String),
}

impl Calendar {
    /// Viet Nam's calendar as shipped with HoSo.
    pub fn vietnam() -> &'static Calendar {
        static CAL: OnceLock<Calendar> = OnceLock::new();
        CAL.get_or_init(|| {
            // The file is part of the build and checked by a test below.
            Self::from_json(BUNDLED).unwrap_or_else(|e| panic!("bundled holiday file: {e}"))
        })
    }

    /// Reads a holiday file: announced years as given, every other year in
    /// 1990-2100 by the statutory rules.
    pub fn from_json(text: &str) -> Result<Self, CalendarError> {
        let file: HolidayFile = serde_json::from_str(text)?;
        let office_close = NaiveTime::parse_from_str(&file.office_close, "%H:%M")
            .map_err(|_| CalendarError::BadDay(file.office_close.clone()))?;
        let mut cal = Self {
            days_off: BTreeSet::new(),
            working_weekend_days: BTreeSet::new(),
            announced_years: BTreeSet::new(),
            office_close,
        };
        for y in file.years {
            cal.announced_years.insert(y.year);
            for (first, last) in y.days_off {
                if last < first || first.year() != y.year || last.year() != y.year {
                    return Err(CalendarError::BadDay(format!("{first}..{last}")));
                }
                cal.days_off
                    .extend(first.iter_days().take_while(|d| *d <= last));
            }
            for day in y.working_days {
                if !is_weekend(day) || day.year() != y.year {
                    return Err(CalendarError::BadDay(day.to_string()));
                }
                cal.working_weekend_days.insert(day);
            }
        }
        for year in COMPUTED_YEARS.filter(|y| !cal.announced_years.contains(y)) {
            cal.days_off.extend(statutory_days_off(year));
        }
        Ok(cal)
    }

    /// Whether the year's days off come from an announcement rather than
    /// the statutory rules.
    pub fn is_announced(&self, year: i32) -> bool {
        self.announced_years.contains(&year)
    }

    /// Whether this calendar knows `year`'s days off: announced, or within
    /// the years whose holidays it computes. Outside, every weekday would
    /// look like a working day.
    pub fn knows(&self, year: i32) -> bool {
        COMPUTED_YEARS.contains(&year) || self.is_announced(year)
    }

    /// The years [`Self::knows`], first to last.
    pub fn known_years(&self) -> RangeInclusive<i32> {
        let first = self.announced_years.first().copied().unwrap_or(i32::MAX);
        let last = self.announced_years.last().copied().unwrap_or(i32::MIN);
        first.min(*COMPUTED_YEARS.start())..=last.max(*COMPUTED_YEARS.end())
    }

    /// [`Self::days_off_in`] with what each is: the holiday itself, or a
    /// compensatory or swapped day of the break (the weekdays, weekends and
    /// holidays off in a row) whose holidays it names.
    pub fn named_days_off_in(&self, year: i32) -> Vec<DayOff> {
        let holidays: BTreeMap<NaiveDate, Holiday> =
            statutory_holidays_named(year).into_iter().collect();
        let off = |d: &NaiveDate| d.year() == year && !self.is_working_day(*d);
        self.days_off_in(year)
            .into_iter()
            .map(|day| {
                if let Some(h) = holidays.get(&day) {
                    return DayOff {
                        day,
                        holidays: vec![*h],
                        in_lieu: false,
                    };
                }
                let first = std::iter::successors(Some(day), |d| d.pred_opt().filter(off))
                    .last()
                    .unwrap_or(day);
                let last = std::iter::successors(Some(day), |d| d.succ_opt().filter(off))
                    .last()
                    .unwrap_or(day);
                let mut named: Vec<Holiday> =
                    holidays.range(first..=last).map(|(_, h)| *h).collect();
                named.dedup();
                DayOff {
                    day,
                    holidays: named,
                    in_lieu: true,
                }
            })
            .collect()
    }

    /// The weekdays of `year` offices are closed (holidays, compensatory
    /// and bridge days), in order.
    pub fn days_off_in(&self, year: i32) -> Vec<NaiveDate> {
        self.days_off
            .iter()
            .copied()
            .filter(|d| d.year() == year && !is_weekend(*d))
            .collect()
    }

    /// The weekend days of `year` offices work to make up for a bridge day.
    pub fn working_weekend_days_in(&self, year: i32) -> Vec<NaiveDate> {
        self.working_weekend_days
            .iter()
            .copied()
            .filter(|d| d.year() == year)
            .collect()
    }

    /// The default office closing time: receipts at or after it count from
    /// the next working day.
    pub fn office_close(&self) -> NaiveTime {
        self.office_close
    }

    /// Whether offices receive and process dossiers on `day`.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        self.working_weekend_days.contains(&day)
            || !(is_weekend(day) || self.days_off.contains(&day))
    }

    /// The first working day after `day`.
    pub fn next_working_day(&self, day: NaiveDate) -> NaiveDate {
        let mut d = day;
        loop {
            d = d.succ_opt().unwrap_or(d);
            if self.is_working_day(d) || d == NaiveDate::MAX {
                return d;
            }
        }
    }

    /// The day a dossier received at local time `at` counts as received:
    /// that day if it is a working day and `at` is before `close`, else the
    /// next working day.
    pub fn receipt_day(&self, at: NaiveDateTime, close: NaiveTime) -> NaiveDate {
        let day = at.date();
        if self.is_working_day(day) && at.time() < close {
            day
        } else {
            self.next_working_day(day)
        }
    }

    /// When the result of a dossier received at local time `received_at` is
    /// due, given `working_days` of processing and the office's closing time.
    pub fn due_date(
        &self,
        received_at: NaiveDateTime,
        working_days: u32,
        close: Option<NaiveTime>,
    ) -> NaiveDate {
        let start = self.receipt_day(received_at, close.unwrap_or(self.office_close));
        self.add_working_days(start, working_days)
    }

    /// The day `days` working days after `start`, `start` itself not
    /// counted; `start` when `days` is 0.
    pub fn add_working_days(&self, start: NaiveDate, days: u32) -> NaiveDate {
        (0..days).fold(start, |d, _| self.next_working_day(d))
    }

    /// Working days strictly after `from` up to and including `to`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .count() as u32
    }

    /// The end of a period of `days` calendar days starting after `start`
    /// (such as the 30 days to register a land change): the last day, or
    /// the next working day when the last day is a day off.
    pub fn period_end(&self, start: NaiveDate, days: u32) -> NaiveDate {
        let last = start
            .checked_add_days(Days::new(u64::from(days)))
            .unwrap_or(NaiveDate::MAX);
        if self.is_working_day(last) {
            last
        } else {
            self.next_working_day(last)
        }
    }
}

const BUNDLED: &str = include_str!("../../../assets/calendar/vn-holidays.json");

fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The holidays of the Labor Code in `year`, before compensation.
pub fn statutory_holidays(year: i32) -> Vec<NaiveDate> {
    statutory_holidays_named(year)
        .into_iter()
        .map(|(day, _)| day)
        .collect()
}

/// [`statutory_holidays`] with the holiday each day belongs to, in order.
pub fn statutory_holidays_named(year: i32) -> Vec<(NaiveDate, Holiday)> {
    let ymd = |m, d| NaiveDate::from_ymd_opt(year, m, d);
    let mut holidays: Vec<(NaiveDate, Holiday)> = Vec::new();
    let mut add = |day: Option<NaiveDate>, h: Holiday| holidays.extend(day.map(|d| (d, h)));
    add(ymd(1, 1), Holiday::NewYear);
    if let Some(tet) = lunar::tet(year) {
        add(tet.pred_opt(), Holiday::Tet);
        for day in tet.iter_days().take(4) {
            add(Some(day), Holiday::Tet);
        }
    }
    add(lunar::hung_kings(year), Holiday::HungKings);
    add(ymd(4, 30), Holiday::Reunification);
    add(ymd(5, 1), Holiday::Labour);
    if let Some(national) = ymd(9, 2) {
        add(Some(national), Holiday::NationalDay);
        let adjacent = if national.weekday() == Weekday::Mon {
            national.succ_opt()
        } else {
            national.pred_opt()
        };
        add(adjacent, Holiday::NationalDay);
    }
    holidays.sort();
    holidays
}

/// The days off the Labor Code gives in `year`: its holidays and a
/// compensatory day for each that falls on a weekend.
pub fn statutory_days_off(year: i32) -> BTreeSet<NaiveDate> {
    let holidays = statutory_holidays(year);
    let mut off: BTreeSet<NaiveDate> = holidays.iter().copied().collect();
    for h in holidays.iter().filter(|h| is_weekend(**h)) {
        let mut d = *h;
        loop {
            d = match d.succ_opt() {
                Some(next) => next,
                None => break,
            };
            if !is_weekend(d) && !off.contains(&d) {
                off.insert(d);
                break;
            }
        }
    }
    off
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    fn at(y: i32, m: u32, day: u32, h: u32, min: u32) -> NaiveDateTime {
        d(y, m, day).and_hms_opt(h, min, 0).expect("valid time")
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
        assert!(!cal.is_working_day(d(2030, 4, 30)), "statutory in 2030");
        assert!(!cal.is_working_day(d(2030, 2, 4)), "Tết 2030, computed");
        assert!(cal.is_announced(2026) && !cal.is_announced(2027));
    }

    #[test]
    fn every_statutory_holiday_is_off_in_the_announced_years() {
        // The notices for 2025 and 2026 move compensatory and bridge days
        // around, but every holiday of the Labor Code, with Tết and Hùng
        // Kings' day from the lunar calendar, is among their days off.
        let cal = Calendar::vietnam();
        for year in [2025, 2026] {
            let holidays = statutory_holidays(year);
            assert_eq!(holidays.len(), 11, "{year}: {holidays:?}");
            for day in holidays {
                assert!(!cal.is_working_day(day), "{day} should be off");
            }
        }
    }

    #[test]
    fn days_off_are_named_by_their_holiday_or_their_break() {
        let cal = Calendar::vietnam();
        let named = |year| -> Vec<(NaiveDate, String, bool)> {
            cal.named_days_off_in(year)
                .into_iter()
                .map(|d| (d.day, d.name().en, d.in_lieu))
                .collect()
        };
        // Announced 2025 and 2026: Tết itself, its longer break, New
        // Year's bridge day, and 30/4 and 1/5 each by name.
        let announced: Vec<_> = named(2025).into_iter().chain(named(2026)).collect();
        assert_eq!(
            announced.len(),
            cal.days_off_in(2025).len() + cal.days_off_in(2026).len()
        );
        let of = |day: NaiveDate| {
            announced
                .iter()
                .find(|(d, _, _)| *d == day)
                .cloned()
                .unwrap_or_else(|| panic!("{day} not named in {announced:?}"))
        };
        assert_eq!(of(d(2026, 2, 17)).1, "Lunar New Year (Tết)");
        assert!(!of(d(2026, 2, 17)).2);
        // Monday 27 Jan 2025, before Tết's eve on the 28th.
        assert_eq!(
            of(d(2025, 1, 27)).1,
            "Lunar New Year (Tết) break (compensatory or swapped day)"
        );
        assert!(of(d(2025, 1, 27)).2);
        assert_eq!(
            of(d(2026, 1, 2)).1,
            "New Year's Day break (compensatory or swapped day)"
        );
        assert_eq!(of(d(2026, 4, 30)).1, "Reunification Day (30 April)");
        assert_eq!(of(d(2026, 5, 1)).1, "International Labour Day (1 May)");
        // Hùng Kings' day 2026 is Sunday 26 April: Monday 27 makes up for it.
        assert!(
            of(d(2026, 4, 27)).1.starts_with("Hùng Kings"),
            "{announced:?}"
        );
        // Computed 2029: 2 Sep is a Sunday, 3 and 4 Sep make up for 1-2 Sep.
        let y2029 = cal.named_days_off_in(2029);
        let sept: Vec<&DayOff> = y2029.iter().filter(|d| d.day.month() == 9).collect();
        assert_eq!(sept.len(), 2, "{sept:?}");
        for day in sept {
            assert_eq!(day.holidays, [Holiday::NationalDay]);
            assert!(day.in_lieu);
            assert!(day.name().vi.contains("Quốc khánh"), "{:?}", day.name());
        }
        // Every day's name is Vietnamese first, with English beside it.
        for day in cal.named_days_off_in(2027) {
            assert!(!day.holidays.is_empty(), "{day:?}");
            assert_ne!(day.name().vi, day.name().en);
        }
    }

    #[test]
    fn the_calendar_knows_the_computed_and_announced_years_only() {
        let cal = Calendar::vietnam();
        assert_eq!(cal.known_years(), 1990..=2100);
        assert!(cal.knows(1990) && cal.knows(2026) && cal.knows(2100));
        assert!(!cal.knows(1900) && !cal.knows(1989) && !cal.knows(2101));
        let later = r#"{"office_close": "17:00", "years": [
            {"year": 2101, "days_off": [["2101-01-01", "2101-01-03"]], "working_days": []}]}"#;
        let cal = Calendar::from_json(later).expect("valid");
        assert!(cal.knows(2101));
        assert_eq!(cal.known_years(), 1990..=2101);
        // 1 January 2101 is a Saturday: Monday 3rd makes up for it.
        let off = cal.named_days_off_in(2101);
        assert_eq!(off.len(), 1, "{off:?}");
        assert_eq!(off[0].day, d(2101, 1, 3));
        assert_eq!(off[0].holidays, [Holiday::NewYear]);
    }

    #[test]
    fn compensatory_days_follow_holidays_on_a_weekend() {
        // 2027: Tết is Saturday 6 Feb; the five days are 5-9 Feb, of which
        // 6 and 7 fall on the weekend, so 10 and 11 Feb are also off.
        let off = statutory_days_off(2027);
        for day in 5..=11 {
            assert!(off.contains(&d(2027, 2, day)), "{day} Feb 2027");
        }
        assert!(!off.contains(&d(2027, 2, 12)));
        // 2 Sep 2029 is a Sunday: 1 Sep (Sat) is the adjacent day, and both
        // are compensated on Monday 3 and Tuesday 4 Sep.
        let off = statutory_days_off(2029);
        for day in 1..=4 {
            assert!(off.contains(&d(2029, 9, day)), "{day} Sep 2029");
        }
    }

    #[test]
    fn one_working_day_after_the_friday_before_tet_2026_is_the_monday_after() {
        // Received Friday 13 Feb 2026 in office hours; 14-22 Feb are days off.
        let cal = Calendar::vietnam();
        assert_eq!(
            cal.due_date(at(2026, 2, 13, 10, 0), 1, None),
            d(2026, 2, 23)
        );
        assert_eq!(
            cal.due_date(at(2026, 2, 13, 10, 0), 3, None),
            d(2026, 2, 25)
        );
        assert_eq!(cal.working_days_between(d(2026, 2, 13), d(2026, 2, 25)), 3);
    }

    #[test]
    fn receipt_after_hours_or_on_a_day_off_counts_from_the_next_working_day() {
        let cal = Calendar::vietnam();
        // Friday 13 Feb 2026 at 17:30: counted as received Monday 23 Feb.
        assert_eq!(
            cal.due_date(at(2026, 2, 13, 17, 30), 1, None),
            d(2026, 2, 24)
        );
        // Saturday 14 Feb (Tết): received Monday 23, three days: Thursday 26.
        assert_eq!(cal.due_date(at(2026, 2, 14, 9, 0), 3, None), d(2026, 2, 26));
        // Birth registration: the same day, or the next day after 15:00.
        let three_pm = NaiveTime::from_hms_opt(15, 0, 0);
        assert_eq!(
            cal.due_date(at(2026, 11, 23, 14, 59), 0, three_pm),
            d(2026, 11, 23)
        );
        assert_eq!(
            cal.due_date(at(2026, 11, 23, 15, 0), 0, three_pm),
            d(2026, 11, 24)
        );
    }

    #[test]
    fn ten_working_days_across_tet_2025() {
        // Received Friday 24 Jan 2025; off 25 Jan - 2 Feb. Working days
        // counted: 3, 4, 5, 6, 7, 10, 11, 12, 13, 14 Feb.
        let cal = Calendar::vietnam();
        assert_eq!(
            cal.due_date(at(2025, 1, 24, 9, 0), 10, None),
            d(2025, 2, 14)
        );
    }

    #[test]
    fn three_working_days_across_computed_tet_2027() {
        // Received Thursday 4 Feb 2027; 5-11 Feb off by the statutory rules.
        let cal = Calendar::vietnam();
        assert_eq!(cal.due_date(at(2027, 2, 4, 10, 0), 3, None), d(2027, 2, 16));
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
    fn a_period_ending_on_a_day_off_ends_on_the_next_working_day() {
        let cal = Calendar::vietnam();
        // 30 days after 17 Jan 2026 is Monday 16 Feb, inside Tết.
        assert_eq!(cal.period_end(d(2026, 1, 17), 30), d(2026, 2, 23));
        assert_eq!(cal.period_end(d(2026, 10, 24), 30), d(2026, 11, 23));
    }

    #[test]
    fn an_updated_announcement_replaces_the_rules_for_its_year() {
        let update = r#"{"office_close": "16:30", "years": [
            {"year": 2027, "days_off": [["2027-02-04", "2027-02-12"]], "working_days": ["2027-01-30"]}]}"#;
        let cal = Calendar::from_json(update).expect("valid update");
        assert!(cal.is_working_day(d(2027, 1, 30)), "make-up Saturday");
        assert!(!cal.is_working_day(d(2027, 2, 12)));
        // The announcement is the whole truth for its year.
        assert!(cal.is_working_day(d(2027, 4, 30)));
        assert_eq!(
            cal.office_close(),
            NaiveTime::from_hms_opt(16, 30, 0).expect("time")
        );
    }

    #[test]
    fn a_backwards_range_a_weekday_makeup_or_a_bad_time_is_refused() {
        for bad in [
            r#"{"office_close": "17:00", "years": [{"year": 2026, "days_off": [["2026-02-22", "2026-02-14"]], "working_days": []}]}"#,
            r#"{"office_close": "17:00", "years": [{"year": 2026, "days_off": [], "working_days": ["2026-01-12"]}]}"#,
            r#"{"office_close": "17:00", "years": [{"year": 2026, "days_off": [["2025-12-31", "2026-01-01"]], "working_days": []}]}"#,
            r#"{"office_close": "5pm", "years": []}"#,
        ] {
            assert!(
                matches!(Calendar::from_json(bad), Err(CalendarError::BadDay(_))),
                "{bad}"
            );
        }
    }
}
