//! The `hoso` binary against a running portal on 127.0.0.1: every
//! subcommand used, its `--json` read back, its exit code checked.

#[path = "cli/dead_ends.rs"]
mod dead_ends;
#[path = "cli/fees.rs"]
mod fees;
#[path = "cli/ratings.rs"]
mod ratings;
#[path = "cli/results.rs"]
mod results;
#[cfg(unix)]
#[path = "cli/token_prompt.rs"]
mod token_prompt;

use hoso_core::status::Status;
use hoso_core::wire::Transition;
use hoso_portal::{PortalConfig, RunningPortal};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Instant;

/// Runs `hoso --profile PROFILE ARGS…` with `LANG=lang`.
async fn hoso_in(profile: &Path, lang: &str, args: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_hoso"));
    cmd.arg("--profile")
        .arg(profile)
        .args(args)
        .env("LANG", lang)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("HOSO_PROFILE");
    cmd.output().await.expect("hoso runs")
}

/// Runs a command that must succeed with `--json`; its JSON.
async fn json(profile: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = hoso_in(profile, "en_US.UTF-8", &all).await;
    assert!(
        out.status.success(),
        "hoso {args:?} failed ({:?}): {}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "hoso {args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

struct Agency {
    portal: RunningPortal,
    token: String,
    officer: String,
    dir: tempfile::TempDir,
}

async fn agency() -> Agency {
    let dir = tempfile::tempdir().expect("temp dir");
    let portal = hoso_portal::start(PortalConfig::practice(dir.path().join("portal")))
        .await
        .expect("portal");
    let token = portal
        .issue_token("cty-anh-duong", "Công ty Ánh Dương")
        .await
        .expect("token");
    let officer = portal
        .issue_officer_token("can-bo-1", "Cán bộ một cửa")
        .await
        .expect("officer");
    Agency {
        portal,
        token,
        officer,
        dir,
    }
}

impl Agency {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Adds this agency's portal to `profile`, signed in as its applicant.
    async fn sign_in(&self, profile: &Path) -> Value {
        let url = self.portal.base_url().to_owned();
        json(profile, &["portals", "add", &url, "--token", &self.token]).await
    }

    async fn officer_moves(&self, code: &str, to: Status) {
        let move_to = Transition {
            to,
            note: "Đã kiểm tra".into(),
            request: None,
        };
        let res = officer_send(
            "POST",
            &format!(
                "{}/v1/officer/dossiers/{code}/status",
                self.portal.base_url()
            ),
            &self.officer,
            "application/json",
            &serde_json::to_vec(&move_to).expect("json"),
        )
        .await;
        assert!(res, "officer move to {to}");
    }

    fn dossiers_on_portal(&self) -> usize {
        hoso_portal::inspect::Inspector::open(&self.path("portal"))
            .expect("portal store")
            .dossiers()
            .expect("dossiers")
            .len()
    }
}

/// Sends `body` (of `content_type`) with `method` and a bearer token over
/// plain HTTP/1.1 (the test needs no HTTP client of its own for an
/// officer's few calls); whether the portal answered 2xx.
async fn officer_send(
    method: &str,
    url: &str,
    token: &str,
    content_type: &str,
    body: &[u8],
) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").expect("http url");
    let (host, path) = rest.split_once('/').expect("path");
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let head = format!(
        "{method} /{path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    stream.write_all(body).await.expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    answer.starts_with("HTTP/1.1 2")
}

/// The sample dossier's fields as a JSON file, and its documents as files
/// (slot, path); the certificate is made unique by `tag`.
fn sample_files(dir: &Path, tag: &str) -> (PathBuf, Vec<(String, PathBuf)>) {
    let sample = hoso_core::samples::quality_inspection();
    let values = dir.join(format!("values-{tag}.json"));
    std::fs::write(&values, serde_json::to_vec(&sample.fields).expect("json")).expect("write");
    let docs = sample
        .documents
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let path = dir.join(format!("{tag}-{}", d.name));
            let mut bytes = format!("%PDF-1.7 {} {i}", d.slot).into_bytes();
            if d.slot == "quality_certificate" {
                bytes.extend_from_slice(tag.as_bytes());
            }
            bytes.resize(2_000 + i, b'.');
            std::fs::write(&path, bytes).expect("write");
            (d.slot.clone(), path)
        })
        .collect();
    (values, docs)
}

/// Values changed from the sample's, by field path or slot.
type Changes<'a> = &'a [(&'a str, &'a str)];

/// Lines of a batch CSV for the quality-inspection sample: every sample
/// field and every slot of `docs`, after a `key` column when `keyed`.
struct SampleCsv<'a> {
    sample: hoso_core::DossierContent,
    docs: &'a [(String, PathBuf)],
    keyed: bool,
}

impl<'a> SampleCsv<'a> {
    fn new(docs: &'a [(String, PathBuf)], keyed: bool) -> Self {
        Self {
            sample: hoso_core::samples::quality_inspection(),
            docs,
            keyed,
        }
    }

    fn cell(v: &str) -> String {
        format!("\"{}\"", v.replace('"', "\"\""))
    }

    /// The heading line.
    fn header(&self) -> String {
        let mut header = Vec::new();
        if self.keyed {
            header.push("key".to_owned());
        }
        header.push("procedure".to_owned());
        header.extend(self.sample.fields.keys().map(|p| format!("field:{p}")));
        header.extend(self.docs.iter().map(|(slot, _)| format!("doc:{slot}")));
        header.join(",") + "\r\n"
    }

    /// One row: the sample's values and files, but for `fields` and
    /// `files` ("" empties a cell).
    fn row(&self, key: &str, fields: Changes<'_>, files: Changes<'_>) -> String {
        let mut row = Vec::new();
        if self.keyed {
            row.push(Self::cell(key));
        }
        row.push("kiem-tra-cl-nhap-khau".to_owned());
        for (p, value) in &self.sample.fields {
            let v = match fields.iter().find(|(f, _)| f == p) {
                Some((_, v)) => (*v).to_owned(),
                None => match value {
                    hoso_core::Value::Text(t) => t.clone(),
                    rows => serde_json::to_string(rows).expect("json"),
                },
            };
            row.push(Self::cell(&v));
        }
        for (slot, path) in self.docs {
            let v = files
                .iter()
                .find(|(s, _)| s == slot)
                .map(|(_, v)| (*v).to_owned())
                .unwrap_or_else(|| {
                    path.file_name()
                        .and_then(|n| n.to_str())
                        .expect("name")
                        .to_owned()
                });
            row.push(Self::cell(&v));
        }
        row.join(",") + "\r\n"
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_subcommand_against_a_running_portal() {
    let a = agency().await;
    let profile = a.path("profile");
    let url = a.portal.base_url().to_owned();

    let added = a.sign_in(&profile).await;
    assert_eq!(added["signed_in"], true);
    let listed = json(&profile, &["portals", "list"]).await;
    assert_eq!(listed.as_array().expect("array").len(), 1);
    assert_eq!(
        listed[0]["key_fingerprint"],
        a.portal.receipt_key().fingerprint()
    );

    let procedures = json(&profile, &["procedures", "list"]).await;
    assert!(
        procedures
            .as_array()
            .expect("array")
            .iter()
            .any(|p| p["code"] == "kiem-tra-cl-nhap-khau")
    );
    let shown = json(&profile, &["procedures", "show", "kiem-tra-cl-nhap-khau"]).await;
    assert!(shown["attachments"].as_array().expect("slots").len() >= 2);

    let new = json(&profile, &["dossiers", "new", "kiem-tra-cl-nhap-khau"]).await;
    let id = new["id"].as_i64().expect("id").to_string();
    // Incomplete: check says so with exit code 3 and names the problems.
    let early = hoso_in(
        &profile,
        "en_US.UTF-8",
        &["--json", "dossiers", "check", &id],
    )
    .await;
    assert_eq!(early.status.code(), Some(3));
    let problems: Value = serde_json::from_slice(&early.stdout).expect("json");
    assert!(
        !problems["problems"]
            .as_array()
            .expect("problems")
            .is_empty()
    );

    let (values, docs) = sample_files(a.dir.path(), "mot");
    json(
        &profile,
        &[
            "dossiers",
            "set",
            &id,
            "--file",
            values.to_str().expect("utf-8"),
        ],
    )
    .await;
    json(
        &profile,
        &[
            "dossiers",
            "set",
            &id,
            "--field",
            "importer.phone=0912 345 678",
        ],
    )
    .await;
    for (slot, path) in &docs {
        json(
            &profile,
            &[
                "dossiers",
                "attach",
                &id,
                slot,
                path.to_str().expect("utf-8"),
            ],
        )
        .await;
    }
    let checked = json(&profile, &["dossiers", "check", &id]).await;
    assert_eq!(checked["problems"], serde_json::json!([]), "{checked}");
    let list = json(&profile, &["dossiers", "list"]).await;
    assert_eq!(list.as_array().expect("list").len(), 1);
    let one = json(&profile, &["dossiers", "show", &id]).await;
    assert_eq!(one["content"]["fields"]["importer.phone"], "0912 345 678");
    assert_eq!(
        one["content"]["documents"].as_array().expect("docs").len(),
        docs.len()
    );

    // Filed once, however often it is asked.
    let filed = json(&profile, &["submit", &id]).await;
    let code = filed[0]["code"].as_str().expect("code").to_owned();
    let again = json(&profile, &["submit", &id]).await;
    assert_eq!(again[0]["code"], code.as_str());
    assert_eq!(a.dossiers_on_portal(), 1);

    a.officer_moves(&code, Status::Accepted).await;
    let all = json(&profile, &["status", "--sync"]).await;
    assert_eq!(all[0]["status"], "accepted");
    let status = json(&profile, &["status", &id]).await;
    assert_eq!(status["history"].as_array().expect("history").len(), 2);

    // The receipt as a file verifies offline; one byte changed does not.
    let receipt = json(&profile, &["receipt", "show", &id]).await;
    let file = a.path("bien-nhan.json");
    std::fs::write(&file, serde_json::to_vec(&receipt).expect("json")).expect("write");
    let verified = json(
        &profile,
        &["receipt", "verify", file.to_str().expect("utf-8")],
    )
    .await;
    assert_eq!(verified["valid"], true);
    let key = a.portal.receipt_key().to_base64();
    let with_key = json(
        &profile,
        &[
            "receipt",
            "verify",
            file.to_str().expect("utf-8"),
            "--key",
            &key,
        ],
    )
    .await;
    assert_eq!(with_key["dossier_code"], code.as_str());
    let mut bytes = std::fs::read(&file).expect("read");
    let at = bytes
        .windows(code.len())
        .position(|w| w == code.as_bytes())
        .expect("code in the receipt")
        + code.len()
        - 1;
    bytes[at] = if bytes[at] == b'1' { b'2' } else { b'1' };
    let forged = a.path("bien-nhan-sua.json");
    std::fs::write(&forged, &bytes).expect("write");
    let refused = hoso_in(
        &profile,
        "en_US.UTF-8",
        &["receipt", "verify", forged.to_str().expect("utf-8")],
    )
    .await;
    assert_eq!(
        refused.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&refused.stdout)
    );

    // The filed dossier as a package, into a second profile: filed there,
    // not filed again.
    let package = a.path("lo-thep.hoso");
    let exported = json(
        &profile,
        &["package", "export", &id, package.to_str().expect("utf-8")],
    )
    .await;
    assert!(exported["bytes"].as_u64().expect("bytes") > 10_000);
    let second = a.path("profile-2");
    a.sign_in(&second).await;
    let imported = json(
        &second,
        &["package", "import", package.to_str().expect("utf-8")],
    )
    .await;
    assert_eq!(imported["outcome"], "filed");
    assert_eq!(
        imported["portal"].as_str().map(|u| u.trim_end_matches('/')),
        Some(url.trim_end_matches('/')),
        "it names the portal it arrived for"
    );
    let id2 = imported["id"].as_i64().expect("id").to_string();
    let shown_again = json(&second, &["submit", &id2]).await;
    assert_eq!(shown_again[0]["code"], code.as_str());
    assert_eq!(a.dossiers_on_portal(), 1);

    // The calendar, offline: Tết 2026 and working days across it.
    let holidays = json(&profile, &["calendar", "holidays", "2026"]).await;
    let off: Vec<&str> = holidays["days_off"]
        .as_array()
        .expect("days")
        .iter()
        .filter_map(|d| d.as_str())
        .collect();
    assert!(
        off.contains(&"2026-02-16") && off.contains(&"2026-02-20"),
        "{off:?}"
    );
    let due = json(
        &profile,
        &[
            "calendar",
            "due",
            "--from",
            "2026-02-13T10:00",
            "--days",
            "3",
        ],
    )
    .await;
    let expected = hoso_core::calendar::Calendar::vietnam().due_date(
        chrono::NaiveDate::from_ymd_opt(2026, 2, 13)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .expect("time"),
        3,
        None,
    );
    assert_eq!(due["due"], expected.to_string());
    let between = json(
        &profile,
        &["calendar", "between", "2026-02-13", "2026-02-25"],
    )
    .await;
    assert_eq!(between["working_days"], 3);

    // Errors in the locale's language, with stable exit codes.
    let vi = hoso_in(&profile, "vi_VN.UTF-8", &["dossiers", "show", "9999"]).await;
    let en = hoso_in(&profile, "en_US.UTF-8", &["dossiers", "show", "9999"]).await;
    assert_eq!(vi.status.code(), Some(6));
    assert_eq!(en.status.code(), Some(6));
    let (vi, en) = (
        String::from_utf8_lossy(&vi.stderr).into_owned(),
        String::from_utf8_lossy(&en.stderr).into_owned(),
    );
    assert!(
        vi.contains("Không tìm thấy") || vi.contains("không"),
        "{vi}"
    );
    assert_ne!(vi, en);
    let usage = hoso_in(&profile, "en_US.UTF-8", &["dossiers", "frobnicate"]).await;
    assert_eq!(usage.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_of_two_hundred_dossiers_is_filed_eight_at_a_time() {
    let a = agency().await;
    let profile = a.path("profile");
    a.sign_in(&profile).await;

    // One CSV row per dossier: the sample's values, its shared documents
    // and a certificate of its own.
    let (_, shared) = sample_files(a.dir.path(), "chung");
    let lines = SampleCsv::new(&shared, false);
    let mut csv = lines.header();
    const N: usize = 200;
    for i in 0..N {
        let own = a.path(&format!("chung-nhan-{i}.pdf"));
        std::fs::write(
            &own,
            format!("%PDF-1.7 giay chung nhan so {i:04}").repeat(60),
        )
        .expect("write");
        let name = own.file_name().and_then(|n| n.to_str()).expect("name");
        csv.push_str(&lines.row("", &[], &[("quality_certificate", name)]));
    }
    let source = a.path("lo-hang.csv");
    std::fs::write(&source, csv).expect("write");

    let before = a.portal.requests_served();
    let started = Instant::now();
    let summary = json(
        &profile,
        &["batch", source.to_str().expect("utf-8"), "--parallel", "8"],
    )
    .await;
    let took = started.elapsed();
    let requests = a.portal.requests_served() - before;
    assert_eq!(summary["filed"], N, "{summary}");
    assert_eq!(summary["filed_now"], N);
    assert_eq!(summary["failed"], 0);
    assert_eq!(a.dossiers_on_portal(), N);
    println!(
        "batch: {N} dossiers, parallel 8: {:.1} s ({:.0} ms per dossier), {requests} requests ({:.2} per dossier)",
        took.as_secs_f64(),
        took.as_secs_f64() * 1000.0 / N as f64,
        requests as f64 / N as f64
    );

    // A folder of packages with a hostile one among them: the others are
    // filed, the summary names the failure, the exit code says "partial".
    let folder = a.path("goi");
    std::fs::create_dir_all(&folder).expect("folder");
    for (i, id) in ["1", "2"].iter().enumerate() {
        json(
            &profile,
            &[
                "package",
                "export",
                id,
                folder.join(format!("{i}.hoso")).to_str().expect("utf-8"),
            ],
        )
        .await;
    }
    std::fs::write(
        folder.join("9-doc-hai.hoso"),
        &hoso_package::samples::hostile()[0].bytes,
    )
    .expect("write");
    let second = a.path("profile-2");
    a.sign_in(&second).await;
    let out = hoso_in(
        &second,
        "vi_VN.UTF-8",
        &[
            "--json",
            "batch",
            folder.to_str().expect("utf-8"),
            "--parallel",
            "2",
        ],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(8),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(summary["filed"], 2);
    assert_eq!(
        summary["already_filed"], 2,
        "filed in the first profile: {summary}"
    );
    assert_eq!(summary["failed"], 1);
    let failed = summary["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i.get("error").is_some())
        .expect("the failure");
    assert!(
        failed["error"]
            .as_str()
            .expect("text")
            .contains("ngoài thư mục"),
        "{failed}"
    );
    assert_eq!(a.dossiers_on_portal(), N, "the packages were filed already");
}

/// A dossier of the sample, made and filed with `profile` (already added
/// to the portal); its local id and code.
async fn filed_sample(a: &Agency, profile: &Path, tag: &str) -> (String, String) {
    let new = json(profile, &["dossiers", "new", "kiem-tra-cl-nhap-khau"]).await;
    let id = new["id"].as_i64().expect("id").to_string();
    let (values, docs) = sample_files(a.dir.path(), tag);
    json(
        profile,
        &[
            "dossiers",
            "set",
            &id,
            "--file",
            values.to_str().expect("utf-8"),
        ],
    )
    .await;
    for (slot, path) in &docs {
        json(
            profile,
            &[
                "dossiers",
                "attach",
                &id,
                slot,
                path.to_str().expect("utf-8"),
            ],
        )
        .await;
    }
    let filed = json(profile, &["submit", &id]).await;
    let code = filed[0]["code"].as_str().expect("code").to_owned();
    (id, code)
}

/// Standard output as text, after checking the exit code.
fn stdout_of(out: &Output, code: i32) -> String {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

/// Standard error as text, after checking the exit code.
fn stderr_of(out: &Output, code: i32) -> String {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr.clone()).expect("utf-8")
}

/// Whether `text` has a line that reads `want` (spaces around it aside).
fn has_line(text: &str, want: &str) -> bool {
    text.lines().any(|l| l.trim() == want)
}

#[tokio::test(flavor = "multi_thread")]
async fn receipt_show_reads_like_form_01_to_the_minute_and_a_broken_receipt_file_is_not_verified() {
    let a = agency().await;
    let profile = a.path("profile");
    a.sign_in(&profile).await;
    let (id, code) = filed_sample(&a, &profile, "mau-01").await;

    // What was signed, read back from `--json` (unchanged: the signed
    // receipt and its signature, pretty-printed, nothing else).
    let raw = hoso_in(&profile, "C.UTF-8", &["--json", "receipt", "show", &id]).await;
    let raw = stdout_of(&raw, 0);
    let signed: Value = serde_json::from_str(&raw).expect("json");
    assert_eq!(
        raw,
        format!("{}\n", serde_json::to_string_pretty(&signed).expect("json"))
    );
    let mut keys: Vec<&String> = signed.as_object().expect("object").keys().collect();
    keys.sort();
    assert_eq!(keys, ["receipt", "signature"]);
    let r = &signed["receipt"];
    let received = chrono::DateTime::parse_from_rfc3339(r["received_at"].as_str().expect("time"))
        .expect("rfc 3339")
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).expect("+07"));
    let due = chrono::NaiveDate::parse_from_str(
        r["appointment_date"].as_str().expect("date"),
        "%Y-%m-%d",
    )
    .expect("date");
    let pin = r["lookup_pin"].as_str().expect("pin");
    let applicant = r["applicant"]["name"].as_str().expect("applicant");
    let doc = &r["documents"][0];
    let (doc_name, doc_size) = (
        doc["name"].as_str().expect("name"),
        doc["size"].as_u64().expect("size"),
    );
    let size = hoso_core::bilingual::byte_size(doc_size);
    let fingerprint = a.portal.receipt_key().fingerprint();

    // Vietnamese when no language is asked for (a `C` locale).
    let vi = stdout_of(
        &hoso_in(&profile, "C.UTF-8", &["receipt", "show", &id]).await,
        0,
    );
    for want in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".to_owned(),
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ".to_owned(),
        format!("Mã hồ sơ: {code}"),
        "Nơi tiếp nhận: Bộ phận tiếp nhận và trả kết quả (thực hành)".to_owned(),
        format!("Người nộp: {applicant}"),
        "Địa chỉ: 12 Tràng Tiền, phường Hoàn Kiếm, Hà Nội".to_owned(),
        format!(
            "Thủ tục: {} (mã kiem-tra-cl-nhap-khau, phiên bản 2026.07)",
            r["procedure"]["name"]["vi"].as_str().expect("name")
        ),
        "2. Số bộ hồ sơ: 1".to_owned(),
        "3. Thời hạn giải quyết: 1 ngày làm việc".to_owned(),
        format!(
            "4. Thời gian nhận hồ sơ: {}",
            received.format("%H:%M, ngày %d/%m/%Y")
        ),
        format!("5. Hẹn trả kết quả: {}", due.format("ngày %d/%m/%Y")),
        "6. Hình thức nhận kết quả: Trực tuyến qua cổng".to_owned(),
        format!("Mã tra cứu: {pin}"),
        format!("✓ Chữ ký số của cổng hợp lệ, khớp khóa đã ghim: {fingerprint}"),
    ] {
        assert!(has_line(&vi, &want), "no line “{want}” in:\n{vi}");
    }
    // The first document's row: number, kind, file, size.
    let row = vi
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("1 ") && l.contains(doc_name))
        .unwrap_or_else(|| panic!("no row for {doc_name} in:\n{vi}"));
    assert!(
        row.contains(doc["label"]["vi"].as_str().expect("label")) && row.ends_with(&size.vi),
        "{row}"
    );
    // To the minute: neither seconds nor their fractions.
    assert!(
        !vi.contains(&received.format("%H:%M:%S").to_string()),
        "{vi}"
    );

    // English with the language switch.
    let en = stdout_of(
        &hoso_in(
            &profile,
            "C.UTF-8",
            &["--lang", "en", "receipt", "show", &id],
        )
        .await,
        0,
    );
    for want in [
        "RECEIPT OF DOSSIER AND APPOINTMENT FOR THE RESULT".to_owned(),
        format!("Dossier code: {code}"),
        "Received by: Reception and results desk (practice)".to_owned(),
        format!("Applicant: {applicant}"),
        format!("4. Received at: {}", received.format("%H:%M, %d/%m/%Y")),
        format!("5. Result due: {}", due.format("%d/%m/%Y")),
        format!("Lookup code: {pin}"),
        format!("✓ The portal's signature is valid and matches the pinned key: {fingerprint}"),
    ] {
        assert!(has_line(&en, &want), "no line “{want}” in:\n{en}");
    }
    assert!(
        en.lines()
            .any(|l| l.trim().starts_with("1 ") && l.contains(doc_name) && l.ends_with(&size.en)),
        "{en}"
    );

    // A receipt file whose JSON is broken is not verified (5), like a
    // forged one, in text and in JSON; the whole one still verifies.
    let whole = a.path("bien-nhan.json");
    std::fs::write(&whole, &raw).expect("write");
    json(
        &profile,
        &["receipt", "verify", whole.to_str().expect("utf-8")],
    )
    .await;
    let cut = a.path("bien-nhan-cut.json");
    std::fs::write(&cut, &raw[..raw.len() / 2]).expect("write");
    let not_json = a.path("bien-nhan-khac.json");
    std::fs::write(&not_json, r#"{"receipt": {"dossier_code": "X"}}"#).expect("write");
    for broken in [&cut, &not_json] {
        let file = broken.to_str().expect("utf-8");
        let text = stdout_of(
            &hoso_in(&profile, "en_US.UTF-8", &["receipt", "verify", file]).await,
            5,
        );
        assert!(text.starts_with("RECEIPT NOT VALID:"), "{text}");
        assert!(text.contains("not a HoSo receipt"), "{text}");
        let out = hoso_in(
            &profile,
            "en_US.UTF-8",
            &["--json", "receipt", "verify", file],
        )
        .await;
        let answer: Value = serde_json::from_str(&stdout_of(&out, 5)).expect("json");
        assert_eq!(answer["valid"], false, "{answer}");
    }
}

/// The profile's dossiers, drafts included.
async fn local_dossiers(profile: &Path) -> usize {
    json(profile, &["dossiers", "list"])
        .await
        .as_array()
        .expect("list")
        .len()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sample_csv_files_and_a_rerun_adds_no_drafts_and_says_already_filed() {
    let a = agency().await;
    let profile = a.path("profile");
    a.sign_in(&profile).await;
    let sample =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/samples/batch-kiem-tra-cl.csv");
    let sample = sample.to_str().expect("utf-8");

    let first = json(&profile, &["batch", sample]).await;
    assert_eq!(
        (
            &first["filed_now"],
            &first["already_filed"],
            &first["failed"]
        ),
        (&Value::from(2), &Value::from(0), &Value::from(0)),
        "{first}"
    );
    assert_eq!(a.dossiers_on_portal(), 2);
    assert_eq!(local_dossiers(&profile).await, 2);
    let codes: Vec<(Value, Value)> = first["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (i["row_key"].clone(), i["code"].clone()))
        .collect();
    assert_eq!(codes[0].0, "key:HĐ-2026/114");

    // Again, in words: nothing sent, nothing made, both already filed.
    let text = stdout_of(
        &hoso_in(&profile, "en_US.UTF-8", &["batch", sample]).await,
        0,
    );
    assert!(
        text.starts_with("0 filed now · 2 already filed · 0 not filed"),
        "{text}"
    );
    let vi = stdout_of(
        &hoso_in(&profile, "vi_VN.UTF-8", &["batch", sample]).await,
        0,
    );
    assert!(
        vi.starts_with("0 hồ sơ nộp lần này · 2 đã nộp từ trước · 0 chưa nộp được"),
        "{vi}"
    );
    let again = json(&profile, &["batch", sample]).await;
    assert_eq!(again["filed_now"], 0, "{again}");
    assert_eq!(again["already_filed"], 2);
    let codes_again: Vec<(Value, Value)> = again["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            assert_eq!(i["outcome"], "already_filed", "{i}");
            (i["row_key"].clone(), i["code"].clone())
        })
        .collect();
    assert_eq!(codes_again, codes, "the same dossiers, found by their keys");
    assert_eq!(local_dossiers(&profile).await, 2, "no draft added");
    assert_eq!(a.dossiers_on_portal(), 2, "nothing filed twice");
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_rows_name_their_problems_and_a_changed_filed_row_is_not_filed_again() {
    let a = agency().await;
    let profile = a.path("profile");
    a.sign_in(&profile).await;

    let (_, docs) = sample_files(a.dir.path(), "loi");
    let lines = SampleCsv::new(&docs, true);
    // Rows as (key, field changes, document changes): a change to "" empties it.
    let write = |name: &str, rows: &[(&str, Changes<'_>, Changes<'_>)]| {
        let mut csv = lines.header();
        for (key, fields, files) in rows {
            csv.push_str(&lines.row(key, fields, files));
        }
        let file = a.path(name);
        std::fs::write(&file, csv).expect("write");
        file
    };
    let good_fields: &[(&str, &str)] = &[("papers.contract_no", "HĐ-2026/200")];
    let bad = write(
        "loi.csv",
        &[
            // Line 2: a wrong check digit and a required value left out.
            (
                "",
                &[("importer.tax_code", "0100233489"), ("importer.phone", "")],
                &[],
            ),
            // Line 3: a document that is not there and rows that are not JSON.
            (
                "",
                &[("goods.items", "[{\"name\": \"Máy biến áp\"")],
                &[("contract", "khong-co.pdf")],
            ),
            // Line 4: nothing wrong, under a key of the person's.
            ("LO-200", good_fields, &[]),
        ],
    );
    let bad = bad.to_str().expect("utf-8");

    let out = hoso_in(&profile, "en_US.UTF-8", &["--json", "batch", bad]).await;
    let summary: Value = serde_json::from_str(&stdout_of(&out, 8)).expect("json");
    assert_eq!(summary["filed_now"], 1, "{summary}");
    assert_eq!(summary["failed"], 2);
    let items = summary["items"].as_array().expect("items");
    let problems_of = |line: u64| -> Vec<(String, String)> {
        let item = items
            .iter()
            .find(|i| i["line"] == line)
            .unwrap_or_else(|| panic!("no line {line} in {summary}"));
        assert_eq!(item["outcome"], "not_filed", "{item}");
        assert_eq!(item["exit"], 3, "{item}");
        item["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .map(|p| {
                (
                    p["path"].as_str().expect("path").to_owned(),
                    p["message"]["en"].as_str().expect("message").to_owned(),
                )
            })
            .collect()
    };
    let line2 = problems_of(2);
    let paths2: Vec<&str> = line2.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths2, ["importer.tax_code", "importer.phone"], "{line2:?}");
    let line3 = problems_of(3);
    let paths3: Vec<&str> = line3.iter().map(|(p, _)| p.as_str()).collect();
    assert!(
        paths3.contains(&"goods.items") && paths3.contains(&"documents.contract"),
        "{line3:?}"
    );
    let missing = &line3
        .iter()
        .find(|(p, _)| p == "documents.contract")
        .expect("the missing file")
        .1;
    assert!(missing.contains("khong-co.pdf"), "{missing}");
    assert_eq!(
        local_dossiers(&profile).await,
        1,
        "refused rows make no draft"
    );

    // The same in words: each refused line, then each problem by path.
    let text = stdout_of(&hoso_in(&profile, "en_US.UTF-8", &["batch", bad]).await, 8);
    assert!(
        text.starts_with("0 filed now · 1 already filed · 2 not filed"),
        "{text}"
    );
    assert!(
        text.contains(
            "\n  ✗ line 2: The dossier has 2 problem(s) to fix before it can be filed.\n"
        ),
        "{text}"
    );
    for (path, message) in line2.iter().chain(&line3) {
        assert!(
            text.contains(&format!("\n      - {path}: {message}")),
            "no “{path}: {message}” in:\n{text}"
        );
    }
    assert_eq!(local_dossiers(&profile).await, 1, "a rerun adds no draft");

    // The filed row's key with another phone number: not filed again; its
    // problem names what differs from what was filed.
    let code = items
        .iter()
        .find(|i| i["line"] == 4)
        .and_then(|i| i["code"].as_str())
        .expect("line 4 filed")
        .to_owned();
    let changed = write(
        "sua.csv",
        &[(
            "LO-200",
            &[
                ("papers.contract_no", "HĐ-2026/200"),
                ("importer.phone", "024 3999 0000"),
            ],
            &[],
        )],
    );
    let out = hoso_in(
        &profile,
        "en_US.UTF-8",
        &["--json", "batch", changed.to_str().expect("utf-8")],
    )
    .await;
    let summary: Value = serde_json::from_str(&stdout_of(&out, 8)).expect("json");
    let item = &summary["items"][0];
    assert_eq!(item["outcome"], "not_filed", "{summary}");
    assert!(
        item["error"].as_str().expect("error").contains(&code),
        "{item}"
    );
    assert_eq!(item["problems"][0]["path"], "importer.phone", "{item}");
    assert_eq!(local_dossiers(&profile).await, 1);
    assert_eq!(a.dossiers_on_portal(), 1);
}
