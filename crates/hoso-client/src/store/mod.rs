//! The profile's SQLite database: portals and their pinned keys, cached
//! procedure schemas, the attachment library's index, dossiers, uploads and
//! submissions.
//!
//! Every SQL statement of hoso-client is in this module tree, one
//! submodule per group of tables; the engines call its typed functions
//! (each takes the connection or a transaction, so the caller decides what
//! one transaction holds). States are bound and read as hoso-core's enums
//! ([`Text`]), never as string literals.
//!
//! Only this crate touches the profile's SQLite. One connection on a thread of its own
//! (`hoso_sqlite::Lane`, shared with the portal), so the async runtime
//! never waits on the disk. WAL with `synchronous=FULL`: a committed change
//! survives a power cut.

use crate::error::ClientError;
use rusqlite::Connection;
use std::path::Path;

pub(crate) mod documents;
pub(crate) mod dossiers;
pub(crate) mod library;
mod migrations;
pub(crate) mod portals;
pub(crate) mod preferences;
pub(crate) mod report;
pub(crate) mod supplements;
mod text;
pub(crate) mod tracking;
pub(crate) mod uploads;

use migrations::MIGRATIONS;
pub(crate) use text::Text;

/// A shared handle on the profile database: one connection on a thread
/// of its own ([`hoso_sqlite::Lane`]), so the async runtime never waits on
/// the disk and no blocking-pool thread is held while a query waits its
/// turn.
#[derive(Clone, Debug)]
pub struct Store {
    lane: hoso_sqlite::Lane,
}

impl Store {
    /// Opens (creating and migrating) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, ClientError> {
        let mut conn = hoso_sqlite::open(path)?;
        // Transactions take the write lock when they begin, so that one
        // that reads first and then writes waits (up to the busy timeout)
        // while another process writes the profile (the command line
        // beside the window), instead of failing at once as "locked".
        conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        hoso_sqlite::migrate(&mut conn, MIGRATIONS)?;
        let lane = hoso_sqlite::Lane::start([("hoso-store".to_owned(), conn)])
            .map_err(|e| ClientError::Protocol(format!("database thread: {e}")))?;
        Ok(Self { lane })
    }

    /// Runs `f` with the connection on the store's thread.
    pub async fn call<T, F>(&self, f: F) -> Result<T, ClientError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ClientError> + Send + 'static,
    {
        self.lane
            .run(f)
            .await
            .map_err(|e| ClientError::Protocol(format!("database task failed: {e}")))?
    }
}

/// The current time in Viet Nam (+07:00).
pub fn vn_now() -> chrono::DateTime<chrono::FixedOffset> {
    // 7 hours is within ±24 h, so the offset always exists.
    chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| unreachable!()))
}

/// The current time in Viet Nam, RFC 3339.
pub fn now() -> String {
    // One fixed width, so that stored times sort as text.
    vn_now().to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_transaction_waits_while_another_process_writes_the_profile() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("hoso.sqlite3");
        let store = Store::open(&path).expect("store");
        // Another process holds the write lock for a moment.
        let other = Connection::open(&path).expect("second connection");
        other.execute_batch("BEGIN IMMEDIATE").expect("hold");
        let release = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(700));
            other.execute_batch("ROLLBACK").expect("release");
        });
        let started = std::time::Instant::now();
        // Reads, then writes, in one transaction: as a save does.
        let saved = store
            .call(|conn| {
                let tx = conn.transaction()?;
                let before: i64 = tx.query_row("SELECT count(*) FROM portals", [], |r| r.get(0))?;
                tx.execute(
                    "INSERT INTO library (sha256, size, name, imported_at) VALUES ('bb', 1, 'a.pdf', 'now')",
                    [],
                )?;
                tx.commit()?;
                Ok(before)
            })
            .await;
        release.join().expect("released");
        assert_eq!(
            saved.ok(),
            Some(0),
            "the transaction waited and went through"
        );
        assert!(started.elapsed() >= std::time::Duration::from_millis(600));
    }

    #[tokio::test]
    async fn a_database_of_the_first_schema_version_is_upgraded_in_place() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("hoso.sqlite3");
        {
            // Exactly what the first release created, with a draft in it.
            let conn = Connection::open(&path).expect("create v1");
            conn.execute_batch(MIGRATIONS[0]).expect("schema v1");
            conn.pragma_update(None, "user_version", 1)
                .expect("version");
            conn.execute_batch(
                r#"INSERT INTO portals VALUES (1, 'http://127.0.0.1:1', 'Cổng', 'Portal', 'http://127.0.0.1:1/v1',
                       'http://127.0.0.1:1/v1/uploads', 'key', 'kid', NULL, 1, '2026-11-01T09:00:00+07:00');
                   INSERT INTO library VALUES ('aa', 3, 'hợp đồng.pdf', '2026-11-01T09:00:00+07:00');
                   INSERT INTO uploads VALUES (1, 'aa', 'http://127.0.0.1:1/v1/uploads/u1', 3, 2, '2026-11-01T09:01:00+07:00');
                   INSERT INTO dossiers (id, portal_id, procedure_code, content, state, created_at, updated_at)
                   VALUES (7, 1, 'kiem-tra-cl-nhap-khau',
                       '{"procedure":"kiem-tra-cl-nhap-khau","version":"2018.07","fields":{"importer.name":"Công ty A"},"documents":[]}',
                       'draft', '2026-11-01T09:00:00+07:00', '2026-11-01T09:05:00+07:00');"#,
            )
            .expect("v1 rows");
        }
        let store = Store::open(&path).expect("upgrade");
        let version: usize = store
            .call(|c| Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?))
            .await
            .expect("version");
        assert_eq!(version, MIGRATIONS.len());
        let record = crate::workspace::get(&store, 7)
            .await
            .expect("old draft readable");
        assert_eq!(
            record.summary.version, "2018.07",
            "version taken from the content"
        );
        assert_eq!(record.revision, 0);
        assert_eq!(record.content.field("importer.name"), Some("Công ty A"));
        let found = crate::workspace::list(
            &store,
            hoso_core::DossierQuery {
                text: "cong ty a".into(),
                ..hoso_core::DossierQuery::default()
            },
        )
        .await
        .expect("search");
        assert_eq!(
            found.iter().map(|s| s.id).collect::<Vec<_>>(),
            [7],
            "a dossier older than the search index is found"
        );
        let saved = crate::workspace::save(&store, 7, record.content, 0, "Công ty A".into())
            .await
            .expect("old draft editable");
        assert_eq!(saved.revision, 1);
        let (name, valid): (String, Option<String>) = store
            .call(|c| {
                Ok(c.query_row(
                    "SELECT name, valid_until FROM library WHERE sha256 = 'aa'",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .await
            .expect("library row kept");
        assert_eq!((name.as_str(), valid), ("hợp đồng.pdf", None));
        // The half-sent upload is still known, now by its endpoint.
        let (url, confirmed): (String, i64) = store
            .call(|c| {
                Ok(c.query_row(
                    "SELECT url, confirmed FROM tus_uploads
                     WHERE endpoint = 'http://127.0.0.1:1/v1/uploads' AND sha256 = 'aa'",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .await
            .expect("upload row kept");
        assert_eq!(
            (url.as_str(), confirmed),
            ("http://127.0.0.1:1/v1/uploads/u1", 2)
        );
    }

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
