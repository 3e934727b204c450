//! The applicant's satisfaction rating of a completed dossier (what
//! Decision 766/QĐ-TTg's satisfaction index counts): given to the
//! dossier's portal, which keeps the latest, and read back from it.
//!
//! A value the portal would refuse (a rating outside 1 to 5, a comment too
//! long or hiding a character) is refused here first by the same rule,
//! [`hoso_core::rating::check`], as [`ClientError::RatingRefused`] (its
//! field named in the window's problems). What the portal refuses comes back as it says it: a dossier not
//! completed is [`ClientError::Portal`] with the code `not_completed` and
//! the state named in both languages; a dossier it does not know as the
//! applicant's, `not_found`.
//!
//! Each rating the portal answers with is kept with the dossier's other
//! documents (`dossier_documents`, kind `rating`), so that it shows without
//! asking the portal again ([`kept`]).

use crate::Client;
use crate::error::ClientError;
use crate::http::problem;
use crate::portal::PortalRecord;
use crate::store::documents::{self as rows, Incoming};
use crate::store::now;
use hoso_core::wire::{Rating, RatingRequest};

/// The kind a rating is kept under, beside the feed's documents.
pub(crate) const RATING: &str = "rating";

/// Rates the filed dossier `id`: `rating` from 1 (very dissatisfied) to 5
/// (very satisfied), with `comment` (may be empty). Rating again replaces
/// the earlier rating. The rating as the portal kept it, kept here too.
pub async fn rate(
    client: &Client,
    id: i64,
    rating: u8,
    comment: &str,
) -> Result<Rating, ClientError> {
    let judged =
        hoso_core::rating::check(i64::from(rating), comment).map_err(ClientError::RatingRefused)?;
    let (portal, code) = crate::results::filed_code(client, id).await?;
    let url = format!("{}/dossiers/{code}/rating", portal.api_base);
    let mut req = client.http.json_post(
        &url,
        &RatingRequest {
            rating: i64::from(judged.score.get()),
            comment: judged.comment,
        },
    );
    if let Some(t) = &portal.token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await?;
    if !res.status().is_success() {
        return Err(problem(res).await);
    }
    let rating = answered(res, &code).await?;
    keep(client, &portal, &rating).await?;
    Ok(rating)
}

/// The rating of the filed dossier `id`, asked of its portal now (and
/// kept here); none while the dossier has none.
pub async fn fetch(client: &Client, id: i64) -> Result<Option<Rating>, ClientError> {
    let (portal, code) = crate::results::filed_code(client, id).await?;
    let url = format!("{}/dossiers/{code}/rating", portal.api_base);
    let mut req = client.http.json_get(&url, None);
    if let Some(t) = &portal.token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await?;
    if !res.status().is_success() {
        return match problem(res).await {
            ClientError::Portal(p) if p.code == "not_rated" => Ok(None),
            other => Err(other),
        };
    }
    let rating = answered(res, &code).await?;
    keep(client, &portal, &rating).await?;
    Ok(Some(rating))
}

/// The rating of the filed dossier `id` as last given or read from here,
/// without asking the portal; none when there is none here.
pub async fn kept(client: &Client, id: i64) -> Result<Option<Rating>, ClientError> {
    let (portal, code) = crate::results::filed_code(client, id).await?;
    let portal_id = portal.id;
    let body = client
        .store
        .call(move |conn| Ok(rows::body(conn, portal_id, &code, RATING)?))
        .await?;
    body.map(|b| {
        serde_json::from_str(&b).map_err(|e| ClientError::Protocol(format!("stored rating: {e}")))
    })
    .transpose()
}

/// The rating a successful answer carries, which must be of dossier
/// `code`.
async fn answered(res: reqwest::Response, code: &str) -> Result<Rating, ClientError> {
    let rating: Rating = res
        .json()
        .await
        .map_err(|e| ClientError::Protocol(format!("rating: {e}")))?;
    if rating.dossier_code.as_str() != code {
        return Err(ClientError::Protocol(format!(
            "asked for the rating of {code}, the portal answered for {}",
            rating.dossier_code
        )));
    }
    Ok(rating)
}

/// Keeps `rating`, the portal's answer of now, replacing any kept before.
async fn keep(client: &Client, portal: &PortalRecord, rating: &Rating) -> Result<(), ClientError> {
    let body =
        serde_json::to_string(rating).map_err(|e| ClientError::Protocol(format!("rating: {e}")))?;
    let (portal_id, code) = (portal.id, rating.dossier_code.as_str().to_owned());
    let at = rating.rated_at.to_rfc3339();
    client
        .store
        .call(move |conn| {
            let d = Incoming {
                code: &code,
                kind: RATING,
                cursor: None,
                at: Some(&at),
                body: &body,
            };
            rows::keep(conn, portal_id, &d, &now())?;
            Ok(())
        })
        .await
}
