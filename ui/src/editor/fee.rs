//! The fee the dossier owes, computed by hoso-core in the page from the
//! procedure and the values as they are typed: the figure the portal asks
//! for once the dossier is filed, line by line, in figures and in words,
//! or that nothing is owed and why.

use crate::fees::{Amount, FeeLines, itemised};
use crate::lang::{msg, t};
use hoso_core::{DossierContent, Procedure};
use leptos::prelude::*;

#[component]
pub fn FeeEstimate(procedure: Procedure, content: Memo<DossierContent>) -> impl IntoView {
    let fee = Memo::new(move |_| content.with(|c| hoso_core::fee(&procedure, c)));
    move || {
        let body = match fee.get() {
            Err(_) => view! { <p class="problems" id="editor-fee-problem">{t(|x| x.fee_uncomputable)}</p> }
                .into_any(),
            Ok(fee) if fee.amount_vnd == 0 && fee.exempt.is_none() => {
                view! { <p class="fee-none" id="editor-fee-none">{t(|x| x.fee_none)}</p> }.into_any()
            }
            Ok(fee) => view! {
                {(itemised(&fee.lines) || fee.exempt.is_some()).then(|| view! { <FeeLines lines=fee.lines.clone()/> })}
                <p class="fee-total">
                    <span class="label">{t(|x| x.fee_total)}</span>
                    <Amount vnd=fee.amount_vnd id="editor-fee-amount"/>
                </p>
                {fee.exempt.map(|why| view! {
                    <p class="fee-exempt" id="editor-fee-exempt"><strong>{t(|x| x.fee_exempt)}</strong> ": " {msg(&why)}</p>
                })}
                <p class="hint">{t(|x| x.fee_before_filing)}</p>
            }
            .into_any(),
        };
        view! {
            <section class="card fee" id="editor-fee">
                <h2>{t(|x| x.fee)}</h2>
                {body}
            </section>
        }
    }
}
