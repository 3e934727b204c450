//! What the profile's store (hoso-client) and the portal's database
//! (hoso-portal) share, written once: how a connection is opened, how
//! numbered migrations run, and the threads that own a connection and run
//! jobs for async callers ([`Lane`]).
//!
//! Neither crate's tables or statements live here: each keeps its own
//! migrations and queries. This crate holds only the machinery around them.

use rusqlite::Connection;
use std::path::Path;

/// Opens the database at `path` with the settings both HoSo databases
/// use: WAL (readers never wait for the writer), `synchronous=FULL` (a
/// committed change survives a power cut), foreign keys enforced, and a
/// 5 s wait when another connection holds the write lock.
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// Runs the `migrations` a database has not run yet, in order, each in a
/// transaction of its own. `PRAGMA user_version` counts those run, so the
/// list is numbered by position and only ever grows at its end
/// (forward-only: a migration once released is never edited).
pub fn migrate(conn: &mut Connection, migrations: &[&str]) -> rusqlite::Result<()> {
    let done: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in migrations.iter().enumerate().skip(done) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// Work for one of a lane's threads.
type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// Why a job queued on a [`Lane`] gave no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Stopped {
    /// Every thread of the lane has ended.
    #[error("the database threads have stopped")]
    Threads,
    /// The job panicked (its transaction rolled back; the thread goes on).
    #[error("a database job failed without an answer")]
    NoAnswer,
}

/// Threads that each own a connection and take jobs from one queue, for
/// async code: a caller awaits its job's answer without holding a thread
/// of the runtime or of its blocking pool, so no number of waiting
/// callers (or of file jobs on the blocking pool) keeps a query from
/// running. The threads end when the last handle is dropped.
#[derive(Clone, Debug)]
pub struct Lane {
    jobs: crossbeam_channel::Sender<Job>,
}

impl Lane {
    /// Starts one thread per `(name, connection)`, all taking jobs from
    /// this lane's queue.
    pub fn start(
        connections: impl IntoIterator<Item = (String, Connection)>,
    ) -> std::io::Result<Self> {
        let (jobs, queue) = crossbeam_channel::unbounded::<Job>();
        for (name, mut conn) in connections {
            let queue = queue.clone();
            std::thread::Builder::new().name(name).spawn(move || {
                for job in queue {
                    // A job that panics has its transaction rolled back by
                    // drop; the connection stays usable and the thread goes
                    // on. The caller sees its answer channel closed.
                    let _ =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut conn)));
                }
            })?;
        }
        Ok(Self { jobs })
    }

    /// Queues `f` and waits for its answer without holding a thread.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Stopped>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> T + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |conn: &mut Connection| {
                let _ = tx.send(f(conn));
            }))
            .map_err(|_| Stopped::Threads)?;
        rx.await.map_err(|_| Stopped::NoAnswer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIGRATIONS: &[&str] = &[
        "CREATE TABLE a (x INTEGER NOT NULL);",
        "ALTER TABLE a ADD COLUMN y TEXT; INSERT INTO a (x, y) VALUES (1, 'one');",
    ];

    fn version(conn: &Connection) -> usize {
        conn.pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("user_version")
    }

    #[test]
    fn migrations_run_once_in_order_and_an_old_database_gets_only_the_new_ones() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("db.sqlite3");
        {
            let mut conn = open(&path).expect("open");
            migrate(&mut conn, &MIGRATIONS[..1]).expect("first release");
            conn.execute("INSERT INTO a (x) VALUES (7)", [])
                .expect("old row");
            assert_eq!(version(&conn), 1);
        }
        let mut conn = open(&path).expect("reopen");
        migrate(&mut conn, MIGRATIONS).expect("upgrade");
        migrate(&mut conn, MIGRATIONS).expect("again: nothing to do");
        assert_eq!(version(&conn), 2);
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM a", [], |r| r.get(0))
            .expect("count");
        assert_eq!(rows, 2, "the old row kept, the second migration's row once");
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .expect("journal_mode");
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_failing_migration_leaves_the_database_at_the_last_one_that_worked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut conn = open(&dir.path().join("db.sqlite3")).expect("open");
        let broken = [
            MIGRATIONS[0],
            "INSERT INTO a (x) VALUES (1); INSERT INTO nowhere VALUES (2);",
        ];
        assert!(migrate(&mut conn, &broken).is_err());
        assert_eq!(version(&conn), 1);
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM a", [], |r| r.get(0))
            .expect("count");
        assert_eq!(
            rows, 0,
            "the failed migration's first statement rolled back"
        );
    }

    #[tokio::test]
    async fn a_lane_answers_on_its_own_thread_and_survives_a_panicking_job() {
        let dir = tempfile::tempdir().expect("temp dir");
        let conn = open(&dir.path().join("db.sqlite3")).expect("open");
        let lane = Lane::start([("test-lane".to_owned(), conn)]).expect("start");
        let name = lane
            .run(|_| std::thread::current().name().map(str::to_owned))
            .await
            .expect("answer");
        assert_eq!(name.as_deref(), Some("test-lane"));
        let panicked = lane.run(|_| -> i64 { panic!("a job that fails") }).await;
        assert_eq!(panicked, Err(Stopped::NoAnswer));
        let one: i64 = lane
            .run(|c| c.query_row("SELECT 1", [], |r| r.get(0)))
            .await
            .expect("answer")
            .expect("query");
        assert_eq!(one, 1, "the thread went on after the panic");
    }
}
