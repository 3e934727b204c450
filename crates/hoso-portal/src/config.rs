//! How a portal instance is set up.

use hoso_core::Bilingual;
use std::net::SocketAddr;
use std::path::PathBuf;
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
