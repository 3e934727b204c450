//! The tus 1.0.0 resumable upload protocol (<https://tus.io/protocols/resumable-upload>)
//! as HoSo's client and portal both read it: header names and values, the
//! `Upload-Metadata` encoding, the checksum extension and HoSo's block
//! checksums, what each status code asks the client to do, and how a
//! client paces itself (chunk sizes, waits between attempts). Each side
//! brings its own HTTP.

pub mod blocks;
pub mod checksum;
pub mod headers;
pub mod metadata;
pub mod pacing;
pub mod status;

pub use checksum::{ChecksumAlgorithm, UploadChecksum};
pub use headers::{Concat, Extension};
pub use metadata::Metadata;
pub use status::Next;

/// Why a tus header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TusError {
    /// A number header is not a non-negative decimal integer.
    #[error("tus header {header} is not a non-negative integer: {value:?}")]
    BadNumber {
        /// Header name.
        header: &'static str,
        /// The value received.
        value: String,
    },
    /// `Upload-Metadata` does not follow the `key base64,…` form.
    #[error("Upload-Metadata is malformed: {0}")]
    BadMetadata(String),
    /// `Upload-Checksum` does not follow the `algorithm base64` form.
    #[error("Upload-Checksum is malformed: {0:?}")]
    BadChecksum(String),
    /// The checksum names an algorithm this side does not support.
    #[error("checksum algorithm {0:?} is not supported")]
    UnsupportedAlgorithm(String),
    /// `Upload-Concat` is neither `partial` nor `final;` with URLs.
    #[error("Upload-Concat is malformed: {0:?}")]
    BadConcat(String),
    /// `HoSo-Block-Checksum` is not `algorithm block digest,…` within bounds.
    #[error("HoSo-Block-Checksum is malformed: {0:?}")]
    BadBlockChecksum(String),
}
