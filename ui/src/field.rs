//! One form field or table cell: its input (text, number, date, choice,
//! yes/no), a live length counter against the portal's limit, and
//! hoso-core's problems for it as the user types.

use crate::lang::{Bi, msg, number, t};
use hoso_core::length::measure;
use hoso_core::procedure::{Field, FieldKind};
use hoso_core::{Bilingual, Problem};
use leptos::prelude::*;

/// The input for one value. `id` is its problem path, used as the element
/// id so that the check list can link to it.
#[component]
pub fn FieldInput(
    id: String,
    field: Field,
    label: Bilingual,
    value: Signal<String>,
    on_change: Callback<String>,
    problems: Signal<Vec<Problem>>,
    show_all: RwSignal<bool>,
) -> impl IntoView {
    let mine = move || {
        let typed = !value.get().trim().is_empty();
        if typed || show_all.get() {
            problems.get()
        } else {
            Vec::new()
        }
    };
    let invalid = move || !mine().is_empty();
    let counter_id = format!("{id}-counter");
    let counter = field.max_length.map(|limit| {
        let unit = limit.unit.label();
        move || {
            let used = measure(&value.get(), limit.unit) as u64;
            let over = used > u64::from(limit.max);
            view! {
                <span class="counter" id=counter_id.clone() class:over=over>
                    {number(used)} "/" {number(u64::from(limit.max))} " " {msg(&unit)}
                </span>
            }
        }
    });
    let error_id = format!("{id}-problems");
    let field_is_text = field.kind.is_text();
    let on_input = move |ev| on_change.run(event_target_value(&ev));
    let input = match field.kind {
        FieldKind::LongText => view! {
            <textarea id=id.clone() name=id.clone() rows="4" aria-describedby=error_id.clone()
                prop:value=value on:input=on_input></textarea>
        }
        .into_any(),
        FieldKind::Choice | FieldKind::YesNo => {
            let options: Vec<(String, Bilingual)> = if field.kind == FieldKind::YesNo {
                vec![
                    ("yes".into(), Bilingual::new("Có", "Yes")),
                    ("no".into(), Bilingual::new("Không", "No")),
                ]
            } else {
                field
                    .options
                    .iter()
                    .map(|o| (o.value.clone(), o.label.clone()))
                    .collect()
            };
            let options = options
                .into_iter()
                .map(|(v, l)| {
                    let selected = {
                        let v = v.clone();
                        move || value.get() == v
                    };
                    view! { <option value=v selected=selected>{msg(&l)}</option> }
                })
                .collect::<Vec<_>>();
            view! {
                <select id=id.clone() name=id.clone() aria-describedby=error_id.clone()
                    prop:value=value on:change=on_input>
                    <option value="">"— " {t(|x| x.choose)} " —"</option>
                    {options}
                </select>
            }
            .into_any()
        }
        FieldKind::Date => view! {
            <crate::date_input::DateInput id=id.clone() value on_change described_by=error_id.clone()/>
        }
        .into_any(),
        kind => {
            let (input_type, mode) = match kind {
                FieldKind::Phone => ("tel", None),
                FieldKind::Email => ("email", None),
                FieldKind::Integer | FieldKind::TaxCode | FieldKind::CitizenId => {
                    ("text", Some("numeric"))
                }
                FieldKind::Decimal => ("text", Some("decimal")),
                _ => ("text", None),
            };
            view! {
                <input id=id.clone() name=id.clone() type=input_type inputmode=mode
                    aria-describedby=error_id.clone() prop:value=value on:input=on_input/>
            }
            .into_any()
        }
    };
    // Text pasted from documents typed in TCVN3 or VNI: offer the Unicode
    // form, never change it unasked.
    let legacy = Memo::new(move |_| {
        if field_is_text {
            hoso_core::legacy::detect(&value.get())
        } else {
            None
        }
    });
    let legacy_id = format!("{id}-legacy");
    let legacy_offer = move || {
        let legacy_id = legacy_id.clone();
        legacy.get().map(|s| {
            let preview: String = s.converted.chars().take(80).collect();
            let converted = s.converted.clone();
            view! {
                <p class="legacy" id=legacy_id role="status">
                    <Bi vi=format!("{} {}:", crate::text::VI.legacy_found, s.encoding.name())
                        en=format!("{} {}:", crate::text::EN.legacy_found, s.encoding.name())/>
                    " “" <span class="preview">{preview}</span> "”"
                    <button type="button" class="convert" on:click=move |_| on_change.run(converted.clone())>
                        {t(|x| x.legacy_convert)}
                    </button>
                </p>
            }
        })
    };
    // Invisible characters inside (pasted from a PDF or a word processor):
    // the check names them; here the fix is offered, with what it gives.
    let hidden = Memo::new(move |_| {
        if field_is_text && legacy.get().is_none() {
            hoso_core::length::without_hidden(&hoso_core::length::normalize(&value.get()))
        } else {
            None
        }
    });
    let hidden_id = format!("{id}-hidden");
    let hidden_offer = move || {
        let hidden_id = hidden_id.clone();
        hidden.get().map(|fixed| {
            let preview: String = fixed.chars().take(80).collect();
            view! {
                <p class="legacy hidden-chars" id=hidden_id role="status">
                    {t(|x| x.hidden_found)}
                    " “" <span class="preview">{preview}</span> "”"
                    <button type="button" class="convert" on:click=move |_| on_change.run(fixed.clone())>
                        {t(|x| x.hidden_remove)}
                    </button>
                </p>
            }
        })
    };
    let unit = field
        .unit
        .as_ref()
        .map(|u| view! { <span class="unit">{msg(u)}</span> });
    view! {
        <div class="field" class:invalid=invalid>
            <label for=id.clone()>
                <Bi vi=label.vi.clone() en=label.en.clone()/>
                {field.required.then(|| view! { <span class="req">" * " {t(|x| x.required_mark)}</span> })}
            </label>
            <div class="input-row">{input}{unit}</div>
            <div class="under">
                {field.help.as_ref().map(|h| view! { <span class="help">{msg(h)}</span> })}
                {counter}
            </div>
            {legacy_offer}
            {hidden_offer}
            <ul class="problems" id=error_id aria-live="polite">
                {move || mine().iter().map(|p| view! { <li>{msg(&p.message)}</li> }).collect::<Vec<_>>()}
            </ul>
        </div>
    }
}
