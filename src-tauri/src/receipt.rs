//! The receipt outside the window: its QR code, and the receipt as shown
//! saved as a self-contained HTML file people can keep, print or send.

use hoso_client::ClientError;
use hoso_core::{DossierCode, Sha256Digest};
use qrcode::QrCode;
use qrcode::render::svg;
use std::path::{Path, PathBuf};

/// Saved receipts inside the profile folder.
pub const RECEIPTS_DIR: &str = "receipts";

/// The window's style sheet, so a saved receipt looks as it did.
const STYLE: &str = include_str!("../../ui/static/style.css");

/// An SVG QR code carrying the dossier code and the receipt's hash.
pub fn qr_svg(code: &DossierCode, receipt_sha256: &Sha256Digest) -> String {
    let payload = hoso_core::receipt::qr_payload(code, receipt_sha256);
    match QrCode::new(payload.as_bytes()) {
        Ok(qr) => qr
            .render::<svg::Color<'_>>()
            .min_dimensions(160, 160)
            .quiet_zone(true)
            .build(),
        // A few dozen ASCII bytes always fit a QR code; should that ever
        // fail, the receipt is still shown, without the picture.
        Err(e) => {
            tracing::warn!(%e, "QR code not made");
            String::new()
        }
    }
}

/// Writes `html` (the receipt's markup) as `dir/CODE.html`, a whole page
/// with the window's style, through a synced temporary file; its path.
pub fn save(dir: &Path, code: &str, html: &str) -> Result<PathBuf, ClientError> {
    let code: DossierCode = code
        .parse()
        .map_err(|e| ClientError::Protocol(format!("dossier code {code:?}: {e}")))?;
    std::fs::create_dir_all(dir).map_err(|e| ClientError::file(dir, e))?;
    let path = dir.join(format!("{code}.html"));
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n<title>Giấy tiếp nhận hồ sơ {code}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body class=\"saved-receipt\">\n{html}\n</body>\n</html>\n"
    );
    hoso_client::whole::write(&path, page.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_receipt_is_a_whole_page_named_by_its_code() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = save(
            dir.path(),
            "HOSO.PRACTICE-20261123-0001",
            "<article id=\"receipt\">Mã hồ sơ HOSO.PRACTICE-20261123-0001</article>",
        )
        .expect("saved");
        assert_eq!(
            path.file_name().and_then(|n| n.to_str()),
            Some("HOSO.PRACTICE-20261123-0001.html")
        );
        let page = std::fs::read_to_string(&path).expect("read");
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("<meta charset=\"utf-8\">"));
        assert!(page.contains("Mã hồ sơ HOSO.PRACTICE-20261123-0001"));
        assert!(
            page.contains(".receipt header"),
            "the style travels with it"
        );
        // A code that is not a dossier code cannot name a file.
        assert!(save(dir.path(), "../../etc/passwd", "x").is_err());
    }

    #[test]
    fn the_qr_code_is_an_svg_picture() {
        let code: DossierCode = "HOSO.PRACTICE-20261123-0001".parse().expect("code");
        let svg = qr_svg(&code, &Sha256Digest::of(b"receipt"));
        assert!(svg.contains("<svg") && svg.contains("</svg>"), "{svg}");
    }
}
