//! An applicant reaches only their own uploads and dossiers: another
//! applicant's upload URL, dossier code, status and idempotency key answer
//! 404 as if they did not exist, and their upload cannot be written to,
//! deleted or filed.

mod common;

use common::{create_upload, dual, portal_on, request};
use hoso_core::wire::{SubmissionResponse, UploadRef};
use hoso_core::{AttachedDocument, Sha256Digest};
use reqwest::StatusCode;

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn applicant_b_cannot_see_or_touch_what_applicant_a_owns(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, a) = portal_on(backend, dir.path()).await;
    let b = portal
        .issue_token("cty-khac", "Công ty Khác")
        .await
        .expect("token B");
    let base = portal.base_url().to_owned();
    let http = reqwest::Client::new();
    let bytes = b"%PDF-1.7 A";

    // A uploads a small file, whole.
    let (upload, _) = create_upload(&http, &base, &a, bytes.len() as u64).await;
    let patch = |token: &str| {
        http.patch(&upload)
            .bearer_auth(token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", "0")
            .header("Content-Type", "application/offset+octet-stream")
            .body(bytes.to_vec())
    };
    // B may not write to it, ask about it or delete it.
    assert_eq!(
        patch(&b).send().await.expect("B patch").status(),
        StatusCode::NOT_FOUND
    );
    let head = |token: &str| {
        http.head(&upload)
            .bearer_auth(token)
            .header("Tus-Resumable", "1.0.0")
    };
    assert_eq!(
        head(&b).send().await.expect("B head").status(),
        StatusCode::NOT_FOUND
    );
    let deleted = http
        .delete(&upload)
        .bearer_auth(&b)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("B delete");
    assert_eq!(deleted.status(), StatusCode::NOT_FOUND);
    // A still can, and B's attempts left nothing behind.
    let head_a = head(&a).send().await.expect("A head");
    assert_eq!(head_a.headers()["upload-offset"], "0");
    assert_eq!(
        patch(&a).send().await.expect("A patch").status(),
        StatusCode::NO_CONTENT
    );

    // A files a dossier.
    let key = "\"khoa-cua-a\"";
    let filed: SubmissionResponse = http
        .post(format!("{base}/v1/dossiers"))
        .bearer_auth(&a)
        .header("Idempotency-Key", key)
        .json(&request("Công ty Một Lần"))
        .send()
        .await
        .expect("A files")
        .json()
        .await
        .expect("receipt");
    let code = common::receipt_text(&filed, "dossier_code");

    // B cannot read its status or recover it by key.
    let status = |token: &str| {
        http.get(format!("{base}/v1/dossiers/{code}"))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(
        status(&b).await.expect("B status").status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(status(&a).await.expect("A status").status(), StatusCode::OK);
    let by_key = http
        .get(format!("{base}/v1/submissions/by-key/khoa-cua-a"))
        .bearer_auth(&b)
        .send()
        .await
        .expect("B by key");
    assert_eq!(by_key.status(), StatusCode::NOT_FOUND);

    // B cannot file A's upload as its own document.
    let mut theirs = request("Công ty Khác");
    let sha = Sha256Digest::of(bytes);
    theirs.dossier.documents.push(AttachedDocument {
        slot: "scan".into(),
        name: "a.pdf".into(),
        size: bytes.len() as u64,
        sha256: sha,
    });
    theirs.uploads.push(UploadRef {
        sha256: sha,
        upload_url: upload.clone(),
    });
    let refused = http
        .post(format!("{base}/v1/dossiers"))
        .bearer_auth(&b)
        .header("Idempotency-Key", "\"khoa-cua-b\"")
        .json(&theirs)
        .send()
        .await
        .expect("B files");
    assert!(refused.status().is_client_error(), "{}", refused.status());
    let stored = portal.stored_dossiers().await.expect("dossiers");
    assert_eq!(stored.len(), 1, "only A's dossier");
}
}
