//! A filed dossier's fee as the window shows it: the payment request
//! hoso-client kept (asked of the portal when none was yet), with its
//! VietQR code drawn by `hoso_client::qr`, the fee receipt and the refund
//! notice as kept and verified; and the practice bank, which pays at the
//! practice portal exactly as a bank would (`hoso-portal practice-pay`'s
//! code).

use crate::state::AppState;
use hoso_client::ClientError;
use hoso_client::fees::{DossierFee, FeeUnavailable};
use hoso_core::payment::PaymentRequest;
use hoso_core::{Bilingual, DossierState};
use hoso_ipc::{ErrorCode, FeeReceiptView, FeeView, IpcError, PaymentView, RefundView};
use hoso_portal::PortalConfig;
use hoso_portal::practice_bank::PracticePayError;

/// Dossier `id`'s fee as its page shows it.
pub async fn view(state: &AppState, id: i64) -> Result<FeeView, IpcError> {
    let client = &state.client;
    let record = client.dossier(id).await?;
    let portal = client.portal_of(id).await?;
    let mut view = FeeView {
        payment: None,
        unavailable: None,
        receipt: None,
        refund: None,
        practice: portal.practice,
    };
    let code = match (&record.summary.state, &record.summary.dossier_code) {
        (DossierState::Submitted, Some(code)) => code.clone(),
        _ => {
            view.unavailable = Some(FeeUnavailable::NotFiled.message());
            return Ok(view);
        }
    };
    // What the feed brought answers; a request that has not come with it
    // yet (filed a moment ago) is asked of the portal.
    let fee = match client.dossier_fee(&portal, id, false).await {
        Err(ClientError::NotFound(_)) => client.dossier_fee(&portal, id, true).await,
        kept => kept,
    };
    match fee {
        Ok(DossierFee::Requested { request, paid_vnd }) => {
            view.payment = Some(payment_view(request, paid_vnd)?);
        }
        // A filed dossier's fee is the portal's request, never computed.
        Ok(DossierFee::Computed(_)) => {}
        Err(ClientError::FeeUnavailable(why)) => view.unavailable = Some(why.message()),
        Err(ClientError::Network(_) | ClientError::Busy(_)) => {
            view.unavailable = Some(Bilingual::new(
                "Chưa nhận được yêu cầu thanh toán: chưa liên lạc được với cổng. Ứng dụng sẽ hỏi lại khi cập nhật trạng thái.",
                "No payment request received yet: the portal could not be reached. The app asks again when it updates the status.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    view.receipt = client
        .fee_receipt(&portal, &code)
        .await?
        .map(|kept| FeeReceiptView {
            receipt: kept.receipt,
            sha256: kept.sha256,
        });
    view.refund = hoso_client::refunds::kept(client, &portal, &code)
        .await?
        .map(|kept| RefundView {
            notice: kept.notice,
            sha256: kept.sha256,
        });
    Ok(view)
}

/// `request` with the transfer's purpose and its VietQR code drawn.
fn payment_view(request: PaymentRequest, paid_vnd: Option<u64>) -> Result<PaymentView, IpcError> {
    let picture = request
        .vietqr
        .as_deref()
        .map(hoso_client::qr::png)
        .transpose()?;
    Ok(PaymentView {
        paid_vnd,
        purpose: request.purpose(),
        qr_side_px: picture.as_ref().map_or(0, |p| p.side_px),
        qr_png: picture.map(|p| p.data_url()),
        request,
    })
}

/// The practice bank transfers what dossier `id` still owes at the
/// practice portal, as a bank would tell the portal; then the portal's
/// feed is read, so that the fee receipt it issues is kept here.
pub async fn pay_practice(state: &AppState, id: i64) -> Result<(), IpcError> {
    let client = &state.client;
    let record = client.dossier(id).await?;
    let portal = client.portal_of(id).await?;
    if !portal.practice {
        return Err(IpcError::new(
            ErrorCode::Conflict,
            Bilingual::new(
                "Chỉ hồ sơ nộp ở cổng thực hành mới thanh toán thử được; hãy nộp phí qua ngân hàng của bạn.",
                "Only a dossier filed at the practice portal can be paid for practice; pay the fee through your bank.",
            ),
        ));
    }
    let code = match (&record.summary.state, &record.summary.dossier_code) {
        (DossierState::Submitted, Some(code)) => code.clone(),
        _ => return Err(ClientError::FeeUnavailable(FeeUnavailable::NotFiled).into()),
    };
    let config = PortalConfig::practice(&state.practice_dir);
    let paid = hoso_portal::practice_bank::pay(&config, &code, None)
        .await
        .map_err(refused)?;
    if let Err(problem) = paid.answer {
        return Err(IpcError::new(ErrorCode::Portal, problem.message));
    }
    tracing::info!(code, transaction = %paid.sent.transaction_id, "practice bank paid");
    // The receipt comes through the feed, as after a real bank's transfer;
    // should the feed fail, the dossier's payment is asked for directly.
    if let Err(e) = client.sync_status(&portal).await {
        tracing::info!(%e, "feed not read after the practice payment; asking for the payment");
        client.fetch_payment(&portal, &code).await?;
    }
    Ok(())
}

/// Why the practice bank did not pay, for people.
fn refused(e: PracticePayError) -> IpcError {
    match e {
        PracticePayError::NothingDue(_) => IpcError::new(
            ErrorCode::Conflict,
            Bilingual::new(
                "Hồ sơ này không còn gì phải nộp.",
                "Nothing is left to pay for this dossier.",
            ),
        ),
        other => IpcError::new(
            ErrorCode::Internal,
            Bilingual::new(
                format!("Ngân hàng thực hành không chuyển được tiền: {other}"),
                format!("The practice bank could not pay: {other}"),
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoso_core::payment::PaymentState;
    use hoso_core::vietqr::{Payee, Service};
    use hoso_core::{DossierCode, Fee, FeeLine};

    fn request() -> PaymentRequest {
        let code: DossierCode = "HOSO.PRACTICE-261123-0001".parse().expect("code");
        let fee = Fee {
            amount_vnd: 100_000,
            lines: vec![FeeLine {
                label: Bilingual::new("Lệ phí đăng ký", "Registration fee"),
                quantity: 1,
                unit_vnd: 100_000,
                amount_vnd: 100_000,
            }],
            exempt: None,
        };
        let payee = Payee {
            bin: "970415".parse().expect("BIN"),
            account: "113366668888".parse().expect("account"),
            service: Service::Account,
        };
        let deadline = "2026-11-28T17:00:00+07:00".parse().expect("deadline");
        PaymentRequest::new(&code, &fee, &payee, "KHO BAC NHA NUOC", deadline).expect("request")
    }

    #[test]
    fn a_request_awaiting_payment_comes_with_its_code_to_scan_and_the_dossier_as_purpose() {
        let view = payment_view(request(), Some(0)).expect("view");
        assert_eq!(view.purpose, "HOSO.PRACTICE-261123-0001");
        let png = view.qr_png.expect("a code to scan");
        assert!(png.starts_with("data:image/png;base64,"), "{png}");
        assert!(view.qr_side_px >= 240, "{} px", view.qr_side_px);
    }

    #[test]
    fn a_paid_request_has_no_code_to_scan_but_still_names_its_purpose() {
        let paid = request()
            .with_state(PaymentState::Paid { late: false })
            .expect("paid");
        let view = payment_view(paid, Some(100_000)).expect("view");
        assert_eq!(view.qr_png, None);
        assert_eq!(view.qr_side_px, 0);
        assert_eq!(view.purpose, "HOSO.PRACTICE-261123-0001");
    }
}
