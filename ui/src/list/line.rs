//! One dossier's line in the list: its title, procedure, state, code and
//! last change; a sending's progress or a filed dossier's standing; and
//! the buttons for what can be done with it now.

use super::{Change, ListContext};
use crate::ipc;
use crate::lang::{Bi, msg, t};
use hoso_core::{Bilingual, DossierRecord, DossierState, DossierSummary};
use hoso_ipc::{IdArgs, IpcError, command};
use leptos::prelude::*;

#[component]
pub fn DossierLine(
    d: DossierSummary,
    procedure: Bilingual,
    ctx: ListContext,
    on_open: Callback<DossierRecord>,
    on_receipt: Callback<i64>,
    on_track: Callback<i64>,
) -> impl IntoView {
    let id = d.id;
    // Opening or duplicating reads a whole dossier, then opens it.
    let fetch = Action::new_local(move |cmd: &&'static str| {
        let cmd = *cmd;
        async move { ipc::call::<_, DossierRecord>(cmd, &IdArgs { id }).await }
    });
    Effect::new(move |_| match fetch.value().get() {
        Some(Ok(record)) => on_open.run(record),
        Some(Err(e)) => ctx.failure.set(Some(e)),
        None => {}
    });
    let export = Action::new_local(move |(): &()| async move {
        ipc::call::<_, String>(command::EXPORT_PACKAGE, &IdArgs { id }).await
    });
    Effect::new(move |_| match export.value().get() {
        Some(Ok(path)) => {
            ctx.failure.set(None);
            ctx.package_done.set(Some(Bilingual::new(
                format!("{}: {path}", crate::text::VI.package_exported),
                format!("{}: {path}", crate::text::EN.package_exported),
            )));
        }
        Some(Err(e)) => ctx.failure.set(Some::<IpcError>(e)),
        None => {}
    });

    let title = if d.title.is_empty() {
        view! { <em>{t(|x| x.untitled)}</em> }.into_any()
    } else {
        d.title.clone().into_any()
    };
    let state = match d.state {
        DossierState::Draft => t(|x| x.state_draft).into_any(),
        DossierState::Submitting if d.paused => t(|x| x.state_paused).into_any(),
        DossierState::Submitting => t(|x| x.state_submitting).into_any(),
        DossierState::Submitted => t(|x| x.state_submitted).into_any(),
    };
    let sending =
        (d.state == DossierState::Submitting).then(|| view! { <crate::sending::SendingLine id/> });
    let filed = d.state == DossierState::Submitted;
    let standing = d.tracking.clone().map(|tr| {
        view! { <crate::dossier::Standing tracking=tr confirmed_format="%H:%M %d/%m"/> }
    });
    let editable = d.state != DossierState::Submitted;
    let is_archived = d.archived;
    let portal_id = d.portal;
    let portal = move || {
        ctx.portals
            .get()
            .and_then(|list| list.into_iter().find(|p| p.id == portal_id && !p.default))
            .map(|p| {
                view! {
                    <span class="portal-name"><Bi vi=format!("{}: {}", crate::text::VI.portal, p.name.vi)
                        en=format!("{}: {}", crate::text::EN.portal, p.name.en)/></span>
                }
            })
    };
    let summary = d.clone();
    view! {
        <li class="dossier" data-id=id.to_string()>
            <div class="what">
                <strong class="title">{title}</strong>
                <span class="procedure">{msg(&procedure)}</span>
                {portal}
            </div>
            <div class="when">
                <span class=format!("state {:?}", d.state).to_lowercase()>{state}</span>
                {d.dossier_code.clone().map(|c| view! { <code class="code">{c}</code> })}
                <span class="changed">{d.updated_at.format("%H:%M %d/%m/%Y").to_string()}</span>
            </div>
            {sending}
            {standing}
            <div class="row-actions">
                {editable.then(|| view! {
                    <button type="button" class="open" on:click=move |_| { fetch.dispatch_local(command::GET_DOSSIER); }>{t(|x| x.open)}</button>
                })}
                {filed.then(|| view! {
                    <button type="button" class="track" on:click=move |_| on_track.run(id)>{t(|x| x.track)}</button>
                    <button type="button" class="receipt" on:click=move |_| on_receipt.run(id)>{t(|x| x.view_receipt)}</button>
                })}
                <button type="button" class="duplicate" on:click=move |_| { fetch.dispatch_local(command::DUPLICATE_DOSSIER); }>{t(|x| x.duplicate)}</button>
                {(d.state != DossierState::Submitting).then(|| view! {
                    <button type="button" class="export-package" on:click=move |_| { export.dispatch_local(()); }>{t(|x| x.export_package)}</button>
                })}
                <button type="button" class="archive" on:click=move |_| {
                    ctx.change.dispatch_local(Change::Archive { id, archived: !is_archived });
                }>
                    {if is_archived { t(|x| x.unarchive).into_any() } else { t(|x| x.archive).into_any() }}
                </button>
                <button type="button" class="delete" on:click=move |_| {
                    ctx.deleted.set(Some(summary.clone()));
                    ctx.change.dispatch_local(Change::Delete(id));
                }>{t(|x| x.delete)}</button>
            </div>
        </li>
    }
}
