//! Documents portals issued for filed dossiers (`dossier_documents`): the
//! latest of each kind per dossier, as the JSON received (the applicant's
//! rating as the portal kept it among them, kind `rating`); and the
//! receipt keys each portal retired and still publishes (`retired_keys`).

use hoso_core::wire::PublishedKey;
use rusqlite::{Connection, OptionalExtension, params};

/// A document to keep: which dossier, what kind, where it came from, and
/// the JSON received.
pub(crate) struct Incoming<'a> {
    /// The dossier's code.
    pub code: &'a str,
    /// Its kind, as the feed names it (`payment_request`, `fee_receipt`…).
    pub kind: &'a str,
    /// Its cursor in the feed; none when fetched on demand.
    pub cursor: Option<i64>,
    /// When the portal issued it, when known.
    pub at: Option<&'a str>,
    /// The JSON received.
    pub body: &'a str,
}

/// Keeps `d` for its dossier at `portal_id`, unless a later one of that kind is kept already: one from
/// the feed (`cursor`) replaces one read at an earlier cursor or fetched
/// on demand; one fetched on demand (no cursor) is the portal's answer of
/// now and replaces any. Whether it was kept.
pub(crate) fn keep(
    conn: &Connection,
    portal_id: i64,
    d: &Incoming<'_>,
    received_at: &str,
) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "INSERT INTO dossier_documents (portal_id, code, kind, cursor, at, body, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (portal_id, code, kind) DO UPDATE SET cursor = excluded.cursor,
             at = excluded.at, body = excluded.body, received_at = excluded.received_at
         WHERE excluded.cursor IS NULL OR dossier_documents.cursor IS NULL
             OR excluded.cursor > dossier_documents.cursor
             OR (excluded.cursor = dossier_documents.cursor AND excluded.body <> dossier_documents.body)",
        params![portal_id, d.code, d.kind, d.cursor, d.at, d.body, received_at],
    )?;
    Ok(changed > 0)
}

/// The document of `kind` kept for dossier `code` at `portal_id`, as
/// received.
pub(crate) fn body(
    conn: &Connection,
    portal_id: i64,
    code: &str,
    kind: &str,
) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT body FROM dossier_documents WHERE portal_id = ?1 AND code = ?2 AND kind = ?3",
        params![portal_id, code, kind],
        |r| r.get(0),
    )
    .optional()
}

/// Replaces the receipt keys `portal_id` retired with `keys`, as its
/// discovery publishes them now.
pub(crate) fn set_retired_keys(
    conn: &Connection,
    portal_id: i64,
    keys: &[PublishedKey],
) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM retired_keys WHERE portal_id = ?1",
        params![portal_id],
    )?;
    for k in keys {
        conn.execute(
            "INSERT OR REPLACE INTO retired_keys (portal_id, key_id, key, retired_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![portal_id, k.key_id, k.key, k.retired_at],
        )?;
    }
    Ok(())
}

/// The receipt keys `portal_id` retired, as last published.
pub(crate) fn retired_keys(
    conn: &Connection,
    portal_id: i64,
) -> rusqlite::Result<Vec<PublishedKey>> {
    let mut stmt = conn.prepare(
        "SELECT key, key_id, retired_at FROM retired_keys WHERE portal_id = ?1 ORDER BY key_id",
    )?;
    stmt.query_map(params![portal_id], |r| {
        Ok(PublishedKey {
            key: r.get(0)?,
            key_id: r.get(1)?,
            retired_at: r.get(2)?,
        })
    })?
    .collect()
}
