//! A request body streamed into an upload: the bytes a PATCH (or a
//! creation with upload) brings, written to storage, hashed, and made
//! durable by the one sync policy of the portal.
//!
//! Threads: the body is awaited on the async runtime; each piece of about
//! [`PIECE`] bytes is written (and hashed) by a job on the blocking pool
//! that holds its thread only while it writes, one job in flight per
//! upload while the next piece arrives. A slow or silent client therefore
//! holds no thread at all, and database work (on its own threads, see
//! [`crate::db::Db`]) never waits for a body. Nothing here blocks on a
//! future: there is no `block_on` in the portal.
//!
//! Sync policy (what `HEAD` reports is on disk):
//! - at the end of every request the bytes kept are synced (`fdatasync`)
//!   before the new offset is recorded;
//! - inside a long request without `Upload-Checksum`, what arrived is
//!   synced and recorded (a checkpoint) once at least [`CHECKPOINT_BYTES`]
//!   are new and [`CHECKPOINT_EVERY`] has passed since the last one, and
//!   when the client falls silent for [`CHECKPOINT_IDLE`]: a portal
//!   killed mid-request keeps all but the last fraction of a second, and a
//!   fast stream pays a few syncs a second, not one per MiB;
//! - a request with `Upload-Checksum` is kept whole or not at all, so it
//!   has no checkpoints.

use crate::error::ApiError;
use crate::state::{AppState, UploadLock};
use crate::storage::UploadWriter;
use axum::body::Body;
use bytes::Bytes;
use futures_util::StreamExt;
use hoso_tus::checksum::{ChecksumAlgorithm, ChunkHasher};
use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Bytes gathered from the body before one write job is handed them.
pub const PIECE: usize = 64 * 1024;
/// Least new bytes a checkpoint inside a request makes durable.
pub const CHECKPOINT_BYTES: u64 = 1024 * 1024;
/// Least time between two checkpoints of one request.
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);
/// Silence after which what arrived is checkpointed at once, so that a
/// client coming back on a new connection finds it with `HEAD`.
pub const CHECKPOINT_IDLE: Duration = Duration::from_secs(1);

/// The whole-file SHA-256 of uploads in progress, each with the offset it
/// has hashed up to, so that completing an upload does not read it again.
/// Kept in memory only: after a restart (or past [`HASHES_KEPT`] uploads)
/// the file is read once more when it completes.
#[derive(Debug, Default)]
pub struct RunningHashes(Mutex<HashMap<String, (u64, ChunkHasher)>>);

/// Most uploads whose running hash is kept (about 200 bytes each).
const HASHES_KEPT: usize = 50_000;

impl RunningHashes {
    /// The hash of upload `id` up to `offset`, taken out; a fresh one at 0.
    fn take(&self, id: &str, offset: u64) -> Option<ChunkHasher> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match map.remove(id) {
            Some((at, hasher)) if at == offset => Some(hasher),
            _ if offset == 0 => Some(ChecksumAlgorithm::Sha256.hasher()),
            _ => None,
        }
    }

    /// Keeps the hash of upload `id` up to `offset` for its next request.
    fn put(&self, id: &str, offset: u64, hasher: ChunkHasher) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() < HASHES_KEPT || map.contains_key(id) {
            map.insert(id.to_owned(), (offset, hasher));
        }
    }

    /// Forgets upload `id` (removed, expired).
    pub fn forget(&self, id: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
    }
}

/// What arrived of one request body, all of it written and synced.
#[derive(Debug)]
pub struct Received {
    /// Bytes written after the starting offset.
    pub bytes: u64,
    /// Digest of the body by the algorithm of its `Upload-Checksum`.
    pub digest: Option<Vec<u8>>,
    /// The body ended early (connection lost, silence, taken over).
    pub interrupted: bool,
    /// The body went beyond the upload's declared length.
    pub overflow: bool,
    /// The whole file's SHA-256 state from byte 0 to the end of this body,
    /// when it is known without reading the file.
    whole: Option<ChunkHasher>,
}

impl Received {
    /// Keeps the whole-file hash for the upload's next request, or, when
    /// this body completed the upload, its hex digest (`None`: unknown,
    /// the file must be read).
    pub fn finish_hash(
        self,
        state: &AppState,
        id: &str,
        end: u64,
        complete: bool,
    ) -> Option<String> {
        let whole = self.whole?;
        if complete {
            return Some(hoso_core::hash::to_hex(&whole.finish()));
        }
        state.hashes.put(id, end, whole);
        None
    }
}

/// The storage writer and the hashes, handed to one blocking job at a
/// time and back.
struct Parts {
    out: Box<dyn UploadWriter>,
    chunk: Option<ChunkHasher>,
    whole: Option<ChunkHasher>,
}

/// Writes pieces through blocking jobs, one in flight at a time.
struct Sink {
    parts: Option<Parts>,
    job: Option<tokio::task::JoinHandle<(Parts, std::io::Result<()>)>>,
    /// Bytes handed to jobs so far.
    written: u64,
}

impl Sink {
    /// Waits for the job in flight and takes the parts back.
    async fn settle(&mut self) -> Result<&mut Parts, ApiError> {
        if let Some(job) = self.job.take() {
            let (parts, result) = job.await.map_err(ApiError::internal)?;
            self.parts = Some(parts);
            result?;
        }
        self.parts
            .as_mut()
            .ok_or_else(|| ApiError::internal("upload writer lost"))
    }

    /// Hands `pieces` to a new job once the previous one is done.
    async fn write(&mut self, pieces: Vec<Bytes>) -> Result<(), ApiError> {
        self.settle().await?;
        let mut parts = self
            .parts
            .take()
            .ok_or_else(|| ApiError::internal("upload writer lost"))?;
        self.written += pieces.iter().map(|p| p.len() as u64).sum::<u64>();
        self.job = Some(tokio::task::spawn_blocking(move || {
            let result = pieces.iter().try_for_each(|piece| {
                parts.out.write_all(piece)?;
                if let Some(h) = parts.chunk.as_mut() {
                    h.update(piece);
                }
                if let Some(h) = parts.whole.as_mut() {
                    h.update(piece);
                }
                Ok(())
            });
            (parts, result)
        }));
        Ok(())
    }

    /// Makes everything written so far durable.
    async fn sync(&mut self) -> Result<(), ApiError> {
        self.settle().await?;
        let mut parts = self
            .parts
            .take()
            .ok_or_else(|| ApiError::internal("upload writer lost"))?;
        let (parts, result) = tokio::task::spawn_blocking(move || {
            let result = parts.out.sync();
            (parts, result)
        })
        .await
        .map_err(ApiError::internal)?;
        self.parts = Some(parts);
        Ok(result?)
    }

    /// Syncs and closes; the chunk digest and the whole-file hash.
    async fn close(mut self) -> Result<(Option<Vec<u8>>, Option<ChunkHasher>), ApiError> {
        self.settle().await?;
        let parts = self
            .parts
            .take()
            .ok_or_else(|| ApiError::internal("upload writer lost"))?;
        tokio::task::spawn_blocking(move || {
            parts.out.commit()?;
            Ok((parts.chunk.map(ChunkHasher::finish), parts.whole))
        })
        .await
        .map_err(ApiError::internal)?
    }
}

/// Where a body goes: the upload (held by `lock`), the offset it starts
/// at and the room left before the declared length.
pub struct Target<'a> {
    /// The request's hold on the upload.
    pub lock: &'a UploadLock,
    /// Offset the body starts at.
    pub offset: u64,
    /// Bytes the upload may still take.
    pub room: u64,
    /// The algorithm of the request's `Upload-Checksum`, if any: the body
    /// is then kept whole or not at all, with no checkpoints.
    pub checksum: Option<ChecksumAlgorithm>,
}

/// Streams `body` into the upload held by `target.lock`; see the module's
/// sync policy. A body that goes silent for the portal's idle timeout,
/// breaks off, or is taken over by a newer request for the same upload
/// ends early, keeping what arrived.
pub async fn receive(
    state: &AppState,
    target: Target<'_>,
    body: Body,
) -> Result<Received, ApiError> {
    let Target {
        lock,
        offset,
        room,
        checksum,
    } = target;
    let id = lock.id().to_owned();
    let whole = state.hashes.take(&id, offset);
    let storage = state.storage.clone();
    let file_id = id.clone();
    let out = tokio::task::spawn_blocking(move || storage.append_at(&file_id, offset))
        .await
        .map_err(ApiError::internal)??;
    let mut sink = Sink {
        parts: Some(Parts {
            out,
            chunk: checksum.map(ChecksumAlgorithm::hasher),
            whole,
        }),
        job: None,
        written: 0,
    };
    let piecemeal = checksum.is_none();
    let idle = state.config.idle_body_timeout;
    let mut stream = body.into_data_stream();
    let (mut pending, mut pending_len) = (Vec::new(), 0usize);
    let (mut received, mut interrupted, mut overflow) = (0u64, false, false);
    let (mut recorded, mut last_checkpoint) = (0u64, Instant::now());
    let mut silent_since = Instant::now();
    loop {
        // While bytes wait to be recorded, wake after a short silence to
        // checkpoint them; otherwise wait out the idle timeout.
        let unrecorded = piecemeal && received > recorded;
        let left = idle.saturating_sub(silent_since.elapsed());
        let wait = if unrecorded {
            left.min(CHECKPOINT_IDLE)
        } else {
            left
        };
        let next = tokio::select! {
            next = tokio::time::timeout(wait, stream.next()) => next,
            // A newer request for this upload took over: stop here and
            // keep what arrived, as if the connection had broken.
            () = lock.holder().cancel.notified() => {
                interrupted = true;
                break;
            }
        };
        match next {
            Ok(Some(Ok(bytes))) => {
                lock.holder().active();
                silent_since = Instant::now();
                if received + bytes.len() as u64 > room {
                    overflow = true;
                    break;
                }
                received += bytes.len() as u64;
                pending_len += bytes.len();
                pending.push(bytes);
                if pending_len >= PIECE {
                    sink.write(std::mem::take(&mut pending)).await?;
                    pending_len = 0;
                }
                if piecemeal
                    && sink.written - recorded >= CHECKPOINT_BYTES
                    && last_checkpoint.elapsed() >= CHECKPOINT_EVERY
                {
                    recorded = checkpoint(state, &id, offset, &mut sink).await?;
                    last_checkpoint = Instant::now();
                }
            }
            Ok(None) => break,
            Ok(Some(Err(_))) => {
                interrupted = true;
                break;
            }
            Err(_) if silent_since.elapsed() >= idle => {
                interrupted = true;
                break;
            }
            Err(_) => {
                // A short silence: make what arrived findable by HEAD.
                if !pending.is_empty() {
                    sink.write(std::mem::take(&mut pending)).await?;
                    pending_len = 0;
                }
                recorded = checkpoint(state, &id, offset, &mut sink).await?;
                last_checkpoint = Instant::now();
            }
        }
    }
    if !overflow && !pending.is_empty() {
        sink.write(pending).await?;
    }
    let bytes = sink.written;
    let (digest, whole) = sink.close().await?;
    Ok(Received {
        bytes,
        digest,
        interrupted,
        overflow,
        whole: whole.filter(|_| !overflow),
    })
}

/// Syncs what was written and records it as the upload's offset; the
/// bytes recorded.
async fn checkpoint(
    state: &AppState,
    id: &str,
    offset: u64,
    sink: &mut Sink,
) -> Result<u64, ApiError> {
    sink.sync().await?;
    let (row, written) = (id.to_owned(), sink.written);
    state
        .db
        .progress(move |conn| Ok(crate::db::raise_offset(conn, &row, offset + written)?))
        .await?;
    Ok(written)
}

/// The SHA-256 of a stored upload, read back from storage: for an upload
/// whose running hash was not kept (the portal restarted meanwhile).
pub async fn hash_stored(state: &AppState, id: &str) -> Result<String, ApiError> {
    let (storage, id) = (state.storage.clone(), id.to_owned());
    tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        let mut hasher = ChecksumAlgorithm::Sha256.hasher();
        copy_hashing(storage.read(&id)?, None, &mut hasher)?;
        Ok(hoso_core::hash::to_hex(&hasher.finish()))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::from)
}

/// Reads `from` to its end in pieces of 1 MiB, hashing each and writing it
/// to `to` when given; the bytes read. Blocking.
pub fn copy_hashing(
    mut from: Box<dyn std::io::Read + Send>,
    mut to: Option<&mut Box<dyn UploadWriter>>,
    hasher: &mut ChunkHasher,
) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 1024 * 1024];
    let mut total = 0u64;
    loop {
        let n = from.read(&mut buf)?;
        if n == 0 {
            return Ok(total);
        }
        hasher.update(&buf[..n]);
        if let Some(out) = to.as_mut() {
            out.write_all(&buf[..n])?;
        }
        total += n as u64;
    }
}
