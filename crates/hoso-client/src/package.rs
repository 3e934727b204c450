//! Dossiers in and out of `.hoso` packages (format and checks in
//! `hoso-package`).
//!
//! Export writes the package beside its destination and renames it into
//! place, so a half-written package never carries the final name.
//!
//! Import reads and checks the whole package first, copying each document
//! (size and hash checked) into the library's `tmp`, and only then takes
//! the documents into the library and records the dossier in one
//! transaction. Any refusal removes what was staged: nothing is written
//! outside the profile, and no dossier is half-imported. An existing
//! dossier is never overwritten: the same content already here is
//! reported as such, anything else arrives as a new draft (named as a
//! copy when the name is taken). A filed dossier arrives filed, with its
//! receipt verified against the portal's pinned key, so Submit shows that
//! receipt and never files it again.

use crate::error::ClientError;
use crate::library::Library;
use crate::portal::PortalRecord;
use crate::store::dossiers::{self as rows, NewDossier};
use crate::store::supplements::{self, SupplementState};
use crate::store::{Store, now};
use hoso_core::DossierState;
use hoso_core::manifest::manifest_sha256;
use hoso_core::{Bilingual, DossierContent, Problem, ProblemCode, Sha256Digest};
use hoso_package::{Filed, FiledSupplement, Manifest, Package, PortalRef};
use std::path::{Path, PathBuf};

/// What an import did: one type from the engine to the window and the
/// command line, so each spells it the same.
pub use hoso_ipc::ImportOutcome;

/// The dossier an import leads to.
#[derive(Debug, Clone)]
pub struct Imported {
    /// Its local id.
    pub id: i64,
    /// The portal it belongs to (a draft's may differ from the one offered).
    pub portal: PortalRecord,
    /// What happened.
    pub outcome: ImportOutcome,
}

fn refused(vi: String, en: String) -> ClientError {
    ClientError::Refused(vec![Problem {
        path: "package".into(),
        code: ProblemCode::Invalid,
        message: Bilingual::new(vi, en),
    }])
}

/// Writes dossier `id` as a package at `dest`.
pub async fn export(
    store: &Store,
    library: &Library,
    id: i64,
    dest: &Path,
) -> Result<u64, ClientError> {
    check_destination(dest)?;
    let record = crate::workspace::get(store, id).await?;
    let mut manifest = Manifest::new(record.summary.title.clone(), record.content.clone());
    if record.summary.state == hoso_core::DossierState::Submitted {
        manifest.filed = Some(filed_part(store, id, &record).await?);
    } else if record.summary.state == hoso_core::DossierState::Submitting {
        return Err(refused(
            "Hồ sơ đang được gửi; hãy chờ gửi xong (hoặc tạm dừng) rồi xuất.".into(),
            "The dossier is being sent; let it finish (or pause it), then export.".into(),
        ));
    } else {
        let portal = crate::portal::of_dossier(store, id).await?;
        manifest.written_for = Some(portal_ref(&portal));
    }
    for doc in manifest.documents() {
        library.get(doc.sha256).await?;
    }
    let paths: Vec<(Sha256Digest, PathBuf)> = manifest
        .documents()
        .iter()
        .map(|d| (d.sha256, library.path_of(&d.sha256)))
        .collect();
    let dest = dest.to_owned();
    tokio::task::spawn_blocking(move || write_whole(&dest, &manifest, &paths))
        .await
        .map_err(|e| ClientError::Protocol(format!("export task failed: {e}")))?
}

/// Refuses a package file name Windows would not keep: a device (CON,
/// NUL…) it would write to instead, a stream after `:`, a last dot or
/// space it would drop (the package would then not be where HoSo says).
/// The same on every system, since a package travels to Windows computers
/// and USB sticks.
fn check_destination(dest: &Path) -> Result<(), ClientError> {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match hoso_core::filename::windows_problem(&name) {
        None => Ok(()),
        Some(why) => Err(refused(
            format!(
                "Không ghi gói vào “{}”: {} — hãy chọn tên tệp khác (ví dụ ho-so.hoso).",
                dest.display(),
                why.vi
            ),
            format!(
                "Cannot write the package as “{}”: {} — choose another file name (e.g. ho-so.hoso).",
                dest.display(),
                why.en
            ),
        )),
    }
}

fn write_whole(
    dest: &Path,
    manifest: &Manifest,
    paths: &[(Sha256Digest, PathBuf)],
) -> Result<u64, ClientError> {
    let partial = crate::whole::beside(dest)?;
    let written = hoso_package::write(std::io::BufWriter::new(partial), manifest, |sha| {
        let path = paths
            .iter()
            .find(|(s, _)| s == sha)
            .map(|(_, p)| p.clone())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, sha.to_hex()))?;
        std::fs::File::open(path)
    });
    // On any failure the temporary file is dropped, and with it removed.
    let partial = written
        .map_err(ClientError::from)?
        .into_inner()
        .map_err(|e| ClientError::file(dest, e.into_error()))?;
    let len = partial
        .as_file()
        .metadata()
        .map(|m| m.len())
        .unwrap_or_default();
    crate::whole::finish(partial, dest)?;
    Ok(len)
}

/// A filed dossier's receipt, history and supplements, as kept here.
async fn filed_part(
    store: &Store,
    id: i64,
    record: &hoso_core::DossierRecord,
) -> Result<Filed, ClientError> {
    let portal = crate::portal::of_dossier(store, id).await?;
    let code = record
        .summary
        .dossier_code
        .clone()
        .ok_or_else(|| ClientError::NotFound(format!("mã hồ sơ / dossier code of {id}")))?;
    let rows: (String, Vec<(i64, String, Option<String>)>) = store
        .call(move |conn| {
            let receipt = rows::receipt(conn, id)?;
            let filed = supplements::of_dossier(conn, id, Some(SupplementState::Filed))?;
            Ok((receipt, filed))
        })
        .await?;
    let json = |what: &str, e: serde_json::Error| ClientError::Protocol(format!("{what}: {e}"));
    let history = crate::tracking::status_of(store, portal.id, &code)
        .await?
        .map(|t| t.history)
        .unwrap_or_default();
    let supplements = rows
        .1
        .into_iter()
        .map(|(request_cursor, content, receipt)| {
            Ok(FiledSupplement {
                request_cursor,
                supplement: serde_json::from_str(&content)
                    .map_err(|e| json("stored supplement", e))?,
                receipt: serde_json::from_str(receipt.as_deref().unwrap_or_default())
                    .map_err(|e| json("stored supplement receipt", e))?,
            })
        })
        .collect::<Result<Vec<_>, ClientError>>()?;
    // Verified again on the way out: a package never carries a fee
    // receipt this profile would not show.
    let fee_receipt = crate::fees::receipt_of(store, &portal, &code)
        .await?
        .map(|kept| kept.signed);
    Ok(Filed {
        portal: portal_ref(&portal),
        dossier_code: code,
        receipt: serde_json::from_str(&rows.0).map_err(|e| json("stored receipt", e))?,
        history,
        supplements,
        fee_receipt,
    })
}

/// How a package names `portal`: address, name and key fingerprint.
fn portal_ref(portal: &PortalRecord) -> PortalRef {
    PortalRef {
        base_url: portal.base_url.clone(),
        name: portal.name.clone(),
        key_id: portal.key.fingerprint(),
    }
}

/// Documents read out of a package into the library's `tmp`, checked;
/// removed when dropped unless taken.
struct Staged {
    files: Vec<(PathBuf, hoso_package::Listed)>,
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (path, _) in &self.files {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Opens and checks `path`, copying every document into the library's
/// `tmp` (checked for size and hash on the way).
fn stage(
    library_tmp: impl Fn() -> PathBuf,
    path: &Path,
) -> Result<(Manifest, Staged), ClientError> {
    let file = std::fs::File::open(path).map_err(|e| ClientError::file(path, e))?;
    let mut package = Package::open(std::io::BufReader::new(file))?;
    let manifest = package.manifest().clone();
    let mut staged = Staged { files: Vec::new() };
    for doc in manifest.documents() {
        let target = library_tmp();
        let mut out =
            std::fs::File::create_new(&target).map_err(|e| ClientError::file(&target, e))?;
        staged.files.push((target.clone(), doc.clone()));
        package.copy_document(&doc.sha256, &mut out)?;
        out.sync_all().map_err(|e| ClientError::file(&target, e))?;
    }
    Ok((manifest, staged))
}

/// The portal a package names, as [`import`] would look for it.
#[derive(Debug, Clone)]
pub struct NamedPortal {
    /// Its address.
    pub base_url: String,
    /// Its name.
    pub name: Bilingual,
    /// Fingerprint of its receipt key.
    pub key_id: String,
    /// The dossier was filed there: it can be imported for no other portal.
    pub filed: bool,
    /// That portal in this profile (known by its pinned key), if it is.
    pub here: Option<PortalRecord>,
}

/// The portal the package at `path` names: the one its dossier was filed
/// with, else the one its draft was written for (packages written before
/// that was kept name none). The package is opened and checked, no
/// document is read.
pub async fn named_portal(store: &Store, path: &Path) -> Result<Option<NamedPortal>, ClientError> {
    let source = path.to_owned();
    let manifest = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(&source).map_err(|e| ClientError::file(&source, e))?;
        let package = Package::open(std::io::BufReader::new(file))?;
        Ok::<_, ClientError>(package.manifest().clone())
    })
    .await
    .map_err(|e| ClientError::Protocol(format!("package task failed: {e}")))??;
    let (named, filed) = match (&manifest.filed, &manifest.written_for) {
        (Some(f), _) => (&f.portal, true),
        (None, Some(w)) => (w, false),
        (None, None) => return Ok(None),
    };
    Ok(Some(NamedPortal {
        base_url: named.base_url.clone(),
        name: named.name.clone(),
        key_id: named.key_id.clone(),
        filed,
        here: with_key(store, &named.key_id).await?,
    }))
}

/// Imports the package at `path`; a dossier that was never filed arrives
/// as a draft for the portal it was written for when this profile knows
/// that portal (by its key), else for `portal`; the procedure must be
/// known there.
pub async fn import(
    store: &Store,
    library: &Library,
    portal: &PortalRecord,
    path: &Path,
) -> Result<Imported, ClientError> {
    let (source, lib) = (path.to_owned(), library.clone());
    let (manifest, mut staged) =
        tokio::task::spawn_blocking(move || stage(|| lib.staging_path(), &source))
            .await
            .map_err(|e| ClientError::Protocol(format!("import task failed: {e}")))??;
    let content = manifest.content.normalized();
    let (target, existing) = match &manifest.filed {
        Some(filed) => {
            let target = filed_portal(store, filed).await?;
            let receipt = filed.receipt.verify(&target.key)?;
            if receipt.dossier_code.as_str() != filed.dossier_code
                || receipt.manifest_sha256 != manifest_sha256(&content)
            {
                return Err(refused(
                    "Biên nhận trong gói không khớp với nội dung hồ sơ: gói đã bị sửa.".into(),
                    "The receipt in the package does not match the dossier's content: the package was altered.".into(),
                ));
            }
            if let Some(fee) = &filed.fee_receipt {
                let keys = crate::fees::keys(store, &target).await?;
                if fee.verify(&keys)?.dossier_code.as_str() != filed.dossier_code {
                    return Err(refused(
                        "Biên lai thu phí trong gói là của hồ sơ khác: gói đã bị sửa.".into(),
                        "The fee receipt in the package is another dossier's: the package was altered.".into(),
                    ));
                }
            }
            let existing = filed_here(store, target.id, &filed.dossier_code).await?;
            (target, existing)
        }
        None => {
            let named = match &manifest.written_for {
                Some(named) => with_key(store, &named.key_id).await?,
                None => None,
            };
            let target = named.unwrap_or_else(|| portal.clone());
            crate::portal::procedure_version(store, &target, &content.procedure, &content.version)
                .await?
                .ok_or_else(|| {
                    refused(
                        format!(
                            "Thủ tục {} phiên bản {} chưa có trên máy này cho cổng {}: hãy mở danh mục thủ tục của cổng rồi nhập lại.",
                            content.procedure, content.version, target.name.vi
                        ),
                        format!(
                            "Procedure {} version {} is not known here for portal {}: open the portal's procedures, then import again.",
                            content.procedure, content.version, target.name.en
                        ),
                    )
                })?;
            let existing = same_content(store, target.id, &content).await?;
            (target, existing)
        }
    };
    if let Some(id) = existing {
        return Ok(Imported {
            id,
            portal: target,
            outcome: ImportOutcome::AlreadyHere,
        });
    }
    for (file, doc) in std::mem::take(&mut staged.files) {
        let name = hoso_core::length::normalize(&doc.name);
        if let Err(e) = library
            .adopt(file.clone(), doc.sha256, doc.size, name)
            .await
        {
            let _ = std::fs::remove_file(&file);
            return Err(e);
        }
    }
    let (id, outcome) = record(store, target.id, manifest, content).await?;
    Ok(Imported {
        id,
        portal: target,
        outcome,
    })
}

/// The portal of this profile whose pinned key signed the package's
/// receipts.
async fn filed_portal(store: &Store, filed: &Filed) -> Result<PortalRecord, ClientError> {
    with_key(store, &filed.portal.key_id).await?.ok_or_else(|| {
            refused(
                format!(
                    "Hồ sơ này đã nộp qua cổng {} ({}, khóa {}). Hãy thêm cổng đó rồi nhập lại để xem biên nhận và theo dõi.",
                    filed.portal.name.vi, filed.portal.base_url, filed.portal.key_id
                ),
                format!(
                    "This dossier was filed with {} ({}, key {}). Add that portal, then import again to see its receipt and follow it.",
                    filed.portal.name.en, filed.portal.base_url, filed.portal.key_id
                ),
            )
        })
}

/// The portal of this profile whose pinned key has fingerprint `key_id`.
async fn with_key(store: &Store, key_id: &str) -> Result<Option<PortalRecord>, ClientError> {
    Ok(crate::portal::list(store)
        .await?
        .into_iter()
        .find(|p| p.key.fingerprint() == key_id))
}

async fn filed_here(store: &Store, portal_id: i64, code: &str) -> Result<Option<i64>, ClientError> {
    let code = code.to_owned();
    store
        .call(move |conn| Ok(rows::id_by_code(conn, portal_id, &code)?))
        .await
}

/// A dossier here (not deleted) with exactly `content`.
async fn same_content(
    store: &Store,
    portal_id: i64,
    content: &DossierContent,
) -> Result<Option<i64>, ClientError> {
    let wanted = manifest_sha256(content);
    let code = content.procedure.to_string();
    let candidates: Vec<(i64, String)> = store
        .call(move |conn| Ok(rows::contents_of_procedure(conn, portal_id, &code)?))
        .await?;
    Ok(candidates.into_iter().find_map(|(id, json)| {
        let here: DossierContent = serde_json::from_str(&json).ok()?;
        (manifest_sha256(&here.normalized()) == wanted).then_some(id)
    }))
}

/// Records the imported dossier (and, when filed, its history and
/// supplements) in one transaction.
async fn record(
    store: &Store,
    portal_id: i64,
    manifest: Manifest,
    content: DossierContent,
) -> Result<(i64, ImportOutcome), ClientError> {
    let json = to_json(&content)?;
    let filed = manifest
        .filed
        .as_ref()
        .map(|f| -> Result<_, ClientError> {
            let supplements = f
                .supplements
                .iter()
                .map(|s| {
                    Ok((
                        s.request_cursor,
                        to_json(&s.supplement)?,
                        to_json(&s.receipt)?,
                    ))
                })
                .collect::<Result<Vec<_>, ClientError>>()?;
            let fee_receipt = f.fee_receipt.as_ref().map(to_json).transpose()?;
            Ok((
                f.dossier_code.clone(),
                to_json(&f.receipt)?,
                f.history.clone(),
                supplements,
                fee_receipt,
            ))
        })
        .transpose()?;
    let title = manifest.title.clone();
    let (code, version) = (content.procedure.to_string(), content.version.clone());
    let manifest = filed.as_ref().map(|_| manifest_sha256(&content).to_hex());
    store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let t = now();
            let taken = rows::title_taken(&tx, &title)?;
            let (title, outcome) = match (&filed, taken) {
                (Some(_), _) => (title, ImportOutcome::Filed),
                (None, true) => (
                    format!("{title} (bản nhập / imported)"),
                    ImportOutcome::Copy,
                ),
                (None, false) => (title, ImportOutcome::New),
            };
            let draft = NewDossier::draft(portal_id, (&code, &version), &title, &json, &t);
            let new = match &filed {
                Some((c, r, _, _, _)) => NewDossier {
                    state: DossierState::Submitted,
                    dossier_code: Some(c),
                    receipt: Some(r),
                    manifest_sha256: manifest.as_deref(),
                    ..draft
                },
                None => NewDossier {
                    manifest_sha256: manifest.as_deref(),
                    ..draft
                },
            };
            let id = rows::insert(&tx, &new)?;
            if let Some((c, _, history, supplements, fee_receipt)) = &filed {
                for e in history {
                    let cursor = i64::try_from(e.cursor).unwrap_or(i64::MAX);
                    crate::store::tracking::add_event(&tx, portal_id, cursor, c, e)?;
                }
                for (i, (cursor, supplement, receipt)) in supplements.iter().enumerate() {
                    let key = format!("imported-{id}-{i}");
                    supplements::insert_filed(&tx, id, *cursor, supplement, &key, receipt, &t)?;
                }
                if let Some(body) = fee_receipt {
                    let d = crate::store::documents::Incoming {
                        code: c,
                        kind: crate::fees::FEE_RECEIPT,
                        cursor: None,
                        at: None,
                        body,
                    };
                    crate::store::documents::keep(&tx, portal_id, &d, &t)?;
                }
            }
            tx.commit()?;
            Ok((id, outcome))
        })
        .await
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, ClientError> {
    serde_json::to_string(value).map_err(|e| ClientError::Protocol(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::check_destination;
    use std::path::Path;

    #[test]
    fn package_names_windows_would_not_keep_are_refused() {
        for (dest, why) in [
            ("/tmp/CON.hoso", "device"),
            ("/tmp/nul", "device"),
            ("/tmp/gói.hoso.", "drops"),
            ("/tmp/gói.hoso ", "drops"),
            ("/tmp/gói.hoso:ẩn", "stream"),
            ("/", "empty"),
        ] {
            let err = check_destination(Path::new(dest)).expect_err(dest);
            assert!(
                err.message().en.contains(why),
                "{dest}: {}",
                err.message().en
            );
            assert!(err.message().vi.contains("hãy chọn tên tệp khác"));
        }
        for fine in ["/tmp/gói hồ sơ.hoso", "/tmp/HOSO.PRACTICE-261205-0001.hoso"] {
            assert!(check_destination(Path::new(fine)).is_ok(), "{fine}");
        }
    }
}
