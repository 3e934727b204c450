//! What changed between two versions of a procedure, in words, so that a
//! person whose dossier was written against the old rules sees what the new
//! ones ask of them before updating it.

use super::{AttachmentSlot, Field, Procedure};
use crate::Bilingual;
use crate::bilingual::byte_size;

/// The changes from `old` to `new`, one sentence each, form order.
pub fn changes(old: &Procedure, new: &Procedure) -> Vec<Bilingual> {
    let mut out = Vec::new();
    if old.processing_days != new.processing_days {
        out.push(Bilingual::new(
            format!(
                "Thời hạn giải quyết: {} → {} ngày làm việc.",
                old.processing_days, new.processing_days
            ),
            format!(
                "Processing time: {} → {} working days.",
                old.processing_days, new.processing_days
            ),
        ));
    }
    if old.fee_vnd != new.fee_vnd {
        out.push(Bilingual::new(
            format!("Lệ phí: {} → {} đồng.", old.fee_vnd, new.fee_vnd),
            format!("Fee: {} → {} VND.", old.fee_vnd, new.fee_vnd),
        ));
    }
    if old.fees != new.fees {
        out.push(Bilingual::new(
            "Biểu phí đã thay đổi: hãy xem lại số tiền phải nộp.",
            "The fee schedule changed: check the amount to pay.",
        ));
    }
    let old_fields: Vec<(String, &Field)> = old.fields().collect();
    let new_fields: Vec<(String, &Field)> = new.fields().collect();
    for (path, f) in &new_fields {
        match old_fields.iter().find(|(p, _)| p == path) {
            None => out.push(added(&f.label, f.required, "")),
            Some((_, before)) => compare_field(before, f, "", &mut out),
        }
    }
    for (path, f) in &old_fields {
        if !new_fields.iter().any(|(p, _)| p == path) {
            out.push(removed(&f.label, ""));
        }
    }
    for slot in &new.attachments {
        match old.slot(&slot.id) {
            None => out.push(Bilingual::new(
                format!(
                    "Thêm giấy tờ “{}”{}.",
                    slot.label.vi,
                    if slot.required { " (bắt buộc)" } else { "" }
                ),
                format!(
                    "New document “{}”{}.",
                    slot.label.en,
                    if slot.required { " (required)" } else { "" }
                ),
            )),
            Some(before) => compare_slot(before, slot, &mut out),
        }
    }
    for slot in &old.attachments {
        if new.slot(&slot.id).is_none() {
            out.push(Bilingual::new(
                format!("Không còn nhận giấy tờ “{}”.", slot.label.vi),
                format!("“{}” is no longer taken.", slot.label.en),
            ));
        }
    }
    out
}

fn added(label: &Bilingual, required: bool, within: &str) -> Bilingual {
    Bilingual::new(
        format!(
            "{within}Thêm trường “{}”{}.",
            label.vi,
            if required { " (bắt buộc)" } else { "" }
        ),
        format!(
            "{within}New field “{}”{}.",
            label.en,
            if required { " (required)" } else { "" }
        ),
    )
}

fn removed(label: &Bilingual, within: &str) -> Bilingual {
    Bilingual::new(
        format!(
            "{within}Bỏ trường “{}” — giá trị đã nhập sẽ không được gửi.",
            label.vi
        ),
        format!(
            "{within}Field “{}” removed — what was typed there is not sent.",
            label.en
        ),
    )
}

fn compare_field(old: &Field, new: &Field, within: &str, out: &mut Vec<Bilingual>) {
    let (vi, en) = (&new.label.vi, &new.label.en);
    if old.required != new.required {
        out.push(if new.required {
            Bilingual::new(
                format!("{within}“{vi}” nay bắt buộc."),
                format!("{within}“{en}” is now required."),
            )
        } else {
            Bilingual::new(
                format!("{within}“{vi}” không còn bắt buộc."),
                format!("{within}“{en}” is no longer required."),
            )
        });
    }
    if old.kind != new.kind {
        out.push(Bilingual::new(
            format!("{within}“{vi}” đổi kiểu dữ liệu — hãy nhập lại."),
            format!("{within}“{en}” takes another kind of value — enter it again."),
        ));
    }
    if old.max_length != new.max_length
        && let Some(limit) = new.max_length
    {
        let unit = limit.unit.label();
        let before = old
            .max_length
            .map(|l| l.max.to_string())
            .unwrap_or("—".into());
        out.push(Bilingual::new(
            format!(
                "{within}Giới hạn “{vi}”: {before} → {} {}.",
                limit.max, unit.vi
            ),
            format!(
                "{within}Limit of “{en}”: {before} → {} {}.",
                limit.max, unit.en
            ),
        ));
    }
    if old.options != new.options {
        out.push(Bilingual::new(
            format!("{within}Các lựa chọn của “{vi}” thay đổi — hãy chọn lại."),
            format!("{within}The choices of “{en}” changed — choose again."),
        ));
    }
    let inner = Bilingual::new(format!("{vi}: "), format!("{en}: "));
    for col in &new.columns {
        match old.columns.iter().find(|c| c.id == col.id) {
            None => {
                let a = added(&col.label, col.required, "");
                out.push(Bilingual::new(
                    format!("{}{}", inner.vi, a.vi.replace("Thêm trường", "thêm cột")),
                    format!("{}{}", inner.en, a.en.replace("New field", "new column")),
                ));
            }
            Some(before) => {
                let mut sub = Vec::new();
                compare_field(before, col, "", &mut sub);
                out.extend(sub.into_iter().map(|m| {
                    Bilingual::new(
                        format!("{}{}", inner.vi, m.vi),
                        format!("{}{}", inner.en, m.en),
                    )
                }));
            }
        }
    }
    for col in &old.columns {
        if !new.columns.iter().any(|c| c.id == col.id) {
            let r = removed(&col.label, "");
            out.push(Bilingual::new(
                format!("{}{}", inner.vi, r.vi.replace("Bỏ trường", "bỏ cột")),
                format!("{}{}", inner.en, r.en.replace("Field", "column")),
            ));
        }
    }
}

fn compare_slot(old: &AttachmentSlot, new: &AttachmentSlot, out: &mut Vec<Bilingual>) {
    let (vi, en) = (&new.label.vi, &new.label.en);
    if old.required != new.required {
        out.push(if new.required {
            Bilingual::new(
                format!("Giấy tờ “{vi}” nay bắt buộc."),
                format!("“{en}” is now required."),
            )
        } else {
            Bilingual::new(
                format!("Giấy tờ “{vi}” không còn bắt buộc."),
                format!("“{en}” is no longer required."),
            )
        });
    }
    if old.max_size_bytes != new.max_size_bytes {
        let (a, b) = (byte_size(old.max_size_bytes), byte_size(new.max_size_bytes));
        out.push(Bilingual::new(
            format!("Dung lượng tối đa của “{vi}”: {} → {}.", a.vi, b.vi),
            format!("Largest “{en}”: {} → {}.", a.en, b.en),
        ));
    }
    if old.accept != new.accept {
        out.push(Bilingual::new(
            format!("“{vi}” nay nhận: {}.", new.accept.join(", ")),
            format!("“{en}” now takes: {}.", new.accept.join(", ")),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procedure::bundled;

    fn version(prefix: &str) -> Procedure {
        let (name, text) = bundled()
            .into_iter()
            .find(|(n, _)| n.starts_with(prefix))
            .expect("bundled");
        Procedure::parse(name, text).expect("valid")
    }

    #[test]
    fn the_2026_rules_for_importers_are_told_against_the_2018_ones() {
        let old = version("kiem-tra-cl-nhap-khau.2018");
        let new = version("kiem-tra-cl-nhap-khau.2026");
        let said: Vec<String> = changes(&old, &new).into_iter().map(|b| b.vi).collect();
        let has = |needle: &str| said.iter().any(|s| s.contains(needle));
        assert!(
            has("thêm cột “Quy chuẩn kỹ thuật áp dụng” (bắt buộc)"),
            "{said:#?}"
        );
        assert!(has("Danh mục hàng hóa: “Mã HS” nay bắt buộc."), "{said:#?}");
        assert!(
            has("Các lựa chọn của “Loại giấy chứng nhận” thay đổi"),
            "{said:#?}"
        );
        assert_eq!(changes(&new, &new), vec![], "a version equals itself");
    }
}
