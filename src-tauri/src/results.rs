//! A filed dossier's result as the window shows it, its download into the
//! library with progress, and opening a received document; and the
//! applicant's withdrawal. Thin calls into `hoso_client::results`.

use crate::state::AppState;
use hoso_client::ClientError;
use hoso_core::DossierState;
use hoso_ipc::{ErrorCode, IpcError, ResultProgressEvent, ResultView};
use tauri::{AppHandle, Emitter};

/// Dossier `id`'s result as this profile holds it.
pub async fn view(state: &AppState, id: i64) -> Result<ResultView, IpcError> {
    let client = &state.client;
    let record = client.dossier(id).await?;
    let (DossierState::Submitted, Some(code)) =
        (&record.summary.state, &record.summary.dossier_code)
    else {
        return Ok(ResultView {
            notice: None,
            received: false,
            refused: None,
        });
    };
    let portal = client.portal_of(id).await?;
    let notice = match hoso_client::results::notice_of(client, &portal, code).await {
        Ok(kept) => kept.map(|k| k.notice),
        Err(e @ ClientError::ResultRefused(_)) => {
            return Ok(ResultView {
                notice: None,
                received: false,
                refused: Some(e.message()),
            });
        }
        Err(e) => return Err(e.into()),
    };
    let received = client.result(id).await?.is_some();
    Ok(ResultView {
        notice,
        received,
        refused: None,
    })
}

/// Downloads dossier `id`'s result, telling the window how far it has
/// come; a result that does not verify is answered as refused, not as a
/// failure to retry blindly.
pub async fn download(app: &AppHandle, state: &AppState, id: i64) -> Result<ResultView, IpcError> {
    let shown = app.clone();
    let got = state
        .client
        .download_result(id, None, move |p| {
            let event = ResultProgressEvent {
                id,
                done: p.done,
                total: p.total,
            };
            if let Err(e) = shown.emit(hoso_ipc::event::RESULT_PROGRESS, event) {
                tracing::debug!(%e, "result progress not shown");
            }
        })
        .await;
    match got {
        Ok(result) => Ok(ResultView {
            notice: Some(result.notice),
            received: true,
            refused: None,
        }),
        Err(e @ ClientError::ResultRefused(_)) => Ok(ResultView {
            notice: None,
            received: false,
            refused: Some(e.message()),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Opens document `name` of dossier `id`'s received result with the
/// system's program for it; only a result that is here and verified.
pub async fn open(state: &AppState, id: i64, name: &str) -> Result<(), IpcError> {
    let result = state.client.result(id).await?.ok_or_else(|| {
        IpcError::new(
            ErrorCode::NotFound,
            hoso_core::Bilingual::new(
                "Kết quả chưa được tải về và kiểm tra; hãy bấm “Tải kết quả”.",
                "The result is not downloaded and checked yet; press “Download the result”.",
            ),
        )
    })?;
    let path = result
        .documents
        .iter()
        .zip(&result.paths)
        .find(|(d, _)| d.name == name)
        .map(|(_, p)| p.clone())
        .ok_or_else(|| {
            IpcError::new(
                ErrorCode::NotFound,
                hoso_core::Bilingual::new(
                    format!("Kết quả không có tài liệu “{name}”."),
                    format!("The result has no document “{name}”."),
                ),
            )
        })?;
    // The library names a file by its hash; the program opening it is
    // shown its own name, in a folder of the profile's.
    let named = state
        .client
        .profile_dir()
        .join("results")
        .join(id.to_string())
        .join(name);
    let source = path.clone();
    let target = named.clone();
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        if std::fs::metadata(&target).map(|m| m.len()).ok()
            != std::fs::metadata(&source).map(|m| m.len()).ok()
        {
            std::fs::copy(&source, &target)?;
        }
        open::that_detached(&target)
    })
    .await
    .map_err(|e| ClientError::Protocol(format!("open task failed: {e}")))?
    .map_err(|e| {
        IpcError::new(
            ErrorCode::Storage,
            hoso_core::Bilingual::new(
                format!(
                    "Không mở được {}: {e}. Tệp vẫn ở {}.",
                    name,
                    named.display()
                ),
                format!(
                    "Could not open {name}: {e}. The file is at {}.",
                    named.display()
                ),
            ),
        )
    })
}
