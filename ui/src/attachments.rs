//! One attachment slot: pick, paste or drop a file, copy it into the
//! library through the shell, show it against the slot's limits and its
//! validity (`document.rs`), and offer documents attached to the same kind
//! of slot before (`reuse.rs`).

mod document;
mod reuse;

use crate::ipc;
use crate::lang::{msg, t, texts};
use document::DocumentLine;
use hoso_core::bilingual::byte_size;
use hoso_core::procedure::AttachmentSlot;
use hoso_core::{AttachedDocument, LibraryItem};
use hoso_ipc::{ImportArgs, IpcError, StoredAttachment, command};
use leptos::prelude::*;
use reuse::ReuseOffer;

/// Puts `doc` in its slot by hoso-core's rule.
fn place(docs: RwSignal<Vec<AttachedDocument>>, doc: AttachedDocument, max_count: u32) {
    docs.update(|all| hoso_core::dossier::place_document(all, doc, max_count));
}

#[component]
pub fn SlotInput(
    spec: AttachmentSlot,
    docs: RwSignal<Vec<AttachedDocument>>,
    library: RwSignal<Vec<LibraryItem>>,
    reload_library: Callback<()>,
) -> impl IntoView {
    let path = RwSignal::new(String::new());
    let error = RwSignal::new(None::<IpcError>);
    let slot_id = spec.id.clone();
    let max_count = spec.max_count;

    // Copying a file into the library, checked against the slot first.
    let import = Action::new_local({
        let spec = spec.clone();
        move |chosen: &String| {
            let args = ImportArgs {
                path: chosen.clone(),
                slot: Some(spec.clone()),
            };
            async move { ipc::call::<_, StoredAttachment>(command::IMPORT_ATTACHMENT, &args).await }
        }
    });
    let busy = import.pending();
    Effect::new({
        let slot_id = slot_id.clone();
        move |_| match import.value().get() {
            Some(Ok(stored)) => {
                let doc = AttachedDocument {
                    slot: slot_id.clone(),
                    name: stored.name,
                    size: stored.size,
                    sha256: stored.sha256,
                };
                place(docs, doc, max_count);
                path.set(String::new());
                reload_library.run(());
            }
            Some(Err(e)) => error.set(Some(e)),
            None => {}
        }
    });
    let attach = move || {
        let chosen = path.get_untracked().trim().to_owned();
        if chosen.is_empty() || busy.get_untracked() {
            return;
        }
        error.set(None);
        import.dispatch_local(chosen);
    };
    let pick = move |_| ipc::pick_file(path, error, attach);

    let listed = {
        let slot_id = slot_id.clone();
        let max = spec.max_size_bytes;
        move || {
            docs.get()
                .into_iter()
                .enumerate()
                .filter(|(_, d)| d.slot == slot_id)
                .map(|(i, d)| view! { <DocumentLine index=i doc=d max docs library reload_library error/> })
                .collect::<Vec<_>>()
        }
    };

    // A file dropped on the slot is imported like a picked one (the shell
    // gives dropped files their path on this computer).
    if let Some(crate::ipc::Dropped(dropped)) = use_context::<crate::ipc::Dropped>() {
        let slot_id = slot_id.clone();
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
    let reuse = Callback::new(move |doc: AttachedDocument| place(docs, doc, max_count));
    view! {
        <fieldset class="slot" id=format!("documents.{}", spec.id)>
            <legend>
                {msg(&spec.label)}
                {spec.required.then(|| view! { <span class="req">" * " {t(|x| x.required_mark)}</span> })}
            </legend>
            <p class="hint">
                {t(|x| x.accepted_types)} ": " {spec.accept.join(", ")} " — " {t(|x| x.max_size)} " " {msg(&limit)}
            </p>
            <ul class="docs">{listed}</ul>
            <ReuseOffer slot_id=spec.id.clone() docs library on_reuse=reuse/>
            <div class="pick">
                <button type="button" on:click=pick disabled=move || busy.get()>{t(|x| x.choose_file)}</button>
                <input type="text" class="path" name=format!("path-{}", spec.id)
                    placeholder=move || texts().path_placeholder
                    prop:value=move || path.get() on:input=move |ev| path.set(event_target_value(&ev))
                    on:keydown=move |ev| if ev.key() == "Enter" { attach() }/>
                <button type="button" id=format!("attach-{}", spec.id) on:click=move |_| attach()
                    disabled=move || busy.get()>
                    {move || if busy.get() { t(|x| x.attaching).into_any() } else { t(|x| x.attach).into_any() }}
                </button>
            </div>
            {move || error.get().map(|e| view! { <p class="problems" role="alert">{msg(&e.message)}</p> })}
        </fieldset>
    }
}
