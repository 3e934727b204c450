//! Header names and the simple header values of tus 1.0.0.

use crate::TusError;

/// The protocol version HoSo speaks, sent in `Tus-Resumable` on every request
/// and response except `OPTIONS` requests.
pub const VERSION: &str = "1.0.0";

/// Protocol version of a request or response.
pub const TUS_RESUMABLE: &str = "Tus-Resumable";
/// Versions a server supports (`OPTIONS`).
pub const TUS_VERSION: &str = "Tus-Version";
/// Extensions a server supports (`OPTIONS`).
pub const TUS_EXTENSION: &str = "Tus-Extension";
/// Largest upload a server accepts (`OPTIONS`).
pub const TUS_MAX_SIZE: &str = "Tus-Max-Size";
/// Checksum algorithms a server supports (`OPTIONS`).
pub const TUS_CHECKSUM_ALGORITHM: &str = "Tus-Checksum-Algorithm";
/// Bytes of the upload the server holds.
pub const UPLOAD_OFFSET: &str = "Upload-Offset";
/// Total size of the upload.
pub const UPLOAD_LENGTH: &str = "Upload-Length";
/// Key/value pairs describing the upload, set at creation.
pub const UPLOAD_METADATA: &str = "Upload-Metadata";
/// Checksum of a PATCH body.
pub const UPLOAD_CHECKSUM: &str = "Upload-Checksum";
/// When an unfinished upload will be removed (RFC 9110 date).
pub const UPLOAD_EXPIRES: &str = "Upload-Expires";
/// Content type of every PATCH body.
pub const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

/// Optional parts of the protocol a server may offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extension {
    /// `POST` creates an upload.
    Creation,
    /// The creating `POST` may carry the first bytes.
    CreationWithUpload,
    /// `Upload-Checksum` on `PATCH`.
    Checksum,
    /// `DELETE` removes an upload.
    Termination,
    /// Unfinished uploads expire.
    Expiration,
}

impl Extension {
    /// The name used in `Tus-Extension`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Creation => "creation",
            Self::CreationWithUpload => "creation-with-upload",
            Self::Checksum => "checksum",
            Self::Termination => "termination",
            Self::Expiration => "expiration",
        }
    }

    /// Reads a `Tus-Extension` value; names this side does not know are skipped.
    pub fn parse_list(value: &str) -> Vec<Self> {
        value
            .split(',')
            .filter_map(|name| match name.trim() {
                "creation" => Some(Self::Creation),
                "creation-with-upload" => Some(Self::CreationWithUpload),
                "checksum" => Some(Self::Checksum),
                "termination" => Some(Self::Termination),
                "expiration" => Some(Self::Expiration),
                _ => None,
            })
            .collect()
    }

    /// Writes a `Tus-Extension` value.
    pub fn format_list(list: &[Self]) -> String {
        list.iter().map(|e| e.name()).collect::<Vec<_>>().join(",")
    }
}

/// Reads `Upload-Offset` or `Upload-Length`: a non-negative decimal integer,
/// without sign, spaces or leading `+`.
pub fn parse_number(header: &'static str, value: &str) -> Result<u64, TusError> {
    let bad = || TusError::BadNumber {
        header,
        value: value.to_owned(),
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    value.parse().map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_accept_plain_digits_only() {
        assert_eq!(parse_number(UPLOAD_OFFSET, "0"), Ok(0));
        assert_eq!(parse_number(UPLOAD_OFFSET, "52428800"), Ok(52_428_800));
        for bad in ["", "-1", "+5", " 5", "1e3", "18446744073709551616"] {
            assert!(parse_number(UPLOAD_LENGTH, bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn extension_lists_round_trip_and_skip_unknown_names() {
        let list = Extension::parse_list("creation, creation-defer-length,checksum,termination");
        assert_eq!(
            list,
            vec![
                Extension::Creation,
                Extension::Checksum,
                Extension::Termination
            ]
        );
        assert_eq!(
            Extension::format_list(&list),
            "creation,checksum,termination"
        );
    }
}
