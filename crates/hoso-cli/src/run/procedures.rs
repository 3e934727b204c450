//! `hoso procedures`: what a portal serves, listed or one in words.

use super::{Out, portal};
use crate::cli::ProceduresCmd;
use crate::exit::{Code, Failure};
use hoso_client::{Client, PortalRecord};
use serde_json::json;

pub(super) async fn run(client: &Client, c: ProceduresCmd, out: Out) -> Result<Code, Failure> {
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
pub(super) async fn served(
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
