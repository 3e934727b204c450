//! The tus client. It works with any tus 1.0 server: HoSo's portal or
//! another one (`@tus/server`, tusd).
//!
//! - The upload URL is committed to the ledger ([`UploadLedger`], the
//!   profile's store) before the first byte, and every confirmed offset
//!   after it, so a restart resumes.
//! - Where the server offers HoSo's block checksums (HoSo's portal), small
//!   PATCHes go back to back over one connection, each carrying the sha256
//!   of its blocks (`HoSo-Block-Checksum`), never more than a window of
//!   bytes ahead of what the server confirmed (see [`pipeline`]): a cut
//!   connection costs at most the window (256 KiB on a local link), and
//!   every byte the server keeps was checked against this side's digests.
//!   Behind a proxy set in the environment, chunks go one per request as
//!   below, each with block checksums, and a cut loses at most the block
//!   under way plus what the sockets held. Where the server offers only
//!   the checksum extension, each
//!   chunk carries `Upload-Checksum` (sha256 preferred) and is kept whole
//!   or not at all. Either way the chunk is read once into memory, hashed
//!   and sent from there, its size adapted to the measured rate within
//!   [`UploadSettings`]' bounds (`hoso_tus::pacing::ChunkSizer`).
//!   Elsewhere the rest of the file streams in one PATCH, a piece at a
//!   time, and the whole file's sha256 (checked by the portal at
//!   submission) is the guard.
//! - A request that moves nothing for `stall_timeout` is abandoned; after
//!   any failure the client asks the server for its offset (HEAD) and goes
//!   on: at once after a broken or silent connection, with full-jitter
//!   backoff after a refused connection, an overloaded server or the same
//!   failure again without progress, or as long as `Retry-After` says
//!   (`hoso_tus::pacing::wait_after`). An upload the server forgot
//!   (404/410) starts again. Errors a person must act on (too large,
//!   refused) stop at once.

mod pipeline;

use super::body::{self, Cap, Meter};
use super::ledger::{UploadKey, UploadLedger};
use super::retry::{retry_after, wait};
use super::settings::UploadSettings;
use crate::error::ClientError;
use crate::library::LibraryEntry;
use crate::progress::Tracker;
use bytes::Bytes;
use hoso_tus::blocks::{self, BlockChecksums};
use hoso_tus::checksum::ChecksumAlgorithm;
use hoso_tus::headers::{self as h, Extension};
use hoso_tus::pacing::{ChunkSizer, Failure as Cause, Window};
use hoso_tus::status::{Next, next_step};
use hoso_tus::{Metadata, UploadChecksum, metadata};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where an upload goes.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The tus creation endpoint.
    pub endpoint: &'a str,
    /// Bearer token, if the server wants one.
    pub token: Option<&'a str>,
}

/// What the uploads of one sending share: the bandwidth cap, the progress
/// report, and what the server offers (asked once, not per document).
#[derive(Debug, Clone, Default)]
pub struct Shared {
    /// The cap all of them keep within.
    pub cap: Option<Cap>,
    /// Where confirmed bytes and waits are reported.
    pub tracker: Option<Tracker>,
    /// The server's answer to `OPTIONS`, once one upload has it.
    caps: std::sync::Arc<std::sync::Mutex<Option<ServerCaps>>>,
}

impl Shared {
    /// Uploads within `cap`, reporting to `tracker`.
    pub fn new(cap: Option<Cap>, tracker: Option<Tracker>) -> Self {
        Self {
            cap,
            tracker,
            caps: Default::default(),
        }
    }

    fn known_caps(&self) -> Option<ServerCaps> {
        self.caps.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn remember_caps(&self, caps: &Option<ServerCaps>) {
        if let Some(c) = caps {
            *self.caps.lock().unwrap_or_else(|p| p.into_inner()) = Some(c.clone());
        }
    }
}

/// What one upload did, for progress and benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadReport {
    /// The upload's URL on the server.
    pub url: String,
    /// Bytes handed to connections, all attempts together.
    pub sent: u64,
    /// Requests that failed and were resumed.
    pub resumes: u32,
    /// Of those, abandoned because nothing moved (stalls).
    pub stalls: u32,
}

/// What the server offers, from `OPTIONS`.
#[derive(Debug, Clone, Default)]
struct ServerCaps {
    checksum: Option<ChecksumAlgorithm>,
    /// HoSo's block checksums (sha256).
    blocks: bool,
}

impl ServerCaps {
    /// An interrupted chunk is lost whole (kept only with its checksum).
    fn loses_whole_chunks(&self) -> bool {
        self.checksum.is_some() && !self.blocks
    }
}

/// How a request failed.
enum Failure {
    /// Ask for the offset and go on, after what `cause` calls for, or
    /// `wait` if the server said.
    Retry(ClientError, Cause, Option<Duration>),
    /// Nothing moved for the stall timeout.
    Stalled,
    /// The upload is gone: create a new one.
    Restart,
    /// The person must act.
    Fatal(ClientError),
}

impl From<reqwest::Error> for Failure {
    fn from(e: reqwest::Error) -> Self {
        // No connection at all: the network or the server is down. Any
        // other error broke a connection that was up.
        let cause = if e.is_connect() {
            Cause::Refused
        } else {
            Cause::Broken
        };
        Self::Retry(e.into(), cause, None)
    }
}

/// One upload of one library file.
struct Upload<'a> {
    http: &'a reqwest::Client,
    ledger: &'a dyn UploadLedger,
    target: Target<'a>,
    entry: &'a LibraryEntry,
    file: PathBuf,
    settings: &'a UploadSettings,
    meter: Meter,
    tracker: Option<Tracker>,
    buffers: Buffers,
}

/// The chunk buffers of one upload: at most two, kept across chunks and
/// across interrupted attempts, so that memory stays at two chunks
/// whatever the file's size and however often the link breaks.
#[derive(Debug, Clone, Default)]
struct Buffers(std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>);

impl Buffers {
    fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
            .unwrap_or_default()
    }

    fn give(&self, buffer: Vec<u8>) {
        let mut kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() < 2 {
            kept.push(buffer);
        }
    }

    /// Takes back the buffer of a chunk whose request is over (when
    /// nothing else holds it any more).
    fn recover(&self, chunk: Bytes) {
        if let Ok(buffer) = chunk.try_into_mut() {
            self.give(buffer.into());
        }
    }

    /// Takes back the buffer of a chunk read ahead but not sent, once its
    /// read is over.
    fn reclaim(&self, sealing: Sealing) {
        let buffers = self.clone();
        tokio::spawn(async move {
            if let Ok(Ok((chunk, _))) = sealing.await {
                buffers.recover(chunk);
            }
        });
    }
}

/// What a sending loop holds of its buffers; given back however it ends
/// (a chunk being read ahead is taken back once its read finishes).
struct Held<'a> {
    buffers: &'a Buffers,
    travelling: Option<Bytes>,
    ahead: Option<(u64, Sealing)>,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if let Some(chunk) = self.travelling.take() {
            self.buffers.recover(chunk);
        }
        if let Some((_, sealing)) = self.ahead.take() {
            self.buffers.reclaim(sealing);
        }
    }
}

/// Uploads a library file (resuming an earlier upload of the same content
/// to the same endpoint if the server still has it), within `cap` when
/// given (shared with uploads running beside it); returns its URL and
/// what it took.
pub async fn upload(
    http: &reqwest::Client,
    ledger: &dyn UploadLedger,
    target: Target<'_>,
    entry: &LibraryEntry,
    file: &Path,
    settings: &UploadSettings,
    shared: &Shared,
) -> Result<UploadReport, ClientError> {
    let up = Upload {
        http,
        ledger,
        target,
        entry,
        file: file.to_owned(),
        settings,
        meter: Meter::new(shared.cap.clone()),
        tracker: shared.tracker.clone(),
        buffers: Buffers::default(),
    };
    let mut report = UploadReport::default();
    let mut chunker = ChunkSizer::new(settings.chunk_bounds());
    let mut window = settings.window();
    let mut caps = shared.known_caps();
    let (mut attempt, mut confirmed, mut last_progress) = (0u32, None, Instant::now());
    loop {
        let outcome = up
            .attempt(
                &mut caps,
                &mut chunker,
                &mut window,
                &mut confirmed,
                &mut report,
            )
            .await;
        shared.remember_caps(&caps);
        let (error, cause, asked) = match outcome {
            Ok(url) => {
                report.url = url;
                report.sent = up.meter.total();
                return Ok(report);
            }
            Err(Failure::Fatal(e)) => return Err(e),
            Err(Failure::Restart) => {
                up.forget().await?;
                confirmed = None;
                continue;
            }
            Err(Failure::Stalled) => {
                report.stalls += 1;
                (
                    ClientError::Network(format!(
                        "không có dữ liệu nào đi qua trong {} giây / nothing moved for {} s",
                        settings.stall_timeout.as_secs(),
                        settings.stall_timeout.as_secs()
                    )),
                    Cause::Broken,
                    None,
                )
            }
            Err(Failure::Retry(e, cause, asked)) => (e, cause, asked),
        };
        report.resumes += 1;
        chunker.interrupted(caps.as_ref().is_some_and(ServerCaps::loses_whole_chunks));
        if confirmed.is_some_and(|(_, at)| at > last_progress) {
            last_progress = confirmed.map_or(last_progress, |(_, at)| at);
            attempt = 0;
        }
        if last_progress.elapsed() >= settings.give_up_after {
            return Err(error);
        }
        let wait = wait(
            cause,
            attempt,
            asked.map(|w| w.min(settings.max_retry_after)),
        );
        tracing::info!(%error, ?wait, attempt, "upload interrupted; resuming");
        attempt = attempt.saturating_add(1);
        up.report_waiting(true);
        tokio::time::sleep(wait).await;
        up.report_waiting(false);
    }
}

impl Upload<'_> {
    fn report_confirmed(&self, offset: u64) {
        if let Some(t) = &self.tracker {
            t.confirmed(self.entry.sha256, offset);
        }
    }

    fn report_waiting(&self, waiting: bool) {
        if let Some(t) = &self.tracker {
            t.waiting(waiting);
        }
    }

    /// One go: find or create the upload, then send until done or failed.
    async fn attempt(
        &self,
        caps: &mut Option<ServerCaps>,
        chunker: &mut ChunkSizer,
        window: &mut Window,
        confirmed: &mut Option<(u64, Instant)>,
        report: &mut UploadReport,
    ) -> Result<String, Failure> {
        if caps.is_none() {
            *caps = Some(self.guarded(self.options()).await?);
        }
        let caps = caps.clone().unwrap_or_default();
        let (url, offset) = match self.saved().await.map_err(Failure::Fatal)? {
            Some(url) => {
                let offset = self.guarded(self.head(&url)).await?;
                if let Some(t) = &self.tracker {
                    t.recovered(self.entry.sha256, offset);
                }
                // What the server kept of a broken request (whole blocks)
                // is progress too: the next failure is a first one again.
                if confirmed.is_none_or(|(at, _)| offset > at) {
                    *confirmed = Some((offset, Instant::now()));
                }
                (url, offset)
            }
            None => (self.guarded(self.create()).await?, 0),
        };
        report.url.clone_from(&url);
        if caps.blocks && pipeline::usable(&url) {
            self.guarded(self.send_pipelined(&url, offset, window, confirmed))
                .await?;
        } else {
            self.send_from(&url, offset, &caps, chunker, confirmed)
                .await?;
        }
        Ok(url)
    }

    /// Runs a request, abandoning it once nothing moved for the stall time.
    async fn guarded<T>(
        &self,
        request: impl std::future::Future<Output = Result<T, Failure>>,
    ) -> Result<T, Failure> {
        self.meter.touch();
        tokio::select! {
            result = request => result,
            () = self.meter.stalled(self.settings.stall_timeout) => Err(Failure::Stalled),
        }
    }

    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let req = self
            .http
            .request(method, url)
            .header(h::TUS_RESUMABLE, h::VERSION);
        match self.target.token {
            Some(t) => req.header(AUTHORIZATION, format!("Bearer {t}")),
            None => req,
        }
    }

    async fn options(&self) -> Result<ServerCaps, Failure> {
        let res = self
            .request(reqwest::Method::OPTIONS, self.target.endpoint)
            .send()
            .await?;
        let status = res.status();
        if status == reqwest::StatusCode::METHOD_NOT_ALLOWED
            || status == reqwest::StatusCode::NOT_FOUND
        {
            // A server that does not describe itself offers the core only.
            return Ok(ServerCaps::default());
        }
        if !status.is_success() {
            return Err(classify(res, "OPTIONS").await);
        }
        let header = |name| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
        };
        let extensions = Extension::parse_list(header(h::TUS_EXTENSION));
        let algorithms = ChecksumAlgorithm::parse_list(header(h::TUS_CHECKSUM_ALGORITHM));
        let checksum = extensions
            .contains(&Extension::Checksum)
            .then(|| {
                algorithms
                    .iter()
                    .copied()
                    .find(|a| *a == ChecksumAlgorithm::Sha256)
                    .or(algorithms.first().copied())
            })
            .flatten();
        let blocks = extensions.contains(&Extension::BlockChecksum)
            && algorithms.contains(&ChecksumAlgorithm::Sha256);
        Ok(ServerCaps { checksum, blocks })
    }

    /// This upload in the ledger.
    fn key(&self) -> UploadKey {
        UploadKey {
            endpoint: self.target.endpoint.to_owned(),
            sha256: self.entry.sha256,
        }
    }

    async fn saved(&self) -> Result<Option<String>, ClientError> {
        self.ledger.url(self.key()).await
    }

    async fn forget(&self) -> Result<(), ClientError> {
        self.ledger.forget(self.key()).await
    }

    /// Creates the upload and records its URL before any byte is sent.
    async fn create(&self) -> Result<String, Failure> {
        let meta = Metadata::default()
            .with(metadata::FILENAME, &self.entry.name)
            .with(metadata::FILETYPE, &content_type(&self.entry.name))
            .with(metadata::SHA256, &self.entry.sha256.to_hex());
        let res = self
            .request(reqwest::Method::POST, self.target.endpoint)
            .header(h::UPLOAD_LENGTH, self.entry.size)
            .header(h::UPLOAD_METADATA, meta.to_header())
            .send()
            .await?;
        if res.status() != reqwest::StatusCode::CREATED {
            return Err(classify(res, "POST").await);
        }
        let location = res
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                Failure::Fatal(ClientError::Protocol(
                    "tus creation without Location".into(),
                ))
            })?;
        let url = reqwest::Url::parse(self.target.endpoint)
            .and_then(|base| base.join(location))
            .map_err(|e| {
                Failure::Fatal(ClientError::Protocol(format!(
                    "tus Location {location:?}: {e}"
                )))
            })?
            .to_string();
        // Invariant: the URL is durable before the first PATCH, so a crash
        // after this point resumes this upload instead of starting another.
        self.ledger
            .created(self.key(), url.clone(), self.entry.size)
            .await
            .map_err(Failure::Fatal)?;
        Ok(url)
    }

    async fn head(&self, url: &str) -> Result<u64, Failure> {
        let res = self.request(reqwest::Method::HEAD, url).send().await?;
        if !res.status().is_success() {
            return Err(classify(res, "HEAD").await);
        }
        let offset =
            offset_of(res.headers()).map_err(|e| Failure::Retry(e, Cause::Broken, None))?;
        if offset > self.entry.size {
            return Err(Failure::Restart);
        }
        Ok(offset)
    }

    async fn send_from(
        &self,
        url: &str,
        mut offset: u64,
        caps: &ServerCaps,
        chunker: &mut ChunkSizer,
        confirmed: &mut Option<(u64, Instant)>,
    ) -> Result<(), Failure> {
        let size = self.entry.size;
        // The next chunk, read and hashed while the current one travels,
        // so that the link does not idle between chunks.
        // Two chunk buffers take turns: one travelling, one being filled.
        let mut held = Held {
            buffers: &self.buffers,
            travelling: None,
            ahead: None,
        };
        while offset < size {
            let remaining = size - offset;
            let mut req = self
                .request(reqwest::Method::PATCH, url)
                .header(CONTENT_TYPE, h::OFFSET_OCTET_STREAM)
                .header(h::UPLOAD_OFFSET, offset);
            let len = match caps.checksum {
                Some(alg) => {
                    let guard = Guard {
                        algorithm: alg,
                        blocks: caps.blocks,
                    };
                    let sealing = match held.ahead.take() {
                        Some((at, sealing)) if at == offset => sealing,
                        stale => {
                            // Read ahead for an offset the server did not
                            // confirm: its buffer comes back when read.
                            if let Some((_, sealing)) = stale {
                                self.buffers.reclaim(sealing);
                            }
                            seal(
                                &self.file,
                                offset,
                                chunker.next(remaining),
                                guard,
                                &self.buffers,
                            )
                        }
                    };
                    let (chunk, sum) = sealing
                        .await
                        .map_err(|e| {
                            Failure::Fatal(ClientError::Protocol(format!("read task failed: {e}")))
                        })?
                        .map_err(Failure::Fatal)?;
                    let len = chunk.len() as u64;
                    let next_at = offset + len;
                    if next_at < size {
                        let next = seal(
                            &self.file,
                            next_at,
                            chunker.next(size - next_at),
                            guard,
                            &self.buffers,
                        );
                        held.ahead = Some((next_at, next));
                    }
                    held.travelling = Some(chunk.clone());
                    let (name, value) = sum.header();
                    req = req
                        .header(name, value)
                        .body(body::from_memory(chunk, self.meter.clone()));
                    len
                }
                None => {
                    let body =
                        body::from_file(self.file.clone(), offset, remaining, self.meter.clone())
                            .await
                            .map_err(Failure::Fatal)?;
                    req = req.body(body);
                    remaining
                }
            };
            let started = Instant::now();
            let res = self
                .guarded(async {
                    Ok(req
                        .header(reqwest::header::CONTENT_LENGTH, len)
                        .send()
                        .await?)
                })
                .await?;
            if !res.status().is_success() {
                return Err(classify(res, "PATCH").await);
            }
            let now_at =
                offset_of(res.headers()).map_err(|e| Failure::Retry(e, Cause::Broken, None))?;
            if now_at <= offset || now_at > self.entry.size {
                return Err(Failure::Retry(
                    ClientError::Protocol(format!(
                        "server confirmed offset {now_at} after sending from {offset}"
                    )),
                    Cause::Broken,
                    None,
                ));
            }
            // The request is done with its body: its buffer is free again.
            if let Some(chunk) = held.travelling.take() {
                self.buffers.recover(chunk);
            }
            chunker.observe(now_at - offset, started.elapsed());
            offset = now_at;
            *confirmed = Some((offset, Instant::now()));
            self.record(offset).await.map_err(Failure::Fatal)?;
            self.report_confirmed(offset);
        }
        Ok(())
    }

    async fn record(&self, offset: u64) -> Result<(), ClientError> {
        self.ledger.confirmed(self.key(), offset).await
    }
}

/// What an error status means for the upload.
async fn classify(res: reqwest::Response, what: &str) -> Failure {
    let (status, headers) = (res.status(), res.headers().clone());
    let text = match next_step(status.as_u16()) {
        Next::NeedsUser => res.text().await.unwrap_or_default(),
        _ => String::new(),
    };
    failure_of(status, &headers, &text, what)
}

/// What an answer with `status`, `headers` and body `text` means for the
/// upload.
fn failure_of(
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
    text: &str,
    what: &str,
) -> Failure {
    let wait = retry_after(headers);
    // An offset to ask again (409), a damaged chunk (460) or a cut body
    // (408) are a broken attempt: go on at once. A server that is busy or
    // failing (429, 5xx) or still writing from another request (423) is
    // waited for.
    let cause = match status.as_u16() {
        408 | 409 | 460 => Cause::Broken,
        _ => Cause::Busy,
    };
    match next_step(status.as_u16()) {
        Next::Restart => Failure::Restart,
        Next::NeedsUser => Failure::Fatal(crate::http::problem_text(status, text)),
        Next::Done | Next::Resume | Next::ResendChunk => Failure::Retry(
            ClientError::Network(format!("{what} answered {status}")),
            cause,
            wait,
        ),
    }
}

/// The `Upload-Offset` of an answer's `headers`.
fn offset_of(headers: &reqwest::header::HeaderMap) -> Result<u64, ClientError> {
    let value = headers
        .get(h::UPLOAD_OFFSET)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ClientError::Protocol("response without Upload-Offset".into()))?;
    h::parse_number(h::UPLOAD_OFFSET, value).map_err(|e| ClientError::Protocol(e.to_string()))
}

/// How a chunk is guarded on its way.
#[derive(Debug, Clone, Copy)]
struct Guard {
    /// The algorithm of `Upload-Checksum`.
    algorithm: ChecksumAlgorithm,
    /// Block checksums instead (sha256, blocks of [`blocks::BLOCK`]).
    blocks: bool,
}

/// A chunk's checksums as sent.
enum Sum {
    Whole(UploadChecksum),
    Blocks(BlockChecksums),
}

impl Sum {
    /// The header that carries it.
    fn header(&self) -> (&'static str, String) {
        match self {
            Sum::Whole(sum) => (h::UPLOAD_CHECKSUM, sum.to_header()),
            Sum::Blocks(sums) => (blocks::HEADER, sums.to_header()),
        }
    }
}

/// A chunk being read from the library and hashed, off the runtime.
type Sealing = tokio::task::JoinHandle<Result<(Bytes, Sum), ClientError>>;

/// Reads `len` bytes at `offset` (into a free buffer of `buffers`) and
/// hashes them as `guard` says, on a blocking thread.
fn seal(path: &Path, offset: u64, len: u64, guard: Guard, buffers: &Buffers) -> Sealing {
    let (path, buffers) = (path.to_owned(), buffers.clone());
    tokio::task::spawn_blocking(move || {
        let chunk = read_chunk(&path, offset, len, buffers.take())?;
        let sum = if guard.blocks {
            Sum::Blocks(BlockChecksums::of(
                ChecksumAlgorithm::Sha256,
                blocks::BLOCK,
                &chunk,
            ))
        } else {
            let mut hasher = guard.algorithm.hasher();
            hasher.update(&chunk);
            Sum::Whole(UploadChecksum {
                algorithm: guard.algorithm,
                digest: hasher.finish(),
            })
        };
        Ok((Bytes::from(chunk), sum))
    })
}

/// Reads `len` bytes at `offset` into `buf` (blocking).
fn read_chunk(
    path: &Path,
    offset: u64,
    len: u64,
    mut buf: Vec<u8>,
) -> Result<Vec<u8>, ClientError> {
    let mut f = std::fs::File::open(path).map_err(|e| ClientError::file(path, e))?;
    f.seek(SeekFrom::Start(offset))
        .map_err(|e| ClientError::file(path, e))?;
    buf.clear();
    buf.reserve(usize::try_from(len).unwrap_or(0));
    f.take(len)
        .read_to_end(&mut buf)
        .map_err(|e| ClientError::file(path, e))?;
    if buf.len() as u64 != len {
        return Err(ClientError::file(
            path,
            std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "tệp trong thư viện ngắn hơn khi nhập / library file is shorter than when imported",
            ),
        ));
    }
    Ok(buf)
}

/// The content type announced in the upload's metadata, from the name's
/// extension.
fn content_type(name: &str) -> String {
    mime_guess::from_path(name)
        .first_or_octet_stream()
        .essence_str()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::content_type;

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type("giấy chứng nhận.PDF"), "application/pdf");
        assert_eq!(content_type("ảnh.jpeg"), "image/jpeg");
        assert_eq!(content_type("bản vẽ.tif"), "image/tiff");
        assert_eq!(content_type("hồ sơ.zip"), "application/zip");
        assert_eq!(content_type("không đuôi"), "application/octet-stream");
    }
}
