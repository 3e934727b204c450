//! The `supplements` table: answers to a portal's requests for more, each
//! recorded with its idempotency key before the first byte and kept with
//! its receipt once filed.

use super::Text;
pub(crate) use super::text::SupplementState;
use hoso_core::status::Status;
use rusqlite::{Connection, OptionalExtension, params};

/// A change of a dossier's state at its portal, as kept.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub(crate) cursor: i64,
    /// The state's stored name (a state this version does not know stays
    /// text, so that it is simply not a request for more).
    pub(crate) status: String,
    pub(crate) at: String,
    pub(crate) note: String,
    pub(crate) request: Option<String>,
}

impl Event {
    /// Whether this change asks for a supplement.
    pub(crate) fn asks_for_more(&self) -> bool {
        Status::parse(&self.status) == Some(Status::SupplementRequested)
    }
}

/// The last change of dossier `code` at `portal_id` that no supplement
/// filed from here (for dossier `dossier_id`) answered.
pub(crate) fn last_unanswered(
    conn: &Connection,
    portal_id: i64,
    code: &str,
    dossier_id: i64,
) -> rusqlite::Result<Option<Event>> {
    conn.query_row(
        "SELECT e.cursor, e.status, e.at, e.note, e.request FROM status_events e
         WHERE e.portal_id = ?1 AND e.code = ?2
           AND NOT EXISTS (SELECT 1 FROM supplements s WHERE s.dossier_id = ?3
               AND s.request_cursor = e.cursor AND s.state = ?4)
         ORDER BY e.cursor DESC LIMIT 1",
        params![portal_id, code, dossier_id, Text(SupplementState::Filed)],
        |r| {
            Ok(Event {
                cursor: r.get(0)?,
                status: r.get(1)?,
                at: r.get(2)?,
                note: r.get(3)?,
                request: r.get(4)?,
            })
        },
    )
    .optional()
}

/// The cursor of dossier `code`'s last request for more at `portal_id`,
/// when a supplement filed from here (for `dossier_id`) answered it.
pub(crate) fn last_answered(
    conn: &Connection,
    portal_id: i64,
    code: &str,
    dossier_id: i64,
) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT s.request_cursor FROM supplements s
         WHERE s.dossier_id = ?3 AND s.state = ?4 AND s.request_cursor =
             (SELECT MAX(cursor) FROM status_events WHERE portal_id = ?1 AND code = ?2
                  AND status = ?5)",
        params![
            portal_id,
            code,
            dossier_id,
            Text(SupplementState::Filed),
            Text(Status::SupplementRequested)
        ],
        |r| r.get(0),
    )
    .optional()
}

/// Every supplement of dossier `id` (request cursor, content as JSON,
/// receipt as JSON once filed), oldest first; with `state`, only those in
/// it.
pub(crate) fn of_dossier(
    conn: &Connection,
    id: i64,
    state: Option<SupplementState>,
) -> rusqlite::Result<Vec<(i64, String, Option<String>)>> {
    let mut stmt = conn.prepare(
        "SELECT request_cursor, content, receipt FROM supplements
         WHERE dossier_id = ?1 AND (?2 IS NULL OR state = ?2) ORDER BY id",
    )?;
    stmt.query_map(params![id, state.map(Text)], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?
    .collect()
}

/// The state, content (JSON) and key of the supplement answering request
/// `cursor` of dossier `id`, if one is recorded.
pub(crate) fn answering(
    conn: &Connection,
    id: i64,
    cursor: i64,
) -> rusqlite::Result<Option<(SupplementState, String, String)>> {
    conn.query_row(
        "SELECT state, content, idempotency_key FROM supplements
         WHERE dossier_id = ?1 AND request_cursor = ?2",
        params![id, cursor],
        |r| {
            Ok((
                r.get::<_, Text<SupplementState>>(0)?.0,
                r.get(1)?,
                r.get(2)?,
            ))
        },
    )
    .optional()
}

/// Records a supplement of dossier `id` answering request `cursor`, with
/// `content` (JSON), under `key`, before it is sent.
pub(crate) fn insert_sending(
    conn: &Connection,
    id: i64,
    cursor: i64,
    content: &str,
    key: &str,
    at: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO supplements (dossier_id, request_cursor, content, idempotency_key,
             state, created_at)
         VALUES (?1, ?2, ?3, ?4, ?6, ?5)",
        params![id, cursor, content, key, at, Text(SupplementState::Sending)],
    )?;
    Ok(())
}

/// Forgets the unfiled supplement answering request `cursor` of dossier
/// `id` (the portal refused it: nothing is filed under its key).
pub(crate) fn forget_unfiled(conn: &Connection, id: i64, cursor: i64) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM supplements WHERE dossier_id = ?1 AND request_cursor = ?2
         AND state = ?3",
        params![id, cursor, Text(SupplementState::Sending)],
    )?;
    Ok(())
}

/// Records dossier `id`'s supplement under `key` filed, with its signed
/// `receipt` (JSON).
pub(crate) fn mark_filed(
    conn: &Connection,
    id: i64,
    key: &str,
    receipt: &str,
    at: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE supplements SET state = ?5, receipt = ?3, filed_at = ?4
         WHERE dossier_id = ?1 AND idempotency_key = ?2",
        params![id, key, receipt, at, Text(SupplementState::Filed)],
    )?;
    Ok(())
}

/// Records a supplement filed elsewhere (from a package) for dossier `id`.
pub(crate) fn insert_filed(
    conn: &Connection,
    id: i64,
    cursor: i64,
    content: &str,
    key: &str,
    receipt: &str,
    at: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO supplements (dossier_id, request_cursor, content, idempotency_key,
             state, receipt, created_at, filed_at)
         VALUES (?1, ?2, ?3, ?4, ?7, ?5, ?6, ?6)",
        params![
            id,
            cursor,
            content,
            key,
            receipt,
            at,
            Text(SupplementState::Filed)
        ],
    )?;
    Ok(())
}
