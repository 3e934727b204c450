//! Vietnamese enterprise tax codes (mã số thuế): 10 digits, the last a check
//! digit, optionally followed by a 3-digit branch number (13 digits, often
//! written with a dash: `0100233488-001`).

use std::fmt;
use std::str::FromStr;

/// A tax code whose check digit holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxCode {
    digits: String,
}

/// Why a tax code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub enum TaxCodeError {
    /// Not 10 or 13 digits (a dash before the branch number is allowed).
    Shape,
    /// The tenth digit does not match the first nine.
    CheckDigit,
    /// Branch number 000 is not issued.
    Branch,
}

impl TaxCodeError {
    /// What is wrong, for people.
    pub fn message(self) -> crate::Bilingual {
        match self {
            Self::Shape => crate::Bilingual::new(
                "mã số thuế phải có 10 hoặc 13 chữ số",
                "a tax code has 10 or 13 digits",
            ),
            Self::CheckDigit => crate::Bilingual::new(
                "chữ số kiểm tra của mã số thuế không đúng, hãy soát lại từng chữ số",
                "the tax code's check digit is wrong, check each digit",
            ),
            Self::Branch => crate::Bilingual::new(
                "số chi nhánh 000 không hợp lệ",
                "branch number 000 is not valid",
            ),
        }
    }
}

const WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

impl FromStr for TaxCode {
    type Err = TaxCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if !s.is_ascii() {
            return Err(TaxCodeError::Shape);
        }
        let digits: String = match s.len() {
            10 => s.to_owned(),
            13 => s.to_owned(),
            14 if s.as_bytes()[10] == b'-' => format!("{}{}", &s[..10], &s[11..]),
            _ => return Err(TaxCodeError::Shape),
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TaxCodeError::Shape);
        }
        let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let sum: u32 = WEIGHTS.iter().zip(&d).map(|(w, x)| w * x).sum();
        let rem = sum % 11;
        if rem == 0 || 10 - rem != d[9] {
            return Err(TaxCodeError::CheckDigit);
        }
        if d.len() == 13 && d[10..] == [0, 0, 0] {
            return Err(TaxCodeError::Branch);
        }
        Ok(Self { digits })
    }
}

impl fmt::Display for TaxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.digits.len() == 13 {
            write!(f, "{}-{}", &self.digits[..10], &self.digits[10..])
        } else {
            f.write_str(&self.digits)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_tax_codes_pass_their_check_digit() {
        for code in ["0100233488", "0314409058", "0100112437"] {
            assert!(code.parse::<TaxCode>().is_ok(), "{code}");
        }
        let branch: TaxCode = "0100233488-001".parse().expect("valid branch code");
        assert_eq!(branch.to_string(), "0100233488-001");
        assert!("0100233488001".parse::<TaxCode>().is_ok());
    }

    #[test]
    fn a_changed_digit_or_a_bad_shape_is_refused() {
        assert_eq!(
            "0100233489".parse::<TaxCode>(),
            Err(TaxCodeError::CheckDigit)
        );
        assert_eq!("010023348".parse::<TaxCode>(), Err(TaxCodeError::Shape));
        assert_eq!("01002334a8".parse::<TaxCode>(), Err(TaxCodeError::Shape));
        assert_eq!("010023ễ-001".parse::<TaxCode>(), Err(TaxCodeError::Shape));
        assert_eq!(
            "0100233488-000".parse::<TaxCode>(),
            Err(TaxCodeError::Branch)
        );
    }
}
