//! A read-only view of a portal's data folder, for administrators and for
//! tests that check what a portal really stored (not what it answered).

use crate::state::{DB_FILE, UPLOADS_DIR};
use rusqlite::{Connection, OpenFlags};
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
    conn: Connection,
    uploads: PathBuf,
}

impl Inspector {
    /// Opens the folder; the portal may be running.
    pub fn open(data_dir: &Path) -> rusqlite::Result<Self> {
        let conn =
            Connection::open_with_flags(data_dir.join(DB_FILE), OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        Ok(Self {
            conn,
            uploads: data_dir.join(UPLOADS_DIR),
        })
    }

    /// Every dossier, oldest first.
    pub fn dossiers(&self) -> rusqlite::Result<Vec<StoredDossier>> {
        let mut stmt = self.conn.prepare(
            "SELECT code, procedure_code, status FROM dossiers ORDER BY received_at, code",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        let mut docs = self.conn.prepare(
            "SELECT name, sha256, upload_id FROM dossier_documents WHERE dossier_code = ?1 ORDER BY position",
        )?;
        rows.into_iter()
            .map(|(code, procedure, status)| {
                let documents = docs
                    .query_map([&code], |r| {
                        Ok(StoredDocument {
                            name: r.get(0)?,
                            sha256: r.get(1)?,
                            path: self.uploads.join(r.get::<_, String>(2)?),
                        })
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(StoredDossier {
                    code,
                    procedure,
                    status,
                    documents,
                })
            })
            .collect()
    }
}
