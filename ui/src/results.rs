//! What follows a filing at the applicant's hand, on the dossier's page:
//! the result delivered electronically (downloaded with its progress,
//! valid only once every document matches the portal's signed notice,
//! then opened), and withdrawing a dossier not yet examined, with a
//! reason.

use crate::dossier::when;
use crate::ipc;
use crate::lang::{msg, size, t};
use hoso_core::status::Status;
use hoso_ipc::{IdArgs, IpcError, OpenResultArgs, ResultView, WithdrawArgs, command};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The dossier's result once the agency issued it: who issued it and
/// when, its documents, and the download, or the documents to open once
/// they are here and verified.
#[component]
pub fn ResultSection(id: i64) -> impl IntoView {
    let status_changes = expect_context::<ipc::StatusChanges>().0;
    let progress = expect_context::<ipc::ResultProgress>().0;
    let reload = RwSignal::new(0u32);
    let result = LocalResource::new(move || {
        reload.track();
        status_changes.track();
        async move { ipc::call::<_, ResultView>(command::DOSSIER_RESULT, &IdArgs { id }).await }
    });
    // What was last read stays on screen while it is read again (after
    // each status change), so the section does not blink away.
    let shown = RwSignal::new(None::<Result<ResultView, IpcError>>);
    Effect::new(move |_| {
        if let Some(r) = result.get() {
            shown.set(Some(r));
        }
    });
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<IpcError>);
    let download = move |_| {
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            if let Err(e) =
                ipc::call::<_, ResultView>(command::DOWNLOAD_RESULT, &IdArgs { id }).await
            {
                failure.set(Some(e));
            }
            busy.set(false);
            reload.update(|n| *n += 1);
        });
    };
    let open = move |name: String| {
        spawn_local(async move {
            match ipc::call::<_, ()>(command::OPEN_RESULT, &OpenResultArgs { id, name }).await {
                Ok(()) => failure.set(None),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    move || {
        let r = match shown.get() {
            Some(Ok(r)) => r,
            Some(Err(e)) => {
                return Some(view! { <p class="problems">{msg(&e.message)}</p> }.into_any());
            }
            None => return None,
        };
        if let Some(why) = &r.refused {
            return Some(
                view! {
                    <section class="card result refused" id="result">
                        <h3>{t(|x| x.result_title)}</h3>
                        <p class="problems" role="alert" id="result-refused">{msg(why)}</p>
                        <button type="button" id="result-download" on:click=download disabled=move || busy.get()>{t(|x| x.result_download_again)}</button>
                    </section>
                }
                .into_any(),
            );
        }
        let notice = r.notice?;
        let received = r.received;
        let documents = notice
            .documents
            .iter()
            .map(|d| {
                let name = d.name.clone();
                let opener = received.then(|| {
                    let name = name.clone();
                    view! { <button type="button" class="open" on:click=move |_| open(name.clone())>{t(|x| x.result_open)}</button> }
                });
                view! {
                    <li class="result-document">
                        <span class="name">{d.name.clone()}</span>
                        <span class="size">{size(d.size)}</span>
                        {opener}
                    </li>
                }
            })
            .collect::<Vec<_>>();
        let state = if received {
            view! { <p class="verified" id="result-verified">{t(|x| x.result_verified)}</p> }
                .into_any()
        } else {
            view! {
                <button type="button" id="result-download" on:click=download disabled=move || busy.get()>{t(|x| x.result_download)}</button>
                {move || busy.get().then(|| {
                    let (done, total) = progress.with(|m| m.get(&id).copied().unwrap_or((0, 0)));
                    view! { <progress id="result-progress" max=total.max(1) value=done></progress> }
                })}
            }
            .into_any()
        };
        Some(
            view! {
                <section class="card result" id="result">
                    <h3>{t(|x| x.result_title)}</h3>
                    <p class="issuer">{msg(&notice.issuing_agency)} " · " {when(&notice.issued_at.to_rfc3339())}</p>
                    <ul class="result-documents">{documents}</ul>
                    {state}
                    {move || failure.get().map(|e| view! { <p class="problems" role="alert">{msg(&e.message)}</p> })}
                </section>
            }
            .into_any(),
        )
    }
}

/// Withdrawing the dossier, offered while the agency has not begun to
/// examine it: a reason, then a confirmation.
#[component]
pub fn WithdrawSection(id: i64, status: Status, on_done: Callback<()>) -> impl IntoView {
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<IpcError>);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        spawn_local(async move {
            let args = WithdrawArgs {
                id,
                reason: reason.get_untracked(),
            };
            match ipc::call::<_, ()>(command::WITHDRAW_DOSSIER, &args).await {
                Ok(()) => {
                    failure.set(None);
                    open.set(false);
                    on_done.run(());
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    status.may_withdraw().then(|| {
        view! {
            <section class="card withdraw" id="withdraw">
                {move || if open.get() {
                    view! {
                        <form on:submit=send>
                            <label for="withdraw-reason">{t(|x| x.withdraw_reason)}</label>
                            <textarea id="withdraw-reason" rows="2" maxlength="2000"
                                prop:value=move || reason.get()
                                on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                            <p class="hint">{t(|x| x.withdraw_hint)}</p>
                            <div class="row-actions">
                                <button type="submit" id="withdraw-confirm" class="danger" disabled=move || busy.get()>{t(|x| x.withdraw_confirm)}</button>
                                <button type="button" class="link" on:click=move |_| open.set(false)>{t(|x| x.withdraw_cancel)}</button>
                            </div>
                        </form>
                    }.into_any()
                } else {
                    view! {
                        <button type="button" id="withdraw-start" class="link" on:click=move |_| open.set(true)>{t(|x| x.withdraw)}</button>
                    }.into_any()
                }}
                {move || failure.get().map(|e| view! { <p class="problems" role="alert">{msg(&e.message)}</p> })}
            </section>
        }
    })
}
