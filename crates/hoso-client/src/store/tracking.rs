//! Where filed dossiers stand at their portals: every change read from a
//! portal's feed (`status_events`) and how far and when each feed was
//! last read (`status_sync`), with when its receipt key was last checked.

use super::Text;
use hoso_core::status::Status;
use hoso_core::wire::StatusEvent;
use rusqlite::{Connection, OptionalExtension, params};

/// Whether `portal_id` presented another key than the pinned one, and
/// when its key was last checked (RFC 3339), if ever (an error when there
/// is no such portal).
pub(crate) fn key_check(
    conn: &Connection,
    portal_id: i64,
) -> rusqlite::Result<(bool, Option<String>)> {
    conn.query_row(
        "SELECT p.key_changed IS NOT NULL, s.key_checked_at FROM portals p
         LEFT JOIN status_sync s ON s.portal_id = p.id WHERE p.id = ?1",
        params![portal_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// Records that `portal_id`'s key was checked at `at`.
pub(crate) fn key_checked(conn: &Connection, portal_id: i64, at: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO status_sync (portal_id, key_checked_at) VALUES (?1, ?2)
         ON CONFLICT (portal_id) DO UPDATE SET key_checked_at = excluded.key_checked_at",
        params![portal_id, at],
    )?;
    Ok(())
}

/// The cursor and ETag `portal_id`'s feed was last read at (0 and none
/// before the first read).
pub(crate) fn feed_position(
    conn: &Connection,
    portal_id: i64,
) -> rusqlite::Result<(i64, Option<String>)> {
    Ok(conn
        .query_row(
            "SELECT cursor, etag FROM status_sync WHERE portal_id = ?1",
            params![portal_id],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?)),
        )
        .optional()?
        .unwrap_or((0, None)))
}

/// Keeps event `e` of `portal_id`'s feed, at `cursor`, for dossier
/// `code`, unless it is known already; whether it was new.
pub(crate) fn add_event(
    conn: &Connection,
    portal_id: i64,
    cursor: i64,
    code: &str,
    e: &StatusEvent,
) -> rusqlite::Result<bool> {
    let added = conn.execute(
        "INSERT OR IGNORE INTO status_events
             (portal_id, cursor, code, status, at, actor, note, request)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            portal_id,
            cursor,
            code,
            Text(e.status),
            e.at,
            e.actor,
            e.note,
            e.request
        ],
    )?;
    Ok(added > 0)
}

/// Records that `portal_id`'s feed answered at `at`, read up to `cursor`
/// (with `etag`), and forgets the last failure.
pub(crate) fn confirmed(
    conn: &Connection,
    portal_id: i64,
    cursor: i64,
    etag: Option<&str>,
    at: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO status_sync (portal_id, cursor, etag, confirmed_at, last_error)
         VALUES (?1, ?2, ?3, ?4, NULL)
         ON CONFLICT (portal_id) DO UPDATE SET cursor = excluded.cursor,
             etag = excluded.etag, confirmed_at = excluded.confirmed_at, last_error = NULL",
        params![portal_id, cursor, etag, at],
    )?;
    Ok(())
}

/// Records why the last sync with `portal_id` failed.
pub(crate) fn failed(conn: &Connection, portal_id: i64, why: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO status_sync (portal_id, last_error) VALUES (?1, ?2)
         ON CONFLICT (portal_id) DO UPDATE SET last_error = excluded.last_error",
        params![portal_id, why],
    )?;
    Ok(())
}

/// When `portal_id`'s feed last answered and why its last sync failed;
/// `None` before any sync.
pub(crate) fn sync_outcome(
    conn: &Connection,
    portal_id: i64,
) -> rusqlite::Result<Option<(Option<String>, Option<String>)>> {
    conn.query_row(
        "SELECT confirmed_at, last_error FROM status_sync WHERE portal_id = ?1",
        params![portal_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// Every change of dossier `code` at `portal_id` known here, oldest first.
pub(crate) fn history(
    conn: &Connection,
    portal_id: i64,
    code: &str,
) -> rusqlite::Result<Vec<StatusEvent>> {
    let mut stmt = conn.prepare(
        "SELECT cursor, code, status, at, actor, note, request FROM status_events
         WHERE portal_id = ?1 AND code = ?2 ORDER BY cursor",
    )?;
    stmt.query_map(params![portal_id, code], |r| {
        let code: String = r.get(1)?;
        Ok(StatusEvent {
            cursor: r.get::<_, i64>(0)?.max(0) as u64,
            code: code.parse().map_err(|e: hoso_core::codes::CodeError| {
                rusqlite::Error::FromSqlConversionFailure(
                    1,
                    rusqlite::types::Type::Text,
                    e.to_string().into(),
                )
            })?,
            status: r.get::<_, Text<Status>>(2)?.0,
            at: r.get(3)?,
            actor: r.get(4)?,
            note: r.get(5)?,
            request: r.get(6)?,
        })
    })?
    .collect()
}
