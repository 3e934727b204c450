//! The HoSo intake portal: the server that receives dossiers. It is the
//! practice portal inside the desktop app and a reference server an agency
//! can run on its own (`hoso-portal serve`).
//!
//! HTTP lives in [`routes`]; the rules a dossier is judged by come from
//! `hoso-core`, the same code the app runs offline; metadata is in SQLite
//! ([`db`]) and upload bytes behind [`storage::UploadStorage`].

pub mod catalog;
pub mod config;
mod db;
mod documents;
pub mod error;
pub mod expiry;
mod filing;
pub mod inspect;
mod keys;
mod random;
mod routes;
pub use routes::OPENAPI;
mod state;
pub mod storage;
mod supplements;
mod tracking;

pub use config::PortalConfig;
pub use db::Role;

use hoso_core::receipt::PortalKey;
use state::AppState;
use std::net::SocketAddr;
use std::sync::Arc;

/// A portal serving on a socket until [`RunningPortal::stop`] or drop.
#[derive(Debug)]
pub struct RunningPortal {
    addr: SocketAddr,
    base_url: String,
    state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    sweeper: tokio::task::JoinHandle<()>,
}

/// Why a portal could not start or an admin action failed.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// The data folder, database or key could not be prepared.
    #[error("không khởi động được cổng / portal could not start: {0}")]
    Startup(String),
    /// A database action failed.
    #[error("lỗi cơ sở dữ liệu của cổng / portal database error: {0}")]
    Database(String),
}

/// Opens the data folder and starts serving.
pub async fn start(config: PortalConfig) -> Result<RunningPortal, PortalError> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| PortalError::Startup(format!("bind {}: {e}", config.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| PortalError::Startup(e.to_string()))?;
    let base_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"))
        .trim_end_matches('/')
        .to_owned();
    let state = AppState::open(config, base_url.clone())
        .await
        .map_err(|e| PortalError::Startup(format!("{e:#}")))?;
    let app = routes::router(state.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, app, rx));
    let sweeper = expiry::spawn_sweeper(state.clone());
    tracing::info!(%base_url, "portal listening");
    Ok(RunningPortal {
        addr,
        base_url,
        state,
        shutdown: Some(tx),
        task: Some(task),
        sweeper,
    })
}

/// Largest read buffer of one connection. hyper grows it up to ~400 KiB
/// while a body streams in; with a thousand uploads at once that alone
/// came to 250 MiB. Bodies are written out in pieces of this size.
const CONNECTION_BUFFER: usize = 16 * 1024;

/// Accepts connections until `stop` fires, then lets those under way
/// finish.
async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, typically: wait, not spin.
                    tracing::warn!(%e, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let mut http1 = hyper::server::conn::http1::Builder::new();
        http1.max_buf_size(CONNECTION_BUFFER);
        let connection =
            graceful.watch(http1.serve_connection(hyper_util::rt::TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

impl RunningPortal {
    /// Removes unfinished uploads whose expiry passed now, rather than at
    /// the next periodic sweep; returns how many.
    pub async fn sweep_expired_uploads(&self) -> Result<usize, PortalError> {
        expiry::sweep(&self.state)
            .await
            .map_err(|e| PortalError::Database(format!("{}: {}", e.code, e.message)))
    }

    /// The socket it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address clients use, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Requests answered since it started.
    pub fn requests_served(&self) -> u64 {
        self.state
            .requests
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The key receipts are signed with.
    pub fn receipt_key(&self) -> PortalKey {
        PortalKey::of(&self.state.key)
    }

    /// Registers an applicant (if new) and issues a bearer token for it.
    pub async fn issue_token(
        &self,
        account: &str,
        display_name: &str,
    ) -> Result<String, PortalError> {
        issue_token(&self.state.db, Role::Applicant, account, display_name).await
    }

    /// Registers an officer (if new) and issues a bearer token for the
    /// officer API; it opens nothing of the applicant API.
    pub async fn issue_officer_token(
        &self,
        account: &str,
        display_name: &str,
    ) -> Result<String, PortalError> {
        issue_token(&self.state.db, Role::Officer, account, display_name).await
    }

    /// Stops accepting requests and waits for those under way.
    pub async fn stop(mut self) {
        self.sweeper.abort();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningPortal {
    fn drop(&mut self) {
        self.sweeper.abort();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

async fn issue_token(
    db: &db::Db,
    role: Role,
    account: &str,
    display_name: &str,
) -> Result<String, PortalError> {
    let token = random::token();
    let digest = hoso_core::Sha256Digest::of(token.as_bytes()).to_hex();
    let (account, display_name) = (account.to_owned(), display_name.to_owned());
    let now = state::now_vn().to_rfc3339();
    db.call(move |conn| {
        Ok(db::add_token(
            conn,
            role,
            &account,
            &display_name,
            &digest,
            &now,
        )?)
    })
    .await
    .map_err(|e| PortalError::Database(e.message.to_string()))?;
    Ok(token)
}

/// Registers an applicant or officer in a portal's data folder without
/// starting it (the `add-applicant` and `add-officer` admin commands);
/// returns the new token.
pub async fn add_account(
    data_dir: &std::path::Path,
    role: Role,
    account: &str,
    display_name: &str,
) -> Result<String, PortalError> {
    std::fs::create_dir_all(data_dir).map_err(|e| PortalError::Startup(e.to_string()))?;
    let db = db::Db::open(&data_dir.join(state::DB_FILE))
        .map_err(|e| PortalError::Database(e.to_string()))?;
    issue_token(&db, role, account, display_name).await
}

/// Retires a portal's receipt key and makes a new one (the `rotate-key`
/// admin command); the old and new fingerprints. The old public key stays
/// published in discovery. A running portal uses the new key once
/// restarted.
pub fn rotate_key(data_dir: &std::path::Path) -> Result<(String, String), PortalError> {
    keys::rotate(
        &data_dir.join(state::KEY_FILE),
        &data_dir.join(state::RETIRED_KEYS_FILE),
        &state::now_vn().to_rfc3339(),
    )
    .map_err(|e| PortalError::Startup(format!("{e:#}")))
}

/// Shared so tests can compare what a client holds with what was stored.
pub type SharedStorage = Arc<dyn storage::UploadStorage>;
