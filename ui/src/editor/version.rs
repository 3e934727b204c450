//! The notice shown when the portal changed the procedure since the
//! dossier was written: from which version to which, what changed, and
//! the button that moves the dossier to the version in force.

use crate::ipc;
use crate::lang::{Bi, msg, t};
use hoso_core::Procedure;
use hoso_ipc::{VersionArgs, command};
use leptos::prelude::*;

/// `written_for` is the version the dossier names; `current` the one the
/// portal serves now; `portal` the dossier's portal.
#[component]
pub fn VersionNotice(
    current: Procedure,
    written_for: RwSignal<String>,
    portal: i64,
) -> impl IntoView {
    let from = written_for.get_untracked();
    let to = current.version.clone();
    // What changed, as the portal's earlier version tells (nothing to
    // list when that version is not known here).
    let changes = LocalResource::new({
        let (current, from) = (current.clone(), from.clone());
        move || {
            let args = VersionArgs {
                procedure: current.code.clone(),
                version: from.clone(),
                portal: Some(portal),
            };
            let current = current.clone();
            async move {
                match ipc::call::<_, Option<Procedure>>(command::PROCEDURE_VERSION, &args).await {
                    Ok(Some(old)) => hoso_core::procedure::diff::changes(&old, &current),
                    _ => Vec::new(),
                }
            }
        }
    });
    move || {
        let list = changes.get()?;
        if written_for.get() == to {
            return None;
        }
        let items = list
            .iter()
            .map(|m| view! { <li>{msg(m)}</li> })
            .collect::<Vec<_>>();
        let (from, to) = (from.clone(), to.clone());
        Some(view! {
            <section class="card notice" id="version-changed" role="status">
                <h2>
                    <Bi vi=format!("Cổng đã cập nhật thủ tục: phiên bản {from} → {to}")
                        en=format!("The portal updated the procedure: version {from} → {to}")/>
                </h2>
                {if items.is_empty() {
                    view! { <p>{t(|x| x.version_changed_unknown)}</p> }.into_any()
                } else {
                    view! { <ul>{items}</ul> }.into_any()
                }}
                <button type="button" id="update-version" class="primary"
                    on:click=move |_| written_for.set(to.clone())>
                    {t(|x| x.update_version)}
                </button>
            </section>
        })
    }
}
