//! What one applicant's uploads may hold, so that nobody can fill the
//! portal's disk: unfinished uploads (how many, and the bytes they
//! declare) and complete uploads no filing names yet. An upload is
//! admitted, or refused with the quota it would go beyond and what is
//! left, in the same transaction that records it; filed uploads no longer
//! count.

use crate::config::Quotas;
use crate::error::ApiError;
use axum::http::{HeaderValue, StatusCode};
use hoso_core::bilingual::byte_size;
use hoso_core::wire::QuotaExceeded;

/// How long a client refused for too many unfinished uploads is asked to
/// wait: some of its uploads finish meanwhile.
const RETRY_AFTER_SECS: &str = "30";

/// What an applicant's unfiled uploads hold now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// Unfinished uploads.
    pub unfinished: u64,
    /// Bytes they declare (a deferred length counts as the largest upload).
    pub unfinished_bytes: u64,
    /// Bytes of complete uploads no filing names.
    pub unfiled_bytes: u64,
}

/// Admits a new upload of `length` bytes, or refuses it naming the quota.
pub fn admit(usage: Usage, length: u64, quotas: &Quotas) -> Result<(), ApiError> {
    if usage.unfinished + 1 > quotas.unfinished_uploads {
        let left = quotas.unfinished_uploads.saturating_sub(usage.unfinished);
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "quota_unfinished_uploads",
            format!(
                "Bạn đang có {} tệp tải lên chưa xong, tối đa {}: hãy chờ một số tệp tải xong rồi gửi tiếp.",
                usage.unfinished, quotas.unfinished_uploads
            ),
            format!(
                "You have {} unfinished uploads, at most {}: let some finish, then go on.",
                usage.unfinished, quotas.unfinished_uploads
            ),
        )
        .with_header("retry-after", HeaderValue::from_static(RETRY_AFTER_SECS))
        .with_quota(QuotaExceeded {
            quota: "unfinished_uploads".into(),
            limit: quotas.unfinished_uploads,
            used: usage.unfinished,
            requested: 1,
            remaining: left,
        }));
    }
    let reserved = usage.unfinished_bytes;
    if reserved.saturating_add(length) > quotas.unfinished_bytes {
        return Err(too_large(
            "quota_unfinished_bytes",
            "unfinished_bytes",
            quotas.unfinished_bytes,
            reserved,
            length,
            ("các tệp đang tải lên", "your unfinished uploads"),
            (
                "hãy chờ các tệp đang tải xong",
                "let the uploads under way finish",
            ),
        ));
    }
    let held = usage.unfiled_bytes.saturating_add(reserved);
    if held.saturating_add(length) > quotas.unfiled_bytes {
        return Err(too_large(
            "quota_unfiled_bytes",
            "unfiled_bytes",
            quotas.unfiled_bytes,
            held,
            length,
            (
                "các tệp đã tải lên mà chưa nộp trong hồ sơ nào",
                "files uploaded but not filed in any dossier",
            ),
            (
                "hãy nộp các hồ sơ đang chờ; tệp không dùng đến sẽ tự xóa khi hết hạn",
                "file the dossiers waiting; files not used are removed when they expire",
            ),
        ));
    }
    Ok(())
}

fn too_large(
    code: &'static str,
    quota: &str,
    limit: u64,
    used: u64,
    length: u64,
    what: (&str, &str),
    advice: (&str, &str),
) -> ApiError {
    let left = limit.saturating_sub(used);
    let (limit_text, used_text, left_text, length_text) = (
        byte_size(limit),
        byte_size(used),
        byte_size(left),
        byte_size(length),
    );
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        code,
        format!(
            "Tệp {} vượt hạn mức {} cho {}: đã dùng {}, còn {}. {}.",
            length_text.vi, limit_text.vi, what.0, used_text.vi, left_text.vi, advice.0
        ),
        format!(
            "The {} file goes beyond the {} quota for {}: {} used, {} left. {}.",
            length_text.en, limit_text.en, what.1, used_text.en, left_text.en, advice.1
        ),
    )
    .with_quota(QuotaExceeded {
        quota: quota.into(),
        limit,
        used,
        requested: length,
        remaining: left,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1024 * 1024 * 1024;

    fn quotas() -> Quotas {
        Quotas {
            unfinished_uploads: 3,
            unfinished_bytes: 4 * GIB,
            unfiled_bytes: 6 * GIB,
        }
    }

    fn usage(unfinished: u64, unfinished_bytes: u64, unfiled_bytes: u64) -> Usage {
        Usage {
            unfinished,
            unfinished_bytes,
            unfiled_bytes,
        }
    }

    #[test]
    fn each_quota_refuses_with_its_status_and_what_is_left() {
        assert!(admit(usage(2, GIB, GIB), 2 * GIB, &quotas()).is_ok());

        let e = admit(usage(3, GIB, 0), 1, &quotas()).expect_err("count");
        assert_eq!(
            (e.status.as_u16(), e.code),
            (429, "quota_unfinished_uploads")
        );
        assert!(e.headers.iter().any(|(n, _)| n == "retry-after"));
        assert_eq!(e.quota.as_ref().map(|q| q.remaining), Some(0));

        let e = admit(usage(1, 3 * GIB, 0), 2 * GIB, &quotas()).expect_err("reserved");
        assert_eq!((e.status.as_u16(), e.code), (413, "quota_unfinished_bytes"));
        let q = e.quota.expect("quota");
        assert_eq!(
            (q.limit, q.used, q.requested, q.remaining),
            (4 * GIB, 3 * GIB, 2 * GIB, GIB)
        );
        assert!(e.message.vi.contains("còn 1,0 GB"), "{}", e.message.vi);
        assert!(e.message.en.contains("1.0 GB left"), "{}", e.message.en);

        let e = admit(usage(1, GIB, 4 * GIB), 2 * GIB, &quotas()).expect_err("held");
        assert_eq!((e.status.as_u16(), e.code), (413, "quota_unfiled_bytes"));
        assert_eq!(e.quota.map(|q| (q.used, q.remaining)), Some((5 * GIB, GIB)));
    }
}
