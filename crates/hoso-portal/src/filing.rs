//! Filing a dossier exactly once: the idempotency-key bookkeeping, the
//! checks every referenced upload must pass, and the one transaction that
//! records the dossier and its signed receipt.
//!
//! Key semantics (IETF httpapi Idempotency-Key draft):
//! - a new key is claimed as `processing` before any work is done;
//! - the same key while that work runs: 409; with another body: 422;
//! - the same key and body after it finished: the stored answer, unchanged;
//! - a failed attempt releases its key, so the fixed dossier can reuse it;
//! - a key left `processing` by a crash is released when the portal
//!   starts again ([`release_abandoned_claims`]): the filing's transaction
//!   either committed, and marked the key done with it, or left nothing;
//!   a claim older than [`STALE_CLAIM`] is reclaimed too.

use crate::error::ApiError;
use crate::records::{
    Claim, DossierMaker, Filing, KeyClaim, KeyState, MadeDossier, NewPayment, UploadRow,
};
use crate::routes::Applicant;
use crate::state::{AppState, now_vn};
use axum::http::StatusCode;
use hoso_core::fee_receipt::Payer;
use hoso_core::idempotency::IdempotencyKey;
use hoso_core::manifest::manifest_sha256;
use hoso_core::receipt::{
    Applicant as ReceiptApplicant, Delivery, PortalKey, RECEIPT_FORMAT, Receipt, ReceiptProcedure,
    ReceivedDocument, SignedReceipt,
};
use hoso_core::wire::{SubmissionRequest, SubmissionResponse};
use hoso_core::{DossierCode, Sha256Digest};
use std::time::Duration;

/// A `processing` claim older than this was left by a crashed request.
const STALE_CLAIM: Duration = Duration::from_secs(300);
/// How long keys and their answers are kept after the appointment date
/// of the procedure's processing period: a client can recover a lost
/// receipt while the dossier is processed and for a season after.
const KEY_GRACE_DAYS: i64 = 90;

/// Until when a key claimed at `now` for a procedure processed in `days`
/// working days is kept: the end of the appointment day the calendar gives,
/// plus [`KEY_GRACE_DAYS`].
pub fn key_kept_until(
    calendar: &hoso_core::calendar::Calendar,
    now: chrono::DateTime<chrono::FixedOffset>,
    days: u32,
    cutoff: Option<chrono::NaiveTime>,
) -> chrono::DateTime<chrono::FixedOffset> {
    let appointment = calendar.due_date(now.naive_local(), days, cutoff);
    let last_day = appointment + chrono::Duration::days(KEY_GRACE_DAYS + 1);
    last_day
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(*now.offset()).single())
        .unwrap_or(now + chrono::Duration::days(KEY_GRACE_DAYS + 366))
}

/// The actor of changes the portal makes by itself, such as filing.
pub const PORTAL_ACTOR: &str = "portal";

/// Files `request` under `key` for `who`; returns the status and answer.
pub async fn submit(
    state: &AppState,
    who: &Applicant,
    key: IdempotencyKey,
    request: SubmissionRequest,
    request_sha256: Sha256Digest,
) -> Result<(StatusCode, SubmissionResponse), ApiError> {
    let now = now_vn();
    let (days, cutoff) = state
        .catalog
        .require(&request.dossier.procedure, now.date_naive())
        .map(|e| (e.procedure.processing_days, e.procedure.cutoff()))
        .unwrap_or((0, None));
    let keep_until = key_kept_until(&state.calendar, now, days, cutoff);
    exactly_once(state, who, &key, request_sha256, keep_until, || {
        file(state, who, &key, request)
    })
    .await
}

/// Runs `work` once per key: a key already answered gets the stored answer
/// without `work` running; a key whose work fails is released, so the
/// fixed request can use it again. `work` marks the key done itself, in
/// the transaction that records what it files ([`key_done`]).
pub(crate) async fn exactly_once<F, Fut>(
    state: &AppState,
    who: &Applicant,
    key: &IdempotencyKey,
    request_sha256: Sha256Digest,
    keep_until: chrono::DateTime<chrono::FixedOffset>,
    work: F,
) -> Result<(StatusCode, SubmissionResponse), ApiError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(StatusCode, SubmissionResponse), ApiError>>,
{
    match claim(state, who, key, request_sha256, keep_until).await? {
        Claim::Finished(answer) => {
            let response = serde_json::from_str(&answer).map_err(ApiError::internal)?;
            return Ok((StatusCode::OK, response));
        }
        Claim::Fresh => {}
    }
    let outcome = work().await;
    if outcome.is_err() {
        release(state, who, key).await?;
    }
    outcome
}

/// A key as found when a request claims it.
pub(crate) struct HeldKey<'a> {
    /// SHA-256 of the body it was claimed for, hex.
    pub request_sha256: &'a str,
    /// Its work finished.
    pub done: bool,
    /// The stored answer, once done.
    pub response: Option<String>,
    /// Kept past its retention: as good as unknown.
    pub expired: bool,
    /// Claimed by a request that can no longer be working on it.
    pub abandoned: bool,
}

/// What a request with body hash `request_sha256` gets for a key already
/// held: `None` when it may claim the key (expired or abandoned), the
/// stored answer, or the refusal (422 for another body, 409 while the
/// first request works).
pub(crate) fn judge_claim(
    held: HeldKey<'_>,
    request_sha256: &str,
) -> Result<Option<Claim>, ApiError> {
    if held.expired {
        return Ok(None);
    }
    if held.request_sha256 != request_sha256 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "Khóa Idempotency-Key này đã dùng cho một hồ sơ có nội dung khác; hồ sơ mới cần khóa mới.",
            "This Idempotency-Key was used for a dossier with other content; a new dossier needs a new key.",
        ));
    }
    match held.response {
        Some(answer) if held.done => Ok(Some(Claim::Finished(answer))),
        _ if held.abandoned => Ok(None),
        _ => Err(ApiError::new(
            StatusCode::CONFLICT,
            "submission_in_progress",
            "Cổng đang xử lý lần gửi trước của hồ sơ này; hãy đợi rồi hỏi lại kết quả.",
            "The portal is still processing the earlier sending of this dossier; wait, then ask for the result.",
        )),
    }
}

/// The dossier code a stored answer names.
pub(crate) fn code_of(response: &SubmissionResponse) -> Option<String> {
    response
        .receipt
        .receipt
        .get("dossier_code")
        .and_then(|c| c.as_str())
        .map(str::to_owned)
}

async fn claim(
    state: &AppState,
    who: &Applicant,
    key: &IdempotencyKey,
    request_sha256: Sha256Digest,
    keep_until: chrono::DateTime<chrono::FixedOffset>,
) -> Result<Claim, ApiError> {
    let (applicant, key, hash) = (who.id, key.as_str().to_owned(), request_sha256.to_hex());
    let now = now_vn();
    let stale_before =
        (now - chrono::Duration::from_std(STALE_CLAIM).unwrap_or_default()).to_rfc3339();
    let expires = keep_until.to_rfc3339();
    let now = now.to_rfc3339();
    state
        .db
        .claim_key(KeyClaim {
            applicant,
            key,
            request_sha256: hash,
            now,
            stale_before,
            expires_at: expires,
        })
        .await
}

/// Releases every key left `processing`: called when the portal starts,
/// before it serves, so no request of this process holds one. Their
/// filings never committed (a committed one marks its key done in the same
/// transaction), so a client asking again gets its answer at once rather
/// than "still processing". Returns how many were released.
pub async fn release_abandoned_claims(db: &crate::records::Records) -> Result<usize, ApiError> {
    db.release_abandoned_claims().await
}

async fn release(state: &AppState, who: &Applicant, key: &IdempotencyKey) -> Result<(), ApiError> {
    state.db.release_key(who.id, key.as_str().to_owned()).await
}

pub(crate) fn refused(problems: Vec<hoso_core::Problem>) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "dossier_invalid",
        format!(
            "Hồ sơ chưa đạt yêu cầu ({} lỗi); chưa có gì được nộp. Hãy sửa rồi gửi lại.",
            problems.len()
        ),
        format!(
            "The dossier has {} problem(s); nothing was filed. Fix them and send again.",
            problems.len()
        ),
    );
    e.problems = problems;
    e
}

fn document_problem(path: String, vi: String, en: String) -> hoso_core::Problem {
    hoso_core::Problem {
        path,
        code: hoso_core::ProblemCode::DocumentMissing,
        message: hoso_core::Bilingual::new(vi, en),
    }
}

/// The upload id each of `documents` names through `uploads` (found by
/// its SHA-256), if any.
pub(crate) fn named_uploads(
    documents: &[hoso_core::AttachedDocument],
    uploads: &[hoso_core::wire::UploadRef],
) -> Vec<Option<String>> {
    documents
        .iter()
        .map(|doc| {
            uploads
                .iter()
                .find(|u| u.sha256 == doc.sha256)
                .and_then(|u| {
                    u.upload_url
                        .rsplit_once("/v1/uploads/")
                        .map(|(_, id)| id.to_owned())
                })
        })
        .collect()
}

/// The portal's upload id for each of `documents`, once each is a complete
/// upload of `applicant` whose bytes hash to what is declared; otherwise
/// the refusal naming every document that is not. `named` is what
/// [`named_uploads`] found, `rows` those uploads as stored.
pub(crate) fn judge_uploads(
    applicant: i64,
    documents: &[hoso_core::AttachedDocument],
    named: &[Option<String>],
    rows: Vec<Option<UploadRow>>,
) -> Result<Vec<String>, ApiError> {
    let mut upload_ids = Vec::new();
    let mut problems = Vec::new();
    for ((doc, upload), row) in documents.iter().zip(named).zip(rows) {
        let path = format!("documents.{}", doc.slot);
        let row = row.filter(|r| r.applicant_id == applicant);
        match row {
            None => problems.push(document_problem(
                path,
                format!(
                    "Chưa tải lên tệp {} — hãy gửi lại để ứng dụng tải tệp lên.",
                    doc.name
                ),
                format!(
                    "{} was not uploaded — send again so the app uploads it.",
                    doc.name
                ),
            )),
            Some(r) if r.offset < r.length => problems.push(document_problem(
                path,
                format!(
                    "Tệp {} mới tải lên được {}/{} byte — hãy chờ tải xong.",
                    doc.name, r.offset, r.length
                ),
                format!(
                    "{} is only {}/{} bytes uploaded — let the upload finish.",
                    doc.name, r.offset, r.length
                ),
            )),
            Some(r)
                if r.sha256.as_deref() != Some(doc.sha256.to_hex().as_str())
                    || r.length != doc.size =>
            {
                problems.push(document_problem(
                    path,
                    format!("Tệp {} trên cổng khác với tệp khai báo (sai mã băm) — hãy tải lên lại.", doc.name),
                    format!("{} on the portal differs from the declared file (hash mismatch) — upload it again.", doc.name),
                ));
            }
            Some(_) => upload_ids.push(upload.clone().unwrap_or_default()),
        }
    }
    if !problems.is_empty() {
        return Err(refused(problems));
    }
    Ok(upload_ids)
}

/// Validates, checks uploads and records the dossier in one transaction.
async fn file(
    state: &AppState,
    who: &Applicant,
    key: &IdempotencyKey,
    request: SubmissionRequest,
) -> Result<(StatusCode, SubmissionResponse), ApiError> {
    let received_at = now_vn();
    let entry = state
        .catalog
        .require(&request.dossier.procedure, received_at.date_naive())?;
    let procedure = entry.procedure.clone();
    let problems = hoso_core::validate(&procedure, &request.dossier);
    if !problems.is_empty() {
        return Err(refused(problems));
    }
    let dossier = request.dossier.normalized();
    // What the dossier owes, line by line, by the rule the editor and the
    // CLI show before filing; asked for in the filing's own transaction.
    let fee = hoso_core::fee(&procedure, &dossier).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "fee_uncountable",
            e.to_string(),
            e.to_string(),
        )
    })?;
    let manifest = manifest_sha256(&dossier);
    let tax_code = crate::console::search::tax_code(&dossier, &procedure);
    let filing = Filing {
        applicant: who.id,
        key: key.as_str().to_owned(),
        manifest_sha256: manifest.to_hex(),
        documents: dossier.documents.clone(),
        uploads: request.uploads,
        new_filing: request.new_filing,
        day: received_at.date_naive().to_string(),
    };
    let (state2, account) = (state.clone(), who.account.clone());
    let make: DossierMaker = Box::new(move |seq| {
        let day = received_at.date_naive();
        let code = DossierCode::compose(&state2.config.agency_code, day, seq)
            .map_err(ApiError::internal)?;
        let signing = &state2.key;
        let receipt = Receipt {
            format: RECEIPT_FORMAT,
            portal: state2.config.name.clone(),
            receiving_agency: state2.config.receiving_agency.clone(),
            dossier_code: code.clone(),
            lookup_pin: crate::random::lookup_pin(),
            applicant: ReceiptApplicant {
                name: dossier
                    .field(&procedure.receipt.applicant_name)
                    .unwrap_or_default()
                    .to_owned(),
                address: procedure
                    .receipt
                    .applicant_address
                    .as_deref()
                    .and_then(|p| dossier.field(p))
                    .map(str::to_owned),
                account,
            },
            procedure: ReceiptProcedure {
                code: procedure.code.clone(),
                version: procedure.version.clone(),
                name: procedure.name.clone(),
            },
            documents: dossier
                .documents
                .iter()
                .map(|d| ReceivedDocument {
                    slot: d.slot.clone(),
                    label: procedure
                        .slot(&d.slot)
                        .map(|s| s.label.clone())
                        .unwrap_or_default(),
                    name: d.name.clone(),
                    size: d.size,
                    sha256: d.sha256,
                })
                .collect(),
            sets: 1,
            fee_vnd: procedure.fee_vnd,
            processing_days: procedure.processing_days,
            received_at,
            appointment_date: state2.calendar.due_date(
                received_at.naive_local(),
                procedure.processing_days,
                procedure.cutoff(),
            ),
            delivery: Delivery::Online,
            manifest_sha256: manifest,
            key_id: PortalKey::of(signing).fingerprint(),
        };
        let payment = payment_request(&state2, &code, &fee, &receipt, procedure.cutoff());
        Ok(MadeDossier {
            payment,
            code: code.as_str().to_owned(),
            procedure_code: procedure.code.as_str().to_owned(),
            procedure_version: procedure.version.clone(),
            content: serde_json::to_string(&dossier).map_err(ApiError::internal)?,
            receipt: SignedReceipt::sign(&receipt, signing),
            lookup_pin: receipt.lookup_pin.clone(),
            appointment_date: receipt.appointment_date.to_string(),
            received_at: received_at.to_rfc3339(),
        })
    });
    let (status, response) = state.db.file_dossier(filing, make).await?;
    if !response.existing {
        index_new(state, &response, tax_code).await;
    }
    Ok((status, response))
}

/// Records what the officers' queue finds a new dossier by. A failure is
/// only logged: the dossier is filed, and the portal indexes what it
/// missed at its next start ([`index_missing`]).
async fn index_new(state: &AppState, response: &SubmissionResponse, tax_code: String) {
    let Some(code) = code_of(response) else {
        return;
    };
    let name = response.receipt.receipt["applicant"]["name"]
        .as_str()
        .unwrap_or_default();
    let index = crate::console::search::index(&code, name, tax_code);
    if let Err(e) = state.db.index_dossier(index).await {
        tracing::warn!(dossier = %code, error = %e.message.en, "not yet in the officers' search");
    }
}

/// Indexes for the officers' queue every dossier filed before it was
/// searched (or whose indexing a stop cut off), a batch at a time; how
/// many.
pub async fn index_missing(state: &AppState) -> Result<usize, ApiError> {
    let mut done = 0;
    loop {
        let batch = state.db.unindexed(200).await?;
        if batch.is_empty() {
            return Ok(done);
        }
        for stored in &batch {
            let index = crate::console::search::index_stored(stored, &state.catalog);
            state.db.index_dossier(index).await?;
        }
        done += batch.len();
    }
}

/// The payment request for a dossier just filed with `receipt`, when its
/// `fee` is above nothing and this portal asks for fees (`[fees]`, or a
/// practice portal's practice bank). A request that cannot be built (a
/// dossier code too long for a transfer's purpose) is left out and said in
/// the log: the dossier is filed all the same and its fee paid as before.
fn payment_request(
    state: &AppState,
    code: &DossierCode,
    fee: &hoso_core::Fee,
    receipt: &Receipt,
    cutoff: Option<chrono::NaiveTime>,
) -> Option<NewPayment> {
    let desk = state.fees.as_ref()?;
    if fee.amount_vnd == 0 {
        return None;
    }
    match desk.request(code, fee, &state.calendar, receipt.received_at, cutoff) {
        Ok(request) => Some(NewPayment {
            request,
            payer: Payer {
                name: receipt.applicant.name.clone(),
                tax_code: None,
                address: receipt.applicant.address.clone(),
            },
        }),
        Err(e) => {
            tracing::error!(dossier = %code, error = %e, "no payment request: the fee is paid as before");
            None
        }
    }
}

/// The stored answer for a key, for a client that lost the response.
pub async fn by_key(
    state: &AppState,
    who: &Applicant,
    key: &str,
) -> Result<SubmissionResponse, ApiError> {
    let row = state.db.key_state(who.id, key.to_owned()).await?;
    match row {
        Some(KeyState {
            response: Some(answer),
        }) => serde_json::from_str(&answer).map_err(ApiError::internal),
        Some(_) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "submission_in_progress",
            "Cổng vẫn đang xử lý lần gửi này; hãy hỏi lại sau ít giây.",
            "The portal is still processing this sending; ask again in a few seconds.",
        )),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "submission_unknown",
            "Cổng chưa nhận được hồ sơ nào với khóa này: có thể gửi lại an toàn với cùng khóa.",
            "The portal received no dossier under this key: it is safe to send again with the same key.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoso_core::calendar::Calendar;

    fn at(text: &str) -> chrono::DateTime<chrono::FixedOffset> {
        chrono::DateTime::parse_from_rfc3339(text).expect("time")
    }

    #[test]
    fn keys_outlive_the_processing_period_by_the_grace() {
        let calendar = Calendar::vietnam();
        // Monday 23/11/2026 10:00, one working day: appointment Tuesday
        // 24/11; kept through 22/02/2027 (24/11 + 90 days).
        let kept = key_kept_until(calendar, at("2026-11-23T10:00:00+07:00"), 1, None);
        assert_eq!(kept, at("2027-02-23T00:00:00+07:00"));
        // Fifteen working days from 1/2/2027 cross Tết, end after three
        // weeks, and the key lives longer with them.
        let long = key_kept_until(calendar, at("2027-02-01T09:00:00+07:00"), 15, None);
        let appointment =
            calendar.due_date(at("2027-02-01T09:00:00+07:00").naive_local(), 15, None);
        assert!(long.date_naive() > appointment + chrono::Duration::days(KEY_GRACE_DAYS));
        assert!(appointment > chrono::NaiveDate::from_ymd_opt(2027, 2, 19).expect("date"));
    }
}
