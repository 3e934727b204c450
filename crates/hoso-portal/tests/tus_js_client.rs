//! Interoperability: the reference tus client, tus-js-client (npm), uploads
//! to the portal — whole, resumed after an aborted request, with a
//! damaged chunk that the portal must refuse (460) without keeping it, in
//! three parallel parts joined by concatenation, with its length given
//! last, and a file of 0 bytes; each read back from the portal's store.
//! `cargo xtask setup` installs the client under `tests/interop/`.

mod common;

use common::{Backend, dual};

use hoso_core::Sha256Digest;
use hoso_portal::{PortalConfig, RunningPortal};
use std::path::{Path, PathBuf};
use std::process::Command;

fn interop_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop");
    assert!(
        dir.join("node_modules/tus-js-client").is_dir(),
        "tus-js-client is not installed in {}: run `cargo xtask setup`",
        dir.display()
    );
    dir
}

struct Fixture {
    _dir: tempfile::TempDir,
    config: PortalConfig,
    portal: RunningPortal,
    token: String,
    file: PathBuf,
    bytes: Vec<u8>,
}

/// 3.5 MiB: three full 1 MiB chunks and a tail.
async fn fixture(backend: Backend) -> Fixture {
    fixture_of(
        backend,
        (0..3_670_016u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect(),
    )
    .await
}

async fn fixture_of(backend: Backend, bytes: Vec<u8>) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = backend
        .configure(PortalConfig::practice(dir.path().join("portal")))
        .await;
    let (portal, token) =
        common::start(config.clone(), "cty-tus-js", "Công ty thử tus-js-client").await;
    let file = dir.path().join("hợp đồng.pdf");
    std::fs::write(&file, &bytes).expect("write file");
    Fixture {
        _dir: dir,
        config,
        portal,
        token,
        file,
        bytes,
    }
}

/// Runs the client script; its one JSON line.
fn client(f: &Fixture, scenario: &str) -> serde_json::Value {
    let endpoint = format!("{}/v1/uploads", f.portal.base_url());
    let out = Command::new("node")
        .current_dir(interop_dir())
        .arg("tus-client.mjs")
        .args([endpoint.as_str(), f.token.as_str()])
        .arg(&f.file)
        .arg(scenario)
        .output()
        .expect("node runs (cargo xtask setup installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| {
        panic!(
            "{scenario}: no JSON from the client ({e}); stdout {stdout:?}, stderr {:?}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The portal's answer to HEAD of the upload at `url`.
async fn head(f: &Fixture, url: &str) -> reqwest::Response {
    reqwest::Client::new()
        .head(url)
        .bearer_auth(&f.token)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("HEAD")
}

/// The bytes the portal's store holds for the complete upload at `url`.
async fn stored(f: &Fixture, url: &str) -> Vec<u8> {
    common::stored_upload(&f.config, url).await
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn tus_js_client_uploads_with_checksums_and_the_bytes_arrive_whole(backend: Backend) {
    let f = fixture(backend).await;
    let out = client(&f, "upload");
    assert_eq!(out["error"], serde_json::Value::Null, "{out}");
    assert_eq!(out["patches"], 4, "{out}");
    let url = out["url"].as_str().expect("upload url");
    assert_eq!(
        Sha256Digest::of(&stored(&f, url).await),
        Sha256Digest::of(&f.bytes)
    );
}
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn tus_js_client_resumes_after_an_aborted_request(backend: Backend) {
    let f = fixture(backend).await;
    let out = client(&f, "resume");
    assert_eq!(out["error"], serde_json::Value::Null, "{out}");
    assert_eq!(out["resumed_from"], 1024 * 1024, "{out}");
    let url = out["url"].as_str().expect("upload url");
    assert_eq!(stored(&f, url).await, f.bytes, "resumed upload is byte-exact");
}
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_chunk_is_refused_with_460_and_not_kept(backend: Backend) {
    let f = fixture(backend).await;
    let out = client(&f, "bad-checksum");
    assert_eq!(out["status"], 460, "{out}");
    let url = out["url"].as_str().expect("upload url");
    // Only the first, good chunk is kept: the next HEAD says 1 MiB.
    let head = head(&f, url).await;
    assert_eq!(
        head.headers()["upload-offset"].to_str().expect("offset"),
        "1048576"
    );
    // The rest sent from there: had any of the damaged chunk been kept,
    // the whole would not be the file.
    let rest = f.bytes[1024 * 1024..].to_vec();
    let res = common::patch(&reqwest::Client::new(), url, &f.token, 1024 * 1024, rest).await;
    assert_eq!(res.status(), reqwest::StatusCode::NO_CONTENT);
    assert!(stored(&f, url).await == f.bytes, "the good bytes, and only them");
}
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn parallel_uploads_are_joined_into_one_file_and_the_parts_removed(backend: Backend) {
    let f = fixture(backend).await;
    let out = client(&f, "parallel");
    assert_eq!(out["error"], serde_json::Value::Null, "{out}");
    assert_eq!(out["patches"], 3, "one PATCH per part: {out}");
    let url = out["url"].as_str().expect("final upload url");
    assert_eq!(stored(&f, url).await, f.bytes, "the joined file is byte-exact");
    assert_eq!(
        common::uploads_kept(&f.config).await,
        1,
        "the three parts are gone"
    );
    let head = head(&f, url).await;
    let concat = head.headers()["upload-concat"].to_str().expect("concat");
    assert!(concat.starts_with("final;http"), "{concat}");
    assert_eq!(concat.split(' ').count(), 3, "{concat}");
    assert_eq!(
        head.headers()["upload-offset"].to_str().expect("offset"),
        f.bytes.len().to_string()
    );
}
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn an_upload_whose_length_comes_last_arrives_whole(backend: Backend) {
    let f = fixture(backend).await;
    let out = client(&f, "deferred");
    assert_eq!(out["error"], serde_json::Value::Null, "{out}");
    let url = out["url"].as_str().expect("upload url");
    assert_eq!(stored(&f, url).await, f.bytes);
}
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn an_empty_file_is_a_complete_upload(backend: Backend) {
    let f = fixture_of(backend, Vec::new()).await;
    let out = client(&f, "upload");
    assert_eq!(out["error"], serde_json::Value::Null, "{out}");
    let url = out["url"].as_str().expect("upload url");
    assert!(stored(&f, url).await.is_empty());
    let head = head(&f, url).await;
    assert_eq!(head.headers()["upload-offset"], "0");
    assert_eq!(head.headers()["upload-length"], "0");
}
}
