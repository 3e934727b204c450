//! A filed dossier's page: where it stands at its portal with the deadline
//! in working days, every status change with who made it and why, the
//! receipt one click away, the fee with its code to scan and its receipt
//! (`fees.rs`), the result and, once completed, the applicant's rating
//! (`results.rs`, `rating.rs`), and, when the agency asks for more, the
//! answer form whose supplement goes out exactly once with its own
//! receipt.

use crate::ipc;
use crate::lang::{Bi, msg, size, t, texts};
use crate::results::{ResultSection, WithdrawSection};
use hoso_core::supplement::{OTHER_SLOT, Supplement};
use hoso_core::{AttachedDocument, Bilingual};
use hoso_ipc::{
    DossierPage, IdArgs, ImportArgs, IpcError, StoredAttachment, SupplementArgs, SupplementView,
    command,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// How [`when`] writes a day and time.
const WHEN: &str = "%H:%M %d/%m/%Y";

/// Day and time as people read them (`14:05 23/11/2026`).
pub fn when(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.format(WHEN).to_string())
        .unwrap_or_else(|_| rfc3339.to_owned())
}

/// A filed dossier's standing: its state, the deadline flag, the due date
/// and when the portal last confirmed it (written with `confirmed_format`).
#[component]
pub fn Standing(
    tracking: hoso_core::Tracking,
    #[prop(optional)] id: Option<&'static str>,
    confirmed_format: &'static str,
) -> impl IntoView {
    let flag = match tracking.deadline {
        hoso_core::deadline::Deadline::DueSoon { .. } => "deadline due-soon",
        hoso_core::deadline::Deadline::Overdue { .. } => "deadline overdue",
        _ => "deadline",
    };
    let confirmed = tracking
        .confirmed_at
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.format(confirmed_format).to_string());
    view! {
        <div class="standing" id=id>
            <span class="portal-status">{msg(&tracking.status.label())}</span>
            <span class=flag>{msg(&tracking.deadline.label())}</span>
            <span class="due">{t(|x| x.due_on)} " " {tracking.appointment_date.format("%d/%m/%Y").to_string()}</span>
            <span class="confirmed">{match confirmed {
                Some(at) => view! { {t(|x| x.status_confirmed_at)} " " {at} }.into_any(),
                None => t(|x| x.status_not_synced).into_any(),
            }}</span>
        </div>
    }
}

#[component]
pub fn DossierPageView(id: i64, on_back: Callback<()>, on_receipt: Callback<i64>) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let status_changes = expect_context::<ipc::StatusChanges>().0;
    let page = LocalResource::new(move || {
        reload.track();
        status_changes.track();
        async move { ipc::call::<_, DossierPage>(command::DOSSIER_PAGE, &IdArgs { id }).await }
    });
    let failure = RwSignal::new(None::<IpcError>);
    let syncing = RwSignal::new(false);
    let sync_now = move |_| {
        syncing.set(true);
        spawn_local(async move {
            match ipc::call0::<u32>(command::SYNC_STATUS).await {
                Ok(_) => failure.set(None),
                Err(e) => failure.set(Some(e)),
            }
            reload.update(|n| *n += 1);
            syncing.set(false);
        });
    };

    let body = move || {
        let p = match page.get() {
            None => return view! { <p class="loading">{t(|x| x.loading)}</p> }.into_any(),
            Some(Err(e)) => return view! { <p class="problems">{msg(&e.message)}</p> }.into_any(),
            Some(Ok(p)) => p,
        };
        let s = p.summary.clone();
        let standing = s.tracking.clone().map(|tr| {
            view! { <Standing tracking=tr id="page-standing" confirmed_format=WHEN/> }
        });
        let withdraw = s.tracking.as_ref().map(|tr| {
            view! { <WithdrawSection id status=tr.status on_done=Callback::new(move |()| reload.update(|n| *n += 1))/> }
        });
        let asked = p.asked.clone().map(|a| {
            view! { <SupplementForm id page=p.clone() asked=a on_sent=Callback::new(move |()| reload.update(|n| *n += 1))/> }
        });
        let supplements = (!p.supplements.is_empty()).then(|| {
            let items = p
                .supplements
                .iter()
                .map(supplement_item)
                .collect::<Vec<_>>();
            view! {
                <section class="card supplements" id="supplements">
                    <h3>{t(|x| x.supplements_title)}</h3>
                    <ol>{items}</ol>
                </section>
            }
        });
        view! {
            <section class="card dossier-page" id="dossier-page">
                <div class="page-head">
                    <h2 id="page-title">{if s.title.is_empty() { "—".to_owned() } else { s.title.clone() }}</h2>
                    {s.dossier_code.clone().map(|c| view! { <code class="code" id="page-code">{c}</code> })}
                    <span class="portal-name">{msg(&p.portal_name)}</span>
                </div>
                {standing}
                <div class="row-actions">
                    <button type="button" id="page-receipt" class="receipt" on:click=move |_| on_receipt.run(id)>{t(|x| x.view_receipt)}</button>
                    <button type="button" id="page-sync" class="link" on:click=sync_now disabled=move || syncing.get()>{t(|x| x.sync_status)}</button>
                    <button type="button" id="page-back" class="link" on:click=move |_| on_back.run(())>{t(|x| x.back_to_list)}</button>
                </div>
                {move || failure.get().map(|e| view! { <p class="problems" role="alert">{msg(&e.message)}</p> })}
            </section>
            {asked}
            {supplements}
            {withdraw}
        }
        .into_any()
    };
    let timeline = move || {
        let Some(Ok(p)) = page.get() else {
            return None;
        };
        Some(view! {
            <section class="card">
                <h3>{t(|x| x.timeline)}</h3>
                {history(&p.history)}
            </section>
        })
    };
    // The fee keeps its own answer: drawn once the page is, not again with
    // every reading of the page.
    let loaded = move || matches!(page.get(), Some(Ok(_)));
    // The rating follows the dossier's state as last read, and only its
    // changes: a reading of the page leaves a comment being typed alone.
    let status = RwSignal::new(None::<hoso_core::status::Status>);
    Effect::new(move |_| {
        if let Some(Ok(p)) = page.get() {
            let now = p.summary.tracking.as_ref().map(|t| t.status);
            if status.get_untracked() != now {
                status.set(now);
            }
        }
    });
    view! {
        <div class="page">
            {body}
            <Show when=loaded>
                <crate::fees::FeeSection id reload/>
                <ResultSection id/>
                <crate::rating::RatingSection id status/>
            </Show>
            {timeline}
        </div>
    }
}

/// Every status change, newest first.
fn history(events: &[hoso_core::wire::StatusEvent]) -> AnyView {
    if events.is_empty() {
        return view! { <p class="empty">{t(|x| x.no_history)}</p> }.into_any();
    }
    let items = events
        .iter()
        .rev()
        .map(|e| {
            let label = e.status.label();
            view! {
                <li class=format!("event {}", e.status.as_str())>
                    <span class="at">{when(&e.at)}</span>
                    <strong class="to"><Bi vi=label.vi en=label.en/></strong>
                    <span class="actor">{t(|x| x.by_actor)} " " {actor(&e.actor)}</span>
                    {(!e.note.is_empty()).then(|| view! { <span class="note">{e.note.clone()}</span> })}
                    {e.request.clone().map(|r| view! { <blockquote class="request">{r}</blockquote> })}
                </li>
            }
        })
        .collect::<Vec<_>>();
    view! { <ol class="timeline" id="timeline">{items}</ol> }.into_any()
}

/// Who made a change: the portal itself and the applicant by name in the
/// window's language, an officer by the id the portal gives.
fn actor(who: &str) -> AnyView {
    match who {
        "portal" => t(|x| x.actor_portal).into_any(),
        "applicant" => t(|x| x.actor_applicant).into_any(),
        officer => officer.to_owned().into_any(),
    }
}

fn supplement_item(s: &SupplementView) -> impl IntoView + use<> {
    let docs = s
        .supplement
        .documents
        .iter()
        .map(|d| {
            // The kind as the portal's receipt names it, once filed.
            let kind = s.receipt.as_ref().and_then(|r| {
                r.documents
                    .iter()
                    .find(|x| x.sha256 == d.sha256)
                    .map(|x| x.label.clone())
            });
            view! {
                <li class="doc">
                    {d.name.clone()} " · " {size(d.size)}
                    {kind.map(|k| view! { " · " <span class="kind">{msg(&k)}</span> })}
                </li>
            }
        })
        .collect::<Vec<_>>();
    let state = match &s.receipt {
        Some(r) => view! {
            <p class="filed">
                <strong><Bi vi=format!("{} {}", crate::text::VI.supplement_number, r.number)
                    en=format!("{} {}", crate::text::EN.supplement_number, r.number)/></strong> " · "
                {when(&r.received_at.to_rfc3339())} " · "
                <span class="ok">"✓ "{t(|x| x.supplement_filed)}</span> " · "
                {t(|x| x.new_due)} " " {r.appointment_date.format("%d/%m/%Y").to_string()}
            </p>
        }
        .into_any(),
        None => view! { <p class="pending">{t(|x| x.supplement_unfiled)}</p> }.into_any(),
    };
    view! {
        <li class="supplement">
            {state}
            {(!s.supplement.answer.is_empty()).then(|| view! { <blockquote class="answer">{s.supplement.answer.clone()}</blockquote> })}
            <ul class="docs">{docs}</ul>
        </li>
    }
}

/// The answer to a request for more: text, files (each as one of the
/// procedure's kinds, replacing the one filed, or "other"), and Send.
#[component]
fn SupplementForm(
    id: i64,
    page: DossierPage,
    asked: hoso_ipc::Asked,
    on_sent: Callback<()>,
) -> impl IntoView {
    let answer = RwSignal::new(String::new());
    let docs = RwSignal::new(Vec::<AttachedDocument>::new());
    let path = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<IpcError>);
    let sending = RwSignal::new(false);
    let slots = page.slots.clone();
    let kinds: Vec<(String, Bilingual)> = std::iter::once((
        OTHER_SLOT.to_owned(),
        Bilingual::new(
            crate::text::VI.supplement_other,
            crate::text::EN.supplement_other,
        ),
    ))
    .chain(slots.iter().map(|s| {
        (
            s.id.clone(),
            Bilingual::new(
                format!("{}: {}", crate::text::VI.supplement_replaces, s.label.vi),
                format!("{}: {}", crate::text::EN.supplement_replaces, s.label.en),
            ),
        )
    }))
    .collect();

    let attach = move || {
        let p = path.get_untracked().trim().to_owned();
        if p.is_empty() {
            return;
        }
        spawn_local(async move {
            let args = ImportArgs {
                path: p,
                slot: None,
            };
            match ipc::call::<_, StoredAttachment>(command::IMPORT_ATTACHMENT, &args).await {
                Ok(a) => {
                    failure.set(None);
                    path.set(String::new());
                    docs.update(|d| {
                        if !d.iter().any(|x| x.sha256 == a.sha256) {
                            d.push(AttachedDocument {
                                slot: OTHER_SLOT.to_owned(),
                                name: a.name,
                                size: a.size,
                                sha256: a.sha256,
                            });
                        }
                    });
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let pick = move |_| ipc::pick_file(path, failure, attach);
    let send = move |_| {
        if sending.get_untracked() {
            return;
        }
        sending.set(true);
        let supplement = Supplement {
            answer: answer.get_untracked(),
            documents: docs.get_untracked(),
        };
        spawn_local(async move {
            let args = SupplementArgs { id, supplement };
            match ipc::call::<_, SupplementView>(command::SUBMIT_SUPPLEMENT, &args).await {
                Ok(_) => {
                    failure.set(None);
                    on_sent.run(());
                }
                Err(e) => failure.set(Some(e)),
            }
            sending.set(false);
        });
    };

    let rows = move || {
        docs.get()
            .into_iter()
            .enumerate()
            .map(|(i, d)| {
                let options = kinds
                    .iter()
                    .map(|(slot, label)| {
                        let selected = *slot == d.slot;
                        view! { <option value=slot.clone() selected=selected>{msg(label)}</option> }
                    })
                    .collect::<Vec<_>>();
                view! {
                    <li class="doc" data-name=d.name.clone()>
                        <span class="name">{d.name.clone()}</span>
                        <span class="size">{size(d.size)}</span>
                        <select class="kind" aria-label=move || texts().supplement_kind on:change=move |ev| {
                            let slot = event_target_value(&ev);
                            docs.update(|all| if let Some(x) = all.get_mut(i) { x.slot = slot });
                        }>{options}</select>
                        <button type="button" class="link remove" on:click=move |_| docs.update(|all| { all.remove(i); })>{t(|x| x.supplement_remove)}</button>
                    </li>
                }
            })
            .collect::<Vec<_>>()
    };
    let problems = move || {
        failure.get().map(|e| {
            let each = e
                .problems
                .iter()
                .map(|p| view! { <li>{msg(&p.message)}</li> })
                .collect::<Vec<_>>();
            view! {
                <div class="problems" role="alert" id="supplement-error">
                    <p>{msg(&e.message)}</p>
                    <ul>{each}</ul>
                </div>
            }
        })
    };

    view! {
        <section class="card asked" id="supplement">
            <h3>{t(|x| x.asked_title)}</h3>
            <p class="when">{when(&asked.at)} {(!asked.note.is_empty()).then(|| view! { " · " <span class="note">{asked.note.clone()}</span> })}</p>
            <p class="label">{t(|x| x.asked_request)}</p>
            <blockquote class="request" id="asked">{asked.request.clone()}</blockquote>
            <label for="supplement-answer">{t(|x| x.supplement_answer)}</label>
            <textarea id="supplement-answer" rows="4" maxlength="2000"
                prop:value=move || answer.get() on:input=move |ev| answer.set(event_target_value(&ev))></textarea>
            <p class="counter">{move || format!("{}/{}", answer.with(|a| a.chars().count()), hoso_core::supplement::ANSWER_MAX_CHARS)}</p>
            <p class="label">{t(|x| x.supplement_files)}</p>
            <ul class="docs" id="supplement-docs">{rows}</ul>
            <div class="input-row">
                <input type="text" id="supplement-path" placeholder=move || texts().supplement_path
                    prop:value=move || path.get() on:input=move |ev| path.set(event_target_value(&ev))/>
                <button type="button" id="supplement-attach" on:click=move |_| attach()>{t(|x| x.supplement_attach)}</button>
                <button type="button" id="supplement-pick" on:click=pick>{t(|x| x.supplement_pick)}</button>
            </div>
            {problems}
            <crate::sending::SendingLine id/>
            <button type="button" id="supplement-send" class="primary" on:click=send disabled=move || sending.get()>
                {move || if sending.get() { t(|x| x.supplement_sending).into_any() } else { t(|x| x.supplement_send).into_any() }}
            </button>
        </section>
    }
}
