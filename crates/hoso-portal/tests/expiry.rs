//! Expiration: an unfinished upload answers 410 once its time is up and is
//! then removed, row and bytes; a completed upload is kept.

mod common;

use hoso_portal::PortalConfig;
use reqwest::StatusCode;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn an_abandoned_upload_expires_and_is_cleaned_up_a_completed_one_stays() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token) = common::start(
        PortalConfig {
            upload_expiry: Duration::from_millis(600),
            ..PortalConfig::practice(dir.path().to_owned())
        },
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
            let patched = http
                .patch(&url)
                .bearer_auth(&token)
                .header("Tus-Resumable", "1.0.0")
                .header("Upload-Offset", "0")
                .header("Content-Type", "application/offset+octet-stream")
                .body(bytes)
                .send()
                .await
                .expect("patch");
            assert_eq!(patched.status(), StatusCode::NO_CONTENT);
            url
        }
    };
    let abandoned = upload(10, b"%PDF").await;
    let finished = upload(3, b"abc").await;
    let head = |url: String| {
        let (http, token) = (http.clone(), token.clone());
        async move {
            http.head(url)
                .bearer_auth(token)
                .header("Tus-Resumable", "1.0.0")
                .send()
                .await
                .expect("head")
                .status()
        }
    };
    let file = |url: &str| {
        dir.path()
            .join("uploads")
            .join(url.rsplit('/').next().expect("id"))
    };

    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(head(abandoned.clone()).await, StatusCode::GONE);
    assert_eq!(portal.sweep_expired_uploads().await.expect("sweep"), 1);
    assert_eq!(head(abandoned.clone()).await, StatusCode::NOT_FOUND);
    assert!(!file(&abandoned).exists(), "the abandoned bytes are gone");
    assert_eq!(head(finished.clone()).await, StatusCode::OK);
    assert_eq!(std::fs::read(file(&finished)).expect("kept"), b"abc");
    assert_eq!(portal.sweep_expired_uploads().await.expect("sweep"), 0);
}
