//! The commands the UI calls (names in `hoso_ipc::command`). Each one
//! translates its arguments, calls hoso-client, and translates the answer;
//! a client error becomes the UI's `IpcError` by `?` (its code is
//! `ClientError::code`, defined once in hoso-client).

use crate::state::AppState;
use hoso_client::ClientError;
use hoso_client::portal::PortalRecord;
use hoso_core::{DossierRecord, DossierSummary, LibraryItem, Procedure, Saved};
use hoso_ipc::{
    AddPortalArgs, AppInfo, ArchiveArgs, Asked, CreateArgs, DossierPage, ErrorCode, FeeView,
    IdArgs, ImportArgs, ImportOutcome, ImportedPackage, IpcError, LibraryArgs, ListArgs,
    OpenResultArgs, PackageArgs, PortalView, Preferences, RateArgs, ResultView, SaveArgs,
    SaveReceiptArgs, SignInArgs, StoredAttachment, SubmitOutcome, Summary, SupplementArgs,
    SupplementView, ValidityArgs, VersionArgs, WithdrawArgs,
};
use std::path::Path;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, IpcError> {
    Ok(AppInfo {
        portal_id: state.portal.id,
        portal_name: state.portal.name.clone(),
        portal_url: state.portal.base_url.clone(),
        key_fingerprint: state.portal.key.fingerprint(),
        practice: state.portal.practice,
        profile_dir: state.client.profile_dir().display().to_string(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        opened_package: crate::profile::opened_package().map(|p| p.display().to_string()),
    })
}

#[tauri::command]
pub async fn list_procedures(state: State<'_, AppState>) -> Result<Vec<Procedure>, IpcError> {
    Ok(state.client.procedures(&state.portal).await?)
}

#[tauri::command]
pub async fn portal_procedures(
    state: State<'_, AppState>,
    args: IdArgs,
) -> Result<Vec<Procedure>, IpcError> {
    let portal = portal_record(&state, Some(args.id)).await?;
    Ok(state.client.procedures(&portal).await?)
}

/// The error for a portal id this profile does not have.
fn no_portal(id: i64) -> IpcError {
    ClientError::NotFound(format!("cổng / portal {id}")).into()
}

/// Portal `id` of the profile, or the default portal when none is named.
async fn portal_record(state: &AppState, id: Option<i64>) -> Result<PortalRecord, IpcError> {
    let Some(id) = id else {
        return Ok(state.portal.clone());
    };
    state
        .client
        .portals()
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| no_portal(id))
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
    }?;
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
    let portal = state.client.portal_of(args.id).await?;
    Ok(outcome(
        state.client.submit_dossier(&portal, args.id).await?,
    ))
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
    Ok(state.client.pause_sending(args.id).await?)
}

#[tauri::command]
pub async fn get_receipt(
    state: State<'_, AppState>,
    args: IdArgs,
) -> Result<SubmitOutcome, IpcError> {
    let portal = state.client.portal_of(args.id).await?;
    Ok(outcome(state.client.receipt(&portal, args.id).await?))
}

#[tauri::command]
pub async fn dossier_page(
    state: State<'_, AppState>,
    args: IdArgs,
) -> Result<DossierPage, IpcError> {
    let client = &state.client;
    let record = client.dossier(args.id).await?;
    let portal = client.portal_of(args.id).await?;
    let history = match &record.summary.dossier_code {
        Some(code) => client
            .dossier_status(&portal, code)
            .await?
            .map(|t| t.history)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let asked = client.supplement_request(args.id).await?.map(|a| Asked {
        request: a.request,
        note: a.note,
        at: a.at,
    });
    let supplements = client
        .supplements(&portal, args.id)
        .await?
        .into_iter()
        .map(|s| SupplementView {
            supplement: s.supplement,
            receipt: s.receipt,
        })
        .collect();
    let slots = client
        .procedure_version(&portal, &record.summary.procedure, &record.summary.version)
        .await?
        .map(|p| p.attachments)
        .unwrap_or_default();
    Ok(DossierPage {
        summary: record.summary,
        portal_name: portal.name,
        history,
        asked,
        supplements,
        slots,
    })
}

#[tauri::command]
pub async fn dossier_fee(state: State<'_, AppState>, args: IdArgs) -> Result<FeeView, IpcError> {
    crate::fees::view(&state, args.id).await
}

#[tauri::command]
pub async fn pay_practice(
    app: AppHandle,
    state: State<'_, AppState>,
    args: IdArgs,
) -> Result<FeeView, IpcError> {
    crate::fees::pay_practice(&state, args.id).await?;
    // The person hears of the payment as of any other change.
    crate::follow::changed(&app, 0).await;
    crate::fees::view(&state, args.id).await
}

#[tauri::command]
pub async fn withdraw_dossier(
    app: AppHandle,
    state: State<'_, AppState>,
    args: WithdrawArgs,
) -> Result<(), IpcError> {
    state.client.withdraw(args.id, &args.reason).await?;
    crate::follow::changed(&app, 0).await;
    Ok(())
}

#[tauri::command]
pub async fn dossier_result(
    state: State<'_, AppState>,
    args: IdArgs,
) -> Result<ResultView, IpcError> {
    crate::results::view(&state, args.id).await
}

#[tauri::command]
pub async fn download_result(
    app: AppHandle,
    state: State<'_, AppState>,
    args: IdArgs,
) -> Result<ResultView, IpcError> {
    let view = crate::results::download(&app, &state, args.id).await?;
    crate::follow::changed(&app, 0).await;
    Ok(view)
}

#[tauri::command]
pub async fn open_result(state: State<'_, AppState>, args: OpenResultArgs) -> Result<(), IpcError> {
    crate::results::open(&state, args.id, &args.name).await
}

#[tauri::command]
pub async fn dossier_rating(
    state: State<'_, AppState>,
    args: IdArgs,
) -> Result<Option<hoso_core::wire::Rating>, IpcError> {
    crate::ratings::view(&state, args.id).await
}

#[tauri::command]
pub async fn rate_dossier(
    state: State<'_, AppState>,
    args: RateArgs,
) -> Result<hoso_core::wire::Rating, IpcError> {
    Ok(state
        .client
        .rate(args.id, args.rating, &args.comment)
        .await?)
}

#[tauri::command]
pub async fn submit_supplement(
    app: AppHandle,
    state: State<'_, AppState>,
    args: SupplementArgs,
) -> Result<SupplementView, IpcError> {
    let portal = state.client.portal_of(args.id).await?;
    let stored = state
        .client
        .submit_supplement(&portal, args.id, args.supplement)
        .await?;
    // The portal moved the dossier on filing it: read that now rather
    // than at the next poll (a failure here changes nothing filed).
    match state.client.sync_status(&portal).await {
        Ok(r) if r.new_events > 0 => crate::follow::changed(&app, r.new_events).await,
        Ok(_) => {}
        Err(e) => tracing::info!(%e, "status not read after the supplement; the poller will"),
    }
    Ok(SupplementView {
        supplement: stored.supplement,
        receipt: stored.receipt,
    })
}

#[tauri::command]
pub async fn list_portals(state: State<'_, AppState>) -> Result<Vec<PortalView>, IpcError> {
    list_portals_of(&state).await
}

/// The portal `id` as the panel shows it.
async fn portal_view(state: &AppState, id: i64) -> Result<PortalView, IpcError> {
    list_portals_of(state)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| no_portal(id))
}

async fn list_portals_of(state: &AppState) -> Result<Vec<PortalView>, IpcError> {
    let overview = state.client.portal_overview().await?;
    Ok(overview
        .into_iter()
        .map(|o| PortalView {
            id: o.record.id,
            name: o.record.name.clone(),
            base_url: o.record.base_url.clone(),
            key_fingerprint: o.record.key.fingerprint(),
            key_changed: o.record.key_changed.clone(),
            signed_in: o.record.token.is_some(),
            practice: o.record.practice,
            default: o.record.id == state.portal.id,
            confirmed_at: o.confirmed_at,
            last_error: o.last_error,
            dossiers: o.dossiers,
        })
        .collect())
}

#[tauri::command]
pub async fn add_portal(
    app: AppHandle,
    state: State<'_, AppState>,
    args: AddPortalArgs,
) -> Result<PortalView, IpcError> {
    let url = args.url.trim();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(IpcError::new(
            ErrorCode::Invalid,
            hoso_core::Bilingual::new(
                "Địa chỉ cổng phải bắt đầu bằng https:// (hoặc http:// cho cổng trong mạng nội bộ).",
                "A portal's address starts with https:// (or http:// on a local network).",
            ),
        ));
    }
    let token = args
        .token
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    // A token is kept only once the portal accepts it: a mistyped one is
    // refused now, not at the first filing.
    let record = match token {
        Some(token) => state.client.add_portal_with_token(url, token).await?,
        None => {
            state
                .client
                .add_portal(url, hoso_client::AddPortal::default())
                .await?
        }
    };
    state.pollers.start(&app, record.clone());
    portal_view(&state, record.id).await
}

#[tauri::command]
pub async fn sign_in(
    app: AppHandle,
    state: State<'_, AppState>,
    args: SignInArgs,
) -> Result<PortalView, IpcError> {
    let record = state
        .client
        .sign_in_checked(args.id, args.token.trim().to_owned())
        .await?;
    // The poller holds the record it started with: start it again.
    state.pollers.stop(record.id);
    state.pollers.start(&app, record.clone());
    portal_view(&state, record.id).await
}

#[tauri::command]
pub async fn remove_portal(state: State<'_, AppState>, args: IdArgs) -> Result<(), IpcError> {
    if args.id == state.portal.id {
        return Err(IpcError::new(
            ErrorCode::Conflict,
            hoso_core::Bilingual::new(
                "Hồ sơ mới đang được lập cho cổng này; không gỡ được.",
                "New dossiers are made for this portal; it cannot be removed.",
            ),
        ));
    }
    state.client.remove_portal(args.id).await?;
    state.pollers.stop(args.id);
    Ok(())
}

#[tauri::command]
pub async fn summary(state: State<'_, AppState>) -> Result<Summary, IpcError> {
    let rows = state.client.report().await?;
    let counts = hoso_client::report::summary(&rows);
    let late = |r: &hoso_client::report::ReportRow| match r.tracking.as_ref().map(|t| t.deadline) {
        Some(hoso_core::deadline::Deadline::Overdue { working_days_late }) => working_days_late,
        Some(hoso_core::deadline::Deadline::DueSoon { working_days_left }) => working_days_left,
        _ => 0,
    };
    Ok(Summary {
        counts: counts
            .by_portal_and_status
            .iter()
            .map(|((portal, status), n)| {
                (
                    portal.clone(),
                    *status,
                    u32::try_from(*n).unwrap_or(u32::MAX),
                )
            })
            .collect(),
        unfiled: u32::try_from(rows.iter().filter(|r| r.tracking.is_none()).count())
            .unwrap_or(u32::MAX),
        overdue: counts
            .overdue
            .iter()
            .map(|r| (r.code.clone(), r.title.clone(), late(r)))
            .collect(),
        due_soon: counts
            .due_soon
            .iter()
            .map(|r| (r.code.clone(), r.title.clone(), late(r)))
            .collect(),
        fees: hoso_ipc::FeeTotals {
            asked_vnd: counts.fees.asked_vnd,
            due_vnd: counts.fees.due_vnd,
            paid_vnd: counts.fees.paid_vnd,
            refunded_vnd: counts.fees.refunded_vnd,
        },
    })
}

/// Runs file work on a blocking thread; its error in the UI's shape.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ClientError> + Send + 'static,
) -> Result<T, IpcError> {
    let done = tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ClientError::Protocol(e.to_string()))?;
    Ok(done?)
}

/// The profile's `exports/` folder, made if missing.
async fn exports_dir(state: &AppState) -> Result<std::path::PathBuf, IpcError> {
    let dir = state.client.profile_dir().join(EXPORTS_DIR);
    blocking(move || {
        std::fs::create_dir_all(&dir).map_err(|e| ClientError::file(&dir, e))?;
        Ok(dir)
    })
    .await
}

#[tauri::command]
pub async fn export_csv(state: State<'_, AppState>) -> Result<String, IpcError> {
    let rows = state.client.report().await?;
    let csv = hoso_client::report::csv(&rows);
    let path = exports_dir(&state).await?.join(format!(
        "ho-so-{}.csv",
        hoso_client::store::vn_now().format("%Y%m%d-%H%M%S")
    ));
    let written = path.clone();
    blocking(move || hoso_client::whole::write(&written, csv.as_bytes())).await?;
    Ok(path.display().to_string())
}

#[tauri::command]
pub async fn export_package(state: State<'_, AppState>, args: IdArgs) -> Result<String, IpcError> {
    let record = state.client.dossier(args.id).await?;
    let name = record
        .summary
        .dossier_code
        .clone()
        .unwrap_or_else(|| format!("ho-so-{}", args.id));
    let path = exports_dir(&state).await?.join(format!("{name}.hoso"));
    state.client.export_package(args.id, &path).await?;
    Ok(path.display().to_string())
}

#[tauri::command]
pub async fn import_package(
    state: State<'_, AppState>,
    args: PackageArgs,
) -> Result<ImportedPackage, IpcError> {
    let offered = portal_record(&state, args.portal).await?;
    let done = state
        .client
        .import_package(&offered, Path::new(&args.path))
        .await?;
    let (vi, en) = match done.outcome {
        ImportOutcome::New => ("Đã nhập thành hồ sơ mới.", "Imported as a new dossier."),
        ImportOutcome::Copy => (
            "Đã nhập thành bản sao (đã có hồ sơ cùng tên).",
            "Imported as a copy (a dossier of that name exists).",
        ),
        ImportOutcome::AlreadyHere => (
            "Hồ sơ này đã có sẵn trên máy, không có gì thay đổi.",
            "This dossier is here already; nothing changed.",
        ),
        ImportOutcome::Filed => (
            "Đã nhập hồ sơ đã nộp, kèm biên nhận và diễn biến; không nộp lại.",
            "Imported a filed dossier with its receipt and history; it is not filed again.",
        ),
    };
    Ok(ImportedPackage {
        id: done.id,
        portal: done.portal.id,
        outcome: done.outcome,
        message: hoso_core::Bilingual::new(
            format!("{vi} Cổng tiếp nhận: {}.", done.portal.name.vi),
            format!("{en} Portal: {}.", done.portal.name.en),
        ),
    })
}

/// Where CSV exports go inside the profile.
const EXPORTS_DIR: &str = "exports";

/// Asks every portal for its changes now; a portal that fails does not
/// stop the others, and the first failure is reported once all were asked.
#[tauri::command]
pub async fn sync_status(app: AppHandle, state: State<'_, AppState>) -> Result<u32, IpcError> {
    let all = state.client.sync_all().await?;
    // Documents (a fee receipt) may have arrived without a status change:
    // what changed is looked at in any case.
    crate::follow::changed(&app, all.new_events).await;
    match all.failed.into_iter().next() {
        Some((_, e)) => Err(e.into()),
        None => Ok(u32::try_from(all.new_events).unwrap_or(u32::MAX)),
    }
}

#[tauri::command]
pub async fn get_preferences(state: State<'_, AppState>) -> Result<Preferences, IpcError> {
    Ok(Preferences {
        continue_at_start: state.client.continue_at_start().await?,
        notifications: state.client.notifications().await?,
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
        .await?;
    Ok(state.client.set_notifications(args.notifications).await?)
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
    let path = blocking(move || crate::receipt::save(&dir, &args.code, &args.html)).await?;
    Ok(path.display().to_string())
}

#[tauri::command]
pub async fn create_dossier(
    state: State<'_, AppState>,
    args: CreateArgs,
) -> Result<DossierRecord, IpcError> {
    let portal = portal_record(&state, args.portal).await?;
    let procedures = state.client.procedures(&portal).await?;
    let procedure = procedures
        .iter()
        .find(|p| p.code == args.procedure)
        .ok_or_else(|| {
            IpcError::from(ClientError::NotFound(format!(
                "thủ tục / procedure {}",
                args.procedure
            )))
        })?;
    Ok(state.client.create_dossier(&portal, procedure).await?)
}

#[tauri::command]
pub async fn save_dossier(state: State<'_, AppState>, args: SaveArgs) -> Result<Saved, IpcError> {
    // The title comes from the procedure as the dossier's own portal has it.
    let portal = state.client.portal_of(args.id).await?;
    Ok(state
        .client
        .save_dossier(&portal, args.id, args.content, args.revision)
        .await?)
}

#[tauri::command]
pub async fn get_dossier(
    state: State<'_, AppState>,
    args: IdArgs,
) -> Result<DossierRecord, IpcError> {
    Ok(state.client.dossier(args.id).await?)
}

#[tauri::command]
pub async fn list_dossiers(
    state: State<'_, AppState>,
    args: ListArgs,
) -> Result<Vec<DossierSummary>, IpcError> {
    Ok(state.client.dossiers(args.query).await?)
}

#[tauri::command]
pub async fn duplicate_dossier(
    state: State<'_, AppState>,
    args: IdArgs,
) -> Result<DossierRecord, IpcError> {
    Ok(state.client.duplicate_dossier(args.id).await?)
}

#[tauri::command]
pub async fn archive_dossier(
    state: State<'_, AppState>,
    args: ArchiveArgs,
) -> Result<(), IpcError> {
    Ok(state.client.archive_dossier(args.id, args.archived).await?)
}

#[tauri::command]
pub async fn delete_dossier(state: State<'_, AppState>, args: IdArgs) -> Result<(), IpcError> {
    Ok(state.client.delete_dossier(args.id).await?)
}

#[tauri::command]
pub async fn restore_dossier(state: State<'_, AppState>, args: IdArgs) -> Result<(), IpcError> {
    Ok(state.client.restore_dossier(args.id).await?)
}

#[tauri::command]
pub async fn list_library(
    state: State<'_, AppState>,
    args: LibraryArgs,
) -> Result<Vec<LibraryItem>, IpcError> {
    Ok(state.client.library(args.slot).await?)
}

#[tauri::command]
pub async fn set_validity(state: State<'_, AppState>, args: ValidityArgs) -> Result<(), IpcError> {
    Ok(state
        .client
        .set_valid_until(args.sha256, args.valid_until)
        .await?)
}

#[tauri::command]
pub async fn procedure_version(
    state: State<'_, AppState>,
    args: VersionArgs,
) -> Result<Option<Procedure>, IpcError> {
    let portal = portal_record(&state, args.portal).await?;
    Ok(state
        .client
        .procedure_version(&portal, &args.procedure, &args.version)
        .await?)
}
