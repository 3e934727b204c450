//! The cluster's PostgreSQL: `initdb` into the cluster folder with trust
//! authentication, the server listening on a free loopback port (and a
//! unix socket in its folder), one database for the portal. Debian's
//! programs are looked for in `/usr/lib/postgresql/*/bin`;
//! `HOSO_PG_BIN` names another folder of them. PostgreSQL refuses to run
//! as root: as root, its server runs as the `postgres` user.

use crate::process::Proc;
use crate::{Error, free_port, wait_until};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The database the replicas share.
pub const DATABASE: &str = "hoso";

/// A running PostgreSQL.
#[derive(Debug)]
pub struct Postgres {
    pub(crate) proc: Proc,
    bin: PathBuf,
    port: u16,
}

/// The folder of PostgreSQL's programs.
fn bin_dir() -> Result<PathBuf, Error> {
    if let Some(dir) = std::env::var_os("HOSO_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    found.retain(|p| p.join("initdb").is_file());
    // Newest major version last ("9.6" < "15" is not wanted).
    found.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.split('.').next())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop().ok_or_else(|| Error::Missing {
        program: "PostgreSQL (/usr/lib/postgresql/*/bin/initdb, or HOSO_PG_BIN)".into(),
    })
}

fn running_as_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// `program` run as the server's user: `postgres` when this is root.
fn as_server_user(program: &Path) -> Command {
    if running_as_root() {
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

impl Postgres {
    /// Creates and starts the server in `dir` (a new folder), with
    /// `max_connections` and, unless `durable`, without syncing to disk.
    pub fn start(dir: &Path, max_connections: usize, durable: bool) -> Result<Self, Error> {
        let bin = bin_dir()?;
        std::fs::create_dir_all(dir).map_err(|e| Error::io("creating the database folder", e))?;
        if running_as_root() {
            let chown = Command::new("chown")
                .arg("postgres:postgres")
                .arg(dir)
                .output()
                .map_err(|e| Error::io("chown of the database folder", e))?;
            if !chown.status.success() {
                return Err(Error::Failed {
                    piece: "PostgreSQL".into(),
                    message: format!(
                        "chown postgres {}: {}",
                        dir.display(),
                        String::from_utf8_lossy(&chown.stderr)
                    ),
                    log: String::new(),
                });
            }
        }
        let data = dir.join("data");
        let init = as_server_user(&bin.join("initdb"))
            .args([
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&data)
            .output()
            .map_err(|e| Error::io("running initdb", e))?;
        if !init.status.success() {
            return Err(Error::Failed {
                piece: "PostgreSQL".into(),
                message: format!("initdb: {}", String::from_utf8_lossy(&init.stderr)),
                log: String::new(),
            });
        }
        let port = free_port()?;
        let mut cmd = as_server_user(&bin.join("postgres"));
        cmd.arg("-D")
            .arg(&data)
            .arg("-k")
            .arg(dir)
            .args(["-p", &port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", &format!("max_connections={max_connections}")]);
        if !durable {
            for setting in [
                "fsync=off",
                "full_page_writes=off",
                "synchronous_commit=off",
            ] {
                cmd.args(["-c", setting]);
            }
        }
        let mut proc = Proc::spawn("PostgreSQL", &mut cmd, &dir.join("postgres.log"))?;
        let isready = bin.join("pg_isready");
        wait_until(&mut proc, Duration::from_secs(60), || {
            let out = Command::new(&isready)
                .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string()])
                .status();
            match out {
                Ok(s) if s.success() => Ok(()),
                Ok(s) => Err(format!("pg_isready: {s}")),
                Err(e) => Err(format!("pg_isready: {e}")),
            }
        })?;
        let pg = Self { proc, bin, port };
        pg.sql("postgres", &format!("CREATE DATABASE {DATABASE}"))?;
        Ok(pg)
    }

    /// The connection string of `database`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs `sql` in `database` with psql; its output, unaligned.
    pub fn sql(&self, database: &str, sql: &str) -> Result<String, Error> {
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(self.url(database))
            .args(["-c", sql])
            .output()
            .map_err(|e| Error::io("running psql", e))?;
        if !out.status.success() {
            return Err(Error::Failed {
                piece: "PostgreSQL".into(),
                message: format!("{sql}: {}", String::from_utf8_lossy(&out.stderr).trim()),
                log: crate::log_note(&self.proc.log),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }
}
