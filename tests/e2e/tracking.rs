//! Following a filed dossier from the window: an officer asks for more,
//! the app shows what is asked on the dossier's page, the person answers
//! with a file that replaces the certificate and sends it, the officer
//! reads the supplement, and the dossier goes on to completion, each step
//! on the page's timeline. The summary and the portals panel show it too.
//! A portal added in the panel gets a dossier written for it, a package
//! that brings a draft back to it, and a dossier filed there from the
//! window; then another server takes its address and is refused.
//!
//! The portal runs in this test process; the app files with it through
//! `HOSO_PORTAL_URL`. The dossier is filed from the profile beforehand
//! (filing from the window is `walking_skeleton.rs`'s subject).

use crate::harness::Session;
use hoso_client::Client;
use hoso_core::status::Status;
use hoso_core::supplement::SupplementReceipt;
use hoso_core::wire::Transition;
use hoso_core::{Sha256Digest, samples};
use hoso_portal::{PortalConfig, RunningPortal};
use std::path::{Path, PathBuf};
use std::time::Duration;

const ASKED: &str =
    "Bổ sung bản dịch tiếng Việt có công chứng của giấy chứng nhận chất lượng (trang 2 bị mờ).";
const ANSWER: &str = "Xin gửi bản dịch công chứng, bản quét lại rõ nét.";

pub(crate) struct Agency {
    pub(crate) portal: RunningPortal,
    pub(crate) officer: String,
    pub(crate) token: String,
}

impl Agency {
    pub(crate) async fn officer(&self, code: &str, to: Status, request: Option<&str>) {
        // A result is issued with its document, attached first.
        if to == Status::ResultReady {
            let res = reqwest::Client::new()
                .put(format!(
                    "{}/v1/officer/dossiers/{code}/results/ket-qua.pdf",
                    self.portal.base_url()
                ))
                .bearer_auth(&self.officer)
                .body("%PDF-1.7 kết quả")
                .send()
                .await
                .expect("officer request");
            assert!(
                res.status().is_success(),
                "result attached: {}",
                res.status()
            );
        }
        let res = reqwest::Client::new()
            .post(format!(
                "{}/v1/officer/dossiers/{code}/status",
                self.portal.base_url()
            ))
            .bearer_auth(&self.officer)
            .json(&Transition {
                to,
                note: "Cán bộ một cửa".into(),
                request: request.map(str::to_owned),
            })
            .send()
            .await
            .expect("officer request");
        assert!(
            res.status().is_success(),
            "officer move to {to}: {}",
            res.status()
        );
    }

    async fn supplements(&self, code: &str) -> Vec<SupplementReceipt> {
        reqwest::Client::new()
            .get(format!(
                "{}/v1/officer/dossiers/{code}/supplements",
                self.portal.base_url()
            ))
            .bearer_auth(&self.officer)
            .send()
            .await
            .expect("officer request")
            .json()
            .await
            .expect("supplements")
    }
}

/// A portal with an applicant and an officer, and a profile holding one
/// dossier filed there; its code.
pub(crate) async fn filed(dir: &Path) -> (Agency, PathBuf, String) {
    let portal = hoso_portal::start(PortalConfig::practice(dir.join("portal")))
        .await
        .expect("portal starts");
    let token = portal
        .issue_token("cty-anh-duong", "Công ty Ánh Dương")
        .await
        .expect("token");
    let officer = portal
        .issue_officer_token("can-bo-1", "Cán bộ một cửa")
        .await
        .expect("officer");
    let profile = dir.join("profile");
    let client = Client::open(&profile).await.expect("profile");
    let (record, _) = crate::signed_in(&client, portal.base_url(), &token).await;
    let content = sample(&client, dir).await;
    let code = client
        .submit(&record, content)
        .await
        .expect("filed")
        .receipt
        .dossier_code
        .to_string();
    (
        Agency {
            portal,
            officer,
            token,
        },
        profile,
        code,
    )
}

/// The sample quality-inspection dossier with small generated documents
/// (written in `dir`) imported into `client`'s library.
pub(crate) async fn sample(client: &Client, dir: &Path) -> hoso_core::DossierContent {
    let mut content = samples::quality_inspection();
    for (i, doc) in content.documents.iter_mut().enumerate() {
        let path = dir.join(&doc.name);
        std::fs::write(&path, vec![i as u8 ^ 0x5a; 2_000 + i]).expect("write");
        let entry = client.import_attachment(&path).await.expect("import");
        doc.size = entry.size;
        doc.sha256 = entry.sha256;
        doc.name = entry.name;
    }
    content
}

/// A complete draft for `portal`, written in another profile (another
/// computer of the firm) and exported as a package; its path.
async fn prepared_for(portal: &RunningPortal, token: &str, dir: &Path) -> PathBuf {
    let client = Client::open(&dir.join("may-khac")).await.expect("profile");
    let (record, procedure) = crate::signed_in(&client, portal.base_url(), token).await;
    let draft = client
        .create_dossier(&record, &procedure)
        .await
        .expect("draft");
    let content = sample(&client, dir).await;
    client
        .save_dossier(&record, draft.summary.id, content, draft.revision)
        .await
        .expect("saved");
    let path = dir.join("lo-hang-so-cong-thuong.hoso");
    client
        .export_package(draft.summary.id, &path)
        .await
        .expect("exported");
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supplement_goes_from_the_officers_request_to_a_completed_dossier() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (agency, profile, code) = filed(dir.path()).await;
    let url = agency.portal.base_url().to_owned();
    let app = Session::launch_with(
        &profile,
        &[
            ("HOSO_PORTAL_URL", url.as_str()),
            ("HOSO_PORTAL_TOKEN", agency.token.as_str()),
        ],
    )
    .await;

    // The officer asks for more; the person updates the status.
    app.wait("li.dossier .track", Duration::from_secs(60)).await;
    agency
        .officer(&code, Status::SupplementRequested, Some(ASKED))
        .await;
    app.click("#sync-status").await;
    app.until_text("li.dossier .standing", "Yêu cầu bổ sung")
        .await;
    let line = app.text("li.dossier .standing").await;
    assert!(line.contains("Tạm dừng"), "the clock waits: {line}");
    app.click("li.dossier .track").await;
    let asked = app.until_text("#asked", "bản dịch").await;
    assert_eq!(asked.trim(), ASKED);
    let timeline = app.text("#timeline").await;
    assert!(timeline.contains("Yêu cầu bổ sung"), "{timeline}");
    assert!(timeline.contains("can-bo-1"), "who asked: {timeline}");
    app.screenshot("13-supplement-asked").await;

    // The answer, with a file that replaces the certificate.
    let translation = dir.path().join("ban-dich-cong-chung.pdf");
    let bytes: Vec<u8> = (0..90_000u32).map(|i| (i * 7 % 253) as u8).collect();
    std::fs::write(&translation, &bytes).expect("write");
    app.type_into("#supplement-answer", ANSWER).await;
    app.type_into("#supplement-path", &translation.display().to_string())
        .await;
    app.click("#supplement-attach").await;
    app.wait("#supplement-docs li.doc", Duration::from_secs(20))
        .await;
    app.choose("#supplement-docs li.doc select.kind", "quality_certificate")
        .await;
    app.screenshot("14-supplement-answer").await;
    app.click("#supplement-send").await;
    let filed = app
        .until_text("#supplements li.supplement", "Bổ sung lần 1")
        .await;
    assert!(filed.contains("chữ ký hợp lệ"), "{filed}");
    assert!(filed.contains("ban-dich-cong-chung.pdf"), "{filed}");
    // The page reads the change the supplement made.
    app.until_text("#page-standing .portal-status", "Đã tiếp nhận")
        .await;
    assert!(
        app.client
            .find(fantoccini::Locator::Css("#supplement"))
            .await
            .is_err(),
        "no longer asked"
    );
    app.screenshot("15-supplement-filed").await;

    // The officer reads it: the answer and the file, byte for byte.
    let seen = agency.supplements(&code).await;
    assert_eq!(seen.len(), 1, "one supplement at the portal");
    assert_eq!(seen[0].answer, ANSWER);
    assert_eq!(seen[0].request, ASKED);
    assert_eq!(seen[0].documents[0].slot, "quality_certificate");
    assert_eq!(seen[0].documents[0].sha256, Sha256Digest::of(&bytes));
    // A second press could not file it twice: the button is gone, and a
    // direct call answers with the same receipt.
    let again: hoso_ipc::SupplementView = serde_json::from_value(
        app.client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 window.__TAURI__.core.invoke('submit_supplement', { args: { id: arguments[0],
                     supplement: { answer: 'lần hai', documents: [] } } })
                   .then(done, (e) => done({ error: e }));",
                vec![serde_json::json!(dossier_id(&app).await)],
            )
            .await
            .expect("script ran"),
    )
    .map_err(|e| format!("{e}"))
    .unwrap_or_else(|e| panic!("second supplement: {e}"));
    assert_eq!(again.supplement.answer, ANSWER, "the stored one");
    assert_eq!(agency.supplements(&code).await.len(), 1);

    // The officer takes it to the end; the page follows.
    for to in [
        Status::Accepted,
        Status::Processing,
        Status::ResultReady,
        Status::Completed,
    ] {
        agency.officer(&code, to, None).await;
    }
    app.click("#page-sync").await;
    app.until_text("#page-standing .portal-status", "Đã trả kết quả")
        .await;
    let timeline = app.text("#timeline").await;
    for step in [
        "Đã trả kết quả",
        "Đã có kết quả",
        "Đang giải quyết",
        "Bổ sung lần 1",
        "Yêu cầu bổ sung",
    ] {
        assert!(timeline.contains(step), "{step} in {timeline}");
    }
    app.screenshot("16-dossier-completed").await;

    // The receipt is one click away from the page.
    app.click("#page-receipt").await;
    app.until_text("body", "Chữ ký hợp lệ").await;

    // The dossier leaves as a package (receipt, history and supplement
    // inside) and, brought back, is recognised rather than duplicated.
    app.click("#nav-list").await;
    app.wait("li.dossier .export-package", Duration::from_secs(10))
        .await;
    app.click("li.dossier .export-package").await;
    let done = app.until_text("#package-done", ".hoso").await;
    let (path, package) = package_told(&done);
    let inside = package.manifest().filed.as_ref().expect("filed part");
    assert_eq!(inside.dossier_code, code);
    assert_eq!(inside.supplements.len(), 1);
    assert!(
        inside.history.len() >= 7,
        "{} changes",
        inside.history.len()
    );
    app.type_into("#package-path", path).await;
    app.click("#package-import").await;
    app.until_text("#package-done", "đã có sẵn").await;
    app.screenshot("20-package-imported").await;
    assert_eq!(
        app.client
            .find_all(fantoccini::Locator::Css("li.dossier"))
            .await
            .expect("rows")
            .len(),
        1,
        "not duplicated"
    );

    // The summary counts it; the portals panel shows both portals.
    app.click("#nav-summary").await;
    app.until_text("#summary-counts", "Đã trả kết quả").await;
    app.screenshot("17-summary").await;
    app.click("#nav-portals").await;
    let portals = app.until_text("#portals", "Cổng thực hành").await;
    assert!(portals.contains(&url), "{portals}");

    // A third portal, added by its address and signed in; then another
    // server takes its address with another key: refused, with a warning.
    let third_dir = dir.path().join("third");
    let third = hoso_portal::start(PortalConfig {
        name: hoso_core::Bilingual::new("Sở Công Thương", "Department of Industry and Trade"),
        ..PortalConfig::practice(&third_dir)
    })
    .await
    .expect("third portal");
    let third_token = third
        .issue_token("cty-anh-duong", "Công ty Ánh Dương")
        .await
        .expect("token");
    app.type_into("#portal-url", third.base_url()).await;
    app.type_into("#portal-token", &third_token).await;
    app.click("#portal-add").await;
    let added = app.until_text("#portal-added", "Sở Công Thương").await;
    let pinned = third.receipt_key().fingerprint();
    assert!(added.contains(&pinned), "{added}");
    app.until_text("#portals", "Sở Công Thương").await;
    app.screenshot("18-portals").await;

    // A new dossier written for that portal: chosen beside the procedure,
    // its catalog offered, and its line names the portal.
    app.click("#nav-list").await;
    app.wait("#portal-choice", Duration::from_secs(10))
        .await
        .select_by_label("Sở Công Thương")
        .await
        .expect("the added portal is offered");
    app.until_text("#procedure", "kiểm tra nhà nước về chất lượng")
        .await;
    app.click("#create").await;
    app.until_text("#editor-portal", "Sở Công Thương").await;
    app.screenshot("18a-editor-for-another-portal").await;
    app.click("#back").await;
    let line = app
        .until_text("li.dossier", "Cổng tiếp nhận: Sở Công Thương")
        .await;
    assert!(line.contains("Nháp"), "a draft: {line}");
    app.screenshot("18b-dossier-for-another-portal").await;
    // Its package names that portal, and brought back with the default
    // portal chosen, the draft still arrives for the portal it was
    // written for.
    app.click_xpath(
        "//li[contains(@class,'dossier')][contains(., 'Sở Công Thương')]//button[contains(@class,'export-package')]",
    )
    .await;
    let done = app.until_text("#package-done", ".hoso").await;
    let (path, package) = package_told(&done);
    let named = package.manifest().written_for.as_ref().expect("its portal");
    assert_eq!(named.key_id, pinned);
    app.type_into("#package-path", path).await;
    app.click("#package-import").await;
    let told = app
        .until_text("#package-done", "Cổng tiếp nhận: Sở Công Thương")
        .await;
    assert!(told.contains("đã có sẵn"), "{told}");
    app.screenshot("18c-draft-package-for-its-portal").await;
    // A complete dossier for that portal, prepared on another computer,
    // arrives for it and is filed there from the window.
    let prepared = prepared_for(&third, &third_token, dir.path()).await;
    app.type_into("#package-path", prepared.to_str().expect("utf-8"))
        .await;
    app.click("#package-import").await;
    let told = app.until_text("#package-done", "Đã nhập thành").await;
    assert!(told.contains("Cổng tiếp nhận: Sở Công Thương"), "{told}");
    app.click_xpath(
        "//li[contains(@class,'dossier')][contains(., 'Sở Công Thương')][not(contains(., 'chưa có tên'))]//button[contains(@class,'open')]",
    )
    .await;
    app.until_text("#editor-portal", "Sở Công Thương").await;
    app.click("#submit").await;
    app.wait("#receipt", Duration::from_secs(120)).await;
    let receipt = app.until_text("#receipt", "Chữ ký hợp lệ").await;
    assert!(
        receipt.contains(&pinned),
        "verified with the third portal's key {pinned}: {receipt}"
    );
    let filed_there = hoso_portal::inspect::Inspector::open(&third_dir)
        .expect("third portal's store")
        .dossiers()
        .expect("dossiers");
    assert_eq!(filed_there.len(), 1, "filed once at the third portal");
    assert!(
        receipt.contains(&filed_there[0].code),
        "the receipt names {}: {receipt}",
        filed_there[0].code
    );
    assert_eq!(
        hoso_portal::inspect::Inspector::open(&dir.path().join("portal"))
            .expect("first portal's store")
            .dossiers()
            .expect("dossiers")
            .len(),
        1,
        "nothing new at the default portal"
    );
    app.scroll_to("#receipt").await;
    app.screenshot("18d-filed-at-another-portal").await;
    app.click("#nav-portals").await;

    let addr = third.addr();
    third.stop().await;
    let impostor = hoso_portal::start(PortalConfig {
        listen: addr,
        ..PortalConfig::practice(dir.path().join("impostor"))
    })
    .await
    .expect("impostor");
    app.click("#nav-list").await;
    app.wait("#sync-status", Duration::from_secs(10)).await;
    app.click("#sync-status").await;
    let alert = app
        .until_text("section.list p.problems", "Khóa ký của cổng đã thay đổi")
        .await;
    assert!(alert.contains(&pinned), "{alert}");
    app.click("#nav-portals").await;
    let warned = app.until_text("li.portal-line.warning", "CẢNH BÁO").await;
    assert!(warned.contains("Sở Công Thương"), "{warned}");
    assert!(
        warned.contains(&impostor.receipt_key().fingerprint()),
        "names the key presented: {warned}"
    );
    app.screenshot("19-portal-key-changed").await;
    app.close().await;
}

/// The local id of the only dossier on the page (from its list line).
async fn dossier_id(app: &Session) -> i64 {
    let listed: Vec<hoso_core::DossierSummary> = serde_json::from_value(
        app.client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 window.__TAURI__.core.invoke('list_dossiers', { args: { query: {} } }).then(done);",
                vec![],
            )
            .await
            .expect("script ran"),
    )
    .expect("list");
    listed.first().expect("one dossier").id
}

/// The package whose path the window's message `told` names, opened.
fn package_told(
    told: &str,
) -> (
    &str,
    hoso_package::Package<std::io::BufReader<std::fs::File>>,
) {
    let path = told
        .split_whitespace()
        .find(|w| w.ends_with(".hoso"))
        .expect("the package's path");
    let file = std::fs::File::open(path).expect("package file");
    let package =
        hoso_package::Package::open(std::io::BufReader::new(file)).expect("a valid package");
    (path, package)
}
