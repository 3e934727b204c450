//! Batch filing for bulk filers: every `.hoso` package of a folder, or
//! every row of a CSV, made into a dossier and filed, `parallel` at a
//! time. One failure stops nothing; the summary says what was filed now,
//! what was filed already, and why the rest was not, problem by problem.
//!
//! The CSV format, and how a row is known again when the same CSV runs
//! twice, is told to people in `hoso batch --help` ([`crate::cli`]) and
//! the README; `assets/samples/batch-kiem-tra-cl.csv` is an example.
//! A row's key is kept with its dossier by hoso-client
//! ([`hoso_client::rows`]), which also decides what a key found means.

use crate::exit::{Code, Failure, Lang};
use crate::run::{Out, filed_json};
use futures_util::StreamExt;
use hoso_client::rows::RowDossier;
use hoso_client::{Client, ClientError, PortalRecord, Submitted};
use hoso_core::length::normalize;
use hoso_core::{AttachedDocument, Bilingual, DossierContent, Problem, ProblemCode, Value};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The column naming the procedure.
const PROCEDURE: &str = "procedure";
/// The optional column of the person's own key for each row.
const KEY: &str = "key";

/// One record of a CSV file and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The line of the file the record starts on, from 1.
    pub line: usize,
    /// Its cells.
    pub cells: Vec<String>,
}

/// Splits CSV text (RFC 4180: quotes, doubled quotes, line breaks inside
/// quotes; the `csv` crate reads it) into records, each with the line it
/// starts on; blank lines are skipped.
pub fn parse_csv(text: &str) -> Result<Vec<Record>, csv::Error> {
    let text = text.trim_start_matches('\u{feff}');
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .into_records()
        .map(|r| {
            let r = r?;
            Ok(Record {
                line: r.position().map_or(0, |p| line_at(text, p.byte())),
                cells: r.iter().map(str::to_owned).collect(),
            })
        })
        .collect()
}

/// The 1-based line on which the record the reader placed at byte `at`
/// starts. The reader's position may lie on the line ending that closed the
/// record before (and on blank lines it skipped), so those are passed over:
/// no record starts with a line break.
fn line_at(text: &str, at: u64) -> usize {
    let bytes = text.as_bytes();
    let mut at = usize::try_from(at).unwrap_or(usize::MAX).min(bytes.len());
    while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
        at += 1;
    }
    1 + bytes[..at].iter().filter(|&&b| b == b'\n').count()
}

/// How a CSV row is known again: the person's `key`, else what the row
/// says.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RowKey {
    /// As kept with the dossier: `key:` and the person's key, or `row:`
    /// and the SHA-256 of the row's non-empty cells by column.
    stored: String,
    /// The person's key, when the CSV has one for this row.
    given: Option<String>,
}

impl RowKey {
    /// The key of a row of `cells`. Cells are read as they will be
    /// stored (NFC, invisible characters gone, trimmed), so two rows that
    /// look the same to a person have the same key.
    fn of(cells: &[(String, String)]) -> Self {
        let given = cells
            .iter()
            .find(|(h, _)| h == KEY)
            .map(|(_, v)| normalize(v))
            .filter(|v| !v.is_empty());
        if let Some(k) = given {
            return Self {
                stored: format!("key:{k}"),
                given: Some(k),
            };
        }
        // Column order and empty cells aside, so that moving a column or
        // adding an empty one changes nothing.
        let mut said: Vec<(&str, String)> = cells
            .iter()
            .map(|(h, v)| (h.as_str(), normalize(v)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        said.sort();
        let bytes = serde_json::to_vec(&said).unwrap_or_default();
        Self {
            stored: format!("row:{}", hoso_core::Sha256Digest::of(&bytes).to_hex()),
            given: None,
        }
    }
}

/// One dossier to file.
#[derive(Debug, Clone)]
enum Item {
    Package(PathBuf),
    Row {
        line: usize,
        key: RowKey,
        cells: Vec<(String, String)>,
        /// Cells beyond the header's columns, which name no column.
        stray: usize,
        /// The earlier line with the same key, if any.
        repeats: Option<usize>,
    },
}

impl Item {
    /// Where it came from, in JSON (the same in both languages).
    fn source(&self) -> String {
        match self {
            Item::Package(p) => p.display().to_string(),
            Item::Row { line, .. } => format!("line {line}"),
        }
    }

    /// Where it came from, for people.
    fn shown(&self, out: Out) -> String {
        match self {
            Item::Package(p) => p.display().to_string(),
            Item::Row {
                line,
                key: RowKey { given: Some(k), .. },
                ..
            } => format!(
                "{} {line} ({} {k})",
                out.t("dòng", "line"),
                out.t("khóa", "key")
            ),
            Item::Row { line, .. } => format!("{} {line}", out.t("dòng", "line")),
        }
    }
}

/// Refuses a header with a column HoSo would not read, so that a misspelt
/// column is never silently left out of the dossiers.
fn check_header(source: &Path, header: &[String]) -> Result<(), Failure> {
    let refuse = |vi: String, en: String| {
        Err(Failure::new(
            Code::Invalid,
            format!("{}: {vi} Xem `hoso batch --help`.", source.display()),
            format!("{}: {en} See `hoso batch --help`.", source.display()),
        ))
    };
    if !header.iter().any(|h| h == PROCEDURE) {
        return refuse(
            "thiếu cột “procedure”.".into(),
            "the “procedure” column is missing.".into(),
        );
    }
    let unknown: Vec<&str> = header
        .iter()
        .map(String::as_str)
        .filter(|h| {
            !(*h == PROCEDURE
                || *h == KEY
                || h.strip_prefix("field:").is_some_and(|p| !p.is_empty())
                || h.strip_prefix("doc:").is_some_and(|s| !s.is_empty()))
        })
        .collect();
    if !unknown.is_empty() {
        let list = unknown
            .iter()
            .map(|h| format!("“{h}”"))
            .collect::<Vec<_>>()
            .join(", ");
        return refuse(
            format!("cột {list} không phải procedure, key, field:ĐƯỜNG_DẪN hay doc:LOẠI_GIẤY_TỜ."),
            format!("the column(s) {list} are not procedure, key, field:PATH or doc:SLOT."),
        );
    }
    // A document slot may take several files (its column repeated); any
    // other column twice would leave one of its cells unread.
    let mut seen = std::collections::BTreeSet::new();
    if let Some(twice) = header
        .iter()
        .filter(|h| !h.starts_with("doc:"))
        .find(|h| !seen.insert(h.as_str()))
    {
        return refuse(
            format!("cột “{twice}” có hai lần."),
            format!("the column “{twice}” appears twice."),
        );
    }
    Ok(())
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
    let mut records = parse_csv(&text)
        .map_err(|e| {
            ClientError::file(
                source,
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("không đọc được CSV / not readable as CSV: {e}"),
                ),
            )
        })?
        .into_iter();
    let header = records.next().map(|r| r.cells).unwrap_or_default();
    check_header(source, &header)?;
    let mut first_line_of = std::collections::HashMap::new();
    Ok(records
        .map(|r| {
            let stray = r
                .cells
                .iter()
                .skip(header.len())
                .filter(|c| !c.is_empty())
                .count();
            let cells: Vec<(String, String)> = header.iter().cloned().zip(r.cells).collect();
            let key = RowKey::of(&cells);
            let repeats = match first_line_of.get(&key.stored) {
                Some(first) => Some(*first),
                None => {
                    first_line_of.insert(key.stored.clone(), r.line);
                    None
                }
            };
            Item::Row {
                line: r.line,
                key,
                cells,
                stray,
                repeats,
            }
        })
        .collect())
}

/// Why an item was not filed: what happened, the problems it names by
/// field, and the exit code filing it alone would have ended with.
#[derive(Debug)]
struct NotFiled {
    headline: Bilingual,
    problems: Vec<Problem>,
    exit: Code,
}

impl From<ClientError> for NotFiled {
    fn from(e: ClientError) -> Self {
        let f = Failure::from(e);
        Self {
            headline: Bilingual::new(f.headline(Lang::Vi), f.headline(Lang::En)),
            problems: f.problems().to_vec(),
            exit: f.code(),
        }
    }
}

impl NotFiled {
    /// A row the input itself refuses, with the one problem it has.
    fn input(problem: Problem) -> Self {
        ClientError::Invalid(vec![problem]).into()
    }
}

fn problem(path: &str, code: ProblemCode, vi: String, en: String) -> Problem {
    Problem {
        path: path.to_owned(),
        code,
        message: Bilingual::new(vi, en),
    }
}

/// Whether the dossier was filed by this run or before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    Now,
    Already,
}

/// A dossier's local id and receipt and when it was filed, or why it was
/// not.
type Outcome = Result<(i64, Submitted, When), NotFiled>;

/// The procedure and content a CSV row says, its documents copied into
/// the library. A row with problems gives every one of them (those of the
/// cells, then what the procedure's rules find in the rest).
async fn read_row<'p>(
    client: &Client,
    procedures: &'p [hoso_core::Procedure],
    base: &Path,
    cells: &[(String, String)],
) -> Result<(&'p hoso_core::Procedure, DossierContent), NotFiled> {
    let code = cells
        .iter()
        .find(|(h, _)| h == PROCEDURE)
        .map(|(_, v)| v.trim())
        .unwrap_or_default();
    let procedure = procedures
        .iter()
        .find(|p| p.code.as_str() == code)
        .ok_or_else(|| {
            NotFiled::input(problem(
                PROCEDURE,
                ProblemCode::ProcedureMismatch,
                format!("Cổng không nhận thủ tục “{code}” — xem `hoso procedures list`."),
                format!("The portal has no procedure “{code}” — see `hoso procedures list`."),
            ))
        })?;
    let mut content = DossierContent {
        procedure: procedure.code.clone(),
        version: procedure.version.clone(),
        fields: Default::default(),
        documents: Vec::new(),
    };
    let mut problems = Vec::new();
    for (head, value) in cells.iter().filter(|(_, v)| !v.is_empty()) {
        if let Some(path) = head.strip_prefix("field:") {
            // A table's rows are written as JSON: [{"column": "value"}, …].
            if value.trim_start().starts_with('[') {
                match serde_json::from_str::<Vec<hoso_core::dossier::Row>>(value) {
                    Ok(rows) => {
                        content.fields.insert(path.to_owned(), Value::Rows(rows));
                    }
                    Err(e) => problems.push(problem(
                        path,
                        ProblemCode::Invalid,
                        format!(
                            "Các dòng của bảng phải là JSON [{{\"cột\": \"giá trị\"}}, …] ({e})."
                        ),
                        format!(
                            "A table's rows must be JSON [{{\"column\": \"value\"}}, …] ({e})."
                        ),
                    )),
                }
            } else {
                content
                    .fields
                    .insert(path.to_owned(), Value::Text(value.clone()));
            }
        } else if let Some(slot) = head.strip_prefix("doc:") {
            let path = format!("documents.{slot}");
            let Some(spec) = procedure.slot(slot) else {
                problems.push(problem(
                    &path,
                    ProblemCode::UnknownSlot,
                    format!(
                        "Thủ tục không có loại giấy tờ “{slot}” — xem `hoso procedures show {code}`."
                    ),
                    format!(
                        "The procedure has no document slot “{slot}” — see `hoso procedures show {code}`."
                    ),
                ));
                continue;
            };
            let file = base.join(value);
            match client.import_for_slot(&file, spec).await {
                Ok(entry) => content.documents.push(AttachedDocument {
                    slot: slot.to_owned(),
                    name: entry.name,
                    size: entry.size,
                    sha256: entry.sha256,
                }),
                Err(ClientError::Refused(found)) => problems.extend(found),
                Err(ClientError::File { source, .. }) => problems.push(problem(
                    &path,
                    ProblemCode::DocumentMissing,
                    format!(
                        "Không đọc được tệp {} ({source}); đường dẫn tính từ thư mục của tệp CSV.",
                        file.display()
                    ),
                    format!(
                        "Cannot read {} ({source}); paths are from the CSV file's folder.",
                        file.display()
                    ),
                )),
                Err(e) => return Err(e.into()),
            }
        }
    }
    if !problems.is_empty() {
        let rules = hoso_core::validate(procedure, &content.normalized());
        let named: Vec<String> = problems.iter().map(|p| p.path.clone()).collect();
        problems.extend(rules.into_iter().filter(|p| !named.contains(&p.path)));
        return Err(ClientError::Invalid(problems).into());
    }
    Ok((procedure, content))
}

/// Files dossier `id` where it belongs; whether this run filed it.
async fn file(client: &Client, id: i64) -> Outcome {
    let portal = client.portal_of(id).await?;
    let done = client.submit_dossier(&portal, id).await?;
    // The portal had it (`existing`), or another dossier of this profile
    // with the same content was filed (`shown_instead`): nothing new.
    let when = if done.existing || done.shown_instead {
        When::Already
    } else {
        When::Now
    };
    Ok((done.local_id, done, when))
}

/// The receipt of dossier `id`, filed before this run.
async fn filed_before(client: &Client, id: i64) -> Outcome {
    let portal = client.portal_of(id).await?;
    Ok((id, client.receipt(&portal, id).await?, When::Already))
}

/// Makes or finds the dossier of `item` and files it.
async fn file_item(
    client: &Client,
    portal: &PortalRecord,
    procedures: &[hoso_core::Procedure],
    base: &Path,
    item: &Item,
) -> Outcome {
    let (key, cells) = match item {
        Item::Package(path) => {
            let id = client.import_package(portal, path).await?.id;
            if client.dossier(id).await?.summary.state == hoso_core::DossierState::Submitted {
                return filed_before(client, id).await;
            }
            return file(client, id).await;
        }
        Item::Row {
            repeats: Some(first),
            key,
            ..
        } => {
            let (path, vi, en) = match &key.given {
                Some(k) => (
                    KEY,
                    format!("Khóa “{k}” đã dùng ở dòng {first}; mỗi khóa là một hồ sơ."),
                    format!("The key “{k}” is used on line {first} too; each key is one dossier."),
                ),
                None => (
                    "",
                    format!("Dòng này lặp lại đúng dòng {first}; hồ sơ chỉ nộp một lần."),
                    format!(
                        "This line repeats line {first} word for word; a dossier is filed once."
                    ),
                ),
            };
            return Err(NotFiled::input(problem(path, ProblemCode::Invalid, vi, en)));
        }
        Item::Row { stray, .. } if *stray > 0 => {
            return Err(NotFiled::input(problem(
                "",
                ProblemCode::UnknownField,
                format!("Dòng có {stray} ô ngoài các cột của dòng tiêu đề."),
                format!("The line has {stray} cell(s) beyond the header's columns."),
            )));
        }
        Item::Row { key, cells, .. } => (key, cells),
    };
    let (procedure, content) = read_row(client, procedures, base, cells).await?;
    match client
        .dossier_for_row(portal, procedure, &key.stored, content)
        .await?
    {
        RowDossier::Draft(id) | RowDossier::Sending(id) => file(client, id).await,
        RowDossier::Filed(id) | RowDossier::SameContentFiled(id) => filed_before(client, id).await,
        RowDossier::Changed { id, differs } => {
            let record = client.dossier(id).await?;
            let code = record.summary.dossier_code.unwrap_or_default();
            let fix_vi = if key.given.is_some() {
                "hãy đặt khóa mới cho dòng"
            } else {
                "hãy thêm cột key với một khóa mới cho dòng"
            };
            let fix_en = if key.given.is_some() {
                "give the row a new key"
            } else {
                "add a key column with a new key for the row"
            };
            Err(NotFiled {
                headline: Bilingual::new(
                    format!(
                        "Dòng này đã được nộp trước đây thành hồ sơ #{id} {code}, nhưng nay khác ở {} chỗ; không nộp lại. Để nộp thành hồ sơ mới, {fix_vi}.",
                        differs.len()
                    ),
                    format!(
                        "This row was filed before as dossier #{id} {code}, but now differs in {} place(s); not filed again. To file it as a new dossier, {fix_en}.",
                        differs.len()
                    ),
                ),
                problems: differs
                    .iter()
                    .map(|path| {
                        problem(
                            path,
                            ProblemCode::Invalid,
                            format!("khác với hồ sơ đã nộp {code}"),
                            format!("differs from what was filed as {code}"),
                        )
                    })
                    .collect(),
                exit: Code::Invalid,
            })
        }
    }
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
    let base = if source.is_dir() {
        source.to_owned()
    } else {
        source
            .parent()
            .map(Path::to_owned)
            .unwrap_or_else(|| PathBuf::from("."))
    };
    let mut results: Vec<(usize, Item, Outcome)> =
        futures_util::stream::iter(all.into_iter().enumerate())
            .map(|(i, item)| {
                let (procedures, base) = (&procedures, &base);
                async move {
                    let outcome = file_item(client, portal, procedures, base, &item).await;
                    (i, item, outcome)
                }
            })
            .buffer_unordered(parallel.max(1))
            .collect()
            .await;
    results.sort_by_key(|(i, _, _)| *i);
    let seconds = started.elapsed().as_secs_f64();
    let count = |when: When| {
        results
            .iter()
            .filter(|(_, _, r)| matches!(r, Ok((_, _, w)) if *w == when))
            .count()
    };
    let (now, already) = (count(When::Now), count(When::Already));
    let failed = results.len() - now - already;
    let rows: Vec<_> = results
        .iter()
        .map(|(_, item, r)| {
            let mut v = match r {
                Ok((id, s, when)) => {
                    let mut v = filed_json(*id, s);
                    v["outcome"] = json!(match when {
                        When::Now => "filed",
                        When::Already => "already_filed",
                    });
                    v
                }
                Err(e) => json!({
                    "outcome": "not_filed",
                    "error": out.say(&e.headline),
                    "exit": e.exit as u8,
                    "problems": e.problems,
                }),
            };
            v["source"] = json!(item.source());
            if let Item::Row { line, key, .. } = item {
                v["line"] = json!(line);
                v["row_key"] = json!(key.stored);
            }
            v
        })
        .collect();
    out.print(
        json!({
            "filed": now + already,
            "filed_now": now,
            "already_filed": already,
            "failed": failed,
            "seconds": seconds,
            "parallel": parallel,
            "items": rows,
        }),
        || {
            let mut lines = vec![format!(
                "{now} {} · {already} {} · {failed} {} · {seconds:.1} s",
                out.t("hồ sơ nộp lần này", "filed now"),
                out.t("đã nộp từ trước", "already filed"),
                out.t("chưa nộp được", "not filed"),
            )];
            for (_, item, r) in &results {
                if let Err(e) = r {
                    lines.push(format!("  ✗ {}: {}", item.shown(out), out.say(&e.headline)));
                    for p in &e.problems {
                        let at = if p.path.is_empty() { "—" } else { &p.path };
                        lines.push(format!("      - {at}: {}", out.say(&p.message)));
                    }
                }
            }
            lines.join("\n")
        },
    );
    Ok(if failed > 0 { Code::Partial } else { Code::Ok })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_records_keep_quotes_commas_line_breaks_and_their_first_line() {
        let text = "\u{feff}procedure,field:a,field:b\r\nx,\"Hà Nội, VN\",\"nói \"\"có\"\"\"\r\n\r\ny,\"hai\ndòng\",\r\nz,1,2";
        let r = parse_csv(text).expect("CSV");
        assert_eq!(r.len(), 4);
        assert_eq!(r[0].cells, ["procedure", "field:a", "field:b"]);
        assert_eq!(r[1].cells, ["x", "Hà Nội, VN", "nói \"có\""]);
        assert_eq!(r[2].cells, ["y", "hai\ndòng", ""]);
        assert_eq!(r[3].cells, ["z", "1", "2"]);
        let lines: Vec<usize> = r.iter().map(|r| r.line).collect();
        assert_eq!(
            lines,
            [1, 2, 4, 6],
            "the blank line and the broken cell count"
        );
    }

    #[test]
    fn a_row_is_known_by_its_key_else_by_what_it_says_in_any_column_order() {
        let cells = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(h, v)| ((*h).to_owned(), (*v).to_owned()))
                .collect()
        };
        let a = RowKey::of(&cells(&[
            ("procedure", "p"),
            ("field:x", "Hà Nội"),
            ("doc:c", "c.pdf"),
        ]));
        let moved = RowKey::of(&cells(&[
            ("doc:c", "c.pdf"),
            ("field:y", ""),
            ("procedure", "p"),
            // Typed with decomposed accents and a space after.
            ("field:x", "Ha\u{0300} No\u{0323}\u{0302}i "),
        ]));
        assert_eq!(a, moved);
        assert!(a.stored.starts_with("row:") && a.given.is_none());
        let changed = RowKey::of(&cells(&[
            ("procedure", "p"),
            ("field:x", "2"),
            ("doc:c", "c.pdf"),
        ]));
        assert_ne!(a, changed);
        let keyed = RowKey::of(&cells(&[
            ("key", " HĐ-114 "),
            ("procedure", "p"),
            ("field:x", "2"),
        ]));
        assert_eq!(keyed.stored, "key:HĐ-114");
        let same_key = RowKey::of(&cells(&[
            // The same key, with invisible characters around it.
            ("key", "\u{feff}HĐ-114\u{200b}"),
            ("procedure", "p"),
            ("field:x", "3"),
        ]));
        assert_eq!(keyed, same_key, "with a key, the content may change");
    }

    #[test]
    fn a_header_with_a_column_hoso_would_not_read_is_refused() {
        let header = |h: &[&str]| h.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let csv = Path::new("lo.csv");
        assert!(
            check_header(
                csv,
                &header(&["procedure", "key", "field:a.b", "doc:c", "doc:c"])
            )
            .is_ok()
        );
        for bad in [
            &["field:a"][..],
            &["procedure", "feild:a"],
            &["procedure", "field:"],
            &["procedure", "field:a", "field:a"],
        ] {
            let refused = check_header(csv, &header(bad)).expect_err("refused");
            assert_eq!(refused.code(), Code::Invalid, "{bad:?}");
        }
        let text = check_header(csv, &header(&["procedure", "feild:a"]))
            .expect_err("refused")
            .text(Lang::En);
        assert!(text.contains("“feild:a”"), "{text}");
    }
}
