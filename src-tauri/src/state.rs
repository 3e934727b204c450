//! What the commands share: the profile's client, the practice portal
//! running in this process, and the portal dossiers go to.

use anyhow::Context;
use hoso_client::progress::ProgressSink;
use hoso_client::tus::UploadSettings;
use hoso_client::{AddPortal, Client, PortalRecord};
use hoso_portal::{PortalConfig, RunningPortal};
use std::path::PathBuf;
use tauri::Emitter;

/// `HOSO_UPLOAD_CAP_KIB`: upload at most this many KiB per second, to leave
/// room on a shared link (and to watch progress in tests).
pub const UPLOAD_CAP_ENV: &str = "HOSO_UPLOAD_CAP_KIB";

fn upload_settings() -> UploadSettings {
    let cap = std::env::var(UPLOAD_CAP_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|k| *k > 0)
        .map(|k| k * 1024);
    UploadSettings {
        bandwidth_cap: cap,
        ..UploadSettings::default()
    }
}

/// The folder of the practice portal's data inside a profile.
const PRACTICE_DIR: &str = "practice-portal";

/// Built completely before the window opens; never partly initialised.
#[derive(Debug)]
pub struct AppState {
    pub client: Client,
    pub portal: PortalRecord,
    /// Kept so the practice portal serves for as long as the app runs.
    _practice: RunningPortal,
}

impl AppState {
    /// Opens the profile, starts the practice portal and signs in to it;
    /// sendings report their progress to the window through `app`.
    pub async fn start(profile: PathBuf, app: tauri::AppHandle) -> anyhow::Result<Self> {
        let mut client = Client::open(&profile)
            .await
            .with_context(|| format!("opening profile {}", profile.display()))?;
        client.set_progress_sink(ProgressSink::new(move |p| {
            if let Err(e) = app.emit(hoso_ipc::event::SEND_PROGRESS, p) {
                tracing::warn!(%e, "progress not delivered to the window");
            }
        }));
        client.set_upload_settings(upload_settings());
        let practice = hoso_portal::start(PortalConfig::practice(profile.join(PRACTICE_DIR)))
            .await
            .context("starting the practice portal")?;
        let signed_in = client
            .portals()
            .await?
            .iter()
            .any(|p| p.practice && p.token.is_some());
        let token = if signed_in {
            None
        } else {
            Some(
                practice
                    .issue_token("thuc-hanh", "Người dùng thực hành")
                    .await?,
            )
        };
        let portal = client
            .add_portal(
                practice.base_url(),
                AddPortal {
                    token,
                    practice: true,
                },
            )
            .await
            .context("registering the practice portal")?;
        tracing::info!(profile = %profile.display(), portal = %portal.base_url, "HoSo ready");
        Ok(Self {
            client,
            portal,
            _practice: practice,
        })
    }
}
