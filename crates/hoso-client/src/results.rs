//! What follows a filing at the applicant's hand: withdrawing a dossier
//! before it is examined, and receiving its result electronically.
//!
//! A result is the portal's signed result notice (kept from the change
//! feed like the fee receipt, see [`crate::fees`]) and the documents it
//! names. [`download`] brings each document into the library: resumably
//! (a partial file under the library's `partial/` survives a broken link
//! or a closed app, and the next attempt asks the portal only for the rest
//! with a `Range`), and checked: a document is taken into the library
//! only when its size and SHA-256 are those signed, and the whole result
//! only when [`hoso_core::result_notice::verify`] holds for the notice and
//! the files. Then the portal is told the result was received, and the
//! dossier becomes `completed`. A result is never shown as valid
//! otherwise.

use crate::Client;
use crate::error::ClientError;
use crate::fees::RESULT_NOTICE;
use crate::http::problem;
use crate::library::LibraryEntry;
use crate::portal::PortalRecord;
use hoso_core::result_notice::{Mismatch, ResultDocument, ResultError, ResultNotice};
use hoso_core::signed::Signed;
use hoso_core::status::WITHDRAWAL_REASON_MAX_CHARS;
use hoso_core::{Bilingual, DossierState, Sha256Digest};
use sha2::Digest;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A result notice kept here, verified against the portal's keys.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedNotice {
    /// What it certifies.
    pub notice: ResultNotice,
    /// It as the portal signed it.
    pub signed: Signed<ResultNotice>,
}

/// A dossier's result as received: the verified notice and each
/// document, in the library.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedResult {
    /// The notice.
    pub notice: ResultNotice,
    /// The documents, in the notice's order.
    pub documents: Vec<LibraryEntry>,
    /// Where each document is on this computer, in the same order.
    pub paths: Vec<PathBuf>,
}

/// How far a download has come, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultProgress {
    /// Bytes of the whole result on this computer.
    pub done: u64,
    /// Bytes of the whole result.
    pub total: u64,
}

/// The filed dossier `id`'s code at its portal, or why it has none.
pub(crate) async fn filed_code(
    client: &Client,
    id: i64,
) -> Result<(PortalRecord, String), ClientError> {
    let record = client.dossier(id).await?;
    let code = match (&record.summary.state, &record.summary.dossier_code) {
        (DossierState::Submitted, Some(code)) => code.clone(),
        _ => {
            return Err(ClientError::NotFound(format!(
                "hồ sơ {id} chưa nộp nên chưa có mã hồ sơ / dossier {id} is not filed, so it has no code"
            )));
        }
    };
    let portal = client.portal_of(id).await?;
    Ok((portal, code))
}

/// Withdraws the filed dossier `id` with `reason` (`POST
/// /v1/dossiers/{code}/withdrawal`), then reads the portal's feed so that
/// its state and any refund show here. The portal allows it only before
/// the dossier is examined and says so otherwise.
pub async fn withdraw(client: &Client, id: i64, reason: &str) -> Result<(), ClientError> {
    let reason = hoso_core::length::normalize(reason);
    if reason.is_empty() || reason.chars().count() > WITHDRAWAL_REASON_MAX_CHARS {
        return Err(ClientError::Invalid(vec![hoso_core::Problem {
            path: "reason".into(),
            code: hoso_core::ProblemCode::Required,
            message: Bilingual::new(
                format!("Hãy ghi lý do rút hồ sơ (tối đa {WITHDRAWAL_REASON_MAX_CHARS} ký tự)."),
                format!(
                    "Give the reason for withdrawing the dossier (at most {WITHDRAWAL_REASON_MAX_CHARS} characters)."
                ),
            ),
        }]));
    }
    let (portal, code) = filed_code(client, id).await?;
    let url = format!("{}/dossiers/{code}/withdrawal", portal.api_base);
    let req = client
        .http
        .json_post(&url, &hoso_core::wire::Withdrawal { reason });
    told(client, &portal, req).await
}

/// Sends `req` to `portal` as its applicant and, once it is accepted,
/// reads the portal's feed, so what it changed shows here.
async fn told(
    client: &Client,
    portal: &PortalRecord,
    mut req: reqwest::RequestBuilder,
) -> Result<(), ClientError> {
    if let Some(t) = &portal.token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await?;
    if !res.status().is_success() {
        return Err(problem(res).await);
    }
    crate::tracking::sync(&client.store, &client.http, portal, false).await?;
    Ok(())
}

/// The result notice of dossier `code` at `portal`, verified again
/// against its keys; none while no result was issued. One that no longer
/// verifies is [`ClientError::ResultRefused`].
pub async fn notice_of(
    client: &Client,
    portal: &PortalRecord,
    code: &str,
) -> Result<Option<VerifiedNotice>, ClientError> {
    let kept = crate::fees::kept_signed::<ResultNotice>(&client.store, portal, code, RESULT_NOTICE)
        .await
        .map_err(|e| e.or_untrusted(|e| ClientError::ResultRefused(ResultError::Signature(e))))?;
    Ok(kept.map(|(notice, signed)| VerifiedNotice { notice, signed }))
}

/// The result of the filed dossier `id`, if it is here whole and verified:
/// every document the notice names in the library, of the size and hash
/// signed. None when no result was issued or not all of it is here yet.
pub async fn received(client: &Client, id: i64) -> Result<Option<ReceivedResult>, ClientError> {
    let (portal, code) = filed_code(client, id).await?;
    let Some(kept) = notice_of(client, &portal, &code).await? else {
        return Ok(None);
    };
    let mut documents = Vec::new();
    let mut paths = Vec::new();
    for d in &kept.notice.documents {
        let path = client.library.path_of(&d.sha256);
        if !in_library(client, d).await? {
            return Ok(None);
        }
        paths.push(path);
        documents.push(LibraryEntry {
            sha256: d.sha256,
            size: d.size,
            name: d.name.clone(),
        });
    }
    Ok(Some(ReceivedResult {
        notice: kept.notice,
        documents,
        paths,
    }))
}

/// Whether the library holds `d`'s content already.
async fn in_library(client: &Client, d: &ResultDocument) -> Result<bool, ClientError> {
    let path = client.library.path_of(&d.sha256);
    let size = d.size;
    Ok(
        tokio::task::spawn_blocking(move || {
            std::fs::metadata(&path).is_ok_and(|m| m.len() == size)
        })
        .await
        .unwrap_or(false),
    )
}

/// Downloads the result of the filed dossier `id` into the library,
/// resuming what an earlier attempt left, checks every document and the
/// notice, tells the portal the result was received and reads its feed
/// (the dossier is then `completed`). With `to`, also copies each
/// document there under its name. `progress` hears how far it has come.
pub async fn download(
    client: &Client,
    id: i64,
    to: Option<&Path>,
    mut progress: impl FnMut(ResultProgress) + Send,
) -> Result<ReceivedResult, ClientError> {
    let (portal, code) = filed_code(client, id).await?;
    crate::tracking::sync(&client.store, &client.http, &portal, false).await?;
    let kept = notice_of(client, &portal, &code).await?.ok_or_else(|| {
        ClientError::NotFound(format!(
            "hồ sơ {code} chưa có kết quả / dossier {code} has no result yet"
        ))
    })?;
    let total = kept.notice.documents.iter().map(|d| d.size).sum();
    let mut done = 0;
    let mut got = Vec::new();
    for d in &kept.notice.documents {
        // A document fetched now was hashed whole before it was adopted;
        // one already here is hashed as it is now.
        let here = if in_library(client, d).await? {
            hashed(client.library.path_of(&d.sha256), d.name.clone()).await?
        } else {
            fetch_one(client, &portal, &code, d, done, total, &mut progress).await?
        };
        done += d.size;
        progress(ResultProgress { done, total });
        got.push(here);
    }
    let keys = crate::fees::keys(&client.store, &portal).await?;
    let notice = hoso_core::result_notice::verify(&kept.signed, &keys, &got)
        .map_err(ClientError::ResultRefused)?;
    let url = format!("{}/dossiers/{code}/result-received", portal.api_base);
    told(client, &portal, client.http.raw().post(&url)).await?;
    let documents: Vec<LibraryEntry> = notice
        .documents
        .iter()
        .map(|d| LibraryEntry {
            sha256: d.sha256,
            size: d.size,
            name: d.name.clone(),
        })
        .collect();
    let paths = documents
        .iter()
        .map(|d| client.library.path_of(&d.sha256))
        .collect();
    if let Some(dir) = to {
        copy_out(client, &documents, dir).await?;
    }
    Ok(ReceivedResult {
        notice,
        documents,
        paths,
    })
}

/// Brings one document into the library: what the partial file lacks,
/// asked with a `Range`, then checked whole and adopted; the document as
/// hashed.
async fn fetch_one(
    client: &Client,
    portal: &PortalRecord,
    code: &str,
    want: &ResultDocument,
    before: u64,
    total: u64,
    progress: &mut (impl FnMut(ResultProgress) + Send),
) -> Result<ResultDocument, ClientError> {
    let partial = client.library.partial_path(&want.sha256);
    let (dir, file) = (partial.clone(), partial.clone());
    let mut have = tokio::task::spawn_blocking(move || {
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent).map_err(|e| ClientError::file(parent, e))?;
        }
        Ok::<_, ClientError>(std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0))
    })
    .await
    .map_err(|e| ClientError::Protocol(format!("download task failed: {e}")))??;
    if have > want.size {
        have = 0;
    }
    if have < want.size {
        let name = utf8_percent_encode(&want.name);
        let url = format!("{}/dossiers/{code}/results/{name}", portal.api_base);
        let mut req = client.http.raw().get(&url);
        if let Some(t) = &portal.token {
            req = req.bearer_auth(t);
        }
        if have > 0 {
            req = req.header(reqwest::header::RANGE, format!("bytes={have}-"));
        }
        let mut res = req.send().await?;
        let append = match res.status().as_u16() {
            206 => true,
            200 => false,
            // The partial file is not a prefix the portal knows: start over.
            416 => {
                remove(&partial).await;
                return Box::pin(fetch_one(
                    client, portal, code, want, before, total, progress,
                ))
                .await;
            }
            _ => return Err(problem(res).await),
        };
        if !append {
            have = 0;
        }
        let mut out = open_partial(&partial, append).await?;
        while let Some(chunk) = res
            .chunk()
            .await
            .map_err(|e| ClientError::Network(format!("{}: {e}", want.name)))?
        {
            have += chunk.len() as u64;
            if have > want.size {
                drop(out);
                remove(&partial).await;
                return Err(mismatch(want, have, None));
            }
            out = write_chunk(out, chunk, &partial).await?;
            progress(ResultProgress {
                done: before + have,
                total,
            });
        }
        let synced = partial.clone();
        tokio::task::spawn_blocking(move || {
            out.sync_all().map_err(|e| ClientError::file(&synced, e))
        })
        .await
        .map_err(|e| ClientError::Protocol(format!("download task failed: {e}")))??;
    }
    let got = hashed(partial.clone(), want.name.clone()).await?;
    if got.size != want.size || got.sha256 != want.sha256 {
        remove(&partial).await;
        return Err(mismatch(want, got.size, Some(got.sha256)));
    }
    client
        .library
        .adopt(partial, want.sha256, want.size, want.name.clone())
        .await?;
    Ok(got)
}

/// The refusal of a downloaded document that is not the one signed: of
/// another size, or (`sha256`) of the size signed with other content.
fn mismatch(want: &ResultDocument, size: u64, sha256: Option<Sha256Digest>) -> ClientError {
    let name = want.name.clone();
    let differs = match sha256 {
        Some(found) if size == want.size => Mismatch::Hash {
            name,
            expected: want.sha256,
            found,
        },
        _ => Mismatch::Size {
            name,
            expected: want.size,
            found: size,
        },
    };
    ClientError::ResultRefused(ResultError::Documents(vec![differs]))
}

/// The partial file, to write from its end (`append`) or from nothing.
async fn open_partial(path: &Path, append: bool) -> Result<std::fs::File, ClientError> {
    let p = path.to_owned();
    tokio::task::spawn_blocking(move || {
        std::fs::OpenOptions::new()
            .create(true)
            .append(append)
            .write(true)
            .truncate(!append)
            .open(&p)
            .map_err(|e| ClientError::file(&p, e))
    })
    .await
    .map_err(|e| ClientError::Protocol(format!("download task failed: {e}")))?
}

/// Writes one received chunk off the async threads.
async fn write_chunk(
    mut out: std::fs::File,
    chunk: bytes::Bytes,
    path: &Path,
) -> Result<std::fs::File, ClientError> {
    let p = path.to_owned();
    tokio::task::spawn_blocking(move || {
        out.write_all(&chunk)
            .map_err(|e| ClientError::file(&p, e))?;
        Ok(out)
    })
    .await
    .map_err(|e| ClientError::Protocol(format!("download task failed: {e}")))?
}

/// Removes a partial file that cannot be resumed.
async fn remove(path: &Path) {
    let p = path.to_owned();
    let _ = tokio::task::spawn_blocking(move || std::fs::remove_file(p)).await;
}

/// The size and SHA-256 of the file at `path`, as the document `name`.
async fn hashed(path: PathBuf, name: String) -> Result<ResultDocument, ClientError> {
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(&path).map_err(|e| ClientError::file(&path, e))?;
        let mut hasher = sha2::Sha256::new();
        let size =
            std::io::copy(&mut file, &mut hasher).map_err(|e| ClientError::file(&path, e))?;
        Ok(ResultDocument {
            name,
            size,
            sha256: Sha256Digest::from_bytes(hasher.finalize().into()),
        })
    })
    .await
    .map_err(|e| ClientError::Protocol(format!("hashing task failed: {e}")))?
}

/// Copies each document to `dir` under its name, each written whole or
/// not at all.
async fn copy_out(
    client: &Client,
    documents: &[LibraryEntry],
    dir: &Path,
) -> Result<(), ClientError> {
    for d in documents {
        let (from, dest) = (client.library.path_of(&d.sha256), dir.join(&d.name));
        tokio::task::spawn_blocking(move || {
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).map_err(|e| ClientError::file(parent, e))?;
            }
            let mut tmp = crate::whole::beside(&dest)?;
            let mut src = std::fs::File::open(&from).map_err(|e| ClientError::file(&from, e))?;
            std::io::copy(&mut src, tmp.as_file_mut()).map_err(|e| ClientError::file(&dest, e))?;
            crate::whole::finish(tmp, &dest)
        })
        .await
        .map_err(|e| ClientError::Protocol(format!("copy task failed: {e}")))??;
    }
    Ok(())
}

/// A document name as one segment of a URL path.
fn utf8_percent_encode(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}
