//! One attached document: its name, size against the slot's limit, the
//! start of its SHA-256, the last day it is valid (kept in the library, so
//! every dossier using it sees the same) and Remove.

use crate::date_input::DateInput;
use crate::ipc;
use crate::lang::{size, t};
use hoso_core::{AttachedDocument, LibraryItem};
use hoso_ipc::{IpcError, ValidityArgs, command};
use leptos::prelude::*;

#[component]
pub fn DocumentLine(
    index: usize,
    doc: AttachedDocument,
    max: u64,
    docs: RwSignal<Vec<AttachedDocument>>,
    library: RwSignal<Vec<LibraryItem>>,
    reload_library: Callback<()>,
    error: RwSignal<Option<IpcError>>,
) -> impl IntoView {
    let sha = doc.sha256;
    let item = move || library.with(|all| all.iter().find(|x| x.sha256 == sha).cloned());
    let valid = Signal::derive(move || {
        item()
            .and_then(|x| x.valid_until)
            .map(crate::date::stored)
            .unwrap_or_default()
    });
    let expired = move || item().is_some_and(|x| x.expired);
    let set_validity = Action::new_local(move |valid_until: &Option<chrono::NaiveDate>| {
        let args = ValidityArgs {
            sha256: sha,
            valid_until: *valid_until,
        };
        async move { ipc::call::<_, ()>(command::SET_VALIDITY, &args).await }
    });
    Effect::new(move |_| match set_validity.value().get() {
        Some(Ok(())) => reload_library.run(()),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    // A day, or nothing to forget it; text that is not yet a day waits.
    let on_change = Callback::new(move |stored: String| {
        if stored.trim().is_empty() {
            set_validity.dispatch_local(None);
        } else if let Ok(day) = chrono::NaiveDate::parse_from_str(&stored, "%Y-%m-%d") {
            set_validity.dispatch_local(Some(day));
        }
    });
    let hex = doc.sha256.to_hex();
    let over = doc.size > max;
    view! {
        <li class="doc" class:expired=expired>
            <span class="name">{doc.name.clone()}</span>
            <span class="size" class:over=over>{size(doc.size)}</span>
            <code class="sha" title=hex.clone()>{hex[..16].to_owned()} "…"</code>
            <label class="valid">
                {t(|x| x.valid_until)}
                <DateInput id=format!("valid-{}-{index}", doc.slot) value=valid on_change class="valid-until"/>
            </label>
            {move || expired().then(|| view! { <strong class="expired-flag">{t(|x| x.expired)}</strong> })}
            <button type="button" class="link" on:click=move |_| docs.update(|all| { all.remove(index); })>
                {t(|x| x.remove)}
            </button>
        </li>
    }
}
