//! The officers' console over real HTTP on both back ends, as a browser
//! and as a hostile one: nothing under `/officer/` opens without a session
//! (an applicant's or an officer's bearer token opens nothing), every form
//! is refused without its session's token, the session cookie carries its
//! flags, wrong passwords lock an address out and strangers hold an
//! account back only briefly and never at the officer's own browser; each
//! duty's actions are refused to the others, on the console and the API;
//! the queue finds dossiers by code, applicant and tax code, filters and
//! pages them; a dossier's actions move it with the version seen.

mod common;

use common::dual;
use hoso_core::status::Status;
use hoso_portal::duties::{Duties, Duty};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

/// A procedure that asks for the applicant's tax code.
const TAX_NOTICE: &str = r#"{
  "format": 2, "code": "khai-thue-thu", "version": "1",
  "name": {"vi": "Khai thuế thử", "en": "Trial tax return"},
  "agency": {"vi": "Cổng thực hành", "en": "Practice portal"},
  "effective_from": "2020-01-01", "fee_vnd": 0, "processing_days": 3,
  "sections": [{"id": "a", "title": {"vi": "Người nộp", "en": "Applicant"},
    "fields": [{"id": "name", "label": {"vi": "Tên", "en": "Name"}, "type": "text",
                "required": true, "max_length": {"max": 100, "unit": "chars"}},
               {"id": "tax", "label": {"vi": "Mã số thuế", "en": "Tax code"}, "type": "tax_code",
                "required": true}]}],
  "attachments": [{"id": "scan", "label": {"vi": "Bản quét tờ khai", "en": "Scan of the return"},
    "accept": ["pdf"], "max_size_bytes": 1048576, "max_count": 1}],
  "receipt": {"applicant_name": "a.name"},
  "notes": [{"vi": "Chỉ để thử.", "en": "For tests only."}]
}"#;

const PASSWORD: &str = "mật khẩu của cán bộ 2026";

/// A portal with the trial procedures, an applicant, and officers of each
/// duty with passwords; addresses are told by `X-Forwarded-For` (the
/// loopback is a trusted proxy here).
struct Office {
    portal: hoso_portal::RunningPortal,
    config: hoso_portal::PortalConfig,
    http: reqwest::Client,
    base: String,
    applicant: String,
}

/// A signed-in browser: its cookies and its session's form token.
#[derive(Clone)]
struct Browser {
    cookies: Vec<String>,
    csrf: String,
    address: String,
}

impl Office {
    async fn start(
        backend: common::Backend,
        dir: &std::path::Path,
        public_url: Option<&str>,
    ) -> Self {
        let mut config = common::with_notice(dir);
        std::fs::write(
            dir.join("procedures").join("khai-thue-thu.json"),
            TAX_NOTICE,
        )
        .expect("schema");
        config.connections.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")];
        config.public_url = public_url.map(str::to_owned);
        let config = backend.configure(config).await;
        let (portal, applicant) =
            common::start(config.clone(), "cty-dong-a", "Công ty Đông Á").await;
        for (account, name, duties) in [
            ("tiepnhan", "Trần Tiếp Nhận", Duties::of(&[Duty::Receiving])),
            ("xuly", "Lê Xử Lý", Duties::of(&[Duty::Processing])),
            ("lanhdao", "Phạm Lãnh Đạo", Duties::of(&[Duty::Leader])),
            ("quantri", "Ngô Quản Trị", Duties::of(&[Duty::Admin])),
        ] {
            portal
                .set_officer(account, name, duties, Some(PASSWORD))
                .await
                .expect("officer");
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        // Local portals answer on the listening address whatever the
        // public one says.
        let base = format!("http://{}", portal.addr());
        Self {
            portal,
            config,
            http,
            base,
            applicant,
        }
    }

    /// Files the tax return of `name` with `tax`; its code.
    async fn file(&self, key: &str, name: &str, tax: &str) -> String {
        let mut request = common::request(name);
        request.dossier.procedure = "khai-thue-thu".parse().expect("code");
        request
            .dossier
            .fields
            .insert("a.tax".into(), hoso_core::Value::Text(tax.into()));
        let res = common::submit(&self.http, &self.base, &self.applicant, key, &request).await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap_or_default()
        );
        let filed: hoso_core::wire::SubmissionResponse = res.json().await.expect("receipt");
        common::receipt_text(&filed, "dossier_code")
    }

    /// `GET path` from `address` with `cookies`.
    async fn get(&self, path: &str, cookies: &[String], address: &str) -> reqwest::Response {
        let mut req = self
            .http
            .get(format!("{}{path}", self.base))
            .header("x-forwarded-for", address);
        if !cookies.is_empty() {
            req = req.header(COOKIE, cookies.join("; "));
        }
        req.send().await.expect("answered")
    }

    /// `POST path` of the form `fields`.
    async fn post(
        &self,
        path: &str,
        cookies: &[String],
        address: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("x-forwarded-for", address)
            .form(fields);
        if !cookies.is_empty() {
            req = req.header(COOKIE, cookies.join("; "));
        }
        req.send().await.expect("answered")
    }

    /// Signs `account` in from `address` with `password`, carrying
    /// `cookies` (a device cookie, say): the answer.
    async fn try_sign_in(
        &self,
        account: &str,
        password: &str,
        address: &str,
        cookies: &[String],
    ) -> reqwest::Response {
        let page = self.get("/officer/sign-in", cookies, address).await;
        assert_eq!(page.status(), StatusCode::OK);
        let mut jar: Vec<String> = cookies.to_vec();
        jar.extend(set_cookies(&page).into_iter().map(|(pair, _)| pair));
        let token = form_token(&page.text().await.expect("page"));
        self.post(
            "/officer/sign-in",
            &jar,
            address,
            &[
                ("csrf", &token),
                ("account", account),
                ("password", password),
            ],
        )
        .await
    }

    /// Signs `account` in from `address`; the browser.
    async fn sign_in(&self, account: &str, address: &str) -> Browser {
        let res = self.try_sign_in(account, PASSWORD, address, &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{account} signs in");
        let cookies: Vec<String> = set_cookies(&res)
            .into_iter()
            .map(|(pair, _)| pair)
            .filter(|p| !p.ends_with('='))
            .collect();
        let queue = self.get("/officer/queue", &cookies, address).await;
        assert_eq!(queue.status(), StatusCode::OK);
        let csrf = form_token(&queue.text().await.expect("queue"));
        Browser {
            cookies,
            csrf,
            address: address.to_owned(),
        }
    }

    async fn page(&self, b: &Browser, path: &str) -> (StatusCode, String) {
        let res = self.get(path, &b.cookies, &b.address).await;
        (res.status(), res.text().await.expect("page"))
    }

    async fn submit(&self, b: &Browser, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all = vec![("csrf", b.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &b.cookies, &b.address, &all).await
    }

    /// The version of dossier `code`'s state, as officers read it.
    async fn version(&self, code: &str) -> String {
        let token = self
            .portal
            .issue_officer_token("doc-trang-thai", "Đọc trạng thái")
            .await
            .expect("token");
        let res = self
            .http
            .get(format!("{}/v1/officer/dossiers/{code}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("status");
        let status: hoso_core::wire::DossierStatus = res.json().await.expect("status");
        status.history.last().expect("history").cursor.to_string()
    }

    async fn state_of(&self, code: &str) -> Status {
        let res = self
            .http
            .get(format!("{}/v1/dossiers/{code}", self.base))
            .bearer_auth(&self.applicant)
            .send()
            .await
            .expect("status");
        let status: hoso_core::wire::DossierStatus = res.json().await.expect("status");
        status.status
    }
}

/// Each `Set-Cookie` of an answer: `name=value`, and the whole line.
fn set_cookies(res: &reqwest::Response) -> Vec<(String, String)> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|line| {
            let pair = line.split(';').next().unwrap_or_default().trim().to_owned();
            (pair, line.to_owned())
        })
        .collect()
}

/// `text` percent-encoded for a query string.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The form token of the first form of a page.
fn form_token(html: &str) -> String {
    let at = html
        .find(r#"name="csrf" value=""#)
        .unwrap_or_else(|| panic!("no form token in {html}"));
    let rest = &html[at + r#"name="csrf" value=""#.len()..];
    rest[..rest.find('"').expect("end of token")].to_owned()
}

/// Every page and form of the console, with a dossier's code in place.
fn every_route(code: &str) -> (Vec<String>, Vec<String>) {
    let pages = [
        "/officer/",
        "/officer/queue",
        "/officer/queue?state=all&q=dong",
        &format!("/officer/dossiers/{code}"),
        &format!("/officer/dossiers/{code}/documents/{}", "0".repeat(64)),
    ]
    .map(str::to_owned)
    .to_vec();
    let forms = hoso_portal::console::FORMS
        .iter()
        .filter(|p| **p != "/officer/sign-in")
        .map(|p| p.replace("{code}", code))
        .collect();
    (pages, forms)
}

dual! {
    #[tokio::test]
    async fn nothing_opens_without_a_session_and_no_form_without_its_token(backend: Backend) {
        let dir = tempfile::tempdir().expect("dir");
        let office = Office::start(backend, dir.path(), None).await;
        let code = office.file("k-1", "Công ty Đông Á", "0100233488").await;
        let officer_token = office
            .portal
            .issue_officer_token("tiepnhan", "Trần Tiếp Nhận")
            .await
            .expect("token");
        let (pages, forms) = every_route(&code);
        for bearer in [None, Some(office.applicant.clone()), Some(officer_token)] {
            for path in &pages {
                let mut req = office.http.get(format!("{}{path}", office.base));
                if let Some(t) = &bearer {
                    req = req.bearer_auth(t);
                }
                let res = req.send().await.expect("answered");
                if path == "/officer/" {
                    // The console's front door leads to the queue, which
                    // leads to signing in.
                    assert_eq!(res.status(), StatusCode::SEE_OTHER);
                    continue;
                }
                assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path} with {bearer:?}");
                let to = res.headers()[LOCATION].to_str().expect("location");
                assert!(to.starts_with("/officer/sign-in?next="), "{path} → {to}");
            }
            for path in &forms {
                let mut req = office
                    .http
                    .post(format!("{}{path}", office.base))
                    .form(&[("to", "accepted"), ("version", "1")]);
                if let Some(t) = &bearer {
                    req = req.bearer_auth(t);
                }
                let res = req.send().await.expect("answered");
                assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path} with {bearer:?}");
            }
        }
        assert_eq!(office.state_of(&code).await, Status::Received, "nothing moved");

        // The sign-in form itself is refused without its token, or with a
        // token other than its cookie's.
        let page = office.get("/officer/sign-in", &[], "10.0.0.9").await;
        let cookie = set_cookies(&page).remove(0).0;
        let token = form_token(&page.text().await.expect("page"));
        for (cookies, sent) in [
            (vec![cookie.clone()], None),
            (vec![cookie.clone()], Some("forged")),
            (vec![], Some(token.as_str())),
        ] {
            let mut fields = vec![("account", "tiepnhan"), ("password", PASSWORD)];
            if let Some(t) = sent {
                fields.push(("csrf", t));
            }
            let res = office.post("/officer/sign-in", &cookies, "10.0.0.9", &fields).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN);
            assert!(set_cookies(&res).iter().all(|(p, _)| !p.starts_with("hoso_officer=")));
        }

        // Signed in: every form without its token, or with another
        // session's, is refused and changes nothing.
        let receiving = office.sign_in("tiepnhan", "10.0.0.1").await;
        let other = office.sign_in("xuly", "10.0.0.2").await;
        let version = office.version(&code).await;
        for path in &forms {
            for token in [None, Some(other.csrf.as_str())] {
                let mut fields = vec![("to", "accepted"), ("version", version.as_str())];
                if let Some(t) = token {
                    fields.push(("csrf", t));
                }
                let res = office.post(path, &receiving.cookies, "10.0.0.1", &fields).await;
                assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path} with {token:?}");
            }
        }
        assert_eq!(office.state_of(&code).await, Status::Received, "nothing moved");
        let (status, _) = office.page(&receiving, "/officer/queue").await;
        assert_eq!(status, StatusCode::OK, "still signed in");

        // Signing out ends the session for good.
        let res = office.submit(&receiving, "/officer/sign-out", &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = office.get("/officer/queue", &receiving.cookies, "10.0.0.1").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
}

dual! {
    #[tokio::test]
    async fn the_session_cookie_has_its_flags_and_secure_over_tls(backend: Backend) {
        for (public, secure) in [(None, false), (Some("https://hoso.example.gov.vn"), true)] {
            let dir = tempfile::tempdir().expect("dir");
            let office = Office::start(backend, dir.path(), public).await;
            let res = office.try_sign_in("lanhdao", PASSWORD, "10.0.0.1", &[]).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
            let cookies = set_cookies(&res);
            let (_, line) = cookies
                .iter()
                .find(|(p, _)| p.starts_with("hoso_officer="))
                .expect("session cookie");
            let flags: Vec<&str> = line.split(';').map(str::trim).collect();
            assert!(flags.contains(&"HttpOnly"), "{line}");
            assert!(flags.contains(&"SameSite=Strict"), "{line}");
            assert!(flags.contains(&"Path=/officer"), "{line}");
            assert_eq!(flags.contains(&"Secure"), secure, "{line}");
            let value = line.split(';').next().expect("pair").trim_start_matches("hoso_officer=");
            assert!(value.len() >= 43, "256 bits of randomness: {value}");
            // The records keep only its digest.
            let wrong = office
                .get("/officer/queue", &["hoso_officer=guessed".to_owned()], "10.0.0.1")
                .await;
            assert_eq!(wrong.status(), StatusCode::SEE_OTHER);
        }
    }
}

dual! {
    #[tokio::test]
    async fn wrong_passwords_lock_an_address_out_and_strangers_only_briefly(backend: Backend) {
        let dir = tempfile::tempdir().expect("dir");
        let office = Office::start(backend, dir.path(), None).await;
        // The officer signs in once from the office: the browser keeps a
        // device cookie.
        let own = office.try_sign_in("tiepnhan", PASSWORD, "10.1.1.1", &[]).await;
        assert_eq!(own.status(), StatusCode::SEE_OTHER);
        let device: Vec<String> = set_cookies(&own)
            .into_iter()
            .map(|(p, _)| p)
            .filter(|p| p.starts_with("hoso_device="))
            .collect();
        assert_eq!(device.len(), 1);

        // Five wrong passwords from one address lock that address out,
        // even with the right password, and say for how long.
        // The fifth is told the lock at once.
        for i in 0..5 {
            let res = office.try_sign_in("tiepnhan", "sai mật khẩu", "203.0.113.7", &[]).await;
            let expected = if i < 4 { StatusCode::UNAUTHORIZED } else { StatusCode::TOO_MANY_REQUESTS };
            assert_eq!(res.status(), expected, "wrong password {i}");
        }
        let res = office.try_sign_in("tiepnhan", PASSWORD, "203.0.113.7", &[]).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let text = res.text().await.expect("page");
        assert!(text.contains("15 phút"), "{text}");
        // Another address is not locked out, nor another account there.
        let res = office.try_sign_in("tiepnhan", PASSWORD, "10.1.1.2", &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = office.try_sign_in("xuly", PASSWORD, "203.0.113.7", &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);

        // Twenty wrong ones from many addresses hold back a browser the
        // account never used, for a minute, but not the officer's own.
        for i in 0..15 {
            let address = format!("198.51.100.{i}");
            let res = office.try_sign_in("tiepnhan", "đoán mò", &address, &[]).await;
            let expected = if i < 14 { StatusCode::UNAUTHORIZED } else { StatusCode::TOO_MANY_REQUESTS };
            assert_eq!(res.status(), expected, "guess {i}");
        }
        let res = office.try_sign_in("tiepnhan", PASSWORD, "10.1.1.3", &[]).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(res.text().await.expect("page").contains("1 phút"));
        let res = office.try_sign_in("tiepnhan", PASSWORD, "10.1.1.3", &device).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "the officer's own browser");
        // A device cookie of another account, or forged, counts for
        // nothing.
        let forged = vec!["hoso_device=1764900000000.AAAA".to_owned()];
        let res = office.try_sign_in("tiepnhan", PASSWORD, "10.1.1.4", &forged).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        // An unknown account answers as a wrong password does.
        let res = office.try_sign_in("khong-co", PASSWORD, "10.1.1.5", &[]).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
}

dual! {
    #[tokio::test]
    async fn each_duty_acts_and_the_others_are_refused_on_the_console_and_the_api(backend: Backend) {
        let dir = tempfile::tempdir().expect("dir");
        let office = Office::start(backend, dir.path(), None).await;
        let code = office.file("k-1", "Công ty Đông Á", "0100233488").await;
        let receiving = office.sign_in("tiepnhan", "10.0.0.1").await;
        let processing = office.sign_in("xuly", "10.0.0.2").await;
        let leader = office.sign_in("lanhdao", "10.0.0.3").await;
        let admin = office.sign_in("quantri", "10.0.0.4").await;
        let path = format!("/officer/dossiers/{code}/move");

        // The page offers each officer only their own actions.
        let (_, page) = office.page(&receiving, &format!("/officer/dossiers/{code}")).await;
        assert!(page.contains(r#"value="accepted""#), "receiving may accept");
        let (_, page) = office.page(&processing, &format!("/officer/dossiers/{code}")).await;
        assert!(!page.contains(r#"value="accepted""#), "processing may not");

        // Accepting is the receiving officer's, not the others'.
        for other in [&processing, &leader, &admin] {
            let v = office.version(&code).await;
            let res = office.submit(other, &path, &[("to", "accepted"), ("version", &v)]).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN);
            assert!(res.text().await.expect("page").contains("Cán bộ tiếp nhận"));
        }
        let v = office.version(&code).await;
        let res = office.submit(&receiving, &path, &[("to", "accepted"), ("version", &v)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(office.state_of(&code).await, Status::Accepted);

        // A move made on a version since replaced is refused.
        let res = office.submit(&processing, &path, &[("to", "processing"), ("version", &v)]).await;
        assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
        let v = office.version(&code).await;
        let res = office.submit(&processing, &path, &[("to", "processing"), ("version", &v)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);

        // Signing off is the leader's, on the API too.
        let token = office
            .portal
            .issue_officer_token("xuly", "Lê Xử Lý")
            .await
            .expect("token");
        let res = common::officer_move(&office.http, &office.base, &token, &code, Status::Rejected, "Sai").await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let problem: serde_json::Value = res.json().await.expect("problem");
        assert_eq!(problem["code"], "duty_not_held");
        let refund = office
            .http
            .post(format!("{}/v1/officer/dossiers/{code}/refunds", office.base))
            .bearer_auth(&token)
            .json(&serde_json::json!({"amount_vnd": 1, "bank_reference": "R1", "reason": "x"}))
            .send()
            .await
            .expect("answered");
        assert_eq!(refund.status(), StatusCode::FORBIDDEN);
        let v = office.version(&code).await;
        let res = office
            .submit(&leader, &path, &[("to", "rejected"), ("version", &v), ("note", "Tờ khai không hợp lệ")])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(office.state_of(&code).await, Status::Rejected);
        // A closed dossier offers nobody an action.
        let (_, page) = office.page(&leader, &format!("/officer/dossiers/{code}")).await;
        assert!(!page.contains("/move\""), "no action left");
    }
}

dual! {
    #[tokio::test]
    async fn the_queue_finds_filters_and_pages_and_a_supplement_is_asked_per_document(backend: Backend) {
        let dir = tempfile::tempdir().expect("dir");
        let office = Office::start(backend, dir.path(), None).await;
        let dong_a = office.file("k-1", "Công ty TNHH Đông Á", "0100233488").await;
        let nam_viet = office.file("k-2", "Hộ kinh doanh Nam Việt", "0314409058").await;
        let old_notice = common::file(&office.http, &office.base, &office.applicant, "k-3", "Nguyễn Văn Ánh").await;
        let anh = common::receipt_text(&old_notice, "dossier_code");
        let receiving = office.sign_in("tiepnhan", "10.0.0.1").await;

        let listed = |page: &str, code: &str| page.contains(&format!("/officer/dossiers/{code}\""));
        let (status, page) = office.page(&receiving, "/officer/queue").await;
        assert_eq!(status, StatusCode::OK);
        assert!(listed(&page, &dong_a) && listed(&page, &nam_viet) && listed(&page, &anh));
        for (q, found, not) in [
            ("dong a", &dong_a, &nam_viet),
            ("ĐÔNG", &dong_a, &nam_viet),
            ("0314409058", &nam_viet, &dong_a),
            ("03144", &nam_viet, &dong_a),
            ("nguyen anh", &anh, &dong_a),
            (&nam_viet[nam_viet.len() - 4..], &nam_viet, &dong_a),
        ] {
            let (_, page) = office
                .page(&receiving, &format!("/officer/queue?q={}", encode(q)))
                .await;
            assert!(listed(&page, found), "{q} finds {found}");
            assert!(!listed(&page, not), "{q} does not find {not}");
        }
        // By procedure, and by state.
        let (_, page) = office.page(&receiving, "/officer/queue?procedure=thong-bao-thu").await;
        assert!(listed(&page, &anh) && !listed(&page, &dong_a));
        let (_, page) = office.page(&receiving, "/officer/queue?state=accepted").await;
        assert!(!listed(&page, &anh));

        // Given to the officer: only theirs under "mine".
        let res = office
            .submit(&receiving, &format!("/officer/dossiers/{dong_a}/assign"), &[("to", "tiepnhan"), ("seen", "")])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, page) = office.page(&receiving, "/officer/queue?mine=1").await;
        assert!(listed(&page, &dong_a) && !listed(&page, &nam_viet));
        // Given meanwhile by someone else: refused.
        let res = office
            .submit(&receiving, &format!("/officer/dossiers/{dong_a}/assign"), &[("to", "xuly"), ("seen", "")])
            .await;
        assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);

        // Pages of one row at a time are not asked for here; the page
        // after the last row of a page holds the rest, in due order.
        let (_, page) = office.page(&receiving, &format!("/officer/queue?after=0000-00-00~{}", "A")).await;
        assert!(listed(&page, &dong_a));
        let (_, page) = office.page(&receiving, "/officer/queue?after=9999-12-31~Z").await;
        assert!(!listed(&page, &dong_a) && !listed(&page, &anh));

        // The officer API gives the same queue and assignments.
        let token = office
            .portal
            .issue_officer_token("xuly", "Lê Xử Lý")
            .await
            .expect("token");
        let page: serde_json::Value = office
            .http
            .get(format!("{}/v1/officer/queue?q=dong+a&state=all", office.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("queue")
            .json()
            .await
            .expect("page");
        assert_eq!(page["rows"].as_array().map(Vec::len), Some(1), "{page}");
        assert_eq!(page["rows"][0]["code"], dong_a.as_str());
        assert_eq!(page["rows"][0]["tax_code"], "0100233488");
        assert_eq!(page["rows"][0]["assigned_to"], "tiepnhan");
        assert!(page.get("next").is_none());
        let one: serde_json::Value = office
            .http
            .get(format!("{}/v1/officer/queue?limit=1", office.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("queue")
            .json()
            .await
            .expect("page");
        let next = one["next"].as_str().expect("a next page").to_owned();
        let two: serde_json::Value = office
            .http
            .get(format!("{}/v1/officer/queue?limit=5&after={}", office.base, encode(&next)))
            .bearer_auth(&token)
            .send()
            .await
            .expect("queue")
            .json()
            .await
            .expect("page");
        assert_eq!(two["rows"].as_array().map(Vec::len), Some(2), "the other two: {two}");
        assert_ne!(two["rows"][0]["code"], one["rows"][0]["code"]);
        let given = office
            .http
            .post(format!("{}/v1/officer/dossiers/{nam_viet}/assignment", office.base))
            .bearer_auth(&token)
            .json(&serde_json::json!({"to": "lanhdao", "note": "Trình ký"}))
            .send()
            .await
            .expect("assign");
        assert_eq!(given.status(), StatusCode::OK);
        let given: serde_json::Value = given.json().await.expect("assignments");
        assert_eq!(given["assigned_to"], "lanhdao");
        assert_eq!(given["assignments"][0]["by"], "xuly");
        let stale = office
            .http
            .post(format!("{}/v1/officer/dossiers/{nam_viet}/assignment", office.base))
            .bearer_auth(&token)
            .json(&serde_json::json!({"to": "xuly", "seen": null}))
            .send()
            .await
            .expect("assign");
        assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);

        // A supplement asked per document, with the version seen.
        let v = office.version(&dong_a).await;
        let res = office
            .submit(
                &receiving,
                &format!("/officer/dossiers/{dong_a}/move"),
                &[
                    ("to", "supplement_requested"),
                    ("version", &v),
                    ("missing.scan", "Bản quét bị mờ, thiếu trang 2"),
                    ("request", "Ký và đóng dấu lại"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = office
            .http
            .get(format!("{}/v1/dossiers/{dong_a}", office.base))
            .bearer_auth(&office.applicant)
            .send()
            .await
            .expect("status");
        let status: hoso_core::wire::DossierStatus = res.json().await.expect("status");
        let last = status.history.last().expect("history");
        assert_eq!(last.status, Status::SupplementRequested);
        assert_eq!(last.actor, "tiepnhan");
        assert_eq!(
            last.request.as_deref(),
            Some("- Bản quét tờ khai: Bản quét bị mờ, thiếu trang 2\nKý và đóng dấu lại")
        );
        // The page shows who did what.
        let (_, page) = office.page(&receiving, &format!("/officer/dossiers/{dong_a}")).await;
        assert!(page.contains("Bản quét bị mờ, thiếu trang 2"));
        assert!(page.contains("Giao cho tiepnhan"));
        assert!(page.contains("0100233488"));
    }
}

/// A `multipart/form-data` body of `fields` then, when given, the file
/// `document` named `name`: its content type and bytes.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "hoso-bien-gioi-7c2f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl Office {
    /// Posts a result document from `b`'s page form, with `token` as its
    /// form token (`None`: none).
    async fn upload(
        &self,
        b: &Browser,
        code: &str,
        token: Option<&str>,
        name: &str,
        bytes: &[u8],
    ) -> reqwest::Response {
        let fields: Vec<(&str, &str)> = token.map(|t| ("csrf", t)).into_iter().collect();
        let (kind, body) = multipart(&fields, Some((name, bytes)));
        self.http
            .post(format!("{}/officer/dossiers/{code}/results", self.base))
            .header("x-forwarded-for", &b.address)
            .header(COOKIE, b.cookies.join("; "))
            .header(reqwest::header::CONTENT_TYPE, kind)
            .body(body)
            .send()
            .await
            .expect("answered")
    }
}

dual! {
    #[tokio::test]
    async fn a_result_is_attached_from_the_page_issued_by_the_leader_and_then_frozen(backend: Backend) {
        let dir = tempfile::tempdir().expect("dir");
        let office = Office::start(backend, dir.path(), None).await;
        let code = office.file("k-1", "Công ty Đông Á", "0100233488").await;
        let receiving = office.sign_in("tiepnhan", "10.0.0.1").await;
        let processing = office.sign_in("xuly", "10.0.0.2").await;
        let leader = office.sign_in("lanhdao", "10.0.0.3").await;
        let page = format!("/officer/dossiers/{code}");
        let path = format!("{page}/move");
        for (who, to) in [(&receiving, "accepted"), (&processing, "processing")] {
            let v = office.version(&code).await;
            let res = office.submit(who, &path, &[("to", to), ("version", &v)]).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{to}");
        }
        // Without a document the result cannot be issued.
        let v = office.version(&code).await;
        let res = office.submit(&leader, &path, &[("to", "result_ready"), ("version", &v)]).await;
        assert!(res.status().is_client_error(), "{}", res.status());
        assert_eq!(office.state_of(&code).await, Status::Processing);

        // Refused without the form's token, and to a duty that attaches
        // none; nothing is kept.
        let pdf = b"%PDF-1.7\n% ket qua giai quyet\n".repeat(200);
        let res = office.upload(&processing, &code, None, "ket-qua.pdf", &pdf).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = office.upload(&processing, &code, Some("gia-mao"), "ket-qua.pdf", &pdf).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = office
            .upload(&receiving, &code, Some(&receiving.csrf), "ket-qua.pdf", &pdf)
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let (_, shown) = office.page(&processing, &page).await;
        assert!(!shown.contains("ket-qua.pdf"), "nothing kept");
        assert!(shown.contains("result-upload"), "the form is offered");

        // Attached from the page: listed, shown inline as a PDF, the bytes
        // as sent.
        let res = office
            .upload(&processing, &code, Some(&processing.csrf), "ket-qua.pdf", &pdf)
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = office
            .upload(&processing, &code, Some(&processing.csrf), "phu-luc.pdf", b"%PDF-1.7\n")
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, shown) = office.page(&leader, &page).await;
        assert!(shown.contains("ket-qua.pdf") && shown.contains("phu-luc.pdf"));
        let res = office
            .get(&format!("{page}/results/ket-qua.pdf?view=1"), &leader.cookies, "10.0.0.3")
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        assert!(res.headers()["content-disposition"].to_str().expect("ascii").starts_with("inline"));
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert_eq!(res.bytes().await.expect("bytes").as_ref(), pdf.as_slice());
        // Removed from the page.
        let res = office
            .submit(&processing, &format!("{page}/result-removal"), &[("name", "phu-luc.pdf")])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, shown) = office.page(&leader, &page).await;
        assert!(!shown.contains("phu-luc.pdf"));

        // The leader issues it: the applicant's result notice names the
        // document, and the page offers no more changes.
        let v = office.version(&code).await;
        let res = office.submit(&leader, &path, &[("to", "result_ready"), ("version", &v)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(office.state_of(&code).await, Status::ResultReady);
        let (_, shown) = office.page(&processing, &page).await;
        assert!(shown.contains("ket-qua.pdf"));
        assert!(!shown.contains("result-upload") && !shown.contains("result-removal"));
        let res = office
            .upload(&processing, &code, Some(&processing.csrf), "muon.pdf", b"%PDF-1.7\n")
            .await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        let res = office
            .http
            .get(format!("{}/v1/dossiers/{code}/results/ket-qua.pdf", office.base))
            .bearer_auth(&office.applicant)
            .send()
            .await
            .expect("download");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.bytes().await.expect("bytes").as_ref(), pdf.as_slice());
        // What the page showed, also through the officer API.
        let token = office
            .portal
            .issue_officer_token("doc", "Cán bộ đọc")
            .await
            .expect("token");
        let api = |path: String| {
            office
                .http
                .get(format!("{}/v1/officer/dossiers/{code}{path}", office.base))
                .bearer_auth(&token)
                .send()
        };
        let listed: serde_json::Value = api("/results".into()).await.expect("list").json().await.expect("JSON");
        assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
        assert_eq!(listed[0]["name"], "ket-qua.pdf");
        assert_eq!(listed[0]["size"], pdf.len());
        let whole = api("/results/ket-qua.pdf".into()).await.expect("document");
        assert_eq!(whole.bytes().await.expect("bytes").as_ref(), pdf.as_slice());
        let receipt: serde_json::Value = api("/receipt".into()).await.expect("receipt").json().await.expect("JSON");
        assert_eq!(receipt["receipt"]["dossier_code"], code.as_str());
        assert!(receipt["signature"].is_string());
        let payment = api("/payment".into()).await.expect("payment");
        assert_eq!(payment.status(), StatusCode::NOT_FOUND, "the trial return has no fee");
    }
}

dual! {
    #[tokio::test]
    async fn the_figures_of_dossiers_around_tet_are_the_ones_counted_by_hand(backend: Backend) {
        let dir = tempfile::tempdir().expect("dir");
        let office = Office::start(backend, dir.path(), None).await;
        let token = office
            .portal
            .issue_officer_token("mot-cua", "Bộ phận một cửa")
            .await
            .expect("token");
        // Four dossiers of February 2026, due on Friday the 13th, the last
        // working day before Tết (14–22 February off), or on Monday the
        // 23rd, the first after it. Each is moved for real, then its times
        // are put back in February, as if it had been filed then.
        let mut codes = Vec::new();
        for (i, name) in ["Trễ", "Sớm", "Đúng", "Tồn"].iter().enumerate() {
            codes.push(office.file(&format!("k-{i}"), name, "0100233488").await);
        }
        for code in &codes[..3] {
            let res = common::officer_move(&office.http, &office.base, &token, code, Status::Rejected, "Không đủ điều kiện").await;
            assert_eq!(res.status(), StatusCode::OK);
        }
        common::officer_moves(&office.http, &office.base, &token, &codes[3], &[Status::Accepted, Status::Processing]).await;
        let resolved = [
            // Late: two working days after the 13th (Monday 23, Tuesday 24).
            (&codes[0], "2026-02-10T09:00:00+07:00", "2026-02-13", Some("2026-02-24T10:00:00+07:00")),
            // Early: the day before.
            (&codes[1], "2026-02-10T09:30:00+07:00", "2026-02-13", Some("2026-02-12T15:00:00+07:00")),
            // On time: the afternoon of the day.
            (&codes[2], "2026-02-11T08:00:00+07:00", "2026-02-13", Some("2026-02-13T16:00:00+07:00")),
            // Still processing, due the Monday after Tết: overdue today.
            (&codes[3], "2026-02-12T10:00:00+07:00", "2026-02-23", None),
        ];
        for (code, received, due, at) in resolved {
            let code_text = common::sql_text(code);
            common::alter_records(
                &office.config,
                &format!(
                    "UPDATE dossiers SET received_at = {}, appointment_date = {} WHERE code = {code_text}",
                    common::sql_text(received),
                    common::sql_text(due)
                ),
            )
            .await;
            let stamp = at.unwrap_or(received);
            common::alter_records(
                &office.config,
                &format!(
                    "UPDATE status_events SET at = {} WHERE dossier_code = {code_text}",
                    common::sql_text(stamp)
                ),
            )
            .await;
        }
        let answer: serde_json::Value = office
            .http
            .get(format!("{}/v1/officer/figures?from=2026-01&to=2026-03", office.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("figures")
            .json()
            .await
            .expect("JSON");
        let rows = answer["rows"].as_array().expect("rows");
        assert_eq!(rows.len(), 1, "February only: {answer}");
        let feb = &rows[0];
        assert_eq!(feb["group"], "2026-02");
        for (field, expected) in [
            ("received", 4),
            ("online", 4),
            ("resolved_early", 1),
            ("resolved_on_time", 1),
            ("resolved_late", 1),
            ("working_days_late", 2),
            ("pending_now", 1),
            ("overdue_now", 1),
            ("with_fee", 0),
            ("rated", 0),
        ] {
            assert_eq!(feb[field], expected, "{field} in {feb}");
        }
        // Progress: two of the four in time (early, on time); the late one
        // and the overdue one are not.
        let progress = &answer["indices"]["progress"];
        assert_eq!(progress["counted"], 4);
        assert_eq!(progress["percent"], 50.0);
        assert_eq!(answer["indices"]["online"]["percent"], 100.0);
        assert!(answer["indices"]["payment"].is_null(), "no fee asked: no index");
        assert!(answer["indices"]["satisfaction"].is_null() || answer["indices"]["satisfaction"]["rated"] == 0);
        // The page shows the same, with the chart and the notes; the CSV
        // has the row.
        let leader = office.sign_in("lanhdao", "10.0.0.3").await;
        let (status, page) = office.page(&leader, "/officer/figures?from=2026-01&to=2026-03").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("<svg") && page.contains("50.0 %"), "{page}");
        assert!(page.contains("766"));
        let res = office
            .get("/officer/figures?from=2026-01&to=2026-03&format=csv", &leader.cookies, "10.0.0.3")
            .await;
        assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
        let csv = res.text().await.expect("csv");
        assert!(csv.lines().any(|l| l.starts_with("2026-02,4,4,1,1,1")), "{csv}");
    }
}

dual! {
    #[tokio::test]
    async fn only_an_administrator_keeps_accounts_and_a_new_password_ends_old_sessions(backend: Backend) {
        let dir = tempfile::tempdir().expect("dir");
        let office = Office::start(backend, dir.path(), None).await;
        let admin = office.sign_in("quantri", "10.0.0.4").await;
        let leader = office.sign_in("lanhdao", "10.0.0.3").await;
        let (status, page) = office.page(&admin, "/officer/admin").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("tiepnhan") && page.contains("Khai thuế thử"), "accounts and procedures");
        let (status, _) = office.page(&leader, "/officer/admin").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let new_account = [
            ("account", "xuly9"),
            ("name", "Đỗ Xử Lý"),
            ("duty.processing", "1"),
            ("password", "mật khẩu mới của xử lý"),
        ];
        let res = office.submit(&leader, "/officer/admin/officers", &new_account).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "a leader keeps no accounts");
        let res = office.submit(&admin, "/officer/admin/officers", &new_account).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        // The new officer signs in with that password and holds that duty.
        let res = office.try_sign_in("xuly9", "mật khẩu mới của xử lý", "10.0.0.9", &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let cookies: Vec<String> = set_cookies(&res).into_iter().map(|(p, _)| p).filter(|p| p.starts_with("hoso_officer=")).collect();
        let (_, page) = office.page(&Browser { cookies: cookies.clone(), csrf: String::new(), address: "10.0.0.9".into() }, "/officer/queue").await;
        assert!(page.contains("Đỗ Xử Lý") && page.contains("Cán bộ xử lý"));
        // A new password ends the sessions the old one opened.
        let res = office
            .submit(&admin, "/officer/admin/officers", &[("account", "xuly9"), ("name", "Đỗ Xử Lý"), ("duty.processing", "1"), ("password", "mật khẩu thứ hai dài")])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = office.get("/officer/queue", &cookies, "10.0.0.9").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "signed out");
        let res = office.try_sign_in("xuly9", "mật khẩu mới của xử lý", "10.0.0.9", &[]).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "the old password no longer opens");
        // An administrator cannot take their own duty away.
        let res = office
            .submit(&admin, "/officer/admin/officers", &[("account", "quantri"), ("name", "Ngô Quản Trị"), ("duty.leader", "1")])
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = office.page(&admin, "/officer/admin").await;
        assert_eq!(status, StatusCode::OK, "still an administrator");
    }
}
