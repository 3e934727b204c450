//! The commands the UI calls (names in `hoso_ipc::command`). Each one
//! translates its arguments, calls hoso-client, and translates the answer.

use crate::errors::to_ipc;
use crate::state::AppState;
use hoso_core::{DossierRecord, DossierSummary, LibraryItem, Procedure, Saved};
use hoso_ipc::{
    AppInfo, ArchiveArgs, CreateArgs, ErrorCode, IdArgs, ImportArgs, IpcError, LibraryArgs,
    ListArgs, Preferences, SaveArgs, SaveReceiptArgs, StoredAttachment, SubmitOutcome,
    ValidityArgs, VersionArgs,
};
use std::path::Path;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, IpcError> {
    Ok(AppInfo {
        portal_name: state.portal.name.clone(),
        portal_url: state.portal.base_url.clone(),
        key_fingerprint: state.portal.key.fingerprint(),
        practice: state.portal.practice,
        profile_dir: state.client.profile_dir().display().to_string(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

#[tauri::command]
pub async fn list_procedures(state: State<'_, AppState>) -> Result<Vec<Procedure>, IpcError> {
    state.client.procedures(&state.portal).await.map_err(to_ipc)
}

#[tauri::command]
pub async fn pick_file(app: AppHandle) -> Result<Option<String>, IpcError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().pick_file(move |chosen| {
        let _ = tx.send(chosen);
    });
    let chosen = rx.await.map_err(|_| {
        IpcError::new(
            ErrorCode::Internal,
            hoso_core::Bilingual::new(
                "Hộp thoại chọn tệp đã đóng bất thường.",
                "The file dialog closed unexpectedly.",
            ),
        )
    })?;
    Ok(chosen
        .and_then(|p| p.into_path().ok())
        .map(|p| p.display().to_string()))
}

#[tauri::command]
pub async fn import_attachment(
    state: State<'_, AppState>,
    args: ImportArgs,
) -> Result<StoredAttachment, IpcError> {
    let path = Path::new(&args.path);
    let entry = match &args.slot {
        Some(slot) => state.client.import_for_slot(path, slot).await,
        None => state.client.import_attachment(path).await,
    }
    .map_err(to_ipc)?;
    Ok(StoredAttachment {
        name: entry.name,
        size: entry.size,
        sha256: entry.sha256,
    })
}

#[tauri::command]
pub async fn submit_dossier(
    state: State<'_, AppState>,
    args: IdArgs,
) -> Result<SubmitOutcome, IpcError> {
    state
        .client
        .submit_dossier(&state.portal, args.id)
        .await
        .map(outcome)
        .map_err(to_ipc)
}

/// A receipt as the window shows it, with its QR code.
fn outcome(done: hoso_client::Submitted) -> SubmitOutcome {
    let qr_svg = crate::receipt::qr_svg(&done.receipt.dossier_code, &done.receipt_sha256);
    SubmitOutcome {
        receipt: done.receipt,
        verified_with: done.verified_with,
        existing: done.existing,
        shown_instead: done.shown_instead,
        receipt_sha256: done.receipt_sha256,
        qr_svg,
    }
}

#[tauri::command]
pub async fn pause_sending(state: State<'_, AppState>, args: IdArgs) -> Result<(), IpcError> {
    state.client.pause_sending(args.id).await.map_err(to_ipc)
}

#[tauri::command]
pub async fn get_receipt(
    state: State<'_, AppState>,
    args: IdArgs,
) -> Result<SubmitOutcome, IpcError> {
    state
        .client
        .receipt(&state.portal, args.id)
        .await
        .map(outcome)
        .map_err(to_ipc)
}

#[tauri::command]
pub async fn export_csv(state: State<'_, AppState>) -> Result<String, IpcError> {
    let rows = state.client.report().await.map_err(to_ipc)?;
    let csv = hoso_client::report::csv(&rows);
    let dir = state.client.profile_dir().join(EXPORTS_DIR);
    let name = format!(
        "ho-so-{}.csv",
        hoso_client::store::vn_now().format("%Y%m%d-%H%M%S")
    );
    let path = tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir).map_err(|e| hoso_client::ClientError::file(&dir, e))?;
        let path = dir.join(name);
        crate::receipt::write_whole(&path, csv.as_bytes()).map(|()| path)
    })
    .await
    .map_err(|e| to_ipc(hoso_client::ClientError::Protocol(e.to_string())))?
    .map_err(to_ipc)?;
    Ok(path.display().to_string())
}

/// Where CSV exports go inside the profile.
const EXPORTS_DIR: &str = "exports";

#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Result<u32, IpcError> {
    let report = state
        .client
        .sync_status(&state.portal)
        .await
        .map_err(to_ipc)?;
    Ok(u32::try_from(report.new_events).unwrap_or(u32::MAX))
}

#[tauri::command]
pub async fn get_preferences(state: State<'_, AppState>) -> Result<Preferences, IpcError> {
    Ok(Preferences {
        continue_at_start: state.client.continue_at_start().await.map_err(to_ipc)?,
    })
}

#[tauri::command]
pub async fn set_preferences(
    state: State<'_, AppState>,
    args: Preferences,
) -> Result<(), IpcError> {
    state
        .client
        .set_continue_at_start(args.continue_at_start)
        .await
        .map_err(to_ipc)
}

#[tauri::command]
pub async fn save_receipt(
    state: State<'_, AppState>,
    args: SaveReceiptArgs,
) -> Result<String, IpcError> {
    let dir = state
        .client
        .profile_dir()
        .join(crate::receipt::RECEIPTS_DIR);
    let path =
        tokio::task::spawn_blocking(move || crate::receipt::save(&dir, &args.code, &args.html))
            .await
            .map_err(|e| to_ipc(hoso_client::ClientError::Protocol(e.to_string())))?
            .map_err(to_ipc)?;
    Ok(path.display().to_string())
}

#[tauri::command]
pub async fn create_dossier(
    state: State<'_, AppState>,
    args: CreateArgs,
) -> Result<DossierRecord, IpcError> {
    let procedures = state
        .client
        .procedures(&state.portal)
        .await
        .map_err(to_ipc)?;
    let procedure = procedures
        .iter()
        .find(|p| p.code == args.procedure)
        .ok_or_else(|| {
            to_ipc(hoso_client::ClientError::NotFound(format!(
                "thủ tục / procedure {}",
                args.procedure
            )))
        })?;
    state
        .client
        .create_dossier(&state.portal, procedure)
        .await
        .map_err(to_ipc)
}

#[tauri::command]
pub async fn save_dossier(state: State<'_, AppState>, args: SaveArgs) -> Result<Saved, IpcError> {
    state
        .client
        .save_dossier(&state.portal, args.id, args.content, args.revision)
        .await
        .map_err(to_ipc)
}

#[tauri::command]
pub async fn get_dossier(
    state: State<'_, AppState>,
    args: IdArgs,
) -> Result<DossierRecord, IpcError> {
    state.client.dossier(args.id).await.map_err(to_ipc)
}

#[tauri::command]
pub async fn list_dossiers(
    state: State<'_, AppState>,
    args: ListArgs,
) -> Result<Vec<DossierSummary>, IpcError> {
    state.client.dossiers(args.query).await.map_err(to_ipc)
}

#[tauri::command]
pub async fn duplicate_dossier(
    state: State<'_, AppState>,
    args: IdArgs,
) -> Result<DossierRecord, IpcError> {
    state
        .client
        .duplicate_dossier(args.id)
        .await
        .map_err(to_ipc)
}

#[tauri::command]
pub async fn archive_dossier(
    state: State<'_, AppState>,
    args: ArchiveArgs,
) -> Result<(), IpcError> {
    state
        .client
        .archive_dossier(args.id, args.archived)
        .await
        .map_err(to_ipc)
}

#[tauri::command]
pub async fn delete_dossier(state: State<'_, AppState>, args: IdArgs) -> Result<(), IpcError> {
    state.client.delete_dossier(args.id).await.map_err(to_ipc)
}

#[tauri::command]
pub async fn restore_dossier(state: State<'_, AppState>, args: IdArgs) -> Result<(), IpcError> {
    state.client.restore_dossier(args.id).await.map_err(to_ipc)
}

#[tauri::command]
pub async fn list_library(
    state: State<'_, AppState>,
    args: LibraryArgs,
) -> Result<Vec<LibraryItem>, IpcError> {
    state.client.library(args.slot).await.map_err(to_ipc)
}

#[tauri::command]
pub async fn set_validity(state: State<'_, AppState>, args: ValidityArgs) -> Result<(), IpcError> {
    state
        .client
        .set_valid_until(args.sha256, args.valid_until)
        .await
        .map_err(to_ipc)
}

#[tauri::command]
pub async fn procedure_version(
    state: State<'_, AppState>,
    args: VersionArgs,
) -> Result<Option<Procedure>, IpcError> {
    state
        .client
        .procedure_version(&state.portal, &args.procedure, &args.version)
        .await
        .map_err(to_ipc)
}
