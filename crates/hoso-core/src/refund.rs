//! The refund notice the portal signs when it gives a fee back: a dossier
//! refused or withdrawn after its fee was paid, or a transfer beyond the
//! fee. Signed and verified like every document the portal signs
//! ([`crate::signed`]), so the applicant holds proof of what is owed back
//! and why.

use crate::amount_words::in_words;
use crate::bilingual::{en_number, vi_number};
use crate::calendar::VIETNAM_TIME;
use crate::fee_receipt::{CollectingAgency, FeeReceipt, ReceiptNumber};
use crate::receipt::PortalKey;
use crate::{Bilingual, DossierCode};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// Refund notice format this build writes.
pub const REFUND_NOTICE_FORMAT: u32 = 1;

/// What the portal certifies it gives back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundNotice {
    /// Refund notice format number; its name keeps the notice from being
    /// read as another kind of signed document.
    pub refund_notice_format: u32,
    /// The portal that issued it.
    pub portal: Bilingual,
    /// The agency that collected the fee and refunds it.
    pub agency: CollectingAgency,
    /// The dossier the fee was for.
    pub dossier_code: DossierCode,
    /// The amount refunded, in đồng.
    pub amount_vnd: u64,
    /// The amount in Vietnamese words.
    pub amount_in_words: String,
    /// Why it is refunded.
    pub reason: RefundReason,
    /// The fee receipt issued for the payment, when the fee had been paid
    /// in full; absent when the money refunded never made up a fee (a
    /// partial payment given back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_receipt: Option<ReceiptNumber>,
    /// When the refund was decided (+07:00).
    pub refunded_at: DateTime<FixedOffset>,
    /// Fingerprint of the key that signed it.
    pub key_id: String,
}

/// Why a fee is refunded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundReason {
    /// The agency refused the dossier.
    Rejected,
    /// The applicant withdrew the dossier before it was examined.
    Withdrawn,
    /// More was transferred than the fee: the excess goes back.
    Overpaid,
}

impl RefundReason {
    /// What people read.
    pub fn label(self) -> Bilingual {
        match self {
            Self::Rejected => {
                Bilingual::new("Hồ sơ bị từ chối giải quyết", "The dossier was refused")
            }
            Self::Withdrawn => Bilingual::new(
                "Người nộp đã rút hồ sơ trước khi giải quyết",
                "The applicant withdrew the dossier before it was examined",
            ),
            Self::Overpaid => Bilingual::new(
                "Số tiền chuyển vượt quá số phí phải nộp",
                "More was transferred than the fee",
            ),
        }
    }
}

impl RefundNotice {
    /// The notice refunding `amount_vnd` of the fee `receipt` acknowledged
    /// (all of it for a refused or withdrawn dossier, or what was paid
    /// beyond it), to be signed with the key `signer` names: portal,
    /// agency and dossier are the receipt's, which it names by number.
    pub fn of_receipt(
        receipt: &FeeReceipt,
        amount_vnd: u64,
        reason: RefundReason,
        refunded_at: DateTime<FixedOffset>,
        signer: &PortalKey,
    ) -> Self {
        Self {
            fee_receipt: Some(receipt.number.clone()),
            ..Self::without_receipt(
                receipt.portal.clone(),
                receipt.agency.clone(),
                receipt.dossier_code.clone(),
                amount_vnd,
                reason,
                refunded_at,
                signer,
            )
        }
    }

    /// The notice refunding `amount_vnd` that never made up a fee, so no
    /// receipt was issued for it (a partial payment of a dossier refused or
    /// withdrawn).
    pub fn without_receipt(
        portal: Bilingual,
        agency: CollectingAgency,
        dossier_code: DossierCode,
        amount_vnd: u64,
        reason: RefundReason,
        refunded_at: DateTime<FixedOffset>,
        signer: &PortalKey,
    ) -> Self {
        Self {
            refund_notice_format: REFUND_NOTICE_FORMAT,
            portal,
            agency,
            dossier_code,
            amount_vnd,
            amount_in_words: in_words(amount_vnd),
            reason,
            fee_receipt: None,
            refunded_at: refunded_at.with_timezone(&VIETNAM_TIME),
            key_id: signer.fingerprint(),
        }
    }

    /// What the notice says, in one sentence per language: the amount, the
    /// dossier, the reason and the receipt it refers to.
    pub fn summary(&self) -> Bilingual {
        let (receipt_vi, receipt_en) = match &self.fee_receipt {
            Some(n) => {
                let label = n.label();
                (
                    format!(" (biên lai {})", label.vi),
                    format!(" (receipt {})", label.en),
                )
            }
            None => (String::new(), String::new()),
        };
        let reason = self.reason.label();
        Bilingual::new(
            format!(
                "Hoàn trả {} đồng ({}) cho hồ sơ {}{receipt_vi}. Lý do: {}.",
                vi_number(self.amount_vnd),
                self.amount_in_words,
                self.dossier_code,
                reason.vi
            ),
            format!(
                "Refund of {} VND for dossier {}{receipt_en}. Reason: {}.",
                en_number(self.amount_vnd),
                self.dossier_code,
                reason.en
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fee_receipt::Payer;
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

    fn receipt(signer: &SigningKey) -> FeeReceipt {
        FeeReceipt {
            fee_receipt_format: 1,
            portal: Bilingual::new("Cổng thực hành", "Practice portal"),
            number: ReceiptNumber {
                form: "01BLP0-001".into(),
                serial: "HS-26E".into(),
                number: 7,
            },
            agency: CollectingAgency {
                name: Bilingual::new("Sở Tư pháp", "Department of Justice"),
                tax_code: None,
                address: None,
            },
            payer: Payer {
                name: "Nguyễn Văn A".into(),
                tax_code: None,
                address: None,
            },
            dossier_code: "HOSO.PRACTICE-261204-0001".parse().expect("code"),
            lines: vec![],
            amount_vnd: 150_000,
            amount_in_words: in_words(150_000),
            bank_transactions: vec!["FT1".parse().expect("id")],
            paid_at: time("2026-12-04T14:02:11+07:00"),
            issued_at: time("2026-12-04T14:02:12+07:00"),
            key_id: PortalKey::of(signer).fingerprint(),
        }
    }

    #[test]
    fn a_refund_names_its_receipt_amount_words_and_reason_and_round_trips_signed() {
        let k = key(1);
        let notice = RefundNotice::of_receipt(
            &receipt(&k),
            150_000,
            RefundReason::Withdrawn,
            time("2026-12-05T02:00:00Z"),
            &PortalKey::of(&k),
        );
        assert_eq!(notice.amount_in_words, "Một trăm năm mươi nghìn đồng");
        assert_eq!(notice.fee_receipt, Some(receipt(&k).number));
        assert_eq!(notice.agency.name.vi, "Sở Tư pháp");
        let signed = Signed::sign(&notice, &k);
        let json = serde_json::to_string(&signed).expect("json");
        assert!(json.contains("\"reason\":\"withdrawn\""), "{json}");
        assert!(
            json.contains("\"refunded_at\":\"2026-12-05T09:00:00+07:00\""),
            "{json}"
        );
        let back: Signed<RefundNotice> = serde_json::from_str(&json).expect("read");
        let keys = PortalKeys::pinned(PortalKey::of(&k));
        assert_eq!(back.verify(&keys), Ok(notice));
        let mut forged = back.clone();
        forged.document["amount_vnd"] = 1_500_000.into();
        assert_eq!(forged.verify(&keys), Err(ReceiptError::Forged));
        let mut other_reason = back;
        other_reason.document["reason"] = "overpaid".into();
        assert_eq!(other_reason.verify(&keys), Err(ReceiptError::Forged));
    }

    #[test]
    fn a_notice_signed_by_a_retired_key_still_verifies() {
        let (old, new) = (key(1), key(2));
        let notice = RefundNotice::of_receipt(
            &receipt(&old),
            20_000,
            RefundReason::Overpaid,
            time("2026-12-05T09:00:00+07:00"),
            &PortalKey::of(&old),
        );
        let signed = Signed::sign(&notice, &old);
        let keys = PortalKeys::with_published(
            PortalKey::of(&new),
            &[PublishedKey {
                key: PortalKey::of(&old).to_base64(),
                key_id: PortalKey::of(&old).fingerprint(),
                retired_at: "2026-12-06T00:00:00+07:00".into(),
            }],
        )
        .expect("keys");
        assert_eq!(signed.verify(&keys), Ok(notice));
    }

    #[test]
    fn a_signed_fee_receipt_is_not_a_refund_notice() {
        let k = key(3);
        let as_receipt: Signed<FeeReceipt> = Signed::sign(&receipt(&k), &k);
        let as_refund: Signed<RefundNotice> =
            serde_json::from_value(serde_json::to_value(&as_receipt).expect("json"))
                .expect("envelope");
        assert!(matches!(
            as_refund.verify(&PortalKeys::pinned(PortalKey::of(&k))),
            Err(ReceiptError::Malformed(_))
        ));
    }

    #[test]
    fn each_reason_and_a_partial_refund_read_in_both_languages() {
        let k = key(1);
        let partial = RefundNotice::without_receipt(
            Bilingual::new("Cổng", "Portal"),
            receipt(&k).agency,
            "HOSO.PRACTICE-261204-0002".parse().expect("code"),
            50_000,
            RefundReason::Rejected,
            time("2026-12-05T09:00:00+07:00"),
            &PortalKey::of(&k),
        );
        assert_eq!(partial.fee_receipt, None);
        assert_eq!(
            partial.summary().vi,
            "Hoàn trả 50.000 đồng (Năm mươi nghìn đồng) cho hồ sơ HOSO.PRACTICE-261204-0002. Lý do: Hồ sơ bị từ chối giải quyết."
        );
        let full = RefundNotice::of_receipt(
            &receipt(&k),
            5_000,
            RefundReason::Overpaid,
            time("2026-12-05T09:00:00+07:00"),
            &PortalKey::of(&k),
        );
        assert_eq!(
            full.summary().en,
            "Refund of 5,000 VND for dossier HOSO.PRACTICE-261204-0001 (receipt Form 01BLP0-001, serial HS-26E, no. 0000007). Reason: More was transferred than the fee."
        );
        let labels: Vec<Bilingual> = [
            RefundReason::Rejected,
            RefundReason::Withdrawn,
            RefundReason::Overpaid,
        ]
        .map(RefundReason::label)
        .to_vec();
        for (i, l) in labels.iter().enumerate() {
            assert!(!l.vi.is_empty() && !l.en.is_empty() && l.vi != l.en);
            assert!(labels[..i].iter().all(|o| o.vi != l.vi && o.en != l.en));
        }
    }
}
