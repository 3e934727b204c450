//! `cargo xtask test-windows`: HoSo's Windows programs, cross-built here,
//! run under Wine in a throwaway prefix. In order: the installer is built
//! (`bundle windows`) and installed silently for the prefix's user, and
//! its files, Start-menu entry, `.hoso` association and uninstall entry
//! checked; hoso-core's and hoso-package's unit tests run as Windows
//! programs; the installed app, started without the WebView2 Runtime (Wine
//! has none), must show what to install and exit cleanly; the installed
//! `hoso.exe` files a dossier end to end with `hoso-portal.exe` (a 200 MiB
//! attachment, the command killed mid-upload and run again, filed exactly
//! once, the receipt verified offline, a package exported and imported into
//! a second profile); last the uninstaller must leave nothing behind.
//!
//! Wine 8.0 (Debian 12) lacks bcryptprimitives.dll, which Rust's standard
//! library imports; the prefix gets a stand-in built from
//! `packaging/windows/test/bcryptprimitives.c` (for the test prefix only,
//! never shipped). `cargo xtask test` runs these phases last.

use crate::bundle::windows::{self, INSTALLED, TARGET};
use crate::{Phase, cargo, exec, phase};
use anyhow::{Context, bail, ensure};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the installer puts HoSo, under the user's folder.
const INSTALL_DIR: &str = "AppData/Local/Programs/HoSo";
/// The Start-menu entry, under the user's folder.
const START_MENU_ENTRY: &str =
    "AppData/Roaming/Microsoft/Windows/Start Menu/Programs/HoSo — Hồ sơ hành chính.lnk";
/// The procedure of the sample dossier, and its sample.
const PROCEDURE: &str = "kiem-tra-cl-nhap-khau";
const SAMPLE: &str = "assets/samples/kiem-tra-cl-nhap-khau.2026.json";
const PROCEDURE_FILE: &str = "assets/procedures/kiem-tra-cl-nhap-khau.2026.json";
/// The slot that gets the large attachment, and its size.
const BIG_SLOT: &str = "quality_certificate";
const BIG_BYTES: u64 = 200 * 1024 * 1024;
/// Cut the first sending once the portal holds this much of the large file.
const CUT_AT: u64 = 24 * 1024 * 1024;

pub fn run(root: &Path) -> anyhow::Result<()> {
    let mut done = Vec::new();
    let result = phases(root, &mut done);
    crate::print_times(&done);
    result
}

pub fn phases(root: &Path, done: &mut Vec<Phase>) -> anyhow::Result<()> {
    let mut built = None;
    phase(done, "Windows installer", || {
        built = Some(windows::installer(root)?);
        Ok(())
    })?;
    let (setup, stage) = built.context("installer built")?;
    check_tools()?;
    let mut prefix = None;
    phase(done, "Wine prefix", || {
        prefix = Some(Prefix::new(root)?);
        Ok(())
    })?;
    let prefix = prefix.context("prefix made")?;
    let installed = prefix.user_dir()?.join(INSTALL_DIR);
    phase(done, "install (silent, per user)", || {
        prefix.install(root, &setup, &installed)
    })?;
    phase(done, "hoso-core and hoso-package tests under Wine", || {
        prefix.unit_tests()
    })?;
    phase(done, "app without WebView2: message, clean exit", || {
        prefix.app_without_webview2(root, &installed)
    })?;
    phase(done, "end to end: hoso.exe and hoso-portal.exe", || {
        EndToEnd::new(root, &prefix, &installed, &stage)?.run()
    })?;
    phase(done, "uninstall", || prefix.uninstall(&installed))
}

/// Fails naming what the Wine phase lacks here.
fn check_tools() -> anyhow::Result<()> {
    let missing: Vec<&str> = ["wine", "wineboot", "wineserver", "Xvfb", "xdotool"]
        .into_iter()
        .filter(|t| !crate::setup::on_path(t))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    bail!(
        "the Wine phase needs {} (Debian packages wine, xvfb, xdotool: `cargo xtask setup`)",
        missing.join(", ")
    )
}

/// The Windows name of a path here (Wine's drive Z: is `/`).
fn win(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

/// A child process leading its own process group, killed with the group
/// when dropped: nothing it starts outlives the phase.
struct Guard(Child);

impl Guard {
    fn spawn(cmd: &mut Command) -> anyhow::Result<Self> {
        std::os::unix::process::CommandExt::process_group(cmd, 0);
        let line = format!("{cmd:?}");
        Ok(Self(cmd.spawn().with_context(|| format!("start {line}"))?))
    }

    /// Kills the group at once, as a power cut would.
    fn kill(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }

    /// Waits up to `limit` for the process to end; its exit code.
    fn wait_within(&mut self, limit: Duration) -> anyhow::Result<Option<i32>> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.0.try_wait()? {
                return Ok(status.code());
            }
            if start.elapsed() > limit {
                bail!("still running after {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let group = format!("-{}", self.0.id());
            let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
            std::thread::sleep(Duration::from_millis(300));
            self.kill();
        }
    }
}

/// A Wine prefix of its own, removed (its wineserver stopped) when dropped.
struct Prefix {
    dir: PathBuf,
    /// The stand-in bcryptprimitives.dll, for the test prefix only.
    dll: PathBuf,
}

impl Prefix {
    /// Makes the prefix (`wineboot -i`) and puts the stand-in DLL into its
    /// system32.
    fn new(root: &Path) -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("hoso-wine-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        let work = windows::target_dir(root).join("wine");
        std::fs::create_dir_all(&work)?;
        let prefix = Self {
            dll: work.join("bcryptprimitives.dll"),
            dir,
        };
        exec(
            Command::new("x86_64-w64-mingw32-gcc")
                .args(["-O2", "-shared", "-s", "-o"])
                .arg(&prefix.dll)
                .arg(root.join("packaging/windows/test/bcryptprimitives.c"))
                .arg("-lbcrypt"),
        )?;
        exec(prefix.env(Command::new("wineboot").arg("-i")))?;
        let system32 = prefix.dir.join("drive_c/windows/system32");
        std::fs::copy(&prefix.dll, system32.join("bcryptprimitives.dll"))
            .context("stand-in bcryptprimitives.dll into the prefix")?;
        println!("Wine prefix: {}", prefix.dir.display());
        Ok(prefix)
    }

    /// `cmd` with this prefix, quiet, and without the helpers a headless
    /// prefix does not need (menu entries for the host, .NET, Gecko).
    fn env<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env("WINEPREFIX", &self.dir)
            .env("WINEDEBUG", "-all")
            .env(
                "WINEDLLOVERRIDES",
                "winemenubuilder.exe=d;mscoree=d;mshtml=d",
            )
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
    }

    /// `wine PROGRAM` in this prefix.
    fn wine(&self, program: &Path) -> Command {
        let mut cmd = Command::new("wine");
        cmd.arg(program);
        self.env(&mut cmd);
        cmd
    }

    /// The Windows user's folder (`C:\users\NAME`).
    fn user_dir(&self) -> anyhow::Result<PathBuf> {
        let users = self.dir.join("drive_c/users");
        for entry in std::fs::read_dir(&users).context("the prefix's users")? {
            let entry = entry?;
            if entry.file_name() != "Public" && entry.path().join("AppData").is_dir() {
                return Ok(entry.path());
            }
        }
        bail!("no user folder in {}", users.display())
    }

    /// A registry value as `reg query` prints it.
    fn reg_default(&self, key: &str) -> anyhow::Result<String> {
        let out = self
            .env(Command::new("wine").args(["reg", "query", key, "/ve"]))
            .output()?;
        ensure!(out.status.success(), "registry key {key} is missing");
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs the installer silently and checks what it left.
    fn install(&self, root: &Path, setup: &Path, installed: &Path) -> anyhow::Result<()> {
        exec(self.wine(setup).arg("/S"))?;
        for file in INSTALLED.iter().chain(&["uninstall.exe"]) {
            ensure!(installed.join(file).is_file(), "{file} was not installed");
        }
        let entry = self.user_dir()?.join(START_MENU_ENTRY);
        ensure!(entry.is_file(), "no Start-menu entry {}", entry.display());
        let kind = self.reg_default(r"HKCU\Software\Classes\.hoso")?;
        ensure!(
            kind.contains("vn.hoso.desktop.package"),
            ".hoso is not HoSo's: {kind}"
        );
        let open =
            self.reg_default(r"HKCU\Software\Classes\vn.hoso.desktop.package\shell\open\command")?;
        ensure!(
            open.contains(r"Programs\HoSo\hoso-desktop.exe") && open.contains("%1"),
            ".hoso does not open in HoSo: {open}"
        );
        self.env(Command::new("wine").args([
            "reg",
            "query",
            r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\vn.hoso.desktop",
            "/v",
            "UninstallString",
        ]))
        .output()?
        .status
        .success()
        .then_some(())
        .context("no uninstall entry in Settings › Apps")?;
        let version = crate::bundle::version(root)?;
        let said = output(self.wine(&installed.join("hoso.exe")).arg("--version"))?;
        ensure!(said.contains(&version), "installed hoso.exe says {said:?}");
        println!("installed in {}: {}", installed.display(), said.trim());
        Ok(())
    }

    /// hoso-core's and hoso-package's unit tests, built for Windows and
    /// run by Wine (cargo's runner for the target).
    fn unit_tests(&self) -> anyhow::Result<()> {
        let mut test = cargo();
        test.args([
            "test",
            "--target",
            TARGET,
            "-p",
            "hoso-core",
            "-p",
            "hoso-package",
        ])
        .env("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER", "wine");
        exec(self.env(&mut test))
    }

    /// Starts the installed app under Xvfb: Wine has no WebView2 Runtime,
    /// so it must show HoSo's message naming what to install, and once
    /// that is answered exit with 1 within seconds, without panicking.
    fn app_without_webview2(&self, root: &Path, installed: &Path) -> anyhow::Result<()> {
        let (display, _xvfb) = xvfb()?;
        let profile = self.dir.join("app-profile");
        let log = self.dir.join("app.log");
        let started = Instant::now();
        let mut app = Guard::spawn(
            self.wine(&installed.join("hoso-desktop.exe"))
                .args(["--profile", &win(&profile)])
                .env("DISPLAY", &display)
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log)?),
        )?;
        let xdotool = |args: &[&str]| {
            Command::new("xdotool")
                .args(args)
                .env("DISPLAY", &display)
                .output()
        };
        let window = loop {
            let found = xdotool(&["search", "--name", "WebView2 missing"])?;
            let id = String::from_utf8_lossy(&found.stdout)
                .lines()
                .next()
                .map(str::to_owned);
            if let Some(id) = id {
                break id;
            }
            if let Some(code) = app.0.try_wait()? {
                bail!(
                    "the app ended ({code}) without HoSo's message:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            ensure!(
                started.elapsed() < Duration::from_secs(60),
                "no message within 60 s"
            );
            std::thread::sleep(Duration::from_millis(200));
        };
        let shown = started.elapsed();
        // Drawn, then kept for people to look at.
        std::thread::sleep(Duration::from_millis(700));
        let shots = windows::target_dir(root).join("wine-shots");
        std::fs::create_dir_all(&shots)?;
        let shot = shots.join("webview2-missing.png");
        let _ = Command::new("import")
            .args(["-window", "root"])
            .arg(&shot)
            .env("DISPLAY", &display)
            .status();
        let title = xdotool(&["getwindowname", &window])?;
        let answered = Instant::now();
        xdotool(&["key", "Return"])?;
        let code = app.wait_within(Duration::from_secs(15)).with_context(|| {
            format!(
                "the app did not exit after its message was answered:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        })?;
        let printed = std::fs::read_to_string(&log).unwrap_or_default();
        ensure!(
            code == Some(1) && !printed.contains("panicked"),
            "the app exited with {code:?}, not 1:\n{printed}"
        );
        println!(
            "message {:?} shown after {:.1} s; exit {} {:.1} s after it was answered; screenshot {}",
            String::from_utf8_lossy(&title.stdout).trim(),
            shown.as_secs_f64(),
            code.unwrap_or_default(),
            answered.elapsed().as_secs_f64(),
            shot.display()
        );
        Ok(())
    }

    /// Runs the uninstaller silently; it copies itself away and returns at
    /// once, so this waits for the folder to go. The association, entry and
    /// Start-menu entry must go with it.
    fn uninstall(&self, installed: &Path) -> anyhow::Result<()> {
        exec(self.wine(&installed.join("uninstall.exe")).arg("/S"))?;
        let start = Instant::now();
        while installed.exists() {
            ensure!(
                start.elapsed() < Duration::from_secs(60),
                "{} is still there 60 s after uninstalling",
                installed.display()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        ensure!(
            !self.user_dir()?.join(START_MENU_ENTRY).exists(),
            "the Start-menu entry stayed"
        );
        ensure!(
            self.reg_default(r"HKCU\Software\Classes\.hoso").is_err(),
            "the .hoso association stayed"
        );
        Ok(())
    }
}

impl Drop for Prefix {
    fn drop(&mut self) {
        let _ = self.env(Command::new("wineserver").arg("-k")).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A new Xvfb display and the guard that stops it.
fn xvfb() -> anyhow::Result<(String, Guard)> {
    let mut server = Guard::spawn(
        Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1024x768x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    )?;
    let stdout = server.0.stdout.take().context("Xvfb's output")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let number = line.trim();
    ensure!(!number.is_empty(), "Xvfb did not start");
    Ok((format!(":{number}"), server))
}

/// A command's standard output, failing with its error output.
fn output(cmd: &mut Command) -> anyhow::Result<String> {
    let out = cmd.output().with_context(|| format!("start {cmd:?}"))?;
    ensure!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A dossier filed end to end by the installed `hoso.exe` with the
/// Windows portal, both under Wine.
struct EndToEnd<'a> {
    root: &'a Path,
    prefix: &'a Prefix,
    hoso: PathBuf,
    portal_exe: PathBuf,
    work: PathBuf,
}

impl<'a> EndToEnd<'a> {
    fn new(
        root: &'a Path,
        prefix: &'a Prefix,
        installed: &Path,
        stage: &Path,
    ) -> anyhow::Result<Self> {
        let work = prefix.dir.join("e2e");
        std::fs::create_dir_all(&work)?;
        Ok(Self {
            root,
            prefix,
            hoso: installed.join("hoso.exe"),
            portal_exe: stage.join("hoso-portal.exe"),
            work,
        })
    }

    /// `hoso.exe --profile PROFILE ARGS…`.
    fn hoso(&self, profile: &str, args: &[&str]) -> Command {
        let mut cmd = self.prefix.wine(&self.hoso);
        cmd.args(["--profile", &win(&self.work.join(profile))])
            .args(args)
            .env_remove("HOSO_PROFILE");
        cmd
    }

    /// Runs `hoso.exe --json ARGS…`, which must succeed; its JSON.
    fn json(&self, profile: &str, args: &[&str]) -> anyhow::Result<Value> {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let printed = output(&mut self.hoso(profile, &all))?;
        serde_json::from_str(&printed)
            .with_context(|| format!("hoso {args:?} printed no JSON: {printed}"))
    }

    /// `hoso-portal.exe ARGS…` to its end; what it printed.
    fn portal_tool(&self, args: &[&str]) -> anyhow::Result<String> {
        output(self.prefix.wine(&self.portal_exe).args(args))
    }

    fn run(&self) -> anyhow::Result<()> {
        let data = self.work.join("portal");
        std::fs::create_dir_all(data.join("procedures"))?;
        // The sample procedure with room for a 200 MiB certificate (a
        // portal's own schema replaces the bundled one of that version).
        let mut procedure: Value =
            serde_json::from_str(&std::fs::read_to_string(self.root.join(PROCEDURE_FILE))?)?;
        for slot in procedure["attachments"]
            .as_array_mut()
            .context("attachments")?
        {
            if slot["id"] == BIG_SLOT {
                slot["max_size_bytes"] = (256u64 * 1024 * 1024).into();
            }
        }
        std::fs::write(
            data.join("procedures/kiem-tra-cl-nhap-khau.2026.json"),
            serde_json::to_vec_pretty(&procedure)?,
        )?;
        let data_win = win(&data);
        let token = self.portal_tool(&[
            "add-applicant",
            "--data",
            &data_win,
            "--account",
            "cty-anh-duong",
            "--name",
            "Công ty Ánh Dương",
        ])?;
        let token = token.lines().last().context("a token")?.trim().to_owned();
        let officer = self.portal_tool(&[
            "add-officer",
            "--data",
            &data_win,
            "--account",
            "can-bo-1",
            "--name",
            "Cán bộ một cửa",
        ])?;
        let officer = officer.lines().last().context("a token")?.trim().to_owned();
        let mut portal = Guard::spawn(
            self.prefix
                .wine(&self.portal_exe)
                .args(["serve", "--data", &data_win, "--listen", "127.0.0.1:0"])
                .stdout(Stdio::piped())
                .stderr(std::fs::File::create(self.work.join("portal.log"))?),
        )?;
        let mut url = String::new();
        BufReader::new(portal.0.stdout.take().context("portal output")?).read_line(&mut url)?;
        let url = url.trim().to_owned();
        ensure!(
            url.starts_with("http://127.0.0.1:"),
            "the portal printed {url:?}"
        );
        println!("portal (hoso-portal.exe under Wine) at {url}");

        let added = self.json("a", &["portals", "add", &url, "--token", &token])?;
        ensure!(added["signed_in"] == true, "not signed in: {added}");
        let new = self.json("a", &["dossiers", "new", PROCEDURE])?;
        let id = new["id"].as_i64().context("dossier id")?.to_string();
        self.json(
            "a",
            &[
                "dossiers",
                "set",
                &id,
                "--file",
                &win(&self.root.join(SAMPLE)),
            ],
        )?;
        let docs = self.documents()?;
        for (slot, path) in &docs {
            self.json("a", &["dossiers", "attach", &id, slot, &win(path)])?;
        }
        let checked = self.json("a", &["dossiers", "check", &id])?;
        ensure!(
            checked["problems"] == serde_json::json!([]),
            "the sample has problems: {checked}"
        );
        self.windows_names(&id, &docs[0].1)?;

        let uploads = data.join("uploads");
        let cut = self.submit_cut_off(&id, &uploads)?;
        let sent = Instant::now();
        let filed = self.json("a", &["submit", &id])?;
        let resumed_in = sent.elapsed();
        let code = filed[0]["code"]
            .as_str()
            .context("a dossier code")?
            .to_owned();
        let big_files = large_files(&uploads)?;
        ensure!(
            big_files.len() == 1 && big_files[0] == BIG_BYTES,
            "the large file went up as {big_files:?}, not once as {BIG_BYTES} bytes"
        );
        println!(
            "cut off with {:.1} MiB of the 200 MiB at the portal; the second run resumed that upload (no second one) and filed {code} in {:.1} s",
            cut as f64 / 1048576.0,
            resumed_in.as_secs_f64()
        );
        let again = self.json("a", &["submit", &id])?;
        ensure!(again[0]["code"] == code.as_str(), "filed anew: {again}");
        let on_portal = officer_list(&url, &officer)?;
        ensure!(
            on_portal.len() == 1,
            "the portal holds {} dossiers",
            on_portal.len()
        );

        let receipt = self.json("a", &["receipt", "show", &id])?;
        let receipt_file = self.work.join("biên nhận.json");
        std::fs::write(&receipt_file, serde_json::to_vec(&receipt)?)?;
        let package = self.work.join("lô thép.hoso");
        let exported = self.json("a", &["package", "export", &id, &win(&package)])?;
        ensure!(
            exported["bytes"].as_u64().unwrap_or_default() > BIG_BYTES,
            "the package is too small: {exported}"
        );
        let deep = self.deep_folder("hồ sơ thứ hai");
        let b = deep
            .strip_prefix(&self.work)?
            .to_string_lossy()
            .into_owned();
        self.json(&b, &["portals", "add", &url, "--token", &token])?;
        let imported = self.json(&b, &["package", "import", &win(&package)])?;
        ensure!(imported["outcome"] == "filed", "imported as {imported}");
        let id2 = imported["id"].as_i64().context("imported id")?.to_string();
        let shown = self.json(&b, &["submit", &id2])?;
        ensure!(shown[0]["code"] == code.as_str(), "filed from b: {shown}");
        ensure!(
            officer_list(&url, &officer)?.len() == 1,
            "a second filing reached the portal"
        );

        drop(portal);
        for profile in ["a", b.as_str()] {
            let verified = self.json(profile, &["receipt", "verify", &win(&receipt_file)])?;
            ensure!(
                verified["valid"] == true,
                "receipt not verified offline in {profile}: {verified}"
            );
        }
        println!(
            "filed once as {code}; receipt verified offline in both profiles; package of {} MiB imported as filed",
            exported["bytes"].as_u64().unwrap_or_default() / 1048576
        );
        Ok(())
    }

    /// The sample's documents as files (Vietnamese names, spaces and all),
    /// the certificate 200 MiB; (slot, path) each.
    fn documents(&self) -> anyhow::Result<Vec<(String, PathBuf)>> {
        let sample: Value =
            serde_json::from_str(&std::fs::read_to_string(self.root.join(SAMPLE))?)?;
        let dir = self.deep_folder("tài liệu");
        std::fs::create_dir_all(&dir)?;
        let mut docs = Vec::new();
        for (i, doc) in sample["documents"]
            .as_array()
            .context("sample documents")?
            .iter()
            .enumerate()
        {
            let slot = doc["slot"].as_str().context("slot")?.to_owned();
            let path = dir.join(doc["name"].as_str().context("name")?);
            let size = if slot == BIG_SLOT {
                BIG_BYTES
            } else {
                doc["size"].as_u64().unwrap_or(4096)
            };
            write_pseudo_random(&path, size, i as u64 + 1)?;
            docs.push((slot, path));
        }
        Ok(docs)
    }

    /// A folder under the work folder whose Windows path is longer than
    /// the 260 characters of MAX_PATH.
    fn deep_folder(&self, name: &str) -> PathBuf {
        let mut dir = self.work.join(name);
        let mut level = 1;
        while win(&dir).chars().count() <= 300 {
            dir = dir.join(format!("thư mục lồng nhau số {level:02}"));
            level += 1;
        }
        dir
    }

    /// Runs `hoso.exe ARGS…`, which must fail with exit 3 (a problem in the
    /// input) naming `why`, before touching the file it names.
    fn refused(&self, profile: &str, args: &[&str], why: &str) -> anyhow::Result<()> {
        let out = self.hoso(profile, args).output()?;
        let said = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        ensure!(
            out.status.code() == Some(3) && said.contains(why),
            "hoso {args:?} exited {:?} without naming {why:?}:\n{said}",
            out.status.code()
        );
        println!("refused as it should be: hoso {}", args.join(" "));
        Ok(())
    }

    /// Names Windows would read as a stream or a device, or change, are
    /// refused with a message before any file is touched; the command
    /// line's default profile is the app's, in %APPDATA%.
    fn windows_names(&self, id: &str, sample_doc: &Path) -> anyhow::Result<()> {
        let stream = format!("{}:ẩn.pdf", win(sample_doc));
        self.refused("a", &["dossiers", "attach", id, "contract", &stream], "“:”")?;
        for name in ["CON.hoso", "gói.hoso.", "NUL"] {
            let dest = win(&self.work.join(name));
            self.refused("a", &["package", "export", id, &dest], "Windows")?;
        }
        ensure!(
            !self.work.join("gói.hoso").exists(),
            "an export was written under a changed name"
        );
        let out = self
            .prefix
            .env(
                Command::new("wine")
                    .arg(&self.hoso)
                    .args(["--json", "portals", "list"])
                    .current_dir(&self.work)
                    .env_remove("HOSO_PROFILE"),
            )
            .output()?;
        ensure!(
            out.status.success(),
            "hoso portals list without --profile failed"
        );
        let profile = self
            .prefix
            .user_dir()?
            .join("AppData/Roaming/vn.hoso.desktop/profile");
        ensure!(
            profile.join("hoso.sqlite3").is_file() && !self.work.join("vn.hoso.desktop").exists(),
            "the default profile is not {}",
            profile.display()
        );
        println!("default profile: {}", profile.display());
        Ok(())
    }

    /// Starts `submit`, kills it once the portal holds at least [`CUT_AT`]
    /// bytes of the large file, and says how many it held.
    fn submit_cut_off(&self, id: &str, uploads: &Path) -> anyhow::Result<u64> {
        let mut submit = Guard::spawn(
            self.hoso("a", &["--json", "submit", id])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )?;
        let start = Instant::now();
        loop {
            let held = large_files(uploads)?.into_iter().max().unwrap_or(0);
            if held >= CUT_AT {
                ensure!(held < BIG_BYTES, "the upload ended before it could be cut");
                submit.kill();
                // What the portal synced and holds for it after the cut.
                std::thread::sleep(Duration::from_millis(1500));
                return Ok(large_files(uploads)?.into_iter().max().unwrap_or(0));
            }
            if let Some(code) = submit.0.try_wait()? {
                bail!("submit ended ({code:?}) before the upload could be cut");
            }
            ensure!(
                start.elapsed() < Duration::from_secs(300),
                "the upload did not reach {CUT_AT} bytes in 5 minutes"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// Sizes of the upload files of more than 10 MiB under `dir`.
fn large_files(dir: &Path) -> anyhow::Result<Vec<u64>> {
    let mut sizes = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(sizes);
    };
    for entry in entries {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_dir() {
            sizes.extend(large_files(&entry.path())?);
        } else if meta.len() > 10 * 1024 * 1024 {
            sizes.push(meta.len());
        }
    }
    Ok(sizes)
}

/// Writes `size` bytes no two documents share (xorshift from `seed`).
fn write_pseudo_random(path: &Path, size: u64, seed: u64) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    out.write_all(b"%PDF-1.7\n")?;
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut left = size.saturating_sub(9);
    let mut block = vec![0u8; 1 << 20];
    while left > 0 {
        for chunk in block.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.copy_from_slice(&state.to_le_bytes());
        }
        let n = left.min(block.len() as u64) as usize;
        out.write_all(&block[..n])?;
        left -= n as u64;
    }
    out.flush()?;
    Ok(())
}

/// The portal's dossiers as an officer lists them (plain HTTP/1.1 on
/// loopback; the xtask needs no HTTP client for one call).
fn officer_list(base: &str, token: &str) -> anyhow::Result<Vec<Value>> {
    let host = base
        .strip_prefix("http://")
        .context("http address")?
        .trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(host)?;
    write!(
        stream,
        "GET /v1/officer/dossiers HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let (head, body) = answer.split_once("\r\n\r\n").context("an HTTP answer")?;
    ensure!(head.starts_with("HTTP/1.1 200"), "officer list: {head}");
    serde_json::from_str(body).with_context(|| format!("officer list: {body}"))
}
