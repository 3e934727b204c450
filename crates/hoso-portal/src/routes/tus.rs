//! The tus 1.0.0 endpoint: core, creation, creation-with-upload, checksum
//! (sha1, sha256), termination and expiration.
//!
//! Invariants kept here:
//! - the database offset is the truth; bytes stored beyond it (a request
//!   cut off before it was confirmed) are dropped by the next PATCH;
//! - an interrupted PATCH without a checksum keeps what arrived, and the
//!   next HEAD reports it; a chunk whose checksum fails keeps nothing;
//! - one request at a time writes to an upload (others get 423).

use super::Applicant;
use crate::error::ApiError;
use crate::state::{AppState, UploadLock, now_vn};
use crate::{db, random};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use futures_util::StreamExt;
use hoso_tus::checksum::ChecksumAlgorithm;
use hoso_tus::headers::{self as h, Extension};
use hoso_tus::{Metadata, UploadChecksum};
use std::io::Read;

const EXTENSIONS: &[Extension] = &[
    Extension::Creation,
    Extension::CreationWithUpload,
    Extension::Checksum,
    Extension::Termination,
    Extension::Expiration,
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

fn tus_error(status: StatusCode, code: &'static str, vi: &str, en: &str) -> ApiError {
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

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn rfc9110(time: &str) -> Option<String> {
    let t = chrono::DateTime::parse_from_rfc3339(time).ok()?;
    Some(
        t.with_timezone(&chrono::Utc)
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string(),
    )
}

fn valid_id(id: &str) -> Result<(), ApiError> {
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

/// Loads an upload the caller owns; other people's uploads do not exist.
async fn owned_upload(
    state: &AppState,
    who: &Applicant,
    id: &str,
) -> Result<db::UploadRow, ApiError> {
    valid_id(id)?;
    let key = id.to_owned();
    let row = state
        .db
        .call(move |conn| Ok(db::upload(conn, &key)?))
        .await?
        .filter(|r| r.applicant_id == who.id)
        .ok_or_else(|| ApiError::not_found("tệp tải lên / upload"))?;
    let expired = row.sha256.is_none()
        && chrono::DateTime::parse_from_rfc3339(&row.expires_at).is_ok_and(|t| t < now_vn());
    if expired {
        return Err(tus_error(
            StatusCode::GONE,
            "upload_expired",
            "Phiên tải lên đã hết hạn — ứng dụng sẽ tải lại từ đầu.",
            "The upload expired — the app will start it again.",
        ));
    }
    Ok(row)
}

async fn create(
    State(state): State<AppState>,
    who: Applicant,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    require_version(&headers)?;
    let length = header_str(&headers, h::UPLOAD_LENGTH)
        .ok_or_else(|| {
            tus_error(
                StatusCode::BAD_REQUEST,
                "upload_length",
                "Thiếu Upload-Length: cổng cần biết kích thước tệp trước.",
                "Upload-Length is missing: the portal needs the file size first.",
            )
        })
        .and_then(|v| {
            h::parse_number(h::UPLOAD_LENGTH, v).map_err(|e| bad_request(&e.to_string()))
        })?;
    if length > state.config.max_upload_bytes {
        return Err(tus_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "upload_too_large",
            &format!(
                "Tệp nặng {} byte, cổng nhận tối đa {} byte.",
                length, state.config.max_upload_bytes
            ),
            &format!(
                "The file is {} bytes, the portal takes at most {} bytes.",
                length, state.config.max_upload_bytes
            ),
        ));
    }
    let metadata_header = header_str(&headers, h::UPLOAD_METADATA)
        .unwrap_or_default()
        .to_owned();
    Metadata::parse(&metadata_header).map_err(|e| bad_request(&e.to_string()))?;
    let checksum = parse_checksum(&headers)?;

    let id = random::hex_id();
    let now = now_vn();
    let expiry =
        chrono::Duration::from_std(state.config.upload_expiry).unwrap_or(chrono::Duration::days(7));
    let expires_at = (now + expiry).to_rfc3339();
    let storage = state.storage.clone();
    let new_id = id.clone();
    tokio::task::spawn_blocking(move || storage.create(&new_id))
        .await
        .map_err(ApiError::internal)??;
    let (row_id, owner, created, expires) =
        (id.clone(), who.id, now.to_rfc3339(), expires_at.clone());
    state
        .db
        .call(move |conn| {
            Ok(db::insert_upload(
                conn,
                &row_id,
                owner,
                length,
                &metadata_header,
                &created,
                &expires,
            )?)
        })
        .await?;

    let mut offset = 0;
    let with_body =
        header_str(&headers, header::CONTENT_TYPE.as_str()) == Some(h::OFFSET_OCTET_STREAM);
    if with_body {
        // Just created: nobody else can know the id yet.
        let lock = state
            .lock_upload(&id)
            .ok_or_else(|| ApiError::internal(format!("new upload {id} already busy")))?;
        offset = write_chunk(&state, &lock, &id, 0, length, checksum, body).await?;
    }
    let mut res = (
        StatusCode::CREATED,
        [
            (header::LOCATION.as_str(), state.upload_url(&id)),
            (h::UPLOAD_OFFSET, offset.to_string()),
        ],
    )
        .into_response();
    if let Some(v) = rfc9110(&expires_at).and_then(|v| HeaderValue::from_str(&v).ok()) {
        res.headers_mut().insert(h::UPLOAD_EXPIRES, v);
    }
    Ok(res)
}

fn bad_request(detail: &str) -> ApiError {
    tus_error(
        StatusCode::BAD_REQUEST,
        "tus_header",
        &format!("Yêu cầu tải lên không hợp lệ: {detail}"),
        &format!("Malformed upload request: {detail}"),
    )
}

fn parse_checksum(headers: &HeaderMap) -> Result<Option<UploadChecksum>, ApiError> {
    header_str(headers, h::UPLOAD_CHECKSUM)
        .map(|v| UploadChecksum::parse(v).map_err(|e| bad_request(&e.to_string())))
        .transpose()
}

async fn head(
    State(state): State<AppState>,
    who: Applicant,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_version(&headers)?;
    let row = owned_upload(&state, &who, &id).await?;
    let mut res = (
        StatusCode::OK,
        [
            (h::UPLOAD_OFFSET, row.offset.to_string()),
            (h::UPLOAD_LENGTH, row.length.to_string()),
            (header::CACHE_CONTROL.as_str(), "no-store".to_owned()),
        ],
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&row.metadata)
        && !row.metadata.is_empty()
    {
        res.headers_mut().insert(h::UPLOAD_METADATA, v);
    }
    if row.sha256.is_none()
        && let Some(v) = rfc9110(&row.expires_at).and_then(|v| HeaderValue::from_str(&v).ok())
    {
        res.headers_mut().insert(h::UPLOAD_EXPIRES, v);
    }
    Ok(res)
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
    let checksum = parse_checksum(&headers)?;
    // Whose upload it is comes first: only its owner may take it over.
    owned_upload(&state, &who, &id).await?;
    let Some(lock) = state.take_over_upload(&id).await else {
        return Err(tus_error(
            StatusCode::LOCKED,
            "upload_busy",
            "Một yêu cầu khác đang ghi vào tệp này; hãy hỏi lại vị trí rồi tiếp tục.",
            "Another request is writing to this upload; ask for the offset and continue.",
        ));
    };
    let row = owned_upload(&state, &who, &id).await?;
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
    let new_offset = write_chunk(&state, &lock, &id, offset, row.length, checksum, body).await?;
    let mut res = (
        StatusCode::NO_CONTENT,
        [(h::UPLOAD_OFFSET, new_offset.to_string())],
    )
        .into_response();
    if new_offset < row.length
        && let Some(v) = rfc9110(&row.expires_at).and_then(|v| HeaderValue::from_str(&v).ok())
    {
        res.headers_mut().insert(h::UPLOAD_EXPIRES, v);
    }
    Ok(res)
}

/// What arrived of one request body.
struct Received {
    bytes: u64,
    digest: Option<Vec<u8>>,
    interrupted: bool,
    overflow: bool,
}

/// Streams a request body into an upload at `offset`, confirms what may be
/// kept in the database, and returns the new offset. The caller holds the
/// upload's lock.
async fn write_chunk(
    state: &AppState,
    lock: &UploadLock,
    id: &str,
    offset: u64,
    length: u64,
    checksum: Option<UploadChecksum>,
    body: Body,
) -> Result<u64, ApiError> {
    // Without a checksum, what arrives may be kept piecemeal: every
    // CHECKPOINT bytes the file is synced and the offset recorded, so that a
    // portal killed mid-request still keeps (and reports) what it received.
    let checkpoint: Option<Checkpoint> = checksum.is_none().then(|| {
        let (db, row_id, handle) = (
            state.db.clone(),
            id.to_owned(),
            tokio::runtime::Handle::current(),
        );
        Box::new(move |written: u64| {
            let row_id = row_id.clone();
            handle
                .block_on(
                    db.call(move |conn| Ok(db::raise_offset(conn, &row_id, offset + written)?)),
                )
                .map_err(|e| std::io::Error::other(e.code))
        }) as Checkpoint
    });
    let got = receive(
        state,
        lock,
        offset,
        length - offset,
        checksum.as_ref().map(|c| c.algorithm),
        checkpoint,
        body,
    )
    .await?;
    let rollback = |state: &AppState| {
        let (storage, id, db) = (state.storage.clone(), id.to_owned(), state.db.clone());
        async move {
            let file_id = id.clone();
            let _ = tokio::task::spawn_blocking(move || storage.truncate(&file_id, offset)).await;
            // Checkpoints of this request are undone with its bytes.
            let _ = db
                .call(move |conn| Ok(db::reset_offset(conn, &id, offset)?))
                .await;
        }
    };
    if got.overflow {
        rollback(state).await;
        return Err(tus_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "beyond_length",
            "Dữ liệu gửi vượt quá Upload-Length đã khai báo; phần này không được lưu.",
            "The data goes beyond the declared Upload-Length; this part was not kept.",
        ));
    }
    if let Some(expected) = &checksum
        && (got.interrupted || got.digest.as_deref() != Some(expected.digest.as_slice()))
    {
        rollback(state).await;
        return Err(tus_error(
            StatusCode::from_u16(hoso_tus::status::CHECKSUM_MISMATCH)
                .unwrap_or(StatusCode::BAD_REQUEST),
            "checksum_mismatch",
            "Đoạn dữ liệu bị hỏng trên đường truyền (sai mã kiểm tra) và không được lưu; hãy gửi lại đoạn này.",
            "The chunk was damaged in transit (checksum mismatch) and was not kept; send it again.",
        ));
    }
    let new_offset = offset + got.bytes;
    let sha256 = if new_offset == length {
        Some(whole_file_sha256(state, id).await?)
    } else {
        None
    };
    let (row_id, done_at) = (id.to_owned(), now_vn().to_rfc3339());
    state
        .db
        .call(move |conn| {
            Ok(db::confirm_offset(
                conn,
                &row_id,
                new_offset,
                sha256.as_deref(),
                &done_at,
            )?)
        })
        .await?;
    Ok(new_offset)
}

/// Records that the first N bytes of a request are durable.
type Checkpoint = Box<dyn Fn(u64) -> std::io::Result<()> + Send>;

/// How many bytes of a request without a checksum are made durable and
/// recorded at a time.
const CHECKPOINT: u64 = 1024 * 1024;

async fn receive(
    state: &AppState,
    lock: &UploadLock,
    offset: u64,
    room: u64,
    algorithm: Option<ChecksumAlgorithm>,
    checkpoint: Option<Checkpoint>,
    body: Body,
) -> Result<Received, ApiError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    let (storage, file_id) = (state.storage.clone(), lock.id().to_owned());
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<(u64, Option<Vec<u8>>)> {
        let mut out = storage.append_at(&file_id, offset)?;
        let mut hasher = algorithm.map(ChecksumAlgorithm::hasher);
        let (mut written, mut recorded) = (0u64, 0u64);
        while let Some(chunk) = rx.blocking_recv() {
            std::io::Write::write_all(&mut out, &chunk)?;
            if let Some(h) = hasher.as_mut() {
                h.update(&chunk);
            }
            written += chunk.len() as u64;
            if let Some(record) = &checkpoint
                && written - recorded >= CHECKPOINT
            {
                out.sync()?;
                record(written)?;
                recorded = written;
            }
        }
        out.commit()?;
        Ok((written, hasher.map(|h| h.finish())))
    });
    let idle = state.config.idle_body_timeout;
    let mut stream = body.into_data_stream();
    let (mut sent, mut interrupted, mut overflow) = (0u64, false, false);
    loop {
        let next = tokio::select! {
            next = tokio::time::timeout(idle, stream.next()) => next,
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
                if sent + bytes.len() as u64 > room {
                    overflow = true;
                    break;
                }
                sent += bytes.len() as u64;
                if tx.send(bytes).await.is_err() {
                    break;
                }
            }
            Ok(None) => break,
            Ok(Some(Err(_))) | Err(_) => {
                interrupted = true;
                break;
            }
        }
    }
    drop(tx);
    let (bytes, digest) = writer.await.map_err(ApiError::internal)??;
    Ok(Received {
        bytes,
        digest,
        interrupted,
        overflow,
    })
}

async fn whole_file_sha256(state: &AppState, id: &str) -> Result<String, ApiError> {
    let (storage, id) = (state.storage.clone(), id.to_owned());
    tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        let mut reader = storage.read(&id)?;
        let mut hasher = ChecksumAlgorithm::Sha256.hasher();
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let n = reader.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(hoso_core::hash::to_hex(&hasher.finish()))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::from)
}

async fn terminate(
    State(state): State<AppState>,
    who: Applicant,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_version(&headers)?;
    let Some(_lock) = state.lock_upload(&id) else {
        return Err(tus_error(
            StatusCode::LOCKED,
            "upload_busy",
            "Tệp đang được ghi; hãy thử xóa lại sau.",
            "The upload is being written; try removing it again later.",
        ));
    };
    owned_upload(&state, &who, &id).await?;
    let row_id = id.clone();
    let in_use = state
        .db
        .call(move |conn| Ok(!db::delete_upload_unless_filed(conn, &row_id)?))
        .await?;
    if in_use {
        return Err(tus_error(
            StatusCode::CONFLICT,
            "upload_filed",
            "Tệp này thuộc một hồ sơ đã nộp nên không thể xóa.",
            "This upload belongs to a filed dossier and cannot be removed.",
        ));
    }
    let storage = state.storage.clone();
    tokio::task::spawn_blocking(move || storage.remove(&id))
        .await
        .map_err(ApiError::internal)??;
    Ok(StatusCode::NO_CONTENT.into_response())
}
