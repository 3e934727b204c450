//! One attachment slot: pick, paste or drop a file, copy it into the
//! library through the shell, show it against the slot's limits and its
//! validity, and offer documents attached to the same kind of slot before.

use crate::bilingual::{msg, t};
use crate::ipc;
use hoso_core::bilingual::byte_size;
use hoso_core::procedure::AttachmentSlot;
use hoso_core::{AttachedDocument, LibraryItem};
use hoso_ipc::{ImportArgs, IpcError, StoredAttachment, ValidityArgs, command};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn SlotInput(
    spec: AttachmentSlot,
    docs: RwSignal<Vec<AttachedDocument>>,
    library: RwSignal<Vec<LibraryItem>>,
    reload_library: Callback<()>,
) -> impl IntoView {
    let path = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<IpcError>);
    let slot_id = spec.id.clone();
    let max_count = spec.max_count as usize;

    let attach = {
        let (slot_id, spec) = (slot_id.clone(), spec.clone());
        move || {
            let chosen = path.get_untracked().trim().to_owned();
            if chosen.is_empty() || busy.get_untracked() {
                return;
            }
            busy.set(true);
            error.set(None);
            let slot_id = slot_id.clone();
            let spec = spec.clone();
            spawn_local(async move {
                let args = ImportArgs {
                    path: chosen,
                    slot: Some(spec.clone()),
                };
                match ipc::call::<_, StoredAttachment>(command::IMPORT_ATTACHMENT, &args).await {
                    Ok(stored) => {
                        docs.update(|all| {
                            let in_slot = all.iter().filter(|d| d.slot == slot_id).count();
                            if max_count == 1 && in_slot == 1 {
                                all.retain(|d| d.slot != slot_id);
                            }
                            all.push(AttachedDocument {
                                slot: slot_id,
                                name: stored.name,
                                size: stored.size,
                                sha256: stored.sha256,
                            });
                        });
                        path.set(String::new());
                        reload_library.run(());
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        }
    };
    let pick = {
        let attach = attach.clone();
        move |_| {
            let attach = attach.clone();
            ipc::pick_file(path, error, attach);
        }
    };
    let attach_click = {
        let attach = attach.clone();
        move |_| attach()
    };

    let listed = {
        let slot_id = slot_id.clone();
        let max = spec.max_size_bytes;
        move || {
            docs.get()
                .into_iter()
                .enumerate()
                .filter(|(_, d)| d.slot == slot_id)
                .map(|(i, d)| {
                    let size = byte_size(d.size);
                    let over = d.size > max;
                    let sha = d.sha256;
                    let item = move || library.with(|all| all.iter().find(|x| x.sha256 == sha).cloned());
                    let valid = move || {
                        item().and_then(|x| x.valid_until).map(|v| v.to_string()).unwrap_or_default()
                    };
                    let expired = move || item().is_some_and(|x| x.expired);
                    let set_valid = move |ev| {
                        let valid_until = event_target_value(&ev).parse().ok();
                        spawn_local(async move {
                            match ipc::call::<_, ()>(command::SET_VALIDITY, &ValidityArgs { sha256: sha, valid_until }).await {
                                Ok(()) => reload_library.run(()),
                                Err(e) => error.set(Some(e)),
                            }
                        });
                    };
                    view! {
                        <li class="doc" class:expired=expired>
                            <span class="name">{d.name.clone()}</span>
                            <span class="size" class:over=over>{size.vi}</span>
                            <code class="sha" title=d.sha256.to_hex()>{d.sha256.to_hex()[..16].to_owned()} "…"</code>
                            <label class="valid">
                                {t(|x| x.valid_until)}
                                <input type="date" class="valid-until" prop:value=valid on:change=set_valid/>
                            </label>
                            {move || expired().then(|| view! { <strong class="expired-flag">{t(|x| x.expired)}</strong> })}
                            <button type="button" class="link" on:click=move |_| docs.update(|all| { all.remove(i); })>
                                {t(|x| x.remove)}
                            </button>
                        </li>
                    }
                })
                .collect::<Vec<_>>()
        }
    };

    // Documents once attached to a slot of this kind, not attached here now.
    let earlier = {
        let slot_id = slot_id.clone();
        move || {
            let here: Vec<_> = docs.with(|all| {
                all.iter()
                    .filter(|d| d.slot == slot_id)
                    .map(|d| d.sha256)
                    .collect()
            });
            library.with(|all| {
                all.iter()
                    .filter(|x| {
                        x.used_by.iter().any(|u| u.slot == slot_id) && !here.contains(&x.sha256)
                    })
                    .cloned()
                    .collect::<Vec<_>>()
            })
        }
    };
    let picked = RwSignal::new(String::new());
    let reuse = {
        let (slot_id, earlier) = (slot_id.clone(), earlier.clone());
        move |_| {
            let want = picked.get_untracked();
            if let Some(x) = earlier().into_iter().find(|x| x.sha256.to_hex() == want) {
                let slot = slot_id.clone();
                docs.update(|all| {
                    if max_count == 1 {
                        all.retain(|d| d.slot != slot);
                    }
                    all.push(AttachedDocument {
                        slot,
                        name: x.name,
                        size: x.size,
                        sha256: x.sha256,
                    });
                });
            }
        }
    };
    let offer = {
        let (earlier, id) = (earlier.clone(), spec.id.clone());
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
                    let mark = if x.expired {
                        " — hết hiệu lực · expired"
                    } else {
                        ""
                    };
                    let label = format!("{} ({}){mark}", x.name, byte_size(x.size).vi);
                    view! { <option value=x.sha256.to_hex()>{label}</option> }
                })
                .collect::<Vec<_>>();
            let reuse = reuse.clone();
            Some(view! {
                <div class="reuse">
                    <label for=format!("reuse-{id}")>{t(|x| x.earlier_documents)}</label>
                    <select id=format!("reuse-{id}") on:change=move |ev| picked.set(event_target_value(&ev))>{options}</select>
                    <button type="button" id=format!("reuse-button-{id}") on:click=reuse>{t(|x| x.reuse)}</button>
                </div>
            })
        }
    };

    // A file dropped on the slot is imported like a picked one (the shell
    // gives dropped files their path on this computer).
    if let Some(crate::ipc::Dropped(dropped)) = use_context::<crate::ipc::Dropped>() {
        let (slot_id, attach) = (slot_id.clone(), attach.clone());
        Effect::new(move |_| {
            let hit = dropped.with(|d| {
                d.as_ref()
                    .filter(|(s, _)| *s == slot_id)
                    .map(|(_, p)| p.clone())
            });
            if let Some(p) = hit {
                dropped.set(None);
                path.set(p);
                attach();
            }
        });
    }

    let limit = byte_size(spec.max_size_bytes);
    view! {
        <fieldset class="slot" id=format!("documents.{}", spec.id)>
            <legend>
                {msg(&spec.label)}
                {spec.required.then(|| view! { <span class="req">" * " {t(|x| x.required_mark)}</span> })}
            </legend>
            <p class="hint">
                {t(|x| x.accepted_types)} ": " {spec.accept.join(", ")} " — " {t(|x| x.max_size)} " " {limit.vi}
            </p>
            <ul class="docs">{listed}</ul>
            {offer}
            <div class="pick">
                <button type="button" on:click=pick disabled=move || busy.get()>{t(|x| x.choose_file)}</button>
                <input type="text" class="path" name=format!("path-{}", spec.id)
                    placeholder=crate::text::VI.path_placeholder
                    prop:value=move || path.get() on:input=move |ev| path.set(event_target_value(&ev))
                    on:keydown={
                        let attach = attach.clone();
                        move |ev| if ev.key() == "Enter" { attach() }
                    }/>
                <button type="button" id=format!("attach-{}", spec.id) on:click=attach_click
                    disabled=move || busy.get()>
                    {move || if busy.get() { t(|x| x.attaching).into_any() } else { t(|x| x.attach).into_any() }}
                </button>
            </div>
            {move || error.get().map(|e| view! { <p class="problems" role="alert">{msg(&e.message)}</p> })}
        </fieldset>
    }
}
