//! What a load balancer sees of a replica: `/healthz` and `/readyz`, the
//! part named when one is not ready, and a stop that lets a PATCH under
//! way finish before the process goes.

mod common;

use common::{Backend, dual};
use futures_util::StreamExt;
use std::time::Duration;

async fn probe(http: &reqwest::Client, base: &str, path: &str) -> (u16, serde_json::Value) {
    let res = http
        .get(format!("{base}{path}"))
        .send()
        .await
        .expect("probe answered");
    (res.status().as_u16(), res.json().await.expect("JSON"))
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn a_serving_portal_is_live_and_ready(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, _) = common::portal_on(backend, dir.path()).await;
    let http = reqwest::Client::new();
    let (status, live) = probe(&http, portal.base_url(), "/healthz").await;
    assert_eq!((status, live["live"].as_bool()), (200, Some(true)));
    let (status, ready) = probe(&http, portal.base_url(), "/readyz").await;
    assert_eq!(status, 200, "{ready}");
    assert_eq!(ready["not_ready"], serde_json::json!([]));
}
}

/// Files only: the store is made unreachable by removing its folder.
#[tokio::test(flavor = "multi_thread")]
async fn readiness_names_the_store_when_its_folder_is_gone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, _) = common::portal_on(Backend::Local, dir.path()).await;
    std::fs::remove_dir_all(dir.path().join("uploads")).expect("remove uploads");
    let http = reqwest::Client::new();
    let (status, ready) = probe(&http, portal.base_url(), "/readyz").await;
    assert_eq!(status, 503, "{ready}");
    assert_eq!(ready["not_ready"], serde_json::json!(["storage"]));
    let (status, _) = probe(&http, portal.base_url(), "/healthz").await;
    assert_eq!(status, 200, "still live: restarting it would not help");
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn a_patch_under_way_when_the_portal_stops_finishes_and_is_kept(backend: Backend) {
    const HALF: usize = 1024 * 1024;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = backend.configure(common::with_notice(dir.path())).await;
    let (portal, token) = common::start(config.clone(), "cty-dung", "Công ty Dừng").await;
    let base = portal.base_url().to_owned();
    let http = reqwest::Client::new();
    let (url, _) = common::create_upload(&http, &base, &token, 2 * HALF as u64).await;

    // The body's first half, then (once the stop began) the second.
    let (more, rest) = tokio::sync::oneshot::channel::<()>();
    let first = bytes::Bytes::from(vec![7u8; HALF]);
    let second = bytes::Bytes::from(vec![9u8; HALF]);
    let body = futures_util::stream::once(async move { Ok::<_, std::io::Error>(first) }).chain(
        futures_util::stream::once(async move {
            let _ = rest.await;
            Ok(second)
        }),
    );
    let patch = {
        let (http, url, token) = (http.clone(), url.clone(), token.clone());
        tokio::spawn(async move {
            http.patch(&url)
                .bearer_auth(&token)
                .header("Tus-Resumable", "1.0.0")
                .header("Upload-Offset", "0")
                .header("Content-Type", "application/offset+octet-stream")
                .body(reqwest::Body::wrap_stream(body))
                .send()
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopping = tokio::spawn(portal.stop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!stopping.is_finished(), "the stop waits for the PATCH under way");
    assert!(
        reqwest::Client::new()
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_err(),
        "a stopping portal takes no new connection"
    );
    more.send(()).expect("body still read");
    let res = patch.await.expect("task").expect("PATCH answered");
    assert_eq!(res.status(), 204);
    assert_eq!(res.headers()["upload-offset"], (2 * HALF).to_string().as_str());
    tokio::time::timeout(Duration::from_secs(10), stopping)
        .await
        .expect("stopped once the PATCH was answered")
        .expect("stop");

    let (again, token) = common::start(config, "cty-dung", "Công ty Dừng").await;
    let url = url.replace(&base, again.base_url());
    let head = http
        .head(&url)
        .bearer_auth(&token)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("HEAD");
    assert_eq!(head.headers()["upload-offset"], (2 * HALF).to_string().as_str());
}
}
