//! What the tus engine remembers across failures and restarts, behind a
//! small trait: each upload's URL, recorded before its first byte, and the
//! offset the server last confirmed, by tus endpoint and content. The
//! profile's store keeps them (`crate::store::uploads`); the engine holds
//! no SQL and could keep them anywhere else.

use crate::error::ClientError;
use hoso_core::Sha256Digest;
use std::future::Future;
use std::pin::Pin;

/// The answer of a ledger call.
pub type LedgerFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, ClientError>> + Send + 'a>>;

/// Which upload: the same content to the same endpoint is one upload,
/// whatever dossier it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadKey {
    /// The tus creation endpoint.
    pub endpoint: String,
    /// The content's hash.
    pub sha256: Sha256Digest,
}

/// Where the engine records its uploads. Each call returns once what it
/// records is durable: the engine sends no byte of an upload before its
/// URL is recorded.
pub trait UploadLedger: Send + Sync {
    /// The URL of the upload recorded for `key`, if any.
    fn url(&self, key: UploadKey) -> LedgerFuture<'_, Option<String>>;
    /// Records a new upload for `key` at `url` of `length` bytes, nothing
    /// confirmed yet (replacing any earlier one).
    fn created(&self, key: UploadKey, url: String, length: u64) -> LedgerFuture<'_, ()>;
    /// Records that the server confirmed `offset` bytes of `key`'s upload.
    fn confirmed(&self, key: UploadKey, offset: u64) -> LedgerFuture<'_, ()>;
    /// Forgets `key`'s upload (the server no longer has it).
    fn forget(&self, key: UploadKey) -> LedgerFuture<'_, ()>;
}
