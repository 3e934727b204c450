//! How a portal instance is set up.

use hoso_core::Bilingual;
use std::net::SocketAddr;
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
    /// reading it and keeps what arrived.
    pub idle_body_timeout: Duration,
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
    }
}
