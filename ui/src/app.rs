//! The window: header with the portal, then the dossier list, the editor
//! or the receipt.

use crate::dossier::DossierPageView;
use crate::editor::Editor;
use crate::ipc;
use crate::lang::{Chosen, LanguageSwitch, msg, t};
use crate::list::DossierList;
use crate::portals::PortalsView;
use crate::receipt::ReceiptView;
use crate::summary::SummaryView;
use hoso_core::{DossierRecord, Procedure};
use hoso_ipc::{AppInfo, IdArgs, IpcError, PortalView, SubmitOutcome, command};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// What the window shows below the header.
#[derive(Debug, Clone)]
enum Screen {
    List,
    Editor(Box<DossierRecord>),
    Receipt(Box<SubmitOutcome>),
    /// A filed dossier's page (by local id).
    Dossier(i64),
    Summary,
    Portals,
}

/// Times the procedures are asked for at start before the window says it
/// could not: an answer garbled between shell and page is asked again.
const LOAD_ATTEMPTS: u32 = 3;

/// Loads the procedures into `procedures`, asking again after a moment
/// when the answer did not arrive whole (an internal error).
fn load_procedures(
    procedures: RwSignal<Option<Vec<Procedure>>>,
    failure: RwSignal<Option<IpcError>>,
    attempt: u32,
) {
    spawn_local(async move {
        match ipc::call0::<Vec<Procedure>>(command::LIST_PROCEDURES).await {
            Ok(list) => procedures.set(Some(list)),
            Err(e) if e.code == hoso_ipc::ErrorCode::Internal && attempt < LOAD_ATTEMPTS => {
                leptos::logging::warn!("procedures not read (attempt {attempt}): {}", e.message.en);
                leptos::leptos_dom::helpers::set_timeout(
                    move || load_procedures(procedures, failure, attempt + 1),
                    std::time::Duration::from_millis(400),
                );
            }
            Err(e) => failure.set(Some(e)),
        }
    });
}

/// The editor for `record` with its procedure from `procedures` (and the
/// name of its portal when that is not the default), or a notice that the
/// procedure is no longer offered.
fn editor_for(
    procedures: &[Procedure],
    record: DossierRecord,
    on_done: Callback<SubmitOutcome>,
    on_back: Callback<()>,
    portal: Option<hoso_core::Bilingual>,
) -> AnyView {
    match procedures
        .iter()
        .find(|p| p.code == record.content.procedure)
        .cloned()
    {
        Some(procedure) => match portal {
            Some(portal) => view! { <Editor procedure record on_done on_back portal/> }.into_any(),
            None => view! { <Editor procedure record on_done on_back/> }.into_any(),
        },
        None => view! {
            <section class="card error">
                <p>{t(|x| x.procedure_missing)}</p>
                <button type="button" on:click=move |_| on_back.run(())>{t(|x| x.back_to_list)}</button>
            </section>
        }
        .into_any(),
    }
}

/// The `.hoso` package the app was started to open, until the list puts
/// it in its import field.
#[derive(Debug, Clone, Copy)]
pub struct OpenedPackage(pub RwSignal<Option<String>>);

#[component]
pub fn App() -> impl IntoView {
    let info = RwSignal::new(None::<AppInfo>);
    let procedures = RwSignal::new(None::<Vec<Procedure>>);
    let failure = RwSignal::new(None::<IpcError>);
    let screen = RwSignal::new(Screen::List);
    provide_context(ipc::listen_for_drops());
    provide_context(ipc::listen_for_progress());
    provide_context(ipc::listen_for_status());
    provide_context(ipc::listen_for_result_progress());
    let opened = OpenedPackage(RwSignal::new(None));
    provide_context(opened);
    // Nothing is shown before the language is known: no Vietnamese
    // flashing by for a person who chose English.
    let chosen = Chosen(RwSignal::new(hoso_ipc::Language::Vi));
    provide_context(chosen);
    let language_known = RwSignal::new(false);
    spawn_local(async move {
        match ipc::call0::<hoso_ipc::Language>(command::LANGUAGE).await {
            Ok(l) => chosen.0.set(l),
            Err(e) => leptos::logging::warn!("language not read: {}", e.message.en),
        }
        language_known.set(true);
    });
    Effect::new(move |_| crate::lang::mark_document(chosen.0.get()));

    spawn_local(async move {
        match ipc::call0::<AppInfo>(command::APP_INFO).await {
            Ok(i) => {
                opened.0.set(i.opened_package.clone());
                info.set(Some(i));
            }
            Err(e) => failure.set(Some(e)),
        }
    });
    load_procedures(procedures, failure, 1);

    let header = move || {
        info.get().map(|i| {
            view! {
                <div class="portal" id="portal">
                    <span class="label">{t(|x| x.default_portal)}</span>
                    <strong>{msg(&i.portal_name)}</strong>
                    {i.practice.then(|| view! { <span class="badge">{t(|x| x.practice_badge)}</span> })}
                    <span class="key" title=i.portal_url.clone()>
                        {t(|x| x.key_pinned)} ": " <code>{i.key_fingerprint.clone()}</code>
                    </span>
                </div>
            }
        })
    };

    let body = move || {
        if let Some(e) = failure.get() {
            return view! {
                <section class="card error" id="startup-error">
                    <h2>{t(|x| x.error_title)}</h2>
                    <p>{msg(&e.message)}</p>
                </section>
            }
            .into_any();
        }
        let Some(all) = procedures.get().filter(|_| language_known.get()) else {
            return view! { <p class="loading">{t(|x| x.loading)}</p> }.into_any();
        };
        let to_list = Callback::new(move |()| screen.set(Screen::List));
        let receipt = Callback::new(move |id: i64| {
            spawn_local(async move {
                match ipc::call::<_, SubmitOutcome>(command::GET_RECEIPT, &IdArgs { id }).await {
                    Ok(o) => {
                        screen.set(Screen::Receipt(Box::new(o)));
                        window().scroll_to_with_x_and_y(0.0, 0.0);
                    }
                    Err(e) => failure.set(Some(e)),
                }
            });
        });
        match screen.get() {
            Screen::List => {
                let open =
                    Callback::new(move |r: DossierRecord| screen.set(Screen::Editor(Box::new(r))));
                let track = Callback::new(move |id: i64| {
                    screen.set(Screen::Dossier(id));
                    window().scroll_to_with_x_and_y(0.0, 0.0);
                });
                view! { <DossierList procedures=all on_open=open on_receipt=receipt on_track=track/> }
                    .into_any()
            }
            Screen::Dossier(id) => {
                view! { <DossierPageView id on_back=to_list on_receipt=receipt/> }.into_any()
            }
            Screen::Summary => view! { <SummaryView/> }.into_any(),
            Screen::Portals => view! { <PortalsView/> }.into_any(),
            Screen::Receipt(o) => view! { <ReceiptView outcome=*o on_new=to_list/> }.into_any(),
            Screen::Editor(record) => {
                let done = Callback::new(move |o: SubmitOutcome| {
                    screen.set(Screen::Receipt(Box::new(o)));
                    // The receipt is read from its top: "received".
                    window().scroll_to_with_x_and_y(0.0, 0.0);
                });
                let default_portal = info.get_untracked().map(|i| i.portal_id);
                if default_portal.is_some_and(|id| id != record.summary.portal) {
                    // Written for another portal: its own catalog.
                    let portal = record.summary.portal;
                    let catalog = LocalResource::new(move || async move {
                        let list = ipc::call::<_, Vec<Procedure>>(
                            command::PORTAL_PROCEDURES,
                            &IdArgs { id: portal },
                        )
                        .await?;
                        let name = ipc::call0::<Vec<PortalView>>(command::LIST_PORTALS)
                            .await?
                            .into_iter()
                            .find(|p| p.id == portal)
                            .map(|p| p.name);
                        Ok::<_, IpcError>((list, name))
                    });
                    let record = *record;
                    return (move || match catalog.get() {
                        None => view! { <p class="loading">{t(|x| x.loading)}</p> }.into_any(),
                        Some(Err(e)) => {
                            view! { <p class="problems">{msg(&e.message)}</p> }.into_any()
                        }
                        Some(Ok((list, name))) => {
                            editor_for(&list, record.clone(), done, to_list, name)
                        }
                    })
                    .into_any();
                }
                editor_for(&all, *record, done, to_list, None)
            }
        }
    };

    view! {
        <header class="top">
            <div class="brand">
                <h1>{crate::text::VI.app_title}</h1>
                <p>{t(|x| x.app_subtitle)}</p>
            </div>
            {header}
            <LanguageSwitch/>
            <nav class="tabs">
                <button type="button" id="nav-list" on:click=move |_| screen.set(Screen::List)>{t(|x| x.nav_list)}</button>
                <button type="button" id="nav-summary" on:click=move |_| screen.set(Screen::Summary)>{t(|x| x.nav_summary)}</button>
                <button type="button" id="nav-portals" on:click=move |_| screen.set(Screen::Portals)>{t(|x| x.nav_portals)}</button>
            </nav>
        </header>
        <main>{body}</main>
    }
}
