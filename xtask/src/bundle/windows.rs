//! The Windows installer, cross-built here: the desktop app (UI inside),
//! the `hoso` command line and the portal built for `x86_64-pc-windows-gnu`
//! in one cargo call, stripped, and the app and command line packed by
//! NSIS into `target/bundle/hoso_<version>_x64-setup.exe` from the script
//! `packaging/windows/hoso.nsi` (per-user install, Start-menu entry, the
//! `.hoso` association, an uninstaller, the WebView2 check). makensis runs
//! with warnings as errors, and any line it prints that names a warning
//! fails the build too.
//!
//! The portal is built alongside (the Wine phase runs it) but not
//! installed, as in the Debian package.

use super::version;
use crate::{cargo, exec};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Rust's target for 64-bit Windows with the MinGW-w64 toolchain.
pub const TARGET: &str = "x86_64-pc-windows-gnu";

/// Each program built: its cargo package and the file it makes.
pub const PROGRAMS: [(&str, &str); 3] = [
    ("hoso-desktop", "hoso-desktop.exe"),
    ("hoso-cli", "hoso.exe"),
    ("hoso-portal", "hoso-portal.exe"),
];

/// What the installer puts into the installation folder. The app loads
/// WebView2Loader.dll (Microsoft's, copied by the webview2-com build)
/// from beside itself.
pub const INSTALLED: [&str; 3] = ["hoso-desktop.exe", "WebView2Loader.dll", "hoso.exe"];

/// The NSIS script, relative to the workspace root.
const SCRIPT: &str = "packaging/windows/hoso.nsi";

/// A program the Windows build runs, and the Debian package that has it.
#[derive(Debug)]
pub struct Tool {
    /// The command.
    pub command: &'static str,
    /// Debian's package providing it.
    pub package: &'static str,
    /// What it is for.
    pub why: &'static str,
}

/// The tools of the Windows build (the Rust target aside).
pub const TOOLS: [Tool; 3] = [
    Tool {
        command: "x86_64-w64-mingw32-gcc",
        package: "gcc-mingw-w64-x86-64",
        why: "links the Windows programs",
    },
    Tool {
        command: "x86_64-w64-mingw32-strip",
        package: "binutils-mingw-w64-x86-64",
        why: "strips them",
    },
    Tool {
        command: "makensis",
        package: "nsis",
        why: "builds the installer",
    },
];

/// Whether rustup's toolchain has the Windows standard library.
pub fn rustup_has_target() -> bool {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == TARGET)
        })
}

/// Fails naming every tool the Windows build lacks, and how to get it.
pub fn check_tools() -> anyhow::Result<()> {
    let mut missing: Vec<String> = TOOLS
        .iter()
        .filter(|t| !crate::setup::on_path(t.command))
        .map(|t| format!("- {} ({}): Debian package {}", t.command, t.why, t.package))
        .collect();
    if !rustup_has_target() {
        missing.push(format!(
            "- the Rust standard library for Windows: rustup target add {TARGET}"
        ));
    }
    if missing.is_empty() {
        return Ok(());
    }
    bail!(
        "the Windows build needs what is missing here:\n{}\n\
         `cargo xtask setup` installs them on Debian and Ubuntu.",
        missing.join("\n")
    )
}

/// Cargo's target folder: `CARGO_TARGET_DIR` when set, else `target/`.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .filter(|d| !d.is_empty())
        .map(|d| root.join(d))
        .unwrap_or_else(|| root.join("target"))
}

/// Where cargo puts the Windows release build.
pub fn release_dir(root: &Path) -> PathBuf {
    target_dir(root).join(TARGET).join("release")
}

/// Builds the UI, then the three programs for Windows (release) in one
/// cargo call, and copies them stripped, with WebView2Loader.dll and the
/// icon, into `target/bundle/windows`; that folder.
pub fn stage(root: &Path) -> anyhow::Result<PathBuf> {
    check_tools()?;
    crate::ui::build(root)?;
    let mut build = cargo();
    // Without the portal's PostgreSQL and S3 clients (its `shared`
    // feature): the installer's portal is the practice one.
    build.args([
        "build",
        "--release",
        "--target",
        TARGET,
        "--no-default-features",
    ]);
    for (package, _) in PROGRAMS {
        build.args(["-p", package]);
    }
    exec(&mut build)?;
    let release = release_dir(root);
    let stage = root.join("target/bundle/windows");
    if stage.exists() {
        std::fs::remove_dir_all(&stage)?;
    }
    std::fs::create_dir_all(&stage)?;
    for (_, exe) in PROGRAMS {
        let to = stage.join(exe);
        std::fs::copy(release.join(exe), &to)
            .with_context(|| format!("copy {} from {}", exe, release.display()))?;
        exec(
            Command::new("x86_64-w64-mingw32-strip")
                .arg("--strip-unneeded")
                .arg(&to),
        )?;
    }
    for (from, name) in [
        (release.join("WebView2Loader.dll"), "WebView2Loader.dll"),
        (root.join("src-tauri/icons/icon.ico"), "icon.ico"),
    ] {
        std::fs::copy(&from, stage.join(name))
            .with_context(|| format!("copy {}", from.display()))?;
    }
    Ok(stage)
}

/// The version with four numbers, as Windows' version resources want it.
fn four_numbers(version: &str) -> anyhow::Result<String> {
    let core = version.split(['-', '+']).next().unwrap_or_default();
    let mut parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty() || parts.len() > 4 || parts.iter().any(|p| p.parse::<u16>().is_err()) {
        bail!("version {version:?} is not up to four numbers");
    }
    parts.resize(4, "0");
    Ok(parts.join("."))
}

/// Builds `target/bundle/hoso_<version>_x64-setup.exe` and prints its size
/// and the programs'; the installer's path and the staged folder.
pub fn installer(root: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    let stage = stage(root)?;
    let version = version(root)?;
    let setup = root.join(format!("target/bundle/hoso_{version}_x64-setup.exe"));
    let installed_kib: u64 = INSTALLED
        .iter()
        .map(|f| std::fs::metadata(stage.join(f)).map_or(0, |m| m.len()))
        .sum::<u64>()
        .div_ceil(1024);
    let mut makensis = Command::new("makensis");
    makensis
        .args(["-WX", "-INPUTCHARSET", "UTF8"])
        .arg(format!("-DVERSION={version}"))
        .arg(format!("-DVERSION4={}", four_numbers(&version)?))
        .arg(format!("-DSTAGE={}", stage.display()))
        .arg(format!("-DOUTFILE={}", setup.display()))
        .arg(format!("-DINSTALLED_KIB={installed_kib}"))
        .arg(root.join(SCRIPT));
    println!("$ {makensis:?}");
    let out = makensis.output().context("could not start makensis")?;
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    print!("{printed}");
    if !out.status.success() {
        bail!("makensis failed ({})", out.status);
    }
    let warnings: Vec<&str> = printed
        .lines()
        .filter(|l| l.to_lowercase().contains("warning"))
        .collect();
    if !warnings.is_empty() {
        bail!("makensis warned:\n{}", warnings.join("\n"));
    }
    let mut header = [0u8; 2];
    std::io::Read::read_exact(
        &mut std::fs::File::open(&setup).with_context(|| setup.display().to_string())?,
        &mut header,
    )?;
    if &header != b"MZ" {
        bail!("{} is not a Windows program", setup.display());
    }
    let mib = |p: &Path| std::fs::metadata(p).map_or(0.0, |m| m.len() as f64 / 1048576.0);
    println!("\ninstaller: {} ({:.1} MiB)", setup.display(), mib(&setup));
    for (_, exe) in PROGRAMS {
        println!(
            "  {exe:<18} {:>6.1} MiB stripped ({:.1} MiB as built)",
            mib(&stage.join(exe)),
            mib(&release_dir(root).join(exe))
        );
    }
    Ok((setup, stage))
}

#[cfg(test)]
mod tests {
    use super::four_numbers;

    #[test]
    fn versions_get_four_numbers_for_the_version_resource() {
        assert_eq!(four_numbers("0.1.0").ok().as_deref(), Some("0.1.0.0"));
        assert_eq!(four_numbers("1.2.3-rc.1").ok().as_deref(), Some("1.2.3.0"));
        assert!(four_numbers("1.2.3.4.5").is_err());
        assert!(four_numbers("banana").is_err());
    }
}
