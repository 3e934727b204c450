//! Fees at the portal: the payment request a filing with a fee gets, and
//! what one bank transfer does to it. The amounts, the VietQR code, the
//! settlement and the fee receipt are hoso-core's (`payment`, `vietqr`,
//! `bank`, `fee_receipt`); this module holds the portal's side: the
//! payee and numbering from the settings ([`FeeDesk`]), the deadline in
//! working days, and [`judge`], the rule both record back ends apply,
//! inside the transaction that records a transfer, to what they hold.
//!
//! Decisions:
//! - the payment request is recorded in the filing's own transaction, so
//!   a dossier with a fee never exists without its request (no second
//!   step to redo after a crash) and its document takes its place in the
//!   change feed right after the `received` event;
//! - a transfer counts once, by the bank's transaction id (the primary key
//!   of `bank_transactions`): the first notification records it with the
//!   answer given, and any resending gets that answer and changes nothing;
//! - a transfer whose purpose names no dossier of this portal, a dossier
//!   that asks no fee, or that went to another account than the request's
//!   is recorded and answered 202 (accepted, for a person): the bank must
//!   not resend it forever, and money the portal cannot match is an
//!   officer's to match or give back, not the bank's to retry;
//! - late is judged by when the bank credited the transfer (its `at`),
//!   not when the notification arrived: that is when the payer paid. A late
//!   transfer is accepted and flagged (see `hoso_core::payment`), even by
//!   a request already expired; past the deadline (the bank's time or the
//!   portal's) a partly paid request offers no code for the rest;
//! - the expiry sweep (`expiry`) applies each request's deadline to it
//!   once it passed: awaiting, it is expired; partly paid, it stays so
//!   (what was paid and what is due stay known) without its code. Each
//!   change is a document of the feed;
//! - what is paid beyond the fee is recorded as owed back
//!   (`refund_due_vnd`), and so is all of a transfer to a dossier refused
//!   or withdrawn, whose request is cancelled (`refunds`): its fee is no
//!   longer due. The refund and its signed notice are recorded by an
//!   officer once the money went back (`refunds`).

use crate::config::{FeeSettings, PortalConfig};
use axum::http::StatusCode;
use chrono::{DateTime, FixedOffset, NaiveTime};
use hoso_core::bank::{BankNotification, BankSecret};
use hoso_core::calendar::Calendar;
use hoso_core::payment::{Balance, PaymentError, PaymentRequest, PaymentState, settle};
use hoso_core::status::Status;
use hoso_core::wire::TransferRecorded;
use hoso_core::{Bilingual, DossierCode, Fee};
use std::path::Path;

/// The file in a practice portal's data folder holding its practice
/// bank's secret: made once, readable by its owner only.
pub const PRACTICE_SECRET_FILE: &str = "practice-bank-secret";

/// How this portal asks for fees: the settings of `[fees]`, or a
/// practice portal's practice bank.
#[derive(Debug, Clone)]
pub struct FeeDesk {
    /// Payee, agency, numbering, deadline and the bank's secret.
    pub settings: FeeSettings,
}

impl FeeDesk {
    /// The desk `config` sets up: its `[fees]`; a practice portal's
    /// practice bank, whose secret is made in the data folder on first
    /// start; none for a named portal without `[fees]`. Blocking (it may
    /// write the secret).
    pub fn open(config: &PortalConfig) -> anyhow::Result<Option<Self>> {
        let settings = match &config.fees {
            Some(settings) => settings.clone(),
            None if config.is_practice() => {
                let secret = practice_secret(&config.data_dir, true)?;
                FeeSettings::practice(secret)
            }
            None => return Ok(None),
        };
        if !settings.practice && config.agency_code.len() > MAX_AGENCY_CODE {
            tracing::warn!(
                agency_code = %config.agency_code,
                "dossier codes this long do not fit a transfer's purpose whole: their fees get no payment request"
            );
        }
        Ok(Some(Self { settings }))
    }

    /// The secret the bank signs its notifications with.
    pub fn secret(&self) -> &BankSecret {
        &self.settings.bank_secret
    }

    /// The request to pay `fee` for dossier `code`, received at
    /// `received_at`, by the deadline [`deadline`] gives.
    pub fn request(
        &self,
        code: &DossierCode,
        fee: &Fee,
        calendar: &Calendar,
        received_at: DateTime<FixedOffset>,
        cutoff: Option<NaiveTime>,
    ) -> Result<PaymentRequest, PaymentError> {
        let due = deadline(calendar, received_at, self.settings.payment_days, cutoff);
        PaymentRequest::new(
            code,
            fee,
            &self.settings.payee,
            &self.settings.payee_name,
            due,
        )
    }
}

/// The longest prefix of dossier codes whose codes (with a four-digit
/// sequence) fit a transfer's purpose whole (25 characters).
const MAX_AGENCY_CODE: usize = hoso_core::vietqr::MAX_PURPOSE - "-YYMMDD-NNNN".len();

/// The practice bank's secret in `data_dir`, made (64 random hex digits,
/// 0600) when `create` and missing; shared by the practice portal and
/// `hoso-portal practice-pay`.
pub fn practice_secret(data_dir: &Path, create: bool) -> anyhow::Result<BankSecret> {
    let path = data_dir.join(PRACTICE_SECRET_FILE);
    let bytes = if create {
        crate::private::read_or_create(&path, || crate::random::token().into_bytes())?
    } else {
        std::fs::read(&path)?
    };
    let text = String::from_utf8_lossy(&bytes);
    BankSecret::new(text.trim()).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// When a payment request for a dossier received at `received_at` closes:
/// the end (23:59:59, Viet Nam time) of the `days`-th working day after
/// the day it counts as received, as the appointment date is counted (a
/// filing after closing time counts from the next working day).
pub fn deadline(
    calendar: &Calendar,
    received_at: DateTime<FixedOffset>,
    days: u32,
    cutoff: Option<NaiveTime>,
) -> DateTime<FixedOffset> {
    let day = calendar.due_date(received_at.naive_local(), days, cutoff);
    let last = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default();
    day.and_time(last)
        .and_local_timezone(hoso_core::calendar::VIETNAM_TIME)
        .single()
        .unwrap_or(received_at)
}

/// What the records hold for the dossier a transfer names.
#[derive(Debug, Clone)]
pub(crate) enum Found {
    /// The purpose names no dossier of this portal's shape.
    NoCode,
    /// It names a dossier the records do not hold.
    NoDossier(DossierCode),
    /// It names a dossier that asks no fee here.
    NoRequest(DossierCode),
    /// It names a dossier with a payment request.
    Request {
        /// The dossier.
        code: DossierCode,
        /// Its state.
        status: Status,
        /// Its request as last issued (boxed: the other variants are
        /// small).
        request: Box<PaymentRequest>,
        /// What counted towards its fee so far.
        paid_vnd: u64,
    },
}

/// What one transfer does, as [`judge`] decides it.
#[derive(Debug, Clone)]
pub(crate) struct Judged {
    /// 200 when it went to a dossier's fee, 202 when kept for a person.
    pub status: StatusCode,
    /// The answer to the bank (its fee receipt's number is added by the
    /// records once drawn).
    pub answer: TransferRecorded,
    /// The dossier it went to.
    pub dossier: Option<DossierCode>,
    /// It counted towards the fee.
    pub applied: bool,
    /// It was credited after the deadline.
    pub late: bool,
    /// What of it is owed back, in đồng.
    pub refund_due_vnd: u64,
    /// The request after it, and what counted towards its fee, when it
    /// changed.
    pub update: Option<(PaymentRequest, u64)>,
    /// It completed the fee: a fee receipt is due.
    pub receipt_due: bool,
}

/// The answer for a transfer kept for a person.
fn kept(n: &BankNotification, vi: String, en: String) -> Judged {
    Judged {
        status: StatusCode::ACCEPTED,
        answer: TransferRecorded {
            transaction_id: n.transaction_id.clone(),
            dossier_code: None,
            settlement: None,
            payment_state: None,
            fee_receipt: None,
            message: Bilingual::new(
                format!(
                    "{vi} Cổng đã ghi nhận giao dịch; cán bộ sẽ đối chiếu hoặc hoàn trả. Ngân hàng không cần gửi lại."
                ),
                format!(
                    "{en} The portal recorded the transfer; an officer will match it or give it back. The bank need not send it again."
                ),
            ),
        },
        dossier: None,
        applied: false,
        late: false,
        refund_due_vnd: 0,
        update: None,
        receipt_due: false,
    }
}

/// What the authentic notification `n`, received at `now`, does to what
/// the records hold (`found`): the rule of every back end, applied once
/// per transaction id inside the transaction that records it.
pub(crate) fn judge(
    n: &BankNotification,
    found: Found,
    now: DateTime<FixedOffset>,
) -> Result<Judged, PaymentError> {
    let (code, status, request, paid_vnd) = match found {
        Found::NoCode => {
            return Ok(kept(
                n,
                format!(
                    "Nội dung chuyển khoản “{}” không có mã hồ sơ của cổng này.",
                    n.purpose
                ),
                format!(
                    "The purpose “{}” holds no dossier code of this portal.",
                    n.purpose
                ),
            ));
        }
        Found::NoDossier(code) => {
            return Ok(kept(
                n,
                format!("Không có hồ sơ {code}."),
                format!("There is no dossier {code}."),
            ));
        }
        Found::NoRequest(code) => {
            return Ok(kept(
                n,
                format!("Hồ sơ {code} không có yêu cầu nộp phí qua cổng."),
                format!("Dossier {code} has no fee to pay through the portal."),
            ));
        }
        Found::Request {
            code,
            status,
            request,
            paid_vnd,
        } => (code, status, *request, paid_vnd),
    };
    if n.account != request.payee.account {
        return Ok(kept(
            n,
            format!(
                "Tiền chuyển vào tài khoản {}, không phải tài khoản thu phí của hồ sơ {code}.",
                n.account
            ),
            format!(
                "The money went to account {}, not the one dossier {code}'s fee is paid to.",
                n.account
            ),
        ));
    }
    // A dossier refused or withdrawn owes no fee: all of it goes back. A
    // cancelled request belongs to such a dossier, and asks for nothing.
    let closed = crate::refunds::owes_back_paid(status) || request.state == PaymentState::Cancelled;
    let settlement = settle(
        request.amount_vnd,
        if closed { request.amount_vnd } else { paid_vnd },
        n.amount_vnd,
        n.at,
        request.deadline,
    );
    let excess = match settlement.balance {
        Balance::Overpaid { excess_vnd } => excess_vnd,
        _ => 0,
    };
    let counted = n.amount_vnd - excess;
    let (update, state) = match request.state {
        // Nothing was due: all of it goes back, the request stays as it is.
        _ if closed => (None, request.state),
        PaymentState::Paid { .. } | PaymentState::Refunded | PaymentState::Cancelled => {
            (None, request.state)
        }
        PaymentState::Awaiting | PaymentState::PartlyPaid { .. } | PaymentState::Expired => {
            let state = settlement.state();
            let mut next = request.with_state(state)?;
            if settlement.late {
                // Late money is taken, not invited: no code for the rest.
                next.vietqr = None;
            }
            // Nor once the deadline passed here, whenever the bank credited
            // it: a notice that comes late offers no code the sweep took.
            if let Some(expired) = next.expire(now) {
                next = expired;
            }
            (Some((next, paid_vnd + counted)), state)
        }
    };
    let receipt_due = matches!(
        (request.state, state),
        (
            PaymentState::Awaiting | PaymentState::PartlyPaid { .. } | PaymentState::Expired,
            PaymentState::Paid { .. }
        )
    );
    let mut message = settlement.label();
    if closed {
        message = Bilingual::new(
            format!(
                "Hồ sơ {code} đã ở trạng thái “{}”, không còn phải nộp phí; số tiền {} đồng sẽ được hoàn trả.",
                status.label().vi,
                hoso_core::bilingual::vi_number(n.amount_vnd)
            ),
            format!(
                "Dossier {code} is “{}” and owes no fee any more; the {} VND will be given back.",
                status.label().en,
                hoso_core::bilingual::en_number(n.amount_vnd)
            ),
        );
    } else if update.is_none() {
        message = Bilingual::new(
            format!(
                "Phí của hồ sơ {code} đã nộp trước đó; số tiền {} đồng sẽ được hoàn trả.",
                hoso_core::bilingual::vi_number(n.amount_vnd)
            ),
            format!(
                "Dossier {code}'s fee was paid before; the {} VND will be given back.",
                hoso_core::bilingual::en_number(n.amount_vnd)
            ),
        );
    }
    Ok(Judged {
        status: StatusCode::OK,
        answer: TransferRecorded {
            transaction_id: n.transaction_id.clone(),
            dossier_code: Some(code.clone()),
            settlement: Some(settlement),
            payment_state: Some(state),
            fee_receipt: None,
            message,
        },
        dossier: Some(code),
        applied: update.is_some(),
        late: settlement.late,
        refund_due_vnd: excess,
        update,
        receipt_due,
    })
}

/// What the expiry sweep does to one payment request whose stored
/// deadline it found past ([`at_deadline`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AtDeadline {
    /// Its deadline has not passed after all: left for a later sweep.
    NotYet,
    /// Its deadline passed: looked at once and for all, with the request
    /// as it is to be stored and issued in the feed when it changed.
    Passed(Option<PaymentRequest>),
}

/// What passing its deadline at `now` makes of `request`, whose dossier
/// is in `status`: the rule both back ends' sweeps apply, inside the
/// transaction that records it. Expired or without its code, as
/// `PaymentRequest::expire` says; a request of a dossier refused or
/// withdrawn that still asks for money (recorded before closing a dossier
/// cancelled it) is cancelled rather than expired.
pub(crate) fn at_deadline(
    request: &PaymentRequest,
    status: Status,
    now: DateTime<FixedOffset>,
) -> AtDeadline {
    if now <= request.deadline {
        return AtDeadline::NotYet;
    }
    AtDeadline::Passed(if crate::refunds::owes_back_paid(status) {
        request.cancel()
    } else {
        request.expire(now)
    })
}

/// The states the sweep looks at past their deadline, as stored (see
/// [`state_name`]); the index `payment_requests_to_sweep` names them too.
pub(crate) const SWEPT_STATES: &str = "('awaiting', 'partly_paid')";

/// When the bank credited `n`, in Viet Nam time (stored so, transfers sort
/// by it as text).
pub(crate) fn credited_at(n: &BankNotification) -> String {
    n.at.with_timezone(&hoso_core::calendar::VIETNAM_TIME)
        .to_rfc3339()
}

/// The text a payment request's state is stored as.
pub(crate) fn state_name(state: PaymentState) -> &'static str {
    match state {
        PaymentState::Awaiting => "awaiting",
        PaymentState::PartlyPaid { .. } => "partly_paid",
        PaymentState::Paid { .. } => "paid",
        PaymentState::Refunded => "refunded",
        PaymentState::Expired => "expired",
        PaymentState::Cancelled => "cancelled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoso_core::FeeLine;
    use hoso_core::payment::Settlement;

    /// A transfer of part of the fee.
    const FEE_PART: u64 = 40_000;

    fn time(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("time")
    }

    fn code() -> DossierCode {
        "HOSO.PRACTICE-261204-0001".parse().expect("code")
    }

    fn request() -> PaymentRequest {
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
        let secret = BankSecret::new([7u8; 32]).expect("secret");
        FeeDesk {
            settings: FeeSettings::practice(secret),
        }
        .request(
            &code(),
            &fee,
            Calendar::vietnam(),
            time("2026-12-04T10:00:00+07:00"),
            None,
        )
        .expect("request")
    }

    fn transfer(id: &str, account: &str, vnd: u64, at: &str) -> BankNotification {
        BankNotification {
            transaction_id: id.parse().expect("id"),
            account: account.parse().expect("account"),
            amount_vnd: vnd,
            purpose: format!("{} nop phi", code()),
            at: time(at),
        }
    }

    /// When the notifications of the tests arrive: before the deadline.
    fn now() -> DateTime<FixedOffset> {
        time("2026-12-08T09:00:00+07:00")
    }

    fn found(request: PaymentRequest, paid_vnd: u64) -> Found {
        Found::Request {
            code: code(),
            status: Status::Processing,
            request: Box::new(request),
            paid_vnd,
        }
    }

    #[test]
    fn the_deadline_ends_the_working_day_counted_like_an_appointment() {
        // Friday 4/12/2026 10:00, five working days: Friday 11/12.
        let due = deadline(
            Calendar::vietnam(),
            time("2026-12-04T10:00:00+07:00"),
            5,
            None,
        );
        assert_eq!(due, time("2026-12-11T23:59:59+07:00"));
        assert_eq!(request().deadline, due);
    }

    #[test]
    fn a_transfer_in_two_parts_pays_the_fee_and_asks_for_a_receipt_once() {
        let r = request();
        let first = judge(
            &transfer("FT1", "0000000000", 100_000, "2026-12-05T09:00:00+07:00"),
            found(r.clone(), 0),
            now(),
        )
        .expect("judged");
        assert_eq!(first.status, StatusCode::OK);
        assert!(first.applied && !first.receipt_due && !first.late);
        let (partly, paid) = first.update.expect("changed");
        assert_eq!(
            partly.state,
            PaymentState::PartlyPaid {
                still_due_vnd: 50_000
            }
        );
        assert_eq!(paid, 100_000);
        assert!(partly.vietqr.is_some(), "a code for the rest");

        let second = judge(
            &transfer("FT2", "0000000000", 60_000, "2026-12-06T09:00:00+07:00"),
            found(partly, paid),
            now(),
        )
        .expect("judged");
        assert!(second.receipt_due);
        assert_eq!(second.refund_due_vnd, 10_000);
        let (paid_request, paid) = second.update.expect("changed");
        assert_eq!(paid_request.state, PaymentState::Paid { late: false });
        assert_eq!(paid, 150_000);
        assert_eq!(
            second.answer.settlement,
            Some(Settlement {
                balance: Balance::Overpaid { excess_vnd: 10_000 },
                late: false
            })
        );

        // A third transfer to the paid fee: all of it owed back, no receipt.
        let third = judge(
            &transfer("FT3", "0000000000", 5_000, "2026-12-07T09:00:00+07:00"),
            found(paid_request, paid),
            now(),
        )
        .expect("judged");
        assert!(!third.applied && !third.receipt_due && third.update.is_none());
        assert_eq!(third.refund_due_vnd, 5_000);
        assert_eq!(third.status, StatusCode::OK);
    }

    #[test]
    fn late_money_is_taken_flagged_and_not_invited_further() {
        let late = judge(
            &transfer("FT9", "0000000000", 50_000, "2026-12-12T08:00:00+07:00"),
            found(request(), 0),
            now(),
        )
        .expect("judged");
        assert!(late.late && late.applied);
        let (r, _) = late.update.expect("changed");
        assert_eq!(
            r.state,
            PaymentState::PartlyPaid {
                still_due_vnd: 100_000
            }
        );
        assert_eq!(r.vietqr, None);
        assert!(
            late.answer
                .message
                .en
                .contains("after the payment deadline")
        );
    }

    #[test]
    fn an_expired_request_still_takes_money_and_no_code_comes_back_after_the_deadline() {
        let r = request();
        let after = r.deadline + chrono::Duration::hours(1);
        // Expired unpaid, then paid in full late: paid, late, receipted.
        let expired = r.expire(after).expect("expired");
        let paid = judge(
            &transfer("FT10", "0000000000", 150_000, "2026-12-12T08:00:00+07:00"),
            found(expired, 0),
            after,
        )
        .expect("judged");
        assert!(paid.applied && paid.late && paid.receipt_due);
        let (p, _) = paid.update.expect("changed");
        assert_eq!(p.state, PaymentState::Paid { late: true });

        // Credited on time, but its notification came after the deadline:
        // not late, and no code for the rest either.
        let on_time = judge(
            &transfer("FT11", "0000000000", 50_000, "2026-12-11T20:00:00+07:00"),
            found(r, 0),
            after,
        )
        .expect("judged");
        assert!(on_time.applied && !on_time.late);
        let (p, _) = on_time.update.expect("changed");
        assert_eq!(
            (p.state, p.vietqr),
            (
                PaymentState::PartlyPaid {
                    still_due_vnd: 100_000
                },
                None
            )
        );
    }

    #[test]
    fn money_for_a_dossier_refused_or_withdrawn_is_all_owed_back() {
        for status in [Status::Rejected, Status::Withdrawn] {
            let partly = request()
                .with_state(PaymentState::PartlyPaid {
                    still_due_vnd: 50_000,
                })
                .expect("partly paid");
            let j = judge(
                &transfer("FT7", "0000000000", 50_000, "2026-12-05T09:00:00+07:00"),
                Found::Request {
                    code: code(),
                    status,
                    request: Box::new(partly),
                    paid_vnd: 100_000,
                },
                now(),
            )
            .expect("judged");
            assert!(
                !j.applied && !j.receipt_due && j.update.is_none(),
                "{status}"
            );
            assert_eq!(j.refund_due_vnd, 50_000);
            assert_eq!(j.status, StatusCode::OK);
            assert_eq!(
                j.answer.settlement.map(|s| s.balance),
                Some(Balance::Overpaid { excess_vnd: 50_000 })
            );
            assert!(
                j.answer.message.en.contains("owes no fee"),
                "{}",
                j.answer.message.en
            );
            assert!(j.answer.message.vi.contains(&status.label().vi));

            // Its request cancelled, nothing paid: all of the transfer too.
            let cancelled = request().cancel().expect("cancelled");
            let j = judge(
                &transfer("FT8", "0000000000", FEE_PART, "2026-12-05T09:00:00+07:00"),
                Found::Request {
                    code: code(),
                    status,
                    request: Box::new(cancelled),
                    paid_vnd: 0,
                },
                now(),
            )
            .expect("judged");
            assert!(!j.applied && !j.receipt_due && j.update.is_none());
            assert_eq!(j.refund_due_vnd, FEE_PART);
            assert_eq!(j.answer.payment_state, Some(PaymentState::Cancelled));
        }
    }

    #[test]
    fn transfers_nobody_can_match_are_kept_for_a_person() {
        let n = transfer("FT5", "0000000000", 1_000, "2026-12-05T09:00:00+07:00");
        for found in [
            Found::NoCode,
            Found::NoDossier(code()),
            Found::NoRequest(code()),
        ] {
            let j = judge(&n, found, now()).expect("judged");
            assert_eq!(j.status, StatusCode::ACCEPTED);
            assert!(j.dossier.is_none() && !j.applied && j.update.is_none());
            assert!(j.answer.message.en.contains("need not send it again"));
        }
        let other = transfer("FT6", "123456", 150_000, "2026-12-05T09:00:00+07:00");
        let j = judge(&other, found(request(), 0), now()).expect("judged");
        assert_eq!(j.status, StatusCode::ACCEPTED);
        assert!(j.answer.message.en.contains("account 123456"));
    }

    #[test]
    fn the_practice_secret_is_made_once_and_kept_private() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(practice_secret(dir.path(), false).is_err(), "none yet");
        let made = practice_secret(dir.path(), true).expect("made");
        assert_eq!(practice_secret(dir.path(), false).expect("read"), made);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(PRACTICE_SECRET_FILE))
                .expect("stat")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
