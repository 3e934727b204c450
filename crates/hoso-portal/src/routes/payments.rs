//! Fees: a dossier's payment request for the applicant who filed it, the
//! bank's notification of a transfer, authenticated by the secret the
//! agency shares with its bank (`hoso_core::bank`), never by a token, and
//! the refunds officers record.

use super::{Applicant, Officer, json_body};
use crate::error::ApiError;
use crate::records::{FeeReceiptMaker, PaymentLookup, Transfer};
use crate::state::{AppState, now_vn};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hoso_core::bank::{BankError, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use hoso_core::fee_receipt::{FeeReceipt, Issue, ReceiptNumber};
use hoso_core::receipt::PortalKey;
use hoso_core::signed::Signed;

pub async fn payment(
    State(state): State<AppState>,
    who: Applicant,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    payment_of(&state, code, Some(who.id)).await
}

/// `GET /v1/officer/dossiers/{code}/payment`: the same, for officers, of
/// any dossier.
pub async fn officer_payment(
    State(state): State<AppState>,
    _officer: Officer,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    payment_of(&state, code, None).await
}

/// Dossier `code`'s payment (only if `applicant`'s, when named).
async fn payment_of(
    state: &AppState,
    code: String,
    applicant: Option<i64>,
) -> Result<Response, ApiError> {
    match state.db.payment(code.clone(), applicant).await? {
        PaymentLookup::NoDossier => Err(ApiError::not_found("hồ sơ / dossier")),
        PaymentLookup::NoPayment if state.fees.is_none() => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "payment_not_online",
            format!(
                "Cổng này không thu phí trực tuyến nên hồ sơ {code} không có yêu cầu thanh toán; nếu thủ tục có phí, hãy nộp theo hướng dẫn của cơ quan tiếp nhận."
            ),
            format!(
                "This portal takes no fees online, so dossier {code} has no payment request; if the procedure has a fee, pay it as the receiving agency directs."
            ),
        )),
        PaymentLookup::NoPayment => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_fee",
            format!("Hồ sơ {code} không phải nộp phí qua cổng nên không có yêu cầu thanh toán."),
            format!("Dossier {code} owes no fee through the portal, so it has no payment request."),
        )),
        PaymentLookup::Found(status) => {
            Ok(([(CACHE_CONTROL, "no-store")], Json(*status)).into_response())
        }
    }
}

/// The refusal of a notification whose signature does not hold.
fn bad_signature(e: &BankError) -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "bank_signature_invalid",
        format!("Thông báo không được ngân hàng ký đúng; không có gì được ghi nhận. ({e})"),
        format!(
            "The notification is not correctly signed by the bank; nothing was recorded. ({e})"
        ),
    )
}

/// Why an authentic-looking notification was refused, as the portal's
/// problem: 401 for a signature that does not hold (or is absent), 401
/// with its own code for one signed too long ago (a replay, or a clock
/// off), 400 for an authentic body that is not a notification.
fn refused(e: BankError) -> ApiError {
    match e {
        BankError::Stale { .. } => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bank_notification_stale",
            format!(
                "Thông báo được ký quá xa thời điểm hiện tại (phát lại, hoặc đồng hồ sai); không có gì được ghi nhận. Ngân hàng hãy ký lại với thời gian hiện tại. ({e})"
            ),
            format!(
                "The notification was signed too far from now (a replay, or a clock off); nothing was recorded. The bank should sign it again with the current time. ({e})"
            ),
        ),
        BankError::Body(_) | BankError::TransactionId(_) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "bank_notification_malformed",
            format!("Nội dung thông báo không đúng định dạng; không có gì được ghi nhận. ({e})"),
            format!("The notification body is malformed; nothing was recorded. ({e})"),
        ),
        e => bad_signature(&e),
    }
}

pub async fn bank_notification(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Some(desk) = state.fees.clone() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "payments_off",
            "Cổng này không thu phí trực tuyến nên không nhận thông báo của ngân hàng.",
            "This portal takes no fees online, so it takes no bank notifications.",
        ));
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = now_vn();
    let notification = hoso_core::bank::authenticate(
        desk.secret(),
        header(TIMESTAMP_HEADER),
        header(SIGNATURE_HEADER),
        &body,
        now,
    )
    .map_err(refused)?;
    if notification.amount_vnd == 0 || notification.amount_vnd > hoso_core::vietqr::MAX_AMOUNT {
        return Err(refused(BankError::Body(format!(
            "amount_vnd {} is not an amount of a transfer",
            notification.amount_vnd
        ))));
    }
    let code = hoso_core::bank::dossier_code_in(&notification.purpose, &state.config.agency_code);
    let settings = &desk.settings;
    let transfer = Transfer {
        notification: notification.clone(),
        code,
        body: String::from_utf8_lossy(&body).into_owned(),
        received_at: now.to_rfc3339(),
        now,
        form: settings.receipt_form.clone(),
        serial: settings.receipt_serial.clone(),
    };
    let (signer, issuer) = (state.clone(), desk.clone());
    let make: FeeReceiptMaker = Box::new(move |number, request, payer, transactions| {
        let key = &signer.key;
        let receipt = FeeReceipt::for_payment(
            request,
            Issue {
                portal: signer.config.name.clone(),
                number: ReceiptNumber {
                    form: issuer.settings.receipt_form.clone(),
                    serial: issuer.settings.receipt_serial.clone(),
                    number,
                },
                agency: issuer.settings.agency.clone(),
                payer,
                bank_transactions: transactions,
                paid_at: notification.at,
                issued_at: now,
            },
            &PortalKey::of(key),
        );
        Ok(Signed::sign(&receipt, key))
    });
    // Recorded to its end even if the bank hangs up: its resending then
    // finds the transfer and its answer.
    let db = state.db.clone();
    let recorded = tokio::spawn(async move { db.record_transfer(transfer, make).await })
        .await
        .map_err(ApiError::internal)??;
    Ok((recorded.status, Json(recorded.answer)).into_response())
}

/// `POST /v1/officer/dossiers/{code}/refunds`: an officer records money
/// given back (see [`crate::refunds`]); the signed refund notice and the
/// payment after it.
pub async fn officer_refund(
    State(state): State<AppState>,
    officer: Officer,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    crate::duties::require(
        officer.duties,
        crate::duties::REFUNDS,
        hoso_core::Bilingual::new("ghi nhận hoàn trả phí", "record refunds"),
    )?;
    let ask: hoso_core::wire::RefundRequest = json_body(&body)?;
    let now = now_vn();
    let dossier: hoso_core::DossierCode = code
        .parse()
        .map_err(|_| ApiError::not_found("hồ sơ / dossier"))?;
    // The agency that collected the fee gives it back; a portal that no
    // longer takes fees online names its receiving desk.
    let agency = match &state.fees {
        Some(desk) => desk.settings.agency.clone(),
        None => hoso_core::fee_receipt::CollectingAgency {
            name: state.config.receiving_agency.clone(),
            tax_code: None,
            address: None,
        },
    };
    let make = crate::refunds::Refunder {
        portal: state.config.name.clone(),
        agency,
        code: dossier,
        at: now,
        key: state.key.clone(),
    }
    .maker();
    let order = crate::records::RefundOrder {
        code,
        officer: officer.account,
        ask,
        at: now.to_rfc3339(),
    };
    // Recorded to its end even if the officer's connection drops: asking
    // again with the same reference finds it and its answer.
    let db = state.db.clone();
    let recorded = tokio::spawn(async move { db.record_refund(order, make).await })
        .await
        .map_err(ApiError::internal)??;
    Ok(([(CACHE_CONTROL, "no-store")], Json(recorded)).into_response())
}
