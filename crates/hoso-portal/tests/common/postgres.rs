//! A throwaway PostgreSQL for the tests of one test binary: `initdb` into
//! a temporary folder with trust authentication, the server listening on a
//! unix socket in that folder only, a new database for each test. It is
//! started the first time a test asks for it and stopped, its folder
//! removed, when the test binary exits (a small shell that holds the end
//! of a pipe the test binary writes to stops it then, however the binary
//! ends). Debian's PostgreSQL 15 is looked for in `/usr/lib/postgresql`;
//! `HOSO_TEST_PG_BIN` names another folder of its programs.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The server of this test binary.
pub struct Cluster {
    /// Its folder, which holds its socket.
    pub socket_dir: PathBuf,
    /// Kept so that the watcher's pipe stays open while the binary runs.
    _watcher: Child,
    /// How long `initdb` and the start took.
    pub started_in: Duration,
}

/// The folder of PostgreSQL's programs.
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HOSO_TEST_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    found.retain(|p| p.join("initdb").is_file());
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb): run `cargo xtask setup`")
    })
}

/// PostgreSQL refuses to run as root: as root, its programs run as the
/// `postgres` user the Debian package made.
fn as_server_user(program: &Path) -> Command {
    let root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    if root {
        let mut cmd = Command::new("setpriv");
        cmd.args([
            "--reuid=postgres",
            "--regid=postgres",
            "--init-groups",
            "--",
        ])
        .arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn start() -> Cluster {
    let began = Instant::now();
    let bin = bin_dir();
    let root = tempfile::Builder::new()
        .prefix("hoso-pg-")
        .tempdir()
        .expect("temp dir")
        .keep();
    let data = root.join("data");
    let root_user = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    if root_user {
        let status = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&root)
            .status()
            .expect("chown");
        assert!(status.success(), "chown of {} failed", root.display());
    }
    let out = as_server_user(&bin.join("initdb"))
        .args([
            "--auth=trust",
            "--username=postgres",
            "--encoding=UTF8",
            "--no-sync",
            "-D",
        ])
        .arg(&data)
        .output()
        .expect("initdb runs");
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The shell starts the server, waits for its standard input to end
    // (the test binary exited), then stops the server and removes it all.
    let script = r#"
"$@" &
server=$!
cat > /dev/null
kill -INT "$server" 2>/dev/null
wait "$server"
rm -rf "$HOSO_PG_ROOT"
"#;
    let mut server = as_server_user(&bin.join("postgres"));
    let mut args: Vec<String> = vec![server.get_program().to_string_lossy().into_owned()];
    args.extend(server.get_args().map(|a| a.to_string_lossy().into_owned()));
    args.extend(
        [
            "-D",
            &data.to_string_lossy(),
            "-k",
            &root.to_string_lossy(),
            "-c",
            "listen_addresses=",
            "-c",
            "max_connections=400",
            // The tests judge what the portal does, not the disk: a
            // server that skips syncing answers sooner on a loaded machine.
            "-c",
            "fsync=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "synchronous_commit=off",
        ]
        .map(str::to_owned),
    );
    server = Command::new("sh");
    let watcher = server
        .arg("-c")
        .arg(script)
        .arg("sh")
        .args(&args)
        .env("HOSO_PG_ROOT", &root)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(if std::env::var_os("HOSO_TEST_PG_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("postgres starts");
    let socket = root.join(".s.PGSQL.5432");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !socket.exists() {
        assert!(
            Instant::now() < deadline,
            "PostgreSQL did not open {} within a minute",
            socket.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Cluster {
        socket_dir: root,
        _watcher: watcher,
        started_in: began.elapsed(),
    }
}

/// The cluster of this test binary, started on first use.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let c = start();
        eprintln!(
            "PostgreSQL started in {:.2} s ({})",
            c.started_in.as_secs_f64(),
            c.socket_dir.display()
        );
        c
    })
}

/// The connection string of database `name` of the cluster.
pub fn url(name: &str) -> String {
    format!(
        "postgres:///{name}?host={}&user=postgres",
        cluster().socket_dir.display()
    )
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
