//! The applicant's satisfaction rating, over real HTTP on both back ends:
//! only the owner rates, only a completed dossier, only 1 to 5 with a
//! comment fit to keep; rating again replaces the earlier rating, and the
//! `ratings` table the figures read holds one row per dossier, the latest.

mod common;

use common::{dual, officer_moves, problem, put_result};
use hoso_core::status::Status;
use hoso_core::wire::{Rating, RatingRequest};
use hoso_portal::PortalConfig;
use reqwest::StatusCode;

/// A portal on `backend` serving the trial notice, its settings, an
/// applicant's token, another applicant's and an officer's.
struct Agency {
    _portal: hoso_portal::RunningPortal,
    config: PortalConfig,
    http: reqwest::Client,
    base: String,
    applicant: String,
    other: String,
    officer: String,
}

impl Agency {
    async fn start(backend: common::Backend, dir: &std::path::Path) -> Self {
        let config = backend.configure(common::with_notice(dir)).await;
        let (portal, applicant) =
            common::start(config.clone(), "cty-danh-gia", "Công ty Đánh Giá").await;
        let other = portal
            .issue_token("cty-khac", "Công ty Khác")
            .await
            .expect("token");
        let officer = portal
            .issue_officer_token("can-bo-tra", "Lê Thị Trả")
            .await
            .expect("officer token");
        Self {
            http: reqwest::Client::new(),
            base: portal.base_url().to_owned(),
            _portal: portal,
            config,
            applicant,
            other,
            officer,
        }
    }

    /// Files the trial notice under `key`; its code.
    async fn file(&self, key: &str, name: &str) -> String {
        let filed = common::file(&self.http, &self.base, &self.applicant, key, name).await;
        common::receipt_text(&filed, "dossier_code")
    }

    /// Takes dossier `code` to `result_ready`: examined, a result
    /// attached and issued.
    async fn to_result_ready(&self, code: &str) {
        let (http, base, officer) = (&self.http, self.base.as_str(), self.officer.as_str());
        officer_moves(
            http,
            base,
            officer,
            code,
            &[Status::Accepted, Status::Processing],
        )
        .await;
        let res = put_result(http, base, officer, code, "kết quả.pdf", "bản chính").await;
        assert_eq!(res.status(), StatusCode::CREATED);
        officer_moves(http, base, officer, code, &[Status::ResultReady]).await;
    }

    /// The applicant says the result arrived: the dossier is completed.
    async fn complete(&self, code: &str) {
        let res = self
            .http
            .post(format!("{}/v1/dossiers/{code}/result-received", self.base))
            .bearer_auth(&self.applicant)
            .send()
            .await
            .expect("answered");
        assert_eq!(res.status(), StatusCode::OK);
    }

    /// `token`'s rating of dossier `code` with body `body`; the answer.
    async fn rate(&self, token: &str, code: &str, body: serde_json::Value) -> reqwest::Response {
        self.http
            .post(format!("{}/v1/dossiers/{code}/rating", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("rating answered")
    }

    /// `token`'s reading of dossier `code`'s rating; the answer.
    async fn rating(&self, token: &str, code: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/v1/dossiers/{code}/rating", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("rating answered")
    }
}

/// The rating in a successful answer.
async fn rated(res: reqwest::Response) -> Rating {
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    res.json().await.expect("rating")
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_completed_dossier_is_rated_by_its_owner_and_rating_again_replaces_the_rating(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = Agency::start(backend, dir.path()).await;
    let code = a.file("dg-1", "Trần Văn Hài").await;
    let five = serde_json::json!({"rating": 5});

    // Before completion, in every state on the way: refused, its state named.
    let (status, p) = problem(a.rate(&a.applicant, &code, five.clone()).await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::CONFLICT, "not_completed"));
    assert!(p.message.vi.contains("“Đã tiếp nhận”"), "{}", p.message.vi);
    assert!(p.message.en.contains("“Received”"), "{}", p.message.en);
    a.to_result_ready(&code).await;
    let (status, p) = problem(a.rate(&a.applicant, &code, five.clone()).await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::CONFLICT, "not_completed"));
    assert!(p.message.vi.contains("“Đã có kết quả”") && p.message.vi.contains("“Đã trả kết quả”"), "{}", p.message.vi);
    assert!(p.message.en.contains("“Result ready”") && p.message.en.contains("“Completed”"), "{}", p.message.en);
    let (status, p) = problem(a.rating(&a.applicant, &code).await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::NOT_FOUND, "not_rated"));

    a.complete(&code).await;
    let (status, p) = problem(a.rating(&a.applicant, &code).await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::NOT_FOUND, "not_rated"), "none yet");

    // Rated: the comment kept as normalised, read back the same.
    let first = rated(a.rate(&a.applicant, &code, serde_json::json!({
        "rating": 2, "comment": "  Phải chờ lâu ở quầy.\u{200b} ",
    })).await).await;
    assert_eq!(first.dossier_code.as_str(), code);
    assert_eq!((first.rating, first.comment.as_str()), (2, "Phải chờ lâu ở quầy."));
    assert_eq!(first.rated_at.offset().local_minus_utc(), 7 * 3600);
    assert_eq!(rated(a.rating(&a.applicant, &code).await).await, first);

    // Rated again, without a comment: the latest word replaces the first.
    let again = rated(a.rate(&a.applicant, &code, five.clone()).await).await;
    assert_eq!((again.rating, again.comment.as_str()), (5, ""));
    assert!(again.rated_at >= first.rated_at);
    assert_eq!(rated(a.rating(&a.applicant, &code).await).await, again);
    // What the figures read: one row for the dossier, the latest rating.
    let row = common::stored_text(
        &a.config,
        &format!(
            "SELECT CAST(COUNT(*) AS TEXT) || ' ' || CAST(MAX(rating) AS TEXT) || ' [' || MAX(comment) || ']'
             FROM ratings WHERE dossier_code = {}",
            common::sql_text(&code)
        ),
    )
    .await;
    assert_eq!(row, "1 5 []");
    let typed: Rating = serde_json::from_value(serde_json::to_value(&again).expect("json")).expect("typed");
    assert_eq!(typed, again);
    // The typed body works as well as hand-written JSON.
    let body = RatingRequest { rating: 4, comment: "Đúng hẹn.".into() };
    let typed = rated(a.rate(&a.applicant, &code, serde_json::to_value(&body).expect("json")).await).await;
    assert_eq!((typed.rating, typed.comment.as_str()), (4, "Đúng hẹn."));
}
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rating_out_of_range_a_comment_unfit_to_keep_and_another_applicants_dossier_are_refused(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = Agency::start(backend, dir.path()).await;
    let code = a.file("dg-2", "Lê Thị Chê").await;
    a.to_result_ready(&code).await;
    a.complete(&code).await;

    // Outside 1 to 5, however far: 422, the field named as a problem.
    for n in [0, 6, -1, 300] {
        let (status, p) = problem(a.rate(&a.applicant, &code, serde_json::json!({"rating": n})).await).await;
        assert_eq!((status, p.code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "rating_out_of_range"), "{n}");
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].path, "rating");
        assert!(p.message.en.contains(&format!("no rating {n}")), "{}", p.message.en);
    }
    // Not a number at all: a malformed body.
    let (status, p) = problem(a.rate(&a.applicant, &code, serde_json::json!({"rating": "năm"})).await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::BAD_REQUEST, "malformed_body"));
    // A comment too long, or hiding a character inside: 422 naming it.
    let long = "ư".repeat(hoso_core::rating::COMMENT_MAX_CHARS + 1);
    let (status, p) = problem(a.rate(&a.applicant, &code, serde_json::json!({"rating": 3, "comment": long})).await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "rating_comment_invalid"));
    assert_eq!(p.problems[0].path, "comment");
    assert!(p.message.vi.contains("1.001/1.000"), "{}", p.message.vi);
    let (status, p) = problem(a.rate(&a.applicant, &code, serde_json::json!({"rating": 3, "comment": "Tốt\u{200b}lắm"})).await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "rating_comment_invalid"));
    assert!(p.message.en.contains("U+200B at position 4"), "{}", p.message.en);
    // Exactly the longest comment is kept.
    let fits = "ư".repeat(hoso_core::rating::COMMENT_MAX_CHARS);
    let kept = rated(a.rate(&a.applicant, &code, serde_json::json!({"rating": 3, "comment": fits})).await).await;
    assert_eq!(kept.comment.chars().count(), hoso_core::rating::COMMENT_MAX_CHARS);

    // Another applicant neither rates nor reads it: the dossier is not
    // theirs, as one that does not exist.
    let (status, theirs) = problem(a.rate(&a.other, &code, serde_json::json!({"rating": 1})).await).await;
    let (_, unknown) = problem(a.rate(&a.other, "HOSO.PRACTICE-200101-9999", serde_json::json!({"rating": 1})).await).await;
    assert_eq!((status, theirs.code.as_str()), (StatusCode::NOT_FOUND, "not_found"));
    assert_eq!(theirs.message, unknown.message);
    let (status, p) = problem(a.rating(&a.other, &code).await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::NOT_FOUND, "not_found"));
    // An officer's token opens no applicant route; no token, nothing.
    let res = a.rate(&a.officer, &code, serde_json::json!({"rating": 1})).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = a.http.get(format!("{}/v1/dossiers/{code}/rating", a.base)).send().await.expect("answered");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // None of it changed the rating kept.
    assert_eq!(rated(a.rating(&a.applicant, &code).await).await, kept);
}
}
