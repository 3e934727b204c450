//! The tus engine's ledger (`tus_uploads`): each upload's URL and the
//! offset its server confirmed, by endpoint and content hash, so the same
//! document goes to a server once and an interrupted upload resumes.

use super::{Store, now};
use crate::tus::ledger::{LedgerFuture, UploadKey, UploadLedger};
use rusqlite::{Connection, OptionalExtension, params};

/// The URL of the upload of `sha256` (hex) to `endpoint`, if recorded.
pub(crate) fn url(
    conn: &Connection,
    endpoint: &str,
    sha256: &str,
) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT url FROM tus_uploads WHERE endpoint = ?1 AND sha256 = ?2",
        params![endpoint, sha256],
        |r| r.get(0),
    )
    .optional()
}

/// Records the upload of `sha256` to `endpoint` at `url`, nothing
/// confirmed yet.
pub(crate) fn created(
    conn: &Connection,
    endpoint: &str,
    sha256: &str,
    url: &str,
    length: u64,
    at: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO tus_uploads (endpoint, sha256, url, length, confirmed, created_at)
         VALUES (?1, ?2, ?3, ?4, 0, ?5)
         ON CONFLICT(endpoint, sha256) DO UPDATE SET url = ?3, confirmed = 0, created_at = ?5",
        params![endpoint, sha256, url, length, at],
    )?;
    Ok(())
}

/// Records the offset the server confirmed.
pub(crate) fn confirmed(
    conn: &Connection,
    endpoint: &str,
    sha256: &str,
    offset: u64,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE tus_uploads SET confirmed = ?3 WHERE endpoint = ?1 AND sha256 = ?2",
        params![endpoint, sha256, offset],
    )?;
    Ok(())
}

/// Forgets the upload of `sha256` to `endpoint`.
pub(crate) fn forget(conn: &Connection, endpoint: &str, sha256: &str) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM tus_uploads WHERE endpoint = ?1 AND sha256 = ?2",
        params![endpoint, sha256],
    )?;
    Ok(())
}

impl UploadLedger for Store {
    fn url(&self, key: UploadKey) -> LedgerFuture<'_, Option<String>> {
        Box::pin(self.call(move |conn| Ok(url(conn, &key.endpoint, &key.sha256.to_hex())?)))
    }

    fn created(&self, key: UploadKey, at_url: String, length: u64) -> LedgerFuture<'_, ()> {
        Box::pin(self.call(move |conn| {
            Ok(created(
                conn,
                &key.endpoint,
                &key.sha256.to_hex(),
                &at_url,
                length,
                &now(),
            )?)
        }))
    }

    fn confirmed(&self, key: UploadKey, offset: u64) -> LedgerFuture<'_, ()> {
        Box::pin(self.call(move |conn| {
            Ok(confirmed(
                conn,
                &key.endpoint,
                &key.sha256.to_hex(),
                offset,
            )?)
        }))
    }

    fn forget(&self, key: UploadKey) -> LedgerFuture<'_, ()> {
        Box::pin(self.call(move |conn| Ok(forget(conn, &key.endpoint, &key.sha256.to_hex())?)))
    }
}
