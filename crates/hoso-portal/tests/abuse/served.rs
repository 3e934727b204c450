//! The portal as people run it: the `hoso-portal` binary (its runtime, its
//! 64 file threads), a settings file, a data folder, and clients that
//! come from several loopback addresses (all of 127.0.0.0/8 reaches the
//! portal on 127.0.0.1, each address counted on its own). Set
//! `HOSO_TEST_PORTAL_LOG=1` to see the portal's log beside a test's.

use crate::common::Backend;
use std::io::{BufRead, BufReader};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running portal process.
pub struct Served {
    child: Child,
    /// Its address, `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its data folder.
    pub data: PathBuf,
    config: PathBuf,
    /// What it made of its settings: where its records and bytes are.
    pub settings: hoso_portal::PortalConfig,
    _dir: tempfile::TempDir,
}

/// Runs `serve --config CONFIG` with `cmd`; the process and the address it
/// prints.
fn serve(mut cmd: Command, config: &Path) -> (Child, String) {
    let mut child = cmd
        .arg("serve")
        .arg("--config")
        .arg(config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(if std::env::var_os("HOSO_TEST_PORTAL_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("the portal starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the portal prints its address");
    assert!(line.starts_with("http://"), "the portal said {line:?}");
    (child, line.trim().to_owned())
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_hoso-portal")
}

impl Served {
    /// Starts the portal with its records and bytes in `backend` and
    /// `settings` (TOML, added to the data folder's own entries); with
    /// `open_files`, under that limit on open files.
    pub async fn start(backend: Backend, settings: &str, open_files: Option<u64>) -> Self {
        let stores = backend.settings().await;
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("portal");
        std::fs::create_dir_all(data.join("procedures")).expect("data folder");
        std::fs::write(
            data.join("procedures").join("thong-bao-thu.json"),
            crate::common::NOTICE,
        )
        .expect("schema");
        let config = dir.path().join("portal.toml");
        std::fs::write(
            &config,
            format!(
                "data = {:?}\nlisten = \"127.0.0.1:0\"\n{settings}\n{stores}",
                data.display().to_string()
            ),
        )
        .expect("settings");
        let cmd = match open_files {
            Some(n) => {
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(format!("ulimit -n {n} && exec \"$0\" \"$@\""))
                    .arg(bin());
                c
            }
            None => Command::new(bin()),
        };
        let (child, base) = serve(cmd, &config);
        Self {
            child,
            base,
            data,
            settings: crate::common::settings_file(&config),
            config,
            _dir: dir,
        }
    }

    /// A token for a new applicant (the `add-applicant` command, run
    /// while the portal serves).
    pub fn applicant(&self, account: &str) -> String {
        self.account("add-applicant", account)
    }

    /// A token for a new officer.
    pub fn officer(&self, account: &str) -> String {
        self.account("add-officer", account)
    }

    fn account(&self, command: &str, account: &str) -> String {
        let out = Command::new(bin())
            .arg(command)
            .arg("--config")
            .arg(&self.config)
            .args(["--account", account, "--name", account])
            .output()
            .expect("admin command");
        assert!(out.status.success(), "{command} failed");
        String::from_utf8(out.stdout)
            .expect("token")
            .trim()
            .to_owned()
    }

    /// Kills the process (SIGKILL) and waits for it; the portal stays
    /// down until [`Served::restart`].
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Kills the process (SIGKILL) and starts it again on the same data
    /// folder and settings.
    pub fn restart(mut self) -> Self {
        self.kill();
        (self.child, self.base) = serve(Command::new(bin()), &self.config);
        self
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP client whose connections come from `from` (127.x.y.z).
pub fn client_from(from: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(from.parse::<IpAddr>().expect("address"))
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client")
}

/// A raw TCP connection to `base` from `from`.
pub async fn connect_from(base: &str, from: &str) -> std::io::Result<tokio::net::TcpStream> {
    let addr: std::net::SocketAddr = base
        .trim_start_matches("http://")
        .parse()
        .expect("portal address");
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(std::net::SocketAddr::new(from.parse().expect("address"), 0))?;
    socket.connect(addr).await
}

impl Served {
    /// The first column of the rows `sql` reads from the portal's records
    /// (running or killed), as text.
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        match &self.settings.database {
            hoso_portal::config::Database::Sqlite => {
                let db = rusqlite::Connection::open(self.data.join("portal.sqlite3"))
                    .expect("portal database");
                let mut stmt = db.prepare(sql).expect("query");
                stmt.query_map([], |r| r.get::<_, rusqlite::types::Value>(0))
                    .expect("rows")
                    .map(|v| match v.expect("row") {
                        rusqlite::types::Value::Integer(n) => n.to_string(),
                        rusqlite::types::Value::Text(t) => t,
                        other => format!("{other:?}"),
                    })
                    .collect()
            }
            hoso_portal::config::Database::Postgres { url, .. } => {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .expect("portal database");
                tokio::spawn(connection);
                client
                    .simple_query(sql)
                    .await
                    .expect("rows")
                    .into_iter()
                    .filter_map(|m| match m {
                        tokio_postgres::SimpleQueryMessage::Row(r) => {
                            Some(r.get(0).unwrap_or_default().to_owned())
                        }
                        _ => None,
                    })
                    .collect()
            }
        }
    }
}
