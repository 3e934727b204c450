//! Fees on a filed dossier's page: the portal's payment request with its
//! VietQR code to scan (drawn by the shell), the amount in figures and in
//! words, payee, purpose, deadline and where the payment stands; at the
//! practice portal, the practice bank's button; then the fee receipt and
//! any refund notice (`fee_receipt.rs`). The pieces the editor's fee shares
//! are here too.

use crate::fee_receipt::{FeeReceiptCard, RefundNoticeCard};
use crate::ipc;
use crate::lang::{money, msg, t};
use crate::receipt::row;
use hoso_core::FeeLine;
use hoso_core::payment::PaymentState;
use hoso_ipc::{FeeView, IdArgs, IpcError, PaymentView, command};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// How a deadline or a payment's time is written.
pub const WHEN: &str = "%H:%M, %d/%m/%Y";

/// A fee's lines: what is charged, how many at what unit amount, and the
/// line's amount.
#[component]
pub fn FeeLines(lines: Vec<FeeLine>) -> impl IntoView {
    let rows = lines
        .into_iter()
        .map(|line| {
            let count = (line.quantity != 1).then(|| {
                view! { <span class="count">{line.quantity} " × " {money(line.unit_vnd)}</span> }
            });
            view! {
                <tr>
                    <td class="what">{msg(&line.label)}</td>
                    <td class="count">{count}</td>
                    <td class="amount">{money(line.amount_vnd)}</td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! { <table class="fee-lines"><tbody>{rows}</tbody></table> }
}

/// Whether `lines` say more than their total: several charges, or one
/// counted several times. A single line of the whole amount is left out.
pub fn itemised(lines: &[FeeLine]) -> bool {
    lines.len() > 1 || lines.iter().any(|l| l.quantity != 1)
}

/// An amount in figures, and below it in the words receipts print
/// (Vietnamese, as the fee receipt is signed).
#[component]
pub fn Amount(vnd: u64, #[prop(optional)] id: Option<&'static str>) -> impl IntoView {
    view! {
        <strong class="figures" id=id>{money(vnd)}</strong>
        <span class="words">
            {t(|x| x.fee_in_words)} ": " <span lang="vi">{hoso_core::amount_words::in_words(vnd)}</span>
        </span>
    }
}

/// The class naming a payment's state, for its colour.
fn state_class(state: PaymentState) -> &'static str {
    match state {
        PaymentState::Awaiting => "awaiting",
        PaymentState::PartlyPaid { .. } => "partly-paid",
        PaymentState::Paid { late: false } => "paid",
        PaymentState::Paid { late: true } => "paid late",
        PaymentState::Refunded => "refunded",
        PaymentState::Expired => "expired",
        PaymentState::Cancelled => "cancelled",
    }
}

/// Dossier `id`'s fee on its page, read again whenever `reload` moves or
/// the shell reports changes.
#[component]
pub fn FeeSection(id: i64, reload: RwSignal<u32>) -> impl IntoView {
    let status_changes = expect_context::<ipc::StatusChanges>().0;
    let fetched = LocalResource::new(move || {
        reload.track();
        status_changes.track();
        async move { ipc::call::<_, FeeView>(command::DOSSIER_FEE, &IdArgs { id }).await }
    });
    // What is shown: the last answer, or the fee as the practice bank's
    // payment left it.
    let shown = RwSignal::new(None::<Result<FeeView, IpcError>>);
    Effect::new(move |_| {
        if let Some(answer) = fetched.get() {
            shown.set(Some(answer));
        }
    });
    let paying = RwSignal::new(false);
    let failure = RwSignal::new(None::<IpcError>);
    let pay = Callback::new(move |()| {
        if paying.get_untracked() {
            return;
        }
        paying.set(true);
        failure.set(None);
        spawn_local(async move {
            match ipc::call::<_, FeeView>(command::PAY_PRACTICE, &IdArgs { id }).await {
                Ok(view) => {
                    let paid = view.receipt.is_some();
                    shown.set(Some(Ok(view)));
                    if paid {
                        crate::editor::bring_into_view("fee-receipt");
                    }
                }
                Err(e) => failure.set(Some(e)),
            }
            paying.set(false);
        });
    });
    move || {
        let fee = match shown.get()? {
            Ok(fee) => fee,
            Err(e) => {
                return Some(
                    view! {
                        <section class="card payment" id="payment">
                            <h3>{t(|x| x.payment_title)}</h3>
                            <p class="problems">{msg(&e.message)}</p>
                        </section>
                    }
                    .into_any(),
                );
            }
        };
        let payment = match (fee.payment, fee.unavailable) {
            (Some(p), _) => Some(
                view! { <PaymentCard payment=p practice=fee.practice pay paying failure/> }
                    .into_any(),
            ),
            (None, Some(why)) => Some(
                view! {
                    <section class="card payment" id="payment">
                        <h3>{t(|x| x.payment_title)}</h3>
                        <p class="unavailable" id="payment-unavailable">{msg(&why)}</p>
                    </section>
                }
                .into_any(),
            ),
            (None, None) => None,
        };
        let receipt = fee.receipt.map(|r| view! { <FeeReceiptCard receipt=r/> });
        let refund = fee.refund.map(|r| view! { <RefundNoticeCard refund=r/> });
        Some(view! { <div class="fees" id="fees">{payment}{receipt}{refund}</div> }.into_any())
    }
}

/// The payment request: what to pay, to whom, why and by when, the code
/// to scan while something is due, and the practice bank's button.
#[component]
fn PaymentCard(
    payment: PaymentView,
    practice: bool,
    pay: Callback<()>,
    paying: RwSignal<bool>,
    failure: RwSignal<Option<IpcError>>,
) -> impl IntoView {
    let r = payment.request;
    let due = r.still_due_vnd();
    let code = match payment.qr_png {
        Some(png) => view! {
            <figure class="vietqr" id="payment-qr">
                <img src=png width=payment.qr_side_px height=payment.qr_side_px
                    alt=move || crate::lang::texts().payment_qr_alt/>
                <figcaption>{t(|x| x.payment_scan)}</figcaption>
            </figure>
        }
        .into_any(),
        None => view! { <p class="no-code" id="payment-no-code">{t(|x| x.payment_no_code)}</p> }
            .into_any(),
    };
    let paid = payment.paid_vnd.filter(|p| *p > 0 && *p < r.amount_vnd);
    let practice_pay = (practice && due > 0).then(|| {
        view! {
            <div class="practice-pay no-print">
                <button type="button" id="pay-practice" class="primary"
                    on:click=move |_| pay.run(()) disabled=move || paying.get()>
                    {move || if paying.get() { t(|x| x.paying_practice).into_any() } else { t(|x| x.pay_practice).into_any() }}
                </button>
                <p class="hint">{t(|x| x.pay_practice_hint)}</p>
            </div>
        }
    });
    view! {
        <section class="card payment" id="payment">
            <h3>{t(|x| x.payment_title)}</h3>
            <p class=format!("payment-state {}", state_class(r.state)) id="payment-state">
                {msg(&r.state.label())}
            </p>
            <div class="payment-body">
                {code}
                <table class="facts">
                    {row(t(|x| x.payment_amount).into_any(), view! { <Amount vnd=r.amount_vnd id="payment-amount"/> }.into_any())}
                    {paid.map(|p| row(t(|x| x.payment_paid).into_any(), money(p).into_any()))}
                    {(due > 0 && due != r.amount_vnd).then(|| row(t(|x| x.payment_still_due).into_any(), view! { <Amount vnd=due/> }.into_any()))}
                    {row(t(|x| x.payment_payee).into_any(), view! { <span id="payment-payee">{r.payee_name.clone()}</span> }.into_any())}
                    {row(t(|x| x.payment_bank).into_any(), view! { <code>{r.payee.bin.to_string()}</code> }.into_any())}
                    {row(t(|x| x.payment_account).into_any(), view! { <code id="payment-account">{r.payee.account.to_string()}</code> }.into_any())}
                    {row(t(|x| x.payment_purpose).into_any(), view! { <code id="payment-purpose">{payment.purpose.clone()}</code> }.into_any())}
                    {row(t(|x| x.payment_deadline).into_any(), view! { <span id="payment-deadline">{r.deadline.format(WHEN).to_string()}</span> }.into_any())}
                </table>
            </div>
            {itemised(&r.lines).then(|| view! { <FeeLines lines=r.lines.clone()/> })}
            {practice_pay}
            {move || failure.get().map(|e| view! { <p class="problems" role="alert" id="pay-error">{msg(&e.message)}</p> })}
        </section>
    }
}
