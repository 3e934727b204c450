//! Batch filing for bulk filers: every `.hoso` package of a folder, or
//! every row of a CSV, made into a dossier and filed, `parallel` at a
//! time. One failure stops nothing; the summary says what was filed and
//! why the rest was not.
//!
//! CSV columns: `procedure` (its code), `field:PATH` for each value, and
//! `doc:SLOT` for each document (a path, relative to the CSV's folder).

use crate::exit::{Code, Failure};
use crate::run::{Out, filed_json};
use futures_util::StreamExt;
use hoso_client::{Client, ClientError, PortalRecord};
use hoso_core::{AttachedDocument, Value};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A dossier's local id and receipt, or why it was not filed.
type Outcome = Result<(i64, hoso_client::Submitted), ClientError>;

/// One dossier to file.
#[derive(Debug, Clone)]
enum Item {
    Package(PathBuf),
    Row {
        line: usize,
        cells: Vec<(String, String)>,
    },
}

impl Item {
    fn source(&self) -> String {
        match self {
            Item::Package(p) => p.display().to_string(),
            Item::Row { line, .. } => format!("line {line}"),
        }
    }
}

/// Splits CSV text (RFC 4180: quotes, doubled quotes, line breaks inside
/// quotes) into records.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let text = text.trim_start_matches('\u{feff}');
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !record.is_empty() {
        record.push(cell);
        records.push(record);
    }
    records.retain(|r| !(r.len() == 1 && r[0].is_empty()));
    records
}

fn items(source: &Path) -> Result<Vec<Item>, Failure> {
    if source.is_dir() {
        let mut found: Vec<PathBuf> = std::fs::read_dir(source)
            .map_err(|e| ClientError::file(source, e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "hoso"))
            .collect();
        found.sort();
        return Ok(found.into_iter().map(Item::Package).collect());
    }
    let text = std::fs::read_to_string(source).map_err(|e| ClientError::file(source, e))?;
    let mut records = parse_csv(&text).into_iter();
    let header = records.next().unwrap_or_default();
    if !header.iter().any(|h| h == "procedure") {
        return Err(Failure::new(
            Code::Invalid,
            format!("{}: thiếu cột “procedure”.", source.display()),
            format!("{}: the “procedure” column is missing.", source.display()),
        ));
    }
    Ok(records
        .enumerate()
        .map(|(i, r)| Item::Row {
            line: i + 2,
            cells: header.iter().cloned().zip(r).collect(),
        })
        .collect())
}

/// Makes the dossier of a CSV row and returns its id.
async fn draft_of_row(
    client: &Client,
    portal: &PortalRecord,
    procedures: &[hoso_core::Procedure],
    base: &Path,
    cells: &[(String, String)],
) -> Result<i64, ClientError> {
    let code = cells
        .iter()
        .find(|(h, _)| h == "procedure")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    let procedure = procedures
        .iter()
        .find(|p| p.code.as_str() == code)
        .ok_or_else(|| ClientError::NotFound(format!("thủ tục / procedure {code}")))?;
    let draft = client.create_dossier(portal, procedure).await?;
    let mut content = draft.content.clone();
    for (head, value) in cells {
        if let Some(path) = head.strip_prefix("field:")
            && !value.is_empty()
        {
            // A table's rows are written as JSON: [{"column": "value"}, …].
            let parsed = if value.trim_start().starts_with('[') {
                serde_json::from_str(value).map_err(|e| {
                    ClientError::Protocol(format!("{path}: the rows are not JSON ({e})"))
                })?
            } else {
                Value::Text(value.clone())
            };
            content.fields.insert(path.to_owned(), parsed);
        }
        if let Some(slot) = head.strip_prefix("doc:")
            && !value.is_empty()
        {
            let spec = procedure
                .slot(slot)
                .ok_or_else(|| ClientError::NotFound(format!("slot {slot}")))?;
            let entry = client.import_for_slot(&base.join(value), spec).await?;
            content.documents.push(AttachedDocument {
                slot: slot.to_owned(),
                name: entry.name,
                size: entry.size,
                sha256: entry.sha256,
            });
        }
    }
    client
        .save_dossier(portal, draft.summary.id, content, draft.revision)
        .await?;
    Ok(draft.summary.id)
}

/// Files everything in `source` with `portal`, `parallel` at a time.
pub async fn run(
    client: &Client,
    portal: &PortalRecord,
    source: &Path,
    parallel: usize,
    out: Out,
) -> Result<Code, Failure> {
    let started = Instant::now();
    let all = items(source)?;
    let procedures = client.procedures(portal).await?;
    let base = source
        .parent()
        .map(Path::to_owned)
        .unwrap_or_else(|| PathBuf::from("."));
    let base = if source.is_dir() {
        source.to_owned()
    } else {
        base
    };
    let results: Vec<(String, Outcome)> = futures_util::stream::iter(all)
        .map(|item| {
            let (procedures, base) = (&procedures, &base);
            async move {
                let made = match &item {
                    Item::Package(path) => client.import_package(portal, path).await.map(|i| i.id),
                    Item::Row { cells, .. } => {
                        draft_of_row(client, portal, procedures, base, cells).await
                    }
                };
                let filed = match made {
                    Ok(id) => match client.portal_of(id).await {
                        Ok(p) => client.submit_dossier(&p, id).await.map(|s| (id, s)),
                        Err(e) => Err(e),
                    },
                    Err(e) => Err(e),
                };
                (item.source(), filed)
            }
        })
        .buffer_unordered(parallel.max(1))
        .collect()
        .await;
    let seconds = started.elapsed().as_secs_f64();
    let filed = results.iter().filter(|(_, r)| r.is_ok()).count();
    let failed = results.len() - filed;
    let rows: Vec<_> = results
        .iter()
        .map(|(source, r)| match r {
            Ok((id, s)) => {
                let mut v = filed_json(*id, s);
                v["source"] = json!(source);
                v
            }
            Err(e) => json!({"source": source, "error": out.say(&e.message())}),
        })
        .collect();
    out.print(
        json!({"filed": filed, "failed": failed, "seconds": seconds, "parallel": parallel, "items": rows}),
        || {
            let mut lines: Vec<String> = results
                .iter()
                .filter_map(|(source, r)| r.as_ref().err().map(|e| format!("  ✗ {source}: {}", out.say(&e.message()))))
                .collect();
            lines.insert(
                0,
                format!(
                    "{filed} {} · {failed} {} · {seconds:.1} s",
                    out.t("hồ sơ đã nộp", "filed"),
                    out.t("chưa nộp được", "not filed")
                ),
            );
            lines.join("\n")
        },
    );
    Ok(if failed > 0 { Code::Partial } else { Code::Ok })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_records_keep_quotes_commas_and_line_breaks() {
        let text = "\u{feff}procedure,field:a,field:b\r\nx,\"Hà Nội, VN\",\"nói \"\"có\"\"\"\r\ny,\"hai\ndòng\",\r\n";
        let r = parse_csv(text);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0], ["procedure", "field:a", "field:b"]);
        assert_eq!(r[1], ["x", "Hà Nội, VN", "nói \"có\""]);
        assert_eq!(r[2], ["y", "hai\ndòng", ""]);
    }
}
