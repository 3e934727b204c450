//! The procedure's sections as cards of fields: a table for a repeating
//! field, one input for every other, each with its own problems.

use crate::field::FieldInput;
use crate::lang::msg;
use crate::table::TableInput;
use hoso_core::procedure::{FieldKind, Section};
use hoso_core::{Problem, Value};
use leptos::prelude::*;
use std::collections::BTreeMap;

#[component]
pub fn Sections(
    sections: Vec<Section>,
    values: RwSignal<BTreeMap<String, Value>>,
    problems: Memo<Vec<Problem>>,
    show_all: RwSignal<bool>,
) -> impl IntoView {
    sections
        .into_iter()
        .map(|s| {
            let fields = s
                .fields
                .iter()
                .map(|f| {
                    let path = format!("{}.{}", s.id, f.id);
                    if f.kind == FieldKind::Table {
                        return view! { <TableInput path field=f.clone() values problems show_all/> }.into_any();
                    }
                    let p = path.clone();
                    let value = Signal::derive(move || {
                        values.with(|v| v.get(&p).and_then(Value::as_text).unwrap_or_default().to_owned())
                    });
                    let p = path.clone();
                    let on_change = Callback::new(move |s: String| {
                        values.update(|v| {
                            v.insert(p.clone(), Value::Text(s));
                        })
                    });
                    let p = path.clone();
                    let mine = Signal::derive(move || {
                        problems.with(|all| all.iter().filter(|x| x.path == p).cloned().collect())
                    });
                    view! {
                        <FieldInput id=path field=f.clone() label=f.label.clone() value on_change
                            problems=mine show_all/>
                    }
                    .into_any()
                })
                .collect::<Vec<_>>();
            view! {
                <section class="card">
                    <h2>{msg(&s.title)}</h2>
                    {fields}
                </section>
            }
        })
        .collect::<Vec<_>>()
}
