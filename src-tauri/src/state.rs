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

/// `HOSO_PORTAL_URL`: file with this portal instead of the practice one
/// (its discovery is read and its key pinned on first use), signed in with
/// the token in `HOSO_PORTAL_TOKEN`.
pub const PORTAL_URL_ENV: &str = "HOSO_PORTAL_URL";
/// `HOSO_PORTAL_TOKEN`: the applicant token for `HOSO_PORTAL_URL`.
pub const PORTAL_TOKEN_ENV: &str = "HOSO_PORTAL_TOKEN";

/// The folder of the practice portal's data inside a profile.
const PRACTICE_DIR: &str = "practice-portal";

/// Built completely before the window opens; never partly initialised.
#[derive(Debug)]
pub struct AppState {
    pub client: Client,
    /// Where new dossiers go: the practice portal, or `HOSO_PORTAL_URL`.
    pub portal: PortalRecord,
    /// One status poller per portal (`crate::follow`).
    pub pollers: crate::follow::Pollers,
    /// The practice portal's data folder, where its practice bank finds
    /// the secret it signs payment notifications with.
    pub practice_dir: PathBuf,
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
        let practice_dir = profile.join(PRACTICE_DIR);
        let practice = hoso_portal::start(PortalConfig::practice(&practice_dir))
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
        let portal = match std::env::var(PORTAL_URL_ENV).ok().filter(|u| !u.is_empty()) {
            Some(url) => client
                .add_portal(
                    &url,
                    AddPortal {
                        token: std::env::var(PORTAL_TOKEN_ENV)
                            .ok()
                            .filter(|t| !t.is_empty()),
                        practice: false,
                    },
                )
                .await
                .with_context(|| format!("registering the portal {url} ({PORTAL_URL_ENV})"))?,
            None => portal,
        };
        tracing::info!(profile = %profile.display(), portal = %portal.base_url, "HoSo ready");
        Ok(Self {
            client,
            portal,
            pollers: crate::follow::Pollers::default(),
            practice_dir,
            _practice: practice,
        })
    }
}

/// Continues the sendings a closed or killed app left unfinished, when the
/// person allows it (the default); paused ones wait for the person. Their
/// progress reaches the window like any other sending.
pub async fn continue_unfinished(state: &AppState) {
    match state.client.continue_at_start().await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::warn!(%e, "preferences unreadable; unfinished sendings wait");
            return;
        }
    }
    let portals = match state.client.portals().await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(%e, "portals unreadable; unfinished sendings wait");
            return;
        }
    };
    for portal in &portals {
        match state.client.send_outbox(portal).await {
            Ok(outcomes) => {
                for (id, outcome) in outcomes {
                    match outcome {
                        Ok(done) => {
                            tracing::info!(id, code = %done.receipt.dossier_code, "unfinished sending filed")
                        }
                        Err(e) => tracing::warn!(id, %e, "unfinished sending still waits"),
                    }
                }
            }
            Err(e) => tracing::warn!(%e, "outbox unreadable"),
        }
    }
}
