//! `Upload-Metadata`: comma-separated pairs of a key and an optional base64
//! value, e.g. `filename aGVsbG8udHh0,is_confidential`.

use crate::TusError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::collections::BTreeMap;

/// Key naming the original file name (used by tus-js-client and tusd).
pub const FILENAME: &str = "filename";
/// Key naming the content type (used by tus-js-client and tusd).
pub const FILETYPE: &str = "filetype";
/// Key carrying the whole file's SHA-256 as 64 hex digits (HoSo).
pub const SHA256: &str = "sha256";

/// Decoded upload metadata.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata(pub BTreeMap<String, Option<Vec<u8>>>);

impl Metadata {
    /// Reads a header value. Keys must be non-empty ASCII without spaces or
    /// commas and appear once; values must be base64.
    pub fn parse(value: &str) -> Result<Self, TusError> {
        let mut map = BTreeMap::new();
        for pair in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let mut parts = pair.split(' ');
            let key = parts.next().unwrap_or_default();
            let val = parts.next();
            if parts.next().is_some() || key.is_empty() || !key.is_ascii() {
                return Err(TusError::BadMetadata(pair.to_owned()));
            }
            let decoded = match val {
                Some(v) => Some(
                    B64.decode(v)
                        .map_err(|_| TusError::BadMetadata(pair.to_owned()))?,
                ),
                None => None,
            };
            if map.insert(key.to_owned(), decoded).is_some() {
                return Err(TusError::BadMetadata(format!("duplicate key {key}")));
            }
        }
        Ok(Self(map))
    }

    /// Writes the header value.
    pub fn to_header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| match v {
                Some(v) => format!("{k} {}", B64.encode(v)),
                None => k.clone(),
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Adds a text value.
    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.0
            .insert(key.to_owned(), Some(value.as_bytes().to_vec()));
        self
    }

    /// A value as UTF-8 text, if present and valid.
    pub fn text(&self, key: &str) -> Option<String> {
        self.0
            .get(key)?
            .as_ref()
            .and_then(|v| String::from_utf8(v.clone()).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_file_names_round_trip() {
        let m = Metadata::default()
            .with(FILENAME, "Giấy chứng nhận hợp quy.pdf")
            .with(FILETYPE, "application/pdf");
        let header = m.to_header();
        assert!(header.is_ascii());
        let back = Metadata::parse(&header).expect("own header parses");
        assert_eq!(back, m);
        assert_eq!(
            back.text(FILENAME).as_deref(),
            Some("Giấy chứng nhận hợp quy.pdf")
        );
    }

    #[test]
    fn keys_without_values_are_kept() {
        let m = Metadata::parse("filename aGVsbG8udHh0,is_confidential").expect("valid");
        assert_eq!(m.0.get("is_confidential"), Some(&None));
        assert_eq!(m.text("filename").as_deref(), Some("hello.txt"));
    }

    #[test]
    fn malformed_metadata_is_refused() {
        for bad in ["filename not*base64", "a b c", "k dg==,k dg==", "khóa dg=="] {
            assert!(Metadata::parse(bad).is_err(), "{bad:?}");
        }
    }
}
