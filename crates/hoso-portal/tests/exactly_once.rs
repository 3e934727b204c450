//! Exactly once, over real HTTP: fifty clients sending the same submission
//! under one Idempotency-Key at the same moment make one dossier, and every
//! one of them ends with the identical receipt (those told 409 ask again);
//! the same content under a new key returns that first receipt; the key is
//! required and bound to its body.

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
