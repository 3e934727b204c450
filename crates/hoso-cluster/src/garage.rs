//! The cluster's S3 store: a single-node Garage (replication factor 1,
//! SQLite metadata) on free loopback ports, a layout applied, a bucket and
//! a key allowed to read and write it, made with Garage's own CLI. Ready
//! when its admin API's `/health` says the cluster is operational.
//! `cargo xtask setup` installs Garage; `GARAGE` names another binary.

use crate::process::Proc;
use crate::{Error, free_ports, wait_until};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The bucket upload bytes go to.
pub const BUCKET: &str = "hoso-uploads";

/// What a portal needs to reach the bucket (`[storage] s3` of its settings).
#[derive(Clone, PartialEq, Eq)]
pub struct S3 {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The bucket.
    pub bucket: String,
    /// The region Garage signs for.
    pub region: String,
    /// The key's id.
    pub access_key_id: String,
    /// The key's secret.
    pub secret_access_key: String,
}

/// Never prints the secret.
impl std::fmt::Debug for S3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl S3 {
    /// The `[storage]` table of a portal settings file.
    pub fn settings_toml(&self) -> String {
        format!(
            "[storage]\ns3 = {{ endpoint = \"{}\", bucket = \"{}\", region = \"{}\", credentials = {{ access_key_id = \"{}\", secret_access_key = \"{}\" }} }}\n",
            self.endpoint, self.bucket, self.region, self.access_key_id, self.secret_access_key
        )
    }
}

/// A running Garage.
#[derive(Debug)]
pub struct Garage {
    pub(crate) proc: Proc,
    config: PathBuf,
    pub(crate) s3: S3,
}

/// The Garage binary: `$GARAGE`, else `garage` in Cargo's bin folder,
/// else on the path.
fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("GARAGE") {
        return path.into();
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .unwrap_or_default();
    let cargo_bin = home.join("bin").join("garage");
    if cargo_bin.is_file() {
        cargo_bin
    } else {
        PathBuf::from("garage")
    }
}

fn random_hex(bytes: usize) -> Result<String, Error> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| {
        Error::io(
            "drawing Garage's RPC secret",
            std::io::Error::other(e.to_string()),
        )
    })?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

impl Garage {
    /// Starts Garage in `dir` (a new folder) and makes its bucket and key.
    pub fn start(dir: &Path) -> Result<Self, Error> {
        let version = Command::new(binary()).arg("--version").output();
        if !version.is_ok_and(|o| o.status.success()) {
            return Err(Error::Missing {
                program: format!("Garage ({})", binary().display()),
            });
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io("creating Garage's folder", e))?;
        let ports = free_ports(3)?;
        let (s3_port, rpc_port, admin_port) = (ports[0], ports[1], ports[2]);
        let config = dir.join("garage.toml");
        std::fs::write(
            &config,
            format!(
                r#"metadata_dir = "{meta}"
data_dir = "{data}"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:{rpc_port}"
rpc_public_addr = "127.0.0.1:{rpc_port}"
rpc_secret = "{secret}"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:{s3_port}"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:{admin_port}"
"#,
                meta = dir.join("meta").display(),
                data = dir.join("data").display(),
                secret = random_hex(32)?,
            ),
        )
        .map_err(|e| Error::io("writing garage.toml", e))?;
        let mut proc = Proc::spawn(
            "Garage",
            Command::new(binary())
                .arg("-c")
                .arg(&config)
                .arg("server")
                .env("RUST_LOG", "warn"),
            &dir.join("garage.log"),
        )?;
        // The node answers `status` once its RPC is up.
        let status_config = config.clone();
        wait_until(&mut proc, Duration::from_secs(30), || {
            let out = Command::new(binary())
                .arg("-c")
                .arg(&status_config)
                .arg("status")
                .output()
                .map_err(|e| e.to_string())?;
            if out.status.success() {
                Ok(())
            } else {
                Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
            }
        })?;
        let mut garage = Self {
            proc,
            config,
            s3: S3 {
                endpoint: format!("http://127.0.0.1:{s3_port}"),
                bucket: BUCKET.to_owned(),
                region: "garage".to_owned(),
                access_key_id: String::new(),
                secret_access_key: String::new(),
            },
        };
        let node = garage.cli(&["node", "id", "-q"])?;
        let short = node.split('@').next().unwrap_or_default().trim().to_owned();
        garage.cli(&["layout", "assign", "-z", "dc1", "-c", "1G", &short])?;
        garage.cli(&["layout", "apply", "--version", "1"])?;
        let admin = SocketAddr::from(([127, 0, 0, 1], admin_port));
        wait_until(
            &mut garage.proc,
            Duration::from_secs(30),
            || match crate::http::status(admin, "/health")? {
                200 => Ok(()),
                other => Err(format!("/health answered {other}")),
            },
        )?;
        garage.cli(&["bucket", "create", BUCKET])?;
        let key = garage.cli(&["key", "create", "hoso-portal"])?;
        let field = |name: &str| {
            key.lines()
                .find_map(|l| l.trim().strip_prefix(name))
                .map(|v| v.trim().to_owned())
                .ok_or_else(|| Error::Failed {
                    piece: "Garage".into(),
                    message: format!("no {name} in what `garage key create` said: {key}"),
                    log: String::new(),
                })
        };
        garage.s3.access_key_id = field("Key ID:")?;
        garage.s3.secret_access_key = field("Secret key:")?;
        garage.cli(&[
            "bucket",
            "allow",
            "--read",
            "--write",
            "--owner",
            BUCKET,
            "--key",
            "hoso-portal",
        ])?;
        Ok(garage)
    }

    /// Its S3 API, bucket and key.
    pub fn s3(&self) -> &S3 {
        &self.s3
    }

    /// Lets its key create buckets of its own through the S3 API (one
    /// per test, say).
    pub fn allow_creating_buckets(&self) -> Result<(), Error> {
        self.cli(&["key", "allow", "--create-bucket", "hoso-portal"])
            .map(drop)
    }

    /// Runs `garage -c CONFIG args…`; what it printed.
    fn cli(&self, args: &[&str]) -> Result<String, Error> {
        let out = Command::new(binary())
            .arg("-c")
            .arg(&self.config)
            .args(args)
            .output()
            .map_err(|e| Error::io("running the garage CLI", e))?;
        if !out.status.success() {
            return Err(Error::Failed {
                piece: "Garage".into(),
                message: format!(
                    "garage {}: {}{}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ),
                log: crate::log_note(&self.proc.log),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}
