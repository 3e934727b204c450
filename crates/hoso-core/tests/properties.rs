//! Properties of counting and validation over generated input: what a
//! person sees decides, never how the text was typed; no input panics; a
//! value exactly at its limit passes and one character more fails.

use hoso_core::length::{LengthUnit, measure};
use hoso_core::procedure::{FieldKind, Procedure, bundled};
use hoso_core::{DossierContent, ProblemCode, Row, Value, samples, validate};
use proptest::prelude::*;
use std::collections::BTreeMap;
use unicode_normalization::UnicodeNormalization;

fn procedures() -> Vec<Procedure> {
    bundled()
        .into_iter()
        .map(|(n, t)| Procedure::parse(n, t).expect("bundled schema"))
        .collect()
}

/// Vietnamese text with spaces, odd whitespace and invisible characters.
fn vietnamese() -> impl Strategy<Value = String> {
    proptest::string::string_regex(
        "[a-zA-Z0-9 àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵĐƯƠ,.\\-/\u{a0}\u{200b}\u{feff}\n]{0,60}",
    )
    .expect("valid regex")
}

fn nfd(s: &str) -> String {
    s.nfd().collect()
}

fn nfd_dossier(d: &DossierContent) -> DossierContent {
    let mut out = d.clone();
    for v in out.fields.values_mut() {
        match v {
            Value::Text(t) => *t = nfd(t),
            Value::Rows(rows) => {
                for row in rows {
                    for cell in row.values_mut() {
                        *cell = nfd(cell);
                    }
                }
            }
        }
    }
    for doc in &mut out.documents {
        doc.name = nfd(&doc.name);
    }
    out
}

/// Every field and column with a length limit: (procedure index, field
/// path, column id, the field).
fn limited(all: &[Procedure]) -> Vec<(usize, String, Option<String>, hoso_core::procedure::Field)> {
    let mut out = Vec::new();
    for (pi, p) in all.iter().enumerate() {
        for (path, f) in p.fields() {
            if f.max_length.is_some() {
                out.push((pi, path.clone(), None, f.clone()));
            }
            for col in f.columns.iter().filter(|c| c.max_length.is_some()) {
                out.push((pi, path.clone(), Some(col.id.clone()), col.clone()));
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn nfc_and_nfd_count_the_same(s in vietnamese()) {
        for unit in [LengthUnit::Chars, LengthUnit::Utf16, LengthUnit::Utf8Bytes] {
            prop_assert_eq!(measure(&s, unit), measure(&nfd(&s), unit));
        }
    }

    #[test]
    fn nfc_and_nfd_dossiers_get_identical_problems(
        values in proptest::collection::vec((0usize..40, vietnamese()), 1..12),
        cells in proptest::collection::vec((0usize..3, 0usize..10, vietnamese()), 0..8),
    ) {
        let all = procedures();
        let procedure = all.iter().find(|p| p.version == "2026.07").expect("quality inspection");
        let mut d = samples::quality_inspection();
        let paths: Vec<String> = procedure.fields().map(|(p, _)| p).collect();
        for (i, v) in values {
            let path = &paths[i % paths.len()];
            if procedure.field(path).is_some_and(|f| f.kind != FieldKind::Table) {
                d.set(path, v);
            }
        }
        let table = procedure.field("goods.items").expect("goods table");
        if let Some(Value::Rows(rows)) = d.fields.get_mut("goods.items") {
            for (r, c, v) in cells {
                let col = &table.columns[c % table.columns.len()];
                rows[r].insert(col.id.clone(), v);
            }
        }
        prop_assert_eq!(validate(procedure, &d), validate(procedure, &nfd_dossier(&d)));
    }

    #[test]
    fn random_dossiers_never_panic_and_are_judged_as_stored(
        which in 0usize..5,
        fields in proptest::collection::btree_map("[a-z_.]{0,30}", any::<String>(), 0..20),
        rows in proptest::collection::vec(proptest::collection::btree_map("[a-z_]{0,12}", any::<String>(), 0..6), 0..6),
        version in any::<String>(),
    ) {
        let all = procedures();
        let p = &all[which % all.len()];
        let mut d = DossierContent {
            procedure: p.code.clone(),
            version,
            fields: fields.into_iter().map(|(k, v)| (k, Value::Text(v))).collect(),
            documents: vec![],
        };
        let tables: Vec<String> = p.fields().filter(|(_, f)| f.kind == FieldKind::Table).map(|(k, _)| k).collect();
        for t in tables {
            d.fields.insert(t, Value::Rows(rows.clone()));
        }
        let problems = validate(p, &d);
        for problem in &problems {
            prop_assert!(!problem.message.vi.is_empty() && !problem.message.en.is_empty());
        }
        // Judged as stored: the normalised dossier has the same problems.
        prop_assert_eq!(problems, validate(p, &d.normalized()));
    }

    #[test]
    fn exactly_at_the_limit_passes_and_one_more_fails(seed in vietnamese(), pick in 0usize..1000) {
        let all = procedures();
        let limited = limited(&all);
        let (pi, path, column, field) = &limited[pick % limited.len()];
        let limit = field.max_length.expect("limited");
        // Fill to exactly the limit: the seed's letters, then ASCII.
        let mut value: String = seed.chars().filter(|c| c.is_alphanumeric()).collect::<String>().nfc().collect();
        while measure(&value, limit.unit) > limit.max as usize {
            value.pop();
        }
        while measure(&value, limit.unit) < limit.max as usize {
            value.push('a');
        }
        let at_limit = nfd(&value);
        let over = format!("{at_limit}a");
        let p = &all[*pi];
        let too_long = |v: &str| {
            let mut d = DossierContent {
                procedure: p.code.clone(),
                version: p.version.clone(),
                fields: BTreeMap::new(),
                documents: vec![],
            };
            let cell_path = match column {
                Some(col) => {
                    let row = Row::from([(col.clone(), v.to_owned())]);
                    d.fields.insert(path.clone(), Value::Rows(vec![row]));
                    format!("{path}[0].{col}")
                }
                None => {
                    d.set(path, v);
                    path.clone()
                }
            };
            validate(p, &d).iter().any(|pr| pr.path == cell_path && pr.code == ProblemCode::TooLong)
        };
        prop_assert!(!too_long(&at_limit), "{} at its limit {:?}", path, limit);
        prop_assert!(too_long(&over), "{} one over {:?}", path, limit);
    }
}
