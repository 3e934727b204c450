//! Upload bytes in an S3-compatible object store, shared by every portal
//! replica. A tus upload is one S3 multipart upload, mapped the way tusd's
//! s3store maps them: parts of exactly the part size (at least 5 MiB),
//! numbered from 1, and when complete the object `uploads/ID`, sealed by
//! `CompleteMultipartUpload` (an empty file by a plain PUT).
//!
//! What a replica needs to go on with an upload is in the portal's
//! records, which every replica shares ([`Records::multipart`]), not in
//! the bucket: which multipart upload holds it and its part size, the parts
//! uploaded with their ETags, and the bytes of the incomplete part, one
//! piece per request that ended inside it. So a request that ends inside a
//! part costs the bucket nothing: it adds its own bytes as a piece, and
//! only whole parts travel to S3, each once. (Kept as an object, the
//! incomplete part would be read and written again whole by every small
//! PATCH: a 1 MiB upload in 64 KiB PATCHes moved 8 MiB each way.)
//!
//! What is durable, and so what an offset may be recorded for: the parts
//! recorded (uploaded as they fill when a checkpoint asks, and when a
//! request ends) and the run of pieces that follows them (added when a
//! request ends). A part is recorded only once S3 holds it, and recording
//! it drops the pieces it holds, in one transaction. A checkpoint inside a
//! request uploads whole parts only, so a portal killed mid-request keeps
//! what it answered for and all but the last part's worth of what arrived
//! since. Sealing is marked in the records before it starts, so that a
//! request after a portal stopped mid-seal asks the bucket whether the
//! object is there.
//!
//! Bytes waiting to fill a part are spooled to the local disk
//! (`DATA/s3-spool`, emptied at start), never held in memory; the pieces a
//! part begins with are read back from the records once, when it fills.
//! The store only ever receives bytes a request may keep (checkpoints are
//! asked for those only), so bytes found durable beyond a recorded offset
//! are the upload's own: [`Ahead`] tells the caller to record them.

use super::{Ahead, Op, Pieces, UploadStorage, UploadWriter, blocking};
use crate::config::S3Settings;
use crate::error::ApiError;
use crate::records::{Multipart, Records};
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use futures_util::StreamExt;
use std::collections::VecDeque;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The smallest part S3 takes (all but the last).
pub const MIN_PART: u64 = 5 * 1024 * 1024;
/// The most parts of one multipart upload S3 takes.
const MAX_PARTS: u64 = 10_000;
/// Where objects go in the bucket.
const PREFIX: &str = "uploads/";

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
    /// Where each upload's multipart upload, parts and pieces are kept.
    records: Records,
}

impl std::fmt::Debug for S3Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Storage")
            .field("bucket", &self.0.bucket)
            .field("part_size", &self.0.part_size)
            .finish_non_exhaustive()
    }
}

/// A records call that failed, as an I/O error.
fn unrecorded(what: &str, e: ApiError) -> io::Error {
    io::Error::other(format!("records, {what}: {} ({})", e.message.en, e.code))
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
    /// `part_size` for new uploads, `spool` for bytes waiting to fill a
    /// part (emptied now: what a stopped portal left there was never
    /// durable), and `records` for what each upload holds (the same
    /// records for every replica sharing the bucket).
    pub async fn connect(
        settings: &S3Settings,
        part_size: u64,
        spool: PathBuf,
        records: Records,
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
            records,
        })))
    }

    /// The part size of uploads created by this store.
    pub fn part_size(&self) -> u64 {
        self.0.part_size
    }

    fn key(id: &str) -> String {
        format!("{PREFIX}{id}")
    }

    fn records(&self) -> &Records {
        &self.0.records
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

    /// A spool file holding the `held` bytes of upload `id`'s pieces from
    /// offset `from`, then the first `len` bytes of the file at `then`.
    async fn with_pieces(
        &self,
        id: &str,
        from: u64,
        held: u64,
        then: Option<(PathBuf, u64)>,
    ) -> io::Result<Spooled> {
        let pieces = self
            .records()
            .piece_bytes(id, from)
            .await
            .map_err(|e| unrecorded("read pieces", e))?;
        let dir = self.0.spool.clone();
        let id = id.to_owned();
        blocking(move || {
            let mut file = tempfile::Builder::new().prefix("part-").tempfile_in(dir)?;
            let mut len = 0;
            for (start, bytes) in pieces {
                if len == held {
                    break;
                }
                if start != from + len || len + bytes.len() as u64 > held {
                    return Err(io::Error::other(format!(
                        "the records hold upload {id}'s pieces out of order at {start}"
                    )));
                }
                file.as_file_mut().write_all(&bytes)?;
                len += bytes.len() as u64;
            }
            if len != held {
                return Err(io::Error::other(format!(
                    "the records hold {len} bytes of upload {id}'s incomplete part, not {held}"
                )));
            }
            if let Some((path, more)) = then {
                let copied = io::copy(
                    &mut std::fs::File::open(path)?.take(more),
                    file.as_file_mut(),
                )?;
                len += copied;
            }
            Ok(Spooled { file, len })
        })
        .await
    }

    async fn upload_part(
        &self,
        id: &str,
        multipart: &str,
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
            .upload_id(multipart)
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

/// Which of what the records hold counts: the parts numbered from 1
/// without a gap, and the run of pieces that starts where they end;
/// `(parts, bytes the pieces hold)`.
fn durable(multipart: &Multipart) -> (Vec<CompletedPart>, u64) {
    let parts: Vec<CompletedPart> = multipart
        .parts
        .iter()
        .enumerate()
        .take_while(|(i, (number, _))| usize::try_from(*number).ok() == Some(i + 1))
        .map(|(_, (number, etag))| {
            CompletedPart::builder()
                .part_number(*number)
                .e_tag(etag)
                .build()
        })
        .collect();
    let whole = parts.len() as u64 * multipart.part_size;
    let mut held = 0;
    for &(start, len) in &multipart.pieces {
        if start == whole + held {
            held += len;
        } else if start > whole + held {
            break;
        }
    }
    (parts, held)
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

/// What a writer and its syncers share: the parts uploaded, how many bytes
/// of the part under way the records hold as pieces, and the spooled bytes
/// that follow them, in parts (the first completes the part under way;
/// only the last may be short).
struct Parts {
    uploaded: Vec<CompletedPart>,
    held: u64,
    spool: VecDeque<Spooled>,
}

impl Parts {
    /// How many bytes the `i`th spooled part takes.
    fn room(&self, i: usize, size: u64) -> u64 {
        if i == 0 { size - self.held } else { size }
    }

    /// The offset of the first spooled byte.
    fn spooled_from(&self, size: u64) -> u64 {
        self.uploaded.len() as u64 * size + self.held
    }
}

/// Appends to one upload: spools, uploads whole parts, and at the end
/// keeps the rest as a piece or seals the upload.
struct S3Writer {
    store: S3Storage,
    id: String,
    multipart: String,
    size: u64,
    /// Where writing began.
    start: u64,
    parts: Arc<Mutex<Parts>>,
}

fn lock(parts: &Mutex<Parts>) -> std::sync::MutexGuard<'_, Parts> {
    parts.lock().unwrap_or_else(|p| p.into_inner())
}

impl Write for S3Writer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let size = self.size;
        let mut parts = lock(&self.parts);
        let last = parts.spool.len().checked_sub(1);
        if last.is_none_or(|i| parts.spool[i].len == parts.room(i, size)) {
            let file = tempfile::Builder::new()
                .prefix("part-")
                .tempfile_in(&self.store.0.spool)?;
            parts.spool.push_back(Spooled { file, len: 0 });
        }
        let i = parts.spool.len() - 1;
        let room = parts.room(i, size);
        let last = &mut parts.spool[i];
        let n = buf
            .len()
            .min(usize::try_from(room - last.len).unwrap_or(usize::MAX));
        last.file.as_file_mut().write_all(&buf[..n])?;
        last.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl S3Writer {
    /// Uploads and records, in order, the whole spooled parts that end at
    /// or before `limit` (an offset of the upload).
    async fn upload_whole(
        store: &S3Storage,
        id: &str,
        multipart: &str,
        size: u64,
        parts: &Mutex<Parts>,
        limit: u64,
    ) -> io::Result<()> {
        loop {
            let next = {
                let parts = lock(parts);
                let done = parts.uploaded.len() as u64;
                match parts.spool.front() {
                    Some(p) if p.len == parts.room(0, size) && (done + 1) * size <= limit => {
                        Some((done, p.file.path().to_owned(), p.len, parts.held))
                    }
                    _ => None,
                }
            };
            let Some((done, path, len, held)) = next else {
                return Ok(());
            };
            let number = i32::try_from(done + 1).map_err(io::Error::other)?;
            tracing::debug!(upload = %id, number, held, "uploading a part");
            // Writes go only to the last spooled part, which is not whole:
            // this one is not written while it travels.
            let part = if held > 0 {
                let whole = store
                    .with_pieces(id, done * size, held, Some((path, len)))
                    .await?;
                store
                    .upload_part(id, multipart, number, whole.file.path(), whole.len)
                    .await?
            } else {
                store.upload_part(id, multipart, number, &path, len).await?
            };
            store
                .records()
                .add_part(
                    id,
                    number,
                    part.e_tag().unwrap_or_default().to_owned(),
                    (done + 1) * size,
                )
                .await
                .map_err(|e| unrecorded("record a part", e))?;
            let mut parts = lock(parts);
            parts.spool.pop_front();
            parts.uploaded.push(part);
            parts.held = 0;
        }
    }
}

impl UploadWriter for S3Writer {
    fn syncer(&self, upto: u64) -> io::Result<Op<'static, u64>> {
        let (store, id, multipart, size, parts, start) = (
            self.store.clone(),
            self.id.clone(),
            self.multipart.clone(),
            self.size,
            self.parts.clone(),
            self.start,
        );
        Ok(Box::pin(async move {
            Self::upload_whole(
                &store,
                &id,
                &multipart,
                size,
                &parts,
                start.saturating_add(upto),
            )
            .await?;
            let durable = lock(&parts).uploaded.len() as u64 * size;
            Ok(durable.saturating_sub(start))
        }))
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        let end = self.start + len;
        let mut parts = lock(&self.parts);
        let from = parts.spooled_from(self.size);
        if end < from {
            return Err(io::Error::other("bytes made durable cannot be dropped"));
        }
        let mut keep = end - from;
        let mut kept = 0;
        for p in parts.spool.iter_mut() {
            if keep == 0 {
                break;
            }
            if keep < p.len {
                p.file.as_file().set_len(keep)?;
                p.file.as_file_mut().seek(io::SeekFrom::Start(keep))?;
                p.len = keep;
            }
            keep -= p.len;
            kept += 1;
        }
        parts.spool.truncate(kept);
        Ok(())
    }

    fn commit(self: Box<Self>, complete: bool) -> Op<'static, ()> {
        Box::pin(async move {
            let Self {
                store,
                id,
                multipart,
                size,
                parts,
                ..
            } = *self;
            tracing::debug!(upload = %id, complete, "commit");
            Self::upload_whole(&store, &id, &multipart, size, &parts, u64::MAX).await?;
            // What is left: at most one spooled part, not whole.
            let (rest, uploaded, held) = {
                let mut p = lock(&parts);
                let rest = p.spool.pop_front().filter(|r| r.len > 0);
                (rest, p.uploaded.clone(), p.held)
            };
            let from = uploaded.len() as u64 * size;
            if complete {
                return seal(&store, &id, &multipart, uploaded, from, held, rest).await;
            }
            if let Some(rest) = rest {
                let path = rest.file.path().to_owned();
                let bytes = blocking(move || std::fs::read(path)).await?;
                store
                    .records()
                    .add_piece(&id, from + held, bytes)
                    .await
                    .map_err(|e| unrecorded("keep a piece", e))?;
            }
            Ok(())
        })
    }
}

/// Seals upload `id`: its last part (the `held` bytes of pieces from
/// `from`, then `rest`) uploaded after `uploaded`, and the multipart upload
/// completed; then the records forget it.
async fn seal(
    store: &S3Storage,
    id: &str,
    multipart: &str,
    mut uploaded: Vec<CompletedPart>,
    from: u64,
    held: u64,
    rest: Option<Spooled>,
) -> io::Result<()> {
    store
        .records()
        .sealing_multipart(id)
        .await
        .map_err(|e| unrecorded("mark sealing", e))?;
    let last = match rest {
        _ if held > 0 => Some(
            store
                .with_pieces(
                    id,
                    from,
                    held,
                    rest.as_ref().map(|r| (r.file.path().to_owned(), r.len)),
                )
                .await?,
        ),
        rest => rest,
    };
    if let Some(last) = last {
        let number = i32::try_from(uploaded.len() + 1).map_err(io::Error::other)?;
        uploaded.push(
            store
                .upload_part(id, multipart, number, last.file.path(), last.len)
                .await?,
        );
    }
    let client = &store.0.client;
    let bucket = &store.0.bucket;
    if uploaded.is_empty() {
        // An empty file: S3 seals no multipart upload without parts.
        client
            .put_object()
            .bucket(bucket)
            .key(S3Storage::key(id))
            .body(ByteStream::from_static(b""))
            .send()
            .await
            .map_err(|e| failed("put empty upload", e))?;
        abort(store, id, multipart).await?;
    } else {
        client
            .complete_multipart_upload()
            .bucket(bucket)
            .key(S3Storage::key(id))
            .upload_id(multipart)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(uploaded))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| failed("complete multipart upload", e))?;
    }
    store
        .records()
        .forget_multipart(id)
        .await
        .map_err(|e| unrecorded("forget a sealed upload", e))
}

/// Aborts multipart upload `multipart` of `id` (gone already is fine).
async fn abort(store: &S3Storage, id: &str, multipart: &str) -> io::Result<()> {
    match store
        .0
        .client
        .abort_multipart_upload()
        .bucket(&store.0.bucket)
        .key(S3Storage::key(id))
        .upload_id(multipart)
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
            let multipart = created
                .upload_id()
                .ok_or_else(|| io::Error::other("S3 gave no multipart upload id"))?;
            self.records()
                .create_multipart(&id, multipart, self.0.part_size)
                .await
                .map_err(|e| unrecorded("record a multipart upload", e))
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
            let held = self
                .records()
                .multipart(&id)
                .await
                .map_err(|e| unrecorded("read an upload's parts", e))?;
            let Some(multipart) = held else {
                return sealed(self.sealed(&id).await?);
            };
            // A seal under way when a portal stopped: done if the object is there.
            if multipart.sealing
                && let Some(size) = self.sealed(&id).await?
            {
                return sealed(Some(size));
            }
            let size = multipart.part_size;
            let (uploaded, held) = durable(&multipart);
            let whole = uploaded.len() as u64 * size;
            if held >= size {
                return Err(io::Error::other(format!(
                    "the records hold {held} bytes of upload {id}'s incomplete part, a part's worth or more"
                )));
            }
            if offset < whole + held {
                return Err(io::Error::other(Ahead {
                    durable: whole + held,
                }));
            }
            if offset > whole + held {
                return Err(io::Error::other(format!(
                    "the bucket and records hold {} bytes of upload {id}, fewer than the {offset} recorded",
                    whole + held
                )));
            }
            Ok(Box::new(S3Writer {
                store: self.clone(),
                id,
                multipart: multipart.multipart_id,
                size,
                start: offset,
                parts: Arc::new(Mutex::new(Parts {
                    uploaded,
                    held,
                    spool: VecDeque::new(),
                })),
            }) as Box<dyn UploadWriter>)
        })
    }

    /// From byte `from`: a ranged read, the bucket sends nothing before it.
    fn read_from(&self, id: &str, from: u64) -> Op<'_, Pieces> {
        let key = Self::key(id);
        Box::pin(async move {
            let got = self
                .0
                .client
                .get_object()
                .bucket(&self.0.bucket)
                .key(key)
                .set_range((from > 0).then(|| format!("bytes={from}-")))
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
            let held = self
                .records()
                .multipart(&id)
                .await
                .map_err(|e| unrecorded("read an upload's parts", e))?;
            if let Some(multipart) = held {
                abort(self, &id, &multipart.multipart_id).await?;
            }
            self.delete(Self::key(&id)).await?;
            self.records()
                .forget_multipart(&id)
                .await
                .map_err(|e| unrecorded("forget a removed upload", e))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(parts: &[i32], pieces: &[(u64, u64)]) -> Multipart {
        Multipart {
            multipart_id: "m".into(),
            part_size: 10,
            sealing: false,
            parts: parts.iter().map(|n| (*n, format!("e{n}"))).collect(),
            pieces: pieces.to_vec(),
        }
    }

    fn counted(m: &Multipart) -> (Vec<i32>, u64) {
        let (parts, held) = durable(m);
        (parts.iter().filter_map(|p| p.part_number()).collect(), held)
    }

    #[test]
    fn parts_count_from_one_without_a_gap_and_pieces_from_where_they_end() {
        assert_eq!(counted(&held(&[], &[])), (vec![], 0));
        assert_eq!(
            counted(&held(&[1, 2], &[(20, 3), (23, 4)])),
            (vec![1, 2], 7)
        );
        // A part after a gap was never recorded in order: it does not count,
        // nor do the pieces that would follow it.
        assert_eq!(counted(&held(&[1, 3], &[(30, 3)])), (vec![1], 0));
        // Pieces left before the parts' end (a part recorded since) and a
        // piece after a gap do not count.
        assert_eq!(
            counted(&held(&[1], &[(5, 5), (10, 2), (15, 1)])),
            (vec![1], 2)
        );
        assert_eq!(counted(&held(&[], &[(0, 4), (4, 4), (8, 1)])), (vec![], 9));
    }
}
