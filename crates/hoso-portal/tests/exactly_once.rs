//! Exactly once, over real HTTP: fifty clients sending the same submission
//! under one Idempotency-Key at the same moment make one dossier, and every
//! one of them ends with the identical receipt (those told 409 ask again);
//! the same content under a new key returns that first receipt; the key is
//! required and bound to its body, in which the uploads are a set: sent
//! again in another order they are the same request.

mod common;

use common::{dual, portal_on, request};
use hoso_core::wire::{SubmissionRequest, SubmissionResponse};
use reqwest::StatusCode;
use std::time::Duration;

/// Sends until the portal gives a final answer, asking again after a 409.
async fn submit_until_answered(
    http: reqwest::Client,
    url: String,
    token: String,
    key: String,
    body: SubmissionRequest,
) -> (u32, SubmissionResponse) {
    let mut conflicts = 0;
    loop {
        let res = http
            .post(&url)
            .bearer_auth(&token)
            .header("Idempotency-Key", &key)
            .json(&body)
            .send()
            .await
            .expect("portal answers");
        match res.status() {
            StatusCode::CONFLICT => {
                conflicts += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            s if s.is_success() => return (conflicts, res.json().await.expect("answer")),
            s => panic!("unexpected {s}: {}", res.text().await.unwrap_or_default()),
        }
    }
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_submissions_with_one_key_make_one_dossier_and_one_receipt(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token) = portal_on(backend, dir.path()).await;
    let url = format!("{}/v1/dossiers", portal.base_url());
    let http = reqwest::Client::new();
    let key = "\"khoa-mot-lan-0001\"".to_owned();
    let body = request("Nguyễn Thị Hồng");

    let tasks: Vec<_> = (0..50)
        .map(|_| {
            tokio::spawn(submit_until_answered(
                http.clone(),
                url.clone(),
                token.clone(),
                key.clone(),
                body.clone(),
            ))
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.expect("client task"));
    }
    let first = serde_json::to_string(&answers[0].1.receipt).expect("receipt");
    for (_, a) in &answers {
        assert_eq!(
            serde_json::to_string(&a.receipt).expect("receipt"),
            first,
            "every client holds the identical signed receipt"
        );
    }
    let conflicts: u32 = answers.iter().map(|(c, _)| c).sum();
    println!("50 clients, {conflicts} answers of 409 before the receipt");
    let stored = portal.stored_dossiers().await.expect("dossiers");
    assert_eq!(stored.len(), 1, "one dossier for fifty requests");

    // The same content under a new key: the first receipt, flagged.
    let (_, again) = submit_until_answered(
        http.clone(),
        url.clone(),
        token.clone(),
        "\"khoa-khac-0002\"".into(),
        body.clone(),
    )
    .await;
    assert!(again.existing);
    assert_eq!(
        serde_json::to_string(&again.receipt).expect("receipt"),
        first
    );

    // Same key, another body: 422. No key: 400. Still one dossier.
    let other = http
        .post(&url)
        .bearer_auth(&token)
        .header("Idempotency-Key", &key)
        .json(&request("Trần Văn Bình"))
        .send()
        .await
        .expect("answer");
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let keyless = http
        .post(&url)
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .expect("answer");
    assert_eq!(keyless.status(), StatusCode::BAD_REQUEST);
    let problem: hoso_core::wire::ProblemDetails = keyless.json().await.expect("problem+json");
    assert_eq!(problem.status, 400);
    assert!(
        problem.message.vi.contains("Idempotency-Key"),
        "{}",
        problem.message.vi
    );
    let stored = portal.stored_dossiers().await.expect("dossiers");
    assert_eq!(stored.len(), 1);
}
}

dual! {
/// A client that uploads documents side by side lists them in the order
/// they finished; started again after a crash it may list them otherwise.
/// That is the same request: the key answers with its receipt, not 422.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_uploads_listed_in_another_order_are_the_same_request(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token) = portal_on(backend, dir.path()).await;
    let http = reqwest::Client::new();
    let base = portal.base_url().to_owned();
    let mut body = request("Phạm Thị Thứ Tự");
    for (slot, bytes) in [
        ("scan", &b"%PDF-1.4 ban quet"[..]),
        ("annex", &b"%PDF-1.4 phu luc"[..]),
    ] {
        let (url, _) = common::create_upload(&http, &base, &token, bytes.len() as u64).await;
        let done = common::patch(&http, &url, &token, 0, bytes.to_vec()).await;
        assert_eq!(done.status(), StatusCode::NO_CONTENT);
        let sha256 = hoso_core::Sha256Digest::of(bytes);
        body.dossier.documents.push(hoso_core::AttachedDocument {
            slot: slot.into(),
            name: format!("{slot}.pdf"),
            size: bytes.len() as u64,
            sha256,
        });
        body.uploads.push(hoso_core::wire::UploadRef {
            sha256,
            upload_url: url,
        });
    }
    let first = common::submit(&http, &base, &token, "thu-tu-tai-len", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: SubmissionResponse = first.json().await.expect("answer");

    body.uploads.reverse();
    let again = common::submit(&http, &base, &token, "thu-tu-tai-len", &body).await;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "the key's answer, not a refusal: {:?}",
        again.headers()
    );
    let again: SubmissionResponse = again.json().await.expect("answer");
    assert_eq!(
        serde_json::to_string(&again.receipt).expect("receipt"),
        serde_json::to_string(&first.receipt).expect("receipt"),
    );
    // Another upload in the list is another request still.
    body.uploads[0].upload_url.push_str("-khac");
    let other = common::submit(&http, &base, &token, "thu-tu-tai-len", &body).await;
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let stored = portal.stored_dossiers().await.expect("dossiers");
    assert_eq!(stored.len(), 1);
}
}
