//! Checking a dossier against its procedure, giving every problem at once,
//! each with the field it concerns and what the person should do.
//!
//! The app runs this as the user types and the portal runs it again at
//! submission: one function, so the two can never disagree.

use crate::bilingual::{byte_size, en_number, vi_number};
use crate::length::measure;
use crate::procedure::{Field, FieldKind};
use crate::{Bilingual, DossierContent, Procedure};
use serde::{Deserialize, Serialize};

/// One thing wrong with a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// `section.field` for a field, `documents.slot` for an attachment,
    /// empty for the dossier as a whole.
    pub path: String,
    /// What kind of problem it is, for programs.
    pub code: ProblemCode,
    /// What is wrong and what to do, for people.
    pub message: Bilingual,
}

/// Machine-readable kinds of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// The dossier names another procedure or version than the schema.
    ProcedureMismatch,
    /// A required field is empty.
    Required,
    /// A value is longer than the field's limit.
    TooLong,
    /// A value is not of the field's kind (tax code, phone, e-mail, date).
    Invalid,
    /// A value was given for a field the procedure does not have.
    UnknownField,
    /// A required document is missing.
    DocumentMissing,
    /// A document is attached to a slot the procedure does not have.
    UnknownSlot,
    /// A document's file type is not accepted by its slot.
    DocumentType,
    /// A document is larger than its slot accepts.
    DocumentTooLarge,
    /// More documents than the slot accepts.
    TooManyDocuments,
}

/// Every problem of `dossier` judged by `procedure`; empty when it may be filed.
pub fn validate(procedure: &Procedure, dossier: &DossierContent) -> Vec<Problem> {
    let dossier = dossier.normalized();
    let mut problems = Vec::new();
    if dossier.procedure != procedure.code || dossier.version != procedure.version {
        problems.push(Problem {
            path: String::new(),
            code: ProblemCode::ProcedureMismatch,
            message: Bilingual::new(
                format!(
                    "Hồ sơ viết theo thủ tục {} phiên bản {}, nhưng quy định hiện hành là {} phiên bản {} — hãy mở lại hồ sơ để cập nhật.",
                    dossier.procedure, dossier.version, procedure.code, procedure.version
                ),
                format!(
                    "The dossier was written for {} version {}, but the rules in force are {} version {} — reopen the dossier to update it.",
                    dossier.procedure, dossier.version, procedure.code, procedure.version
                ),
            ),
        });
    }
    let mut known = std::collections::BTreeSet::new();
    for (path, field) in procedure.fields() {
        match dossier.field(&path) {
            None if field.required => problems.push(Problem {
                code: ProblemCode::Required,
                message: Bilingual::new(
                    format!("Chưa nhập “{}” — trường này bắt buộc.", field.label.vi),
                    format!("“{}” is required.", field.label.en),
                ),
                path: path.clone(),
            }),
            None => {}
            Some(value) => problems.extend(check_value(&path, field, value)),
        }
        known.insert(path);
    }
    for path in dossier.fields.keys().filter(|p| !known.contains(*p)) {
        problems.push(Problem {
            path: path.clone(),
            code: ProblemCode::UnknownField,
            message: Bilingual::new(
                format!("Thủ tục này không có trường “{path}” — hãy xóa giá trị đó."),
                format!("This procedure has no field “{path}” — remove that value."),
            ),
        });
    }
    check_documents(procedure, &dossier, &mut problems);
    problems
}

fn check_value(path: &str, field: &Field, value: &str) -> Option<Problem> {
    let problem = |code, vi: String, en: String| {
        Some(Problem {
            path: path.to_owned(),
            code,
            message: Bilingual::new(vi, en),
        })
    };
    if let Some(limit) = field.max_length {
        let len = measure(value, limit.unit) as u64;
        let max = u64::from(limit.max);
        if len > max {
            let unit = limit.unit.label();
            return problem(
                ProblemCode::TooLong,
                format!(
                    "“{}” dài {} {}, tối đa {} — hãy rút gọn {} {}.",
                    field.label.vi,
                    vi_number(len),
                    unit.vi,
                    vi_number(max),
                    vi_number(len - max),
                    unit.vi
                ),
                format!(
                    "“{}” is {} {} long, at most {} — shorten it by {} {}.",
                    field.label.en,
                    en_number(len),
                    unit.en,
                    en_number(max),
                    en_number(len - max),
                    unit.en
                ),
            );
        }
    }
    let invalid = |vi: &str, en: &str| {
        problem(
            ProblemCode::Invalid,
            format!("“{}” không hợp lệ: {vi}", field.label.vi),
            format!("“{}” is not valid: {en}", field.label.en),
        )
    };
    match field.kind {
        FieldKind::Text | FieldKind::LongText => None,
        FieldKind::TaxCode => match value.parse::<crate::taxcode::TaxCode>() {
            Ok(_) => None,
            Err(e) => {
                let m = e.message();
                invalid(&format!("{}.", m.vi), &format!("{}.", m.en))
            }
        },
        FieldKind::Phone if !is_phone(value) => invalid(
            "hãy nhập số điện thoại Việt Nam, ví dụ 0912 345 678 hoặc +84 24 3825 1234.",
            "enter a Vietnamese phone number, e.g. 0912 345 678 or +84 24 3825 1234.",
        ),
        FieldKind::Email if !is_email(value) => invalid(
            "hãy nhập địa chỉ thư dạng ten@mien.vn.",
            "enter an address like name@domain.vn.",
        ),
        FieldKind::Date if chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_err() => {
            invalid("hãy chọn một ngày có thật.", "pick a real date.")
        }
        FieldKind::Phone | FieldKind::Email | FieldKind::Date => None,
    }
}

fn is_phone(value: &str) -> bool {
    let digits: String = value
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let national = if let Some(rest) = digits.strip_prefix("+84") {
        rest.to_owned()
    } else if let Some(rest) = digits.strip_prefix('0') {
        rest.to_owned()
    } else {
        return false;
    };
    (8..=10).contains(&national.len()) && national.bytes().all(|b| b.is_ascii_digit())
}

fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !value.chars().any(char::is_whitespace)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

fn check_documents(procedure: &Procedure, dossier: &DossierContent, problems: &mut Vec<Problem>) {
    for doc in &dossier.documents {
        let path = format!("documents.{}", doc.slot);
        let Some(slot) = procedure.slot(&doc.slot) else {
            problems.push(Problem {
                path,
                code: ProblemCode::UnknownSlot,
                message: Bilingual::new(
                    format!(
                        "Thủ tục này không nhận loại giấy tờ “{}” — hãy gỡ tệp {}.",
                        doc.slot, doc.name
                    ),
                    format!(
                        "This procedure takes no document of kind “{}” — remove {}.",
                        doc.slot, doc.name
                    ),
                ),
            });
            continue;
        };
        let ext = doc
            .name
            .rsplit_once('.')
            .map(|(_, e)| e.to_lowercase())
            .unwrap_or_default();
        if !slot.accept.contains(&ext) {
            let accepted = slot.accept.join(", ");
            problems.push(Problem {
                path: path.clone(),
                code: ProblemCode::DocumentType,
                message: Bilingual::new(
                    format!(
                        "Tệp {} không đúng loại cho “{}” — chỉ nhận {accepted}.",
                        doc.name, slot.label.vi
                    ),
                    format!(
                        "{} is not an accepted type for “{}” — only {accepted}.",
                        doc.name, slot.label.en
                    ),
                ),
            });
        }
        if doc.size > slot.max_size_bytes {
            let (size, max) = (byte_size(doc.size), byte_size(slot.max_size_bytes));
            problems.push(Problem {
                path: path.clone(),
                code: ProblemCode::DocumentTooLarge,
                message: Bilingual::new(
                    format!(
                        "Tệp {} nặng {}, “{}” nhận tối đa {} — hãy quét lại với độ phân giải thấp hơn hoặc chia nhỏ tệp.",
                        doc.name, size.vi, slot.label.vi, max.vi
                    ),
                    format!(
                        "{} is {}, “{}” takes at most {} — rescan at a lower resolution or split the file.",
                        doc.name, size.en, slot.label.en, max.en
                    ),
                ),
            });
        }
    }
    for slot in &procedure.attachments {
        let count = dossier
            .documents
            .iter()
            .filter(|d| d.slot == slot.id)
            .count();
        let path = format!("documents.{}", slot.id);
        if count == 0 && slot.required {
            problems.push(Problem {
                path,
                code: ProblemCode::DocumentMissing,
                message: Bilingual::new(
                    format!("Chưa đính kèm “{}” — giấy tờ này bắt buộc.", slot.label.vi),
                    format!("“{}” must be attached.", slot.label.en),
                ),
            });
        } else if count > slot.max_count as usize {
            problems.push(Problem {
                path,
                code: ProblemCode::TooManyDocuments,
                message: Bilingual::new(
                    format!(
                        "“{}” nhận tối đa {} tệp, đang có {count} — hãy gỡ bớt.",
                        slot.label.vi, slot.max_count
                    ),
                    format!(
                        "“{}” takes at most {} files, {count} attached — remove some.",
                        slot.label.en, slot.max_count
                    ),
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AttachedDocument, Sha256Digest};

    fn procedure() -> Procedure {
        Procedure::from_json(crate::procedure::bundled()[0]).expect("bundled schema")
    }

    fn complete() -> DossierContent {
        let p = procedure();
        let fields = [
            ("importer.name", "Công ty TNHH Thiết bị Điện Ánh Dương"),
            ("importer.tax_code", "0100233488"),
            ("importer.address", "12 Tràng Tiền, Hoàn Kiếm, Hà Nội"),
            ("importer.phone", "024 3825 1234"),
            (
                "goods.description",
                "Máy biến áp khô 3 pha 1000 kVA, nhãn hiệu ABB",
            ),
            ("goods.border_gate", "Cảng Hải Phòng"),
            ("documents.contract_no", "HĐ-2026/114"),
        ];
        DossierContent {
            procedure: p.code.clone(),
            version: p.version.clone(),
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
            documents: vec![AttachedDocument {
                slot: "quality_certificate".into(),
                name: "chứng nhận.pdf".into(),
                size: 1_000_000,
                sha256: Sha256Digest::of(b"scan"),
            }],
        }
    }

    fn codes(problems: &[Problem]) -> Vec<(&str, ProblemCode)> {
        problems.iter().map(|p| (p.path.as_str(), p.code)).collect()
    }

    #[test]
    fn a_complete_dossier_has_no_problems() {
        assert_eq!(validate(&procedure(), &complete()), vec![]);
    }

    #[test]
    fn every_problem_is_reported_at_once_with_its_path() {
        let mut d = complete();
        d.fields.remove("importer.name");
        d.fields
            .insert("importer.tax_code".into(), "0100233489".into());
        d.fields.insert("importer.phone".into(), "12345".into());
        d.fields
            .insert("importer.email".into(), "not an address".into());
        d.fields
            .insert("goods.import_from".into(), "2026-02-30".into());
        d.fields.insert("goods.colour".into(), "đỏ".into());
        d.documents.clear();
        let got = validate(&procedure(), &d);
        assert_eq!(
            codes(&got),
            vec![
                ("importer.name", ProblemCode::Required),
                ("importer.tax_code", ProblemCode::Invalid),
                ("importer.phone", ProblemCode::Invalid),
                ("importer.email", ProblemCode::Invalid),
                ("goods.import_from", ProblemCode::Invalid),
                ("goods.colour", ProblemCode::UnknownField),
                (
                    "documents.quality_certificate",
                    ProblemCode::DocumentMissing
                ),
            ]
        );
        assert!(
            got[1].message.vi.contains("chữ số kiểm tra"),
            "{}",
            got[1].message.vi
        );
    }

    #[test]
    fn an_over_long_value_says_by_how_much_to_shorten_it() {
        let mut d = complete();
        d.fields
            .insert("goods.description".into(), "ệ".repeat(2140));
        let got = validate(&procedure(), &d);
        assert_eq!(
            codes(&got),
            vec![("goods.description", ProblemCode::TooLong)]
        );
        assert!(
            got[0]
                .message
                .vi
                .contains("dài 2.140 ký tự, tối đa 2.000 — hãy rút gọn 140 ký tự"),
            "{}",
            got[0].message.vi
        );
        assert!(
            got[0]
                .message
                .en
                .contains("2,140 characters long, at most 2,000")
        );
    }

    #[test]
    fn decomposed_text_at_the_limit_is_accepted() {
        use unicode_normalization::UnicodeNormalization;
        let mut d = complete();
        let at_limit: String = "ệ".repeat(2000).nfd().collect();
        assert_eq!(at_limit.chars().count(), 6000);
        d.fields.insert("goods.description".into(), at_limit);
        assert_eq!(validate(&procedure(), &d), vec![]);
    }

    #[test]
    fn documents_of_the_wrong_type_size_slot_or_count_are_reported() {
        let mut d = complete();
        let doc = d.documents[0].clone();
        d.documents = vec![
            AttachedDocument {
                name: "scan.exe".into(),
                ..doc.clone()
            },
            AttachedDocument {
                size: 200 * 1024 * 1024,
                ..doc.clone()
            },
            AttachedDocument {
                slot: "photo".into(),
                ..doc.clone()
            },
        ];
        let got = validate(&procedure(), &d);
        assert_eq!(
            codes(&got),
            vec![
                ("documents.quality_certificate", ProblemCode::DocumentType),
                (
                    "documents.quality_certificate",
                    ProblemCode::DocumentTooLarge
                ),
                ("documents.photo", ProblemCode::UnknownSlot),
                (
                    "documents.quality_certificate",
                    ProblemCode::TooManyDocuments
                ),
            ]
        );
        assert!(
            got[1].message.vi.contains("200,0 MB"),
            "{}",
            got[1].message.vi
        );
    }

    #[test]
    fn a_dossier_for_another_version_is_reported() {
        let mut d = complete();
        d.version = "1999.01".into();
        let got = validate(&procedure(), &d);
        assert_eq!(codes(&got), vec![("", ProblemCode::ProcedureMismatch)]);
    }

    #[test]
    fn phone_numbers_in_common_vietnamese_writings_are_accepted() {
        for ok in [
            "0912345678",
            "0912 345 678",
            "+84 24 3825 1234",
            "(024) 3825.1234",
        ] {
            assert!(is_phone(ok), "{ok}");
        }
        for bad in [
            "12345",
            "0912",
            "+1 555 0100",
            "09123456789012",
            "09a2345678",
        ] {
            assert!(!is_phone(bad), "{bad}");
        }
    }
}
