//! Upload bytes in an S3-compatible object store, shared by every portal
//! replica. A tus upload is one S3 multipart upload, mapped the way tusd's
//! s3store maps them, with everything a replica needs to go on kept in the
//! bucket itself (no table of the portal changes):
//! - `uploads/ID.info`: which multipart upload holds upload `ID` and its
//!   part size (JSON, written once when the upload is created);
//! - the multipart upload of `uploads/ID`: parts of exactly the part size
//!   (at least 5 MiB), numbered from 1; `ListParts` tells any replica
//!   which are there;
//! - `uploads/ID.part`: the incomplete part, the bytes beyond the last
//!   whole part that a request ended with, its first byte's offset in its
//!   metadata. Once a whole part holds its bytes it is stale: ignored, and
//!   replaced or removed by the next request that ends;
//! - when complete, the object `uploads/ID`, sealed by
//!   `CompleteMultipartUpload` (an empty file by a plain PUT).
//!
//! What is durable, and so what an offset may be recorded for: the whole
//! parts (uploaded as they fill when a checkpoint asks, and when a request
//! ends) and the incomplete part (written when a request ends). A
//! checkpoint inside a request uploads whole parts only and never rewrites
//! the incomplete part, so a portal killed mid-request keeps what it
//! answered for and all but the last part's worth of what arrived since.
//!
//! Bytes waiting to fill a part are spooled to the local disk
//! (`DATA/s3-spool`, emptied at start), never held in memory. The store
//! only ever receives bytes a request may keep (checkpoints are asked for
//! those only), so bytes found durable beyond a recorded offset are the
//! upload's own: [`Ahead`] tells the caller to record them.

use super::{Ahead, Op, Pieces, UploadStorage, UploadWriter};
use crate::config::S3Settings;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use futures_util::StreamExt;
use std::collections::{HashMap, VecDeque};
use std::io::{self, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The smallest part S3 takes (all but the last).
pub const MIN_PART: u64 = 5 * 1024 * 1024;
/// The most parts of one multipart upload S3 takes.
const MAX_PARTS: u64 = 10_000;
/// Where objects go in the bucket.
const PREFIX: &str = "uploads/";
/// The user metadata naming the offset of an incomplete part's first byte.
const TAIL_OFFSET: &str = "hoso-offset";
/// Part sizes known per upload, at most (then forgotten and read again).
const INFOS_KEPT: usize = 10_000;

/// The part size for uploads of at most `max_upload` bytes: 5 MiB, or
/// more (whole MiB) when 10,000 parts of 5 MiB would not hold the largest.
pub fn part_size(max_upload: u64) -> u64 {
    const MIB: u64 = 1024 * 1024;
    (max_upload.div_ceil(MAX_PARTS).div_ceil(MIB) * MIB).max(MIN_PART)
}

/// Uploads kept in an S3-compatible bucket.
#[derive(Clone)]
pub struct S3Storage(Arc<Inner>);

struct Inner {
    client: Client,
    bucket: String,
    /// The part size of uploads created here.
    part_size: u64,
    /// Local folder for bytes waiting to fill a part.
    spool: PathBuf,
    /// Each upload's multipart upload, as read from its `.info`.
    infos: Mutex<HashMap<String, Info>>,
}

impl std::fmt::Debug for S3Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Storage")
            .field("bucket", &self.0.bucket)
            .field("part_size", &self.0.part_size)
            .finish_non_exhaustive()
    }
}

/// What `uploads/ID.info` holds.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Info {
    upload_id: String,
    part_size: u64,
}

/// An S3 call that failed, as an I/O error of the matching kind.
fn failed<E>(what: &str, e: SdkError<E, HttpResponse>) -> io::Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    let kind = match e.raw_response().map(|r| r.status().as_u16()) {
        Some(404) => io::ErrorKind::NotFound,
        Some(403) => io::ErrorKind::PermissionDenied,
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, format!("S3 {what}: {}", DisplayErrorContext(&e)))
}

/// Whether a failed call says the object or multipart upload is not there.
fn missing<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    e.raw_response().is_some_and(|r| r.status().as_u16() == 404)
        || matches!(e.code(), Some("NoSuchKey" | "NoSuchUpload" | "NotFound"))
}

/// Runs `job` on the blocking pool.
async fn blocking<T: Send + 'static>(
    job: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(job)
        .await
        .map_err(io::Error::other)?
}

/// A body read from a local file, so that a retry can read it again.
async fn file_body(path: &Path, len: u64) -> io::Result<ByteStream> {
    ByteStream::read_from()
        .path(path)
        .length(Length::Exact(len))
        .build()
        .await
        .map_err(io::Error::other)
}

impl S3Storage {
    /// A store on the bucket `settings` name, checked to answer, with
    /// `part_size` for new uploads and `spool` for bytes waiting to fill
    /// a part (emptied now: what a stopped portal left there was never
    /// durable).
    pub async fn connect(
        settings: &S3Settings,
        part_size: u64,
        spool: PathBuf,
    ) -> io::Result<Self> {
        let dir = spool.clone();
        blocking(move || {
            if dir.exists() {
                std::fs::remove_dir_all(&dir)?;
            }
            crate::private::create_dir(&dir)
        })
        .await?;
        let client = client(settings);
        client
            .head_bucket()
            .bucket(&settings.bucket)
            .send()
            .await
            .map_err(|e| {
                failed(
                    &format!("bucket {} at {}", settings.bucket, settings.endpoint),
                    e,
                )
            })?;
        Ok(Self(Arc::new(Inner {
            client,
            bucket: settings.bucket.clone(),
            part_size: part_size.max(MIN_PART),
            spool,
            infos: Mutex::new(HashMap::new()),
        })))
    }

    /// The part size of uploads created by this store.
    pub fn part_size(&self) -> u64 {
        self.0.part_size
    }

    fn key(id: &str) -> String {
        format!("{PREFIX}{id}")
    }

    fn tail_key(id: &str) -> String {
        format!("{PREFIX}{id}.part")
    }

    fn info_key(id: &str) -> String {
        format!("{PREFIX}{id}.info")
    }

    /// The multipart upload of upload `id`; `None` once it was sealed (or
    /// never existed).
    async fn info(&self, id: &str) -> io::Result<Option<Info>> {
        if let Some(info) = self.infos().get(id) {
            return Ok(Some(info.clone()));
        }
        let got = self
            .0
            .client
            .get_object()
            .bucket(&self.0.bucket)
            .key(Self::info_key(id))
            .send()
            .await;
        let body = match got {
            Ok(out) => out.body.collect().await.map_err(io::Error::other)?,
            Err(e) if missing(&e) => return Ok(None),
            Err(e) => return Err(failed("get upload info", e)),
        };
        let info: Info = serde_json::from_slice(&body.into_bytes()).map_err(io::Error::other)?;
        self.remember(id, &info);
        Ok(Some(info))
    }

    fn infos(&self) -> std::sync::MutexGuard<'_, HashMap<String, Info>> {
        self.0.infos.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn remember(&self, id: &str, info: &Info) {
        let mut infos = self.infos();
        if infos.len() >= INFOS_KEPT {
            infos.clear();
        }
        infos.insert(id.to_owned(), info.clone());
    }

    /// The parts uploaded so far, whole and in order from part 1.
    async fn parts(
        &self,
        id: &str,
        info: &Info,
    ) -> Result<
        Vec<CompletedPart>,
        SdkError<aws_sdk_s3::operation::list_parts::ListPartsError, HttpResponse>,
    > {
        let mut parts = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .0
                .client
                .list_parts()
                .bucket(&self.0.bucket)
                .key(Self::key(id))
                .upload_id(&info.upload_id)
                .set_part_number_marker(marker.take())
                .send()
                .await?;
            for p in page.parts() {
                parts.push((
                    p.part_number().unwrap_or(0),
                    p.size().unwrap_or(0),
                    p.e_tag().unwrap_or_default().to_owned(),
                ));
            }
            match page.next_part_number_marker() {
                Some(next) if page.is_truncated() == Some(true) => marker = Some(next.to_owned()),
                _ => break,
            }
        }
        parts.sort_by_key(|p| p.0);
        // Only a run of whole parts from 1 counts; anything else was never
        // recorded (a part is uploaded only after the one before it).
        Ok(parts
            .into_iter()
            .enumerate()
            .take_while(|(i, (number, size, _))| {
                i64::from(*number) == *i as i64 + 1
                    && u64::try_from(*size).ok() == Some(info.part_size)
            })
            .map(|(_, (number, _, etag))| {
                CompletedPart::builder()
                    .part_number(number)
                    .e_tag(etag)
                    .build()
            })
            .collect())
    }

    /// The incomplete part's offset and length, if there is one.
    async fn tail(&self, id: &str) -> io::Result<Option<(u64, u64)>> {
        let got = self
            .0
            .client
            .head_object()
            .bucket(&self.0.bucket)
            .key(Self::tail_key(id))
            .send()
            .await;
        match got {
            Ok(out) => {
                let start = out
                    .metadata()
                    .and_then(|m| m.get(TAIL_OFFSET))
                    .and_then(|v| v.parse().ok());
                let len = out.content_length().and_then(|l| u64::try_from(l).ok());
                Ok(start.zip(len))
            }
            Err(e) if missing(&e) => Ok(None),
            Err(e) => Err(failed("head incomplete part", e)),
        }
    }

    /// The size of the sealed object of upload `id`, if it is sealed.
    async fn sealed(&self, id: &str) -> io::Result<Option<u64>> {
        let got = self
            .0
            .client
            .head_object()
            .bucket(&self.0.bucket)
            .key(Self::key(id))
            .send()
            .await;
        match got {
            Ok(out) => Ok(Some(
                out.content_length()
                    .and_then(|l| u64::try_from(l).ok())
                    .unwrap_or(0),
            )),
            Err(e) if missing(&e) => Ok(None),
            Err(e) => Err(failed("head upload", e)),
        }
    }

    async fn delete(&self, key: String) -> io::Result<()> {
        match self
            .0
            .client
            .delete_object()
            .bucket(&self.0.bucket)
            .key(&key)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if missing(&e) => Ok(()),
            Err(e) => Err(failed("delete", e)),
        }
    }

    /// A new spool file, empty.
    async fn spool_file(&self) -> io::Result<Spooled> {
        let dir = self.0.spool.clone();
        let file =
            blocking(move || tempfile::Builder::new().prefix("part-").tempfile_in(dir)).await?;
        Ok(Spooled { file, len: 0 })
    }

    async fn upload_part(
        &self,
        id: &str,
        info: &Info,
        number: i32,
        path: &Path,
        len: u64,
    ) -> io::Result<CompletedPart> {
        let out = self
            .0
            .client
            .upload_part()
            .bucket(&self.0.bucket)
            .key(Self::key(id))
            .upload_id(&info.upload_id)
            .part_number(number)
            .content_length(i64::try_from(len).map_err(io::Error::other)?)
            .body(file_body(path, len).await?)
            .send()
            .await
            .map_err(|e| failed("upload part", e))?;
        Ok(CompletedPart::builder()
            .part_number(number)
            .e_tag(out.e_tag().unwrap_or_default())
            .build())
    }
}

/// The S3 client for `settings`: path-style addressing (what
/// S3-compatible servers expect), and checksums only where the API
/// demands them, which every S3-compatible server understands.
pub fn client(settings: &S3Settings) -> Client {
    use aws_sdk_s3::config::{
        BehaviorVersion, Credentials, Region, RequestChecksumCalculation,
        ResponseChecksumValidation,
    };
    use aws_smithy_http_client::tls;
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(http)
        .endpoint_url(&settings.endpoint)
        .region(Region::new(settings.region.clone()))
        .credentials_provider(Credentials::new(
            &settings.access_key_id,
            &settings.secret_access_key,
            None,
            None,
            "hoso-portal settings",
        ))
        .force_path_style(true)
        // A store that stops answering fails the request (and the client
        // resumes) rather than holding the upload forever.
        .timeout_config(
            aws_sdk_s3::config::timeout::TimeoutConfig::builder()
                .connect_timeout(std::time::Duration::from_secs(10))
                .operation_attempt_timeout(std::time::Duration::from_secs(120))
                .build(),
        )
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        .build();
    Client::from_conf(config)
}

/// Bytes waiting in a local file to be uploaded as a part.
struct Spooled {
    file: tempfile::NamedTempFile,
    len: u64,
}

/// What a writer and its syncers share: the parts uploaded and the spooled
/// ones that follow them, in order (only the last may be short).
struct Parts {
    uploaded: Vec<CompletedPart>,
    spool: VecDeque<Spooled>,
}

/// Appends to one upload: spools, uploads whole parts, and at the end
/// writes the incomplete part or seals the upload.
struct S3Writer {
    store: S3Storage,
    id: String,
    info: Info,
    /// Where writing began.
    start: u64,
    parts: Arc<Mutex<Parts>>,
    /// Something was written or dropped since the writer opened.
    changed: bool,
}

impl S3Writer {
    fn parts(&self) -> std::sync::MutexGuard<'_, Parts> {
        self.parts.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn lock(parts: &Mutex<Parts>) -> std::sync::MutexGuard<'_, Parts> {
    parts.lock().unwrap_or_else(|p| p.into_inner())
}

impl Write for S3Writer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let size = self.info.part_size;
        let dir = self.store.0.spool.clone();
        let mut parts = self.parts();
        if parts.spool.back().is_none_or(|p| p.len == size) {
            let file = tempfile::Builder::new().prefix("part-").tempfile_in(dir)?;
            parts.spool.push_back(Spooled { file, len: 0 });
        }
        let Some(last) = parts.spool.back_mut() else {
            return Err(io::Error::other("no spool file"));
        };
        let n = buf
            .len()
            .min(usize::try_from(size - last.len).unwrap_or(usize::MAX));
        last.file.as_file_mut().write_all(&buf[..n])?;
        last.len += n as u64;
        drop(parts);
        self.changed = true;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Uploads, in order, the whole spooled parts that end at or before
/// `limit` (an offset of the upload).
async fn upload_whole(
    store: &S3Storage,
    id: &str,
    info: &Info,
    parts: &Mutex<Parts>,
    limit: u64,
) -> io::Result<()> {
    loop {
        let next = {
            let parts = lock(parts);
            let done = parts.uploaded.len() as u64;
            match parts.spool.front() {
                Some(p) if p.len == info.part_size && (done + 1) * info.part_size <= limit => {
                    Some((done + 1, p.file.path().to_owned()))
                }
                _ => None,
            }
        };
        let Some((number, path)) = next else {
            return Ok(());
        };
        tracing::debug!(upload = %id, number, "uploading a part");
        let number = i32::try_from(number).map_err(io::Error::other)?;
        // Writes go only to the last spooled part, which is not whole: this
        // one is not written while it travels.
        let part = store
            .upload_part(id, info, number, &path, info.part_size)
            .await?;
        let mut parts = lock(parts);
        parts.spool.pop_front();
        parts.uploaded.push(part);
    }
}

impl UploadWriter for S3Writer {
    fn syncer(&self, upto: u64) -> io::Result<Op<'static, u64>> {
        let (store, id, info, parts, start) = (
            self.store.clone(),
            self.id.clone(),
            self.info.clone(),
            self.parts.clone(),
            self.start,
        );
        Ok(Box::pin(async move {
            upload_whole(&store, &id, &info, &parts, start.saturating_add(upto)).await?;
            let durable = lock(&parts).uploaded.len() as u64 * info.part_size;
            Ok(durable.saturating_sub(start))
        }))
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        let end = self.start + len;
        let size = self.info.part_size;
        let mut parts = self.parts();
        let uploaded = parts.uploaded.len() as u64 * size;
        if end < uploaded {
            return Err(io::Error::other("bytes made durable cannot be dropped"));
        }
        let keep = end - uploaded;
        let whole = (keep / size) as usize;
        let rest = keep % size;
        let kept = whole + usize::from(rest > 0);
        parts.spool.truncate(kept);
        if rest > 0
            && let Some(last) = parts.spool.back_mut()
        {
            last.file.as_file().set_len(rest)?;
            last.file.as_file_mut().seek(io::SeekFrom::Start(rest))?;
            last.len = rest;
        }
        drop(parts);
        self.changed = true;
        Ok(())
    }

    fn commit(self: Box<Self>, complete: bool) -> Op<'static, ()> {
        Box::pin(async move {
            let Self {
                store,
                id,
                info,
                parts,
                changed,
                ..
            } = *self;
            tracing::debug!(upload = %id, complete, changed, "commit");
            upload_whole(&store, &id, &info, &parts, u64::MAX).await?;
            let (rest, uploaded) = {
                let mut p = lock(&parts);
                let rest = p.spool.pop_front().filter(|r| r.len > 0);
                (rest, p.uploaded.clone())
            };
            let client = &store.0.client;
            let bucket = &store.0.bucket;
            if complete {
                let mut uploaded = uploaded;
                if let Some(rest) = &rest {
                    let number = i32::try_from(uploaded.len() + 1).map_err(io::Error::other)?;
                    uploaded.push(
                        store
                            .upload_part(&id, &info, number, rest.file.path(), rest.len)
                            .await?,
                    );
                }
                if uploaded.is_empty() {
                    // An empty file: S3 seals no multipart upload without parts.
                    client
                        .put_object()
                        .bucket(bucket)
                        .key(S3Storage::key(&id))
                        .body(ByteStream::from_static(b""))
                        .send()
                        .await
                        .map_err(|e| failed("put empty upload", e))?;
                    abort(&store, &id, &info).await?;
                } else {
                    client
                        .complete_multipart_upload()
                        .bucket(bucket)
                        .key(S3Storage::key(&id))
                        .upload_id(&info.upload_id)
                        .multipart_upload(
                            CompletedMultipartUpload::builder()
                                .set_parts(Some(uploaded))
                                .build(),
                        )
                        .send()
                        .await
                        .map_err(|e| failed("complete multipart upload", e))?;
                }
                store.delete(S3Storage::tail_key(&id)).await?;
                store.delete(S3Storage::info_key(&id)).await?;
                store.infos().remove(&id);
                return Ok(());
            }
            if !changed {
                return Ok(());
            }
            match rest {
                Some(rest) => {
                    let start = uploaded.len() as u64 * info.part_size;
                    client
                        .put_object()
                        .bucket(bucket)
                        .key(S3Storage::tail_key(&id))
                        .metadata(TAIL_OFFSET, start.to_string())
                        .content_length(i64::try_from(rest.len).map_err(io::Error::other)?)
                        .body(file_body(rest.file.path(), rest.len).await?)
                        .send()
                        .await
                        .map_err(|e| failed("put incomplete part", e))?;
                }
                // Nothing beyond the whole parts: an incomplete part left
                // would be stale.
                None => store.delete(S3Storage::tail_key(&id)).await?,
            }
            Ok(())
        })
    }
}

/// Aborts the multipart upload of `id` (gone already is fine).
async fn abort(store: &S3Storage, id: &str, info: &Info) -> io::Result<()> {
    match store
        .0
        .client
        .abort_multipart_upload()
        .bucket(&store.0.bucket)
        .key(S3Storage::key(id))
        .upload_id(&info.upload_id)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if missing(&e) => Ok(()),
        Err(e) => Err(failed("abort multipart upload", e)),
    }
}

/// A writer for an upload that is sealed already: it takes no bytes.
struct Sealed;

impl Write for Sealed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        Err(io::Error::other(
            "the upload is complete; it takes no more bytes",
        ))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl UploadWriter for Sealed {
    fn syncer(&self, _upto: u64) -> io::Result<Op<'static, u64>> {
        Ok(Box::pin(async { Ok(0) }))
    }
    fn truncate(&mut self, _len: u64) -> io::Result<()> {
        Ok(())
    }
    fn commit(self: Box<Self>, _complete: bool) -> Op<'static, ()> {
        Box::pin(async { Ok(()) })
    }
}

impl UploadStorage for S3Storage {
    fn opens_after_commit(&self) -> bool {
        true
    }

    fn ready(&self) -> Op<'_, ()> {
        Box::pin(async move {
            self.0
                .client
                .head_bucket()
                .bucket(&self.0.bucket)
                .send()
                .await
                .map_err(|e| failed(&format!("bucket {}", self.0.bucket), e))?;
            Ok(())
        })
    }

    fn create(&self, id: &str) -> Op<'_, ()> {
        let id = id.to_owned();
        Box::pin(async move {
            let created = self
                .0
                .client
                .create_multipart_upload()
                .bucket(&self.0.bucket)
                .key(Self::key(&id))
                .send()
                .await
                .map_err(|e| failed("create multipart upload", e))?;
            let info = Info {
                upload_id: created
                    .upload_id()
                    .ok_or_else(|| io::Error::other("S3 gave no multipart upload id"))?
                    .to_owned(),
                part_size: self.0.part_size,
            };
            let body = serde_json::to_vec(&info).map_err(io::Error::other)?;
            self.0
                .client
                .put_object()
                .bucket(&self.0.bucket)
                .key(Self::info_key(&id))
                .content_type("application/json")
                .body(ByteStream::from(body))
                .send()
                .await
                .map_err(|e| failed("put upload info", e))?;
            self.remember(&id, &info);
            Ok(())
        })
    }

    fn append_at(&self, id: &str, offset: u64) -> Op<'_, Box<dyn UploadWriter>> {
        let id = id.to_owned();
        Box::pin(async move {
            let sealed = |size: Option<u64>| match size {
                Some(size) if offset < size => Err(io::Error::other(Ahead { durable: size })),
                Some(_) => Ok(Box::new(Sealed) as Box<dyn UploadWriter>),
                None => Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("upload {id} is not in the bucket"),
                )),
            };
            let Some(info) = self.info(&id).await? else {
                return sealed(self.sealed(&id).await?);
            };
            let uploaded = match self.parts(&id, &info).await {
                Ok(parts) => parts,
                // Sealed by a request that stopped before removing `.info`.
                Err(e) if missing(&e) => return sealed(self.sealed(&id).await?),
                Err(e) => return Err(failed("list parts", e)),
            };
            let whole = uploaded.len() as u64 * info.part_size;
            let tail = match self.tail(&id).await? {
                Some((start, len)) if start == whole && len < info.part_size => len,
                _ => 0,
            };
            if offset < whole {
                return Err(io::Error::other(Ahead {
                    durable: whole + tail,
                }));
            }
            if offset > whole + tail {
                return Err(io::Error::other(format!(
                    "the bucket holds {} bytes of upload {id}, fewer than the {offset} recorded",
                    whole + tail
                )));
            }
            let mut spool = VecDeque::new();
            let keep = offset - whole;
            if keep > 0 {
                let mut part = self.spool_file().await?;
                let got = self
                    .0
                    .client
                    .get_object()
                    .bucket(&self.0.bucket)
                    .key(Self::tail_key(&id))
                    .range(format!("bytes=0-{}", keep - 1))
                    .send()
                    .await
                    .map_err(|e| failed("get incomplete part", e))?;
                let mut body = got.body;
                while let Some(piece) = body.next().await {
                    let piece = piece.map_err(io::Error::other)?;
                    let file = part.file.as_file().try_clone()?;
                    let len = piece.len() as u64;
                    blocking(move || {
                        let mut file = file;
                        file.write_all(&piece)
                    })
                    .await?;
                    part.len += len;
                }
                if part.len != keep {
                    return Err(io::Error::other(format!(
                        "the incomplete part of upload {id} gave {} bytes, not {keep}",
                        part.len
                    )));
                }
                spool.push_back(part);
            }
            Ok(Box::new(S3Writer {
                store: self.clone(),
                id,
                info,
                start: offset,
                parts: Arc::new(Mutex::new(Parts { uploaded, spool })),
                changed: false,
            }) as Box<dyn UploadWriter>)
        })
    }

    fn read(&self, id: &str) -> Op<'_, Pieces> {
        let key = Self::key(id);
        Box::pin(async move {
            let got = self
                .0
                .client
                .get_object()
                .bucket(&self.0.bucket)
                .key(key)
                .send()
                .await
                .map_err(|e| failed("get upload", e))?;
            let pieces = futures_util::stream::unfold(got.body, |mut body| async move {
                body.next()
                    .await
                    .map(|piece| (piece.map_err(io::Error::other), body))
            });
            Ok(pieces.boxed())
        })
    }

    fn remove(&self, id: &str) -> Op<'_, ()> {
        let id = id.to_owned();
        Box::pin(async move {
            if let Some(info) = self.info(&id).await? {
                abort(self, &id, &info).await?;
            }
            self.delete(Self::key(&id)).await?;
            self.delete(Self::tail_key(&id)).await?;
            self.delete(Self::info_key(&id)).await?;
            self.infos().remove(&id);
            Ok(())
        })
    }
}
