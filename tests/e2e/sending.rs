//! Sending on a bad link, from the window: the link is cut mid-upload and
//! restored while Submit was pressed twice; the app is killed mid-upload
//! and started again. Each time: progress on screen, one receipt, one
//! dossier on the portal, the exact bytes stored.
//!
//! The portal runs in this test process behind a fault proxy; the app
//! files with it through `HOSO_PORTAL_URL`. The dossier is prepared in the
//! profile beforehand (its editing is `walking_skeleton.rs`'s subject).

use crate::harness::Session;
use hoso_client::Client;
use hoso_core::dossier::AttachedDocument;
use hoso_core::{Sha256Digest, samples};
use hoso_faults::FaultProxy;
use hoso_portal::inspect::Inspector;
use hoso_portal::{PortalConfig, RunningPortal};
use std::path::PathBuf;
use std::time::Duration;

/// The certificate's size: 18 MiB (its slot takes up to 20 MB), about
/// 12 s at the capped rate.
const CERTIFICATE: usize = 18 * 1024 * 1024;
/// The upload cap given to the app, KiB/s.
const CAP_KIB: &str = "1536";

struct Bench {
    dir: tempfile::TempDir,
    portal: RunningPortal,
    proxy: FaultProxy,
    token: String,
    profile: PathBuf,
    certificate: Sha256Digest,
    /// The dossier's local id.
    id: i64,
}

impl Bench {
    /// A portal behind a proxy, and a profile holding the sample dossier
    /// ready to file with it.
    async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        // The proxy first, so that the portal hands out its URLs through it.
        let proxy = FaultProxy::start("127.0.0.1:9".parse().expect("addr"))
            .await
            .expect("proxy");
        let portal = hoso_portal::start(PortalConfig {
            public_url: Some(proxy.http_url()),
            ..PortalConfig::practice(dir.path().join("portal"))
        })
        .await
        .expect("portal starts");
        proxy.retarget(portal.addr());
        let token = portal
            .issue_token("cty-anh-duong", "Công ty Ánh Dương")
            .await
            .expect("token");
        let profile = dir.path().join("profile");
        let client = Client::open(&profile).await.expect("profile");
        let (record, procedure) = crate::signed_in(&client, &proxy.http_url(), &token).await;
        let mut content = samples::quality_inspection();
        let mut documents = Vec::new();
        let mut certificate = None;
        for (i, doc) in content.documents.iter().enumerate() {
            let len = if doc.slot == "quality_certificate" {
                CERTIFICATE
            } else {
                3_000 + i
            };
            let bytes: Vec<u8> = (0..len)
                .map(|j| ((j as u32).wrapping_mul(2_654_435_761) >> 24) as u8 ^ i as u8)
                .collect();
            let path = dir.path().join(&doc.name);
            std::fs::write(&path, &bytes).expect("write attachment");
            let entry = client.import_attachment(&path).await.expect("import");
            if doc.slot == "quality_certificate" {
                certificate = Some(entry.sha256);
            }
            documents.push(AttachedDocument {
                slot: doc.slot.clone(),
                name: entry.name,
                size: entry.size,
                sha256: entry.sha256,
            });
        }
        content.documents = documents;
        let draft = client
            .create_dossier(&record, &procedure)
            .await
            .expect("draft");
        client
            .save_dossier(&record, draft.summary.id, content, draft.revision)
            .await
            .expect("saved");
        Self {
            dir,
            portal,
            proxy,
            token,
            profile,
            certificate: certificate.expect("a certificate slot"),
            id: draft.summary.id,
        }
    }

    async fn launch(&self) -> Session {
        let url = self.proxy.http_url();
        Session::launch_with(
            &self.profile,
            &[
                ("HOSO_PORTAL_URL", url.as_str()),
                ("HOSO_PORTAL_TOKEN", self.token.as_str()),
                ("HOSO_UPLOAD_CAP_KIB", CAP_KIB),
            ],
        )
        .await
    }

    /// The portal holds exactly one dossier, coded `code`, with the exact
    /// bytes of every document.
    fn one_dossier_stored(&self, code: &str) {
        let stored = Inspector::open(&self.dir.path().join("portal"))
            .expect("portal store opens")
            .dossiers()
            .expect("dossiers readable");
        assert_eq!(stored.len(), 1, "exactly one dossier on the portal");
        assert_eq!(stored[0].code, code.trim());
        for doc in &stored[0].documents {
            let bytes = std::fs::read(&doc.path).expect("stored file");
            assert_eq!(
                Sha256Digest::of(&bytes).to_hex(),
                doc.sha256,
                "{}",
                doc.name
            );
        }
        assert!(
            stored[0]
                .documents
                .iter()
                .any(|d| d.sha256 == self.certificate.to_hex()),
            "the large certificate is stored"
        );
    }
}

/// The fraction of the sending confirmed so far, from the overall bar.
async fn sent_fraction(app: &Session, bar: &str) -> f64 {
    let Ok(el) = app.client.find(fantoccini::Locator::Css(bar)).await else {
        return 0.0;
    };
    let value = el.attr("value").await.ok().flatten().unwrap_or_default();
    let max = el.attr("max").await.ok().flatten().unwrap_or_default();
    match (value.parse::<f64>(), max.parse::<f64>()) {
        (Ok(v), Ok(m)) if m > 0.0 => v / m,
        _ => 0.0,
    }
}

/// Waits until the bar matching `css` shows at least `fraction` sent.
async fn until_sent(app: &Session, bar: &str, fraction: f64) {
    for _ in 0..600 {
        if sent_fraction(app, bar).await >= fraction {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shot = app.screenshot("timeout-sent").await;
    panic!("{bar} never reached {fraction} ({})", shot.display());
}

/// Opens the only dossier of the list in the editor.
async fn open_the_dossier(app: &Session) {
    app.wait("li.dossier .open", Duration::from_secs(60)).await;
    app.click("li.dossier .open").await;
    app.wait("#submit", Duration::from_secs(10)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cut_link_and_a_double_click_end_in_one_receipt() {
    let bench = Bench::new().await;
    let app = bench.launch().await;
    open_the_dossier(&app).await;

    // Two clicks as fast as a hand can: two click events before the page
    // has redrawn anything.
    app.client
        .execute(
            "const b = document.getElementById('submit'); b.click(); b.click();",
            vec![],
        )
        .await
        .expect("double click");
    until_sent(&app, "#sending-total", 0.25).await;
    let phase = app.text("#sending-phase").await;
    assert!(phase.contains("Đang tải lên"), "phase: {phase:?}");
    app.screenshot("06-sending-before-cut").await;

    // A third Submit from outside the page (a retry, another window): it
    // joins the sending under way instead of starting one.
    app.client
        .execute(
            "window.thirdSubmit = null;
             window.__TAURI_INTERNALS__.invoke('submit_dossier', { args: { id: arguments[0] } })
                 .then(o => { window.thirdSubmit = o.receipt.dossier_code; },
                       e => { window.thirdSubmit = 'error: ' + JSON.stringify(e); });",
            vec![bench.id.into()],
        )
        .await
        .expect("third submit sent");

    // The link goes down for 8 s: the window says it waits for the network.
    bench.proxy.outage(Duration::from_secs(8));
    app.wait(
        r#"#sending[data-phase="WaitingForNetwork"]"#,
        Duration::from_secs(20),
    )
    .await;
    // Retries during the outage flip the phase for an instant; the text
    // must settle on waiting.
    app.until_text("#sending-phase", "Đang chờ mạng").await;
    app.screenshot("07-waiting-for-network").await;

    // Back up: it finishes by itself, with a receipt.
    app.wait("#receipt", Duration::from_secs(120)).await;
    app.screenshot("08-receipt-after-cut").await;
    let code = app.text("#dossier-code").await;
    let received = app.text("#received").await;
    assert!(received.contains("Cổng đã nhận hồ sơ"), "{received:?}");
    let mut third = serde_json::Value::Null;
    for _ in 0..100 {
        third = app
            .client
            .execute("return window.thirdSubmit;", vec![])
            .await
            .expect("read the third answer");
        if !third.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        third.as_str().map(str::trim),
        Some(code.trim()),
        "the third Submit got the same receipt"
    );
    let stats = bench.proxy.stats();
    println!(
        "cut link: {} connections, {} reset by the outage, {:.1} MiB sent for {:.1} MiB of documents",
        stats.connections,
        stats.resets,
        stats.upstream_bytes as f64 / 1_048_576.0,
        CERTIFICATE as f64 / 1_048_576.0
    );
    app.close().await;
    bench.one_dossier_stored(&code);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_killed_mid_upload_finishes_the_sending_when_started_again() {
    let bench = Bench::new().await;
    let app = bench.launch().await;
    open_the_dossier(&app).await;
    app.click("#submit").await;
    until_sent(&app, "#sending-total", 0.3).await;
    let before = bench.proxy.stats().upstream_bytes;
    app.kill_app(&bench.profile);
    drop(app);

    // Started again: the sending continues by itself (the default), its
    // line in the list shows the progress, and then the receipt is there.
    let app = bench.launch().await;
    app.wait("li.dossier .sending-line", Duration::from_secs(60))
        .await;
    let line = app.text("li.dossier .sending-line").await;
    assert!(
        line.contains("Đang") && line.contains("MB"),
        "the list line says what is happening: {line:?}"
    );
    app.screenshot("09-continued-after-restart").await;
    app.wait("li.dossier .receipt", Duration::from_secs(120))
        .await;
    let state = app.text("li.dossier .state").await;
    assert!(state.contains("Đã nộp"), "state: {state:?}");
    let standing = app.text("li.dossier .standing").await;
    assert!(
        standing.contains("Đã tiếp nhận") && standing.contains("Hẹn trả"),
        "the filed line shows its standing: {standing:?}"
    );

    // An officer accepts it; the person asks for news and sees it, with
    // the time the portal confirmed it.
    let officer = bench
        .portal
        .issue_officer_token("can-bo-1", "Cán bộ một cửa")
        .await
        .expect("officer");
    let code = app.text("li.dossier .code").await;
    let moved = reqwest::Client::new()
        .post(format!(
            "{}/v1/officer/dossiers/{}/status",
            bench.portal.base_url(),
            code.trim()
        ))
        .bearer_auth(&officer)
        .json(&serde_json::json!({ "to": "accepted", "note": "Hồ sơ đầy đủ" }))
        .send()
        .await
        .expect("officer request");
    assert!(
        moved.status().is_success(),
        "officer move: {}",
        moved.status()
    );
    app.click("#sync-status").await;
    let mut standing = String::new();
    for _ in 0..50 {
        standing = app.text("li.dossier .standing").await;
        if standing.contains("Đã chấp nhận") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        standing.contains("Đã chấp nhận") && standing.contains("cổng xác nhận lúc"),
        "after a refresh: {standing:?}"
    );
    app.screenshot("10-list-filed-after-restart").await;

    // The list as CSV: the code, the dates and the state just synced.
    app.click("#export-csv").await;
    let path = app.path_in("#exported").await;
    let csv = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let line = csv
        .lines()
        .find(|l| l.starts_with(code.trim()))
        .unwrap_or_else(|| panic!("no line for {code} in {csv}"));
    assert!(line.contains("Đã chấp nhận hồ sơ"), "{line}");
    app.click("li.dossier .receipt").await;
    app.wait("#receipt", Duration::from_secs(10)).await;
    let code = app.text("#dossier-code").await;
    let signature = app.text("#signature").await;
    assert!(signature.contains("Chữ ký hợp lệ"), "{signature:?}");
    let total = bench.proxy.stats().upstream_bytes;
    println!(
        "killed at {:.1} MiB sent; {:.1} MiB sent in all for {:.1} MiB of documents",
        before as f64 / 1_048_576.0,
        total as f64 / 1_048_576.0,
        CERTIFICATE as f64 / 1_048_576.0
    );
    // Resumed, not restarted: at most one chunk (16 MiB) sent again.
    assert!(
        total < (CERTIFICATE + 17 * 1024 * 1024) as u64,
        "{total} bytes sent for a {CERTIFICATE}-byte document"
    );
    app.close().await;
    bench.one_dossier_stored(&code);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_sending_and_one_left_unfinished_wait_for_the_person() {
    let bench = Bench::new().await;
    // This person wants to decide themselves after a restart.
    Client::open(&bench.profile)
        .await
        .expect("profile")
        .set_continue_at_start(false)
        .await
        .expect("preference");
    let app = bench.launch().await;
    open_the_dossier(&app).await;
    app.click("#submit").await;
    until_sent(&app, "#sending-total", 0.2).await;

    // Pause: the sending stops, says so, and keeps what was sent.
    app.click(&format!("#pause-{}", bench.id)).await;
    let paused = app.text("#paused").await;
    assert!(paused.contains("Đã tạm dừng gửi"), "{paused:?}");
    let submit = app.text("#submit").await;
    assert!(submit.contains("Tiếp tục gửi"), "button: {submit:?}");
    let at_pause = bench.proxy.stats().upstream_bytes;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let later = bench.proxy.stats().upstream_bytes;
    assert!(
        later - at_pause < 256 * 1024,
        "nothing is sent while paused ({at_pause} then {later})"
    );
    app.screenshot("11-paused").await;

    // Continue, then the app dies mid-upload.
    app.click("#submit").await;
    until_sent(&app, "#sending-total", 0.5).await;
    app.kill_app(&bench.profile);
    drop(app);

    // Started again with "continue by itself" off: nothing moves until the
    // person opens the dossier, which says the outcome is not known yet
    // and offers to check, never to file again.
    let app = bench.launch().await;
    app.wait("li.dossier .open", Duration::from_secs(60)).await;
    let state = app.text("li.dossier .state").await;
    assert!(state.contains("Đang gửi"), "state: {state:?}");
    let idle = bench.proxy.stats().upstream_bytes;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        bench.proxy.stats().upstream_bytes,
        idle,
        "nothing is sent without the person's consent"
    );
    app.click("li.dossier .open").await;
    let notice = app.text("#outcome-unknown").await;
    assert!(notice.contains("Chưa rõ cổng đã nhận"), "{notice:?}");
    let submit = app.text("#submit").await;
    assert!(
        submit.contains("Kiểm tra và gửi tiếp"),
        "button: {submit:?}"
    );
    app.scroll_to("#outcome-unknown").await;
    app.screenshot("12-outcome-unknown").await;
    app.click("#submit").await;
    app.wait("#receipt", Duration::from_secs(120)).await;
    let code = app.text("#dossier-code").await;
    let total = bench.proxy.stats().upstream_bytes;
    println!(
        "paused, continued, killed, checked and continued: {:.1} MiB sent in all for {:.1} MiB of documents",
        total as f64 / 1_048_576.0,
        CERTIFICATE as f64 / 1_048_576.0
    );
    assert!(
        total < (CERTIFICATE + 2 * 17 * 1024 * 1024) as u64,
        "{total} bytes sent for a {CERTIFICATE}-byte document"
    );
    app.close().await;
    bench.one_dossier_stored(&code);
}

#[tokio::test(flavor = "multi_thread")]
async fn what_is_typed_while_a_save_is_under_way_is_what_gets_filed() {
    let bench = Bench::new().await;
    let app = bench.launch().await;
    open_the_dossier(&app).await;
    let name = r#"[name="importer.name"]"#;
    // Another writer holds the profile's store, as a slow disk would: the
    // next save waits for it.
    let hold = rusqlite::Connection::open(bench.profile.join(hoso_client::STORE_FILE))
        .expect("the profile's store");
    hold.execute_batch("BEGIN IMMEDIATE")
        .expect("hold the store");
    app.type_into(name, "Công ty Ánh Dương").await;
    // The pause in typing starts a save, which waits for the store.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    app.wait(name, Duration::from_secs(5))
        .await
        .send_keys(" Mới")
        .await
        .expect("type more");
    app.click("#submit").await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    hold.execute_batch("ROLLBACK").expect("release the store");
    app.wait("#receipt", Duration::from_secs(120)).await;
    app.close().await;

    // The store and the signed receipt hold the last keystroke.
    let client = Client::open(&bench.profile).await.expect("profile");
    let record = client.dossier(bench.id).await.expect("dossier");
    assert_eq!(
        record.content.fields.get("importer.name"),
        Some(&hoso_core::Value::Text("Công ty Ánh Dương Mới".into())),
        "what was on screen is what is stored"
    );
    let portal = client
        .portals()
        .await
        .expect("portals")
        .into_iter()
        .find(|p| p.id == record.summary.portal)
        .expect("the dossier's portal");
    let filed = client.receipt(&portal, bench.id).await.expect("receipt");
    assert_eq!(
        filed.receipt.manifest_sha256,
        hoso_core::manifest::manifest_sha256(&record.content),
        "the receipt signs the content with the last keystroke"
    );
}
