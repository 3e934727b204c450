//! Supplements: the applicant's answer to an officer's request for more,
//! filed exactly once under an `Idempotency-Key` like a dossier, with its
//! own signed receipt. Filing one brings the dossier back to `received`
//! and counts the processing time again from that day.

use crate::error::ApiError;
use crate::filing::{exactly_once, key_kept_until};
use crate::records::{SupplementFiling, SupplementMaker};
use crate::routes::Applicant;
use crate::state::{AppState, now_vn};
use axum::http::StatusCode;
use hoso_core::idempotency::IdempotencyKey;
use hoso_core::receipt::{PortalKey, ReceivedDocument, SignedReceipt};
use hoso_core::status::Status;
use hoso_core::supplement::{SUPPLEMENT_FORMAT, SupplementReceipt, content_sha256, slot_for};
use hoso_core::wire::{SubmissionResponse, SupplementRequest};
use hoso_core::{DossierCode, Sha256Digest};

/// The dossier `code` of `applicant` as supplements need it.
struct Filed {
    procedure: hoso_core::Procedure,
    status: Status,
}

async fn filed(state: &AppState, applicant: i64, code: &str) -> Result<Filed, ApiError> {
    let row = state
        .db
        .dossier_procedure(applicant, code.to_owned())
        .await?;
    let (procedure, version, status) = row.ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
    let procedure_code = procedure.parse().map_err(ApiError::internal)?;
    let entry = state
        .catalog
        .version(&procedure_code, &version)
        .or_else(|| state.catalog.get(&procedure_code))
        .ok_or_else(|| ApiError::internal(format!("procedure {procedure} {version} not served")))?;
    Ok(Filed {
        procedure: entry.procedure.clone(),
        status: Status::parse(&status).ok_or_else(|| ApiError::internal(status))?,
    })
}

/// The note of the status change a supplement makes.
pub(crate) fn event_note(number: u32) -> String {
    format!("Bổ sung lần {number} · Supplement {number}")
}

/// The refusal of a supplement to a dossier in `status`.
pub(crate) fn not_awaiting(code: &str, status: Status) -> ApiError {
    let label = status.label();
    ApiError::new(
        StatusCode::CONFLICT,
        "no_supplement_requested",
        format!(
            "Hồ sơ {code} đang ở trạng thái “{}”, không chờ bổ sung; cổng không nhận bổ sung lúc này.",
            label.vi
        ),
        format!(
            "Dossier {code} is “{}”, not awaiting a supplement; the portal takes none now.",
            label.en
        ),
    )
}

/// Files `request` as a supplement to dossier `code` under `key`.
pub async fn submit(
    state: &AppState,
    who: &Applicant,
    code: &str,
    key: IdempotencyKey,
    request: SupplementRequest,
    request_sha256: Sha256Digest,
) -> Result<(StatusCode, SubmissionResponse), ApiError> {
    let dossier = filed(state, who.id, code).await?;
    let now = now_vn();
    let keep_until = key_kept_until(
        &state.calendar,
        now,
        dossier.procedure.processing_days,
        dossier.procedure.cutoff(),
    );
    exactly_once(state, who, &key, request_sha256, keep_until, || {
        file(state, who, code, &key, dossier, request)
    })
    .await
}

async fn file(
    state: &AppState,
    who: &Applicant,
    code: &str,
    key: &IdempotencyKey,
    dossier: Filed,
    request: SupplementRequest,
) -> Result<(StatusCode, SubmissionResponse), ApiError> {
    if dossier.status != Status::SupplementRequested {
        return Err(not_awaiting(code, dossier.status));
    }
    let problems = request.supplement.check(&dossier.procedure);
    if !problems.is_empty() {
        return Err(crate::filing::refused(problems));
    }
    let supplement = request.supplement.normalized();
    let received_at = now_vn();
    let appointment = state.calendar.due_date(
        received_at.naive_local(),
        dossier.procedure.processing_days,
        dossier.procedure.cutoff(),
    );
    let dossier_code: DossierCode = code.parse().map_err(ApiError::internal)?;
    let filing = SupplementFiling {
        applicant: who.id,
        key: key.as_str().to_owned(),
        code: dossier_code.as_str().to_owned(),
        documents: supplement.documents.clone(),
        uploads: request.uploads,
        answer: supplement.answer.clone(),
        received_at: received_at.to_rfc3339(),
        appointment_date: appointment.to_string(),
    };
    let (portal, agency, signing, account) = (
        state.config.name.clone(),
        state.config.receiving_agency.clone(),
        state.key.clone(),
        who.account.clone(),
    );
    let procedure = dossier.procedure;
    let make: SupplementMaker = Box::new(move |number, asked| {
        let receipt = SupplementReceipt {
            supplement_format: SUPPLEMENT_FORMAT,
            portal,
            receiving_agency: agency,
            dossier_code,
            number,
            request: asked,
            account,
            answer: supplement.answer.clone(),
            documents: supplement
                .documents
                .iter()
                .map(|d| ReceivedDocument {
                    slot: d.slot.clone(),
                    label: slot_for(&procedure, &d.slot)
                        .map(|s| s.label)
                        .unwrap_or_default(),
                    name: d.name.clone(),
                    size: d.size,
                    sha256: d.sha256,
                })
                .collect(),
            received_at,
            appointment_date: appointment,
            content_sha256: content_sha256(&supplement),
            key_id: PortalKey::of(&signing).fingerprint(),
        };
        Ok(SignedReceipt::sign(&receipt, &signing))
    });
    let response = state.db.file_supplement(filing, make).await?;
    Ok((StatusCode::CREATED, response))
}

/// Every supplement filed for dossier `code`, oldest first, as their
/// signed receipts say (for officers).
pub async fn of_dossier(state: &AppState, code: &str) -> Result<Vec<SupplementReceipt>, ApiError> {
    let stored = state.db.supplement_receipts(code.to_owned()).await?;
    stored
        .iter()
        .map(|json| {
            let signed: SignedReceipt = serde_json::from_str(json).map_err(ApiError::internal)?;
            serde_json::from_value(signed.receipt).map_err(ApiError::internal)
        })
        .collect()
}
