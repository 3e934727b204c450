//! Fees of this profile's dossiers: before filing, the fee hoso-core
//! computes from the procedure and the values (the figure the portal will
//! ask for); after filing, the documents the portal issues for the
//! dossier — its payment request, its fee receipt, refund and result
//! notices — as its change feed carries them ([`keep_feed`], called by
//! every sync) or as `GET /v1/dossiers/{code}/payment` answers
//! ([`fetch`], for a profile that missed the feed and to refresh).
//!
//! A signed document is kept only once it verifies against the portal's
//! pinned key or a key it retired and still publishes
//! ([`hoso_core::signed::PortalKeys`]); one that does not is refused,
//! reported ([`RefusedDocument`]) and never kept. What is kept is
//! verified again whenever it is read.

use crate::error::ClientError;
use crate::http::{Http, problem};
use crate::portal::PortalRecord;
use crate::store::documents::{self as rows, Incoming};
use crate::store::{Store, now};
use hoso_core::fee_receipt::FeeReceipt;
use hoso_core::payment::{PaymentRequest, PaymentState};
use hoso_core::receipt::ReceiptError;
use hoso_core::signed::{PortalKeys, Signed};
use hoso_core::wire::{DossierDocument, FeedDocument, PaymentStatus};
use hoso_core::{Bilingual, DossierState, Fee, Sha256Digest};

/// The kinds of documents kept, as the feed names them.
pub(crate) const PAYMENT_REQUEST: &str = "payment_request";
pub(crate) const FEE_RECEIPT: &str = "fee_receipt";
pub(crate) const REFUND_NOTICE: &str = "refund_notice";
pub(crate) const RESULT_NOTICE: &str = "result_notice";

/// Why a dossier has no fee to show, or no fee receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeeUnavailable {
    /// The dossier owes nothing (the procedure charges nothing, or the
    /// portal asks for no fee through it).
    NoFee,
    /// The dossier is not filed yet: nothing was asked for or paid.
    NotFiled,
    /// The portal takes no fees online: they are paid as before, at the
    /// desk.
    NotOnline,
    /// The fee is not paid in full yet, so there is no receipt.
    NotPaid(PaymentState),
    /// The fee cannot be computed from what the dossier says (a count
    /// that is not a whole number, an amount beyond counting).
    Uncomputable(String),
}

impl FeeUnavailable {
    /// What to tell the person.
    pub fn message(&self) -> Bilingual {
        match self {
            Self::NoFee => Bilingual::new(
                "Hồ sơ này không phải nộp phí, lệ phí.",
                "This dossier owes no fee.",
            ),
            Self::NotFiled => Bilingual::new(
                "Hồ sơ chưa nộp nên chưa có yêu cầu thanh toán hay biên lai; `hoso fee show` cho biết số phí tính trước khi nộp.",
                "The dossier is not filed yet, so there is no payment request or receipt; `hoso fee show` gives the fee computed before filing.",
            ),
            Self::NotOnline => Bilingual::new(
                "Cổng này không thu phí trực tuyến: hãy nộp phí, lệ phí tại nơi tiếp nhận như trước.",
                "This portal takes no fees online: pay the fee at the receiving desk as before.",
            ),
            Self::NotPaid(state) => Bilingual::new(
                format!(
                    "Chưa có biên lai thu phí: phí chưa được thanh toán đủ ({}). Xem cách nộp bằng `hoso fee show`.",
                    state.label().vi
                ),
                format!(
                    "No fee receipt yet: the fee is not paid in full ({}). See how to pay with `hoso fee show`.",
                    state.label().en
                ),
            ),
            Self::Uncomputable(why) => Bilingual::new(
                format!("Chưa tính được phí: {why}"),
                format!("The fee cannot be computed yet: {why}"),
            ),
        }
    }
}

/// A dossier's fee as this profile knows it.
#[derive(Debug, Clone, PartialEq)]
pub enum DossierFee {
    /// A draft's: computed by [`hoso_core::fee`] from its procedure and
    /// values, before filing (the figure the portal will ask for).
    Computed(Fee),
    /// A filed dossier's: the portal's payment request as last received.
    Requested {
        /// The request, with its state and VietQR payload.
        request: PaymentRequest,
        /// What was paid towards it, in đồng: as the portal said when it
        /// was just asked, else as the request's state tells it (none when
        /// it does not: refunded, expired, cancelled).
        paid_vnd: Option<u64>,
    },
}

/// What a request's state tells of what was paid towards it.
pub fn paid_by_state(request: &PaymentRequest) -> Option<u64> {
    match request.state {
        PaymentState::Awaiting => Some(0),
        PaymentState::PartlyPaid { still_due_vnd } => {
            Some(request.amount_vnd.saturating_sub(still_due_vnd))
        }
        PaymentState::Paid { .. } => Some(request.amount_vnd),
        // A cancelled request may have been partly paid before its
        // dossier closed: what was paid is then in the refund notices.
        PaymentState::Refunded | PaymentState::Expired | PaymentState::Cancelled => None,
    }
}

/// A fee receipt kept here, verified.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedFeeReceipt {
    /// What it certifies.
    pub receipt: FeeReceipt,
    /// It as the portal signed it (what `--json` prints and a person keeps).
    pub signed: Signed<FeeReceipt>,
    /// SHA-256 of what the signature covers.
    pub sha256: Sha256Digest,
}

/// A document from a portal that did not verify, so was not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedDocument {
    /// The dossier it names.
    pub code: String,
    /// Its kind.
    pub kind: &'static str,
    /// Why it does not verify.
    pub why: String,
}

/// The keys `portal`'s documents verify with: the pinned one and those it
/// retired, as last published (only the pinned one when that list names a
/// key wrongly: a list that misnames a key is never half-trusted).
pub(crate) async fn keys(store: &Store, portal: &PortalRecord) -> Result<PortalKeys, ClientError> {
    let portal_id = portal.id;
    let retired = store
        .call(move |conn| Ok(rows::retired_keys(conn, portal_id)?))
        .await?;
    Ok(PortalKeys::with_published(portal.key, &retired)
        .unwrap_or_else(|_| PortalKeys::pinned(portal.key)))
}

/// A signed document verified against `keys`; the error says why not.
fn verified<T>(signed: &Signed<T>, keys: &PortalKeys) -> Result<T, ReceiptError>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    signed.verify(keys)
}

/// What to do with one feed document.
enum Judged {
    /// Keep it: its kind and the JSON of the document itself (the payment
    /// request, or the signed envelope).
    Keep(&'static str, String),
    /// Refuse it: a signed document of this kind that does not verify.
    Refuse(&'static str, ReceiptError),
}

/// What to do with a feed document; none for a kind this build cannot
/// read.
fn judge(document: &DossierDocument, keys: &PortalKeys) -> Option<Judged> {
    fn signed<T>(kind: &'static str, s: &Signed<T>, keys: &PortalKeys) -> Judged
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        match s.verify(keys) {
            Ok(_) => Judged::Keep(kind, serde_json::to_string(s).unwrap_or_default()),
            Err(e) => Judged::Refuse(kind, e),
        }
    }
    Some(match document {
        DossierDocument::PaymentRequest(r) => Judged::Keep(
            PAYMENT_REQUEST,
            serde_json::to_string(r).unwrap_or_default(),
        ),
        DossierDocument::FeeReceipt(s) => signed(FEE_RECEIPT, s, keys),
        DossierDocument::RefundNotice(s) => signed(REFUND_NOTICE, s, keys),
        DossierDocument::ResultNotice(s) => signed(RESULT_NOTICE, s, keys),
        DossierDocument::Unknown => return None,
    })
}

/// Whether a refusal may only mean this profile does not know the key yet
/// (a key the portal rotated to, then retired, since it was last asked).
fn unknown_key(e: &ReceiptError) -> bool {
    matches!(e, ReceiptError::OtherKey { .. })
}

/// What keeping a page's documents did.
#[derive(Debug, Default)]
pub(crate) struct Kept {
    /// Documents new or changed here.
    pub new: usize,
    /// Documents that did not verify, not kept.
    pub refused: Vec<RefusedDocument>,
}

/// Keeps the documents of one page of `portal`'s feed: each payment
/// request, and each signed document that verifies; those that do not are
/// refused and reported, never kept. A document signed by a key this
/// profile does not know makes it read the portal's published keys once
/// (the pinned key must still be the portal's) before it is refused.
pub(crate) async fn keep_feed(
    store: &Store,
    http: &Http,
    portal: &PortalRecord,
    documents: Vec<FeedDocument>,
) -> Result<Kept, ClientError> {
    if documents.is_empty() {
        return Ok(Kept::default());
    }
    let mut keys = keys(store, portal).await?;
    let needs_keys = documents.iter().any(
        |d| matches!(judge(&d.document, &keys), Some(Judged::Refuse(_, ref e)) if unknown_key(e)),
    );
    if needs_keys {
        crate::tracking::check_key(store, http, portal).await?;
        keys = self::keys(store, portal).await?;
    }
    let mut kept = Kept::default();
    let mut accepted = Vec::new();
    for d in &documents {
        let cursor = i64::try_from(d.cursor)
            .map_err(|_| ClientError::Protocol("feed document cursor out of range".into()))?;
        match judge(&d.document, &keys) {
            None => {
                tracing::debug!(code = %d.code, "a feed document of a kind this build cannot read, passed over");
            }
            Some(Judged::Keep(kind, body)) => {
                accepted.push((d.code.to_string(), kind, cursor, d.at.to_rfc3339(), body))
            }
            Some(Judged::Refuse(kind, e)) => {
                tracing::warn!(code = %d.code, kind, why = %e, "a document from the portal does not verify; refused");
                kept.refused.push(RefusedDocument {
                    code: d.code.to_string(),
                    kind,
                    why: e.to_string(),
                });
            }
        }
    }
    let portal_id = portal.id;
    kept.new = store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let at = now();
            let mut new = 0;
            for (code, kind, cursor, issued, body) in &accepted {
                let d = Incoming {
                    code,
                    kind,
                    cursor: Some(*cursor),
                    at: Some(issued),
                    body,
                };
                new += usize::from(rows::keep(&tx, portal_id, &d, &at)?);
            }
            tx.commit()?;
            Ok(new)
        })
        .await?;
    Ok(kept)
}

/// Asks `portal` for dossier `code`'s payment now and keeps what it
/// answers as the feed's documents are kept: the request, and the fee
/// receipt once it verifies. A receipt that does not verify is refused
/// ([`ClientError::Untrusted`]) and not kept; the request is kept all the
/// same. A dossier asking no fee, or a portal taking none online, is
/// [`FeeUnavailable`].
pub async fn fetch(
    store: &Store,
    http: &Http,
    portal: &PortalRecord,
    code: &str,
) -> Result<PaymentStatus, ClientError> {
    let url = format!("{}/dossiers/{code}/payment", portal.api_base);
    let mut req = http.json_get(&url, None);
    if let Some(t) = &portal.token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await?;
    if !res.status().is_success() {
        return Err(match problem(res).await {
            ClientError::Portal(p) if p.code == "no_fee" => {
                ClientError::FeeUnavailable(FeeUnavailable::NoFee)
            }
            ClientError::Portal(p) if p.code == "payment_not_online" => {
                ClientError::FeeUnavailable(FeeUnavailable::NotOnline)
            }
            other => other,
        });
    }
    let status: PaymentStatus = res
        .json()
        .await
        .map_err(|e| ClientError::Protocol(format!("payment: {e}")))?;
    if status.request.dossier_code.as_str() != code {
        return Err(ClientError::Protocol(format!(
            "asked for the payment of {code}, the portal answered for {}",
            status.request.dossier_code
        )));
    }
    let keys = keys(store, portal).await?;
    let receipt = match &status.fee_receipt {
        None => None,
        Some(signed) => match verified(signed, &keys) {
            Ok(r) if r.dossier_code.as_str() == code => Some(Ok(signed.clone())),
            Ok(r) => Some(Err(ReceiptError::Malformed(format!(
                "fee receipt of {} given for {code}",
                r.dossier_code
            )))),
            Err(e) if unknown_key(&e) => {
                crate::tracking::check_key(store, http, portal).await?;
                let keys = self::keys(store, portal).await?;
                Some(verified(signed, &keys).map(|_| signed.clone()))
            }
            Err(e) => Some(Err(e)),
        },
    };
    let request = serde_json::to_string(&status.request)
        .map_err(|e| ClientError::Protocol(format!("payment: {e}")))?;
    let receipt_body = match &receipt {
        Some(Ok(signed)) => Some(
            serde_json::to_string(signed)
                .map_err(|e| ClientError::Protocol(format!("fee receipt: {e}")))?,
        ),
        _ => None,
    };
    let (portal_id, code_owned) = (portal.id, code.to_owned());
    store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let at = now();
            let mut d = Incoming {
                code: &code_owned,
                kind: PAYMENT_REQUEST,
                cursor: None,
                at: None,
                body: &request,
            };
            rows::keep(&tx, portal_id, &d, &at)?;
            if let Some(body) = &receipt_body {
                d.kind = FEE_RECEIPT;
                d.body = body;
                rows::keep(&tx, portal_id, &d, &at)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await?;
    match receipt {
        Some(Err(e)) => {
            tracing::warn!(code, why = %e, "the portal's fee receipt does not verify; refused");
            Err(ClientError::Untrusted(e))
        }
        _ => Ok(status),
    }
}

/// The payment request of dossier `code` at `portal`, as last received.
pub async fn request_of(
    store: &Store,
    portal: &PortalRecord,
    code: &str,
) -> Result<Option<PaymentRequest>, ClientError> {
    let (portal_id, code) = (portal.id, code.to_owned());
    let body = store
        .call(move |conn| Ok(rows::body(conn, portal_id, &code, PAYMENT_REQUEST)?))
        .await?;
    body.map(|b| {
        serde_json::from_str(&b)
            .map_err(|e| ClientError::Protocol(format!("stored payment request: {e}")))
    })
    .transpose()
}

/// The signed document of `kind` kept for dossier `code` at `portal`,
/// verified again against its keys, with what it certifies; none when none
/// is kept. One that no longer verifies (the profile's file altered) is
/// the [`ReceiptError`] saying why.
pub(crate) async fn kept_signed<T>(
    store: &Store,
    portal: &PortalRecord,
    code: &str,
    kind: &'static str,
) -> Result<Option<(T, Signed<T>)>, KeptError>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let (portal_id, code) = (portal.id, code.to_owned());
    let body = store
        .call(move |conn| Ok(rows::body(conn, portal_id, &code, kind)?))
        .await?;
    let Some(body) = body else {
        return Ok(None);
    };
    let signed: Signed<T> = serde_json::from_str(&body)
        .map_err(|e| KeptError::Untrusted(ReceiptError::Malformed(e.to_string())))?;
    let document = verified(&signed, &keys(store, portal).await?).map_err(KeptError::Untrusted)?;
    Ok(Some((document, signed)))
}

/// Why a kept signed document could not be read back.
#[derive(Debug)]
pub(crate) enum KeptError {
    /// The store failed.
    Client(ClientError),
    /// It no longer verifies.
    Untrusted(ReceiptError),
}

impl From<ClientError> for KeptError {
    fn from(e: ClientError) -> Self {
        Self::Client(e)
    }
}

impl KeptError {
    /// As a [`ClientError`], an untrusted document told by `untrusted`.
    pub(crate) fn or_untrusted(
        self,
        untrusted: impl FnOnce(ReceiptError) -> ClientError,
    ) -> ClientError {
        match self {
            Self::Client(e) => e,
            Self::Untrusted(e) => untrusted(e),
        }
    }
}

/// The fee receipt of dossier `code` at `portal`, verified again against
/// its keys; none when none is kept. One that no longer verifies (the
/// profile's file altered) is [`ClientError::Untrusted`].
pub async fn receipt_of(
    store: &Store,
    portal: &PortalRecord,
    code: &str,
) -> Result<Option<VerifiedFeeReceipt>, ClientError> {
    let kept = kept_signed::<FeeReceipt>(store, portal, code, FEE_RECEIPT)
        .await
        .map_err(|e| e.or_untrusted(ClientError::Untrusted))?;
    Ok(kept.map(|(receipt, signed)| VerifiedFeeReceipt {
        receipt,
        sha256: signed.sha256(),
        signed,
    }))
}

/// Dossier `id`'s fee: for a draft (or one being sent), computed from its
/// procedure and values; for a filed one, its payment request, asked of
/// the portal first when `refresh` (what is kept answers when the portal
/// cannot be reached).
pub async fn dossier_fee(
    client: &crate::Client,
    portal: &PortalRecord,
    id: i64,
    refresh: bool,
) -> Result<DossierFee, ClientError> {
    let record = client.dossier(id).await?;
    let code = match (&record.summary.state, &record.summary.dossier_code) {
        (DossierState::Submitted, Some(code)) => code.clone(),
        _ => {
            let content = &record.content;
            let procedure = match client
                .procedure_version(portal, &content.procedure, &content.version)
                .await?
            {
                Some(p) => p,
                None => crate::portal::cached_procedure(&client.store, portal, &content.procedure)
                    .await?
                    .ok_or_else(|| {
                        ClientError::NotFound(format!("thủ tục / procedure {}", content.procedure))
                    })?,
            };
            let fee = hoso_core::fee(&procedure, &content.normalized()).map_err(|e| {
                ClientError::FeeUnavailable(FeeUnavailable::Uncomputable(e.to_string()))
            })?;
            if fee.amount_vnd == 0 && fee.exempt.is_none() {
                return Err(ClientError::FeeUnavailable(FeeUnavailable::NoFee));
            }
            return Ok(DossierFee::Computed(fee));
        }
    };
    if refresh {
        match fetch(&client.store, &client.http, portal, &code).await {
            Ok(status) => {
                return Ok(DossierFee::Requested {
                    request: status.request,
                    paid_vnd: Some(status.paid_vnd),
                });
            }
            // Offline: what was kept answers. A refused receipt leaves the
            // request kept.
            Err(ClientError::Network(_) | ClientError::Busy(_) | ClientError::Untrusted(_)) => {}
            Err(e) => return Err(e),
        }
    }
    match request_of(&client.store, portal, &code).await? {
        Some(request) => Ok(DossierFee::Requested {
            paid_vnd: paid_by_state(&request),
            request,
        }),
        None if refresh => Err(ClientError::Network(
            "the portal could not be asked for the payment".into(),
        )),
        None => Err(ClientError::NotFound(format!(
            "yêu cầu thanh toán của hồ sơ / payment request of dossier {code}"
        ))),
    }
}

/// Dossier `id`'s fee receipt, verified: the one kept, else (when
/// `refresh`) asked of the portal. Says why there is none: not filed, no
/// fee, no fees online, not paid yet.
pub async fn dossier_receipt(
    client: &crate::Client,
    portal: &PortalRecord,
    id: i64,
    refresh: bool,
) -> Result<VerifiedFeeReceipt, ClientError> {
    let record = client.dossier(id).await?;
    let code = match (&record.summary.state, &record.summary.dossier_code) {
        (DossierState::Submitted, Some(code)) => code.clone(),
        _ => return Err(ClientError::FeeUnavailable(FeeUnavailable::NotFiled)),
    };
    if let Some(kept) = receipt_of(&client.store, portal, &code).await? {
        return Ok(kept);
    }
    let request = if refresh {
        fetch(&client.store, &client.http, portal, &code)
            .await?
            .request
    } else {
        request_of(&client.store, portal, &code)
            .await?
            .ok_or_else(|| {
                ClientError::NotFound(format!(
                    "yêu cầu thanh toán của hồ sơ / payment request of dossier {code}"
                ))
            })?
    };
    match receipt_of(&client.store, portal, &code).await? {
        Some(kept) => Ok(kept),
        None => Err(ClientError::FeeUnavailable(FeeUnavailable::NotPaid(
            request.state,
        ))),
    }
}
