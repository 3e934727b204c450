//! A dossier's content: the values typed into the form and the documents
//! attached, as the app stores it and the portal receives it.

use crate::length::normalize;
use crate::{ProcedureCode, Sha256Digest};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a dossier says, independent of where it is stored or sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierContent {
    /// The procedure the dossier is filed under.
    pub procedure: ProcedureCode,
    /// The version of the procedure's rules it was written against.
    pub version: String,
    /// Field values by `section.field` path.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// The documents attached, in slot order.
    #[serde(default)]
    pub documents: Vec<AttachedDocument>,
}

/// One attached document, identified by its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedDocument {
    /// The attachment slot it fills.
    pub slot: String,
    /// The file name, NFC.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the whole file.
    pub sha256: Sha256Digest,
}

impl DossierContent {
    /// The content as it is stored and sent: every value and file name in
    /// NFC without surrounding whitespace, empty values dropped. Two dossiers
    /// that look the same to a person normalise to the same content.
    pub fn normalized(&self) -> Self {
        Self {
            procedure: self.procedure.clone(),
            version: self.version.clone(),
            fields: self
                .fields
                .iter()
                .map(|(k, v)| (k.clone(), normalize(v)))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
            documents: self
                .documents
                .iter()
                .map(|d| AttachedDocument {
                    name: normalize(&d.name),
                    ..d.clone()
                })
                .collect(),
        }
    }

    /// The value of a field, if given.
    pub fn field(&self, path: &str) -> Option<&str> {
        self.fields.get(path).map(String::as_str)
    }
}
