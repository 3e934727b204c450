//! The window: header with the portal, then the editor or the receipt.

use crate::bilingual::{msg, t};
use crate::editor::Editor;
use crate::ipc;
use crate::receipt::ReceiptView;
use hoso_core::Procedure;
use hoso_ipc::{AppInfo, IpcError, SubmitOutcome, command};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn App() -> impl IntoView {
    let info = RwSignal::new(None::<AppInfo>);
    let procedures = RwSignal::new(Vec::<Procedure>::new());
    let chosen = RwSignal::new(0usize);
    let failure = RwSignal::new(None::<IpcError>);
    let outcome = RwSignal::new(None::<SubmitOutcome>);

    spawn_local(async move {
        match ipc::call0::<AppInfo>(command::APP_INFO).await {
            Ok(i) => info.set(Some(i)),
            Err(e) => failure.set(Some(e)),
        }
        match ipc::call0::<Vec<Procedure>>(command::LIST_PROCEDURES).await {
            Ok(list) => {
                // Importers are the first users: their procedure opens first.
                let first = list
                    .iter()
                    .position(|p| p.code.as_str() == "kiem-tra-cl-nhap-khau")
                    .unwrap_or(0);
                chosen.set(first);
                procedures.set(list);
            }
            Err(e) => failure.set(Some(e)),
        }
    });

    let header = move || {
        info.get().map(|i| {
            view! {
                <div class="portal" id="portal">
                    <span class="label">{t(|x| x.portal)}</span>
                    <strong>{i.portal_name.vi.clone()}</strong>
                    {i.practice.then(|| view! { <span class="badge">{t(|x| x.practice_badge)}</span> })}
                    <span class="key" title=i.portal_url.clone()>
                        {t(|x| x.key_pinned)} ": " <code>{i.key_fingerprint.clone()}</code>
                    </span>
                </div>
            }
        })
    };

    let body = move || {
        if let Some(o) = outcome.get() {
            let again = Callback::new(move |()| outcome.set(None));
            return view! { <ReceiptView outcome=o on_new=again/> }.into_any();
        }
        if let Some(e) = failure.get() {
            return view! {
                <section class="card error" id="startup-error">
                    <h2>{t(|x| x.error_title)}</h2>
                    <p>{msg(&e.message)}</p>
                </section>
            }
            .into_any();
        }
        match procedures.with(|all| all.get(chosen.get()).cloned()) {
            Some(p) => {
                let done = Callback::new(move |o: SubmitOutcome| outcome.set(Some(o)));
                let options = procedures.with(|all| {
                    all.iter()
                        .enumerate()
                        .map(|(i, p)| {
                            let label = format!("{} · {}", p.name.vi, p.name.en);
                            view! { <option value=i.to_string() selected=i == chosen.get_untracked()>{label}</option> }
                        })
                        .collect::<Vec<_>>()
                });
                view! {
                    <section class="card chooser">
                        <label for="procedure">{t(|x| x.procedure)}</label>
                        <select id="procedure" on:change=move |ev| {
                            if let Ok(i) = event_target_value(&ev).parse() {
                                chosen.set(i);
                            }
                        }>{options}</select>
                    </section>
                    <Editor procedure=p on_done=done/>
                }
                .into_any()
            }
            None => view! { <p class="loading">{t(|x| x.loading)}</p> }.into_any(),
        }
    };

    view! {
        <header class="top">
            <div class="brand">
                <h1>{crate::text::VI.app_title}</h1>
                <p>{t(|x| x.app_subtitle)}</p>
            </div>
            {header}
        </header>
        <main>{body}</main>
    }
}
