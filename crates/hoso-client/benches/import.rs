//! Importing a 2 GiB scan into the attachment library: the copy streams in
//! 256 KiB pieces, hashing on the way, so memory stays flat whatever the file
//! size; importing the same content under another name stores nothing new.
//! Prints the figures, the last line one JSON object.

use hoso_client::Client;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

const SIZE: u64 = 2 * 1024 * 1024 * 1024;

/// Peak resident memory of this process so far, in KiB (`VmHWM`).
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn bytes_under(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => bytes_under(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = dir.path().join("bản quét giấy chứng nhận.pdf");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&source).expect("create"));
        let piece: Vec<u8> = (0..1024 * 1024u32).map(|i| (i % 251) as u8).collect();
        for n in 0..SIZE / piece.len() as u64 {
            f.write_all(&piece[..piece.len() - 1]).expect("write");
            f.write_all(&[n as u8]).expect("write");
        }
        f.flush().expect("flush");
    }
    let copy = dir.path().join("bản sao khác tên.pdf");
    std::fs::hard_link(&source, &copy).expect("second name for the same content");

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let profile = dir.path().join("profile");
    let client = rt.block_on(Client::open(&profile)).expect("profile");
    let library = profile.join(hoso_client::LIBRARY_DIR);
    let before_kib = peak_kib();

    let start = Instant::now();
    let entry = rt
        .block_on(client.import_attachment(&source))
        .expect("import");
    let first_s = start.elapsed().as_secs_f64();
    let peak_after_first = peak_kib();
    let stored_after_first = bytes_under(&library);

    let start = Instant::now();
    let again = rt
        .block_on(client.import_attachment(&copy))
        .expect("import again");
    let second_s = start.elapsed().as_secs_f64();
    let stored_after_second = bytes_under(&library);
    let peak = peak_kib();

    assert_eq!(entry.size, SIZE);
    assert_eq!(again.sha256, entry.sha256);
    let mib = SIZE as f64 / (1024.0 * 1024.0);
    println!(
        "import of {mib:.0} MiB: {first_s:.1} s, {:.0} MiB/s",
        mib / first_s
    );
    println!(
        "same content, other name: {second_s:.1} s, library grew by {} bytes",
        stored_after_second - stored_after_first
    );
    println!(
        "peak resident memory: {:.1} MiB before, {:.1} MiB after the first import, {:.1} MiB at the end",
        before_kib as f64 / 1024.0,
        peak_after_first as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    println!(
        "{{\"bench\":\"import\",\"size_bytes\":{SIZE},\"first_s\":{first_s:.2},\"second_s\":{second_s:.2},\"mib_per_s\":{:.1},\"peak_rss_mib\":{:.1},\"library_growth_second_bytes\":{}}}",
        mib / first_s,
        peak as f64 / 1024.0,
        stored_after_second - stored_after_first
    );
}
