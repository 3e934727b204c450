//! `hoso portals sign-in` asking for the token at a real terminal (a
//! pseudo-terminal the test holds): what is typed is not shown, and it is
//! still the token signed in with.

use super::{agency, json};
use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
use rustix::termios::{LocalModes, tcgetattr};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Longest wait for the program to reach the next step; only a bound for
/// a failure, never a measure.
const PATIENCE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread")]
async fn a_token_typed_at_the_terminal_is_not_shown_and_signs_in() {
    let a = agency().await;
    let profile = a.path("profile");
    let url = a.portal.base_url().to_owned();
    json(&profile, &["portals", "add", &url]).await;
    let token = a.token.clone();
    let at = profile.clone();
    let screen = tokio::task::spawn_blocking(move || type_at_terminal(&at, &token))
        .await
        .expect("terminal session");

    assert!(
        screen.contains("Applicant access token for portal"),
        "asked: {screen:?}"
    );
    assert!(
        !screen.contains(&a.token),
        "the token was shown: {screen:?}"
    );
    assert!(screen.contains("Signed in to portal"), "{screen:?}");
    let portals = json(&profile, &["portals", "list"]).await;
    assert_eq!(portals[0]["signed_in"], true, "{portals}");
}

/// The program on the terminal; ended if the test fails before it did, so
/// that no `hoso` is left waiting for a token.
struct Session(std::process::Child);

impl Drop for Session {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Runs `hoso portals sign-in 1` on a new pseudo-terminal (its controlling
/// terminal, as a person's shell gives it), types `token` once the program
/// asked and turned echo off, and returns everything the terminal showed.
fn type_at_terminal(profile: &std::path::Path, token: &str) -> String {
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("openpt");
    grantpt(&master).expect("grantpt");
    unlockpt(&master).expect("unlockpt");
    let name = ptsname(&master, Vec::new()).expect("ptsname");
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().expect("utf-8 name"))
        .expect("open the terminal");
    let stdio = |f: &std::fs::File| std::process::Stdio::from(f.try_clone().expect("dup"));
    // `setsid -c` makes the terminal on its standard input the program's
    // controlling terminal, which /dev/tty opens.
    let mut child = Session(
        std::process::Command::new("setsid")
            .args(["-c", "-w", env!("CARGO_BIN_EXE_hoso"), "--profile"])
            .arg(profile)
            .args(["portals", "sign-in", "1"])
            .env("LANG", "en_US.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("HOSO_TOKEN")
            .stdin(stdio(&slave))
            .stdout(stdio(&slave))
            .stderr(stdio(&slave))
            .spawn()
            .expect("setsid runs hoso"),
    );
    drop(slave);

    let shown = Arc::new(Mutex::new(Vec::new()));
    let mut reader = std::fs::File::from(master.try_clone().expect("dup"));
    let sink = shown.clone();
    let reading = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        // Ends with EIO once the last holder of the terminal is gone.
        while let Ok(n @ 1..) = reader.read(&mut buf) {
            sink.lock().expect("buffer").extend_from_slice(&buf[..n]);
        }
    });
    let text = |shown: &Mutex<Vec<u8>>| {
        String::from_utf8_lossy(&shown.lock().expect("buffer")).into_owned()
    };

    // Type only once asked and with echo off, as a person would after
    // reading the prompt: a terminal that still echoed then would show it.
    let started = Instant::now();
    loop {
        let asked = text(&shown).contains("token for portal");
        let echo = tcgetattr(&master)
            .expect("tcgetattr")
            .local_modes
            .contains(LocalModes::ECHO);
        if asked && !echo {
            break;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "asked: {asked}, echo still on: {echo}; shown: {:?}",
            text(&shown)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut keys = std::fs::File::from(master);
    keys.write_all(format!("{token}\r").as_bytes())
        .expect("type the token");
    let status = child.0.wait().expect("hoso ends");
    assert!(status.success(), "{status}: {:?}", text(&shown));
    drop(keys);
    reading.join().expect("reader");
    text(&shown)
}
