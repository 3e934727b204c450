//! The tus client: create an upload (URL persisted before the first byte),
//! send it in chunks with `Upload-Checksum` where the server offers it,
//! confirm each offset in the local store, and after any failure ask the
//! server for its offset (HEAD) and go on from there.
//!
//! Each chunk is read from disk once, into a buffer of at most [`CHUNK`]
//! bytes, hashed and sent from that buffer: never the whole file in memory.

use crate::error::ClientError;
use crate::library::LibraryEntry;
use crate::portal::PortalRecord;
use crate::store::{Store, now};
use crate::tus::retry::backoff;
use hoso_tus::checksum::ChecksumAlgorithm;
use hoso_tus::headers::{self as h, Extension};
use hoso_tus::status::{Next, next_step};
use hoso_tus::{Metadata, UploadChecksum, metadata};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION};
use rusqlite::{OptionalExtension, params};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Bytes per PATCH.
pub const CHUNK: u64 = 8 * 1024 * 1024;
/// Consecutive failed requests before the upload gives up for now.
const MAX_FAILURES: u32 = 8;

/// What the server offers, from `OPTIONS`.
#[derive(Debug, Clone, Default)]
struct ServerCaps {
    checksum: Option<ChecksumAlgorithm>,
}

/// One upload of one library file to one portal.
struct Upload<'a> {
    http: &'a reqwest::Client,
    store: &'a Store,
    portal: &'a PortalRecord,
    entry: &'a LibraryEntry,
    file: PathBuf,
}

/// Uploads a library file to the portal (resuming an earlier upload of the
/// same content if the portal still has it) and returns the upload URL.
pub async fn upload(
    http: &reqwest::Client,
    store: &Store,
    portal: &PortalRecord,
    entry: &LibraryEntry,
    file: &Path,
) -> Result<String, ClientError> {
    let up = Upload {
        http,
        store,
        portal,
        entry,
        file: file.to_owned(),
    };
    let caps = up.options().await?;
    let mut failures = 0;
    loop {
        let (url, offset) = match up.saved().await? {
            Some(url) => match up.head(&url).await {
                Ok(offset) => (url, offset),
                Err(Failure::Restart) => {
                    up.forget().await?;
                    continue;
                }
                Err(Failure::Retry(e)) => {
                    failures += 1;
                    if failures >= MAX_FAILURES {
                        return Err(e);
                    }
                    tokio::time::sleep(backoff(failures)).await;
                    continue;
                }
                Err(Failure::Fatal(e)) => return Err(e),
            },
            None => (up.create().await?, 0),
        };
        match up.send_from(&url, offset, &caps).await {
            Ok(()) => return Ok(url),
            Err(Failure::Restart) => up.forget().await?,
            Err(Failure::Retry(e)) => {
                failures += 1;
                tracing::warn!(%e, failures, "upload interrupted; resuming");
                if failures >= MAX_FAILURES {
                    return Err(e);
                }
                tokio::time::sleep(backoff(failures)).await;
            }
            Err(Failure::Fatal(e)) => return Err(e),
        }
    }
}

/// How a request failed.
enum Failure {
    /// Ask for the offset and go on.
    Retry(ClientError),
    /// The upload is gone: create a new one.
    Restart,
    /// The person must act.
    Fatal(ClientError),
}

impl From<reqwest::Error> for Failure {
    fn from(e: reqwest::Error) -> Self {
        Self::Retry(e.into())
    }
}

impl Upload<'_> {
    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let req = req.header(h::TUS_RESUMABLE, h::VERSION);
        match &self.portal.token {
            Some(t) => req.header(AUTHORIZATION, format!("Bearer {t}")),
            None => req,
        }
    }

    async fn options(&self) -> Result<ServerCaps, ClientError> {
        let res = self
            .http
            .request(reqwest::Method::OPTIONS, &self.portal.tus_endpoint)
            .send()
            .await?;
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
        Ok(ServerCaps { checksum })
    }

    async fn saved(&self) -> Result<Option<String>, ClientError> {
        let (portal, sha) = (self.portal.id, self.entry.sha256.to_hex());
        self.store
            .call(move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT url FROM uploads WHERE portal_id = ?1 AND sha256 = ?2",
                        params![portal, sha],
                        |r| r.get(0),
                    )
                    .optional()?)
            })
            .await
    }

    async fn forget(&self) -> Result<(), ClientError> {
        let (portal, sha) = (self.portal.id, self.entry.sha256.to_hex());
        self.store
            .call(move |conn| {
                conn.execute(
                    "DELETE FROM uploads WHERE portal_id = ?1 AND sha256 = ?2",
                    params![portal, sha],
                )?;
                Ok(())
            })
            .await
    }

    /// Creates the upload and records its URL before any byte is sent.
    async fn create(&self) -> Result<String, ClientError> {
        let meta = Metadata::default()
            .with(metadata::FILENAME, &self.entry.name)
            .with(metadata::FILETYPE, content_type(&self.entry.name))
            .with(metadata::SHA256, &self.entry.sha256.to_hex());
        let res = self
            .auth(self.http.post(&self.portal.tus_endpoint))
            .header(h::UPLOAD_LENGTH, self.entry.size)
            .header(h::UPLOAD_METADATA, meta.to_header())
            .send()
            .await?;
        if res.status() != reqwest::StatusCode::CREATED {
            return Err(crate::http::problem(res).await);
        }
        let location = res
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ClientError::Protocol("tus creation without Location".into()))?;
        let url = reqwest::Url::parse(&self.portal.tus_endpoint)
            .and_then(|base| base.join(location))
            .map_err(|e| ClientError::Protocol(format!("tus Location {location:?}: {e}")))?
            .to_string();
        let (portal, sha, length, saved) = (
            self.portal.id,
            self.entry.sha256.to_hex(),
            self.entry.size,
            url.clone(),
        );
        // Invariant: the URL is durable before the first PATCH, so a crash
        // after this point resumes this upload instead of starting another.
        self.store
            .call(move |conn| {
                conn.execute(
                    "INSERT INTO uploads (portal_id, sha256, url, length, confirmed, created_at)
                     VALUES (?1, ?2, ?3, ?4, 0, ?5)
                     ON CONFLICT(portal_id, sha256) DO UPDATE SET url = ?3, confirmed = 0, created_at = ?5",
                    params![portal, sha, saved, length, now()],
                )?;
                Ok(())
            })
            .await?;
        Ok(url)
    }

    async fn head(&self, url: &str) -> Result<u64, Failure> {
        let res = self.auth(self.http.head(url)).send().await?;
        match next_step(res.status().as_u16()) {
            Next::Done => offset_of(&res).map_err(Failure::Retry),
            Next::Restart => Err(Failure::Restart),
            Next::NeedsUser => Err(Failure::Fatal(crate::http::problem(res).await)),
            Next::Resume | Next::ResendChunk => Err(Failure::Retry(ClientError::Network(format!(
                "HEAD answered {}",
                res.status()
            )))),
        }
    }

    async fn send_from(
        &self,
        url: &str,
        mut offset: u64,
        caps: &ServerCaps,
    ) -> Result<(), Failure> {
        while offset < self.entry.size {
            let len = CHUNK.min(self.entry.size - offset);
            let chunk = read_chunk(&self.file, offset, len)
                .await
                .map_err(Failure::Fatal)?;
            let mut req = self
                .auth(self.http.patch(url))
                .header(CONTENT_TYPE, h::OFFSET_OCTET_STREAM)
                .header(h::UPLOAD_OFFSET, offset);
            if let Some(alg) = caps.checksum {
                let mut hasher = alg.hasher();
                hasher.update(&chunk);
                let sum = UploadChecksum {
                    algorithm: alg,
                    digest: hasher.finish(),
                };
                req = req.header(h::UPLOAD_CHECKSUM, sum.to_header());
            }
            let res = req.body(chunk).send().await?;
            match next_step(res.status().as_u16()) {
                Next::Done => {}
                Next::Restart => return Err(Failure::Restart),
                Next::NeedsUser => return Err(Failure::Fatal(crate::http::problem(res).await)),
                Next::Resume | Next::ResendChunk => {
                    return Err(Failure::Retry(ClientError::Network(format!(
                        "PATCH answered {}",
                        res.status()
                    ))));
                }
            }
            let confirmed = offset_of(&res).map_err(Failure::Retry)?;
            if confirmed <= offset || confirmed > self.entry.size {
                return Err(Failure::Retry(ClientError::Protocol(format!(
                    "server confirmed offset {confirmed} after sending from {offset}"
                ))));
            }
            offset = confirmed;
            let (portal, sha) = (self.portal.id, self.entry.sha256.to_hex());
            self.store
                .call(move |conn| {
                    conn.execute(
                        "UPDATE uploads SET confirmed = ?3 WHERE portal_id = ?1 AND sha256 = ?2",
                        params![portal, sha, confirmed],
                    )?;
                    Ok(())
                })
                .await
                .map_err(Failure::Fatal)?;
        }
        Ok(())
    }
}

fn offset_of(res: &reqwest::Response) -> Result<u64, ClientError> {
    let value = res
        .headers()
        .get(h::UPLOAD_OFFSET)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ClientError::Protocol("response without Upload-Offset".into()))?;
    h::parse_number(h::UPLOAD_OFFSET, value).map_err(|e| ClientError::Protocol(e.to_string()))
}

async fn read_chunk(path: &Path, offset: u64, len: u64) -> Result<Vec<u8>, ClientError> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut f = std::fs::File::open(&path).map_err(|e| ClientError::file(&path, e))?;
        f.seek(SeekFrom::Start(offset)).map_err(|e| ClientError::file(&path, e))?;
        let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        f.take(len)
            .read_to_end(&mut buf)
            .map_err(|e| ClientError::file(&path, e))?;
        if buf.len() as u64 != len {
            return Err(ClientError::file(
                &path,
                std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "tệp trong thư viện ngắn hơn khi nhập / library file is shorter than when imported",
                ),
            ));
        }
        Ok(buf)
    })
    .await
    .map_err(|e| ClientError::Protocol(format!("read task failed: {e}")))?
}

/// The content type announced in the upload's metadata.
fn content_type(name: &str) -> &'static str {
    match name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("pdf") => "application/pdf",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("tif" | "tiff") => "image/tiff",
        Some("zip") => "application/zip",
        _ => "application/octet-stream",
    }
}
