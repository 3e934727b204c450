//! One dossier from the desktop window to a verified receipt: fill the form
//! (meeting a live error on the way), attach a file, file it, read the
//! receipt on screen, then check the portal's own store.

use crate::harness::Session;
use hoso_core::Sha256Digest;
use hoso_portal::inspect::Inspector;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_dossier_filed_from_the_window_arrives_once_with_the_exact_file_and_a_verified_receipt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("profile");
    // Two 8 MiB chunks and a tail, with a Vietnamese name.
    let file = dir.path().join("giấy chứng nhận hợp quy.pdf");
    let bytes: Vec<u8> = (0..17_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(&file, &bytes).expect("write attachment");
    let original = Sha256Digest::of(&bytes);

    let app = Session::launch(&profile).await;
    app.wait(r#"[name="importer.name"]"#, Duration::from_secs(60))
        .await;
    app.screenshot("01-empty-form").await;

    app.type_into(
        r#"[name="importer.name"]"#,
        "Công ty TNHH Thiết bị Điện Ánh Dương",
    )
    .await;
    // A mistyped tax code is flagged as it is typed, in Vietnamese first.
    app.type_into(r#"[name="importer.tax_code"]"#, "0100233489")
        .await;
    let problem = app.text(r#"[id="importer.tax_code-problems"]"#).await;
    assert!(
        problem.contains("chữ số kiểm tra"),
        "live tax-code check shows: {problem:?}"
    );
    app.type_into(r#"[name="importer.tax_code"]"#, "0100233488")
        .await;
    app.type_into(
        r#"[name="importer.address"]"#,
        "12 Tràng Tiền, Hoàn Kiếm, Hà Nội",
    )
    .await;
    app.type_into(r#"[name="importer.phone"]"#, "024 3825 1234")
        .await;
    app.type_into(
        r#"[name="goods.description"]"#,
        "Máy biến áp khô 3 pha 1000 kVA, nhãn hiệu ABB",
    )
    .await;
    app.type_into(r#"[name="goods.border_gate"]"#, "Cảng Hải Phòng")
        .await;
    app.type_into(r#"[name="documents.contract_no"]"#, "HĐ-2026/114")
        .await;
    let fixed = app.text(r#"[id="importer.tax_code-problems"]"#).await;
    assert_eq!(fixed, "", "the corrected tax code still shows a problem");

    app.type_into(
        r#"[name="path-quality_certificate"]"#,
        &file.display().to_string(),
    )
    .await;
    app.click("#attach-quality_certificate").await;
    let listed = app.wait("li.doc", Duration::from_secs(30)).await;
    let listed = listed.text().await.expect("attached document text");
    assert!(
        listed.contains("giấy chứng nhận hợp quy.pdf"),
        "attachment row: {listed:?}"
    );
    app.screenshot("02-filled-form").await;

    app.click("#submit").await;
    app.wait("#receipt", Duration::from_secs(120)).await;
    app.screenshot("03-receipt").await;

    let code = app.text("#dossier-code").await;
    let signature = app.text("#signature").await;
    assert!(
        signature.contains("Chữ ký hợp lệ"),
        "signature line: {signature:?}"
    );
    let shown_hash = app.text("code.sha256").await;
    assert_eq!(
        shown_hash,
        original.to_hex(),
        "the receipt shows the file's sha256"
    );
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
    assert_eq!(stored[0].documents.len(), 1);
    let on_portal =
        Sha256Digest::of(&std::fs::read(&stored[0].documents[0].path).expect("stored file"));
    assert_eq!(on_portal, original, "the portal holds the exact bytes");
}
