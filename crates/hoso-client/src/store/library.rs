//! The attachment library's index (`library`): each document once by its
//! SHA-256, with its name, size and validity; and which dossiers use it.

use hoso_core::Usage;
use rusqlite::{Connection, OptionalExtension, params};

/// A library document as indexed.
#[derive(Debug, Clone)]
pub(crate) struct Indexed {
    /// Its SHA-256 (hex).
    pub(crate) sha256: String,
    pub(crate) size: u64,
    pub(crate) name: String,
    /// When it was imported (RFC 3339).
    pub(crate) imported_at: String,
    /// Its last valid day (`YYYY-MM-DD`), if known.
    pub(crate) valid_until: Option<String>,
}

/// Indexes a document (nothing when its content is indexed already).
pub(crate) fn insert(
    conn: &Connection,
    sha256: &str,
    size: u64,
    name: &str,
    original_name: &str,
    at: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO library (sha256, size, name, original_name, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(sha256) DO NOTHING",
        params![sha256, size, name, original_name, at],
    )?;
    Ok(())
}

/// Every document, newest first.
pub(crate) fn all(conn: &Connection) -> rusqlite::Result<Vec<Indexed>> {
    let mut stmt = conn.prepare(
        "SELECT sha256, size, name, imported_at, valid_until FROM library
         ORDER BY imported_at DESC",
    )?;
    stmt.query_map([], |r| {
        Ok(Indexed {
            sha256: r.get(0)?,
            size: r.get(1)?,
            name: r.get(2)?,
            imported_at: r.get(3)?,
            valid_until: r.get(4)?,
        })
    })?
    .collect()
}

/// The dossiers (not deleted) that attach the document `sha256`, with the
/// slot of each.
pub(crate) fn uses(conn: &Connection, sha256: &str) -> rusqlite::Result<Vec<Usage>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.title, json_extract(j.value, '$.slot')
         FROM dossiers d, json_each(d.content, '$.documents') j
         WHERE d.deleted_at IS NULL AND json_extract(j.value, '$.sha256') = ?1
         ORDER BY d.id",
    )?;
    stmt.query_map(params![sha256], |r| {
        Ok(Usage {
            dossier: r.get(0)?,
            title: r.get(1)?,
            slot: r.get(2)?,
        })
    })?
    .collect()
}

/// Records (or forgets) the last valid day (`YYYY-MM-DD`) of `sha256`; how
/// many rows changed.
pub(crate) fn set_valid_until(
    conn: &Connection,
    sha256: &str,
    valid_until: Option<&str>,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE library SET valid_until = ?2 WHERE sha256 = ?1",
        params![sha256, valid_until],
    )
}

/// Of the documents `wanted` (hex), those with a last valid day, with it.
pub(crate) fn valid_until(
    conn: &Connection,
    wanted: &[String],
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT sha256, valid_until FROM library
         WHERE sha256 = ?1 AND valid_until IS NOT NULL",
    )?;
    let mut out = Vec::new();
    for sha in wanted {
        let found = stmt
            .query_row(params![sha], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        out.extend(found);
    }
    Ok(out)
}

/// Removes from the index the documents imported before `before` (RFC
/// 3339) that no dossier attaches and no upload remembers; their hashes.
pub(crate) fn remove_unused(conn: &Connection, before: &str) -> rusqlite::Result<Vec<String>> {
    let shas = {
        let mut stmt = conn.prepare(
            "SELECT sha256 FROM library l
             WHERE imported_at < ?1
               AND NOT EXISTS (SELECT 1 FROM dossiers d, json_each(d.content, '$.documents') j
                               WHERE json_extract(j.value, '$.sha256') = l.sha256)
               AND NOT EXISTS (SELECT 1 FROM tus_uploads u WHERE u.sha256 = l.sha256)",
        )?;
        stmt.query_map(params![before], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?
    };
    for sha in &shas {
        conn.execute("DELETE FROM library WHERE sha256 = ?1", params![sha])?;
    }
    Ok(shas)
}

/// The size and name of the document `sha256`, if indexed.
pub(crate) fn entry(conn: &Connection, sha256: &str) -> rusqlite::Result<Option<(u64, String)>> {
    conn.query_row(
        "SELECT size, name FROM library WHERE sha256 = ?1",
        params![sha256],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}
