//! Benchmarks and fuzzing: figures and long runs that do not belong in the
//! test command, each reachable by one task.

use crate::{cargo, exec};
use anyhow::{Context, bail};
use std::path::Path;
use std::process::Command;

/// `cargo xtask bench [core] [import] [portal] [cluster] [console]
/// [upload] [app-import]`: the named benchmarks, or core, import and
/// portal (console: the officers' queue with 100,000 dossiers; upload
/// needs root and takes about a quarter of an hour; cluster runs the
/// portal's load through nginx to one and three replicas on PostgreSQL and
/// S3, beside the SQLite portal).
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let which: Vec<&str> = if args.is_empty() {
        vec!["core", "import", "portal"]
    } else {
        args.iter().map(String::as_str).collect()
    };
    for name in which {
        match name {
            "core" => exec(cargo().args(["bench", "-p", "hoso-core", "--bench", "validate"]))?,
            "import" => exec(cargo().args(["bench", "-p", "hoso-client", "--bench", "import"]))?,
            "upload" => {
                crate::setup::ensure_interop_peers(&crate::workspace_root()?)?;
                exec(cargo().args(["bench", "-p", "hoso-client", "--bench", "upload"]))?
            }
            "portal" => {
                crate::setup::ensure_interop_peers(&crate::workspace_root()?)?;
                exec(cargo().args(["bench", "-p", "hoso-portal", "--bench", "load"]))?
            }
            "console" => exec(cargo().args(["bench", "-p", "hoso-portal", "--bench", "console"]))?,
            "cluster" => exec(
                cargo()
                    .args(["bench", "-p", "hoso-portal", "--bench", "load"])
                    .env("HOSO_LOAD_SETUP", "cluster"),
            )?,
            "app-import" => {
                crate::ui::build(&crate::workspace_root()?)?;
                exec(cargo().args(["build", "-p", "hoso-desktop"]))?;
                exec(cargo().args([
                    "test",
                    "-p",
                    "hoso-tests",
                    "--test",
                    "e2e",
                    "big_import",
                    "--",
                    "--ignored",
                    "--nocapture",
                ]))?
            }
            other => bail!(
                "unknown benchmark {other:?}; known: core, import, app-import, portal, cluster, console, upload"
            ),
        }
    }
    Ok(())
}

/// The fuzz targets in `fuzz/`, each run for the same time.
const FUZZ_TARGETS: [&str; 3] = ["schema", "validate", "package"];

/// `cargo xtask fuzz [SECONDS]`: installs cargo-fuzz (which needs the
/// nightly toolchain for its sanitizer flags) and runs every target.
pub fn fuzz(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let seconds: u64 = match args.first() {
        Some(s) => s.parse().context("SECONDS must be a whole number")?,
        None => 60,
    };
    let has_nightly = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_nightly {
        exec(Command::new("rustup").args([
            "toolchain",
            "install",
            "nightly",
            "--profile",
            "minimal",
        ]))?;
    }
    let has_fuzz = cargo()
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_fuzz {
        exec(cargo().args(["install", "cargo-fuzz", "--locked"]))?;
    }
    for target in FUZZ_TARGETS {
        let corpus = root.join("fuzz").join("corpus").join(target);
        std::fs::create_dir_all(&corpus)?;
        exec(
            Command::new("rustup")
                .current_dir(root.join("fuzz"))
                .env_remove("RUSTUP_TOOLCHAIN")
                .args(["run", "nightly", "cargo", "fuzz", "run", target])
                .arg(&corpus)
                .arg(root.join("fuzz").join("seeds").join(target))
                .args(["--", &format!("-max_total_time={seconds}")]),
        )?;
    }
    println!(
        "fuzzing: {} targets × {seconds} s, no crash",
        FUZZ_TARGETS.len()
    );
    Ok(())
}
