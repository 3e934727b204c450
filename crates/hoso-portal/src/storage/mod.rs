//! Where upload bytes live. The tus handler speaks HTTP and calls this small
//! interface; files on disk today ([`files::FileStorage`]), object storage
//! can be added without touching the protocol code.
//!
//! Every method blocks; callers run them on blocking threads.

pub mod files;

use std::io::{self, Read, Write};

/// Appends to one upload and makes the bytes durable on [`commit`](UploadWriter::commit).
pub trait UploadWriter: Write + Send {
    /// Something that, run later on any thread, makes the bytes written so
    /// far durable while this writer goes on writing.
    fn syncer(&self) -> io::Result<Box<dyn FnOnce() -> io::Result<()> + Send>>;
    /// Flushes the bytes written so far to stable storage.
    fn commit(self: Box<Self>) -> io::Result<()>;
}

/// Storage for the bytes of tus uploads, addressed by upload id.
pub trait UploadStorage: Send + Sync + std::fmt::Debug + 'static {
    /// Creates an empty upload.
    fn create(&self, id: &str) -> io::Result<()>;
    /// Opens the upload for appending at `offset`, first dropping anything
    /// stored beyond it (bytes of a request that was never confirmed).
    fn append_at(&self, id: &str, offset: u64) -> io::Result<Box<dyn UploadWriter>>;
    /// Cuts the upload back to `len` bytes.
    fn truncate(&self, id: &str, len: u64) -> io::Result<()>;
    /// Reads the whole upload from the start.
    fn read(&self, id: &str) -> io::Result<Box<dyn Read + Send>>;
    /// Removes the upload; removing a missing one is not an error.
    fn remove(&self, id: &str) -> io::Result<()>;
}
