//! Where the dossiers filed from this profile stand at their portals.
//!
//! Each portal's change feed (`GET /v1/dossiers?since=CURSOR`) is read from
//! the last cursor kept here, revalidated with its ETag so that a poll that
//! finds nothing costs a 304. Every change is kept (`status_events`), so a
//! dossier's history reads offline; the time of the last answer from the
//! portal (`status_sync.confirmed_at`) goes with every status shown, so an
//! old state is never passed off as fresh. How often to poll is
//! `hoso_core::poll`'s policy; the documents the feed carries beside the
//! changes (payment requests, fee receipts) are kept by [`crate::fees`]; [`poll_portal`] runs it for one portal, so a
//! portal that is down delays nobody else.

use crate::error::ClientError;
use crate::http::{Http, problem};
use crate::portal::PortalRecord;
use crate::store::tracking as rows;
use crate::store::{Store, now};
use hoso_core::poll::{PollOutcome, PollPolicy, PollState};
use hoso_core::status::Status;
use hoso_core::wire::{StatusEvent, StatusFeed};
use std::time::Duration;

/// Changes asked for per page.
const PAGE: u32 = 200;
/// Pages read in one sync at most (the rest waits for the next one).
const MAX_PAGES: u32 = 50;

/// What one sync with a portal did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncReport {
    /// Changes that were new here.
    pub new_events: usize,
    /// Documents (payment requests, fee receipts, notices) new or changed
    /// here.
    pub new_documents: usize,
    /// Signed documents that did not verify against the portal's keys:
    /// refused, not kept.
    pub refused: Vec<crate::fees::RefusedDocument>,
    /// Requests made.
    pub requests: u32,
}

/// What asking every followed portal found ([`crate::Client::sync_all`]).
#[derive(Debug, Default)]
pub struct SyncAll {
    /// Changes that were new here, from every portal that answered.
    pub new_events: usize,
    /// The portals that failed, each with why, in the order asked.
    pub failed: Vec<(PortalRecord, ClientError)>,
}

/// A filed dossier's last known state at its portal.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackedStatus {
    /// The state.
    pub status: Status,
    /// Every change known here, oldest first.
    pub history: Vec<StatusEvent>,
    /// When the portal last answered a sync (RFC 3339, +07:00): the state
    /// is known to have been true then, not necessarily now.
    pub confirmed_at: Option<String>,
}

/// How often a portal's discovery is read again to check that it still
/// presents the pinned receipt key (always when a sync is asked for by
/// the person, at a poller's first round, and while a change stands).
const KEY_CHECK_EVERY: chrono::Duration = chrono::Duration::hours(6);

/// Whether `portal`'s key is due for a check.
async fn key_check_due(store: &Store, portal: &PortalRecord) -> Result<bool, ClientError> {
    // Read from the store, not `portal`: a poller holds its record for
    // hours, and a change found since must keep being checked.
    let portal_id = portal.id;
    let (changed, last): (bool, Option<String>) = store
        .call(move |conn| Ok(rows::key_check(conn, portal_id)?))
        .await?;
    let last = last.and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok());
    Ok(changed || last.is_none_or(|t| crate::store::vn_now() - t > KEY_CHECK_EVERY))
}

/// Reads `portal`'s discovery and compares its receipt key with the one
/// pinned. A portal presenting another key is marked (the window warns)
/// and refused; one that presents the pinned key again is trusted again.
pub async fn check_key(
    store: &Store,
    http: &Http,
    portal: &PortalRecord,
) -> Result<(), ClientError> {
    let found = crate::portal::discover(http, &portal.base_url).await?;
    let pinned = portal.key.fingerprint();
    let changed = (found.key_id != pinned).then(|| found.key_id.clone());
    let (portal_id, mark) = (portal.id, changed.clone());
    // The keys it retired are believed only from a portal that still
    // presents the pinned one.
    let retired = changed.is_none().then_some(found.previous_keys);
    store
        .call(move |conn| {
            let tx = conn.transaction()?;
            crate::store::portals::set_key_changed(&tx, portal_id, mark.as_deref())?;
            if let Some(retired) = &retired {
                crate::store::documents::set_retired_keys(&tx, portal_id, retired)?;
            }
            rows::key_checked(&tx, portal_id, &now())?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    match changed {
        Some(presented) => Err(ClientError::KeyChanged { pinned, presented }),
        None => Ok(()),
    }
}

/// Reads `portal`'s changes after the kept cursor until none are left
/// (or [`MAX_PAGES`] pages), keeping each and the new cursor. The portal's
/// receipt key is checked first when `check` says so or a check is due.
pub async fn sync(
    store: &Store,
    http: &Http,
    portal: &PortalRecord,
    check: bool,
) -> Result<SyncReport, ClientError> {
    if check || key_check_due(store, portal).await? {
        check_key(store, http, portal).await?;
    }
    let portal_id = portal.id;
    let (mut cursor, mut etag) = store
        .call(move |conn| Ok(rows::feed_position(conn, portal_id)?))
        .await?;
    let mut report = SyncReport::default();
    loop {
        let url = format!("{}/dossiers?since={cursor}&limit={PAGE}", portal.api_base);
        let mut req = http.json_get(&url, etag.as_deref());
        if let Some(t) = &portal.token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await?;
        report.requests += 1;
        if res.status() == reqwest::StatusCode::NOT_MODIFIED {
            confirmed(store, portal_id, cursor, etag.clone()).await?;
            return Ok(report);
        }
        if matches!(res.status().as_u16(), 429 | 503) {
            return Err(ClientError::Busy(crate::tus::retry::retry_after(
                res.headers(),
            )));
        }
        if !res.status().is_success() {
            return Err(problem(res).await);
        }
        let tag = res
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let feed: StatusFeed = res
            .json()
            .await
            .map_err(|e| ClientError::Protocol(format!("status feed: {e}")))?;
        let more = feed.more;
        let next = i64::try_from(feed.next_cursor)
            .map_err(|_| ClientError::Protocol("status feed cursor out of range".into()))?;
        if next < cursor {
            return Err(ClientError::Protocol(format!(
                "status feed went back from {cursor} to {next}"
            )));
        }
        report.new_events += keep(store, portal_id, feed.events).await?;
        // Documents are kept before the cursor moves past them.
        let kept = crate::fees::keep_feed(store, http, portal, feed.documents).await?;
        report.new_documents += kept.new;
        report.refused.extend(kept.refused);
        cursor = next;
        etag = tag;
        confirmed(store, portal_id, cursor, etag.clone()).await?;
        if !more || report.requests >= MAX_PAGES {
            return Ok(report);
        }
    }
}

/// Stores `events` (those already known are skipped); how many were new.
async fn keep(
    store: &Store,
    portal_id: i64,
    events: Vec<StatusEvent>,
) -> Result<usize, ClientError> {
    store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let mut added = 0;
            for e in &events {
                let cursor = i64::try_from(e.cursor).map_err(|_| {
                    ClientError::Protocol("status event cursor out of range".into())
                })?;
                added += usize::from(rows::add_event(
                    &tx,
                    portal_id,
                    cursor,
                    &e.code.to_string(),
                    e,
                )?);
            }
            tx.commit()?;
            Ok(added)
        })
        .await
}

/// Records that `portal_id` answered now, at `cursor`.
async fn confirmed(
    store: &Store,
    portal_id: i64,
    cursor: i64,
    etag: Option<String>,
) -> Result<(), ClientError> {
    store
        .call(move |conn| {
            Ok(rows::confirmed(
                conn,
                portal_id,
                cursor,
                etag.as_deref(),
                &now(),
            )?)
        })
        .await
}

/// Records why the last sync with `portal_id` failed (the last good state
/// and its time stay as they were).
async fn failed(store: &Store, portal_id: i64, why: String) -> Result<(), ClientError> {
    store
        .call(move |conn| Ok(rows::failed(conn, portal_id, &why)?))
        .await
}

/// The last known state of dossier `code` at `portal_id`, if any change
/// of it is known here.
pub async fn status_of(
    store: &Store,
    portal_id: i64,
    code: &str,
) -> Result<Option<TrackedStatus>, ClientError> {
    let code = code.to_owned();
    store
        .call(move |conn| {
            let history = rows::history(conn, portal_id, &code)?;
            let Some(last) = history.last() else {
                return Ok(None);
            };
            let confirmed_at = rows::sync_outcome(conn, portal_id)?.and_then(|(at, _)| at);
            Ok(Some(TrackedStatus {
                status: last.status,
                history: history.clone(),
                confirmed_at,
            }))
        })
        .await
}

/// What a failed sync means for the policy.
fn outcome_of(e: &ClientError) -> PollOutcome {
    match e {
        ClientError::Busy(after) => PollOutcome::Busy(*after),
        _ => PollOutcome::Unreachable,
    }
}

/// Polls `portal` for ever by `policy`, calling `after_each` with each
/// sync's result and the wait chosen. Meant to run as a task of its own
/// per portal, so that one portal down or slow delays no other.
pub async fn poll_portal(
    store: Store,
    http: Http,
    portal: PortalRecord,
    policy: PollPolicy,
    mut after_each: impl FnMut(&Result<SyncReport, ClientError>, Duration) + Send,
) {
    let mut state = PollState::new(&policy);
    let mut first = true;
    loop {
        let result = sync(&store, &http, &portal, first).await;
        first = false;
        let outcome = match &result {
            Ok(r) if r.new_events > 0 || r.new_documents > 0 => PollOutcome::Changed,
            Ok(_) => PollOutcome::Unchanged,
            Err(e) => {
                if let Err(again) = failed(&store, portal.id, e.to_string()).await {
                    tracing::warn!(%again, "could not record a failed status sync");
                }
                outcome_of(e)
            }
        };
        let jitter = f64::from(crate::random_bytes::<1>()[0]) / 256.0;
        let wait = state.next_wait(&policy, outcome, jitter);
        after_each(&result, wait);
        tokio::time::sleep(wait).await;
    }
}
