//! A result delivered electronically, from the window: the officer
//! attaches the result and issues it, the dossier's page shows it with its
//! documents, the person downloads it (each file checked against the
//! portal's signed notice), the dossier shows completed, and the document
//! opens with the system's program for it.
//!
//! The system's opener is `xdg-open` found on the app's PATH; the test puts
//! one first on that PATH that writes down what it was asked to open.

use crate::harness::Session;
use crate::tracking::filed;
use hoso_core::status::Status;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn an_issued_result_is_downloaded_verified_opened_and_the_dossier_completed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (agency, profile, code) = filed(dir.path()).await;

    // The opener that records what it is given.
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let opened = dir.path().join("opened.txt");
    let opener = bin.join("xdg-open");
    std::fs::write(
        &opener,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
            opened.display()
        ),
    )
    .expect("opener");
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).expect("mode");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    for to in [Status::Accepted, Status::Processing, Status::ResultReady] {
        agency.officer(&code, to, None).await;
    }
    let url = agency.portal.base_url().to_owned();
    let app = Session::launch_with(
        &profile,
        &[
            ("HOSO_PORTAL_URL", url.as_str()),
            ("HOSO_PORTAL_TOKEN", agency.token.as_str()),
            ("PATH", path.as_str()),
        ],
    )
    .await;
    app.wait("li.dossier .track", Duration::from_secs(60)).await;
    app.click("li.dossier .track").await;
    app.click("#page-sync").await;
    app.until_text("#page-standing .portal-status", "Đã có kết quả")
        .await;
    let section = app.until_text("#result", "ket-qua.pdf").await;
    assert!(section.contains("Tải kết quả"), "{section}");
    app.until_text("#result", "ket-qua.pdf").await;
    app.screenshot("30-result-issued").await;

    app.click("#result-download").await;
    let verified = app.until_text("#result-verified", "chữ ký số").await;
    assert!(verified.contains("khớp"), "{verified}");
    app.click("#page-sync").await;
    app.until_text("#page-standing .portal-status", "Đã trả kết quả")
        .await;
    app.until_text("#result-verified", "chữ ký số").await;
    app.screenshot("31-result-received").await;

    app.click("#result .result-document .open").await;
    let mut said = String::new();
    for _ in 0..100 {
        said = std::fs::read_to_string(&opened).unwrap_or_default();
        if !said.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let file = said.lines().next().expect("the opener was called");
    assert!(file.ends_with("/ket-qua.pdf"), "opened by its name: {file}");
    assert_eq!(
        std::fs::read(file).expect("the opened file"),
        "%PDF-1.7 kết quả".as_bytes(),
        "the document the officer attached"
    );
}
