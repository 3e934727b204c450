//! The app's memory while importing a 2 GiB scan through the window: the
//! library streams the copy, so the app's peak resident memory must not
//! grow with the file. A benchmark, not part of the test command: run by
//! `cargo xtask bench app-import`; it prints the figures, the last line one
//! JSON object.

use crate::harness::{Session, app_binary, app_pid};
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

/// Where a process's resident pages come from, in the order printed.
const ORIGINS: [&str; 6] = [
    "the software GL renderer (Mesa's llvmpipe: libLLVM, swrast)",
    "WebKitGTK and JavaScriptCore",
    "other system libraries (GTK, GLib, ICU, …)",
    "memory shared with the WebKit processes and X",
    "HoSo's program (code and data)",
    "HoSo's heap, stacks and other anonymous memory",
];

/// A process's resident memory (KiB) by [`ORIGINS`], from
/// `/proc/PID/smaps`: each mapping's `Rss` counted under what it maps.
fn resident_by_origin(pid: u32, program: &Path) -> [u64; 6] {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    let program = program.to_string_lossy();
    let mut by = [0u64; 6];
    let mut origin = 5;
    for line in smaps.lines() {
        let mut words = line.split_whitespace();
        let Some(first) = words.next() else { continue };
        if first.contains('-') && !first.ends_with(':') {
            // A mapping's header: range, permissions, offset, device, inode, path.
            let path = words.nth(4).unwrap_or("");
            origin =
                if path.contains("libLLVM") || path.contains("/dri/") || path.contains("gallium") {
                    0
                } else if path.contains("libwebkit2gtk") || path.contains("libjavascriptcoregtk") {
                    1
                } else if path.starts_with("/usr/lib") || path.starts_with("/lib") {
                    2
                } else if path.starts_with("/memfd:")
                    || path.starts_with("/SYSV")
                    || path.starts_with("/dev/shm")
                {
                    3
                } else if !path.is_empty() && path == program {
                    4
                } else {
                    5
                };
        } else if first == "Rss:" {
            by[origin] += words.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        }
    }
    by
}

/// `Maximum resident set size` from `/usr/bin/time -v`'s report, KiB.
fn time_v_max_rss(report: &str) -> Option<u64> {
    report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|n| n.trim().parse().ok())
}

/// The process ids of `pid`'s children and their command names.
fn children(pid: u32) -> Vec<(u32, String)> {
    let list =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    list.split_whitespace()
        .filter_map(|c| c.parse().ok())
        .map(|c: u32| {
            let name = std::fs::read_to_string(format!("/proc/{c}/comm")).unwrap_or_default();
            (c, name.trim().to_owned())
        })
        .collect()
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

    // The app runs under /usr/bin/time -v, which reports its peak resident
    // memory when it ends.
    let program = app_binary();
    let report = dir.path().join("time-v.txt");
    let wrapper = dir.path().join("under-time");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec /usr/bin/time -v -o '{}' '{}' \"$@\"\n",
            report.display(),
            program.display()
        ),
    )
    .expect("wrapper");
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("wrapper is executable");

    let app = Session::launch_program(&wrapper, &profile, &[]).await;
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
    let origins_before = resident_by_origin(pid, &program);

    let start = Instant::now();
    app.type_into(r#"[name="path-scan"]"#, &scan.display().to_string())
        .await;
    app.click("#attach-scan").await;
    app.wait(r#"[id="documents.scan"] li.doc"#, Duration::from_secs(600))
        .await;
    let took = start.elapsed().as_secs_f64();
    let (peak_after, rss_after, anon_after) = memory_kib(pid);
    let origins_after = resident_by_origin(pid, &program);
    let webkit: Vec<(String, u64)> = children(pid)
        .into_iter()
        .map(|(c, name)| (name, memory_kib(c).0))
        .collect();
    // Ended by a signal rather than through the driver, which would take
    // /usr/bin/time down with the app before it could report.
    let ended = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(ended.success(), "kill -TERM {pid}");
    let mut time_v = None;
    for _ in 0..100 {
        time_v = std::fs::read_to_string(&report)
            .ok()
            .and_then(|r| time_v_max_rss(&r));
        if time_v.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let time_v = time_v.expect("/usr/bin/time -v reported when the app ended");
    app.close().await;

    let mib = |k: u64| k as f64 / 1024.0;
    println!("app process {pid} ({}):", program.display());
    println!(
        "  resident {:.1} MiB before the import, {:.1} MiB after; its own (anonymous) memory {:.1} → {:.1} MiB",
        mib(rss_before),
        mib(rss_after),
        mib(anon_before),
        mib(anon_after)
    );
    println!(
        "  peak resident (VmHWM) {:.1} MiB before the import, {:.1} MiB after it (grew {:.1} MiB) for a {:.0} MiB file in {took:.1} s",
        mib(peak_before),
        mib(peak_after),
        mib(peak_after.saturating_sub(peak_before)),
        SIZE as f64 / 1048576.0
    );
    println!(
        "  /usr/bin/time -v, maximum resident set size: {:.1} MiB",
        mib(time_v)
    );
    println!("  resident memory by origin, before → after the import:");
    for (i, origin) in ORIGINS.iter().enumerate() {
        println!(
            "    {:6.1} → {:6.1} MiB  {origin}",
            mib(origins_before[i]),
            mib(origins_after[i])
        );
    }
    let hoso_own = |o: &[u64; 6]| o[4] + o[5];
    let system = |o: &[u64; 6]| o[0] + o[1] + o[2] + o[3];
    println!(
        "    system libraries and shared memory {:.1} MiB, HoSo's own {:.1} MiB (after the import)",
        mib(system(&origins_after)),
        mib(hoso_own(&origins_after))
    );
    for (name, peak) in &webkit {
        println!(
            "  {name}, started by the app: peak resident {:.1} MiB",
            mib(*peak)
        );
    }
    println!(
        "{{\"bench\":\"app-import\",\"size_bytes\":{SIZE},\"seconds\":{took:.1},\"time_v_max_rss_mib\":{:.1},\"peak_before_mib\":{:.1},\"peak_after_mib\":{:.1},\"anon_before_mib\":{:.1},\"anon_after_mib\":{:.1},\"system_mib\":{:.1},\"hoso_own_mib\":{:.1}}}",
        mib(time_v),
        mib(peak_before),
        mib(peak_after),
        mib(anon_before),
        mib(anon_after),
        mib(system(&origins_after)),
        mib(hoso_own(&origins_after))
    );
    // The import must not grow the app, and what HoSo itself holds (its
    // program and its own memory) stays far below 100 MiB whatever the
    // file's size. The resident total also counts the system's WebKitGTK
    // and GL libraries, mapped before any import.
    assert!(
        mib(hoso_own(&origins_after)) < 100.0,
        "HoSo's own memory went over 100 MiB"
    );
    assert!(
        mib(peak_after.saturating_sub(peak_before)) < 16.0,
        "the import grew the app's peak memory"
    );
}
