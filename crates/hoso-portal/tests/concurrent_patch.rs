//! One request at a time writes to an upload: a second PATCH while the
//! first is still streaming is refused (423), not interleaved, and the
//! upload ends exactly as the first request sent it.

mod common;

use hoso_core::Sha256Digest;
use hoso_portal::PortalConfig;
use reqwest::StatusCode;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_second_patch_during_the_first_is_refused_not_interleaved() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token) = common::start(
        PortalConfig::practice(dir.path().to_owned()),
        "cty-hai",
        "Công ty Hai",
    )
    .await;
    let http = reqwest::Client::new();
    let len = 2 * 1024 * 1024usize;
    let bytes: Vec<u8> = (0..len as u32).map(|i| (i % 253) as u8).collect();
    let (url, _) = common::create_upload(&http, portal.base_url(), &token, len as u64).await;

    // The first PATCH trickles its body in 64 KiB pieces.
    let slow = {
        let data = bytes.clone();
        futures_util::stream::unfold(0usize, move |at| {
            let data = data.clone();
            async move {
                if at >= data.len() {
                    return None;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                let end = (at + 64 * 1024).min(data.len());
                Some((Ok::<_, std::io::Error>(data[at..end].to_vec()), end))
            }
        })
    };
    let first = tokio::spawn(
        http.patch(&url)
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", "0")
            .header("Content-Type", "application/offset+octet-stream")
            .body(reqwest::Body::wrap_stream(slow))
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(80)).await;
    let second = http
        .patch(&url)
        .bearer_auth(&token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "0")
        .header("Content-Type", "application/offset+octet-stream")
        .body(vec![0xEEu8; 1024])
        .send()
        .await
        .expect("second patch answered");
    assert_eq!(second.status(), StatusCode::LOCKED);

    let first = first.await.expect("task").expect("first patch");
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    assert_eq!(first.headers()["upload-offset"], len.to_string().as_str());
    let stored = std::fs::read(
        dir.path()
            .join("uploads")
            .join(url.rsplit('/').next().expect("id")),
    )
    .expect("stored");
    assert_eq!(Sha256Digest::of(&stored), Sha256Digest::of(&bytes));
}
