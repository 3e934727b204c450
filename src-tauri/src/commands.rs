//! The commands the UI calls (names in `hoso_ipc::command`). Each one
//! translates its arguments, calls hoso-client, and translates the answer.

use crate::errors::to_ipc;
use crate::state::AppState;
use hoso_core::Procedure;
use hoso_ipc::{
    AppInfo, ErrorCode, ImportArgs, IpcError, StoredAttachment, SubmitArgs, SubmitOutcome,
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
    let entry = state
        .client
        .import_attachment(Path::new(&args.path))
        .await
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
    args: SubmitArgs,
) -> Result<SubmitOutcome, IpcError> {
    let done = state
        .client
        .submit(&state.portal, args.dossier)
        .await
        .map_err(to_ipc)?;
    Ok(SubmitOutcome {
        receipt: done.receipt,
        verified_with: done.verified_with,
        existing: done.existing,
    })
}
