//! VietQR payment requests: the text of the QR code a person scans with
//! any Vietnamese banking app to pay a fee, built from the agency's account
//! and the dossier's code so that nobody types either.
//!
//! VietQR is NAPAS's profile of EMVCo merchant-presented QR: a string of
//! ID-length-value objects (two-digit ID, two-digit length, value), in
//! this order:
//!
//! | ID | holds |
//! | --- | --- |
//! | 00 | payload format, `01` |
//! | 01 | point of initiation: `11` static (no amount), `12` one payment with an amount |
//! | 38 | merchant account: 00 the NAPAS GUID `A000000727`; 01 the beneficiary (00 the bank's 6-digit BIN, 01 the account or card number); 02 the service, `QRIBFTTA` to an account or `QRIBFTTC` to a card |
//! | 53 | currency, `704` (đồng) |
//! | 54 | amount, whole đồng, at most 13 characters (only with `12`) |
//! | 58 | country, `VN` |
//! | 62 | additional data: 08 the purpose of the transfer |
//! | 63 | CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF) of everything before it including `6304`, four upper-case hex digits |
//!
//! [`VietQr::parse`] is as strict as [`VietQr::payload`] is careful: a
//! payload it accepts is one this module could have built, apart from
//! other EMVCo objects (merchant name, city, reference…) that it skips and
//! a lower-case CRC that it reads.

use crate::DossierCode;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// NAPAS's globally unique identifier, which marks a merchant account
/// object as VietQR.
pub const NAPAS_GUID: &str = "A000000727";

/// The largest amount field 54 holds: 13 digits of whole đồng.
pub const MAX_AMOUNT: u64 = 9_999_999_999_999;

/// The longest purpose of transfer that bank apps show and carry whole.
pub const MAX_PURPOSE: usize = 25;

/// The longest account or card number NAPAS takes.
pub const MAX_ACCOUNT: usize = 19;

/// Why a payment request could not be built or a payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VietQrError {
    /// The bank's BIN is not 6 digits.
    #[error("mã BIN ngân hàng phải gồm đúng 6 chữ số / a bank BIN is exactly 6 digits: {0:?}")]
    Bin(String),
    /// No account number.
    #[error("thiếu số tài khoản nhận / the receiving account number is empty")]
    AccountEmpty,
    /// An account number longer than NAPAS takes.
    #[error(
        "số tài khoản dài {0} ký tự, tối đa {MAX_ACCOUNT} / the account number has {0} characters, at most {MAX_ACCOUNT}"
    )]
    AccountTooLong(usize),
    /// An account number with something other than digits.
    #[error("số tài khoản chỉ gồm chữ số / an account number is digits only: {0:?}")]
    AccountNotDigits(String),
    /// An amount of nothing: a request without an amount is a static code.
    #[error("số tiền phải lớn hơn 0 / the amount must be above 0")]
    AmountZero,
    /// An amount that does not fit field 54.
    #[error(
        "số tiền {0} đồng vượt quá 13 chữ số của mã QR / {0} VND does not fit the QR code's 13 digits"
    )]
    AmountTooLarge(u64),
    /// Nothing of the purpose is left once unreadable characters are gone.
    #[error(
        "nội dung chuyển khoản trống sau khi bỏ các ký tự ngân hàng không đọc được / the purpose is empty once characters bank apps cannot read are removed"
    )]
    PurposeEmpty,
    /// A purpose longer than bank apps carry whole.
    #[error(
        "nội dung chuyển khoản “{text}” dài {} ký tự, tối đa {MAX_PURPOSE} / the purpose “{text}” has {} characters, at most {MAX_PURPOSE}",
        .text.len(), .text.len()
    )]
    PurposeTooLong {
        /// The purpose as it would have been sent.
        text: String,
    },
    /// A dossier code that cannot be carried whole in the purpose.
    #[error(
        "mã hồ sơ {0} dài hơn {MAX_PURPOSE} ký tự, không ghi trọn được vào nội dung chuyển khoản / dossier code {0} is longer than {MAX_PURPOSE} characters and cannot be carried whole in the purpose"
    )]
    DossierCodeTooLong(String),
    /// A payload with characters outside ASCII.
    #[error("mã VietQR chỉ gồm ký tự ASCII / a VietQR payload is ASCII only")]
    NotAscii,
    /// An object whose header or value runs past the end of its text.
    #[error(
        "mã VietQR bị cắt cụt ở ký tự {at} / the VietQR payload is cut short at character {at}"
    )]
    Truncated {
        /// Offset (from 0) of the object that does not fit.
        at: usize,
    },
    /// An object whose ID or length is not two digits.
    #[error(
        "mã hoặc độ dài trường ở ký tự {at} không phải hai chữ số / the ID or length at character {at} is not two digits"
    )]
    BadHeader {
        /// Offset (from 0) of the object.
        at: usize,
    },
    /// The same object twice in one template.
    #[error("trường {0} xuất hiện hai lần / field {0} appears twice")]
    Duplicate(String),
    /// A required object is absent (its path, such as `38.01.00`).
    #[error("thiếu trường {0} / field {0} is missing")]
    Missing(&'static str),
    /// The last object is not a four-character CRC (`6304…`).
    #[error(
        "mã VietQR phải kết thúc bằng trường CRC 63 gồm 4 chữ số hex / a VietQR payload ends with CRC field 63 of 4 hex digits"
    )]
    CrcField,
    /// The CRC does not match: the payload was altered or mistyped.
    #[error(
        "mã kiểm tra CRC là {found}, đúng ra phải là {expected}: mã QR đã bị sửa hoặc đọc sai / the CRC is {found} where {expected} was due: the payload was altered or misread"
    )]
    Crc {
        /// The CRC computed over the payload, upper-case hex.
        expected: String,
        /// The CRC the payload carries.
        found: String,
    },
    /// Field 38 is another scheme's merchant account.
    #[error(
        "không phải mã VietQR của NAPAS: GUID {0:?} thay vì {NAPAS_GUID} / not a NAPAS VietQR: GUID {0:?} instead of {NAPAS_GUID}"
    )]
    Guid(String),
    /// Payload format other than `01`.
    #[error("định dạng mã {0:?} không phải 01 / payload format {0:?} is not 01")]
    PayloadFormat(String),
    /// Point of initiation other than `11` or `12`.
    #[error(
        "phương thức khởi tạo {0:?} không phải 11 hoặc 12 / point of initiation {0:?} is neither 11 nor 12"
    )]
    Initiation(String),
    /// `12` without an amount, or `11` with one.
    #[error(
        "mã tĩnh (11) không ghi số tiền, mã một lần (12) phải ghi số tiền / a static code (11) carries no amount and a one-payment code (12) carries one"
    )]
    InitiationAmount,
    /// A currency other than the đồng.
    #[error("đơn vị tiền {0:?} không phải 704 (đồng) / currency {0:?} is not 704 (VND)")]
    Currency(String),
    /// A country other than Viet Nam.
    #[error("mã quốc gia {0:?} không phải VN / country {0:?} is not VN")]
    Country(String),
    /// A service other than transfer to an account or a card.
    #[error(
        "mã dịch vụ {0:?} không phải QRIBFTTA hoặc QRIBFTTC / service {0:?} is neither QRIBFTTA nor QRIBFTTC"
    )]
    Service(String),
    /// An amount that is not whole đồng in plain digits.
    #[error(
        "số tiền {0:?} phải là số đồng, chỉ gồm chữ số, không bắt đầu bằng 0 / amount {0:?} must be whole đồng in digits without a leading 0"
    )]
    AmountText(String),
    /// A purpose with characters bank apps do not read, or too long.
    #[error(
        "nội dung chuyển khoản {0:?} có ký tự ngân hàng không đọc được hoặc dài quá {MAX_PURPOSE} ký tự / purpose {0:?} has characters bank apps cannot read or exceeds {MAX_PURPOSE} characters"
    )]
    PurposeText(String),
}

/// A bank's 6-digit BIN (the acquirer or beneficiary bank identifier
/// NAPAS assigns, e.g. `970415`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Bin(String);

impl Bin {
    /// The six digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Bin {
    type Err = VietQrError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(VietQrError::Bin(s.to_owned()))
        }
    }
}

/// An account (or card) number at a bank: 1 to 19 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Account(String);

impl Account {
    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Account {
    type Err = VietQrError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            Err(VietQrError::AccountEmpty)
        } else if !s.bytes().all(|b| b.is_ascii_digit()) {
            Err(VietQrError::AccountNotDigits(s.to_owned()))
        } else if s.len() > MAX_ACCOUNT {
            Err(VietQrError::AccountTooLong(s.len()))
        } else {
            Ok(Self(s.to_owned()))
        }
    }
}

macro_rules! text_newtype {
    ($t:ty) => {
        impl TryFrom<String> for $t {
            type Error = VietQrError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl From<$t> for String {
            fn from(v: $t) -> Self {
                v.0
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_newtype!(Bin);
text_newtype!(Account);

/// What the account number names: an account or a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// Transfer to an account (`QRIBFTTA`).
    #[default]
    Account,
    /// Transfer to a card (`QRIBFTTC`).
    Card,
}

impl Service {
    /// The service code in field 38.02.
    pub fn code(self) -> &'static str {
        match self {
            Self::Account => "QRIBFTTA",
            Self::Card => "QRIBFTTC",
        }
    }

    fn from_code(code: &str) -> Result<Self, VietQrError> {
        match code {
            "QRIBFTTA" => Ok(Self::Account),
            "QRIBFTTC" => Ok(Self::Card),
            other => Err(VietQrError::Service(other.to_owned())),
        }
    }
}

/// An amount a payment request asks for: whole đồng, 1 to [`MAX_AMOUNT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(u64);

impl Amount {
    /// `vnd` as an amount field 54 can carry.
    pub fn new(vnd: u64) -> Result<Self, VietQrError> {
        match vnd {
            0 => Err(VietQrError::AmountZero),
            v if v > MAX_AMOUNT => Err(VietQrError::AmountTooLarge(v)),
            v => Ok(Self(v)),
        }
    }

    /// The amount in đồng.
    pub fn vnd(self) -> u64 {
        self.0
    }
}

impl TryFrom<u64> for Amount {
    type Error = VietQrError;
    fn try_from(vnd: u64) -> Result<Self, Self::Error> {
        Self::new(vnd)
    }
}

/// The purpose of a transfer as bank apps read it: ASCII letters, digits,
/// spaces, dots and dashes, single spaces, 1 to [`MAX_PURPOSE`]
/// characters. Diacritics are removed and đ becomes d, because many apps
/// drop or garble marked letters; the dot and dash stay so that a dossier
/// code arrives whole.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Purpose(String);

impl Purpose {
    /// `text` made safe for bank apps (see the type), refused when nothing
    /// is left or more than [`MAX_PURPOSE`] characters are.
    pub fn new(text: &str) -> Result<Self, VietQrError> {
        let clean = readable(text);
        if clean.is_empty() {
            Err(VietQrError::PurposeEmpty)
        } else if clean.len() > MAX_PURPOSE {
            Err(VietQrError::PurposeTooLong { text: clean })
        } else {
            Ok(Self(clean))
        }
    }

    /// The dossier code, whole and first, then as many whole words of
    /// `text` (made safe) as fit in [`MAX_PURPOSE`] characters, so that
    /// the transfer can be matched to its dossier whatever the app keeps.
    /// Refused only when the code itself is longer than the purpose takes.
    pub fn for_dossier(code: &DossierCode, text: &str) -> Result<Self, VietQrError> {
        let code = code.as_str();
        if code.len() > MAX_PURPOSE {
            return Err(VietQrError::DossierCodeTooLong(code.to_owned()));
        }
        // A dossier code is upper-case ASCII letters, digits, dots and
        // dashes: readable as it is.
        let mut out = code.to_owned();
        for word in readable(text).split(' ').filter(|w| !w.is_empty()) {
            if out.len() + 1 + word.len() > MAX_PURPOSE {
                break;
            }
            out.push(' ');
            out.push_str(word);
        }
        Ok(Self(out))
    }

    /// The purpose as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A purpose read from a payload: accepted only as this type would
    /// have written it.
    fn read(text: &str) -> Result<Self, VietQrError> {
        match Self::new(text) {
            Ok(p) if p.0 == text => Ok(p),
            _ => Err(VietQrError::PurposeText(text.to_owned())),
        }
    }
}

/// `text` without diacritics (đ → d), with every run of characters other
/// than ASCII letters, digits, `.` and `-` made one space, trimmed.
fn readable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        let c = match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        };
        if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

/// Who receives fee payments: the agency's bank and account, kept in its
/// settings so that nobody types them for a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payee {
    /// The bank's BIN.
    pub bin: Bin,
    /// The account (or card) number.
    pub account: Account,
    /// Whether `account` is an account or a card (default: an account).
    #[serde(default)]
    pub service: Service,
}

impl Payee {
    /// A request to pay `vnd` to this payee with `purpose` (see
    /// [`Purpose::for_dossier`]); refused when the amount is zero or does
    /// not fit field 54.
    pub fn request(&self, vnd: u64, purpose: Purpose) -> Result<VietQr, VietQrError> {
        Ok(VietQr {
            bin: self.bin.clone(),
            account: self.account.clone(),
            service: self.service,
            amount: Some(Amount::new(vnd)?),
            purpose: Some(purpose),
        })
    }
}

/// A VietQR payment request: to whom, how much (absent: a static code
/// where the payer types the amount) and why. Every field is valid by its
/// type, so [`VietQr::payload`] cannot fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VietQr {
    /// The beneficiary's bank.
    pub bin: Bin,
    /// The beneficiary's account or card number.
    pub account: Account,
    /// Whether `account` is an account or a card.
    pub service: Service,
    /// The amount asked for; with it the code is for one payment (`12`).
    pub amount: Option<Amount>,
    /// The purpose of the transfer.
    pub purpose: Option<Purpose>,
}

impl VietQr {
    /// The text to encode in the QR code, objects in the order of the
    /// module documentation, ending with its CRC in upper-case hex.
    pub fn payload(&self) -> String {
        let mut beneficiary = String::new();
        tlv(&mut beneficiary, "00", self.bin.as_str());
        tlv(&mut beneficiary, "01", self.account.as_str());
        let mut merchant = String::new();
        tlv(&mut merchant, "00", NAPAS_GUID);
        tlv(&mut merchant, "01", &beneficiary);
        tlv(&mut merchant, "02", self.service.code());

        let mut out = String::with_capacity(160);
        tlv(&mut out, "00", "01");
        tlv(
            &mut out,
            "01",
            if self.amount.is_some() { "12" } else { "11" },
        );
        tlv(&mut out, "38", &merchant);
        tlv(&mut out, "53", "704");
        if let Some(amount) = self.amount {
            tlv(&mut out, "54", &amount.vnd().to_string());
        }
        tlv(&mut out, "58", "VN");
        if let Some(purpose) = &self.purpose {
            let mut additional = String::new();
            tlv(&mut additional, "08", purpose.as_str());
            tlv(&mut out, "62", &additional);
        }
        out.push_str("6304");
        let crc = crc16(out.as_bytes());
        out.push_str(&format!("{crc:04X}"));
        out
    }

    /// Reads and checks a payload: its structure, its CRC, and every
    /// object of the module documentation with the rules the builder
    /// keeps. Objects it does not use are skipped.
    pub fn parse(payload: &str) -> Result<Self, VietQrError> {
        if !payload.is_ascii() {
            return Err(VietQrError::NotAscii);
        }
        let root = objects(payload, 0)?;
        // The CRC object is last, four characters, over all before it.
        match root.last() {
            Some(last) if last.tag == "63" && last.value.len() == 4 => {
                if !last.value.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(VietQrError::CrcField);
                }
                let expected = format!("{:04X}", crc16(&payload.as_bytes()[..last.at + 4]));
                if !last.value.eq_ignore_ascii_case(&expected) {
                    return Err(VietQrError::Crc {
                        expected,
                        found: last.value.to_owned(),
                    });
                }
            }
            _ => return Err(VietQrError::CrcField),
        }
        if root.iter().filter(|o| o.tag == "63").count() > 1 {
            return Err(VietQrError::Duplicate("63".into()));
        }
        match root.first() {
            Some(first) if first.tag == "00" => {}
            _ => return Err(VietQrError::Missing("00")),
        }
        let root = Objects::new(root)?;
        let format = root.need("00", "00")?.value;
        if format != "01" {
            return Err(VietQrError::PayloadFormat(format.to_owned()));
        }
        let one_payment = match root.need("01", "01")?.value {
            "11" => false,
            "12" => true,
            other => return Err(VietQrError::Initiation(other.to_owned())),
        };

        let merchant = root.need("38", "38")?.inner()?;
        let guid = merchant.need("00", "38.00")?.value;
        if guid != NAPAS_GUID {
            return Err(VietQrError::Guid(guid.to_owned()));
        }
        let beneficiary = merchant.need("01", "38.01")?.inner()?;
        let bin: Bin = beneficiary.need("00", "38.01.00")?.value.parse()?;
        let account: Account = beneficiary.need("01", "38.01.01")?.value.parse()?;
        let service = Service::from_code(merchant.need("02", "38.02")?.value)?;

        let currency = root.need("53", "53")?.value;
        if currency != "704" {
            return Err(VietQrError::Currency(currency.to_owned()));
        }
        let amount = root.get("54").map(|o| read_amount(o.value)).transpose()?;
        if amount.is_some() != one_payment {
            return Err(VietQrError::InitiationAmount);
        }
        let country = root.need("58", "58")?.value;
        if country != "VN" {
            return Err(VietQrError::Country(country.to_owned()));
        }
        let purpose = match root.get("62") {
            Some(additional) => additional
                .inner()?
                .get("08")
                .map(|o| Purpose::read(o.value))
                .transpose()?,
            None => None,
        };
        Ok(Self {
            bin,
            account,
            service,
            amount,
            purpose,
        })
    }
}

impl FromStr for VietQr {
    type Err = VietQrError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for VietQr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.payload())
    }
}

/// CRC-16/CCITT-FALSE of `data`: polynomial 0x1021, initial value 0xFFFF,
/// no reflection, no final XOR (the check value of `123456789` is 0x29B1).
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// Appends one object. Every value written here is at most 99 characters
/// by the bounds of the types it comes from (the merchant account, the
/// largest, is at most 63).
fn tlv(out: &mut String, tag: &str, value: &str) {
    debug_assert!(value.len() <= 99, "{tag}: {value}");
    out.push_str(tag);
    out.push_str(&format!("{:02}", value.len()));
    out.push_str(value);
}

/// One object of a template: its ID, its value and the offset of its ID
/// in the whole payload.
#[derive(Debug, Clone, Copy)]
struct Object<'a> {
    tag: &'a str,
    value: &'a str,
    at: usize,
}

/// The objects of `text` (ASCII), which starts at offset `base` of the
/// payload, in order.
fn objects(text: &str, base: usize) -> Result<Vec<Object<'_>>, VietQrError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let at = base + i;
        let header = text.get(i..i + 4).ok_or(VietQrError::Truncated { at })?;
        if !header.bytes().all(|b| b.is_ascii_digit()) {
            return Err(VietQrError::BadHeader { at });
        }
        let len: usize = header[2..]
            .parse()
            .map_err(|_| VietQrError::BadHeader { at })?;
        let value = text
            .get(i + 4..i + 4 + len)
            .ok_or(VietQrError::Truncated { at })?;
        out.push(Object {
            tag: &header[..2],
            value,
            at,
        });
        i += 4 + len;
    }
    Ok(out)
}

impl<'a> Object<'a> {
    /// The objects of this object's value, a template.
    fn inner(self) -> Result<Objects<'a>, VietQrError> {
        Objects::new(objects(self.value, self.at + 4)?)
    }
}

/// The objects of one template, each ID at most once.
struct Objects<'a>(Vec<Object<'a>>);

impl<'a> Objects<'a> {
    fn new(list: Vec<Object<'a>>) -> Result<Self, VietQrError> {
        for (i, o) in list.iter().enumerate() {
            if list[..i].iter().any(|p| p.tag == o.tag) {
                return Err(VietQrError::Duplicate(o.tag.to_owned()));
            }
        }
        Ok(Self(list))
    }

    fn get(&self, tag: &str) -> Option<Object<'a>> {
        self.0.iter().find(|o| o.tag == tag).copied()
    }

    fn need(&self, tag: &str, path: &'static str) -> Result<Object<'a>, VietQrError> {
        self.get(tag).ok_or(VietQrError::Missing(path))
    }
}

/// Field 54 as whole đồng: digits, no leading zero.
fn read_amount(text: &str) -> Result<Amount, VietQrError> {
    let bad = || VietQrError::AmountText(text.to_owned());
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return Err(bad());
    }
    Amount::new(text.parse().map_err(|_| bad())?)
}

#[cfg(test)]
mod tests;
