//! Text shown to people, always in Vietnamese first and English beside it.

use serde::{Deserialize, Serialize};

/// A message or label in both of HoSo's languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Bilingual {
    /// Vietnamese, the primary language of every screen and receipt.
    pub vi: String,
    /// English, shown beside the Vietnamese.
    pub en: String,
}

impl Bilingual {
    /// Builds a message from its two texts.
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            vi: vi.into(),
            en: en.into(),
        }
    }
}

impl std::fmt::Display for Bilingual {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.vi, self.en)
    }
}

/// Formats an integer the Vietnamese way, with dots between thousands
/// ("2.140"), as people read numbers on official forms.
pub fn vi_number(n: u64) -> String {
    group_thousands(n, '.')
}

/// Formats an integer the English way, with commas between thousands.
pub fn en_number(n: u64) -> String {
    group_thousands(n, ',')
}

fn group_thousands(n: u64, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A byte count for people: "1,5 MB" in Vietnamese, "1.5 MB" in English.
pub fn byte_size(bytes: u64) -> Bilingual {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        return Bilingual::new(
            format!("{} B", vi_number(bytes)),
            format!("{} B", en_number(bytes)),
        );
    }
    let en = format!("{value:.1} {}", UNITS[unit]);
    Bilingual::new(en.replace('.', ","), en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands_in_each_language() {
        assert_eq!(vi_number(0), "0");
        assert_eq!(vi_number(999), "999");
        assert_eq!(vi_number(2140), "2.140");
        assert_eq!(vi_number(1_234_567), "1.234.567");
        assert_eq!(en_number(1_234_567), "1,234,567");
    }

    #[test]
    fn byte_sizes_use_the_language_decimal_mark() {
        assert_eq!(byte_size(512).vi, "512 B");
        let s = byte_size(1_572_864);
        assert_eq!(s.vi, "1,5 MB");
        assert_eq!(s.en, "1.5 MB");
    }
}
