//! The `portals` table (addresses, pinned receipt keys, tokens) and the
//! procedure schemas cached for each (`procedures`, `procedure_versions`).

use crate::portal::PortalRecord;
use hoso_core::Bilingual;
use hoso_core::receipt::PortalKey;
use rusqlite::{Connection, OptionalExtension, params};

const SELECT: &str = "SELECT id, base_url, name_vi, name_en, api_base, tus_endpoint, receipt_key, token, practice, key_changed FROM portals";

fn read_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<PortalRecord> {
    let key_b64: String = r.get(6)?;
    let key = PortalKey::from_base64(&key_b64).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(PortalRecord {
        id: r.get(0)?,
        base_url: r.get(1)?,
        name: Bilingual::new(r.get::<_, String>(2)?, r.get::<_, String>(3)?),
        api_base: r.get(4)?,
        tus_endpoint: r.get(5)?,
        key,
        token: r.get(7)?,
        practice: r.get(8)?,
        key_changed: r.get(9)?,
    })
}

/// The id and pinned key id of the practice portal, if there is one.
pub(crate) fn practice(conn: &Connection) -> rusqlite::Result<Option<(i64, String)>> {
    conn.query_row(
        "SELECT id, key_id FROM portals WHERE practice = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// The id and pinned key id of the portal at `base_url`, if known.
pub(crate) fn by_url(conn: &Connection, base_url: &str) -> rusqlite::Result<Option<(i64, String)>> {
    conn.query_row(
        "SELECT id, key_id FROM portals WHERE base_url = ?1",
        params![base_url],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// What discovery says of a portal, as kept.
#[derive(Debug)]
pub(crate) struct Discovered<'a> {
    pub(crate) base_url: &'a str,
    pub(crate) name: &'a Bilingual,
    pub(crate) api_base: &'a str,
    pub(crate) tus_endpoint: &'a str,
    /// A token to keep (`None` keeps the one kept before).
    pub(crate) token: Option<&'a str>,
}

/// Refreshes portal `id` with what discovery says now (never its key).
pub(crate) fn refresh(conn: &Connection, id: i64, d: &Discovered<'_>) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE portals SET base_url = ?2, name_vi = ?3, name_en = ?4, api_base = ?5,
            tus_endpoint = ?6, token = COALESCE(?7, token) WHERE id = ?1",
        params![
            id,
            d.base_url,
            d.name.vi,
            d.name.en,
            d.api_base,
            d.tus_endpoint,
            d.token
        ],
    )?;
    Ok(())
}

/// Records a new portal, pinning `key` (whose fingerprint is `key_id`);
/// its id.
pub(crate) fn insert(
    conn: &Connection,
    d: &Discovered<'_>,
    key: &PortalKey,
    key_id: &str,
    practice: bool,
    at: &str,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO portals (base_url, name_vi, name_en, api_base, tus_endpoint,
            receipt_key, key_id, token, practice, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            d.base_url,
            d.name.vi,
            d.name.en,
            d.api_base,
            d.tus_endpoint,
            key.to_base64(),
            key_id,
            d.token,
            practice,
            at
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Portal `id` (an error when there is none).
pub(crate) fn get(conn: &Connection, id: i64) -> rusqlite::Result<PortalRecord> {
    conn.query_row(&format!("{SELECT} WHERE id = ?1"), params![id], read_record)
}

/// The portal dossier `id` was made for (an error when there is none).
pub(crate) fn of_dossier(conn: &Connection, id: i64) -> rusqlite::Result<PortalRecord> {
    conn.query_row(
        &format!("{SELECT} WHERE id = (SELECT portal_id FROM dossiers WHERE id = ?1)"),
        params![id],
        read_record,
    )
}

/// Every portal, the practice portal first.
pub(crate) fn list(conn: &Connection) -> rusqlite::Result<Vec<PortalRecord>> {
    let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY practice DESC, id"))?;
    stmt.query_map([], read_record)?.collect()
}

/// Keeps `token` for portal `id`; how many rows changed.
pub(crate) fn set_token(conn: &Connection, id: i64, token: &str) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE portals SET token = ?2 WHERE id = ?1",
        params![id, token],
    )
}

/// Whether portal `id` is the practice portal; `None` when there is no
/// such portal.
pub(crate) fn is_practice(conn: &Connection, id: i64) -> rusqlite::Result<Option<bool>> {
    conn.query_row(
        "SELECT practice FROM portals WHERE id = ?1",
        params![id],
        |r| r.get(0),
    )
    .optional()
}

/// Forgets portal `id` (its cached procedures and sync state go with it).
pub(crate) fn delete(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM portals WHERE id = ?1", params![id])?;
    Ok(())
}

/// Marks portal `id` as presenting another receipt key than the pinned
/// one (its fingerprint), or (`None`) as presenting the pinned one.
pub(crate) fn set_key_changed(
    conn: &Connection,
    id: i64,
    presented: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE portals SET key_changed = ?2 WHERE id = ?1",
        params![id, presented],
    )?;
    Ok(())
}

/// Every cached procedure schema (JSON) of `portal_id`, by code.
pub(crate) fn schemas(conn: &Connection, portal_id: i64) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        conn.prepare("SELECT schema FROM procedures WHERE portal_id = ?1 ORDER BY code")?;
    stmt.query_map(params![portal_id], |r| r.get(0))?.collect()
}

/// The cached schema (JSON) of procedure `code`: the current one, or the
/// given `version` of those seen.
pub(crate) fn schema(
    conn: &Connection,
    portal_id: i64,
    code: &str,
    version: Option<&str>,
) -> rusqlite::Result<Option<String>> {
    match version {
        None => conn.query_row(
            "SELECT schema FROM procedures WHERE portal_id = ?1 AND code = ?2",
            params![portal_id, code],
            |r| r.get(0),
        ),
        Some(v) => conn.query_row(
            "SELECT schema FROM procedure_versions WHERE portal_id = ?1 AND code = ?2 AND version = ?3",
            params![portal_id, code, v],
            |r| r.get(0),
        ),
    }
    .optional()
}

/// The ETag of the cached schema of procedure `code`, if any.
pub(crate) fn schema_etag(
    conn: &Connection,
    portal_id: i64,
    code: &str,
) -> rusqlite::Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT etag FROM procedures WHERE portal_id = ?1 AND code = ?2",
            params![portal_id, code],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// Keeps `schema` (JSON) as procedure `code`'s current one, and among the
/// versions seen (every version is kept, so a dossier written against an
/// older one can be told what changed).
pub(crate) fn keep_schema(
    conn: &Connection,
    portal_id: i64,
    code: &str,
    version: &str,
    etag: Option<&str>,
    schema: &str,
    at: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO procedures (portal_id, code, version, etag, schema, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(portal_id, code) DO UPDATE SET version = ?3, etag = ?4, schema = ?5, fetched_at = ?6",
        params![portal_id, code, version, etag, schema, at],
    )?;
    conn.execute(
        "INSERT INTO procedure_versions (portal_id, code, version, schema, first_seen)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(portal_id, code, version) DO NOTHING",
        params![portal_id, code, version, schema, at],
    )?;
    Ok(())
}
