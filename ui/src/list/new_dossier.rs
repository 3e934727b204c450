//! Starting a dossier: the procedure, and the portal it is written for
//! when the profile has more than one.

use crate::ipc;
use crate::lang::{msg, t, texts};
use hoso_core::{DossierRecord, Procedure};
use hoso_ipc::{CreateArgs, IdArgs, IpcError, PortalView, command};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The procedure most people come for, chosen first when a portal has it.
const FIRST_CHOICE: &str = "kiem-tra-cl-nhap-khau";

/// Starting a dossier: the procedure and, when the profile has more than
/// one portal, the portal it is written for, kept in `portal` (its
/// catalog, cached when it does not answer, lists the procedures).
#[component]
pub fn NewDossier(
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
                    view! { <option value=p.id.to_string() selected=p.default>{msg(&p.name)}</option> }
                })
                .collect::<Vec<_>>();
            view! {
                <label class="portal-choice">
                    <span class="label">{t(|x| x.portal)}</span>
                    <select id="portal-choice" aria-label=move || texts().portal on:change=move |ev| {
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
                view! { <option value=i.to_string() selected=i == chosen.get_untracked()>{msg(&p.name)}</option> }
            })
            .collect::<Vec<_>>()
    };
    view! {
        <section class="card new">
            <h2>{t(|x| x.new_dossier)}</h2>
            {portal_choice}
            <div class="input-row">
                <select id="procedure" aria-label=move || texts().procedure on:change=move |ev| {
                    if let Ok(i) = event_target_value(&ev).parse() {
                        chosen.set(i);
                    }
                }>{options}</select>
                <button type="button" id="create" class="primary" on:click=create>{t(|x| x.create)}</button>
            </div>
        </section>
    }
}
