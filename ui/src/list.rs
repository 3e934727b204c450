//! The dossier list: every dossier on this computer, the most recently
//! changed first, searched without accents by the profile's full-text
//! index once typing pauses; new dossiers start here
//! (`new_dossier.rs`), each line offers what can be done with its dossier
//! (`line.rs`), and the tools above the lines act on all of them
//! (`tools.rs`).

mod line;
mod new_dossier;
mod search;
mod tools;

use crate::ipc;
use crate::lang::{Bi, msg, t};
use hoso_core::{DossierQuery, DossierRecord, DossierSummary, Procedure};
use hoso_ipc::{ArchiveArgs, IdArgs, IpcError, ListArgs, PortalView, Preferences, command};
use leptos::prelude::*;
use line::DossierLine;
use new_dossier::NewDossier;
use search::SearchBox;
use tools::ListTools;

/// A change the list asks the shell for, after which it reads the list again.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Archive { id: i64, archived: bool },
    Delete(i64),
    Restore(i64),
    Preferences(Preferences),
}

impl Change {
    async fn send(self) -> Result<(), IpcError> {
        match self {
            Self::Archive { id, archived } => {
                let args = ArchiveArgs { id, archived };
                ipc::call(command::ARCHIVE_DOSSIER, &args).await
            }
            Self::Delete(id) => ipc::call(command::DELETE_DOSSIER, &IdArgs { id }).await,
            Self::Restore(id) => ipc::call(command::RESTORE_DOSSIER, &IdArgs { id }).await,
            Self::Preferences(p) => ipc::call(command::SET_PREFERENCES, &p).await,
        }
    }
}

/// What the list's parts share.
#[derive(Clone, Copy)]
pub struct ListContext {
    /// Bumped to read the list again.
    pub reload: RwSignal<u32>,
    /// Why the last thing asked failed.
    pub failure: RwSignal<Option<IpcError>>,
    /// The dossier just deleted, offered back.
    pub deleted: RwSignal<Option<DossierSummary>>,
    /// Changes sent to the shell.
    pub change: Action<Change, Result<(), IpcError>>,
    /// What the last package exported or imported became.
    pub package_done: RwSignal<Option<hoso_core::Bilingual>>,
    /// The profile's portals, to name a line's when it is not the default.
    pub portals: LocalResource<Vec<PortalView>>,
}

/// The list, with `on_open` called for the dossier to edit,
/// `on_receipt` for a filed dossier's receipt and `on_track` for its page.
#[component]
pub fn DossierList(
    procedures: Vec<Procedure>,
    on_open: Callback<DossierRecord>,
    on_receipt: Callback<i64>,
    on_track: Callback<i64>,
) -> impl IntoView {
    // The words the list was asked for (set once typing pauses).
    let text = RwSignal::new(String::new());
    let archived = RwSignal::new(false);
    let ctx = ListContext {
        reload: RwSignal::new(0),
        failure: RwSignal::new(None),
        deleted: RwSignal::new(None),
        package_done: RwSignal::new(None),
        change: Action::new_local(|c: &Change| c.clone().send()),
        portals: LocalResource::new(move || async move {
            ipc::call0::<Vec<PortalView>>(command::LIST_PORTALS)
                .await
                .unwrap_or_default()
        }),
    };
    Effect::new(move |_| match ctx.change.value().get() {
        Some(Ok(())) => {
            ctx.failure.set(None);
            ctx.reload.update(|n| *n += 1);
        }
        Some(Err(e)) => ctx.failure.set(Some(e)),
        None => {}
    });
    let items = LocalResource::new(move || {
        ctx.reload.track();
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
            ctx.reload.update(|n| *n += 1);
        }
    });
    // The portal chosen for new dossiers, also where an imported draft goes
    // when its package names no portal of this profile.
    let chosen_portal = RwSignal::new(None::<i64>);
    let names: Vec<(String, hoso_core::Bilingual)> = procedures
        .iter()
        .map(|p| (p.code.to_string(), p.name.clone()))
        .collect();

    let rows = move || {
        let list = match items.get() {
            None => return view! { <p class="loading">{t(|x| x.loading)}</p> }.into_any(),
            Some(Err(e)) => return view! { <p class="problems">{msg(&e.message)}</p> }.into_any(),
            Some(Ok(list)) => list,
        };
        if list.is_empty() && !text.with_untracked(|q| q.trim().is_empty()) {
            return view! { <p class="empty" id="no-match">{t(|x| x.no_match)}</p> }.into_any();
        }
        if list.is_empty() {
            return view! { <p class="empty" id="no-dossiers">{t(|x| x.no_dossiers)}</p> }
                .into_any();
        }
        let rows = list
            .into_iter()
            .map(|d| {
                let procedure = names
                    .iter()
                    .find(|(c, _)| c == d.procedure.as_str())
                    .map(|(_, n)| n.clone())
                    .unwrap_or_else(|| {
                        hoso_core::Bilingual::new(d.procedure.as_str(), d.procedure.as_str())
                    });
                view! { <DossierLine d procedure ctx on_open on_receipt on_track/> }
            })
            .collect::<Vec<_>>();
        view! { <ul class="dossiers" id="dossiers">{rows}</ul> }.into_any()
    };

    let undo = move || {
        ctx.deleted.get().map(|d| {
            let id = d.id;
            let title = if d.title.is_empty() { "—".to_owned() } else { d.title.clone() };
            view! {
                <p class="undo" id="undo" role="status">
                    <Bi vi=format!("{} “{title}”.", crate::text::VI.deleted) en=format!("{} “{title}”.", crate::text::EN.deleted)/>
                    " "
                    <button type="button" on:click=move |_| {
                        ctx.deleted.set(None);
                        ctx.change.dispatch_local(Change::Restore(id));
                    }>{t(|x| x.undo)}</button>
                </p>
            }
        })
    };

    view! {
        <NewDossier procedures portals=ctx.portals portal=chosen_portal on_open failure=ctx.failure/>
        <section class="card list">
            <div class="list-head">
                <h2>{t(|x| x.my_dossiers)}</h2>
                <SearchBox text/>
                <label class="toggle">
                    <input type="checkbox" id="show-archived" prop:checked=move || archived.get()
                        on:change=move |ev| archived.set(event_target_checked(&ev))/>
                    " " {t(|x| x.show_archived)}
                </label>
            </div>
            <ListTools ctx chosen_portal/>
            {undo}
            {move || ctx.failure.get().map(|e| view! { <p class="problems" role="alert">{msg(&e.message)}</p> })}
            {rows}
        </section>
    }
}
