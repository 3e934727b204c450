//! `hoso submit`: dossiers filed four at a time, each with its receipt or failure.

use super::{Bars, Out};
use crate::exit::{Code, Failure};
use hoso_client::Client;
use serde_json::json;

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

pub(super) async fn run(
    client: &Client,
    ids: &[i64],
    out: Out,
    bars: &Bars,
) -> Result<Code, Failure> {
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
