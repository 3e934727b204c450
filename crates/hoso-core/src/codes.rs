//! Identifiers that name procedures and dossiers. They are parsed once at the
//! edge, so code holding one never checks it again.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// The text is not a procedure code.
    #[error("mã thủ tục không hợp lệ / invalid procedure code: {0:?}")]
    Procedure(String),
    /// The text is not a dossier code.
    #[error("mã hồ sơ không hợp lệ / invalid dossier code: {0:?}")]
    Dossier(String),
}

/// A procedure's stable code, e.g. `kiem-tra-cl-nhap-khau`: 3 to 64 lower-case
/// ASCII letters, digits, dots and dashes, so it is safe in URLs and file names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProcedureCode(String);

impl ProcedureCode {
    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ProcedureCode {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = (3..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
            && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(CodeError::Procedure(s.to_owned()))
        }
    }
}

impl TryFrom<String> for ProcedureCode {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<ProcedureCode> for String {
    fn from(c: ProcedureCode) -> Self {
        c.0
    }
}

impl fmt::Display for ProcedureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The code a portal gives a dossier when it receives it, printed on the
/// receipt: `{agency}-{yymmdd}-{sequence}`, e.g. `HOSO.PRACTICE-261123-0001`.
/// Upper-case ASCII letters, digits, dots and dashes, 8 to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DossierCode(String);

impl DossierCode {
    /// Builds the code for the `sequence`-th dossier an agency received on a day.
    pub fn compose(
        agency: &str,
        date: chrono::NaiveDate,
        sequence: u32,
    ) -> Result<Self, CodeError> {
        format!("{agency}-{}-{sequence:04}", date.format("%y%m%d")).parse()
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for DossierCode {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = (8..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(CodeError::Dossier(s.to_owned()))
        }
    }
}

impl TryFrom<String> for DossierCode {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<DossierCode> for String {
    fn from(c: DossierCode) -> Self {
        c.0
    }
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn procedure_codes_accept_slugs_and_refuse_anything_unsafe_in_a_path() {
        assert!("kiem-tra-cl-nhap-khau".parse::<ProcedureCode>().is_ok());
        assert!("1.001193".parse::<ProcedureCode>().is_ok());
        for bad in ["", "ab", "../etc", "Kiem", "-lead", "a b c", "mã-thủ-tục"] {
            assert!(bad.parse::<ProcedureCode>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn dossier_codes_compose_from_agency_date_and_sequence() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date");
        let code = DossierCode::compose("HOSO.PRACTICE", day, 7).expect("valid code");
        assert_eq!(code.as_str(), "HOSO.PRACTICE-261123-0007");
        assert!(DossierCode::compose("bad agency", day, 1).is_err());
    }
}
