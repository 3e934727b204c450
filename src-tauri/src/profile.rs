//! Which profile folder the app uses: `--profile DIR`, else `HOSO_PROFILE`,
//! else the system's per-user data folder for HoSo.

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
