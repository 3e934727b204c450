//! Building the Leptos UI for wasm32 and packaging it into `ui/dist`, which
//! the desktop shell embeds (`build.frontendDist`). hoso-core and hoso-ipc
//! are named in the same build, which proves they stay wasm-clean.
//!
//! Two toolchains can do it: rustup's, when it has the wasm32 target, or
//! Debian's rust-web (rustc 1.96 with the std source), which builds the
//! standard library for wasm32 itself (`-Zbuild-std`). Each has its own
//! target folder, since two compilers sharing one keep invalidating it.

use crate::setup::{DEBIAN_STD_SRC, DEBIAN_WASM_PACKAGES, locked_wasm_bindgen, rustup_has_wasm32};
use crate::{cargo, exec};
use anyhow::{Context, bail};
use std::path::Path;
use std::process::Command;

const TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "wasm-release";
const DEBIAN_CARGO: &str = "/usr/bin/cargo";
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";

/// The UI, and the shared crates whose wasm32 build is a rule of their own.
const PACKAGES: [&str; 6] = ["-p", "hoso-ui", "-p", "hoso-core", "-p", "hoso-ipc"];

pub fn build(root: &Path) -> anyhow::Result<()> {
    let build_args = ["build", "--target", TARGET, "--profile", PROFILE];
    let target_dir = if rustup_has_wasm32() {
        let dir = root.join("target/wasm");
        exec(
            cargo()
                .args(build_args)
                .args(PACKAGES)
                .env("CARGO_TARGET_DIR", &dir),
        )?;
        dir
    } else if Path::new(DEBIAN_CARGO).is_file() && Path::new(DEBIAN_STD_SRC).is_dir() {
        let dir = root.join("target/wasm-debian");
        exec(
            Command::new(DEBIAN_CARGO)
                .args(build_args)
                .args(PACKAGES)
                .arg("-Zbuild-std=std,panic_abort")
                .env("RUSTC", DEBIAN_RUSTC)
                .env("RUSTC_BOOTSTRAP", "1")
                .env("CARGO_TARGET_DIR", &dir)
                .env_remove("RUSTUP_TOOLCHAIN")
                .env_remove("CARGO"),
        )?;
        dir
    } else {
        bail!(
            "no toolchain can build wasm32 here. Either `rustup target add {TARGET}`, \
             or on Debian install {} (`cargo xtask setup` tries both)",
            DEBIAN_WASM_PACKAGES.join(" ")
        );
    };
    let wasm = target_dir.join(TARGET).join(PROFILE).join("hoso-ui.wasm");
    let dist = root.join("ui/dist");
    std::fs::create_dir_all(&dist).context("creating ui/dist")?;
    // wasm-bindgen writes into a folder of its own; only files whose bytes
    // changed reach ui/dist. The app embeds ui/dist, so a file rewritten
    // unchanged would rebuild it (two minutes for a release build).
    let bindgen_out = target_dir.join("bindgen-out");
    if bindgen_out.exists() {
        std::fs::remove_dir_all(&bindgen_out)?;
    }
    let version = locked_wasm_bindgen(root)?;
    exec(
        Command::new("wasm-bindgen")
            .args(["--target", "web", "--no-typescript", "--out-dir"])
            .arg(&bindgen_out)
            .arg(&wasm),
    )
    .with_context(|| {
        format!("wasm-bindgen {version} (as in Cargo.lock) is needed: cargo xtask setup")
    })?;
    update_changed(&bindgen_out, &dist)?;
    update_changed(&root.join("ui/static"), &dist)?;
    let size = std::fs::metadata(dist.join("hoso-ui_bg.wasm"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "UI built into {} (wasm {} KiB)",
        dist.display(),
        size / 1024
    );
    Ok(())
}

/// Copies each file under `from` to the same place under `to` unless
/// `to` holds the same bytes already (so its time stays as it was).
fn update_changed(from: &Path, to: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let (path, dest) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&dest)?;
            update_changed(&path, &dest)?;
            continue;
        }
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        if std::fs::read(&dest).ok().as_deref() != Some(bytes.as_slice()) {
            std::fs::write(&dest, &bytes).with_context(|| format!("writing {}", dest.display()))?;
        }
    }
    Ok(())
}
