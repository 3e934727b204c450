//! Where upload bytes live. The tus handler speaks HTTP and calls this small
//! interface: files on disk by default ([`files::FileStorage`]), or an
//! S3-compatible object store shared by any number of portal replicas
//! ([`s3::S3Storage`]).
//!
//! Operations are futures on the runtime; what they do on disk they do on
//! the blocking pool, one piece at a time, never waiting there for the
//! network. A writer's `Write` is the one blocking part: callers hand it
//! pieces from a blocking job (`intake.rs`), and it only ever touches the
//! local disk.

pub mod files;
#[cfg(feature = "shared")]
pub mod s3;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use std::io::{self, Write};

/// Runs `job` on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    job: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(job)
        .await
        .map_err(io::Error::other)?
}

/// An operation on the store, run on the async runtime.
pub type Op<'a, T> = BoxFuture<'a, io::Result<T>>;

/// An upload's bytes, streamed in pieces.
pub type Pieces = BoxStream<'static, io::Result<Bytes>>;

/// Appends to one upload; bytes become durable by [`syncer`](UploadWriter::syncer)
/// and [`commit`](UploadWriter::commit), never by writing alone.
pub trait UploadWriter: Write + Send {
    /// Something that, run later on the runtime while this writer goes on
    /// writing, makes durable at most the first `upto` bytes written; it
    /// answers how many of the bytes written are durable then (from the
    /// start of this writer). A store may make fewer durable than asked
    /// (an object store, only whole parts), never more.
    fn syncer(&self, upto: u64) -> io::Result<Op<'static, u64>>;
    /// Forgets what was written beyond the first `len` bytes (a tail that
    /// did not check out). Blocking, local: it must be called before any
    /// syncer was asked to make those bytes durable.
    fn truncate(&mut self, len: u64) -> io::Result<()>;
    /// Makes everything written durable; `complete` when these are the
    /// upload's last bytes, so that the store may seal the upload and
    /// [`UploadStorage::read`] finds it whole.
    fn commit(self: Box<Self>, complete: bool) -> Op<'static, ()>;
}

/// The first `n` bytes of `pieces`; nothing after them is read.
pub(crate) fn take(pieces: Pieces, n: u64) -> Pieces {
    use futures_util::StreamExt;
    Box::pin(futures_util::stream::unfold(
        (pieces, n),
        |(mut pieces, left)| async move {
            if left == 0 {
                return None;
            }
            match pieces.next().await? {
                Ok(bytes) if bytes.len() as u64 <= left => {
                    let rest = left - bytes.len() as u64;
                    Some((Ok(bytes), (pieces, rest)))
                }
                Ok(bytes) => {
                    // `left` is below this piece's length, so it fits a usize.
                    let to = usize::try_from(left).unwrap_or(bytes.len());
                    Some((Ok(bytes.slice(..to)), (pieces, 0)))
                }
                Err(e) => Some((Err(e), (pieces, 0))),
            }
        },
    ))
}

/// The store holds more durable bytes of an upload than the offset a
/// request asked to write at: the portal stopped between making them
/// durable and recording them. They are the upload's bytes (a store keeps
/// only what a request was allowed to keep), so the recorded offset is
/// raised to `durable` and the client goes on from there.
#[derive(Debug, thiserror::Error)]
#[error("the store holds {durable} bytes of this upload, more than recorded")]
pub struct Ahead {
    /// Bytes durable in the store.
    pub durable: u64,
}

impl Ahead {
    /// The `Ahead` an I/O error carries, if any.
    pub fn of(e: &io::Error) -> Option<u64> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<Ahead>())
            .map(|a| a.durable)
    }
}

/// Storage for the bytes of tus uploads, addressed by upload id.
pub trait UploadStorage: Send + Sync + std::fmt::Debug + 'static {
    /// Creates an empty upload.
    fn create(&self, id: &str) -> Op<'_, ()>;
    /// Opens the upload for appending at `offset`, first dropping anything
    /// stored beyond it that is not durable (bytes of a request that was
    /// never confirmed). An [`Ahead`] error when more is durable.
    fn append_at(&self, id: &str, offset: u64) -> Op<'_, Box<dyn UploadWriter>>;
    /// Reads the whole of a complete upload from the start.
    fn read(&self, id: &str) -> Op<'_, Pieces> {
        self.read_from(id, 0)
    }
    /// Reads a complete upload from byte `from` to its end (a download
    /// resumed), never the bytes before it.
    fn read_from(&self, id: &str, from: u64) -> Op<'_, Pieces>;
    /// Removes the upload and everything the store keeps for it; removing
    /// a missing one is not an error.
    fn remove(&self, id: &str) -> Op<'_, ()>;
    /// Answers once the store can be reached (the readiness probe):
    /// the uploads folder is there, or the bucket answers.
    fn ready(&self) -> Op<'_, ()>;
    /// Whether a writer may open only once the upload's previous writer
    /// committed: a store that reads what is durable when a writer opens
    /// (files: no, the next request goes on at once).
    fn opens_after_commit(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;

    #[tokio::test]
    async fn taking_stops_where_the_range_ends() {
        let pieces = |parts: &[&'static [u8]]| -> Pieces {
            let parts: Vec<io::Result<Bytes>> =
                parts.iter().map(|p| Ok(Bytes::from_static(p))).collect();
            Box::pin(futures_util::stream::iter(parts))
        };
        for (n, want) in [
            (0, &b""[..]),
            (2, b"ab"),
            (3, b"abc"),
            (5, b"abcde"),
            (9, b"abcdefg"),
        ] {
            let got: Vec<Bytes> = take(pieces(&[b"abc", b"", b"defg"]), n)
                .try_collect()
                .await
                .expect("read");
            assert_eq!(got.concat(), want, "take {n}");
        }
    }
}
