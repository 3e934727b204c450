//! A request body streamed into an upload: the bytes a PATCH (or a
//! creation with upload) brings, written to storage, hashed, and made
//! durable by the one sync policy of the portal.
//!
//! Threads: the body is awaited on the async runtime; each piece of about
//! [`PIECE`] bytes is written (and hashed) by a job on the blocking pool
//! that holds its thread only while it writes, one job in flight per
//! upload while the next piece arrives. A slow or silent client therefore
//! holds no thread at all, and database work (on its own threads, see
//! [`crate::records::Records`]) never waits for a body. Nothing here blocks on a
//! future: there is no `block_on` in the portal.
//!
//! Sync policy: what `HEAD` reports is on disk, and nothing waits for a
//! sync that does not need to.
//! - An offset is recorded only after the bytes below it were synced.
//! - When a request ends, its bytes are synced and recorded after the
//!   answer, off the request's path ([`Trailing`]): the upload's next
//!   request goes on from the offset received at once, a `HEAD` waits for
//!   the sync and reports what is durable, and a request that completes
//!   the upload waits for it, so a filing right after finds it complete.
//! - Inside a long request without `Upload-Checksum`, what arrived is
//!   synced and recorded in the background (a checkpoint, one at a time)
//!   once at least [`CHECKPOINT_BYTES`] are new and [`CHECKPOINT_EVERY`]
//!   has passed, and when the client falls silent for
//!   [`CHECKPOINT_IDLE`]: a portal killed mid-request keeps all but the
//!   last fraction of a second.
//! - A request with `Upload-Checksum` is kept whole or not at all, so it
//!   has no checkpoints.
//! - If the portal dies, what was received but not synced is forgotten:
//!   `HEAD` reports the durable offset and the client resends the rest.

use crate::error::ApiError;
use crate::state::{AppState, UploadLock};
use crate::storage::UploadWriter;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use bytes::Bytes;
use futures_util::StreamExt;
use hoso_tus::blocks::{BlockChecksums, BlockVerifier};
use hoso_tus::checksum::{ChecksumAlgorithm, ChunkHasher};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Bytes gathered from the body before they are handed to the jobs that
/// write and hash them.
pub const PIECE: usize = 64 * 1024;
/// What a fast body gathers instead (one that brings it within [`FAST`]):
/// fewer, larger jobs where the pool's overhead per job would slow a fast
/// stream down. At most [`FAST_BODIES`] bodies at once do, so this costs
/// at most a few MiB however many uploads run.
pub const FAST_PIECE: usize = 1024 * 1024;
/// A body that brings [`FAST_PIECE`] within this time is fast.
pub const FAST: Duration = Duration::from_millis(16);
/// Bodies gathering [`FAST_PIECE`] at once, at most.
pub const FAST_BODIES: usize = 16;
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

/// What arrived of one request body, written but not yet synced.
pub struct Received {
    /// Bytes written after the starting offset.
    pub bytes: u64,
    /// Digest of the body by the algorithm of its `Upload-Checksum`.
    pub digest: Option<Vec<u8>>,
    /// The body ended early (connection lost, silence, taken over).
    pub interrupted: bool,
    /// The body went beyond the upload's declared length.
    pub overflow: bool,
    /// How the body's blocks checked out, when it had block checksums.
    pub blocks: Option<Blocks>,
    /// The whole file's SHA-256 state from byte 0 to the end of this body,
    /// when it is known without reading the file.
    whole: Option<ChunkHasher>,
    /// The writer, to sync what was written.
    out: Box<dyn UploadWriter>,
}

/// How a body with block checksums checked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocks {
    /// Bytes from the body's start that checked out, whole blocks.
    pub verified: u64,
    /// A block did not match (damaged in transit).
    pub damaged: bool,
    /// Every block of the header checked out.
    pub complete: bool,
}

impl std::fmt::Debug for Received {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Received")
            .field("bytes", &self.bytes)
            .field("interrupted", &self.interrupted)
            .field("overflow", &self.overflow)
            .finish_non_exhaustive()
    }
}

impl Received {
    /// Keeps the whole-file hash for the upload's next request, or, when
    /// this body completed the upload, its hex digest (`None`: unknown,
    /// the file must be read).
    pub fn finish_hash(
        &mut self,
        state: &AppState,
        id: &str,
        end: u64,
        complete: bool,
    ) -> Option<String> {
        let whole = self.whole.take()?;
        if complete {
            return Some(hoso_core::hash::to_hex(&whole.finish()));
        }
        state.hashes.put(id, end, whole);
        None
    }

    /// Makes what was written durable, now; `complete` when it ends the
    /// upload (the store then seals it).
    pub async fn sync(self, complete: bool) -> Result<(), ApiError> {
        self.out.commit(complete).await.map_err(ApiError::from)
    }

    /// Forgets what was written beyond the first `len` bytes of the body.
    pub async fn truncate(mut self, len: u64) -> Result<Self, ApiError> {
        tokio::task::spawn_blocking(move || {
            self.out.truncate(len)?;
            Ok::<_, std::io::Error>(self)
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)
    }

    /// Syncs what was written and records `end` as the upload's offset
    /// after the answer: the upload's next request may go on from `end`
    /// at once (see [`Trailing`]). On shared records, `lease` keeps the
    /// upload held from other replicas until the offset is recorded.
    pub fn sync_later(
        self,
        state: &AppState,
        id: &str,
        end: u64,
        lease: Option<std::sync::Arc<crate::state::LeaseGuard>>,
    ) {
        let done = state.trailing.start(id, end);
        let (state, id) = (state.clone(), id.to_owned());
        tokio::spawn(async move {
            let recorded = match self.sync(false).await {
                Ok(()) => state.db.raise_offset(&id, end).await,
                Err(e) => Err(e),
            };
            if let Err(e) = recorded {
                tracing::warn!(upload = %id, code = e.code, "a trailing sync failed; HEAD reports less");
            }
            state.trailing.end(&id, end);
            drop(done);
            drop(lease);
        });
    }
}

/// The previous request's bytes are still being stored: the client asks
/// again shortly (its offset stands).
fn store_busy() -> ApiError {
    tracing::warn!("the upload store did not finish the previous request's bytes in time");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "store_busy",
        "Kho lưu tệp đang chậm, chưa lưu xong phần gửi trước của tệp này; phần này chưa được ghi. Hãy hỏi lại vị trí và gửi tiếp sau vài giây.",
        "The file store is slow and has not finished storing this upload's previous bytes; this request was not written. Ask for the offset and continue in a few seconds.",
    )
    .with_header("retry-after", HeaderValue::from_static("2"))
}

/// Uploads whose last request was answered before its bytes were synced:
/// the offset received, and a signal dropped once the sync is recorded (or
/// failed). In memory only: if the portal dies, the durable offset in the
/// database is the truth.
#[derive(Debug, Default)]
pub struct Trailing(Mutex<HashMap<String, (u64, tokio::sync::watch::Receiver<()>)>>);

/// How long a `HEAD` waits for a trailing sync before it answers with what
/// is durable already.
pub const TRAILING_WAIT: Duration = Duration::from_secs(10);

impl Trailing {
    fn map(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, (u64, tokio::sync::watch::Receiver<()>)>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The offset received for upload `id` while its sync trails.
    pub fn offset(&self, id: &str) -> Option<u64> {
        self.map().get(id).map(|(offset, _)| *offset)
    }

    /// Waits until no sync of upload `id` trails (at most [`TRAILING_WAIT`]).
    ///
    /// Whether the sync ended (or none ran): false when it still runs
    /// after [`TRAILING_WAIT`].
    pub async fn settled(&self, id: &str) -> bool {
        self.settled_within(id, TRAILING_WAIT).await
    }

    async fn settled_within(&self, id: &str, wait: Duration) -> bool {
        let Some(mut done) = self.map().get(id).map(|(_, rx)| rx.clone()) else {
            return true;
        };
        // The sender is dropped when the sync is recorded or failed.
        tokio::time::timeout(wait, done.changed()).await.is_ok()
    }

    fn start(&self, id: &str, offset: u64) -> tokio::sync::watch::Sender<()> {
        let (tx, rx) = tokio::sync::watch::channel(());
        self.map().insert(id.to_owned(), (offset, rx));
        tx
    }

    fn end(&self, id: &str, offset: u64) {
        let mut map = self.map();
        if map.get(id).is_some_and(|(at, _)| *at == offset) {
            map.remove(id);
        }
    }

    /// Forgets upload `id` (removed).
    pub fn forget(&self, id: &str) {
        self.map().remove(id);
    }
}

/// The storage writer and the hashes, each handed to a blocking job at a
/// time and back: a piece is written and hashed by two jobs at once.
struct Parts {
    out: Box<dyn UploadWriter>,
    hashes: Hashes,
}

/// The hashes a body feeds: its `Upload-Checksum` and the whole file's.
struct Hashes {
    chunk: Option<ChunkHasher>,
    whole: Option<ChunkHasher>,
    blocks: Option<BlockVerifier>,
}

impl Hashes {
    fn update(&mut self, piece: &[u8]) {
        for h in [self.chunk.as_mut(), self.whole.as_mut()]
            .into_iter()
            .flatten()
        {
            h.update(piece);
        }
        if let Some(b) = self.blocks.as_mut() {
            b.update(piece);
        }
    }

    /// A block did not check out: nothing after it is worth reading.
    fn damaged(&self) -> bool {
        self.blocks.as_ref().is_some_and(BlockVerifier::failed)
    }
}

/// The two jobs of one piece.
type Jobs = (
    tokio::task::JoinHandle<(Box<dyn UploadWriter>, std::io::Result<()>)>,
    tokio::task::JoinHandle<Hashes>,
);

/// Writes pieces through blocking jobs, one piece in flight at a time, and
/// runs checkpoints in the background, one at a time.
struct Sink {
    cores: Arc<tokio::sync::Semaphore>,
    parts: Option<Parts>,
    job: Option<Jobs>,
    /// Bytes handed to jobs so far.
    written: u64,
    /// The checkpoint under way, if any.
    checkpoint: Option<tokio::task::JoinHandle<()>>,
}

impl Sink {
    /// Waits for the job in flight and takes the parts back.
    async fn settle(&mut self) -> Result<&mut Parts, ApiError> {
        if let Some((write, hash)) = self.job.take() {
            let (out, result) = write.await.map_err(ApiError::internal)?;
            let hashes = hash.await.map_err(ApiError::internal)?;
            self.parts = Some(Parts { out, hashes });
            result?;
        }
        self.parts
            .as_mut()
            .ok_or_else(|| ApiError::internal("upload writer lost"))
    }

    /// Hands `pieces` to a new job once the previous one is done; false
    /// (and nothing written) when a block already failed its checksum.
    async fn write(&mut self, pieces: Vec<Bytes>) -> Result<bool, ApiError> {
        if self.settle().await?.hashes.damaged() {
            return Ok(false);
        }
        let parts = self
            .parts
            .take()
            .ok_or_else(|| ApiError::internal("upload writer lost"))?;
        self.written += pieces.iter().map(|p| p.len() as u64).sum::<u64>();
        let Parts {
            mut out,
            mut hashes,
        } = parts;
        let to_hash = pieces.clone();
        // Both turns at once: taken one by one, a thousand uploads each
        // holding one and waiting for its second would wait forever.
        let mut core = self
            .cores
            .clone()
            .acquire_many_owned(2)
            .await
            .map_err(ApiError::internal)?;
        let other_core = core
            .split(1)
            .ok_or_else(|| ApiError::internal("a turn for the hash"))?;
        let write = tokio::task::spawn_blocking(move || {
            background_priority();
            let result = pieces.iter().try_for_each(|piece| out.write_all(piece));
            drop(core);
            (out, result)
        });
        let hash = tokio::task::spawn_blocking(move || {
            background_priority();
            to_hash.iter().for_each(|piece| hashes.update(piece));
            drop(other_core);
            hashes
        });
        self.job = Some((write, hash));
        Ok(true)
    }

    /// Starts syncing and recording what was written so far, unless a
    /// checkpoint is still under way; true when one started.
    async fn checkpoint(
        &mut self,
        state: &AppState,
        id: &str,
        offset: u64,
    ) -> Result<bool, ApiError> {
        if self.checkpoint.as_ref().is_some_and(|c| !c.is_finished()) {
            return Ok(false);
        }
        let written = self.written;
        let parts = self.settle().await?;
        // With block checksums, only what checked out is kept, and only
        // what may be kept is made durable (the store may make less).
        let kept = parts
            .hashes
            .blocks
            .as_ref()
            .map_or(written, BlockVerifier::verified);
        let sync = parts.out.syncer(kept)?;
        let (state, row) = (state.clone(), id.to_owned());
        self.checkpoint = Some(tokio::spawn(async move {
            let end = match sync.await {
                Ok(durable) => offset + durable.min(kept),
                Err(e) => {
                    tracing::warn!(upload = %row, %e, "a checkpoint's sync failed");
                    return;
                }
            };
            let _ = state.db.raise_offset(&row, end).await;
        }));
        Ok(true)
    }

    /// Finishes writing (without syncing); the hashes and the writer. A
    /// body that `ended` as sent has its last, shorter block checked. A
    /// checkpoint under way is waited for, so that nothing is recorded
    /// after the caller decides what to keep.
    async fn close(mut self, ended: bool) -> Result<(Hashes, Box<dyn UploadWriter>), ApiError> {
        self.settle().await?;
        if let Some(c) = self.checkpoint.take() {
            let _ = c.await;
        }
        let mut parts = self
            .parts
            .take()
            .ok_or_else(|| ApiError::internal("upload writer lost"))?;
        if ended && let Some(b) = parts.hashes.blocks.as_mut() {
            b.finish();
        }
        Ok((parts.hashes, parts.out))
    }
}

/// Lowers the calling thread's scheduling priority (once per thread):
/// jobs that keep a core busy then yield the core to the threads that
/// answer requests and run the database, whatever their number. Linux
/// only for now; elsewhere the threads keep the process's priority.
pub fn background_priority() {
    #[cfg(target_os = "linux")]
    {
        thread_local! {
            static LOWERED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        }
        if LOWERED.with(|l| l.replace(true)) {
            return;
        }
        // On Linux a thread's nice value is its own (the thread id names it).
        let me = rustix::thread::gettid();
        if let Err(e) = rustix::process::setpriority_process(Some(me), 10) {
            tracing::debug!(%e, "could not lower a file thread's priority");
        }
    }
}

/// Whether the body being written is checked block by block.
fn sink_has_blocks(sink: &Sink) -> bool {
    sink.parts
        .as_ref()
        .is_some_and(|p| p.hashes.blocks.is_some())
}

/// A turn on a core for one job that keeps it busy.
pub async fn turn(
    cores: &Arc<tokio::sync::Semaphore>,
) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    cores
        .clone()
        .acquire_owned()
        .await
        .map_err(ApiError::internal)
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
    /// is then kept whole or not at all, with no checkpoints (unless it
    /// also has block checksums).
    pub checksum: Option<ChecksumAlgorithm>,
    /// The request's `HoSo-Block-Checksum`, if any: the body is then kept
    /// up to its last block that checked out.
    pub blocks: Option<BlockChecksums>,
}

/// Streams `body` into the upload held by `target.lock`; see the module's
/// sync policy. A body that goes silent for the portal's idle timeout,
/// breaks off, or is taken over by a newer request for the same upload
/// ends early, keeping what arrived. The caller syncs what was written
/// ([`Received::sync`], [`Received::sync_later`]) or drops it.
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
        blocks,
    } = target;
    let id = lock.id().to_owned();
    let whole = state.hashes.take(&id, offset);
    // A store that opens where the last commit left off cannot open
    // before it ended: a store that slow is answered as busy, nothing
    // written, rather than read short.
    if state.storage.opens_after_commit() && !state.trailing.settled(&id).await {
        return Err(store_busy());
    }
    let out = match state.storage.append_at(&id, offset).await {
        Ok(out) => out,
        Err(e) => match crate::storage::Ahead::of(&e) {
            Some(durable) => return Err(ahead(state, &id, durable).await),
            None => return Err(e.into()),
        },
    };
    let mut sink = Sink {
        cores: state.busy_cores.clone(),
        parts: Some(Parts {
            out,
            hashes: Hashes {
                chunk: checksum.map(ChecksumAlgorithm::hasher),
                whole,
                blocks: blocks.map(BlockChecksums::verifier),
            },
        }),
        job: None,
        written: 0,
        checkpoint: None,
    };
    // What may be kept in part: a body without a whole-chunk checksum, or
    // one checked block by block.
    let piecemeal = checksum.is_none() || sink_has_blocks(&sink);
    let idle = state.config.idle_body_timeout;
    let mut stream = body.into_data_stream();
    let (mut pending, mut pending_len) = (Vec::new(), 0usize);
    let (mut received, mut interrupted, mut overflow, mut damaged) = (0u64, false, false, false);
    let (mut checkpointed, mut last_checkpoint) = (0u64, Instant::now());
    let (mut silent_since, mut piece_started) = (Instant::now(), Instant::now());
    let mut fast: Option<tokio::sync::OwnedSemaphorePermit> = None;
    loop {
        // While bytes wait for a checkpoint, wake after a short silence to
        // make one; otherwise wait out the idle timeout.
        let unrecorded = piecemeal && received > checkpointed;
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
                if pending.is_empty() {
                    piece_started = Instant::now();
                }
                pending_len += bytes.len();
                pending.push(bytes);
                // Past a piece, a fast body may go on gathering if it
                // holds (or gets) one of the few places for fast bodies.
                if pending_len >= PIECE {
                    let gather = pending_len < FAST_PIECE
                        && piece_started.elapsed() < FAST
                        && (fast.is_some() || {
                            fast = state.fast_bodies.clone().try_acquire_owned().ok();
                            fast.is_some()
                        });
                    if !gather {
                        if !sink.write(std::mem::take(&mut pending)).await? {
                            damaged = true;
                            break;
                        }
                        pending_len = 0;
                    }
                }
                if piecemeal
                    && sink.written - checkpointed >= CHECKPOINT_BYTES
                    && last_checkpoint.elapsed() >= CHECKPOINT_EVERY
                    && sink.checkpoint(state, &id, offset).await?
                {
                    (checkpointed, last_checkpoint) = (sink.written, Instant::now());
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
                    if !sink.write(std::mem::take(&mut pending)).await? {
                        damaged = true;
                        break;
                    }
                    pending_len = 0;
                }
                if sink.checkpoint(state, &id, offset).await? {
                    (checkpointed, last_checkpoint) = (sink.written, Instant::now());
                }
            }
        }
    }
    if !overflow && !damaged && !pending.is_empty() {
        sink.write(pending).await?;
    }
    let bytes = sink.written;
    let ended = !(overflow || damaged || interrupted);
    let (hashes, out) = sink.close(ended).await?;
    let blocks = hashes.blocks.map(|b| Blocks {
        verified: b.verified(),
        damaged: b.failed(),
        complete: b.complete(),
    });
    // A tail that did not check out is not kept: the whole-file hash,
    // which saw it, is no longer the kept bytes' hash.
    let whole_kept = !overflow && blocks.is_none_or(|b| b.verified == bytes);
    Ok(Received {
        bytes,
        digest: hashes.chunk.map(ChunkHasher::finish),
        interrupted,
        overflow,
        blocks,
        whole: hashes.whole.filter(|_| whole_kept),
        out,
    })
}

/// Records upload `id` complete at `length`: its SHA-256 (`running`, when
/// this process saw every byte; else read back from the store once), the
/// time, and when it expires unless a filing names it first.
pub async fn record_complete(
    state: &AppState,
    id: &str,
    length: u64,
    running: Option<String>,
) -> Result<(), ApiError> {
    let sha256 = match running {
        Some(hex) => hex,
        None => hash_stored(state, id).await?,
    };
    let now = crate::state::now_vn();
    let expiry =
        chrono::Duration::from_std(state.config.upload_expiry).unwrap_or(chrono::Duration::days(7));
    let done = crate::records::Completed {
        sha256,
        at: now.to_rfc3339(),
        expires_at: (now + expiry).to_rfc3339(),
    };
    state.db.complete_upload(id, length, done).await
}

/// The store holds `durable` bytes of upload `id`, more than recorded
/// (a portal stopped between making them durable and recording them):
/// they are recorded now, and the request is refused with the offset to
/// go on from, as for any other mismatch. When they are the whole upload
/// (the store sealed it), the upload is recorded complete too, with its
/// SHA-256 read from the store: nothing else would ever complete it.
async fn ahead(state: &AppState, id: &str, durable: u64) -> ApiError {
    if let Err(e) = state.db.raise_offset(id, durable).await {
        return e;
    }
    tracing::info!(upload = %id, durable, "bytes found durable beyond the recorded offset");
    let sealed = match state.db.upload(id).await {
        Ok(row) => {
            row.is_some_and(|r| !r.length_deferred && r.length == durable && r.sha256.is_none())
        }
        Err(e) => return e,
    };
    if sealed {
        if let Err(e) = record_complete(state, id, durable, None).await {
            return e;
        }
        tracing::info!(upload = %id, "an upload found sealed in the store was recorded complete");
    }
    ApiError::new(
        axum::http::StatusCode::CONFLICT,
        "offset_mismatch",
        format!("Cổng đang có {durable} byte; hãy tiếp tục từ {durable}."),
        format!("The portal holds {durable} bytes; continue from {durable}."),
    )
    .with_header("upload-offset", axum::http::HeaderValue::from(durable))
}

/// The SHA-256 of a complete upload, read back from storage once: for an
/// upload whose running hash is not known here (the portal restarted
/// meanwhile, or another replica received part of it).
pub async fn hash_stored(state: &AppState, id: &str) -> Result<String, ApiError> {
    let pieces = state.storage.read(id).await?;
    let (_, _, hasher) = drain(state, pieces, None, ChecksumAlgorithm::Sha256.hasher()).await?;
    Ok(hoso_core::hash::to_hex(&hasher.finish()))
}

/// Pieces gathered before they are hashed (and written) by one job.
const DRAIN_BATCH: usize = 1024 * 1024;

/// Reads `pieces` to their end, hashing them and writing them to `out`
/// when given, in jobs of about 1 MiB that each take a turn on a core;
/// the bytes read, the writer and the hash.
pub async fn drain(
    state: &AppState,
    pieces: crate::storage::Pieces,
    mut out: Option<Box<dyn UploadWriter>>,
    mut hasher: ChunkHasher,
) -> Result<(u64, Option<Box<dyn UploadWriter>>, ChunkHasher), ApiError> {
    // Asked again after its end when the last batch is short.
    let mut pieces = pieces.fuse();
    let mut total = 0u64;
    loop {
        let mut batch = Vec::new();
        let mut len = 0usize;
        while len < DRAIN_BATCH {
            match pieces.next().await.transpose()? {
                Some(piece) => {
                    len += piece.len();
                    batch.push(piece);
                }
                None => break,
            }
        }
        if batch.is_empty() {
            return Ok((total, out, hasher));
        }
        total += len as u64;
        let core = turn(&state.busy_cores).await?;
        (out, hasher) = tokio::task::spawn_blocking(move || {
            background_priority();
            let _core = core;
            for piece in &batch {
                hasher.update(piece);
                if let Some(out) = out.as_mut() {
                    out.write_all(piece)?;
                }
            }
            Ok::<_, std::io::Error>((out, hasher))
        })
        .await
        .map_err(ApiError::internal)??;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_trailing_sync_is_seen_until_it_ends_and_head_waits_for_it() {
        let trailing = Trailing::default();
        assert_eq!(trailing.offset("u"), None);
        let first = trailing.start("u", 100);
        assert_eq!(trailing.offset("u"), Some(100));
        // The next request answered before the first sync ended.
        let second = trailing.start("u", 250);
        trailing.end("u", 100);
        assert_eq!(
            trailing.offset("u"),
            Some(250),
            "a later sync is not forgotten"
        );
        drop(first);
        let waiting = tokio::spawn(async move {
            let started = Instant::now();
            let ended = trailing.settled("u").await;
            (ended, started.elapsed())
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "HEAD waits while the sync runs");
        drop(second);
        let (ended, waited) = waiting.await.expect("settled");
        assert!(ended, "the sync ended within the wait");
        assert!(waited >= Duration::from_millis(50));
    }

    #[tokio::test]
    async fn a_sync_that_outlasts_the_wait_is_reported_unsettled() {
        let trailing = Trailing::default();
        assert!(
            trailing.settled_within("u", Duration::ZERO).await,
            "nothing trailing"
        );
        let running = trailing.start("u", 100);
        assert!(
            !trailing
                .settled_within("u", Duration::from_millis(30))
                .await,
            "still running after the wait: the next request is answered busy"
        );
        drop(running);
        assert!(
            trailing
                .settled_within("u", Duration::from_millis(30))
                .await
        );
    }
}
