//! The web view that draws the window. On Windows it is the Microsoft Edge
//! WebView2 Runtime, part of Windows 11 and of most Windows 10 machines but
//! missing on some; without it Tauri shows an English-only note and then
//! panics while building the window. HoSo asks first, and when the runtime
//! is missing says in Vietnamese and English what to install and where,
//! then exits (the installer, `packaging/windows/hoso.nsi`, says the same).

/// Where Microsoft offers the Evergreen WebView2 Runtime.
#[cfg(any(windows, test))]
const DOWNLOAD_PAGE: &str = "https://developer.microsoft.com/microsoft-edge/webview2/";

/// The message box's title (`cargo xtask test-windows` finds the box by
/// "WebView2 missing").
#[cfg(windows)]
const TITLE: &str = "HoSo — thiếu WebView2 / WebView2 missing";

/// What to tell the person when the runtime is missing: Vietnamese, then
/// English, in one text (they may not read the language Windows is set to).
#[cfg(any(windows, test))]
fn missing_text() -> String {
    format!(
        "HoSo cần Microsoft Edge WebView2 Runtime để hiện cửa sổ, nhưng máy này chưa có.\n\
         Hãy tải và cài “Microsoft Edge WebView2 Runtime” (bản Evergreen, miễn phí) tại:\n\
         {DOWNLOAD_PAGE}\n\
         rồi mở lại HoSo. Chương trình dòng lệnh hoso.exe chạy được cả khi chưa có.\n\
         \n\
         HoSo needs the Microsoft Edge WebView2 Runtime to show its window, and this computer does not have it.\n\
         Download and install “Microsoft Edge WebView2 Runtime” (Evergreen, free) from:\n\
         {DOWNLOAD_PAGE}\n\
         then open HoSo again. The hoso.exe command line works without it."
    )
}

/// `Ok` when the system's web view is there. On Windows without the
/// WebView2 Runtime, shows [`missing_text`] in a message box, waits for the
/// person to close it and returns why; elsewhere the package manager
/// provides the web view (WebKitGTK, a `Depends` of the .deb).
pub fn check() -> Result<(), String> {
    #[cfg(windows)]
    if let Err(e) = tauri::webview_version() {
        rfd::MessageDialog::new()
            .set_level(rfd::MessageLevel::Error)
            .set_title(TITLE)
            .set_description(missing_text())
            .set_buttons(rfd::MessageButtons::Ok)
            .show();
        return Err(format!("WebView2 Runtime: {e}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_missing_runtime_is_named_with_where_to_get_it_in_both_languages() {
        let text = missing_text();
        let (vi, en) = text.split_once("\n\n").expect("two paragraphs");
        for part in [vi, en] {
            assert!(part.contains("Microsoft Edge WebView2 Runtime"), "{part}");
            assert!(part.contains(DOWNLOAD_PAGE), "{part}");
        }
        assert!(vi.contains("Hãy tải và cài"), "{vi}");
        assert!(en.contains("Download and install"), "{en}");
    }

    #[test]
    fn the_installer_sends_people_to_the_same_page() {
        let script = include_str!("../../packaging/windows/hoso.nsi");
        assert!(
            script.contains(&format!("!define WEBVIEW2_PAGE \"{DOWNLOAD_PAGE}\"")),
            "packaging/windows/hoso.nsi names another download page"
        );
    }
}
