//! The electronic fee receipt (biên lai thu phí, lệ phí) the portal issues
//! as soon as a dossier's fee is paid in full, with what Decree 123/2020
//! asks of a receipt: its form, serial and number, the collecting agency,
//! the payer, the fee, the amount in figures and in words, and the time.
//! The portal signs it like the filing receipt ([`crate::signed`]); the app
//! verifies it against the pinned key (or a retired one), keeps it, prints
//! it ([`FeeReceipt::text`]) and carries it in packages.
//!
//! One receipt states the whole fee of one payment request. Transfers that
//! do not yet make up the fee get none; the receipt issued when the fee is
//! made up names every transfer that paid it. What was paid beyond the fee
//! goes back with a refund notice that names this receipt.

use crate::amount_words::{in_figures, in_words};
use crate::bank::BankTransactionId;
use crate::bilingual::en_number;
use crate::calendar::VIETNAM_TIME;
use crate::fees::FeeLine;
use crate::payment::PaymentRequest;
use crate::receipt::PortalKey;
use crate::{Bilingual, DossierCode};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// Fee receipt format this build writes.
pub const FEE_RECEIPT_FORMAT: u32 = 1;

/// What the portal certifies it collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeReceipt {
    /// Fee receipt format number. Its name, unlike any other signed
    /// document's, keeps a fee receipt from being read as another kind.
    pub fee_receipt_format: u32,
    /// The portal that issued it.
    pub portal: Bilingual,
    /// Form, serial and number.
    pub number: ReceiptNumber,
    /// The agency that collects the fee.
    pub agency: CollectingAgency,
    /// Who paid.
    pub payer: Payer,
    /// The dossier the fee is for.
    pub dossier_code: DossierCode,
    /// The fee line by line.
    pub lines: Vec<FeeLine>,
    /// The amount collected, in đồng: the whole fee.
    pub amount_vnd: u64,
    /// The amount in Vietnamese words, as [`in_words`] writes it.
    pub amount_in_words: String,
    /// The bank's ids of the transfers that paid it.
    pub bank_transactions: Vec<BankTransactionId>,
    /// When the transfer that completed the fee was credited (+07:00).
    pub paid_at: DateTime<FixedOffset>,
    /// When the receipt was made (+07:00).
    pub issued_at: DateTime<FixedOffset>,
    /// Fingerprint of the key that signed it.
    pub key_id: String,
}

/// A receipt's form, serial and number (mẫu số, ký hiệu, số), which
/// together name it among all the agency's receipts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReceiptNumber {
    /// The form's symbol (ký hiệu mẫu biên lai).
    pub form: String,
    /// The receipt's serial (ký hiệu biên lai).
    pub serial: String,
    /// The receipt's number in its serial, from 1.
    pub number: u32,
}

impl ReceiptNumber {
    /// How the receipt names itself: "Mẫu số 01BLP0-001, ký hiệu AA-26E,
    /// số 0000123". The number has at least seven digits, as receipts are
    /// usually numbered.
    pub fn label(&self) -> Bilingual {
        Bilingual::new(
            format!(
                "Mẫu số {}, ký hiệu {}, số {:07}",
                self.form, self.serial, self.number
            ),
            format!(
                "Form {}, serial {}, no. {:07}",
                self.form, self.serial, self.number
            ),
        )
    }
}

/// The agency that collects a fee, as its receipts print it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectingAgency {
    /// Its name.
    pub name: Bilingual,
    /// Its tax code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_code: Option<String>,
    /// Its address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// Who paid a fee, as far as the portal knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payer {
    /// Name of the person or organisation.
    pub name: String,
    /// An organisation's tax code, or a person's identity number (which is
    /// also their tax code since 1 July 2025), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_code: Option<String>,
    /// Address, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// What the portal knows when it issues a receipt, beyond the payment
/// request: who issues it under which number, who paid, how and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The portal's name.
    pub portal: Bilingual,
    /// The next number of the agency's receipts.
    pub number: ReceiptNumber,
    /// The collecting agency.
    pub agency: CollectingAgency,
    /// The payer.
    pub payer: Payer,
    /// The transfers that paid the fee.
    pub bank_transactions: Vec<BankTransactionId>,
    /// When the last of them was credited.
    pub paid_at: DateTime<FixedOffset>,
    /// Now.
    pub issued_at: DateTime<FixedOffset>,
}

impl FeeReceipt {
    /// The receipt for the fee `request` asks for, paid in full, to be
    /// signed with the key `signer` names: its dossier code, lines and
    /// amount are the request's, the amount in words is written here, and
    /// times are in Viet Nam time.
    pub fn for_payment(request: &PaymentRequest, issue: Issue, signer: &PortalKey) -> Self {
        Self {
            fee_receipt_format: FEE_RECEIPT_FORMAT,
            portal: issue.portal,
            number: issue.number,
            agency: issue.agency,
            payer: issue.payer,
            dossier_code: request.dossier_code.clone(),
            lines: request.lines.clone(),
            amount_vnd: request.amount_vnd,
            amount_in_words: in_words(request.amount_vnd),
            bank_transactions: issue.bank_transactions,
            paid_at: issue.paid_at.with_timezone(&VIETNAM_TIME),
            issued_at: issue.issued_at.with_timezone(&VIETNAM_TIME),
            key_id: signer.fingerprint(),
        }
    }

    /// The receipt as printed text, in Vietnamese and in English: title,
    /// number, agency, payer, dossier, each fee line, the total in figures
    /// and in words (Vietnamese in both, as signed), the transfers and the
    /// times to the minute in Viet Nam time, and the signing key.
    pub fn text(&self) -> Bilingual {
        Bilingual::new(self.lines_in(&VI).join("\n"), self.lines_in(&EN).join("\n"))
    }

    fn lines_in(&self, w: &Words) -> Vec<String> {
        let pick = |b: &Bilingual| if w.vi { b.vi.clone() } else { b.en.clone() };
        let money = |vnd: u64| {
            if w.vi {
                in_figures(vnd)
            } else {
                format!("{} VND", en_number(vnd))
            }
        };
        let mut out = vec![pick(&self.agency.name)];
        if let Some(tax) = &self.agency.tax_code {
            out.push(format!("{}: {tax}", w.tax_code));
        }
        if let Some(address) = &self.agency.address {
            out.push(format!("{}: {address}", w.address));
        }
        out.push(String::new());
        out.push(w.title.to_owned());
        out.push(format!("({} {})", w.subtitle, pick(&self.portal)));
        out.push(pick(&self.number.label()));
        out.push(String::new());
        out.push(format!("{}: {}", w.payer, self.payer.name));
        if let Some(tax) = &self.payer.tax_code {
            out.push(format!("{}: {tax}", w.payer_id));
        }
        if let Some(address) = &self.payer.address {
            out.push(format!("{}: {address}", w.address));
        }
        out.push(format!("{}: {}", w.dossier, self.dossier_code));
        out.push(format!("{}:", w.items));
        for (i, line) in self.lines.iter().enumerate() {
            let amount = if line.quantity == 1 {
                money(line.amount_vnd)
            } else {
                format!(
                    "{} × {} = {}",
                    line.quantity,
                    money(line.unit_vnd),
                    money(line.amount_vnd)
                )
            };
            out.push(format!("  {}. {}: {amount}", i + 1, pick(&line.label)));
        }
        out.push(format!("{}: {}", w.total, money(self.amount_vnd)));
        out.push(format!("{}: {}", w.in_words, self.amount_in_words));
        let ids: Vec<&str> = self.bank_transactions.iter().map(|t| t.as_str()).collect();
        out.push(format!("{}: {}", w.transfers, ids.join(", ")));
        out.push(format!("{}: {}", w.paid_at, minute(self.paid_at, w)));
        out.push(format!("{}: {}", w.issued_at, minute(self.issued_at, w)));
        out.push(format!("{}: {}", w.key, self.key_id));
        out
    }
}

/// A time to the minute in Viet Nam time: "14:02, ngày 04/12/2026".
fn minute(at: DateTime<FixedOffset>, w: &Words) -> String {
    let at = at.with_timezone(&VIETNAM_TIME);
    let day = at.format("%d/%m/%Y");
    if w.vi {
        format!("{}, ngày {day}", at.format("%H:%M"))
    } else {
        format!("{}, {day}", at.format("%H:%M"))
    }
}

/// The printed receipt's words in one language.
struct Words {
    vi: bool,
    title: &'static str,
    subtitle: &'static str,
    tax_code: &'static str,
    address: &'static str,
    payer: &'static str,
    payer_id: &'static str,
    dossier: &'static str,
    items: &'static str,
    total: &'static str,
    in_words: &'static str,
    transfers: &'static str,
    paid_at: &'static str,
    issued_at: &'static str,
    key: &'static str,
}

const VI: Words = Words {
    vi: true,
    title: "BIÊN LAI THU PHÍ, LỆ PHÍ",
    subtitle: "Biên lai điện tử có chữ ký số của",
    tax_code: "Mã số thuế",
    address: "Địa chỉ",
    payer: "Người nộp",
    payer_id: "Mã số thuế / Số định danh",
    dossier: "Mã hồ sơ",
    items: "Khoản thu",
    total: "Tổng số tiền",
    in_words: "Bằng chữ",
    transfers: "Chuyển khoản, mã giao dịch",
    paid_at: "Thời gian thanh toán",
    issued_at: "Thời gian lập biên lai",
    key: "Khóa ký của cổng",
};

const EN: Words = Words {
    vi: false,
    title: "RECEIPT OF FEES AND CHARGES",
    subtitle: "Electronic receipt signed by",
    tax_code: "Tax code",
    address: "Address",
    payer: "Payer",
    payer_id: "Tax code / Identity number",
    dossier: "Dossier code",
    items: "Collected for",
    total: "Total",
    in_words: "In words (Vietnamese)",
    transfers: "Bank transfer, transaction",
    paid_at: "Paid at",
    issued_at: "Receipt made at",
    key: "Portal's signing key",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Fee;
    use crate::receipt::ReceiptError;
    use crate::signed::{PortalKeys, Signed};
    use crate::wire::PublishedKey;
    use ed25519_dalek::SigningKey;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn time(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("time")
    }

    fn request(amount: u64) -> PaymentRequest {
        let line = |label: &str, quantity: u64, unit: u64| FeeLine {
            label: Bilingual::new(label, format!("{label} (en)")),
            quantity,
            unit_vnd: unit,
            amount_vnd: quantity * unit,
        };
        let fee = Fee {
            amount_vnd: amount,
            lines: vec![
                line("Lệ phí đăng ký", 1, amount - 150_000),
                line("Phí theo dòng hàng", 3, 50_000),
            ],
            exempt: None,
        };
        let payee = serde_json::from_value(
            serde_json::json!({"bin": "970415", "account": "0011001932418"}),
        )
        .expect("payee");
        PaymentRequest::new(
            &"HOSO.PRACTICE-261204-0001".parse().expect("code"),
            &fee,
            &payee,
            "Văn phòng thực hành",
            time("2026-12-07T17:00:00+07:00"),
        )
        .expect("request")
    }

    fn issue() -> Issue {
        Issue {
            portal: Bilingual::new("Cổng thực hành HoSo", "HoSo practice portal"),
            number: ReceiptNumber {
                form: "01BLP0-001".into(),
                serial: "HS-26E".into(),
                number: 123,
            },
            agency: CollectingAgency {
                name: Bilingual::new(
                    "Sở Khoa học và Công nghệ",
                    "Department of Science and Technology",
                ),
                tax_code: Some("0100109106".into()),
                address: None,
            },
            payer: Payer {
                name: "Công ty Ánh Dương".into(),
                tax_code: Some("0100233488".into()),
                address: Some("12 Tràng Tiền, Hà Nội".into()),
            },
            bank_transactions: vec![
                "FT26338000000001".parse().expect("id"),
                "FT26338000000002".parse().expect("id"),
            ],
            // Given in UTC: the receipt keeps Viet Nam time.
            paid_at: time("2026-12-04T07:02:11Z"),
            issued_at: time("2026-12-04T07:02:13Z"),
        }
    }

    #[test]
    fn the_receipt_states_the_requested_fee_in_figures_and_words() {
        let k = key(1);
        let r = FeeReceipt::for_payment(&request(350_000), issue(), &PortalKey::of(&k));
        assert_eq!(r.fee_receipt_format, FEE_RECEIPT_FORMAT);
        assert_eq!(r.amount_vnd, 350_000);
        assert_eq!(r.amount_in_words, "Ba trăm năm mươi nghìn đồng");
        assert_eq!(r.lines.len(), 2);
        assert_eq!(r.dossier_code.as_str(), "HOSO.PRACTICE-261204-0001");
        assert_eq!(r.key_id, PortalKey::of(&k).fingerprint());
        let odd = FeeReceipt::for_payment(&request(1_005_000), issue(), &PortalKey::of(&k));
        assert_eq!(
            odd.amount_in_words,
            "Một triệu không trăm linh năm nghìn đồng"
        );
        let json = serde_json::to_string(&r).expect("json");
        assert!(
            json.contains("\"paid_at\":\"2026-12-04T14:02:11+07:00\""),
            "{json}"
        );
        assert!(
            json.contains("\"amount_in_words\":\"Ba trăm năm mươi nghìn đồng\""),
            "{json}"
        );
    }

    #[test]
    fn a_signed_receipt_verifies_round_trips_and_refuses_any_change() {
        let k = key(1);
        let r = FeeReceipt::for_payment(&request(350_000), issue(), &PortalKey::of(&k));
        let signed = Signed::sign(&r, &k);
        let text = serde_json::to_string(&signed).expect("json");
        let back: Signed<FeeReceipt> = serde_json::from_str(&text).expect("read");
        let keys = PortalKeys::pinned(PortalKey::of(&k));
        assert_eq!(back.verify(&keys), Ok(r.clone()));
        for (field, value) in [
            ("amount_vnd", serde_json::json!(35_000)),
            (
                "amount_in_words",
                serde_json::json!("Ba mươi lăm nghìn đồng"),
            ),
            (
                "dossier_code",
                serde_json::json!("HOSO.PRACTICE-261204-0002"),
            ),
        ] {
            let mut forged = back.clone();
            forged.document[field] = value;
            assert_eq!(forged.verify(&keys), Err(ReceiptError::Forged), "{field}");
        }
        let mut bad = back.clone();
        bad.signature = "AAAA".into();
        assert_eq!(bad.verify(&keys), Err(ReceiptError::BadSignature));
        assert!(matches!(
            back.verify(&PortalKeys::pinned(PortalKey::of(&key(2)))),
            Err(ReceiptError::OtherKey { .. })
        ));
    }

    #[test]
    fn a_receipt_signed_by_a_retired_key_still_verifies() {
        let (old, new) = (key(1), key(2));
        let r = FeeReceipt::for_payment(&request(350_000), issue(), &PortalKey::of(&old));
        let signed = Signed::sign(&r, &old);
        let retired = PublishedKey {
            key: PortalKey::of(&old).to_base64(),
            key_id: PortalKey::of(&old).fingerprint(),
            retired_at: "2026-12-05T00:00:00+07:00".into(),
        };
        let keys = PortalKeys::with_published(PortalKey::of(&new), &[retired]).expect("keys");
        assert_eq!(signed.verify(&keys), Ok(r));
    }

    #[test]
    fn the_printed_receipt_reads_in_both_languages() {
        let r = FeeReceipt::for_payment(&request(350_000), issue(), &PortalKey::of(&key(1)));
        let text = r.text();
        let vi: Vec<&str> = text.vi.lines().collect();
        for want in [
            "Sở Khoa học và Công nghệ",
            "Mã số thuế: 0100109106",
            "BIÊN LAI THU PHÍ, LỆ PHÍ",
            "(Biên lai điện tử có chữ ký số của Cổng thực hành HoSo)",
            "Mẫu số 01BLP0-001, ký hiệu HS-26E, số 0000123",
            "Người nộp: Công ty Ánh Dương",
            "Mã số thuế / Số định danh: 0100233488",
            "Địa chỉ: 12 Tràng Tiền, Hà Nội",
            "Mã hồ sơ: HOSO.PRACTICE-261204-0001",
            "  1. Lệ phí đăng ký: 200.000 đ",
            "  2. Phí theo dòng hàng: 3 × 50.000 đ = 150.000 đ",
            "Tổng số tiền: 350.000 đ",
            "Bằng chữ: Ba trăm năm mươi nghìn đồng",
            "Chuyển khoản, mã giao dịch: FT26338000000001, FT26338000000002",
            "Thời gian thanh toán: 14:02, ngày 04/12/2026",
        ] {
            assert!(vi.contains(&want), "no line {want:?} in\n{}", text.vi);
        }
        let en: Vec<&str> = text.en.lines().collect();
        for want in [
            "Department of Science and Technology",
            "RECEIPT OF FEES AND CHARGES",
            "Form 01BLP0-001, serial HS-26E, no. 0000123",
            "  2. Phí theo dòng hàng (en): 3 × 50,000 VND = 150,000 VND",
            "Total: 350,000 VND",
            "In words (Vietnamese): Ba trăm năm mươi nghìn đồng",
            "Paid at: 14:02, 04/12/2026",
        ] {
            assert!(en.contains(&want), "no line {want:?} in\n{}", text.en);
        }
    }
}
