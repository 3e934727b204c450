//! Cells of a table that read as typed in TCVN3 or VNI (rows pasted from
//! an old spreadsheet): counted at the table's head with one button that
//! converts them all, beside the offer each cell makes on its own. Nothing
//! is changed unasked.

use super::{Values, edit_rows, rows_of};
use crate::lang::{Bi, t};
use hoso_core::procedure::Field;
use leptos::prelude::*;

/// A cell to convert: row, column and its Unicode form.
type Conversion = (usize, String, String);

/// The conversions the text cells of `rows` offer.
fn conversions(rows: &[hoso_core::Row], text_columns: &[String]) -> Vec<Conversion> {
    rows.iter()
        .enumerate()
        .flat_map(|(i, row)| {
            row.iter()
                .filter(|(col, _)| text_columns.contains(col))
                .filter_map(move |(col, text)| {
                    hoso_core::legacy::detect(text).map(|s| (i, col.clone(), s.converted))
                })
        })
        .collect()
}

#[component]
pub fn LegacyCells(path: String, table: Field, values: Values) -> impl IntoView {
    let text_columns: Vec<String> = table
        .columns
        .iter()
        .filter(|c| c.kind.is_text())
        .map(|c| c.id.clone())
        .collect();
    let found = {
        let path = path.clone();
        Memo::new(move |_| values.with(|v| conversions(&rows_of(v, &path), &text_columns)))
    };
    let id = format!("{path}-legacy-cells");
    move || {
        let all = found.get();
        // One cell is offered where it is; the table speaks from two up.
        (all.len() > 1).then(|| {
            let n = all.len();
            let path = path.clone();
            let convert = move |_| {
                edit_rows(values, &path, |rows| {
                    for (i, col, converted) in &all {
                        if let Some(row) = rows.get_mut(*i) {
                            row.insert(col.clone(), converted.clone());
                        }
                    }
                });
            };
            view! {
                <p class="legacy" id=id.clone() role="status">
                    <Bi vi=format!("{n} {}", crate::text::VI.legacy_cells) en=format!("{n} {}", crate::text::EN.legacy_cells)/>
                    " "
                    <button type="button" class="convert convert-all" on:click=convert>{t(|x| x.legacy_convert_all)}</button>
                </p>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::conversions;

    #[test]
    fn only_text_cells_that_read_as_a_legacy_encoding_are_offered() {
        let row = |name: &str, qty: &str| {
            [
                ("name".to_owned(), name.to_owned()),
                ("qty".to_owned(), qty.to_owned()),
            ]
            .into_iter()
            .collect::<hoso_core::Row>()
        };
        let rows = vec![
            row("COÂNG TY TNHH ÑIEÄN LÖÏC", "12"),
            row("Thép cán nguội", "3"),
            row("Kho CFS §×nh Vò, H¶i An", "§×nh Vò, H¶i An"),
        ];
        let found = conversions(&rows, &["name".to_owned()]);
        let cells: Vec<(usize, &str)> = found.iter().map(|(i, c, _)| (*i, c.as_str())).collect();
        assert_eq!(
            cells,
            [(0, "name"), (2, "name")],
            "numbers and Unicode text are left alone"
        );
        assert_eq!(found[0].2, "CÔNG TY TNHH ĐIỆN LỰC");
        assert_eq!(found[1].2, "Kho CFS Đình Vũ, Hải An");
    }
}
