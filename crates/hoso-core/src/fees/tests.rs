use super::*;
use crate::procedure::{SchemaError, bundled};
use crate::{Row, Value, samples};
use proptest::prelude::*;
use serde_json::{Value as Json, json};

fn bundled_json(prefix: &str) -> Json {
    let (_, text) = bundled()
        .into_iter()
        .find(|(n, _)| n.starts_with(prefix))
        .expect("bundled schema");
    serde_json::from_str(text).expect("JSON")
}

fn parse(v: &Json) -> Result<Procedure, SchemaError> {
    Procedure::parse(
        "fees.json",
        &serde_json::to_string_pretty(v).expect("print"),
    )
}

fn bundled_procedure(prefix: &str) -> Procedure {
    parse(&bundled_json(prefix)).expect("bundled schema")
}

/// The 2026 quality-inspection schema with a schedule made up for these
/// tests: 200,000 once, 50,000 per goods row, 10,000 per copy asked for
/// (an integer field added for the purpose), nothing when the certificate
/// is a lot inspection certificate.
fn with_schedule() -> Json {
    let mut v = bundled_json("kiem-tra-cl-nhap-khau.2026");
    v["sections"][3]["fields"]
        .as_array_mut()
        .expect("fields")
        .push(json!({
            "id": "copies", "label": {"vi": "Số bản sao", "en": "Copies"},
            "type": "integer"
        }));
    v["fee_vnd"] = json!(200_000);
    v["fees"] = json!({
        "charges": [
            {"label": {"vi": "Lệ phí đăng ký", "en": "Registration fee"}, "amount_vnd": 200000},
            {"label": {"vi": "Phí theo dòng hàng", "en": "Per goods row"}, "amount_vnd": 50000,
             "per": {"row": "goods.items"}},
            {"label": {"vi": "Phí bản sao", "en": "Per copy"}, "amount_vnd": 10000,
             "per": {"item": "papers.copies"}}
        ],
        "exemptions": [
            {"when": {"field": "certificate.kind", "equals": "lot_inspection"},
             "reason": {"vi": "Miễn theo chứng thư giám định", "en": "Waived for lot inspection"}}
        ],
        "notes": [{"vi": "Số tiền là giả định để thử.", "en": "Amounts are made up for tests."}]
    });
    v
}

fn empty(p: &Procedure) -> DossierContent {
    DossierContent {
        procedure: p.code.clone(),
        version: p.version.clone(),
        fields: Default::default(),
        documents: Vec::new(),
    }
}

fn sample() -> DossierContent {
    samples::quality_inspection()
}

fn line(vi: &str, en: &str, quantity: u64, unit_vnd: u64) -> FeeLine {
    FeeLine {
        label: Bilingual::new(vi, en),
        quantity,
        unit_vnd,
        amount_vnd: quantity * unit_vnd,
    }
}

#[test]
fn a_procedure_without_a_schedule_charges_fee_vnd_once() {
    let household = bundled_procedure("dang-ky-ho-kinh-doanh");
    assert_eq!(household.fees, None);
    let owed = fee(&household, &empty(&household)).expect("fee");
    assert_eq!(
        owed,
        Fee {
            amount_vnd: 100_000,
            lines: vec![line("Phí, lệ phí", "Fee", 1, 100_000)],
            exempt: None,
        }
    );

    let birth = bundled_procedure("dang-ky-khai-sinh");
    let owed = fee(&birth, &empty(&birth)).expect("fee");
    assert_eq!((owed.amount_vnd, owed.lines.len()), (0, 0));
}

#[test]
fn charges_count_the_dossier_its_filled_rows_and_its_items() {
    let p = parse(&with_schedule()).expect("schema with fees");
    let mut d = sample();
    assert_eq!(d.rows("goods.items").len(), 3);
    d.set("papers.copies", " 2 ");
    let owed = fee(&p, &d).expect("fee");
    assert_eq!(
        owed,
        Fee {
            amount_vnd: 200_000 + 3 * 50_000 + 2 * 10_000,
            lines: vec![
                line("Lệ phí đăng ký", "Registration fee", 1, 200_000),
                line("Phí theo dòng hàng", "Per goods row", 3, 50_000),
                line("Phí bản sao", "Per copy", 2, 10_000),
            ],
            exempt: None,
        }
    );
    assert_eq!(
        crate::amount_words::in_words(owed.amount_vnd),
        "Ba trăm bảy mươi nghìn đồng"
    );
}

#[test]
fn blank_rows_and_blank_counts_charge_nothing_and_leave_no_line() {
    let p = parse(&with_schedule()).expect("schema with fees");
    let mut d = sample();
    let mut rows = d.rows("goods.items").to_vec();
    rows.push(Row::new());
    rows.push(Row::from([("name".to_owned(), " \u{200b}".to_owned())]));
    d.fields.insert("goods.items".into(), Value::Rows(rows));
    d.set("papers.copies", "");
    let owed = fee(&p, &d).expect("fee");
    assert_eq!(owed.amount_vnd, 200_000 + 3 * 50_000);
    assert_eq!(owed.lines.len(), 2);

    d.fields.remove("goods.items");
    d.set("papers.copies", "0");
    let owed = fee(&p, &d).expect("fee");
    assert_eq!(
        owed.lines,
        vec![line("Lệ phí đăng ký", "Registration fee", 1, 200_000)]
    );
}

#[test]
fn an_exemption_waives_the_fee_and_keeps_the_lines() {
    let p = parse(&with_schedule()).expect("schema with fees");
    let mut d = sample();
    d.set("certificate.kind", "lot_inspection");
    let owed = fee(&p, &d).expect("fee");
    assert_eq!(owed.amount_vnd, 0);
    assert_eq!(owed.lines.len(), 2);
    assert_eq!(
        owed.exempt,
        Some(Bilingual::new(
            "Miễn theo chứng thư giám định",
            "Waived for lot inspection"
        ))
    );
    d.set("certificate.kind", "conformity");
    assert_eq!(fee(&p, &d).expect("fee").exempt, None);
}

#[test]
fn a_count_that_is_not_a_whole_number_is_named() {
    let p = parse(&with_schedule()).expect("schema with fees");
    let mut d = sample();
    for bad in ["-2", "2,5", "hai", "99999999999999999999"] {
        d.set("papers.copies", bad);
        assert_eq!(
            fee(&p, &d),
            Err(FeeError::Quantity {
                path: "papers.copies".into(),
                value: bad.into()
            }),
            "{bad}"
        );
    }
}

#[test]
fn amounts_beyond_u64_are_an_error_not_a_wrapped_figure() {
    let mut v = with_schedule();
    v["fees"]["charges"][2]["amount_vnd"] = json!(u64::MAX / 2);
    let p = parse(&v).expect("schema");
    let mut d = sample();
    d.set("papers.copies", "3");
    assert_eq!(fee(&p, &d), Err(FeeError::Overflow));
    d.set("papers.copies", "2");
    // 2 × (u64::MAX / 2) fits; adding the rest does not.
    assert_eq!(fee(&p, &d), Err(FeeError::Overflow));
    d.set("papers.copies", "1");
    assert_eq!(
        fee(&p, &d).map(|f| f.amount_vnd),
        Ok(200_000 + 150_000 + u64::MAX / 2)
    );
}

#[test]
fn a_schedule_survives_printing_and_parsing_and_absence_prints_nothing() {
    let p = parse(&with_schedule()).expect("schema with fees");
    let again = Procedure::from_json(&serde_json::to_string(&p).expect("print")).expect("parse");
    assert_eq!(again, p);
    let household = bundled_procedure("dang-ky-ho-kinh-doanh");
    let printed = serde_json::to_value(&household).expect("print");
    assert!(
        printed.get("fees").is_none(),
        "no fees key without a schedule"
    );
    let per: Json =
        serde_json::to_value(&p.fees.as_ref().expect("fees").charges[1].per).expect("per");
    assert_eq!(per, json!({"row": "goods.items"}));
}

#[test]
fn contradictory_schedules_are_refused_naming_where() {
    type Edit = fn(&mut Json);
    let cases: [(&str, Edit, &str, &str); 7] = [
        (
            "zero amount",
            |v| v["fees"]["charges"][1]["amount_vnd"] = json!(0),
            "fees.charges[1]",
            "must be above 0",
        ),
        (
            "per row of a text field",
            |v| v["fees"]["charges"][1]["per"] = json!({"row": "importer.name"}),
            "fees.charges[1]",
            "not a table",
        ),
        (
            "per item of a decimal column",
            |v| v["fees"]["charges"][2]["per"] = json!({"item": "goods.items.quantity"}),
            "fees.charges[2]",
            "not an integer field",
        ),
        (
            "fee_vnd other than the fixed charges",
            |v| v["fee_vnd"] = json!(150_000),
            "fee_vnd",
            "must equal the sum of the once-per-dossier charges in fees (200000)",
        ),
        (
            "fixed charges beyond u64",
            |v| {
                v["fees"]["charges"][1]["per"] = json!("dossier");
                v["fees"]["charges"][1]["amount_vnd"] = json!(u64::MAX);
            },
            "fee_vnd",
            "(?)",
        ),
        (
            "exemption on a missing field",
            |v| v["fees"]["exemptions"][0]["when"]["field"] = json!("certificate.kinds"),
            "fees.exemptions[0]",
            "missing field “certificate.kinds”",
        ),
        (
            "exemption on a value never taken",
            |v| v["fees"]["exemptions"][0]["when"]["equals"] = json!("gold"),
            "fees.exemptions[0]",
            "never takes",
        ),
    ];
    for (what, edit, field, says) in cases {
        let mut v = with_schedule();
        edit(&mut v);
        let text = serde_json::to_string_pretty(&v).expect("print");
        let err = Procedure::parse("fees.json", &text).expect_err(what);
        assert_eq!(err.field.as_deref(), Some(field), "{what}: {err}");
        assert!(err.message.contains(says), "{what}: {err}");
        // The line points into the schedule (or at fee_vnd), not the top.
        let key = if field == "fee_vnd" {
            "\"fee_vnd\""
        } else {
            "\"fees\""
        };
        let from = text[..text.find(key).expect("key")].matches('\n').count() + 1;
        assert!(err.line >= from, "{what}: {err} (from line {from})");
    }
}

#[test]
fn unknown_keys_in_a_schedule_are_refused() {
    let mut v = with_schedule();
    v["fees"]["charges"][0]["amount"] = json!(1);
    let err = parse(&v).expect_err("typo");
    assert!(err.message.contains("amount"), "{err}");
    let mut v = with_schedule();
    v["fees"]["charges"][0]["per"] = json!({"page": "goods.items"});
    assert!(parse(&v).is_err());
}

#[test]
fn a_changed_schedule_is_told_as_a_change_of_rules() {
    let old = bundled_procedure("kiem-tra-cl-nhap-khau.2026");
    let mut v = with_schedule();
    v["fee_vnd"] = json!(0);
    v["fees"]["charges"][0]["per"] = json!({"row": "goods.items"});
    let new = parse(&v).expect("schema");
    let changes = crate::procedure::diff::changes(&old, &new);
    assert!(
        changes
            .iter()
            .any(|c| c.en.contains("fee schedule changed")),
        "{changes:?}"
    );
}

/// Amounts of every size, ordinary fees as often as huge ones.
fn amount() -> impl Strategy<Value = u64> {
    prop_oneof![1u64..=10_000_000, 1u64..=u64::MAX]
}

proptest! {
    #[test]
    fn the_amount_is_the_exact_sum_of_the_lines_or_an_overflow(
        fixed in amount(),
        per_row in amount(),
        per_copy in amount(),
        copies in prop_oneof![0u64..=1_000, any::<u64>()],
        rows in 0usize..5,
    ) {
        let mut v = with_schedule();
        v["fee_vnd"] = json!(fixed);
        v["fees"]["charges"][0]["amount_vnd"] = json!(fixed);
        v["fees"]["charges"][1]["amount_vnd"] = json!(per_row);
        v["fees"]["charges"][2]["amount_vnd"] = json!(per_copy);
        let p = parse(&v).expect("schema");
        let mut d = sample();
        let one = d.rows("goods.items")[0].clone();
        d.fields.insert("goods.items".into(), Value::Rows(vec![one; rows]));
        d.set("papers.copies", copies.to_string());
        let exact = u128::from(fixed)
            + u128::from(per_row) * rows as u128
            + u128::from(per_copy) * u128::from(copies);
        match fee(&p, &d) {
            Ok(owed) => {
                prop_assert_eq!(u128::from(owed.amount_vnd), exact);
                let sum: u128 = owed.lines.iter().map(|l| u128::from(l.amount_vnd)).sum();
                prop_assert_eq!(sum, exact);
                for l in &owed.lines {
                    prop_assert!(l.quantity > 0);
                    prop_assert_eq!(
                        u128::from(l.amount_vnd),
                        u128::from(l.quantity) * u128::from(l.unit_vnd)
                    );
                }
            }
            Err(FeeError::Overflow) => prop_assert!(exact > u128::from(u64::MAX)),
            Err(other) => prop_assert!(false, "{other}"),
        }
    }
}
