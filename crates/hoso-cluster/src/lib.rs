//! A HoSo portal deployment as an agency would run it, on one machine:
//! PostgreSQL for the records, Garage (S3) for upload bytes, N
//! `hoso-portal serve` replicas sharing both and one receipt key, and
//! nginx in front of them. Each piece is a child process with its files
//! in one temporary folder; the cluster waits until each answers, says
//! which failed and where its log is, and stops them all and removes the
//! folder when dropped (a watchdog does so too if the program holding the
//! cluster ends without dropping it).
//!
//! The portal's cross-replica tests start one (`tests/cluster.rs`), and
//! `cargo xtask cluster` starts one to try by hand.

mod garage;
mod http;
mod nginx;
mod postgres;
mod process;
mod replica;

pub use garage::{BUCKET, Garage, S3};
pub use postgres::{DATABASE, Postgres};
pub use process::cpu_seconds;

use process::{Proc, Watchdog};
use replica::{Replica, Shared};
use rustix::process::Signal;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Why a cluster could not start or a command on it failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A program the cluster runs is not installed.
    #[error("{program} is not installed: run `cargo xtask setup`")]
    Missing {
        /// Which, and where it was looked for.
        program: String,
    },
    /// A piece failed to start, exited, or refused a command.
    #[error("{piece}: {message}{log}")]
    Failed {
        /// PostgreSQL, Garage, replica i, nginx.
        piece: String,
        /// What happened.
        message: String,
        /// Where its log is and how it ends (empty when there is none).
        log: String,
    },
    /// A piece did not answer as ready in time.
    #[error("{piece} was not ready after {} s (last: {last}){log}", .waited.as_secs())]
    NotReady {
        /// PostgreSQL, Garage, replica i, nginx.
        piece: String,
        /// How long it was given.
        waited: Duration,
        /// What the last probe found.
        last: String,
        /// Where its log is and how it ends.
        log: String,
    },
    /// A file or program of the cluster folder.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            what: what.into(),
            source,
        }
    }
}

/// A server started on its own, outside a cluster, in a temporary folder
/// that lives as long as the program: a watchdog stops the server and
/// removes the folder when the program ends, however it ends (a `static`
/// is never dropped). The portal's tests start one PostgreSQL and one
/// Garage per test binary this way.
#[derive(Debug)]
pub struct Alone<T> {
    /// The server.
    pub server: T,
    /// Its folder.
    pub folder: PathBuf,
    /// How long it took to start.
    pub started_in: Duration,
    _watchdog: Watchdog,
}

impl Alone<Postgres> {
    /// A PostgreSQL taking `max_connections`, without syncing to disk.
    pub fn postgres(max_connections: usize) -> Result<Self, Error> {
        Self::start(
            "hoso-pg-",
            |dir| Postgres::start(dir, max_connections, false),
            |p| p.proc.pid(),
        )
    }
}

impl Alone<Garage> {
    /// A single-node Garage whose key may also create buckets.
    pub fn garage() -> Result<Self, Error> {
        Self::start(
            "hoso-garage-",
            |dir| {
                let garage = Garage::start(dir)?;
                garage.allow_creating_buckets()?;
                Ok(garage)
            },
            |g| g.proc.pid(),
        )
    }
}

impl<T> Alone<T> {
    fn start(
        prefix: &str,
        start: impl FnOnce(&Path) -> Result<T, Error>,
        pid: impl Fn(&T) -> u32,
    ) -> Result<Self, Error> {
        let began = Instant::now();
        let folder = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .map_err(|e| Error::io("creating a temporary folder", e))?
            .keep();
        // The database server may run as another user; it must reach its folder.
        std::fs::set_permissions(&folder, std::os::unix::fs::PermissionsExt::from_mode(0o711))
            .map_err(|e| Error::io("opening the temporary folder", e))?;
        // Should the start fail, the watchdog dropped here still removes
        // the folder (its pipe closes).
        let watchdog = Watchdog::start(&folder)?;
        let server = start(&folder.join("server"))?;
        watchdog.watch(&[pid(&server)]);
        Ok(Self {
            server,
            folder,
            started_in: began.elapsed(),
            _watchdog: watchdog,
        })
    }
}

/// The path of a log and its last lines, for an error message: the
/// folder may be gone by the time the message is read.
pub(crate) fn log_note(path: &Path) -> String {
    let tail = process::tail(path, 20);
    let mut note = format!("\n  log: {}", path.display());
    if !tail.is_empty() {
        note.push_str(" ends with:\n");
        for line in tail.lines() {
            note.push_str("    ");
            note.push_str(line);
            note.push('\n');
        }
    }
    note
}

/// A loopback port nobody listens on now.
pub(crate) fn free_port() -> Result<u16, Error> {
    Ok(free_ports(1)?[0])
}

/// `n` different loopback ports nobody listens on now: each is held until
/// all are found, so the system cannot hand out one twice (asked one after
/// another, a port just let go may come back).
pub(crate) fn free_ports(n: usize) -> Result<Vec<u16>, Error> {
    let held = (0..n)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::io("finding a free port", e))?;
    held.iter()
        .map(|l| {
            l.local_addr()
                .map(|a| a.port())
                .map_err(|e| Error::io("finding a free port", e))
        })
        .collect()
}

/// Probes until `probe` succeeds, `proc` exits, or `limit` passes.
pub(crate) fn wait_until(
    proc: &mut Proc,
    limit: Duration,
    mut probe: impl FnMut() -> Result<(), String>,
) -> Result<(), Error> {
    let began = Instant::now();
    loop {
        if !proc.running() {
            return Err(proc.ended());
        }
        let last = match probe() {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        if began.elapsed() > limit {
            return Err(Error::NotReady {
                piece: proc.name.clone(),
                waited: limit,
                last,
                log: log_note(&proc.log),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What to start.
#[derive(Debug, Clone)]
pub struct Options {
    /// The `hoso-portal` binary (tests: `env!("CARGO_BIN_EXE_hoso-portal")`).
    pub portal_bin: PathBuf,
    /// How many replicas behind nginx.
    pub replicas: usize,
    /// Procedure files (name, JSON) every replica serves beside the
    /// bundled ones.
    pub procedures: Vec<(String, String)>,
    /// Top-level entries added to every replica's settings file
    /// (`max_upload_mib = 200`).
    pub settings: String,
    /// PostgreSQL syncs to disk as it would in production; off, commits
    /// are faster and a power cut may lose the last ones (tests).
    pub durable_database: bool,
    /// `RUST_LOG` of the replicas.
    pub log_filter: String,
    /// How long each piece may take to become ready.
    pub ready_within: Duration,
}

impl Options {
    /// Three replicas of `portal_bin`, a durable database, warnings logged.
    pub fn new(portal_bin: impl Into<PathBuf>) -> Self {
        Self {
            portal_bin: portal_bin.into(),
            replicas: 3,
            procedures: Vec::new(),
            settings: String::new(),
            durable_database: true,
            log_filter: "warn".to_owned(),
            ready_within: Duration::from_secs(60),
        }
    }
}

/// A running cluster; dropped, it stops and its folder is removed.
#[derive(Debug)]
pub struct Cluster {
    options: Options,
    nginx: nginx::Nginx,
    watchdog: Watchdog,
    started_in: Duration,
    // Dropped after nginx stopped: the replicas, Garage, PostgreSQL.
    backends: Backends,
    // Last, so that it is removed after every process stopped.
    dir: tempfile::TempDir,
}

/// The pieces behind nginx; dropped, they stop in order.
#[derive(Debug)]
struct Backends {
    postgres: postgres::Postgres,
    garage: Option<garage::Garage>,
    replicas: Vec<Replica>,
}

impl Backends {
    fn pids(&mut self) -> Vec<u32> {
        let mut pids = vec![self.postgres.proc.pid()];
        pids.extend(self.garage.as_ref().map(|g| g.proc.pid()));
        for r in &mut self.replicas {
            if let Some(p) = r.proc.as_mut()
                && p.running()
            {
                pids.push(p.pid());
            }
        }
        pids
    }

    /// The newest row of the `replicas` table: that of the replica that
    /// became ready last.
    fn newest_replica_id(&self) -> Result<i32, Error> {
        let text = self
            .postgres
            .sql(DATABASE, "SELECT max(id) FROM replicas")?;
        text.parse().map_err(|_| Error::Failed {
            piece: "PostgreSQL".into(),
            message: format!("the replicas table gave {text:?} for the newest replica"),
            log: String::new(),
        })
    }

    fn garage(&self) -> &garage::Garage {
        self.garage
            .as_ref()
            .expect("a cluster that started has its Garage")
    }
}

/// Stops the replicas (SIGTERM, three seconds for all of them to finish
/// what they were doing, then SIGKILL), Garage, then PostgreSQL (a fast
/// shutdown).
impl Drop for Backends {
    fn drop(&mut self) {
        let mut replicas: Vec<&mut Proc> = self
            .replicas
            .iter_mut()
            .filter_map(|r| r.proc.as_mut())
            .collect();
        for p in &mut replicas {
            p.signal(Signal::TERM);
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        for p in &mut replicas {
            p.stop(
                Signal::TERM,
                deadline.saturating_duration_since(Instant::now()),
            );
        }
        if let Some(g) = self.garage.as_mut() {
            g.proc.stop(Signal::TERM, Duration::from_secs(5));
        }
        self.postgres
            .proc
            .stop(Signal::INT, Duration::from_secs(10));
    }
}

impl Cluster {
    /// Starts PostgreSQL, Garage, the replicas one after another (each
    /// ready before the next, so their `replicas` rows are in order) and
    /// nginx, and waits until the portal answers as ready through nginx.
    pub fn start(options: Options) -> Result<Self, Error> {
        let began = Instant::now();
        if options.replicas == 0 {
            return Err(Error::Failed {
                piece: "cluster".into(),
                message: "at least one replica is needed".into(),
                log: String::new(),
            });
        }
        let dir = tempfile::Builder::new()
            .prefix("hoso-cluster-")
            .tempdir()
            .map_err(|e| Error::io("creating the cluster folder", e))?;
        let root = dir.path().to_owned();
        // The database server may run as another user; it must reach its folder.
        std::fs::set_permissions(&root, std::os::unix::fs::PermissionsExt::from_mode(0o711))
            .map_err(|e| Error::io("opening the cluster folder", e))?;
        let mut watchdog = Watchdog::start(&root)?;
        let started = (|| {
            let max_connections = options.replicas * 24 + 40;
            let mut backends = Backends {
                postgres: postgres::Postgres::start(
                    &root.join("postgres"),
                    max_connections,
                    options.durable_database,
                )?,
                garage: None,
                replicas: Vec::new(),
            };
            watchdog.watch(&backends.pids());
            backends.garage = Some(garage::Garage::start(&root.join("garage"))?);
            watchdog.watch(&backends.pids());
            let ports = free_ports(options.replicas + 1)?;
            let nginx_port = ports[0];
            let keys = root.join("keys");
            std::fs::create_dir_all(&keys).map_err(|e| Error::io("creating keys folder", e))?;
            let public_url = format!("http://127.0.0.1:{nginx_port}");
            let database_url = backends.postgres.url(DATABASE);
            let storage = backends.garage().s3.settings_toml();
            let shared = Shared {
                extra: &options.settings,
                public_url: &public_url,
                database_url: &database_url,
                storage: &storage,
                keys: &keys,
                procedures: &options.procedures,
            };
            for i in 0..options.replicas {
                let replica =
                    Replica::prepare(&root.join(format!("replica-{i}")), i, ports[i + 1], &shared)?;
                backends.replicas.push(replica);
            }
            for i in 0..options.replicas {
                let started = backends.replicas[i].start(
                    i,
                    &options.portal_bin,
                    &options.log_filter,
                    options.ready_within,
                );
                watchdog.watch(&backends.pids());
                started?;
                backends.replicas[i].id = Some(backends.newest_replica_id()?);
            }
            let ports: Vec<u16> = backends.replicas.iter().map(|r| r.port).collect();
            let mut nginx = nginx::Nginx::start(&root.join("nginx"), nginx_port, &ports)?;
            let mut pids = backends.pids();
            pids.push(nginx.proc.pid());
            watchdog.watch(&pids);
            let addr = SocketAddr::from(([127, 0, 0, 1], nginx.port));
            if let Err(e) = wait_until(
                &mut nginx.proc,
                options.ready_within,
                || match http::status(addr, "/readyz")? {
                    200 => Ok(()),
                    other => Err(format!("/readyz through nginx answered {other}")),
                },
            ) {
                nginx.proc.stop(Signal::TERM, Duration::from_secs(5));
                return Err(e);
            }
            Ok((backends, nginx))
        })();
        match started {
            Ok((backends, nginx)) => Ok(Self {
                options,
                nginx,
                watchdog,
                started_in: began.elapsed(),
                backends,
                dir,
            }),
            Err(e) => {
                // What started was stopped as the closure's values dropped.
                watchdog.disarm();
                Err(e)
            }
        }
    }

    /// The portal's address for clients: nginx.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.nginx.port)
    }

    /// How many replicas there are.
    pub fn replica_count(&self) -> usize {
        self.backends.replicas.len()
    }

    /// Replica `i`'s own address, bypassing nginx.
    pub fn replica_url(&self, i: usize) -> String {
        self.backends.replicas[i].url()
    }

    /// Replica `i`'s process id while it runs.
    pub fn replica_pid(&self, i: usize) -> Option<u32> {
        self.backends.replicas[i].proc.as_ref().map(|p| p.pid())
    }

    /// CPU seconds used so far by each kind of piece, with what it forked:
    /// `database` (PostgreSQL), `object_store` (Garage), `proxy` (nginx)
    /// and `replicas` (all of them together). Read before and after a load,
    /// the differences say where its time went.
    pub fn cpu_seconds(&self) -> Vec<(&'static str, f64)> {
        let tree = |pid: u32| process::cpu_seconds(pid, true);
        let b = &self.backends;
        vec![
            ("database", tree(b.postgres.proc.pid())),
            (
                "object_store",
                b.garage.as_ref().map_or(0.0, |g| tree(g.proc.pid())),
            ),
            ("proxy", tree(self.nginx.proc.pid())),
            (
                "replicas",
                b.replicas
                    .iter()
                    .filter_map(|r| r.proc.as_ref())
                    .map(|p| tree(p.pid()))
                    .sum(),
            ),
        ]
    }

    /// Replica `i`'s settings file.
    pub fn replica_settings(&self, i: usize) -> &Path {
        &self.backends.replicas[i].settings
    }

    /// The id of replica `i`'s row in the `replicas` table while it runs
    /// (a restart makes a new row).
    pub fn replica_id(&self, i: usize) -> Option<i32> {
        self.backends.replicas[i].id
    }

    /// Which replica runs with the `replicas` row `id`.
    pub fn replica_with_id(&self, id: i64) -> Option<usize> {
        self.backends
            .replicas
            .iter()
            .position(|r| r.id.is_some_and(|mine| i64::from(mine) == id))
    }

    /// The records' PostgreSQL connection string.
    pub fn database_url(&self) -> String {
        self.backends.postgres.url(DATABASE)
    }

    /// The bucket and key the replicas store upload bytes with.
    pub fn s3(&self) -> &S3 {
        &self.backends.garage().s3
    }

    /// The cluster's folder (settings, data and logs of every piece).
    pub fn folder(&self) -> &Path {
        self.dir.path()
    }

    /// nginx's access log: one line per request, naming the replica
    /// (`upstream=127.0.0.1:PORT`) that answered.
    pub fn access_log(&self) -> PathBuf {
        self.nginx.dir.join("access.log")
    }

    /// How many requests whose log line contains `request` (`"POST
    /// /v1/dossiers "`, or `""` for all) each replica answered through
    /// nginx so far, by its access log (the last replica tried, when nginx
    /// tried several).
    pub fn served_by_replica(&self, request: &str) -> Vec<usize> {
        let text = std::fs::read_to_string(self.access_log()).unwrap_or_default();
        let ports: Vec<String> = self
            .backends
            .replicas
            .iter()
            .map(|r| format!("127.0.0.1:{}", r.port))
            .collect();
        let mut counts = vec![0; ports.len()];
        for line in text.lines().filter(|l| l.contains(request)) {
            let Some(upstream) = line
                .split_whitespace()
                .find_map(|w| w.strip_prefix("upstream="))
            else {
                continue;
            };
            let last = upstream.rsplit(',').next().unwrap_or_default().trim();
            if let Some(i) = ports.iter().position(|p| p == last) {
                counts[i] += 1;
            }
        }
        counts
    }

    /// How long the start took.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// Kills replica `i` (SIGKILL): what a crash or the OOM killer does.
    /// nginx notices on its next request there and sends it elsewhere.
    pub fn kill_replica(&mut self, i: usize) {
        self.backends.replicas[i].kill();
        self.watch();
    }

    /// Starts replica `i` again (killing it first if it runs) and waits
    /// until it is ready.
    pub fn restart_replica(&mut self, i: usize) -> Result<(), Error> {
        let started = self.backends.replicas[i].start(
            i,
            &self.options.portal_bin,
            &self.options.log_filter,
            self.options.ready_within,
        );
        self.watch();
        started?;
        self.backends.replicas[i].id = Some(self.backends.newest_replica_id()?);
        Ok(())
    }

    /// Registers an applicant and returns a new access token for it.
    pub fn add_applicant(&self, account: &str, name: &str) -> Result<String, Error> {
        self.admin("add-applicant", account, name)
    }

    /// Registers an officer and returns a new officer token.
    pub fn add_officer(&self, account: &str, name: &str) -> Result<String, Error> {
        self.admin("add-officer", account, name)
    }

    fn admin(&self, command: &str, account: &str, name: &str) -> Result<String, Error> {
        let out = Command::new(&self.options.portal_bin)
            .args([command, "--config"])
            .arg(&self.backends.replicas[0].settings)
            .args(["--account", account, "--name", name])
            .env("RUST_LOG", "warn")
            .output()
            .map_err(|e| Error::io(format!("running hoso-portal {command}"), e))?;
        if !out.status.success() {
            return Err(Error::Failed {
                piece: format!("hoso-portal {command}"),
                message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
                log: String::new(),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// Tells the watchdog which processes run now.
    fn watch(&mut self) {
        let mut pids = self.backends.pids();
        pids.push(self.nginx.proc.pid());
        self.watchdog.watch(&pids);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.watchdog.disarm();
        self.nginx.proc.stop(Signal::TERM, Duration::from_secs(5));
    }
}
