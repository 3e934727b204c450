//! `hoso portals`: add one (its key pinned), sign in, list.

use super::{Out, portal};
use crate::cli::{PortalChoice, PortalsCmd};
use crate::exit::{Code, Failure};
use hoso_client::{AddPortal, Client, PortalRecord};
use serde_json::json;

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

pub(super) async fn run(client: &Client, c: PortalsCmd, out: Out) -> Result<Code, Failure> {
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

/// An access token from standard input: asked for on a terminal, where
/// what is typed is not shown (it opens the person's dossiers, and a
/// screen is easily seen or recorded), else the first line piped in.
fn read_token(p: &PortalRecord, out: Out) -> Result<String, Failure> {
    use std::io::{BufRead, IsTerminal, Write};
    let failed = |e: std::io::Error| Failure::new(Code::Failure, e.to_string(), e.to_string());
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
        return rpassword::read_password().map_err(failed);
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(failed)?;
    Ok(line)
}
