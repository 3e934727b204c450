//! HoSo's automation, in Rust so it runs the same everywhere:
//!
//!   cargo xtask run     set up, build the UI, open the app
//!   cargo xtask test    set up, then every check and test, end-to-end included
//!   cargo xtask setup   install system packages and tools (idempotent)
//!   cargo xtask ui      build the wasm UI into ui/dist
//!   cargo xtask bench   benchmarks that print figures
//!   cargo xtask cluster the portal as deployed: PostgreSQL, S3, replicas, nginx
//!   cargo xtask fuzz    the fuzz targets, for a given time
//!   cargo xtask bundle  the Debian package, built and checked
//!   cargo xtask bundle windows  the Windows installer, cross-built
//!   cargo xtask test-windows    the Windows programs and installer under Wine

mod bench;
mod bundle;
mod cluster;
mod invariants;
mod setup;
mod ui;
mod wine;

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    if let Err(e) = run_task() {
        eprintln!("\nerror: {e:#}");
        std::process::exit(1);
    }
}

fn run_task() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root()?;
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("setup") => setup::run(&root),
        Some("ui") => ui::build(&root),
        Some("rules") => invariants::check(),
        Some("run") => run(&root, &args[1..]),
        Some("test") => test(&root),
        Some("test-windows") => {
            setup::run(&root)?;
            wine::run(&root)
        }
        Some("bench") => bench::run(&args[1..]),
        Some("cluster") => cluster::run(&root, &args[1..]),
        Some("fuzz") => bench::fuzz(&root, &args[1..]),
        Some("bundle") => match args.get(1).map(String::as_str) {
            None | Some("deb") => {
                setup::run(&root)?;
                bundle::checked(&root).map(drop)
            }
            Some("windows") => {
                setup::run(&root)?;
                bundle::windows::installer(&root).map(drop)
            }
            Some(other) => bail!("unknown bundle {other:?}: deb or windows"),
        },
        Some("help") | None => {
            println!("{}", HELP);
            Ok(())
        }
        Some(other) => bail!("unknown task {other:?}\n{HELP}"),
    }
}

const HELP: &str = "\
cargo xtask run [-- APP ARGS]   set up, build the UI and open HoSo (practice portal built in)
cargo xtask test                set up, then fmt, UI (wasm), build, clippy, every test, and the
                                Debian package checked, its app filing a dossier end to end
cargo xtask setup               install system packages and tools (idempotent)
cargo xtask ui                  build the wasm UI into ui/dist
cargo xtask rules               the architecture rules alone (dependencies, the portal's threads)
cargo xtask bench [NAME...]      benchmarks; core: checking the largest procedure (criterion),
                                import: a 2 GiB file into the library (time, peak memory),
                                app-import: the same through the app's window (app's peak memory),
                                portal: the tus endpoint under load and abuse (1,000 uploads in small
                                PATCHes, 200 of 8 MiB, one of 1 GiB, 1,000 beside slow and silent
                                clients), HoSo portal beside @tus/server,
                                cluster: the same load (1,000 uploads in small PATCHes) through
                                nginx to 1 and 3 replicas on PostgreSQL and S3, beside the SQLite
                                portal,
                                upload: 1 GiB over a shaped link with resets and a stall, beside
                                tus-js-client (root: network namespace and tbf)
cargo xtask cluster [--replicas N] [--debug]
                                the portal as an agency deploys it, on this machine: PostgreSQL,
                                Garage (S3), N replicas (default 3) of the release hoso-portal and
                                nginx in front; prints the address and an applicant and an officer
                                token, stops everything on Ctrl-C (--debug: the debug build)
cargo xtask fuzz [SECONDS]      run each fuzz target (cargo fuzz, nightly) for SECONDS (default 60)
cargo xtask bundle              build target/bundle/hoso_<version>_<arch>.deb (app and command line,
                                menu entry, icons, Depends from dpkg-shlibdeps) and check it
cargo xtask bundle windows      cross-build target/bundle/hoso_<version>_x64-setup.exe (NSIS, per-user:
                                app and command line, Start-menu entry, .hoso files, uninstaller,
                                WebView2 check); prints its size and the programs'
cargo xtask test-windows        the installer and the Windows programs under Wine (also run by `test`):
                                install, hoso-core and hoso-package tests, the app's WebView2 message,
                                hoso.exe filing end to end with hoso-portal.exe, uninstall";

fn workspace_root() -> anyhow::Result<PathBuf> {
    Ok(Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("xtask lives in the workspace root")?
        .to_owned())
}

/// The cargo that runs this task (rustup's), for nested builds.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    // Variables of the outer `cargo run` must not leak into nested builds.
    for var in [
        "CARGO_MANIFEST_DIR",
        "CARGO_PKG_NAME",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs a command, failing with its command line if it fails.
pub fn exec(cmd: &mut Command) -> anyhow::Result<()> {
    let line = format!("{cmd:?}");
    println!("$ {line}");
    let status = cmd
        .status()
        .with_context(|| format!("could not start {line}"))?;
    if !status.success() {
        bail!("failed ({status}): {line}");
    }
    Ok(())
}

fn run(root: &Path, app_args: &[String]) -> anyhow::Result<()> {
    setup::run(root)?;
    ui::build(root)?;
    let app_args: Vec<&String> = app_args.iter().skip_while(|a| *a == "--").collect();
    exec(
        cargo()
            .args(["run", "-p", "hoso-desktop", "--"])
            .args(app_args),
    )
}

/// A named step of `cargo xtask test` and how long it took.
struct Phase {
    name: &'static str,
    took: Duration,
}

fn phase(
    done: &mut Vec<Phase>,
    name: &'static str,
    f: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    println!("\n=== {name} ===");
    let start = Instant::now();
    let result = f();
    done.push(Phase {
        name,
        took: start.elapsed(),
    });
    result.with_context(|| format!("phase {name:?} failed"))
}

fn test(root: &Path) -> anyhow::Result<()> {
    let mut done = Vec::new();
    let result = (|| {
        phase(&mut done, "set-up", || setup::run(root))?;
        phase(&mut done, "format", || {
            exec(cargo().args(["fmt", "--all", "--check"]))
        })?;
        phase(&mut done, "architecture rules", invariants::check)?;
        phase(&mut done, "UI build (wasm32)", || ui::build(root))?;
        phase(&mut done, "native build", || {
            exec(cargo().args(["build", "--workspace", "--all-targets"]))
        })?;
        phase(&mut done, "clippy", || {
            exec(cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]))?;
            // The portal as the app, the CLI and the installers build it.
            exec(cargo().args([
                "clippy",
                "-p",
                "hoso-portal",
                "--no-default-features",
                "--lib",
                "--bins",
                "--",
                "-D",
                "warnings",
            ]))
        })?;
        phase(&mut done, "tests (unit, integration, end-to-end)", || {
            exec(cargo().args(["test", "--workspace", "--no-fail-fast"]))?;
            // The portal as the app and the CLI embed it, without
            // PostgreSQL and S3: it builds, and refuses settings naming them.
            exec(cargo().args([
                "test",
                "-p",
                "hoso-portal",
                "--no-default-features",
                "--lib",
            ]))
        })?;
        phase(
            &mut done,
            "Debian package, its app filing end to end",
            || {
                let app = bundle::checked(root)?;
                exec(
                    cargo()
                        // The test phase's very command, filtered: any other
                        // target selection resolves other features and
                        // builds every dependency again.
                        .args(["test", "--workspace", "--", "walking_skeleton"])
                        .env("HOSO_DESKTOP_BIN", app),
                )
            },
        )?;
        wine::phases(root, &mut done)
    })();
    print_times(&done);
    result
}

/// How long each phase took, and all of them.
fn print_times(done: &[Phase]) {
    println!("\n=== time per phase ===");
    for p in done {
        println!("{:>8.1} s  {}", p.took.as_secs_f64(), p.name);
    }
    let total: Duration = done.iter().map(|p| p.took).sum();
    println!("{:>8.1} s  total", total.as_secs_f64());
}
