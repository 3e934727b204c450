//! Load on the tus endpoint: many uploads at once, each in small PATCHes,
//! against the HoSo portal (its release binary, in its own process) and,
//! on the same machine under the same load, the npm reference server
//! (`@tus/server` with `@tus/file-store`, `tests/interop/tus-server.mjs`).
//!
//! Prints throughput, PATCH latency (p50, p99), the servers' peak memory
//! (VmHWM), how many uploads arrived whole and how often a failed PATCH
//! was resumed the tus way (HEAD, then on from the offset); the last line is one JSON
//! object with the figures. `cargo xtask bench portal` runs it.
//!
//! Environment: `HOSO_LOAD_UPLOADS` (1000), `HOSO_LOAD_UPLOAD_KIB` (1024),
//! `HOSO_LOAD_PATCH_KIB` (64).

use bytes::Bytes;
use reqwest::StatusCode;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Load {
    uploads: usize,
    upload_bytes: u64,
    patch_bytes: u64,
}

/// A server under test, in its own process.
struct Server {
    child: Child,
    create_url: String,
    token: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Peak resident memory of the server process so far, in MiB.
    fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("server's /proc status");
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM");
        kib / 1024.0
    }
}

/// Starts `cmd` and reads the first line it prints: the URL it serves.
fn spawn_printing_url(mut cmd: Command) -> (Child, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("server prints its address");
    assert!(line.starts_with("http://"), "server said {line:?}");
    (child, line.trim().to_owned())
}

fn hoso_portal(data: &Path) -> Server {
    let bin = env!("CARGO_BIN_EXE_hoso-portal");
    let out = Command::new(bin)
        .args(["add-applicant", "--account", "tai-thu", "--name", "Tải thử"])
        .arg("--data")
        .arg(data)
        .output()
        .expect("add-applicant");
    assert!(out.status.success(), "add-applicant failed");
    let token = String::from_utf8(out.stdout)
        .expect("token")
        .trim()
        .to_owned();
    let mut cmd = Command::new(bin);
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .arg("--data")
        .arg(data)
        .env("RUST_LOG", "warn");
    let (child, base) = spawn_printing_url(cmd);
    Server {
        child,
        create_url: format!("{base}/v1/uploads"),
        token: Some(token),
    }
}

fn npm_tus_server(data: &Path) -> Server {
    let interop = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop");
    assert!(
        interop.join("node_modules/@tus/server").is_dir(),
        "@tus/server is not installed: run `cargo xtask setup`"
    );
    let mut cmd = Command::new("node");
    cmd.arg(interop.join("tus-server.mjs")).arg(data);
    let (child, url) = spawn_printing_url(cmd);
    Server {
        child,
        create_url: url,
        token: None,
    }
}

#[derive(Debug)]
struct Figures {
    wall: Duration,
    patches: Vec<Duration>,
    creates: Vec<Duration>,
    whole: usize,
    resumes: usize,
    errors: Vec<String>,
    peak_rss_mib: f64,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn authorized(req: reqwest::RequestBuilder, token: &Option<String>) -> reqwest::RequestBuilder {
    match token {
        Some(t) => req.bearer_auth(t),
        None => req,
    }
}

/// An error with its causes, which say what the socket saw.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// One upload: create, then PATCH chunk after chunk; the latencies.
async fn one_upload(
    http: reqwest::Client,
    create_url: String,
    token: Option<String>,
    load: (u64, u64),
    chunk: Bytes,
) -> Result<Done, String> {
    let (length, patch) = load;
    let started = Instant::now();
    let res = authorized(http.post(&create_url), &token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", length.to_string())
        .header("Upload-Metadata", "filename dGFpLXRodS5iaW4=")
        .send()
        .await
        .map_err(|e| format!("create: {}", chain(&e)))?;
    let created = started.elapsed();
    if res.status() != StatusCode::CREATED {
        return Err(format!("create: {}", res.status()));
    }
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or("create: no Location")?;
    let url = reqwest::Url::parse(&create_url)
        .and_then(|base| base.join(location))
        .map_err(|e| format!("location: {e}"))?
        .to_string();
    let mut latencies = Vec::with_capacity((length / patch) as usize);
    let (mut offset, mut resumes) = (0u64, 0usize);
    while offset < length {
        let n = patch.min(length - offset);
        let started = Instant::now();
        let sent = authorized(http.patch(&url), &token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(chunk.slice(..n as usize))
            .send()
            .await;
        let failure = match sent {
            Ok(res) if res.status() == StatusCode::NO_CONTENT => None,
            Ok(res) => Some(format!("patch at {offset}: {}", res.status())),
            Err(e) => Some(format!("patch at {offset}: {}", chain(&e))),
        };
        latencies.push(started.elapsed());
        let Some(failure) = failure else {
            offset += n;
            continue;
        };
        // What a tus client does: ask the server where it stands, go on.
        resumes += 1;
        if resumes > MAX_RESUMES {
            return Err(failure);
        }
        offset = head_offset(&http, &url, &token)
            .await
            .ok_or_else(|| format!("{failure}; then HEAD failed"))?;
    }
    Ok(Done {
        url,
        created,
        latencies,
        resumes,
    })
}

/// Times one upload may resume after a failed PATCH before it counts as
/// failed.
const MAX_RESUMES: usize = 5;

/// A finished upload.
struct Done {
    url: String,
    created: Duration,
    latencies: Vec<Duration>,
    resumes: usize,
}

/// The offset a server reports for an upload.
async fn head_offset(http: &reqwest::Client, url: &str, token: &Option<String>) -> Option<u64> {
    let res = authorized(http.head(url), token)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .ok()?;
    res.headers()
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

async fn run(server: &Server, load: &Load) -> Figures {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .expect("client");
    let chunk = Bytes::from(
        (0..load.patch_bytes)
            .map(|i| (i * 131 % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..load.uploads {
        set.spawn(one_upload(
            http.clone(),
            server.create_url.clone(),
            server.token.clone(),
            (load.upload_bytes, load.patch_bytes),
            chunk.clone(),
        ));
    }
    let (mut patches, mut creates, mut urls, mut errors, mut resumes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), 0);
    while let Some(done) = set.join_next().await {
        match done.expect("upload task") {
            Ok(d) => {
                urls.push(d.url);
                creates.push(d.created);
                patches.extend(d.latencies);
                resumes += d.resumes;
            }
            Err(e) => errors.push(e),
        }
    }
    let wall = started.elapsed();
    // Each finished upload is asked for its offset: whole means whole.
    let mut whole = 0;
    for url in &urls {
        if head_offset(&http, url, &server.token).await == Some(load.upload_bytes) {
            whole += 1;
        }
    }
    patches.sort();
    creates.sort();
    Figures {
        wall,
        patches,
        creates,
        whole,
        resumes,
        errors,
        peak_rss_mib: server.peak_rss_mib(),
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn report(name: &str, load: &Load, f: &Figures) -> serde_json::Value {
    let bytes = load.upload_bytes as f64 * f.whole as f64;
    let throughput = bytes / (1024.0 * 1024.0) / f.wall.as_secs_f64();
    println!(
        "{name:>12}: {} of {} uploads whole in {:.1} s, {:.1} MiB/s, PATCH p50 {:.1} ms p99 {:.1} ms, create p50 {:.1} ms, peak RSS {:.1} MiB, {} resumes after a failed PATCH, {} failed uploads",
        f.whole,
        load.uploads,
        f.wall.as_secs_f64(),
        throughput,
        percentile(&f.patches, 0.50),
        percentile(&f.patches, 0.99),
        percentile(&f.creates, 0.50),
        f.peak_rss_mib,
        f.resumes,
        f.errors.len()
    );
    for e in f.errors.iter().take(5) {
        println!("{name:>12}: error: {e}");
    }
    serde_json::json!({
        "whole": f.whole,
        "resumes": f.resumes,
        "failed": f.errors.len(),
        "seconds": (f.wall.as_secs_f64() * 100.0).round() / 100.0,
        "throughput_mib_s": (throughput * 10.0).round() / 10.0,
        "patch_p50_ms": (percentile(&f.patches, 0.50) * 10.0).round() / 10.0,
        "patch_p99_ms": (percentile(&f.patches, 0.99) * 10.0).round() / 10.0,
        "create_p50_ms": (percentile(&f.creates, 0.50) * 10.0).round() / 10.0,
        "peak_rss_mib": (f.peak_rss_mib * 10.0).round() / 10.0,
    })
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; this harness takes no arguments.
    let load = Load {
        uploads: env_number("HOSO_LOAD_UPLOADS", 1000) as usize,
        upload_bytes: env_number("HOSO_LOAD_UPLOAD_KIB", 1024) * 1024,
        patch_bytes: env_number("HOSO_LOAD_PATCH_KIB", 64) * 1024,
    };
    let scratch: PathBuf = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("portal-load");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch folder");
    println!(
        "{} concurrent uploads of {} KiB in {} KiB PATCHes, each server in its own process",
        load.uploads,
        load.upload_bytes / 1024,
        load.patch_bytes / 1024
    );

    let portal = hoso_portal(&scratch.join("hoso"));
    let ours = run(&portal, &load).await;
    drop(portal);
    let npm = npm_tus_server(&scratch.join("npm"));
    let theirs = run(&npm, &load).await;
    drop(npm);

    let a = report("hoso-portal", &load, &ours);
    let b = report("@tus/server", &load, &theirs);
    let _ = std::fs::remove_dir_all(&scratch);
    let ratio = a["throughput_mib_s"].as_f64().unwrap_or(0.0)
        / b["throughput_mib_s"].as_f64().unwrap_or(f64::NAN);
    println!(
        "{}",
        serde_json::json!({
            "bench": "portal",
            "uploads": load.uploads,
            "upload_bytes": load.upload_bytes,
            "patch_bytes": load.patch_bytes,
            "hoso_portal": a,
            "tus_server_npm": b,
            "throughput_vs_npm": (ratio * 100.0).round() / 100.0,
        })
    );
}
