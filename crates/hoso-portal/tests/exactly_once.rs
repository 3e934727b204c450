//! Exactly once, over real HTTP: fifty clients sending the same submission
//! under one Idempotency-Key at the same moment make one dossier, and every
//! one of them ends with the identical receipt (those told 409 ask again);
//! the same content under a new key returns that first receipt; the key is
//! required and bound to its body.

use hoso_core::wire::{SubmissionRequest, SubmissionResponse};
use hoso_core::{DossierContent, Value};
use hoso_portal::inspect::Inspector;
use hoso_portal::{PortalConfig, RunningPortal};
use reqwest::StatusCode;
use std::time::Duration;

/// A procedure without required documents, so that a submission needs no
/// uploads: what is tested here is the key, not the files.
const NOTICE: &str = r#"{
  "format": 2, "code": "thong-bao-thu", "version": "1",
  "name": {"vi": "Thông báo thử", "en": "Trial notice"},
  "agency": {"vi": "Cổng thực hành", "en": "Practice portal"},
  "effective_from": "2020-01-01", "fee_vnd": 0, "processing_days": 2,
  "sections": [{"id": "a", "title": {"vi": "Người nộp", "en": "Applicant"},
    "fields": [{"id": "name", "label": {"vi": "Họ tên", "en": "Name"}, "type": "text",
                "required": true, "max_length": {"max": 100, "unit": "chars"}}]}],
  "attachments": [{"id": "scan", "label": {"vi": "Bản quét", "en": "Scan"},
    "accept": ["pdf"], "max_size_bytes": 1048576, "max_count": 1}],
  "receipt": {"applicant_name": "a.name"},
  "notes": [{"vi": "Chỉ để thử.", "en": "For tests only."}]
}"#;

async fn portal(dir: &std::path::Path) -> (RunningPortal, String) {
    let extra = dir.join("procedures");
    std::fs::create_dir_all(&extra).expect("procedures folder");
    std::fs::write(extra.join("thong-bao-thu.json"), NOTICE).expect("schema");
    let portal = hoso_portal::start(PortalConfig::practice(dir.to_owned()))
        .await
        .expect("portal starts");
    let token = portal
        .issue_token("cty-mot-lan", "Công ty Một Lần")
        .await
        .expect("token");
    (portal, token)
}

fn request(name: &str) -> SubmissionRequest {
    let mut dossier = DossierContent {
        procedure: "thong-bao-thu".parse().expect("code"),
        version: "1".into(),
        fields: Default::default(),
        documents: vec![],
    };
    dossier
        .fields
        .insert("a.name".into(), Value::Text(name.into()));
    SubmissionRequest {
        dossier,
        uploads: vec![],
        new_filing: false,
    }
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_submissions_with_one_key_make_one_dossier_and_one_receipt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token) = portal(dir.path()).await;
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
    let stored = Inspector::open(dir.path())
        .expect("inspect")
        .dossiers()
        .expect("dossiers");
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
    let stored = Inspector::open(dir.path())
        .expect("inspect")
        .dossiers()
        .expect("dossiers");
    assert_eq!(stored.len(), 1);
}
