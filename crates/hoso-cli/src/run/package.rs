//! `hoso package`: a dossier exported to a `.hoso` package and imported from one.

use super::{Out, portal};
use crate::cli::PackageCmd;
use crate::exit::{Code, Failure};
use hoso_client::Client;
use serde_json::json;

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

pub(super) async fn run(client: &Client, c: PackageCmd, out: Out) -> Result<Code, Failure> {
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
