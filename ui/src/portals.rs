//! The portals the profile files with: each with its pinned key (and a
//! warning when it presents another), sign-in, when its status was last
//! confirmed; add one by its address, remove one nothing was sent to.

use crate::ipc;
use crate::lang::{msg, t, texts};
use hoso_ipc::{AddPortalArgs, IdArgs, IpcError, PortalView, SignInArgs, command};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn PortalsView() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        reload.track();
        async move { ipc::call0::<Vec<PortalView>>(command::LIST_PORTALS).await }
    });
    let failure = RwSignal::new(None::<IpcError>);
    let added = RwSignal::new(None::<PortalView>);
    let url = RwSignal::new(String::new());
    let token = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let done = move |result: Result<(), IpcError>| {
        match result {
            Ok(()) => failure.set(None),
            Err(e) => failure.set(Some(e)),
        }
        reload.update(|n| *n += 1);
    };
    let add = move |_| {
        busy.set(true);
        let args = AddPortalArgs {
            url: url.get_untracked(),
            token: Some(token.get_untracked()),
        };
        spawn_local(async move {
            match ipc::call::<_, PortalView>(command::ADD_PORTAL, &args).await {
                Ok(p) => {
                    url.set(String::new());
                    token.set(String::new());
                    added.set(Some(p));
                    done(Ok(()));
                }
                Err(e) => done(Err(e)),
            }
            busy.set(false);
        });
    };

    let rows = move || {
        let all = match list.get() {
            None => return view! { <p class="loading">{t(|x| x.loading)}</p> }.into_any(),
            Some(Err(e)) => return view! { <p class="problems">{msg(&e.message)}</p> }.into_any(),
            Some(Ok(all)) => all,
        };
        let items = all
            .into_iter()
            .map(|p| {
                let id = p.id;
                let sign_token = RwSignal::new(String::new());
                let sign_in = move |_| {
                    let args = SignInArgs { id, token: sign_token.get_untracked() };
                    spawn_local(async move {
                        done(ipc::call::<_, PortalView>(command::SIGN_IN, &args).await.map(|_| ()));
                    });
                };
                let remove = move |_| {
                    spawn_local(async move {
                        done(ipc::call::<_, ()>(command::REMOVE_PORTAL, &IdArgs { id }).await);
                    });
                };
                let removable = !p.practice && !p.default && p.dossiers == 0;
                view! {
                    <li class="portal-line" data-id=id.to_string() class:warning=p.key_changed.is_some()>
                        <div class="what">
                            <strong>{msg(&p.name)}</strong>
                            {p.practice.then(|| view! { <span class="badge">{t(|x| x.practice_badge)}</span> })}
                            {p.default.then(|| view! { <span class="badge">{t(|x| x.portal_default)}</span> })}
                            <code class="url">{p.base_url.clone()}</code>
                        </div>
                        <div class="key">{t(|x| x.key_pinned)} ": " <code>{p.key_fingerprint.clone()}</code></div>
                        {p.key_changed.clone().map(|k| view! {
                            <p class="problems key-changed" role="alert">{t(|x| x.portal_key_changed)} " (" <code>{k}</code> ")"</p>
                        })}
                        <div class="when">
                            {if p.signed_in { t(|x| x.portal_signed_in).into_any() } else { t(|x| x.portal_signed_out).into_any() }}
                            " · " {p.dossiers} " " {t(|x| x.portal_dossiers)}
                            " · " {match p.confirmed_at.as_deref() {
                                Some(at) => view! { {t(|x| x.status_confirmed_at)} " " {crate::dossier::when(at)} }.into_any(),
                                None => t(|x| x.status_not_synced).into_any(),
                            }}
                        </div>
                        {p.last_error.clone().map(|e| view! { <p class="last-error">{t(|x| x.portal_last_error)} ": " {e}</p> })}
                        <div class="row-actions">
                            {(!p.practice).then(|| view! {
                                <input type="password" class="token" placeholder=move || texts().portal_token
                                    prop:value=move || sign_token.get() on:input=move |ev| sign_token.set(event_target_value(&ev))/>
                                <button type="button" class="sign-in" on:click=sign_in>{t(|x| x.portal_sign_in)}</button>
                            })}
                            {removable.then(|| view! {
                                <button type="button" class="remove" on:click=remove>{t(|x| x.portal_remove)}</button>
                            })}
                        </div>
                    </li>
                }
            })
            .collect::<Vec<_>>();
        view! { <ul class="portals" id="portals">{items}</ul> }.into_any()
    };

    view! {
        <section class="card">
            <h2>{t(|x| x.portals_title)}</h2>
            {rows}
        </section>
        <section class="card new">
            <h3>{t(|x| x.portal_add)}</h3>
            <div class="input-row">
                <input type="url" id="portal-url" placeholder=move || texts().portal_url
                    prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))/>
                <input type="password" id="portal-token" placeholder=move || texts().portal_token
                    prop:value=move || token.get() on:input=move |ev| token.set(event_target_value(&ev))/>
                <button type="button" id="portal-add" class="primary" on:click=add disabled=move || busy.get()>{t(|x| x.portal_add)}</button>
            </div>
            {move || added.get().map(|p| view! {
                <p class="saved" id="portal-added" role="status">{t(|x| x.portal_added)} ": " {msg(&p.name)} " · " <code>{p.key_fingerprint.clone()}</code></p>
            })}
            {move || failure.get().map(|e| view! { <p class="problems" role="alert" id="portal-error">{msg(&e.message)}</p> })}
        </section>
    }
}
