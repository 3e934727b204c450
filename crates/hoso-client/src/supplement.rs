//! Answering a portal's request for more: the answer and documents are
//! checked by hoso-core's rules, recorded with a fresh idempotency key
//! before anything is sent, uploaded by the same resumable engine as a
//! dossier and filed exactly once; the supplement's signed receipt is kept
//! with the dossier.
//!
//! One supplement answers one request (the status change that asked for
//! it): sending again after an interruption resumes under the same key and
//! asks the portal first whether the earlier attempt arrived; sending again
//! after it was filed returns the stored receipt.

use crate::error::ClientError;
use crate::portal::{PortalRecord, cached_procedure};
use crate::progress::ProgressSink;
use crate::store::dossiers;
use crate::store::supplements::{self as rows, SupplementState};
use crate::store::{Store, now};
use crate::submit::{Sender, Sending, entries_for, nothing_filed, send};
use hoso_core::idempotency::IdempotencyKey;
use hoso_core::progress::SendPhase;
use hoso_core::receipt::SignedReceipt;
use hoso_core::supplement::{Supplement, SupplementReceipt, content_sha256};
use hoso_core::wire::SupplementRequest;
use hoso_core::{Bilingual, Problem, ProblemCode};

/// What the portal asked for, as the last status change says.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    /// The status change that asked (its cursor in the portal's feed).
    pub cursor: i64,
    /// What is asked, in the officer's words.
    pub request: String,
    /// The officer's note.
    pub note: String,
    /// When it was asked.
    pub at: String,
}

/// A supplement recorded here: being sent, or filed with its receipt.
#[derive(Debug, Clone)]
pub struct StoredSupplement {
    /// The request it answers.
    pub request_cursor: i64,
    /// What was sent.
    pub supplement: Supplement,
    /// The verified receipt once filed.
    pub receipt: Option<SupplementReceipt>,
    /// SHA-256 of the signed receipt's canonical JSON, once filed.
    pub receipt_sha256: Option<hoso_core::Sha256Digest>,
}

/// A filed dossier as supplements need it.
struct Filed {
    code: String,
    portal_id: i64,
    procedure: hoso_core::ProcedureCode,
}

async fn filed_dossier(store: &Store, id: i64) -> Result<Filed, ClientError> {
    let row: Option<(String, String, i64)> = store
        .call(move |conn| Ok(dossiers::filed_code(conn, id)?))
        .await?;
    let (code, procedure, portal_id) =
        row.ok_or_else(|| ClientError::NotFound(format!("hồ sơ đã nộp / filed dossier {id}")))?;
    Ok(Filed {
        code,
        portal_id,
        procedure: procedure
            .parse()
            .map_err(|e| ClientError::Protocol(format!("stored procedure code: {e}")))?,
    })
}

/// The request for more that dossier `id` is waiting on, if its last known
/// state is "supplement requested" and no supplement filed from here
/// answered it yet (the portal's own change may not have been read).
pub async fn asked(store: &Store, id: i64) -> Result<Option<Asked>, ClientError> {
    let dossier = filed_dossier(store, id).await?;
    asked_of(store, &dossier, id).await
}

/// [`asked`] for a filed dossier already read.
async fn asked_of(store: &Store, dossier: &Filed, id: i64) -> Result<Option<Asked>, ClientError> {
    let (portal_id, code) = (dossier.portal_id, dossier.code.clone());
    store
        .call(move |conn| {
            let last = rows::last_unanswered(conn, portal_id, &code, id)?;
            Ok(last.filter(rows::Event::asks_for_more).map(|e| Asked {
                cursor: e.cursor,
                request: e.request.unwrap_or_else(|| e.note.clone()),
                note: e.note,
                at: e.at,
            }))
        })
        .await
}

/// Every supplement of dossier `id` recorded here, oldest first, each
/// receipt verified against `portal`'s pinned key.
pub async fn stored(
    store: &Store,
    portal: &PortalRecord,
    id: i64,
) -> Result<Vec<StoredSupplement>, ClientError> {
    let rows: Vec<(i64, String, Option<String>)> = store
        .call(move |conn| Ok(rows::of_dossier(conn, id, None)?))
        .await?;
    rows.into_iter()
        .map(|(request_cursor, content, receipt)| {
            let supplement = serde_json::from_str(&content)
                .map_err(|e| ClientError::Protocol(format!("stored supplement: {e}")))?;
            let (receipt, receipt_sha256) = match receipt {
                Some(json) => {
                    let signed: SignedReceipt = serde_json::from_str(&json).map_err(|e| {
                        ClientError::Protocol(format!("stored supplement receipt: {e}"))
                    })?;
                    (
                        Some(signed.verify_as::<SupplementReceipt>(&portal.key)?),
                        Some(signed.sha256()),
                    )
                }
                None => (None, None),
            };
            Ok(StoredSupplement {
                request_cursor,
                supplement,
                receipt,
                receipt_sha256,
            })
        })
        .collect()
}

fn not_asked() -> ClientError {
    ClientError::Refused(vec![Problem {
        path: "supplement".into(),
        code: ProblemCode::Invalid,
        message: Bilingual::new(
            "Cổng không (hoặc chưa) yêu cầu bổ sung hồ sơ này — hãy cập nhật trạng thái trước.",
            "The portal has not asked (or not yet) for more on this dossier — update the status first.",
        ),
    }])
}

/// Records `supplement` as the answer to the request dossier `id` waits
/// on, uploads its documents and files it once; returns the stored
/// supplement with its verified receipt.
pub(crate) async fn submit(
    sender: Sender<'_>,
    portal: &PortalRecord,
    id: i64,
    supplement: Supplement,
    progress: Option<ProgressSink>,
) -> Result<StoredSupplement, ClientError> {
    let store = sender.store;
    let dossier = filed_dossier(store, id).await?;
    let Some(asked) = asked_of(store, &dossier, id).await? else {
        // The last request was answered from here already (a second
        // press, a retry): the answer is that supplement, not another.
        return match last_answered(store, &dossier, id).await? {
            Some(cursor) => latest(store, portal, id, cursor).await,
            None => Err(not_asked()),
        };
    };
    let cursor = asked.cursor;
    let earlier = store
        .call(move |conn| Ok(rows::answering(conn, id, cursor)?))
        .await?;
    let (supplement, key, resumed) = match earlier {
        Some((SupplementState::Filed, _, _)) => {
            return latest(store, portal, id, cursor).await;
        }
        // Cut off before: the same answer under the same key, so that it
        // can never be filed twice.
        Some((_, content, key)) => {
            let content: Supplement = serde_json::from_str(&content)
                .map_err(|e| ClientError::Protocol(format!("stored supplement: {e}")))?;
            let key = IdempotencyKey::try_from(key)
                .map_err(|e| ClientError::Protocol(format!("stored idempotency key: {e}")))?;
            (content, key, true)
        }
        None => {
            let supplement = supplement.normalized();
            let procedure = cached_procedure(store, portal, &dossier.procedure)
                .await?
                .ok_or_else(|| {
                    ClientError::NotFound(format!("thủ tục / procedure {}", dossier.procedure))
                })?;
            let problems = supplement.check(&procedure);
            if !problems.is_empty() {
                return Err(ClientError::Invalid(problems));
            }
            let key = IdempotencyKey::from_random(crate::random_bytes::<16>());
            let (json, k) = (
                serde_json::to_string(&supplement)
                    .map_err(|e| ClientError::Protocol(e.to_string()))?,
                key.as_str().to_owned(),
            );
            store
                .call(move |conn| Ok(rows::insert_sending(conn, id, cursor, &json, &k, &now())?))
                .await?;
            (supplement, key, false)
        }
    };
    let entries = entries_for(sender.library, &supplement.documents).await?;
    let sending = sender.sending(portal, id, &entries, progress);
    let outcome = send_recorded(
        &sending,
        &entries,
        &dossier.code,
        &supplement,
        &key,
        resumed,
    )
    .await;
    if let Err(e) = &outcome
        && nothing_filed(e)
    {
        // Refused by the portal (or by the checks here): nothing is filed
        // under the key, so the person may change the answer and send it.
        store
            .call(move |conn| Ok(rows::forget_unfiled(conn, id, cursor)?))
            .await?;
    }
    outcome?;
    latest(store, portal, id, cursor).await
}

/// Uploads and files the supplement recorded under `key`, then keeps its
/// verified receipt.
async fn send_recorded(
    sending: &Sending<'_>,
    entries: &[crate::library::LibraryEntry],
    code: &str,
    supplement: &Supplement,
    key: &IdempotencyKey,
    resumed: bool,
) -> Result<(), ClientError> {
    let (store, http, portal) = (sending.store, sending.http, sending.portal);
    let id = sending.tracker.dossier();
    let earlier = sending.earlier(resumed, key).await;
    let response = match earlier {
        Some(found) => found,
        None => {
            let uploads = sending.upload_all(entries).await?;
            let url = format!("{}/dossiers/{code}/supplements", portal.api_base);
            let request = SupplementRequest {
                supplement: supplement.clone(),
                uploads,
            };
            send(http, portal, &url, key, &request).await?
        }
    };
    let receipt: SupplementReceipt = response.receipt.verify_as(&portal.key)?;
    if receipt.dossier_code.as_str() != code || receipt.content_sha256 != content_sha256(supplement)
    {
        return Err(ClientError::Protocol(format!(
            "the supplement receipt names dossier {} and content {}, not what was sent",
            receipt.dossier_code, receipt.content_sha256
        )));
    }
    let signed = serde_json::to_string(&response.receipt)
        .map_err(|e| ClientError::Protocol(e.to_string()))?;
    let k = key.as_str().to_owned();
    store
        .call(move |conn| Ok(rows::mark_filed(conn, id, &k, &signed, &now())?))
        .await?;
    sending.tracker.phase(SendPhase::Done);
    Ok(())
}

/// The cursor of the dossier's last request for more, when a supplement
/// filed from here answered it.
async fn last_answered(
    store: &Store,
    dossier: &Filed,
    id: i64,
) -> Result<Option<i64>, ClientError> {
    let (portal_id, code) = (dossier.portal_id, dossier.code.clone());
    store
        .call(move |conn| Ok(rows::last_answered(conn, portal_id, &code, id)?))
        .await
}

async fn latest(
    store: &Store,
    portal: &PortalRecord,
    id: i64,
    cursor: i64,
) -> Result<StoredSupplement, ClientError> {
    stored(store, portal, id)
        .await?
        .into_iter()
        .find(|s| s.request_cursor == cursor)
        .ok_or_else(|| ClientError::NotFound(format!("bổ sung / supplement of dossier {id}")))
}
