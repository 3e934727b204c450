//! The file of `hoso dossiers set --file`: field values by path, read one
//! value at a time so that a wrong one is named by its path.
//!
//! Two shapes are read: an object of field paths to values
//! (`{"importer.name": "…", "goods.items": [{"name": "…"}]}`), and a whole
//! dossier as `assets/samples/` and `hoso dossiers show --json` hold it
//! (`{"procedure": …, "version": …, "fields": {…}, "documents": […]}`,
//! also as the `content` of `hoso dossiers show --json`), whose fields are
//! taken; its documents are files this computer may not have, so they are
//! counted, not attached.

use hoso_core::procedure::{Field, FieldKind, Procedure};
use hoso_core::{Bilingual, Row, Value};
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// What a values file holds.
#[derive(Debug, Clone, PartialEq)]
pub struct ValuesFile {
    /// Values by field path.
    pub fields: BTreeMap<String, Value>,
    /// When the file is a whole dossier: its procedure and how many
    /// documents it lists (not taken).
    pub dossier: Option<(String, usize)>,
}

/// Reads `text` for a dossier of `procedure`; the error says where and what.
pub fn parse(text: &str, procedure: &Procedure) -> Result<ValuesFile, Bilingual> {
    let top: Json = serde_json::from_str(text).map_err(|e| {
        Bilingual::new(
            format!(
                "không phải JSON (dòng {}, cột {}): {e}",
                e.line(),
                e.column()
            ),
            format!("not JSON (line {}, column {}): {e}", e.line(), e.column()),
        )
    })?;
    let Json::Object(mut top) = top else {
        return Err(Bilingual::new(
            format!(
                "cần một đối tượng JSON {{\"trường\": giá trị}}, gặp {}",
                kind_vi(&top)
            ),
            format!(
                "expected a JSON object {{\"field\": value}}, found {}",
                kind_en(&top)
            ),
        ));
    };
    // What `hoso dossiers show --json` prints: the dossier is its content.
    if top.contains_key("summary")
        && let Some(Json::Object(content)) = top.remove("content")
    {
        top = content;
    }
    let (fields, dossier) = match top.get("fields") {
        Some(Json::Object(fields)) => {
            if let Some(other) = top
                .keys()
                .find(|k| !["procedure", "version", "fields", "documents"].contains(&k.as_str()))
            {
                return Err(Bilingual::new(
                    format!(
                        "“{other}” không thuộc một hồ sơ (procedure, version, fields, documents)"
                    ),
                    format!(
                        "“{other}” is not part of a dossier (procedure, version, fields, documents)"
                    ),
                ));
            }
            let code = top
                .get("procedure")
                .and_then(Json::as_str)
                .unwrap_or_default();
            if code != procedure.code.as_str() {
                return Err(Bilingual::new(
                    format!(
                        "tệp là hồ sơ của thủ tục “{code}”, còn hồ sơ này thuộc thủ tục {}",
                        procedure.code
                    ),
                    format!(
                        "the file is a dossier of procedure “{code}”, this dossier is of {}",
                        procedure.code
                    ),
                ));
            }
            let documents = top
                .get("documents")
                .and_then(Json::as_array)
                .map_or(0, Vec::len);
            (fields.clone(), Some((code.to_owned(), documents)))
        }
        _ => (top, None),
    };
    let mut out = BTreeMap::new();
    for (path, value) in fields {
        let field = procedure
            .field(&path)
            .ok_or_else(|| unknown(&path, procedure))?;
        out.insert(path.clone(), value_of(&path, field, value)?);
    }
    Ok(ValuesFile {
        fields: out,
        dossier,
    })
}

/// The value of `--field PATH=TEXT`: the text, or for a table its rows
/// written as JSON (`[{"name": "…"}]`).
pub fn field_value(path: &str, text: &str, procedure: &Procedure) -> Result<Value, Bilingual> {
    let field = procedure
        .field(path)
        .ok_or_else(|| unknown(path, procedure))?;
    if field.kind != FieldKind::Table {
        return Ok(Value::Text(text.to_owned()));
    }
    let rows: Json = serde_json::from_str(text).map_err(|e| {
        Bilingual::new(
            format!("{path}: bảng cần danh sách dòng JSON [{{\"cột\": \"giá trị\"}}, …] ({e})"),
            format!("{path}: a table takes its rows as JSON [{{\"column\": \"value\"}}, …] ({e})"),
        )
    })?;
    value_of(path, field, rows)
}

fn unknown(path: &str, procedure: &Procedure) -> Bilingual {
    Bilingual::new(
        format!(
            "“{path}” không phải trường của thủ tục {} {} (xem `hoso procedures show {}`)",
            procedure.code, procedure.version, procedure.code
        ),
        format!(
            "“{path}” is not a field of procedure {} {} (see `hoso procedures show {}`)",
            procedure.code, procedure.version, procedure.code
        ),
    )
}

/// One value: text for every kind but tables, rows of text cells for those.
fn value_of(path: &str, field: &Field, value: Json) -> Result<Value, Bilingual> {
    match (field.kind, value) {
        (FieldKind::Table, Json::Array(rows)) => {
            let mut out = Vec::with_capacity(rows.len());
            for (i, row) in rows.into_iter().enumerate() {
                let Json::Object(cells) = row else {
                    return Err(Bilingual::new(
                        format!(
                            "{path}[{i}]: mỗi dòng là một đối tượng {{\"cột\": \"giá trị\"}}, gặp {}",
                            kind_vi(&row)
                        ),
                        format!(
                            "{path}[{i}]: each row is an object {{\"column\": \"value\"}}, found {}",
                            kind_en(&row)
                        ),
                    ));
                };
                let mut r = Row::new();
                for (column, cell) in cells {
                    let at = format!("{path}[{i}].{column}");
                    if !field.columns.iter().any(|c| c.id == column) {
                        let known: Vec<&str> =
                            field.columns.iter().map(|c| c.id.as_str()).collect();
                        return Err(Bilingual::new(
                            format!(
                                "{at}: bảng không có cột “{column}” (các cột: {})",
                                known.join(", ")
                            ),
                            format!(
                                "{at}: the table has no column “{column}” (columns: {})",
                                known.join(", ")
                            ),
                        ));
                    }
                    match cell {
                        Json::String(t) => {
                            r.insert(column, t);
                        }
                        other => return Err(not_text(&at, &other)),
                    }
                }
                out.push(r);
            }
            Ok(Value::Rows(out))
        }
        (FieldKind::Table, other) => Err(Bilingual::new(
            format!(
                "{path}: bảng cần danh sách dòng [{{\"cột\": \"giá trị\"}}, …], gặp {}",
                kind_vi(&other)
            ),
            format!(
                "{path}: a table takes a list of rows [{{\"column\": \"value\"}}, …], found {}",
                kind_en(&other)
            ),
        )),
        (_, Json::String(t)) => Ok(Value::Text(t)),
        (_, other) => Err(not_text(path, &other)),
    }
}

/// A value that should have been text in quotes; numbers are refused, not
/// converted, since a number loses what text keeps (a tax code's leading 0,
/// a decimal comma).
fn not_text(at: &str, found: &Json) -> Bilingual {
    let shown: String = found.to_string().chars().take(40).collect();
    Bilingual::new(
        format!(
            "{at}: cần văn bản trong ngoặc kép (\"{shown}\"), gặp {} {shown}",
            kind_vi(found)
        ),
        format!(
            "{at}: expected text in quotes (\"{shown}\"), found {} {shown}",
            kind_en(found)
        ),
    )
}

fn kind_vi(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "giá trị đúng/sai",
        Json::Number(_) => "số",
        Json::String(_) => "văn bản",
        Json::Array(_) => "danh sách",
        Json::Object(_) => "đối tượng",
    }
}

fn kind_en(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "text",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn procedure() -> Procedure {
        let (name, text) = hoso_core::procedure::bundled()
            .into_iter()
            .find(|(n, _)| *n == "kiem-tra-cl-nhap-khau.2026.json")
            .expect("bundled");
        Procedure::parse(name, text).expect("schema")
    }

    const SAMPLE: &str = include_str!("../../../assets/samples/kiem-tra-cl-nhap-khau.2026.json");

    #[test]
    fn a_sample_dossier_gives_its_fields_and_counts_its_documents() {
        let read = parse(SAMPLE, &procedure()).expect("the sample reads");
        let sample = hoso_core::samples::quality_inspection();
        assert_eq!(read.fields, sample.fields);
        assert_eq!(
            read.dossier,
            Some(("kiem-tra-cl-nhap-khau".to_owned(), sample.documents.len()))
        );
    }

    #[test]
    fn what_dossiers_show_prints_reads_as_its_content() {
        let shown = format!(r#"{{"summary": {{"id": 3}}, "revision": 4, "content": {SAMPLE}}}"#);
        let read = parse(&shown, &procedure()).expect("reads");
        assert_eq!(read.fields, hoso_core::samples::quality_inspection().fields);
        assert_eq!(read.dossier.map(|(_, n)| n), Some(8));
    }

    #[test]
    fn a_flat_object_of_paths_reads_as_before() {
        let read = parse(
            r#"{"importer.name": "Công ty A", "goods.items": [{"name": "Máy", "quantity": "2"}]}"#,
            &procedure(),
        )
        .expect("reads");
        assert_eq!(read.dossier, None);
        assert_eq!(read.fields["importer.name"], Value::from("Công ty A"));
        assert_eq!(
            read.fields["goods.items"].as_rows().map(<[Row]>::len),
            Some(1)
        );
    }

    #[test]
    fn a_field_given_alone_is_text_or_a_tables_rows_in_json() {
        let p = procedure();
        assert_eq!(
            field_value("importer.phone", "024 3825 1234", &p),
            Ok(Value::from("024 3825 1234"))
        );
        let rows = field_value("goods.items", r#"[{"name": "Máy"}]"#, &p).expect("rows");
        assert_eq!(rows.as_rows().map(<[Row]>::len), Some(1));
        let bad = field_value("goods.items", "Máy", &p).expect_err("not JSON");
        assert!(
            bad.en
                .starts_with("goods.items: a table takes its rows as JSON"),
            "{bad:?}"
        );
        let unknown = field_value("importer.nam", "A", &p).expect_err("unknown");
        assert!(
            unknown.en.contains("“importer.nam” is not a field"),
            "{unknown:?}"
        );
    }

    #[test]
    fn each_wrong_value_is_named_by_its_path() {
        let p = procedure();
        let said = |text: &str| parse(text, &p).expect_err(text).en;
        for (text, want) in [
            (
                r#"{"importer.tax_code": 100233488}"#,
                "importer.tax_code: expected text in quotes (\"100233488\"), found a number",
            ),
            (
                r#"{"importer.nam": "A"}"#,
                "“importer.nam” is not a field of procedure kiem-tra-cl-nhap-khau 2026.07",
            ),
            (
                r#"{"goods.items": [{"name": "A", "quantity": 2}]}"#,
                "goods.items[0].quantity: expected text in quotes",
            ),
            (
                r#"{"goods.items": [{"name": "A"}, "B"]}"#,
                "goods.items[1]: each row is an object",
            ),
            (
                r#"{"goods.items": [{"colour": "A"}]}"#,
                "goods.items[0].colour: the table has no column “colour”",
            ),
            (
                r#"{"goods.items": "A"}"#,
                "goods.items: a table takes a list of rows",
            ),
            (
                r#"{"importer.name": ["A"]}"#,
                "importer.name: expected text in quotes",
            ),
            (
                r#"{"procedure": "dang-ky-khai-sinh", "fields": {}}"#,
                "the file is a dossier of procedure “dang-ky-khai-sinh”",
            ),
            (
                r#"{"procedure": "kiem-tra-cl-nhap-khau", "fields": {}, "extra": 1}"#,
                "“extra” is not part of a dossier",
            ),
            (
                r#"{"fields": {"importer.name": 1}, "procedure": "kiem-tra-cl-nhap-khau"}"#,
                "importer.name: expected text",
            ),
            ("[1, 2]", "expected a JSON object"),
            ("{\"importer.name\": ", "not JSON (line 1, column"),
        ] {
            let got = said(text);
            assert!(got.starts_with(want) || got.contains(want), "{text}: {got}");
        }
    }
}
