//! The figures page and the officer API's `GET /v1/officer/figures`: the
//! dossiers received in a span of months, counted by month, procedure or
//! desk with [`crate::figures`], the indices of Decision 766 those counts
//! allow with the notes that say how, a bar chart and the CSV export.

use super::{Lang, Signed, error_page, frame, html_page};
use crate::error::ApiError;
use crate::figures::{self, Case, Grouping, Indices, NOTES, Row};
use crate::records::FigureRow;
use crate::state::{AppState, now_vn};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use hoso_core::amount_words::in_figures;
use maud::{Markup, PreEscaped, html};
use serde::{Deserialize, Serialize};

/// What the figures' form (and the API) asks.
#[derive(Debug, Default, Deserialize)]
pub struct FiguresForm {
    /// First month, `YYYY-MM` (default: eleven months before this one).
    #[serde(default)]
    pub from: String,
    /// Last month, `YYYY-MM` (default: this one).
    #[serde(default)]
    pub to: String,
    /// `month` (default), `procedure` or `desk`.
    #[serde(default)]
    pub by: String,
    /// `csv`: the rows as a file.
    #[serde(default)]
    pub format: String,
}

/// Most months one page counts.
const MONTHS_MAX: i32 = 36;

/// The first day of month `text` (`YYYY-MM`).
fn month(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d").ok()
}

fn months_between(a: NaiveDate, b: NaiveDate) -> i32 {
    (b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32
}

/// The span asked: its first day and the day after its last month, and
/// both months as `YYYY-MM`. Refused when a month does not read, the end
/// comes first, or it spans more than [`MONTHS_MAX`] months.
pub fn span(form: &FiguresForm, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let this = today.with_day(1).unwrap_or(today);
    let to = if form.to.trim().is_empty() {
        Some(this)
    } else {
        month(&form.to)
    };
    let from = if form.from.trim().is_empty() {
        to.and_then(|t| t.checked_sub_months(chrono::Months::new(11)))
    } else {
        month(&form.from)
    };
    let (Some(from), Some(to)) = (from, to) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "month_unreadable",
            "Tháng phải viết dạng YYYY-MM, ví dụ 2026-12.",
            "A month is written YYYY-MM, e.g. 2026-12.",
        ));
    };
    let months = months_between(from, to);
    if !(0..MONTHS_MAX).contains(&months) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "span_invalid",
            format!(
                "Khoảng thời gian phải từ 1 đến {MONTHS_MAX} tháng, tháng đầu trước tháng cuối."
            ),
            format!("The span must be 1 to {MONTHS_MAX} months, the first before the last."),
        ));
    }
    let end = to
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(NaiveDate::MAX);
    Ok((from, end))
}

fn grouping(by: &str) -> Grouping {
    match by {
        "procedure" => Grouping::Procedure,
        "desk" => Grouping::Desk,
        _ => Grouping::Month,
    }
}

/// A stored row as the figures count it; the desk is the agency its
/// procedure names, in `lang`. A row that does not read is left out and
/// logged.
fn case(state: &AppState, row: FigureRow, lang: Lang) -> Option<Case> {
    let read = || -> Option<Case> {
        let procedure: hoso_core::ProcedureCode = row.procedure.parse().ok()?;
        let desk = state
            .catalog
            .get(&procedure)
            .map(|e| lang.of_text(&e.procedure.agency).to_owned())
            .unwrap_or_else(|| procedure.as_str().to_owned());
        let time = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok();
        Some(Case {
            code: row.code.parse().ok()?,
            procedure,
            desk,
            received_at: time(&row.received_at)?,
            // Every dossier here came through the portal.
            online: true,
            appointment_date: row.appointment_date.parse().ok()?,
            status: hoso_core::status::Status::parse(&row.status)?,
            resolved_at: row.resolved_at.as_deref().and_then(time),
            supplements_asked: u32::try_from(row.supplements_asked).unwrap_or(0),
            fee_vnd: u64::try_from(row.fee_vnd).unwrap_or(0),
            fee_collected_vnd: u64::try_from(row.paid_vnd - row.refunded_vnd).unwrap_or(0),
            // The portal knows only of fees paid by transfer.
            paid_online: row.paid_vnd > 0,
            rating: row.rating.and_then(|r| u8::try_from(r).ok()),
        })
    };
    let case = read();
    if case.is_none() {
        tracing::warn!(dossier = %row.code, "a dossier's stored figures do not read; not counted");
    }
    case
}

/// The figures of a span: the rows by `grouping` and their total.
#[derive(Debug)]
pub struct Counted {
    /// First day counted.
    pub from: NaiveDate,
    /// The day after the last.
    pub until: NaiveDate,
    /// How rows are grouped.
    pub grouping: Grouping,
    /// One row per group.
    pub rows: Vec<Row>,
    /// Every case in one row.
    pub total: Row,
}

async fn count(state: &AppState, form: &FiguresForm, lang: Lang) -> Result<Counted, ApiError> {
    let today = now_vn().date_naive();
    let (from, until) = span(form, today)?;
    let stored = state
        .db
        .figure_rows(from.to_string(), until.to_string())
        .await?;
    let cases: Vec<Case> = stored
        .into_iter()
        .filter_map(|row| case(state, row, lang))
        .collect();
    let grouping = grouping(&form.by);
    let mut rows = figures::rows(&cases, grouping, &state.calendar, today);
    if grouping == Grouping::Procedure {
        for row in &mut rows {
            if let Some(entry) = row.group.parse().ok().and_then(|c| state.catalog.get(&c)) {
                row.group = lang.of_text(&entry.procedure.name).to_owned();
            }
        }
    }
    let total = figures::rows(&cases, Grouping::Total, &state.calendar, today)
        .pop()
        .unwrap_or_default();
    Ok(Counted {
        from,
        until,
        grouping,
        rows,
        total,
    })
}

/// `GET /officer/figures`.
pub async fn page(
    State(state): State<AppState>,
    signed: Signed,
    lang: Lang,
    Query(form): Query<FiguresForm>,
) -> Response {
    let counted = match count(&state, &form, lang).await {
        Ok(c) => c,
        Err(e) => return error_page(lang, &e),
    };
    if form.format == "csv" {
        let name = format!(
            "so-lieu-{}-{}.csv",
            counted.from.format("%Y-%m"),
            last_month(&counted).format("%Y-%m")
        );
        return (
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            figures::csv(counted.grouping, &counted.rows),
        )
            .into_response();
    }
    let body = html! {
        (filters(lang, &form, &counted))
        (indices(lang, &counted.total.indices()))
        @if counted.rows.is_empty() {
            p.card { (lang.pick("Không có hồ sơ nào nhận trong khoảng này.", "No dossier was received in this span.")) }
        } @else {
            figure.chart { (PreEscaped(figures::bar_chart(counted.grouping, &counted.rows, lang))) }
            (table(lang, &counted))
        }
        h2 { (lang.pick("Cách tính", "How these are counted")) }
        ul.notes { @for note in &NOTES { li { (note.get(lang)) } } }
    };
    html_page(
        StatusCode::OK,
        frame(
            lang,
            lang.pick("Số liệu giải quyết hồ sơ", "Dossier figures"),
            Some(&signed.0),
            body,
        ),
    )
}

fn last_month(c: &Counted) -> NaiveDate {
    c.until
        .checked_sub_months(chrono::Months::new(1))
        .unwrap_or(c.until)
}

fn filters(lang: Lang, form: &FiguresForm, c: &Counted) -> Markup {
    let by = match c.grouping {
        Grouping::Procedure => "procedure",
        Grouping::Desk => "desk",
        _ => "month",
    };
    let (from, to) = (
        c.from.format("%Y-%m").to_string(),
        last_month(c).format("%Y-%m").to_string(),
    );
    html! {
        form.filters.card method="get" action="/officer/figures" {
            label { (lang.pick("Từ tháng", "From month")) input type="month" name="from" value=(from); }
            label { (lang.pick("Đến tháng", "To month")) input type="month" name="to" value=(to); }
            label { (lang.pick("Theo", "By"))
                select name="by" {
                    option value="month" selected[by == "month"] { (lang.pick("Tháng", "Month")) }
                    option value="procedure" selected[by == "procedure"] { (lang.pick("Thủ tục", "Procedure")) }
                    option value="desk" selected[by == "desk"] { (lang.pick("Cơ quan tiếp nhận", "Receiving desk")) }
                }
            }
            button type="submit" { (lang.pick("Xem", "Show")) }
            a href={ "/officer/figures?from=" (from) "&to=" (to) "&by=" (by) "&format=csv" } download {
                (lang.pick("Tải CSV", "Download CSV"))
            }
            @if !form.format.is_empty() && form.format != "csv" { span.muted { (form.format) } }
        }
    }
}

fn percent(p: f64) -> String {
    format!("{p:.1} %")
}

fn indices(lang: Lang, i: &Indices) -> Markup {
    let none = lang.pick("chưa có hồ sơ để tính", "nothing to count yet");
    html! {
        div.indices {
            section.card.index {
                h3 { (lang.pick("Tiến độ giải quyết", "Processing progress")) }
                @match &i.progress {
                    Some(p) => {
                        p.big { (percent(p.percent)) }
                        p.muted { (p.resolved_in_time + p.pending_in_time) " / " (p.counted) " · " (format!("{:.1}", p.points.earned)) "/" (p.points.out_of) (lang.pick(" điểm", " points")) }
                    }
                    None => { p.muted { (none) } }
                }
            }
            section.card.index {
                h3 { (lang.pick("Dịch vụ công trực tuyến", "Online services")) }
                @match &i.online {
                    Some(o) => {
                        p.big { (percent(o.percent)) }
                        p.muted { (o.online) " / " (o.received) }
                    }
                    None => { p.muted { (none) } }
                }
            }
            section.card.index {
                h3 { (lang.pick("Thanh toán trực tuyến", "Online payment")) }
                @match &i.payment {
                    Some(p) => {
                        p.big { (percent(p.percent)) }
                        p.muted { (p.paid_online) " / " (p.with_fee) }
                    }
                    None => { p.muted { (none) } }
                }
            }
            section.card.index {
                h3 { (lang.pick("Mức độ hài lòng", "Satisfaction")) }
                @match &i.satisfaction {
                    Some(s) => {
                        p.big { (percent(s.percent)) }
                        p.muted {
                            (s.counted - s.late_or_dissatisfied) " / " (s.counted)
                            " · " (s.rated) (lang.pick(" lượt đánh giá", " ratings"))
                            @if let Some(avg) = s.average_rating { " · " (lang.pick("điểm TB ", "average ")) (format!("{avg:.1}")) "/5" }
                        }
                    }
                    None => { p.muted { (none) } }
                }
            }
        }
    }
}

fn table(lang: Lang, c: &Counted) -> Markup {
    let heading = match c.grouping {
        Grouping::Procedure => lang.pick("Thủ tục", "Procedure"),
        Grouping::Desk => lang.pick("Cơ quan tiếp nhận", "Receiving desk"),
        _ => lang.pick("Tháng", "Month"),
    };
    let line = |row: &Row, label: &str| {
        html! {
            td { (label) }
            td.num { (row.received) }
            td.num { (row.online) }
            td.num { (row.resolved_early) }
            td.num { (row.resolved_on_time) }
            td.num { (row.resolved_late) }
            td.num { (row.pending_now) }
            td.num { (row.overdue_now) }
            td.num { (row.supplements_asked) }
            td.num { (in_figures(row.fees_collected_vnd)) }
            td.num { (row.average_rating().map_or("—".to_owned(), |r| format!("{r:.1}"))) }
        }
    };
    html! {
        table.figures {
            thead { tr {
                th { (heading) }
                th { (lang.pick("Tiếp nhận", "Received")) }
                th { (lang.pick("Trực tuyến", "Online")) }
                th { (lang.pick("Trước hạn", "Early")) }
                th { (lang.pick("Đúng hạn", "On time")) }
                th { (lang.pick("Trễ hạn", "Late")) }
                th { (lang.pick("Đang giải quyết", "Pending")) }
                th { (lang.pick("Đang quá hạn", "Overdue now")) }
                th { (lang.pick("Lần yêu cầu bổ sung", "Supplements asked")) }
                th { (lang.pick("Phí đã thu", "Fees collected")) }
                th { (lang.pick("Hài lòng (TB)", "Rating (avg)")) }
            } }
            tbody {
                @for row in &c.rows { tr { (line(row, &row.group)) } }
            }
            tfoot { tr { (line(&c.total, lang.pick("Tổng cộng", "Total"))) } }
        }
    }
}

/// `GET /v1/officer/figures`: the same figures as JSON.
#[derive(Debug, Serialize)]
pub struct FiguresAnswer {
    /// First day counted.
    pub from: NaiveDate,
    /// The day after the last.
    pub until: NaiveDate,
    /// How rows are grouped.
    pub by: Grouping,
    /// One row per group.
    pub rows: Vec<Row>,
    /// Every dossier in one row.
    pub total: Row,
    /// The indices of the total.
    pub indices: Indices,
    /// How they are counted, Vietnamese then English.
    pub notes: Vec<hoso_core::Bilingual>,
}

pub async fn api(
    State(state): State<AppState>,
    _officer: crate::routes::Officer,
    Query(form): Query<FiguresForm>,
) -> Result<Json<FiguresAnswer>, ApiError> {
    let c = count(&state, &form, Lang::Vi).await?;
    Ok(Json(FiguresAnswer {
        from: c.from,
        until: c.until,
        by: c.grouping,
        indices: c.total.indices(),
        rows: c.rows,
        total: c.total,
        notes: NOTES
            .iter()
            .map(|n| hoso_core::Bilingual::new(n.vi, n.en))
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn a_span_defaults_to_the_last_twelve_months_and_refuses_nonsense() {
        let today = day("2026-12-05");
        let (from, until) = span(&FiguresForm::default(), today).expect("default");
        assert_eq!((from, until), (day("2026-01-01"), day("2027-01-01")));
        let asked = FiguresForm {
            from: "2026-02".into(),
            to: "2026-02".into(),
            ..FiguresForm::default()
        };
        assert_eq!(
            span(&asked, today).expect("one month"),
            (day("2026-02-01"), day("2026-03-01"))
        );
        for (from, to) in [
            ("2026-13", "2026-12"),
            ("2026-05", "2026-04"),
            ("2020-01", "2026-01"),
        ] {
            let form = FiguresForm {
                from: from.into(),
                to: to.into(),
                ..FiguresForm::default()
            };
            assert!(span(&form, today).is_err(), "{from}..{to}");
        }
    }
}
