//! The dossier list: every dossier on this computer, the most recently
//! changed first, searchable without accents; new dossiers start here.

use crate::bilingual::{Bi, msg, t};
use crate::ipc;
use hoso_core::{DossierQuery, DossierRecord, DossierState, DossierSummary, Procedure};
use hoso_ipc::{
    ArchiveArgs, CreateArgs, IdArgs, IpcError, ListArgs, PortalView, Preferences, command,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The list, with `on_open` called for the dossier to edit,
/// `on_receipt` for a filed dossier's receipt and `on_track` for its page.
#[component]
pub fn DossierList(
    procedures: Vec<Procedure>,
    on_open: Callback<DossierRecord>,
    on_receipt: Callback<i64>,
    on_track: Callback<i64>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let archived = RwSignal::new(false);
    let reload = RwSignal::new(0u32);
    let failure = RwSignal::new(None::<IpcError>);
    let deleted = RwSignal::new(None::<DossierSummary>);
    let items = LocalResource::new(move || {
        reload.track();
        let query = DossierQuery {
            text: text.get(),
            archived: archived.get(),
            ..DossierQuery::default()
        };
        async move {
            ipc::call::<_, Vec<DossierSummary>>(command::LIST_DOSSIERS, &ListArgs { query }).await
        }
    });
    // A sending that ends (here or continued at start) changes its line.
    let progress = expect_context::<ipc::Progress>().0;
    let finished = Memo::new(move |_| {
        progress.with(|m| {
            m.values()
                .filter(|p| p.phase == hoso_core::progress::SendPhase::Done)
                .count()
        })
    });
    let status_changes = expect_context::<ipc::StatusChanges>().0;
    Effect::new(move |_| {
        if finished.get() > 0 || status_changes.get() > 0 {
            reload.update(|n| *n += 1);
        }
    });
    let exported = RwSignal::new(None::<String>);
    let export = move |_| {
        spawn_local(async move {
            match ipc::call0::<String>(command::EXPORT_CSV).await {
                Ok(path) => {
                    failure.set(None);
                    exported.set(Some(path));
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    // The portal chosen for new dossiers, also where an imported draft goes
    // when its package names no portal of this profile.
    let chosen_portal = RwSignal::new(None::<i64>);
    let package_path = RwSignal::new(String::new());
    let package_done = RwSignal::new(None::<hoso_core::Bilingual>);
    // A package the app was opened with waits in the import field, for
    // the person to choose where a draft goes and import it.
    if let Some(opened) = use_context::<crate::app::OpenedPackage>() {
        Effect::new(move |_| {
            if let Some(path) = opened.0.get() {
                package_path.set(path);
                opened.0.set(None);
            }
        });
    }
    let export_package = move |id: i64| {
        spawn_local(async move {
            match ipc::call::<_, String>(command::EXPORT_PACKAGE, &IdArgs { id }).await {
                Ok(path) => {
                    failure.set(None);
                    package_done.set(Some(hoso_core::Bilingual::new(
                        format!("{}: {path}", crate::text::VI.package_exported),
                        format!("{}: {path}", crate::text::EN.package_exported),
                    )));
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let import_package = move || {
        let path = package_path.get_untracked().trim().to_owned();
        if path.is_empty() {
            return;
        }
        spawn_local(async move {
            let args = hoso_ipc::PackageArgs {
                path,
                portal: chosen_portal.get_untracked(),
            };
            match ipc::call::<_, hoso_ipc::ImportedPackage>(command::IMPORT_PACKAGE, &args).await {
                Ok(done) => {
                    failure.set(None);
                    package_path.set(String::new());
                    package_done.set(Some(done.message));
                    reload.update(|n| *n += 1);
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let pick_package = move |_| ipc::pick_file(package_path, failure, import_package);
    let syncing = RwSignal::new(false);
    let sync_now = move |_| {
        syncing.set(true);
        spawn_local(async move {
            match ipc::call0::<u32>(command::SYNC_STATUS).await {
                Ok(_) => {
                    failure.set(None);
                    reload.update(|n| *n += 1);
                }
                Err(e) => failure.set(Some(e)),
            }
            syncing.set(false);
        });
    };
    let preferences = RwSignal::new(None::<Preferences>);
    spawn_local(async move {
        if let Ok(p) = ipc::call0::<Preferences>(command::GET_PREFERENCES).await {
            preferences.set(Some(p));
        }
    });
    let names: Vec<(String, hoso_core::Bilingual)> = procedures
        .iter()
        .map(|p| (p.code.to_string(), p.name.clone()))
        .collect();
    let name_of = move |code: &str| {
        names
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| hoso_core::Bilingual::new(code, code))
    };

    let run =
        move |fut: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), IpcError>>>>| {
            spawn_local(async move {
                match fut.await {
                    Ok(()) => {
                        failure.set(None);
                        reload.update(|n| *n += 1);
                    }
                    Err(e) => failure.set(Some(e)),
                }
            })
        };
    let set_preference = move |change: fn(&mut Preferences, bool), on: bool| {
        let Some(mut p) = preferences.get_untracked() else {
            return;
        };
        change(&mut p, on);
        preferences.set(Some(p));
        run(Box::pin(async move {
            ipc::call::<_, ()>(command::SET_PREFERENCES, &p).await
        }))
    };
    let open = move |id: i64| {
        spawn_local(async move {
            match ipc::call::<_, DossierRecord>(command::GET_DOSSIER, &IdArgs { id }).await {
                Ok(record) => on_open.run(record),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let duplicate = move |id: i64| {
        spawn_local(async move {
            match ipc::call::<_, DossierRecord>(command::DUPLICATE_DOSSIER, &IdArgs { id }).await {
                Ok(record) => on_open.run(record),
                Err(e) => failure.set(Some(e)),
            }
        });
    };

    // The portals, to name on a line the one a dossier is not filed with
    // by default.
    let portals = LocalResource::new(move || async move {
        ipc::call0::<Vec<PortalView>>(command::LIST_PORTALS)
            .await
            .unwrap_or_default()
    });
    let other_portal = move |id: i64| {
        portals.get().and_then(|list| {
            list.into_iter()
                .find(|p| p.id == id && !p.default)
                .map(|p| p.name)
        })
    };

    let rows = move || {
        let list = match items.get() {
            None => return view! { <p class="loading">{t(|x| x.loading)}</p> }.into_any(),
            Some(Err(e)) => return view! { <p class="problems">{msg(&e.message)}</p> }.into_any(),
            Some(Ok(list)) => list,
        };
        if list.is_empty() {
            return view! { <p class="empty" id="no-dossiers">{t(|x| x.no_dossiers)}</p> }
                .into_any();
        }
        let rows = list
            .into_iter()
            .map(|d| {
                let id = d.id;
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
                let sending = (d.state == DossierState::Submitting)
                    .then(|| view! { <crate::sending::SendingLine id/> });
                let filed = d.state == DossierState::Submitted;
                let standing = d.tracking.clone().map(|tr| {
                    view! { <crate::dossier::Standing tracking=tr confirmed_format="%H:%M %d/%m"/> }
                });
                let editable = d.state != DossierState::Submitted;
                let is_archived = d.archived;
                let summary = d.clone();
                let procedure = name_of(d.procedure.as_str());
                let portal = move || {
                    other_portal(d.portal).map(|name| view! {
                        <span class="portal-name"><Bi vi=format!("{}: {}", crate::text::VI.portal, name.vi)
                            en=format!("{}: {}", crate::text::EN.portal, name.en)/></span>
                    })
                };
                view! {
                    <li class="dossier" data-id=id.to_string()>
                        <div class="what">
                            <strong class="title">{title}</strong>
                            <span class="procedure"><Bi vi=procedure.vi en=procedure.en/></span>
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
                                <button type="button" class="open" on:click=move |_| open(id)>{t(|x| x.open)}</button>
                            })}
                            {filed.then(|| view! {
                                <button type="button" class="track" on:click=move |_| on_track.run(id)>{t(|x| x.track)}</button>
                                <button type="button" class="receipt" on:click=move |_| on_receipt.run(id)>{t(|x| x.view_receipt)}</button>
                            })}
                            <button type="button" class="duplicate" on:click=move |_| duplicate(id)>{t(|x| x.duplicate)}</button>
                            {(d.state != DossierState::Submitting).then(|| view! {
                                <button type="button" class="export-package" on:click=move |_| export_package(id)>{t(|x| x.export_package)}</button>
                            })}
                            <button type="button" class="archive" on:click=move |_| {
                                run(Box::pin(async move {
                                    ipc::call::<_, ()>(command::ARCHIVE_DOSSIER, &ArchiveArgs { id, archived: !is_archived }).await
                                }))
                            }>
                                {if is_archived { t(|x| x.unarchive).into_any() } else { t(|x| x.archive).into_any() }}
                            </button>
                            <button type="button" class="delete" on:click=move |_| {
                                let summary = summary.clone();
                                deleted.set(Some(summary));
                                run(Box::pin(async move {
                                    ipc::call::<_, ()>(command::DELETE_DOSSIER, &IdArgs { id }).await
                                }))
                            }>{t(|x| x.delete)}</button>
                        </div>
                    </li>
                }
            })
            .collect::<Vec<_>>();
        view! { <ul class="dossiers" id="dossiers">{rows}</ul> }.into_any()
    };

    let undo = move || {
        deleted.get().map(|d| {
            let id = d.id;
            let title = if d.title.is_empty() { "—".to_owned() } else { d.title.clone() };
            view! {
                <p class="undo" id="undo" role="status">
                    <Bi vi=format!("{} “{title}”.", crate::text::VI.deleted) en=format!("{} “{title}”.", crate::text::EN.deleted)/>
                    " "
                    <button type="button" on:click=move |_| {
                        deleted.set(None);
                        run(Box::pin(async move {
                            ipc::call::<_, ()>(command::RESTORE_DOSSIER, &IdArgs { id }).await
                        }))
                    }>{t(|x| x.undo)}</button>
                </p>
            }
        })
    };

    view! {
        <NewDossier procedures portals portal=chosen_portal on_open failure/>
        <section class="card list">
            <div class="list-head">
                <h2>{t(|x| x.my_dossiers)}</h2>
                <input type="search" id="search" placeholder=crate::text::VI.search_placeholder
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
                <label class="toggle">
                    <input type="checkbox" id="show-archived" prop:checked=move || archived.get()
                        on:change=move |ev| archived.set(event_target_checked(&ev))/>
                    " " {t(|x| x.show_archived)}
                </label>
            </div>
            <div class="list-tools">
                <label class="toggle" id="continue-at-start-label">
                    <input type="checkbox" id="continue-at-start"
                        prop:checked=move || preferences.get().is_none_or(|p| p.continue_at_start)
                        disabled=move || preferences.get().is_none()
                        on:change=move |ev| set_preference(|p, on| p.continue_at_start = on, event_target_checked(&ev))/>
                    " " {t(|x| x.continue_at_start)}
                </label>
                <label class="toggle" id="notifications-label">
                    <input type="checkbox" id="notifications"
                        prop:checked=move || preferences.get().is_none_or(|p| p.notifications)
                        disabled=move || preferences.get().is_none()
                        on:change=move |ev| set_preference(|p, on| p.notifications = on, event_target_checked(&ev))/>
                    " " {t(|x| x.notifications)}
                </label>
                <button type="button" id="sync-status" class="link" on:click=sync_now disabled=move || syncing.get()>
                    {t(|x| x.sync_status)}
                </button>
                <button type="button" id="export-csv" class="link" on:click=export>
                    {t(|x| x.export_csv)}
                </button>
            </div>
            <div class="input-row package-import">
                <label for="package-path">{t(|x| x.import_package)}</label>
                <input type="text" id="package-path" placeholder=crate::text::VI.package_path
                    prop:value=move || package_path.get() on:input=move |ev| package_path.set(event_target_value(&ev))/>
                <button type="button" id="package-import" on:click=move |_| import_package()>{t(|x| x.package_import)}</button>
                <button type="button" id="package-pick" on:click=pick_package>{t(|x| x.supplement_pick)}</button>
            </div>
            {move || package_done.get().map(|m| view! {
                <p class="saved" id="package-done" role="status">{msg(&m)}</p>
            })}
            {move || exported.get().map(|path| view! {
                <p class="saved" id="exported" role="status">{t(|x| x.exported_to)} ": " <code>{path}</code></p>
            })}
            {undo}
            {move || failure.get().map(|e| view! { <p class="problems" role="alert">{msg(&e.message)}</p> })}
            {rows}
        </section>
    }
}

/// The procedure most people come for, chosen first when a portal has it.
const FIRST_CHOICE: &str = "kiem-tra-cl-nhap-khau";

/// Starting a dossier: the procedure and, when the profile has more than
/// one portal, the portal it is written for, kept in `portal` (its
/// catalog, cached when it does not answer, lists the procedures).
#[component]
fn NewDossier(
    procedures: Vec<Procedure>,
    portals: LocalResource<Vec<PortalView>>,
    portal: RwSignal<Option<i64>>,
    on_open: Callback<DossierRecord>,
    failure: RwSignal<Option<IpcError>>,
) -> impl IntoView {
    let first = |list: &[Procedure]| {
        list.iter()
            .position(|p| p.code.as_str() == FIRST_CHOICE)
            .unwrap_or(0)
    };
    let chosen = RwSignal::new(first(&procedures));
    let offered = RwSignal::new(procedures);
    let choose_portal = move |id: i64| {
        portal.set(Some(id));
        spawn_local(async move {
            match ipc::call::<_, Vec<Procedure>>(command::PORTAL_PROCEDURES, &IdArgs { id }).await {
                Ok(list) => {
                    failure.set(None);
                    chosen.set(first(&list));
                    offered.set(list);
                }
                Err(e) => {
                    // Nothing to offer for that portal: no dossier can be
                    // started there with another portal's procedure.
                    offered.set(Vec::new());
                    failure.set(Some(e));
                }
            }
        });
    };
    let create = move |_| {
        let Some(p) = offered.with_untracked(|list| list.get(chosen.get_untracked()).cloned())
        else {
            return;
        };
        let args = CreateArgs {
            procedure: p.code,
            portal: portal.get_untracked(),
        };
        spawn_local(async move {
            match ipc::call::<_, DossierRecord>(command::CREATE_DOSSIER, &args).await {
                Ok(record) => on_open.run(record),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let portal_choice = move || {
        let list = portals.get().unwrap_or_default();
        (list.len() > 1).then(|| {
            let options = list
                .into_iter()
                .map(|p| {
                    view! { <option value=p.id.to_string() selected=p.default>{p.name.vi.clone()}</option> }
                })
                .collect::<Vec<_>>();
            view! {
                <label class="portal-choice">
                    <span class="label">{t(|x| x.portal)}</span>
                    <select id="portal-choice" aria-label=crate::text::VI.portal on:change=move |ev| {
                        if let Ok(id) = event_target_value(&ev).parse() {
                            choose_portal(id);
                        }
                    }>{options}</select>
                </label>
            }
        })
    };
    let options = move || {
        offered
            .get()
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let label = format!("{} · {}", p.name.vi, p.name.en);
                view! { <option value=i.to_string() selected=i == chosen.get_untracked()>{label}</option> }
            })
            .collect::<Vec<_>>()
    };
    view! {
        <section class="card new">
            <h2>{t(|x| x.new_dossier)}</h2>
            {portal_choice}
            <div class="input-row">
                <select id="procedure" aria-label=crate::text::VI.procedure on:change=move |ev| {
                    if let Ok(i) = event_target_value(&ev).parse() {
                        chosen.set(i);
                    }
                }>{options}</select>
                <button type="button" id="create" class="primary" on:click=create>{t(|x| x.create)}</button>
            </div>
        </section>
    }
}
