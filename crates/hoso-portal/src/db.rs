//! The portal's metadata in SQLite: applicants, uploads, dossiers and
//! idempotency keys. Upload bytes live in [`crate::storage`], not here.
//!
//! One connection behind a mutex, used only from blocking threads
//! (`spawn_blocking`), so the async runtime never waits on SQLite.

use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Numbered, forward-only migrations; `PRAGMA user_version` records how
/// many have run.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE applicants (
    id            INTEGER PRIMARY KEY,
    account       TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TABLE tokens (
    token_sha256  TEXT PRIMARY KEY,
    applicant_id  INTEGER NOT NULL REFERENCES applicants(id),
    created_at    TEXT NOT NULL
);
CREATE TABLE uploads (
    id            TEXT PRIMARY KEY,
    applicant_id  INTEGER NOT NULL REFERENCES applicants(id),
    length        INTEGER NOT NULL,
    offset_bytes  INTEGER NOT NULL DEFAULT 0,
    metadata      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    completed_at  TEXT,
    sha256        TEXT
);
CREATE TABLE dossiers (
    code              TEXT PRIMARY KEY,
    applicant_id      INTEGER NOT NULL REFERENCES applicants(id),
    procedure_code    TEXT NOT NULL,
    procedure_version TEXT NOT NULL,
    manifest_sha256   TEXT NOT NULL,
    content           TEXT NOT NULL,
    receipt           TEXT NOT NULL,
    received_at       TEXT NOT NULL,
    status            TEXT NOT NULL
);
CREATE INDEX dossiers_by_manifest ON dossiers(applicant_id, manifest_sha256);
CREATE TABLE dossier_documents (
    dossier_code  TEXT NOT NULL REFERENCES dossiers(code),
    position      INTEGER NOT NULL,
    slot          TEXT NOT NULL,
    name          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    upload_id     TEXT NOT NULL REFERENCES uploads(id),
    PRIMARY KEY (dossier_code, position)
);
CREATE TABLE idempotency_keys (
    applicant_id    INTEGER NOT NULL REFERENCES applicants(id),
    key             TEXT NOT NULL,
    request_sha256  TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('processing', 'done')),
    dossier_code    TEXT REFERENCES dossiers(code),
    response        TEXT,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    PRIMARY KEY (applicant_id, key)
);
CREATE TABLE daily_sequence (
    day   TEXT PRIMARY KEY,
    last  INTEGER NOT NULL
);
"#,
    r#"
CREATE TABLE officers (
    id            INTEGER PRIMARY KEY,
    account       TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TABLE officer_tokens (
    token_sha256  TEXT PRIMARY KEY,
    officer_id    INTEGER NOT NULL REFERENCES officers(id),
    created_at    TEXT NOT NULL
);
CREATE TABLE status_events (
    cursor        INTEGER PRIMARY KEY AUTOINCREMENT,
    dossier_code  TEXT NOT NULL REFERENCES dossiers(code),
    status        TEXT NOT NULL,
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    request       TEXT
);
CREATE INDEX status_events_by_dossier ON status_events(dossier_code, cursor);
ALTER TABLE dossiers ADD COLUMN lookup_pin TEXT NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN appointment_date TEXT NOT NULL DEFAULT '';
UPDATE dossiers SET
    lookup_pin = json_extract(receipt, '$.receipt.lookup_pin'),
    appointment_date = json_extract(receipt, '$.receipt.appointment_date');
INSERT INTO status_events (dossier_code, status, at, actor)
    SELECT code, status, received_at, 'portal' FROM dossiers ORDER BY received_at, code;
CREATE TABLE lookup_failures (
    dossier_code  TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    first_at      TEXT NOT NULL
);
"#,
    r#"
CREATE TABLE supplements (
    id            INTEGER PRIMARY KEY,
    dossier_code  TEXT NOT NULL REFERENCES dossiers(code),
    number        INTEGER NOT NULL,
    answer        TEXT NOT NULL,
    receipt       TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    UNIQUE (dossier_code, number)
);
CREATE TABLE supplement_documents (
    supplement_id INTEGER NOT NULL REFERENCES supplements(id),
    position      INTEGER NOT NULL,
    slot          TEXT NOT NULL,
    name          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    upload_id     TEXT NOT NULL,
    PRIMARY KEY (supplement_id, position)
);
"#,
];

/// A shared handle on the portal database.
#[derive(Clone, Debug)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
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

    /// Runs `f` on a blocking thread with the connection.
    pub async fn call<T, F>(&self, f: F) -> Result<T, crate::error::ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, crate::error::ApiError> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock poisons it; the connection
            // itself is still consistent (SQLite rolled back), so go on.
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| crate::error::ApiError::internal(format!("database task: {e}")))?
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

/// An applicant known to the portal.
#[derive(Debug, Clone)]
pub struct ApplicantRow {
    /// Row id.
    pub id: i64,
    /// Account name.
    pub account: String,
}

/// Who a token is issued to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Files dossiers and follows their own.
    Applicant,
    /// Moves dossiers through their states.
    Officer,
}

impl Role {
    /// Its accounts table, tokens table, and the tokens' owner column.
    fn tables(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Role::Applicant => ("applicants", "tokens", "applicant_id"),
            Role::Officer => ("officers", "officer_tokens", "officer_id"),
        }
    }
}

/// Finds the account of `role` a bearer token belongs to: an applicant's
/// token never matches an officer, nor an officer's an applicant.
pub fn account_by_token(
    conn: &Connection,
    role: Role,
    token_sha256: &str,
) -> rusqlite::Result<Option<ApplicantRow>> {
    let (accounts, tokens, owner) = role.tables();
    conn.query_row(
        &format!(
            "SELECT a.id, a.account FROM {tokens} t JOIN {accounts} a ON a.id = t.{owner}
             WHERE t.token_sha256 = ?1"
        ),
        params![token_sha256],
        |r| {
            Ok(ApplicantRow {
                id: r.get(0)?,
                account: r.get(1)?,
            })
        },
    )
    .optional()
}

/// Creates the account if new and records a token for it.
pub fn add_token(
    conn: &mut Connection,
    role: Role,
    account: &str,
    display_name: &str,
    token_sha256: &str,
    now: &str,
) -> rusqlite::Result<()> {
    let (accounts, tokens, owner) = role.tables();
    let tx = conn.transaction()?;
    tx.execute(
        &format!(
            "INSERT INTO {accounts} (account, display_name, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(account) DO NOTHING"
        ),
        params![account, display_name, now],
    )?;
    tx.execute(
        &format!(
            "INSERT INTO {tokens} (token_sha256, {owner}, created_at)
             SELECT ?1, id, ?3 FROM {accounts} WHERE account = ?2"
        ),
        params![token_sha256, account, now],
    )?;
    tx.commit()
}

/// An upload's bookkeeping.
#[derive(Debug, Clone)]
pub struct UploadRow {
    /// Owner.
    pub applicant_id: i64,
    /// Declared total size.
    pub length: u64,
    /// Bytes confirmed.
    pub offset: u64,
    /// The `Upload-Metadata` header as received.
    pub metadata: String,
    /// RFC 3339 time after which an unfinished upload may be removed.
    pub expires_at: String,
    /// SHA-256 of the whole file, once complete.
    pub sha256: Option<String>,
}

/// Reads one upload.
pub fn upload(conn: &Connection, id: &str) -> rusqlite::Result<Option<UploadRow>> {
    conn.query_row(
        "SELECT applicant_id, length, offset_bytes, metadata, expires_at, sha256 FROM uploads WHERE id = ?1",
        params![id],
        |r| {
            Ok(UploadRow {
                applicant_id: r.get(0)?,
                length: r.get(1)?,
                offset: r.get(2)?,
                metadata: r.get(3)?,
                expires_at: r.get(4)?,
                sha256: r.get(5)?,
            })
        },
    )
    .optional()
}

/// Records a new, empty upload.
pub fn insert_upload(
    conn: &Connection,
    id: &str,
    applicant: i64,
    length: u64,
    metadata: &str,
    created_at: &str,
    expires_at: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO uploads (id, applicant_id, length, offset_bytes, metadata, created_at, expires_at)
         VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6)",
        params![id, applicant, length, metadata, created_at, expires_at],
    )?;
    Ok(())
}

/// Records that bytes up to `offset` are durable, unless more already are
/// (a checkpoint inside a request).
pub fn raise_offset(conn: &Connection, id: &str, offset: u64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE uploads SET offset_bytes = ?2 WHERE id = ?1 AND offset_bytes < ?2",
        params![id, offset],
    )?;
    Ok(())
}

/// Puts an upload back to `offset` (a refused chunk's checkpoints undone).
pub fn reset_offset(conn: &Connection, id: &str, offset: u64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE uploads SET offset_bytes = ?2 WHERE id = ?1",
        params![id, offset],
    )?;
    Ok(())
}

/// Records the offset a request ended at, and the whole file's hash and
/// the time when that completes it.
pub fn confirm_offset(
    conn: &Connection,
    id: &str,
    offset: u64,
    sha256: Option<&str>,
    now: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE uploads SET offset_bytes = ?2,
            completed_at = CASE WHEN ?3 IS NULL THEN NULL ELSE ?4 END, sha256 = ?3
         WHERE id = ?1",
        params![id, offset, sha256, now],
    )?;
    Ok(())
}

/// Removes an upload's row unless a filed dossier names it; true when
/// removed.
pub fn delete_upload_unless_filed(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    let used: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM dossier_documents WHERE upload_id = ?1)",
        params![id],
        |r| r.get(0),
    )?;
    if !used {
        conn.execute("DELETE FROM uploads WHERE id = ?1", params![id])?;
    }
    Ok(!used)
}

/// Allocates the next dossier sequence number of a day.
pub fn next_sequence(tx: &rusqlite::Transaction<'_>, day: &str) -> rusqlite::Result<u32> {
    tx.query_row(
        "INSERT INTO daily_sequence (day, last) VALUES (?1, 1)
         ON CONFLICT(day) DO UPDATE SET last = last + 1 RETURNING last",
        params![day],
        |r| r.get(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_of_the_first_version_gains_histories_and_pins() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("portal.sqlite3");
        {
            let conn = Connection::open(&path).expect("open");
            conn.execute_batch(MIGRATIONS[0]).expect("first version");
            conn.pragma_update(None, "user_version", 1)
                .expect("version");
            conn.execute_batch(
                r#"INSERT INTO applicants VALUES (1, 'cty-cu', 'Công ty Cũ', '2026-07-01T08:00:00+07:00');
                   INSERT INTO dossiers VALUES ('HOSO.PRACTICE-20260701-0001', 1, 'thong-bao-thu', '1',
                     'ab', '{}', '{"receipt": {"lookup_pin": "K7QX", "appointment_date": "2026-07-03"}, "signature": "x"}',
                     '2026-07-01T09:00:00+07:00', 'received');"#,
            )
            .expect("old rows");
        }
        let db = Db::open(&path).expect("upgrade");
        let conn = db.conn.lock().expect("lock");
        let version: usize = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(version, MIGRATIONS.len());
        let (pin, date): (String, String) = conn
            .query_row(
                "SELECT lookup_pin, appointment_date FROM dossiers",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("row");
        assert_eq!((pin.as_str(), date.as_str()), ("K7QX", "2026-07-03"));
        let status = crate::tracking::dossier_status(&conn, "HOSO.PRACTICE-20260701-0001", Some(1))
            .expect("status")
            .expect("found");
        assert_eq!(status.history.len(), 1);
        assert_eq!(status.history[0].actor, "portal");
        assert_eq!(status.history[0].at, "2026-07-01T09:00:00+07:00");
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("check");
        assert_eq!(integrity, "ok");
    }
}
