//! A payment's VietQR code as a picture a phone scans off the screen: the
//! payload hoso-core builds (`PaymentRequest::vietqr`) drawn as a PNG and
//! handed to the window as a `data:` URL, so the page draws no QR code of
//! its own and loads nothing from anywhere.
//!
//! The picture is what scanners read best: black modules on white, the
//! four-module quiet zone ISO/IEC 18004 asks for, and a whole number of
//! pixels per module, at least [`MIN_SIDE_PX`] wide, so that shown at its
//! own size (or doubled on a high-density screen) no edge is blurred.

use crate::error::ClientError;
use base64::Engine;
use qrcode::{Color, EcLevel, QrCode};

/// Light modules around the code on every side.
pub const QUIET_ZONE: usize = 4;

/// The picture's side is at least this many pixels: shown at its own size
/// it is large enough for a phone held at arm's length.
pub const MIN_SIDE_PX: usize = 264;

/// A QR code drawn as a PNG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrPicture {
    /// The PNG file: one bit per pixel, greyscale.
    pub png: Vec<u8>,
    /// Its width and height in pixels.
    pub side_px: u32,
}

impl QrPicture {
    /// The picture as a `data:image/png;base64,…` URL for an `<img>`.
    pub fn data_url(&self) -> String {
        format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&self.png)
        )
    }
}

/// `payload` as a QR code (error correction M, as banking apps print
/// theirs) drawn as a PNG. Fails only for a payload too long for any QR
/// code, which no VietQR payload is.
pub fn png(payload: &str) -> Result<QrPicture, ClientError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .map_err(|e| ClientError::Protocol(format!("QR code of {} bytes: {e}", payload.len())))?;
    let modules = code.width() + 2 * QUIET_ZONE;
    let scale = MIN_SIDE_PX.div_ceil(modules);
    let side = modules * scale;
    let dark = |x: usize, y: usize| {
        let (mx, my) = (x / scale, y / scale);
        (QUIET_ZONE..QUIET_ZONE + code.width()).contains(&mx)
            && (QUIET_ZONE..QUIET_ZONE + code.width()).contains(&my)
            && code[(mx - QUIET_ZONE, my - QUIET_ZONE)] == Color::Dark
    };
    // One bit per pixel, most significant first; 1 is white.
    let row_bytes = side.div_ceil(8);
    let mut pixels = vec![0u8; row_bytes * side];
    for y in 0..side {
        for x in 0..side {
            if !dark(x, y) {
                pixels[y * row_bytes + x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    let side_px = u32::try_from(side)
        .map_err(|_| ClientError::Protocol(format!("QR picture of {side} pixels")))?;
    let mut out = Vec::new();
    let failed = |e: png::EncodingError| ClientError::Protocol(format!("QR picture: {e}"));
    {
        let mut encoder = png::Encoder::new(&mut out, side_px, side_px);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        let mut writer = encoder.write_header().map_err(failed)?;
        writer.write_image_data(&pixels).map_err(failed)?;
        writer.finish().map_err(failed)?;
    }
    Ok(QrPicture { png: out, side_px })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoso_core::payment::PURPOSE_WORDS;
    use hoso_core::vietqr::{Payee, Purpose, Service};
    use hoso_core::{DossierCode, VietQr};

    /// A payment request's payload as the portal builds it.
    fn payload(vnd: u64) -> String {
        let payee = Payee {
            bin: "970415".parse().expect("BIN"),
            account: "113366668888".parse().expect("account"),
            service: Service::Account,
        };
        let code: DossierCode = "HOSO.PRACTICE-261123-0001".parse().expect("code");
        let purpose = Purpose::for_dossier(&code, PURPOSE_WORDS).expect("purpose");
        payee.request(vnd, purpose).expect("request").payload()
    }

    /// What a QR reader finds in `png`: the file decoded, then read by
    /// rqrr as a camera frame would be.
    fn read_back(png_bytes: &[u8]) -> Vec<String> {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size().expect("size")];
        let frame = reader.next_frame(&mut buf).expect("one frame");
        assert_eq!(frame.color_type, png::ColorType::Grayscale);
        assert_eq!(frame.bit_depth, png::BitDepth::Eight);
        let (w, h) = (frame.width as usize, frame.height as usize);
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
        image
            .detect_grids()
            .iter()
            .map(|g| g.decode().expect("decodes").1)
            .collect()
    }

    #[test]
    fn the_picture_reads_back_as_exactly_the_payment_payload() {
        for vnd in [100_000, 1, 987_654_321_000] {
            let payload = payload(vnd);
            assert!(VietQr::parse(&payload).is_ok(), "a VietQR payload");
            let picture = png(&payload).expect("drawn");
            assert_eq!(read_back(&picture.png), [payload]);
        }
    }

    #[test]
    fn the_picture_is_large_with_whole_pixels_per_module_and_a_quiet_zone() {
        let payload = payload(100_000);
        let picture = png(&payload).expect("drawn");
        let side = picture.side_px as usize;
        assert!(side >= MIN_SIDE_PX, "{side} px");
        let modules = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
            .expect("code")
            .width()
            + 2 * QUIET_ZONE;
        assert_eq!(side % modules, 0, "whole pixels per module");
        let scale = side / modules;
        // The quiet zone is white all round: read the rows and columns it
        // covers from the decoded picture.
        let mut decoder = png::Decoder::new(std::io::Cursor::new(&picture.png));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size().expect("size")];
        reader.next_frame(&mut buf).expect("one frame");
        let margin = QUIET_ZONE * scale;
        for y in 0..side {
            for x in 0..side {
                let inside =
                    (margin..side - margin).contains(&x) && (margin..side - margin).contains(&y);
                if !inside {
                    assert_eq!(buf[y * side + x], 0xff, "white at ({x}, {y})");
                }
            }
        }
        // The top-left finder pattern starts right inside it, black.
        assert_eq!(buf[margin * side + margin], 0x00);
    }

    #[test]
    fn the_data_url_carries_the_png_itself() {
        let picture = png(&payload(50_000)).expect("drawn");
        let url = picture.data_url();
        let encoded = url
            .strip_prefix("data:image/png;base64,")
            .expect("a PNG data URL");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .expect("base64");
        assert_eq!(bytes, picture.png);
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    }
}
