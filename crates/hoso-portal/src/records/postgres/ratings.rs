//! Applicants' ratings of their completed dossiers on PostgreSQL
//! (`ratings`): the same transactions as on SQLite (`sqlite/ratings.rs`).
//! Two ratings of one dossier at two replicas at once are settled by the
//! row itself (`INSERT … ON CONFLICT DO UPDATE`): the one committed last
//! is kept. No lock on the dossier is needed: a completed dossier never
//! leaves that state, so the state read stays true until the commit.

use super::{Cached, Postgres};
use crate::error::ApiError;
use hoso_core::status::Status;
use hoso_core::wire::{Rating, RatingRequest};

/// The state of dossier `code` if it is `applicant`'s.
async fn owned_status(
    conn: &impl Cached,
    code: &str,
    applicant: i64,
) -> Result<Option<Status>, ApiError> {
    let row = conn
        .cached_query_opt(
            "SELECT status FROM dossiers WHERE code = $1 AND applicant_id = $2",
            &[&code, &applicant],
        )
        .await?;
    row.map(|r| {
        let status: String = r.get(0);
        Status::parse(&status).ok_or_else(|| ApiError::internal(format!("state {status}")))
    })
    .transpose()
}

/// The rating kept for dossier `code`, if any.
async fn kept(conn: &impl Cached, code: &str) -> Result<Option<Rating>, ApiError> {
    let row = conn
        .cached_query_opt(
            "SELECT rating, comment, rated_at FROM ratings WHERE dossier_code = $1",
            &[&code],
        )
        .await?;
    row.map(|r| {
        let rated_at: String = r.get(2);
        crate::ratings::stored(code, r.get(0), r.get(1), &rated_at)
    })
    .transpose()
}

impl Postgres {
    pub async fn rate(
        &self,
        code: String,
        applicant: i64,
        ask: RatingRequest,
        at: String,
    ) -> Result<Rating, ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        let status = owned_status(&tx, &code, applicant)
            .await?
            .ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
        let judged = crate::ratings::judge(&code, status, &ask)?;
        // The latest word counts: a rating given again replaces the
        // earlier one.
        tx.cached_execute(
            "INSERT INTO ratings (dossier_code, rating, comment, rated_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (dossier_code) DO UPDATE SET rating = excluded.rating,
                 comment = excluded.comment, rated_at = excluded.rated_at",
            &[&code, &i64::from(judged.score.get()), &judged.comment, &at],
        )
        .await?;
        let rating = kept(&tx, &code)
            .await?
            .ok_or_else(|| ApiError::internal(format!("rating of {code} vanished")))?;
        tx.commit().await?;
        Ok(rating)
    }

    pub async fn rating(&self, code: String, applicant: i64) -> Result<Option<Rating>, ApiError> {
        let conn = self.conn().await?;
        owned_status(&conn, &code, applicant)
            .await?
            .ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
        kept(&conn, &code).await
    }
}
