//! `hoso dossiers`: new, set, attach, duplicate, withdraw, rate, check,
//! list, show.

use super::procedures::served;
use super::{Out, portal};
use crate::cli::DossiersCmd;
use crate::exit::{Code, Failure};
use hoso_client::Client;
use hoso_core::{AttachedDocument, DossierContent, DossierQuery, Value};
use serde_json::json;

/// Dossier `id` with the procedure version it is written against.
async fn written_for(
    client: &Client,
    id: i64,
) -> Result<(hoso_core::DossierRecord, hoso_core::Procedure), Failure> {
    let record = client.dossier(id).await?;
    let p = client.portal_of(id).await?;
    let procedure = client
        .procedure_version(&p, &record.content.procedure, &record.content.version)
        .await?
        .ok_or_else(|| {
            hoso_client::ClientError::NotFound(format!(
                "thủ tục / procedure {}",
                record.content.procedure
            ))
        })?;
    Ok((record, procedure))
}

pub(super) fn summary_json(d: &hoso_core::DossierSummary) -> serde_json::Value {
    serde_json::to_value(d).unwrap_or_default()
}

pub(super) async fn run(client: &Client, c: DossiersCmd, out: Out) -> Result<Code, Failure> {
    match c {
        DossiersCmd::New {
            procedure,
            portal: choice,
        } => {
            let p = portal(client, &choice).await?;
            let found = served(client, &p, &procedure).await?;
            let record = client.create_dossier(&p, &found).await?;
            out.print(summary_json(&record.summary), || {
                format!("{}", record.summary.id)
            });
        }
        DossiersCmd::Set { id, file, fields } => {
            let (mut record, procedure) = written_for(client, id).await?;
            still_draft(&record)?;
            let mut given = std::collections::BTreeMap::new();
            let mut notes = Vec::new();
            if let Some(path) = file {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| hoso_client::ClientError::file(&path, e))?;
                let read = crate::values::parse(&text, &procedure).map_err(|m| {
                    Failure::new(
                        Code::Invalid,
                        format!("{}: {}", path.display(), m.vi),
                        format!("{}: {}", path.display(), m.en),
                    )
                })?;
                if let Some((_, documents)) = read.dossier.filter(|(_, n)| *n > 0) {
                    notes.push(hoso_core::Bilingual::new(
                        format!(
                            "Tệp là một hồ sơ đầy đủ: đã lấy {} trường; {documents} giấy tờ trong đó không được đính kèm — hãy đính kèm từng tệp bằng `hoso dossiers attach {id} LOẠI TỆP`.",
                            read.fields.len()
                        ),
                        format!(
                            "The file is a whole dossier: its {} fields were taken; its {documents} documents were not attached — attach each file with `hoso dossiers attach {id} SLOT FILE`.",
                            read.fields.len()
                        ),
                    ));
                }
                given.extend(read.fields);
            }
            for f in fields {
                let (path, value) = f.split_once('=').ok_or_else(|| {
                    Failure::new(
                        Code::Invalid,
                        format!("“{f}”: cần dạng TRƯỜNG=GIÁ_TRỊ"),
                        format!("“{f}”: expected PATH=VALUE"),
                    )
                })?;
                let value = crate::values::field_value(path, value, &procedure)
                    .map_err(|m| Failure::Other(Code::Invalid, m))?;
                given.insert(path.to_owned(), value);
            }
            let legacy = hoso_core::legacy::in_fields(&procedure, &given);
            record.content.fields.extend(given);
            let saved = client
                .save_dossier(
                    &client.portal_of(id).await?,
                    id,
                    record.content,
                    record.revision,
                )
                .await
                .map_err(|e| editable(id, e))?;
            out.print(
                json!({"id": id, "revision": saved.revision, "notes": notes,
                       "legacy_text": crate::legacy::to_json(&legacy)}),
                || {
                    let mut lines = vec![format!(
                        "{} {id} (r{})",
                        out.t("Đã lưu hồ sơ", "Saved dossier"),
                        saved.revision
                    )];
                    lines.extend(notes.iter().map(|n| out.say(n).to_owned()));
                    lines.extend(crate::legacy::lines(id, &legacy, out));
                    lines.join("\n")
                },
            );
        }
        DossiersCmd::Attach { id, slot, file } => {
            let (record, procedure) = written_for(client, id).await?;
            // Said before the file is copied into the library for nothing.
            still_draft(&record)?;
            let spec = procedure.slot(&slot).cloned().ok_or_else(|| {
                Failure::new(
                    Code::Invalid,
                    format!("Thủ tục không có loại giấy tờ “{slot}”."),
                    format!("The procedure has no document slot “{slot}”."),
                )
            })?;
            let entry = client.import_for_slot(&file, &spec).await?;
            let mut content = record.content;
            content.place_document(
                AttachedDocument {
                    slot,
                    name: entry.name,
                    size: entry.size,
                    sha256: entry.sha256,
                },
                spec.max_count,
            );
            save(client, id, content, record.revision, out)
                .await
                .map_err(|e| match e {
                    Failure::Client(e) => editable(id, e),
                    other => other,
                })?;
        }
        DossiersCmd::Duplicate { id } => {
            let record = client.dossier(id).await?;
            let p = client.portal_of(id).await?;
            // The version in force: the one the portal serves now (or last
            // served, offline), as `dossiers new` uses.
            let current = served(client, &p, record.content.procedure.as_str()).await?;
            let before = &record.content.version;
            let changes = match client
                .procedure_version(&p, &record.content.procedure, before)
                .await?
            {
                Some(old) if old.version != current.version => {
                    hoso_core::procedure::diff::changes(&old, &current)
                }
                _ => Vec::new(),
            };
            let copy = client.duplicate_dossier_for(id, &current).await?;
            let new_id = copy.summary.id;
            // The id alone on stdout, as `dossiers new` prints it; what
            // else there is to know goes to stderr.
            if !out.json {
                eprintln!(
                    "{}",
                    if *before == current.version {
                        out.t(
                            &format!(
                                "Hồ sơ #{new_id}: bản nháp chép từ #{id} (nội dung và giấy tờ), theo phiên bản {before} đang áp dụng."
                            ),
                            &format!(
                                "Dossier #{new_id}: a draft copied from #{id} (content and documents), under version {before}, in force."
                            ),
                        )
                    } else {
                        out.t(
                            &format!(
                                "Hồ sơ #{new_id}: bản nháp chép từ #{id} (nội dung và giấy tờ), theo phiên bản đang áp dụng {} (hồ sơ cũ theo {before}). Thay đổi:",
                                current.version
                            ),
                            &format!(
                                "Dossier #{new_id}: a draft copied from #{id} (content and documents), under the version in force, {} (the original follows {before}). What changed:",
                                current.version
                            ),
                        )
                    }
                );
                for c in &changes {
                    eprintln!("  - {}", out.say(c));
                }
                eprintln!(
                    "{}",
                    out.t(
                        &format!("Kiểm tra: hoso dossiers check {new_id}"),
                        &format!("To check it: hoso dossiers check {new_id}"),
                    )
                );
            }
            out.print(
                json!({"id": new_id, "summary": summary_json(&copy.summary), "from": id,
                       "version_before": before, "changes": changes}),
                || new_id.to_string(),
            );
        }
        DossiersCmd::Withdraw { id, reason } => {
            client.withdraw(id, &reason).await?;
            out.print(json!({ "id": id, "withdrawn": true }), || {
                out.t(
                    &format!(
                        "Đã rút hồ sơ {id}. Nếu đã nộp phí, cơ quan sẽ hoàn lại và thông báo hoàn phí sẽ hiện trong `hoso fee show {id}`."
                    ),
                    &format!(
                        "Dossier {id} is withdrawn. A fee paid is refunded by the agency; the refund notice shows in `hoso fee show {id}`."
                    ),
                )
            });
        }
        DossiersCmd::Rate {
            id,
            rating,
            comment,
        } => {
            let kept = client.rate(id, rating, &comment).await?;
            out.print(json!({ "id": id, "rating": kept }), || {
                let mut lines = vec![out.t(
                    &format!(
                        "Đã ghi nhận đánh giá hồ sơ {id}. Đánh giá lại bất cứ lúc nào bằng `hoso dossiers rate {id} MỨC`; lần đánh giá sau cùng được tính."
                    ),
                    &format!(
                        "Your rating of dossier {id} is recorded. Rate it again at any time with `hoso dossiers rate {id} RATING`; the latest rating counts."
                    ),
                )];
                lines.extend(super::status::rating_lines(&kept, out));
                lines.join("\n")
            });
        }
        DossiersCmd::Check { id } => {
            let (record, procedure) = written_for(client, id).await?;
            let problems = hoso_core::validate(&procedure, &record.content);
            let legacy = hoso_core::legacy::in_fields(&procedure, &record.content.fields);
            out.print(
                json!({"id": id, "problems": problems,
                       "legacy_text": crate::legacy::to_json(&legacy)}),
                || {
                    let mut lines = if problems.is_empty() {
                        vec![out.t(
                            "Hồ sơ đạt mọi yêu cầu của thủ tục.",
                            "The dossier meets every rule of its procedure.",
                        )]
                    } else {
                        problems
                            .iter()
                            .map(|p| format!("{}: {}", p.path, out.say(&p.message)))
                            .collect()
                    };
                    lines.extend(crate::legacy::lines(id, &legacy, out));
                    lines.join("\n")
                },
            );
            return Ok(if problems.is_empty() {
                Code::Ok
            } else {
                Code::Invalid
            });
        }
        DossiersCmd::List { search } => {
            let list = client
                .dossiers(DossierQuery {
                    text: search,
                    ..DossierQuery::default()
                })
                .await?;
            out.print(
                json!(list.iter().map(summary_json).collect::<Vec<_>>()),
                || {
                    list.iter()
                        .map(|d| {
                            format!(
                                "{:>5}  {:<10} {:<26} {}",
                                d.id,
                                format!("{:?}", d.state).to_lowercase(),
                                d.dossier_code.clone().unwrap_or_default(),
                                d.title
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                },
            );
        }
        DossiersCmd::Show { id } => {
            let record = client.dossier(id).await?;
            let value = json!({
                "summary": summary_json(&record.summary),
                "content": record.content,
                "revision": record.revision,
            });
            out.print(value, || {
                let mut lines = vec![format!(
                    "#{} {} ({:?}) {}",
                    record.summary.id,
                    record.summary.title,
                    record.summary.state,
                    record.summary.dossier_code.clone().unwrap_or_default()
                )];
                for (k, v) in &record.content.fields {
                    let shown = match v {
                        Value::Text(t) => t.clone(),
                        Value::Rows(r) => format!("[{} rows]", r.len()),
                    };
                    lines.push(format!("  {k:<36} {shown}"));
                }
                for d in &record.content.documents {
                    lines.push(format!(
                        "  [{}] {} {} B {}",
                        d.slot, d.name, d.size, d.sha256
                    ));
                }
                lines.join("\n")
            });
        }
    }
    Ok(Code::Ok)
}

/// A failed change of dossier `id`; one that was sent says how to start
/// again from it.
fn editable(id: i64, e: hoso_client::ClientError) -> Failure {
    match e {
        hoso_client::ClientError::NotEditable => Failure::new(
            Code::Invalid,
            format!(
                "Hồ sơ #{id} đã gửi đi nên không sửa được nữa. Để lập hồ sơ mới cùng nội dung và giấy tờ: hoso dossiers duplicate {id}"
            ),
            format!(
                "Dossier #{id} was sent and can no longer change. To start a new one with the same content and documents: hoso dossiers duplicate {id}"
            ),
        ),
        e => Failure::Client(e),
    }
}

/// Refuses to change a dossier that was sent, before any work; the store
/// refuses it too (`ClientError::NotEditable`).
fn still_draft(record: &hoso_core::DossierRecord) -> Result<(), Failure> {
    if record.summary.state == hoso_core::DossierState::Draft {
        return Ok(());
    }
    Err(editable(
        record.summary.id,
        hoso_client::ClientError::NotEditable,
    ))
}

async fn save(
    client: &Client,
    id: i64,
    content: DossierContent,
    revision: i64,
    out: Out,
) -> Result<(), Failure> {
    let p = client.portal_of(id).await?;
    let saved = client.save_dossier(&p, id, content, revision).await?;
    out.print(json!({"id": id, "revision": saved.revision}), || {
        format!(
            "{} {id} (r{})",
            out.t("Đã lưu hồ sơ", "Saved dossier"),
            saved.revision
        )
    });
    Ok(())
}
