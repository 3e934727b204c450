//! The summary: filed dossiers counted by portal and state, the overdue
//! ones and those due soon, from the last synced states, and their fees
//! added up.

use crate::ipc;
use crate::lang::{counted, money, msg, t};
use hoso_ipc::{Summary, command};
use leptos::prelude::*;

#[component]
pub fn SummaryView() -> impl IntoView {
    let status_changes = expect_context::<ipc::StatusChanges>().0;
    let summary = LocalResource::new(move || {
        status_changes.track();
        async move { ipc::call0::<Summary>(command::SUMMARY).await }
    });
    type Unit = fn(&crate::text::Texts) -> &'static str;
    let listing = |rows: Vec<(String, String, u32)>, (one, many): (Unit, Unit)| {
        if rows.is_empty() {
            return view! { <p class="empty">{t(|x| x.summary_none)}</p> }.into_any();
        }
        let items = rows
            .into_iter()
            .map(|(code, title, days)| {
                view! {
                    <li><code>{code}</code> " " {title} " — " {days} " " {counted(days, one, many)}</li>
                }
            })
            .collect::<Vec<_>>();
        view! { <ul>{items}</ul> }.into_any()
    };
    move || {
        let s = match summary.get() {
            None => return view! { <p class="loading">{t(|x| x.loading)}</p> }.into_any(),
            Some(Err(e)) => return view! { <p class="problems">{msg(&e.message)}</p> }.into_any(),
            Some(Ok(s)) => s,
        };
        let counts = if s.counts.is_empty() {
            view! { <p class="empty">{t(|x| x.summary_empty)}</p> }.into_any()
        } else {
            let rows = s
                .counts
                .iter()
                .map(|(portal, status, n)| view! {
                    <tr><td>{portal.clone()}</td><td>{msg(&status.label())}</td><td class="num">{*n}</td></tr>
                })
                .collect::<Vec<_>>();
            view! {
                <table class="summary" id="summary-counts">
                    <thead><tr><th>{t(|x| x.summary_portal)}</th><th>{t(|x| x.summary_status)}</th><th>{t(|x| x.summary_count)}</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        };
        view! {
            <section class="card" id="summary">
                <h2>{t(|x| x.summary_title)}</h2>
                {counts}
                <p class="unfiled">{t(|x| x.summary_unfiled)} ": " {s.unfiled}</p>
            </section>
            {(s.fees.asked_vnd > 0).then(|| {
                let f = s.fees;
                view! {
                    <section class="card" id="summary-fees">
                        <h3>{t(|x| x.summary_fees)}</h3>
                        <table class="summary">
                            <tbody>
                                <tr><td>{t(|x| x.summary_fees_asked)}</td><td class="num">{money(f.asked_vnd)}</td></tr>
                                <tr><td>{t(|x| x.summary_fees_due)}</td><td class="num">{money(f.due_vnd)}</td></tr>
                                <tr><td>{t(|x| x.summary_fees_paid)}</td><td class="num">{money(f.paid_vnd)}</td></tr>
                                <tr><td>{t(|x| x.summary_fees_refunded)}</td><td class="num">{money(f.refunded_vnd)}</td></tr>
                            </tbody>
                        </table>
                    </section>
                }
            })}
            <section class="card overdue" id="summary-overdue">
                <h3>{t(|x| x.summary_overdue)}</h3>
                {listing(s.overdue.clone(), (|x| x.wd_late_one, |x| x.wd_late))}
            </section>
            <section class="card" id="summary-due-soon">
                <h3>{t(|x| x.summary_due_soon)}</h3>
                {listing(s.due_soon.clone(), (|x| x.wd_left_one, |x| x.wd_left))}
            </section>
        }
        .into_any()
    }
}
