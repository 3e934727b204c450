//! How long a text is, counted the way the receiving system counts it.
//!
//! Vietnamese can be typed precomposed ("ệ", one code point) or decomposed
//! ("e" + two combining marks, as some input methods produce). Both look the
//! same, so every count is taken after normalising to NFC.
//!
//! Normalising never changes what a value means: surrounding whitespace and
//! invisible characters at either end go (so a trailing space never pushes
//! a value over its limit), no-break and figure spaces and tabs become
//! ordinary spaces, line ends become `\n`. An invisible or control
//! character inside a value (a zero-width space, a direction mark, a soft
//! hyphen that pasting from word processors and PDFs brings along) is kept:
//! removing it could join two words of a company's legal name. The check
//! reports it with where it is ([`find_hidden`]), and the person chooses
//! the fix ([`without_hidden`]).

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

/// The form in which a value is stored and counted: NFC, spaces and line
/// ends made plain, without surrounding whitespace or invisible characters
/// at either end. Invisible and control characters inside are kept (see
/// the module documentation).
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
            '\t' | '\u{a0}' | '\u{2007}' | '\u{202f}' => plain.push(' '),
            c => plain.push(c),
        }
    }
    Cow::Owned(plain.trim_matches(at_edge).nfc().collect())
}

/// What goes from either end of a value.
fn at_edge(c: char) -> bool {
    c.is_whitespace() || is_hidden(c)
}

/// Whether `text` is already in the form [`normalize`] gives, checked
/// without allocating: the common case of text typed or stored by HoSo.
fn is_normal(text: &str) -> bool {
    use unicode_normalization::{IsNormalized, is_nfc_quick};
    let trimmed = text.trim_matches(at_edge).len() == text.len();
    if text
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) || b == b'\n')
    {
        return trimmed;
    }
    let plain = text
        .chars()
        .all(|c| !matches!(c, '\r' | '\t' | '\u{a0}' | '\u{2007}' | '\u{202f}'));
    plain && trimmed && is_nfc_quick(text.chars()) == IsNormalized::Yes
}

/// A character a person cannot see: an invisible one ([`is_invisible`]) or
/// a control character other than a line end.
pub fn is_hidden(c: char) -> bool {
    is_invisible(c) || (c.is_control() && c != '\n')
}

/// A hidden character inside a value, for the check to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hidden {
    /// The character.
    pub character: char,
    /// Its position in the value, counted in characters from 1.
    pub position: usize,
    /// The visible text just before it (up to 12 characters).
    pub before: String,
    /// The visible text just after it (up to 12 characters).
    pub after: String,
    /// How many hidden characters the value holds in all.
    pub count: usize,
}

impl Hidden {
    /// `U+200B`.
    pub fn code_point(&self) -> String {
        format!("U+{:04X}", u32::from(self.character))
    }
}

/// The first hidden character inside `text` (normalised), if any.
pub fn find_hidden(text: &str) -> Option<Hidden> {
    // Every value is checked, nearly none holds one: look before copying.
    if !may_hold_hidden(text) || !text.chars().any(is_hidden) {
        return None;
    }
    let chars: Vec<char> = text.chars().collect();
    let at = chars.iter().position(|c| is_hidden(*c))?;
    let visible = |range: &[char]| -> String { range.iter().filter(|c| !is_hidden(**c)).collect() };
    let before = visible(&chars[at.saturating_sub(12)..at]);
    let after = visible(&chars[at + 1..(at + 13).min(chars.len())]);
    Some(Hidden {
        character: chars[at],
        position: at + 1,
        before,
        after,
        count: chars.iter().filter(|c| is_hidden(**c)).count(),
    })
}

/// Whether `text` may hold a hidden character, read from its UTF-8 bytes
/// alone: false only when none of the byte sequences that begin one is
/// there (a control byte other than a line end, or the lead bytes of the
/// characters [`is_invisible`] lists, with their second byte where the lead
/// byte is common in Vietnamese or in punctuation).
fn may_hold_hidden(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        let next = bytes.get(i + 1).copied();
        match b {
            0x00..=0x1f => b != b'\n',
            // DEL; U+0080–U+00BF (C1 controls, soft hyphen); U+0340–U+037F;
            // U+0600–U+063F.
            0x7f | 0xc2 | 0xcd | 0xd8 => true,
            // U+1800–U+183F (not the U+1Exx of Vietnamese letters).
            0xe1 => next == Some(0xa0),
            // U+2000–U+207F (not the other punctuation of U+2xxx).
            0xe2 => matches!(next, Some(0x80 | 0x81)),
            // U+FEC0–U+FEFF and U+FFC0–U+FFFF.
            0xef => matches!(next, Some(0xbb | 0xbf)),
            _ => false,
        }
    })
}

/// The fix offered for hidden characters: a zero-width space (which marks
/// a break between words) becomes a space unless one is already there;
/// every other hidden character goes. `None` when there is none.
pub fn without_hidden(text: &str) -> Option<String> {
    if !text.chars().any(is_hidden) {
        return None;
    }
    let mut fixed = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{200b}' if !fixed.ends_with(' ') && chars.peek() != Some(&' ') => fixed.push(' '),
            c if is_hidden(c) => {}
            c => fixed.push(c),
        }
    }
    Some(normalize(&fixed))
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
    fn the_byte_filter_lets_every_hidden_character_through() {
        let mut hidden = 0;
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let alone = c.to_string();
            let amid = format!("Công{c}ty");
            if is_hidden(c) {
                hidden += 1;
                assert!(may_hold_hidden(&alone), "U+{:04X} alone", c as u32);
                assert!(find_hidden(&amid).is_some(), "U+{:04X} amid", c as u32);
            } else {
                assert!(find_hidden(&amid).is_none(), "U+{:04X}", c as u32);
            }
        }
        assert!(hidden > 60, "{hidden}");
        assert!(!may_hold_hidden(
            "Công ty TNHH Thiết bị Điện Ánh Dương, Hà Nội 2026"
        ));
    }

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
    fn odd_spaces_are_made_plain_and_hidden_characters_kept_inside_only() {
        let pasted = "\u{feff}Công\u{a0}ty\u{200b} TNHH\u{ad}\r\nHà\u{202e} Nội\u{0}\t";
        assert_eq!(
            normalize(pasted),
            "Công ty\u{200b} TNHH\u{ad}\nHà\u{202e} Nội",
            "the ends lose what cannot be seen; the inside keeps it"
        );
        assert_eq!(measure(pasted, LengthUnit::Chars), 22);
        assert_eq!(normalize("a\rb"), "a\nb");
        assert_eq!(normalize("\u{200b}\u{2060}"), "");
        assert_eq!(
            normalize("Công\u{200b}ty Ánh Dương "),
            "Công\u{200b}ty Ánh Dương"
        );
    }

    #[test]
    fn a_hidden_character_is_found_with_where_it_is_and_the_fix_keeps_words_apart() {
        let value = normalize("Công\u{200b}ty Ánh Dương ");
        let found = find_hidden(&value).expect("found");
        assert_eq!(found.character, '\u{200b}');
        assert_eq!(found.code_point(), "U+200B");
        assert_eq!(found.position, 5);
        assert_eq!(
            (found.before.as_str(), found.after.as_str()),
            ("Công", "ty Ánh Dương")
        );
        assert_eq!(found.count, 1);
        assert_eq!(without_hidden(&value).as_deref(), Some("Công ty Ánh Dương"));
        // Beside a space it adds none; other hidden characters just go.
        assert_eq!(
            without_hidden("Hà\u{200b} Nội\u{ad}\u{0}x").as_deref(),
            Some("Hà Nộix")
        );
        assert_eq!(
            find_hidden("a\u{1b}b").map(|h| h.code_point()).as_deref(),
            Some("U+001B")
        );
        assert_eq!(
            find_hidden("Hà Nội\nViệt Nam"),
            None,
            "a line end is not hidden"
        );
        assert_eq!(without_hidden("Hà Nội"), None);
    }

    #[test]
    fn surrounding_whitespace_is_not_counted() {
        assert_eq!(measure("  abc \n", LengthUnit::Chars), 3);
        assert_eq!(normalize("\tabc "), "abc");
    }
}
