//! The Debian package people install HoSo from: the desktop app and the
//! `hoso` command line built for release (the UI is inside the app), a menu
//! entry, icons, what software centres show (AppStream metainfo), and the
//! libraries it needs as `Depends` (read by `dpkg-shlibdeps` from the
//! binaries themselves). Checked after it is built: its control fields,
//! the files it carries, the menu entry (`desktop-file-validate`), the
//! metainfo (`appstreamcli validate`), and the command line it installs,
//! run from the unpacked package.

pub mod windows;

use crate::{cargo, exec};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Package name in the Debian archive sense.
const PACKAGE: &str = "hoso";
/// The app's identifier (Tauri's), also the menu entry's and icon's name.
const APP_ID: &str = "vn.hoso.desktop";

/// What the package installs, relative to its root.
const BINARIES: [(&str, &str); 2] = [
    ("hoso-desktop", "usr/bin/hoso-desktop"),
    ("hoso", "usr/bin/hoso"),
];

/// Icons of `src-tauri/icons` and where each goes.
const ICONS: [(&str, &str); 3] = [
    ("32x32.png", "usr/share/icons/hicolor/32x32/apps"),
    ("128x128.png", "usr/share/icons/hicolor/128x128/apps"),
    ("icon.png", "usr/share/icons/hicolor/512x512/apps"),
];

/// Where the menu entry is installed, relative to the package's root.
fn menu_entry_path() -> String {
    format!("usr/share/applications/{APP_ID}.desktop")
}

/// Where the AppStream metainfo is installed, relative to the package's root.
fn metainfo_path() -> String {
    format!("usr/share/metainfo/{APP_ID}.metainfo.xml")
}

fn desktop_entry() -> String {
    format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=HoSo\n\
         GenericName=Administrative dossiers\n\
         GenericName[vi]=Hồ sơ hành chính\n\
         Comment=Prepare, check and file administrative dossiers, and follow them\n\
         Comment[vi]=Chuẩn bị, kiểm tra, nộp và theo dõi hồ sơ hành chính\n\
         Exec=hoso-desktop\n\
         Icon={APP_ID}\n\
         Terminal=false\n\
         Categories=Office;\n\
         Keywords=dossier;portal;receipt;hồ sơ;dịch vụ công;biên nhận;\n"
    )
}

/// What software centres show of HoSo (AppStream), for release `version`
/// of `date` (YYYY-MM-DD).
fn metainfo(version: &str, date: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<component type="desktop-application">
  <id>{APP_ID}</id>
  <metadata_license>CC0-1.0</metadata_license>
  <project_license>MIT OR Apache-2.0</project_license>
  <name>HoSo</name>
  <summary>Prepare, check and file administrative dossiers</summary>
  <summary xml:lang="vi">Chuẩn bị, kiểm tra và nộp hồ sơ hành chính</summary>
  <developer_name>HoSo developers</developer_name>
  <description>
    <p>HoSo builds Vietnamese administrative dossiers offline, checks them against the receiving portal's rules before sending, uploads large attachments in resumable chunks, files each dossier exactly once, keeps the portal's signed receipt and follows status and deadlines across portals.</p>
    <p xml:lang="vi">HoSo giúp lập hồ sơ hành chính cả khi không có mạng, kiểm tra theo quy định của cổng trước khi gửi, tải tệp lớn lên từng phần và nối tiếp được khi mạng chập chờn, nộp mỗi hồ sơ đúng một lần, giữ biên nhận có chữ ký của cổng và theo dõi trạng thái, thời hạn trên nhiều cổng.</p>
  </description>
  <launchable type="desktop-id">{APP_ID}.desktop</launchable>
  <categories>
    <category>Office</category>
  </categories>
  <content_rating type="oars-1.1"/>
  <releases>
    <release version="{version}" date="{date}"/>
  </releases>
</component>
"#
    )
}

/// The day of the commit being packaged (YYYY-MM-DD), so the same commit
/// gives the same package.
fn commit_day(root: &Path) -> anyhow::Result<String> {
    Ok(output(
        Command::new("git")
            .current_dir(root)
            .args(["log", "-1", "--format=%cs"]),
    )?
    .trim()
    .to_owned())
}

/// The workspace's version (the app's and the package's).
pub fn version(root: &Path) -> anyhow::Result<String> {
    let manifest = std::fs::read_to_string(root.join("src-tauri/tauri.conf.json"))?;
    let conf: serde_json::Value = serde_json::from_str(&manifest)?;
    conf["version"]
        .as_str()
        .map(str::to_owned)
        .context("tauri.conf.json names no version")
}

fn output(cmd: &mut Command) -> anyhow::Result<String> {
    let line = format!("{cmd:?}");
    let out = cmd
        .output()
        .with_context(|| format!("could not start {line}"))?;
    if !out.status.success() {
        bail!(
            "failed ({}): {line}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `Depends` for `binaries`, as dpkg-shlibdeps reads them: each library
/// they link with, by the package that ships it, with its least version.
fn depends(work: &Path, binaries: &[PathBuf]) -> anyhow::Result<String> {
    // dpkg-shlibdeps reads the source package's control file.
    let debian = work.join("debian");
    std::fs::create_dir_all(&debian)?;
    std::fs::write(
        debian.join("control"),
        format!("Source: {PACKAGE}\n\nPackage: {PACKAGE}\nArchitecture: any\n"),
    )?;
    let mut cmd = Command::new("dpkg-shlibdeps");
    cmd.current_dir(work).arg("-O");
    for b in binaries {
        cmd.arg(format!("-e{}", b.display()));
    }
    let printed = output(&mut cmd)?;
    printed
        .lines()
        .find_map(|l| l.strip_prefix("shlibs:Depends="))
        .map(str::to_owned)
        .context("dpkg-shlibdeps printed no shlibs:Depends")
}

/// Bytes under `dir`, in KiB rounded up (`Installed-Size`).
fn installed_kib(dir: &Path) -> u64 {
    fn bytes(dir: &Path) -> u64 {
        std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| match e.metadata() {
                        Ok(m) if m.is_dir() => bytes(&e.path()),
                        Ok(m) => m.len(),
                        Err(_) => 0,
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    bytes(dir).div_ceil(1024)
}

fn copy(from: &Path, to: &Path, mode: u32) -> anyhow::Result<()> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::copy(from, to)
        .with_context(|| format!("copy {} to {}", from.display(), to.display()))?;
    std::fs::set_permissions(to, std::os::unix::fs::PermissionsExt::from_mode(mode))?;
    Ok(())
}

/// Writes `text` to `to`, making its folder.
fn put(to: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(to, text).with_context(|| format!("write {}", to.display()))
}

/// Builds the package and checks it, unpacked into
/// `target/bundle/unpacked`; the unpacked app's path.
pub fn checked(root: &Path) -> anyhow::Result<PathBuf> {
    let deb = deb(root)?;
    verify(root, &deb, &root.join("target/bundle/unpacked"))
}

/// Builds `target/bundle/hoso_<version>_<arch>.deb` (the UI first, then
/// both programs for release); its path.
fn deb(root: &Path) -> anyhow::Result<PathBuf> {
    crate::ui::build(root)?;
    exec(cargo().args(["build", "--release", "-p", "hoso-desktop", "-p", "hoso-cli"]))?;
    let version = version(root)?;
    let arch = output(Command::new("dpkg").arg("--print-architecture"))?
        .trim()
        .to_owned();
    let out = root.join("target/bundle");
    let stage = out.join(format!("{PACKAGE}_{version}_{arch}"));
    if stage.exists() {
        std::fs::remove_dir_all(&stage)?;
    }
    let release = root.join("target/release");
    let mut installed = Vec::new();
    for (built, dest) in BINARIES {
        let to = stage.join(dest);
        copy(&release.join(built), &to, 0o755)?;
        exec(Command::new("strip").arg("--strip-unneeded").arg(&to))?;
        installed.push(to);
    }
    for (icon, dir) in ICONS {
        copy(
            &root.join("src-tauri/icons").join(icon),
            &stage.join(dir).join(format!("{APP_ID}.png")),
            0o644,
        )?;
    }
    put(&stage.join(menu_entry_path()), &desktop_entry())?;
    put(
        &stage.join(metainfo_path()),
        &metainfo(&version, &commit_day(root)?),
    )?;
    let depends = depends(&out, &installed)?;
    let control = format!(
        "Package: {PACKAGE}\n\
         Version: {version}\n\
         Architecture: {arch}\n\
         Maintainer: HoSo developers <dev@hoso.vn>\n\
         Installed-Size: {}\n\
         Depends: {depends}\n\
         Section: misc\n\
         Priority: optional\n\
         Description: prepare, check and file Vietnamese administrative dossiers\n \
         HoSo builds administrative dossiers offline, checks them against the\n \
         receiving portal's rules before sending, uploads large attachments in\n \
         resumable chunks, files each dossier exactly once, keeps the portal's\n \
         signed receipt and follows status and deadlines across portals.\n \
         Includes the desktop app (hoso-desktop) and the command line (hoso).\n",
        installed_kib(&stage)
    );
    put(&stage.join("DEBIAN/control"), &control)?;
    let deb = out.join(format!("{PACKAGE}_{version}_{arch}.deb"));
    exec(
        Command::new("dpkg-deb")
            .args(["--root-owner-group", "--build"])
            .arg(&stage)
            .arg(&deb),
    )?;
    println!("package: {}", deb.display());
    Ok(deb)
}

/// Checks the package at `deb` and unpacks it into `into`: its control
/// fields, that dpkg would install it here (its dependencies met), that it
/// carries every file, that its menu entry is valid and that the command
/// line it installs runs. The unpacked app's path.
fn verify(root: &Path, deb: &Path, into: &Path) -> anyhow::Result<PathBuf> {
    let version = version(root)?;
    let field = |name: &str| {
        output(
            Command::new("dpkg-deb")
                .args(["--field"])
                .arg(deb)
                .arg(name),
        )
    };
    if field("Package")?.trim() != PACKAGE || field("Version")?.trim() != version {
        bail!("{} names another package or version", deb.display());
    }
    let depends = field("Depends")?;
    if !depends.contains("libwebkit2gtk-4.1-0") || !depends.contains("libc6") {
        bail!("Depends misses the window's libraries: {depends}");
    }
    exec(
        Command::new("dpkg")
            .args(["--dry-run", "--install"])
            .arg(deb),
    )?;
    let listed = output(Command::new("dpkg-deb").arg("--contents").arg(deb))?;
    let mut wanted: Vec<String> = BINARIES.iter().map(|(_, d)| d.to_string()).collect();
    wanted.extend(ICONS.iter().map(|(_, dir)| format!("{dir}/{APP_ID}.png")));
    wanted.push(menu_entry_path());
    wanted.push(metainfo_path());
    for file in &wanted {
        if !listed.contains(&format!("./{file}")) {
            bail!("{} does not carry {file}:\n{listed}", deb.display());
        }
    }
    if into.exists() {
        std::fs::remove_dir_all(into)?;
    }
    exec(Command::new("dpkg-deb").arg("-x").arg(deb).arg(into))?;
    exec(Command::new("desktop-file-validate").arg(into.join(menu_entry_path())))?;
    exec(
        Command::new("appstreamcli")
            .args(["validate", "--no-net", "--pedantic"])
            .arg(into.join(metainfo_path())),
    )?;
    let cli = output(Command::new(into.join("usr/bin/hoso")).arg("--version"))?;
    if !cli.contains(&version) {
        bail!("the packaged hoso says {cli:?}");
    }
    println!(
        "{}: {} KiB installed, Depends: {}",
        deb.display(),
        field("Installed-Size")?.trim(),
        depends.trim()
    );
    Ok(into.join("usr/bin/hoso-desktop"))
}
