//! The language the window speaks, one at a time: Vietnamese unless the
//! person (the switch in the header) or the system's locale asks for
//! English. Every text on screen follows the choice as it changes.

use crate::text::{EN, Texts, VI};
use hoso_core::Bilingual;
use hoso_ipc::Language;
use leptos::prelude::*;

/// The chosen language, shared through context by the app.
#[derive(Debug, Clone, Copy)]
pub struct Chosen(pub RwSignal<Language>);

/// The chosen language (tracked: a view reading it follows the switch).
pub fn language() -> Language {
    use_context::<Chosen>().map_or(Language::Vi, |c| c.0.get())
}

/// The catalogue of the chosen language.
pub fn texts() -> &'static Texts {
    texts_of(language())
}

/// The catalogue of `language`.
pub fn texts_of(language: Language) -> &'static Texts {
    match language {
        Language::Vi => VI,
        Language::En => EN,
    }
}

/// The side of `m` in the chosen language.
pub fn pick(m: &Bilingual) -> String {
    match language() {
        Language::Vi => m.vi.clone(),
        Language::En => m.en.clone(),
    }
}

/// A text in the chosen language from its Vietnamese and English forms.
#[component]
pub fn Bi(vi: String, en: String) -> impl IntoView {
    let chosen = use_context::<Chosen>();
    let lang = move || match chosen.map_or(Language::Vi, |c| c.0.get()) {
        Language::Vi => "vi",
        Language::En => "en",
    };
    let text = move || match chosen.map_or(Language::Vi, |c| c.0.get()) {
        Language::Vi => vi.clone(),
        Language::En => en.clone(),
    };
    view! { <span lang=lang>{text}</span> }
}

/// A text of the catalogue, picked by its field.
pub fn t(pick: fn(&Texts) -> &'static str) -> impl IntoView + Copy {
    move || pick(texts())
}

/// The unit after a count, `one` for exactly 1 and `many` otherwise
/// (English says "1 working day"; Vietnamese reads the same either way).
pub fn counted(
    n: u32,
    one: fn(&Texts) -> &'static str,
    many: fn(&Texts) -> &'static str,
) -> impl IntoView + Copy {
    move || if n == 1 { one(texts()) } else { many(texts()) }
}

/// A message from hoso-core or the shell.
pub fn msg(m: &Bilingual) -> impl IntoView + use<> {
    let m = m.clone();
    move || pick(&m)
}

/// A whole number written as the chosen language writes it (`2.000`, `2,000`).
pub fn number(n: u64) -> impl IntoView + Copy {
    move || match language() {
        Language::Vi => hoso_core::bilingual::vi_number(n),
        Language::En => hoso_core::bilingual::en_number(n),
    }
}

/// An amount of đồng as the chosen language writes it (`100.000 đ`,
/// `100,000 VND`).
pub fn money(vnd: u64) -> impl IntoView + Copy {
    move || match language() {
        Language::Vi => hoso_core::amount_words::in_figures(vnd),
        Language::En => format!("{} VND", hoso_core::bilingual::en_number(vnd)),
    }
}

/// A size in bytes as the chosen language writes it (`1,5 MB`, `1.5 MB`).
pub fn size(bytes: u64) -> impl IntoView {
    msg(&hoso_core::bilingual::byte_size(bytes))
}

/// Tells the page which language it is in (`<html lang>`), for screen
/// readers, hyphenation and fonts.
pub fn mark_document(language: Language) {
    if let Some(root) = document().document_element() {
        let code = match language {
            Language::Vi => "vi",
            Language::En => "en",
        };
        if let Err(e) = root.set_attribute("lang", code) {
            leptos::logging::warn!("lang attribute: {e:?}");
        }
    }
}

/// The switch in the header, "Tiếng Việt | English": each language named
/// in itself. The choice applies at once and is kept in the profile.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let chosen = expect_context::<Chosen>().0;
    let failure = RwSignal::new(None::<hoso_ipc::IpcError>);
    let choose = move |language: Language| {
        chosen.set(language);
        leptos::task::spawn_local(async move {
            let args = hoso_ipc::LanguageArgs { language };
            let saved = crate::ipc::call::<_, ()>(hoso_ipc::command::SET_LANGUAGE, &args).await;
            failure.set(saved.err());
        });
    };
    let button =
        move |language: Language, id: &'static str, name: &'static str, code: &'static str| {
            view! {
                <button type="button" id=id lang=code
                    class:chosen=move || chosen.get() == language
                    aria-pressed=move || (chosen.get() == language).to_string()
                    on:click=move |_| choose(language)>{name}</button>
            }
        };
    view! {
        <div class="language" role="group" aria-label=move || texts().language>
            {button(Language::Vi, "lang-vi", "Tiếng Việt", "vi")}
            <span class="sep" aria-hidden="true">"|"</span>
            {button(Language::En, "lang-en", "English", "en")}
            {move || failure.get().map(|e| view! { <p class="problems" role="alert">{msg(&e.message)}</p> })}
        </div>
    }
}
