//! The upload engine on a bad link: a fault proxy between the client and
//! the portal (or the npm reference tus server) resets connections at
//! random offsets, stalls silently, corrupts a byte, answers 503 with
//! Retry-After, and goes down for 30 seconds. Every upload completes and
//! every stored file hashes to the original.

use hoso_client::Client;
use hoso_client::tus::{Target, UploadReport, UploadSettings};
use hoso_core::Sha256Digest;
use hoso_faults::FaultProxy;
use hoso_portal::{PortalConfig, RunningPortal};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

const MIB: u64 = 1024 * 1024;

/// A portal reachable only through a fault proxy (the URLs it hands out
/// name the proxy), and a client profile; the portal's data is in
/// `dir/portal`.
pub struct Link {
    pub dir: TempDir,
    pub proxy: FaultProxy,
    _portal: RunningPortal,
    pub client: Client,
    pub endpoint: String,
    pub token: String,
}

impl Link {
    pub async fn new(settings: UploadSettings) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        // The proxy first, so the portal can hand out URLs through it.
        let proxy = FaultProxy::start("127.0.0.1:9".parse().expect("addr"))
            .await
            .expect("proxy");
        let portal = hoso_portal::start(PortalConfig {
            public_url: Some(proxy.http_url()),
            ..PortalConfig::practice(dir.path().join("portal"))
        })
        .await
        .expect("portal");
        proxy.retarget(portal.addr());
        let token = portal
            .issue_token("cty-mang-yeu", "Công ty Mạng Yếu")
            .await
            .expect("token");
        let mut client = Client::open(&dir.path().join("profile"))
            .await
            .expect("profile");
        client.set_upload_settings(settings);
        let endpoint = format!("{}/v1/uploads", proxy.http_url());
        Self {
            dir,
            proxy,
            _portal: portal,
            client,
            endpoint,
            token,
        }
    }

    /// Imports `len` bytes of noise; the document's hash.
    async fn document(&self, len: u64) -> Sha256Digest {
        let path = noise_file(self.dir.path(), len);
        self.client
            .import_attachment(&path)
            .await
            .expect("import")
            .sha256
    }

    async fn upload(&self, sha: Sha256Digest) -> UploadReport {
        self.client
            .upload_document(
                Target {
                    endpoint: &self.endpoint,
                    token: Some(&self.token),
                },
                sha,
            )
            .await
            .expect("upload completes")
    }

    /// The hash of what the portal stored for an upload URL.
    fn stored(&self, url: &str) -> Sha256Digest {
        let id = url.rsplit('/').next().expect("id");
        let bytes = std::fs::read(self.dir.path().join("portal/uploads").join(id)).expect("stored");
        Sha256Digest::of(&bytes)
    }
}

/// A file of `len` pseudo-random bytes (incompressible, unlike a pattern).
fn noise_file(dir: &Path, len: u64) -> PathBuf {
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ len;
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let path = dir.join(format!("ban-quet-{len}.pdf"));
    std::fs::write(&path, bytes).expect("write");
    path
}

/// Short times, so the tests do not wait as long as people would.
fn quick() -> UploadSettings {
    UploadSettings {
        stall_timeout: Duration::from_secs(2),
        give_up_after: Duration::from_secs(120),
        ..UploadSettings::default()
    }
}

/// Offsets spread at random over `[from, to)`, sorted; the seed is printed
/// so a failing run can be repeated.
fn random_offsets(count: usize, from: u64, to: u64) -> Vec<u64> {
    let seed = std::env::var("HOSO_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    println!("fault offsets seed: HOSO_FAULT_SEED={seed}");
    let mut state = seed | 1;
    let mut out: Vec<u64> = (0..count)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            from + (state >> 11) % (to - from)
        })
        .collect();
    out.sort_unstable();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_reset_at_random_offsets_lose_nothing_and_resend_at_most_the_window() {
    // The window held at 256 KiB (on loopback the measured bandwidth-delay
    // product would widen it).
    let window = 256 * 1024;
    let link = Link::new(UploadSettings {
        min_chunk: window,
        max_chunk: window,
        ..quick()
    })
    .await;
    let size = 6 * MIB;
    let sha = link.document(size).await;
    let base = link.proxy.sent();
    let offsets = random_offsets(5, base + 1, base + size);
    for at in &offsets {
        link.proxy.reset_at(*at);
    }
    let report = link.upload(sha).await;
    assert_eq!(link.stored(&report.url), sha);
    let stats = link.proxy.stats();
    assert_eq!(stats.resets, 5, "{stats:?} at {offsets:?}");
    assert!(report.resumes >= 1, "{report:?}");
    // PATCHes go back to back, never more than the window ahead of what
    // the portal confirmed: a reset costs at most the window, wherever the
    // bytes were (this side's socket, the proxy, the portal's buffers).
    let resent = report.sent - size;
    println!(
        "5 resets: {} resumes, {resent} bytes sent again ({} per reset)",
        report.resumes,
        resent / 5
    );
    assert!(resent <= 5 * window, "{resent} bytes sent again");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupted_byte_is_caught_by_the_chunk_checksum_and_sent_again() {
    let link = Link::new(quick()).await;
    let size = 3 * MIB;
    let sha = link.document(size).await;
    link.proxy.flip_at(link.proxy.sent() + 2 * MIB);
    let report = link.upload(sha).await;
    assert_eq!(link.proxy.stats().flips, 1);
    assert!(
        report.resumes >= 1,
        "the damaged chunk was refused: {report:?}"
    );
    assert_eq!(link.stored(&report.url), sha);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_stall_is_abandoned_after_the_stall_timeout() {
    let link = Link::new(quick()).await;
    let size = 4 * MIB;
    let sha = link.document(size).await;
    // The connection hangs for two minutes without closing.
    link.proxy
        .stall_at(link.proxy.sent() + 2 * MIB + 5, Duration::from_secs(120));
    let started = Instant::now();
    let report = link.upload(sha).await;
    let took = started.elapsed();
    assert_eq!(link.stored(&report.url), sha);
    assert_eq!(report.stalls, 1, "{report:?}");
    // Far sooner than the hang: the stall timeout (2 s) and a resume.
    assert!(took < Duration::from_secs(60), "took {took:?}");
    println!("stall detected and resumed; upload took {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_busy_server_is_waited_out_as_retry_after_says() {
    let link = Link::new(quick()).await;
    let sha = link.document(MIB).await;
    link.proxy.answer_503(2, 1);
    let started = Instant::now();
    let report = link.upload(sha).await;
    let took = started.elapsed();
    println!(
        "two 503s with Retry-After: 1: {report:?}, {:?}, took {took:?}",
        link.proxy.stats()
    );
    assert_eq!(link.proxy.stats().refusals_503, 2);
    assert_eq!(link.stored(&report.url), sha);
    assert!(report.resumes >= 2, "{report:?}");
    // Two answers of "Retry-After: 1" cost at least two seconds.
    assert!(started.elapsed() >= Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thirty_second_outage_mid_upload_is_survived() {
    let link = Link::new(UploadSettings {
        // Slow enough that the outage falls in the middle.
        bandwidth_cap: Some(2 * MIB),
        ..quick()
    })
    .await;
    let size = 6 * MIB;
    let sha = link.document(size).await;
    let start = link.proxy.sent();
    let upload = link.upload(sha);
    let outage = async {
        while link.proxy.sent() < start + 2 * MIB {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        link.proxy.outage(Duration::from_secs(30));
        Instant::now()
    };
    let (report, began) = tokio::join!(upload, outage);
    assert_eq!(link.stored(&report.url), sha);
    assert!(began.elapsed() >= Duration::from_secs(30));
    assert!(report.resumes >= 1, "{report:?}");
}

/// The npm reference server (`@tus/server` + `@tus/file-store`) in its own
/// process, storing into `dir`.
struct NpmTusServer {
    child: Child,
    endpoint: String,
    dir: PathBuf,
}

impl Drop for NpmTusServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl NpmTusServer {
    fn start(dir: PathBuf) -> Self {
        let interop = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop");
        assert!(
            interop.join("node_modules/@tus/server").is_dir(),
            "@tus/server is not installed in {}: run `cargo xtask setup`",
            interop.display()
        );
        std::fs::create_dir_all(&dir).expect("store folder");
        let mut child = Command::new("node")
            .arg(interop.join("tus-server.mjs"))
            .arg(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("address");
        Self {
            child,
            endpoint: line.trim().to_owned(),
            dir,
        }
    }

    fn addr(&self) -> std::net::SocketAddr {
        let host = self
            .endpoint
            .trim_start_matches("http://")
            .split('/')
            .next()
            .expect("host");
        host.parse().expect("socket address")
    }

    fn stored(&self, url: &str) -> Sha256Digest {
        let id = url.rsplit('/').next().expect("id");
        Sha256Digest::of(&std::fs::read(self.dir.join(id)).expect("stored file"))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_to_the_npm_tus_server_resume_after_the_connection_is_cut_and_after_a_stall() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = NpmTusServer::start(dir.path().join("npm-store"));
    let proxy = FaultProxy::start(server.addr()).await.expect("proxy");
    let endpoint = format!("{}/files", proxy.http_url());
    let mut client = Client::open(&dir.path().join("profile"))
        .await
        .expect("profile");
    client.set_upload_settings(quick());

    // No checksum extension there: the rest of the file streams in one
    // PATCH, and is cut at 40 % of the file.
    let size = 8 * MIB;
    let path = noise_file(dir.path(), size);
    let sha = client
        .import_attachment(&path)
        .await
        .expect("import")
        .sha256;
    proxy.reset_at(proxy.sent() + size * 2 / 5);
    let target = Target {
        endpoint: &endpoint,
        token: None,
    };
    let report = client.upload_document(target, sha).await.expect("upload");
    assert_eq!(proxy.stats().resets, 1);
    assert!(report.resumes >= 1, "{report:?}");
    assert!(report.url.starts_with(&proxy.http_url()), "{}", report.url);
    assert_eq!(server.stored(&report.url), sha);
    println!(
        "npm server, one reset: {} bytes sent for {size}",
        report.sent
    );

    // A second file, the connection hanging silently half-way.
    let path = noise_file(dir.path(), size + 1);
    let sha = client
        .import_attachment(&path)
        .await
        .expect("import")
        .sha256;
    proxy.stall_at(proxy.sent() + size / 2, Duration::from_secs(120));
    let started = Instant::now();
    let report = client.upload_document(target, sha).await.expect("upload");
    // The npm server may hold its lock on the hung request a little
    // longer than the stall timeout, which costs a second stall.
    assert!(report.stalls >= 1, "{report:?}");
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(server.stored(&report.url), sha);

    // A portal that is not HoSo's still gets no duplicate: the same
    // document again resumes the finished upload instead of a new one.
    let again = client.upload_document(target, sha).await.expect("again");
    assert_eq!(again.url, report.url);
    assert_eq!(again.sent, 0);
}
