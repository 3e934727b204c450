//! Limits that keep one client from hurting others: per-applicant upload
//! quotas, PIN lookups limited per address without locking owners out,
//! filed documents that cannot be deleted, ownership checked before any
//! lock, a token for the dry run, a private data folder, and answers right
//! after a crash. Each reproduces a defect found by trying the portal as
//! a hostile client would.

use crate::common::dual;
use crate::common::head_answer;
use crate::common::{create_upload, patch, request, submit, uploads_kept};
use crate::served::{Served, client_from};
use crate::{offset_of, one_at_a_time};
use hoso_core::wire::{ProblemDetails, SubmissionRequest, SubmissionResponse, UploadRef};
use hoso_core::{AttachedDocument, Sha256Digest};
use reqwest::StatusCode;
use std::time::Duration;

const GIB: u64 = 1024 * 1024 * 1024;

async fn create(http: &reqwest::Client, base: &str, token: &str, length: u64) -> reqwest::Response {
    http.post(format!("{base}/v1/uploads"))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", length.to_string())
        .send()
        .await
        .expect("creation answered")
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_huge_creations_are_refused_by_quota_naming_what_is_left(backend: Backend) {
    let _one = one_at_a_time().await;
    let portal = Served::start(backend, "", None).await;
    let token = portal.applicant("lam-day-dia");
    let http = client_from("127.0.0.6");
    let (mut created, mut refused) = (Vec::new(), Vec::new());
    for _ in 0..1000 {
        let res = create(&http, &portal.base, &token, 2 * GIB).await;
        match res.status() {
            StatusCode::CREATED => {
                created.push(res.headers()["location"].to_str().expect("url").to_owned())
            }
            StatusCode::PAYLOAD_TOO_LARGE => refused.push(res),
            other => panic!("creation answered {other}"),
        }
    }
    // The default quota reserves 20 GiB for unfinished uploads: ten.
    assert_eq!((created.len(), refused.len()), (10, 990));
    let problem: ProblemDetails = refused
        .pop()
        .expect("refused")
        .json()
        .await
        .expect("problem");
    assert_eq!(problem.code, "quota_unfinished_bytes");
    let quota = problem.quota.expect("the quota named");
    assert_eq!(
        (
            quota.quota.as_str(),
            quota.limit,
            quota.used,
            quota.remaining
        ),
        ("unfinished_bytes", 20 * GIB, 20 * GIB, 0)
    );
    assert!(
        problem.message.vi.contains("còn 0 B"),
        "{}",
        problem.message.vi
    );
    assert_eq!(
        uploads_kept(&portal.settings).await,
        10,
        "refused creations leave nothing in the store, the ten made are there"
    );

    // Removing them gives the room back. Small ones go up to the count of
    // unfinished uploads, then 429 with Retry-After; another applicant is
    // not affected.
    for url in created {
        let res = http
            .delete(url)
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .send()
            .await
            .expect("delete");
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(uploads_kept(&portal.settings).await, 0);
    let mut status = StatusCode::CREATED;
    let mut count = 0;
    while status == StatusCode::CREATED {
        let res = create(&http, &portal.base, &token, 1).await;
        status = res.status();
        if status == StatusCode::CREATED {
            count += 1;
        } else {
            assert!(res.headers().contains_key("retry-after"));
            let problem: ProblemDetails = res.json().await.expect("problem");
            assert_eq!(problem.code, "quota_unfinished_uploads");
        }
    }
    assert_eq!((count, status), (200, StatusCode::TOO_MANY_REQUESTS));
    let other = portal.applicant("nguoi-khac");
    assert_eq!(
        create(&http, &portal.base, &other, GIB).await.status(),
        StatusCode::CREATED
    );
}
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn a_creation_refused_for_its_first_bytes_leaves_nothing_and_an_empty_file_is_complete(backend: Backend) {
    let _one = one_at_a_time().await;
    let portal = Served::start(backend, "", None).await;
    let token = portal.applicant("tao-hong");
    let http = client_from("127.0.0.7");
    let with_body = |length: u64, checksum: Option<&str>, body: &'static [u8]| {
        let mut req = http
            .post(format!("{}/v1/uploads", portal.base))
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", length.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(body);
        if let Some(c) = checksum {
            req = req.header("Upload-Checksum", c);
        }
        req.send()
    };
    // A damaged first chunk (460) and one beyond its length (413).
    let res = with_body(
        8,
        Some("sha256 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
        b"%PDF-1.7",
    )
    .await
    .expect("answered");
    assert_eq!(res.status().as_u16(), 460);
    let res = with_body(4, None, b"%PDF-1.7").await.expect("answered");
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(uploads_kept(&portal.settings).await, 0, "nothing left in the store");
    let rows = portal.texts("SELECT COUNT(*) FROM uploads").await;
    assert_eq!(rows, ["0"], "no row nobody can find");

    // A 0-byte document: complete at creation, and it can be filed.
    let (url, _) = create_upload(&http, &portal.base, &token, 0).await;
    let res = head_answer(&http, &url, &token).await;
    assert_eq!(
        (offset_of(&res), &res.headers()["upload-length"]),
        (0, &"0".parse::<reqwest::header::HeaderValue>().expect("v"))
    );
    let empty = Sha256Digest::of(b"");
    let mut filing = request("Trần Rỗng");
    filing.dossier.documents.push(AttachedDocument {
        slot: "scan".into(),
        name: "trong.pdf".into(),
        size: 0,
        sha256: empty,
    });
    filing.uploads.push(UploadRef {
        sha256: empty,
        upload_url: url,
    });
    let res = submit(&http, &portal.base, &token, "tep-rong", &filing).await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap_or_default()
    );
}
}

/// Files a dossier with one document and answers a supplement request
/// with another; the two upload URLs and the dossier code.
async fn filed_with_supplement(
    portal: &Served,
    http: &reqwest::Client,
    token: &str,
) -> (String, String, String) {
    let officer = portal.officer("can-bo-bo-sung");
    let upload = |bytes: &'static [u8]| async move {
        let (url, _) = create_upload(http, &portal.base, token, bytes.len() as u64).await;
        assert_eq!(
            patch(http, &url, token, 0, bytes.to_vec()).await.status(),
            StatusCode::NO_CONTENT
        );
        url
    };
    let doc = |bytes: &[u8], name: &str| AttachedDocument {
        slot: "scan".into(),
        name: name.into(),
        size: bytes.len() as u64,
        sha256: Sha256Digest::of(bytes),
    };
    let first: &'static [u8] = b"%PDF-1.7 ho so";
    let first_url = upload(first).await;
    let mut filing: SubmissionRequest = request("Phạm Bổ Sung");
    filing.dossier.documents.push(doc(first, "ho-so.pdf"));
    filing.uploads.push(UploadRef {
        sha256: Sha256Digest::of(first),
        upload_url: first_url.clone(),
    });
    let res = submit(http, &portal.base, token, "co-bo-sung", &filing).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let filed: SubmissionResponse = res.json().await.expect("receipt");
    let code = crate::common::receipt_text(&filed, "dossier_code");
    let res = http
        .post(format!("{}/v1/officer/dossiers/{code}/status", portal.base))
        .bearer_auth(&officer)
        .json(&serde_json::json!({"to": "supplement_requested", "note": "Thiếu", "request": "Bản quét rõ hơn"}))
        .send()
        .await
        .expect("move");
    assert_eq!(res.status(), StatusCode::OK);
    let second: &'static [u8] = b"%PDF-1.7 ban ro hon";
    let second_url = upload(second).await;
    let supplement = serde_json::json!({
        "supplement": {"answer": "Gửi bản quét rõ hơn", "documents": [doc(second, "ro-hon.pdf")]},
        "uploads": [{"sha256": Sha256Digest::of(second), "upload_url": second_url}],
    });
    let res = http
        .post(format!("{}/v1/dossiers/{code}/supplements", portal.base))
        .bearer_auth(token)
        .header("Idempotency-Key", "\"bo-sung-1\"")
        .json(&supplement)
        .send()
        .await
        .expect("supplement");
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap_or_default()
    );
    (first_url, second_url, code)
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn filed_documents_cannot_be_deleted_and_strangers_lock_nothing(backend: Backend) {
    let _one = one_at_a_time().await;
    let portal = Served::start(backend, "", None).await;
    let token = portal.applicant("chu-tep");
    let http = client_from("127.0.0.8");
    let (dossier_doc, supplement_doc, _) = filed_with_supplement(&portal, &http, &token).await;
    let delete = |url: String, who: String| {
        let http = http.clone();
        async move {
            http.delete(url)
                .bearer_auth(who)
                .header("Tus-Resumable", "1.0.0")
                .send()
                .await
                .expect("DELETE answered")
        }
    };
    for url in [&dossier_doc, &supplement_doc] {
        let res = delete(url.clone(), token.clone()).await;
        assert_eq!(res.status(), StatusCode::CONFLICT, "{url}");
        let problem: ProblemDetails = res.json().await.expect("problem");
        assert_eq!(problem.code, "upload_filed");
        assert_eq!(head_answer(&http, url, &token).await.status(), StatusCode::OK);
    }

    // A stranger's DELETE during the owner's PATCH is 404, and the PATCH
    // goes through untouched.
    let stranger = portal.applicant("nguoi-la");
    let data = std::sync::Arc::new(vec![7u8; 256 * 1024]);
    let (url, _) = create_upload(&http, &portal.base, &token, data.len() as u64).await;
    let owner = tokio::spawn(
        http.patch(&url)
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", "0")
            .header("Content-Type", "application/offset+octet-stream")
            .body(
                crate::common::trickle(
                    data.clone(),
                    0,
                    16 * 1024,
                    Duration::from_millis(20),
                    false,
                )
                .body,
            )
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        delete(url.clone(), stranger).await.status(),
        StatusCode::NOT_FOUND
    );
    let res = owner.await.expect("task").expect("PATCH");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(offset_of(&res), data.len() as u64);

    // The dry run needs a token, as documented.
    let res = http
        .post(format!("{}/v1/dossiers/check", portal.base))
        .json(&request("Ai Đó"))
        .send()
        .await
        .expect("check");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // The data folder is its owner's alone, and so is what the portal
    // keeps in it: on the local back end the records and the uploads, on
    // the shared one the spool of bytes waiting for the bucket.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            |p: &std::path::Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&portal.data), 0o700);
        assert_eq!(mode(&portal.data.join("receipt-key.ed25519")), 0o600);
        match backend {
            crate::common::Backend::Local => {
                for name in ["portal.sqlite3", "portal.sqlite3-wal"] {
                    assert_eq!(mode(&portal.data.join(name)), 0o600, "{name}");
                }
                assert_eq!(mode(&portal.data.join("uploads")), 0o700);
                let id = crate::common::upload_id(&url);
                assert_eq!(mode(&portal.data.join("uploads").join(id)), 0o600);
            }
            crate::common::Backend::Shared => {
                assert_eq!(mode(&portal.data.join("s3-spool")), 0o700);
            }
        }
    }
}
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn pin_guesses_across_codes_pause_the_guesser_and_the_owner_still_looks_up(backend: Backend) {
    let _one = one_at_a_time().await;
    let portal = Served::start(backend, "[lookup]\nmisses_per_address = 10\n", None).await;
    let token = portal.applicant("chu-ho-so");
    let owner = client_from("127.0.0.9");
    let filed: SubmissionResponse = submit(
        &owner,
        &portal.base,
        &token,
        "tra-cuu",
        &request("Võ Chủ Hồ Sơ"),
    )
    .await
    .json()
    .await
    .expect("receipt");
    let code = crate::common::receipt_text(&filed, "dossier_code");
    let pin = crate::common::receipt_text(&filed, "lookup_pin");
    let lookup = |http: reqwest::Client, code: String, pin: String| {
        let base = portal.base.clone();
        async move {
            http.post(format!("{base}/v1/lookup"))
                .json(&serde_json::json!({"code": code, "pin": pin}))
                .send()
                .await
                .expect("lookup answered")
        }
    };
    // A guesser walks the sequential codes, existing or not: every wrong
    // answer is the same, and after ten the guesser waits.
    let guesser = client_from("127.0.0.10");
    let prefix = code.rsplit_once('-').expect("sequence").0.to_owned();
    let wrong = if pin == "AAAA" { "CCCC" } else { "AAAA" };
    let mut bodies = std::collections::HashSet::new();
    for n in 1..=10 {
        let res = lookup(guesser.clone(), format!("{prefix}-{n:04}"), wrong.into()).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        bodies.insert(res.text().await.expect("body"));
    }
    assert_eq!(
        bodies.len(),
        1,
        "a wrong PIN and an unknown code read the same"
    );
    for target in [code.clone(), format!("{prefix}-0999")] {
        let res = lookup(guesser.clone(), target, pin.clone()).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(res.headers().contains_key("retry-after"));
    }
    // The owner, from their own address, is answered.
    let res = lookup(owner.clone(), code.clone(), pin.to_lowercase()).await;
    assert_eq!(res.status(), StatusCode::OK);
}
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn keys_cut_off_by_a_crash_are_answered_right_after_the_restart(backend: Backend) {
    let _one = one_at_a_time().await;
    let mut portal = Served::start(backend, "", None).await;
    let token = portal.applicant("mat-dien");
    let http = client_from("127.0.0.11");
    // Filings in flight when the portal is killed: until one is caught
    // with its key claimed and nothing filed, as a crash leaves it.
    let mut caught = None;
    for trial in 0..20 {
        let mut sending = tokio::task::JoinSet::new();
        for i in 0..40 {
            let (http, base, token) = (http.clone(), portal.base.clone(), token.clone());
            sending.spawn(async move {
                let key = format!("k{trial}-{i}");
                let _ = http
                    .post(format!("{base}/v1/dossiers"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("\"{key}\""))
                    .json(&request(&format!("Người {trial}-{i}")))
                    .send()
                    .await;
            });
        }
        // Killed the moment a claim shows: a fixed delay misses it on a
        // slow machine, where no filing has claimed its key yet.
        let claimed = "SELECT key FROM idempotency_keys WHERE state = 'processing'";
        let watching = tokio::time::Instant::now();
        while portal.texts(claimed).await.is_empty()
            && watching.elapsed() < Duration::from_secs(5)
        {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        portal.kill();
        sending.abort_all();
        let stuck = portal.texts(claimed).await;
        portal = portal.restart();
        if let Some(key) = stuck.into_iter().next() {
            caught = Some(key);
            break;
        }
    }
    let key = caught.expect("a filing was caught mid-way by one of 20 kills");
    // Asked by key: not "still processing" but "never filed, send again".
    let res = http
        .get(format!("{}/v1/submissions/by-key/{key}", portal.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("by key");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let name = key.trim_start_matches('k');
    let res = submit(
        &http,
        &portal.base,
        &token,
        &key,
        &request(&format!("Người {name}")),
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "the retry is filed at once"
    );
}
}
