//! Nothing typed or attached is lost: a dossier started in the window, with
//! a value past its limit, three goods rows and an attachment, is all there
//! after the app is quit and started again, and found by words typed
//! without accents.

use crate::harness::Session;
use std::time::Duration;

/// Waits until the editor says every change is stored.
async fn wait_saved(app: &Session) {
    // The indicator turns to "saving" on a change and back after the
    // debounce; give it that pause before looking.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    app.wait("#save-state.saved", Duration::from_secs(10)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dossier_is_found_as_it_was_after_quitting_and_restarting() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("profile");
    let scan = dir.path().join("hợp đồng mua bán.pdf");
    std::fs::write(&scan, vec![7u8; 300_000]).expect("write attachment");
    let long_name = format!("Công ty TNHH {}", "Ánh Dương ".repeat(25));
    let long_name = long_name.trim_end().to_owned();
    assert_eq!(long_name.chars().count(), 262);

    let app = Session::launch(&profile).await;
    app.click("#create").await;
    app.type_into(r#"[name="importer.name"]"#, &long_name).await;
    let counter = app
        .text(
            r#"[id="importer.name"] ~ .under .counter, .field:has([id="importer.name"]) .counter"#,
        )
        .await;
    assert_eq!(counter, "262/255 ký tự", "counter past the limit");
    let problem = app.text(r#"[id="importer.name-problems"]"#).await;
    assert!(
        problem.contains("dài 262 ký tự, tối đa 255 — hãy rút gọn 7 ký tự"),
        "limit message: {problem:?}"
    );
    for (i, name) in ["Máy biến áp", "Dây cáp điện", "Ổ cắm điện"]
        .iter()
        .enumerate()
    {
        app.click(r#"[id="goods.items"] .add-row"#).await;
        app.type_into(&format!(r#"[name="goods.items[{i}].name"]"#), name)
            .await;
        app.type_into(
            &format!(r#"[name="goods.items[{i}].quantity"]"#),
            &format!("{}", i + 1),
        )
        .await;
    }
    app.type_into(r#"[name="path-contract"]"#, &scan.display().to_string())
        .await;
    app.click("#attach-contract").await;
    app.wait(
        r#"[id="documents.contract"] li.doc"#,
        Duration::from_secs(30),
    )
    .await;
    wait_saved(&app).await;
    app.scroll_to(r#"[id="goods.items"]"#).await;
    app.screenshot("ws-01-editor").await;
    app.click("#check-button").await;
    app.wait("#check li", Duration::from_secs(5)).await;
    app.screenshot("ws-02-check").await;
    let check = app.text("#check").await;
    assert!(
        check.contains("Tên tổ chức, cá nhân nhập khẩu"),
        "check view: {check}"
    );
    app.close().await;

    // Meanwhile the portal published new rules: a longer name is allowed.
    let (_, text) = hoso_core::procedure::bundled()
        .into_iter()
        .find(|(n, _)| n.starts_with("kiem-tra-cl-nhap-khau.2026"))
        .expect("bundled schema");
    let mut newer: serde_json::Value = serde_json::from_str(text).expect("schema");
    newer["version"] = "2026.11".into();
    newer["effective_from"] = "2026-07-02".into();
    newer["sections"][1]["fields"][0]["max_length"]["max"] = 300.into();
    let extra = profile.join("practice-portal").join("procedures");
    std::fs::create_dir_all(&extra).expect("procedures folder");
    std::fs::write(
        extra.join("kiem-tra-cl-nhap-khau.2026-11.json"),
        serde_json::to_string_pretty(&newer).expect("print"),
    )
    .expect("newer schema");

    // Started again on the same profile: the list, then the dossier as left.
    let app = Session::launch(&profile).await;
    let listed = app.text("#dossiers li.dossier .title").await;
    assert_eq!(listed, long_name, "the list names the dossier");
    app.screenshot("ws-03-list-after-restart").await;
    // Found by words typed without accents (the profile's full-text
    // index), and not by words it does not hold.
    app.type_into("#search", "xyz khong co").await;
    app.wait("#no-match", Duration::from_secs(5)).await;
    app.type_into("#search", "anh duong may bien").await;
    app.until_text("#dossiers li.dossier .title", &long_name)
        .await;
    app.click("#dossiers li.dossier button.open").await;
    let name = app
        .wait(r#"[name="importer.name"]"#, Duration::from_secs(10))
        .await
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    assert_eq!(name, long_name);
    for (i, want) in ["Máy biến áp", "Dây cáp điện", "Ổ cắm điện"]
        .iter()
        .enumerate()
    {
        let css = format!(r#"[name="goods.items[{i}].name"]"#);
        let got = app
            .wait(&css, Duration::from_secs(5))
            .await
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default();
        assert_eq!(&got, want, "row {i}");
    }
    let doc = app.text(r#"[id="documents.contract"] li.doc"#).await;
    assert!(doc.contains("hợp đồng mua bán.pdf"), "attachment: {doc:?}");
    let saved = app.text("#save-state").await;
    assert!(saved.starts_with("Đã lưu lúc"), "indicator: {saved:?}");

    // The dossier was written against 2026.07: the change is explained.
    let notice = app.text("#version-changed").await;
    assert!(notice.contains("2026.07 → 2026.11"), "notice: {notice}");
    assert!(
        notice.contains("Giới hạn “Tên tổ chức, cá nhân nhập khẩu”: 255 → 300 ký tự"),
        "notice: {notice}"
    );
    app.scroll_to("#version-changed").await;
    app.screenshot("ws-05-version-changed").await;
    app.click("#update-version").await;
    wait_saved(&app).await;
    let problem = app.text(r#"[id="importer.name-problems"]"#).await;
    assert_eq!(problem, "", "262 characters fit the new limit of 300");
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_earlier_document_is_offered_again_and_goods_rows_are_pasted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("profile");
    let scan = dir.path().join("giấy chứng nhận 2025.pdf");
    std::fs::write(&scan, vec![3u8; 50_000]).expect("write attachment");

    let app = Session::launch(&profile).await;
    app.click("#create").await;
    app.type_into(r#"[name="importer.name"]"#, "Công ty A")
        .await;
    app.type_into(
        r#"[name="path-quality_certificate"]"#,
        &scan.display().to_string(),
    )
    .await;
    app.click("#attach-quality_certificate").await;
    app.wait(
        r#"[id="documents.quality_certificate"] li.doc"#,
        Duration::from_secs(30),
    )
    .await;
    wait_saved(&app).await;
    app.click("#back").await;

    // A second dossier: the certificate is offered for the same kind of slot.
    app.click("#create").await;
    app.click("#reuse-button-quality_certificate").await;
    let reused = app
        .text(r#"[id="documents.quality_certificate"] li.doc .name"#)
        .await;
    assert_eq!(reused, "giấy chứng nhận 2025.pdf");
    // It expired: the slot says so.
    app.type_into(
        r#"[id="documents.quality_certificate"] .valid-until input"#,
        "31/12/2025\u{e004}",
    )
    .await;
    let flag = app.text(".expired-flag").await;
    assert!(flag.contains("Hết hiệu lực"), "expiry flag: {flag:?}");

    // Two goods pasted from a spreadsheet, cells separated by tabs.
    app.click(r#"[id="goods.items"] details.paste summary"#)
        .await;
    // As a paste does: the whole text at once (typed, a tab would move on).
    app.set_value(
        r#"[id="goods.items"] textarea.paste-rows"#,
        "Máy biến áp\tABB\tRESIBLOC\t\tẤn Độ\tABB India\t2\tchiếc\t8504.23.21\tQCVN 4:2009/BKHCN\nDây cáp\tLS\tCXV\t\tHàn Quốc\tLS Cable\t1250,5\tm\t8544.49.41\tQCVN 4:2009/BKHCN",
    )
    .await;
    app.click(r#"[id="goods.items"] .add-pasted"#).await;
    let second = app
        .wait(
            r#"[name="goods.items[1].quantity"]"#,
            Duration::from_secs(5),
        )
        .await
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    assert_eq!(second, "1250,5");
    let origin = app
        .wait(r#"[name="goods.items[0].origin"]"#, Duration::from_secs(5))
        .await
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    assert_eq!(origin, "Ấn Độ");

    // Two more rows from an old spreadsheet typed in TCVN3: each cell
    // offers its Unicode form, and the table converts them all at once.
    app.set_value(
        r#"[id="goods.items"] textarea.paste-rows"#,
        "H¹nh phóc\tABB\tRESIBLOC\t\tH¶i Phßng\tABB India\t2\tchiếc\n§×nh Vò\tLS\tCXV\t\tH¶i Phßng\tLS Cable\t3\tm",
    )
    .await;
    app.click(r#"[id="goods.items"] .add-pasted"#).await;
    let offer = app.text(r#"[id="goods.items[2].name-legacy"]"#).await;
    assert!(
        offer.contains("TCVN3") && offer.contains("Hạnh phúc"),
        "cell offer: {offer:?}"
    );
    let all = app.text(r#"[id="goods.items-legacy-cells"]"#).await;
    assert!(
        all.starts_with('4'),
        "four cells offered at the table's head: {all:?}"
    );
    app.scroll_to(r#"[id="goods.items-legacy-cells"]"#).await;
    app.screenshot("ws-05-legacy-cells").await;
    app.click(r#"[id="goods.items-legacy-cells"] button"#).await;
    for (cell, unicode) in [
        ("goods.items[2].name", "Hạnh phúc"),
        ("goods.items[2].origin", "Hải Phòng"),
        ("goods.items[3].name", "Đình Vũ"),
        ("goods.items[3].origin", "Hải Phòng"),
    ] {
        let value = app
            .wait(&format!(r#"[name="{cell}"]"#), Duration::from_secs(5))
            .await
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default();
        assert_eq!(value, unicode, "{cell}");
    }
    assert!(
        app.client
            .find(fantoccini::Locator::Css(
                r#"[id="goods.items-legacy-cells"]"#
            ))
            .await
            .is_err(),
        "nothing left to convert"
    );
    app.scroll_to(r#"[id="documents.quality_certificate"]"#)
        .await;
    app.screenshot("ws-04-reuse-and-expiry").await;
    app.close().await;
}
