//! A throwaway PostgreSQL for the tests of one test binary: `initdb` into
//! a temporary folder with trust authentication, the server on a free
//! loopback port, without syncing (the tests judge the portal, not the
//! disk), a new database for each test. It is started the first time a
//! test asks for it (`hoso_cluster::Alone`, the same start as a cluster's)
//! and stopped, its folder removed, when the test binary exits however it
//! ends. Debian's PostgreSQL is looked for in `/usr/lib/postgresql`;
//! `HOSO_PG_BIN` names another folder of its programs.

use hoso_cluster::{Alone, Postgres};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The server of this test binary, started on first use.
pub fn cluster() -> &'static Alone<Postgres> {
    static CLUSTER: OnceLock<Alone<Postgres>> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let pg = Alone::postgres(400).unwrap_or_else(|e| panic!("{e}"));
        eprintln!(
            "PostgreSQL started in {:.2} s ({})",
            pg.started_in.as_secs_f64(),
            pg.folder.display()
        );
        pg
    })
}

/// The connection string of database `name` of the server.
pub fn url(name: &str) -> String {
    cluster().server.url(name)
}

/// A connection to database `name` (for tests that look at what was
/// stored); its driver runs in the background.
pub async fn connect(name: &str) -> tokio_postgres::Client {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match tokio_postgres::connect(&url(name), tokio_postgres::NoTls).await {
            Ok((client, connection)) => {
                tokio::spawn(connection);
                return client;
            }
            // Still starting ("the database system is starting up").
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("cannot connect to the test PostgreSQL: {e}"),
        }
    }
}

/// A new, empty database of the cluster; its name.
pub async fn new_database() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = format!("portal_{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let admin = connect("postgres").await;
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    name
}
