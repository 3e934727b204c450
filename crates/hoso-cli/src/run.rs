//! Each command: a few calls into hoso-client, then text or JSON.

use crate::cli::{
    Cli, Command, DossiersCmd, PackageCmd, PortalChoice, PortalsCmd, ProceduresCmd, ReceiptCmd,
};
use crate::exit::{Code, Failure, Lang};
use hoso_client::progress::ProgressSink;
use hoso_client::{AddPortal, Client, PortalRecord};
use hoso_core::{AttachedDocument, DossierContent, DossierQuery, Value};
use serde_json::json;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// How results are printed.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub json: bool,
    pub lang: Lang,
}

impl Out {
    /// Prints `value` as JSON, or `text()` for people.
    pub fn print(&self, value: serde_json::Value, text: impl FnOnce() -> String) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string())
            );
        } else {
            println!("{}", text());
        }
    }

    /// `b` in the person's language.
    pub fn say<'a>(&self, b: &'a hoso_core::Bilingual) -> &'a str {
        self.lang.pick(b)
    }

    /// A short text in the person's language.
    pub fn t(&self, vi: &str, en: &str) -> String {
        match self.lang {
            Lang::Vi => vi.to_owned(),
            Lang::En => en.to_owned(),
        }
    }
}

/// The app's identifier, which names its data folder.
const APP_ID: &str = "vn.hoso.desktop";

/// The default profile: the desktop app's, found as Tauri finds it (the
/// system's data folder: `$XDG_DATA_HOME` or `~/.local/share` on Linux,
/// `%APPDATA%` on Windows, `~/Library/Application Support` on macOS),
/// so the command line and the app share one profile. Reading `HOME` by
/// hand made it the current folder on Windows, where `HOME` is unset.
fn default_profile() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(APP_ID)
        .join("profile")
}

/// Progress bars of the sendings under way, by dossier id.
#[derive(Debug, Default, Clone)]
pub struct Bars {
    multi: indicatif::MultiProgress,
    bars: Arc<Mutex<HashMap<i64, indicatif::ProgressBar>>>,
}

impl Bars {
    fn update(&self, p: &hoso_core::progress::SendProgress, lang: Lang) {
        let mut bars = self.bars.lock().unwrap_or_else(|e| e.into_inner());
        let bar = bars.entry(p.dossier).or_insert_with(|| {
            let bar = self.multi.add(indicatif::ProgressBar::new(p.total.max(1)));
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{prefix:>6} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg}",
            ) {
                bar.set_style(style);
            }
            bar.set_prefix(format!("#{}", p.dossier));
            bar
        });
        bar.set_length(p.total.max(1));
        bar.set_position(p.confirmed);
        bar.set_message(lang.pick(&p.headline()).to_owned());
        if p.phase == hoso_core::progress::SendPhase::Done {
            bar.finish();
        }
    }
}

/// Opens the profile, with progress bars when people watch.
pub async fn open(args: &Cli, out: Out) -> Result<(Client, Bars), Failure> {
    let dir = args.profile.clone().unwrap_or_else(default_profile);
    let mut client = Client::open(&dir).await?;
    let bars = Bars::default();
    if out.json {
        bars.multi
            .set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let shown = bars.clone();
    client.set_progress_sink(ProgressSink::new(move |p| shown.update(&p, out.lang)));
    Ok((client, bars))
}

/// The portal `choice` names, or the default one.
pub async fn portal(client: &Client, choice: &PortalChoice) -> Result<PortalRecord, Failure> {
    let all = client.portals().await?;
    let found = match choice.portal.as_deref() {
        Some(wanted) => all.into_iter().find(|p| {
            wanted.parse::<i64>().ok() == Some(p.id)
                || p.base_url.trim_end_matches('/') == wanted.trim_end_matches('/')
        }),
        None => {
            let (practice, others): (Vec<_>, Vec<_>) = all.into_iter().partition(|p| p.practice);
            others.into_iter().next().or(practice.into_iter().next())
        }
    };
    found.ok_or_else(|| match choice.portal.as_deref() {
        // An address: the command to add it, with it.
        Some(url) if url.contains("://") => Failure::new(
            Code::NotFound,
            format!("Chưa có cổng {url} trong hồ sơ người dùng; hãy chạy `hoso portals add {url}`."),
            format!("Portal {url} is not in this profile; run `hoso portals add {url}`."),
        ),
        _ => Failure::new(
            Code::NotFound,
            "Chưa có cổng này trong hồ sơ người dùng; hãy chạy `hoso portals add ĐỊA_CHỈ` (xem `hoso portals list`).",
            "No such portal in this profile; run `hoso portals add ADDRESS` (see `hoso portals list`).",
        ),
    })
}

/// Runs the command; its exit code.
pub async fn run(args: Cli) -> Result<Code, Failure> {
    let out = Out {
        json: args.json,
        lang: Lang::choose(args.lang.as_deref()),
    };
    if let Command::Calendar(c) = &args.command {
        return crate::calendar::run(c, out);
    }
    let (client, bars) = open(&args, out).await?;
    match args.command {
        Command::Portals(c) => portals(&client, c, out).await,
        Command::Procedures(c) => procedures(&client, c, out).await,
        Command::Dossiers(c) => dossiers(&client, c, out).await,
        Command::Submit { ids } => submit(&client, &ids, out, &bars).await,
        Command::Status { id, sync } => status(&client, id, sync, out).await,
        Command::Receipt(c) => {
            // The form's own language is Vietnamese: English only when asked.
            let form = Lang::choose_or(args.lang.as_deref(), Lang::Vi);
            receipt(&client, c, out, form).await
        }
        Command::Package(c) => package(&client, c, out).await,
        Command::Batch {
            source,
            parallel,
            portal: choice,
        } => {
            let target = portal(&client, &choice).await?;
            crate::batch::run(&client, &target, &source, parallel, out).await
        }
        Command::Calendar(_) => Ok(Code::Ok),
    }
}

fn portal_json(p: &PortalRecord) -> serde_json::Value {
    json!({
        "id": p.id,
        "name": p.name,
        "base_url": p.base_url,
        "key_fingerprint": p.key.fingerprint(),
        "key_changed": p.key_changed,
        "signed_in": p.token.is_some(),
        "receipt_key": p.key.to_base64(),
        "practice": p.practice,
    })
}

async fn portals(client: &Client, c: PortalsCmd, out: Out) -> Result<Code, Failure> {
    match c {
        PortalsCmd::Add { url, token } => {
            let p = match token {
                Some(token) => client.add_portal_with_token(&url, token).await?,
                None => client.add_portal(&url, AddPortal::default()).await?,
            };
            out.print(portal_json(&p), || {
                let mut text = format!(
                    "{} {} · {} {}",
                    out.t("Đã thêm cổng", "Added portal"),
                    out.say(&p.name),
                    out.t("khóa đã ghim", "pinned key"),
                    p.key.fingerprint()
                );
                if p.token.is_none() {
                    text.push('\n');
                    text.push_str(&out.t(
                        &format!(
                            "Chưa đăng nhập: để nộp hồ sơ, hãy chạy `hoso portals sign-in {}` với mã truy cập cơ quan đã cấp.",
                            p.id
                        ),
                        &format!(
                            "Not signed in: to file, run `hoso portals sign-in {}` with the access token the agency issued.",
                            p.id
                        ),
                    ));
                }
                text
            });
        }
        PortalsCmd::SignIn {
            portal: wanted,
            token,
        } => {
            let p = portal(
                client,
                &PortalChoice {
                    portal: Some(wanted),
                },
            )
            .await?;
            let token = match token {
                Some(t) => t,
                None => read_token(&p, out)?,
            };
            let token = token.trim().to_owned();
            if token.is_empty() {
                return Err(Failure::new(
                    Code::Invalid,
                    "Chưa có mã truy cập: dùng --token MÃ, hoặc nhập mã khi được hỏi.",
                    "No access token: give --token TOKEN, or type it when asked.",
                ));
            }
            let p = client.sign_in_checked(p.id, token).await?;
            out.print(portal_json(&p), || {
                format!(
                    "{} {} ({})",
                    out.t("Đã đăng nhập cổng", "Signed in to portal"),
                    out.say(&p.name),
                    p.base_url
                )
            });
        }
        PortalsCmd::List => {
            let all = client.portals().await?;
            out.print(
                json!(all.iter().map(portal_json).collect::<Vec<_>>()),
                || {
                    all.iter()
                        .map(|p| {
                            let warn = p
                                .key_changed
                                .as_ref()
                                .map(|k| format!("  ⚠ {} {k}", out.t("KHÓA ĐÃ ĐỔI", "KEY CHANGED")))
                                .unwrap_or_default();
                            let signed_out = if p.token.is_none() {
                                format!("  ({})", out.t("chưa đăng nhập", "not signed in"))
                            } else {
                                String::new()
                            };
                            format!(
                                "{:>3}  {:<40} {}  {}{signed_out}{warn}",
                                p.id,
                                p.base_url,
                                p.key.fingerprint(),
                                out.say(&p.name)
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                },
            );
        }
    }
    Ok(Code::Ok)
}

/// An access token from standard input: asked for on a terminal, else the
/// first line piped in.
fn read_token(p: &PortalRecord, out: Out) -> Result<String, Failure> {
    use std::io::{BufRead, IsTerminal, Write};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!(
            "{} “{}”: ",
            out.t(
                "Mã truy cập của người nộp cho cổng",
                "Applicant access token for portal"
            ),
            out.say(&p.name)
        );
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::new(Code::Failure, e.to_string(), e.to_string()))?;
    Ok(line)
}

async fn procedures(client: &Client, c: ProceduresCmd, out: Out) -> Result<Code, Failure> {
    match c {
        ProceduresCmd::List { portal: choice } => {
            let p = portal(client, &choice).await?;
            let list = client.procedures(&p).await?;
            let largest = crate::procedure_text::largest_file;
            let rows: Vec<_> = list
                .iter()
                .map(|x| json!({"code": x.code, "version": x.version, "name": x.name, "processing_days": x.processing_days, "fee_vnd": x.fee_vnd, "max_file_bytes": largest(x)}))
                .collect();
            out.print(json!(rows), || {
                let mut lines = vec![format!(
                    "{:<28} {:<10} {:<16} {}",
                    out.t("MÃ", "CODE"),
                    out.t("PHIÊN BẢN", "VERSION"),
                    out.t("TỆP TỐI ĐA", "LARGEST FILE"),
                    out.t("TÊN", "NAME")
                )];
                lines.extend(list.iter().map(|x| {
                    format!(
                        "{:<28} {:<10} {:<16} {}",
                        x.code.as_str(),
                        x.version,
                        out.say(&hoso_core::bilingual::byte_size(largest(x))),
                        out.say(&x.name)
                    )
                }));
                lines.join("\n")
            });
        }
        ProceduresCmd::Show {
            code,
            portal: choice,
        } => {
            let p = portal(client, &choice).await?;
            let found = served(client, &p, &code).await?;
            let value = serde_json::to_value(&found).unwrap_or_default();
            out.print(value, || crate::procedure_text::render(&found, out.lang));
        }
    }
    Ok(Code::Ok)
}

/// Procedure `code` as `portal` serves it.
async fn served(
    client: &Client,
    portal: &PortalRecord,
    code: &str,
) -> Result<hoso_core::Procedure, Failure> {
    client
        .procedures(portal)
        .await?
        .into_iter()
        .find(|x| x.code.as_str() == code)
        .ok_or_else(|| {
            Failure::new(
                Code::NotFound,
                format!("Cổng không có thủ tục {code}."),
                format!("The portal has no procedure {code}."),
            )
        })
}

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

fn summary_json(d: &hoso_core::DossierSummary) -> serde_json::Value {
    serde_json::to_value(d).unwrap_or_default()
}

async fn dossiers(client: &Client, c: DossiersCmd, out: Out) -> Result<Code, Failure> {
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
            if spec.max_count <= 1 {
                content.documents.retain(|d| d.slot != slot);
            }
            content.documents.push(AttachedDocument {
                slot,
                name: entry.name,
                size: entry.size,
                sha256: entry.sha256,
            });
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

/// The JSON of a filed dossier's receipt outcome.
pub fn filed_json(id: i64, done: &hoso_client::Submitted) -> serde_json::Value {
    json!({
        "id": id,
        "code": done.receipt.dossier_code,
        "existing": done.existing,
        "shown_instead": done.shown_instead,
        "received_at": done.receipt.received_at,
        "appointment_date": done.receipt.appointment_date,
        "receipt_sha256": done.receipt_sha256.to_hex(),
        "verified_with": done.verified_with,
    })
}

async fn submit(client: &Client, ids: &[i64], out: Out, bars: &Bars) -> Result<Code, Failure> {
    use futures_util::StreamExt;
    let outcomes: Vec<(
        i64,
        Result<hoso_client::Submitted, hoso_client::ClientError>,
    )> = futures_util::stream::iter(ids.iter().copied())
        .map(|id| async move {
            let result = match client.portal_of(id).await {
                Ok(p) => client.submit_dossier(&p, id).await,
                Err(e) => Err(e),
            };
            (id, result)
        })
        .buffer_unordered(4)
        .collect()
        .await;
    bars.multi.clear().ok();
    let mut worst = Code::Ok;
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    for (id, result) in outcomes {
        match result {
            Ok(done) => {
                lines.push(format!(
                    "#{id} {} {} · {} {}",
                    out.t("đã nộp, mã", "filed, code"),
                    done.receipt.dossier_code,
                    out.t("hẹn trả", "due"),
                    done.receipt.appointment_date.format("%d/%m/%Y")
                ));
                rows.push(filed_json(id, &done));
            }
            Err(e) => {
                let failure = Failure::from(e);
                lines.push(format!("#{id} {}", failure.text(out.lang)));
                rows.push(json!({"id": id, "error": failure.text(out.lang), "exit": failure.code() as u8}));
                if worst == Code::Ok {
                    worst = failure.code();
                }
            }
        }
    }
    out.print(json!(rows), || lines.join("\n"));
    Ok(worst)
}

async fn status(client: &Client, id: Option<i64>, sync: bool, out: Out) -> Result<Code, Failure> {
    let mut failed = None;
    if sync {
        for p in client.portals().await? {
            if p.practice && p.token.is_none() {
                continue;
            }
            if let Err(e) = client.sync_status(&p).await {
                let failure = Failure::from(e);
                eprintln!("hoso: {}: {}", p.base_url, failure.headline(out.lang));
                failed.get_or_insert(failure.code());
            }
        }
    }
    match id {
        Some(id) => {
            let record = client.dossier(id).await?;
            let p = client.portal_of(id).await?;
            let history = match &record.summary.dossier_code {
                Some(code) => client
                    .dossier_status(&p, code)
                    .await?
                    .map(|t| t.history)
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            out.print(
                json!({"summary": summary_json(&record.summary), "history": history}),
                || {
                    let mut lines = vec![match &record.summary.tracking {
                        Some(t) => format!(
                            "#{id} {} · {} · {}",
                            out.say(&t.status.label()),
                            out.say(&t.deadline.label()),
                            t.confirmed_at.clone().unwrap_or_default()
                        ),
                        None => format!("#{id} {:?}", record.summary.state),
                    }];
                    for e in &history {
                        lines.push(format!(
                            "  {} {} ({}) {}",
                            e.at,
                            out.say(&e.status.label()),
                            e.actor,
                            e.note
                        ));
                    }
                    lines.join("\n")
                },
            );
        }
        None => {
            let rows = client.report().await?;
            let value: Vec<_> = rows
                .iter()
                .map(|r| {
                    json!({
                        "id": r.id,
                        "code": r.code, "procedure": r.procedure, "title": r.title, "portal": r.portal,
                        "local_state": r.local_state, "received_at": r.received_at,
                        "status": r.tracking.as_ref().map(|t| t.status),
                        "confirmed_at": r.tracking.as_ref().and_then(|t| t.confirmed_at.clone()),
                        "appointment_date": r.tracking.as_ref().map(|t| t.appointment_date),
                        "deadline": r.tracking.as_ref().map(|t| t.deadline),
                    })
                })
                .collect();
            out.print(json!(value), || {
                if rows.is_empty() {
                    return out.t(
                        "Chưa có hồ sơ nào trên máy này; lập hồ sơ đầu tiên bằng `hoso dossiers new THỦ_TỤC` (xem `hoso procedures list`).",
                        "No dossiers on this computer yet; start one with `hoso dossiers new PROCEDURE` (see `hoso procedures list`).",
                    );
                }
                let mut lines = vec![format!(
                    "{:>5}  {:<26} {:<40} {}",
                    "#",
                    out.t("MÃ HỒ SƠ", "CODE"),
                    out.t("TÊN", "TITLE"),
                    out.t("TÌNH TRẠNG", "STANDING")
                )];
                lines.extend(rows.iter().map(|r| {
                    let standing = r
                        .tracking
                        .as_ref()
                        .map(|t| {
                            format!(
                                "{} · {}",
                                out.say(&t.status.label()),
                                out.say(&t.deadline.label())
                            )
                        })
                        .unwrap_or_else(|| local_state(&r.local_state, out));
                    // A draft has no code yet: say so, its id names it.
                    let code = if r.code.is_empty() {
                        out.t("(chưa nộp)", "(not filed)")
                    } else {
                        r.code.clone()
                    };
                    format!("{:>5}  {code:<26} {:<40} {standing}", r.id, r.title)
                }));
                lines.join("\n")
            });
        }
    }
    Ok(failed.unwrap_or(Code::Ok))
}

/// `draft`, `submitting` or `submitted` in words.
fn local_state(state: &str, out: Out) -> String {
    match state {
        "draft" => out.t("bản nháp", "draft"),
        "submitting" => out.t("đang gửi", "being sent"),
        "submitted" => out.t("đã nộp", "filed"),
        other => other.to_owned(),
    }
}

async fn receipt(client: &Client, c: ReceiptCmd, out: Out, form: Lang) -> Result<Code, Failure> {
    match c {
        ReceiptCmd::Show { id } => {
            let p = client.portal_of(id).await?;
            // Verified again against the pinned key: a receipt that does
            // not verify is refused (exit 5), never shown as if it did.
            let done = client.receipt(&p, id).await?;
            let signed = serde_json::to_value(&done.signed).unwrap_or_default();
            out.print(signed, || {
                crate::receipt_form::render(
                    &done.receipt,
                    &done.verified_with,
                    &done.receipt_sha256,
                    form,
                )
            });
        }
        ReceiptCmd::Verify {
            file,
            key,
            portal: choice,
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| hoso_client::ClientError::file(&file, e))?;
            // A file that is not even a signed receipt verifies no more
            // than a forged one: the same answer, exit 5, whatever the key.
            let signed = match serde_json::from_str::<hoso_core::receipt::SignedReceipt>(&text) {
                Ok(signed) => signed,
                Err(e) => {
                    let why = format!(
                        "{}: {} ({e})",
                        file.display(),
                        out.t("không phải biên nhận HoSo", "not a HoSo receipt")
                    );
                    return Ok(not_valid(out, &why));
                }
            };
            // The key it claims (read before verifying, only to choose a
            // key and to say which one to look for).
            let claimed = signed.receipt["key_id"].as_str().unwrap_or("?").to_owned();
            let key = match key {
                Some(k) => hoso_core::receipt::PortalKey::from_base64(&k)
                    .map_err(|e| Failure::new(Code::Invalid, e.to_string(), e.to_string()))?,
                None if choice.portal.is_some() => portal(client, &choice).await?.key,
                None => {
                    let all = client.portals().await?;
                    if all.is_empty() {
                        return Err(no_key(&file, &signed, &claimed));
                    }
                    // The portal whose pinned key the receipt names, else
                    // the default one (which then says it does not match).
                    match all.iter().find(|p| p.key.fingerprint() == claimed) {
                        Some(p) => p.key,
                        None => portal(client, &choice).await?.key,
                    }
                }
            };
            match signed.verify(&key) {
                Ok(r) => out.print(
                    json!({"valid": true, "dossier_code": r.dossier_code, "key_id": key.fingerprint(),
                           "received_at": r.received_at, "receipt_sha256": signed.sha256().to_hex()}),
                    || {
                        format!(
                            "{} {} · {} {}",
                            out.t("Biên nhận hợp lệ:", "Receipt valid:"),
                            r.dossier_code,
                            out.t("ký bằng khóa", "signed with key"),
                            key.fingerprint()
                        )
                    },
                ),
                Err(e @ hoso_core::receipt::ReceiptError::OtherKey { .. }) => {
                    let why = format!(
                        "{e}. {}",
                        out.t(
                            "Nếu biên nhận do cổng khác cấp, hãy kiểm tra bằng --portal CỔNG hoặc --key KHÓA_CỦA_CỔNG.",
                            "If another portal issued it, verify with --portal PORTAL or --key THAT_PORTALS_KEY."
                        )
                    );
                    return Ok(not_valid(out, &why));
                }
                Err(e) => return Ok(not_valid(out, &e.to_string())),
            }
        }
    }
    Ok(Code::Ok)
}

/// No key to verify with: the profile has no portal. Says which key the
/// receipt names and how to give it.
fn no_key(
    file: &std::path::Path,
    signed: &hoso_core::receipt::SignedReceipt,
    claimed: &str,
) -> Failure {
    let name = |lang: &str| {
        signed.receipt["portal"][lang]
            .as_str()
            .map(|n| format!(" “{n}”"))
            .unwrap_or_default()
    };
    let file = file.display();
    Failure::new(
        Code::NotFound,
        format!(
            "Hồ sơ người dùng này chưa có cổng nào nên chưa có khóa để kiểm tra. Biên nhận ghi được ký bằng khóa {claimed} của cổng{}. Kiểm tra bằng khóa công khai của cổng: `hoso receipt verify {file} --key KHÓA` (KHÓA: mục receipt_key cổng công bố tại ĐỊA_CHỈ_CỔNG/.well-known/hoso, hoặc trong `hoso portals list --json` ở máy đã thêm cổng); hoặc thêm cổng trước: `hoso portals add ĐỊA_CHỈ_CỔNG`.",
            name("vi")
        ),
        format!(
            "This profile has no portal yet, so no key to verify with. The receipt says it was signed with key {claimed} of portal{}. Verify with the portal's public key: `hoso receipt verify {file} --key KEY` (KEY: the receipt_key the portal publishes at PORTAL_ADDRESS/.well-known/hoso, or in `hoso portals list --json` on a computer that added the portal); or add the portal first: `hoso portals add PORTAL_ADDRESS`.",
            name("en")
        ),
    )
}

/// The package at `file` names a portal this profile does not have: which,
/// and the command that adds it.
fn portal_to_add(file: &std::path::Path, named: &hoso_client::package::NamedPortal) -> Failure {
    let (file, url, key) = (file.display(), &named.base_url, &named.key_id);
    if named.filed {
        Failure::new(
            Code::NotFound,
            format!(
                "Hồ sơ trong gói {file} đã nộp qua cổng “{}” ({url}, khóa {key}), chưa có trong hồ sơ người dùng này. Hãy thêm cổng đó rồi nhập lại: `hoso portals add {url} --token MÃ`.",
                named.name.vi
            ),
            format!(
                "The dossier in {file} was filed with portal “{}” ({url}, key {key}), which this profile does not have. Add that portal, then import again: `hoso portals add {url} --token TOKEN`.",
                named.name.en
            ),
        )
    } else {
        Failure::new(
            Code::NotFound,
            format!(
                "Gói {file} được lập cho cổng “{}” ({url}), chưa có trong hồ sơ người dùng này. Hãy thêm cổng đó rồi nhập lại: `hoso portals add {url} --token MÃ`.",
                named.name.vi
            ),
            format!(
                "{file} was written for portal “{}” ({url}), which this profile does not have. Add that portal, then import again: `hoso portals add {url} --token TOKEN`.",
                named.name.en
            ),
        )
    }
}

/// Says a receipt is not valid and why; exit 5.
fn not_valid(out: Out, why: &str) -> Code {
    out.print(json!({"valid": false, "error": why}), || {
        format!(
            "{} {why}",
            out.t("BIÊN NHẬN KHÔNG HỢP LỆ:", "RECEIPT NOT VALID:")
        )
    });
    Code::Untrusted
}

async fn package(client: &Client, c: PackageCmd, out: Out) -> Result<Code, Failure> {
    match c {
        PackageCmd::Export { id, file } => {
            let size = client.export_package(id, &file).await?;
            out.print(json!({"id": id, "file": file, "bytes": size}), || {
                format!(
                    "{} {} ({size} B)",
                    out.t("Đã xuất gói", "Exported package"),
                    file.display()
                )
            });
        }
        PackageCmd::Import {
            file,
            portal: choice,
        } => {
            // A package names its portal: when this profile lacks it and
            // the dossier can go nowhere else, say which one to add.
            let named = client.package_portal(&file).await?;
            if let Some(named) = &named
                && named.here.is_none()
                && (named.filed || (choice.portal.is_none() && client.portals().await?.is_empty()))
            {
                return Err(portal_to_add(&file, named));
            }
            let target = portal(client, &choice).await?;
            // A draft needs its procedure known for the portal it arrives
            // for, and a portal added just now has not listed them yet:
            // read its catalog first (offline, what is cached is used).
            if named.as_ref().is_none_or(|n| !n.filed) {
                let arrives = named
                    .as_ref()
                    .and_then(|n| n.here.clone())
                    .unwrap_or_else(|| target.clone());
                if let Err(e) = client.procedures(&arrives).await {
                    eprintln!("hoso: {}", Failure::from(e).headline(out.lang));
                }
            }
            let done = client.import_package(&target, &file).await?;
            // A draft may arrive for another portal than the one asked for:
            // the one its package names, when this profile knows it.
            let arrived = &done.portal.base_url;
            out.print(
                json!({
                    "id": done.id,
                    "outcome": done.outcome,
                    "portal": arrived,
                }),
                || {
                    let what = match done.outcome {
                        hoso_client::package::ImportOutcome::New => {
                            out.t("hồ sơ mới", "new dossier")
                        }
                        hoso_client::package::ImportOutcome::Copy => {
                            out.t("bản sao (tên đã có)", "a copy (the name was taken)")
                        }
                        hoso_client::package::ImportOutcome::AlreadyHere => {
                            out.t("đã có sẵn, không đổi gì", "already here, nothing changed")
                        }
                        hoso_client::package::ImportOutcome::Filed => out.t(
                            "hồ sơ đã nộp, kèm biên nhận",
                            "a filed dossier, with its receipt",
                        ),
                    };
                    format!(
                        "#{} {what} ({}: {arrived})",
                        done.id,
                        out.t("cổng", "portal")
                    )
                },
            );
        }
    }
    Ok(Code::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_profile_is_the_apps_in_the_systems_data_folder() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../../../src-tauri/tauri.conf.json"))
                .expect("tauri.conf.json");
        assert_eq!(
            conf["identifier"], APP_ID,
            "the app's data folder is named for it"
        );
        let profile = default_profile();
        assert!(profile.ends_with(format!("{APP_ID}/profile")));
        if let Some(data) = dirs::data_dir() {
            assert!(profile.starts_with(data), "{}", profile.display());
        }
        assert!(profile.is_absolute(), "never the current folder");
    }
}
