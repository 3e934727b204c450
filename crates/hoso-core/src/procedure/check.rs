//! Reading a schema and refusing it when it is malformed or contradicts
//! itself, with the file, line and field of the first fault, so that
//! whoever writes a procedure file can go straight to it.

use super::locate::{self, Seg, Seg::Index, Seg::Key};
use super::{Condition, Field, FieldKind, Procedure, SCHEMA_FORMAT};
use crate::fees::{FeeSchedule, Per};
use std::collections::BTreeSet;

/// Why a schema was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {}{message}", field.as_deref().map(|f| format!("{f}: ")).unwrap_or_default())]
pub struct SchemaError {
    /// The file the schema came from.
    pub file: String,
    /// The line (1-based) of the fault, as near as it can be placed.
    pub line: usize,
    /// The path of the field, slot or key at fault, when there is one.
    pub field: Option<String>,
    /// What is wrong, Vietnamese then English.
    pub message: String,
}

struct Checker<'a> {
    file: &'a str,
    text: &'a str,
}

impl Checker<'_> {
    /// An error at the element `at` of the JSON text, about the field or
    /// slot named by `ids`.
    fn fault(&self, ids: &[&str], at: &[Seg], vi: &str, en: &str) -> SchemaError {
        SchemaError {
            file: self.file.to_owned(),
            line: locate::line_at(self.text, at),
            field: (!ids.is_empty()).then(|| ids.join(".")),
            message: format!("{vi} / {en}"),
        }
    }
}

pub(super) fn parse(file: &str, text: &str) -> Result<Procedure, SchemaError> {
    let c = Checker { file, text };
    let p: Procedure = serde_json::from_str(text).map_err(|e| SchemaError {
        file: file.to_owned(),
        line: e.line().max(1),
        field: None,
        message: format!("lược đồ không đọc được / schema is malformed: {e}"),
    })?;
    if p.format != SCHEMA_FORMAT {
        return Err(SchemaError {
            field: Some("format".into()),
            ..c.fault(
                &[],
                &[Key("format")],
                &format!(
                    "lược đồ dùng định dạng {}, ứng dụng hiểu định dạng {SCHEMA_FORMAT}",
                    p.format
                ),
                &format!(
                    "schema format {} is not supported (this build reads {SCHEMA_FORMAT})",
                    p.format
                ),
            )
        });
    }
    if p.code.as_str().is_empty() || p.version.trim().is_empty() {
        return Err(c.fault(
            &[],
            &[Key("version")],
            "thiếu mã hoặc phiên bản thủ tục",
            "the procedure code or version is empty",
        ));
    }
    if p.effective_until.is_some_and(|u| u < p.effective_from) {
        return Err(c.fault(
            &[],
            &[Key("effective_until")],
            "ngày hết hiệu lực trước ngày có hiệu lực",
            "effective_until is before effective_from",
        ));
    }
    if let Some(cut) = &p.receipt_cutoff
        && chrono::NaiveTime::parse_from_str(cut, "%H:%M").is_err()
    {
        return Err(c.fault(
            &[],
            &[Key("receipt_cutoff")],
            "giờ chốt tiếp nhận phải có dạng HH:MM",
            "receipt_cutoff must be HH:MM",
        ));
    }
    let mut sections = BTreeSet::new();
    let mut paths = BTreeSet::new();
    for (si, s) in p.sections.iter().enumerate() {
        let at = [Key("sections"), Index(si)];
        if !is_identifier(&s.id) || !sections.insert(s.id.as_str()) {
            return Err(c.fault(
                &[&s.id],
                &at,
                "mã phần không hợp lệ hoặc bị trùng",
                "section identifier invalid or repeated",
            ));
        }
        if s.fields.is_empty() {
            return Err(c.fault(
                &[&s.id],
                &at,
                "phần không có trường nào",
                "section has no fields",
            ));
        }
        let mut ids = BTreeSet::new();
        for (fi, f) in s.fields.iter().enumerate() {
            let at = [Key("sections"), Index(si), Key("fields"), Index(fi)];
            if !ids.insert(f.id.as_str()) {
                return Err(c.fault(
                    &[&s.id, &f.id],
                    &at,
                    "mã trường bị trùng",
                    "field identifier repeated",
                ));
            }
            check_field(&c, &[&s.id, &f.id], &at, f, false)?;
            paths.insert(format!("{}.{}", s.id, f.id));
        }
    }
    // Conditions are checked once every path is known.
    for (si, s) in p.sections.iter().enumerate() {
        for (fi, f) in s.fields.iter().enumerate() {
            let at = [Key("sections"), Index(si), Key("fields"), Index(fi)];
            check_condition(&c, &[&s.id, &f.id], &at, f, &paths, &p)?;
            for (ci, col) in f.columns.iter().enumerate() {
                let ids = [s.id.as_str(), f.id.as_str(), col.id.as_str()];
                let at = [at[0], at[1], at[2], at[3], Key("columns"), Index(ci)];
                if let Some(cond) = &col.required_when {
                    let sibling = f
                        .columns
                        .iter()
                        .any(|o| o.id == cond.field && o.id != col.id);
                    if !sibling && !paths.contains(&cond.field) {
                        return Err(c.fault(
                            &ids,
                            &at,
                            &format!("điều kiện trỏ tới trường không tồn tại “{}”", cond.field),
                            &format!("condition names a missing field “{}”", cond.field),
                        ));
                    }
                }
            }
        }
    }
    let mut slots = BTreeSet::new();
    for (ai, a) in p.attachments.iter().enumerate() {
        let ids = [a.id.as_str()];
        let at = [Key("attachments"), Index(ai)];
        if !is_identifier(&a.id) || !slots.insert(a.id.as_str()) {
            return Err(c.fault(
                &ids,
                &at,
                "mã loại giấy tờ không hợp lệ hoặc bị trùng",
                "attachment slot identifier invalid or repeated",
            ));
        }
        if a.accept.is_empty()
            || a.accept.iter().any(|e| {
                e.is_empty()
                    || !e
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
        {
            return Err(c.fault(
                &ids,
                &at,
                "danh sách đuôi tệp phải khác rỗng, chữ thường, không có dấu chấm",
                "accept must list lower-case extensions without the dot",
            ));
        }
        if a.max_size_bytes == 0 || a.max_count == 0 {
            return Err(c.fault(
                &ids,
                &at,
                "dung lượng và số tệp tối đa phải lớn hơn 0",
                "max_size_bytes and max_count must be above 0",
            ));
        }
        if a.required && a.required_when.is_some() {
            return Err(c.fault(
                &ids,
                &at,
                "vừa bắt buộc vừa bắt buộc có điều kiện",
                "both required and required_when",
            ));
        }
        if let Some(cond) = &a.required_when {
            check_condition_target(&c, &ids, &at, cond, &paths, &p)?;
        }
    }
    let refs = std::iter::once(&p.receipt.applicant_name).chain(&p.receipt.applicant_address);
    for r in refs {
        if !paths.contains(r) {
            return Err(SchemaError {
                field: Some("receipt".into()),
                ..c.fault(
                    &[],
                    &[Key("receipt")],
                    &format!("biên nhận trỏ tới trường không tồn tại “{r}”"),
                    &format!("receipt names a missing field “{r}”"),
                )
            });
        }
    }
    if let Some(fees) = &p.fees {
        check_fees(&c, &p, fees, &paths)?;
    }
    Ok(p)
}

/// A fee schedule: amounts above 0, each unit a table or an integer field
/// of the procedure, exemptions on fields that exist and values they take,
/// and `fee_vnd` equal to the once-per-dossier charges.
fn check_fees(
    c: &Checker<'_>,
    p: &Procedure,
    fees: &FeeSchedule,
    paths: &BTreeSet<String>,
) -> Result<(), SchemaError> {
    let mut once: Option<u64> = Some(0);
    for (i, charge) in fees.charges.iter().enumerate() {
        let at = [Key("fees"), Key("charges"), Index(i)];
        let name = format!("fees.charges[{i}]");
        let bad = |vi: &str, en: &str| {
            Err(SchemaError {
                field: Some(name.clone()),
                ..c.fault(&[], &at, vi, en)
            })
        };
        if charge.amount_vnd == 0 {
            return bad(
                "số tiền của khoản thu phải lớn hơn 0",
                "a charge's amount_vnd must be above 0",
            );
        }
        let (path, kind, vi_kind, en_kind) = match &charge.per {
            Per::Dossier => {
                once = once.and_then(|sum| sum.checked_add(charge.amount_vnd));
                continue;
            }
            Per::Row(path) => (path, FieldKind::Table, "một bảng", "a table"),
            Per::Item(path) => (
                path,
                FieldKind::Integer,
                "một trường số nguyên",
                "an integer field",
            ),
        };
        if p.field(path).map(|f| f.kind) != Some(kind) {
            return bad(
                &format!("khoản thu tính theo “{path}”, không phải {vi_kind} của thủ tục"),
                &format!("the charge counts “{path}”, which is not {en_kind} of the procedure"),
            );
        }
    }
    if once != Some(p.fee_vnd) {
        let sum = once.map_or_else(|| "?".to_owned(), |s| s.to_string());
        return Err(SchemaError {
            field: Some("fee_vnd".into()),
            ..c.fault(
                &[],
                &[Key("fee_vnd")],
                &format!(
                    "fee_vnd ({}) phải bằng tổng các khoản thu một lần mỗi hồ sơ trong fees ({sum})",
                    p.fee_vnd
                ),
                &format!(
                    "fee_vnd ({}) must equal the sum of the once-per-dossier charges in fees ({sum})",
                    p.fee_vnd
                ),
            )
        });
    }
    for (i, exemption) in fees.exemptions.iter().enumerate() {
        let name = format!("fees.exemptions[{i}]");
        let at = [Key("fees"), Key("exemptions"), Index(i)];
        check_condition_target(c, &[&name], &at, &exemption.when, paths, p)?;
    }
    Ok(())
}

fn check_field(
    c: &Checker<'_>,
    ids: &[&str],
    at: &[Seg],
    f: &Field,
    in_table: bool,
) -> Result<(), SchemaError> {
    let bad = |vi: &str, en: &str| Err(c.fault(ids, at, vi, en));
    if !is_identifier(&f.id) {
        return bad(
            "mã trường không hợp lệ (chỉ a-z, 0-9, _)",
            "field identifier must be [a-z0-9_]+",
        );
    }
    if f.required && f.required_when.is_some() {
        return bad(
            "vừa bắt buộc vừa bắt buộc có điều kiện",
            "both required and required_when",
        );
    }
    if let Some(limit) = f.max_length {
        if limit.max == 0 {
            return bad("độ dài tối đa phải lớn hơn 0", "max_length must be above 0");
        }
        if f.min_length.is_some_and(|min| min > limit.max) {
            return bad(
                "độ dài tối thiểu lớn hơn tối đa",
                "min_length is above max_length",
            );
        }
    }
    if f.min_length.is_some() && f.max_length.is_none() {
        return bad(
            "độ dài tối thiểu cần max_length để biết đơn vị đếm",
            "min_length needs max_length, which names the unit",
        );
    }
    if (f.max_length.is_some() || f.pattern.is_some()) && !f.kind.is_text() {
        return bad(
            "giới hạn độ dài và mẫu chỉ dùng cho trường văn bản",
            "length limits and patterns apply to text fields only",
        );
    }
    if let Some(p) = &f.pattern
        && !p.compiles()
    {
        return bad(
            &format!("biểu thức mẫu “{}” không hợp lệ", p.regex),
            &format!("pattern “{}” does not compile", p.regex),
        );
    }
    if (f.range.is_some() || f.unit.is_some()) && !f.kind.is_number() {
        return bad(
            "khoảng giá trị và đơn vị chỉ dùng cho trường số",
            "range and unit apply to number fields only",
        );
    }
    if f.decimals.is_some() && f.kind != FieldKind::Decimal {
        return bad(
            "số chữ số thập phân chỉ dùng cho trường số thập phân",
            "decimals applies to decimal fields only",
        );
    }
    if let Some(r) = f.range {
        let finite = r.min.is_none_or(f64::is_finite) && r.max.is_none_or(f64::is_finite);
        if !finite || matches!((r.min, r.max), (Some(lo), Some(hi)) if lo > hi) {
            return bad(
                "khoảng giá trị có min lớn hơn max",
                "range min is above max",
            );
        }
    }
    match (f.kind == FieldKind::Choice, f.options.is_empty()) {
        (true, true) => {
            return bad(
                "trường lựa chọn không có phương án",
                "choice field has no options",
            );
        }
        (false, false) => {
            return bad(
                "chỉ trường lựa chọn có phương án",
                "options apply to choice fields only",
            );
        }
        _ => {}
    }
    let mut values = BTreeSet::new();
    for o in &f.options {
        if !is_identifier(&o.value) || !values.insert(o.value.as_str()) {
            return Err(c.fault(
                ids,
                at,
                &format!("phương án “{}” không hợp lệ hoặc bị trùng", o.value),
                &format!("option “{}” invalid or repeated", o.value),
            ));
        }
    }
    let is_table = f.kind == FieldKind::Table;
    if is_table && in_table {
        return bad("bảng không được lồng trong bảng", "tables cannot be nested");
    }
    if is_table == f.columns.is_empty() {
        return bad(
            "trường bảng cần cột, trường khác không có cột",
            "a table needs columns and only a table has them",
        );
    }
    if !is_table && (f.min_rows.is_some() || f.max_rows.is_some()) {
        return bad(
            "số dòng chỉ dùng cho bảng",
            "min_rows and max_rows apply to tables only",
        );
    }
    if let (Some(lo), Some(hi)) = (f.min_rows, f.max_rows)
        && (lo > hi || hi == 0)
    {
        return bad(
            "số dòng tối thiểu lớn hơn tối đa",
            "min_rows is above max_rows",
        );
    }
    let mut cols = BTreeSet::new();
    for (ci, col) in f.columns.iter().enumerate() {
        let mut sub = ids.to_vec();
        sub.push(&col.id);
        let mut sub_at = at.to_vec();
        sub_at.extend([Key("columns"), Index(ci)]);
        if !cols.insert(col.id.as_str()) {
            return Err(c.fault(
                &sub,
                &sub_at,
                "mã cột bị trùng",
                "column identifier repeated",
            ));
        }
        check_field(c, &sub, &sub_at, col, true)?;
    }
    Ok(())
}

fn check_condition(
    c: &Checker<'_>,
    ids: &[&str],
    at: &[Seg],
    f: &Field,
    paths: &BTreeSet<String>,
    p: &Procedure,
) -> Result<(), SchemaError> {
    match &f.required_when {
        Some(cond) if cond.field == ids.join(".") => Err(c.fault(
            ids,
            at,
            "trường không thể phụ thuộc vào chính nó",
            "a field cannot depend on itself",
        )),
        Some(cond) => check_condition_target(c, ids, at, cond, paths, p),
        None => Ok(()),
    }
}

fn check_condition_target(
    c: &Checker<'_>,
    ids: &[&str],
    at: &[Seg],
    cond: &Condition,
    paths: &BTreeSet<String>,
    p: &Procedure,
) -> Result<(), SchemaError> {
    if !paths.contains(&cond.field) {
        return Err(c.fault(
            ids,
            at,
            &format!("điều kiện trỏ tới trường không tồn tại “{}”", cond.field),
            &format!("condition names a missing field “{}”", cond.field),
        ));
    }
    if let (Some(target), Some(value)) = (p.field(&cond.field), &cond.equals) {
        let offered = match target.kind {
            FieldKind::Choice => target.options.iter().any(|o| &o.value == value),
            FieldKind::YesNo => value == "yes" || value == "no",
            FieldKind::Table => false,
            _ => true,
        };
        if !offered {
            return Err(c.fault(
                ids,
                at,
                &format!(
                    "điều kiện so với giá trị “{value}” mà trường “{}” không có",
                    cond.field
                ),
                &format!(
                    "condition compares with “{value}”, which “{}” never takes",
                    cond.field
                ),
            ));
        }
    }
    Ok(())
}

/// Whether `s` is a schema identifier: `[a-z0-9_]{1,48}`.
pub(crate) fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 48
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}
