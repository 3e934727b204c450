//! The applicant's own moves, over real HTTP on both back ends: a dossier
//! not yet examined is withdrawn, once, with a reason fit to keep.

mod common;

use common::{dual, officer_move, officer_moves, problem, whole_feed, withdraw};
use hoso_core::status::Status;
use hoso_core::wire::DossierStatus;
use reqwest::StatusCode;

/// A portal on `backend` serving the trial notice, an applicant's token,
/// another applicant's and an officer's.
struct Agency {
    _portal: hoso_portal::RunningPortal,
    http: reqwest::Client,
    base: String,
    applicant: String,
    other: String,
    officer: String,
}

impl Agency {
    async fn start(backend: common::Backend, dir: &std::path::Path) -> Self {
        let config = backend.configure(common::with_notice(dir)).await;
        let (portal, applicant) = common::start(config, "cty-ket-qua", "Công ty Kết Quả").await;
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

    /// The dossier as `token` reads it (applicant or officer).
    async fn status(&self, token: &str, path: &str) -> DossierStatus {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("status");
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.expect("status")
    }
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dossier_is_withdrawn_before_examination_once_with_a_reason_fit_to_keep(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = Agency::start(backend, dir.path()).await;
    let (http, base) = (&a.http, a.base.as_str());

    // Received: withdrawn, the reason kept as normalised, by the applicant.
    let code = a.file("rut-1", "Nguyễn Văn Rút").await;
    let res = withdraw(http, base, &a.applicant, &code, "  Nộp nhầm thủ tục, sẽ nộp lại.  ").await;
    assert_eq!(res.status(), StatusCode::OK);
    let withdrawn: DossierStatus = res.json().await.expect("status");
    assert_eq!(withdrawn.status, Status::Withdrawn);
    let last = withdrawn.history.last().expect("event");
    assert_eq!((last.actor.as_str(), last.note.as_str()), ("applicant", "Nộp nhầm thủ tục, sẽ nộp lại."));
    assert_eq!(withdrawn.history.len(), 2);

    // Again, whatever the reason: the same state, nothing added.
    for again in ["Nộp nhầm thủ tục, sẽ nộp lại.", "Lý do khác", ""] {
        let res = withdraw(http, base, &a.applicant, &code, again).await;
        assert_eq!(res.status(), StatusCode::OK, "{again:?}");
        let same: DossierStatus = res.json().await.expect("status");
        assert_eq!(same, withdrawn);
    }
    let feed = whole_feed(http, base, &a.applicant, 100).await;
    let changes: Vec<(Status, &str)> = feed
        .events
        .iter()
        .filter(|e| e.code.as_str() == code)
        .map(|e| (e.status, e.note.as_str()))
        .collect();
    assert_eq!(
        changes,
        [(Status::Received, ""), (Status::Withdrawn, "Nộp nhầm thủ tục, sẽ nộp lại.")],
        "one withdrawal in the feed"
    );
    // Final: an officer moves it nowhere.
    let res = officer_move(http, base, &a.officer, &code, Status::Accepted, "").await;
    let (status, p) = problem(res).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::CONFLICT, "transition_not_allowed"));

    // Accepted: still withdrawable.
    let accepted = a.file("rut-2", "Trần Thị Nhận").await;
    officer_moves(http, base, &a.officer, &accepted, &[Status::Accepted]).await;
    let res = withdraw(http, base, &a.applicant, &accepted, "Không cần nữa").await;
    assert_eq!(res.status(), StatusCode::OK);

    // Being examined, or asked for more: refused, naming the state, nothing changed.
    let examined = a.file("rut-3", "Lê Văn Xét").await;
    officer_moves(http, base, &a.officer, &examined, &[Status::Accepted, Status::Processing]).await;
    let (status, p) = problem(withdraw(http, base, &a.applicant, &examined, "Muộn rồi").await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::CONFLICT, "withdrawal_not_allowed"));
    assert!(p.message.vi.contains("“Đang giải quyết”"), "{}", p.message.vi);
    assert!(p.message.en.contains("“Processing”") && p.message.en.contains(&examined), "{}", p.message.en);
    let asked = a.file("rut-4", "Phạm Thị Bổ").await;
    let res = http
        .post(format!("{base}/v1/officer/dossiers/{asked}/status"))
        .bearer_auth(&a.officer)
        .json(&serde_json::json!({"to": "supplement_requested", "request": "Bản sao CCCD"}))
        .send()
        .await
        .expect("move");
    assert_eq!(res.status(), StatusCode::OK);
    let (status, p) = problem(withdraw(http, base, &a.applicant, &asked, "Thôi").await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::CONFLICT, "withdrawal_not_allowed"));
    assert!(p.message.en.contains("“Supplement requested”"), "{}", p.message.en);
    for (code, state) in [(&examined, Status::Processing), (&asked, Status::SupplementRequested)] {
        let now = a.status(&a.applicant, &format!("/v1/dossiers/{code}")).await;
        assert_eq!(now.status, state);
    }

    // Reasons that will not do: 422 naming the field, nothing changed.
    let fresh = a.file("rut-5", "Võ Văn Lý").await;
    let long = "ư".repeat(hoso_core::status::WITHDRAWAL_REASON_MAX_CHARS + 1);
    for (reason, says) in [
        ("", "Give a reason"),
        (" \u{200b} ", "Give a reason"),
        (long.as_str(), "2001/2000 characters"),
        ("Nộp\u{200b} nhầm", "U+200B"),
        ("Nộp\u{7}nhầm", "U+0007"),
    ] {
        let (status, p) = problem(withdraw(http, base, &a.applicant, &fresh, reason).await).await;
        assert_eq!((status, p.code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "withdrawal_reason_invalid"));
        assert!(p.message.en.contains(says) && p.message.en.contains("\"reason\""), "{}", p.message.en);
    }
    let res = http
        .post(format!("{base}/v1/dossiers/{fresh}/withdrawal"))
        .bearer_auth(&a.applicant)
        .json(&serde_json::json!({"ly_do": "x"}))
        .send()
        .await
        .expect("answered");
    let (status, p) = problem(res).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::BAD_REQUEST, "malformed_body"));
    let kept = a.status(&a.applicant, &format!("/v1/dossiers/{fresh}")).await;
    assert_eq!((kept.status, kept.history.len()), (Status::Received, 1));

    // Only its owner: another applicant finds no such dossier, an
    // officer's token opens no applicant route, nobody else is let in.
    let (status, theirs) = problem(withdraw(http, base, &a.other, &fresh, "Của tôi").await).await;
    let (_, unknown) = problem(withdraw(http, base, &a.other, "HOSO.PRACTICE-200101-9999", "x").await).await;
    assert_eq!((status, theirs.code.as_str()), (StatusCode::NOT_FOUND, "not_found"));
    assert_eq!(theirs.message, unknown.message);
    let res = withdraw(http, base, &a.officer, &fresh, "Cán bộ rút").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let kept = a.status(&a.officer, &format!("/v1/officer/dossiers/{fresh}")).await;
    assert_eq!(kept.status, Status::Received);
}
}
