//! How a portal instance is set up.

use hoso_core::Bilingual;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Settings of one portal instance.
#[derive(Debug, Clone)]
pub struct PortalConfig {
    /// Folder for the database, the signing key and upload files.
    pub data_dir: PathBuf,
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Address clients use, when it differs from the listening one (behind
    /// a proxy). Defaults to `http://{listening address}`.
    pub public_url: Option<String>,
    /// The portal's name, in discovery and on receipts.
    pub name: Bilingual,
    /// Prefix of dossier codes (upper-case letters, digits, dots).
    pub agency_code: String,
    /// The receiving desk printed on receipts.
    pub receiving_agency: Bilingual,
    /// Largest single upload accepted, in bytes.
    pub max_upload_bytes: u64,
    /// How long an unfinished upload is kept.
    pub upload_expiry: Duration,
    /// How long a request body may send nothing before the portal stops
    /// reading it and keeps what arrived; also how long a response may
    /// wait for a client that reads nothing.
    pub idle_body_timeout: Duration,
    /// How many connections, from where, and how long each phase may take.
    pub connections: ConnectionLimits,
    /// What one applicant's uploads may hold.
    pub quotas: Quotas,
    /// How many wrong lookups (code and PIN) are answered.
    pub lookup: LookupLimits,
}

/// Limits on connections and the time each phase of a request may take.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// From the first byte of a request to the end of its headers.
    pub header_read_timeout: Duration,
    /// How long a connection waits for its next request.
    pub keep_alive_idle: Duration,
    /// The whole body of a request that is not an upload (JSON).
    pub request_body_timeout: Duration,
    /// Open connections at most; `None`: from the open-file limit (half of
    /// it, as an upload in progress also holds its file).
    pub max_connections: Option<usize>,
    /// Open connections from one address (an IPv6 /64) at most; addresses
    /// in `trusted_proxies` are not limited.
    pub max_per_address: usize,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            keep_alive_idle: Duration::from_secs(30),
            request_body_timeout: Duration::from_secs(60),
            max_connections: None,
            max_per_address: 256,
            trusted_proxies: Vec::new(),
        }
    }
}

/// What one applicant's uploads may hold at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quotas {
    /// Unfinished uploads.
    pub unfinished_uploads: u64,
    /// Bytes declared by unfinished uploads (reserved).
    pub unfinished_bytes: u64,
    /// Bytes of complete uploads no filing names yet, with what the
    /// unfinished ones will add.
    pub unfiled_bytes: u64,
}

impl Default for Quotas {
    fn default() -> Self {
        const GIB: u64 = 1024 * 1024 * 1024;
        Self {
            unfinished_uploads: 200,
            unfinished_bytes: 20 * GIB,
            unfiled_bytes: 40 * GIB,
        }
    }
}

/// Wrong lookups answered, in a sliding window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupLimits {
    /// Wrong lookups from one address before it waits.
    pub misses_per_address: u32,
    /// Wrong lookups from all addresses together before every address
    /// that has missed waits (one that has not is still answered).
    pub misses_overall: u32,
    /// The window.
    pub window: Duration,
}

impl Default for LookupLimits {
    fn default() -> Self {
        Self {
            misses_per_address: 10,
            misses_overall: 1000,
            window: Duration::from_secs(15 * 60),
        }
    }
}

impl PortalConfig {
    /// The practice portal built into the app: loopback only, any free port.
    pub fn practice(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: None,
            name: Bilingual::new("Cổng thực hành HoSo", "HoSo practice portal"),
            agency_code: "HOSO.PRACTICE".into(),
            receiving_agency: Bilingual::new(
                "Bộ phận tiếp nhận và trả kết quả (thực hành)",
                "Reception and results desk (practice)",
            ),
            max_upload_bytes: 2 * 1024 * 1024 * 1024,
            upload_expiry: Duration::from_secs(7 * 24 * 3600),
            idle_body_timeout: Duration::from_secs(60),
            connections: ConnectionLimits::default(),
            quotas: Quotas::default(),
            lookup: LookupLimits::default(),
        }
    }
}

/// The settings file of `hoso-portal serve --config FILE` (TOML). Every
/// entry is optional; flags given on the command line win over the file,
/// and the file over the defaults of [`PortalConfig::practice`]. Unknown
/// entries are refused, so a misspelt setting is never silently ignored.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsFile {
    /// Data folder.
    pub data: Option<PathBuf>,
    /// Address to listen on.
    pub listen: Option<SocketAddr>,
    /// Address clients use.
    pub public_url: Option<String>,
    /// The portal's name.
    pub name: Option<Bilingual>,
    /// Prefix of dossier codes.
    pub agency_code: Option<String>,
    /// The receiving desk printed on receipts.
    pub receiving_agency: Option<Bilingual>,
    /// Largest single upload, in MiB.
    pub max_upload_mib: Option<u64>,
    /// How long an unfinished upload is kept, in hours.
    pub upload_expiry_hours: Option<u64>,
    /// How long a request body may stall, in seconds.
    pub idle_body_timeout_secs: Option<u64>,
    /// `[timeouts]`.
    #[serde(default)]
    pub timeouts: TimeoutSettings,
    /// `[connections]`.
    #[serde(default)]
    pub connections: ConnectionSettings,
    /// `[quotas]`.
    #[serde(default)]
    pub quotas: QuotaSettings,
    /// `[lookup]`.
    #[serde(default)]
    pub lookup: LookupSettings,
}

/// `[timeouts]` of the settings file, in seconds.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeoutSettings {
    /// From a request's first byte to the end of its headers.
    pub header_read_secs: Option<u64>,
    /// A connection waiting for its next request.
    pub keep_alive_idle_secs: Option<u64>,
    /// The whole body of a request that is not an upload.
    pub request_body_secs: Option<u64>,
}

/// `[connections]` of the settings file.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionSettings {
    /// Open connections at most.
    pub max: Option<usize>,
    /// Open connections from one address at most.
    pub per_address: Option<usize>,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Option<Vec<IpAddr>>,
}

/// `[quotas]` of the settings file, per applicant.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaSettings {
    /// Unfinished uploads.
    pub unfinished_uploads: Option<u64>,
    /// MiB declared by unfinished uploads.
    pub unfinished_mib: Option<u64>,
    /// MiB of complete uploads not yet filed, with the unfinished ones.
    pub unfiled_mib: Option<u64>,
}

/// `[lookup]` of the settings file.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupSettings {
    /// Wrong lookups from one address in the window.
    pub misses_per_address: Option<u32>,
    /// Wrong lookups from all addresses in the window.
    pub misses_overall: Option<u32>,
    /// The window, in minutes.
    pub window_minutes: Option<u64>,
}

/// Why a settings file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file could not be read.
    #[error("không đọc được tệp cấu hình / cannot read settings file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown or mistyped entries.
    #[error("tệp cấu hình sai / settings file {path} is wrong: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What the parser says, with line and column.
        message: String,
    },
    /// A value is out of range.
    #[error("tệp cấu hình / settings file {path}: {message}")]
    Value {
        /// The file.
        path: PathBuf,
        /// Which entry and why.
        message: String,
    },
    /// Neither the file nor the command line names a data folder.
    #[error(
        "thiếu thư mục dữ liệu (--data hoặc data = ...) / no data folder (--data or data = ...)"
    )]
    NoDataFolder,
}

impl SettingsFile {
    /// Reads and checks a settings file.
    pub fn load(path: &Path) -> Result<Self, SettingsError> {
        let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Checks settings text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, SettingsError> {
        let settings: Self = toml::from_str(text).map_err(|e| SettingsError::Invalid {
            path: path.to_owned(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
        let bad = |message: &str| SettingsError::Value {
            path: path.to_owned(),
            message: message.to_owned(),
        };
        if settings.max_upload_mib == Some(0) {
            return Err(bad("max_upload_mib phải lớn hơn 0 / must be above 0"));
        }
        if settings.upload_expiry_hours == Some(0) {
            return Err(bad("upload_expiry_hours phải lớn hơn 0 / must be above 0"));
        }
        let zero = [
            (
                "timeouts.header_read_secs",
                settings.timeouts.header_read_secs,
            ),
            (
                "timeouts.keep_alive_idle_secs",
                settings.timeouts.keep_alive_idle_secs,
            ),
            (
                "timeouts.request_body_secs",
                settings.timeouts.request_body_secs,
            ),
            ("idle_body_timeout_secs", settings.idle_body_timeout_secs),
            (
                "connections.max",
                settings.connections.max.map(|n| n as u64),
            ),
            (
                "connections.per_address",
                settings.connections.per_address.map(|n| n as u64),
            ),
            (
                "quotas.unfinished_uploads",
                settings.quotas.unfinished_uploads,
            ),
            ("quotas.unfinished_mib", settings.quotas.unfinished_mib),
            ("quotas.unfiled_mib", settings.quotas.unfiled_mib),
            (
                "lookup.misses_per_address",
                settings.lookup.misses_per_address.map(u64::from),
            ),
            (
                "lookup.misses_overall",
                settings.lookup.misses_overall.map(u64::from),
            ),
            ("lookup.window_minutes", settings.lookup.window_minutes),
        ];
        if let Some((name, _)) = zero.iter().find(|(_, v)| *v == Some(0)) {
            return Err(bad(&format!("{name} phải lớn hơn 0 / must be above 0")));
        }
        if let Some(code) = &settings.agency_code
            && (code.is_empty()
                || !code
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '.'))
        {
            return Err(bad(
                "agency_code chỉ gồm chữ in hoa, chữ số và dấu chấm / agency_code takes upper-case letters, digits and dots",
            ));
        }
        Ok(settings)
    }

    /// The portal's settings: `data` from the command line or the file,
    /// everything else from the file or the defaults.
    pub fn into_config(self, data: Option<PathBuf>) -> Result<PortalConfig, SettingsError> {
        let data = data.or(self.data).ok_or(SettingsError::NoDataFolder)?;
        let mut config = PortalConfig::practice(data);
        if let Some(listen) = self.listen {
            config.listen = listen;
        }
        config.public_url = self.public_url;
        if let Some(name) = self.name {
            config.name = name;
        }
        if let Some(code) = self.agency_code {
            config.agency_code = code;
        }
        if let Some(desk) = self.receiving_agency {
            config.receiving_agency = desk;
        }
        if let Some(mib) = self.max_upload_mib {
            config.max_upload_bytes = mib.saturating_mul(1024 * 1024);
        }
        if let Some(hours) = self.upload_expiry_hours {
            config.upload_expiry = Duration::from_secs(hours.saturating_mul(3600));
        }
        if let Some(secs) = self.idle_body_timeout_secs {
            config.idle_body_timeout = Duration::from_secs(secs);
        }
        const MIB: u64 = 1024 * 1024;
        let secs = Duration::from_secs;
        let c = &mut config.connections;
        let t = self.timeouts;
        c.header_read_timeout = t.header_read_secs.map_or(c.header_read_timeout, secs);
        c.keep_alive_idle = t.keep_alive_idle_secs.map_or(c.keep_alive_idle, secs);
        c.request_body_timeout = t.request_body_secs.map_or(c.request_body_timeout, secs);
        c.max_connections = self.connections.max.or(c.max_connections);
        c.max_per_address = self.connections.per_address.unwrap_or(c.max_per_address);
        if let Some(proxies) = self.connections.trusted_proxies {
            c.trusted_proxies = proxies;
        }
        let q = &mut config.quotas;
        q.unfinished_uploads = self
            .quotas
            .unfinished_uploads
            .unwrap_or(q.unfinished_uploads);
        q.unfinished_bytes = self
            .quotas
            .unfinished_mib
            .map_or(q.unfinished_bytes, |m| m.saturating_mul(MIB));
        q.unfiled_bytes = self
            .quotas
            .unfiled_mib
            .map_or(q.unfiled_bytes, |m| m.saturating_mul(MIB));
        let l = &mut config.lookup;
        l.misses_per_address = self
            .lookup
            .misses_per_address
            .unwrap_or(l.misses_per_address);
        l.misses_overall = self.lookup.misses_overall.unwrap_or(l.misses_overall);
        l.window = self
            .lookup
            .window_minutes
            .map_or(l.window, |m| secs(m.saturating_mul(60)));
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example shipped beside the crate.
    const EXAMPLE: &str = include_str!("../portal.example.toml");

    #[test]
    fn the_example_file_reads_and_sets_every_entry() {
        let settings =
            SettingsFile::parse(EXAMPLE, Path::new("portal.example.toml")).expect("example parses");
        let config = settings.into_config(None).expect("config");
        assert_eq!(config.data_dir, PathBuf::from("/var/lib/hoso-portal"));
        assert_eq!(config.listen, "0.0.0.0:8680".parse().expect("addr"));
        assert_eq!(config.agency_code, "SKHCN.HN");
        assert_eq!(config.max_upload_bytes, 500 * 1024 * 1024);
        assert_eq!(config.upload_expiry, Duration::from_secs(72 * 3600));
        assert_eq!(config.idle_body_timeout, Duration::from_secs(120));
        let c = &config.connections;
        assert_eq!(c.header_read_timeout, Duration::from_secs(10));
        assert_eq!(c.keep_alive_idle, Duration::from_secs(30));
        assert_eq!(c.request_body_timeout, Duration::from_secs(60));
        assert_eq!((c.max_connections, c.max_per_address), (Some(4000), 256));
        assert_eq!(
            c.trusted_proxies,
            vec!["127.0.0.1".parse::<IpAddr>().expect("ip")]
        );
        assert_eq!(
            config.quotas,
            Quotas {
                unfinished_uploads: 200,
                unfinished_bytes: 20 * 1024 * 1024 * 1024,
                unfiled_bytes: 40 * 1024 * 1024 * 1024,
            }
        );
        assert_eq!(config.lookup, LookupLimits::default());
        assert!(config.name.vi.contains("Sở Khoa học"), "{:?}", config.name);
        assert!(config.public_url.is_some());
    }

    #[test]
    fn the_command_line_data_folder_wins_and_one_is_required() {
        let settings =
            SettingsFile::parse("agency_code = \"A.B\"", Path::new("p.toml")).expect("parses");
        let config = settings
            .clone()
            .into_config(Some("/srv/x".into()))
            .expect("config");
        assert_eq!(config.data_dir, PathBuf::from("/srv/x"));
        assert!(matches!(
            settings.into_config(None),
            Err(SettingsError::NoDataFolder)
        ));
    }

    #[test]
    fn misspelt_mistyped_and_out_of_range_entries_are_refused_by_name() {
        let path = Path::new("portal.toml");
        let err = SettingsFile::parse("max_upload_mb = 10", path).expect_err("unknown key");
        let text = err.to_string();
        assert!(
            text.contains("max_upload_mb") && text.contains("portal.toml"),
            "{text}"
        );
        let err = SettingsFile::parse("max_upload_mib = \"ten\"", path).expect_err("type");
        assert!(err.to_string().contains("max_upload_mib"), "{err}");
        let err = SettingsFile::parse("max_upload_mib = 0", path).expect_err("zero");
        assert!(err.to_string().contains("max_upload_mib"), "{err}");
        let err = SettingsFile::parse("agency_code = \"so khcn\"", path).expect_err("code");
        assert!(err.to_string().contains("agency_code"), "{err}");
        let err = SettingsFile::parse("listen = \"localhost\"", path).expect_err("addr");
        assert!(err.to_string().contains("listen"), "{err}");
        let err = SettingsFile::parse("[quotas]\nunfinished_gib = 1", path).expect_err("unknown");
        assert!(err.to_string().contains("unfinished_gib"), "{err}");
        let err = SettingsFile::parse("[timeouts]\nheader_read_secs = 0", path).expect_err("zero");
        assert!(
            err.to_string().contains("timeouts.header_read_secs"),
            "{err}"
        );
    }
}
