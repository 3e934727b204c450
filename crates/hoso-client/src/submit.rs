//! Submitting a dossier exactly once.
//!
//! Invariants, each committed to the local store before the network step
//! that depends on it:
//! 1. the dossier and its idempotency key are recorded before any upload;
//! 2. every upload URL before its first byte (see [`crate::tus`]);
//! 3. the receipt as soon as it arrives, before it is shown.
//!
//! When the answer to a submission is lost, the client asks the portal for
//! the outcome under the same key before sending again, so a retry can
//! never produce a second dossier.

use crate::error::ClientError;
use crate::http::{Http, problem};
use crate::library::Library;
use crate::portal::{PortalRecord, cached_procedure};
use crate::progress::{ProgressSink, Tracker};
use crate::store::dossiers as rows;
use crate::store::{Store, now};
use crate::tus::retry::backoff;
use futures_util::{StreamExt, TryStreamExt};
use hoso_core::DossierContent;
use hoso_core::DossierState;
use hoso_core::idempotency::IdempotencyKey;
use hoso_core::progress::{FileProgress, SendPhase};
use hoso_core::receipt::Receipt;
use hoso_core::wire::{SubmissionRequest, SubmissionResponse, UploadRef};
use reqwest::StatusCode;

/// Attempts at sending a submission before reporting the outcome unknown.
const MAX_ATTEMPTS: u32 = 6;

/// A filed dossier.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// The verified receipt.
    pub receipt: Receipt,
    /// Fingerprint of the pinned key it verified against.
    pub verified_with: String,
    /// True when the portal answered with an earlier filing of this content.
    pub existing: bool,
    /// SHA-256 of the signed receipt's canonical JSON (for its QR code).
    pub receipt_sha256: hoso_core::Sha256Digest,
    /// Local id of the dossier the receipt belongs to.
    pub local_id: i64,
    /// True when nothing was sent because an earlier dossier with the same
    /// content was already received: this is that dossier's receipt.
    pub shown_instead: bool,
    /// The receipt exactly as the portal signed it (to keep as a file and
    /// verify offline).
    pub signed: hoso_core::receipt::SignedReceipt,
}

impl Submitted {
    /// Dossier `local_id`'s receipt `signed`, once its signature verifies
    /// against `portal`'s pinned key.
    fn verified(
        signed: &hoso_core::receipt::SignedReceipt,
        portal: &PortalRecord,
        local_id: i64,
        existing: bool,
    ) -> Result<Self, ClientError> {
        Ok(Self {
            receipt: signed.verify(&portal.key)?,
            verified_with: portal.key.fingerprint(),
            existing,
            receipt_sha256: signed.sha256(),
            local_id,
            shown_instead: false,
            signed: signed.clone(),
        })
    }
}

/// Checks, records, uploads and files the stored dossier `id` with `portal`.
pub(crate) async fn submit(
    sender: Sender<'_>,
    portal: &PortalRecord,
    id: i64,
    progress: Option<ProgressSink>,
) -> Result<Submitted, ClientError> {
    let (store, library) = (sender.store, sender.library);
    let record = crate::workspace::get(store, id).await?;
    if record.summary.state == hoso_core::DossierState::Submitted {
        // Sent already (a second click, a retry after the answer arrived):
        // the answer is the receipt it got, never a second filing.
        return filed(store, portal, id).await;
    }
    let content = record.content.normalized();
    if record.summary.state == hoso_core::DossierState::Draft
        && let Some(earlier) = same_content_filed(store, portal, id, &content).await?
    {
        let mut shown = filed(store, portal, earlier).await?;
        shown.existing = true;
        shown.shown_instead = true;
        return Ok(shown);
    }
    let procedure = cached_procedure(store, portal, &content.procedure)
        .await?
        .ok_or_else(|| {
            ClientError::NotFound(format!("thủ tục / procedure {}", content.procedure))
        })?;
    let mut problems = hoso_core::validate(&procedure, &content);
    let today = crate::store::vn_now().date_naive();
    problems.extend(library.expired(&content, today).await?);
    if !problems.is_empty() {
        return Err(ClientError::Invalid(problems));
    }
    let entries = entries_for(library, &content.documents).await?;
    let (key, resumed) = begin(store, id, &content).await?;
    let sending = sender.sending(portal, id, &entries, progress);
    let outcome = sending.finish(id, key, resumed, content, &entries).await;
    if let Err(e) = &outcome
        && nothing_filed(e)
    {
        // The portal refused this sending (or it never left): nothing is
        // filed under the key, so the dossier goes back to being a draft
        // the person can fix, instead of waiting in the outbox forever.
        back_to_draft(store, id).await?;
    }
    outcome
}

/// The library's copy of each of `documents` (each file once), checked
/// against the size the dossier declares.
pub(crate) async fn entries_for(
    library: &Library,
    documents: &[hoso_core::AttachedDocument],
) -> Result<Vec<crate::library::LibraryEntry>, ClientError> {
    let mut entries = Vec::new();
    for doc in documents {
        let entry = library.get(doc.sha256).await?;
        if entry.size != doc.size {
            return Err(ClientError::Protocol(format!(
                "{}: the dossier says {} bytes, the library holds {}",
                doc.name, doc.size, entry.size
            )));
        }
        if !entries
            .iter()
            .any(|e: &crate::library::LibraryEntry| e.sha256 == entry.sha256)
        {
            entries.push(entry);
        }
    }
    Ok(entries)
}

/// The progress rows of a sending of `entries`, nothing confirmed yet.
pub(crate) fn files_of(entries: &[crate::library::LibraryEntry]) -> Vec<FileProgress> {
    entries
        .iter()
        .map(|e| FileProgress {
            sha256: e.sha256,
            name: e.name.clone(),
            size: e.size,
            confirmed: 0,
        })
        .collect()
}

/// Whether an error proves that nothing was filed under the dossier's key:
/// the portal answered with a refusal (or a document was refused before
/// anything was sent). Lost answers and network errors prove nothing.
pub(crate) fn nothing_filed(e: &ClientError) -> bool {
    match e {
        ClientError::Invalid(_) | ClientError::Refused(_) => true,
        ClientError::Portal(p) => {
            (400..500).contains(&p.status) && !matches!(p.status, 408 | 409 | 425 | 429)
        }
        _ => false,
    }
}

async fn back_to_draft(store: &Store, id: i64) -> Result<(), ClientError> {
    store
        .call(move |conn| Ok(rows::back_to_draft(conn, id, &now())?))
        .await
}

/// The receipt stored for the filed dossier `id`, verified again against
/// `portal`'s pinned key.
pub async fn filed(
    store: &Store,
    portal: &PortalRecord,
    id: i64,
) -> Result<Submitted, ClientError> {
    let stored: Option<String> = store
        .call(move |conn| {
            rows::filed_receipt(conn, id)?.ok_or_else(|| {
                ClientError::NotFound(format!("biên nhận của hồ sơ / receipt of dossier {id}"))
            })
        })
        .await?;
    let signed: hoso_core::receipt::SignedReceipt =
        serde_json::from_str(stored.as_deref().unwrap_or_default())
            .map_err(|e| ClientError::Protocol(format!("stored receipt of dossier {id}: {e}")))?;
    Submitted::verified(&signed, portal, id, false)
}

/// Another dossier on `portal` than `id` already filed with exactly
/// `content` (compared by manifest hash, as the portal compares them).
/// Filed dossiers recorded before their hash was kept get it on the way.
pub(crate) async fn same_content_filed(
    store: &Store,
    portal: &PortalRecord,
    id: i64,
    content: &DossierContent,
) -> Result<Option<i64>, ClientError> {
    let wanted = hoso_core::manifest::manifest_sha256(content).to_hex();
    let portal_id = portal.id;
    store
        .call(move |conn| {
            let tx = conn.transaction()?;
            for (other, json) in rows::filed_without_manifest(&tx)? {
                if let Ok(earlier) = serde_json::from_str::<DossierContent>(&json) {
                    let hash = hoso_core::manifest::manifest_sha256(&earlier.normalized());
                    rows::set_manifest(&tx, other, &hash.to_hex())?;
                }
            }
            let found = rows::filed_with_manifest(&tx, portal_id, &wanted, id)?;
            tx.commit()?;
            Ok(found)
        })
        .await
}

/// What uploading and sending need.
pub(crate) struct Sending<'a> {
    pub(crate) store: &'a Store,
    pub(crate) library: &'a Library,
    pub(crate) http: &'a Http,
    pub(crate) portal: &'a PortalRecord,
    pub(crate) settings: &'a crate::tus::UploadSettings,
    pub(crate) tracker: Tracker,
}

/// The parts of a profile a sending uses.
#[derive(Clone, Copy)]
pub(crate) struct Sender<'a> {
    pub(crate) store: &'a Store,
    pub(crate) library: &'a Library,
    pub(crate) http: &'a Http,
    pub(crate) settings: &'a crate::tus::UploadSettings,
}

impl<'a> Sender<'a> {
    /// A sending of `entries` to `portal` for dossier `id`, reporting to
    /// `progress`.
    pub(crate) fn sending(
        self,
        portal: &'a PortalRecord,
        id: i64,
        entries: &[crate::library::LibraryEntry],
        progress: Option<ProgressSink>,
    ) -> Sending<'a> {
        Sending {
            store: self.store,
            library: self.library,
            http: self.http,
            portal,
            settings: self.settings,
            tracker: Tracker::new(id, files_of(entries), progress),
        }
    }
}

impl Sending<'_> {
    /// Everything after the key is recorded: recovery by key, uploads,
    /// sending, storing the receipt.
    async fn finish(
        &self,
        local_id: i64,
        key: IdempotencyKey,
        resumed: bool,
        content: DossierContent,
        entries: &[crate::library::LibraryEntry],
    ) -> Result<Submitted, ClientError> {
        let (store, portal) = (self.store, self.portal);
        let response = match self.earlier(resumed, &key).await {
            Some(found) => found,
            None => self.upload_and_send(&key, content, entries).await?,
        };
        let done = Submitted::verified(&response.receipt, portal, local_id, response.existing)?;
        let (code, signed) = (
            done.receipt.dossier_code.to_string(),
            serde_json::to_string(&response.receipt)
                .map_err(|e| ClientError::Protocol(e.to_string()))?,
        );
        store
            .call(move |conn| Ok(rows::mark_filed(conn, local_id, &code, &signed, &now())?))
            .await?;
        self.tracker.phase(SendPhase::Done);
        Ok(done)
    }

    /// When an earlier attempt under `key` was cut off (`resumed`), what
    /// the portal says it filed, asked before a single byte is sent again.
    pub(crate) async fn earlier(
        &self,
        resumed: bool,
        key: &IdempotencyKey,
    ) -> Option<SubmissionResponse> {
        if !resumed {
            return None;
        }
        self.tracker.phase(SendPhase::Checking);
        recover(self.http, self.portal, key)
            .await
            .unwrap_or_else(|e| {
                tracing::info!(error = %e, "could not ask about the earlier sending yet");
                None
            })
    }

    /// Uploads one document.
    async fn upload_one(
        &self,
        target: crate::tus::Target<'_>,
        shared: &crate::tus::Shared,
        entry: &crate::library::LibraryEntry,
    ) -> Result<UploadRef, ClientError> {
        let report = crate::tus::upload(
            self.http.raw(),
            self.store,
            target,
            entry,
            &self.library.path_of(&entry.sha256),
            self.settings,
            shared,
        )
        .await?;
        Ok(UploadRef {
            sha256: entry.sha256,
            upload_url: report.url,
        })
    }

    /// Uploads every document, then sends the submission under `key`.
    async fn upload_and_send(
        &self,
        key: &IdempotencyKey,
        content: DossierContent,
        entries: &[crate::library::LibraryEntry],
    ) -> Result<SubmissionResponse, ClientError> {
        let uploads = self.upload_all(entries).await?;
        let request = SubmissionRequest {
            dossier: content,
            uploads,
            new_filing: false,
        };
        let url = format!("{}/dossiers", self.portal.api_base);
        send(self.http, self.portal, &url, key, &request).await
    }

    /// Uploads every one of `entries`, a few at once within one bandwidth
    /// cap, and says where each went.
    pub(crate) async fn upload_all(
        &self,
        entries: &[crate::library::LibraryEntry],
    ) -> Result<Vec<UploadRef>, ClientError> {
        let target = crate::tus::Target {
            endpoint: &self.portal.tus_endpoint,
            token: self.portal.token.as_deref(),
        };
        // A few documents at once, all within one bandwidth cap.
        let shared = crate::tus::Shared::new(
            crate::tus::Cap::new(self.settings.bandwidth_cap),
            Some(self.tracker.clone()),
        );
        self.tracker.phase(SendPhase::Uploading);
        let ticking = self.tracker.ticking();
        // The futures are made first, so the stream holds no closure over
        // borrowed entries (which would not be Send for every lifetime).
        let pending: Vec<_> = entries
            .iter()
            .map(|entry| Box::pin(self.upload_one(target, &shared, entry)))
            .collect();
        // `buffered`, not `buffer_unordered`: the list keeps the entries'
        // order whatever order the uploads finish in, so a sending started
        // again after a crash sends the very request it sent before.
        let uploads: Vec<UploadRef> = futures_util::stream::iter(pending)
            .buffered(self.settings.parallel.max(1))
            .try_collect()
            .await?;
        drop(ticking);
        self.tracker.phase(SendPhase::AwaitingReceipt);
        Ok(uploads)
    }
}

/// Marks the dossier as being sent and returns its idempotency key: a new
/// one for a draft, the one already recorded when an earlier attempt was
/// cut off (then `true`), so that a retry after a crash can never file
/// twice.
async fn begin(
    store: &Store,
    id: i64,
    content: &DossierContent,
) -> Result<(IdempotencyKey, bool), ClientError> {
    let json = serde_json::to_string(content).map_err(|e| ClientError::Protocol(e.to_string()))?;
    let manifest = hoso_core::manifest::manifest_sha256(content).to_hex();
    let fresh = IdempotencyKey::from_random(crate::random_bytes::<16>());
    let key = store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let (state, existing) = rows::sending_state(&tx, id)?;
            let (key, resumed) = match (state, existing) {
                (DossierState::Submitting, Some(key)) => (key, true),
                (DossierState::Draft, _) => {
                    let key = fresh.as_str().to_owned();
                    rows::begin_sending(&tx, id, &key, &json, &now(), &manifest)?;
                    (key, false)
                }
                _ => return Err(ClientError::NotEditable),
            };
            tx.commit()?;
            Ok((key, resumed))
        })
        .await?;
    let (key, resumed) = key;
    let key = IdempotencyKey::try_from(key)
        .map_err(|e| ClientError::Protocol(format!("stored idempotency key: {e}")))?;
    Ok((key, resumed))
}

fn with_token(req: reqwest::RequestBuilder, portal: &PortalRecord) -> reqwest::RequestBuilder {
    match &portal.token {
        Some(t) => req.bearer_auth(t),
        None => req,
    }
}

/// Sends `request` to `url` under `key` until the portal's answer is
/// known (a dossier's filing or a supplement's).
pub(crate) async fn send<B: serde::Serialize>(
    http: &Http,
    portal: &PortalRecord,
    url: &str,
    key: &IdempotencyKey,
    request: &B,
) -> Result<SubmissionResponse, ClientError> {
    let mut last = ClientError::Network("no attempt made".into());
    for attempt in 0..MAX_ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(backoff(attempt)).await;
            // The previous answer was lost or unclear: ask before resending.
            match recover(http, portal, key).await {
                Ok(Some(found)) => return Ok(found),
                Ok(None) => {}
                Err(e) => {
                    last = e;
                    continue;
                }
            }
        }
        let sent = with_token(http.json_post(url, request), portal)
            .header("Idempotency-Key", key.to_header())
            .send()
            .await;
        match sent {
            Ok(res) if res.status().is_success() => {
                return res
                    .json()
                    .await
                    .map_err(|e| ClientError::Protocol(format!("submission answer: {e}")));
            }
            Ok(res) if res.status() == StatusCode::CONFLICT || res.status().is_server_error() => {
                last = problem(res).await;
            }
            Ok(res) if res.status() == StatusCode::TOO_MANY_REQUESTS => {
                last = problem(res).await;
            }
            Ok(res) => return Err(problem(res).await),
            Err(e) => last = e.into(),
        }
        tracing::warn!(attempt, error = %last, "submission answer not received; will check by key");
    }
    Err(last)
}

/// Asks the portal whether a submission under `key` was filed.
pub(crate) async fn recover(
    http: &Http,
    portal: &PortalRecord,
    key: &IdempotencyKey,
) -> Result<Option<SubmissionResponse>, ClientError> {
    let url = format!(
        "{}/submissions/by-key/{}",
        portal.api_base,
        encode_path(key.as_str())
    );
    let res = with_token(http.json_get(&url, None), portal).send().await?;
    match res.status() {
        s if s.is_success() => res
            .json()
            .await
            .map(Some)
            .map_err(|e| ClientError::Protocol(format!("recovered answer: {e}"))),
        StatusCode::NOT_FOUND => Ok(None),
        _ => Err(problem(res).await),
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn encode_path(s: &str) -> String {
    /// Every byte but the unreserved characters.
    const RESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, RESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::encode_path;

    #[test]
    fn keys_are_encoded_as_one_path_segment() {
        assert_eq!(encode_path("abc-DEF_1.2~x"), "abc-DEF_1.2~x");
        assert_eq!(encode_path("a/b c?d#e%"), "a%2Fb%20c%3Fd%23e%25");
        assert_eq!(encode_path("Đ"), "%C4%90");
    }
}
