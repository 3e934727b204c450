//! The HoSo intake portal: the server that receives dossiers. It is the
//! practice portal inside the desktop app and a reference server an agency
//! can run on its own (`hoso-portal serve`).
//!
//! HTTP lives in [`routes`]; the rules a dossier is judged by come from
//! `hoso-core`, the same code the app runs offline; records behind one
//! interface ([`records`], SQLite by default) and upload bytes behind
//! [`storage::UploadStorage`].

pub mod catalog;
mod concat;
pub mod config;
pub mod console;
mod documents;
pub mod duties;
pub mod error;
pub mod expiry;
pub mod figures;
mod filing;
pub mod inspect;
mod intake;
mod keys;
mod lookup;
pub mod payments;
pub mod practice_bank;
mod private;
mod quota;
mod random;
mod ratings;
pub mod records;
mod refunds;
mod results;
mod routes;
mod server;
pub use routes::OPENAPI;
mod state;
pub mod storage;
mod supplements;
mod tracking;

pub use config::PortalConfig;
pub use records::Role;
pub use server::raise_fd_limit;

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
    // For `practice-pay` (and anyone on this machine): where to reach it.
    let data_dir = state.config.data_dir.clone();
    tokio::task::spawn_blocking(move || practice_bank::write_address(&data_dir, addr))
        .await
        .map_err(|e| PortalError::Startup(e.to_string()))?
        .map_err(|e| PortalError::Startup(format!("{}: {e}", practice_bank::ADDRESS_FILE)))?;
    let released = filing::release_abandoned_claims(&state.db)
        .await
        .map_err(|e| PortalError::Database(format!("{}: {}", e.code, e.message.en)))?;
    if released > 0 {
        tracing::warn!(released, "submissions cut off by a stop were released");
    }
    let indexed = filing::index_missing(&state)
        .await
        .map_err(|e| PortalError::Database(format!("{}: {}", e.code, e.message.en)))?;
    if indexed > 0 {
        tracing::info!(indexed, "dossiers indexed for the officers' queue");
    }
    let app = routes::router(state.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server::serve(listener, app, state.clone(), rx));
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

impl RunningPortal {
    /// Sweeps now, rather than at the next periodic sweep: removes the
    /// unfiled uploads whose expiry passed and applies their deadline to
    /// the payment requests whose deadline passed; what it did.
    pub async fn sweep_expired(&self) -> Result<expiry::Swept, PortalError> {
        expiry::sweep(&self.state)
            .await
            .map_err(|e| PortalError::Database(format!("{}: {}", e.code, e.message)))
    }

    /// Every dossier as its records hold it (read from the database, not
    /// from an answer), oldest first.
    pub async fn stored_dossiers(&self) -> Result<Vec<inspect::StoredDossier>, PortalError> {
        let uploads = self.state.config.data_dir.join(state::UPLOADS_DIR);
        Ok(self
            .state
            .db
            .stored_dossiers()
            .await
            .map_err(|e| PortalError::Database(format!("{}: {}", e.code, e.message.en)))?
            .into_iter()
            .map(|d| inspect::stored(d, &uploads))
            .collect())
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

    /// Creates or changes an officer's account for the console: its name,
    /// duties and, when given, its password.
    pub async fn set_officer(
        &self,
        account: &str,
        display_name: &str,
        duties: duties::Duties,
        password: Option<&str>,
    ) -> Result<(), PortalError> {
        set_officer(
            &self.state.db,
            account,
            display_name,
            Some(duties),
            password,
        )
        .await
    }

    /// Says it is stopping (readiness fails), stops accepting requests
    /// and lets those under way finish, for `shutdown_grace` at most.
    pub async fn stop(mut self) {
        self.state.drain();
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
    db: &records::Records,
    role: Role,
    account: &str,
    display_name: &str,
) -> Result<String, PortalError> {
    let token = random::token();
    let digest = hoso_core::Sha256Digest::of(token.as_bytes()).to_hex();
    let (account, display_name) = (account.to_owned(), display_name.to_owned());
    let now = state::now_vn().to_rfc3339();
    db.add_token(role, account, display_name, digest, now)
        .await
        .map_err(|e| PortalError::Database(e.message.to_string()))?;
    Ok(token)
}

async fn set_officer(
    db: &records::Records,
    account: &str,
    display_name: &str,
    duties: Option<duties::Duties>,
    password: Option<&str>,
) -> Result<(), PortalError> {
    let failed = |e: error::ApiError| PortalError::Database(e.message.to_string());
    let password_hash = match password {
        Some(p) => Some(console::session::hash_password(p).map_err(failed)?),
        None => None,
    };
    db.set_officer(records::OfficerChange {
        account: account.to_owned(),
        display_name: display_name.to_owned(),
        duties,
        password_hash,
        now: state::now_vn().to_rfc3339(),
    })
    .await
    .map_err(failed)
}

/// Registers an officer in a portal's data folder without starting it
/// (`hoso-portal add-officer`) and issues a token for the officer API;
/// with `duties` or `password`, sets them for the console too. The token.
pub async fn add_officer(
    data_dir: &std::path::Path,
    database: &config::Database,
    account: &str,
    display_name: &str,
    duties: Option<duties::Duties>,
    password: Option<&str>,
) -> Result<String, PortalError> {
    private::create_dir(data_dir).map_err(|e| PortalError::Startup(e.to_string()))?;
    let db = records::Records::open(database, data_dir, "admin")
        .await
        .map_err(|e| PortalError::Database(format!("{e:#}")))?;
    let token = issue_token(&db, Role::Officer, account, display_name).await?;
    if duties.is_some() || password.is_some() {
        set_officer(&db, account, display_name, duties, password).await?;
    }
    Ok(token)
}

/// Registers an applicant or officer in a portal's data folder without
/// starting it (the `add-applicant` and `add-officer` admin commands);
/// returns the new token.
pub async fn add_account(
    data_dir: &std::path::Path,
    database: &config::Database,
    role: Role,
    account: &str,
    display_name: &str,
) -> Result<String, PortalError> {
    private::create_dir(data_dir).map_err(|e| PortalError::Startup(e.to_string()))?;
    let db = records::Records::open(database, data_dir, "admin")
        .await
        .map_err(|e| PortalError::Database(format!("{e:#}")))?;
    issue_token(&db, role, account, display_name).await
}

/// Retires a portal's receipt key and makes a new one (the `rotate-key`
/// admin command), where `config` keeps them; the old and new
/// fingerprints. The old public key stays published in discovery. A
/// running portal uses the new key once restarted (every replica, when
/// they share the key).
pub fn rotate_key(config: &PortalConfig) -> Result<(String, String), PortalError> {
    keys::rotate(
        &config.receipt_key_path(),
        &config.retired_keys_path(),
        &state::now_vn().to_rfc3339(),
    )
    .map_err(|e| PortalError::Startup(format!("{e:#}")))
}

/// Shared so tests can compare what a client holds with what was stored.
pub type SharedStorage = Arc<dyn storage::UploadStorage>;
