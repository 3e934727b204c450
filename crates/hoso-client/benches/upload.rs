//! The upload engine over a shaped link, beside tus-js-client.
//!
//! A network namespace whose loopback is rate-limited with `tbf` (netem is
//! missing on these kernels) carries every byte; a fault proxy (hoso-faults)
//! sits between client and portal. Three scenarios, each run with HoSo's
//! client and with tus-js-client against the same portal and link:
//! a clean link (direct), a reset every 10 % of the file, one silent
//! stall of 60 s half-way (both through the proxy, which halves the rate:
//! each byte crosses the shaped loopback twice), and 1 % of the TCP
//! packets lost at random in the kernel (nftables; direct). Printed: goodput against the link rate and against raw
//! TCP on the same link, time beside tus-js-client, bytes sent again per
//! interruption, and the HoSo client's peak RSS (its own process). The
//! last line is one JSON object. Needs root (`ip netns`, `tc`).
//!
//! `cargo xtask bench upload`; `HOSO_BENCH_MIB` (1024) sets the file size,
//! `HOSO_BENCH_MBIT` (100) the link rate, `HOSO_BENCH_SCENARIOS` (all) a
//! comma-separated choice among clean, resets, stall, loss.
//!
//! Roles, by first argument: none (set up the namespace and run `inner`
//! inside it), `inner` (the scenarios), `client` (one HoSo upload, in its
//! own process so that its memory is its own).

use hoso_client::Client;
use hoso_client::tus::Target;
use hoso_faults::FaultProxy;
use hoso_portal::{PortalConfig, RunningPortal};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MIB: u64 = 1024 * 1024;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let role = args.first().map(String::as_str).unwrap_or("");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    match role {
        "inner" => runtime.block_on(inner()),
        "client" => runtime.block_on(client(&args[1..])),
        _ => outer(),
    }
}

fn outer() {
    use hoso_faults::netns::{Namespace, is_root};
    if !is_root() {
        eprintln!(
            "Đo tải lên cần quyền root (ip netns, tc) / the upload benchmark needs root for ip netns and tc"
        );
        std::process::exit(2);
    }
    let mbit = env_number("HOSO_BENCH_MBIT", 100);
    let ns = Namespace::create("hoso-bench").unwrap_or_else(|e| panic!("namespace: {e}"));
    ns.shape(mbit).unwrap_or_else(|e| panic!("tbf: {e}"));
    let exe = std::env::current_exe().expect("own path");
    let status = ns
        .command(&exe)
        .arg("inner")
        .env("HOSO_BENCH_MBIT", mbit.to_string())
        .status()
        .expect("inner run");
    drop(ns);
    std::process::exit(status.code().unwrap_or(1));
}

/// A file of pseudo-random (incompressible) bytes.
fn noise_file(path: &Path, size: u64) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("data file"));
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut block = vec![0u8; MIB as usize];
    let mut left = size;
    while left > 0 {
        for chunk in block.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.copy_from_slice(&state.to_le_bytes());
        }
        let n = left.min(MIB) as usize;
        out.write_all(&block[..n]).expect("write");
        left -= n as u64;
    }
    out.flush().expect("flush");
}

/// Payload bytes per second raw TCP gets through the shaped loopback.
async fn raw_tcp_rate(bytes: u64) -> f64 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("sink");
    let addr = listener.local_addr().expect("addr");
    let sink = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.expect("accept");
        let mut buf = vec![0u8; 256 * 1024];
        let mut got = 0u64;
        while let Ok(n) = s.read(&mut buf).await {
            if n == 0 {
                break;
            }
            got += n as u64;
        }
        got
    });
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let block = vec![0x5Au8; 256 * 1024];
    let started = Instant::now();
    let mut sent = 0;
    while sent < bytes {
        s.write_all(&block).await.expect("send");
        sent += block.len() as u64;
    }
    s.shutdown().await.expect("close");
    let got = sink.await.expect("sink");
    got as f64 / started.elapsed().as_secs_f64()
}

#[derive(Clone, Copy, Debug)]
enum Scenario {
    Clean,
    Resets,
    Stall,
    Loss,
}

/// Share of TCP packets the loss scenario drops, in percent.
const LOSS_PERCENT: u32 = 1;

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Clean => "clean",
            Scenario::Resets => "resets",
            Scenario::Stall => "stall",
            Scenario::Loss => "loss",
        }
    }

    /// Schedules this scenario's faults on a fresh proxy.
    fn arm(self, proxy: &FaultProxy, size: u64) {
        match self {
            Scenario::Clean | Scenario::Loss => {}
            Scenario::Resets => proxy.reset_every(size / 10),
            Scenario::Stall => proxy.stall_at(size / 2, Duration::from_secs(60)),
        }
    }
}

/// A fresh portal behind a fresh proxy; its folder, token and endpoint.
struct Stage {
    _portal: RunningPortal,
    proxy: FaultProxy,
    dir: PathBuf,
    token: String,
    endpoint: String,
}

impl Stage {
    /// Through the proxy every byte crosses the shaped loopback twice
    /// (client to proxy, proxy to portal), so the clean run goes direct.
    async fn new(dir: PathBuf, scenario: Scenario) -> Self {
        let _ = std::fs::remove_dir_all(&dir);
        let proxy = FaultProxy::start("127.0.0.1:9".parse().expect("addr"))
            .await
            .expect("proxy");
        let direct = matches!(scenario, Scenario::Clean | Scenario::Loss);
        let portal = hoso_portal::start(PortalConfig {
            public_url: (!direct).then(|| proxy.http_url()),
            max_upload_bytes: 8 * 1024 * MIB,
            ..PortalConfig::practice(&dir)
        })
        .await
        .expect("portal");
        proxy.retarget(portal.addr());
        let token = portal.issue_token("do-thu", "Đo thử").await.expect("token");
        let endpoint = if direct {
            format!("{}/v1/uploads", portal.base_url())
        } else {
            format!("{}/v1/uploads", proxy.http_url())
        };
        Self {
            _portal: portal,
            proxy,
            dir,
            token,
            endpoint,
        }
    }

    /// The whole-file hash the portal computed for the upload at `url`.
    fn stored_sha256(&self, url: &str) -> Option<String> {
        let id = url.rsplit('/').next()?;
        let conn = rusqlite::Connection::open(self.dir.join("portal.sqlite3")).ok()?;
        conn.query_row("SELECT sha256 FROM uploads WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .ok()
        .flatten()
    }
}

async fn inner() {
    let size = env_number("HOSO_BENCH_MIB", 1024) * MIB;
    let mbit = env_number("HOSO_BENCH_MBIT", 100);
    let link = mbit as f64 * 1e6 / 8.0;
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("upload-bench");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch");
    let file = scratch.join("to-khai.bin");
    noise_file(&file, size);
    let profile = scratch.join("profile");
    let client = Client::open(&profile).await.expect("profile");
    let sha = client
        .import_attachment(&file)
        .await
        .expect("import")
        .sha256;
    drop(client);
    let interop = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop");
    assert!(
        interop.join("node_modules/tus-js-client").is_dir(),
        "tus-js-client is not installed: run `cargo xtask setup`"
    );

    let raw = raw_tcp_rate(size.min(256 * MIB)).await;
    println!(
        "{} MiB file, link {mbit} Mbit/s (tbf); raw TCP payload {:.2} Mbit/s ({:.3} of the link rate)",
        size / MIB,
        raw * 8.0 / 1e6,
        raw / link
    );

    let mut results = serde_json::Map::new();
    let mut peak_rss: f64 = 0.0;
    // Loss last: from then on the namespace drops packets for good.
    let chosen = std::env::var("HOSO_BENCH_SCENARIOS").unwrap_or_default();
    let all = [
        Scenario::Clean,
        Scenario::Resets,
        Scenario::Stall,
        Scenario::Loss,
    ];
    for scenario in all
        .into_iter()
        .filter(|s| chosen.is_empty() || chosen.split(',').any(|c| c.trim() == s.name()))
    {
        if let Scenario::Loss = scenario {
            hoso_faults::netns::lose_here(LOSS_PERCENT)
                .unwrap_or_else(|e| panic!("{LOSS_PERCENT} % loss (nftables): {e}"));
        }
        // HoSo's client, in its own process.
        let stage = Stage::new(
            scratch.join(format!("portal-{}-hoso", scenario.name())),
            scenario,
        )
        .await;
        scenario.arm(&stage.proxy, size);
        let hoso = json_run(
            Command::new(std::env::current_exe().expect("own path"))
                .args(["client"])
                .arg(&profile)
                .args([&stage.endpoint, &stage.token, &sha.to_hex()]),
            "HoSo's client",
        );
        let url = hoso["url"].as_str().unwrap_or_default().to_owned();
        let faults = stage.proxy.stats();
        let interruptions = match scenario {
            Scenario::Clean | Scenario::Loss => 0,
            Scenario::Resets => faults.resets,
            Scenario::Stall => faults.stalls,
        };
        assert_eq!(
            stage.stored_sha256(&url).as_deref(),
            Some(sha.to_hex().as_str()),
            "HoSo's upload arrived whole ({})",
            scenario.name()
        );
        drop(stage);
        peak_rss = peak_rss.max(hoso["peak_rss_mib"].as_f64().unwrap_or(0.0));

        // tus-js-client against the same portal, link and faults.
        let stage = Stage::new(
            scratch.join(format!("portal-{}-js", scenario.name())),
            scenario,
        )
        .await;
        scenario.arm(&stage.proxy, size);
        let js = json_run(
            Command::new("node")
                .arg(interop.join("tus-bench-client.mjs"))
                .args([&stage.endpoint, &stage.token])
                .arg(&file),
            "tus-js-client",
        );
        let js_url = js["url"].as_str().unwrap_or_default().to_owned();
        let js_whole = stage.stored_sha256(&js_url).as_deref() == Some(sha.to_hex().as_str());
        drop(stage);

        let hoso_s = hoso["seconds"].as_f64().unwrap_or(f64::NAN);
        let js_s = js["seconds"].as_f64().unwrap_or(f64::NAN);
        let resent = hoso["sent"].as_u64().unwrap_or(0).saturating_sub(size);
        let round = |x: f64, places: i32| {
            let f = 10f64.powi(places);
            (x * f).round() / f
        };
        let goodput = size as f64 / hoso_s;
        println!(
            "{:>7}: HoSo {:.1} s ({:.3} of link, {:.3} of raw TCP; {} resumes, {} stalls, {} bytes sent again, peak RSS {:.1} MiB) | tus-js-client {:.1} s ({:.3} of link; {} retries{}) | HoSo takes {:.2}x tus-js-client's time",
            scenario.name(),
            hoso_s,
            goodput / link,
            goodput / raw,
            hoso["resumes"],
            hoso["stalls"],
            resent,
            hoso["peak_rss_mib"].as_f64().unwrap_or(0.0),
            js_s,
            size as f64 / js_s / link,
            js["retries"],
            if js_whole { "" } else { ", NOT WHOLE" },
            hoso_s / js_s
        );
        results.insert(
            scenario.name().into(),
            json!({
                "hoso_seconds": round(hoso_s, 2),
                "tus_js_seconds": round(js_s, 2),
                "hoso_goodput_ratio": round(goodput / link, 3),
                "tus_js_goodput_ratio": round(size as f64 / js_s / link, 3),
                "hoso_vs_raw_tcp": round(goodput / raw, 3),
                "time_vs_tus_js": round(hoso_s / js_s, 3),
                "interruptions": interruptions,
                "resent_bytes": resent,
                "tus_js_whole": js_whole,
            }),
        );
    }
    if results.contains_key("loss") {
        let dropped = hoso_faults::netns::dropped_here().unwrap_or(0);
        println!(
            "   loss: {LOSS_PERCENT} % of TCP packets dropped at random ({dropped} packets in both runs)"
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let results = Value::Object(results);
    let (clean, resets, loss) = (&results["clean"], &results["resets"], &results["loss"]);
    let per_interruption = resets["resent_bytes"].as_u64().unwrap_or(0)
        / resets["interruptions"].as_u64().unwrap_or(1).max(1);
    let summary = json!({
        "bench": "upload",
        "file_mib": size / MIB,
        "link_mbit": mbit,
        "raw_tcp_ratio": (raw / link * 1000.0).round() / 1000.0,
        "goodput_ratio": clean["hoso_goodput_ratio"],
        "vs_tus_js_client": clean["time_vs_tus_js"],
        "resent_bytes_per_interruption": per_interruption,
        "loss_percent": LOSS_PERCENT,
        "loss_goodput_ratio": loss["hoso_goodput_ratio"],
        "loss_vs_tus_js_client": loss["time_vs_tus_js"],
        "peak_rss_mib": (peak_rss * 10.0).round() / 10.0,
        "scenarios": results,
    });
    println!("{summary}");
}

/// Runs an uploader that prints one JSON line, and reads that line.
fn json_run(cmd: &mut Command, who: &str) -> Value {
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("{who} did not run: {e}"));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{who} said {:?}: {e}", String::from_utf8_lossy(&out.stdout)))
}

/// One upload by HoSo's engine with its default settings; prints a JSON
/// line with what it took.
async fn client(args: &[String]) {
    let [profile, endpoint, token, sha] = args else {
        panic!("client PROFILE ENDPOINT TOKEN SHA256");
    };
    let client = Client::open(Path::new(profile)).await.expect("profile");
    let sha: hoso_core::Sha256Digest = sha.parse().expect("sha256");
    let started = Instant::now();
    let report = client
        .upload_document(
            Target {
                endpoint,
                token: Some(token),
            },
            sha,
        )
        .await
        .expect("upload");
    let seconds = started.elapsed().as_secs_f64();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak_kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    println!(
        "{}",
        json!({
            "url": report.url,
            "seconds": seconds,
            "sent": report.sent,
            "resumes": report.resumes,
            "stalls": report.stalls,
            "peak_rss_mib": peak_kib / 1024.0,
        })
    );
}
