//! The tus 1.0.0 endpoint: core, creation, creation-with-upload,
//! creation-defer-length, checksum (sha1, sha256), termination,
//! expiration and concatenation (`crate::concat`), and HoSo's block
//! checksums (`hoso_tus::blocks`).
//!
//! Invariants kept here:
//! - the database offset is the truth; bytes stored beyond it (a request
//!   cut off before it was confirmed) are dropped by the next PATCH;
//! - an interrupted PATCH without a checksum keeps what arrived, and the
//!   next HEAD reports it; a chunk whose checksum fails keeps nothing; a
//!   chunk with block checksums keeps every block that checked out;
//! - one request at a time writes to an upload (others get 423), and only
//!   its owner can hold it: ownership is checked before any lock;
//! - an upload is admitted within its owner's quotas in the transaction
//!   that records it, and a creation refused after that leaves nothing;
//! - an upload a filing names is never removed.

use super::Applicant;
use crate::error::ApiError;
use crate::records::{NewUpload, UploadRow};
use crate::state::{AppState, UploadLock, now_vn};
use crate::{intake, random};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hoso_tus::blocks::{self, BlockChecksums};
use hoso_tus::headers::{self as h, Concat, Extension};
use hoso_tus::{Metadata, UploadChecksum};

const EXTENSIONS: &[Extension] = &[
    Extension::Creation,
    Extension::CreationWithUpload,
    Extension::CreationDeferLength,
    Extension::Checksum,
    Extension::BlockChecksum,
    Extension::Termination,
    Extension::Expiration,
    Extension::Concatenation,
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/uploads", post(create).options(options))
        .route(
            "/v1/uploads/{id}",
            axum::routing::head(head)
                .patch(patch)
                .delete(terminate)
                .options(options),
        )
        .layer(axum::middleware::map_response(add_tus_resumable))
}

async fn add_tus_resumable(mut res: Response) -> Response {
    res.headers_mut()
        .insert(h::TUS_RESUMABLE, HeaderValue::from_static(h::VERSION));
    res
}

pub(crate) fn tus_error(status: StatusCode, code: &'static str, vi: &str, en: &str) -> ApiError {
    ApiError::new(status, code, vi, en)
}

fn require_version(headers: &HeaderMap) -> Result<(), ApiError> {
    if headers.get(h::TUS_RESUMABLE).and_then(|v| v.to_str().ok()) == Some(h::VERSION) {
        return Ok(());
    }
    Err(tus_error(
        StatusCode::PRECONDITION_FAILED,
        "tus_version",
        "Cổng chỉ nhận giao thức tus 1.0.0.",
        "This portal speaks tus 1.0.0 only.",
    )
    .with_header("tus-version", HeaderValue::from_static(h::VERSION)))
}

pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn rfc9110(time: &str) -> Option<HeaderValue> {
    let t = chrono::DateTime::parse_from_rfc3339(time).ok()?;
    let text = t
        .with_timezone(&chrono::Utc)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    HeaderValue::from_str(&text).ok()
}

/// `Upload-Expires` for an upload that may still be removed.
pub(crate) fn with_expiry(mut res: Response, row_expires_at: &str) -> Response {
    if let Some(v) = rfc9110(row_expires_at) {
        res.headers_mut().insert(h::UPLOAD_EXPIRES, v);
    }
    res
}

pub(crate) fn valid_id(id: &str) -> Result<(), ApiError> {
    if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(ApiError::not_found("tệp tải lên / upload"))
    }
}

async fn options(State(state): State<AppState>) -> Response {
    (
        StatusCode::NO_CONTENT,
        [
            (h::TUS_VERSION, h::VERSION.to_owned()),
            (h::TUS_EXTENSION, Extension::format_list(EXTENSIONS)),
            (h::TUS_MAX_SIZE, state.config.max_upload_bytes.to_string()),
            (h::TUS_CHECKSUM_ALGORITHM, "sha1,sha256".to_owned()),
        ],
    )
        .into_response()
}

/// Loads an upload the caller owns, expired or not; other people's
/// uploads do not exist.
pub(crate) async fn owned_upload(
    state: &AppState,
    who: &Applicant,
    id: &str,
) -> Result<UploadRow, ApiError> {
    valid_id(id)?;
    owned(state.db.upload(id).await?, who)
}

/// The row if `who` owns it; other people's uploads do not exist.
fn owned(row: Option<UploadRow>, who: &Applicant) -> Result<UploadRow, ApiError> {
    row.filter(|r| r.applicant_id == who.id)
        .ok_or_else(|| ApiError::not_found("tệp tải lên / upload"))
}

/// Like [`owned_upload`], read on the connections kept for `HEAD`, and
/// whether a request of another replica holds it.
async fn peeked_upload(
    state: &AppState,
    who: &Applicant,
    id: &str,
) -> Result<(UploadRow, bool), ApiError> {
    valid_id(id)?;
    let (row, elsewhere) = state
        .db
        .peek_upload(id)
        .await?
        .map_or((None, false), |(row, elsewhere)| (Some(row), elsewhere));
    Ok((owned(row, who)?, elsewhere))
}

/// Like [`owned_upload`], refusing one past its expiry (410).
async fn live_upload(state: &AppState, who: &Applicant, id: &str) -> Result<UploadRow, ApiError> {
    unexpired(owned_upload(state, who, id).await?)
}

/// The row, unless the upload is past its expiry (410).
fn unexpired(row: UploadRow) -> Result<UploadRow, ApiError> {
    if row.expired(now_vn()) {
        return Err(tus_error(
            StatusCode::GONE,
            "upload_expired",
            "Phiên tải lên đã hết hạn — ứng dụng sẽ tải lại từ đầu.",
            "The upload expired — the app will start it again.",
        ));
    }
    Ok(row)
}

pub(crate) fn bad_request(detail: &str) -> ApiError {
    tus_error(
        StatusCode::BAD_REQUEST,
        "tus_header",
        &format!("Yêu cầu tải lên không hợp lệ: {detail}"),
        &format!("Malformed upload request: {detail}"),
    )
}

/// The checksums a request body carries: `Upload-Checksum` for the whole
/// body, `HoSo-Block-Checksum` for each of its blocks.
struct Checks {
    whole: Option<UploadChecksum>,
    blocks: Option<BlockChecksums>,
}

fn parse_checks(headers: &HeaderMap) -> Result<Checks, ApiError> {
    let whole = header_str(headers, h::UPLOAD_CHECKSUM)
        .map(|v| UploadChecksum::parse(v).map_err(|e| bad_request(&e.to_string())))
        .transpose()?;
    let blocks = header_str(headers, blocks::HEADER)
        .map(|v| BlockChecksums::parse(v).map_err(|e| bad_request(&e.to_string())))
        .transpose()?;
    let length = header_str(headers, header::CONTENT_LENGTH.as_str()).and_then(|v| v.parse().ok());
    if let (Some(b), Some(len)) = (&blocks, length)
        && !b.covers(len)
    {
        return Err(bad_request(&format!(
            "{} names {} blocks of {} bytes for a body of {len} bytes",
            blocks::HEADER,
            b.digests.len(),
            b.block
        )));
    }
    Ok(Checks { whole, blocks })
}

/// `Upload-Length`, if the request has one.
fn upload_length(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    header_str(headers, h::UPLOAD_LENGTH)
        .map(|v| h::parse_number(h::UPLOAD_LENGTH, v).map_err(|e| bad_request(&e.to_string())))
        .transpose()
}

/// Refuses a length over the portal's largest upload.
pub(crate) fn within_max(state: &AppState, length: u64) -> Result<(), ApiError> {
    let max = state.config.max_upload_bytes;
    if length <= max {
        return Ok(());
    }
    Err(tus_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "upload_too_large",
        &format!("Tệp nặng {length} byte, cổng nhận tối đa {max} byte."),
        &format!("The file is {length} bytes, the portal takes at most {max} bytes."),
    ))
}

/// The declared length of a new upload: `Some`, or `None` with
/// `Upload-Defer-Length: 1`.
fn declared_length(state: &AppState, headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let deferred = header_str(headers, h::UPLOAD_DEFER_LENGTH);
    match (upload_length(headers)?, deferred) {
        (Some(_), Some(_)) => Err(bad_request(
            "Upload-Length and Upload-Defer-Length together",
        )),
        (None, Some("1")) => Ok(None),
        (None, Some(other)) => Err(bad_request(&format!("Upload-Defer-Length: {other}"))),
        (Some(length), None) => within_max(state, length).map(|()| Some(length)),
        (None, None) => Err(tus_error(
            StatusCode::BAD_REQUEST,
            "upload_length",
            "Thiếu Upload-Length: cổng cần biết kích thước tệp trước (hoặc Upload-Defer-Length: 1).",
            "Upload-Length is missing: the portal needs the file size first (or Upload-Defer-Length: 1).",
        )),
    }
}

async fn create(
    State(state): State<AppState>,
    who: Applicant,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    require_version(&headers)?;
    let metadata_header = header_str(&headers, h::UPLOAD_METADATA)
        .unwrap_or_default()
        .to_owned();
    Metadata::parse(&metadata_header).map_err(|e| bad_request(&e.to_string()))?;
    let concat = header_str(&headers, h::UPLOAD_CONCAT)
        .map(Concat::parse)
        .transpose()
        .map_err(|e| bad_request(&e.to_string()))?;
    if let Some(Concat::Final(urls)) = concat {
        return crate::concat::create_final(&state, &who, metadata_header, &urls).await;
    }
    let length = declared_length(&state, &headers)?;
    let checks = parse_checks(&headers)?;

    let now = now_vn();
    let expiry =
        chrono::Duration::from_std(state.config.upload_expiry).unwrap_or(chrono::Duration::days(7));
    let new = NewUpload {
        id: random::hex_id(),
        applicant_id: who.id,
        length,
        metadata: metadata_header,
        concat: (concat == Some(Concat::Partial)).then(|| "partial".to_owned()),
        created_at: now.to_rfc3339(),
        expires_at: (now + expiry).to_rfc3339(),
    };
    let id = new.id.clone();
    let expires_at = new.expires_at.clone();
    let (max, quotas) = (state.config.max_upload_bytes, state.config.quotas.clone());
    state.db.create_upload(new, max, quotas).await?;
    if let Err(e) = state.storage.create(&id).await.map_err(ApiError::from) {
        discard(&state, &id).await;
        return Err(e);
    }

    let mut offset = 0;
    let with_body =
        header_str(&headers, header::CONTENT_TYPE.as_str()) == Some(h::OFFSET_OCTET_STREAM);
    // An empty file is complete as soon as it exists.
    if with_body || length == Some(0) {
        // Just created: nobody else can know the id yet.
        let lock = state
            .lock_new_upload(&id)
            .ok_or_else(|| ApiError::internal(format!("new upload {id} already busy")))?;
        let written = write_chunk(&state, &lock, &id, 0, length, checks, body).await;
        drop(lock);
        match written {
            Ok(at) => offset = at,
            Err(e) => {
                // The client never learns this upload's address: keep nothing.
                discard(&state, &id).await;
                return Err(e);
            }
        }
    }
    let res = (
        StatusCode::CREATED,
        [
            (header::LOCATION.as_str(), state.upload_url(&id)),
            (h::UPLOAD_OFFSET, offset.to_string()),
        ],
    )
        .into_response();
    Ok(with_expiry(res, &expires_at))
}

/// Removes an upload that was refused at its creation (or failed to be
/// joined), row and bytes.
pub(crate) async fn discard(state: &AppState, id: &str) {
    let _ = state.db.delete_upload_unless_filed(id).await;
    state.hashes.forget(id);
    let _ = state.storage.remove(id).await;
}

async fn head(
    State(state): State<AppState>,
    who: Applicant,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_version(&headers)?;
    // What HEAD reports is on disk: a request ending (its connection just
    // broke) and a sync under way are waited for, for the owner only.
    // Asked before the read: a request of this process that ends
    // meanwhile has recorded its offset by the time the row is read.
    let here = state.is_busy(&id) || state.trailing.offset(&id).is_some();
    // Strangers wait for nothing: ownership is checked first.
    let (mut row, elsewhere) = peeked_upload(&state, &who, &id).await?;
    if here {
        state.settled_request(&id).await;
        // Past the wait, HEAD tells what is durable already.
        let _ = state.trailing.settled(&id).await;
        row = peeked_upload(&state, &who, &id).await?.0;
    } else if elsewhere {
        // A request of another replica is writing to it.
        state.settled_elsewhere(&id).await;
        row = peeked_upload(&state, &who, &id).await?.0;
    }
    let row = unexpired(row)?;
    let mut res = (
        StatusCode::OK,
        [
            (h::UPLOAD_OFFSET, row.offset.to_string()),
            (header::CACHE_CONTROL.as_str(), "no-store".to_owned()),
        ],
    )
        .into_response();
    let out = res.headers_mut();
    if row.length_deferred {
        out.insert(h::UPLOAD_DEFER_LENGTH, HeaderValue::from_static("1"));
    } else {
        out.insert(h::UPLOAD_LENGTH, HeaderValue::from(row.length));
    }
    if let Ok(v) = HeaderValue::from_str(&row.metadata)
        && !row.metadata.is_empty()
    {
        out.insert(h::UPLOAD_METADATA, v);
    }
    if let Some(concat) = crate::concat::header(&state, row.concat.as_deref())
        && let Ok(v) = HeaderValue::from_str(&concat)
    {
        out.insert(h::UPLOAD_CONCAT, v);
    }
    Ok(if row.filed {
        res
    } else {
        with_expiry(res, &row.expires_at)
    })
}

async fn patch(
    State(state): State<AppState>,
    who: Applicant,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    require_version(&headers)?;
    if header_str(&headers, header::CONTENT_TYPE.as_str()) != Some(h::OFFSET_OCTET_STREAM) {
        return Err(tus_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "tus_content_type",
            "PATCH phải có Content-Type application/offset+octet-stream.",
            "PATCH needs Content-Type application/offset+octet-stream.",
        ));
    }
    let offset = header_str(&headers, h::UPLOAD_OFFSET)
        .ok_or_else(|| bad_request("Upload-Offset is missing"))
        .and_then(|v| {
            h::parse_number(h::UPLOAD_OFFSET, v).map_err(|e| bad_request(&e.to_string()))
        })?;
    let checks = parse_checks(&headers)?;
    let given_length = upload_length(&headers)?;
    // Whose upload it is comes first: only its owner may take it over.
    let row = live_upload(&state, &who, &id).await?;
    if row
        .concat
        .as_deref()
        .is_some_and(|c| c.starts_with("final;"))
    {
        return Err(tus_error(
            StatusCode::FORBIDDEN,
            "upload_final",
            "Tệp này được ghép từ các phần đã tải lên; không thể ghi thêm vào nó.",
            "This upload is joined from partial uploads; it cannot be written to.",
        ));
    }
    let Some(lock) = state.take_over_upload(&id).await else {
        return Err(tus_error(
            StatusCode::LOCKED,
            "upload_busy",
            "Một yêu cầu khác đang ghi vào tệp này; hãy hỏi lại vị trí rồi tiếp tục.",
            "Another request is writing to this upload; ask for the offset and continue.",
        ));
    };
    // A previous request's bytes may still be syncing: it answered with
    // the offset it received, which is where this one goes on.
    let trailing = state.trailing.offset(&id);
    let mut row = live_upload(&state, &who, &id).await?;
    row.offset = trailing.map_or(row.offset, |t| t.max(row.offset));
    if row.offset != offset {
        return Err(tus_error(
            StatusCode::CONFLICT,
            "offset_mismatch",
            &format!(
                "Cổng đang có {} byte, không phải {offset}; hãy tiếp tục từ {}.",
                row.offset, row.offset
            ),
            &format!(
                "The portal holds {} bytes, not {offset}; continue from {}.",
                row.offset, row.offset
            ),
        )
        .with_header("upload-offset", HeaderValue::from(row.offset)));
    }
    match (row.length_deferred, given_length) {
        (true, Some(length)) => {
            within_max(&state, length)?;
            if length < row.offset {
                return Err(bad_request(&format!(
                    "Upload-Length {length} is below the {} bytes already received",
                    row.offset
                )));
            }
            state.db.set_length(&id, length).await?;
            (row.length, row.length_deferred) = (length, false);
        }
        (false, Some(length)) if length != row.length => {
            return Err(bad_request(&format!(
                "Upload-Length {length} differs from the declared {}",
                row.length
            )));
        }
        _ => {}
    }
    let length = (!row.length_deferred).then_some(row.length);
    let new_offset = write_chunk(&state, &lock, &id, offset, length, checks, body).await?;
    let res = (
        StatusCode::NO_CONTENT,
        [(h::UPLOAD_OFFSET, new_offset.to_string())],
    )
        .into_response();
    // A complete upload expires a while after now unless it is filed.
    Ok(if row.filed {
        res
    } else if Some(new_offset) == length {
        let fresh = state.db.upload(&id).await?;
        match fresh {
            Some(r) => with_expiry(res, &r.expires_at),
            None => res,
        }
    } else {
        with_expiry(res, &row.expires_at)
    })
}

/// Streams a request body into an upload at `offset`, confirms what may be
/// kept in the database, and returns the new offset. The caller holds the
/// upload's lock. `length` is `None` while the upload's length is
/// deferred: the body may then run to the portal's largest upload.
///
/// What is kept: without checksums, everything that arrived; with
/// `Upload-Checksum` alone, the whole body or nothing; with block
/// checksums, every block from the start that checked out (and, when the
/// body ended whole, only if its `Upload-Checksum` matches too).
async fn write_chunk(
    state: &AppState,
    lock: &UploadLock,
    id: &str,
    offset: u64,
    length: Option<u64>,
    checks: Checks,
    body: Body,
) -> Result<u64, ApiError> {
    let Checks { whole, blocks } = checks;
    let target = intake::Target {
        lock,
        offset,
        room: length
            .unwrap_or(state.config.max_upload_bytes)
            .saturating_sub(offset),
        checksum: whole.as_ref().map(|c| c.algorithm),
        blocks,
    };
    let mut got = intake::receive(state, target, body).await?;
    // Keeps nothing of this body: what it wrote is dropped, and
    // checkpoints beyond `at` are undone with its bytes (a store that
    // made some durable already keeps them; they are the upload's own,
    // and the next request finds them: `storage::Ahead`).
    let cut_to = |state: &AppState, got: intake::Received, at: u64| {
        let (id, db) = (id.to_owned(), state.db.clone());
        async move {
            if let Ok(got) = got.truncate(0).await {
                let _ = got.sync(false).await;
            }
            let _ = db.reset_offset(&id, at).await;
        }
    };
    if got.overflow {
        cut_to(state, got, offset).await;
        return Err(tus_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "beyond_length",
            "Dữ liệu gửi vượt quá Upload-Length đã khai báo; phần này không được lưu.",
            "The data goes beyond the declared Upload-Length; this part was not kept.",
        ));
    }
    let whole_failed = whole.as_ref().is_some_and(|expected| {
        let ended_whole = got.blocks.map_or(!got.interrupted, |b| b.complete);
        ended_whole && got.digest.as_deref() != Some(expected.digest.as_slice())
    });
    let kept = match got.blocks {
        _ if whole_failed => None,
        Some(b) => Some(b.verified),
        None if whole.is_some() && got.interrupted => None,
        None => Some(got.bytes),
    };
    let Some(kept) = kept else {
        cut_to(state, got, offset).await;
        return Err(tus_error(
            StatusCode::from_u16(hoso_tus::status::CHECKSUM_MISMATCH)
                .unwrap_or(StatusCode::BAD_REQUEST),
            "checksum_mismatch",
            "Đoạn dữ liệu bị hỏng trên đường truyền (sai mã kiểm tra) và không được lưu; hãy gửi lại đoạn này.",
            "The chunk was damaged in transit (checksum mismatch) and was not kept; send it again.",
        ));
    };
    let new_offset = offset + kept;
    if kept < got.bytes {
        // The tail that did not check out (a cut or damaged block).
        got = got.truncate(kept).await?;
    }
    if got.blocks.is_some_and(|b| b.damaged) {
        // What checked out is kept, durable before the client hears of it.
        got.sync(false).await?;
        state.db.raise_offset(id, new_offset).await?;
        return Err(tus_error(
            StatusCode::from_u16(hoso_tus::status::CHECKSUM_MISMATCH)
                .unwrap_or(StatusCode::BAD_REQUEST),
            "block_checksum_mismatch",
            &format!(
                "Một khối dữ liệu bị hỏng trên đường truyền (sai mã kiểm tra); cổng giữ {new_offset} byte đã kiểm tra đúng, hãy gửi tiếp từ đó."
            ),
            &format!(
                "A block was damaged in transit (checksum mismatch); the portal keeps the {new_offset} bytes that checked out: go on from there."
            ),
        )
        .with_header("upload-offset", HeaderValue::from(new_offset)));
    }
    let complete = Some(new_offset) == length;
    let running = got.finish_hash(state, id, new_offset, complete);
    if !complete {
        // Not complete: answered now, synced and recorded after.
        if kept > 0 {
            got.sync_later(state, id, new_offset, lock.lease());
        }
        return Ok(new_offset);
    }
    // Complete: durable (sealed, in an object store) and recorded before
    // the answer, so that a filing right after finds it. Its SHA-256 was
    // computed as the bytes arrived, or, when this process did not see
    // them all (a restart, another replica), from the stored upload, read
    // once.
    got.sync(true).await?;
    intake::record_complete(state, id, new_offset, running).await?;
    Ok(new_offset)
}

async fn terminate(
    State(state): State<AppState>,
    who: Applicant,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_version(&headers)?;
    // Strangers learn nothing and lock nothing.
    owned_upload(&state, &who, &id).await?;
    let Some(_lock) = state.lock_upload(&id).await else {
        return Err(tus_error(
            StatusCode::LOCKED,
            "upload_busy",
            "Tệp đang được ghi; hãy thử xóa lại sau.",
            "The upload is being written; try removing it again later.",
        ));
    };
    let removed = state.db.delete_upload_unless_filed(&id).await?;
    if !removed {
        return Err(tus_error(
            StatusCode::CONFLICT,
            "upload_filed",
            "Tệp này thuộc một hồ sơ hoặc một lần bổ sung đã nộp nên không thể xóa.",
            "This upload belongs to a filed dossier or supplement and cannot be removed.",
        ));
    }
    state.hashes.forget(&id);
    state.trailing.forget(&id);
    state.storage.remove(&id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
