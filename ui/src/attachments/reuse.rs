//! Documents once attached to a slot of the same kind and not attached
//! here now, offered to use again without copying anything.

use crate::lang::{pick, t, texts};
use hoso_core::bilingual::byte_size;
use hoso_core::{AttachedDocument, LibraryItem};
use leptos::prelude::*;

#[component]
pub fn ReuseOffer(
    slot_id: String,
    docs: RwSignal<Vec<AttachedDocument>>,
    library: RwSignal<Vec<LibraryItem>>,
    on_reuse: Callback<AttachedDocument>,
) -> impl IntoView {
    let slot = slot_id;
    let earlier = {
        let slot = slot.clone();
        move || {
            let here: Vec<_> = docs.with(|all| {
                all.iter()
                    .filter(|d| d.slot == slot)
                    .map(|d| d.sha256)
                    .collect()
            });
            library.with(|all| {
                all.iter()
                    .filter(|x| {
                        x.used_by.iter().any(|u| u.slot == slot) && !here.contains(&x.sha256)
                    })
                    .cloned()
                    .collect::<Vec<_>>()
            })
        }
    };
    let picked = RwSignal::new(String::new());
    let reuse = {
        let (slot, earlier) = (slot.clone(), earlier.clone());
        move |_| {
            let want = picked.get_untracked();
            if let Some(x) = earlier().into_iter().find(|x| x.sha256.to_hex() == want) {
                on_reuse.run(AttachedDocument {
                    slot: slot.clone(),
                    name: x.name,
                    size: x.size,
                    sha256: x.sha256,
                });
            }
        }
    };
    move || {
        let list = earlier();
        if list.is_empty() {
            return None;
        }
        if !list
            .iter()
            .any(|x| x.sha256.to_hex() == picked.get_untracked())
        {
            picked.set(list[0].sha256.to_hex());
        }
        let options = list
            .into_iter()
            .map(|x| {
                let value = x.sha256.to_hex();
                let label = move || {
                    let mark = if x.expired {
                        format!(" — {}", texts().expired)
                    } else {
                        String::new()
                    };
                    format!("{} ({}){mark}", x.name, pick(&byte_size(x.size)))
                };
                view! { <option value=value>{label}</option> }
            })
            .collect::<Vec<_>>();
        let id = slot.clone();
        Some(view! {
            <div class="reuse">
                <label for=format!("reuse-{id}")>{t(|x| x.earlier_documents)}</label>
                <select id=format!("reuse-{id}") on:change=move |ev| picked.set(event_target_value(&ev))>{options}</select>
                <button type="button" id=format!("reuse-button-{id}") on:click=reuse.clone()>{t(|x| x.reuse)}</button>
            </div>
        })
    }
}
