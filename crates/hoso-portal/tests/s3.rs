//! Upload bytes in an S3-compatible store (the test binary's Garage,
//! `common::garage`) beside files: large uploads on both back ends (64 MiB
//! in uneven PATCHes, a PATCH cut mid-body), the portal killed mid-PATCH
//! and restarted on S3, and two store instances on one bucket continuing
//! each other's upload, as two replicas would.

mod common;

use common::{bytes, dual, garage, read_all};
use futures_util::StreamExt;
use hoso_core::Sha256Digest;
use hoso_core::dossier::AttachedDocument;
use hoso_core::wire::UploadRef;
use hoso_portal::config::S3Settings;
use hoso_portal::records::Records;
use hoso_portal::storage::s3::{MIN_PART, S3Storage};
use hoso_portal::storage::{Ahead, UploadStorage};
use hoso_portal::{PortalConfig, RunningPortal};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

const MIB: u64 = 1024 * 1024;

/// Settings for a portal with data in `dir` that serves the trial notice
/// taking large scans.
fn with_big_notice(dir: &Path) -> PortalConfig {
    let extra = dir.join("procedures");
    std::fs::create_dir_all(&extra).expect("procedures folder");
    std::fs::write(extra.join("thong-bao-thu.json"), common::big_notice()).expect("schema");
    PortalConfig::practice(dir.to_owned())
}

/// A store on the bucket `s3` names, spooling to `spool`, keeping what
/// each upload holds in `records`.
async fn store(s3: &S3Settings, spool: std::path::PathBuf, records: &Records) -> S3Storage {
    S3Storage::connect(s3, MIN_PART, spool, records.clone())
        .await
        .expect("store")
}

/// Records in a SQLite file in `dir`, as two replicas share them.
fn records(dir: &Path) -> Records {
    Records::open_sqlite(&dir.join("records.sqlite3")).expect("records")
}

/// Files the trial notice with `data` as its scan, uploaded at `url`; the
/// dossier code. The portal checks the upload hashes to `data`'s SHA-256.
async fn file_with_scan(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    url: &str,
    data: &[u8],
) -> String {
    let sha256 = Sha256Digest::of(data);
    let mut request = common::request("Công ty Lưu Trữ");
    request.dossier.documents.push(AttachedDocument {
        slot: "scan".into(),
        name: "ban-quet.pdf".into(),
        size: data.len() as u64,
        sha256,
    });
    request.uploads.push(UploadRef {
        sha256,
        upload_url: url.to_owned(),
    });
    let key = format!("nop-{}", &url[url.len() - 12..]);
    let res = common::submit(http, base, token, &key, &request).await;
    let status = res.status();
    let text = res.text().await.expect("answer");
    assert_eq!(status, reqwest::StatusCode::CREATED, "{text}");
    let filed: hoso_core::wire::SubmissionResponse = serde_json::from_str(&text).expect("receipt");
    common::receipt_text(&filed, "dossier_code")
}

/// What an officer downloads of the filed document `data` of dossier `code`.
async fn officer_download(portal: &RunningPortal, code: &str, data: &[u8]) -> Vec<u8> {
    let officer = portal
        .issue_officer_token("can-bo-luu-tru", "Cán bộ Lưu Trữ")
        .await
        .expect("officer");
    let res = reqwest::Client::new()
        .get(format!(
            "{}/v1/officer/dossiers/{code}/documents/{}",
            portal.base_url(),
            Sha256Digest::of(data).to_hex()
        ))
        .bearer_auth(officer)
        .send()
        .await
        .expect("download");
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    res.bytes().await.expect("body").to_vec()
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn a_64_mib_upload_in_uneven_patches_is_byte_exact(backend: Backend) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let dir = tempfile::tempdir().expect("temp dir");
    let config = backend.configure(with_big_notice(dir.path())).await;
    let (portal, token) = common::start(config.clone(), "cty-luu-tru", "Công ty Lưu Trữ").await;
    let http = reqwest::Client::new();
    let data = bytes(64 * MIB, 64);
    let (url, _) = common::create_upload(&http, portal.base_url(), &token, data.len() as u64).await;
    // Sizes that fall on both sides of part boundaries, one of a part exactly.
    let sizes = [
        1_000_003,
        7 * MIB + 3,
        333_333,
        5 * MIB,
        12 * MIB + 17,
        65_537,
    ];
    let mut offset = 0u64;
    for size in sizes.iter().cycle() {
        let end = (offset + size).min(data.len() as u64);
        let res = common::patch(
            &http,
            &url,
            &token,
            offset,
            data[offset as usize..end as usize].to_vec(),
        )
        .await;
        assert_eq!(res.status(), reqwest::StatusCode::NO_CONTENT);
        offset = end;
        assert_eq!(
            common::head(&http, &url, &token).await,
            offset,
            "HEAD after each PATCH"
        );
        if offset == data.len() as u64 {
            break;
        }
    }
    assert!(
        common::stored_upload(&config, &url).await == data,
        "stored byte-exact"
    );
    let code = file_with_scan(&http, portal.base_url(), &token, &url, &data).await;
    assert!(
        officer_download(&portal, &code, &data).await == data,
        "the officer's download is byte-exact"
    );
}
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn a_patch_cut_mid_body_keeps_what_was_acknowledged(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = backend.configure(with_big_notice(dir.path())).await;
    let (portal, token) = common::start(config.clone(), "cty-dut-cap", "Công ty Đứt Cáp").await;
    let http = reqwest::Client::new();
    let data = bytes(16 * MIB, 7);
    let (url, _) = common::create_upload(&http, portal.base_url(), &token, data.len() as u64).await;
    let first = 3 * MIB;
    let res = common::patch(&http, &url, &token, 0, data[..first as usize].to_vec()).await;
    assert_eq!(res.status(), reqwest::StatusCode::NO_CONTENT);

    // 6 MiB more, then the connection breaks.
    let cut = first + 6 * MIB;
    let piece = data[first as usize..cut as usize].to_vec();
    let body = futures_util::stream::iter([Ok(piece)]).chain(futures_util::stream::once(async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        Err(std::io::Error::other("the link broke"))
    }));
    let broken = http
        .patch(&url)
        .bearer_auth(&token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", first.to_string())
        .header("Content-Type", "application/offset+octet-stream")
        .body(reqwest::Body::wrap_stream(body))
        .send()
        .await;
    assert!(broken.is_err(), "the request broke: {broken:?}");

    let kept = common::head(&http, &url, &token).await;
    assert!(
        kept > first,
        "what arrived of the cut PATCH is kept: {kept}"
    );
    assert!(kept <= cut, "no more than was sent: {kept}");
    let res = common::patch(&http, &url, &token, kept, data[kept as usize..].to_vec()).await;
    assert_eq!(res.status(), reqwest::StatusCode::NO_CONTENT);
    assert!(
        common::stored_upload(&config, &url).await == data,
        "byte-exact after the cut"
    );
    file_with_scan(&http, portal.base_url(), &token, &url, &data).await;
}
}

/// Two stores on one bucket, as two portal replicas: one begins an upload
/// and ends a request inside a part, the other goes on from the incomplete
/// part, the first finishes; each sees what the other made durable.
#[tokio::test(flavor = "multi_thread")]
async fn two_stores_on_one_bucket_continue_each_others_upload() {
    let bucket = garage::new_bucket().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let shared = records(dir.path());
    let a = store(&bucket, dir.path().join("a"), &shared).await;
    let b = store(&bucket, dir.path().join("b"), &shared).await;
    let data = bytes(3 * MIN_PART + 4321, 2);
    let id = "0123456789abcdef0123456789abcdef";
    a.create(id).await.expect("create");

    // A: a part and 2 MiB and a bit, then the request ends.
    let first = MIN_PART + 2 * MIB + 5;
    let mut w = a.append_at(id, 0).await.expect("open on a");
    w.write_all(&data[..first as usize]).expect("write");
    assert_eq!(
        w.syncer(first).expect("syncer").await.expect("checkpoint"),
        MIN_PART,
        "a checkpoint makes whole parts durable, not the rest"
    );
    w.commit(false).await.expect("commit on a");

    // B goes on from the incomplete part, past the next part boundary.
    let second = 2 * MIN_PART + MIB;
    let mut w = b.append_at(id, first).await.expect("open on b");
    w.write_all(&data[first as usize..second as usize])
        .expect("write");
    w.commit(false).await.expect("commit on b");

    // A asked at an offset inside a part B uploaded: it learns how far to go.
    let behind = a.append_at(id, first).await.err().expect("behind");
    assert_eq!(Ahead::of(&behind), Some(second), "{behind}");

    // And inside the incomplete part, which B's piece holds.
    let inside = a.append_at(id, second - 10).await.err().expect("inside");
    assert_eq!(Ahead::of(&inside), Some(second), "{inside}");
    let mut w = a.append_at(id, second).await.expect("open on a again");
    w.write_all(&data[second as usize..])
        .expect("write the rest");
    w.commit(true).await.expect("seal");

    assert!(read_all(&b, id).await == data, "b reads what a and b wrote");
    // A sealed upload takes no more and says how long it is.
    let sealed = b.append_at(id, 0).await.err().expect("sealed");
    assert_eq!(Ahead::of(&sealed), Some(data.len() as u64));
    b.remove(id).await.expect("remove");
    assert!(a.read(id).await.is_err(), "removed for both");
}

/// An unfinished upload removed (expiry, termination) leaves nothing in
/// the bucket: its multipart upload aborted, its objects deleted.
#[tokio::test(flavor = "multi_thread")]
async fn removing_an_unfinished_upload_aborts_it_and_leaves_no_object() {
    let bucket = garage::new_bucket().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let shared = records(dir.path());
    let store = store(&bucket, dir.path().join("spool"), &shared).await;
    let id = "fedcba9876543210fedcba9876543210";
    store.create(id).await.expect("create");
    let mut w = store.append_at(id, 0).await.expect("open");
    w.write_all(&bytes(MIN_PART + 100, 3)).expect("write");
    w.commit(false)
        .await
        .expect("commit: a part and an incomplete part");

    let client = hoso_portal::storage::s3::client(&bucket);
    // The bucket's objects and multipart uploads.
    let listing = || async {
        let objects = client
            .list_objects_v2()
            .bucket(&bucket.bucket)
            .send()
            .await
            .expect("list objects");
        let uploads = client
            .list_multipart_uploads()
            .bucket(&bucket.bucket)
            .send()
            .await
            .expect("list uploads");
        (objects.contents().len(), uploads.uploads().len())
    };
    assert_eq!(
        listing().await,
        (0, 1),
        "its multipart upload only: the incomplete part is in the records"
    );
    assert!(shared.multipart(id).await.expect("records").is_some());
    store.remove(id).await.expect("remove");
    assert_eq!(listing().await, (0, 0), "nothing left");
    assert_eq!(
        shared.multipart(id).await.expect("records"),
        None,
        "nor in the records"
    );
}

/// Small requests alternating between two stores, as a client on a slow
/// link behind a load balancer sends them: each keeps its bytes as one
/// piece in the records, S3 receives only whole parts (never rewritten
/// pieces), and the sealed upload is byte-exact.
#[tokio::test(flavor = "multi_thread")]
async fn small_requests_keep_pieces_in_the_records_and_send_s3_only_whole_parts() {
    let bucket = garage::new_bucket().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let shared = records(dir.path());
    let stores = [
        store(&bucket, dir.path().join("a"), &shared).await,
        store(&bucket, dir.path().join("b"), &shared).await,
    ];
    let data = bytes(2 * MIN_PART + 777_777, 5);
    let id = "00112233445566778899aabbccddeeff";
    stores[0].create(id).await.expect("create");
    let client = hoso_portal::storage::s3::client(&bucket);
    let mut offset = 0usize;
    let mut most_pieces = 0;
    for request in 0usize.. {
        let end = (offset + 65_536 + 1_000 * (request % 7)).min(data.len());
        let last = end == data.len();
        let mut w = stores[request % 2]
            .append_at(id, offset as u64)
            .await
            .unwrap_or_else(|e| panic!("request {request} at {offset}: {e}"));
        w.write_all(&data[offset..end]).expect("write");
        w.commit(last).await.expect("commit");
        offset = end;
        if last {
            break;
        }
        let held = shared.multipart(id).await.expect("records").expect("held");
        let whole = held.parts.len() * MIN_PART as usize;
        assert_eq!(
            whole + held.pieces.iter().map(|p| p.1 as usize).sum::<usize>(),
            offset,
            "parts and pieces hold every byte acknowledged"
        );
        most_pieces = most_pieces.max(held.pieces.len());
        let sent = client
            .list_parts()
            .bucket(&bucket.bucket)
            .key(format!("uploads/{id}"))
            .upload_id(&held.multipart_id)
            .send()
            .await
            .expect("list parts");
        assert_eq!(
            sent.parts().len(),
            held.parts.len(),
            "S3 holds the parts recorded"
        );
        for part in sent.parts() {
            assert_eq!(part.size(), Some(MIN_PART as i64), "only whole parts");
        }
    }
    assert!(most_pieces > 10, "one piece per request: {most_pieces}");
    assert!(read_all(&stores[1], id).await == data, "sealed byte-exact");
    assert_eq!(
        shared.multipart(id).await.expect("records"),
        None,
        "forgotten once sealed"
    );
}

fn portal_bin() -> &'static str {
    env!("CARGO_BIN_EXE_hoso-portal")
}

/// The portal binary serving `settings` on `port`, killed when dropped.
struct Portal(std::process::Child);

impl Portal {
    fn start(settings: &Path, port: u16) -> Self {
        let child = std::process::Command::new(portal_bin())
            .args(["serve", "--config"])
            .arg(settings)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("portal binary runs");
        let start = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "portal did not listen"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self(child)
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.0.kill(); // SIGKILL
        let _ = self.0.wait();
    }
}

/// The portal on S3 killed (SIGKILL) in the middle of PATCHes and
/// restarted: HEAD never claims more than was sent nor goes back, the
/// upload completes from where each restart says, and it is filed with
/// the right SHA-256 (read back from the bucket: no process saw it whole).
#[tokio::test(flavor = "multi_thread")]
async fn killing_the_portal_on_s3_mid_patch_resumes_and_files_the_right_sha256() {
    let bucket = garage::new_bucket().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("portal");
    with_big_notice(&data_dir); // the procedure folder
    let settings = dir.path().join("portal.toml");
    std::fs::write(
        &settings,
        format!(
            "data = \"{}\"\n{}",
            data_dir.display(),
            garage::settings_toml(&bucket)
        ),
    )
    .expect("settings");
    let token = String::from_utf8(
        std::process::Command::new(portal_bin())
            .args(["add-applicant", "--data"])
            .arg(&data_dir)
            .args(["--account", "cty-mat-dien", "--name", "Công ty Mất Điện"])
            .output()
            .expect("add-applicant")
            .stdout,
    )
    .expect("token")
    .trim()
    .to_owned();
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let data = std::sync::Arc::new(bytes(40 * MIB, 9));
    let len = data.len() as u64;

    let portal = Portal::start(&settings, port);
    let (url, _) = common::create_upload(&http, &base, &token, len).await;
    drop(portal);
    let (mut kept, mut ever_sent) = (0u64, 0u64);
    let mut seed = 0x2545_f491u64;
    for round in 0..7 {
        let portal = Portal::start(&settings, port);
        let from = common::head(&http, &url, &token).await;
        assert!(
            from >= kept,
            "round {round}: HEAD went back from {kept} to {from}"
        );
        kept = from;
        if from == len {
            break;
        }
        let common::Trickle { body, sent } = common::trickle(
            data.clone(),
            from,
            64 * 1024,
            Duration::from_millis(4),
            false,
        );
        let patch = http
            .patch(&url)
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", from.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(body)
            .send();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let lifetime = Duration::from_millis(200 + seed % 1200);
        let _ = tokio::time::timeout(lifetime, patch).await;
        drop(portal); // SIGKILL mid-PATCH
        // An earlier round may have sent (and sealed) more than this one
        // before its process died unrecorded: the bucket's bytes count.
        ever_sent = ever_sent.max(sent.load(std::sync::atomic::Ordering::SeqCst));
        let portal = Portal::start(&settings, port);
        let offset = common::head(&http, &url, &token).await;
        assert!(
            offset >= kept && offset <= ever_sent,
            "round {round}: {kept} ≤ {offset} ≤ {ever_sent}"
        );
        kept = offset;
        drop(portal);
    }
    // The rest without a kill; a 409 (bytes found durable beyond the
    // recorded offset) sends the client to HEAD again.
    let portal = Portal::start(&settings, port);
    loop {
        let from = common::head(&http, &url, &token).await;
        if from == len {
            break;
        }
        let res = common::patch(&http, &url, &token, from, data[from as usize..].to_vec()).await;
        assert!(
            matches!(res.status().as_u16(), 204 | 409),
            "PATCH: {}",
            res.status()
        );
    }
    assert!(
        common::stored_upload(&common::settings_file(&settings), &url).await == *data,
        "the sealed object is byte-exact"
    );
    file_with_scan(&http, &base, &token, &url, &data).await;
    drop(portal);
}

/// A request sealed the upload in the bucket and its process died before
/// recording it complete (the records still say it is under way, without
/// a SHA-256). The next request finds the sealed object: the upload is
/// completed then, its SHA-256 read from the bucket, and it files.
#[tokio::test(flavor = "multi_thread")]
async fn an_upload_sealed_but_not_recorded_is_completed_by_the_next_request() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = with_big_notice(dir.path());
    config.storage = hoso_portal::config::StorageChoice::S3(garage::new_bucket().await);
    let http = reqwest::Client::new();
    let data = bytes(6 * MIB, 77);

    let (portal, token) =
        common::start(config.clone(), "cty-niem-phong", "Công ty Niêm Phong").await;
    let (url, _) = common::create_upload(&http, portal.base_url(), &token, data.len() as u64).await;
    let res = common::patch(&http, &url, &token, 0, data.clone()).await;
    assert_eq!(res.status(), 204);
    let base = portal.base_url().to_owned();
    portal.stop().await;
    let id = url.rsplit('/').next().expect("id").to_owned();
    let forgotten = rusqlite::Connection::open(dir.path().join("portal.sqlite3"))
        .expect("records")
        .execute(
            "UPDATE uploads SET offset_bytes = 0, sha256 = NULL, completed_at = NULL WHERE id = ?1",
            [&id],
        )
        .expect("forget the completion");
    assert_eq!(forgotten, 1);

    let (portal, token) = common::start(config, "cty-niem-phong", "Công ty Niêm Phong").await;
    let url = url.replace(&base, portal.base_url());
    assert_eq!(common::head(&http, &url, &token).await, 0);
    let res = common::patch(&http, &url, &token, 0, data.clone()).await;
    assert_eq!(
        res.status(),
        409,
        "the bucket holds more than the records said"
    );
    assert_eq!(
        res.headers()["upload-offset"],
        data.len().to_string().as_str()
    );
    assert_eq!(common::head(&http, &url, &token).await, data.len() as u64);
    let code = file_with_scan(&http, portal.base_url(), &token, &url, &data).await;
    assert_eq!(officer_download(&portal, &code, &data).await, data);
}
