//! A supplement: what the applicant sends when the agency asks for more
//! ("yêu cầu bổ sung hồ sơ"): an answer in words and documents that add to
//! or replace those filed, checked here by the same rules in the app and at
//! the portal, and the receipt the portal signs for it.

use crate::procedure::{AttachmentSlot, Procedure};
use crate::receipt::ReceivedDocument;
use crate::validate::{Problem, ProblemCode, check_document};
use crate::{AttachedDocument, Bilingual, DossierCode, Sha256Digest};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// Supplement receipt format this build writes.
pub const SUPPLEMENT_FORMAT: u32 = 1;
/// The slot of a document that answers the request but is none of the
/// procedure's kinds ("giấy tờ khác").
pub const OTHER_SLOT: &str = "bo_sung";
/// Longest answer, in characters after normalisation.
pub const ANSWER_MAX_CHARS: usize = 2000;
/// Most documents in one supplement.
pub const MAX_DOCUMENTS: usize = 20;
/// Largest document filed under [`OTHER_SLOT`].
pub const OTHER_MAX_BYTES: u64 = 50 * 1024 * 1024;

/// What the applicant sends: an answer and documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Supplement {
    /// The answer to the request, in the applicant's words.
    pub answer: String,
    /// Documents added; one in a slot already filed replaces it.
    pub documents: Vec<AttachedDocument>,
}

/// The slot a supplement document under `id` is judged by: the procedure's
/// own, or the catch-all [`OTHER_SLOT`] taking the usual scan formats.
pub fn slot_for(procedure: &Procedure, id: &str) -> Option<AttachmentSlot> {
    if id == OTHER_SLOT {
        let mut slot = procedure.attachments.first()?.clone();
        slot.id = OTHER_SLOT.to_owned();
        slot.label = Bilingual::new("Giấy tờ bổ sung khác", "Other supplementary document");
        slot.required = false;
        slot.required_when = None;
        slot.accept = ["pdf", "jpg", "jpeg", "png", "docx", "xlsx", "zip"]
            .map(str::to_owned)
            .to_vec();
        slot.max_size_bytes = OTHER_MAX_BYTES;
        return Some(slot);
    }
    procedure.slot(id).cloned()
}

impl Supplement {
    /// The supplement as stored and sent: answer and names normalised.
    pub fn normalized(&self) -> Self {
        Self {
            answer: crate::length::normalize(&self.answer),
            documents: self
                .documents
                .iter()
                .map(|d| AttachedDocument {
                    name: crate::length::normalize(&d.name),
                    ..d.clone()
                })
                .collect(),
        }
    }

    /// Every problem of this supplement to a dossier of `procedure`.
    pub fn check(&self, procedure: &Procedure) -> Vec<Problem> {
        let mut out = Vec::new();
        let answer = crate::length::normalize(&self.answer);
        let chars = answer.chars().count();
        let problem = |path: &str, code, vi: String, en: String| Problem {
            path: path.to_owned(),
            code,
            message: Bilingual::new(vi, en),
        };
        if answer.is_empty() && self.documents.is_empty() {
            out.push(problem(
                "answer",
                ProblemCode::Required,
                "Hãy trả lời yêu cầu hoặc đính kèm ít nhất một tệp.".into(),
                "Answer the request or attach at least one file.".into(),
            ));
        }
        if chars > ANSWER_MAX_CHARS {
            out.push(problem(
                "answer",
                ProblemCode::TooLong,
                format!("Nội dung trả lời dài {chars}/{ANSWER_MAX_CHARS} ký tự — hãy rút gọn."),
                format!("The answer is {chars}/{ANSWER_MAX_CHARS} characters — shorten it."),
            ));
        }
        if self.documents.len() > MAX_DOCUMENTS {
            out.push(problem(
                "documents",
                ProblemCode::TooManyDocuments,
                format!(
                    "Một lần bổ sung nhận tối đa {MAX_DOCUMENTS} tệp, đang có {}.",
                    self.documents.len()
                ),
                format!(
                    "One supplement takes at most {MAX_DOCUMENTS} files, this has {}.",
                    self.documents.len()
                ),
            ));
        }
        for doc in &self.documents {
            match slot_for(procedure, &doc.slot) {
                Some(slot) => out.extend(check_document(
                    &slot,
                    &crate::length::normalize(&doc.name),
                    doc.size,
                )),
                None => out.push(problem(
                    &format!("documents.{}", doc.slot),
                    ProblemCode::UnknownSlot,
                    format!("Thủ tục này không nhận loại giấy tờ “{}”.", doc.slot),
                    format!("This procedure takes no document of kind “{}”.", doc.slot),
                )),
            }
        }
        out
    }
}

/// What the portal certifies it received in answer to a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupplementReceipt {
    /// Supplement receipt format number.
    pub supplement_format: u32,
    /// The portal that issued it.
    pub portal: Bilingual,
    /// The desk or agency that received it.
    pub receiving_agency: Bilingual,
    /// The dossier it supplements.
    pub dossier_code: DossierCode,
    /// 1 for the first supplement of the dossier, and so on.
    pub number: u32,
    /// What the agency had asked for.
    pub request: String,
    /// The portal account that sent it.
    pub account: String,
    /// The applicant's answer.
    pub answer: String,
    /// Every document received with it.
    pub documents: Vec<ReceivedDocument>,
    /// When the portal recorded it (+07:00).
    pub received_at: DateTime<FixedOffset>,
    /// The day the result is now due: the processing time counts again
    /// from the supplement, in working days.
    pub appointment_date: NaiveDate,
    /// SHA-256 of the supplement's canonical JSON as sent.
    pub content_sha256: Sha256Digest,
    /// Fingerprint of the key that signed it.
    pub key_id: String,
}

/// SHA-256 of a supplement's canonical JSON (RFC 8785), after normalising:
/// the same supplement always hashes the same, in the app and the portal.
pub fn content_sha256(supplement: &Supplement) -> Sha256Digest {
    let value = serde_json::to_value(supplement.normalized())
        .unwrap_or_else(|e| panic!("a supplement is plain data: {e}"));
    let bytes =
        serde_json_canonicalizer::to_vec(&value).unwrap_or_else(|e| panic!("canonical JSON: {e}"));
    Sha256Digest::of(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn procedure() -> Procedure {
        let (name, text) = crate::procedure::bundled()[0];
        Procedure::parse(name, text).expect("a bundled procedure")
    }

    fn doc(slot: &str, name: &str, size: u64) -> AttachedDocument {
        AttachedDocument {
            slot: slot.into(),
            name: name.into(),
            size,
            sha256: Sha256Digest::of(name.as_bytes()),
        }
    }

    #[test]
    fn an_empty_supplement_and_an_overlong_answer_are_refused() {
        let p = procedure();
        let empty = Supplement {
            answer: "  \u{200b} ".into(),
            documents: vec![],
        };
        let problems = empty.check(&p);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, ProblemCode::Required);
        let long = Supplement {
            answer: "ư".repeat(ANSWER_MAX_CHARS + 1),
            documents: vec![],
        };
        let problems = long.check(&p);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.vi.contains("2001/2000"), "{problems:?}");
        let fits = Supplement {
            answer: "ư".repeat(ANSWER_MAX_CHARS),
            documents: vec![],
        };
        assert!(fits.check(&p).is_empty());
    }

    #[test]
    fn documents_are_judged_by_their_slot_or_the_catch_all() {
        let p = procedure();
        let slot = &p.attachments[0];
        let ext = slot.accept[0].clone();
        let ok = Supplement {
            answer: "Bổ sung theo yêu cầu".into(),
            documents: vec![
                doc(&slot.id, &format!("ban-moi.{ext}"), 1000),
                doc(OTHER_SLOT, "giai-trinh.pdf", 2000),
            ],
        };
        assert!(ok.check(&p).is_empty(), "{:?}", ok.check(&p));
        let bad = Supplement {
            answer: String::new(),
            documents: vec![
                doc("khong_co", "a.pdf", 1),
                doc(OTHER_SLOT, "b.exe", 1),
                doc(OTHER_SLOT, "c.pdf", OTHER_MAX_BYTES + 1),
            ],
        };
        let codes: Vec<ProblemCode> = bad.check(&p).into_iter().map(|p| p.code).collect();
        assert_eq!(
            codes,
            vec![
                ProblemCode::UnknownSlot,
                ProblemCode::DocumentType,
                ProblemCode::DocumentTooLarge
            ]
        );
        let many = Supplement {
            answer: "x".into(),
            documents: (0..=MAX_DOCUMENTS)
                .map(|i| doc(OTHER_SLOT, &format!("{i}.pdf"), 1))
                .collect(),
        };
        assert_eq!(many.check(&p)[0].code, ProblemCode::TooManyDocuments);
    }

    #[test]
    fn the_content_hash_ignores_what_normalising_removes() {
        let a = Supplement {
            answer: " Đã bổ sung\u{200b} ".into(),
            documents: vec![doc(OTHER_SLOT, "a.pdf", 1)],
        };
        let b = Supplement {
            answer: "Đã bổ sung".into(),
            documents: vec![doc(OTHER_SLOT, "a.pdf", 1)],
        };
        assert_eq!(content_sha256(&a), content_sha256(&b));
        let c = Supplement {
            answer: "Đã bổ sung.".into(),
            ..b.clone()
        };
        assert_ne!(content_sha256(&b), content_sha256(&c));
    }
}
