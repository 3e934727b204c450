//! The portal killed (SIGKILL) in the middle of a PATCH, 20 times: after
//! each restart an upload's HEAD offset never exceeds what the client sent
//! nor goes backwards, the bytes kept are exactly the file's, and every
//! completed upload hashes to the original.

mod common;

use common::dual;

use hoso_core::Sha256Digest;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const KILLS: u32 = 20;
const LENGTH: u64 = 6 * 1024 * 1024;
const PIECE: usize = 64 * 1024;

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

fn file_bytes(n: u64) -> Vec<u8> {
    (0..LENGTH as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8 ^ n as u8)
        .collect()
}

async fn head(http: &reqwest::Client, url: &str, token: &str) -> u64 {
    let res = http
        .head(url)
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("HEAD");
    assert!(res.status().is_success(), "HEAD {}", res.status());
    res.headers()["upload-offset"]
        .to_str()
        .expect("offset")
        .parse()
        .expect("number")
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

    let mut upload = None::<(String, u64)>; // (url, file number)
    let mut files = 0u64;
    let mut completed = 0u32;
    let mut kept_after_kill = Vec::new();
    for _ in 0..KILLS {
        let portal = Portal::start(&settings, port);
        let (url, n) = match upload.take() {
            Some(u) => u,
            None => {
                files += 1;
                (
                    common::create_upload(&http, &base, &token, LENGTH).await.0,
                    files,
                )
            }
        };
        let bytes = Arc::new(file_bytes(n));
        let from = head(&http, &url, &token).await;
        // Stream the rest slowly, counting what left this side.
        let sent = Arc::new(AtomicU64::new(from));
        let body = {
            let (bytes, sent) = (bytes.clone(), sent.clone());
            futures_util::stream::unfold(from, move |at| {
                let (bytes, sent) = (bytes.clone(), sent.clone());
                async move {
                    if at >= LENGTH {
                        return None;
                    }
                    tokio::time::sleep(Duration::from_millis(4)).await;
                    let end = (at + PIECE as u64).min(LENGTH);
                    let piece = bytes[at as usize..end as usize].to_vec();
                    sent.store(end, Ordering::SeqCst);
                    Some((Ok::<_, std::io::Error>(piece), end))
                }
            })
        };
        let patch = http
            .patch(&url)
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", from.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(reqwest::Body::wrap_stream(body))
            .send();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let lifetime = Duration::from_millis(30 + seed % 300);
        let finished = tokio::time::timeout(lifetime, patch).await.is_ok();
        portal.kill();
        let sent = sent.load(Ordering::SeqCst);

        let portal = Portal::start(&settings, port);
        let offset = head(&http, &url, &token).await;
        assert!(
            offset >= from,
            "the offset went back from {from} to {offset}"
        );
        assert!(
            offset <= sent,
            "the portal claims {offset} bytes, only {sent} were sent"
        );
        let id = url.rsplit('/').next().expect("id");
        let stored = std::fs::read(data.join("uploads").join(id)).expect("stored bytes");
        assert!(stored.len() as u64 >= offset);
        assert_eq!(
            &stored[..offset as usize],
            &bytes[..offset as usize],
            "the kept bytes are the file's"
        );
        kept_after_kill.push(offset - from);
        if offset == LENGTH {
            assert_eq!(Sha256Digest::of(&stored), Sha256Digest::of(&bytes));
            completed += 1;
        } else {
            assert!(
                !finished || offset == LENGTH,
                "a finished PATCH must be complete"
            );
            upload = Some((url, n));
        }
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
