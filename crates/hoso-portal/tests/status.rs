//! After the receipt: officers move a dossier through its states with a
//! note and, for a supplement, what is asked; the applicant reads the
//! history and a change feed by cursor, both with ETags; anyone holding
//! the code and PIN reads the state without signing in, and guessing PINs
//! is paused. Officer and applicant credentials never stand in for each
//! other.

mod common;

use common::{dual, portal_on};
use hoso_core::status::Status;
use hoso_core::wire::{DossierStatus, PublicStatus, StatusFeed, SubmissionResponse};
use reqwest::StatusCode;
use serde_json::json;

struct Fixture {
    http: reqwest::Client,
    base: String,
}

impl Fixture {
    async fn file(&self, token: &str, name: &str, key: &str) -> SubmissionResponse {
        common::file(&self.http, &self.base, token, key, name).await
    }

    async fn get(&self, token: &str, path: &str, etag: Option<&str>) -> reqwest::Response {
        let mut req = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(tag) = etag {
            req = req.header("If-None-Match", tag);
        }
        req.send().await.expect("get")
    }

    async fn move_to(
        &self,
        officer: &str,
        code: &str,
        body: serde_json::Value,
        if_match: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}/v1/officer/dossiers/{code}/status", self.base))
            .bearer_auth(officer)
            .json(&body);
        if let Some(tag) = if_match {
            req = req.header("If-Match", tag);
        }
        req.send().await.expect("move")
    }

    async fn lookup(&self, code: &str, pin: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/v1/lookup", self.base))
            .json(&json!({"code": code, "pin": pin}))
            .send()
            .await
            .expect("lookup")
    }
}

fn etag(res: &reqwest::Response) -> String {
    res.headers()["etag"].to_str().expect("etag").to_owned()
}

async fn problem_code(res: reqwest::Response) -> String {
    let body: serde_json::Value = res.json().await.expect("problem");
    body["code"].as_str().unwrap_or_default().to_owned()
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn officers_move_dossiers_and_applicants_follow_by_status_feed_and_pin(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, applicant) = portal_on(backend, dir.path()).await;
    let other = portal
        .issue_token("cty-khac", "Công ty Khác")
        .await
        .expect("token");
    let officer = portal
        .issue_officer_token("can-bo-an", "Nguyễn Văn An")
        .await
        .expect("officer token");
    let f = Fixture {
        http: reqwest::Client::new(),
        base: portal.base_url().to_owned(),
    };
    let first = f.file(&applicant, "Nguyễn Thị Một", "khoa-1").await;
    let second = f.file(&applicant, "Nguyễn Thị Hai", "khoa-2").await;
    let code = first.receipt.receipt["dossier_code"]
        .as_str()
        .expect("code")
        .to_owned();
    let code2 = second.receipt.receipt["dossier_code"]
        .as_str()
        .expect("code")
        .to_owned();
    let pin = first.receipt.receipt["lookup_pin"]
        .as_str()
        .expect("pin")
        .to_owned();

    // Filing is the first entry of the history, made by the portal.
    let res = f
        .get(&applicant, &format!("/v1/dossiers/{code}"), None)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let tag = etag(&res);
    let status: DossierStatus = res.json().await.expect("status");
    assert_eq!(status.status, Status::Received);
    assert_eq!(status.history.len(), 1);
    assert_eq!(status.history[0].actor, "portal");
    assert_eq!(
        status.appointment_date.to_string(),
        first.receipt.receipt["appointment_date"]
            .as_str()
            .expect("date")
    );
    // Asking again with the tag costs a 304 and no body.
    let res = f
        .get(&applicant, &format!("/v1/dossiers/{code}"), Some(&tag))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);

    // The feed from the start holds both filings, in order.
    let res = f.get(&applicant, "/v1/dossiers?since=0", None).await;
    let feed_tag = etag(&res);
    let feed: StatusFeed = res.json().await.expect("feed");
    assert_eq!(feed.events.len(), 2);
    assert!(feed.events[0].cursor < feed.events[1].cursor);
    assert!(!feed.more);
    let cursor = feed.next_cursor;
    let res = f
        .get(&applicant, "/v1/dossiers?since=0", Some(&feed_tag))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    // Pages: one event at a time, `more` until the end.
    let page: StatusFeed = f
        .get(&applicant, "/v1/dossiers?since=0&limit=1", None)
        .await
        .json()
        .await
        .expect("page");
    assert_eq!((page.events.len(), page.more), (1, true));

    // Credentials do not cross: an applicant's token opens no officer
    // route, an officer's token no applicant route.
    let res = f
        .move_to(&applicant, &code, json!({"to": "accepted"}), None)
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(problem_code(res).await, "officer_only");
    let res = f.get(&officer, &format!("/v1/dossiers/{code}"), None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = f.get(&applicant, "/v1/officer/dossiers", None).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The officer's queue of received dossiers holds both.
    let queue: Vec<DossierStatus> = f
        .get(&officer, "/v1/officer/dossiers?status=received", None)
        .await
        .json()
        .await
        .expect("queue");
    assert_eq!(queue.len(), 2);
    let res = f
        .get(&officer, "/v1/officer/dossiers?status=approved", None)
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(problem_code(res).await, "unknown_state");

    // Moves the rules forbid, and moves missing what they need.
    let res = f
        .move_to(&officer, &code, json!({"to": "completed"}), None)
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body: serde_json::Value = res.json().await.expect("problem");
    assert_eq!(body["code"], "transition_not_allowed");
    assert!(
        body["message"]["vi"]
            .as_str()
            .is_some_and(|m| m.contains("Đã chấp nhận hồ sơ")),
        "{body}"
    );
    let res = f
        .move_to(&officer, &code, json!({"to": "supplement_requested"}), None)
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_code(res).await, "supplement_unspecified");
    let res = f
        .move_to(
            &officer,
            &code2,
            json!({"to": "rejected", "note": " "}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_code(res).await, "reason_missing");

    // A supplement request, made against the version the officer saw.
    let asked = "Bổ sung bản sao chứng nhận hợp quy còn hiệu lực";
    let res = f
        .move_to(
            &officer,
            &code,
            json!({"to": "supplement_requested", "note": "Thiếu giấy tờ", "request": asked}),
            Some(&tag),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let after_request = etag(&res);
    assert_ne!(after_request, tag);
    // A second officer acting on the old version is stopped.
    let res = f
        .move_to(
            &officer,
            &code,
            json!({"to": "rejected", "note": "x"}),
            Some(&tag),
        )
        .await;
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(problem_code(res).await, "status_changed");

    // The applicant's old tag no longer matches: the change is seen.
    let res = f
        .get(&applicant, &format!("/v1/dossiers/{code}"), Some(&tag))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let status: DossierStatus = res.json().await.expect("status");
    assert_eq!(status.status, Status::SupplementRequested);
    let last = status.history.last().expect("event");
    assert_eq!(last.actor, "can-bo-an");
    assert_eq!(last.note, "Thiếu giấy tờ");
    assert_eq!(last.request.as_deref(), Some(asked));

    // The rest of the way (the result attached first, as `result_ready`
    // asks), then the other dossier refused.
    let res = common::put_result(&f.http, &f.base, &officer, &code, "kết quả.pdf", "%PDF kết quả").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    for to in ["processing", "result_ready", "completed"] {
        let res = f.move_to(&officer, &code, json!({"to": to}), None).await;
        assert_eq!(res.status(), StatusCode::OK, "{to}");
    }
    let res = f
        .move_to(
            &officer,
            &code2,
            json!({"to": "rejected", "note": "Hàng hóa không thuộc danh mục"}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = f
        .move_to(&officer, &code, json!({"to": "processing"}), None)
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "completed is final");

    // The feed from the old cursor holds the five changes in order; the
    // other applicant's feed holds none of them.
    let feed: StatusFeed = f
        .get(&applicant, &format!("/v1/dossiers?since={cursor}"), None)
        .await
        .json()
        .await
        .expect("feed");
    let seen: Vec<(String, Status)> = feed
        .events
        .iter()
        .map(|e| (e.code.as_str().to_owned(), e.status))
        .collect();
    assert_eq!(
        seen,
        vec![
            (code.clone(), Status::SupplementRequested),
            (code.clone(), Status::Processing),
            (code.clone(), Status::ResultReady),
            (code.clone(), Status::Completed),
            (code2.clone(), Status::Rejected),
        ]
    );
    let theirs: StatusFeed = f
        .get(&other, "/v1/dossiers?since=0", None)
        .await
        .json()
        .await
        .expect("feed");
    assert!(theirs.events.is_empty());
    assert_eq!(theirs.next_cursor, 0);

    // Lookup by code and PIN, without signing in, in lower case as typed
    // from paper; it names nobody.
    let res = f.lookup(&code, &pin.to_lowercase()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.expect("body");
    let public: PublicStatus = serde_json::from_str(&text).expect("public status");
    assert_eq!(public.status, Status::Completed);
    assert!(
        !text.contains("cty-mot-lan") && !text.contains("Nguyễn"),
        "{text}"
    );
    // An unknown code and a wrong PIN get the same answer.
    let res = f.lookup("HOSO.PRACTICE-20000101-0001", &pin).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(problem_code(res).await, "lookup_failed");
    let wrong = if pin == "AAAA" { "CCCC" } else { "AAAA" };
    for _ in 0..5 {
        let res = f.lookup(&code, wrong).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(problem_code(res).await, "lookup_failed");
    }
    // Six wrong lookups from this address do not pause the dossier: its
    // owner still gets an answer with the right PIN (limits are per
    // address, see `lookup_limits`), and so does another dossier's.
    let res = f.lookup(&code, &pin).await;
    assert_eq!(res.status(), StatusCode::OK);
    let pin2 = second.receipt.receipt["lookup_pin"].as_str().expect("pin");
    let res = f.lookup(&code2, pin2).await;
    assert_eq!(res.status(), StatusCode::OK);
}
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn keys_are_kept_past_the_appointment_date_of_the_procedure(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = backend.configure(common::with_notice(dir.path())).await;
    let (portal, applicant) = common::start(config.clone(), "cty-mot-lan", "Công ty Một Lần").await;
    let f = Fixture {
        http: reqwest::Client::new(),
        base: portal.base_url().to_owned(),
    };
    let filed = f.file(&applicant, "Trần Văn Giữ", "khoa-giu").await;
    let appointment: chrono::NaiveDate = filed.receipt.receipt["appointment_date"]
        .as_str()
        .expect("date")
        .parse()
        .expect("date");
    let expires = common::stored_text(
        &config,
        "SELECT expires_at FROM idempotency_keys WHERE key = 'khoa-giu'",
    )
    .await;
    let expires = chrono::DateTime::parse_from_rfc3339(&expires).expect("time");
    assert!(
        expires.date_naive() > appointment + chrono::Duration::days(90),
        "key kept until {expires}, appointment {appointment}"
    );
}
}
