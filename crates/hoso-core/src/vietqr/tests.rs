use super::*;
use proptest::prelude::*;

/// The example in PROCEDURES.md section 8: 120,000 VND to account
/// 0011001932418 at BIN 970415, purpose "ung ho lu lut".
const PROCEDURES_EXAMPLE: &str = "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN62170813ung ho lu lut6304C15C";

/// Published in the README of github.com/xuannghia/vietnam-qr-pay
/// (README.md, commit 10369f32001a74d0c72b3815879eaddd955d0484): its
/// static code, its code with an amount, the code of its decoding example
/// and the one its `build()` example prints, each with the fields the
/// README gives.
const XUANNGHIA_STATIC: &str =
    "00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F";
const XUANNGHIA_DYNAMIC: &str = "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA53037045405100005802VN62150811Chuyen tien630453E6";
const XUANNGHIA_DECODE: &str = "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA5303704540410005802VN62150811Chuyen tien6304BBB8";
const XUANNGHIA_BUILD: &str = "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA530370454069999995802VN62140810Cam on nhe6304E786";
/// The same README's MoMo wallet code: a BVBank account with letters, a
/// reference in 62.05 and an object 80.
const XUANNGHIA_MOMO: &str = "00020101021138620010A00000072701320006970454011899MM24011M348750800208QRIBFTTA53037045802VN62190515MOMOW2W3487508080030466304EBC8";

fn request(bin: &str, account: &str, amount: Option<u64>, purpose: Option<&str>) -> VietQr {
    VietQr {
        bin: bin.parse().expect("bin"),
        account: account.parse().expect("account"),
        service: Service::Account,
        amount: amount.map(|a| Amount::new(a).expect("amount")),
        purpose: purpose.map(|p| Purpose::new(p).expect("purpose")),
    }
}

/// `body` (everything before the CRC object) with its CRC appended.
fn with_crc(body: &str) -> String {
    let body = format!("{body}6304");
    let crc = crc16(body.as_bytes());
    format!("{body}{crc:04X}")
}

/// One object, as the builder writes it.
fn obj(tag: &str, value: &str) -> String {
    let mut out = String::new();
    tlv(&mut out, tag, value);
    out
}

/// The published example's body with `from` replaced by `to`, CRC redone.
fn altered(from: &str, to: &str) -> String {
    let body = &PROCEDURES_EXAMPLE[..PROCEDURES_EXAMPLE.len() - 8];
    assert!(body.contains(from), "{from}");
    with_crc(&body.replacen(from, to, 1))
}

#[test]
fn crc16_is_ccitt_false() {
    assert_eq!(crc16(b"123456789"), 0x29B1);
    assert_eq!(crc16(b""), 0xFFFF);
}

#[test]
fn the_procedures_example_parses_verifies_and_is_rebuilt_byte_for_byte() {
    let qr = VietQr::parse(PROCEDURES_EXAMPLE).expect("published example");
    assert_eq!(qr.bin.as_str(), "970415");
    assert_eq!(qr.account.as_str(), "0011001932418");
    assert_eq!(qr.service, Service::Account);
    assert_eq!(qr.amount.map(Amount::vnd), Some(120_000));
    assert_eq!(
        qr.purpose.as_ref().map(Purpose::as_str),
        Some("ung ho lu lut")
    );
    assert_eq!(qr.payload(), PROCEDURES_EXAMPLE);

    let payee = Payee {
        bin: "970415".parse().expect("bin"),
        account: "0011001932418".parse().expect("account"),
        service: Service::Account,
    };
    let built = payee
        .request(120_000, Purpose::new("ung ho lu lut").expect("purpose"))
        .expect("request");
    assert_eq!(built.payload(), PROCEDURES_EXAMPLE);
    assert_eq!(built.to_string(), PROCEDURES_EXAMPLE);
}

#[test]
fn the_published_xuannghia_examples_parse_and_are_rebuilt_from_their_fields() {
    let cases = [
        (XUANNGHIA_STATIC, None, None),
        (XUANNGHIA_DYNAMIC, Some(10_000), Some("Chuyen tien")),
        (XUANNGHIA_DECODE, Some(1_000), Some("Chuyen tien")),
        (XUANNGHIA_BUILD, Some(999_999), Some("Cam on nhe")),
    ];
    for (payload, amount, purpose) in cases {
        let want = request("970416", "257678859", amount, purpose);
        assert_eq!(VietQr::parse(payload), Ok(want.clone()), "{payload}");
        assert_eq!(want.payload(), payload);
    }
}

#[test]
fn a_wallet_code_with_letters_in_its_account_verifies_but_is_not_taken() {
    let body = &XUANNGHIA_MOMO[..XUANNGHIA_MOMO.len() - 4];
    assert_eq!(format!("{:04X}", crc16(body.as_bytes())), "EBC8");
    assert_eq!(
        VietQr::parse(XUANNGHIA_MOMO),
        Err(VietQrError::AccountNotDigits("99MM24011M34875080".into()))
    );
}

#[test]
fn a_flipped_character_fails_the_crc() {
    let flipped = PROCEDURES_EXAMPLE.replacen("0011001932418", "0011001932419", 1);
    assert!(matches!(
        VietQr::parse(&flipped),
        Err(VietQrError::Crc { ref expected, ref found }) if found == "C15C" && expected != "C15C"
    ));
    let purpose = PROCEDURES_EXAMPLE.replacen("lu lut", "lu lot", 1);
    assert!(matches!(
        VietQr::parse(&purpose),
        Err(VietQrError::Crc { .. })
    ));
}

#[test]
fn a_lower_case_crc_is_read_and_an_upper_case_one_written() {
    let lower = PROCEDURES_EXAMPLE.replacen("C15C", "c15c", 1);
    let qr = VietQr::parse(&lower).expect("lower-case CRC");
    assert_eq!(qr.payload(), PROCEDURES_EXAMPLE);
}

#[test]
fn other_emvco_objects_are_skipped() {
    // A merchant category, name and city, and a bill number in 62.01.
    let body = "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA\
                52045999530370454061200005802VN5907HOSO CO6006Ha Noi\
                62260105HD0010813ung ho lu lut";
    let qr = VietQr::parse(&with_crc(body)).expect("extra objects");
    assert_eq!(qr, VietQr::parse(PROCEDURES_EXAMPLE).expect("example"));
}

#[test]
fn bad_fields_are_refused_by_type() {
    for bad in ["97041", "9704150", "97041a", "", "９７０４１５"] {
        assert_eq!(
            bad.parse::<Bin>(),
            Err(VietQrError::Bin(bad.into())),
            "{bad:?}"
        );
    }
    assert_eq!("".parse::<Account>(), Err(VietQrError::AccountEmpty));
    assert_eq!(
        "1".repeat(20).parse::<Account>(),
        Err(VietQrError::AccountTooLong(20))
    );
    assert!("1".repeat(19).parse::<Account>().is_ok());
    assert_eq!(
        "0011-0019".parse::<Account>(),
        Err(VietQrError::AccountNotDigits("0011-0019".into()))
    );
    assert_eq!(Amount::new(0), Err(VietQrError::AmountZero));
    assert_eq!(
        Amount::new(MAX_AMOUNT + 1),
        Err(VietQrError::AmountTooLarge(MAX_AMOUNT + 1))
    );
    assert_eq!(
        Amount::try_from(MAX_AMOUNT).map(Amount::vnd),
        Ok(MAX_AMOUNT)
    );
}

#[test]
fn the_largest_amount_fills_thirteen_characters_and_reads_back() {
    let qr = request("970415", "0011001932418", Some(MAX_AMOUNT), None);
    let payload = qr.payload();
    assert!(payload.contains("54139999999999999"), "{payload}");
    assert_eq!(VietQr::parse(&payload), Ok(qr));
}

#[test]
fn a_payee_refuses_an_amount_that_does_not_fit() {
    let payee = Payee {
        bin: "970415".parse().expect("bin"),
        account: "0011001932418".parse().expect("account"),
        service: Service::Card,
    };
    let purpose = Purpose::new("x").expect("purpose");
    assert_eq!(
        payee.request(0, purpose.clone()),
        Err(VietQrError::AmountZero)
    );
    assert_eq!(
        payee.request(10_000_000_000_000, purpose.clone()),
        Err(VietQrError::AmountTooLarge(10_000_000_000_000))
    );
    let card = payee.request(1, purpose).expect("card");
    assert!(card.payload().contains("0208QRIBFTTC"));
}

#[test]
fn payees_are_read_from_settings_and_refused_when_wrong() {
    let payee: Payee =
        serde_json::from_str(r#"{"bin": "970415", "account": "0011001932418"}"#).expect("payee");
    assert_eq!(payee.service, Service::Account);
    let card: Payee = serde_json::from_str(
        r#"{"bin": "970415", "account": "9704150000000000", "service": "card"}"#,
    )
    .expect("card");
    assert_eq!(card.service, Service::Card);
    for bad in [
        r#"{"bin": "97041", "account": "0011001932418"}"#,
        r#"{"bin": "970415", "account": "0011 0019"}"#,
        r#"{"bin": "970415", "account": ""}"#,
        r#"{"bin": "970415", "account": "1", "service": "wallet"}"#,
    ] {
        assert!(serde_json::from_str::<Payee>(bad).is_err(), "{bad}");
    }
}

#[test]
fn structural_faults_are_named() {
    // Cut short inside an object: the header promises more than is left.
    let cut = &PROCEDURES_EXAMPLE[..40];
    assert!(matches!(
        VietQr::parse(cut),
        Err(VietQrError::Truncated { at: 12 })
    ));
    // Cut inside a header.
    assert!(matches!(
        VietQr::parse("000201010"),
        Err(VietQrError::Truncated { at: 6 })
    ));
    // Cut just before the CRC object: it is not there.
    let no_crc = &PROCEDURES_EXAMPLE[..PROCEDURES_EXAMPLE.len() - 8];
    assert_eq!(VietQr::parse(no_crc), Err(VietQrError::CrcField));
    assert_eq!(VietQr::parse(""), Err(VietQrError::CrcField));
    // A CRC that is not hex.
    let not_hex = PROCEDURES_EXAMPLE.replacen("6304C15C", "6304C15G", 1);
    assert_eq!(VietQr::parse(&not_hex), Err(VietQrError::CrcField));
    // A length that is not digits.
    assert!(matches!(
        VietQr::parse(&with_crc("00020101x211")),
        Err(VietQrError::BadHeader { at: 6 })
    ));
    assert_eq!(
        VietQr::parse(&PROCEDURES_EXAMPLE.replacen("ung ho", "ủng hộ", 1)),
        Err(VietQrError::NotAscii)
    );
}

#[test]
fn required_fields_and_fixed_values_are_checked() {
    let cases: [(&str, &str, VietQrError); 13] = [
        ("5303704", "", VietQrError::Missing("53")),
        ("5802VN", "", VietQrError::Missing("58")),
        ("010212", "", VietQrError::Missing("01")),
        (
            "0010A000000727",
            "0010A000000775",
            VietQrError::Guid("A000000775".into()),
        ),
        ("000201", "000202", VietQrError::PayloadFormat("02".into())),
        ("010212", "010213", VietQrError::Initiation("13".into())),
        ("010212", "010211", VietQrError::InitiationAmount),
        ("5303704", "5303840", VietQrError::Currency("840".into())),
        ("5802VN", "5802TH", VietQrError::Country("TH".into())),
        (
            "0208QRIBFTTA",
            "0208QRPUSHXX",
            VietQrError::Service("QRPUSHXX".into()),
        ),
        (
            "5406120000",
            "54070120000",
            VietQrError::AmountText("0120000".into()),
        ),
        (
            "5406120000",
            "5409120000.00",
            VietQrError::AmountText("120000.00".into()),
        ),
        ("5406120000", "54010", VietQrError::AmountZero),
    ];
    for (from, to, want) in cases {
        assert_eq!(
            VietQr::parse(&altered(from, to)),
            Err(want),
            "{from} → {to}"
        );
    }
    // Inside the templates, with their lengths kept right.
    let merchant = obj("38", &PROCEDURES_EXAMPLE[16..73]);
    let no_bin = obj(
        "38",
        &format!(
            "{}{}{}",
            obj("00", NAPAS_GUID),
            obj("01", &obj("01", "0011001932418")),
            obj("02", "QRIBFTTA")
        ),
    );
    assert_eq!(
        VietQr::parse(&altered(&merchant, &no_bin)),
        Err(VietQrError::Missing("38.01.00"))
    );
    let no_service = obj(
        "38",
        &format!(
            "{}{}",
            obj("00", NAPAS_GUID),
            obj(
                "01",
                &format!("{}{}", obj("00", "970415"), obj("01", "0011001932418"))
            )
        ),
    );
    assert_eq!(
        VietQr::parse(&altered(&merchant, &no_service)),
        Err(VietQrError::Missing("38.02"))
    );
    assert_eq!(
        VietQr::parse(&altered("5802VN", "5802VN5802VN")),
        Err(VietQrError::Duplicate("58".into()))
    );
    // A purpose bank apps would not read as written.
    assert_eq!(
        VietQr::parse(&altered("0813ung ho lu lut", "0813ung ho lu_lut")),
        Err(VietQrError::PurposeText("ung ho lu_lut".into()))
    );
    // Something other than 00 first.
    let body = &PROCEDURES_EXAMPLE[6..PROCEDURES_EXAMPLE.len() - 8];
    assert_eq!(
        VietQr::parse(&with_crc(&format!("{body}000201"))),
        Err(VietQrError::Missing("00"))
    );
}

#[test]
fn purposes_lose_their_diacritics_and_odd_characters() {
    let cases = [
        ("Lệ phí hồ sơ Đăng ký", "Le phi ho so Dang ky"),
        ("  ĐỦ   điều kiện ", "DU dieu kien"),
        ("Phí: 100% — đủ!", "Phi 100 du"),
        ("a//b\tc\nd", "a b c d"),
        ("HOSO.PRACTICE-261123-0001", "HOSO.PRACTICE-261123-0001"),
        ("Nguyễn Thị Ánh", "Nguyen Thi Anh"),
    ];
    for (text, want) in cases {
        assert_eq!(
            Purpose::new(text).map(|p| p.as_str().to_owned()),
            Ok(want.to_owned()),
            "{text}"
        );
    }
    assert_eq!(Purpose::new("!!! ---"), Ok(Purpose("---".into())));
    assert_eq!(Purpose::new("!!! ???"), Err(VietQrError::PurposeEmpty));
    assert_eq!(Purpose::new(""), Err(VietQrError::PurposeEmpty));
    assert_eq!(
        Purpose::new("Lệ phí kiểm tra chất lượng hàng"),
        Err(VietQrError::PurposeTooLong {
            text: "Le phi kiem tra chat luong hang".into()
        })
    );
}

#[test]
fn a_dossier_purpose_keeps_the_code_whole_and_first() {
    let code: DossierCode = "BXD-261123-0007".parse().expect("code");
    let p = Purpose::for_dossier(&code, "Lệ phí kiểm tra chất lượng").expect("purpose");
    assert_eq!(p.as_str(), "BXD-261123-0007 Le phi");

    let long: DossierCode = "HOSO.PRACTICE-261123-0001".parse().expect("code");
    let p = Purpose::for_dossier(&long, "Lệ phí").expect("purpose");
    assert_eq!(p.as_str(), "HOSO.PRACTICE-261123-0001");

    let p = Purpose::for_dossier(&code, "").expect("code alone");
    assert_eq!(p.as_str(), "BXD-261123-0007");

    let too_long: DossierCode = "HOSO.PRACTICE.HANOI-261123-0001".parse().expect("code");
    assert_eq!(
        Purpose::for_dossier(&too_long, "Lệ phí"),
        Err(VietQrError::DossierCodeTooLong(
            "HOSO.PRACTICE.HANOI-261123-0001".into()
        ))
    );
}

#[test]
fn a_fee_request_for_a_dossier_round_trips() {
    let payee = Payee {
        bin: "970415".parse().expect("bin"),
        account: "0011001932418".parse().expect("account"),
        service: Service::Account,
    };
    let code: DossierCode = "HOSO.PRACTICE-261123-0001".parse().expect("code");
    let purpose = Purpose::for_dossier(&code, "Lệ phí").expect("purpose");
    let qr = payee.request(450_000, purpose).expect("request");
    let payload = qr.payload();
    assert!(
        payload.contains("62290825HOSO.PRACTICE-261123-0001"),
        "{payload}"
    );
    assert!(payload.contains("010212") && payload.contains("5406450000"));
    assert_eq!(VietQr::parse(&payload), Ok(qr));
}

fn any_request() -> impl Strategy<Value = VietQr> {
    (
        "[0-9]{6}",
        "[0-9]{1,19}",
        any::<bool>(),
        proptest::option::of(1..=MAX_AMOUNT),
        proptest::option::of("[a-zA-Z0-9àáảãạăđêôơưĐ .,:/-]{0,40}"),
    )
        .prop_map(|(bin, account, card, amount, purpose)| VietQr {
            bin: bin.parse().expect("6 digits"),
            account: account.parse().expect("1 to 19 digits"),
            service: if card {
                Service::Card
            } else {
                Service::Account
            },
            amount: amount.map(|a| Amount::new(a).expect("in range")),
            purpose: purpose.and_then(|p| {
                let cut: String = p.chars().take(MAX_PURPOSE).collect();
                Purpose::new(&cut).ok()
            }),
        })
}

proptest! {
    #[test]
    fn every_request_round_trips_through_its_payload(qr in any_request()) {
        let payload = qr.payload();
        prop_assert!(payload.is_ascii());
        prop_assert_eq!(VietQr::parse(&payload), Ok(qr));
    }

    #[test]
    fn no_single_changed_character_is_accepted(
        qr in any_request(),
        at in any::<prop::sample::Index>(),
        to in 0x20u8..0x7f,
    ) {
        let payload = qr.payload();
        let i = at.index(payload.len());
        prop_assume!(payload.as_bytes()[i] != to);
        // A case change of the CRC's hex letters is the same CRC.
        prop_assume!(!(i >= payload.len() - 4
            && payload.as_bytes()[i].eq_ignore_ascii_case(&to)));
        let mut bytes = payload.into_bytes();
        bytes[i] = to;
        let changed = String::from_utf8(bytes).expect("ASCII");
        prop_assert!(VietQr::parse(&changed).is_err(), "{}", changed);
    }

    #[test]
    fn parsing_anything_never_panics(text in ".{0,200}") {
        let _ = VietQr::parse(&text);
    }

    #[test]
    fn purposes_are_short_plain_and_stable(text in "\\PC{0,60}") {
        if let Ok(p) = Purpose::new(&text) {
            let s = p.as_str();
            prop_assert!(!s.is_empty() && s.len() <= MAX_PURPOSE);
            prop_assert!(s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'.' || b == b'-'));
            prop_assert!(!s.contains("  ") && s.trim() == s);
            prop_assert_eq!(Purpose::new(s), Ok(p.clone()));
        }
    }

    #[test]
    fn a_dossier_purpose_starts_with_the_whole_code(
        code in "[A-Z0-9.-]{8,25}",
        text in "\\PC{0,40}",
    ) {
        let code: DossierCode = code.parse().expect("dossier code");
        let p = Purpose::for_dossier(&code, &text).expect("fits");
        prop_assert!(p.as_str().starts_with(code.as_str()));
        prop_assert!(p.as_str().len() <= MAX_PURPOSE);
        prop_assert_eq!(Purpose::read(p.as_str()), Ok(p.clone()));
    }
}
