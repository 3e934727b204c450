//! What a person (or a provincial officer who files for many) reports on:
//! counts of filed dossiers by state and portal, the overdue ones, and a
//! CSV of every dossier with its code, dates and state, read from the
//! local store (the last synced states, with when they were confirmed).

use crate::error::ClientError;
use crate::store::Store;
use hoso_core::calendar::Calendar;
use hoso_core::deadline::Deadline;
use hoso_core::status::Status;
use std::collections::BTreeMap;

/// One dossier as reported.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    /// The portal's dossier code (empty for a draft).
    pub code: String,
    /// The procedure's code.
    pub procedure: String,
    /// The dossier's name in the list.
    pub title: String,
    /// The portal's name.
    pub portal: String,
    /// `draft`, `submitting` or `submitted` on this computer.
    pub local_state: String,
    /// When the portal received it (RFC 3339).
    pub received_at: Option<String>,
    /// The appointment date on the receipt.
    pub appointment_date: Option<chrono::NaiveDate>,
    /// Its last synced state at the portal.
    pub status: Option<Status>,
    /// When the portal last confirmed the states of its dossiers.
    pub confirmed_at: Option<String>,
    /// Its deadline as of today, once filed.
    pub deadline: Option<Deadline>,
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
}

/// Every dossier not deleted, most recently changed first.
pub async fn rows(store: &Store, today: chrono::NaiveDate) -> Result<Vec<ReportRow>, ClientError> {
    let raw: Vec<RawRow> = store
        .call(|conn| {
            let mut stmt = conn.prepare(
                "SELECT COALESCE(d.dossier_code, ''), d.procedure_code, d.title, p.name_vi, d.state,
                        json_extract(d.receipt, '$.receipt.received_at'),
                        json_extract(d.receipt, '$.receipt.appointment_date'),
                        (SELECT e.status FROM status_events e WHERE e.portal_id = d.portal_id
                             AND e.code = d.dossier_code ORDER BY e.cursor DESC LIMIT 1),
                        s.confirmed_at
                 FROM dossiers d JOIN portals p ON p.id = d.portal_id
                 LEFT JOIN status_sync s ON s.portal_id = d.portal_id
                 WHERE d.deleted_at IS NULL
                 ORDER BY d.updated_at DESC, d.id DESC",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(RawRow {
                        code: r.get(0)?,
                        procedure: r.get(1)?,
                        title: r.get(2)?,
                        portal: r.get(3)?,
                        local_state: r.get(4)?,
                        received_at: r.get(5)?,
                        appointment: r.get(6)?,
                        status: r.get(7)?,
                        confirmed_at: r.get(8)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await?;
    let calendar = Calendar::vietnam();
    Ok(raw
        .into_iter()
        .map(|r| {
            let appointment_date = r
                .appointment
                .as_deref()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            let status = appointment_date.map(|_| {
                r.status
                    .as_deref()
                    .and_then(Status::parse)
                    .unwrap_or(Status::Received)
            });
            let deadline = appointment_date
                .zip(status)
                .map(|(due, s)| Deadline::of(calendar, s, due, today));
            ReportRow {
                code: r.code,
                procedure: r.procedure,
                title: r.title,
                portal: r.portal,
                local_state: r.local_state,
                received_at: r.received_at,
                appointment_date,
                status,
                confirmed_at: r.confirmed_at,
                deadline,
            }
        })
        .collect())
}

struct RawRow {
    code: String,
    procedure: String,
    title: String,
    portal: String,
    local_state: String,
    received_at: Option<String>,
    appointment: Option<String>,
    status: Option<String>,
    confirmed_at: Option<String>,
}

/// Counts by portal and state, and the overdue and due-soon lists.
pub fn summary(rows: &[ReportRow]) -> Summary {
    let mut out = Summary::default();
    for row in rows {
        let Some(status) = row.status else { continue };
        *out.by_portal_and_status
            .entry((row.portal.clone(), status))
            .or_default() += 1;
        match row.deadline {
            Some(Deadline::Overdue { .. }) => out.overdue.push(row.clone()),
            Some(Deadline::DueSoon { .. }) => out.due_soon.push(row.clone()),
            _ => {}
        }
    }
    out
}

/// The rows as CSV (RFC 4180, UTF-8 with a byte-order mark so that
/// spreadsheet programs read the Vietnamese right), headings in Vietnamese
/// and English.
pub fn csv(rows: &[ReportRow]) -> String {
    let mut out = String::from("\u{feff}");
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
    ];
    line(&mut out, heading.iter().map(|h| h.to_string()));
    for r in rows {
        line(
            &mut out,
            [
                r.code.clone(),
                r.procedure.clone(),
                r.title.clone(),
                r.portal.clone(),
                r.local_state.clone(),
                r.received_at.clone().unwrap_or_default(),
                r.appointment_date
                    .map(|d| d.format("%d/%m/%Y").to_string())
                    .unwrap_or_default(),
                r.status.map(|s| s.label().vi).unwrap_or_default(),
                r.confirmed_at.clone().unwrap_or_default(),
                r.deadline.map(|d| d.label().vi).unwrap_or_default(),
            ]
            .into_iter(),
        );
    }
    out
}

fn line(out: &mut String, fields: impl Iterator<Item = String>) {
    let cells: Vec<String> = fields.map(|f| cell(&f)).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// One CSV cell: quoted when it holds a separator, quote or line break;
/// a leading `=`, `+`, `-` or `@` is neutralised so that a spreadsheet
/// never runs a dossier's text as a formula.
fn cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(cell("Công ty A"), "Công ty A");
        assert_eq!(cell("Hà Nội, Việt Nam"), "\"Hà Nội, Việt Nam\"");
        assert_eq!(cell("nói \"có\""), "\"nói \"\"có\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("-5"), "'-5");
        assert_eq!(cell("hai\ndòng"), "\"hai\ndòng\"");
    }
}
