//! Supplements: the applicant's answer to an officer's request for more,
//! filed exactly once under an `Idempotency-Key` like a dossier, with its
//! own signed receipt. Filing one brings the dossier back to `received`
//! and counts the processing time again from that day.

use crate::error::ApiError;
use crate::filing::{PORTAL_ACTOR, checked_uploads, exactly_once, key_done, key_kept_until};
use crate::routes::Applicant;
use crate::state::{AppState, now_vn};
use axum::http::StatusCode;
use hoso_core::idempotency::IdempotencyKey;
use hoso_core::receipt::{PortalKey, ReceivedDocument, SignedReceipt};
use hoso_core::status::Status;
use hoso_core::supplement::{SUPPLEMENT_FORMAT, SupplementReceipt, content_sha256, slot_for};
use hoso_core::wire::{SubmissionResponse, SupplementRequest};
use hoso_core::{DossierCode, Sha256Digest};
use rusqlite::{OptionalExtension, params};

/// The dossier `code` of `applicant` as supplements need it.
struct Filed {
    procedure: hoso_core::Procedure,
    status: Status,
}

async fn filed(state: &AppState, applicant: i64, code: &str) -> Result<Filed, ApiError> {
    let code2 = code.to_owned();
    let row: Option<(String, String, String)> = state
        .db
        .read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT procedure_code, procedure_version, status FROM dossiers
                     WHERE code = ?1 AND applicant_id = ?2",
                    params![code2, applicant],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?)
        })
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

fn not_awaiting(code: &str, status: Status) -> ApiError {
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
    let (applicant, account, key) = (who.id, who.account.clone(), key.as_str().to_owned());
    let dossier_code: DossierCode = code.parse().map_err(ApiError::internal)?;
    let (portal, agency, signing) = (
        state.config.name.clone(),
        state.config.receiving_agency.clone(),
        state.key.clone(),
    );
    let procedure = dossier.procedure;
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let code = dossier_code.as_str().to_owned();
            // Checked again inside the transaction: an officer may have
            // moved the dossier since.
            let status: String = tx.query_row(
                "SELECT status FROM dossiers WHERE code = ?1",
                params![code],
                |r| r.get(0),
            )?;
            let status = Status::parse(&status).ok_or_else(|| ApiError::internal(status))?;
            if status != Status::SupplementRequested {
                return Err(not_awaiting(&code, status));
            }
            let upload_ids = checked_uploads(&tx, applicant, &supplement.documents, &request.uploads)?;
            let asked: String = tx
                .query_row(
                    "SELECT COALESCE(request, note) FROM status_events
                     WHERE dossier_code = ?1 AND status = 'supplement_requested'
                     ORDER BY cursor DESC LIMIT 1",
                    params![code],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or_default();
            let number: u32 = tx.query_row(
                "SELECT COUNT(*) + 1 FROM supplements WHERE dossier_code = ?1",
                params![code],
                |r| r.get(0),
            )?;
            let receipt = SupplementReceipt {
                supplement_format: SUPPLEMENT_FORMAT,
                portal,
                receiving_agency: agency,
                dossier_code: dossier_code.clone(),
                number,
                request: asked,
                account: account.clone(),
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
            let signed = SignedReceipt::sign(&receipt, &signing);
            tx.execute(
                "INSERT INTO supplements (dossier_code, number, answer, receipt, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    code,
                    number,
                    supplement.answer,
                    serde_json::to_string(&signed).map_err(ApiError::internal)?,
                    received_at.to_rfc3339()
                ],
            )?;
            let supplement_id = tx.last_insert_rowid();
            for (i, (doc, upload_id)) in supplement.documents.iter().zip(&upload_ids).enumerate() {
                tx.execute(
                    "INSERT INTO supplement_documents (supplement_id, position, slot, name, size, sha256, upload_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![supplement_id, i, doc.slot, doc.name, doc.size, doc.sha256.to_hex(), upload_id],
                )?;
            }
            crate::db::mark_filed(&tx, &upload_ids)?;
            tx.execute(
                "UPDATE dossiers SET appointment_date = ?2 WHERE code = ?1",
                params![code, appointment.to_string()],
            )?;
            crate::tracking::record(
                &tx,
                &code,
                Status::Received,
                &received_at.to_rfc3339(),
                PORTAL_ACTOR,
                &format!("Bổ sung lần {number} · Supplement {number}"),
                None,
            )?;
            let response = SubmissionResponse {
                receipt: signed,
                existing: false,
            };
            key_done(&tx, applicant, &key, Some(&code), &response)?;
            tx.commit()?;
            Ok((StatusCode::CREATED, response))
        })
        .await
}

/// Every supplement filed for dossier `code`, oldest first, as their
/// signed receipts say (for officers).
pub async fn of_dossier(state: &AppState, code: &str) -> Result<Vec<SupplementReceipt>, ApiError> {
    let code = code.to_owned();
    let stored: Vec<String> = state
        .db
        .read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT receipt FROM supplements WHERE dossier_code = ?1 ORDER BY number",
            )?;
            let rows = stmt
                .query_map(params![code], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(rows)
        })
        .await?;
    stored
        .iter()
        .map(|json| {
            let signed: SignedReceipt = serde_json::from_str(json).map_err(ApiError::internal)?;
            serde_json::from_value(signed.receipt).map_err(ApiError::internal)
        })
        .collect()
}
