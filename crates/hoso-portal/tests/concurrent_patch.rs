//! One request at a time writes to an upload: a second PATCH while the
//! first is still streaming is refused (423), not interleaved, and the
//! upload ends exactly as the first request sent it; a hung PATCH gives
//! way after a second of silence. On the shared back end this holds
//! across two replicas of one database and one bucket too.

mod common;

use common::dual;

use futures_util::StreamExt;
use hoso_core::Sha256Digest;
use hoso_portal::PortalConfig;
use reqwest::StatusCode;
use std::time::Duration;

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn a_second_patch_during_the_first_is_refused_not_interleaved(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = backend
        .configure(PortalConfig::practice(dir.path().to_owned()))
        .await;
    let (portal, token) = common::start(
        config.clone(),
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
    let stored = common::stored_upload(&config, &url).await;
    assert_eq!(Sha256Digest::of(&stored), Sha256Digest::of(&bytes));
}
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn a_hung_patch_gives_way_to_the_next_one_and_keeps_what_it_received(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = backend
        .configure(PortalConfig::practice(dir.path().to_owned()))
        .await;
    let (portal, token) = common::start(
        config.clone(),
        "cty-treo",
        "Công ty Treo",
    )
    .await;
    let http = reqwest::Client::new();
    let len = 300 * 1024usize;
    let bytes: Vec<u8> = (0..len as u32).map(|i| (i % 241) as u8).collect();
    let (url, _) = common::create_upload(&http, portal.base_url(), &token, len as u64).await;
    let patch = |offset: usize, body: reqwest::Body| {
        http.patch(&url)
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(body)
            .send()
    };

    // 100 KiB, then the connection hangs: open, silent, never ending.
    let first_part = bytes[..100 * 1024].to_vec();
    let hung = futures_util::stream::once(async move { Ok::<_, std::io::Error>(first_part) })
        .chain(futures_util::stream::pending());
    let hung = tokio::spawn(patch(0, reqwest::Body::wrap_stream(hung)));

    // While it is receiving, another PATCH is refused.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let res = patch(0, vec![1u8; 10].into()).await.expect("answer");
    assert_eq!(res.status(), StatusCode::LOCKED);

    // Silent for more than a second: the next PATCH takes over. The hung
    // request stops and keeps its 100 KiB, so offset 0 is now wrong. (A
    // short body: one refused unread may meet a reset before its answer.)
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let res = patch(0, vec![2u8; 10].into()).await.expect("answer");
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(
        res.headers()["upload-offset"],
        (100 * 1024).to_string().as_str()
    );
    let res = patch(100 * 1024, bytes[100 * 1024..].to_vec().into())
        .await
        .expect("answer");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()["upload-offset"], len.to_string().as_str());
    let stored = common::stored_upload(&config, &url).await;
    assert_eq!(Sha256Digest::of(&stored), Sha256Digest::of(&bytes));
    hung.abort();
}
}

#[tokio::test(flavor = "multi_thread")]
async fn across_replicas_a_writing_patch_holds_the_upload_and_a_hung_one_gives_way() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = common::Backend::Shared
        .configure(PortalConfig::practice(dir.path().to_owned()))
        .await;
    // Two replicas of one database and one bucket, each with its own map
    // of busy uploads: only the lease stands between them.
    let (a, token) = common::start(config.clone(), "cty-hai-noi", "Công ty Hai Nơi").await;
    let b = hoso_portal::start(config.clone())
        .await
        .expect("second replica");
    let http = reqwest::Client::new();
    let len = 300 * 1024usize;
    let bytes: Vec<u8> = (0..len as u32).map(|i| (i % 239) as u8).collect();
    let (url, _) = common::create_upload(&http, a.base_url(), &token, len as u64).await;
    let on_b = url.replace(a.base_url(), b.base_url());
    let patch = |url: &str, offset: usize, body: reqwest::Body| {
        http.patch(url)
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(body)
            .send()
    };

    // A receives 100 KiB, then its client hangs.
    let first_part = bytes[..100 * 1024].to_vec();
    let hung = futures_util::stream::once(async move { Ok::<_, std::io::Error>(first_part) })
        .chain(futures_util::stream::pending());
    let hung = tokio::spawn(patch(&url, 0, reqwest::Body::wrap_stream(hung)));

    // While A's request is receiving, B refuses a PATCH of the same upload.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let res = patch(&on_b, 0, vec![1u8; 10].into()).await.expect("answer");
    assert_eq!(res.status(), StatusCode::LOCKED);

    // Silent for more than a second: B's next PATCH takes over, A's
    // request stops and keeps its 100 KiB, so offset 0 is now wrong.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let res = patch(&on_b, 0, vec![2u8; 10].into()).await.expect("answer");
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(
        res.headers()["upload-offset"],
        (100 * 1024).to_string().as_str()
    );
    let res = patch(&on_b, 100 * 1024, bytes[100 * 1024..].to_vec().into())
        .await
        .expect("answer");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()["upload-offset"], len.to_string().as_str());
    let stored = common::stored_upload(&config, &url).await;
    assert_eq!(Sha256Digest::of(&stored), Sha256Digest::of(&bytes));
    hung.abort();
    b.stop().await;
    a.stop().await;
}
