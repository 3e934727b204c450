//! The report's one query: every dossier with its portal's name, its
//! receipt's time, its standing and its fee (`dossiers`, `portals`,
//! `status_events`, `status_sync`, `supplements`, `dossier_documents`).

use super::Text;
use super::dossiers::standing_columns;
use crate::report::{FeeStanding, ReportRow};
use crate::workspace::standing;
use rusqlite::Connection;

/// Every dossier not deleted as reported on `today`, most recently changed
/// first.
pub(crate) fn rows(
    conn: &Connection,
    today: chrono::NaiveDate,
) -> rusqlite::Result<Vec<ReportRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT dossiers.id, COALESCE(dossiers.dossier_code, ''), dossiers.procedure_code,
                dossiers.title, p.name_vi, dossiers.state,
                json_extract(dossiers.receipt, '$.receipt.received_at'),
                {},
                (SELECT d.body FROM dossier_documents d WHERE d.portal_id = dossiers.portal_id
                     AND d.code = dossiers.dossier_code AND d.kind = '{}'),
                (SELECT json_extract(d.body, '$.document.amount_vnd') FROM dossier_documents d
                     WHERE d.portal_id = dossiers.portal_id
                     AND d.code = dossiers.dossier_code AND d.kind = '{}')
         FROM dossiers JOIN portals p ON p.id = dossiers.portal_id
         WHERE dossiers.deleted_at IS NULL
         ORDER BY dossiers.updated_at DESC, dossiers.id DESC",
        standing_columns(),
        crate::fees::PAYMENT_REQUEST,
        crate::fees::REFUND_NOTICE,
    ))?;
    let bad = |i: usize, e: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
    };
    stmt.query_map([], |r| {
        let procedure: String = r.get(2)?;
        let received: Option<String> = r.get(6)?;
        let request: Option<String> = r.get(10)?;
        let refunded: Option<i64> = r.get(11)?;
        let fee = request
            .map(|body| serde_json::from_str::<hoso_core::payment::PaymentRequest>(&body))
            .transpose()
            .map_err(|e| bad(10, e.to_string()))?
            .map(|request| {
                FeeStanding::of(
                    &request,
                    refunded.and_then(|v| u64::try_from(v).ok()).unwrap_or(0),
                )
            });
        Ok(ReportRow {
            id: r.get(0)?,
            code: r.get(1)?,
            procedure: procedure
                .parse()
                .map_err(|e: hoso_core::codes::CodeError| bad(2, e.to_string()))?,
            title: r.get(3)?,
            portal: r.get(4)?,
            local_state: r.get::<_, Text<hoso_core::DossierState>>(5)?.0,
            received_at: received
                .map(|t| chrono::DateTime::parse_from_rfc3339(&t))
                .transpose()
                .map_err(|e| bad(6, e.to_string()))?,
            tracking: standing(r.get(7)?, r.get(8)?, r.get(9)?, today),
            fee,
        })
    })?
    .collect()
}
