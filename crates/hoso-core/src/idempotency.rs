//! Idempotency keys (IETF httpapi `Idempotency-Key`): the value is an HTTP
//! structured-field string, e.g. `Idempotency-Key: "8e03978e-40d5-43e8"`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A key that names one submission attempt, however many times it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdempotencyKey(String);

/// Why a header value is not a usable key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not a quoted structured-field string.
    #[error(
        "Idempotency-Key phải là chuỗi trong dấu ngoặc kép / Idempotency-Key must be a quoted string"
    )]
    NotAString,
    /// Empty, too long, or has characters outside printable ASCII.
    #[error(
        "Idempotency-Key dài 1-255 ký tự ASCII in được / Idempotency-Key must be 1-255 printable ASCII characters"
    )]
    BadValue,
}

impl IdempotencyKey {
    /// A key from 16 random bytes supplied by the caller (this crate has no
    /// randomness of its own), written as 32 hex digits.
    pub fn from_random(bytes: [u8; 16]) -> Self {
        Self(crate::hash::to_hex(&bytes))
    }

    /// Parses the header value: a structured-field string.
    pub fn from_header(value: &str) -> Result<Self, KeyError> {
        let inner = value
            .trim()
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or(KeyError::NotAString)?;
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(e @ ('"' | '\\')) => out.push(e),
                    _ => return Err(KeyError::NotAString),
                },
                '"' => return Err(KeyError::NotAString),
                _ => out.push(c),
            }
        }
        Self::try_from(out)
    }

    /// The header value: the key quoted as a structured-field string.
    pub fn to_header(&self) -> String {
        let escaped = self.0.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{escaped}\"")
    }

    /// The key itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for IdempotencyKey {
    type Error = KeyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let printable = s.bytes().all(|b| (0x20..=0x7e).contains(&b));
        if s.is_empty() || s.len() > 255 || !printable {
            return Err(KeyError::BadValue);
        }
        Ok(Self(s))
    }
}

impl From<IdempotencyKey> for String {
    fn from(k: IdempotencyKey) -> Self {
        k.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_the_header_form() {
        let k = IdempotencyKey::from_random([7; 16]);
        assert_eq!(k.as_str().len(), 32);
        assert_eq!(IdempotencyKey::from_header(&k.to_header()), Ok(k));
        let odd = IdempotencyKey::try_from(r#"a"b\c"#.to_owned()).expect("printable");
        assert_eq!(odd.to_header(), r#""a\"b\\c""#);
        assert_eq!(IdempotencyKey::from_header(&odd.to_header()), Ok(odd));
    }

    #[test]
    fn unquoted_empty_or_non_ascii_values_are_refused() {
        assert_eq!(
            IdempotencyKey::from_header("abc"),
            Err(KeyError::NotAString)
        );
        assert_eq!(
            IdempotencyKey::from_header(r#""a"b""#),
            Err(KeyError::NotAString)
        );
        assert_eq!(
            IdempotencyKey::from_header(r#""a\x""#),
            Err(KeyError::NotAString)
        );
        assert_eq!(
            IdempotencyKey::from_header(r#""""#),
            Err(KeyError::BadValue)
        );
        assert_eq!(
            IdempotencyKey::from_header("\"khóa\""),
            Err(KeyError::BadValue)
        );
        let long = format!("\"{}\"", "a".repeat(256));
        assert_eq!(IdempotencyKey::from_header(&long), Err(KeyError::BadValue));
    }
}
