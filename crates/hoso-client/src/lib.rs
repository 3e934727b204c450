//! HoSo's engines, shared by the desktop app and the command line: the
//! profile's local store, the attachment library, portals and their cached
//! procedures, tus uploads and exactly-once submission.
//!
//! A profile is one folder: `hoso.sqlite3` (the store) and `library/` (the
//! attachments by SHA-256).

pub mod error;
pub mod http;
pub mod library;
pub mod portal;
pub mod store;
pub mod submit;
pub mod tus;

pub use error::ClientError;
pub use library::LibraryEntry;
pub use portal::{AddPortal, PortalRecord};
pub use submit::Submitted;

use hoso_core::{DossierContent, Procedure};
use std::path::{Path, PathBuf};

/// The store file inside a profile folder.
pub const STORE_FILE: &str = "hoso.sqlite3";
/// The library folder inside a profile folder.
pub const LIBRARY_DIR: &str = "library";

/// One user profile: its store, library and HTTP client.
#[derive(Debug, Clone)]
pub struct Client {
    profile: PathBuf,
    store: store::Store,
    library: library::Library,
    http: http::Http,
}

impl Client {
    /// Opens (creating if needed) the profile in `dir`.
    pub async fn open(dir: &Path) -> Result<Self, ClientError> {
        let profile = dir.to_owned();
        let (store, library) = tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&profile).map_err(|e| ClientError::file(&profile, e))?;
            let store = store::Store::open(&profile.join(STORE_FILE))?;
            let library = library::Library::open(profile.join(LIBRARY_DIR), store.clone())?;
            Ok::<_, ClientError>((store, library))
        })
        .await
        .map_err(|e| ClientError::Protocol(format!("open task failed: {e}")))??;
        Ok(Self {
            profile: dir.to_owned(),
            store,
            library,
            http: http::Http::new()?,
        })
    }

    /// The profile folder.
    pub fn profile_dir(&self) -> &Path {
        &self.profile
    }

    /// Adds (or refreshes) a portal, pinning its receipt key on first use.
    pub async fn add_portal(
        &self,
        base_url: &str,
        how: AddPortal,
    ) -> Result<PortalRecord, ClientError> {
        portal::add(&self.store, &self.http, base_url, how).await
    }

    /// Every portal of the profile, the practice portal first.
    pub async fn portals(&self) -> Result<Vec<PortalRecord>, ClientError> {
        portal::list(&self.store).await
    }

    /// The portal's procedures, refreshed when it answers, cached otherwise.
    pub async fn procedures(&self, portal: &PortalRecord) -> Result<Vec<Procedure>, ClientError> {
        portal::procedures(&self.store, &self.http, portal).await
    }

    /// Copies a file into the attachment library.
    pub async fn import_attachment(&self, path: &Path) -> Result<LibraryEntry, ClientError> {
        self.library.import(path).await
    }

    /// Checks, uploads and files a dossier exactly once; returns the
    /// verified receipt.
    pub async fn submit(
        &self,
        portal: &PortalRecord,
        content: DossierContent,
    ) -> Result<Submitted, ClientError> {
        submit::submit(&self.store, &self.library, &self.http, portal, content).await
    }
}

/// `N` random bytes from the operating system.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // Without OS randomness no safe key can be made; stopping is correct.
    getrandom::fill(&mut buf).unwrap_or_else(|e| panic!("operating-system randomness: {e}"));
    buf
}
