//! A dossier's content: the values typed into the form and the documents
//! attached, as the app stores it and the portal receives it.

use crate::length::normalize;
use crate::{ProcedureCode, Sha256Digest};
use chrono::{DateTime, FixedOffset};
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
    pub fields: BTreeMap<String, Value>,
    /// The documents attached, in slot order.
    #[serde(default)]
    pub documents: Vec<AttachedDocument>,
}

/// One row of a table: cell values by column id.
pub type Row = BTreeMap<String, String>;

/// The value of one field: text for every kind but tables, rows for those.
/// In JSON a text is a string and a table an array of objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// The value of a text, number, date, choice or identifier field.
    Text(String),
    /// The rows of a table field, in order.
    Rows(Vec<Row>),
}

impl Value {
    /// The text, when this is not a table.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(t) => Some(t),
            Self::Rows(_) => None,
        }
    }

    /// The rows, when this is a table.
    pub fn as_rows(&self) -> Option<&[Row]> {
        match self {
            Self::Rows(r) => Some(r),
            Self::Text(_) => None,
        }
    }

    /// Whether nothing was entered.
    pub fn is_empty(&self) -> bool {
        match self {
            Self::Text(t) => t.is_empty(),
            Self::Rows(r) => r.is_empty(),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
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

/// [`DossierContent::place_document`] on a list of documents (the
/// window's editor holds them apart from the rest of the content).
pub fn place_document(
    documents: &mut Vec<AttachedDocument>,
    doc: AttachedDocument,
    max_count: u32,
) {
    if max_count <= 1 {
        documents.retain(|d| d.slot != doc.slot);
    }
    documents.push(doc);
}

impl DossierContent {
    /// Puts `doc` in its slot: a slot that takes one document
    /// (`max_count` 1) gives up the one it held, a slot that takes more
    /// keeps them. The window and the command line both attach by this.
    pub fn place_document(&mut self, doc: AttachedDocument, max_count: u32) {
        place_document(&mut self.documents, doc, max_count);
    }

    /// The content as it is stored and sent: every value, cell and file name
    /// normalised ([`normalize`]), empty values and cells dropped. Rows are
    /// kept even when empty, so that row numbers stay those the person sees.
    /// Two dossiers that look the same to a person normalise to the same
    /// content.
    pub fn normalized(&self) -> Self {
        let normalize_row = |row: &Row| -> Row {
            row.iter()
                .map(|(k, v)| (k.clone(), normalize(v)))
                .filter(|(_, v)| !v.is_empty())
                .collect()
        };
        Self {
            procedure: self.procedure.clone(),
            version: self.version.clone(),
            fields: self
                .fields
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::Text(t) => Value::Text(normalize(t)),
                        Value::Rows(rows) => Value::Rows(rows.iter().map(normalize_row).collect()),
                    };
                    (k.clone(), v)
                })
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

    /// The text of a field, if given.
    pub fn field(&self, path: &str) -> Option<&str> {
        self.fields.get(path).and_then(Value::as_text)
    }

    /// The rows of a table field; none when not given.
    pub fn rows(&self, path: &str) -> &[Row] {
        self.fields
            .get(path)
            .and_then(Value::as_rows)
            .unwrap_or_default()
    }

    /// Sets a text field.
    pub fn set(&mut self, path: &str, value: impl Into<String>) {
        self.fields
            .insert(path.to_owned(), Value::Text(value.into()));
    }

    /// Where this content and `other` say different things, as validation
    /// paths: each field whose value differs (given in one and not the
    /// other included), then `documents.SLOT` for each slot holding other
    /// files (by content; order and file names aside). Empty when both say
    /// the same, whichever version of the rules each was written against.
    /// Compare normalised content ([`Self::normalized`]) to judge what
    /// would be filed.
    pub fn differing_paths(&self, other: &Self) -> Vec<String> {
        let mut out: Vec<String> = self
            .fields
            .keys()
            .chain(other.fields.keys())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .filter(|path| self.fields.get(*path) != other.fields.get(*path))
            .cloned()
            .collect();
        fn files(c: &DossierContent) -> BTreeMap<&str, Vec<Sha256Digest>> {
            let mut by_slot: BTreeMap<&str, Vec<Sha256Digest>> = BTreeMap::new();
            for d in &c.documents {
                by_slot.entry(d.slot.as_str()).or_default().push(d.sha256);
            }
            for hashes in by_slot.values_mut() {
                hashes.sort();
            }
            by_slot
        }
        let (mine, theirs) = (files(self), files(other));
        let slots: std::collections::BTreeSet<&str> =
            mine.keys().chain(theirs.keys()).copied().collect();
        out.extend(
            slots
                .into_iter()
                .filter(|slot| mine.get(slot) != theirs.get(slot))
                .map(|slot| format!("documents.{slot}")),
        );
        out
    }
}

/// Where a dossier stands on this computer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DossierState {
    /// Being written; saved on every change.
    Draft,
    /// Sent or being sent under its idempotency key; no longer editable.
    Submitting,
    /// Filed; the receipt is kept.
    Submitted,
}

/// A line of the dossier list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierSummary {
    /// Local id.
    pub id: i64,
    /// Local id of the portal it is written for and filed with.
    #[serde(default)]
    pub portal: i64,
    /// The procedure.
    pub procedure: ProcedureCode,
    /// The procedure version it was written against.
    pub version: String,
    /// What the person sees as its name: the applicant's name, if given.
    pub title: String,
    /// Draft, being sent, or filed.
    pub state: DossierState,
    /// Last change (+07:00).
    pub updated_at: DateTime<FixedOffset>,
    /// Put away from the main list.
    pub archived: bool,
    /// The portal's dossier code, once filed.
    pub dossier_code: Option<String>,
    /// Its sending was paused by the person: it waits in the outbox and is
    /// not continued by itself.
    #[serde(default)]
    pub paused: bool,
    /// Once filed: where it stands at the portal, as last synced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking: Option<Tracking>,
}

/// A filed dossier's standing at its portal, as known on this computer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracking {
    /// Its state at the portal (`received` until a sync says otherwise).
    pub status: crate::status::Status,
    /// When the portal last answered a status sync (RFC 3339, +07:00);
    /// none yet: the state is the receipt's.
    pub confirmed_at: Option<String>,
    /// The appointment date on the receipt.
    pub appointment_date: chrono::NaiveDate,
    /// The deadline as of today, in working days.
    pub deadline: crate::deadline::Deadline,
}

/// A dossier as stored: its line in the list, its content and revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierRecord {
    /// The list line.
    pub summary: DossierSummary,
    /// What it says.
    pub content: DossierContent,
    /// Counts saves; a save names the revision it follows.
    pub revision: i64,
}

/// The acknowledgement of a save.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// The revision now stored.
    pub revision: i64,
    /// When it was committed (+07:00).
    pub saved_at: DateTime<FixedOffset>,
}

/// Which dossiers to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierQuery {
    /// Words to find in the title or any value, without regard to case or
    /// diacritics ("nguyen" finds "Nguyễn").
    #[serde(default)]
    pub text: String,
    /// Only this procedure.
    #[serde(default)]
    pub procedure: Option<ProcedureCode>,
    /// Only dossiers in this state.
    #[serde(default)]
    pub state: Option<DossierState>,
    /// List archived dossiers instead of current ones.
    #[serde(default)]
    pub archived: bool,
}

/// A document in the attachment library, with where it is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryItem {
    /// Content hash, the document's identity.
    pub sha256: Sha256Digest,
    /// Size in bytes.
    pub size: u64,
    /// The name it was first imported under, NFC.
    pub name: String,
    /// When it was imported (+07:00).
    pub imported_at: DateTime<FixedOffset>,
    /// Last day it is valid (certificates expire), when known.
    pub valid_until: Option<chrono::NaiveDate>,
    /// Whether that day had passed when the list was made.
    pub expired: bool,
    /// The dossiers that attach it.
    pub used_by: Vec<Usage>,
}

/// One dossier attaching a library document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Local id of the dossier.
    pub dossier: i64,
    /// Its title.
    pub title: String,
    /// The slot the document fills there.
    pub slot: String,
}

impl LibraryItem {
    /// Whether the document is no longer valid on `day`.
    pub fn expired_on(&self, day: chrono::NaiveDate) -> bool {
        self.valid_until.is_some_and(|last| last < day)
    }
}

/// Text folded for searching: NFD without combining marks, đ as d, lower
/// case, so that what a person types without accents still finds it.
pub fn search_key(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_for_one_document_gives_up_the_one_it_held_and_others_keep_theirs() {
        let doc = |slot: &str, name: &str| AttachedDocument {
            slot: slot.into(),
            name: name.into(),
            size: 1,
            sha256: Sha256Digest::of(name.as_bytes()),
        };
        let mut docs = vec![doc("contract", "old.pdf"), doc("invoice", "a.pdf")];
        place_document(&mut docs, doc("contract", "new.pdf"), 1);
        place_document(&mut docs, doc("invoice", "b.pdf"), 3);
        let names: Vec<_> = docs
            .iter()
            .map(|d| (d.slot.as_str(), d.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("invoice", "a.pdf"),
                ("contract", "new.pdf"),
                ("invoice", "b.pdf")
            ]
        );
    }

    #[test]
    fn differing_paths_name_changed_fields_and_slots_not_order_or_version() {
        let doc = |slot: &str, name: &str, bytes: &[u8]| AttachedDocument {
            slot: slot.into(),
            name: name.into(),
            size: bytes.len() as u64,
            sha256: Sha256Digest::of(bytes),
        };
        let a = DossierContent {
            procedure: "kiem-tra-cl-nhap-khau".parse().expect("code"),
            version: "2018.07".into(),
            fields: [
                ("importer.name".to_owned(), Value::from("Công ty A")),
                ("importer.phone".to_owned(), Value::from("024 1")),
            ]
            .into(),
            documents: vec![
                doc("contract", "a.pdf", b"1"),
                doc("photos", "p.jpg", b"2"),
                doc("photos", "q.jpg", b"3"),
            ],
        };
        let mut b = a.clone();
        b.version = "2026.07".into();
        b.documents.reverse();
        b.documents[0].name = "renamed.jpg".into();
        assert_eq!(a.differing_paths(&b), Vec::<String>::new());
        b.fields.remove("importer.phone");
        b.set("importer.email", "a@b.vn");
        b.set("importer.name", "Công ty B");
        b.documents.retain(|d| d.slot != "contract");
        b.documents.push(doc("contract", "a.pdf", b"changed"));
        assert_eq!(
            a.differing_paths(&b),
            [
                "importer.email",
                "importer.name",
                "importer.phone",
                "documents.contract"
            ]
        );
    }

    #[test]
    fn search_ignores_case_and_diacritics() {
        assert_eq!(search_key("Nguyễn Thị Đào"), "nguyen thi dao");
        assert!(search_key("Công ty TNHH Ánh Dương").contains(&search_key("anh duong")));
    }
}
