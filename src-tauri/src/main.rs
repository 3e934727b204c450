//! HoSo's desktop shell. It starts the profile and the built-in practice
//! portal, then serves the UI's commands by calling hoso-client; no rule
//! about dossiers lives here.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod fees;
mod follow;
mod language;
mod profile;
mod ratings;
mod receipt;
mod results;
mod state;
mod webview;

use tauri::Manager;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tao=warn,wry=warn".into()),
        )
        .init();
    // Before any window: without a web view, building one panics.
    if let Err(why) = webview::check() {
        eprintln!("HoSo không khởi động được / HoSo could not start: {why}");
        std::process::exit(1);
    }
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let dir = profile::resolve(app.handle())?;
            let state =
                tauri::async_runtime::block_on(state::AppState::start(dir, app.handle().clone()))?;
            app.manage(state);
            let handle = app.handle().clone();
            tauri::async_runtime::spawn({
                let handle = handle.clone();
                async move {
                    state::continue_unfinished(handle.state::<state::AppState>().inner()).await;
                }
            });
            tauri::async_runtime::spawn(async move {
                follow::follow_all(handle).await;
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_procedures,
            commands::portal_procedures,
            commands::pick_file,
            commands::import_attachment,
            commands::submit_dossier,
            commands::create_dossier,
            commands::save_dossier,
            commands::get_dossier,
            commands::list_dossiers,
            commands::duplicate_dossier,
            commands::archive_dossier,
            commands::delete_dossier,
            commands::restore_dossier,
            commands::list_library,
            commands::set_validity,
            commands::procedure_version,
            commands::save_receipt,
            commands::pause_sending,
            commands::get_receipt,
            commands::get_preferences,
            commands::set_preferences,
            commands::sync_status,
            commands::export_csv,
            commands::dossier_page,
            commands::submit_supplement,
            commands::dossier_fee,
            commands::pay_practice,
            commands::withdraw_dossier,
            commands::dossier_result,
            commands::download_result,
            commands::open_result,
            commands::dossier_rating,
            commands::rate_dossier,
            commands::list_portals,
            commands::add_portal,
            commands::sign_in,
            commands::remove_portal,
            commands::summary,
            commands::export_package,
            commands::import_package,
            language::language,
            language::set_language,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("HoSo không khởi động được / HoSo could not start: {e}");
        std::process::exit(1);
    }
}
