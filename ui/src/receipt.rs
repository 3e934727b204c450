//! The receipt, laid out like the official receipt-and-appointment form,
//! with the signature check that ends all doubt.

use crate::lang::{counted, msg, size, t};
use hoso_core::bilingual::{en_number, vi_number};
use hoso_ipc::SubmitOutcome;
use leptos::prelude::*;

/// A label and its value, as the receipts' tables of facts have them.
pub fn row(label: AnyView, value: AnyView) -> impl IntoView {
    view! {
        <tr>
            <th scope="row">{label}</th>
            <td>{value}</td>
        </tr>
    }
}

#[component]
pub fn ReceiptView(outcome: SubmitOutcome, on_new: Callback<()>) -> impl IntoView {
    let r = outcome.receipt;
    let saved = RwSignal::new(None::<Result<String, hoso_ipc::IpcError>>);
    let code = r.dossier_code.to_string();
    let save = move |_| {
        let code = code.clone();
        let html = document()
            .get_element_by_id("receipt")
            .map(|el| el.outer_html())
            .unwrap_or_default();
        leptos::task::spawn_local(async move {
            let args = hoso_ipc::SaveReceiptArgs { code, html };
            saved.set(Some(
                crate::ipc::call(hoso_ipc::command::SAVE_RECEIPT, &args).await,
            ));
        });
    };
    let print = |_| {
        if let Err(e) = window().print() {
            leptos::logging::warn!("print: {e:?}");
        }
    };
    let documents = r
        .documents
        .iter()
        .enumerate()
        .map(|(i, d)| {
            view! {
                <tr>
                    <td>{i + 1}</td>
                    <td>{msg(&d.label)}<br/><span class="name">{d.name.clone()}</span></td>
                    <td>{size(d.size)}</td>
                    <td><code class="sha256">{d.sha256.to_hex()}</code></td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    let fee = if r.fee_vnd == 0 {
        t(|x| x.free).into_any()
    } else {
        msg(&hoso_core::Bilingual::new(
            format!("{} đồng", vi_number(r.fee_vnd)),
            format!("{} VND", en_number(r.fee_vnd)),
        ))
        .into_any()
    };
    view! {
        <article class="card receipt" id="receipt">
            <header>
                <p class="agency">{msg(&r.receiving_agency)}</p>
                <h2>{t(|x| x.receipt_title)}</h2>
                <p class="sub">{t(|x| x.receipt_subtitle)}</p>
            </header>
            <p class="received" id="received">"✓ " {t(|x| x.received_headline)}</p>
            {if outcome.shown_instead {
                Some(view! { <p class="notice" id="shown-instead">{t(|x| x.shown_instead_notice)}</p> }.into_any())
            } else {
                outcome.existing.then(|| view! { <p class="notice" id="existing">{t(|x| x.existing_notice)}</p> }.into_any())
            }}
            <figure class="qr" id="receipt-qr">
                <div inner_html=outcome.qr_svg.clone()></div>
                <figcaption>{t(|x| x.qr_caption)}</figcaption>
            </figure>
            <p class="signature" id="signature">
                "✓ " {t(|x| x.signature_ok)} " " <code>{outcome.verified_with.clone()}</code>
            </p>
            <table class="facts">
                {row(t(|x| x.dossier_code).into_any(), view! { <strong id="dossier-code">{r.dossier_code.to_string()}</strong> }.into_any())}
                {row(t(|x| x.lookup_pin).into_any(), view! { <code>{r.lookup_pin.clone()}</code> }.into_any())}
                {row(t(|x| x.receiving_agency).into_any(), msg(&r.receiving_agency).into_any())}
                {row(t(|x| x.applicant).into_any(), r.applicant.name.clone().into_any())}
                {r.applicant.address.clone().map(|a| row(t(|x| x.address).into_any(), a.into_any()))}
                {row(t(|x| x.procedure).into_any(), view! { {msg(&r.procedure.name)} " (" {r.procedure.code.to_string()} " · " {r.procedure.version.clone()} ")" }.into_any())}
                {row(t(|x| x.sets).into_any(), r.sets.to_string().into_any())}
                {row(t(|x| x.processing_time).into_any(), view! { {r.processing_days} " " {counted(r.processing_days, |x| x.working_day, |x| x.working_days)} }.into_any())}
                {row(t(|x| x.received_at).into_any(), view! { <span id="received-at">{r.received_at.format("%H:%M, %d/%m/%Y").to_string()}</span> }.into_any())}
                {row(t(|x| x.appointment).into_any(), view! { <strong id="appointment">{r.appointment_date.format("%d/%m/%Y").to_string()}</strong> }.into_any())}
                {row(t(|x| x.delivery).into_any(), msg(&r.delivery.label()).into_any())}
                {row(t(|x| x.fee).into_any(), fee)}
            </table>
            <h3>{t(|x| x.documents_received)}</h3>
            <table class="documents" id="documents">
                <thead>
                    <tr><th>"#"</th><th>{t(|x| x.doc_name)}</th><th>{t(|x| x.doc_size)}</th><th>{t(|x| x.doc_sha256)}</th></tr>
                </thead>
                <tbody>{documents}</tbody>
            </table>
            <p class="manifest">{t(|x| x.manifest)} ": " <code>{r.manifest_sha256.to_hex()}</code></p>
            <p class="manifest">{t(|x| x.receipt_hash)} ": " <code id="receipt-hash">{outcome.receipt_sha256.to_hex()}</code></p>
            <div class="actions no-print">
                <button type="button" id="print-receipt" on:click=print>{t(|x| x.print_receipt)}</button>
                <button type="button" id="save-receipt" on:click=save>{t(|x| x.save_receipt)}</button>
                <button type="button" id="new-dossier" on:click=move |_| on_new.run(())>{t(|x| x.new_dossier)}</button>
            </div>
            {move || saved.get().map(|r| match r {
                Ok(path) => view! { <p class="saved no-print" id="saved-receipt">{t(|x| x.saved_to)} ": " <code>{path}</code></p> }.into_any(),
                Err(e) => view! { <p class="error no-print" id="saved-receipt">{msg(&e.message)}</p> }.into_any(),
            })}
        </article>
    }
}
