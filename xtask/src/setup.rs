//! Installing what building, running and testing HoSo needs, idempotently:
//! system packages (Debian and Ubuntu), the wasm32 toolchain, the exact
//! wasm-bindgen CLI of Cargo.lock, tauri-driver, the other tus peers of
//! the interoperability tests (npm, in `tests/interop`), Garage, the
//! S3-compatible server of the portal's S3 tests, and nginx, the load
//! balancer of its cluster (`cargo xtask cluster`). Each step first
//! checks whether its work is already done, so a second run changes nothing.

use crate::{cargo, exec};
use anyhow::{Context, bail};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Debian packages for the desktop shell, its end-to-end tests and
/// screenshots, the browser and WebDriver with which the end-to-end test
/// of the officers' console signs in (`tests/e2e/console.rs`), the lossy
/// and shaped links of the network tests (network namespaces, tbf,
/// nftables), `/usr/bin/time` for the app's peak memory, what builds and
/// checks the Debian package (dpkg-shlibdeps, strip,
/// desktop-file-validate, appstreamcli), and the PostgreSQL whose
/// programs the portal's tests run a throwaway server with (its own
/// service is not needed).
const DESKTOP_PACKAGES: &[&str] = &[
    "build-essential",
    "iproute2",
    "nftables",
    "pkg-config",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "librsvg2-dev",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "chromium",
    "chromium-driver",
    "imagemagick",
    "fonts-dejavu-core",
    "time",
    "dpkg-dev",
    "binutils",
    "desktop-file-utils",
    "appstream",
    "postgresql",
];

/// What builds the Windows installer and tests it here: the MinGW-w64
/// linker and binutils, NSIS, Wine to run the Windows programs, and
/// xdotool to answer the app's message box under Xvfb
/// (`cargo xtask bundle windows`, `cargo xtask test-windows`).
pub const WINDOWS_PACKAGES: &[&str] = &[
    "gcc-mingw-w64-x86-64",
    "binutils-mingw-w64-x86-64",
    "nsis",
    "wine",
    "xdotool",
];

/// Debian's second Rust toolchain, whose std source lets the UI be built
/// for wasm32 when rustup cannot provide the target (see TOOLCHAIN notes in
/// ARCHITECTURE.md).
pub const DEBIAN_WASM_PACKAGES: &[&str] = &["rustc-web", "cargo-web", "rust-web-src", "lld-22"];

/// Where Debian's rust-web-src puts the standard library's source.
pub const DEBIAN_STD_SRC: &str = "/usr/lib/rustlib/src/rust/library";

pub fn run(root: &Path) -> anyhow::Result<()> {
    if is_debian_like() {
        ensure_packages(DESKTOP_PACKAGES)?;
        ensure_packages(WINDOWS_PACKAGES)?;
    } else {
        check_foreign_system()?;
    }
    ensure_wasm_toolchain()?;
    ensure_windows_target();
    ensure_wasm_bindgen(root)?;
    ensure_tauri_driver()?;
    ensure_interop_peers(root)?;
    ensure_garage()?;
    ensure_nginx()?;
    println!("set-up complete");
    Ok(())
}

/// The oldest Node.js the npm tus peers run on (`@tus/server` asks 20.19).
const NODE_MAJOR: u32 = 20;

/// Node.js and npm, for the tus peers the interoperability tests run.
fn ensure_node() -> anyhow::Result<()> {
    let major = || {
        Command::new("node")
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| {
                let text = String::from_utf8_lossy(&o.stdout).into_owned();
                text.trim()
                    .trim_start_matches('v')
                    .split('.')
                    .next()?
                    .parse::<u32>()
                    .ok()
            })
    };
    let npm = || {
        Command::new("npm")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if major().is_some_and(|m| m >= NODE_MAJOR) && npm() {
        return Ok(());
    }
    if is_debian_like() {
        ensure_packages(&["nodejs", "npm"])?;
    }
    match major() {
        Some(m) if m >= NODE_MAJOR && npm() => Ok(()),
        found => bail!(
            "Node.js {NODE_MAJOR}.19 or newer with npm is needed for the interoperability tests and benchmarks (found {}): install it (https://nodejs.org, or the distribution's nodejs) and run again",
            found.map_or("none".to_owned(), |m| format!("v{m}"))
        ),
    }
}

/// The npm packages of `tests/interop` at the versions its package.json
/// pins, installed from its lock file when any is missing or different.
pub fn ensure_interop_peers(root: &Path) -> anyhow::Result<()> {
    let dir = root.join("tests").join("interop");
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("package.json")).context("tests/interop/package.json")?,
    )
    .context("tests/interop/package.json is not JSON")?;
    let wanted = manifest["dependencies"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let present = |name: &str, version: &str| {
        std::fs::read_to_string(dir.join("node_modules").join(name).join("package.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|p| p["version"] == version)
    };
    if wanted
        .iter()
        .all(|(name, v)| present(name, v.as_str().unwrap_or_default()))
    {
        println!(
            "interop peers present: {}",
            wanted.keys().cloned().collect::<Vec<_>>().join(" ")
        );
        return Ok(());
    }
    ensure_node()?;
    exec(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir),
    )
}

fn is_debian_like() -> bool {
    let release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    release.lines().any(|l| {
        (l.starts_with("ID=") || l.starts_with("ID_LIKE="))
            && (l.contains("debian") || l.contains("ubuntu"))
    })
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${db:Status-Status}", package])
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| o.stdout == b"installed")
}

/// Installs the packages that are missing, with `apt-get update` first.
pub fn ensure_packages(packages: &[&str]) -> anyhow::Result<()> {
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        println!("system packages present: {}", packages.join(" "));
        return Ok(());
    }
    println!("installing system packages: {}", missing.join(" "));
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let apt = |args: &[&str]| {
        let mut cmd = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    exec(&mut apt(&["update"]))?;
    exec(apt(&["install", "-y", "--no-install-recommends"]).args(&missing))
        .context("installing system packages (root or sudo is needed)")?;
    Ok(())
}

fn check_foreign_system() -> anyhow::Result<()> {
    let webkit = Command::new("pkg-config")
        .args(["--exists", "webkit2gtk-4.1", "librsvg-2.0", "openssl"])
        .status()
        .is_ok_and(|s| s.success());
    let tools = ["Xvfb", "WebKitWebDriver", "cc"].iter().all(|t| on_path(t));
    if webkit && tools {
        return Ok(());
    }
    bail!(
        "This is not Debian or Ubuntu, so set-up cannot install system packages itself.\n\
         Install these with your system's package manager, then run the command again:\n\
         - a C compiler and pkg-config\n\
         - WebKitGTK 4.1 development files (pkg-config name webkit2gtk-4.1)\n\
         - librsvg 2 and OpenSSL development files (librsvg-2.0, openssl)\n\
         - Xvfb and xauth (a virtual X server for the end-to-end tests)\n\
         - WebKitWebDriver (WebKitGTK's WebDriver, e.g. package webkit2gtk-driver)\n\
         - iproute2 and nftables, run as root (the packet-loss test)\n\
         - PostgreSQL 15 or newer, whose initdb and postgres the portal's tests run\n\
         - the wasm32 target: rustup target add wasm32-unknown-unknown\n\
         On macOS and Windows the app builds with the system webview; the\n\
         end-to-end tests need Linux."
    )
}

pub fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(tool).is_file()))
}

/// Whether rustup's toolchain has the wasm32 standard library.
pub fn rustup_has_wasm32() -> bool {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == "wasm32-unknown-unknown")
        })
}

/// rustup's wasm32 target if it can be had, else Debian's rust-web toolchain.
fn ensure_wasm_toolchain() -> anyhow::Result<()> {
    if rustup_has_wasm32() {
        println!("wasm32 target: rustup");
        return Ok(());
    }
    if on_path("rustup")
        && run_within(
            Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
            Duration::from_secs(300),
        )
        && rustup_has_wasm32()
    {
        println!("wasm32 target: rustup (installed now)");
        return Ok(());
    }
    if !is_debian_like() {
        bail!("no wasm32 target: run `rustup target add wasm32-unknown-unknown`");
    }
    println!("rustup cannot provide wasm32 here; using Debian's rust-web toolchain with build-std");
    ensure_packages(DEBIAN_WASM_PACKAGES)?;
    if !Path::new(DEBIAN_STD_SRC).is_dir() {
        bail!("{DEBIAN_STD_SRC} is missing although rust-web-src is installed");
    }
    Ok(())
}

/// rustup's standard library for Windows, for the Windows installer. Only
/// that build needs it, so a machine that cannot download it is told so
/// and set-up goes on (`cargo xtask bundle windows` names it again).
fn ensure_windows_target() {
    use crate::bundle::windows::{TARGET, rustup_has_target};
    if rustup_has_target() {
        println!("{TARGET} target: rustup");
        return;
    }
    if on_path("rustup")
        && run_within(
            Command::new("rustup").args(["target", "add", TARGET]),
            Duration::from_secs(300),
        )
        && rustup_has_target()
    {
        println!("{TARGET} target: rustup (installed now)");
        return;
    }
    println!(
        "note: rustup could not add {TARGET}; the Windows installer cannot be built here \
         (`rustup target add {TARGET}` where rustup can download)"
    );
}

/// Runs a command, giving up (and killing it) after `limit`.
fn run_within(cmd: &mut Command, limit: Duration) -> bool {
    println!("$ {cmd:?}");
    let Ok(mut child) = cmd.spawn() else {
        return false;
    };
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(200)),
            Err(_) => return false,
        }
    }
}

/// The version of the `wasm-bindgen` crate locked in Cargo.lock.
pub fn locked_wasm_bindgen(root: &Path) -> anyhow::Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            let version = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
                .context("wasm-bindgen entry without a version in Cargo.lock")?;
            return Ok(version.to_owned());
        }
    }
    bail!("Cargo.lock has no wasm-bindgen entry")
}

fn tool_version(tool: &str) -> Option<String> {
    let out = Command::new(tool)
        .arg("--version")
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn ensure_wasm_bindgen(root: &Path) -> anyhow::Result<()> {
    let version = locked_wasm_bindgen(root)?;
    if tool_version("wasm-bindgen").as_deref() == Some(&format!("wasm-bindgen {version}")) {
        println!("wasm-bindgen {version} present");
        return Ok(());
    }
    // Not --locked: the CLI's own lock file pins crates the registry may lack.
    exec(cargo().args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        &format!("={version}"),
        "--force",
    ]))
}

/// The Garage release the portal's S3 tests start (an S3-compatible server,
/// `crates/hoso-portal/tests/common/garage.rs`).
pub const GARAGE_VERSION: &str = "2.5.0";

/// Garage for the portal's tests of its S3 back end. Built from crates.io
/// once (about 12 minutes on two cores), only when `garage --version` (on
/// the path or in Cargo's bin folder) does not already report
/// [`GARAGE_VERSION`].
fn ensure_garage() -> anyhow::Result<()> {
    let reports = |tool: &str| {
        tool_version(tool).is_some_and(|v| {
            // "garage cargo:2.5.0 [features: …]" when built by cargo install.
            v.split_whitespace().any(|w| {
                w.rsplit(':').next().map(|n| n.trim_start_matches('v')) == Some(GARAGE_VERSION)
            })
        })
    };
    let installed = cargo_bin("garage");
    if reports("garage") || reports(&installed.to_string_lossy()) {
        println!("garage {GARAGE_VERSION} present");
        return Ok(());
    }
    exec(cargo().args([
        "install",
        "garage",
        "--locked",
        "--version",
        GARAGE_VERSION,
        "--force",
    ]))
}

/// Where Debian's nginx is; the cluster (`hoso-cluster`) runs it from there.
const NGINX: &str = "/usr/sbin/nginx";

/// nginx in front of the portal replicas of `cargo xtask cluster` and the
/// portal's cluster tests: Debian's `nginx-light` (on Debian 12 the nginx
/// package and one small module, about 2 MB installed; the cluster runs
/// nginx with settings of its own, so the system's service is not needed). Installed when `/usr/sbin/nginx` is
/// missing; on other systems, said.
fn ensure_nginx() -> anyhow::Result<()> {
    if Path::new(NGINX).is_file() {
        println!("nginx present");
        return Ok(());
    }
    if !is_debian_like() {
        if on_path("nginx") {
            println!("nginx present on the path (set NGINX to use another)");
            return Ok(());
        }
        bail!(
            "nginx is needed for the portal's cluster: install it with your system's package manager"
        );
    }
    ensure_packages(&["nginx-light"])
}

fn ensure_tauri_driver() -> anyhow::Result<()> {
    if tool_version("tauri-driver").is_some() || cargo_bin("tauri-driver").is_file() {
        println!("tauri-driver present");
        return Ok(());
    }
    exec(cargo().args(["install", "tauri-driver", "--version", "^2"]))
}

fn cargo_bin(name: &str) -> std::path::PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .unwrap_or_default();
    home.join("bin").join(name)
}
