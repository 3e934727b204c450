//! Checking a dossier against its procedure, giving every problem at once,
//! each with the field it concerns and what the person should do.
//!
//! The app runs this as the user types and the portal runs it again at
//! submission: one function, so the two can never disagree.
//!
//! Paths: `section.field` for a field, `section.table[i].column` for a cell
//! (rows counted from 0; messages count from 1), `documents.slot` for an
//! attachment slot, empty for the dossier as a whole.

use crate::bilingual::{byte_size, en_number, vi_number};
use crate::dossier::{Row, Value};
use crate::length::{count, find_hidden, normalize_cow};
use crate::procedure::{AttachmentSlot, Condition, Field, FieldKind};
use crate::{Bilingual, DossierContent, Procedure};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeSet;

/// One thing wrong with a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Where the problem is; see the module documentation.
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
    /// A required field (or a required table row) is empty.
    Required,
    /// A value is longer than the field's limit.
    TooLong,
    /// A value is shorter than the field's minimum.
    TooShort,
    /// A value is not of the field's kind (number, date, tax code, choice…).
    Invalid,
    /// A number is outside the field's range.
    OutOfRange,
    /// A value does not match the field's pattern.
    PatternMismatch,
    /// A table has more rows than it takes.
    TooManyRows,
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
    /// A document's file name would be refused by the portal.
    DocumentName,
    /// A reused document's validity (a certificate's end date) has passed.
    DocumentExpired,
    /// A value holds a character a person cannot see (a zero-width space,
    /// a direction mark, a control character) inside it.
    HiddenCharacter,
    /// A value that holds such characters reads as text typed in TCVN3 or
    /// VNI (TCVN3 writes "ư" with the byte of a soft hyphen).
    LegacyEncoding,
}

/// Every problem of `dossier` judged by `procedure`; empty when it may be filed.
///
/// Values are judged as [`DossierContent::normalized`] would store them,
/// normalising each one as it is read rather than copying the dossier.
pub fn validate(procedure: &Procedure, dossier: &DossierContent) -> Vec<Problem> {
    let mut out = Problems(Vec::new());
    if dossier.procedure != procedure.code || dossier.version != procedure.version {
        out.push(
            "",
            ProblemCode::ProcedureMismatch,
            format!(
                "Hồ sơ viết theo thủ tục {} phiên bản {}, nhưng quy định hiện hành là {} phiên bản {} — hãy mở lại hồ sơ để cập nhật.",
                dossier.procedure, dossier.version, procedure.code, procedure.version
            ),
            format!(
                "The dossier was written for {} version {}, but the rules in force are {} version {} — reopen the dossier to update it.",
                dossier.procedure, dossier.version, procedure.code, procedure.version
            ),
        );
    }
    let mut known = BTreeSet::new();
    for (path, field) in procedure.fields() {
        let value = given(dossier, &path);
        match (field.kind == FieldKind::Table, value) {
            (true, None | Some(Given::Rows)) => {
                check_table(&path, field, dossier.rows(&path), dossier, &mut out);
            }
            (false, None) => {
                if is_required(field.required, field.required_when.as_ref(), dossier, None) {
                    out.required(&path, &field.label);
                }
            }
            (false, Some(Given::Text(v))) => {
                let place = Place::Field(&path, &field.label);
                out.0.extend(check_value(&place, field, &v));
            }
            (_, Some(_)) => out.push(
                &path,
                ProblemCode::Invalid,
                format!("“{}” nhận sai dạng dữ liệu — hãy nhập lại.", field.label.vi),
                format!(
                    "“{}” holds the wrong shape of data — enter it again.",
                    field.label.en
                ),
            ),
        }
        known.insert(path);
    }
    for path in dossier.fields.keys().filter(|p| !known.contains(*p)) {
        if given(dossier, path).is_some() {
            out.unknown_field(path);
        }
    }
    check_documents(procedure, dossier, &mut out);
    out.0
}

/// A value given for a field: its normalised text, or rows.
enum Given<'a> {
    Text(Cow<'a, str>),
    Rows,
}

/// The value at `path` unless it is empty once normalised; text comes
/// normalised, so it is normalised once per check.
fn given<'a>(dossier: &'a DossierContent, path: &str) -> Option<Given<'a>> {
    match dossier.fields.get(path)? {
        Value::Text(t) => Some(normalize_cow(t))
            .filter(|t| !t.is_empty())
            .map(Given::Text),
        Value::Rows(r) => (!r.is_empty()).then_some(Given::Rows),
    }
}

/// The normalised cell `column` of `row`, unless empty.
fn cell<'a>(row: &'a Row, column: &str) -> Option<Cow<'a, str>> {
    row.get(column)
        .map(|v| normalize_cow(v))
        .filter(|t| !t.is_empty())
}

/// Where a value stands: a field, or a cell of a table. Its path and label
/// are only spelled out when there is a problem to report.
enum Place<'a> {
    Field(&'a str, &'a Bilingual),
    Cell {
        table: &'a str,
        row: usize,
        column: &'a Field,
    },
}

impl Place<'_> {
    fn path(&self) -> String {
        match self {
            Self::Field(path, _) => (*path).to_owned(),
            Self::Cell { table, row, column } => format!("{table}[{row}].{}", column.id),
        }
    }

    fn label(&self) -> Bilingual {
        match self {
            Self::Field(_, label) => (*label).clone(),
            Self::Cell { row, column, .. } => Bilingual::new(
                format!("{}, dòng {}", column.label.vi, row + 1),
                format!("{}, row {}", column.label.en, row + 1),
            ),
        }
    }
}

struct Problems(Vec<Problem>);

impl Problems {
    fn push(&mut self, path: &str, code: ProblemCode, vi: String, en: String) {
        self.0.push(Problem {
            path: path.to_owned(),
            code,
            message: Bilingual::new(vi, en),
        });
    }

    fn required(&mut self, path: &str, label: &Bilingual) {
        self.push(
            path,
            ProblemCode::Required,
            format!("Chưa nhập “{}” — trường này bắt buộc.", label.vi),
            format!("“{}” is required.", label.en),
        );
    }

    fn unknown_field(&mut self, path: &str) {
        self.push(
            path,
            ProblemCode::UnknownField,
            format!("Thủ tục này không có trường “{path}” — hãy xóa giá trị đó."),
            format!("This procedure has no field “{path}” — remove that value."),
        );
    }
}

/// Whether a field (or slot) is required given the dossier (and, for a
/// cell, its row).
fn is_required(
    always: bool,
    when: Option<&Condition>,
    dossier: &DossierContent,
    row: Option<&Row>,
) -> bool {
    always || when.is_some_and(|c| c.holds(dossier, row))
}

fn check_table(
    path: &str,
    table: &Field,
    rows: &[Row],
    dossier: &DossierContent,
    out: &mut Problems,
) {
    let min = table.min_rows.unwrap_or(1) as usize;
    let required = is_required(table.required, table.required_when.as_ref(), dossier, None);
    if required && rows.len() < min {
        out.push(
            path,
            ProblemCode::Required,
            format!(
                "“{}” cần ít nhất {} dòng, đang có {} — hãy thêm dòng.",
                table.label.vi,
                vi_number(min as u64),
                vi_number(rows.len() as u64)
            ),
            format!(
                "“{}” needs at least {} rows, it has {} — add rows.",
                table.label.en,
                en_number(min as u64),
                en_number(rows.len() as u64)
            ),
        );
    }
    if let Some(max) = table.max_rows
        && rows.len() > max as usize
    {
        out.push(
            path,
            ProblemCode::TooManyRows,
            format!(
                "“{}” nhận tối đa {} dòng, đang có {} — hãy bớt {} dòng hoặc nộp thành nhiều hồ sơ.",
                table.label.vi,
                vi_number(u64::from(max)),
                vi_number(rows.len() as u64),
                vi_number(rows.len() as u64 - u64::from(max))
            ),
            format!(
                "“{}” takes at most {} rows, it has {} — remove {} or file several dossiers.",
                table.label.en,
                en_number(u64::from(max)),
                en_number(rows.len() as u64),
                en_number(rows.len() as u64 - u64::from(max))
            ),
        );
    }
    for (i, row) in rows.iter().enumerate() {
        for col in &table.columns {
            let place = Place::Cell {
                table: path,
                row: i,
                column: col,
            };
            match cell(row, &col.id) {
                None if is_required(
                    col.required,
                    col.required_when.as_ref(),
                    dossier,
                    Some(row),
                ) =>
                {
                    out.required(&place.path(), &place.label());
                }
                None => {}
                Some(v) => out.0.extend(check_value(&place, col, &v)),
            }
        }
        for id in row
            .keys()
            .filter(|k| !table.columns.iter().any(|c| &c.id == *k) && cell(row, k).is_some())
        {
            out.unknown_field(&format!("{path}[{i}].{id}"));
        }
    }
}

/// The first thing wrong with one normalised, non-empty value.
fn check_value(place: &Place<'_>, field: &Field, value: &str) -> Option<Problem> {
    let problem = |code, vi: String, en: String| {
        Some(Problem {
            path: place.path(),
            code,
            message: Bilingual::new(vi, en),
        })
    };
    let invalid = |m: Bilingual| {
        let label = place.label();
        problem(
            ProblemCode::Invalid,
            format!("“{}” không hợp lệ: {}", label.vi, m.vi),
            format!("“{}” is not valid: {}", label.en, m.en),
        )
    };
    if let Some(hidden) = find_hidden(value) {
        let label = place.label();
        if let Some(legacy) = crate::legacy::detect(value) {
            let preview: String = legacy.converted.chars().take(60).collect();
            return problem(
                ProblemCode::LegacyEncoding,
                format!(
                    "“{}” có vẻ gõ bằng bảng mã {} — hãy chuyển sang Unicode: “{preview}”.",
                    label.vi,
                    legacy.encoding.name()
                ),
                format!(
                    "“{}” looks typed in {} — convert it to Unicode: “{preview}”.",
                    label.en,
                    legacy.encoding.name()
                ),
            );
        }
        let more = hidden.count - 1;
        let (more_vi, more_en) = if more > 0 {
            (
                format!(" và {} ký tự ẩn khác", vi_number(more as u64)),
                format!(" and {} more", en_number(more as u64)),
            )
        } else {
            (String::new(), String::new())
        };
        return problem(
            ProblemCode::HiddenCharacter,
            format!(
                "“{}” có ký tự ẩn {} ở vị trí {} (sau “{}”, trước “{}”){more_vi} — hãy xóa nó; nếu nó ngăn hai từ, thay bằng dấu cách.",
                label.vi,
                hidden.code_point(),
                vi_number(hidden.position as u64),
                hidden.before,
                hidden.after
            ),
            format!(
                "“{}” holds an invisible character {} at position {} (after “{}”, before “{}”){more_en} — delete it, or put a space if it separates two words.",
                label.en,
                hidden.code_point(),
                en_number(hidden.position as u64),
                hidden.before,
                hidden.after
            ),
        );
    }
    if field.kind != FieldKind::LongText && value.contains('\n') {
        return invalid(Bilingual::new(
            "trường này chỉ nhận một dòng — hãy bỏ dấu xuống dòng.",
            "this field takes one line — remove the line breaks.",
        ));
    }
    if let Some(limit) = field.max_length {
        let len = count(value, limit.unit) as u64;
        let (max, min) = (
            u64::from(limit.max),
            u64::from(field.min_length.unwrap_or(0)),
        );
        if len > max {
            let (label, unit) = (place.label(), limit.unit.label());
            return problem(
                ProblemCode::TooLong,
                format!(
                    "“{}” dài {} {}, tối đa {} — hãy rút gọn {} {}.",
                    label.vi,
                    vi_number(len),
                    unit.vi,
                    vi_number(max),
                    vi_number(len - max),
                    unit.vi
                ),
                format!(
                    "“{}” is {} {} long, at most {} — shorten it by {} {}.",
                    label.en,
                    en_number(len),
                    unit.en,
                    en_number(max),
                    en_number(len - max),
                    unit.en
                ),
            );
        }
        if len < min {
            let (label, unit) = (place.label(), limit.unit.label());
            return problem(
                ProblemCode::TooShort,
                format!(
                    "“{}” dài {} {}, cần ít nhất {} — hãy ghi đầy đủ hơn.",
                    label.vi,
                    vi_number(len),
                    unit.vi,
                    vi_number(min)
                ),
                format!(
                    "“{}” is {} {} long, at least {} are needed — write it out in full.",
                    label.en,
                    en_number(len),
                    unit.en,
                    en_number(min)
                ),
            );
        }
    }
    if let Err(m) = check_kind(field, value) {
        return invalid(m);
    }
    if let Some(range) = field.range
        && let Some(n) = parse_number(value)
    {
        let below = range.min.is_some_and(|lo| n < lo);
        let above = range.max.is_some_and(|hi| n > hi);
        if below || above {
            let label = place.label();
            let (vi, en) = match (range.min, range.max) {
                (Some(lo), Some(hi)) => (
                    format!("từ {} đến {}", vi_decimal(lo), vi_decimal(hi)),
                    format!("from {lo} to {hi}"),
                ),
                (Some(lo), None) => (
                    format!("ít nhất {}", vi_decimal(lo)),
                    format!("at least {lo}"),
                ),
                (None, Some(hi)) => (
                    format!("nhiều nhất {}", vi_decimal(hi)),
                    format!("at most {hi}"),
                ),
                (None, None) => (String::new(), String::new()),
            };
            return problem(
                ProblemCode::OutOfRange,
                format!("“{}” phải {vi} — hãy soát lại số đã nhập.", label.vi),
                format!("“{}” must be {en} — check the number entered.", label.en),
            );
        }
    }
    if let Some(pattern) = &field.pattern
        && !pattern.matches(value)
    {
        let label = place.label();
        return problem(
            ProblemCode::PatternMismatch,
            format!("“{}” không đúng mẫu — {}.", label.vi, pattern.hint.vi),
            format!(
                "“{}” does not match its format — {}.",
                label.en, pattern.hint.en
            ),
        );
    }
    None
}

/// Whether `value` is of the field's kind; `Err` says what to enter.
fn check_kind(field: &Field, value: &str) -> Result<(), Bilingual> {
    match field.kind {
        FieldKind::Text | FieldKind::LongText | FieldKind::Table => Ok(()),
        FieldKind::Integer if !is_integer(value) => Err(Bilingual::new(
            "hãy nhập một số nguyên, chỉ gồm chữ số, không dấu chấm hay phẩy.",
            "enter a whole number, digits only, without separators.",
        )),
        FieldKind::Decimal => match decimal_places(value) {
            None => Err(Bilingual::new(
                "hãy nhập một số, dùng dấu phẩy trước phần thập phân, ví dụ 1250,5.",
                "enter a number, with a comma or point before the decimals, e.g. 1250.5.",
            )),
            Some(places) if field.decimals.is_some_and(|d| places > d) => {
                let d = field.decimals.unwrap_or(0);
                Err(Bilingual::new(
                    format!("chỉ nhận {d} chữ số sau dấu phẩy."),
                    format!("at most {d} digits after the decimal mark."),
                ))
            }
            Some(_) => Ok(()),
        },
        FieldKind::Date if chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_err() => Err(
            Bilingual::new("hãy chọn một ngày có thật.", "pick a real date."),
        ),
        FieldKind::Choice if !field.options.iter().any(|o| o.value == value) => {
            let offered: Vec<&str> = field.options.iter().map(|o| o.label.vi.as_str()).collect();
            let offered_en: Vec<&str> = field.options.iter().map(|o| o.label.en.as_str()).collect();
            Err(Bilingual::new(
                format!("hãy chọn một trong: {}.", offered.join("; ")),
                format!("choose one of: {}.", offered_en.join("; ")),
            ))
        }
        FieldKind::YesNo if value != "yes" && value != "no" => Err(Bilingual::new(
            "hãy chọn Có hoặc Không.",
            "choose yes or no.",
        )),
        FieldKind::TaxCode => value
            .parse::<crate::taxcode::TaxCode>()
            .map(|_| ())
            .map_err(|e| {
                let m = e.message();
                Bilingual::new(format!("{}.", m.vi), format!("{}.", m.en))
            }),
        FieldKind::CitizenId => crate::citizen_id::check(value)
            .map_err(|m| Bilingual::new(format!("{}.", m.vi), format!("{}.", m.en))),
        FieldKind::Phone if !is_phone(value) => Err(Bilingual::new(
            "hãy nhập số điện thoại Việt Nam, ví dụ 0912 345 678 hoặc +84 24 3825 1234.",
            "enter a Vietnamese phone number, e.g. 0912 345 678 or +84 24 3825 1234.",
        )),
        FieldKind::Email if !is_email(value) => Err(Bilingual::new(
            "hãy nhập địa chỉ thư dạng ten@mien.vn.",
            "enter an address like name@domain.vn.",
        )),
        _ => Ok(()),
    }
}

fn is_integer(value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    !digits.is_empty() && digits.len() <= 18 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Digits after the decimal mark (`,` as written in Vietnam, or `.`), or
/// `None` when `value` is not a plain number.
fn decimal_places(value: &str) -> Option<u32> {
    let unsigned = value.strip_prefix('-').unwrap_or(value);
    let (whole, frac) = match unsigned.find([',', '.']) {
        Some(i) => (&unsigned[..i], &unsigned[i + 1..]),
        None => (unsigned, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let ok = !whole.is_empty()
        && whole.len() <= 15
        && digits(whole)
        && digits(frac)
        && frac.len() <= 9
        && !(unsigned.len() > whole.len() && frac.is_empty());
    ok.then_some(frac.len() as u32)
}

/// The number written in `value`, with either decimal mark.
pub fn parse_number(value: &str) -> Option<f64> {
    decimal_places(value)?;
    value.replace(',', ".").parse().ok()
}

fn vi_decimal(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        let s = vi_number(n.abs() as u64);
        if n < 0.0 { format!("-{s}") } else { s }
    } else {
        n.to_string().replace('.', ",")
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

/// What is wrong with a file of `name` and `size` for `slot`: its name,
/// type and size, checked before the file is even copied.
pub fn check_document(slot: &AttachmentSlot, name: &str, size: u64) -> Vec<Problem> {
    let mut out = Problems(Vec::new());
    let path = format!("documents.{}", slot.id);
    if let Err(m) = crate::filename::check(name) {
        out.push(
            &path,
            ProblemCode::DocumentName,
            format!(
                "Tên tệp “{}” sẽ bị cổng từ chối: {} — hãy đổi tên tệp.",
                name, m.vi
            ),
            format!(
                "The portal would refuse the name “{}”: {} — rename the file.",
                name, m.en
            ),
        );
    }
    let ext = crate::filename::extension(name);
    if !slot.accept.contains(&ext) {
        let accepted = slot.accept.join(", ");
        out.push(
            &path,
            ProblemCode::DocumentType,
            format!(
                "Tệp {} không đúng loại cho “{}” — chỉ nhận {accepted}.",
                name, slot.label.vi
            ),
            format!(
                "{} is not an accepted type for “{}” — only {accepted}.",
                name, slot.label.en
            ),
        );
    }
    if size > slot.max_size_bytes {
        let (size, max) = (byte_size(size), byte_size(slot.max_size_bytes));
        out.push(
            &path,
            ProblemCode::DocumentTooLarge,
            format!(
                "Tệp {} nặng {}, “{}” nhận tối đa {} — hãy quét lại với độ phân giải thấp hơn hoặc chia nhỏ tệp.",
                name, size.vi, slot.label.vi, max.vi
            ),
            format!(
                "{} is {}, “{}” takes at most {} — rescan at a lower resolution or split the file.",
                name, size.en, slot.label.en, max.en
            ),
        );
    }
    out.0
}

fn check_documents(procedure: &Procedure, dossier: &DossierContent, out: &mut Problems) {
    for doc in &dossier.documents {
        let path = format!("documents.{}", doc.slot);
        let name = normalize_cow(&doc.name);
        let Some(slot) = procedure.slot(&doc.slot) else {
            out.push(
                &path,
                ProblemCode::UnknownSlot,
                format!(
                    "Thủ tục này không nhận loại giấy tờ “{}” — hãy gỡ tệp {}.",
                    doc.slot, name
                ),
                format!(
                    "This procedure takes no document of kind “{}” — remove {}.",
                    doc.slot, name
                ),
            );
            continue;
        };
        out.0.extend(check_document(slot, &name, doc.size));
    }
    for slot in &procedure.attachments {
        let count = dossier
            .documents
            .iter()
            .filter(|d| d.slot == slot.id)
            .count();
        let path = format!("documents.{}", slot.id);
        let required = is_required(slot.required, slot.required_when.as_ref(), dossier, None);
        if count == 0 && required {
            out.push(
                &path,
                ProblemCode::DocumentMissing,
                format!("Chưa đính kèm “{}” — giấy tờ này bắt buộc.", slot.label.vi),
                format!("“{}” must be attached.", slot.label.en),
            );
        } else if count > slot.max_count as usize {
            out.push(
                &path,
                ProblemCode::TooManyDocuments,
                format!(
                    "“{}” nhận tối đa {} tệp, đang có {count} — hãy gỡ bớt.",
                    slot.label.vi, slot.max_count
                ),
                format!(
                    "“{}” takes at most {} files, {count} attached — remove some.",
                    slot.label.en, slot.max_count
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests;
