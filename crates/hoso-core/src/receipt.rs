//! The receipt a portal signs when it files a dossier, shaped like the
//! official receipt-and-appointment form (Form 01, "Giấy tiếp nhận hồ sơ và
//! hẹn trả kết quả"), and its offline verification.
//!
//! The portal signs the RFC 8785 canonical JSON of the receipt with its
//! ed25519 key, by the one path every signed document takes
//! ([`crate::signed`]). The app keeps the receipt exactly as received (a
//! JSON value, not a re-serialised struct), so a receipt from a newer
//! portal with fields this build does not know still verifies.

use crate::signed::{self, PortalKeys};
use crate::{Bilingual, DossierCode, ProcedureCode, Sha256Digest};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, FixedOffset, NaiveDate};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Receipt format this build writes.
pub const RECEIPT_FORMAT: u32 = 1;

/// What the portal certifies it received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    /// Receipt format number.
    pub format: u32,
    /// The portal that issued it.
    pub portal: Bilingual,
    /// The desk or agency that received the dossier.
    pub receiving_agency: Bilingual,
    /// The dossier's code, the key to every later enquiry.
    pub dossier_code: DossierCode,
    /// A short code for looking the status up without signing in.
    pub lookup_pin: String,
    /// Who filed it.
    pub applicant: Applicant,
    /// Under which rules.
    pub procedure: ReceiptProcedure,
    /// Every document received, by content.
    pub documents: Vec<ReceivedDocument>,
    /// Number of sets received (one for an electronic dossier).
    pub sets: u32,
    /// Fee charged, in đồng.
    pub fee_vnd: u64,
    /// Statutory processing time, in working days.
    pub processing_days: u32,
    /// When the portal recorded the dossier, in Viet Nam time (+07:00).
    pub received_at: DateTime<FixedOffset>,
    /// The day the result is due, counted in working days.
    pub appointment_date: NaiveDate,
    /// How the result is delivered.
    pub delivery: Delivery,
    /// SHA-256 of the dossier's canonical manifest.
    pub manifest_sha256: Sha256Digest,
    /// Fingerprint of the key that signed this receipt.
    pub key_id: String,
}

/// The applicant as printed on the receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Applicant {
    /// Name of the person or organisation.
    pub name: String,
    /// Address, when the procedure asks for one.
    #[serde(default)]
    pub address: Option<String>,
    /// The portal account that submitted it.
    pub account: String,
}

/// The procedure as printed on the receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptProcedure {
    /// Procedure code.
    pub code: ProcedureCode,
    /// Version of the rules the dossier was judged by.
    pub version: String,
    /// Procedure name.
    pub name: Bilingual,
}

/// One document as received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceivedDocument {
    /// Attachment slot.
    pub slot: String,
    /// What kind of document it is.
    pub label: Bilingual,
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the file as stored by the portal.
    pub sha256: Sha256Digest,
}

/// How the result reaches the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Through the portal, online.
    Online,
    /// At the receiving desk.
    AtDesk,
    /// By post.
    Post,
}

impl Delivery {
    /// How it is said on the receipt.
    pub fn label(self) -> Bilingual {
        match self {
            Self::Online => Bilingual::new("Trực tuyến qua cổng", "Online, through the portal"),
            Self::AtDesk => Bilingual::new("Tại bộ phận một cửa", "At the one-stop desk"),
            Self::Post => Bilingual::new("Qua dịch vụ bưu chính", "By post"),
        }
    }
}

/// A portal's public key, pinned by the app when the portal is added.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PortalKey(VerifyingKey);

impl PortalKey {
    /// The key from its 32 bytes in standard base64.
    pub fn from_base64(text: &str) -> Result<Self, ReceiptError> {
        let bytes: [u8; 32] = B64
            .decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(ReceiptError::BadKey)?;
        VerifyingKey::from_bytes(&bytes)
            .map(Self)
            .map_err(|_| ReceiptError::BadKey)
    }

    /// The public half of a signing key.
    pub fn of(signing: &SigningKey) -> Self {
        Self(signing.verifying_key())
    }

    /// The key in standard base64, as published in discovery.
    pub fn to_base64(&self) -> String {
        B64.encode(self.0.as_bytes())
    }

    /// A short fingerprint people can compare: the first 8 bytes of the
    /// key's SHA-256, in four groups of hex.
    pub fn fingerprint(&self) -> String {
        let hex = Sha256Digest::of(self.0.as_bytes()).to_hex();
        [&hex[0..4], &hex[4..8], &hex[8..12], &hex[12..16]].join(":")
    }

    /// The ed25519 key itself, for the signature check.
    pub(crate) fn verifying(&self) -> &VerifyingKey {
        &self.0
    }
}

impl fmt::Debug for PortalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PortalKey({})", self.fingerprint())
    }
}

/// A receipt as the portal sent it, with its signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedReceipt {
    /// The receipt exactly as signed.
    pub receipt: serde_json::Value,
    /// ed25519 signature over the canonical JSON of `receipt`, base64.
    pub signature: String,
}

/// Why a receipt, or any other document a portal signs, could not be
/// trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// The key is not 32 bytes of base64 or not a curve point.
    #[error("khóa công khai của cổng không hợp lệ / the portal's public key is malformed")]
    BadKey,
    /// The signature is not 64 bytes of base64.
    #[error("chữ ký biên nhận bị hỏng / the receipt's signature is malformed")]
    BadSignature,
    /// Signed by another key than the one pinned for this portal.
    #[error(
        "biên nhận được ký bằng khóa {found}, không phải khóa đã ghim {pinned} / receipt signed by key {found}, not the pinned key {pinned}"
    )]
    OtherKey {
        /// Fingerprint named in the receipt.
        found: String,
        /// Fingerprint of the pinned key.
        pinned: String,
    },
    /// The signature does not match the content: it was altered.
    #[error(
        "chữ ký không khớp nội dung: biên nhận đã bị sửa đổi / the signature does not match: the receipt was altered"
    )]
    Forged,
    /// Signed correctly but not a receipt this build can read.
    #[error("biên nhận không đọc được / the receipt is malformed: {0}")]
    Malformed(String),
}

/// What the receipt's QR code carries: a format tag, the dossier code and
/// the receipt's hash, enough to find the dossier and to tell a printed
/// receipt from an altered one.
pub fn qr_payload(code: &crate::DossierCode, receipt_sha256: &Sha256Digest) -> String {
    format!("HOSO1:{}:{}", code, receipt_sha256.to_hex())
}

impl SignedReceipt {
    /// SHA-256 of the receipt's canonical JSON (RFC 8785): the same bytes
    /// the signature covers, so the hash names exactly what was signed.
    pub fn sha256(&self) -> Sha256Digest {
        Sha256Digest::of(&signed::canonical(&self.receipt))
    }

    /// Signs a receipt (a dossier's or a supplement's). The portal calls
    /// this with its own key.
    pub fn sign<T: Serialize>(receipt: &T, key: &SigningKey) -> Self {
        let value = signed::to_value(receipt);
        Self {
            signature: signed::sign(&value, key),
            receipt: value,
        }
    }

    /// Checks the signature against the pinned key, then reads the receipt.
    pub fn verify(&self, key: &PortalKey) -> Result<Receipt, ReceiptError> {
        self.verify_as(key)
    }

    /// Checks the signature against the pinned key, then reads what was
    /// signed as `T` (a [`Receipt`] or a supplement's receipt).
    pub fn verify_as<T: serde::de::DeserializeOwned>(
        &self,
        key: &PortalKey,
    ) -> Result<T, ReceiptError> {
        self.verify_with(&PortalKeys::pinned(*key))
    }

    /// Checks the signature against the key of `keys` (pinned or retired)
    /// that the receipt's `key_id` names, then reads what was signed as
    /// `T`: a receipt issued before a key rotation still verifies.
    pub fn verify_with<T: serde::de::DeserializeOwned>(
        &self,
        keys: &PortalKeys,
    ) -> Result<T, ReceiptError> {
        signed::check(&self.receipt, &self.signature, keys)?;
        serde_json::from_value(self.receipt.clone())
            .map_err(|e| ReceiptError::Malformed(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn receipt(signer: &SigningKey) -> Receipt {
        Receipt {
            format: RECEIPT_FORMAT,
            portal: Bilingual::new("Cổng thực hành", "Practice portal"),
            receiving_agency: Bilingual::new("Bộ phận một cửa", "One-stop desk"),
            dossier_code: "HOSO.PRACTICE-261123-0001".parse().expect("code"),
            lookup_pin: "K7QX".into(),
            applicant: Applicant {
                name: "Công ty Ánh Dương".into(),
                address: Some("Hà Nội".into()),
                account: "practice".into(),
            },
            procedure: ReceiptProcedure {
                code: "kiem-tra-cl-nhap-khau".parse().expect("code"),
                version: "2018.07".into(),
                name: Bilingual::new("Đăng ký kiểm tra", "Inspection registration"),
            },
            documents: vec![ReceivedDocument {
                slot: "quality_certificate".into(),
                label: Bilingual::new("Giấy chứng nhận", "Certificate"),
                name: "cn.pdf".into(),
                size: 42,
                sha256: Sha256Digest::of(b"x"),
            }],
            sets: 1,
            fee_vnd: 0,
            processing_days: 1,
            received_at: DateTime::parse_from_rfc3339("2026-11-23T09:15:00+07:00").expect("time"),
            appointment_date: NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
            delivery: Delivery::Online,
            manifest_sha256: Sha256Digest::of(b"m"),
            key_id: PortalKey::of(signer).fingerprint(),
        }
    }

    #[test]
    fn a_signed_receipt_verifies_against_its_key_and_reads_back() {
        let k = key(1);
        let r = receipt(&k);
        let signed = SignedReceipt::sign(&r, &k);
        assert_eq!(signed.verify(&PortalKey::of(&k)), Ok(r));
        let text = serde_json::to_string(&signed.receipt).expect("json");
        assert!(
            text.contains("\"received_at\":\"2026-11-23T09:15:00+07:00\""),
            "{text}"
        );
    }

    #[test]
    fn the_hash_ignores_spacing_and_key_order_but_not_one_value() {
        let k = key(1);
        let signed = SignedReceipt::sign(&receipt(&k), &k);
        // The same receipt as another JSON text reads back to the same hash.
        let text = serde_json::to_string_pretty(&signed).expect("json");
        let again: SignedReceipt = serde_json::from_str(&text).expect("read");
        assert_eq!(again.sha256(), signed.sha256());
        let mut changed = signed.clone();
        changed.receipt["lookup_pin"] = "AAAA".into();
        assert_ne!(changed.sha256(), signed.sha256());
        let code: DossierCode = signed.receipt["dossier_code"]
            .as_str()
            .expect("code")
            .parse()
            .expect("code");
        let payload = qr_payload(&code, &signed.sha256());
        assert_eq!(
            payload,
            format!("HOSO1:{code}:{}", signed.sha256().to_hex())
        );
    }

    #[test]
    fn one_changed_value_breaks_the_signature() {
        let k = key(1);
        let mut signed = SignedReceipt::sign(&receipt(&k), &k);
        signed.receipt["documents"][0]["size"] = 43.into();
        assert_eq!(signed.verify(&PortalKey::of(&k)), Err(ReceiptError::Forged));
    }

    #[test]
    fn a_receipt_from_another_key_is_refused_even_when_it_claims_the_pinned_one() {
        let (pinned, other) = (key(1), key(2));
        let signed = SignedReceipt::sign(&receipt(&other), &other);
        assert!(matches!(
            signed.verify(&PortalKey::of(&pinned)),
            Err(ReceiptError::OtherKey { .. })
        ));
        let mut lying = receipt(&other);
        lying.key_id = PortalKey::of(&pinned).fingerprint();
        let signed = SignedReceipt::sign(&lying, &other);
        assert_eq!(
            signed.verify(&PortalKey::of(&pinned)),
            Err(ReceiptError::Forged)
        );
    }

    #[test]
    fn a_receipt_signed_before_a_rotation_verifies_with_the_retired_key() {
        let (old, new) = (key(1), key(2));
        let signed = SignedReceipt::sign(&receipt(&old), &old);
        let retired = crate::wire::PublishedKey {
            key: PortalKey::of(&old).to_base64(),
            key_id: PortalKey::of(&old).fingerprint(),
            retired_at: "2026-12-01T00:00:00+07:00".into(),
        };
        let keys = PortalKeys::with_published(PortalKey::of(&new), &[retired]).expect("keys");
        assert_eq!(signed.verify_with::<Receipt>(&keys), Ok(receipt(&old)));
        assert!(matches!(
            signed.verify(&PortalKey::of(&new)),
            Err(ReceiptError::OtherKey { .. })
        ));
    }

    #[test]
    fn fields_added_by_a_newer_portal_still_verify() {
        let k = key(3);
        let mut value = serde_json::to_value(receipt(&k)).expect("json");
        value["qr_payload"] = "HOSO:HOSO.PRACTICE-261123-0001".into();
        let signature = signed::sign(&value, &k);
        let signed = SignedReceipt {
            receipt: value,
            signature,
        };
        assert!(signed.verify(&PortalKey::of(&k)).is_ok());
    }

    #[test]
    fn malformed_keys_and_signatures_are_named_as_such() {
        assert_eq!(PortalKey::from_base64("AAAA"), Err(ReceiptError::BadKey));
        let k = key(1);
        let key64 = PortalKey::of(&k).to_base64();
        assert_eq!(PortalKey::from_base64(&key64), Ok(PortalKey::of(&k)));
        let mut signed = SignedReceipt::sign(&receipt(&k), &k);
        signed.signature = "bm90IGEgc2lnbmF0dXJl".into();
        assert_eq!(
            signed.verify(&PortalKey::of(&k)),
            Err(ReceiptError::BadSignature)
        );
    }
}
