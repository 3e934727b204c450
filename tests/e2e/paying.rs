//! Paying a fee from the window, at the built-in practice portal: a
//! household business registration prepared on another computer arrives
//! as a package; the editor shows the fee it owes before filing, in
//! figures and in words; it is filed from the window; its page shows the
//! VietQR code, which a QR reader finds in a screenshot of the window and
//! which asks for the fee, to the payee, with the dossier code as the
//! purpose; the practice bank's button pays, and the fee receipt appears,
//! verified. Each screen 1100 px wide, in Vietnamese and in English, with
//! screenshots in `target/e2e-shots/paying-*.png`.

use crate::harness::Session;
use hoso_client::Client;
use hoso_core::{AttachedDocument, DossierContent, VietQr};
use hoso_portal::PortalConfig;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The household business registration's fee, in đồng.
const FEE: u64 = 100_000;

/// A complete household business registration written in another profile
/// (another computer) for a portal of its own, exported as a package; its
/// path.
async fn prepared(dir: &Path) -> PathBuf {
    let portal = hoso_portal::start(PortalConfig::practice(dir.join("elsewhere")))
        .await
        .expect("portal starts");
    let token = portal
        .issue_token("ho-anh-duong", "Hộ kinh doanh Ánh Dương")
        .await
        .expect("token");
    let client = Client::open(&dir.join("may-khac")).await.expect("profile");
    let record = client
        .add_portal(
            portal.base_url(),
            hoso_client::AddPortal {
                token: Some(token),
                practice: false,
            },
        )
        .await
        .expect("portal added");
    let procedure = client
        .procedures(&record)
        .await
        .expect("catalog")
        .into_iter()
        .find(|p| p.code.as_str() == "dang-ky-ho-kinh-doanh")
        .expect("household registration in the catalog");
    let mut content: DossierContent = serde_json::from_value(serde_json::json!({
        "procedure": "dang-ky-ho-kinh-doanh",
        "version": procedure.version,
        "fields": {
            "household.name": "Hộ kinh doanh Ánh Dương",
            "household.address": "12 Tràng Tiền, phường Hoàn Kiếm, Hà Nội",
            "household.phone": "0912345678",
            "household.lines": [{"code": "4711", "description": "Bán lẻ tạp hóa"}],
            "household.capital": "50000000",
            "owner.name": "Nguyễn Văn An",
            "owner.birth_date": "1985-03-02",
            "owner.sex": "male",
            "owner.citizen_id": "001085012345",
            "owner.residence": "12 Tràng Tiền, phường Hoàn Kiếm, Hà Nội",
            "family.by_family": "no"
        }
    }))
    .expect("household dossier");
    let application = dir.join("don-dang-ky.pdf");
    std::fs::write(&application, vec![0x25; 3_000]).expect("write");
    let entry = client
        .import_attachment(&application)
        .await
        .expect("import");
    content.documents.push(AttachedDocument {
        slot: "application".into(),
        name: entry.name,
        size: entry.size,
        sha256: entry.sha256,
    });
    let draft = client
        .create_dossier(&record, &procedure)
        .await
        .expect("draft");
    client
        .save_dossier(&record, draft.summary.id, content, draft.revision)
        .await
        .expect("saved");
    let path = dir.join("ho-kinh-doanh-anh-duong.hoso");
    client
        .export_package(draft.summary.id, &path)
        .await
        .expect("exported");
    portal.stop().await;
    path
}

/// What a QR reader finds in the window as it is now (a screenshot, in
/// grey, as a phone's camera would see the screen).
async fn codes_on_screen(app: &Session, name: &str) -> Vec<String> {
    let shot = app.screenshot(name).await;
    let bytes = std::fs::read(&shot).expect("screenshot");
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let frame = reader.next_frame(&mut buf).expect("one frame");
    let channels = frame.color_type.samples();
    let (w, h) = (frame.width as usize, frame.height as usize);
    let grey = |x: usize, y: usize| {
        let p = &buf[(y * w + x) * channels..];
        if channels >= 3 {
            ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000) as u8
        } else {
            p[0]
        }
    };
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, grey);
    image
        .detect_grids()
        .iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

/// Scrolls `css` to the top and waits until the window has painted it
/// there (a screenshot right after a redraw may show the frame before).
async fn show(app: &Session, css: &str) {
    app.scroll_to(css).await;
    app.client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            vec![],
        )
        .await
        .expect("two frames drawn");
}

/// The shown width of the QR code's picture and its own, in CSS pixels.
async fn qr_widths(app: &Session) -> (f64, f64) {
    let widths = app
        .client
        .execute(
            "const i = document.querySelector('#payment-qr img');
             return [i.getBoundingClientRect().width, i.naturalWidth];",
            vec![],
        )
        .await
        .expect("read widths");
    (
        widths[0].as_f64().expect("shown width"),
        widths[1].as_f64().expect("natural width"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fee_is_shown_before_filing_asked_with_a_code_to_scan_and_receipted_once_the_practice_bank_pays()
 {
    let dir = tempfile::tempdir().expect("temp dir");
    let package = prepared(dir.path()).await;
    let profile = dir.path().join("profile");
    // The built-in practice portal: no HOSO_PORTAL_URL.
    let app = Session::launch(&profile).await;
    app.wait("#create", Duration::from_secs(60)).await;
    app.window_size(1100, 800).await;

    // The package arrives for the practice portal; the editor shows the
    // fee hoso-core computes before filing.
    app.type_into("#package-path", package.to_str().expect("utf-8"))
        .await;
    app.click("#package-import").await;
    app.until_text("#package-done", "Đã nhập thành").await;
    app.click("li.dossier .open").await;
    app.until_text("#editor-fee-amount", "100.000 đ").await;
    let fee = app.text("#editor-fee").await;
    assert!(fee.contains("Một trăm nghìn đồng"), "{fee}");
    assert!(fee.contains("Tổng cộng"), "{fee}");
    show(&app, "#editor-fee").await;
    app.assert_fits("paying-vi-1-editor-fee").await;
    app.screenshot("paying-vi-1-editor-fee").await;
    app.click("#lang-en").await;
    app.until_text("#editor-fee-amount", "100,000 VND").await;
    let fee = app.text("#editor-fee").await;
    assert!(
        fee.contains("Total") && fee.contains("Một trăm nghìn đồng"),
        "{fee}"
    );
    show(&app, "#editor-fee").await;
    app.assert_fits("paying-en-1-editor-fee").await;
    app.screenshot("paying-en-1-editor-fee").await;
    app.click("#lang-vi").await;

    // Filed from the window; its page asks for the fee with a code to scan.
    app.click("#submit").await;
    app.wait("#receipt", Duration::from_secs(120)).await;
    let code = app.text("#dossier-code").await;
    app.click("#nav-list").await;
    app.click("li.dossier .track").await;
    let state = app.until_text("#payment-state", "Chờ thanh toán").await;
    assert_eq!(state.trim(), "Chờ thanh toán");
    assert_eq!(app.text("#payment-purpose").await.trim(), code);
    let amount = app.text("#payment").await;
    assert!(
        amount.contains("100.000 đ") && amount.contains("Một trăm nghìn đồng"),
        "{amount}"
    );
    assert!(
        app.text("#payment-payee").await.contains("THUC HANH"),
        "the practice account says so"
    );
    app.wait("#payment-qr img", Duration::from_secs(10)).await;
    let (shown, natural) = qr_widths(&app).await;
    assert!(shown >= 240.0, "the code is {shown} px wide");
    assert!(
        (shown - natural).abs() < 0.5,
        "shown at its own size ({natural} px), every module sharp: {shown} px"
    );
    show(&app, "#payment").await;
    app.assert_fits("paying-vi-2-payment").await;
    // What a banking app reads off the screen: the fee, to the practice
    // account, with the dossier code whole in the purpose.
    let read = codes_on_screen(&app, "paying-vi-2-payment").await;
    assert_eq!(read.len(), 1, "one code on screen: {read:?}");
    let asked = VietQr::parse(&read[0]).expect("a VietQR code");
    assert_eq!(asked.amount.map(|a| a.vnd()), Some(FEE));
    assert_eq!(asked.account.as_str(), "0000000000");
    let purpose = asked.purpose.expect("a purpose");
    assert!(purpose.as_str().starts_with(&code), "{}", purpose.as_str());
    assert!(
        app.client
            .find(fantoccini::Locator::Css("#fee-receipt"))
            .await
            .is_err(),
        "no receipt before paying"
    );

    // In English, then paid by the practice bank: the fee receipt appears
    // at once, verified, and the code to scan is gone.
    app.click("#lang-en").await;
    app.until_text("#payment-state", "Awaiting payment").await;
    assert!(app.text("#payment").await.contains("100,000 VND"));
    show(&app, "#payment").await;
    app.assert_fits("paying-en-2-payment").await;
    app.screenshot("paying-en-2-payment").await;
    app.click("#pay-practice").await;
    let receipt = app.until_text("#fee-receipt", "Fee receipt").await;
    for wanted in [
        "100,000 VND",
        "Một trăm nghìn đồng",
        "The portal's digital signature is valid",
        "serial PRACTICE",
        &code,
    ] {
        assert!(receipt.contains(wanted), "{wanted} in {receipt}");
    }
    app.until_text("#payment-state", "Paid").await;
    app.wait("#payment-no-code", Duration::from_secs(10)).await;
    assert!(
        app.client
            .find(fantoccini::Locator::Css("#pay-practice"))
            .await
            .is_err(),
        "nothing left to pay"
    );
    show(&app, "#fee-receipt").await;
    app.assert_fits("paying-en-3-fee-receipt").await;
    app.screenshot("paying-en-3-fee-receipt").await;
    app.click("#lang-vi").await;
    let receipt = app
        .until_text("#fee-receipt", "BIÊN LAI THU PHÍ, LỆ PHÍ")
        .await;
    for wanted in [
        "100.000 đ",
        "Chữ ký số của cổng hợp lệ",
        "ký hiệu PRACTICE, số 0000001",
        "Thời điểm thanh toán",
    ] {
        assert!(receipt.contains(wanted), "{wanted} in {receipt}");
    }
    assert_eq!(app.text("#payment-state").await.trim(), "Đã thanh toán");
    show(&app, "#fee-receipt").await;
    app.assert_fits("paying-vi-3-fee-receipt").await;
    app.screenshot("paying-vi-3-fee-receipt").await;
    show(&app, "#payment").await;
    app.screenshot("paying-vi-4-paid").await;

    // Withdrawn before it is examined, with a reason; the officer gives
    // the fee back and the page shows the signed refund notice.
    app.click("#withdraw-start").await;
    app.type_into("#withdraw-reason", "Nộp nhầm thủ tục").await;
    app.click("#withdraw-confirm").await;
    app.until_text("#page-standing .portal-status", "Đã rút hồ sơ")
        .await;
    let timeline = app.text("#timeline").await;
    assert!(timeline.contains("Nộp nhầm thủ tục"), "{timeline}");
    assert!(
        timeline.contains("người nộp"),
        "who withdrew it: {timeline}"
    );
    let practice = profile.join("practice-portal");
    let officer = hoso_portal::add_account(
        &practice,
        &PortalConfig::practice(&practice).database,
        hoso_portal::Role::Officer,
        "can-bo-1",
        "Cán bộ một cửa",
    )
    .await
    .expect("an officer at the practice portal");
    let address = std::fs::read_to_string(practice.join(hoso_portal::practice_bank::ADDRESS_FILE))
        .expect("the practice portal's address");
    let code = app.text("#page-code").await;
    let res = reqwest::Client::new()
        .post(format!(
            "{}/v1/officer/dossiers/{}/refunds",
            address.trim(),
            code.trim()
        ))
        .bearer_auth(&officer)
        .json(&serde_json::json!({"amount_vnd": 100_000, "bank_reference": "FT26339000777"}))
        .send()
        .await
        .expect("officer request");
    assert!(
        res.status().is_success(),
        "refund recorded: {}",
        res.status()
    );
    app.click("#page-sync").await;
    let refund = app.until_text("#refund-notice", "100.000 đ").await;
    assert!(refund.contains("Chữ ký số của cổng hợp lệ"), "{refund}");
    app.until_text("#payment-state", "Đã hoàn").await;
    show(&app, "#refund-notice").await;
    app.screenshot("paying-vi-5-refunded").await;
    app.close().await;
}
