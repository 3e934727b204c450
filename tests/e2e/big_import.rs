//! The app's memory while importing a 2 GiB scan through the window: the
//! library streams the copy, so the app's peak resident memory must not
//! grow with the file. A benchmark, not part of the test command: run by
//! `cargo xtask bench app-import`; it prints the figures, the last line one
//! JSON object.

use crate::harness::{Session, app_pid};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

const SIZE: u64 = 2 * 1024 * 1024 * 1024;

/// A procedure whose one slot takes scans of up to 4 GiB, dropped into the
/// practice portal's folder of extra schemas.
const BIG_SLOT_SCHEMA: &str = r#"{
  "format": 2, "code": "do-thu-tep-lon", "version": "1",
  "name": {"vi": "Đo thử tệp lớn", "en": "Large file trial"},
  "agency": {"vi": "Cổng thực hành", "en": "Practice portal"},
  "effective_from": "2020-01-01", "fee_vnd": 0, "processing_days": 1,
  "sections": [{"id": "a", "title": {"vi": "Người nộp", "en": "Applicant"},
    "fields": [{"id": "name", "label": {"vi": "Họ tên", "en": "Name"}, "type": "text",
                "max_length": {"max": 100, "unit": "chars"}}]}],
  "attachments": [{"id": "scan", "label": {"vi": "Bản quét", "en": "Scan"},
    "accept": ["pdf"], "max_size_bytes": 4294967296, "max_count": 1}],
  "receipt": {"applicant_name": "a.name"},
  "notes": [{"vi": "Chỉ để đo.", "en": "For measuring only."}]
}"#;

/// `VmHWM` (peak resident), `VmRSS` (resident) and `RssAnon` (resident
/// memory of the process's own, not shared libraries) of a process, KiB.
fn memory_kib(pid: u32) -> (u64, u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"), field("RssAnon:"))
}

fn write_scan(path: &Path) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let piece: Vec<u8> = (0..1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    for n in 0..SIZE / piece.len() as u64 {
        f.write_all(&piece[..piece.len() - 1]).expect("write");
        f.write_all(&[n as u8]).expect("write");
    }
    f.flush().expect("flush");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: cargo xtask bench app-import"]
async fn importing_2_gib_through_the_window_keeps_the_app_small() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("profile");
    let extra = profile.join("practice-portal").join("procedures");
    std::fs::create_dir_all(&extra).expect("procedures folder");
    std::fs::write(extra.join("do-thu-tep-lon.json"), BIG_SLOT_SCHEMA).expect("schema");
    let scan = dir.path().join("bản quét sổ đỏ.pdf");
    write_scan(&scan);

    let app = Session::launch(&profile).await;
    app.wait("#procedure", Duration::from_secs(60))
        .await
        .select_by_label("Đo thử tệp lớn · Large file trial")
        .await
        .expect("the trial procedure is offered");
    app.click("#create").await;
    app.wait(r#"[name="path-scan"]"#, Duration::from_secs(10))
        .await;
    let pid = app_pid(&profile).expect("app running");
    let (peak_before, rss_before, anon_before) = memory_kib(pid);

    let start = Instant::now();
    app.type_into(r#"[name="path-scan"]"#, &scan.display().to_string())
        .await;
    app.click("#attach-scan").await;
    app.wait(r#"[id="documents.scan"] li.doc"#, Duration::from_secs(600))
        .await;
    let took = start.elapsed().as_secs_f64();
    let (peak_after, rss_after, anon_after) = memory_kib(pid);
    app.close().await;

    let mib = |k: u64| k as f64 / 1024.0;
    println!(
        "app process {pid}: resident {:.1} MiB before, {:.1} MiB after; its own (anonymous) memory {:.1} MiB before, {:.1} MiB after, the rest shared libraries",
        mib(rss_before),
        mib(rss_after),
        mib(anon_before),
        mib(anon_after)
    );
    println!(
        "app peak resident memory: {:.1} MiB before the import, {:.1} MiB after it (grew {:.1} MiB) for a {:.0} MiB file in {took:.1} s",
        mib(peak_before),
        mib(peak_after),
        mib(peak_after.saturating_sub(peak_before)),
        SIZE as f64 / 1048576.0
    );
    println!(
        "{{\"bench\":\"app-import\",\"size_bytes\":{SIZE},\"seconds\":{took:.1},\"peak_before_mib\":{:.1},\"peak_after_mib\":{:.1},\"anon_before_mib\":{:.1},\"anon_after_mib\":{:.1}}}",
        mib(peak_before),
        mib(peak_after),
        mib(anon_before),
        mib(anon_after)
    );
    // The import must not grow the app: its own memory stays far below
    // 100 MiB whatever the file size. (The resident total also counts
    // WebKitGTK's and the X software renderer's shared libraries.)
    assert!(
        mib(anon_after) < 100.0,
        "the app's own memory went over 100 MiB"
    );
    assert!(
        mib(peak_after.saturating_sub(peak_before)) < 16.0,
        "the import grew the app's peak memory"
    );
}
