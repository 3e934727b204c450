//! The queue: dossiers by state, procedure and due date, overdue ones
//! first and then those due soonest, assigned to the officer or to anyone,
//! found by code, applicant or tax code, a page at a time after the last
//! row shown (never counted whole: every filter is one an index serves).

use super::{Lang, Signed, error_page, frame, html_page};
use crate::records::{QueueQuery, QueueRow, QueueStates};
use crate::state::{AppState, now_vn};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use hoso_core::calendar::Calendar;
use hoso_core::deadline::{DUE_SOON_DAYS, Deadline};
use hoso_core::status::Status;
use maud::{Markup, html};
use serde::Deserialize;

/// Rows on one page.
pub const PAGE: u32 = 50;

/// What the queue's form asks (and the officer API's
/// `GET /v1/officer/queue`).
#[derive(Debug, Default, Deserialize)]
pub struct QueueForm {
    /// `open` (default), `all`, or a state's name.
    #[serde(default)]
    pub state: String,
    /// A procedure code, or empty.
    #[serde(default)]
    pub procedure: String,
    /// `1`: only those assigned to the officer.
    #[serde(default)]
    pub mine: String,
    /// `overdue`, `soon`, or empty.
    #[serde(default)]
    pub due: String,
    /// Words to find.
    #[serde(default)]
    pub q: String,
    /// `YYYY-MM-DD~CODE`: the page begins after this row.
    #[serde(default)]
    pub after: String,
    /// Rows at most (the API; the page shows [`PAGE`]).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// The mark beside a dossier in `status` due on `day`, `today`: its
/// deadline as hoso-core's [`Deadline`] counts it (the app and the figures
/// count it so too) when it is overdue or due soon, else nothing.
pub fn due_mark(
    lang: Lang,
    calendar: &Calendar,
    status: Status,
    day: NaiveDate,
    today: NaiveDate,
) -> Markup {
    let deadline = Deadline::of(calendar, status, day, today);
    let class = match deadline {
        Deadline::Overdue { .. } => "badge overdue",
        Deadline::DueSoon { .. } => "badge soon",
        _ => return html! {},
    };
    html! { " " span class=(class) { (lang.of_text(&deadline.label())) } }
}

/// The records' query for `form`, for the officer `me`, `today`.
pub fn query(form: &QueueForm, me: &str, calendar: &Calendar, today: NaiveDate) -> QueueQuery {
    let states = match form.state.as_str() {
        "" | "open" => QueueStates::Open,
        "all" => QueueStates::All,
        name => Status::parse(name).map_or(QueueStates::Open, QueueStates::Only),
    };
    let due_by = match form.due.as_str() {
        "overdue" => today.pred_opt(),
        "soon" => Some(calendar.add_working_days(today, DUE_SOON_DAYS)),
        _ => None,
    };
    // A whole code, as pasted from a receipt, is looked up as such.
    let code = form
        .q
        .trim()
        .to_uppercase()
        .parse::<hoso_core::DossierCode>()
        .ok()
        .filter(|c| c.as_str().contains('-'))
        .map(|c| c.as_str().to_owned());
    QueueQuery {
        states,
        procedure: Some(form.procedure.trim())
            .filter(|p| !p.is_empty())
            .map(str::to_owned),
        assignee: (form.mine == "1").then(|| me.to_owned()),
        due_by: due_by.map(|d| d.to_string()),
        words: if code.is_some() {
            Vec::new()
        } else {
            super::search::asked(&form.q)
        },
        code,
        after: form
            .after
            .split_once('~')
            .map(|(d, c)| (d.to_owned(), c.to_owned())),
        limit: form.limit.unwrap_or(PAGE).clamp(1, PAGE_MAX) + 1,
    }
}

/// Most rows a page of the API gives.
pub const PAGE_MAX: u32 = 500;

/// The `after` of the page that follows `rows`, when more follow.
pub fn next_after(rows: &[QueueRow], more: bool) -> Option<String> {
    more.then(|| {
        rows.last()
            .map(|r| format!("{}~{}", r.appointment_date, r.code))
    })
    .flatten()
}

/// `GET /officer/queue`.
pub async fn page(
    State(state): State<AppState>,
    signed: Signed,
    lang: Lang,
    Query(form): Query<QueueForm>,
) -> Response {
    let today = now_vn().date_naive();
    let q = query(&form, &signed.0.officer.account, &state.calendar, today);
    let mut rows = match state.db.queue(q).await {
        Ok(rows) => rows,
        Err(e) => return error_page(lang, &e),
    };
    let more = rows.len() > PAGE as usize;
    rows.truncate(PAGE as usize);
    let next = next_after(&rows, more);
    let procedures: Vec<(String, String)> = state
        .catalog
        .current()
        .map(|e| {
            let p = &e.procedure;
            (p.code.to_string(), lang.of_text(&p.name).to_owned())
        })
        .collect();
    let body = html! {
        (filters(lang, &form, &procedures))
        @if rows.is_empty() {
            p.card { (lang.pick("Không có hồ sơ nào như vậy.", "No dossier matches.")) }
        } @else {
            table.queue {
                thead { tr {
                    th { (lang.pick("Mã hồ sơ", "Dossier code")) }
                    th { (lang.pick("Người nộp", "Applicant")) }
                    th { (lang.pick("Mã số thuế", "Tax code")) }
                    th { (lang.pick("Thủ tục", "Procedure")) }
                    th { (lang.pick("Trạng thái", "State")) }
                    th { (lang.pick("Ngày nhận", "Received")) }
                    th { (lang.pick("Hẹn trả", "Due")) }
                    th { (lang.pick("Người xử lý", "Assigned to")) }
                } }
                tbody {
                    @for row in &rows { (line(lang, &state.calendar, today, row, &procedures)) }
                }
            }
        }
        div.pager {
            @if !form.after.is_empty() {
                a href={ "/officer/queue?" (same_filters(&form)) } { (lang.pick("« Trang đầu", "« First page")) }
            }
            @if let Some(after) = &next {
                a rel="next" href={ "/officer/queue?" (same_filters(&form)) "&after=" (super::encode(after)) } {
                    (lang.pick("Trang sau »", "Next page »"))
                }
            }
        }
    };
    html_page(
        StatusCode::OK,
        frame(
            lang,
            lang.pick("Hàng đợi hồ sơ", "Dossier queue"),
            Some(&signed.0),
            body,
        ),
    )
}

/// The query string of `form`'s filters, without the page.
fn same_filters(form: &QueueForm) -> String {
    [
        ("state", &form.state),
        ("procedure", &form.procedure),
        ("mine", &form.mine),
        ("due", &form.due),
        ("q", &form.q),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", super::encode(v)))
    .collect::<Vec<_>>()
    .join("&")
}

fn filters(lang: Lang, form: &QueueForm, procedures: &[(String, String)]) -> Markup {
    let state = if form.state.is_empty() {
        "open"
    } else {
        form.state.as_str()
    };
    html! {
        form.filters.card method="get" action="/officer/queue" {
            label { (lang.pick("Tìm (mã, người nộp, mã số thuế)", "Find (code, applicant, tax code)"))
                input type="search" name="q" value=(form.q) maxlength="200"; }
            label { (lang.pick("Trạng thái", "State"))
                select name="state" {
                    option value="open" selected[state == "open"] { (lang.pick("Chưa kết thúc", "Not closed")) }
                    @for s in Status::ALL {
                        option value=(s.as_str()) selected[state == s.as_str()] { (lang.of_text(&s.label())) }
                    }
                    option value="all" selected[state == "all"] { (lang.pick("Tất cả", "All")) }
                }
            }
            label { (lang.pick("Thủ tục", "Procedure"))
                select name="procedure" {
                    option value="" { (lang.pick("Mọi thủ tục", "Every procedure")) }
                    @for (code, name) in procedures {
                        option value=(code) selected[form.procedure == *code] { (name) }
                    }
                }
            }
            label { (lang.pick("Hạn", "Due"))
                select name="due" {
                    option value="" { (lang.pick("Mọi hạn", "Any")) }
                    option value="overdue" selected[form.due == "overdue"] { (lang.pick("Quá hạn", "Overdue")) }
                    option value="soon" selected[form.due == "soon"] { (lang.pick("Đến hạn trong 2 ngày làm việc", "Due within 2 working days")) }
                }
            }
            label { span { input type="checkbox" name="mine" value="1" checked[form.mine == "1"]; " " (lang.pick("Chỉ hồ sơ giao cho tôi", "Only mine")) } }
            button type="submit" { (lang.pick("Lọc", "Filter")) }
        }
    }
}

fn line(
    lang: Lang,
    calendar: &Calendar,
    today: NaiveDate,
    row: &QueueRow,
    procedures: &[(String, String)],
) -> Markup {
    let procedure = procedures
        .iter()
        .find(|(c, _)| *c == row.procedure)
        .map_or(row.procedure.as_str(), |(_, n)| n.as_str());
    let day = row.appointment_date.parse::<NaiveDate>().ok();
    html! {
        tr {
            td.code { a href={ "/officer/dossiers/" (row.code) } { (row.code) } }
            td { (row.applicant_name) }
            td { (row.tax_code) }
            td { (procedure) }
            td { span.badge.state { (lang.of_text(&row.status.label())) } }
            td { (super::local_time(&row.received_at, false)) }
            td {
                (day.map_or(row.appointment_date.clone(), |d| d.format("%d/%m/%Y").to_string()))
                @if let Some(d) = day { (due_mark(lang, calendar, row.status, d, today)) }
            }
            td { (row.assigned_to.as_deref().unwrap_or("—")) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn due_soon_counts_working_days_and_settled_dossiers_are_never_late() {
        let cal = Calendar::vietnam();
        // Friday 2026-12-04: two working days ahead is Tuesday the 8th.
        let friday = day("2026-12-04");
        let mark =
            |status, due: &str| due_mark(Lang::Vi, cal, status, day(due), friday).into_string();
        let overdue = mark(Status::Processing, "2026-12-03");
        assert!(
            overdue.contains("badge overdue") && overdue.contains("Quá hạn 1 ngày làm việc"),
            "{overdue}"
        );
        let soon = mark(Status::Processing, "2026-12-08");
        assert!(
            soon.contains("badge soon") && soon.contains("Sắp đến hạn"),
            "{soon}"
        );
        assert_eq!(mark(Status::Processing, "2026-12-09"), "");
        assert_eq!(mark(Status::Completed, "2026-12-01"), "");
        assert_eq!(mark(Status::ResultReady, "2026-12-01"), "");
        // Waiting for a supplement, the clock is paused, as the app and
        // the figures say.
        assert_eq!(mark(Status::SupplementRequested, "2026-12-01"), "");
    }

    #[test]
    fn the_form_becomes_an_indexed_query() {
        let cal = Calendar::vietnam();
        let friday = day("2026-12-04");
        let form = QueueForm {
            state: "processing".into(),
            mine: "1".into(),
            due: "soon".into(),
            q: "Nguyễn  0101".into(),
            after: "2026-12-08~HS-261201-0004".into(),
            ..QueueForm::default()
        };
        let q = query(&form, "xuly", cal, friday);
        assert_eq!(q.states, QueueStates::Only(Status::Processing));
        assert_eq!(q.assignee.as_deref(), Some("xuly"));
        assert_eq!(q.due_by.as_deref(), Some("2026-12-08"));
        assert_eq!(q.words, vec!["nguyen", "0101"]);
        assert_eq!(q.code, None);
        let pasted = query(
            &QueueForm {
                q: " hoso.practice-261205-0042 ".into(),
                ..QueueForm::default()
            },
            "xuly",
            cal,
            friday,
        );
        assert_eq!(pasted.code.as_deref(), Some("HOSO.PRACTICE-261205-0042"));
        assert!(pasted.words.is_empty());
        assert_eq!(
            q.after,
            Some(("2026-12-08".to_owned(), "HS-261201-0004".to_owned()))
        );
        let overdue = query(
            &QueueForm {
                due: "overdue".into(),
                ..QueueForm::default()
            },
            "xuly",
            cal,
            friday,
        );
        assert_eq!(overdue.states, QueueStates::Open);
        assert_eq!(overdue.due_by.as_deref(), Some("2026-12-03"));
        assert_eq!(overdue.assignee, None);
    }
}
