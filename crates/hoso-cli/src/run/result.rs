//! `hoso result`: a dossier's result, delivered electronically.

use super::Out;
use crate::cli::ResultCmd;
use crate::exit::{Code, Failure};
use hoso_client::Client;
use hoso_core::bilingual::{en_number, vi_number};
use serde_json::json;

pub(super) async fn run(client: &Client, c: ResultCmd, out: Out) -> Result<Code, Failure> {
    match c {
        ResultCmd::Download { id, to } => {
            let bar = indicatif::ProgressBar::new(0);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:30} {bytes}/{total_bytes} {bytes_per_sec}",
            ) {
                bar.set_style(style);
            }
            if out.json {
                bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            }
            let shown = bar.clone();
            let got = client
                .download_result(id, to.as_deref(), move |p| {
                    shown.set_length(p.total);
                    shown.set_position(p.done);
                })
                .await;
            bar.finish_and_clear();
            let got = got?;
            let documents: Vec<_> = got
                .documents
                .iter()
                .zip(&got.paths)
                .map(|(d, path)| {
                    json!({
                        "name": d.name,
                        "size": d.size,
                        "sha256": d.sha256.to_hex(),
                        "path": to.as_ref().map_or_else(|| path.clone(), |dir| dir.join(&d.name)),
                    })
                })
                .collect();
            let n = &got.notice;
            out.print(
                json!({
                    "id": id,
                    "dossier_code": n.dossier_code,
                    "issuing_agency": n.issuing_agency,
                    "issued_at": n.issued_at,
                    "verified": true,
                    "documents": documents,
                }),
                || {
                    let mut lines = vec![out.t(
                        &format!(
                            "Kết quả hồ sơ {} của {} ({}), đã kiểm tra khớp thông báo kết quả có chữ ký số của cổng:",
                            n.dossier_code,
                            n.issuing_agency.vi,
                            n.issued_at.format("%d/%m/%Y %H:%M")
                        ),
                        &format!(
                            "Result of dossier {} from {} ({}), checked against the portal's signed result notice:",
                            n.dossier_code,
                            n.issuing_agency.en,
                            n.issued_at.format("%d/%m/%Y %H:%M")
                        ),
                    )];
                    for (d, path) in got.documents.iter().zip(&got.paths) {
                        let shown = to.as_ref().map_or_else(|| path.clone(), |dir| dir.join(&d.name));
                        lines.push(out.t(
                            &format!(
                                "  {} ({} byte): {}",
                                d.name,
                                vi_number(d.size),
                                shown.display()
                            ),
                            &format!(
                                "  {} ({} bytes): {}",
                                d.name,
                                en_number(d.size),
                                shown.display()
                            ),
                        ));
                    }
                    lines.join("\n")
                },
            );
        }
    }
    Ok(Code::Ok)
}
