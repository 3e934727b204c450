//! Attachment file names: stored in NFC (a name typed on macOS arrives
//! decomposed), with the original kept beside it, and checked for what a
//! portal's web server or a Windows file system would refuse, so that the
//! person renames the file before the upload rather than after it.

use crate::Bilingual;
use crate::length::{is_invisible, normalize};

/// Longest name accepted, in UTF-8 bytes (the common file-system limit).
pub const MAX_NAME_BYTES: usize = 255;

/// Characters Windows forbids in names, plus `%` and `#`, which web servers
/// decode or cut at in URLs (an assumption from portals on IIS: they refuse
/// such names with a generic error).
const FORBIDDEN: &[char] = &['\\', '/', ':', '*', '?', '"', '<', '>', '|', '%', '#'];

/// Stems Windows reserves for devices, whatever the extension.
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// A file name as HoSo stores it, with the name it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    /// NFC, invisible characters removed, trimmed: what is sent.
    pub name: String,
    /// Exactly as it was on disk.
    pub original: String,
}

impl FileName {
    /// Normalises `original`.
    pub fn new(original: &str) -> Self {
        Self {
            name: normalize(
                &original
                    .chars()
                    .filter(|c| !is_invisible(*c))
                    .collect::<String>(),
            ),
            original: original.to_owned(),
        }
    }
}

/// The lower-case extension of `name`, without the dot; empty when none.
pub fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .filter(|(stem, ext)| !stem.is_empty() && !ext.is_empty())
        .map(|(_, e)| e.to_lowercase())
        .unwrap_or_default()
}

/// Whether a portal would accept `name` (already normalised); `Err` says why
/// not, in words that tell the person what to change.
pub fn check(name: &str) -> Result<(), Bilingual> {
    if name.is_empty() {
        return Err(Bilingual::new("tên tệp trống", "the name is empty"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(Bilingual::new(
            format!(
                "tên dài {} byte, tối đa {MAX_NAME_BYTES} — hãy đặt tên ngắn hơn",
                name.len()
            ),
            format!(
                "the name is {} bytes, at most {MAX_NAME_BYTES} — shorten it",
                name.len()
            ),
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| FORBIDDEN.contains(c) || c.is_control())
    {
        let shown = if c.is_control() {
            format!("U+{:04X}", u32::from(c))
        } else {
            c.to_string()
        };
        return Err(Bilingual::new(
            format!("tên chứa ký tự “{shown}” không được phép"),
            format!("the name contains the character “{shown}”, which is not allowed"),
        ));
    }
    if name.ends_with('.') || name.starts_with('.') {
        return Err(Bilingual::new(
            "tên không được bắt đầu hay kết thúc bằng dấu chấm",
            "the name must not start or end with a dot",
        ));
    }
    let stem = name
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_end()
        .to_lowercase();
    if RESERVED.contains(&stem.as_str()) {
        return Err(Bilingual::new(
            format!("“{stem}” là tên dành riêng của Windows"),
            format!("“{stem}” is a name Windows reserves"),
        ));
    }
    if extension(name).is_empty() {
        return Err(Bilingual::new(
            "tên không có phần đuôi cho biết loại tệp (ví dụ .pdf)",
            "the name has no extension telling its type (e.g. .pdf)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    #[test]
    fn a_decomposed_name_is_stored_in_nfc_and_the_original_kept() {
        let original: String = "Hợp đồng số 12.pdf".nfd().collect();
        let n = FileName::new(&original);
        assert_eq!(n.name, "Hợp đồng số 12.pdf");
        assert_eq!(n.original, original);
        assert_ne!(n.name.len(), original.len());
        assert_eq!(check(&n.name), Ok(()));
    }

    #[test]
    fn names_a_portal_would_refuse_are_flagged_with_the_reason() {
        let cases = [
            ("", "trống"),
            ("hóa đơn: tháng 3.pdf", "“:”"),
            ("50% cọc.pdf", "“%”"),
            ("scan#2.jpg", "“#”"),
            ("tab\u{7}.pdf", "U+0007"),
            ("báo cáo.", "dấu chấm"),
            (".pdf", "dấu chấm"),
            ("CON.pdf", "dành riêng"),
            ("aux .txt", "dành riêng"),
            ("hợp đồng", "phần đuôi"),
        ];
        for (name, why) in cases {
            let err = check(name).expect_err(name);
            assert!(err.vi.contains(why), "{name}: {}", err.vi);
        }
        let long = format!("{}.pdf", "ệ".repeat(84));
        assert_eq!(long.len(), 256);
        assert!(check(&long).expect_err("256 bytes").vi.contains("256 byte"));
        let fits = format!("{}.pdf", "ệ".repeat(83) + "ab");
        assert_eq!(fits.len(), 255);
        assert_eq!(check(&fits), Ok(()));
    }

    #[test]
    fn extensions_are_lower_case_and_need_a_stem() {
        assert_eq!(extension("Ảnh.JPG"), "jpg");
        assert_eq!(extension("a.tar.gz"), "gz");
        assert_eq!(extension(".bashrc"), "");
        assert_eq!(extension("README"), "");
    }
}
