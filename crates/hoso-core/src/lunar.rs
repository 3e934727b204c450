//! The Vietnamese lunisolar calendar (âm lịch), computed for Viet Nam's time
//! zone (UTC+7), which is why some years' Tết falls on another day than the
//! Chinese New Year (UTC+8), e.g. 1985 and 2007.
//!
//! A month begins on the local day of a new moon; month 11 is the month
//! containing the winter solstice; in a year of 13 months the leap month is
//! the first after month 11 that contains no major solar term. New moons
//! and the sun's longitude come from the truncated series of Meeus,
//! *Astronomical Algorithms*, good to minutes over 1900-2100.

use chrono::NaiveDate;
use std::f64::consts::PI;

/// Viet Nam's offset from UTC, in hours.
const TIME_ZONE: f64 = 7.0;
/// Julian day number of 1900-01-01, the epoch of the new-moon series.
const EPOCH: f64 = 2_415_021.076_998_695;
/// Mean length of a synodic month, in days.
const SYNODIC: f64 = 29.530_588_853;

/// A day of the lunar calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LunarDate {
    /// The lunar year (the one that began with its Tết).
    pub year: i32,
    /// Month 1-12.
    pub month: u32,
    /// Day 1-30.
    pub day: u32,
    /// Whether the month is the year's leap month (tháng nhuận).
    pub leap: bool,
}

fn julian_day(date: NaiveDate) -> i64 {
    i64::from(chrono::Datelike::num_days_from_ce(&date)) + 1_721_425
}

fn from_julian_day(jd: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(jd - 1_721_425).ok()?)
}

/// The local day (Julian day number) of the `k`-th new moon after 1900-01-01.
fn new_moon_day(k: i64) -> i64 {
    let k = k as f64;
    let t = k / 1236.85;
    let (t2, t3) = (t * t, t * t * t);
    let dr = PI / 180.0;
    let mut jd = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3;
    jd += 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * dr).sin();
    let m = (359.2242 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3) * dr;
    let mp = (306.0253 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3) * dr;
    let f = (21.2964 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3) * dr;
    let c = (0.1734 - 0.000_393 * t) * m.sin() + 0.0021 * (2.0 * m).sin() - 0.4068 * mp.sin()
        + 0.0161 * (2.0 * mp).sin()
        - 0.0004 * (3.0 * mp).sin()
        + 0.0104 * (2.0 * f).sin()
        - 0.0051 * (m + mp).sin()
        - 0.0074 * (m - mp).sin()
        + 0.0004 * (2.0 * f + m).sin()
        - 0.0004 * (2.0 * f - m).sin()
        - 0.0006 * (2.0 * f + mp).sin()
        + 0.0010 * (2.0 * f - mp).sin()
        + 0.0005 * (2.0 * mp + m).sin();
    // Terrestrial minus universal time, in days.
    let delta_t = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    (jd + c - delta_t + 0.5 + TIME_ZONE / 24.0).floor() as i64
}

/// Which of the twelve 30° sectors the sun is in at the start of local day
/// `jd` (0: from the spring equinox; the winter solstice starts sector 9).
fn sun_sector(jd: i64) -> i64 {
    let t = (jd as f64 - 0.5 - TIME_ZONE / 24.0 - 2_451_545.0) / 36_525.0;
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = (357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2) * dr;
    let l0 = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let dl = (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * m.sin()
        + (0.019_993 - 0.000_101 * t) * (2.0 * m).sin()
        + 0.000_290 * (3.0 * m).sin();
    let l = ((l0 + dl) * dr).rem_euclid(2.0 * PI);
    (l / PI * 6.0).floor() as i64
}

/// The index `k` of the new moon on or before local day `jd`.
fn lunation_at(jd: i64) -> i64 {
    ((jd as f64 - EPOCH) / SYNODIC).floor() as i64
}

/// First day of the lunar month 11 that contains the winter solstice of
/// solar `year`.
fn month11(year: i32) -> Option<i64> {
    let dec31 = julian_day(NaiveDate::from_ymd_opt(year, 12, 31)?);
    let k = lunation_at(dec31);
    let start = new_moon_day(k);
    Some(if sun_sector(start) >= 9 {
        new_moon_day(k - 1)
    } else {
        start
    })
}

/// In a 13-month year beginning at month 11 `a11`, how many months after it
/// the leap month comes.
fn leap_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - EPOCH) / SYNODIC + 0.5).floor() as i64;
    let mut i = 1;
    let mut sector = sun_sector(new_moon_day(k + i));
    loop {
        let last = sector;
        i += 1;
        sector = sun_sector(new_moon_day(k + i));
        if sector == last || i >= 14 {
            return i - 1;
        }
    }
}

/// The lunar date of a solar day.
pub fn to_lunar(date: NaiveDate) -> Option<LunarDate> {
    let jd = julian_day(date);
    let k = lunation_at(jd);
    let mut month_start = new_moon_day(k + 1);
    if month_start > jd {
        month_start = new_moon_day(k);
    }
    let solar_year = chrono::Datelike::year(&date);
    let mut a11 = month11(solar_year)?;
    let mut b11 = a11;
    let mut year = solar_year;
    if a11 >= month_start {
        a11 = month11(solar_year - 1)?;
    } else {
        year += 1;
        b11 = month11(solar_year + 1)?;
    }
    let day = u32::try_from(jd - month_start + 1).ok()?;
    let diff = (month_start - a11) / 29;
    let mut leap = false;
    let mut month = diff + 11;
    if b11 - a11 > 365 {
        let leap_diff = leap_offset(a11);
        if diff >= leap_diff {
            month = diff + 10;
            leap = diff == leap_diff;
        }
    }
    if month > 12 {
        month -= 12;
    }
    if month >= 11 && diff < 4 {
        year -= 1;
    }
    Some(LunarDate {
        year,
        month: u32::try_from(month).ok()?,
        day,
        leap,
    })
}

/// The solar day of a lunar date; `None` when the date does not exist (a
/// leap month the year lacks, or a day past the month's end is not checked).
pub fn to_solar(lunar: LunarDate) -> Option<NaiveDate> {
    let (a11, b11) = if lunar.month < 11 {
        (month11(lunar.year - 1)?, month11(lunar.year)?)
    } else {
        (month11(lunar.year)?, month11(lunar.year + 1)?)
    };
    let k = (0.5 + (a11 as f64 - EPOCH) / SYNODIC).floor() as i64;
    let mut off = i64::from(lunar.month) - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 {
        let leap_off = leap_offset(a11);
        let leap_month = (leap_off - 2).rem_euclid(12);
        if lunar.leap && i64::from(lunar.month) != leap_month {
            return None;
        }
        if lunar.leap || off >= leap_off {
            off += 1;
        }
    } else if lunar.leap {
        return None;
    }
    from_julian_day(new_moon_day(k + off) + i64::from(lunar.day) - 1)
}

/// The first day of lunar `year` (Tết Nguyên Đán).
pub fn tet(year: i32) -> Option<NaiveDate> {
    to_solar(LunarDate {
        year,
        month: 1,
        day: 1,
        leap: false,
    })
}

/// Hùng Kings' Commemoration Day, the 10th of the 3rd lunar month.
pub fn hung_kings(year: i32) -> Option<NaiveDate> {
    to_solar(LunarDate {
        year,
        month: 3,
        day: 10,
        leap: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    /// Tết and Giỗ Tổ Hùng Vương 2020-2035 as published: Tết from the public
    /// tables of the lunar new year, which agree for Viet Nam and China in
    /// these years except 2030 (Viet Nam 2 Feb, China 3 Feb); Hùng Kings'
    /// day from the Government's holiday notices (2020-2026) and the
    /// Vietnamese almanac (lịch vạn niên, 2027-2035).
    const PUBLISHED: [(i32, &str, &str); 16] = [
        (2020, "2020-01-25", "2020-04-02"),
        (2021, "2021-02-12", "2021-04-21"),
        (2022, "2022-02-01", "2022-04-10"),
        (2023, "2023-01-22", "2023-04-29"),
        (2024, "2024-02-10", "2024-04-18"),
        (2025, "2025-01-29", "2025-04-07"),
        (2026, "2026-02-17", "2026-04-26"),
        (2027, "2027-02-06", "2027-04-16"),
        (2028, "2028-01-26", "2028-04-04"),
        (2029, "2029-02-13", "2029-04-23"),
        (2030, "2030-02-02", "2030-04-12"),
        (2031, "2031-01-23", "2031-04-01"),
        (2032, "2032-02-11", "2032-04-19"),
        (2033, "2033-01-31", "2033-04-09"),
        (2034, "2034-02-19", "2034-04-28"),
        (2035, "2035-02-08", "2035-04-17"),
    ];

    #[test]
    fn tet_and_hung_kings_day_match_the_published_table_2020_2035() {
        for (year, tet_day, hung_day) in PUBLISHED {
            assert_eq!(tet(year), Some(d(tet_day)), "Tết {year}");
            assert_eq!(hung_kings(year), Some(d(hung_day)), "Hùng Kings {year}");
        }
    }

    #[test]
    fn viet_nam_time_zone_gives_its_own_tet_where_china_differs() {
        // 2007: the new moon came at 23:14 in Viet Nam, 00:14 the next day
        // in China. 1985: the new moon that begins month 11 fell on
        // different days, which shifted the leap month and so Tết by a month.
        assert_eq!(tet(1985), Some(d("1985-01-21")));
        assert_eq!(tet(2007), Some(d("2007-02-17")));
        // 2030: the new moon at 23:07 on 2 Feb in Viet Nam.
        assert_eq!(tet(2030), Some(d("2030-02-02")));
    }

    #[test]
    fn hung_kings_day_is_in_the_regular_third_month_when_it_has_a_leap_twin() {
        // 2031 has a leap third month; the commemoration stays on the 10th
        // of the regular one.
        let leap = to_solar(LunarDate {
            year: 2031,
            month: 3,
            day: 10,
            leap: true,
        })
        .expect("2031 has a leap third month");
        let regular = hung_kings(2031).expect("in range");
        assert_eq!(regular, d("2031-04-01"));
        assert!(matches!((leap - regular).num_days(), 29 | 30), "{leap}");
    }

    #[test]
    fn leap_months_are_placed_and_round_trips_hold() {
        // 2023 had a leap second month (tháng 2 nhuận) from 22 Mar 2023.
        let l = to_lunar(d("2023-03-22")).expect("in range");
        assert_eq!((l.year, l.month, l.day, l.leap), (2023, 2, 1, true));
        assert_eq!(to_solar(l), Some(d("2023-03-22")));
        assert_eq!(
            to_solar(LunarDate {
                year: 2024,
                month: 2,
                day: 1,
                leap: true
            }),
            None,
            "2024 has no leap month"
        );
        let mut day = d("2019-12-01");
        while day < d("2036-03-01") {
            let l = to_lunar(day).expect("in range");
            assert_eq!(to_solar(l), Some(day), "{day} -> {l:?}");
            day = day.succ_opt().expect("next day");
        }
    }
}
