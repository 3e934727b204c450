//! Procedure schemas: what a dossier for one administrative procedure must
//! hold, as data. Schemas are written under `assets/procedures/`, served by
//! portals and cached by the app so that dossiers can be built offline.

use crate::length::LengthUnit;
use crate::{Bilingual, ProcedureCode};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The schema format this build understands.
pub const SCHEMA_FORMAT: u32 = 1;

/// One version of one procedure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Procedure {
    /// Schema format number; see [`SCHEMA_FORMAT`].
    pub format: u32,
    /// Stable code of the procedure.
    pub code: ProcedureCode,
    /// Version of this procedure's rules, e.g. `2026.07`.
    pub version: String,
    /// The procedure's name.
    pub name: Bilingual,
    /// The agency that receives and decides the dossier.
    pub agency: Bilingual,
    /// Legal documents the rules come from.
    #[serde(default)]
    pub legal_basis: Vec<String>,
    /// First day these rules apply to received dossiers.
    pub effective_from: NaiveDate,
    /// Last day these rules apply, when a newer version replaces them.
    #[serde(default)]
    pub effective_until: Option<NaiveDate>,
    /// Fee in đồng.
    pub fee_vnd: u64,
    /// Statutory processing time in working days.
    pub processing_days: u32,
    /// Groups of fields, in the order of the official form.
    pub sections: Vec<Section>,
    /// Documents the dossier carries.
    pub attachments: Vec<AttachmentSlot>,
    /// Which fields name the applicant on the receipt.
    pub receipt: ReceiptFields,
    /// Where a rule or limit is an assumption rather than published.
    #[serde(default)]
    pub notes: Vec<Bilingual>,
}

/// A titled group of fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Identifier, unique in the procedure (`[a-z0-9_]+`).
    pub id: String,
    /// Heading shown above the fields.
    pub title: Bilingual,
    /// The fields, in form order.
    pub fields: Vec<Field>,
}

/// One field of the form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Identifier, unique in its section (`[a-z0-9_]+`).
    pub id: String,
    /// Label shown beside the input.
    pub label: Bilingual,
    /// What kind of value the field takes.
    #[serde(rename = "type")]
    pub kind: FieldKind,
    /// Whether the dossier is incomplete without it.
    #[serde(default)]
    pub required: bool,
    /// Longest accepted value and the unit the portal counts in.
    #[serde(default)]
    pub max_length: Option<LengthLimit>,
    /// A hint shown under the input.
    #[serde(default)]
    pub help: Option<Bilingual>,
}

/// The kinds of value a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines of text.
    LongText,
    /// A Vietnamese enterprise tax code with its check digit.
    TaxCode,
    /// A Vietnamese phone number.
    Phone,
    /// An e-mail address.
    Email,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
}

/// A length limit with the unit the receiving system counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LengthLimit {
    /// Largest accepted length.
    pub max: u32,
    /// What is counted.
    pub unit: LengthUnit,
}

/// A place for documents of one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentSlot {
    /// Identifier, unique in the procedure (`[a-z0-9_]+`).
    pub id: String,
    /// What the document is.
    pub label: Bilingual,
    /// Whether the dossier is incomplete without one.
    #[serde(default)]
    pub required: bool,
    /// Accepted file name extensions, lower case, without the dot.
    pub accept: Vec<String>,
    /// Largest accepted file, in bytes.
    pub max_size_bytes: u64,
    /// Most documents the slot takes.
    pub max_count: u32,
}

/// Field paths (`section.field`) printed on the receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptFields {
    /// The applicant's name.
    pub applicant_name: String,
    /// The applicant's address.
    #[serde(default)]
    pub applicant_address: Option<String>,
}

/// Why a schema was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProcedureError {
    /// Not JSON of the schema's shape.
    #[error("lược đồ thủ tục không đọc được / procedure schema is malformed: {0}")]
    Malformed(#[from] serde_json::Error),
    /// Written for a schema format this build does not know.
    #[error(
        "lược đồ dùng định dạng {found}, ứng dụng hiểu định dạng {SCHEMA_FORMAT} / schema format {found} is not supported (this build reads {SCHEMA_FORMAT})"
    )]
    UnsupportedFormat {
        /// The format the file declares.
        found: u32,
    },
    /// An identifier is malformed or used twice.
    #[error("mã định danh không hợp lệ hoặc trùng / identifier invalid or repeated: {0}")]
    BadIdentifier(String),
    /// A reference names a field that does not exist.
    #[error("tham chiếu tới trường không tồn tại / reference to a missing field: {0}")]
    DanglingReference(String),
}

impl Procedure {
    /// Parses and checks a schema, so that nothing downstream meets a
    /// repeated identifier or a dangling reference.
    pub fn from_json(text: &str) -> Result<Self, ProcedureError> {
        let p: Procedure = serde_json::from_str(text)?;
        if p.format != SCHEMA_FORMAT {
            return Err(ProcedureError::UnsupportedFormat { found: p.format });
        }
        let mut paths = BTreeSet::new();
        let mut sections = BTreeSet::new();
        for s in &p.sections {
            if !is_identifier(&s.id) || !sections.insert(s.id.as_str()) {
                return Err(ProcedureError::BadIdentifier(s.id.clone()));
            }
            for f in &s.fields {
                let path = format!("{}.{}", s.id, f.id);
                if !is_identifier(&f.id) || !paths.insert(path.clone()) {
                    return Err(ProcedureError::BadIdentifier(path));
                }
            }
        }
        let mut slots = BTreeSet::new();
        for a in &p.attachments {
            if !is_identifier(&a.id) || !slots.insert(a.id.as_str()) {
                return Err(ProcedureError::BadIdentifier(a.id.clone()));
            }
        }
        let refs = std::iter::once(&p.receipt.applicant_name).chain(&p.receipt.applicant_address);
        for r in refs {
            if !paths.contains(r) {
                return Err(ProcedureError::DanglingReference(r.clone()));
            }
        }
        Ok(p)
    }

    /// Every field with its `section.field` path, in form order.
    pub fn fields(&self) -> impl Iterator<Item = (String, &Field)> {
        self.sections.iter().flat_map(|s| {
            s.fields
                .iter()
                .map(move |f| (format!("{}.{}", s.id, f.id), f))
        })
    }

    /// The attachment slot with this identifier.
    pub fn slot(&self, id: &str) -> Option<&AttachmentSlot> {
        self.attachments.iter().find(|a| a.id == id)
    }
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 48
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The procedure schemas that ship with HoSo, embedded at build time so that
/// the practice portal and tests have them without reading files.
pub fn bundled() -> Vec<&'static str> {
    vec![include_str!(
        "../../../assets/procedures/kiem-tra-cl-nhap-khau.json"
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_schema_parses() {
        for text in bundled() {
            let p = Procedure::from_json(text).expect("bundled schema is valid");
            assert!(p.fields().count() > 0);
            assert!(!p.attachments.is_empty());
        }
    }

    fn sample() -> serde_json::Value {
        serde_json::from_str(bundled()[0]).expect("bundled schema is JSON")
    }

    #[test]
    fn a_repeated_field_identifier_is_refused() {
        let mut v = sample();
        let first = v["sections"][0]["fields"][0].clone();
        v["sections"][0]["fields"]
            .as_array_mut()
            .expect("fields is an array")
            .push(first);
        let err = Procedure::from_json(&v.to_string()).expect_err("duplicate accepted");
        assert!(matches!(err, ProcedureError::BadIdentifier(_)), "{err}");
    }

    #[test]
    fn a_receipt_reference_to_a_missing_field_is_refused() {
        let mut v = sample();
        v["receipt"]["applicant_name"] = "nowhere.name".into();
        let err = Procedure::from_json(&v.to_string()).expect_err("dangling accepted");
        assert!(matches!(err, ProcedureError::DanglingReference(_)), "{err}");
    }

    #[test]
    fn an_unknown_format_or_broken_json_is_refused_with_its_reason() {
        let mut v = sample();
        v["format"] = 99.into();
        let err = Procedure::from_json(&v.to_string()).expect_err("format 99 accepted");
        assert!(matches!(
            err,
            ProcedureError::UnsupportedFormat { found: 99 }
        ));
        let err = Procedure::from_json("{\"format\": 1,").expect_err("truncated accepted");
        assert!(err.to_string().contains("malformed"));
    }
}
