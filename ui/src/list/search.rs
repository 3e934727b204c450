//! The list's search box: what is typed is kept as typed, and the list is
//! asked for it once typing pauses, not at every keystroke (each ask is a
//! full-text query in the profile's store).

use crate::lang::texts;
use leptos::leptos_dom::helpers::{TimeoutHandle, set_timeout_with_handle};
use leptos::prelude::*;

/// How long typing must pause before the list asks.
const PAUSE: std::time::Duration = std::time::Duration::from_millis(250);

/// The search box; `text` gets what was typed once typing pauses.
#[component]
pub fn SearchBox(text: RwSignal<String>) -> impl IntoView {
    let typed = RwSignal::new(text.get_untracked());
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let on_input = move |value: String| {
        typed.set(value);
        if let Some(h) = pending.write_value().take() {
            h.clear();
        }
        let h = set_timeout_with_handle(move || text.set(typed.get_untracked()), PAUSE).ok();
        pending.set_value(h);
    };
    view! {
        <input type="search" id="search" placeholder=move || texts().search_placeholder
            prop:value=move || typed.get() on:input=move |ev| on_input(event_target_value(&ev))/>
    }
}
