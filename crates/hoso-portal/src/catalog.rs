//! The procedures this portal receives, with the exact bytes it serves and
//! their ETag, so that apps can cache schemas and revalidate cheaply.

use hoso_core::procedure::ProcedureError;
use hoso_core::{Procedure, ProcedureCode, Sha256Digest};
use std::collections::BTreeMap;
use std::path::Path;

/// One procedure as served.
#[derive(Debug, Clone)]
pub struct CatalogEntry {
    /// The parsed schema, used to validate dossiers.
    pub procedure: Procedure,
    /// The schema as served.
    pub json: String,
    /// Strong ETag: the quoted SHA-256 of `json`.
    pub etag: String,
}

/// Every procedure the portal receives, by code.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: BTreeMap<ProcedureCode, CatalogEntry>,
}

/// Why the catalog could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A schema file is invalid.
    #[error("{file}: {source}")]
    Schema {
        /// Which file.
        file: String,
        /// What is wrong.
        source: ProcedureError,
    },
    /// The folder could not be read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl Catalog {
    /// The procedures bundled with HoSo, then any `*.json` in `extra`
    /// (which replace bundled ones of the same code).
    pub fn load(extra: Option<&Path>) -> Result<Self, CatalogError> {
        let mut catalog = Self::default();
        for (i, text) in hoso_core::procedure::bundled().into_iter().enumerate() {
            catalog.add(format!("bundled #{i}"), text.to_owned())?;
        }
        if let Some(dir) = extra.filter(|d| d.is_dir()) {
            let mut files: Vec<_> = std::fs::read_dir(dir)?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            files.sort();
            for f in files {
                let text = std::fs::read_to_string(&f)?;
                catalog.add(f.display().to_string(), text)?;
            }
        }
        Ok(catalog)
    }

    fn add(&mut self, file: String, json: String) -> Result<(), CatalogError> {
        let procedure =
            Procedure::from_json(&json).map_err(|source| CatalogError::Schema { file, source })?;
        let etag = format!("\"{}\"", Sha256Digest::of(json.as_bytes()));
        self.entries.insert(
            procedure.code.clone(),
            CatalogEntry {
                procedure,
                json,
                etag,
            },
        );
        Ok(())
    }

    /// The procedure with this code.
    pub fn get(&self, code: &ProcedureCode) -> Option<&CatalogEntry> {
        self.entries.get(code)
    }

    /// Every procedure, by code.
    pub fn iter(&self) -> impl Iterator<Item = &CatalogEntry> {
        self.entries.values()
    }
}
