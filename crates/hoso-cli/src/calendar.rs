//! `hoso calendar`: Viet Nam's working days, offline, from hoso-core's
//! calendar, refusing the years it does not know rather than counting
//! every weekday of them as a working day.

use crate::cli::CalendarCmd;
use crate::exit::{Code, Failure, Lang};
use crate::run::Out;
use chrono::{Datelike, NaiveDate, Weekday};
use hoso_core::calendar::Calendar;
use serde_json::json;

/// Runs a calendar command.
pub fn run(c: &CalendarCmd, out: Out) -> Result<Code, Failure> {
    let cal = Calendar::vietnam();
    match c {
        CalendarCmd::Holidays { year } => {
            known(cal, *year)?;
            let named = cal.named_days_off_in(*year);
            let make_up = cal.working_weekend_days_in(*year);
            let days_off: Vec<NaiveDate> = named.iter().map(|d| d.day).collect();
            let value = json!({
                "year": year,
                "announced": cal.is_announced(*year),
                "days_off": days_off,
                "named_days_off": named.iter().map(|d| json!({
                    "day": d.day,
                    "holidays": d.holidays,
                    "in_lieu": d.in_lieu,
                    "name": d.name(),
                })).collect::<Vec<_>>(),
                "working_weekend_days": make_up,
            });
            out.print(value, || {
                let mut lines = vec![if cal.is_announced(*year) {
                    out.t(
                        &format!("Năm {year}: theo thông báo nghỉ lễ của Chính phủ."),
                        &format!("{year}: as the Government announced the days off."),
                    )
                } else {
                    out.t(
                        &format!(
                            "Năm {year}: theo Bộ luật Lao động (chưa có thông báo của Chính phủ)."
                        ),
                        &format!("{year}: by the Labor Code (no Government announcement yet)."),
                    )
                }];
                // Days off and make-up days together, in date order.
                let mut days: Vec<(NaiveDate, String)> = named
                    .iter()
                    .map(|d| (d.day, out.say(&d.name()).to_owned()))
                    .collect();
                days.extend(
                    make_up
                        .iter()
                        .map(|d| (*d, out.t("Làm bù (ngày làm việc)", "Make-up working day"))),
                );
                days.sort();
                lines.extend(
                    days.into_iter()
                        .map(|(d, what)| format!("{}  {what}", date(d, out.lang))),
                );
                lines.join("\n")
            });
        }
        CalendarCmd::Due { from, days } => {
            let at = chrono::NaiveDateTime::parse_from_str(from, "%Y-%m-%dT%H:%M")
                .or_else(|_| chrono::NaiveDateTime::parse_from_str(from, "%Y-%m-%dT%H:%M:%S"))
                .map_err(|_| {
                    Failure::new(
                        Code::Invalid,
                        format!("“{from}”: cần thời điểm dạng YYYY-MM-DDTHH:MM."),
                        format!("“{from}”: expected a time as YYYY-MM-DDTHH:MM."),
                    )
                })?;
            known(cal, at.year())?;
            let due = cal.due_date(at, *days, None);
            known(cal, due.year())?;
            out.print(json!({"from": from, "days": days, "due": due}), || {
                due.format("%Y-%m-%d").to_string()
            });
        }
        CalendarCmd::Between { a, b } => {
            let (from, to) = (day(a)?, day(b)?);
            known(cal, from.year())?;
            known(cal, to.year())?;
            let n = cal.working_days_between(from, to);
            out.print(json!({"from": a, "to": b, "working_days": n}), || {
                n.to_string()
            });
        }
    }
    Ok(Code::Ok)
}

/// Refuses a year the calendar does not know, naming those it does.
fn known(cal: &Calendar, year: i32) -> Result<(), Failure> {
    if cal.knows(year) {
        return Ok(());
    }
    let years = cal.known_years();
    let (first, last) = (years.start(), years.end());
    Err(Failure::new(
        Code::Invalid,
        format!(
            "Lịch ngày làm việc chỉ có các năm {first}–{last}; năm {year} nằm ngoài nên không biết ngày nào nghỉ."
        ),
        format!(
            "The working-day calendar covers the years {first}–{last} only; {year} is outside it, so its days off are unknown."
        ),
    ))
}

fn day(text: &str) -> Result<NaiveDate, Failure> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        Failure::new(
            Code::Invalid,
            format!("“{text}”: cần ngày dạng YYYY-MM-DD."),
            format!("“{text}”: expected a date as YYYY-MM-DD."),
        )
    })
}

/// "Thứ Hai 16/02/2026" or "Mon 16/02/2026".
fn date(day: NaiveDate, lang: Lang) -> String {
    let weekday = match lang {
        Lang::En => return day.format("%a %d/%m/%Y").to_string(),
        Lang::Vi => match day.weekday() {
            Weekday::Mon => "Thứ Hai",
            Weekday::Tue => "Thứ Ba",
            Weekday::Wed => "Thứ Tư",
            Weekday::Thu => "Thứ Năm",
            Weekday::Fri => "Thứ Sáu",
            Weekday::Sat => "Thứ Bảy",
            Weekday::Sun => "Chủ Nhật",
        },
    };
    format!("{weekday} {}", day.format("%d/%m/%Y"))
}
