//! Applicants' ratings of their completed dossiers on SQLite (`ratings`):
//! one row per dossier, the latest rating replacing the earlier one.

use super::Sqlite;
use crate::error::ApiError;
use hoso_core::status::Status;
use hoso_core::wire::{Rating, RatingRequest};
use rusqlite::{Connection, OptionalExtension, params};

/// The state of dossier `code` if it is `applicant`'s.
fn owned_status(conn: &Connection, code: &str, applicant: i64) -> Result<Option<Status>, ApiError> {
    let status: Option<String> = conn
        .query_row(
            "SELECT status FROM dossiers WHERE code = ?1 AND applicant_id = ?2",
            params![code, applicant],
            |r| r.get(0),
        )
        .optional()?;
    status
        .map(|s| Status::parse(&s).ok_or_else(|| ApiError::internal(format!("state {s}"))))
        .transpose()
}

/// The rating kept for dossier `code`, if any.
fn kept(conn: &Connection, code: &str) -> Result<Option<Rating>, ApiError> {
    let row: Option<(i64, String, String)> = conn
        .query_row(
            "SELECT rating, comment, rated_at FROM ratings WHERE dossier_code = ?1",
            params![code],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    row.map(|(rating, comment, at)| crate::ratings::stored(code, rating, comment, &at))
        .transpose()
}

impl Sqlite {
    pub async fn rate(
        &self,
        code: String,
        applicant: i64,
        ask: RatingRequest,
        at: String,
    ) -> Result<Rating, ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let status = owned_status(&tx, &code, applicant)?
                .ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
            let judged = crate::ratings::judge(&code, status, &ask)?;
            // The latest word counts: a rating given again replaces the
            // earlier one.
            tx.execute(
                "INSERT INTO ratings (dossier_code, rating, comment, rated_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (dossier_code) DO UPDATE SET rating = excluded.rating,
                     comment = excluded.comment, rated_at = excluded.rated_at",
                params![code, judged.score.get(), judged.comment, at],
            )?;
            let rating = kept(&tx, &code)?
                .ok_or_else(|| ApiError::internal(format!("rating of {code} vanished")))?;
            tx.commit()?;
            Ok(rating)
        })
        .await
    }

    pub async fn rating(&self, code: String, applicant: i64) -> Result<Option<Rating>, ApiError> {
        self.read(move |conn| {
            owned_status(conn, &code, applicant)?
                .ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
            kept(conn, &code)
        })
        .await
    }
}
