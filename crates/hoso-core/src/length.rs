//! How long a text is, counted the way the receiving system counts it.
//!
//! Vietnamese can be typed precomposed ("ệ", one code point) or decomposed
//! ("e" + two combining marks, as some input methods produce). Both look the
//! same, so every count is taken after normalising to NFC.
//!
//! What a person cannot see is not counted and not stored: surrounding
//! whitespace (so a trailing space never pushes a value over its limit),
//! zero-width and bidirectional-control characters, soft hyphens and byte
//! order marks that pasting from word processors and PDFs brings along.
//! No-break and figure spaces and tabs become ordinary spaces, line ends
//! become `\n`, and other control characters are dropped.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
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

/// The form in which a value is stored and counted: NFC, invisible
/// characters removed, spaces and line ends made plain, without surrounding
/// whitespace.
pub fn normalize(text: &str) -> String {
    normalize_cow(text).into_owned()
}

/// [`normalize`] without a copy when `text` is already normal.
pub fn normalize_cow(text: &str) -> Cow<'_, str> {
    if is_normal(text) {
        return Cow::Borrowed(text);
    }
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    plain.push('\n');
                }
            }
            '\n' => plain.push('\n'),
            '\t' | '\u{a0}' | '\u{2007}' | '\u{202f}' => plain.push(' '),
            c if is_invisible(c) || c.is_control() => {}
            c => plain.push(c),
        }
    }
    Cow::Owned(plain.trim().nfc().collect())
}

/// Whether `text` is already in the form [`normalize`] gives, checked
/// without allocating: the common case of text typed or stored by HoSo.
fn is_normal(text: &str) -> bool {
    use unicode_normalization::{IsNormalized, is_nfc_quick};
    let trimmed = text.trim().len() == text.len();
    if text
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) || b == b'\n')
    {
        return trimmed;
    }
    let plain = text.chars().all(|c| {
        !matches!(c, '\r' | '\t' | '\u{a0}' | '\u{2007}' | '\u{202f}')
            && !is_invisible(c)
            && (c == '\n' || !c.is_control())
    });
    plain && trimmed && is_nfc_quick(text.chars()) == IsNormalized::Yes
}

/// Characters that take no room on screen: soft hyphen, combining grapheme
/// joiner, Arabic letter mark, Mongolian vowel separator, zero-width space,
/// non-joiner and joiner, direction marks, embeddings, overrides and
/// isolates, word joiner and invisible operators, byte order mark and the
/// interlinear annotation marks.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}')
}

/// The length of `text` in `unit`, after [`normalize`].
pub fn measure(text: &str, unit: LengthUnit) -> usize {
    count(&normalize(text), unit)
}

/// The length in `unit` of text that is already normalised.
pub fn count(normalized: &str, unit: LengthUnit) -> usize {
    match unit {
        LengthUnit::Chars => normalized.chars().count(),
        LengthUnit::Utf16 => normalized.encode_utf16().count(),
        LengthUnit::Utf8Bytes => normalized.len(),
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
    fn invisible_characters_and_odd_spaces_are_handled_on_purpose() {
        let pasted = "\u{feff}Công\u{a0}ty\u{200b} TNHH\u{ad}\r\nHà\u{202e} Nội\u{0}\t";
        assert_eq!(normalize(pasted), "Công ty TNHH\nHà Nội");
        assert_eq!(measure(pasted, LengthUnit::Chars), 19);
        assert_eq!(normalize("a\rb"), "a\nb");
        assert_eq!(normalize("\u{200b}\u{2060}"), "");
    }

    #[test]
    fn surrounding_whitespace_is_not_counted() {
        assert_eq!(measure("  abc \n", LengthUnit::Chars), 3);
        assert_eq!(normalize("\tabc "), "abc");
    }
}
