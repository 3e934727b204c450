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

/// Stems Windows reserves for devices, whatever the extension (its
/// documentation lists the superscript digits and the zeros too).
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com0", "com1", "com2", "com3", "com4", "com5", "com6", "com7",
    "com8", "com9", "com¹", "com²", "com³", "lpt0", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6",
    "lpt7", "lpt8", "lpt9", "lpt¹", "lpt²", "lpt³", "conin$", "conout$",
];

/// Characters no Windows file name may hold (besides control characters).
const WINDOWS_FORBIDDEN: &[char] = &['\\', '/', ':', '*', '?', '"', '<', '>', '|'];

/// Longest name Windows takes, in UTF-16 units.
pub const MAX_WINDOWS_UNITS: usize = 255;

/// The device `name` would open on Windows (lower case, as listed), if
/// any: Windows reads the part before the first dot, spaces at its end
/// dropped, so `CON.pdf` and `aux .txt` are devices too.
pub fn reserved_device(name: &str) -> Option<&'static str> {
    let stem = name
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_end_matches(' ')
        .to_lowercase();
    RESERVED.iter().copied().find(|r| *r == stem)
}

/// Why Windows would not keep `name` as the plain file name it is meant
/// to be, or `None` when it would. Windows refuses some characters; reads
/// what follows a `:` as a drive or a hidden stream of the file; opens a
/// device for CON, NUL, COM1…; silently drops a dot or space at the end
/// (so `gói.hoso.` is written as `gói.hoso`). Used for any name HoSo reads
/// or writes a file by, on every system, so what works here works there.
pub fn windows_problem(name: &str) -> Option<Bilingual> {
    if name.is_empty() {
        return Some(Bilingual::new("tên tệp trống", "the name is empty"));
    }
    if name.contains(':') {
        return Some(Bilingual::new(
            "tên chứa dấu “:”, mà Windows hiểu là ổ đĩa hoặc luồng dữ liệu ẩn của tệp",
            "the name contains “:”, which Windows reads as a drive or a hidden stream of the file",
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| WINDOWS_FORBIDDEN.contains(c) || c.is_control())
    {
        let shown = if c.is_control() {
            format!("U+{:04X}", u32::from(c))
        } else {
            c.to_string()
        };
        return Some(Bilingual::new(
            format!("tên chứa ký tự “{shown}”, Windows không cho phép trong tên tệp"),
            format!("the name contains “{shown}”, which Windows does not allow in file names"),
        ));
    }
    if name.ends_with('.') || name.ends_with(' ') {
        return Some(Bilingual::new(
            "tên kết thúc bằng dấu chấm hoặc khoảng trắng, mà Windows tự bỏ đi",
            "the name ends with a dot or a space, which Windows drops",
        ));
    }
    if let Some(device) = reserved_device(name) {
        return Some(Bilingual::new(
            format!("“{device}” là tên thiết bị Windows dành riêng"),
            format!("“{device}” is a device name Windows reserves"),
        ));
    }
    let units = name.encode_utf16().count();
    if units > MAX_WINDOWS_UNITS {
        return Some(Bilingual::new(
            format!("tên dài {units} ký tự, Windows nhận tối đa {MAX_WINDOWS_UNITS}"),
            format!(
                "the name is {units} characters long; Windows takes at most {MAX_WINDOWS_UNITS}"
            ),
        ));
    }
    None
}

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
    if let Some(stem) = reserved_device(name) {
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
    fn names_windows_would_refuse_or_change_are_told_apart_from_plain_ones() {
        let cases = [
            ("", "trống"),
            ("báo cáo.pdf:ẩn", "luồng dữ liệu ẩn"),
            ("C:gói.hoso", "ổ đĩa"),
            ("..\\gói.hoso", "“\\”"),
            ("a/b.pdf", "“/”"),
            ("hỏi?.pdf", "“?”"),
            ("tab\t.pdf", "U+0009"),
            ("gói.hoso.", "dấu chấm"),
            ("gói.hoso ", "khoảng trắng"),
            ("CON", "“con”"),
            ("nul.hoso", "“nul”"),
            ("Aux .txt", "“aux”"),
            ("COM¹.pdf", "“com¹”"),
            ("lpt0.pdf", "“lpt0”"),
            ("CONOUT$.hoso", "“conout$”"),
        ];
        for (name, why) in cases {
            let told = windows_problem(name).unwrap_or_else(|| panic!("{name:?} passed"));
            assert!(told.vi.contains(why), "{name:?}: {}", told.vi);
            assert!(!told.en.is_empty());
        }
        for fine in [
            "gói hồ sơ.hoso",
            "HOSO.PRACTICE-261205-0001.hoso",
            "console.pdf",
            "com10.pdf",
            "nul-bien-ban.pdf",
            ".partial",
            "50% cọc #2.pdf",
        ] {
            assert_eq!(windows_problem(fine), None, "{fine}");
        }
        // 255 UTF-16 units is the limit, however many UTF-8 bytes.
        let at = format!("{}.pdf", "ệ".repeat(251));
        assert_eq!(windows_problem(&at), None);
        let over = format!("{}.pdf", "ệ".repeat(252));
        assert!(windows_problem(&over).expect("256").en.contains("256"));
    }

    #[test]
    fn a_portal_refuses_every_device_name_windows_lists() {
        for name in ["com0.pdf", "LPT³.jpg", "conin$.png"] {
            assert!(check(name).expect_err(name).vi.contains("dành riêng"));
        }
    }

    #[test]
    fn extensions_are_lower_case_and_need_a_stem() {
        assert_eq!(extension("Ảnh.JPG"), "jpg");
        assert_eq!(extension("a.tar.gz"), "gz");
        assert_eq!(extension(".bashrc"), "");
        assert_eq!(extension("README"), "");
    }
}
