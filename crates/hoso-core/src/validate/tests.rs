use super::*;
use crate::procedure::bundled;
use crate::{AttachedDocument, Sha256Digest, samples};

fn procedure(prefix: &str) -> Procedure {
    let (name, text) = bundled()
        .into_iter()
        .find(|(n, _)| n.starts_with(prefix))
        .expect("bundled schema");
    Procedure::parse(name, text).expect("valid schema")
}

fn quality() -> Procedure {
    procedure("kiem-tra-cl-nhap-khau.2026")
}

fn codes(problems: &[Problem]) -> Vec<(&str, ProblemCode)> {
    problems.iter().map(|p| (p.path.as_str(), p.code)).collect()
}

fn rows_mut<'a>(d: &'a mut DossierContent, path: &str) -> &'a mut Vec<Row> {
    match d.fields.get_mut(path) {
        Some(Value::Rows(r)) => r,
        _ => panic!("{path} is not a table"),
    }
}

#[test]
fn the_complete_sample_has_no_problems() {
    assert_eq!(validate(&quality(), &samples::quality_inspection()), vec![]);
}

#[test]
fn every_problem_is_reported_at_once_with_its_path() {
    let mut d = samples::quality_inspection();
    d.fields.remove("importer.name");
    d.set("importer.tax_code", "0100233489");
    d.set("importer.phone", "12345");
    d.set("importer.email", "not an address");
    d.set("goods.import_from", "2026-02-30");
    d.set("goods.colour", "đỏ");
    d.set("certificate.kind", "gold");
    d.set("commitment.agreed", "maybe");
    let rows = rows_mut(&mut d, "goods.items");
    rows[1].remove("origin");
    rows[1].insert("quantity".into(), "-3".into());
    rows[2].insert("hs_code".into(), "85".into());
    rows[2].insert("colour".into(), "xanh".into());
    d.documents.retain(|doc| doc.slot != "contract");
    let got = validate(&quality(), &d);
    assert_eq!(
        codes(&got),
        vec![
            ("importer.name", ProblemCode::Required),
            ("importer.tax_code", ProblemCode::Invalid),
            ("importer.phone", ProblemCode::Invalid),
            ("importer.email", ProblemCode::Invalid),
            ("goods.items[1].origin", ProblemCode::Required),
            ("goods.items[1].quantity", ProblemCode::OutOfRange),
            ("goods.items[2].hs_code", ProblemCode::PatternMismatch),
            ("goods.items[2].colour", ProblemCode::UnknownField),
            ("goods.import_from", ProblemCode::Invalid),
            ("certificate.kind", ProblemCode::Invalid),
            ("commitment.agreed", ProblemCode::Invalid),
            ("goods.colour", ProblemCode::UnknownField),
            ("documents.contract", ProblemCode::DocumentMissing),
        ]
    );
    let msg = |path: &str| {
        got.iter()
            .find(|p| p.path == path)
            .map(|p| p.message.clone())
            .expect("problem present")
    };
    assert!(msg("importer.tax_code").vi.contains("chữ số kiểm tra"));
    assert!(msg("goods.items[1].origin").vi.contains("Xuất xứ, dòng 2"));
    assert!(msg("goods.items[1].quantity").vi.contains("từ 0,001 đến"));
    assert!(
        msg("goods.items[2].hs_code")
            .vi
            .contains("ví dụ 8504.21.11")
    );
    assert!(
        msg("certificate.kind")
            .vi
            .contains("Giấy chứng nhận hợp quy")
    );
}

#[test]
fn an_over_long_value_says_by_how_much_to_shorten_it() {
    let mut d = samples::quality_inspection();
    rows_mut(&mut d, "goods.items")[0].insert("specs".into(), "ệ".repeat(2140));
    let got = validate(&quality(), &d);
    assert_eq!(
        codes(&got),
        vec![("goods.items[0].specs", ProblemCode::TooLong)]
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
fn byte_limits_count_utf8_bytes() {
    let mut d = samples::quality_inspection();
    // 250 bytes of ASCII fit; the same count of Vietnamese letters does not.
    d.set("importer.email", format!("{}@anhduong.vn", "a".repeat(241)));
    assert_eq!(validate(&quality(), &d), vec![]);
    d.set("importer.email", format!("{}@anhduong.vn", "ệ".repeat(241)));
    let got = validate(&quality(), &d);
    assert_eq!(codes(&got), vec![("importer.email", ProblemCode::TooLong)]);
    assert!(got[0].message.vi.contains("byte"), "{}", got[0].message.vi);
}

#[test]
fn decomposed_text_at_the_limit_is_accepted() {
    use unicode_normalization::UnicodeNormalization;
    let mut d = samples::quality_inspection();
    let at_limit: String = "ệ".repeat(2000).nfd().collect();
    assert_eq!(at_limit.chars().count(), 6000);
    rows_mut(&mut d, "goods.items")[0].insert("specs".into(), at_limit);
    assert_eq!(validate(&quality(), &d), vec![]);
}

#[test]
fn a_single_line_field_refuses_line_breaks_and_invisibles_do_not_count() {
    let mut d = samples::quality_inspection();
    d.set("importer.name", "Công ty TNHH\nÁnh Dương");
    let got = validate(&quality(), &d);
    assert_eq!(codes(&got), vec![("importer.name", ProblemCode::Invalid)]);
    assert!(got[0].message.vi.contains("một dòng"));
    // 255 letters plus zero-width spaces and a BOM are still 255.
    d.set(
        "importer.name",
        format!("\u{feff}{}\u{200b}\u{200b}", "a".repeat(255)),
    );
    assert_eq!(validate(&quality(), &d), vec![]);
}

#[test]
fn a_hidden_character_inside_a_value_is_reported_where_it_is_never_removed() {
    let mut d = samples::quality_inspection();
    d.set("importer.name", "Công\u{200b}ty Ánh Dương ");
    let got = validate(&quality(), &d);
    assert_eq!(
        codes(&got),
        vec![("importer.name", ProblemCode::HiddenCharacter)]
    );
    let vi = &got[0].message.vi;
    assert!(
        vi.contains("U+200B") && vi.contains("vị trí 5") && vi.contains("sau “Công”"),
        "{vi}"
    );
    assert!(
        got[0].message.en.contains("position 5"),
        "{}",
        got[0].message.en
    );
    // Stored as typed (only the trailing space goes): nothing joins the words.
    assert_eq!(
        d.normalized().field("importer.name"),
        Some("Công\u{200b}ty Ánh Dương")
    );
    // The fix offered keeps the words apart, and then nothing is wrong.
    let fixed = crate::length::without_hidden("Công\u{200b}ty Ánh Dương").expect("a fix");
    d.set("importer.name", fixed);
    assert_eq!(validate(&quality(), &d), vec![]);
    assert_eq!(d.field("importer.name"), Some("Công ty Ánh Dương"));
    // A control character in a table cell, with the others counted.
    rows_mut(&mut d, "goods.items")[0].insert("name".into(), "Thép\u{1b}cuộn\u{7}".into());
    let got = validate(&quality(), &d);
    assert_eq!(
        codes(&got),
        vec![("goods.items[0].name", ProblemCode::HiddenCharacter)]
    );
    assert!(
        got[0].message.vi.contains("U+001B"),
        "{}",
        got[0].message.vi
    );
    // TCVN3 writes "ư" with the byte of a soft hyphen: such text is named
    // for what it is, with its Unicode form.
    rows_mut(&mut d, "goods.items")[0].insert("name".into(), "M¸y biÕn ¸p kh« 3 pha".into());
    d.set("importer.name", "C«ng ty Ph\u{ad}¬ng Nam");
    let got = validate(&quality(), &d);
    assert_eq!(
        codes(&got),
        vec![("importer.name", ProblemCode::LegacyEncoding)]
    );
    assert!(
        got[0].message.vi.contains("TCVN3") && got[0].message.vi.contains("Công ty Phương Nam"),
        "{}",
        got[0].message.vi
    );
}

#[test]
fn conditional_fields_and_slots_follow_their_condition() {
    let mut d = samples::quality_inspection();
    d.fields.remove("goods.import_to");
    d.fields.remove("papers.bill_of_lading_no");
    d.documents.retain(|doc| doc.slot != "bill_of_lading");
    // import_to is required because import_from is given; the bill of
    // lading scan is no longer required once its number is gone.
    assert_eq!(
        codes(&validate(&quality(), &d)),
        vec![("goods.import_to", ProblemCode::Required)]
    );
    d.fields.remove("goods.import_from");
    assert_eq!(validate(&quality(), &d), vec![]);
    d.set("papers.co_no", "VN-CO-2026-1");
    assert_eq!(
        codes(&validate(&quality(), &d)),
        vec![(
            "documents.certificate_of_origin",
            ProblemCode::DocumentMissing
        )]
    );
}

#[test]
fn tables_need_rows_and_refuse_too_many() {
    let mut d = samples::quality_inspection();
    rows_mut(&mut d, "goods.items").clear();
    let got = validate(&quality(), &d);
    assert_eq!(codes(&got), vec![("goods.items", ProblemCode::Required)]);
    assert!(got[0].message.vi.contains("ít nhất 1 dòng"));
    let one = samples::quality_inspection().rows("goods.items")[0].clone();
    *rows_mut(&mut d, "goods.items") = vec![one; 501];
    let got = validate(&quality(), &d);
    assert_eq!(codes(&got), vec![("goods.items", ProblemCode::TooManyRows)]);
    assert!(
        got[0].message.vi.contains("hãy bớt 1 dòng"),
        "{}",
        got[0].message.vi
    );
    d.set("goods.items", "not rows");
    assert_eq!(
        codes(&validate(&quality(), &d)),
        vec![("goods.items", ProblemCode::Invalid)]
    );
}

#[test]
fn numbers_accept_either_decimal_mark_within_their_places() {
    let mut d = samples::quality_inspection();
    for (q, ok) in [
        ("1250,5", true),
        ("1250.125", true),
        ("0,0005", false),
        ("1.234,5", false),
        ("12,", false),
        ("1e3", false),
        ("1250,1234", false),
    ] {
        rows_mut(&mut d, "goods.items")[0].insert("quantity".into(), q.into());
        assert_eq!(validate(&quality(), &d).is_empty(), ok, "{q}");
    }
}

#[test]
fn citizen_procedures_check_identity_numbers_and_choices() {
    let birth = procedure("dang-ky-khai-sinh");
    let mut d = DossierContent {
        procedure: birth.code.clone(),
        version: birth.version.clone(),
        fields: Default::default(),
        documents: vec![AttachedDocument {
            slot: "birth_certificate".into(),
            name: "giấy chứng sinh.pdf".into(),
            size: 400_000,
            sha256: Sha256Digest::of(b"gcs"),
        }],
    };
    for (k, v) in [
        ("requester.relationship", "other"),
        ("requester.name", "Trần Văn Bình"),
        ("requester.citizen_id", "001090012345"),
        ("requester.phone", "0912345678"),
        ("child.name", "Trần Minh An"),
        ("child.birth_date", "2026-11-20"),
        ("child.sex", "male"),
        ("child.ethnicity", "Kinh"),
        ("child.nationality", "Việt Nam"),
        ("child.birth_place", "Bệnh viện Phụ sản Hà Nội"),
        ("mother.name", "Lê Thị Mai"),
        ("mother.citizen_id", "001195012345"),
        ("father.name", "Trần Văn Bình"),
        ("father.citizen_id", "003090012345"),
        ("copies.extracts", "21"),
    ] {
        d.set(k, v);
    }
    assert_eq!(
        codes(&validate(&birth, &d)),
        vec![
            ("father.citizen_id", ProblemCode::Invalid),
            ("copies.extracts", ProblemCode::OutOfRange),
            ("documents.authorization", ProblemCode::DocumentMissing),
        ]
    );
}

#[test]
fn documents_of_the_wrong_type_size_slot_name_or_count_are_reported() {
    let mut d = samples::quality_inspection();
    let doc = d
        .documents
        .iter()
        .find(|x| x.slot == "contract")
        .cloned()
        .expect("contract");
    d.documents.retain(|x| x.slot != "contract");
    d.documents.extend([
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
        AttachedDocument {
            name: "hợp đồng: bản 2.pdf".into(),
            ..doc.clone()
        },
    ]);
    d.documents.extend(std::iter::repeat_n(doc, 3));
    let got = validate(&quality(), &d);
    assert_eq!(
        codes(&got),
        vec![
            ("documents.contract", ProblemCode::DocumentType),
            ("documents.contract", ProblemCode::DocumentTooLarge),
            ("documents.photo", ProblemCode::UnknownSlot),
            ("documents.contract", ProblemCode::DocumentName),
            ("documents.contract", ProblemCode::TooManyDocuments),
        ]
    );
    assert!(
        got[1].message.vi.contains("200,0 MB"),
        "{}",
        got[1].message.vi
    );
    assert!(got[3].message.vi.contains("“:”"), "{}", got[3].message.vi);
}

#[test]
fn a_dossier_for_another_version_is_reported() {
    let mut d = samples::quality_inspection();
    d.version = "2018.07".into();
    let got = validate(&quality(), &d);
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
