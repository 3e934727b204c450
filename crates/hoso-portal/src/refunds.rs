//! Refunds at the portal: what becomes owed back when a paid dossier is
//! refused or withdrawn, and [`judge`], the rule both record back ends
//! apply, inside the transaction that records a refund, to what they hold.
//! The refund notice itself is hoso-core's (`refund`), signed like every
//! document the portal issues.
//!
//! Decisions:
//! - a dossier refused (an officer's move) or withdrawn (the applicant's)
//!   owes back the whole amount that counted towards its fee, in the same
//!   transaction as the status change; what was paid beyond the fee was
//!   owed back already (`payments::judge`), and money that arrives for
//!   such a dossier later is owed back whole;
//! - in that transaction too, a payment request that still asked for
//!   money (awaiting, partly paid or expired) is cancelled
//!   (`PaymentRequest::cancel`): its code goes, so the app stops asking
//!   for a fee nobody owes, and the cancelled request is a document of the
//!   feed right after the status change. A partly paid one is cancelled
//!   rather than left partly paid: the rest is not due, and what was paid
//!   goes back like any other payment of a closed dossier;
//! - an officer records a refund once the bank transfer that gave the
//!   money back exists, by that transfer's reference: the first request
//!   records it with its notice and the answer given, a request naming the
//!   same reference again gets that answer and changes nothing, and one
//!   naming it for another dossier or amount is refused;
//! - a refund never exceeds what is owed; the notice's reason is the
//!   dossier's refusal or withdrawal when it was refused or withdrawn,
//!   else an overpayment, and it names the fee receipt when there is one;
//! - once everything paid for a refused or withdrawn dossier was given
//!   back, its payment request is `refunded`, and that request is a
//!   document of the change feed like each of its other changes; a
//!   cancelled request towards which nothing counted (only money sent
//!   after the dossier closed was given back) stays cancelled.

use crate::error::ApiError;
use axum::http::StatusCode;
use hoso_core::bilingual::{en_number, vi_number};
use hoso_core::fee_receipt::{CollectingAgency, FeeReceipt};
use hoso_core::payment::{PaymentRequest, PaymentState};
use hoso_core::refund::{RefundNotice, RefundReason};
use hoso_core::signed::Signed;
use hoso_core::status::Status;
use hoso_core::wire::{PaymentStatus, RefundRecorded, RefundRequest};
use hoso_core::{Bilingual, DossierCode};

/// What the records hold of a dossier's payment when a refund is asked
/// for.
#[derive(Debug, Clone)]
pub(crate) struct Owing {
    /// The dossier's state.
    pub status: Status,
    /// Its payment request as last issued.
    pub request: PaymentRequest,
    /// What counted towards its fee.
    pub paid_vnd: u64,
    /// What is owed back now.
    pub refund_due_vnd: u64,
}

/// What a refund does, as [`judge`] decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decided {
    /// The reason its notice gives.
    pub reason: RefundReason,
    /// What is still owed back after it.
    pub refund_due_vnd: u64,
    /// The payment request `refunded`, when this refund gives back the
    /// last of what a refused or withdrawn dossier paid.
    pub refunded: Option<PaymentRequest>,
}

/// Whether a dossier in `status` was closed with its fee owed back.
pub(crate) fn owes_back_paid(status: Status) -> bool {
    matches!(status, Status::Rejected | Status::Withdrawn)
}

/// What refunding `ask.amount_vnd` of dossier `code` does to what the
/// records hold (`owing`): refused when it is nothing or more than is
/// owed.
pub(crate) fn judge(code: &str, owing: &Owing, ask: &RefundRequest) -> Result<Decided, ApiError> {
    if ask.amount_vnd == 0 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "refund_amount_invalid",
            "Số tiền hoàn trả phải lớn hơn 0 (trường \"amount_vnd\").",
            "The amount refunded must be above 0 (field \"amount_vnd\").",
        ));
    }
    if owing.refund_due_vnd == 0 {
        return Err(nothing_owed(code));
    }
    if ask.amount_vnd > owing.refund_due_vnd {
        let due = owing.refund_due_vnd;
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "refund_exceeds_due",
            format!(
                "Cổng chỉ còn nợ người nộp {} đồng của hồ sơ {code}, ít hơn {} đồng ghi hoàn trả; không ghi nhận gì. Hãy kiểm tra lại số tiền đã chuyển trả.",
                vi_number(due),
                vi_number(ask.amount_vnd)
            ),
            format!(
                "The portal owes the applicant only {} VND for dossier {code}, less than the {} VND recorded as refunded; nothing was recorded. Check the amount that was transferred back.",
                en_number(due),
                en_number(ask.amount_vnd)
            ),
        ));
    }
    let reason = match owing.status {
        Status::Rejected => RefundReason::Rejected,
        Status::Withdrawn => RefundReason::Withdrawn,
        _ => RefundReason::Overpaid,
    };
    let refund_due_vnd = owing.refund_due_vnd - ask.amount_vnd;
    let all_back = owes_back_paid(owing.status) && refund_due_vnd == 0 && owing.paid_vnd > 0;
    let refunded = if all_back && owing.request.state != PaymentState::Refunded {
        Some(
            owing
                .request
                .with_state(PaymentState::Refunded)
                .map_err(ApiError::internal)?,
        )
    } else {
        None
    };
    Ok(Decided {
        reason,
        refund_due_vnd,
        refunded,
    })
}

/// The refusal of a refund for dossier `code`, which is owed nothing back.
pub(crate) fn nothing_owed(code: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "nothing_owed",
        format!("Cổng không nợ người nộp khoản nào của hồ sơ {code}; không ghi nhận hoàn trả."),
        format!(
            "The portal owes the applicant nothing for dossier {code}; no refund was recorded."
        ),
    )
}

/// The text a refund's reason is stored as.
pub(crate) fn reason_name(reason: RefundReason) -> &'static str {
    match reason {
        RefundReason::Rejected => "rejected",
        RefundReason::Withdrawn => "withdrawn",
        RefundReason::Overpaid => "overpaid",
    }
}

/// A refund decided and its notice signed: what the records keep.
#[derive(Debug, Clone)]
pub(crate) struct Refunding {
    /// The reason its notice gives.
    pub reason: RefundReason,
    /// The answer: the notice, and the payment after the refund (its
    /// request as it is to be stored).
    pub answer: RefundRecorded,
    /// The request became `refunded`: a document of the feed.
    pub refunded: bool,
}

/// Judges the refund `ask` of dossier `code` against `owing` ([`judge`])
/// and has `make` sign its notice, naming the fee receipt `receipt` (as
/// stored) when there is one; the rule every back end applies inside the
/// transaction that records a refund.
pub(crate) fn refund(
    code: &str,
    owing: Owing,
    ask: &RefundRequest,
    receipt: Option<Signed<FeeReceipt>>,
    make: RefundMaker,
) -> Result<Refunding, ApiError> {
    let decided = judge(code, &owing, ask)?;
    let receipted = receipt.as_ref().map(fee_receipt).transpose()?;
    let notice = make(receipted.as_ref(), ask.amount_vnd, decided.reason)?;
    let refunded = decided.refunded.is_some();
    Ok(Refunding {
        reason: decided.reason,
        answer: RefundRecorded {
            bank_reference: ask.bank_reference.clone(),
            refund_notice: notice,
            payment: PaymentStatus {
                request: decided.refunded.unwrap_or(owing.request),
                paid_vnd: owing.paid_vnd,
                refund_due_vnd: decided.refund_due_vnd,
                fee_receipt: receipt,
            },
        },
        refunded,
    })
}

/// The answer stored for a refund, given again when its reference comes
/// back for the same dossier and amount; refused when it came for another.
pub(crate) fn again(
    code: &str,
    ask: &RefundRequest,
    stored_code: &str,
    stored_amount: u64,
    answer: &str,
) -> Result<RefundRecorded, ApiError> {
    if stored_code != code || stored_amount != ask.amount_vnd {
        let reference = ask.bank_reference.as_str();
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "refund_reference_used",
            format!(
                "Mã giao dịch {reference} đã được ghi cho lần hoàn trả {} đồng của hồ sơ {stored_code}; không ghi nhận gì. Mỗi giao dịch chuyển trả chỉ ghi một lần.",
                vi_number(stored_amount)
            ),
            format!(
                "Transaction {reference} was recorded for the refund of {} VND of dossier {stored_code}; nothing was recorded. Each transfer back is recorded once.",
                en_number(stored_amount)
            ),
        ));
    }
    serde_json::from_str(answer).map_err(ApiError::internal)
}

/// Makes the signed notice of a refund of the given amount and reason,
/// naming the fee receipt when the fee was receipted; runs inside the
/// transaction that records the refund, so it only computes (signs).
pub type RefundMaker = Box<
    dyn FnOnce(Option<&FeeReceipt>, u64, RefundReason) -> Result<Signed<RefundNotice>, ApiError>
        + Send,
>;

/// Who signs refund notices and how they name the portal and the agency.
#[derive(Debug, Clone)]
pub(crate) struct Refunder {
    /// The portal's name.
    pub portal: Bilingual,
    /// The agency that collected the fee and gives it back.
    pub agency: CollectingAgency,
    /// The dossier.
    pub code: DossierCode,
    /// Now.
    pub at: chrono::DateTime<chrono::FixedOffset>,
    /// The receipt key.
    pub key: ed25519_dalek::SigningKey,
}

impl Refunder {
    /// The maker of this refund's notice.
    pub fn maker(self) -> RefundMaker {
        Box::new(move |receipt, amount, reason| {
            let signer = hoso_core::receipt::PortalKey::of(&self.key);
            let notice = match receipt {
                Some(receipt) => {
                    RefundNotice::of_receipt(receipt, amount, reason, self.at, &signer)
                }
                None => RefundNotice::without_receipt(
                    self.portal,
                    self.agency,
                    self.code,
                    amount,
                    reason,
                    self.at,
                    &signer,
                ),
            };
            Ok(Signed::sign(&notice, &self.key))
        })
    }
}

/// The fee receipt a stored signed receipt holds (signed by this portal,
/// so read, not verified again).
fn fee_receipt(stored: &Signed<FeeReceipt>) -> Result<FeeReceipt, ApiError> {
    serde_json::from_value(stored.document.clone()).map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoso_core::{Fee, FeeLine};

    fn request(state: PaymentState) -> PaymentRequest {
        let fee = Fee {
            amount_vnd: 150_000,
            lines: vec![FeeLine {
                label: Bilingual::new("Lệ phí", "Fee"),
                quantity: 1,
                unit_vnd: 150_000,
                amount_vnd: 150_000,
            }],
            exempt: None,
        };
        let payee = serde_json::from_value(
            serde_json::json!({"bin": "970415", "account": "0011001932418"}),
        )
        .expect("payee");
        let deadline =
            chrono::DateTime::parse_from_rfc3339("2026-12-11T23:59:59+07:00").expect("time");
        PaymentRequest::new(
            &"HOSO.PRACTICE-261204-0001".parse().expect("code"),
            &fee,
            &payee,
            "X",
            deadline,
        )
        .and_then(|r| r.with_state(state))
        .expect("request")
    }

    fn ask(amount_vnd: u64, reference: &str) -> RefundRequest {
        RefundRequest {
            amount_vnd,
            bank_reference: reference.parse().expect("reference"),
        }
    }

    fn owing(status: Status, paid_vnd: u64, refund_due_vnd: u64) -> Owing {
        Owing {
            status,
            request: request(PaymentState::Paid { late: false }),
            paid_vnd,
            refund_due_vnd,
        }
    }

    #[test]
    fn giving_back_all_a_withdrawn_dossier_paid_marks_the_request_refunded() {
        let o = owing(Status::Withdrawn, 150_000, 160_000);
        let part = judge("X", &o, &ask(100_000, "HT1")).expect("part");
        assert_eq!(part.reason, RefundReason::Withdrawn);
        assert_eq!(part.refund_due_vnd, 60_000);
        assert!(part.refunded.is_none(), "not all of it yet");
        let all = judge("X", &o, &ask(160_000, "HT2")).expect("all");
        assert_eq!(all.refund_due_vnd, 0);
        let refunded = all.refunded.expect("refunded");
        assert_eq!(refunded.state, PaymentState::Refunded);
        assert_eq!(refunded.vietqr, None);
        let rejected = judge(
            "X",
            &owing(Status::Rejected, 150_000, 150_000),
            &ask(150_000, "HT3"),
        )
        .expect("rejected");
        assert_eq!(rejected.reason, RefundReason::Rejected);
        assert!(rejected.refunded.is_some());
    }

    #[test]
    fn an_overpayment_given_back_leaves_a_dossier_in_progress_paid() {
        let o = owing(Status::Processing, 150_000, 20_000);
        let d = judge("X", &o, &ask(20_000, "HT4")).expect("refund");
        assert_eq!(
            (d.reason, d.refund_due_vnd, d.refunded),
            (RefundReason::Overpaid, 0, None)
        );
    }

    #[test]
    fn nothing_or_more_than_is_owed_is_refused_and_a_reused_reference_too() {
        let o = owing(Status::Rejected, 150_000, 150_000);
        let zero = judge("X", &o, &ask(0, "HT5")).expect_err("zero");
        assert_eq!(
            (zero.status, zero.code),
            (StatusCode::UNPROCESSABLE_ENTITY, "refund_amount_invalid")
        );
        let over = judge("HOSO.X-1", &o, &ask(150_001, "HT6")).expect_err("over");
        assert_eq!(
            (over.status, over.code),
            (StatusCode::CONFLICT, "refund_exceeds_due")
        );
        assert!(
            over.message.en.contains("only 150,000 VND"),
            "{}",
            over.message.en
        );
        assert!(
            over.message.vi.contains("150.000 đồng"),
            "{}",
            over.message.vi
        );

        let none = judge("X", &owing(Status::Processing, 150_000, 0), &ask(1, "HT8"))
            .expect_err("nothing owed");
        assert_eq!(
            (none.status, none.code),
            (StatusCode::CONFLICT, "nothing_owed")
        );

        let other = again("B", &ask(10, "HT7"), "A", 10, "{}").expect_err("another dossier");
        assert_eq!(other.code, "refund_reference_used");
        let other = again("A", &ask(11, "HT7"), "A", 10, "{}").expect_err("another amount");
        assert!(other.message.en.contains("HT7"), "{}", other.message.en);
    }
}
