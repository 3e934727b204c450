//! Showing a text in both languages: Vietnamese first, English beside it.

use leptos::prelude::*;

/// A Vietnamese text with its English beside it.
#[component]
pub fn Bi(vi: String, en: String) -> impl IntoView {
    view! {
        <span class="bi">
            <span class="vi" lang="vi">{vi}</span>
            <span class="en" lang="en">{en}</span>
        </span>
    }
}

/// A pair from the catalogue, picked by the same field of both languages.
pub fn t(pick: fn(&crate::text::Texts) -> &'static str) -> impl IntoView {
    view! { <Bi vi=pick(crate::text::VI).to_owned() en=pick(crate::text::EN).to_owned()/> }
}

/// A message from hoso-core or the shell.
pub fn msg(m: &hoso_core::Bilingual) -> impl IntoView + use<> {
    view! { <Bi vi=m.vi.clone() en=m.en.clone()/> }
}
