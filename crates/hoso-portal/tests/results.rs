//! After the examination, over real HTTP on both back ends: the applicant
//! withdraws a dossier not yet examined, once, with a reason fit to keep;
//! an officer attaches the result documents, which `result_ready` needs
//! and then freezes under a signed result notice in the change feed; the
//! applicant downloads them whole or resumed by byte range, checks them
//! against the notice, and says the result arrived, which completes the
//! dossier.

mod common;

use common::{dual, officer_move, officer_moves, problem, put_result, whole_feed, withdraw};
use hoso_core::Sha256Digest;
use hoso_core::result_notice::{ResultDocument, ResultError};
use hoso_core::status::Status;
use hoso_core::wire::{DossierDocument, DossierStatus};
use hoso_portal::PortalConfig;
use reqwest::StatusCode;

/// The largest upload of the portals here: small, to refuse a larger
/// result cheaply.
const MAX_UPLOAD: u64 = 1024 * 1024;

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
        let mut config = backend.configure(common::with_notice(dir)).await;
        config.max_upload_bytes = MAX_UPLOAD;
        let (portal, applicant) =
            common::start(config.clone(), "cty-ket-qua", "Công ty Kết Quả").await;
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

    /// `GET` of result document `name` of `code` as `token`, with
    /// `headers`.
    async fn download(
        &self,
        token: &str,
        code: &str,
        name: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = self
            .http
            .get(format!("{}/v1/dossiers/{code}/results/{name}", self.base))
            .bearer_auth(token);
        for (h, v) in headers {
            req = req.header(*h, *v);
        }
        req.send().await.expect("download answered")
    }

    async fn result_received(&self, token: &str, code: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/v1/dossiers/{code}/result-received", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("answered")
    }

    async fn delete_result(&self, code: &str, name: &str) -> reqwest::Response {
        self.http
            .delete(format!(
                "{}/v1/officer/dossiers/{code}/results/{name}",
                self.base
            ))
            .bearer_auth(&self.officer)
            .send()
            .await
            .expect("delete answered")
    }
}

/// The body of a download that must succeed with `status`.
async fn bytes_of(res: reqwest::Response, status: StatusCode) -> Vec<u8> {
    assert_eq!(res.status(), status);
    res.bytes().await.expect("body").to_vec()
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

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn results_are_attached_issued_under_a_signed_notice_and_downloaded_whole_or_resumed(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = Agency::start(backend, dir.path()).await;
    let (http, base, officer) = (&a.http, a.base.as_str(), a.officer.as_str());
    let code = a.file("kq-1", "Đỗ Thị Kết").await;
    officer_moves(http, base, officer, &code, &[Status::Accepted, Status::Processing]).await;

    // No result document yet: no result_ready, nothing to download.
    let (status, p) = problem(officer_move(http, base, officer, &code, Status::ResultReady, "").await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::CONFLICT, "result_documents_missing"));
    assert!(p.message.en.contains("no result document"), "{}", p.message.en);
    assert_eq!(a.status(officer, &format!("/v1/officer/dossiers/{code}")).await.status, Status::Processing);

    // Two documents, one put twice (its name in another case replaces it),
    // one put and taken back.
    let licence = common::bytes(300 * 1024 + 7, 1);
    let res = put_result(http, base, officer, &code, "giấy phép.pdf", licence.clone()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let etag = res.headers()["etag"].to_str().expect("etag").to_owned();
    let put: ResultDocument = res.json().await.expect("answer");
    assert_eq!(put, ResultDocument { name: "giấy phép.pdf".into(), size: licence.len() as u64, sha256: Sha256Digest::of(&licence) });
    assert_eq!(etag, format!("\"{}\"", put.sha256.to_hex()));
    let res = put_result(http, base, officer, &code, "phụ lục.pdf", "bản nháp").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let annex = "bản chính của phụ lục".as_bytes().to_vec();
    let res = put_result(http, base, officer, &code, "PHỤ LỤC.pdf", annex.clone()).await;
    assert_eq!(res.status(), StatusCode::OK, "replaced");
    let replaced: ResultDocument = res.json().await.expect("answer");
    assert_eq!((replaced.name.as_str(), replaced.size), ("PHỤ LỤC.pdf", annex.len() as u64));
    let res = put_result(http, base, officer, &code, "thừa.pdf", "nhầm").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(a.delete_result(&code, "thừa.pdf").await.status(), StatusCode::NO_CONTENT);
    let (status, p) = problem(a.delete_result(&code, "thừa.pdf").await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::NOT_FOUND, "not_found"));

    // Names Windows would trip on, and more than the portal takes: refused.
    for bad in ["CON.pdf", "a%3Ab.pdf", "kq.pdf.", "a%2Fb.pdf"] {
        let (status, p) = problem(put_result(http, base, officer, &code, bad, "x").await).await;
        assert_eq!((status, p.code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "result_name_invalid"), "{bad}");
    }
    let too_big = vec![7u8; MAX_UPLOAD as usize + 1];
    let (status, p) = problem(put_result(http, base, officer, &code, "lớn.pdf", too_big.clone()).await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::PAYLOAD_TOO_LARGE, "result_too_large"));
    // Streamed without a length, it is refused once past the limit.
    let streamed = reqwest::Body::wrap_stream(futures_util::stream::iter(
        too_big.chunks(64 * 1024).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect::<Vec<_>>(),
    ));
    let (status, p) = problem(put_result(http, base, officer, &code, "lớn.pdf", streamed).await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::PAYLOAD_TOO_LARGE, "result_too_large"));
    // An applicant's token puts nothing.
    let res = put_result(http, base, &a.applicant, &code, "của tôi.pdf", "x").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Not issued yet: not even its owner may download.
    let (status, _) = problem(a.download(&a.applicant, &code, "giấy phép.pdf", &[]).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Issued: the notice names both documents and is in the feed.
    let res = officer_move(http, base, officer, &code, Status::ResultReady, "Kết quả đã ký").await;
    assert_eq!(res.status(), StatusCode::OK);
    let feed = whole_feed(http, base, &a.applicant, 100).await;
    let notices: Vec<_> = feed
        .documents
        .iter()
        .filter_map(|d| match &d.document {
            DossierDocument::ResultNotice(n) => Some((d.cursor, n.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(notices.len(), 1);
    let (cursor, signed) = notices[0].clone();
    let ready = feed.events.iter().find(|e| e.status == Status::ResultReady).expect("event");
    assert!(cursor > ready.cursor, "the notice follows its move in the feed");

    // Downloaded whole: the bytes put, tagged by their SHA-256.
    let res = a.download(&a.applicant, &code, "giấy phép.pdf", &[]).await;
    assert_eq!(res.headers()["etag"], etag.as_str());
    assert_eq!(res.headers()["accept-ranges"], "bytes");
    assert_eq!(res.headers()["content-length"], licence.len().to_string().as_str());
    let whole = bytes_of(res, StatusCode::OK).await;
    assert_eq!(whole, licence);
    let annex_got = bytes_of(a.download(&a.applicant, &code, "phụ lục.pdf", &[]).await, StatusCode::OK).await;
    assert_eq!(annex_got, annex);

    // The notice holds for exactly these files, signed by the published key.
    let keys = common::published_keys(http, base).await;
    let downloaded = vec![
        ResultDocument { name: "giấy phép.pdf".into(), size: whole.len() as u64, sha256: Sha256Digest::of(&whole) },
        ResultDocument { name: "PHỤ LỤC.pdf".into(), size: annex_got.len() as u64, sha256: Sha256Digest::of(&annex_got) },
    ];
    let notice = hoso_core::result_notice::verify(&signed, &keys, &downloaded).expect("a valid result");
    assert_eq!(notice.dossier_code.as_str(), code);
    assert_eq!(notice.issuing_agency, a.config.receiving_agency);
    assert_eq!(notice.portal, a.config.name);
    assert_eq!(notice.documents.len(), 2);
    let mut damaged = downloaded.clone();
    damaged[0].sha256 = Sha256Digest::of(b"khac");
    assert!(matches!(
        hoso_core::result_notice::verify(&signed, &keys, &damaged),
        Err(ResultError::Documents(_))
    ));

    // Resumed: from a byte to the end, a middle range, the last bytes.
    let n = licence.len();
    let res = a.download(&a.applicant, &code, "giấy phép.pdf", &[("Range", "bytes=100000-")]).await;
    assert_eq!(res.headers()["content-range"], format!("bytes 100000-{}/{n}", n - 1).as_str());
    assert_eq!(res.headers()["content-length"], (n - 100_000).to_string().as_str());
    let tail = bytes_of(res, StatusCode::PARTIAL_CONTENT).await;
    assert_eq!([&licence[..100_000], &tail[..]].concat(), licence, "head and tail make the file");
    let res = a.download(&a.applicant, &code, "giấy phép.pdf", &[("Range", "bytes=70000-70009"), ("If-Range", &etag)]).await;
    assert_eq!(res.headers()["content-range"], format!("bytes 70000-70009/{n}").as_str());
    assert_eq!(bytes_of(res, StatusCode::PARTIAL_CONTENT).await, &licence[70_000..70_010]);
    let res = a.download(&a.applicant, &code, "giấy phép.pdf", &[("Range", "bytes=-5")]).await;
    assert_eq!(bytes_of(res, StatusCode::PARTIAL_CONTENT).await, &licence[n - 5..]);
    // Another version than the one held: the whole file again.
    let res = a.download(&a.applicant, &code, "giấy phép.pdf", &[("Range", "bytes=10-"), ("If-Range", "\"cu\"")]).await;
    assert_eq!(bytes_of(res, StatusCode::OK).await, licence);
    // Past the end: 416, naming the size.
    let res = a.download(&a.applicant, &code, "giấy phép.pdf", &[("Range", &format!("bytes={n}-"))]).await;
    assert_eq!(res.headers()["content-range"], format!("bytes */{n}").as_str());
    let (status, p) = problem(res).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::RANGE_NOT_SATISFIABLE, "range_not_satisfiable"));

    // Frozen once issued.
    let (status, p) = problem(put_result(http, base, officer, &code, "giấy phép.pdf", "sửa").await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::CONFLICT, "result_issued"));
    let (status, p) = problem(put_result(http, base, officer, &code, "thêm.pdf", "thêm").await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::CONFLICT, "result_issued"));
    let (status, p) = problem(a.delete_result(&code, "phụ lục.pdf").await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::CONFLICT, "result_issued"));
    let again = bytes_of(a.download(&a.applicant, &code, "giấy phép.pdf", &[]).await, StatusCode::OK).await;
    assert_eq!(again, licence);

    // Only its owner downloads: others find nothing, an officer's token
    // opens no applicant route.
    let (status, theirs) = problem(a.download(&a.other, &code, "giấy phép.pdf", &[]).await).await;
    let (_, unknown) = problem(a.download(&a.other, "HOSO.PRACTICE-200101-9999", "giấy phép.pdf", &[]).await).await;
    assert_eq!((status, theirs.code.as_str()), (StatusCode::NOT_FOUND, "not_found"));
    assert_eq!(theirs.message, unknown.message);
    assert_eq!(a.download(officer, &code, "giấy phép.pdf", &[]).await.status(), StatusCode::UNAUTHORIZED);
    let (status, _) = problem(a.download(&a.applicant, &code, "khác.pdf", &[]).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The applicant says the result arrived: completed, once.
    let (status, p) = problem(a.result_received(&a.other, &code).await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::NOT_FOUND, "not_found"));
    let res = a.result_received(&a.applicant, &code).await;
    assert_eq!(res.status(), StatusCode::OK);
    let completed: DossierStatus = res.json().await.expect("status");
    assert_eq!(completed.status, Status::Completed);
    let last = completed.history.last().expect("event");
    assert_eq!(
        (last.actor.as_str(), last.note.as_str()),
        ("applicant", "người nộp đã nhận kết quả / the applicant received the result")
    );
    let res = a.result_received(&a.applicant, &code).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<DossierStatus>().await.expect("status"), completed, "nothing added");
    let feed = whole_feed(http, base, &a.applicant, 100).await;
    assert_eq!(feed.events.iter().filter(|e| e.status == Status::Completed).count(), 1);
    let still = bytes_of(a.download(&a.applicant, &code, "giấy phép.pdf", &[]).await, StatusCode::OK).await;
    assert_eq!(still, licence, "still downloadable once completed");

    // Not before a result is ready.
    let early = a.file("kq-2", "Hồ Văn Sớm").await;
    let (status, p) = problem(a.result_received(&a.applicant, &early).await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::CONFLICT, "result_not_ready"));
    assert!(p.message.vi.contains("“Đã tiếp nhận”"), "{}", p.message.vi);
    // Nor may a dossier withdrawn take results.
    let res = withdraw(http, base, &a.applicant, &early, "Không cần kết quả").await;
    assert_eq!(res.status(), StatusCode::OK);
    let (status, p) = problem(put_result(http, base, officer, &early, "kq.pdf", "x").await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::CONFLICT, "dossier_closed"));
}
}
