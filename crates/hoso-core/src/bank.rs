//! The bank's notification that a transfer reached the agency's account:
//! its body, how the portal knows the bank sent it, and how the dossier it
//! pays for is found in the transfer's purpose. The practice bank sends
//! exactly this, signed the same way.
//!
//! Authentication is HMAC-SHA256 with a secret the agency and its bank
//! share, over the bytes `TIMESTAMP + "." + BODY`, where `TIMESTAMP` is the
//! text of the [`TIMESTAMP_HEADER`] (Unix seconds, decimal digits) and
//! `BODY` the request body exactly as received. The [`SIGNATURE_HEADER`]
//! carries `sha256=` and the MAC in hex. The time is signed with the body,
//! so a recorded notification cannot be replayed later with a fresh time;
//! one replayed within [`TOLERANCE_SECS`] is a resent notification, which
//! the bank's transaction id makes harmless (see
//! [`crate::payment::settle`]).

use crate::DossierCode;
use crate::vietqr::Account;
use chrono::{DateTime, FixedOffset, NaiveDate};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use std::fmt;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The header with the time the bank signed at, in Unix seconds.
pub const TIMESTAMP_HEADER: &str = "HoSo-Bank-Timestamp";
/// The header with the signature: `sha256=` and 64 hex digits.
pub const SIGNATURE_HEADER: &str = "HoSo-Bank-Signature";
/// What the signature header's value starts with, naming the MAC.
pub const SIGNATURE_PREFIX: &str = "sha256=";
/// How far, in seconds, a notification's time may be from the portal's
/// clock either way (clocks differ a little; a later replay is refused).
pub const TOLERANCE_SECS: i64 = 300;
/// The shortest shared secret taken, in bytes: the 256 bits of the MAC.
pub const MIN_SECRET_BYTES: usize = 32;
/// The longest bank transaction id taken, in characters.
pub const MAX_TRANSACTION_ID: usize = 64;

type HmacSha256 = Hmac<sha2::Sha256>;

/// What the bank says arrived: one transfer to the agency's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankNotification {
    /// The bank's id of the transfer: the same transfer always has the
    /// same id, so a resent notification is known by it.
    pub transaction_id: BankTransactionId,
    /// The account credited.
    pub account: Account,
    /// The amount credited, in đồng.
    pub amount_vnd: u64,
    /// The transfer's purpose as the bank has it (the payer's app may have
    /// changed the case, the spaces or the dots of what the QR code said).
    pub purpose: String,
    /// When the bank credited it (RFC 3339).
    pub at: DateTime<FixedOffset>,
}

/// A bank's id of one transfer: 1 to [`MAX_TRANSACTION_ID`] visible ASCII
/// characters, kept as the bank wrote it, so that it can key the record
/// that makes a transfer count once.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BankTransactionId(String);

impl BankTransactionId {
    /// The id as the bank wrote it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for BankTransactionId {
    type Err = BankError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if !s.is_empty() && s.len() <= MAX_TRANSACTION_ID && s.bytes().all(|b| b.is_ascii_graphic())
        {
            Ok(Self(s.to_owned()))
        } else {
            Err(BankError::TransactionId(s.to_owned()))
        }
    }
}

impl TryFrom<String> for BankTransactionId {
    type Error = BankError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<BankTransactionId> for String {
    fn from(id: BankTransactionId) -> Self {
        id.0
    }
}

impl fmt::Display for BankTransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The secret an agency shares with its bank. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct BankSecret(Vec<u8>);

impl BankSecret {
    /// The secret from its bytes (a text secret: its UTF-8 bytes); refused
    /// when shorter than [`MIN_SECRET_BYTES`].
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, BankError> {
        let bytes = bytes.into();
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(BankError::ShortSecret(bytes.len()));
        }
        Ok(Self(bytes))
    }

    /// The MAC of `timestamp + "." + body`.
    fn mac(&self, timestamp: &str, body: &[u8]) -> HmacSha256 {
        // HMAC takes a key of any length; only fixed-key MACs refuse one.
        let mut mac = HmacSha256::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC keys have no length limit"));
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

impl fmt::Debug for BankSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BankSecret({} bytes)", self.0.len())
    }
}

/// Why a bank notification was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BankError {
    /// A shared secret too short to be safe.
    #[error(
        "khóa bí mật dùng chung với ngân hàng dài {0} byte, cần ít nhất {MIN_SECRET_BYTES} / the secret shared with the bank has {0} bytes, at least {MIN_SECRET_BYTES} are needed"
    )]
    ShortSecret(usize),
    /// A header is absent.
    #[error("thiếu tiêu đề {0} / header {0} is missing")]
    MissingHeader(&'static str),
    /// The timestamp is not Unix seconds in decimal digits.
    #[error(
        "tiêu đề {TIMESTAMP_HEADER} phải là số giây Unix / header {TIMESTAMP_HEADER} must be Unix seconds: {0:?}"
    )]
    Timestamp(String),
    /// The signature header is not `sha256=` and 64 hex digits.
    #[error(
        "tiêu đề {SIGNATURE_HEADER} phải có dạng sha256=64 chữ số hex / header {SIGNATURE_HEADER} must be sha256= and 64 hex digits"
    )]
    SignatureFormat,
    /// The signature is not the MAC of this time and body under the shared
    /// secret: not sent by the bank, or altered on the way.
    #[error(
        "chữ ký không khớp: thông báo không phải do ngân hàng gửi hoặc đã bị sửa / the signature does not match: the notification is not the bank's or was altered"
    )]
    WrongSignature,
    /// Signed correctly, but at a time too far from now: a replay, or a
    /// clock badly off.
    #[error(
        "thông báo ký lúc {signed_at}, lệch quá {TOLERANCE_SECS} giây so với bây giờ ({now}) / the notification was signed at {signed_at}, more than {TOLERANCE_SECS} s from now ({now})"
    )]
    Stale {
        /// The signed time, Unix seconds.
        signed_at: i64,
        /// The portal's time, Unix seconds.
        now: i64,
    },
    /// An authentic body that is not a notification this build reads.
    #[error("nội dung thông báo không đọc được / the notification body is malformed: {0}")]
    Body(String),
    /// A transaction id that is empty, too long or not visible ASCII.
    #[error(
        "mã giao dịch ngân hàng {0:?} phải gồm 1 đến {MAX_TRANSACTION_ID} ký tự ASCII nhìn thấy được / bank transaction id {0:?} must be 1 to {MAX_TRANSACTION_ID} visible ASCII characters"
    )]
    TransactionId(String),
}

/// The signature header's value for `body` signed at `timestamp` (the
/// timestamp header's text): `sha256=` and the MAC in lower-case hex.
pub fn signature(secret: &BankSecret, timestamp: &str, body: &[u8]) -> String {
    let tag = secret.mac(timestamp, body).finalize().into_bytes();
    format!("{SIGNATURE_PREFIX}{}", crate::hash::to_hex(&tag))
}

/// The two headers a bank (or the practice bank) sends with `body` at
/// `now`: the timestamp and the signature, by name.
pub fn headers(
    secret: &BankSecret,
    body: &[u8],
    now: DateTime<FixedOffset>,
) -> [(&'static str, String); 2] {
    let timestamp = now.timestamp().to_string();
    let signature = signature(secret, &timestamp, body);
    [(TIMESTAMP_HEADER, timestamp), (SIGNATURE_HEADER, signature)]
}

/// Whether `body`, received with the values of the timestamp and signature
/// headers (`None` when absent), was sent by the holder of `secret` within
/// [`TOLERANCE_SECS`] of `now`. The signature is compared in constant time,
/// so the time an answer takes tells nothing of the right one; it is
/// checked before the time, so only an authentic notification is ever
/// called stale.
pub fn verify(
    secret: &BankSecret,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<FixedOffset>,
) -> Result<(), BankError> {
    let timestamp = timestamp.ok_or(BankError::MissingHeader(TIMESTAMP_HEADER))?;
    let signature = signature.ok_or(BankError::MissingHeader(SIGNATURE_HEADER))?;
    let signed_at = unix_seconds(timestamp)?;
    let tag = signature
        .strip_prefix(SIGNATURE_PREFIX)
        .and_then(from_hex)
        .ok_or(BankError::SignatureFormat)?;
    secret
        .mac(timestamp, body)
        .verify_slice(&tag)
        .map_err(|_| BankError::WrongSignature)?;
    let now = now.timestamp();
    if (now - signed_at).abs() > TOLERANCE_SECS {
        return Err(BankError::Stale { signed_at, now });
    }
    Ok(())
}

/// The notification in `body` once [`verify`] accepted it; nothing of the
/// body is read before.
pub fn authenticate(
    secret: &BankSecret,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<FixedOffset>,
) -> Result<BankNotification, BankError> {
    verify(secret, timestamp, signature, body, now)?;
    serde_json::from_slice(body).map_err(|e| BankError::Body(e.to_string()))
}

/// Unix seconds written as 1 to 12 decimal digits (up to the year 33658).
fn unix_seconds(text: &str) -> Result<i64, BankError> {
    let bad = || BankError::Timestamp(text.to_owned());
    if text.is_empty() || text.len() > 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    text.parse().map_err(|_| bad())
}

/// The 32 bytes of 64 hex digits (either case).
fn from_hex(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let digit = |b: u8| char::from(b).to_digit(16);
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        // Two hex digits make at most 255.
        *o = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
    }
    Some(out)
}

/// The code of a dossier of `agency` (its prefix in dossier codes, such as
/// `HOSO.PRACTICE`) in a transfer's `purpose`, as bank apps and banks
/// deliver it: in any case, with diacritics, with spaces added or dots and
/// dashes dropped or changed, with the bank's own words before or after.
///
/// The code is found by its shape: the agency's letters and digits, six
/// digits that are a date (`yymmdd`) and a sequence of at least four
/// digits, with any separators between them; once four digits of the
/// sequence are read, a separator ends it, so "…-0001 2 LAN" is `…-0001`
/// while "…-10001" stays whole. `None` when no code is found, or when two
/// different codes are (which transfer pays which fee is then for a person
/// to decide).
pub fn dossier_code_in(purpose: &str, agency: &str) -> Option<DossierCode> {
    let wanted: Vec<u8> = agency
        .bytes()
        .filter(u8::is_ascii_alphanumeric)
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if wanted.is_empty() {
        return None;
    }
    let text = folded(purpose);
    let mut found: Option<DossierCode> = None;
    let mut i = 0;
    while i < text.len() {
        match code_at(&text, i, &wanted, agency) {
            Some((code, end)) => {
                match &found {
                    Some(earlier) if *earlier != code => return None,
                    _ => found = Some(code),
                }
                i = end;
            }
            None => i += 1,
        }
    }
    found
}

/// One letter or digit of a purpose, upper-case ASCII, and whether
/// anything else came between it and the one before.
#[derive(Debug, Clone, Copy)]
struct Folded {
    byte: u8,
    after_gap: bool,
}

/// The letters and digits of `text` without diacritics (đ → D),
/// upper-case, each marked when a separator preceded it.
fn folded(text: &str) -> Vec<Folded> {
    let mut out = Vec::with_capacity(text.len());
    let mut gap = false;
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        let c = if matches!(c, 'đ' | 'Đ') { 'D' } else { c };
        if c.is_ascii_alphanumeric() {
            out.push(Folded {
                // ASCII by the test above.
                byte: u8::try_from(c.to_ascii_uppercase()).unwrap_or(b'?'),
                after_gap: gap,
            });
            gap = false;
        } else {
            gap = true;
        }
    }
    out
}

/// The code that starts at `start` of `text`, and where it ends.
fn code_at(
    text: &[Folded],
    start: usize,
    wanted: &[u8],
    agency: &str,
) -> Option<(DossierCode, usize)> {
    let mut at = start;
    for &w in wanted {
        if text.get(at)?.byte != w {
            return None;
        }
        at += 1;
    }
    let mut date = String::with_capacity(6);
    for _ in 0..6 {
        let c = text.get(at)?.byte;
        if !c.is_ascii_digit() {
            return None;
        }
        date.push(char::from(c));
        at += 1;
    }
    NaiveDate::parse_from_str(&date, "%y%m%d").ok()?;
    let mut sequence = String::new();
    while let Some(c) = text.get(at) {
        if !c.byte.is_ascii_digit() || (sequence.len() >= 4 && c.after_gap) {
            break;
        }
        sequence.push(char::from(c.byte));
        at += 1;
    }
    if sequence.len() < 4 {
        return None;
    }
    let code = format!("{agency}-{date}-{sequence}").parse().ok()?;
    Some((code, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> BankSecret {
        BankSecret::new("bi-mat-chung-cua-so-va-ngan-hang-0123456789").expect("secret")
    }

    fn time(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("time")
    }

    fn body() -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "transaction_id": "FT26338123456789",
            "account": "0011001932418",
            "amount_vnd": 150000,
            "purpose": "MBVCB.3278163721.HOSO.PRACTICE-261204-0001.CT tu 0123 NGUYEN VAN A",
            "at": "2026-12-04T14:02:11+07:00"
        }))
        .expect("json")
    }

    /// The headers' values as a bank sends them with `body` at `at`.
    fn sent(body: &[u8], at: DateTime<FixedOffset>) -> (String, String) {
        let [(t, timestamp), (s, signature)] = headers(&secret(), body, at);
        assert_eq!((t, s), (TIMESTAMP_HEADER, SIGNATURE_HEADER));
        (timestamp, signature)
    }

    #[test]
    fn a_notification_signed_with_the_shared_secret_is_read() {
        let now = time("2026-12-04T14:02:15+07:00");
        let (timestamp, signature) = sent(&body(), now);
        assert_eq!(timestamp, now.timestamp().to_string());
        assert!(
            signature.starts_with("sha256=") && signature.len() == 71,
            "{signature}"
        );
        let n = authenticate(&secret(), Some(&timestamp), Some(&signature), &body(), now)
            .expect("authentic");
        assert_eq!(n.transaction_id.as_str(), "FT26338123456789");
        assert_eq!(n.account.as_str(), "0011001932418");
        assert_eq!(n.amount_vnd, 150_000);
        assert_eq!(n.at, time("2026-12-04T07:02:11Z"));
        // Upper-case hex is the same MAC.
        let upper = format!("sha256={}", signature["sha256=".len()..].to_uppercase());
        assert_eq!(
            verify(&secret(), Some(&timestamp), Some(&upper), &body(), now),
            Ok(())
        );
    }

    #[test]
    fn the_mac_covers_the_timestamp_a_dot_and_the_body_exactly() {
        // RFC 4231 test case 7, whose message has a dot: split there into
        // timestamp and body, the MAC is the RFC's.
        let key = BankSecret::new(vec![0xaa; 131]).expect("secret");
        let timestamp =
            "This is a test using a larger than block-size key and a larger than block-size data";
        let body = b" The key needs to be hashed before being used by the HMAC algorithm.";
        assert_eq!(
            signature(&key, timestamp, body),
            "sha256=9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        );
    }

    #[test]
    fn a_wrong_secret_an_altered_body_or_time_and_a_malformed_signature_are_refused() {
        let now = time("2026-12-04T14:02:15+07:00");
        let (timestamp, signature) = sent(&body(), now);
        let other = BankSecret::new("mot-bi-mat-khac-cua-ke-gia-mao-0123456789").expect("secret");
        assert_eq!(
            verify(&other, Some(&timestamp), Some(&signature), &body(), now),
            Err(BankError::WrongSignature)
        );
        let altered = String::from_utf8(body())
            .expect("utf-8")
            .replace("150000", "1500000");
        assert_eq!(
            verify(
                &secret(),
                Some(&timestamp),
                Some(&signature),
                altered.as_bytes(),
                now
            ),
            Err(BankError::WrongSignature)
        );
        let moved = (now.timestamp() + 1).to_string();
        assert_eq!(
            verify(&secret(), Some(&moved), Some(&signature), &body(), now),
            Err(BankError::WrongSignature)
        );
        for bad in [
            signature.trim_start_matches("sha256=").to_owned(),
            format!("sha1={}", &signature[7..]),
            signature[..70].to_owned(),
            format!("{}g", &signature[..70]),
        ] {
            assert_eq!(
                verify(&secret(), Some(&timestamp), Some(&bad), &body(), now),
                Err(BankError::SignatureFormat),
                "{bad}"
            );
        }
        assert_eq!(
            verify(&secret(), None, Some(&signature), &body(), now),
            Err(BankError::MissingHeader(TIMESTAMP_HEADER))
        );
        assert_eq!(
            verify(&secret(), Some(&timestamp), None, &body(), now),
            Err(BankError::MissingHeader(SIGNATURE_HEADER))
        );
        for bad in ["", "-5", "1.7e9", "１２３", "1234567890123"] {
            assert_eq!(
                verify(&secret(), Some(bad), Some(&signature), &body(), now),
                Err(BankError::Timestamp(bad.into())),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_notification_signed_outside_the_window_is_refused_as_stale() {
        let signed = time("2026-12-04T14:00:00+07:00");
        let (timestamp, signature) = sent(&body(), signed);
        let check = |now: DateTime<FixedOffset>| {
            verify(&secret(), Some(&timestamp), Some(&signature), &body(), now)
        };
        let at = |secs: i64| signed + chrono::Duration::seconds(secs);
        assert_eq!(check(at(TOLERANCE_SECS)), Ok(()));
        assert_eq!(check(at(-TOLERANCE_SECS)), Ok(()));
        assert_eq!(
            check(at(TOLERANCE_SECS + 1)),
            Err(BankError::Stale {
                signed_at: signed.timestamp(),
                now: signed.timestamp() + TOLERANCE_SECS + 1
            })
        );
        assert!(matches!(
            check(at(-TOLERANCE_SECS - 1)),
            Err(BankError::Stale { .. })
        ));
        // A day-old notification with a fresh time does not verify.
        let fresh = at(86_400).timestamp().to_string();
        assert_eq!(
            verify(
                &secret(),
                Some(&fresh),
                Some(&signature),
                &body(),
                at(86_400)
            ),
            Err(BankError::WrongSignature)
        );
    }

    #[test]
    fn short_secrets_bad_ids_and_malformed_bodies_are_refused_and_secrets_never_print() {
        assert_eq!(
            BankSecret::new("ngan-qua").map(|_| ()),
            Err(BankError::ShortSecret(8))
        );
        assert_eq!(format!("{:?}", secret()), "BankSecret(43 bytes)");
        for bad in ["", "có dấu", "a b", &"x".repeat(MAX_TRANSACTION_ID + 1)] {
            assert!(bad.parse::<BankTransactionId>().is_err(), "{bad:?}");
        }
        let now = time("2026-12-04T14:02:15+07:00");
        let body = br#"{"transaction_id": "", "account": "1", "amount_vnd": 1, "purpose": "", "at": "2026-12-04T14:02:11+07:00"}"#;
        let (timestamp, signature) = sent(body, now);
        assert!(matches!(
            authenticate(&secret(), Some(&timestamp), Some(&signature), body, now),
            Err(BankError::Body(_))
        ));
    }

    #[test]
    fn the_dossier_code_is_found_however_the_bank_wrote_it() {
        let want: DossierCode = "HOSO.PRACTICE-261204-0001".parse().expect("code");
        for purpose in [
            "HOSO.PRACTICE-261204-0001",
            "HOSO.PRACTICE-261204-0001 nop phi",
            "hoso.practice-261204-0001 nop phi",
            "MBVCB.3278163721.HOSO.PRACTICE-261204-0001.CT tu 0011001932418 NGUYEN VAN A",
            "HOSO PRACTICE 261204 0001",
            "HOSO.PRACTICE - 261204 - 0001",
            "HOSOPRACTICE-261204-0001",
            "HOSOPRACTICE2612040001 NOP PHI",
            "IBFT HOSOPRACTICE2612040001",
            "Nộp phí hồ sơ HOSO.PRACTICE-261204-0001 cho Sở",
            "HOSO.PRACTICE_261204_0001",
            "HOSO.PRACTICE-261204-0001 2 LAN",
            "HOSO.PRACTICE-261204-0001 HOSO.PRACTICE-261204-0001",
            "HOSO.PRACTICE-261204-0001NOP PHI",
        ] {
            assert_eq!(
                dossier_code_in(purpose, "HOSO.PRACTICE").as_ref(),
                Some(&want),
                "{purpose}"
            );
        }
        assert_eq!(
            dossier_code_in("HOSO.PRACTICE-261204-10001", "HOSO.PRACTICE").map(String::from),
            Some("HOSO.PRACTICE-261204-10001".into())
        );
    }

    proptest::proptest! {
        #[test]
        fn a_code_is_found_whatever_case_and_separators_a_bank_gives_it(
            days in 0u64..3650,
            sequence in 1u32..1_000_000,
            seps in proptest::collection::vec(
                proptest::sample::select(vec!["", " ", ".", "-", " - ", "_", "/"]),
                3,
            ),
            lower in proptest::bool::ANY,
            before in "([A-Z0-9]{1,12}[ .:])?",
            after in "([ .,][A-Za-z0-9 ]{0,10})?",
        ) {
            let day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("day")
                + chrono::Days::new(days);
            let code = DossierCode::compose("HOSO.PRACTICE", day, sequence).expect("code");
            let [agency_sep, date_sep, sequence_sep] = [seps[0], seps[1], seps[2]];
            let written = format!(
                "{before}HOSO{agency_sep}PRACTICE{date_sep}{}{sequence_sep}{sequence:04}{after}",
                day.format("%y%m%d")
            );
            let written = if lower { written.to_lowercase() } else { written };
            proptest::prop_assert_eq!(
                dossier_code_in(&written, "HOSO.PRACTICE"),
                Some(code),
                "{}",
                written
            );
        }
    }

    #[test]
    fn no_code_or_two_codes_find_nothing() {
        for purpose in [
            "",
            "nop phi",
            "HOSO.PRACTICE-261304-0001",
            "HOSO.PRACTICE-261204-001",
            "HOSO.PRACTICE-26120-0001",
            "SO.TP-261204-0001",
            "HOSO.PRACTICE-261204-0001 HOSO.PRACTICE-261204-0002",
        ] {
            assert_eq!(dossier_code_in(purpose, "HOSO.PRACTICE"), None, "{purpose}");
        }
        assert_eq!(dossier_code_in("HOSO.PRACTICE-261204-0001", ".."), None);
    }
}
