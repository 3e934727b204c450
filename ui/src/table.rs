//! A repeating table such as the list of imported goods: one block per row
//! with every column as a field, rows added, moved and removed, and the
//! problems of each cell beside it, and cells typed in a legacy encoding
//! converted all at once (`legacy.rs`).

mod legacy;

use crate::field::FieldInput;
use crate::lang::{Bi, msg, pick, t};
use hoso_core::procedure::Field;
use hoso_core::{Bilingual, Problem, Row, Value};
use leptos::prelude::*;
use std::collections::BTreeMap;

type Values = RwSignal<BTreeMap<String, Value>>;

fn rows_of(values: &BTreeMap<String, Value>, path: &str) -> Vec<Row> {
    values
        .get(path)
        .and_then(Value::as_rows)
        .map(<[Row]>::to_vec)
        .unwrap_or_default()
}

fn edit_rows(values: Values, path: &str, edit: impl FnOnce(&mut Vec<Row>)) {
    values.update(|v| {
        let mut rows = rows_of(v, path);
        edit(&mut rows);
        v.insert(path.to_owned(), Value::Rows(rows));
    });
}

/// The table at `path`.
#[component]
pub fn TableInput(
    path: String,
    field: Field,
    values: Values,
    problems: Memo<Vec<Problem>>,
    show_all: RwSignal<bool>,
) -> impl IntoView {
    let count = {
        let path = path.clone();
        Memo::new(move |_| values.with(|v| rows_of(v, &path).len()))
    };
    let own_problems = {
        let path = path.clone();
        move || {
            problems.with(|all| {
                all.iter()
                    .filter(|p| p.path == path && (show_all.get() || count.get() > 0))
                    .cloned()
                    .collect::<Vec<_>>()
            })
        }
    };
    let add = {
        let path = path.clone();
        move |_| edit_rows(values, &path, |rows| rows.push(Row::new()))
    };
    // Rows copied from a spreadsheet arrive as tab-separated lines, cells
    // in the order of the columns.
    let pasted = RwSignal::new(String::new());
    let add_pasted = {
        let (path, ids) = (
            path.clone(),
            field
                .columns
                .iter()
                .map(|c| c.id.clone())
                .collect::<Vec<_>>(),
        );
        move |_| {
            let text = pasted.get_untracked();
            edit_rows(values, &path, |rows| {
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    let row: Row = ids
                        .iter()
                        .zip(line.split('\t'))
                        .filter(|(_, cell)| !cell.trim().is_empty())
                        .map(|(id, cell)| (id.clone(), cell.trim().to_owned()))
                        .collect();
                    rows.push(row);
                }
            });
            pasted.set(String::new());
        }
    };
    let labels = field
        .columns
        .iter()
        .map(|c| c.label.clone())
        .collect::<Vec<_>>();
    let order = move || labels.iter().map(pick).collect::<Vec<_>>().join(" ⇥ ");
    let rows = {
        let (path, field) = (path.clone(), field.clone());
        move || {
            (0..count.get())
                .map(|i| row_view(&path, &field, i, count.get(), values, problems, show_all))
                .collect::<Vec<_>>()
        }
    };
    let limits = field.max_rows.map(|max| {
        view! {
            <span class="counter" class:over=move || { count.get() > max as usize }>
                {move || count.get()} "/" {max} " " {t(|x| x.rows)}
            </span>
        }
    });
    view! {
        <div class="field table" id=path.clone()>
            <div class="table-head">
                <h3>
                    <Bi vi=field.label.vi.clone() en=field.label.en.clone()/>
                    {field.required.then(|| view! { <span class="req">" * " {t(|x| x.required_mark)}</span> })}
                </h3>
                {limits}
            </div>
            {field.help.as_ref().map(|h| view! { <p class="help">{msg(h)}</p> })}
            <legacy::LegacyCells path=path.clone() table=field.clone() values/>
            <div class="rows">{rows}</div>
            <ul class="problems" aria-live="polite">
                {move || own_problems().iter().map(|p| view! { <li>{msg(&p.message)}</li> }).collect::<Vec<_>>()}
            </ul>
            <button type="button" class="add-row" on:click=add>"+ " {t(|x| x.add_row)}</button>
            <details class="paste">
                <summary>{t(|x| x.paste_rows)}</summary>
                <p class="help">{t(|x| x.paste_hint)} ": " {order}</p>
                <textarea class="paste-rows" rows="4" prop:value=move || pasted.get()
                    on:input=move |ev| pasted.set(event_target_value(&ev))></textarea>
                <button type="button" class="add-pasted" on:click=add_pasted>{t(|x| x.add_pasted)}</button>
            </details>
        </div>
    }
}

fn row_view(
    path: &str,
    table: &Field,
    i: usize,
    count: usize,
    values: Values,
    problems: Memo<Vec<Problem>>,
    show_all: RwSignal<bool>,
) -> impl IntoView + use<> {
    let n = i + 1;
    let cells = table
        .columns
        .iter()
        .map(|col| {
            let id = format!("{path}[{i}].{}", col.id);
            let (p, c) = (path.to_owned(), col.id.clone());
            let value = Signal::derive(move || {
                values.with(|v| {
                    v.get(&p)
                        .and_then(Value::as_rows)
                        .and_then(|rows| rows.get(i))
                        .and_then(|row| row.get(&c).cloned())
                        .unwrap_or_default()
                })
            });
            let (p, c) = (path.to_owned(), col.id.clone());
            let on_change = Callback::new(move |s: String| {
                edit_rows(values, &p, |rows| {
                    if let Some(row) = rows.get_mut(i) {
                        row.insert(c.clone(), s);
                    }
                });
            });
            let cell_problems = {
                let id = id.clone();
                Signal::derive(move || {
                    problems.with(|all| all.iter().filter(|p| p.path == id).cloned().collect())
                })
            };
            view! {
                <FieldInput id field=col.clone() label=col.label.clone() value on_change
                    problems=cell_problems show_all/>
            }
        })
        .collect::<Vec<_>>();
    let (p_up, p_down, p_del) = (path.to_owned(), path.to_owned(), path.to_owned());
    let title = Bilingual::new(format!("Dòng {n}"), format!("Row {n}"));
    view! {
        <fieldset class="row">
            <legend><Bi vi=title.vi en=title.en/></legend>
            <div class="row-actions">
                <button type="button" disabled=i == 0
                    on:click=move |_| edit_rows(values, &p_up, |rows| if i > 0 && i < rows.len() { rows.swap(i - 1, i) })>
                    "↑ " {t(|x| x.move_up)}
                </button>
                <button type="button" disabled=n == count
                    on:click=move |_| edit_rows(values, &p_down, |rows| if i + 1 < rows.len() { rows.swap(i, i + 1) })>
                    "↓ " {t(|x| x.move_down)}
                </button>
                <button type="button" class="remove-row"
                    on:click=move |_| edit_rows(values, &p_del, |rows| if i < rows.len() { rows.remove(i); })>
                    "✕ " {t(|x| x.remove_row)}
                </button>
            </div>
            <div class="cells">{cells}</div>
        </fieldset>
    }
}
