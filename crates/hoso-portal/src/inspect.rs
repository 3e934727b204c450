//! A read-only view of a portal's data folder, for administrators and for
//! tests that check what a portal really stored (not what it answered).

use crate::state::{DB_FILE, UPLOADS_DIR};
use std::path::{Path, PathBuf};

/// A dossier as stored.
#[derive(Debug, Clone)]
pub struct StoredDossier {
    /// Its code.
    pub code: String,
    /// Its procedure.
    pub procedure: String,
    /// Its status.
    pub status: String,
    /// Its documents.
    pub documents: Vec<StoredDocument>,
}

/// A document as stored.
#[derive(Debug, Clone)]
pub struct StoredDocument {
    /// File name.
    pub name: String,
    /// SHA-256 the portal recorded.
    pub sha256: String,
    /// The file holding its bytes.
    pub path: PathBuf,
}

/// Opens a portal's data folder read-only.
#[derive(Debug)]
pub struct Inspector {
    db: PathBuf,
    uploads: PathBuf,
}

impl Inspector {
    /// Opens the folder; the portal may be running.
    pub fn open(data_dir: &Path) -> rusqlite::Result<Self> {
        Ok(Self {
            db: data_dir.join(DB_FILE),
            uploads: data_dir.join(UPLOADS_DIR),
        })
    }

    /// Every dossier, oldest first.
    pub fn dossiers(&self) -> rusqlite::Result<Vec<StoredDossier>> {
        Ok(crate::records::inspect_sqlite(&self.db)?
            .into_iter()
            .map(|d| stored(d, &self.uploads))
            .collect())
    }
}

/// A dossier as the records hold it, its documents' bytes in `uploads`.
pub(crate) fn stored(d: crate::records::StoredDossier, uploads: &Path) -> StoredDossier {
    StoredDossier {
        code: d.code,
        procedure: d.procedure,
        status: d.status,
        documents: d
            .documents
            .into_iter()
            .map(|(name, sha256, upload)| StoredDocument {
                name,
                sha256,
                path: uploads.join(upload),
            })
            .collect(),
    }
}
