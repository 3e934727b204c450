//! Expiration: an upload no filing names answers 410 once its time is up,
//! unfinished or complete, and is then removed, row and bytes; an upload a
//! dossier names is kept and announces no expiry.

mod common;

use common::dual;

use hoso_core::Sha256Digest;
use hoso_portal::PortalConfig;
use reqwest::StatusCode;
use std::time::Duration;

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn unfiled_uploads_expire_finished_or_not_and_a_filed_one_stays(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = PortalConfig {
        upload_expiry: Duration::from_millis(700),
        ..backend.configure(common::with_notice(dir.path())).await
    };
    let (portal, token) = common::start(
        config.clone(),
        "cty-bo-do",
        "Công ty Bỏ Dở",
    )
    .await;
    let http = reqwest::Client::new();
    let base = portal.base_url().to_owned();
    let upload = |len: u64, bytes: &'static [u8]| {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        async move {
            let (url, headers) = common::create_upload(&http, &base, &token, len).await;
            assert!(
                headers.contains_key("upload-expires"),
                "Upload-Expires is announced"
            );
            let patched = common::patch(&http, &url, &token, 0, bytes.to_vec()).await;
            assert_eq!(patched.status(), StatusCode::NO_CONTENT);
            assert!(
                patched.headers().contains_key("upload-expires"),
                "a complete upload not filed expires too"
            );
            url
        }
    };
    let abandoned = upload(10, b"%PDF").await;
    let finished = upload(3, b"abc").await;
    let scan: &'static [u8] = b"%PDF-1.4 ban quet";
    let filed = upload(scan.len() as u64, scan).await;
    let mut request = common::request("Lê Thị Nộp");
    request.dossier.documents.push(hoso_core::AttachedDocument {
        slot: "scan".into(),
        name: "ban-quet.pdf".into(),
        size: scan.len() as u64,
        sha256: Sha256Digest::of(scan),
    });
    request.uploads.push(hoso_core::wire::UploadRef {
        sha256: Sha256Digest::of(scan),
        upload_url: filed.clone(),
    });
    let res = common::submit(&http, &base, &token, "giu-lai", &request).await;
    assert_eq!(res.status(), StatusCode::CREATED);

    let head = |url: String| {
        let (http, token) = (http.clone(), token.clone());
        async move {
            http.head(url)
                .bearer_auth(token)
                .header("Tus-Resumable", "1.0.0")
                .send()
                .await
                .expect("head")
        }
    };
    let kept = head(filed.clone()).await;
    assert_eq!(kept.status(), StatusCode::OK);
    assert!(
        !kept.headers().contains_key("upload-expires"),
        "filed: no expiry"
    );

    assert_eq!(common::uploads_kept(&config).await, 3, "three uploads stored");
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(head(abandoned.clone()).await.status(), StatusCode::GONE);
    assert_eq!(head(finished.clone()).await.status(), StatusCode::GONE);
    assert_eq!(portal.sweep_expired().await.expect("sweep").uploads, 2);
    for gone in [&abandoned, &finished] {
        assert_eq!(head(gone.clone()).await.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(
        common::uploads_kept(&config).await,
        1,
        "the unfiled bytes are gone, the filed ones kept"
    );
    assert_eq!(head(filed.clone()).await.status(), StatusCode::OK);
    assert_eq!(common::stored_upload(&config, &filed).await, scan);
    assert_eq!(portal.sweep_expired().await.expect("sweep").uploads, 0);
}
}
