//! One attachment slot: pick or paste a file, copy it into the library
//! through the shell, and show it against the slot's limits.

use crate::bilingual::{msg, t};
use crate::ipc;
use hoso_core::AttachedDocument;
use hoso_core::bilingual::byte_size;
use hoso_core::procedure::AttachmentSlot;
use hoso_ipc::{ImportArgs, IpcError, StoredAttachment, command};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn SlotInput(spec: AttachmentSlot, docs: RwSignal<Vec<AttachedDocument>>) -> impl IntoView {
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
            spawn_local(async move {
                match ipc::call0::<Option<String>>(command::PICK_FILE).await {
                    Ok(Some(p)) => {
                        path.set(p);
                        attach();
                    }
                    Ok(None) => {}
                    Err(e) => error.set(Some(e)),
                }
            });
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
                    view! {
                        <li class="doc">
                            <span class="name">{d.name.clone()}</span>
                            <span class="size" class:over=over>{size.vi}</span>
                            <code class="sha" title=d.sha256.to_hex()>{d.sha256.to_hex()[..16].to_owned()} "…"</code>
                            <button type="button" class="link" on:click=move |_| docs.update(|all| { all.remove(i); })>
                                {t(|x| x.remove)}
                            </button>
                        </li>
                    }
                })
                .collect::<Vec<_>>()
        }
    };

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
