//! One form field: its input, a live length counter against the portal's
//! limit, and hoso-core's problems for it as the user types.

use crate::bilingual::{Bi, msg, t};
use hoso_core::Problem;
use hoso_core::bilingual::vi_number;
use hoso_core::length::measure;
use hoso_core::procedure::{Field, FieldKind};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// The input for the field at `path`.
#[component]
pub fn FieldInput(
    path: String,
    field: Field,
    values: RwSignal<BTreeMap<String, String>>,
    problems: Memo<Vec<Problem>>,
    show_all: RwSignal<bool>,
) -> impl IntoView {
    let value = {
        let path = path.clone();
        move || values.with(|v| v.get(&path).cloned().unwrap_or_default())
    };
    let on_input = {
        let path = path.clone();
        move |ev| {
            values.update(|v| {
                v.insert(path.clone(), event_target_value(&ev));
            })
        }
    };
    let mine = {
        let (path, value) = (path.clone(), value.clone());
        move || {
            let typed = !value().trim().is_empty();
            problems.with(|all| {
                all.iter()
                    .filter(|p| p.path == path && (typed || show_all.get()))
                    .cloned()
                    .collect::<Vec<_>>()
            })
        }
    };
    let invalid = {
        let mine = mine.clone();
        move || !mine().is_empty()
    };
    let counter = field.max_length.map(|limit| {
        let value = value.clone();
        let unit = limit.unit.label();
        move || {
            let used = measure(&value(), limit.unit) as u64;
            let over = used > u64::from(limit.max);
            view! {
                <span class="counter" class:over=over>
                    {vi_number(used)} "/" {vi_number(u64::from(limit.max))} " " {unit.vi.clone()}
                </span>
            }
        }
    });
    let input_type = match field.kind {
        FieldKind::Phone => "tel",
        FieldKind::Email => "email",
        FieldKind::Date => "date",
        FieldKind::Text | FieldKind::TaxCode | FieldKind::LongText => "text",
    };
    let error_id = format!("{path}-problems");
    let input = if field.kind == FieldKind::LongText {
        view! {
            <textarea id=path.clone() name=path.clone() rows="5" aria-describedby=error_id.clone()
                prop:value=value.clone() on:input=on_input></textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=path.clone() name=path.clone() type=input_type aria-describedby=error_id.clone()
                inputmode=(field.kind == FieldKind::TaxCode).then_some("numeric")
                prop:value=value.clone() on:input=on_input/>
        }
        .into_any()
    };
    view! {
        <div class="field" class:invalid=invalid>
            <label for=path.clone()>
                <Bi vi=field.label.vi.clone() en=field.label.en.clone()/>
                {field.required.then(|| view! { <span class="req">" * " {t(|x| x.required_mark)}</span> })}
            </label>
            {input}
            <div class="under">
                {field.help.as_ref().map(|h| view! { <span class="help">{msg(h)}</span> })}
                {counter}
            </div>
            <ul class="problems" id=error_id aria-live="polite">
                {move || mine().iter().map(|p| view! { <li>{msg(&p.message)}</li> }).collect::<Vec<_>>()}
            </ul>
        </div>
    }
}
