//! The language the window speaks: the person's choice, kept in the
//! profile's `window.json` (written whole or not at all), else the
//! system's locale (English when it says English), else Vietnamese.

use crate::state::AppState;
use hoso_ipc::{ErrorCode, IpcError, Language, LanguageArgs};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tauri::State;

/// The window's settings file in the profile folder.
const SETTINGS_FILE: &str = "window.json";

/// What `window.json` holds.
#[derive(Debug, Default, Serialize, Deserialize)]
struct WindowSettings {
    /// The language chosen in the header, if one was.
    #[serde(default)]
    language: Option<Language>,
}

fn settings_path(profile: &Path) -> PathBuf {
    profile.join(SETTINGS_FILE)
}

/// The language chosen in `profile`, if one was and the file reads.
pub fn chosen(profile: &Path) -> Option<Language> {
    let bytes = std::fs::read(settings_path(profile)).ok()?;
    match serde_json::from_slice::<WindowSettings>(&bytes) {
        Ok(s) => s.language,
        Err(e) => {
            tracing::warn!(%e, "window settings unreadable; the locale decides");
            None
        }
    }
}

/// Remembers `language` in `profile`, written whole or not at all
/// ([`hoso_client::whole`]): a crash leaves the old choice or the new.
pub fn remember(profile: &Path, language: Language) -> Result<(), hoso_client::ClientError> {
    let settings = WindowSettings {
        language: Some(language),
    };
    let bytes = serde_json::to_vec_pretty(&settings)
        .map_err(|e| hoso_client::ClientError::Protocol(e.to_string()))?;
    hoso_client::whole::write(&settings_path(profile), &bytes)
}

/// The language a locale such as `en_GB.UTF-8` asks for: English for
/// `en…`, Vietnamese for anything else (`vi_VN`, `C`, unset).
pub fn of_locale(locale: &str) -> Language {
    let lang = locale.split(['_', '.', '@', '-']).next().unwrap_or("");
    if lang.eq_ignore_ascii_case("en") {
        Language::En
    } else {
        Language::Vi
    }
}

/// The system's locale as POSIX orders it: `LC_ALL`, then `LC_MESSAGES`,
/// then `LANG`; the first that is set and not empty decides.
fn system_locale() -> String {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|l| !l.is_empty()))
        .unwrap_or_default()
}

/// The language for the window now.
pub fn current(profile: &Path) -> Language {
    chosen(profile).unwrap_or_else(|| of_locale(&system_locale()))
}

/// `LANGUAGE`: the language the window speaks.
#[tauri::command]
pub async fn language(state: State<'_, AppState>) -> Result<Language, IpcError> {
    Ok(current(state.client.profile_dir()))
}

/// `SET_LANGUAGE`: remembers the person's choice.
#[tauri::command]
pub async fn set_language(state: State<'_, AppState>, args: LanguageArgs) -> Result<(), IpcError> {
    let profile = state.client.profile_dir().to_path_buf();
    tauri::async_runtime::spawn_blocking(move || remember(&profile, args.language))
        .await
        .map_err(|e| not_saved(&e.to_string()))?
        .map_err(|e| not_saved(&e.to_string()))
}

fn not_saved(detail: &str) -> IpcError {
    tracing::warn!(detail, "language choice not saved");
    IpcError::new(
        ErrorCode::Storage,
        hoso_core::Bilingual::new(
            format!("Không lưu được lựa chọn ngôn ngữ: {detail}"),
            format!("The language choice could not be saved: {detail}"),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_locales_ask_for_english_and_every_other_for_vietnamese() {
        for l in ["en_US.UTF-8", "en_GB", "en", "EN_au.utf8", "en-US"] {
            assert_eq!(of_locale(l), Language::En, "{l}");
        }
        for l in [
            "vi_VN.UTF-8",
            "C",
            "C.UTF-8",
            "POSIX",
            "",
            "fr_FR.UTF-8",
            "eng",
        ] {
            assert_eq!(of_locale(l), Language::Vi, "{l}");
        }
    }

    #[test]
    fn a_remembered_choice_is_read_back_and_replaces_the_earlier_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(chosen(dir.path()), None, "nothing chosen yet");
        remember(dir.path(), Language::En).expect("saved");
        assert_eq!(chosen(dir.path()), Some(Language::En));
        assert_eq!(current(dir.path()), Language::En);
        remember(dir.path(), Language::Vi).expect("saved again");
        assert_eq!(chosen(dir.path()), Some(Language::Vi));
        assert!(
            !dir.path().join("window.json.tmp").exists(),
            "no temporary file left behind"
        );
    }

    #[test]
    fn a_damaged_settings_file_leaves_the_choice_to_the_locale() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(SETTINGS_FILE), b"{\"language\": \"e").expect("write");
        assert_eq!(chosen(dir.path()), None);
        std::fs::write(dir.path().join(SETTINGS_FILE), b"{}").expect("write");
        assert_eq!(chosen(dir.path()), None);
    }
}
