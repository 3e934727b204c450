//! `hoso-portal serve` as an agency starts it: its name and upload cap
//! from flags, over a settings file; and without either, a portal that
//! says it is a practice one.

mod common;

use hoso_core::wire::Discovery;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A `serve` process, killed when dropped.
struct Serving {
    child: Child,
    base: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `serve --data DATA --listen 127.0.0.1:0 ARGS…` once the trial
/// notice is among its procedures; the process, and what it said on
/// stderr before printing its address.
fn serve(data: &Path, args: &[&str]) -> (Serving, String) {
    common::with_notice(data);
    // Its stderr goes to a file, read once the address is out: what serve
    // tells before it is written by then.
    let log = data.with_extension("stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hoso-portal"))
        .arg("serve")
        .arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .env("RUST_LOG", "off")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("the portal starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the portal prints its address");
    let serving = Serving {
        child,
        base: line.trim().to_owned(),
    };
    assert!(line.starts_with("http://"), "the portal said {line:?}");
    let told = std::fs::read_to_string(&log).expect("log");
    (serving, told)
}

/// A token for a new applicant of the portal whose data is in `data`.
fn applicant(data: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hoso-portal"))
        .args(["add-applicant", "--data"])
        .arg(data)
        .args(["--account", "cty-a", "--name", "Công ty A"])
        .output()
        .expect("add-applicant");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .expect("token")
        .trim()
        .to_owned()
}

async fn discovery(http: &reqwest::Client, base: &str) -> Discovery {
    http.get(format!("{base}/.well-known/hoso"))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn name_and_upload_cap_come_from_flags_and_an_unnamed_portal_says_it_is_for_practice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let http = reqwest::Client::new();

    // No settings file, no name: a practice portal, told at start, in its
    // discovery, on its receipts and in its dossier codes.
    let practice = dir.path().join("thuc-hanh");
    let (portal, told) = serve(&practice, &[]);
    assert!(
        told.starts_with("Đây là cổng thực hành HoSo (“Cổng thực hành HoSo”): mã hồ sơ bắt đầu bằng HOSO.PRACTICE-.")
            && told.contains("This is a HoSo practice portal (“HoSo practice portal”)")
            && told.contains("--name"),
        "{told}"
    );
    let d = discovery(&http, &portal.base).await;
    assert_eq!(d.name.en, "HoSo practice portal");
    assert_eq!(d.limits.max_upload_bytes, 2 * 1024 * 1024 * 1024);
    let token = applicant(&practice);
    let filed = common::file(&http, &portal.base, &token, "thuc-hanh-1", "Nguyễn Văn A").await;
    assert!(common::receipt_text(&filed, "dossier_code").starts_with("HOSO.PRACTICE-"));
    drop(portal);

    // A settings file with its own name and cap; the flags win over both.
    let agency = dir.path().join("so-khcn");
    let settings = dir.path().join("portal.toml");
    std::fs::write(
        &settings,
        "name = { vi = \"Tên trong tệp\", en = \"Name in the file\" }\nmax_upload_mib = 500\n\
         [receiving_agency]\nvi = \"Bộ phận một cửa\"\nen = \"One-stop desk\"\n",
    )
    .expect("settings");
    let (portal, told) = serve(
        &agency,
        &[
            "--config",
            settings.to_str().expect("utf-8"),
            "--name",
            "Sở Khoa học và Công nghệ Hà Nội",
            "--name-en",
            "Hanoi Department of Science and Technology",
            "--agency-code",
            "SKHCN.HN",
            "--max-upload",
            "200MiB",
        ],
    );
    assert_eq!(told, "", "nothing of the practice portal is left to tell");
    let d = discovery(&http, &portal.base).await;
    assert_eq!(d.name.vi, "Sở Khoa học và Công nghệ Hà Nội");
    assert_eq!(d.name.en, "Hanoi Department of Science and Technology");
    assert_eq!(d.limits.max_upload_bytes, 200 * 1024 * 1024);
    let token = applicant(&agency);
    let filed = common::file(&http, &portal.base, &token, "so-1", "Nguyễn Văn B").await;
    assert!(common::receipt_text(&filed, "dossier_code").starts_with("SKHCN.HN-"));
    assert_eq!(
        filed.receipt.receipt["portal"]["vi"],
        "Sở Khoa học và Công nghệ Hà Nội"
    );
    // The cap holds: one byte more is refused at creation, the cap is not.
    let create = |length: u64| {
        http.post(format!("{}/v1/uploads", portal.base))
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", length.to_string())
            .send()
    };
    let over = create(200 * 1024 * 1024 + 1).await.expect("answered");
    assert_eq!(over.status(), reqwest::StatusCode::PAYLOAD_TOO_LARGE);
    let at = create(200 * 1024 * 1024).await.expect("answered");
    assert_eq!(at.status(), reqwest::StatusCode::CREATED);
    drop(portal);

    // Named on the command line only: what it kept of the practice portal.
    let named = dir.path().join("chi-ten");
    let (_portal, told) = serve(&named, &["--name", "Cổng B", "--max-upload", "1000000"]);
    assert!(
        told.starts_with("Mã hồ sơ vẫn bắt đầu bằng HOSO.PRACTICE- của cổng thực hành; đặt tiền tố bằng --agency-code"),
        "{told}"
    );

    // A size or a code it cannot take: refused, naming the flag.
    for (args, want) in [
        (&["--max-upload", "nhiều"][..], "--max-upload"),
        (&["--max-upload", "0"], "phải lớn hơn 0 / must be above 0"),
        (
            &["--agency-code", "so khcn"],
            "--agency-code: chỉ gồm chữ in hoa",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_hoso-portal"))
            .arg("serve")
            .arg("--data")
            .arg(dir.path().join("sai"))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "off")
            .stdout(Stdio::null())
            .output()
            .expect("runs");
        assert!(!out.status.success(), "{args:?}");
        let mut said = String::new();
        said.push_str(&String::from_utf8_lossy(&out.stderr));
        assert!(said.contains(want), "{args:?}: {said}");
    }
}
