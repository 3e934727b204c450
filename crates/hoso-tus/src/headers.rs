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
/// `partial`, or `final;` and the partial uploads a final one joins
/// (concatenation extension).
pub const UPLOAD_CONCAT: &str = "Upload-Concat";
/// `1`: the length is given by a later PATCH (creation-defer-length).
pub const UPLOAD_DEFER_LENGTH: &str = "Upload-Defer-Length";
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
    /// Partial uploads joined into a final one (`Upload-Concat`).
    Concatenation,
    /// The length is given after creation (`Upload-Defer-Length`).
    CreationDeferLength,
    /// HoSo's checksums per block of a PATCH ([`crate::blocks`]).
    BlockChecksum,
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
            Self::Concatenation => "concatenation",
            Self::CreationDeferLength => "creation-defer-length",
            Self::BlockChecksum => "hoso-block-checksum",
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
                "concatenation" => Some(Self::Concatenation),
                "creation-defer-length" => Some(Self::CreationDeferLength),
                "hoso-block-checksum" => Some(Self::BlockChecksum),
                _ => None,
            })
            .collect()
    }

    /// Writes a `Tus-Extension` value.
    pub fn format_list(list: &[Self]) -> String {
        list.iter().map(|e| e.name()).collect::<Vec<_>>().join(",")
    }
}

/// An `Upload-Concat` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Concat {
    /// An upload to be joined with others later.
    Partial,
    /// The upload made of these partial uploads (their URLs), in order.
    Final(Vec<String>),
}

impl Concat {
    /// Reads `partial` or `final;URL URL …` (at least one URL).
    pub fn parse(value: &str) -> Result<Self, TusError> {
        let value = value.trim();
        if value == "partial" {
            return Ok(Self::Partial);
        }
        let urls: Vec<String> = value
            .strip_prefix("final;")
            .ok_or_else(|| TusError::BadConcat(value.to_owned()))?
            .split_ascii_whitespace()
            .map(str::to_owned)
            .collect();
        if urls.is_empty() {
            return Err(TusError::BadConcat(value.to_owned()));
        }
        Ok(Self::Final(urls))
    }

    /// Writes the header value.
    pub fn to_header(&self) -> String {
        match self {
            Self::Partial => "partial".to_owned(),
            Self::Final(urls) => format!("final;{}", urls.join(" ")),
        }
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
    fn concat_reads_partial_and_final_with_its_urls_in_order() {
        assert_eq!(Concat::parse("partial"), Ok(Concat::Partial));
        let fin = Concat::parse("final;http://a/v1/uploads/1 /v1/uploads/2").expect("final");
        assert_eq!(
            fin,
            Concat::Final(vec!["http://a/v1/uploads/1".into(), "/v1/uploads/2".into()])
        );
        assert_eq!(Concat::parse(&fin.to_header()), Ok(fin));
        for bad in ["final;", "final", "partial;x", "whole", ""] {
            assert!(Concat::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn extension_lists_round_trip_and_skip_unknown_names() {
        let list = Extension::parse_list("creation, creation-unfinished,checksum,termination");
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
