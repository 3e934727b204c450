//! The portal killed (SIGKILL) in the middle of a PATCH, 20 times: after
//! each restart an upload's HEAD offset never exceeds what the client sent
//! nor goes backwards, and every upload, completed across the kills or
//! finished after the last, is the file's bytes exactly as its store
//! holds them.

mod common;

use common::{Backend, dual};

use hoso_core::Sha256Digest;
use reqwest::StatusCode;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const KILLS: u32 = 20;
const PIECE: usize = 64 * 1024;
const MIB: u64 = 1024 * 1024;

/// How long an upload is and how long a PATCH runs before the kill (at
/// least `.1` ms, up to `.2` more), so that what a back end makes durable
/// inside a request grows across the kills: files keep all but the last
/// fraction of a second, a bucket only whole parts of 5 MiB.
fn pace(backend: Backend) -> (u64, u64, u64) {
    match backend {
        Backend::Local => (6 * MIB, 30, 300),
        Backend::Shared => (16 * MIB, 300, 900),
    }
}

fn portal_bin() -> &'static str {
    env!("CARGO_BIN_EXE_hoso-portal")
}

struct Portal(Child);

impl Portal {
    fn start(settings: &Path, port: u16) -> Self {
        let child = Command::new(portal_bin())
            .args(["serve", "--config"])
            .arg(settings)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("portal binary runs");
        let start = Instant::now();
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "portal did not listen"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self(child)
    }

    fn kill(mut self) {
        let _ = self.0.kill(); // SIGKILL on Unix
        let _ = self.0.wait();
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn file_bytes(n: u64, length: u64) -> Vec<u8> {
    (0..length as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8 ^ n as u8)
        .collect()
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn killing_the_portal_mid_patch_keeps_only_what_arrived(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("portal");
    let settings = dir.path().join("portal.toml");
    std::fs::write(
        &settings,
        format!("data = {:?}\n{}", data.display().to_string(), backend.settings().await),
    )
    .expect("settings");
    let stored_in = common::settings_file(&settings);
    let token = String::from_utf8(
        Command::new(portal_bin())
            .args(["add-applicant", "--config"])
            .arg(&settings)
            .args(["--account", "cty-mat-dien", "--name", "Công ty Mất Điện"])
            .output()
            .expect("add-applicant")
            .stdout,
    )
    .expect("token text")
    .trim()
    .to_owned();
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let (length, least, spread) = pace(backend);

    // The upload under way: its URL, its file's number, the most of it
    // ever sent.
    let mut upload = None::<(String, u64, u64)>;
    let mut files = 0u64;
    let mut completed = 0u32;
    let mut kept_after_kill = Vec::new();
    for _ in 0..KILLS {
        let portal = Portal::start(&settings, port);
        let (url, n, most_sent) = match upload.take() {
            Some(u) => u,
            None => {
                files += 1;
                (
                    common::create_upload(&http, &base, &token, length).await.0,
                    files,
                    0,
                )
            }
        };
        let bytes = Arc::new(file_bytes(n, length));
        let from = common::head(&http, &url, &token).await;
        // Stream the rest slowly, counting what left this side.
        let common::Trickle { body, sent } =
            common::trickle(bytes.clone(), from, PIECE, Duration::from_millis(4), false);
        let patch = http
            .patch(&url)
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", from.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(body)
            .send();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let lifetime = Duration::from_millis(least + seed % spread);
        let answered = match tokio::time::timeout(lifetime, patch).await {
            Ok(res) => Some(res.expect("PATCH answered").status()),
            Err(_) => None,
        };
        portal.kill();
        let sent = sent.load(Ordering::SeqCst);
        let most_sent = most_sent.max(sent);

        let portal = Portal::start(&settings, port);
        let offset = common::head(&http, &url, &token).await;
        assert!(
            offset >= from,
            "the offset went back from {from} to {offset}"
        );
        // A bucket keeps the whole parts a killed request made durable,
        // and the next request finds and records them (409,
        // `storage::Ahead`): there the bound is what was ever sent.
        let bound = match backend {
            Backend::Local => sent,
            Backend::Shared => most_sent,
        };
        assert!(
            offset <= bound,
            "the portal claims {offset} bytes, only {bound} were sent"
        );
        kept_after_kill.push(offset - from);
        match answered {
            None => {}
            Some(StatusCode::NO_CONTENT) => {
                assert_eq!(offset, length, "a PATCH answered 204 must be complete")
            }
            Some(StatusCode::CONFLICT) if backend == Backend::Shared => {}
            Some(other) => panic!("the PATCH answered {other}"),
        }
        if offset == length {
            let stored = common::stored_upload(&stored_in, &url).await;
            assert_eq!(Sha256Digest::of(&stored), Sha256Digest::of(&bytes));
            completed += 1;
        } else {
            upload = Some((url, n, most_sent));
        }
        drop(portal);
    }
    // The upload the last kill cut is finished and read back too, so that
    // every upload's kept bytes are seen to be the file's: each request
    // went on from the offset the portal named. A 409 (bytes found
    // durable beyond the recorded offset) sends the client to HEAD again.
    if let Some((url, n, _)) = upload {
        let portal = Portal::start(&settings, port);
        let bytes = file_bytes(n, length);
        loop {
            let from = common::head(&http, &url, &token).await;
            if from == length {
                break;
            }
            let rest = bytes[from as usize..].to_vec();
            let res = common::patch(&http, &url, &token, from, rest).await;
            assert!(
                matches!(res.status(), StatusCode::NO_CONTENT | StatusCode::CONFLICT),
                "PATCH: {}",
                res.status()
            );
        }
        let stored = common::stored_upload(&stored_in, &url).await;
        assert_eq!(Sha256Digest::of(&stored), Sha256Digest::of(&bytes));
        drop(portal);
    }
    println!(
        "{KILLS} kills, {files} uploads, {completed} completed; bytes kept per killed PATCH: {kept_after_kill:?}"
    );
    assert!(
        completed >= 1,
        "at least one upload completed across the kills"
    );
}
}
