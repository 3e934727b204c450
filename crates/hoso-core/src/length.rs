//! How long a text is, counted the way the receiving system counts it.
//!
//! Vietnamese can be typed precomposed ("ệ", one code point) or decomposed
//! ("e" + two combining marks, as some input methods produce). Both look the
//! same, so every count is taken after normalising to NFC. Surrounding
//! whitespace is removed before counting and before storing, so a trailing
//! space never pushes a value over its limit.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// The unit a receiving system uses for a field's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LengthUnit {
    /// Unicode code points after NFC: what a person counts as letters.
    Chars,
    /// UTF-16 code units: what an HTML form's `maxlength` counts.
    Utf16,
    /// UTF-8 bytes: what a byte-sized database column holds.
    Utf8Bytes,
}

impl LengthUnit {
    /// The unit's name for people, e.g. in "tối đa 2.000 ký tự".
    pub fn label(self) -> crate::Bilingual {
        match self {
            Self::Chars => crate::Bilingual::new("ký tự", "characters"),
            Self::Utf16 => crate::Bilingual::new("đơn vị UTF-16", "UTF-16 units"),
            Self::Utf8Bytes => crate::Bilingual::new("byte", "bytes"),
        }
    }
}

/// The form in which a value is stored and counted: NFC, without surrounding
/// whitespace.
pub fn normalize(text: &str) -> String {
    text.trim().nfc().collect()
}

/// The length of `text` in `unit`, after [`normalize`].
pub fn measure(text: &str, unit: LengthUnit) -> usize {
    let n = normalize(text);
    match unit {
        LengthUnit::Chars => n.chars().count(),
        LengthUnit::Utf16 => n.encode_utf16().count(),
        LengthUnit::Utf8Bytes => n.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposed_vietnamese_counts_the_same_as_precomposed() {
        let precomposed = "Nguyễn Thị Hồng";
        let decomposed: String = precomposed.nfd().collect();
        assert_ne!(precomposed.len(), decomposed.len());
        for unit in [LengthUnit::Chars, LengthUnit::Utf16, LengthUnit::Utf8Bytes] {
            assert_eq!(measure(precomposed, unit), measure(&decomposed, unit));
        }
        assert_eq!(measure(&decomposed, LengthUnit::Chars), 15);
    }

    #[test]
    fn units_differ_where_the_encodings_differ() {
        let s = "Hàng 😀";
        assert_eq!(measure(s, LengthUnit::Chars), 6);
        assert_eq!(measure(s, LengthUnit::Utf16), 7);
        assert_eq!(measure(s, LengthUnit::Utf8Bytes), 10);
    }

    #[test]
    fn surrounding_whitespace_is_not_counted() {
        assert_eq!(measure("  abc \n", LengthUnit::Chars), 3);
        assert_eq!(normalize("\tabc "), "abc");
    }
}
