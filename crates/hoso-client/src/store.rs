//! The profile's SQLite database: portals and their pinned keys, cached
//! procedure schemas, the attachment library's index, dossiers, uploads and
//! submissions.
//!
//! Only this crate touches SQLite. One connection behind a mutex, used from
//! blocking threads (`spawn_blocking`) so the async runtime never waits on
//! the disk. WAL with `synchronous=FULL`: a committed change survives a
//! power cut.

use crate::error::ClientError;
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Numbered, forward-only migrations; `PRAGMA user_version` counts those run.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE portals (
    id            INTEGER PRIMARY KEY,
    base_url      TEXT NOT NULL UNIQUE,
    name_vi       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    api_base      TEXT NOT NULL,
    tus_endpoint  TEXT NOT NULL,
    receipt_key   TEXT NOT NULL,
    key_id        TEXT NOT NULL,
    token         TEXT,
    practice      INTEGER NOT NULL DEFAULT 0,
    added_at      TEXT NOT NULL
);
CREATE TABLE procedures (
    portal_id   INTEGER NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    code        TEXT NOT NULL,
    version     TEXT NOT NULL,
    etag        TEXT,
    schema      TEXT NOT NULL,
    fetched_at  TEXT NOT NULL,
    PRIMARY KEY (portal_id, code)
);
CREATE TABLE library (
    sha256       TEXT PRIMARY KEY,
    size         INTEGER NOT NULL,
    name         TEXT NOT NULL,
    imported_at  TEXT NOT NULL
);
CREATE TABLE dossiers (
    id               INTEGER PRIMARY KEY,
    portal_id        INTEGER NOT NULL REFERENCES portals(id),
    procedure_code   TEXT NOT NULL,
    content          TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('draft', 'submitting', 'submitted')),
    idempotency_key  TEXT UNIQUE,
    dossier_code     TEXT,
    receipt          TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE TABLE uploads (
    portal_id     INTEGER NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    sha256        TEXT NOT NULL REFERENCES library(sha256),
    url           TEXT NOT NULL,
    length        INTEGER NOT NULL,
    confirmed     INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (portal_id, sha256)
);
"#];

/// A shared handle on the profile database.
#[derive(Clone, Debug)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (creating and migrating) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, ClientError> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection on a blocking thread.
    pub async fn call<T, F>(&self, f: F) -> Result<T, ClientError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ClientError> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock leaves SQLite consistent (the
            // transaction rolled back), so a poisoned lock is still usable.
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| ClientError::Protocol(format!("database task failed: {e}")))?
    }
}

fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let done: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// The current time in Viet Nam, RFC 3339.
pub fn now() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| unreachable!()))
        .to_rfc3339()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_is_migrated_and_reopening_it_changes_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("hoso.sqlite3");
        drop(Store::open(&path).expect("create"));
        let conn = Connection::open(&path).expect("open");
        let version: usize = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("user_version");
        assert_eq!(version, MIGRATIONS.len());
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .expect("journal_mode");
        assert_eq!(mode, "wal");
        drop(conn);
        drop(Store::open(&path).expect("reopen"));
    }
}
