//! One dossier from the desktop window to a verified receipt: fill the
//! quality-inspection form with the sample dossier (meeting live errors on
//! the way, adding goods rows), attach its eight documents, file it, read
//! the receipt on screen, then check the portal's own store.

use crate::harness::Session;
use hoso_core::procedure::{FieldKind, Procedure, bundled};
use hoso_core::{Sha256Digest, Value, samples};
use hoso_portal::inspect::Inspector;
use std::time::Duration;

fn quality_inspection() -> Procedure {
    let (name, text) = bundled()
        .into_iter()
        .find(|(n, _)| n.starts_with("kiem-tra-cl-nhap-khau.2026"))
        .expect("bundled schema");
    Procedure::parse(name, text).expect("valid schema")
}

/// Enters `value` into the input named `name` the way a person would for a
/// field of `kind`.
async fn enter(app: &Session, kind: FieldKind, name: &str, value: &str) {
    let css = format!(r#"[name="{name}"]"#);
    match kind {
        FieldKind::Choice | FieldKind::YesNo => app.choose(&css, value).await,
        // Typed day first, as people here write a date.
        FieldKind::Date => {
            let day = day_first(value);
            app.type_into(&css, &day).await;
        }
        _ => app.type_into(&css, value).await,
    }
}

/// `2026-11-10` written as `10/11/2026`.
fn day_first(iso: &str) -> String {
    let parts: Vec<&str> = iso.split('-').collect();
    assert_eq!(parts.len(), 3, "a stored date: {iso}");
    format!("{}/{}/{}", parts[2], parts[1], parts[0])
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dossier_filed_from_the_window_arrives_once_with_the_exact_files_and_a_verified_receipt()
{
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("profile");
    let procedure = quality_inspection();
    let sample = samples::quality_inspection();
    // The certificate: two 8 MiB chunks and a tail, with a Vietnamese name;
    // the other documents small.
    let mut files = Vec::new();
    for (i, doc) in sample.documents.iter().enumerate() {
        let len = if doc.slot == "quality_certificate" {
            17_000_000u32
        } else {
            2_000 + i as u32
        };
        let bytes: Vec<u8> = (0..len)
            .map(|j| (j.wrapping_mul(2_654_435_761) >> 24) as u8 ^ i as u8)
            .collect();
        let path = dir.path().join(&doc.name);
        std::fs::write(&path, &bytes).expect("write attachment");
        files.push((doc.slot.clone(), path, Sha256Digest::of(&bytes)));
    }

    let app = Session::launch_with(&profile, &[("HOSO_UPLOAD_CAP_KIB", "4096")]).await;
    app.wait("#no-dossiers", Duration::from_secs(60)).await;
    app.screenshot("00-empty-list").await;
    app.click("#create").await;
    app.wait(r#"[name="importer.name"]"#, Duration::from_secs(10))
        .await;
    app.screenshot("01-empty-form").await;

    // A mistyped tax code is flagged as it is typed, in Vietnamese first.
    app.type_into(r#"[name="importer.tax_code"]"#, "0100233489")
        .await;
    let problem = app.text(r#"[id="importer.tax_code-problems"]"#).await;
    assert!(
        problem.contains("chữ số kiểm tra"),
        "live tax-code check shows: {problem:?}"
    );

    for (path, value) in &sample.fields {
        let field = procedure.field(path).expect("sample field in schema");
        match value {
            Value::Text(text) => enter(&app, field.kind, path, text).await,
            Value::Rows(rows) => {
                for (i, row) in rows.iter().enumerate() {
                    app.click(&format!(r#"[id="{path}"] .add-row"#)).await;
                    for (col, text) in row {
                        let kind = field
                            .columns
                            .iter()
                            .find(|c| &c.id == col)
                            .expect("sample column in schema")
                            .kind;
                        enter(&app, kind, &format!("{path}[{i}].{col}"), text).await;
                    }
                }
            }
        }
    }
    // An address pasted from a TCVN3 document is offered in Unicode.
    app.type_into(
        r#"[name="goods.gathering_place"]"#,
        "Kho CFS §×nh Vò, H¶i An, H¶i Phßng",
    )
    .await;
    let offer = app.text(r#"[id="goods.gathering_place-legacy"]"#).await;
    assert!(offer.contains("TCVN3"), "legacy offer: {offer:?}");
    app.scroll_to(r#"[name="goods.import_to"]"#).await;
    app.screenshot("02-legacy-offer").await;
    app.click(r#"[id="goods.gathering_place-legacy"] button"#)
        .await;
    let converted = app
        .wait(r#"[name="goods.gathering_place"]"#, Duration::from_secs(5))
        .await
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    assert_eq!(converted, "Kho CFS Đình Vũ, Hải An, Hải Phòng");

    // A zero-width space pasted inside the company's name: the check names
    // it and where it is, nothing removes it unasked, and the fix offered
    // keeps the two words apart.
    let name = r#"[name="importer.name"]"#;
    app.set_value(name, "Công\u{200b}ty Ánh Dương").await;
    let problem = app.text(r#"[id="importer.name-problems"]"#).await;
    assert!(
        problem.contains("U+200B") && problem.contains("vị trí 5"),
        "hidden character problem: {problem:?}"
    );
    let offer = app.text(r#"[id="importer.name-hidden"]"#).await;
    assert!(
        offer.contains("Công ty Ánh Dương"),
        "hidden offer: {offer:?}"
    );
    app.scroll_to(r#"[name="importer.name"]"#).await;
    app.screenshot("02-hidden-character").await;
    app.click(r#"[id="importer.name-hidden"] button"#).await;
    let fixed_name = app
        .wait(name, Duration::from_secs(5))
        .await
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    assert_eq!(fixed_name, "Công ty Ánh Dương");
    assert_eq!(app.text(r#"[id="importer.name-problems"]"#).await, "");
    if let Some(Value::Text(original)) = sample.fields.get("importer.name") {
        app.type_into(name, original).await;
    }

    let fixed = app.text(r#"[id="importer.tax_code-problems"]"#).await;
    assert_eq!(fixed, "", "the corrected tax code still shows a problem");
    // A quantity that is not a number is flagged in its row.
    app.type_into(r#"[name="goods.items[1].quantity"]"#, "nhiều")
        .await;
    let problem = app.text(r#"[id="goods.items[1].quantity-problems"]"#).await;
    assert!(problem.contains("dòng 2"), "row problem shows: {problem:?}");
    app.scroll_to(r#"[id="goods.items"]"#).await;
    app.screenshot("02-goods-table").await;
    app.type_into(r#"[name="goods.items[1].quantity"]"#, "1250,5")
        .await;

    for (slot, path, _) in &files {
        app.type_into(
            &format!(r#"[name="path-{slot}"]"#),
            &path.display().to_string(),
        )
        .await;
        app.click(&format!("#attach-{slot}")).await;
        app.wait(
            &format!(r#"[id="documents.{slot}"] li.doc"#),
            Duration::from_secs(30),
        )
        .await;
    }
    let listed = app
        .text(r#"[id="documents.quality_certificate"] li.doc"#)
        .await;
    assert!(
        listed.contains("chứng nhận hợp quy 2611.pdf"),
        "attachment row: {listed:?}"
    );
    app.screenshot("03-filled-attachments").await;

    app.click("#submit").await;
    // Uploads are capped (4 MiB/s), so the progress is there to be seen:
    // the phase in words, bytes, documents done, rate and time left.
    app.wait("#sending-total", Duration::from_secs(30)).await;
    let mut summary = String::new();
    for _ in 0..100 {
        summary = app.text("#sending-summary").await;
        if summary.contains("/giây") && summary.contains("còn khoảng") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        summary.contains("tệp đã tải lên") && summary.contains("/giây"),
        "progress line: {summary:?}"
    );
    let phase = app.text("#sending-phase").await;
    assert!(phase.contains("Đang tải lên"), "phase: {phase:?}");
    app.screenshot("04-sending").await;
    app.wait("#receipt", Duration::from_secs(120)).await;
    app.screenshot("05-receipt").await;

    let code = app.text("#dossier-code").await;
    let received = app.text("#received").await;
    assert!(received.contains("Cổng đã nhận hồ sơ"), "{received:?}");
    app.wait("#receipt-qr svg", Duration::from_secs(5)).await;
    let receipt_hash = app.text("#receipt-hash").await;
    assert!(
        receipt_hash.len() == 64 && receipt_hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "receipt hash {receipt_hash:?}"
    );
    // Saved as a page of its own, in the profile, named by the code.
    app.click("#save-receipt").await;
    let path = app.path_in("#saved-receipt").await;
    assert!(
        path.ends_with(format!("{}.html", code.trim())),
        "{}",
        path.display()
    );
    let page = std::fs::read_to_string(&path).expect("saved receipt");
    assert!(page.contains(code.trim()) && page.contains(&receipt_hash));
    assert!(page.contains("<svg"), "the QR code is in the saved page");
    let signature = app.text("#signature").await;
    assert!(
        signature.contains("Chữ ký hợp lệ"),
        "signature line: {signature:?}"
    );
    let documents = app.text("#documents").await;
    for (_, _, sha) in &files {
        assert!(
            documents.contains(&sha.to_hex()),
            "the receipt shows every file's sha256: {documents}"
        );
    }
    let received = app.text("#received-at").await;
    assert!(
        received.contains('/') && received.contains(':'),
        "received at: {received:?}"
    );
    app.close().await;

    let stored = Inspector::open(&profile.join("practice-portal"))
        .expect("portal store opens")
        .dossiers()
        .expect("dossiers readable");
    assert_eq!(stored.len(), 1, "exactly one dossier on the portal");
    assert_eq!(stored[0].code, code, "the code on screen is the stored one");
    assert_eq!(stored[0].documents.len(), files.len());
    for (_, _, sha) in &files {
        let doc = stored[0]
            .documents
            .iter()
            .find(|d| d.sha256 == sha.to_hex())
            .unwrap_or_else(|| panic!("{sha} stored"));
        let on_portal = Sha256Digest::of(&std::fs::read(&doc.path).expect("stored file"));
        assert_eq!(&on_portal, sha, "the portal holds the exact bytes");
    }
}
