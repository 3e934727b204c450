//! The report's one query: every dossier with its portal's name, its
//! receipt's time and its standing (`dossiers`, `portals`,
//! `status_events`, `status_sync`, `supplements`).

use super::dossiers::standing_columns;
use crate::report::ReportRow;
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
                {}
         FROM dossiers JOIN portals p ON p.id = dossiers.portal_id
         WHERE dossiers.deleted_at IS NULL
         ORDER BY dossiers.updated_at DESC, dossiers.id DESC",
        standing_columns()
    ))?;
    stmt.query_map([], |r| {
        Ok(ReportRow {
            id: r.get(0)?,
            code: r.get(1)?,
            procedure: r.get(2)?,
            title: r.get(3)?,
            portal: r.get(4)?,
            local_state: r.get(5)?,
            received_at: r.get(6)?,
            tracking: standing(r.get(7)?, r.get(8)?, r.get(9)?, today),
        })
    })?
    .collect()
}
