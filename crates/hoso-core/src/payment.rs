//! The payment a filed dossier's fee asks for: what the portal sends the
//! app after filing (amount, fee lines, the agency's account, a deadline,
//! the VietQR code to scan), where that payment stands, and how one bank
//! transfer settles it.
//!
//! The VietQR payload is built here from the other fields (through
//! [`crate::vietqr`]), never typed, so the code a person scans always asks
//! for the amount still due, to the agency's account, with the dossier
//! code whole in the purpose.
//!
//! Late payment: a transfer that arrives after the deadline is accepted
//! and flagged late ([`Settlement::late`], [`PaymentState::Paid`]'s
//! `late`), not sent back. The money is the applicant's fee for this
//! dossier, refusing it would cost a refund and a second transfer, and the
//! officer who sees the flag decides what the lateness means for the
//! dossier (a refusal is refunded like any other, with a refund notice).
//! Once the deadline has passed the request offers no code to scan: late
//! money is taken, not invited ([`PaymentRequest::expire`]). A request with
//! nothing paid by then is [`PaymentState::Expired`]; one partly paid stays
//! [`PaymentState::PartlyPaid`], so that what was paid and what is still
//! due stay known, only without its code. Neither is closed: a transfer
//! that arrives later still counts, and one that makes up the fee leaves
//! it [`PaymentState::Paid`] with `late` set.
//!
//! A dossier refused or withdrawn owes no fee any more: a request that
//! still asked for money is [`PaymentState::Cancelled`]
//! ([`PaymentRequest::cancel`]) and offers no code. Whatever was paid
//! towards it, and any transfer that arrives afterwards, is owed back
//! whole and given back with a refund notice; a request paid in full
//! stays paid until it is [`PaymentState::Refunded`].

use crate::bilingual::{en_number, vi_number};
use crate::calendar::VIETNAM_TIME;
use crate::fees::{Fee, FeeLine};
use crate::vietqr::{Payee, Purpose, VietQr, VietQrError};
use crate::{Bilingual, DossierCode};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// The words after the dossier code in a transfer's purpose, when they fit
/// ("nộp phí", without diacritics as bank apps read best).
pub const PURPOSE_WORDS: &str = "nop phi";

/// What the portal asks an applicant to pay for a filed dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRequest {
    /// The dossier the fee is for; the transfer's purpose carries it.
    pub dossier_code: DossierCode,
    /// The whole fee, in đồng (above 0).
    pub amount_vnd: u64,
    /// The fee line by line, as [`crate::fee`] computed it.
    pub lines: Vec<FeeLine>,
    /// The agency's bank and account.
    pub payee: Payee,
    /// The account holder's name, shown beside the code so that the payer
    /// sees whom the money goes to.
    pub payee_name: String,
    /// Pay by this time (RFC 3339, +07:00).
    pub deadline: DateTime<FixedOffset>,
    /// Where the payment stands.
    pub state: PaymentState,
    /// The VietQR payload to show as a QR code: for the amount still due
    /// while something is due and the deadline has not passed
    /// ([`PaymentState::Awaiting`], [`PaymentState::PartlyPaid`]), absent
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vietqr: Option<String>,
}

/// Where a payment request stands. In JSON `{"kind": "partly_paid",
/// "still_due_vnd": 50000}` and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PaymentState {
    /// Nothing paid yet.
    Awaiting,
    /// Transfers arrived that do not yet make up the fee.
    PartlyPaid {
        /// What is left to pay, in đồng (above 0, below the fee).
        still_due_vnd: u64,
    },
    /// The fee is paid (any excess is refunded with a refund notice).
    Paid {
        /// The transfer that completed it arrived after the deadline.
        #[serde(default)]
        late: bool,
    },
    /// What was paid was given back (the dossier was refused or withdrawn).
    Refunded,
    /// The deadline passed with nothing paid. A transfer that arrives later
    /// is still taken, and flagged late.
    Expired,
    /// The dossier was refused or withdrawn while the fee was not paid in
    /// full: nothing is asked any more, and whatever was paid is owed back.
    Cancelled,
}

impl PaymentState {
    /// What people read.
    pub fn label(self) -> Bilingual {
        match self {
            Self::Awaiting => Bilingual::new("Chờ thanh toán", "Awaiting payment"),
            Self::PartlyPaid { still_due_vnd } => Bilingual::new(
                format!(
                    "Đã thanh toán một phần, còn thiếu {} đồng",
                    vi_number(still_due_vnd)
                ),
                format!("Partly paid, {} VND still due", en_number(still_due_vnd)),
            ),
            Self::Paid { late: false } => Bilingual::new("Đã thanh toán", "Paid"),
            Self::Paid { late: true } => {
                Bilingual::new("Đã thanh toán sau hạn", "Paid after the deadline")
            }
            Self::Refunded => Bilingual::new("Đã hoàn trả", "Refunded"),
            Self::Expired => Bilingual::new("Quá hạn thanh toán", "Payment deadline passed"),
            Self::Cancelled => Bilingual::new(
                "Đã hủy yêu cầu thanh toán (hồ sơ bị từ chối hoặc đã rút)",
                "Payment request cancelled (the dossier was refused or withdrawn)",
            ),
        }
    }
}

/// Why a payment request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The fee is nothing (free or exempt): there is nothing to ask for.
    #[error(
        "hồ sơ không phải nộp phí nên không có yêu cầu thanh toán / the dossier owes no fee, so there is nothing to pay"
    )]
    NothingToPay,
    /// No account holder's name.
    #[error("thiếu tên đơn vị thụ hưởng / the payee's name is missing")]
    PayeeName,
    /// A partly paid state whose amount still due is 0 or not below the
    /// fee.
    #[error(
        "số còn thiếu {still_due_vnd} đồng phải lớn hơn 0 và nhỏ hơn số phí {amount_vnd} đồng / the {still_due_vnd} VND still due must be above 0 and below the {amount_vnd} VND fee"
    )]
    StillDue {
        /// The amount said to be still due.
        still_due_vnd: u64,
        /// The fee.
        amount_vnd: u64,
    },
    /// The amount does not fit a VietQR code, or the dossier code does not
    /// fit its purpose.
    #[error(transparent)]
    VietQr(#[from] VietQrError),
}

impl PaymentRequest {
    /// The request to pay `fee` for dossier `code` to `payee` by
    /// `deadline` (written in Viet Nam time), awaiting payment, with its
    /// VietQR payload for the whole fee and the dossier code first in the
    /// purpose. Refused when the fee is nothing, the payee has no name, or
    /// the amount or the code do not fit a VietQR code.
    pub fn new(
        code: &DossierCode,
        fee: &Fee,
        payee: &Payee,
        payee_name: &str,
        deadline: DateTime<FixedOffset>,
    ) -> Result<Self, PaymentError> {
        if fee.amount_vnd == 0 {
            return Err(PaymentError::NothingToPay);
        }
        let payee_name = crate::length::normalize(payee_name);
        if payee_name.is_empty() {
            return Err(PaymentError::PayeeName);
        }
        Self {
            dossier_code: code.clone(),
            amount_vnd: fee.amount_vnd,
            lines: fee.lines.clone(),
            payee: payee.clone(),
            payee_name,
            deadline: deadline.with_timezone(&VIETNAM_TIME),
            state: PaymentState::Awaiting,
            vietqr: None,
        }
        .with_state(PaymentState::Awaiting)
    }

    /// This request in `state`, with the VietQR payload that state calls
    /// for: the whole fee while awaiting, the amount still due while partly
    /// paid, none otherwise. Refused when a partly paid state's amount is
    /// not between 0 and the fee.
    pub fn with_state(&self, state: PaymentState) -> Result<Self, PaymentError> {
        let asked = match state {
            PaymentState::Awaiting => Some(self.amount_vnd),
            PaymentState::PartlyPaid { still_due_vnd } => {
                if still_due_vnd == 0 || still_due_vnd >= self.amount_vnd {
                    return Err(PaymentError::StillDue {
                        still_due_vnd,
                        amount_vnd: self.amount_vnd,
                    });
                }
                Some(still_due_vnd)
            }
            PaymentState::Paid { .. }
            | PaymentState::Refunded
            | PaymentState::Expired
            | PaymentState::Cancelled => None,
        };
        let vietqr = match asked {
            Some(vnd) => {
                let purpose = Purpose::for_dossier(&self.dossier_code, PURPOSE_WORDS)?;
                Some(self.payee.request(vnd, purpose)?.payload())
            }
            None => None,
        };
        Ok(Self {
            state,
            vietqr,
            ..self.clone()
        })
    }

    /// The transfer's purpose: as the VietQR code carries it while one is
    /// offered, else as a person would type it by the same rule (the
    /// dossier code first, [`Purpose::for_dossier`]), so that the window,
    /// the practice bank and a person paying by hand write the same.
    pub fn purpose(&self) -> String {
        self.vietqr
            .as_deref()
            .and_then(|p| VietQr::parse(p).ok())
            .and_then(|q| q.purpose)
            .or_else(|| Purpose::for_dossier(&self.dossier_code, PURPOSE_WORDS).ok())
            .map_or_else(|| self.dossier_code.to_string(), |p| p.as_str().to_owned())
    }

    /// What is still to be paid, in đồng: the fee while awaiting, the
    /// remainder while partly paid, nothing in any other state.
    pub fn still_due_vnd(&self) -> u64 {
        match self.state {
            PaymentState::Awaiting => self.amount_vnd,
            PaymentState::PartlyPaid { still_due_vnd } => still_due_vnd,
            PaymentState::Paid { .. }
            | PaymentState::Refunded
            | PaymentState::Expired
            | PaymentState::Cancelled => 0,
        }
    }

    /// What passing its deadline makes of this request at `now`: awaiting,
    /// it is [`PaymentState::Expired`]; partly paid, it stays so without
    /// a code for the rest. `None` while the deadline has not passed (the
    /// deadline itself is on time, as in [`settle`]) and when nothing
    /// changes: a request paid, refunded, cancelled, expired already, or
    /// partly paid and already without a code.
    pub fn expire(&self, now: DateTime<FixedOffset>) -> Option<Self> {
        if now <= self.deadline {
            return None;
        }
        match self.state {
            PaymentState::Awaiting => Some(Self {
                state: PaymentState::Expired,
                vietqr: None,
                ..self.clone()
            }),
            PaymentState::PartlyPaid { .. } if self.vietqr.is_some() => Some(Self {
                vietqr: None,
                ..self.clone()
            }),
            _ => None,
        }
    }

    /// What refusing or withdrawing its dossier makes of this request: one
    /// that still asked for money (awaiting, partly paid, expired) is
    /// [`PaymentState::Cancelled`], without a code; `None` for one paid,
    /// refunded or cancelled already, which the refund flow follows.
    pub fn cancel(&self) -> Option<Self> {
        match self.state {
            PaymentState::Awaiting | PaymentState::PartlyPaid { .. } | PaymentState::Expired => {
                Some(Self {
                    state: PaymentState::Cancelled,
                    vietqr: None,
                    ..self.clone()
                })
            }
            PaymentState::Paid { .. } | PaymentState::Refunded | PaymentState::Cancelled => None,
        }
    }
}

/// How one transfer leaves a fee: the balance after it, and whether it
/// came after the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    /// What the transfer makes of the amount due.
    pub balance: Balance,
    /// The transfer arrived after the deadline. It is accepted all the
    /// same and the dossier's officer sees the flag (see the module
    /// documentation).
    pub late: bool,
}

/// What a transfer makes of the amount due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Balance {
    /// It pays exactly what was still due: the fee is paid.
    PaidExactly,
    /// It pays less than was still due.
    Underpaid {
        /// What is left to pay after it, in đồng.
        still_due_vnd: u64,
    },
    /// It pays more than was still due: the fee is paid and the excess
    /// goes back to the payer with a refund notice.
    Overpaid {
        /// What was paid beyond the fee, in đồng, to be refunded.
        excess_vnd: u64,
    },
}

/// How a transfer of `amount_vnd` arriving at `at` settles a fee of
/// `due_vnd` of which `already_paid_vnd` was paid before, with payment due
/// by `deadline`. Pure arithmetic that never overflows: what is still due
/// is `due_vnd − already_paid_vnd` (nothing when that was paid already, so
/// a transfer to a paid fee is all excess), and the transfer pays it
/// exactly, short or over. Late when `at` is after `deadline` (the same
/// instant is on time), whatever the offsets they are written in.
///
/// Banks send a notification again when unsure it arrived: the caller
/// settles each bank transaction id once, and answers a notification whose
/// id it already recorded without calling this again, so a resent
/// notification changes nothing.
pub fn settle(
    due_vnd: u64,
    already_paid_vnd: u64,
    amount_vnd: u64,
    at: DateTime<FixedOffset>,
    deadline: DateTime<FixedOffset>,
) -> Settlement {
    let still_due = due_vnd.saturating_sub(already_paid_vnd);
    let balance = match amount_vnd.cmp(&still_due) {
        std::cmp::Ordering::Equal => Balance::PaidExactly,
        std::cmp::Ordering::Less => Balance::Underpaid {
            still_due_vnd: still_due - amount_vnd,
        },
        std::cmp::Ordering::Greater => Balance::Overpaid {
            excess_vnd: amount_vnd - still_due,
        },
    };
    Settlement {
        balance,
        late: at > deadline,
    }
}

impl Settlement {
    /// The state a payment request enters after this transfer: paid
    /// (flagged late when it is) when the fee is made up, exactly or over,
    /// else partly paid with what remains.
    pub fn state(self) -> PaymentState {
        match self.balance {
            Balance::PaidExactly | Balance::Overpaid { .. } => {
                PaymentState::Paid { late: self.late }
            }
            Balance::Underpaid { still_due_vnd } => PaymentState::PartlyPaid { still_due_vnd },
        }
    }

    /// What the officer and the applicant read about this transfer.
    pub fn label(self) -> Bilingual {
        let mut text = match self.balance {
            Balance::PaidExactly => Bilingual::new("Đã nộp đủ phí", "Fee paid in full"),
            Balance::Underpaid { still_due_vnd } => Bilingual::new(
                format!("Nộp thiếu, còn thiếu {} đồng", vi_number(still_due_vnd)),
                format!("Underpaid, {} VND still due", en_number(still_due_vnd)),
            ),
            Balance::Overpaid { excess_vnd } => Bilingual::new(
                format!("Nộp thừa {} đồng, sẽ được hoàn trả", vi_number(excess_vnd)),
                format!("Overpaid by {} VND, to be refunded", en_number(excess_vnd)),
            ),
        };
        if self.late {
            text.vi.push_str(" (sau hạn thanh toán)");
            text.en.push_str(" (after the payment deadline)");
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vietqr::Amount;

    fn code() -> DossierCode {
        "HOSO.PRACTICE-261204-0001".parse().expect("code")
    }

    fn payee() -> Payee {
        serde_json::from_value(serde_json::json!({"bin": "970415", "account": "0011001932418"}))
            .expect("payee")
    }

    fn fee(amount: u64) -> Fee {
        Fee {
            amount_vnd: amount,
            lines: vec![FeeLine {
                label: Bilingual::new("Lệ phí đăng ký", "Registration fee"),
                quantity: 1,
                unit_vnd: amount,
                amount_vnd: amount,
            }],
            exempt: None,
        }
    }

    fn time(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("time")
    }

    fn request() -> PaymentRequest {
        PaymentRequest::new(
            &code(),
            &fee(150_000),
            &payee(),
            "  Văn phòng thực hành  ",
            time("2026-12-07T10:00:00Z"),
        )
        .expect("request")
    }

    #[test]
    fn a_new_request_carries_a_code_that_asks_for_the_fee_with_the_dossier_code() {
        let r = request();
        assert_eq!(r.state, PaymentState::Awaiting);
        assert_eq!(r.payee_name, "Văn phòng thực hành");
        assert_eq!(r.still_due_vnd(), 150_000);
        let qr = VietQr::parse(r.vietqr.as_deref().expect("code")).expect("valid VietQR");
        assert_eq!(qr.amount.map(Amount::vnd), Some(150_000));
        assert_eq!(qr.bin.as_str(), "970415");
        assert_eq!(qr.account.as_str(), "0011001932418");
        assert_eq!(
            qr.purpose.as_ref().map(|p| p.as_str()),
            Some("HOSO.PRACTICE-261204-0001")
        );
        // A shorter code leaves room for the words.
        let short: DossierCode = "SO.TP-261204-0001".parse().expect("code");
        let r2 = PaymentRequest::new(&short, &fee(1), &payee(), "X", r.deadline).expect("request");
        let qr = VietQr::parse(r2.vietqr.as_deref().expect("code")).expect("valid");
        assert_eq!(
            qr.purpose.as_ref().map(|p| p.as_str()),
            Some("SO.TP-261204-0001 nop phi")
        );
    }

    #[test]
    fn the_purpose_is_the_codes_while_one_is_offered_and_the_same_rule_once_none_is() {
        let short: DossierCode = "SO.TP-261204-0001".parse().expect("code");
        let r = PaymentRequest::new(&short, &fee(1), &payee(), "X", request().deadline)
            .expect("request");
        assert_eq!(r.purpose(), "SO.TP-261204-0001 nop phi");
        let paid = r
            .with_state(PaymentState::Paid { late: false })
            .expect("paid");
        assert_eq!(paid.vietqr, None);
        assert_eq!(paid.purpose(), "SO.TP-261204-0001 nop phi");
        assert_eq!(request().purpose(), "HOSO.PRACTICE-261204-0001");
    }

    #[test]
    fn the_deadline_is_written_in_viet_nam_time_and_the_request_round_trips() {
        let r = request();
        let text = serde_json::to_string(&r).expect("json");
        assert!(
            text.contains("\"deadline\":\"2026-12-07T17:00:00+07:00\""),
            "{text}"
        );
        assert!(text.contains("\"state\":{\"kind\":\"awaiting\"}"), "{text}");
        let back: PaymentRequest = serde_json::from_str(&text).expect("read");
        assert_eq!(back, r);
    }

    #[test]
    fn nothing_to_pay_a_nameless_payee_and_an_oversized_amount_are_refused() {
        let deadline = time("2026-12-07T17:00:00+07:00");
        let exempt = Fee {
            amount_vnd: 0,
            exempt: Some(Bilingual::new("Miễn", "Waived")),
            ..fee(150_000)
        };
        assert_eq!(
            PaymentRequest::new(&code(), &exempt, &payee(), "X", deadline),
            Err(PaymentError::NothingToPay)
        );
        assert_eq!(
            PaymentRequest::new(&code(), &fee(1), &payee(), " \u{200b}", deadline),
            Err(PaymentError::PayeeName)
        );
        assert_eq!(
            PaymentRequest::new(&code(), &fee(10_000_000_000_000), &payee(), "X", deadline),
            Err(PaymentError::VietQr(VietQrError::AmountTooLarge(
                10_000_000_000_000
            )))
        );
    }

    #[test]
    fn each_state_offers_the_code_it_calls_for() {
        let r = request();
        let partly = r
            .with_state(PaymentState::PartlyPaid {
                still_due_vnd: 50_000,
            })
            .expect("partly paid");
        assert_eq!(partly.still_due_vnd(), 50_000);
        let qr = VietQr::parse(partly.vietqr.as_deref().expect("code")).expect("valid");
        assert_eq!(qr.amount.map(Amount::vnd), Some(50_000));
        for state in [
            PaymentState::Paid { late: false },
            PaymentState::Paid { late: true },
            PaymentState::Refunded,
            PaymentState::Expired,
            PaymentState::Cancelled,
        ] {
            let r = r.with_state(state).expect("state");
            assert_eq!(r.vietqr, None, "{state:?}");
            assert_eq!(r.still_due_vnd(), 0, "{state:?}");
        }
        for still_due_vnd in [0, 150_000, 150_001] {
            assert_eq!(
                r.with_state(PaymentState::PartlyPaid { still_due_vnd }),
                Err(PaymentError::StillDue {
                    still_due_vnd,
                    amount_vnd: 150_000
                })
            );
        }
        let back = partly.with_state(PaymentState::Awaiting).expect("awaiting");
        assert_eq!(back, r);
    }

    #[test]
    fn past_its_deadline_a_request_offers_no_code_and_keeps_what_was_paid() {
        let r = request();
        let deadline = r.deadline;
        let after = deadline + chrono::Duration::seconds(1);
        assert_eq!(r.expire(deadline), None, "the deadline itself is on time");
        let expired = r.expire(after).expect("expired");
        assert_eq!(expired.state, PaymentState::Expired);
        assert_eq!(
            (expired.vietqr.as_deref(), expired.still_due_vnd()),
            (None, 0)
        );
        assert_eq!(PaymentState::Expired.label().en, "Payment deadline passed");

        // Partly paid: still partly paid, with what is due, but no code.
        let partly = r
            .with_state(PaymentState::PartlyPaid {
                still_due_vnd: 50_000,
            })
            .expect("partly paid");
        let late = partly.expire(after).expect("no code any more");
        assert_eq!(
            late.state,
            PaymentState::PartlyPaid {
                still_due_vnd: 50_000
            }
        );
        assert_eq!(
            (late.vietqr.as_deref(), late.still_due_vnd()),
            (None, 50_000)
        );
        assert_eq!(late.expire(after), None, "nothing changes a second time");

        // Late money still counts: the expired request is paid, late.
        let s = settle(r.amount_vnd, 0, r.amount_vnd, after, deadline);
        assert_eq!(s.state(), PaymentState::Paid { late: true });
        for state in [
            PaymentState::Expired,
            PaymentState::Paid { late: false },
            PaymentState::Refunded,
            PaymentState::Cancelled,
        ] {
            let r = r.with_state(state).expect("state");
            assert_eq!(r.expire(after), None, "{state:?}");
        }
    }

    #[test]
    fn a_closed_dossier_cancels_what_still_asked_for_money_and_no_code_is_offered() {
        let r = request();
        let partly = r
            .with_state(PaymentState::PartlyPaid {
                still_due_vnd: 50_000,
            })
            .expect("partly paid");
        let expired = r.with_state(PaymentState::Expired).expect("expired");
        for open in [&r, &partly, &expired] {
            let cancelled = open.cancel().expect("cancelled");
            assert_eq!(cancelled.state, PaymentState::Cancelled, "{:?}", open.state);
            assert_eq!(
                (cancelled.vietqr.as_deref(), cancelled.still_due_vnd()),
                (None, 0)
            );
            assert_eq!(
                (cancelled.amount_vnd, &cancelled.lines, cancelled.deadline),
                (open.amount_vnd, &open.lines, open.deadline),
                "the rest of the request is kept"
            );
        }
        for settled in [
            PaymentState::Paid { late: false },
            PaymentState::Paid { late: true },
            PaymentState::Refunded,
            PaymentState::Cancelled,
        ] {
            assert_eq!(
                r.with_state(settled).expect("state").cancel(),
                None,
                "{settled:?}"
            );
        }
        let cancelled = r.cancel().expect("cancelled");
        let text = serde_json::to_string(&cancelled).expect("json");
        assert!(text.contains(r#""state":{"kind":"cancelled"}"#), "{text}");
        assert!(!text.contains("vietqr"), "{text}");
        assert_eq!(
            serde_json::from_str::<PaymentRequest>(&text).expect("read"),
            cancelled
        );
        let label = PaymentState::Cancelled.label();
        assert!(
            label.vi.starts_with("Đã hủy yêu cầu thanh toán"),
            "{}",
            label.vi
        );
        assert!(label.en.contains("refused or withdrawn"), "{}", label.en);
    }

    #[test]
    fn settle_names_each_outcome() {
        let deadline = time("2026-12-07T17:00:00+07:00");
        let before = time("2026-12-07T09:59:59Z");
        let after = time("2026-12-07T10:00:01Z");
        let on_time = |balance| Settlement {
            balance,
            late: false,
        };
        assert_eq!(
            settle(150_000, 0, 150_000, before, deadline),
            on_time(Balance::PaidExactly)
        );
        assert_eq!(
            settle(150_000, 0, 100_000, before, deadline),
            on_time(Balance::Underpaid {
                still_due_vnd: 50_000
            })
        );
        assert_eq!(
            settle(150_000, 0, 200_000, before, deadline),
            on_time(Balance::Overpaid { excess_vnd: 50_000 })
        );
        // A second transfer makes up the rest, or pays beyond it.
        assert_eq!(
            settle(150_000, 100_000, 50_000, before, deadline),
            on_time(Balance::PaidExactly)
        );
        assert_eq!(
            settle(150_000, 100_000, 60_000, before, deadline),
            on_time(Balance::Overpaid { excess_vnd: 10_000 })
        );
        // A transfer to a fee already paid is all excess.
        assert_eq!(
            settle(150_000, 150_000, 150_000, before, deadline),
            on_time(Balance::Overpaid {
                excess_vnd: 150_000
            })
        );
        assert_eq!(
            settle(u64::MAX, 0, u64::MAX, before, deadline),
            on_time(Balance::PaidExactly)
        );
        // After the deadline: accepted, flagged late.
        assert_eq!(
            settle(150_000, 0, 150_000, after, deadline),
            Settlement {
                balance: Balance::PaidExactly,
                late: true
            }
        );
        assert!(
            !settle(1, 0, 1, deadline, deadline).late,
            "the deadline itself is on time"
        );
    }

    #[test]
    fn a_settlement_moves_the_request_and_says_what_happened() {
        let late_over = Settlement {
            balance: Balance::Overpaid { excess_vnd: 5_000 },
            late: true,
        };
        assert_eq!(late_over.state(), PaymentState::Paid { late: true });
        assert_eq!(
            late_over.label().vi,
            "Nộp thừa 5.000 đồng, sẽ được hoàn trả (sau hạn thanh toán)"
        );
        let under = Settlement {
            balance: Balance::Underpaid {
                still_due_vnd: 1_500,
            },
            late: false,
        };
        assert_eq!(
            under.state(),
            PaymentState::PartlyPaid {
                still_due_vnd: 1_500
            }
        );
        assert_eq!(under.label().en, "Underpaid, 1,500 VND still due");
        let r = request().with_state(under.state()).expect("partly paid");
        assert_eq!(r.still_due_vnd(), 1_500);
        assert_eq!(
            PaymentState::Paid { late: true }.label().en,
            "Paid after the deadline"
        );
    }
}
