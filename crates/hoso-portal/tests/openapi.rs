//! The OpenAPI document is served as checked in, and every operation it
//! describes is routed: a request to it reaches a handler (never the bare
//! 404 or 405 of an unknown route).

mod common;

use common::dual;

use hoso_portal::PortalConfig;
use reqwest::{Method, StatusCode};

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn the_document_is_served_and_every_operation_in_it_exists(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token) = common::start(
        backend
            .configure(PortalConfig::practice(dir.path().to_owned()))
            .await,
        "cty-doc",
        "Công ty Đọc",
    )
    .await;
    let http = reqwest::Client::new();
    let base = portal.base_url().to_owned();

    let served = http
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .expect("served")
        .text()
        .await
        .expect("text");
    assert_eq!(served, hoso_portal::OPENAPI);
    let doc: serde_json::Value = serde_json::from_str(&served).expect("JSON");
    assert_eq!(doc["openapi"], "3.1.0");

    // Reaching a handler: anything but the router's own bare 404 (no
    // body, no content type) or 405.
    let reached = |status: StatusCode, typed: bool, body: &[u8]| {
        status != StatusCode::METHOD_NOT_ALLOWED
            && !(status == StatusCode::NOT_FOUND && !typed && body.is_empty())
    };
    let probe = |m: Method, path: String| {
        let (http, token) = (http.clone(), token.clone());
        async move {
            let res = http
                .request(m, path)
                .bearer_auth(&token)
                .header("Tus-Resumable", "1.0.0")
                .header("Idempotency-Key", "\"khoa-tai-lieu\"")
                .send()
                .await
                .expect("answer");
            let (status, typed) = (res.status(), res.headers().contains_key("content-type"));
            let body = res.bytes().await.expect("body");
            reached(status, typed, &body)
        }
    };
    // The check can fail: an unknown route is caught.
    assert!(!probe(Method::HEAD, format!("{base}/v1/nothing-here")).await);
    assert!(!probe(Method::PUT, format!("{base}/v1/dossiers")).await);

    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let concrete = path
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    "00000000000000000000000000000000"
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().expect("path item").keys() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            assert!(
                probe(m.clone(), format!("{base}{concrete}")).await,
                "{m} {path} reached no handler"
            );
            operations += 1;
        }
    }
    assert_eq!(operations, 42, "operations documented");
}
}
