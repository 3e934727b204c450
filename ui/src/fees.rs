//! Fees as the window shows them: a fee's lines, and an amount in
//! figures and in the words receipts print.

use crate::lang::{money, msg, t};
use hoso_core::FeeLine;
use leptos::prelude::*;

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
