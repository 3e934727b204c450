//! The portal's metadata in SQLite: applicants, uploads, dossiers and
//! idempotency keys. Upload bytes live in [`crate::storage`], not here.
//!
//! SQLite on threads of its own ([`Db`]): the async runtime never waits
//! on it, and body writing on the blocking pool never keeps it waiting.

use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

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
    // Quotas count what is not filed; complete uploads nobody filed expire
    // like unfinished ones (a week from now for those already there);
    // lookups are limited per client address, not per dossier; uploads
    // may be partial or final (concatenation) and of a length given later.
    r#"
ALTER TABLE uploads ADD COLUMN filed INTEGER NOT NULL DEFAULT 0;
UPDATE uploads SET filed = 1 WHERE id IN
    (SELECT upload_id FROM dossier_documents UNION SELECT upload_id FROM supplement_documents);
UPDATE uploads SET expires_at = strftime('%Y-%m-%dT%H:%M:%S+07:00', 'now', '+7 hours', '+7 days')
    WHERE filed = 0 AND sha256 IS NOT NULL;
CREATE INDEX uploads_unfiled ON uploads(applicant_id, filed);
ALTER TABLE uploads ADD COLUMN concat TEXT;
ALTER TABLE uploads ADD COLUMN length_deferred INTEGER NOT NULL DEFAULT 0;
DROP TABLE lookup_failures;
CREATE TABLE lookup_misses (
    address  TEXT NOT NULL,
    at_ms    INTEGER NOT NULL
);
CREATE INDEX lookup_misses_by_address ON lookup_misses(address, at_ms);
CREATE INDEX lookup_misses_by_time ON lookup_misses(at_ms);
"#,
];

/// Connections that only read, each on a thread of its own: signing in,
/// HEAD and status reads never queue behind a commit.
const READERS: usize = 3;

/// A shared handle on the portal database.
///
/// SQLite runs on threads of its own ([`hoso_sqlite::Lane`]), never on the
/// async runtime nor on its blocking pool: one thread holds the connection
/// that writes, a few others hold connections that only read (WAL lets
/// them read while the writer commits). Upload bodies are written on the
/// blocking pool, so no number of slow uploads can keep a query from
/// running.
#[derive(Clone, Debug)]
pub struct Db {
    writer: hoso_sqlite::Lane,
    readers: hoso_sqlite::Lane,
}

impl Db {
    /// Opens (creating if needed, readable by its owner only) and migrates
    /// the database at `path`, and starts its threads.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        crate::private::create_file(path)?;
        let mut conn = hoso_sqlite::open(path)?;
        hoso_sqlite::migrate(&mut conn, MIGRATIONS)?;
        let writer = hoso_sqlite::Lane::start([("hoso-db-write".to_owned(), conn)])?;
        let mut reading = Vec::with_capacity(READERS);
        for i in 0..READERS {
            let conn = hoso_sqlite::open(path)?;
            conn.pragma_update(None, "query_only", true)?;
            reading.push((format!("hoso-db-read-{i}"), conn));
        }
        let readers = hoso_sqlite::Lane::start(reading)?;
        Ok(Self { writer, readers })
    }

    /// Runs `f` on the writing connection, each commit durable
    /// (`synchronous=FULL`): filings, receipts, keys, accounts.
    pub async fn call<T, F>(&self, f: F) -> Result<T, crate::error::ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, crate::error::ApiError> + Send + 'static,
    {
        run(&self.writer, f).await
    }

    /// Runs `f` on the writing connection with commits that a power cut
    /// may undo but a crash of the portal never does
    /// (`synchronous=NORMAL`): an upload's progress. The bytes are synced
    /// before their offset is recorded, so what is recorded never runs
    /// ahead of the disk; a lost record only makes a client send again.
    /// The next durable commit makes these durable too (one WAL).
    pub async fn progress<T, F>(&self, f: F) -> Result<T, crate::error::ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, crate::error::ApiError> + Send + 'static,
    {
        run(&self.writer, move |conn: &mut Connection| {
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            let out = f(conn);
            conn.pragma_update(None, "synchronous", "FULL")?;
            out
        })
        .await
    }

    /// Runs `f` on one of the reading connections.
    pub async fn read<T, F>(&self, f: F) -> Result<T, crate::error::ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, crate::error::ApiError> + Send + 'static,
    {
        run(&self.readers, move |conn: &mut Connection| f(conn)).await
    }
}

/// Queues `f` on a lane and waits for its answer without holding a thread.
async fn run<T, F>(lane: &hoso_sqlite::Lane, f: F) -> Result<T, crate::error::ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut Connection) -> Result<T, crate::error::ApiError> + Send + 'static,
{
    lane.run(f)
        .await
        .map_err(crate::error::ApiError::internal)?
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// RFC 3339 time after which the upload may be removed unless filed.
    pub expires_at: String,
    /// SHA-256 of the whole file, once complete.
    pub sha256: Option<String>,
    /// A filing names it.
    pub filed: bool,
    /// `partial`, or `final;` and the ids of the partial uploads it joins.
    pub concat: Option<String>,
    /// Created without a length, which a later PATCH gives.
    pub length_deferred: bool,
}

impl UploadRow {
    /// Past its expiry and not filed: as good as removed.
    pub fn expired(&self, now: chrono::DateTime<chrono::FixedOffset>) -> bool {
        !self.filed && chrono::DateTime::parse_from_rfc3339(&self.expires_at).is_ok_and(|t| t < now)
    }
}

/// Reads one upload.
pub fn upload(conn: &Connection, id: &str) -> rusqlite::Result<Option<UploadRow>> {
    conn.query_row(
        "SELECT applicant_id, length, offset_bytes, metadata, expires_at, sha256, filed, concat,
                length_deferred
         FROM uploads WHERE id = ?1",
        params![id],
        |r| {
            Ok(UploadRow {
                applicant_id: r.get(0)?,
                length: r.get(1)?,
                offset: r.get(2)?,
                metadata: r.get(3)?,
                expires_at: r.get(4)?,
                sha256: r.get(5)?,
                filed: r.get(6)?,
                concat: r.get(7)?,
                length_deferred: r.get(8)?,
            })
        },
    )
    .optional()
}

/// A new, empty upload.
#[derive(Debug, Clone)]
pub struct NewUpload {
    /// Its id.
    pub id: String,
    /// Owner.
    pub applicant_id: i64,
    /// Declared size; `None` when a later PATCH gives it.
    pub length: Option<u64>,
    /// The `Upload-Metadata` header as received.
    pub metadata: String,
    /// `partial`, or `final;` and the ids it joins.
    pub concat: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub expires_at: String,
}

/// Records a new, empty upload.
pub fn insert_upload(conn: &Connection, new: &NewUpload) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO uploads (id, applicant_id, length, offset_bytes, metadata, created_at,
            expires_at, concat, length_deferred)
         VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7, ?8)",
        params![
            new.id,
            new.applicant_id,
            new.length.unwrap_or(0),
            new.metadata,
            new.created_at,
            new.expires_at,
            new.concat,
            new.length.is_none()
        ],
    )?;
    Ok(())
}

/// Gives a deferred upload its length.
pub fn set_length(conn: &Connection, id: &str, length: u64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE uploads SET length = ?2, length_deferred = 0 WHERE id = ?1 AND length_deferred = 1",
        params![id, length],
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

/// Records the offset a request ended at; when that completes the upload,
/// also the whole file's hash, the time, and when it expires unless a
/// filing names it first.
pub fn confirm_offset(
    conn: &Connection,
    id: &str,
    offset: u64,
    complete: Option<Completed<'_>>,
) -> rusqlite::Result<()> {
    match complete {
        None => conn.execute(
            "UPDATE uploads SET offset_bytes = ?2 WHERE id = ?1",
            params![id, offset],
        )?,
        Some(done) => conn.execute(
            "UPDATE uploads SET offset_bytes = ?2, sha256 = ?3, completed_at = ?4,
                expires_at = CASE WHEN filed = 0 THEN ?5 ELSE expires_at END
             WHERE id = ?1",
            params![id, offset, done.sha256, done.at, done.expires_at],
        )?,
    };
    Ok(())
}

/// How an upload was completed.
#[derive(Debug, Clone, Copy)]
pub struct Completed<'a> {
    /// The whole file's SHA-256, hex.
    pub sha256: &'a str,
    /// When (RFC 3339).
    pub at: &'a str,
    /// When it expires unless filed (RFC 3339).
    pub expires_at: &'a str,
}

/// Removes an upload's row unless a filed dossier or supplement names it;
/// true when removed.
pub fn delete_upload_unless_filed(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "DELETE FROM uploads WHERE id = ?1 AND filed = 0",
        params![id],
    )? > 0)
}

/// Removes the row of an upload whose creation was refused.
pub fn delete_unfiled_upload(conn: &Connection, id: &str) -> rusqlite::Result<()> {
    delete_upload_unless_filed(conn, id).map(drop)
}

/// Marks the uploads a filing names as filed: no longer deletable, no
/// longer counted in quotas, never expiring.
pub fn mark_filed(tx: &rusqlite::Transaction<'_>, upload_ids: &[String]) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached("UPDATE uploads SET filed = 1 WHERE id = ?1")?;
    for id in upload_ids {
        stmt.execute(params![id])?;
    }
    Ok(())
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
        let _db = Db::open(&path).expect("upgrade");
        let conn = Connection::open(&path).expect("reopen");
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
