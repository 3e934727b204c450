//! Electronic results: the documents an officer attaches to a dossier as
//! its result, the result notice the portal signs when the dossier moves
//! to `result_ready` (hoso-core's `result_notice`), and the download an
//! applicant resumes by byte ranges.
//!
//! Decisions:
//! - a result document is named by the officer (NFC, checked by
//!   `hoso_core::filename::windows_problem`, the rule the result notice
//!   and the app apply), one per name as Windows tells names apart (case
//!   folded: a second put of `KQ.pdf` replaces `kq.pdf`);
//! - its bytes go to the upload store (files or the bucket) under an id of
//!   their own, written and hashed as they arrive, at most the portal's
//!   largest upload, and are recorded by size and SHA-256 only once whole:
//!   a put cut off records nothing, and a crash between the two leaves
//!   only bytes no record names;
//! - moving a dossier to `result_ready` needs at least one document and
//!   signs the notice naming every one in the transaction of the move;
//!   from then on the documents are frozen, and only then may the
//!   applicant download them;
//! - a download names its version by the SHA-256 (`ETag`) and serves one
//!   byte range (`Range: bytes=N-`, `bytes=N-M`, `bytes=-K`), so an app
//!   whose connection broke goes on from what it has.

use crate::error::ApiError;
use crate::records::StoredResult;
use crate::state::AppState;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use hoso_core::filename::{FileName, windows_problem};
use hoso_core::result_notice::{ResultDocument, ResultError, ResultNotice};
use hoso_core::signed::Signed;
use hoso_core::status::Status;
use hoso_core::{DossierCode, Sha256Digest};
use hoso_tus::checksum::ChecksumAlgorithm;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The note of the change an applicant makes by saying the result arrived.
pub const RECEIVED_NOTE: &str = "người nộp đã nhận kết quả / the applicant received the result";

/// The name a result document is stored and found by: `raw` in NFC,
/// invisible characters and the spaces at its ends removed, refused when
/// Windows could not keep a file by it.
pub(crate) fn name(raw: &str) -> Result<String, ApiError> {
    let name = FileName::new(raw).name;
    match windows_problem(&name) {
        None => Ok(name),
        Some(problem) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "result_name_invalid",
            format!(
                "Tên tài liệu kết quả “{name}” không dùng được: {}. Hãy đặt tên khác.",
                problem.vi
            ),
            format!(
                "Result document name “{name}” cannot be used: {}. Choose another name.",
                problem.en
            ),
        )),
    }
}

/// How names are told apart: as Windows does, case aside.
pub(crate) fn folded(name: &str) -> String {
    name.to_lowercase()
}

/// The refusal of a change to the results of dossier `code` after the
/// result notice was issued.
pub(crate) fn issued(code: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "result_issued",
        format!(
            "Kết quả của hồ sơ {code} đã được trả kèm thông báo kết quả có chữ ký; không thay đổi được tài liệu kết quả nữa."
        ),
        format!(
            "The result of dossier {code} was issued with a signed result notice; its documents can no longer change."
        ),
    )
}

/// The refusal of results for dossier `code`, settled as `status`
/// without a result.
pub(crate) fn closed(code: &str, status: Status) -> ApiError {
    let label = status.label();
    ApiError::new(
        StatusCode::CONFLICT,
        "dossier_closed",
        format!(
            "Hồ sơ {code} đang ở trạng thái “{}”; không đính kèm tài liệu kết quả được nữa.",
            label.vi
        ),
        format!(
            "Dossier {code} is “{}”; result documents can no longer be attached.",
            label.en
        ),
    )
}

/// The refusal of `result_ready` for dossier `code`, which has no result
/// document yet.
pub(crate) fn none_yet(code: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "result_documents_missing",
        format!(
            "Hồ sơ {code} chưa có tài liệu kết quả nào; hãy đính kèm kết quả (PUT …/results/{{tên tệp}}) trước khi chuyển sang “{}”.",
            Status::ResultReady.label().vi
        ),
        format!(
            "Dossier {code} has no result document yet; attach the result (PUT …/results/{{file name}}) before moving it to “{}”.",
            Status::ResultReady.label().en
        ),
    )
}

/// Whether results may still be attached to a dossier in `status`, whose
/// notice was `issued` or not.
pub(crate) fn open_for_results(code: &str, status: Status, issued: bool) -> Result<(), ApiError> {
    if issued {
        Err(self::issued(code))
    } else if status.is_final() {
        Err(closed(code, status))
    } else {
        Ok(())
    }
}

/// Makes the signed result notice naming `documents`; runs inside the
/// transaction that moves the dossier to `result_ready`, so it only
/// computes (signs).
pub type ResultNoticeMaker =
    Box<dyn FnOnce(Vec<ResultDocument>) -> Result<Signed<ResultNotice>, ApiError> + Send>;

/// The maker of dossier `code`'s result notice, issued by the portal's
/// receiving desk at `at`.
pub(crate) fn notice_maker(
    state: &AppState,
    code: &str,
    at: chrono::DateTime<chrono::FixedOffset>,
) -> ResultNoticeMaker {
    let (portal, agency, key) = (
        state.config.name.clone(),
        state.config.receiving_agency.clone(),
        state.key.clone(),
    );
    let code = code.to_owned();
    Box::new(move |documents| {
        let dossier: DossierCode = code.parse().map_err(ApiError::internal)?;
        let signer = hoso_core::receipt::PortalKey::of(&key);
        let notice = ResultNotice::new(portal, &dossier, agency, documents, at, &signer).map_err(
            |e| match e {
                ResultError::NoDocuments => none_yet(&code),
                other => ApiError::internal(other),
            },
        )?;
        Ok(Signed::sign(&notice, &key))
    })
}

/// Why a body stopped before its end.
#[derive(Debug, Clone, Copy)]
enum Cut {
    TooLarge,
    Silent,
    Broken,
}

/// A result document's bytes as stored: its id in the store, size and
/// SHA-256.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    /// Its id in the upload store.
    pub id: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256.
    pub sha256: Sha256Digest,
}

/// Writes `body` to the upload store under a new id, hashing it as it
/// goes (in the turns on the cores every body writer takes), and makes it
/// durable. Refused, with nothing kept, beyond `max` bytes, after
/// `idle` of silence, or when the body breaks off.
pub(crate) async fn store(
    state: &AppState,
    body: Body,
    max: u64,
    idle: Duration,
) -> Result<Stored, ApiError> {
    let id = crate::random::hex_id();
    state.storage.create(&id).await?;
    let cut = Arc::new(Mutex::new(None));
    let written = write(state, &id, body, max, idle, cut.clone()).await;
    let cut = *cut.lock().unwrap_or_else(|p| p.into_inner());
    match (written, cut) {
        (Ok((size, sha256)), None) => Ok(Stored { id, size, sha256 }),
        (written, cut) => {
            if let Err(e) = state.storage.remove(&id).await {
                tracing::warn!(%id, %e, "a result document cut off was not removed");
            }
            Err(match cut {
                Some(Cut::TooLarge) => too_large(max),
                Some(Cut::Silent) => ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "body_timeout",
                    format!(
                        "Tệp ngừng gửi quá {} giây; chưa có gì được lưu, hãy gửi lại.",
                        idle.as_secs()
                    ),
                    format!(
                        "The file stopped arriving for over {} seconds; nothing was kept, send it again.",
                        idle.as_secs()
                    ),
                ),
                Some(Cut::Broken) => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "body_broken",
                    "Tệp bị ngắt giữa chừng; chưa có gì được lưu, hãy gửi lại.",
                    "The file broke off; nothing was kept, send it again.",
                ),
                None => match written {
                    Err(e) => e,
                    Ok(_) => ApiError::internal("a result document was both stored and cut"),
                },
            })
        }
    }
}

/// A result document to attach: to which dossier, under what name, by
/// whom, and the size its sender declared (when it did).
#[derive(Debug, Clone)]
pub(crate) struct Attach {
    /// The dossier.
    pub code: String,
    /// The name as the officer gave it ([`name`] makes it the stored one).
    pub raw_name: String,
    /// The officer's account.
    pub officer: String,
    /// The officer's duties.
    pub duties: crate::duties::Duties,
    /// `Content-Length`, when given: over the limit, refused before a byte
    /// is stored.
    pub declared: Option<u64>,
}

/// Stores `body` as a result document and records it, replacing the one
/// of the same name: whether it replaced one, and the document. Refused
/// before any byte is stored when the officer's duties attach none, the
/// name cannot be kept, the declared size is over the limit, or the
/// dossier takes no more results. Stored and recorded to the end (or
/// removed) even if the officer's connection drops: a body cut off keeps
/// nothing. The officer API's `PUT` and the console's form both come here.
pub(crate) async fn attach(
    state: AppState,
    a: Attach,
    body: Body,
) -> Result<(bool, ResultDocument), ApiError> {
    crate::duties::require(
        a.duties,
        crate::duties::RESULT_DOCUMENTS,
        hoso_core::Bilingual::new("đính kèm tài liệu kết quả", "attach result documents"),
    )?;
    let name = name(&a.raw_name)?;
    let max = state.config.max_upload_bytes;
    if a.declared.is_some_and(|n| n > max) {
        return Err(too_large(max));
    }
    let found = state
        .db
        .results_state(a.code.clone())
        .await?
        .ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
    open_for_results(&a.code, found.status, found.issued)?;
    let task = tokio::spawn(async move {
        let idle = state.config.idle_body_timeout;
        let stored = store(&state, body, max, idle).await?;
        let doc = document(name.clone(), &stored);
        let new = crate::records::NewResult {
            code: a.code,
            name,
            size: stored.size,
            sha256: stored.sha256,
            storage_id: stored.id.clone(),
            officer: a.officer,
            at: crate::state::now_vn().to_rfc3339(),
        };
        match state.db.put_result(new).await {
            Ok(replaced) => {
                if let Some(old) = &replaced {
                    forget_bytes(&state, old).await;
                }
                Ok((replaced.is_some(), doc))
            }
            Err(e) => {
                forget_bytes(&state, &stored.id).await;
                Err(e)
            }
        }
    });
    task.await.map_err(ApiError::internal)?
}

/// Removes result document `raw` of dossier `code` while the dossier may
/// still change its results; 404 when there was none.
pub(crate) async fn remove(
    state: &AppState,
    duties: crate::duties::Duties,
    code: String,
    raw: &str,
) -> Result<(), ApiError> {
    crate::duties::require(
        duties,
        crate::duties::RESULT_DOCUMENTS,
        hoso_core::Bilingual::new("gỡ tài liệu kết quả", "remove result documents"),
    )?;
    let name = name(raw)?;
    match state.db.delete_result(code, name).await? {
        Some(id) => {
            forget_bytes(state, &id).await;
            Ok(())
        }
        None => Err(ApiError::not_found(
            "tài liệu kết quả này / such result document",
        )),
    }
}

/// Result document `raw` of dossier `code` for officers, before or after
/// the result is issued: to save, or with `inline` shown when it is a PDF
/// or a picture ([`crate::documents::stream`]).
pub(crate) async fn serve_to_officer(
    state: &AppState,
    code: String,
    raw: &str,
    inline: bool,
) -> Result<Response, ApiError> {
    let name = FileName::new(raw).name;
    let found = state
        .db
        .result_documents(code)
        .await?
        .into_iter()
        .find(|r| r.name == name)
        .ok_or_else(|| ApiError::not_found("tài liệu kết quả này / such result document"))?;
    crate::documents::stream(
        state,
        &found.storage_id,
        &found.name,
        found.size,
        &found.sha256.to_hex(),
        inline,
    )
    .await
}

/// Removes the bytes of a result document no record names any more.
async fn forget_bytes(state: &AppState, id: &str) {
    if let Err(e) = state.storage.remove(id).await {
        tracing::warn!(%id, %e, "the bytes of a result document no record names were not removed");
    }
}

/// The refusal of a result document over `max` bytes.
pub(crate) fn too_large(max: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "result_too_large",
        format!(
            "Tài liệu kết quả vượt quá {} byte, mức cổng nhận cho một tệp.",
            hoso_core::bilingual::vi_number(max)
        ),
        format!(
            "The result document is over {} bytes, the most the portal takes in one file.",
            hoso_core::bilingual::en_number(max)
        ),
    )
}

/// Streams `body` into store object `id`: its size and SHA-256. A body
/// that goes beyond `max`, falls silent or breaks ends early, saying why
/// in `cut`.
async fn write(
    state: &AppState,
    id: &str,
    body: Body,
    max: u64,
    idle: Duration,
    cut: Arc<Mutex<Option<Cut>>>,
) -> Result<(u64, Sha256Digest), ApiError> {
    let out = state.storage.append_at(id, 0).await?;
    let stream = body.into_data_stream();
    let pieces = futures_util::stream::unfold(
        (stream, 0u64, cut),
        move |(mut stream, seen, cut)| async move {
            let stop = |why| {
                *cut.lock().unwrap_or_else(|p| p.into_inner()) = Some(why);
                None
            };
            match tokio::time::timeout(idle, stream.next()).await {
                Ok(None) => None,
                Ok(Some(Ok(bytes))) => {
                    let seen = seen + bytes.len() as u64;
                    if seen > max {
                        return stop(Cut::TooLarge);
                    }
                    Some((Ok(bytes), (stream, seen, cut)))
                }
                Ok(Some(Err(_))) => stop(Cut::Broken),
                Err(_) => stop(Cut::Silent),
            }
        },
    );
    let hasher = ChecksumAlgorithm::Sha256.hasher();
    let (size, out, hasher) =
        crate::intake::drain(state, Box::pin(pieces), Some(out), hasher).await?;
    let out = out.ok_or_else(|| ApiError::internal("result writer lost"))?;
    out.commit(true).await?;
    let digest: [u8; 32] = hasher
        .finish()
        .try_into()
        .map_err(|_| ApiError::internal("a SHA-256 of another length"))?;
    Ok((size, Sha256Digest::from_bytes(digest)))
}

/// Which bytes of a document of `size` bytes a download sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Span {
    /// All of it (no range asked, one this portal ignores, or an
    /// `If-Range` naming another version).
    Whole,
    /// From `start` to `end`, both included.
    Part {
        /// First byte.
        start: u64,
        /// Last byte.
        end: u64,
    },
    /// A range that holds none of its bytes: 416.
    Unsatisfiable,
}

/// The bytes a download of a document of `size` bytes, tagged `etag`,
/// sends for `range` (`Range`) and `if_range` (`If-Range`), as RFC 9110
/// says: one range of bytes is served; several ranges, another unit or a
/// malformed one are ignored (the whole is sent); a range that starts
/// past the end is unsatisfiable.
pub(crate) fn span(range: Option<&str>, if_range: Option<&str>, etag: &str, size: u64) -> Span {
    let Some(range) = range else {
        return Span::Whole;
    };
    if if_range.is_some_and(|tag| tag.trim() != etag) {
        return Span::Whole;
    }
    let Some((unit, spec)) = range.trim().split_once('=') else {
        return Span::Whole;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return Span::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Span::Whole;
    };
    let number = |t: &str| -> Option<u64> {
        let t = t.trim();
        (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let (start, end) = match (first.trim().is_empty(), number(first), number(last)) {
        // `bytes=-K`: the last K bytes.
        (true, _, Some(k)) => {
            if k == 0 || size == 0 {
                return Span::Unsatisfiable;
            }
            (size.saturating_sub(k), size - 1)
        }
        (false, Some(start), None) if last.trim().is_empty() => (start, u64::MAX),
        (false, Some(start), Some(end)) if end >= start => (start, end),
        _ => return Span::Whole,
    };
    if start >= size {
        return Span::Unsatisfiable;
    }
    Span::Part {
        start,
        end: end.min(size - 1),
    }
}

/// The download of `stored` (a result document of dossier `code`) as
/// `headers` ask for it: whole, or the one range asked (206), or 416.
pub(crate) async fn download(
    state: &AppState,
    stored: StoredResult,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let etag = format!("\"{}\"", stored.sha256.to_hex());
    let header_text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let span = span(
        header_text(header::RANGE),
        header_text(header::IF_RANGE),
        &etag,
        stored.size,
    );
    let etag_value = HeaderValue::from_str(&etag).map_err(ApiError::internal)?;
    if span == Span::Unsatisfiable {
        return Err(ApiError::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "range_not_satisfiable",
            format!(
                "Phần được hỏi nằm ngoài tệp “{}” ({} byte); hãy tải lại từ đầu.",
                stored.name, stored.size
            ),
            format!(
                "The range asked for lies outside “{}” ({} bytes); download it again from the start.",
                stored.name, stored.size
            ),
        )
        .with_header(
            "content-range",
            HeaderValue::from_str(&format!("bytes */{}", stored.size))
                .map_err(ApiError::internal)?,
        )
        .with_header("etag", etag_value)
        .with_header("accept-ranges", HeaderValue::from_static("bytes")));
    }
    let (status, start, len, range) = match span {
        Span::Part { start, end } => (
            StatusCode::PARTIAL_CONTENT,
            start,
            end - start + 1,
            Some(format!("bytes {start}-{end}/{}", stored.size)),
        ),
        _ => (StatusCode::OK, 0, stored.size, None),
    };
    let pieces = state.storage.read_from(&stored.storage_id, start).await?;
    let body = Body::from_stream(crate::storage::take(pieces, len));
    let mut response = (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (header::CONTENT_LENGTH, HeaderValue::from(len)),
            (
                header::CONTENT_DISPOSITION,
                crate::documents::disposition(&stored.name),
            ),
            (header::ETAG, etag_value),
            (header::ACCEPT_RANGES, HeaderValue::from_static("bytes")),
            (header::CACHE_CONTROL, HeaderValue::from_static("private")),
        ],
        body,
    )
        .into_response();
    if let Some(range) = range {
        response.headers_mut().insert(
            header::CONTENT_RANGE,
            HeaderValue::from_str(&range).map_err(ApiError::internal)?,
        );
    }
    Ok(response)
}

/// What the answer to a put says of the document.
pub(crate) fn document(name: String, stored: &Stored) -> ResultDocument {
    ResultDocument {
        name,
        size: stored.size,
        sha256: stored.sha256,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAG: &str = "\"abc\"";

    fn of(range: &str, size: u64) -> Span {
        span(Some(range), None, TAG, size)
    }

    #[test]
    fn one_range_is_served_clamped_to_the_end() {
        assert_eq!(of("bytes=0-", 10), Span::Part { start: 0, end: 9 });
        assert_eq!(of("bytes=4-", 10), Span::Part { start: 4, end: 9 });
        assert_eq!(of("bytes=4-6", 10), Span::Part { start: 4, end: 6 });
        assert_eq!(of("bytes=4-99", 10), Span::Part { start: 4, end: 9 });
        assert_eq!(of("bytes=9-9", 10), Span::Part { start: 9, end: 9 });
        assert_eq!(of("bytes=-3", 10), Span::Part { start: 7, end: 9 });
        assert_eq!(of("bytes=-30", 10), Span::Part { start: 0, end: 9 });
        assert_eq!(of(" Bytes = 2 - 3 ", 10), Span::Part { start: 2, end: 3 });
    }

    #[test]
    fn a_range_past_the_end_is_unsatisfiable() {
        assert_eq!(of("bytes=10-", 10), Span::Unsatisfiable);
        assert_eq!(of("bytes=11-20", 10), Span::Unsatisfiable);
        assert_eq!(of("bytes=-0", 10), Span::Unsatisfiable);
        assert_eq!(of("bytes=0-", 0), Span::Unsatisfiable);
        assert_eq!(of("bytes=-5", 0), Span::Unsatisfiable);
    }

    #[test]
    fn what_this_portal_does_not_serve_is_ignored_and_the_whole_sent() {
        assert_eq!(span(None, None, TAG, 10), Span::Whole);
        for ignored in [
            "bytes=0-1,4-5",
            "items=0-1",
            "bytes=5-2",
            "bytes=a-",
            "bytes=-",
            "bytes=+1-2",
            "bytes 0-1",
            "bytes=18446744073709551616-",
        ] {
            assert_eq!(of(ignored, 10), Span::Whole, "{ignored}");
        }
        // Another version than the one the caller holds part of: all of it.
        assert_eq!(
            span(Some("bytes=4-"), Some("\"other\""), TAG, 10),
            Span::Whole
        );
        assert_eq!(
            span(Some("bytes=4-"), Some(TAG), TAG, 10),
            Span::Part { start: 4, end: 9 }
        );
    }

    #[test]
    fn names_are_kept_in_nfc_and_refused_where_windows_would_trip() {
        let decomposed = "ke\u{302}\u{301}t qua\u{309}.pdf";
        assert_eq!(name(decomposed).expect("name"), "kết quả.pdf");
        assert_eq!(name(" kq.pdf ").expect("trimmed"), "kq.pdf");
        for bad in ["CON.pdf", "a:b.pdf", "kq.pdf.", "a*b.pdf", ""] {
            let e = name(bad).expect_err(bad);
            assert_eq!(
                (e.status, e.code),
                (StatusCode::UNPROCESSABLE_ENTITY, "result_name_invalid"),
                "{bad}"
            );
        }
        assert_eq!(folded("KẾT QUẢ.PDF"), folded("kết quả.pdf"));
    }

    #[test]
    fn results_change_only_before_the_notice_and_the_dossier_ends() {
        assert!(open_for_results("X", Status::Processing, false).is_ok());
        assert_eq!(
            open_for_results("X", Status::ResultReady, true)
                .expect_err("issued")
                .code,
            "result_issued"
        );
        for s in [Status::Rejected, Status::Withdrawn] {
            assert_eq!(
                open_for_results("X", s, false).expect_err("closed").code,
                "dossier_closed"
            );
        }
    }
}
