//! Procedure schemas: what a dossier for one administrative procedure must
//! hold, as data. Schemas are written under `assets/procedures/`, one file
//! per procedure version, served by portals and cached by the app so that
//! dossiers can be built and checked offline.
//!
//! [`Procedure::parse`] refuses a malformed or contradictory schema with an
//! error naming the file, the line and the field (`check.rs`).

mod check;
pub mod diff;
mod locate;
mod pattern;

pub use check::SchemaError;
pub use pattern::Pattern;

use crate::fees::FeeSchedule;
use crate::length::{LengthUnit, normalize_cow};
use crate::{Bilingual, DossierContent, ProcedureCode, Row};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The schema format this build understands.
pub const SCHEMA_FORMAT: u32 = 2;

/// One version of one procedure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// Schema format number; see [`SCHEMA_FORMAT`].
    pub format: u32,
    /// Stable code of the procedure.
    pub code: ProcedureCode,
    /// Code in the national procedure database, when it has one.
    #[serde(default)]
    pub national_code: Option<String>,
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
    /// Fee in đồng, as the receipt carries it. With a fee schedule, the
    /// sum of its once-per-dossier charges.
    pub fee_vnd: u64,
    /// The fee schedule: charges per dossier, per table row or per item,
    /// and exemptions ([`crate::fees`]). Absent: `fee_vnd` once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fees: Option<FeeSchedule>,
    /// Statutory processing time in working days (0: the same day).
    pub processing_days: u32,
    /// Receipts at or after this local time (`HH:MM`) count from the next
    /// working day. Absent: the calendar's default office closing time.
    #[serde(default)]
    pub receipt_cutoff: Option<String>,
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
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Identifier, unique in the procedure (`[a-z0-9_]+`).
    pub id: String,
    /// Heading shown above the fields.
    pub title: Bilingual,
    /// The fields, in form order.
    pub fields: Vec<Field>,
}

/// One field of the form, or one column of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Identifier, unique in its section or table (`[a-z0-9_]+`).
    pub id: String,
    /// Label shown beside the input.
    pub label: Bilingual,
    /// What kind of value the field takes.
    #[serde(rename = "type")]
    pub kind: FieldKind,
    /// Whether the dossier is incomplete without it.
    #[serde(default)]
    pub required: bool,
    /// Required only when another field has a value (or a given value).
    #[serde(default)]
    pub required_when: Option<Condition>,
    /// Shortest accepted value, in the unit of `max_length`.
    #[serde(default)]
    pub min_length: Option<u32>,
    /// Longest accepted value and the unit the portal counts in.
    #[serde(default)]
    pub max_length: Option<LengthLimit>,
    /// A regular expression the whole value must match.
    #[serde(default)]
    pub pattern: Option<Pattern>,
    /// Smallest and largest accepted number (integer and decimal fields).
    #[serde(default)]
    pub range: Option<Range>,
    /// Most digits after the decimal separator (decimal fields).
    #[serde(default)]
    pub decimals: Option<u32>,
    /// The unit a number is in, shown after the input ("kg", "m²").
    #[serde(default)]
    pub unit: Option<Bilingual>,
    /// The values a choice field offers.
    #[serde(default)]
    pub options: Vec<Choice>,
    /// The columns of a table field.
    #[serde(default)]
    pub columns: Vec<Field>,
    /// Fewest rows a table needs when it is required (default 1).
    #[serde(default)]
    pub min_rows: Option<u32>,
    /// Most rows a table takes.
    #[serde(default)]
    pub max_rows: Option<u32>,
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
    /// A whole number.
    Integer,
    /// A number with a fractional part, in `unit`.
    Decimal,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// One of `options`.
    Choice,
    /// `yes` or `no`.
    YesNo,
    /// A Vietnamese tax code with its check digit (10 or 13 digits).
    TaxCode,
    /// A Vietnamese citizen identity number (12 digits).
    CitizenId,
    /// A Vietnamese phone number.
    Phone,
    /// An e-mail address.
    Email,
    /// Rows of `columns`, such as the list of imported goods.
    Table,
}

impl FieldKind {
    /// Whether values of this kind are free text that a length limit fits.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Self::Text | Self::LongText | Self::Phone | Self::Email | Self::TaxCode
        )
    }

    /// Whether values of this kind are numbers.
    pub fn is_number(self) -> bool {
        matches!(self, Self::Integer | Self::Decimal)
    }

    /// What a value of this kind is, for people reading a procedure's
    /// fields outside the form (the command line, documentation).
    pub fn label(self) -> Bilingual {
        let (vi, en) = match self {
            Self::Text => ("văn bản một dòng", "one line of text"),
            Self::LongText => ("văn bản nhiều dòng", "text of several lines"),
            Self::Integer => ("số nguyên", "whole number"),
            Self::Decimal => (
                "số, phần thập phân sau dấu phẩy (1250,5)",
                "number, decimals after a comma or point (1250.5)",
            ),
            Self::Date => ("ngày, dạng YYYY-MM-DD", "date, as YYYY-MM-DD"),
            Self::Choice => ("một lựa chọn", "one choice"),
            Self::YesNo => ("yes (có) hoặc no (không)", "yes or no"),
            Self::TaxCode => ("mã số thuế, 10 hoặc 13 chữ số", "tax code, 10 or 13 digits"),
            Self::CitizenId => ("số định danh cá nhân, 12 chữ số", "citizen ID, 12 digits"),
            Self::Phone => ("số điện thoại Việt Nam", "Vietnamese phone number"),
            Self::Email => ("địa chỉ thư điện tử", "e-mail address"),
            Self::Table => ("bảng", "table"),
        };
        Bilingual::new(vi, en)
    }
}

/// When a conditional field becomes required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The field whose value decides: a `section.field` path, or in a table
    /// the id of another column of the same row.
    pub field: String,
    /// The value that makes this field required; absent: any value.
    #[serde(default)]
    pub equals: Option<String>,
}

impl Condition {
    /// Whether the condition holds for `dossier`: the field has a value
    /// (a table: at least one row), equal to `equals` when that is given.
    /// Values are compared normalised ([`crate::length::normalize`]). In
    /// a table, `row` is looked at first, so a condition can name another
    /// column of the same row. Validation, the fee schedule's exemptions
    /// and anything else conditional read conditions through this one
    /// function.
    pub fn holds(&self, dossier: &DossierContent, row: Option<&Row>) -> bool {
        let value = row
            .and_then(|r| r.get(&self.field))
            .map(|v| normalize_cow(v))
            .filter(|v| !v.is_empty())
            .or_else(|| {
                dossier
                    .field(&self.field)
                    .map(normalize_cow)
                    .filter(|v| !v.is_empty())
            });
        match (&self.equals, value) {
            (Some(want), Some(got)) => want.as_str() == got.as_ref(),
            (Some(_), None) => false,
            (None, Some(_)) => true,
            (None, None) => !dossier.rows(&self.field).is_empty(),
        }
    }
}

/// A length limit with the unit the receiving system counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LengthLimit {
    /// Largest accepted length.
    pub max: u32,
    /// What is counted.
    pub unit: LengthUnit,
}

/// Bounds on a number; either may be absent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// Smallest accepted value.
    #[serde(default)]
    pub min: Option<f64>,
    /// Largest accepted value.
    #[serde(default)]
    pub max: Option<f64>,
}

/// One value a choice field offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// The value stored and sent (`[a-z0-9_]+`).
    pub value: String,
    /// What people see.
    pub label: Bilingual,
}

/// A place for documents of one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentSlot {
    /// Identifier, unique in the procedure (`[a-z0-9_]+`).
    pub id: String,
    /// What the document is.
    pub label: Bilingual,
    /// Whether the dossier is incomplete without one.
    #[serde(default)]
    pub required: bool,
    /// Required only when a field has a value (or a given value).
    #[serde(default)]
    pub required_when: Option<Condition>,
    /// Accepted file name extensions, lower case, without the dot.
    pub accept: Vec<String>,
    /// Largest accepted file, in bytes.
    pub max_size_bytes: u64,
    /// Most documents the slot takes.
    pub max_count: u32,
    /// A hint shown beside the slot.
    #[serde(default)]
    pub help: Option<Bilingual>,
}

/// Field paths (`section.field`) printed on the receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptFields {
    /// The applicant's name.
    pub applicant_name: String,
    /// The applicant's address.
    #[serde(default)]
    pub applicant_address: Option<String>,
}

impl Procedure {
    /// Parses and checks a schema read from `file` (a name used in errors).
    pub fn parse(file: &str, text: &str) -> Result<Self, SchemaError> {
        check::parse(file, text)
    }

    /// Parses and checks a schema that has no file name, such as one
    /// received from a portal.
    pub fn from_json(text: &str) -> Result<Self, SchemaError> {
        Self::parse("schema", text)
    }

    /// Every top-level field with its `section.field` path, in form order.
    pub fn fields(&self) -> impl Iterator<Item = (String, &Field)> {
        self.sections.iter().flat_map(|s| {
            s.fields
                .iter()
                .map(move |f| (format!("{}.{}", s.id, f.id), f))
        })
    }

    /// The top-level field at `section.field`.
    pub fn field(&self, path: &str) -> Option<&Field> {
        let (section, field) = path.split_once('.')?;
        self.sections
            .iter()
            .find(|s| s.id == section)?
            .fields
            .iter()
            .find(|f| f.id == field)
    }

    /// The attachment slot with this identifier.
    pub fn slot(&self, id: &str) -> Option<&AttachmentSlot> {
        self.attachments.iter().find(|a| a.id == id)
    }

    /// The local time from which receipts count from the next working day,
    /// when the procedure sets one.
    pub fn cutoff(&self) -> Option<chrono::NaiveTime> {
        let cut = self.receipt_cutoff.as_deref()?;
        chrono::NaiveTime::parse_from_str(cut, "%H:%M").ok()
    }

    /// Whether these rules apply to a dossier received on `day`.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.effective_from <= day && self.effective_until.is_none_or(|last| day <= last)
    }
}

/// The procedure schemas that ship with HoSo, by file name, embedded at
/// build time so that the practice portal and tests have them without
/// reading files.
pub fn bundled() -> Vec<(&'static str, &'static str)> {
    macro_rules! schema {
        ($name:literal) => {
            (
                $name,
                include_str!(concat!("../../../../assets/procedures/", $name)),
            )
        };
    }
    vec![
        schema!("kiem-tra-cl-nhap-khau.2018.json"),
        schema!("kiem-tra-cl-nhap-khau.2026.json"),
        schema!("dang-ky-khai-sinh.2025.json"),
        schema!("dang-ky-ho-kinh-doanh.2025.json"),
        schema!("dang-ky-bien-dong-dat-dai.2025.json"),
    ]
}

/// Of several versions, the one in force on `day` for `code`.
pub fn in_force<'a>(
    versions: impl IntoIterator<Item = &'a Procedure>,
    code: &ProcedureCode,
    day: NaiveDate,
) -> Option<&'a Procedure> {
    versions
        .into_iter()
        .filter(|p| &p.code == code && p.in_force_on(day))
        .max_by_key(|p| p.effective_from)
}

#[cfg(test)]
mod tests;
