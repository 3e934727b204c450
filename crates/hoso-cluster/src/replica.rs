//! One `hoso-portal serve` replica: its data folder (which holds what it
//! alone uses: the S3 spool, extra procedures), its settings file naming
//! the shared database, bucket and receipt keys, and its process.

use crate::process::Proc;
use crate::{Error, wait_until};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// What every replica's settings share.
#[derive(Debug)]
pub(crate) struct Shared<'a> {
    /// Top-level entries given by the caller, written first.
    pub extra: &'a str,
    pub public_url: &'a str,
    pub database_url: &'a str,
    pub storage: &'a str,
    pub keys: &'a Path,
    pub procedures: &'a [(String, String)],
}

/// A replica, running or not.
#[derive(Debug)]
pub(crate) struct Replica {
    pub port: u16,
    pub settings: PathBuf,
    log: PathBuf,
    pub proc: Option<Proc>,
    /// Its `replicas` row while it runs.
    pub id: Option<i32>,
}

/// A string as a TOML basic string.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

impl Replica {
    /// Prepares replica `index` in `dir` (a new folder), listening on `port`.
    pub fn prepare(
        dir: &Path,
        index: usize,
        port: u16,
        shared: &Shared<'_>,
    ) -> Result<Self, Error> {
        let data = dir.join("data");
        let procedures = data.join("procedures");
        std::fs::create_dir_all(&procedures)
            .map_err(|e| Error::io(format!("creating {}", procedures.display()), e))?;
        for (name, text) in shared.procedures {
            std::fs::write(procedures.join(name), text)
                .map_err(|e| Error::io(format!("writing procedure {name}"), e))?;
        }
        let keys = shared.keys;
        let settings = format!(
            r#"# Replica {index} of a HoSo portal cluster on one machine.
{extra}
data = {data}
listen = "127.0.0.1:{port}"
public_url = {public_url}
agency_code = "CUM.THU"

[name]
vi = "Cổng tiếp nhận hồ sơ — cụm thử trên một máy"
en = "Dossier intake portal — a trial cluster on one machine"

[receiving_agency]
vi = "Bộ phận tiếp nhận (cụm thử)"
en = "Reception desk (trial cluster)"

[keys]
receipt = {receipt}
retired = {retired}

[connections]
trusted_proxies = ["127.0.0.1"]

[database]
url = {database}

{storage}"#,
            extra = shared.extra,
            data = quoted(&data.to_string_lossy()),
            public_url = quoted(shared.public_url),
            receipt = quoted(&keys.join("receipt-key.ed25519").to_string_lossy()),
            retired = quoted(&keys.join("retired-receipt-keys.json").to_string_lossy()),
            database = quoted(shared.database_url),
            storage = shared.storage,
        );
        let file = dir.join("portal.toml");
        std::fs::write(&file, settings)
            .map_err(|e| Error::io(format!("writing {}", file.display()), e))?;
        Ok(Self {
            port,
            settings: file,
            log: dir.join("portal.log"),
            proc: None,
            id: None,
        })
    }

    /// The replica's own address.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts `bin serve` with its settings and waits until its `/readyz`
    /// answers 200.
    pub fn start(
        &mut self,
        index: usize,
        bin: &Path,
        log_filter: &str,
        within: Duration,
    ) -> Result<(), Error> {
        self.kill();
        let mut proc = Proc::spawn(
            &format!("replica {index}"),
            Command::new(bin)
                .args(["serve", "--config"])
                .arg(&self.settings)
                .env("RUST_LOG", log_filter)
                .env("NO_COLOR", "1"),
            &self.log,
        )?;
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let ready = wait_until(&mut proc, within, || {
            match crate::http::status(addr, "/readyz")? {
                200 => Ok(()),
                other => Err(format!("/readyz answered {other}")),
            }
        });
        self.proc = Some(proc);
        ready
    }

    /// SIGKILL, as a crash or the OOM killer would.
    pub fn kill(&mut self) {
        if let Some(mut proc) = self.proc.take() {
            proc.kill();
        }
        self.id = None;
    }
}
