//! How the upload engine behaves on a bad link; defaults suit people, tests
//! shorten the times.

use hoso_tus::pacing::{ChunkBounds, Window};
use std::time::Duration;

/// Upload settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadSettings {
    /// A request that moves no byte for this long is abandoned and the
    /// upload resumed (a hung connection).
    pub stall_timeout: Duration,
    /// With no byte confirmed for this long, the upload stops for now and
    /// reports a network error (it continues later from where it was).
    pub give_up_after: Duration,
    /// Chunk sizes when the server checks a checksum per chunk (each chunk
    /// is hashed before it is sent, so it is held in memory once).
    pub min_chunk: u64,
    /// Largest chunk held in memory.
    pub max_chunk: u64,
    /// Aim for chunks that take about this long at the measured rate.
    pub chunk_time: Duration,
    /// Longest wait a server's `Retry-After` is honoured for.
    pub max_retry_after: Duration,
    /// Bytes per second at most, all uploads of one call together; `None`
    /// for no cap.
    pub bandwidth_cap: Option<u64>,
    /// Documents of one dossier uploaded at the same time.
    pub parallel: usize,
}

impl Default for UploadSettings {
    fn default() -> Self {
        Self {
            stall_timeout: Duration::from_secs(10),
            give_up_after: Duration::from_secs(10 * 60),
            min_chunk: 256 * 1024,
            max_chunk: 16 * 1024 * 1024,
            chunk_time: Duration::from_secs(4),
            max_retry_after: Duration::from_secs(5 * 60),
            bandwidth_cap: None,
            parallel: 3,
        }
    }
}

/// Piece size of streamed bodies: what is read from disk and handed to the
/// connection at a time.
pub const PIECE: usize = 64 * 1024;

impl UploadSettings {
    /// The window of pipelined PATCHes (servers with block checksums):
    /// from the smallest chunk to the largest.
    pub fn window(&self) -> Window {
        Window::new(self.min_chunk, self.max_chunk, PIECE as u64)
    }

    /// The bounds of the chunk sizer.
    pub fn chunk_bounds(&self) -> ChunkBounds {
        ChunkBounds {
            min: self.min_chunk,
            max: self.max_chunk,
            target: self.chunk_time,
            step: PIECE as u64,
        }
    }
}
