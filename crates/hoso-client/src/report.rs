//! What a person (or a provincial officer who files for many) reports on:
//! counts of filed dossiers by state and portal, the overdue ones, and a
//! CSV of every dossier with its code, dates and state, read from the
//! local store (the last synced states, with when they were confirmed).

use crate::error::ClientError;
use crate::store::Store;
use hoso_core::Tracking;
use hoso_core::deadline::Deadline;
use hoso_core::status::Status;
use std::collections::BTreeMap;

/// One dossier as reported.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    /// The dossier's id on this computer (what a draft, which has no code
    /// yet, goes by).
    pub id: i64,
    /// The portal's dossier code (empty for a draft).
    pub code: String,
    /// The procedure's code.
    pub procedure: hoso_core::ProcedureCode,
    /// The dossier's name in the list.
    pub title: String,
    /// The portal's name.
    pub portal: String,
    /// Draft, being sent, or filed, on this computer.
    pub local_state: hoso_core::DossierState,
    /// When the portal received it, as its receipt says.
    pub received_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Once filed: its state, when the portal confirmed it, the
    /// appointment date and the deadline as of the report's day (as the
    /// dossier list shows them).
    pub tracking: Option<Tracking>,
    /// Once the portal asked a fee for it: what it asked, what was paid
    /// and what was given back.
    pub fee: Option<FeeStanding>,
}

/// A filed dossier's fee as the report counts it, in đồng.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeeStanding {
    /// The fee the portal asked for.
    pub asked_vnd: u64,
    /// What is still to pay (0 once paid, refunded, expired or cancelled).
    pub due_vnd: u64,
    /// What was paid towards it.
    pub paid_vnd: u64,
    /// What was given back (the refund notice kept last).
    pub refunded_vnd: u64,
}

impl FeeStanding {
    /// The standing the payment request `request` and the refund of
    /// `refunded_vnd` make.
    pub fn of(request: &hoso_core::payment::PaymentRequest, refunded_vnd: u64) -> Self {
        use hoso_core::payment::PaymentState;
        let asked = request.amount_vnd;
        let (due, paid) = match request.state {
            PaymentState::Awaiting => (asked, 0),
            PaymentState::PartlyPaid { still_due_vnd } => {
                (still_due_vnd, asked.saturating_sub(still_due_vnd))
            }
            PaymentState::Paid { .. } => (0, asked),
            // What was given back had been paid.
            PaymentState::Refunded => (0, asked.max(refunded_vnd)),
            PaymentState::Expired => (0, 0),
            // Nothing is asked of a dossier refused or withdrawn; what it
            // paid before, the refund notices tell once it is given back.
            PaymentState::Cancelled => (0, refunded_vnd),
        };
        Self {
            asked_vnd: asked,
            due_vnd: due,
            paid_vnd: paid,
            refunded_vnd,
        }
    }
}

/// Counts for the summary view.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    /// Filed dossiers by (portal name, state).
    pub by_portal_and_status: BTreeMap<(String, Status), usize>,
    /// Filed dossiers past their appointment date without a result.
    pub overdue: Vec<ReportRow>,
    /// Those due within two working days.
    pub due_soon: Vec<ReportRow>,
    /// Fees of all filed dossiers, added up.
    pub fees: FeeStanding,
}

/// Every dossier not deleted, most recently changed first.
pub async fn rows(store: &Store, today: chrono::NaiveDate) -> Result<Vec<ReportRow>, ClientError> {
    store
        .call(move |conn| Ok(crate::store::report::rows(conn, today)?))
        .await
}

/// Counts by portal and state, and the overdue and due-soon lists.
pub fn summary(rows: &[ReportRow]) -> Summary {
    let mut out = Summary::default();
    for row in rows {
        if let Some(fee) = row.fee {
            out.fees.asked_vnd += fee.asked_vnd;
            out.fees.due_vnd += fee.due_vnd;
            out.fees.paid_vnd += fee.paid_vnd;
            out.fees.refunded_vnd += fee.refunded_vnd;
        }
        let Some(tracking) = &row.tracking else {
            continue;
        };
        *out.by_portal_and_status
            .entry((row.portal.clone(), tracking.status))
            .or_default() += 1;
        match tracking.deadline {
            Deadline::Overdue { .. } => out.overdue.push(row.clone()),
            Deadline::DueSoon { .. } => out.due_soon.push(row.clone()),
            _ => {}
        }
    }
    out
}

/// What to tell the person about `after` compared with `before` (the same
/// report read before a sync): one line for each filed dossier whose state
/// changed, naming the dossier and its new state.
pub fn status_notices(before: &[ReportRow], after: &[ReportRow]) -> Vec<hoso_core::Bilingual> {
    let was = |code: &str| {
        before
            .iter()
            .find(|r| r.code == code)
            .and_then(|r| r.tracking.as_ref())
            .map(|t| t.status)
    };
    after
        .iter()
        .filter(|r| !r.code.is_empty())
        .filter_map(|r| {
            let now = r.tracking.as_ref()?.status;
            (was(&r.code) != Some(now)).then(|| notice(r, now.label()))
        })
        .collect()
}

/// "Dossier CODE (title): what" in both languages.
fn notice(row: &ReportRow, what: hoso_core::Bilingual) -> hoso_core::Bilingual {
    hoso_core::Bilingual::new(
        format!("Hồ sơ {} ({}): {}", row.code, row.title, what.vi),
        format!("Dossier {} ({}): {}", row.code, row.title, what.en),
    )
}

/// One line for each filed dossier due within two working days or
/// overdue, with its deadline as the list says it.
pub fn deadline_notices(rows: &[ReportRow]) -> Vec<hoso_core::Bilingual> {
    rows.iter()
        .filter_map(|r| {
            let deadline = r.tracking.as_ref()?.deadline;
            matches!(
                deadline,
                Deadline::DueSoon { .. } | Deadline::Overdue { .. }
            )
            .then(|| notice(r, deadline.label()))
        })
        .collect()
}

/// The rows as CSV (RFC 4180: CRLF line ends, a cell quoted when it holds
/// a separator, quote or line break), UTF-8 with a byte-order mark so that
/// spreadsheet programs read the Vietnamese right, headings in Vietnamese
/// and English. Every cell goes through [`neutralised`] first.
pub fn csv(rows: &[ReportRow]) -> String {
    let heading = [
        "Mã hồ sơ / Dossier code",
        "Thủ tục / Procedure",
        "Tên hồ sơ / Title",
        "Cổng / Portal",
        "Trên máy / On this computer",
        "Ngày nộp / Received",
        "Hẹn trả / Due",
        "Trạng thái / Status",
        "Cổng xác nhận lúc / Confirmed at",
        "Thời hạn / Deadline",
        "Phí phải nộp (đồng) / Fee (VND)",
        "Còn phải nộp / Still due",
        "Đã nộp / Paid",
        "Đã hoàn / Refunded",
    ]
    .map(String::from);
    let lines = std::iter::once(heading).chain(rows.iter().map(|r| {
        let tracking = r.tracking.as_ref();
        [
            r.code.clone(),
            r.procedure.to_string(),
            r.title.clone(),
            r.portal.clone(),
            crate::store::Text(r.local_state).to_string(),
            r.received_at
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false))
                .unwrap_or_default(),
            tracking
                .map(|t| t.appointment_date.format("%d/%m/%Y").to_string())
                .unwrap_or_default(),
            tracking.map(|t| t.status.label().vi).unwrap_or_default(),
            tracking
                .and_then(|t| t.confirmed_at.clone())
                .unwrap_or_default(),
            tracking.map(|t| t.deadline.label().vi).unwrap_or_default(),
            amount(r.fee.map(|f| f.asked_vnd)),
            amount(r.fee.map(|f| f.due_vnd)),
            amount(r.fee.map(|f| f.paid_vnd)),
            amount(r.fee.map(|f| f.refunded_vnd)),
        ]
    }));
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer("\u{feff}".as_bytes().to_vec());
    for line in lines {
        // Cannot fail: the writer refuses only lines of unequal length
        // (each has the fourteen cells above) and its sink's errors (a Vec
        // takes every byte).
        let cells: Vec<_> = line.iter().map(|cell| neutralised(cell)).collect();
        out.write_record(cells.iter().map(|cell| cell.as_bytes()))
            .expect("CSV into memory");
    }
    let bytes = out.into_inner().expect("CSV into memory");
    // Every cell was a `str` and the writer adds only ASCII.
    String::from_utf8(bytes).expect("CSV of UTF-8 cells is UTF-8")
}

/// An amount in đồng as a spreadsheet reads a number (digits alone); empty
/// for a dossier the portal asked no fee for.
fn amount(vnd: Option<u64>) -> String {
    vnd.map(|v| v.to_string()).unwrap_or_default()
}

/// The characters that make a spreadsheet read a cell as a formula (or,
/// for tab and carriage return, let a formula follow them), as OWASP's
/// CSV-injection advice lists them.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell a spreadsheet shows as text, never runs: one that starts with a
/// formula character gets a leading `'`.
fn neutralised(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str, status: Status, deadline: Deadline) -> ReportRow {
        ReportRow {
            id: 1,
            code: code.into(),
            procedure: "kiem-tra-cl-nhap-khau".parse().expect("code"),
            title: "Lô thép".into(),
            portal: "Sở KH&CN".into(),
            local_state: hoso_core::DossierState::Submitted,
            received_at: None,
            tracking: Some(Tracking {
                status,
                confirmed_at: None,
                appointment_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("date"),
                deadline,
            }),
            fee: None,
        }
    }

    #[test]
    fn notices_name_each_changed_dossier_once_and_each_pressing_deadline() {
        let on_time = Deadline::OnTime {
            working_days_left: 5,
        };
        let before = [
            row("A1", Status::Received, on_time),
            row("B2", Status::Accepted, on_time),
        ];
        let after = [
            row("A1", Status::SupplementRequested, Deadline::Paused),
            row("B2", Status::Accepted, on_time),
            row("C3", Status::Received, on_time),
        ];
        let notices = status_notices(&before, &after);
        let texts: Vec<&str> = notices.iter().map(|n| n.vi.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Hồ sơ A1 (Lô thép): Yêu cầu bổ sung",
                "Hồ sơ C3 (Lô thép): Đã tiếp nhận"
            ]
        );
        assert!(status_notices(&after, &after).is_empty());

        let rows = [
            row("A1", Status::Accepted, on_time),
            row(
                "B2",
                Status::Accepted,
                Deadline::DueSoon {
                    working_days_left: 1,
                },
            ),
            row(
                "C3",
                Status::Processing,
                Deadline::Overdue {
                    working_days_late: 2,
                },
            ),
        ];
        let pressing = deadline_notices(&rows);
        assert_eq!(pressing.len(), 2);
        assert!(pressing[0].vi.starts_with("Hồ sơ B2"), "{:?}", pressing[0]);
        assert!(
            pressing[1].en.starts_with("Dossier C3"),
            "{:?}",
            pressing[1]
        );
    }

    /// The report as a spreadsheet reads it: each line's cells.
    fn read_back(csv: &str) -> Vec<Vec<String>> {
        let body = csv.strip_prefix('\u{feff}').expect("starts with a BOM");
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(body.as_bytes())
            .records()
            .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn the_csv_shows_the_receipt_time_and_local_state_as_stored() {
        for stored in [
            "2026-12-04T13:27:06.917291860+07:00",
            "2026-12-04T13:27:06.917+07:00",
            "2026-12-04T13:27:06+00:00",
        ] {
            let mut r = row("A1", Status::Received, Deadline::Paused);
            r.received_at = Some(chrono::DateTime::parse_from_rfc3339(stored).expect("time"));
            let text = csv(&[r]);
            let line = text.lines().nth(1).expect("row");
            assert!(
                line.starts_with(&format!(
                    "A1,kiem-tra-cl-nhap-khau,Lô thép,Sở KH&CN,submitted,{stored},"
                )),
                "{line}"
            );
        }
    }

    #[test]
    fn a_cell_starting_with_any_formula_character_is_read_as_text() {
        for start in ['=', '+', '-', '@', '\t', '\r'] {
            let title = format!("{start}HYPERLINK(\"http://x\",\"bấm\")");
            let mut r = row("A1", Status::Received, Deadline::Paused);
            r.title = title.clone();
            let lines = read_back(&csv(&[r]));
            assert_eq!(lines[1][2], format!("'{title}"), "{start:?}");
        }
    }

    #[test]
    fn cells_are_quoted_only_when_they_must_be_and_lines_end_in_crlf() {
        let mut r = row("A1", Status::Received, Deadline::Paused);
        r.title = "Công ty \"Ánh Dương\", Hà Nội".into();
        r.portal = "hai\ndòng".into();
        let text = csv(&[r]);
        assert!(
            text.starts_with("\u{feff}Mã hồ sơ / Dossier code,"),
            "{text}"
        );
        let line = text.split("\r\n").nth(1).expect("a second line");
        assert!(
            line.starts_with(
                "A1,kiem-tra-cl-nhap-khau,\"Công ty \"\"Ánh Dương\"\", Hà Nội\",\"hai\ndòng\",submitted,"
            ),
            "{line}"
        );
        assert!(text.ends_with("\r\n"));
        let lines = read_back(&text);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1][2], "Công ty \"Ánh Dương\", Hà Nội");
        assert_eq!(lines[1][3], "hai\ndòng");
    }

    #[test]
    fn fees_are_counted_by_payment_state_summed_and_written_as_plain_numbers() {
        use hoso_core::payment::{PaymentRequest, PaymentState};
        let payee = serde_json::from_value(
            serde_json::json!({"bin": "970415", "account": "0011001932418"}),
        )
        .expect("payee");
        let fee = hoso_core::Fee {
            amount_vnd: 100_000,
            lines: vec![],
            exempt: None,
        };
        let deadline =
            chrono::DateTime::parse_from_rfc3339("2026-12-10T17:00:00+07:00").expect("time");
        let code = "HOSO.PRACTICE-261204-0001".parse().expect("code");
        let asked =
            PaymentRequest::new(&code, &fee, &payee, "Sở Tài chính", deadline).expect("request");
        let in_state = |state| asked.with_state(state).expect("state");
        let standings = [
            FeeStanding::of(&asked, 0),
            FeeStanding::of(
                &in_state(PaymentState::PartlyPaid {
                    still_due_vnd: 40_000,
                }),
                0,
            ),
            FeeStanding::of(&in_state(PaymentState::Paid { late: false }), 0),
            FeeStanding::of(&in_state(PaymentState::Refunded), 100_000),
            FeeStanding::of(&in_state(PaymentState::Expired), 0),
            FeeStanding::of(&in_state(PaymentState::Cancelled), 0),
            FeeStanding::of(&in_state(PaymentState::Cancelled), 30_000),
        ];
        let (due, paid, refunded): (Vec<u64>, Vec<u64>, Vec<u64>) = (
            standings.iter().map(|f| f.due_vnd).collect(),
            standings.iter().map(|f| f.paid_vnd).collect(),
            standings.iter().map(|f| f.refunded_vnd).collect(),
        );
        assert_eq!(due, [100_000, 40_000, 0, 0, 0, 0, 0]);
        assert_eq!(paid, [0, 60_000, 100_000, 100_000, 0, 0, 30_000]);
        assert_eq!(refunded, [0, 0, 0, 100_000, 0, 0, 30_000]);

        let rows: Vec<ReportRow> = standings
            .iter()
            .map(|f| {
                let mut r = row("A1", Status::Received, Deadline::Paused);
                r.fee = Some(*f);
                r
            })
            .chain(std::iter::once(row(
                "B2",
                Status::Received,
                Deadline::Paused,
            )))
            .collect();
        let total = summary(&rows).fees;
        assert_eq!(
            (
                total.asked_vnd,
                total.due_vnd,
                total.paid_vnd,
                total.refunded_vnd
            ),
            (700_000, 140_000, 290_000, 130_000)
        );
        let lines = read_back(&csv(&rows));
        assert_eq!(lines[0][10], "Phí phải nộp (đồng) / Fee (VND)");
        assert_eq!(lines[2][10..], ["100000", "40000", "60000", "0"]);
        assert_eq!(lines[4][10..], ["100000", "0", "100000", "100000"]);
        assert_eq!(lines[7][10..], ["100000", "0", "30000", "30000"]);
        assert_eq!(lines[8][10..], ["", "", "", ""], "no fee asked");
    }
}
