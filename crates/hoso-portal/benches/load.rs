//! The tus endpoint under load and abuse: the HoSo portal (its release
//! binary, in its own process, default settings) and, on the same machine
//! under the same load, the npm reference server (`@tus/server` with
//! `@tus/file-store`, `tests/interop/tus-server.mjs`). Each scenario starts
//! each server afresh, so its peak memory is the scenario's:
//!
//! - (a) many uploads at once in small PATCHes (1,000 × 1 MiB in 64 KiB);
//! - (b) 200 uploads of 8 MiB at once, each one PATCH without checksum
//!   (tus-js-client's default);
//! - (c) one 1 GiB upload in 16 MiB PATCHes;
//! - (d) scenario (a) again while 500 connections trickle their headers
//!   and 100 PATCHes hang silent.
//!
//! Load comes from ten loopback addresses (127.0.1.x), as from many
//! people, with a hundred applicants; the abuse of (d) from others. A
//! HEAD probe asks every 100 ms where one upload stands. For each server
//! and scenario: throughput, PATCH and HEAD latency (p50, p99), peak
//! memory (VmHWM), uploads that failed, probes that failed; then the
//! ratios and the goals. The last line is one JSON object. `cargo xtask
//! bench portal` runs it.
//!
//! With `HOSO_LOAD_SETUP=cluster` (`cargo xtask bench cluster`) the same
//! load compares the deployments instead: the SQLite portal (direct), then
//! one and three replicas on PostgreSQL and S3 behind nginx
//! (`hoso-cluster`, the database syncing as in production); peak memory is
//! then the replicas' together, the ratio is three replicas' throughput to
//! the SQLite portal's, and each setup prints the CPU seconds its parts
//! used (database, object store, proxy, replicas, the load's own client):
//! where the time went.
//!
//! Environment: `HOSO_LOAD_UPLOADS` (1000), `HOSO_LOAD_UPLOAD_KIB` (1024),
//! `HOSO_LOAD_PATCH_KIB` (64) shape (a) and (d); `HOSO_LOAD_SCENARIOS`
//! (`abcd`) picks scenarios.

use bytes::Bytes;
use reqwest::StatusCode;
use std::io::{BufRead, BufReader};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

const MIB: u64 = 1024 * 1024;
/// Addresses the load comes from (127.0.1.1 …).
const LOAD_ADDRESSES: usize = 10;
/// Applicants the hoso-portal's load is spread over.
const APPLICANTS: usize = 100;
/// A scenario not finished after this long froze.
const SCENARIO_LIMIT: Duration = Duration::from_secs(300);

/// One scenario's shape.
#[derive(Debug, Clone)]
struct Load {
    uploads: usize,
    upload_bytes: u64,
    patch_bytes: u64,
    /// Slow-header connections and silent PATCHes beside the load.
    abuse: Option<(usize, usize)>,
}

/// A server under test, in its own process, or a cluster of them.
struct Server {
    child: Option<Child>,
    /// Replicas behind nginx (then `child` is none).
    cluster: Option<hoso_cluster::Cluster>,
    create_url: String,
    /// Applicants' tokens (none for @tus/server).
    tokens: Vec<String>,
    name: &'static str,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Peak resident memory of process `pid` so far, in MiB.
fn peak_rss_of(pid: u32) -> f64 {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).expect("server's /proc status");
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    kib / 1024.0
}

impl Server {
    /// Peak resident memory of the server process so far (of a cluster's
    /// replicas together), in MiB.
    fn peak_rss_mib(&self) -> f64 {
        match (&self.child, &self.cluster) {
            (Some(child), _) => peak_rss_of(child.id()),
            (None, Some(cluster)) => (0..cluster.replica_count())
                .filter_map(|i| cluster.replica_pid(i))
                .map(peak_rss_of)
                .sum(),
            (None, None) => f64::NAN,
        }
    }

    /// CPU seconds used so far by each part of the server, then by this
    /// program (the load's client).
    fn cpu_seconds(&self) -> Vec<(&'static str, f64)> {
        let mut parts = match (&self.child, &self.cluster) {
            (Some(child), _) => vec![("server", hoso_cluster::cpu_seconds(child.id(), false))],
            (None, Some(cluster)) => cluster.cpu_seconds(),
            (None, None) => Vec::new(),
        };
        parts.push((
            "load_client",
            hoso_cluster::cpu_seconds(std::process::id(), false),
        ));
        parts
    }

    fn token(&self, i: usize) -> Option<String> {
        (!self.tokens.is_empty()).then(|| self.tokens[i % self.tokens.len()].clone())
    }

    fn addr(&self) -> std::net::SocketAddr {
        let url = reqwest::Url::parse(&self.create_url).expect("url");
        let host: IpAddr = url.host_str().expect("host").parse().expect("ip host");
        std::net::SocketAddr::new(host, url.port().expect("port"))
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
    let tokens = (0..=APPLICANTS)
        .map(|i| {
            let account = format!("tai-thu-{i}");
            let out = Command::new(bin)
                .args(["add-applicant", "--account", &account, "--name", &account])
                .arg("--data")
                .arg(data)
                .output()
                .expect("add-applicant");
            assert!(out.status.success(), "add-applicant failed");
            String::from_utf8(out.stdout)
                .expect("token")
                .trim()
                .to_owned()
        })
        .collect();
    let mut cmd = Command::new(bin);
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .arg("--data")
        .arg(data)
        .env("RUST_LOG", "warn");
    let (child, base) = spawn_printing_url(cmd);
    Server {
        child: Some(child),
        cluster: None,
        create_url: format!("{base}/v1/uploads"),
        tokens,
        name: "hoso-portal",
    }
}

/// `replicas` portal replicas on PostgreSQL (syncing to disk) and Garage
/// behind nginx, with the applicants of the load.
fn hoso_cluster(replicas: usize, name: &'static str) -> Server {
    let mut options = hoso_cluster::Options::new(env!("CARGO_BIN_EXE_hoso-portal"));
    options.replicas = replicas;
    let cluster = tokio::task::block_in_place(|| hoso_cluster::Cluster::start(options))
        .unwrap_or_else(|e| panic!("the cluster did not start: {e}"));
    let tokens = tokio::task::block_in_place(|| {
        (0..=APPLICANTS)
            .map(|i| {
                let account = format!("tai-thu-{i}");
                cluster
                    .add_applicant(&account, &account)
                    .expect("add-applicant")
            })
            .collect()
    });
    println!(
        "{name}: ready in {:.1} s at {}",
        cluster.started_in().as_secs_f64(),
        cluster.url()
    );
    Server {
        child: None,
        create_url: format!("{}/v1/uploads", cluster.url()),
        cluster: Some(cluster),
        tokens,
        name,
    }
}

fn npm_tus_server(data: &Path) -> Server {
    let interop = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop");
    assert!(
        interop.join("node_modules/@tus/server").is_dir(),
        "@tus/server is not installed: run `cargo xtask setup`"
    );
    std::fs::create_dir_all(data).expect("npm data folder");
    let mut cmd = Command::new("node");
    cmd.arg(interop.join("tus-server.mjs")).arg(data);
    let (child, url) = spawn_printing_url(cmd);
    Server {
        child: Some(child),
        cluster: None,
        create_url: url,
        tokens: Vec::new(),
        name: "@tus/server",
    }
}

/// What one server did in one scenario.
#[derive(Debug, Default)]
struct Figures {
    wall: Duration,
    patches: Vec<Duration>,
    heads: Vec<Duration>,
    head_failures: usize,
    whole: usize,
    resumes: usize,
    errors: Vec<String>,
    peak_rss_mib: f64,
    /// CPU seconds each part used during the load (the load's own client
    /// last).
    cpu: Vec<(&'static str, f64)>,
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

/// An HTTP client whose connections come from `from`.
fn client_from(from: IpAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(from)
        .timeout(Duration::from_secs(300))
        .build()
        .expect("client")
}

/// Creates an upload of `length` bytes; its absolute URL.
async fn create(
    http: &reqwest::Client,
    create_url: &str,
    token: &Option<String>,
    length: u64,
) -> Result<String, String> {
    let res = authorized(http.post(create_url), token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", length.to_string())
        .header("Upload-Metadata", "filename dGFpLXRodS5iaW4=")
        .send()
        .await
        .map_err(|e| format!("create: {}", chain(&e)))?;
    if res.status() != StatusCode::CREATED {
        return Err(format!("create: {}", res.status()));
    }
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or("create: no Location")?;
    reqwest::Url::parse(create_url)
        .and_then(|base| base.join(location))
        .map(|u| u.to_string())
        .map_err(|e| format!("location: {e}"))
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
    let url = create(&http, &create_url, &token, length).await?;
    let mut latencies = Vec::with_capacity((length / patch) as usize + 1);
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
        tokio::time::sleep(Duration::from_millis(200)).await;
        offset = head_offset(&http, &url, &token)
            .await
            .ok_or_else(|| format!("{failure}; then HEAD failed"))?;
    }
    Ok(Done {
        url,
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

/// Asks every 100 ms where `url` stands until `stop`; latencies and
/// failures (an error, a wrong answer, or no answer within 5 s).
async fn probe(
    http: reqwest::Client,
    url: String,
    token: Option<String>,
    stop: Arc<AtomicBool>,
) -> (Vec<Duration>, usize) {
    let (mut latencies, mut failures) = (Vec::new(), 0);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        let started = Instant::now();
        let asked = tokio::time::timeout(Duration::from_secs(5), head_offset(&http, &url, &token));
        match asked.await {
            Ok(Some(_)) => latencies.push(started.elapsed()),
            _ => failures += 1,
        }
    }
    (latencies, failures)
}

/// Connections that send a request's headers a byte a second from `from`,
/// opening a new one whenever the server closes one, until `stop`.
async fn slow_headers(
    server: std::net::SocketAddr,
    from: IpAddr,
    connections: usize,
    stop: Arc<AtomicBool>,
) {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let stop = stop.clone();
        set.spawn(async move {
            let head = b"PATCH /v1/uploads/0 HTTP/1.1\r\nHost: tai-thu\r\nX-Cham: ";
            while !stop.load(Ordering::Relaxed) {
                let socket = match tokio::net::TcpSocket::new_v4() {
                    Ok(s) => s,
                    Err(_) => return,
                };
                if socket.bind(std::net::SocketAddr::new(from, 0)).is_err() {
                    return;
                }
                let Ok(mut stream) = socket.connect(server).await else {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                };
                let mut sent = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    let byte = head.get(sent).copied().unwrap_or(b'a');
                    if stream.write_all(&[byte]).await.is_err() {
                        break;
                    }
                    sent += 1;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        });
    }
    while set.join_next().await.is_some() {}
}

/// PATCHes that send ten bytes and then nothing, from `from`, each
/// opened again when the server cuts it, until `stop`.
async fn silent_patches(
    http: reqwest::Client,
    create_url: String,
    token: Option<String>,
    count: usize,
    stop: Arc<AtomicBool>,
) {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..count {
        let (http, create_url, token, stop) = (
            http.clone(),
            create_url.clone(),
            token.clone(),
            stop.clone(),
        );
        set.spawn(async move {
            let Ok(url) = create(&http, &create_url, &token, MIB).await else {
                return;
            };
            while !stop.load(Ordering::Relaxed) {
                let Some(offset) = head_offset(&http, &url, &token).await else {
                    return;
                };
                let ten =
                    futures_util::stream::once(async { Ok::<_, std::io::Error>(vec![0u8; 10]) })
                        .chain_pending();
                let patch = authorized(http.patch(&url), &token)
                    .header("Tus-Resumable", "1.0.0")
                    .header("Upload-Offset", offset.to_string())
                    .header("Content-Type", "application/offset+octet-stream")
                    .body(reqwest::Body::wrap_stream(ten))
                    .timeout(Duration::from_secs(3600))
                    .send();
                tokio::select! {
                    _ = patch => {}
                    _ = until(stop.clone()) => return,
                }
            }
        });
    }
    while set.join_next().await.is_some() {}
}

/// Completes when `stop` is set.
async fn until(stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A stream that yields its items and then never ends.
trait ChainPending: futures_util::Stream + Sized {
    fn chain_pending(
        self,
    ) -> futures_util::stream::Chain<Self, futures_util::stream::Pending<Self::Item>> {
        futures_util::StreamExt::chain(self, futures_util::stream::pending())
    }
}
impl<S: futures_util::Stream> ChainPending for S {}

async fn run(server: &Server, load: &Load) -> Figures {
    let clients: Vec<reqwest::Client> = (0..LOAD_ADDRESSES)
        .map(|i| client_from(format!("127.0.1.{}", i + 1).parse().expect("ip")))
        .collect();
    let chunk = Bytes::from(
        (0..load.patch_bytes)
            .map(|i| (i * 131 % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    // The upload the probe asks about: small and complete.
    let probe_client = client_from("127.0.4.1".parse().expect("ip"));
    let probe_token = server.token(0);
    let probed = one_upload(
        probe_client.clone(),
        server.create_url.clone(),
        probe_token.clone(),
        (1024, 1024),
        chunk.clone(),
    )
    .await
    .expect("the probed upload");
    let stop = Arc::new(AtomicBool::new(false));
    let mut abuse = tokio::task::JoinSet::new();
    if let Some((slow, silent)) = load.abuse {
        for i in 0..5 {
            let from: IpAddr = format!("127.0.2.{}", i + 1).parse().expect("ip");
            abuse.spawn(slow_headers(server.addr(), from, slow / 5, stop.clone()));
        }
        let attacker = server.tokens.last().cloned();
        abuse.spawn(silent_patches(
            client_from("127.0.3.1".parse().expect("ip")),
            server.create_url.clone(),
            attacker,
            silent,
            stop.clone(),
        ));
        // Let the abuse settle in before the load.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let probing = tokio::spawn(probe(probe_client, probed.url, probe_token, stop.clone()));

    let cpu_before = server.cpu_seconds();
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..load.uploads {
        let upload = one_upload(
            clients[i % clients.len()].clone(),
            server.create_url.clone(),
            server.token(i % APPLICANTS),
            (load.upload_bytes, load.patch_bytes),
            chunk.clone(),
        );
        set.spawn(async move { (i, upload.await) });
    }
    let mut f = Figures::default();
    let mut urls = Vec::new();
    let deadline = tokio::time::Instant::now() + SCENARIO_LIMIT;
    loop {
        let next = tokio::time::timeout_at(deadline, set.join_next()).await;
        match next {
            Ok(None) => break,
            Ok(Some(done)) => match done.expect("upload task") {
                (i, Ok(d)) => {
                    urls.push((i, d.url));
                    f.patches.extend(d.latencies);
                    f.resumes += d.resumes;
                }
                (_, Err(e)) => f.errors.push(e),
            },
            Err(_) => {
                // A freeze: what has not finished by now failed.
                for _ in 0..set.len() {
                    f.errors
                        .push(format!("not finished after {SCENARIO_LIMIT:?}: frozen"));
                }
                set.abort_all();
                break;
            }
        }
    }
    f.wall = started.elapsed();
    f.cpu = server
        .cpu_seconds()
        .into_iter()
        .zip(cpu_before)
        .map(|((part, after), (_, before))| (part, after - before))
        .collect();
    stop.store(true, Ordering::Relaxed);
    let (heads, head_failures) = probing.await.expect("probe");
    abuse.abort_all();
    f.heads = heads;
    f.head_failures = head_failures;
    f.peak_rss_mib = server.peak_rss_mib();
    // Each finished upload is asked for its offset by its owner: whole
    // means whole.
    let checker = client_from("127.0.4.2".parse().expect("ip"));
    for (i, url) in &urls {
        let offset = head_offset(&checker, url, &server.token(i % APPLICANTS)).await;
        if offset == Some(load.upload_bytes) {
            f.whole += 1;
        }
    }
    f.patches.sort();
    f.heads.sort();
    f
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn round(x: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (x * k).round() / k
}

fn report(scenario: &str, server: &str, load: &Load, f: &Figures) -> serde_json::Value {
    let bytes = load.upload_bytes as f64 * f.whole as f64;
    let throughput = bytes / MIB as f64 / f.wall.as_secs_f64();
    println!(
        "({scenario}) {server:>12}: {}/{} uploads whole in {:.1} s, {:.1} MiB/s, PATCH p50 {:.1} ms p99 {:.1} ms, HEAD p50 {:.1} ms p99 {:.1} ms ({} probes, {} failed), peak RSS {:.1} MiB, {} resumes, {} failed uploads",
        f.whole,
        load.uploads,
        f.wall.as_secs_f64(),
        throughput,
        percentile(&f.patches, 0.50),
        percentile(&f.patches, 0.99),
        percentile(&f.heads, 0.50),
        percentile(&f.heads, 0.99),
        f.heads.len() + f.head_failures,
        f.head_failures,
        f.peak_rss_mib,
        f.resumes,
        f.errors.len()
    );
    let cpu: Vec<String> = f
        .cpu
        .iter()
        .map(|(part, s)| {
            format!(
                "{part} {s:.1} s ({:.0}% of the wall time)",
                100.0 * s / f.wall.as_secs_f64()
            )
        })
        .collect();
    println!("({scenario}) {server:>12}: CPU {}", cpu.join(", "));
    for e in f.errors.iter().take(3) {
        println!("({scenario}) {server:>12}: error: {e}");
    }
    serde_json::json!({
        "whole": f.whole,
        "failed": f.errors.len(),
        "resumes": f.resumes,
        "seconds": round(f.wall.as_secs_f64(), 2),
        "throughput_mib_s": round(throughput, 1),
        "patch_p50_ms": round(percentile(&f.patches, 0.50), 1),
        "patch_p99_ms": round(percentile(&f.patches, 0.99), 1),
        "head_p50_ms": round(percentile(&f.heads, 0.50), 1),
        "head_p99_ms": round(percentile(&f.heads, 0.99), 1),
        "head_probes": f.heads.len() + f.head_failures,
        "head_failures": f.head_failures,
        "peak_rss_mib": round(f.peak_rss_mib, 1),
        "cpu_seconds": f.cpu.iter().map(|(part, s)| ((*part).to_owned(), round(*s, 2).into())).collect::<serde_json::Map<_, _>>(),
    })
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; this harness takes no arguments.
    hoso_portal::raise_fd_limit();
    let small = Load {
        uploads: env_number("HOSO_LOAD_UPLOADS", 1000) as usize,
        upload_bytes: env_number("HOSO_LOAD_UPLOAD_KIB", 1024) * 1024,
        patch_bytes: env_number("HOSO_LOAD_PATCH_KIB", 64) * 1024,
        abuse: None,
    };
    let scenarios = [
        ("a", small.clone()),
        (
            "b",
            Load {
                uploads: 200,
                upload_bytes: 8 * MIB,
                patch_bytes: 8 * MIB,
                abuse: None,
            },
        ),
        (
            "c",
            Load {
                uploads: 1,
                upload_bytes: 1024 * MIB,
                patch_bytes: 16 * MIB,
                abuse: None,
            },
        ),
        (
            "d",
            Load {
                abuse: Some((500, 100)),
                ..small
            },
        ),
    ];
    let cluster_setup = std::env::var("HOSO_LOAD_SETUP").is_ok_and(|s| s == "cluster");
    let chosen = std::env::var("HOSO_LOAD_SCENARIOS").unwrap_or_else(|_| "abcd".into());
    let scratch: PathBuf = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("portal-load");
    let mut results = serde_json::Map::new();
    let mut goals = Vec::new();
    for (name, load) in scenarios.iter().filter(|(n, _)| chosen.contains(n)) {
        println!(
            "({name}) {} uploads of {} KiB in PATCHes of {} KiB{}",
            load.uploads,
            load.upload_bytes / 1024,
            load.patch_bytes / 1024,
            match load.abuse {
                Some((slow, silent)) => format!(
                    ", beside {slow} connections trickling headers and {silent} silent PATCHes"
                ),
                None => String::new(),
            }
        );
        type Start = Box<dyn Fn(&Path) -> Server>;
        let starters: Vec<Start> = if cluster_setup {
            vec![
                Box::new(hoso_portal),
                Box::new(|_| hoso_cluster(1, "nginx+1 replica")),
                Box::new(|_| hoso_cluster(3, "nginx+3 replicas")),
            ]
        } else {
            vec![Box::new(hoso_portal), Box::new(npm_tus_server)]
        };
        let mut figures = Vec::new();
        for start in &starters {
            let _ = std::fs::remove_dir_all(&scratch);
            std::fs::create_dir_all(&scratch).expect("scratch folder");
            let server = start(&scratch.join("data"));
            let f = run(&server, load).await;
            figures.push((server.name, f));
            drop(server);
        }
        if cluster_setup {
            let _ = std::fs::remove_dir_all(&scratch);
            let compared = compare_deployments(name, load, &figures);
            for (setup, f) in &figures {
                let clean = f.errors.is_empty() && f.head_failures == 0;
                let p99 = percentile(&f.heads, 0.99);
                goals.push(format!(
                    "({name}) {setup}: failures and stuck probes: {}; HEAD p99 {p99:.1} ms (goal < 100): {}",
                    if clean { "none" } else { "SOME" },
                    if p99 < 100.0 { "met" } else { "NOT MET" }
                ));
            }
            if *name == "a" {
                let ratio = compared["three_replicas_vs_sqlite"].as_f64().unwrap_or(0.0);
                goals.push(format!(
                    "(a) throughput of 3 replicas on PostgreSQL and S3 {ratio:.2}× the SQLite portal (goal ≥ 0.7): {}",
                    if ratio >= 0.7 { "met" } else { "NOT MET" }
                ));
            }
            results.insert((*name).to_owned(), compared);
            continue;
        }
        let _ = std::fs::remove_dir_all(&scratch);
        let ours = report(name, figures[0].0, load, &figures[0].1);
        let theirs = report(name, figures[1].0, load, &figures[1].1);
        let ratio = ours["throughput_mib_s"].as_f64().unwrap_or(0.0)
            / theirs["throughput_mib_s"].as_f64().unwrap_or(f64::NAN);
        println!("({name}) throughput hoso-portal / @tus/server: {ratio:.2}");
        let wanted = if *name == "a" { 2.0 } else { 1.0 };
        let clean = figures[0].1.errors.is_empty() && figures[0].1.head_failures == 0;
        goals.push(format!(
            "({name}) throughput {ratio:.2}× @tus/server (goal ≥ {wanted}): {}; failures and stuck probes: {}",
            if ratio >= wanted { "met" } else { "NOT MET" },
            if clean { "none" } else { "SOME" }
        ));
        if *name == "d" {
            let p99 = ours["head_p99_ms"].as_f64().unwrap_or(f64::INFINITY);
            goals.push(format!(
                "(d) HEAD p99 {p99:.1} ms under abuse (goal < 100): {}",
                if p99 < 100.0 { "met" } else { "NOT MET" }
            ));
        }
        results.insert(
            (*name).to_owned(),
            serde_json::json!({
                "uploads": load.uploads,
                "upload_bytes": load.upload_bytes,
                "patch_bytes": load.patch_bytes,
                "abuse": load.abuse.map(|(slow, silent)| serde_json::json!({"slow_header_connections": slow, "silent_patches": silent})),
                "hoso_portal": ours,
                "tus_server_npm": theirs,
                "throughput_vs_npm": round(ratio, 2),
            }),
        );
    }
    for g in &goals {
        println!("{g}");
    }
    println!(
        "{}",
        serde_json::json!({
            "bench": if cluster_setup { "portal-cluster" } else { "portal" },
            "scenarios": results,
        })
    );
}

/// The figures of the SQLite portal, one replica and three replicas
/// behind nginx, side by side; their JSON.
fn compare_deployments(
    name: &str,
    load: &Load,
    figures: &[(&'static str, Figures)],
) -> serde_json::Value {
    let sqlite = report(name, "SQLite direct", load, &figures[0].1);
    let one = report(name, figures[1].0, load, &figures[1].1);
    let three = report(name, figures[2].0, load, &figures[2].1);
    let throughput = |v: &serde_json::Value| v["throughput_mib_s"].as_f64().unwrap_or(0.0);
    let (one_ratio, three_ratio) = (
        throughput(&one) / throughput(&sqlite),
        throughput(&three) / throughput(&sqlite),
    );
    println!(
        "({name}) throughput behind nginx / SQLite portal: 1 replica {one_ratio:.2}, 3 replicas {three_ratio:.2}"
    );
    serde_json::json!({
        "uploads": load.uploads,
        "upload_bytes": load.upload_bytes,
        "patch_bytes": load.patch_bytes,
        "sqlite_direct": sqlite,
        "nginx_1_replica": one,
        "nginx_3_replicas": three,
        "one_replica_vs_sqlite": round(one_ratio, 2),
        "three_replicas_vs_sqlite": round(three_ratio, 2),
    })
}
