//! The fee receipt (biên lai thu phí, lệ phí), laid out like the filing
//! receipt (`receipt.rs`): agency, title, form, serial and number, the
//! signature check, payer, dossier, the amount in figures and in words,
//! the items and the times; printed on its own. And the refund notice, when
//! the portal gave a fee back.

use crate::fees::{Amount, FeeLines, WHEN};
use crate::lang::{msg, t};
use crate::receipt::row;
use hoso_ipc::{FeeReceiptView, RefundView};
use leptos::prelude::*;

/// The attribute on `<html>` that, while set, prints the fee receipt alone.
const PRINTING: &str = "data-print";

/// Prints the fee receipt and nothing else of the page.
fn print_alone() {
    let root = document().document_element();
    if let Some(root) = &root
        && let Err(e) = root.set_attribute(PRINTING, "fee-receipt")
    {
        leptos::logging::warn!("print: {e:?}");
    }
    if let Err(e) = window().print() {
        leptos::logging::warn!("print: {e:?}");
    }
    if let Some(root) = &root
        && let Err(e) = root.remove_attribute(PRINTING)
    {
        leptos::logging::warn!("print: {e:?}");
    }
}

#[component]
pub fn FeeReceiptCard(receipt: FeeReceiptView) -> impl IntoView {
    let r = receipt.receipt;
    let agency = r.agency.clone();
    let payer = r.payer.clone();
    let transactions = r
        .bank_transactions
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <article class="card receipt fee-receipt" id="fee-receipt">
            <header>
                <p class="agency">{msg(&agency.name)}</p>
                <h2>{t(|x| x.fee_receipt_title)}</h2>
                <p class="sub">{t(|x| x.fee_receipt_subtitle)} " " {msg(&r.portal)}</p>
                <p class="number" id="fee-receipt-number">{msg(&r.number.label())}</p>
            </header>
            <p class="signature" id="fee-signature">
                "✓ " {t(|x| x.fee_signature_ok)} " " <code>{r.key_id.clone()}</code>
            </p>
            <table class="facts">
                {row(t(|x| x.collecting_agency).into_any(), msg(&agency.name).into_any())}
                {agency.tax_code.clone().map(|c| row(t(|x| x.tax_code).into_any(), c.into_any()))}
                {agency.address.clone().map(|a| row(t(|x| x.address).into_any(), a.into_any()))}
                {row(t(|x| x.payer).into_any(), view! { <span id="fee-payer">{payer.name.clone()}</span> }.into_any())}
                {payer.tax_code.clone().map(|c| row(t(|x| x.payer_id).into_any(), c.into_any()))}
                {payer.address.clone().map(|a| row(t(|x| x.address).into_any(), a.into_any()))}
                {row(t(|x| x.dossier_code).into_any(), view! { <strong>{r.dossier_code.to_string()}</strong> }.into_any())}
                {row(t(|x| x.fee_amount).into_any(), view! { <Amount vnd=r.amount_vnd id="fee-receipt-amount"/> }.into_any())}
                {row(t(|x| x.paid_at).into_any(), view! { <span id="fee-paid-at">{r.paid_at.format(WHEN).to_string()}</span> }.into_any())}
                {row(t(|x| x.issued_at).into_any(), r.issued_at.format(WHEN).to_string().into_any())}
                {row(t(|x| x.bank_transactions).into_any(), view! { <code>{transactions}</code> }.into_any())}
            </table>
            <h3>{t(|x| x.fee_items)}</h3>
            <FeeLines lines=r.lines.clone()/>
            <p class="manifest">{t(|x| x.fee_receipt_hash)} ": " <code id="fee-receipt-hash">{receipt.sha256.to_hex()}</code></p>
            <div class="actions no-print">
                <button type="button" id="print-fee-receipt" on:click=|_| print_alone()>{t(|x| x.print_fee_receipt)}</button>
            </div>
        </article>
    }
}

#[component]
pub fn RefundNoticeCard(refund: RefundView) -> impl IntoView {
    let n = refund.notice;
    view! {
        <section class="card receipt refund" id="refund-notice">
            <h3>{t(|x| x.refund_title)}</h3>
            <p class="signature">"✓ " {t(|x| x.fee_signature_ok)} " " <code>{n.key_id.clone()}</code></p>
            <table class="facts">
                {row(t(|x| x.refund_amount).into_any(), view! { <Amount vnd=n.amount_vnd id="refund-amount"/> }.into_any())}
                {row(t(|x| x.refund_reason).into_any(), msg(&n.reason.label()).into_any())}
                {row(t(|x| x.refunded_at).into_any(), n.refunded_at.format(WHEN).to_string().into_any())}
                {n.fee_receipt.as_ref().map(|number| row(t(|x| x.refund_of_receipt).into_any(), msg(&number.label()).into_any()))}
                {row(t(|x| x.collecting_agency).into_any(), msg(&n.agency.name).into_any())}
            </table>
            <p class="manifest">{t(|x| x.fee_receipt_hash)} ": " <code>{refund.sha256.to_hex()}</code></p>
        </section>
    }
}
