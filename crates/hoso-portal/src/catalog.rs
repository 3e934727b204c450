//! The procedures this portal receives, with the exact bytes it serves and
//! their ETag, so that apps can cache schemas and revalidate cheaply.

use crate::error::ApiError;
use axum::http::StatusCode;
use chrono::NaiveDate;
use hoso_core::procedure::SchemaError;
use hoso_core::{Procedure, ProcedureCode, Sha256Digest};
use std::collections::BTreeMap;
use std::path::Path;

/// One procedure version as served.
#[derive(Debug, Clone)]
pub struct CatalogEntry {
    /// The parsed schema, used to validate dossiers.
    pub procedure: Procedure,
    /// The schema as served.
    pub json: String,
    /// Strong ETag: the quoted SHA-256 of `json`.
    pub etag: String,
}

/// Every procedure version the portal knows, by code and version. A
/// dossier is judged by the version in force on the day it is received.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: BTreeMap<(ProcedureCode, String), CatalogEntry>,
}

/// Why the catalog could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A schema file is invalid; the error names file, line and field.
    #[error("{0}")]
    Schema(#[from] SchemaError),
    /// The folder could not be read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl Catalog {
    /// The procedures bundled with HoSo, then any `*.json` in `extra`
    /// (which replace bundled ones of the same code and version).
    pub fn load(extra: Option<&Path>) -> Result<Self, CatalogError> {
        let mut catalog = Self::default();
        for (name, text) in hoso_core::procedure::bundled() {
            catalog.add(name, text.to_owned())?;
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
                catalog.add(&f.display().to_string(), text)?;
            }
        }
        Ok(catalog)
    }

    fn add(&mut self, file: &str, json: String) -> Result<(), CatalogError> {
        let procedure = Procedure::parse(file, &json)?;
        let etag = format!("\"{}\"", Sha256Digest::of(json.as_bytes()));
        self.entries.insert(
            (procedure.code.clone(), procedure.version.clone()),
            CatalogEntry {
                procedure,
                json,
                etag,
            },
        );
        Ok(())
    }

    /// The version of `code` in force on `day`.
    pub fn get_on(&self, code: &ProcedureCode, day: NaiveDate) -> Option<&CatalogEntry> {
        let entry = |p: &Procedure| self.entries.get(&(p.code.clone(), p.version.clone()));
        hoso_core::procedure::in_force(self.entries.values().map(|e| &e.procedure), code, day)
            .and_then(entry)
    }

    /// Version `version` of `code`, in force or not.
    pub fn version(&self, code: &ProcedureCode, version: &str) -> Option<&CatalogEntry> {
        self.entries.get(&(code.clone(), version.to_owned()))
    }

    /// The version of `code` in force today.
    pub fn get(&self, code: &ProcedureCode) -> Option<&CatalogEntry> {
        self.get_on(code, crate::state::now_vn().date_naive())
    }

    /// The version in force on `day`, or the problem answer saying the
    /// portal does not receive that procedure.
    pub fn require(&self, code: &ProcedureCode, day: NaiveDate) -> Result<&CatalogEntry, ApiError> {
        self.get_on(code, day).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_procedure",
                format!("Cổng không tiếp nhận thủ tục {code}."),
                format!("This portal does not receive procedure {code}."),
            )
        })
    }

    /// The versions in force today, one per procedure.
    pub fn current(&self) -> impl Iterator<Item = &CatalogEntry> {
        let codes: std::collections::BTreeSet<&ProcedureCode> =
            self.entries.keys().map(|(c, _)| c).collect();
        codes.into_iter().filter_map(|c| self.get(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn each_dossier_meets_the_version_in_force_on_its_day() {
        let catalog = Catalog::load(None).expect("bundled");
        let code: ProcedureCode = "kiem-tra-cl-nhap-khau".parse().expect("code");
        let version = |d| {
            catalog
                .get_on(&code, day(d))
                .map(|e| e.procedure.version.clone())
        };
        assert_eq!(version("2026-06-30").as_deref(), Some("2018.07"));
        assert_eq!(version("2026-07-01").as_deref(), Some("2026.07"));
        assert_eq!(
            catalog.current().count(),
            4,
            "one version of each procedure today"
        );
        let err = catalog
            .require(&"khong-co".parse().expect("code"), day("2026-11-23"))
            .expect_err("unknown procedure");
        assert_eq!(err.code, "unknown_procedure");
    }

    #[test]
    fn a_broken_schema_in_the_data_folder_stops_the_portal_naming_file_and_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_, text) = hoso_core::procedure::bundled()[2];
        let broken = text.replacen("\"max\": 100", "\"max\": 0", 1);
        assert_ne!(broken, text);
        std::fs::write(dir.path().join("khai-sinh.json"), &broken).expect("write");
        let err = Catalog::load(Some(dir.path())).expect_err("broken schema accepted");
        let shown = err.to_string();
        let line = broken[..broken.find("\"max\": 0").expect("edit")]
            .matches('\n')
            .count()
            + 1;
        assert!(shown.contains("khai-sinh.json:"), "{shown}");
        assert!(shown.contains("max_length must be above 0"), "{shown}");
        let CatalogError::Schema(e) = err else {
            panic!("{shown}")
        };
        assert!(
            e.line <= line && e.line + 8 >= line,
            "{shown} vs line {line}"
        );
    }
}
