//! What the app was started with: which profile folder it uses
//! (`--profile DIR`, else `HOSO_PROFILE`, else the system's per-user data
//! folder for HoSo), and the `.hoso` package it was asked to open.

use std::path::PathBuf;
use tauri::{AppHandle, Manager};

/// The profile folder for this run.
pub fn resolve(app: &AppHandle) -> anyhow::Result<PathBuf> {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if let Some(dir) = arg.strip_prefix("--profile=") {
            return Ok(PathBuf::from(dir));
        }
        if arg == "--profile" {
            return args
                .next()
                .map(PathBuf::from)
                .ok_or_else(|| anyhow::anyhow!("--profile needs a folder"));
        }
    }
    if let Some(dir) = std::env::var_os("HOSO_PROFILE").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    Ok(app.path().app_data_dir()?.join("profile"))
}

/// The `.hoso` package among the app's arguments, if any: Windows starts
/// `hoso-desktop.exe "PATH"` for a double-clicked package (the installer's
/// association).
pub fn opened_package() -> Option<PathBuf> {
    package_among(std::env::args().skip(1))
}

/// The first argument naming a `.hoso` file, options and `--profile`'s
/// folder aside.
fn package_among(mut args: impl Iterator<Item = String>) -> Option<PathBuf> {
    while let Some(arg) = args.next() {
        if arg == "--profile" {
            args.next();
            continue;
        }
        if arg.starts_with('-') {
            continue;
        }
        let path = PathBuf::from(&arg);
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("hoso"))
        {
            return Some(path);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::package_among;
    use std::path::PathBuf;

    fn among(args: &[&str]) -> Option<PathBuf> {
        package_among(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn the_package_explorer_passes_is_found_and_nothing_else() {
        assert_eq!(
            among(&["C:\\Users\\An\\Tải về\\lô thép.HOSO"]),
            Some(PathBuf::from("C:\\Users\\An\\Tải về\\lô thép.HOSO"))
        );
        assert_eq!(
            among(&["--profile", "D:\\hồ sơ.hoso", "/tmp/gói.hoso"]),
            Some(PathBuf::from("/tmp/gói.hoso")),
            "a profile folder is not a package"
        );
        assert_eq!(among(&["--profile=/tmp/p", "--verbose"]), None);
        assert_eq!(among(&["bien-nhan.json"]), None);
        assert_eq!(among(&[]), None);
    }
}
