use super::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn parsed() -> Vec<Procedure> {
    bundled()
        .into_iter()
        .map(|(name, text)| Procedure::parse(name, text).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

#[test]
fn every_bundled_schema_parses_and_four_procedures_are_covered() {
    let all = parsed();
    let codes: BTreeSet<&str> = all.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(
        codes,
        BTreeSet::from([
            "dang-ky-bien-dong-dat-dai",
            "dang-ky-ho-kinh-doanh",
            "dang-ky-khai-sinh",
            "kiem-tra-cl-nhap-khau"
        ])
    );
    for p in &all {
        assert!(p.fields().count() > 3, "{}", p.code);
        assert!(!p.attachments.is_empty(), "{}", p.code);
        assert!(!p.notes.is_empty(), "{} says what is assumed", p.code);
    }
    let land = all
        .iter()
        .find(|p| p.code.as_str() == "dang-ky-bien-dong-dat-dai");
    let largest = land
        .and_then(|p| p.attachments.iter().map(|a| a.max_size_bytes).max())
        .unwrap_or(0);
    assert!(
        largest >= 500 * 1024 * 1024,
        "land scans take hundreds of MB"
    );
}

#[test]
fn the_version_in_force_follows_the_day_of_receipt() {
    let all = parsed();
    let code: ProcedureCode = "kiem-tra-cl-nhap-khau".parse().expect("code");
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let on = |d: &str| in_force(&all, &code, day(d)).map(|p| p.version.as_str());
    assert_eq!(on("2026-06-30"), Some("2018.07"));
    assert_eq!(on("2026-07-01"), Some("2026.07"));
    assert_eq!(on("2026-11-23"), Some("2026.07"));
    assert_eq!(on("2018-06-30"), None);
}

fn group2() -> (&'static str, Value) {
    let (name, text) = bundled()[1];
    (name, serde_json::from_str(text).expect("JSON"))
}

/// Parses `v` printed as the files are, and the line on which `"id": "<id>"`
/// (the `nth` occurrence) stands.
fn refuse(v: &Value, id: &str, nth: usize) -> (SchemaError, usize) {
    let text = serde_json::to_string_pretty(v).expect("print");
    let needle = format!("\"id\": \"{id}\"");
    let at = text
        .match_indices(&needle)
        .nth(nth)
        .map(|(i, _)| i)
        .expect("id present");
    let line = text[..at].matches('\n').count() + 1;
    let err = Procedure::parse("kiem-tra.json", &text).expect_err("accepted a bad schema");
    (err, line)
}

fn field_mut(v: &mut Value, section: usize, field: usize) -> &mut Value {
    &mut v["sections"][section]["fields"][field]
}

#[test]
fn contradictory_fields_are_refused_naming_file_line_and_field() {
    type Edit = fn(&mut Value);
    let cases: [(&str, Edit, &str, &str); 9] = [
        (
            "repeated id",
            |v| {
                let first = field_mut(v, 1, 0).clone();
                v["sections"][1]["fields"]
                    .as_array_mut()
                    .expect("array")
                    .push(first);
            },
            "importer.name",
            "trùng",
        ),
        (
            "min above max",
            |v| {
                field_mut(v, 1, 0)["min_length"] = json!(300);
            },
            "importer.name",
            "min_length is above max_length",
        ),
        (
            "length on a date",
            |v| {
                field_mut(v, 2, 2)["max_length"] = json!({"max": 10, "unit": "chars"});
            },
            "goods.import_from",
            "text fields only",
        ),
        (
            "range backwards",
            |v| {
                field_mut(v, 2, 0)["columns"][6]["range"] = json!({"min": 5, "max": 1});
            },
            "goods.items.quantity",
            "min is above max",
        ),
        (
            "choice without options",
            |v| {
                field_mut(v, 4, 0)["options"] = json!([]);
            },
            "certificate.kind",
            "no options",
        ),
        (
            "bad pattern",
            |v| {
                field_mut(v, 3, 4)["pattern"]["regex"] = json!("(\\d{12}");
            },
            "papers.declaration_no",
            "does not compile",
        ),
        (
            "condition on a missing field",
            |v| {
                field_mut(v, 2, 3)["required_when"] = json!({"field": "goods.nowhere"});
            },
            "goods.import_to",
            "missing field “goods.nowhere”",
        ),
        (
            "condition on a value never taken",
            |v| {
                field_mut(v, 2, 3)["required_when"] =
                    json!({"field": "certificate.kind", "equals": "gold"});
            },
            "goods.import_to",
            "never takes",
        ),
        (
            "nested table",
            |v| {
                let table = field_mut(v, 2, 0).clone();
                field_mut(v, 2, 0)["columns"]
                    .as_array_mut()
                    .expect("array")
                    .push(json!({
                        "id": "inner", "label": {"vi": "x", "en": "x"}, "type": "table",
                        "columns": table["columns"].clone()
                    }));
            },
            "goods.items.inner",
            "nested",
        ),
    ];
    for (what, edit, path, says) in cases {
        let (_, mut v) = group2();
        edit(&mut v);
        let last = path.rsplit('.').next().expect("id");
        let nth = usize::from(what == "repeated id");
        let (err, line) = refuse(&v, last, nth);
        assert_eq!(err.file, "kiem-tra.json", "{what}");
        assert_eq!(err.field.as_deref(), Some(path), "{what}: {err}");
        assert!(err.message.contains(says), "{what}: {err}");
        if what != "nested table" {
            assert_eq!(err.line, line, "{what}: {err}");
        }
        let shown = err.to_string();
        assert!(
            shown.starts_with(&format!("kiem-tra.json:{}: {path}: ", err.line)),
            "{shown}"
        );
    }
}

#[test]
fn malformed_json_and_unknown_keys_are_refused_at_their_line() {
    let (_, mut v) = group2();
    field_mut(&mut v, 1, 0)["max_lenght"] = json!({"max": 10, "unit": "chars"});
    let text = serde_json::to_string_pretty(&v).expect("print");
    let err = Procedure::parse("typo.json", &text).expect_err("typo accepted");
    let typo_line = text[..text.find("max_lenght").expect("present")]
        .matches('\n')
        .count()
        + 1;
    assert!(err.message.contains("max_lenght"), "{err}");
    assert!(err.line >= typo_line, "{err} vs line {typo_line}");
    assert!(err.line <= typo_line + 12, "{err} vs line {typo_line}");

    let err =
        Procedure::parse("cut.json", "{\n  \"format\": 2,\n  \"code\": ").expect_err("truncated");
    assert_eq!((err.file.as_str(), err.line), ("cut.json", 3), "{err}");
    assert!(err.message.contains("malformed"));
}

#[test]
fn whole_schema_contradictions_are_refused() {
    let (_, mut v) = group2();
    v["format"] = 99.into();
    let err = Procedure::from_json(&v.to_string()).expect_err("format 99");
    assert!(err.message.contains("format 99"), "{err}");

    let (_, mut v) = group2();
    v["receipt"]["applicant_name"] = "nowhere.name".into();
    let err = Procedure::from_json(&v.to_string()).expect_err("dangling receipt");
    assert_eq!(err.field.as_deref(), Some("receipt"));

    let (_, mut v) = group2();
    v["effective_until"] = "2020-01-01".into();
    let err = Procedure::from_json(&v.to_string()).expect_err("backwards dates");
    assert!(err.message.contains("effective_until"), "{err}");

    let (_, mut v) = group2();
    v["attachments"][0]["accept"] = json!([".PDF"]);
    let err = Procedure::from_json(&v.to_string()).expect_err("bad extension");
    assert_eq!(err.field.as_deref(), Some("contract"));
}

#[test]
fn every_field_kind_has_a_distinct_name_in_both_languages() {
    use super::FieldKind::*;
    let kinds = [
        Text, LongText, Integer, Decimal, Date, Choice, YesNo, TaxCode, CitizenId, Phone, Email,
        Table,
    ];
    let mut seen = std::collections::HashSet::new();
    for kind in kinds {
        let name = kind.label();
        assert!(!name.vi.is_empty() && !name.en.is_empty(), "{kind:?}");
        assert_ne!(name.vi, name.en, "{kind:?}");
        assert!(seen.insert(name.en.clone()), "{kind:?}: {name:?} twice");
    }
}
