//! The applicant's satisfaction rating of a completed dossier, kept in
//! `ratings` (one row per dossier, the latest word replacing the earlier
//! one), which the figures of Decision 766/QĐ-TTg's satisfaction index
//! read. The rule is `hoso_core::rating`'s; here is what the portal
//! answers for it, shared by both back ends.

use crate::error::ApiError;
use crate::tracking::capitalized;
use axum::http::StatusCode;
use hoso_core::rating::{Judged, RatingError};
use hoso_core::status::Status;
use hoso_core::wire::{Rating, RatingRequest};

/// Judges the rating `ask` of dossier `code` in `status`
/// ([`hoso_core::rating::judge`]): what to keep, or the refusal: 409
/// `not_completed` naming the state, 422 `rating_out_of_range` or
/// `rating_comment_invalid` with the field's problem.
pub fn judge(code: &str, status: Status, ask: &RatingRequest) -> Result<Judged, ApiError> {
    hoso_core::rating::judge(status, ask.rating, &ask.comment).map_err(|e| refusal(code, &e))
}

fn refusal(code: &str, e: &RatingError) -> ApiError {
    let m = e.message();
    match e {
        RatingError::NotCompleted(_) => ApiError::new(
            StatusCode::CONFLICT,
            "not_completed",
            format!("Hồ sơ {code}: {}.", m.vi),
            format!("Dossier {code}: {}.", m.en),
        ),
        RatingError::OutOfRange(_)
        | RatingError::CommentTooLong(_)
        | RatingError::HiddenCharacter { .. } => {
            let (kind, field) = match e {
                RatingError::OutOfRange(_) => ("rating_out_of_range", "rating"),
                _ => ("rating_comment_invalid", "comment"),
            };
            let mut refused = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                kind,
                format!("{} (trường \"{field}\").", capitalized(&m.vi)),
                format!("{} (field \"{field}\").", capitalized(&m.en)),
            );
            refused.problems = vec![e.problem()];
            refused
        }
    }
}

/// The answer to reading the rating of dossier `code`, which has none.
pub fn not_rated(code: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_rated",
        format!("Hồ sơ {code} chưa được đánh giá."),
        format!("Dossier {code} has not been rated."),
    )
}

/// A rating as stored (`rating`, `comment`, `rated_at` of dossier `code`).
pub fn stored(
    code: &str,
    rating: i64,
    comment: String,
    rated_at: &str,
) -> Result<Rating, ApiError> {
    Ok(Rating {
        dossier_code: code.parse().map_err(ApiError::internal)?,
        rating: u8::try_from(rating).map_err(ApiError::internal)?,
        comment,
        rated_at: chrono::DateTime::parse_from_rfc3339(rated_at).map_err(ApiError::internal)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(rating: i64, comment: &str) -> RatingRequest {
        RatingRequest {
            rating,
            comment: comment.into(),
        }
    }

    #[test]
    fn each_refusal_has_its_status_code_and_the_field_it_concerns() {
        let early = judge("HOSO.X-1", Status::Processing, &ask(5, "")).expect_err("early");
        assert_eq!(
            (early.status, early.code),
            (StatusCode::CONFLICT, "not_completed")
        );
        assert!(
            early
                .message
                .vi
                .starts_with("Hồ sơ HOSO.X-1: hồ sơ đang ở trạng thái “Đang giải quyết”")
        );
        assert!(
            early.message.en.contains("“Processing”"),
            "{}",
            early.message.en
        );
        assert!(early.problems.is_empty());

        let far = judge("X", Status::Completed, &ask(6, "")).expect_err("range");
        assert_eq!(
            (far.status, far.code),
            (StatusCode::UNPROCESSABLE_ENTITY, "rating_out_of_range")
        );
        assert!(far.message.vi.starts_with("Không có mức đánh giá 6"));
        assert!(
            far.message.en.ends_with("(field \"rating\")."),
            "{}",
            far.message.en
        );
        assert_eq!(far.problems[0].path, "rating");

        let hidden = judge("X", Status::Completed, &ask(3, "Tốt\u{200b}lắm")).expect_err("hidden");
        assert_eq!(
            (hidden.status, hidden.code),
            (StatusCode::UNPROCESSABLE_ENTITY, "rating_comment_invalid")
        );
        assert_eq!(hidden.problems[0].path, "comment");

        let kept = judge("X", Status::Completed, &ask(4, "  Tốt  ")).expect("kept");
        assert_eq!((kept.score.get(), kept.comment.as_str()), (4, "Tốt"));
    }

    #[test]
    fn a_stored_rating_reads_back_or_is_an_internal_fault() {
        let r = stored(
            "HOSO.PRACTICE-261204-0001",
            5,
            "Tốt".into(),
            "2026-12-05T10:00:00+07:00",
        )
        .expect("stored");
        assert_eq!(
            (r.rating, r.rated_at.to_rfc3339().as_str()),
            (5, "2026-12-05T10:00:00+07:00")
        );
        assert!(stored("HOSO.PRACTICE-261204-0001", 5, String::new(), "hôm qua").is_err());
    }
}
