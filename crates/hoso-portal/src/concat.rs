//! The tus concatenation extension: a client sends a file as several
//! partial uploads at once (`Upload-Concat: partial`), then creates the
//! final upload that joins them in order (`Upload-Concat: final;URL …`).
//! The final upload is the file a dossier names; it is complete as soon as
//! it exists, and the partial uploads it joined are removed.
//!
//! Joining reads each partial upload back from storage, so it works with
//! any [`crate::storage::UploadStorage`]; the whole file's SHA-256 is
//! computed on the way. Creating the same final upload again (a client
//! whose answer was lost) answers with the one already made.

use crate::error::ApiError;
use crate::intake::drain;
use crate::records::{Completed, NewUpload};
use crate::routes::Applicant;
use crate::routes::tus::{discard, tus_error, valid_id, with_expiry, within_max};
use crate::state::{AppState, now_vn};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hoso_tus::checksum::ChecksumAlgorithm;

/// What `concat` records for a partial upload.
const PARTIAL: &str = "partial";

/// The `Upload-Concat` value `HEAD` reports for an upload whose recorded
/// `concat` is `stored`.
pub fn header(state: &AppState, stored: Option<&str>) -> Option<String> {
    let stored = stored?;
    if stored == PARTIAL {
        return Some(PARTIAL.to_owned());
    }
    let ids = stored.strip_prefix("final;")?;
    let urls: Vec<String> = ids.split(' ').map(|id| state.upload_url(id)).collect();
    Some(format!("final;{}", urls.join(" ")))
}

/// The upload id a partial upload's URL names (absolute or a path).
fn id_of(url: &str) -> Result<String, ApiError> {
    let id = url
        .trim_end_matches('/')
        .rsplit_once("/v1/uploads/")
        .map(|(_, id)| id)
        .ok_or_else(|| {
            bad_part(
                url,
                "is not an upload of this portal",
                "không phải tệp tải lên của cổng này",
            )
        })?;
    valid_id(id).map_err(|_| {
        bad_part(
            url,
            "is not an upload of this portal",
            "không phải tệp tải lên của cổng này",
        )
    })?;
    Ok(id.to_owned())
}

fn bad_part(url: &str, en: &str, vi: &str) -> ApiError {
    tus_error(
        StatusCode::BAD_REQUEST,
        "concat_part",
        &format!("Không ghép được tệp: {url} {vi}."),
        &format!("Cannot join the upload: {url} {en}."),
    )
}

/// Creates the final upload joining the partial uploads at `urls`.
pub async fn create_final(
    state: &AppState,
    who: &Applicant,
    metadata: String,
    urls: &[String],
) -> Result<Response, ApiError> {
    let ids = urls
        .iter()
        .map(|u| id_of(u))
        .collect::<Result<Vec<_>, _>>()?;
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = urls
        .iter()
        .zip(&ids)
        .find(|(_, id)| !seen.insert(id.as_str()))
    {
        return Err(bad_part(twice.0, "is named twice", "được nêu hai lần"));
    }
    let joined = format!("final;{}", ids.join(" "));

    // Made before (the answer was lost): the same final upload again.
    let earlier = state.db.final_upload(who.id, joined.clone()).await?;
    if let Some(earlier) = &earlier {
        if earlier.sha256.is_some() {
            return Ok(created(state, &earlier.id, &earlier.expires_at));
        }
        // Left half-joined by a crash: join again from the start.
        discard(state, &earlier.id).await;
    }

    let mut locks = Vec::with_capacity(ids.len());
    for id in &ids {
        locks.push(state.lock_upload(id).await.ok_or_else(|| {
            tus_error(
                StatusCode::LOCKED,
                "upload_busy",
                "Một phần của tệp vẫn đang được ghi; hãy ghép lại khi các phần đã tải xong.",
                "A partial upload is still being written; join them once every part is complete.",
            )
        })?);
    }
    let mut total = 0u64;
    for (url, id) in urls.iter().zip(&ids) {
        let row = state
            .db
            .upload(id)
            .await?
            .filter(|r| r.applicant_id == who.id && !r.expired(now_vn()))
            .ok_or_else(|| {
                bad_part(
                    url,
                    "does not exist (or expired)",
                    "không tồn tại (hoặc đã hết hạn)",
                )
            })?;
        if row.concat.as_deref() != Some(PARTIAL) {
            return Err(bad_part(
                url,
                "is not a partial upload (Upload-Concat: partial)",
                "không phải phần tải lên (Upload-Concat: partial)",
            ));
        }
        if row.sha256.is_none() {
            return Err(bad_part(
                url,
                &format!("is not complete ({} of {} bytes)", row.offset, row.length),
                &format!("chưa tải xong ({}/{} byte)", row.offset, row.length),
            ));
        }
        total += row.length;
    }
    within_max(state, total)?;

    let now = now_vn();
    let expiry =
        chrono::Duration::from_std(state.config.upload_expiry).unwrap_or(chrono::Duration::days(7));
    let new = NewUpload {
        id: crate::random::hex_id(),
        applicant_id: who.id,
        length: Some(total),
        metadata,
        concat: Some(joined),
        created_at: now.to_rfc3339(),
        expires_at: (now + expiry).to_rfc3339(),
    };
    let (final_id, expires_at) = (new.id.clone(), new.expires_at.clone());
    // The partial uploads' bytes move into this one: no quota is added.
    state.db.insert_upload(new).await?;
    let joined = join(state, &final_id, &ids).await;
    let sha256 = match joined {
        Ok((bytes, sha256)) if bytes == total => sha256,
        Ok((bytes, _)) => {
            discard(state, &final_id).await;
            return Err(ApiError::internal(format!(
                "joined {bytes} bytes of {total} into {final_id}"
            )));
        }
        Err(e) => {
            discard(state, &final_id).await;
            return Err(e);
        }
    };
    let done = Completed {
        sha256,
        at: now.to_rfc3339(),
        expires_at: expires_at.clone(),
    };
    let removed = state
        .db
        .complete_final(&final_id, total, done, ids.clone())
        .await?;
    drop(locks);
    for id in removed {
        state.hashes.forget(&id);
        let _ = state.storage.remove(&id).await;
    }
    Ok(created(state, &final_id, &expires_at))
}

/// Writes the partial uploads `parts` one after the other into the new
/// upload `id`; the bytes written and their SHA-256. What each part
/// brought is made durable before the next is read, so a store that
/// spools (S3) holds at most one part's bytes locally.
async fn join(state: &AppState, id: &str, parts: &[String]) -> Result<(u64, String), ApiError> {
    state.storage.create(id).await?;
    let mut out = Some(state.storage.append_at(id, 0).await?);
    let mut hasher = ChecksumAlgorithm::Sha256.hasher();
    let mut total = 0;
    for part in parts {
        let pieces = state.storage.read(part).await?;
        let (bytes, writer, hash) = drain(state, pieces, out.take(), hasher).await?;
        let writer = writer.ok_or_else(|| ApiError::internal("join writer lost"))?;
        total += bytes;
        writer.syncer(total)?.await?;
        (out, hasher) = (Some(writer), hash);
    }
    let out = out.ok_or_else(|| ApiError::internal("join writer lost"))?;
    out.commit(true).await?;
    Ok((total, hoso_core::hash::to_hex(&hasher.finish())))
}

fn created(state: &AppState, id: &str, expires_at: &str) -> Response {
    let res = (
        StatusCode::CREATED,
        [(header::LOCATION.as_str(), state.upload_url(id))],
    )
        .into_response();
    with_expiry(res, expires_at)
}

#[cfg(test)]
mod tests {
    use super::id_of;

    #[test]
    fn partial_upload_urls_name_their_ids_absolute_or_as_paths() {
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            id_of(&format!("http://127.0.0.1:9/v1/uploads/{id}")).expect("url"),
            id
        );
        assert_eq!(id_of(&format!("/v1/uploads/{id}")).expect("path"), id);
        assert!(id_of("http://x/files/abc").is_err());
        assert!(id_of("/v1/uploads/../../etc").is_err());
    }
}
