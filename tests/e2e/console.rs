//! The officers' console in a real browser (Debian's Chromium, headless)
//! beside the app in its window: three officers at their desks sign in,
//! the receiving officer finds two dossiers the app filed and accepts
//! them, the processing officer asks for a supplement naming a document,
//! the applicant answers in the app and the console shows the answer and
//! its file; the dossier is accepted again, processed, and the leader
//! issues its result and refuses the other with a reason. After each
//! change the app's status sync, one poll, brings it to the window.
//!
//! The portal runs in this test process; the app follows it through
//! `HOSO_PORTAL_URL`. The dossiers are filed from the app's profile
//! before the window opens (filing from the window is
//! `walking_skeleton.rs`'s subject).

use crate::browser::Browser;
use crate::harness::Session;
use crate::tracking::sample;
use fantoccini::Locator;
use hoso_client::Client;
use hoso_core::poll::PollPolicy;
use hoso_portal::duties::{Duties, Duty};
use hoso_portal::{PortalConfig, RunningPortal};
use std::path::Path;
use std::time::{Duration, Instant};

/// The receiving officer (the one-stop desk).
const DESK: Officer = Officer {
    account: "tiepnhan",
    name: "Trần Thị Tiếp Nhận",
    duty: Duty::Receiving,
    password: "quầy một cửa số 3",
};
/// The processing officer (examines the dossier).
const EXAMINER: Officer = Officer {
    account: "xuly",
    name: "Lê Văn Xử Lý",
    duty: Duty::Processing,
    password: "phòng quản lý chất lượng",
};
/// The leader (signs results and refusals off).
const LEADER: Officer = Officer {
    account: "lanhdao",
    name: "Phạm Minh Lãnh Đạo",
    duty: Duty::Leader,
    password: "phó chi cục trưởng",
};

/// The applicant, as the dossiers' receipts name it.
const APPLICANT: &str = "Công ty TNHH Thiết bị Điện Ánh Dương";
/// What the examiner finds wrong with the quality certificate.
const MISSING: &str = "Trang 2 bị mờ, không đọc được số chứng nhận.";
/// And anything else asked.
const ALSO: &str = "Kèm bản dịch tiếng Việt có công chứng.";
/// The applicant's answer.
const ANSWER: &str = "Xin gửi bản quét lại rõ nét, kèm bản dịch công chứng.";
/// Why the second dossier is refused.
const REASON: &str = "Hàng hóa thuộc danh mục miễn kiểm tra theo Nghị định 74/2018/NĐ-CP.";

struct Officer {
    account: &'static str,
    name: &'static str,
    duty: Duty,
    password: &'static str,
}

#[tokio::test(flavor = "multi_thread")]
async fn officers_in_a_browser_ask_for_a_supplement_issue_a_result_and_refuse_and_the_app_follows()
{
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let portal = hoso_portal::start(PortalConfig::practice(dir.path().join("portal")))
        .await
        .expect("portal starts");
    for o in [&DESK, &EXAMINER, &LEADER] {
        portal
            .set_officer(o.account, o.name, Duties::of(&[o.duty]), Some(o.password))
            .await
            .expect("officer");
    }
    let token = portal
        .issue_token("cty-anh-duong", "Công ty Ánh Dương")
        .await
        .expect("applicant");
    let profile = dir.path().join("profile");
    let (first, second) = filed_two(&portal, &token, &profile, dir.path()).await;
    let url = portal.base_url().to_owned();
    let app = Session::launch_with(
        &profile,
        &[
            ("HOSO_PORTAL_URL", url.as_str()),
            ("HOSO_PORTAL_TOKEN", token.as_str()),
        ],
    )
    .await;
    let (desk, examiner, leader) = tokio::join!(
        signed_in(&url, &DESK),
        signed_in(&url, &EXAMINER),
        signed_in(&url, &LEADER),
    );
    let mut polls = Polls::default();

    // The desk's queue holds both, due first on top; the search finds one
    // by its code.
    let rows = desk.texts("table.queue tbody tr").await;
    assert_eq!(rows.len(), 2, "two dossiers waiting: {rows:?}");
    for (row, code) in rows.iter().zip([&first, &second]) {
        assert!(row.contains(code.as_str()), "{code} in {row}");
        assert!(row.contains(APPLICANT), "{row}");
        assert!(row.contains("Đã tiếp nhận"), "{row}");
    }
    desk.screenshot("queue").await;
    find(&desk, &first).await;
    let facts = desk.text("dl.facts").await;
    assert!(facts.contains(APPLICANT), "{facts}");
    assert!(facts.contains("kiem-tra-cl-nhap-khau"), "{facts}");
    let documents = desk.text_xpath(DOCUMENTS).await;
    assert!(
        documents.contains("Giấy chứng nhận chất lượng hoặc hợp quy"),
        "{documents}"
    );
    assert_eq!(
        offered(&desk).await,
        ["accepted", "supplement_requested", "rejected"],
        "the desk's moves from received"
    );
    let state = act(
        &desk,
        "accepted",
        "Tiếp nhận",
        &[("note", "Đủ thành phần.")],
    )
    .await;
    assert_eq!(state, "Đã chấp nhận hồ sơ");
    // Once accepted, asking for more is the examiner's, not the desk's.
    assert_eq!(offered(&desk).await, Vec::<String>::new());
    find(&desk, &second).await;
    act(&desk, "accepted", "Tiếp nhận", &[]).await;

    // The app: one sync brings both changes to the list.
    app.wait("li.dossier .track", Duration::from_secs(60)).await;
    polls
        .one(&app, "#sync-status", "accepted (both)", async {
            for code in [&first, &second] {
                until_xpath(&app, &standing(code), "Đã chấp nhận hồ sơ").await;
            }
        })
        .await;

    // The examiner asks for a supplement naming the certificate.
    find(&examiner, &first).await;
    assert_eq!(
        offered(&examiner).await,
        ["processing", "supplement_requested"],
        "the examiner's moves from accepted (a refusal is the leader's)"
    );
    fill(
        &examiner,
        "supplement_requested",
        &[
            ("missing.quality_certificate", MISSING),
            ("request", ALSO),
            ("note", "Chờ bổ sung."),
        ],
    )
    .await;
    examiner.screenshot_page("supplement-asked").await;
    let state = act(&examiner, "supplement_requested", "Yêu cầu bổ sung", &[]).await;
    assert_eq!(state, "Yêu cầu bổ sung");
    let history = examiner.text("table.history").await;
    let asked_line = format!("- Giấy chứng nhận chất lượng hoặc hợp quy: {MISSING}");
    assert!(history.contains(&asked_line), "{history}");
    assert!(history.contains(ALSO), "{history}");

    // The app shows what is asked on the dossier's page, within one poll.
    app.click_xpath(&format!(
        "{}//button[contains(@class,'track')]",
        line(&first)
    ))
    .await;
    app.wait("#page-sync", Duration::from_secs(10)).await;
    polls
        .one(&app, "#page-sync", "supplement requested", async {
            app.until_text("#asked", MISSING).await;
        })
        .await;
    let asked = app.text("#asked").await;
    assert!(asked.contains(&asked_line), "{asked}");
    assert!(asked.contains(ALSO), "{asked}");
    app.until_text("#page-standing .portal-status", "Yêu cầu bổ sung")
        .await;

    // The applicant answers with a clearer scan of the certificate.
    let scan = dir.path().join("giay-chung-nhan-ro-net.pdf");
    let bytes: Vec<u8> = (0..60_000u32).map(|i| (i * 13 % 251) as u8).collect();
    std::fs::write(&scan, &bytes).expect("write");
    app.type_into("#supplement-answer", ANSWER).await;
    app.type_into("#supplement-path", &scan.display().to_string())
        .await;
    app.click("#supplement-attach").await;
    app.wait("#supplement-docs li.doc", Duration::from_secs(20))
        .await;
    app.choose("#supplement-docs li.doc select.kind", "quality_certificate")
        .await;
    app.click("#supplement-send").await;
    app.until_text("#supplements li.supplement", "Bổ sung lần 1")
        .await;
    app.until_text("#page-standing .portal-status", "Đã tiếp nhận")
        .await;

    // The examiner's page, loaded again, shows the answer and its file;
    // the dossier is back at the desk, so the examiner has no move.
    examiner.reload().await;
    assert_eq!(
        examiner.text("dl.facts span.badge.state").await,
        "Đã tiếp nhận"
    );
    let supplement = examiner.text_xpath(SUPPLEMENTS).await;
    assert!(supplement.contains("Lần 1"), "{supplement}");
    assert!(
        supplement.contains(&format!("Trả lời: {ANSWER}")),
        "{supplement}"
    );
    assert!(supplement.contains(MISSING), "what was asked: {supplement}");
    assert!(
        supplement.contains("giay-chung-nhan-ro-net.pdf"),
        "{supplement}"
    );
    assert!(supplement.contains("Tải về"), "{supplement}");
    // Its link serves the very bytes the applicant picked (by SHA-256).
    let href = examiner
        .client
        .find(Locator::XPath(&format!("{SUPPLEMENTS}//a[@download]")))
        .await
        .expect("the document's download link")
        .attr("href")
        .await
        .expect("href")
        .unwrap_or_default();
    assert!(
        href.ends_with(&hoso_core::Sha256Digest::of(&bytes).to_hex()),
        "{href}"
    );
    let history = examiner.text("table.history").await;
    assert!(history.contains("Bổ sung lần 1"), "{history}");
    assert_eq!(offered(&examiner).await, Vec::<String>::new());
    examiner.screenshot_page("dossier").await;

    // Accepted again at the desk, examined, and the result issued.
    find(&desk, &first).await;
    act(
        &desk,
        "accepted",
        "Tiếp nhận",
        &[("note", "Đã đủ sau bổ sung.")],
    )
    .await;
    examiner.reload().await;
    let state = act(&examiner, "processing", "Bắt đầu xử lý", &[]).await;
    assert_eq!(state, "Đang giải quyết");
    // The examiner attaches the result's document, picked from the disk.
    let result = dir.path().join(RESULT);
    let result_bytes =
        format!("%PDF-1.7\nThông báo kết quả kiểm tra nhà nước {first}\n").repeat(300);
    std::fs::write(&result, &result_bytes).expect("write");
    let upload = examiner.wait("form.result-upload input[type=file]").await;
    upload
        .send_keys(&result.display().to_string())
        .await
        .expect("file chosen");
    examiner
        .click_to_page("form.result-upload button[type=submit]")
        .await;
    assert_eq!(examiner.text("p.notice").await, "Đã ghi nhận.");
    let results = examiner.text("table.results tbody").await;
    assert!(results.contains(RESULT), "{results}");
    assert!(results.contains("Gỡ"), "removable until issued: {results}");
    let digest = hoso_core::Sha256Digest::of(result_bytes.as_bytes()).to_hex();
    assert!(
        results.contains(&digest[..16]),
        "the bytes picked, whole: {digest} in {results}"
    );
    find(&leader, &first).await;
    assert_eq!(
        offered(&leader).await,
        ["result_ready", "rejected"],
        "the leader's moves from processing"
    );
    let state = act(
        &leader,
        "result_ready",
        "Ký, trả kết quả",
        &[("note", "Đạt yêu cầu chất lượng.")],
    )
    .await;
    assert_eq!(state, "Đã có kết quả");
    let results = leader.text("table.results tbody").await;
    assert!(
        results.contains(RESULT),
        "issued with its document: {results}"
    );
    assert!(
        !results.contains("Gỡ"),
        "an issued result's documents are frozen: {results}"
    );
    leader.screenshot_page("dossier-result").await;

    // The app: the result within one poll.
    polls
        .one(&app, "#page-sync", "result ready", async {
            app.until_text("#page-standing .portal-status", "Đã có kết quả")
                .await;
        })
        .await;
    app.until_text("#result", RESULT).await;
    // What the examiner picked in the browser reaches the applicant byte
    // for byte: the app checks each file against the signed notice.
    app.click("#result-download").await;
    let verified = app.until_text("#result-verified", "chữ ký số").await;
    assert!(verified.contains("khớp"), "{verified}");
    // The app told the portal the result was received (completed).
    app.click("#page-sync").await;
    app.until_text("#page-standing .portal-status", "Đã trả kết quả")
        .await;

    // The leader refuses the other dossier, with the reason.
    find(&leader, &second).await;
    let state = act(&leader, "rejected", "Từ chối", &[("note", REASON)]).await;
    assert_eq!(state, "Từ chối");
    let history = leader.text("table.history").await;
    assert!(history.contains(REASON), "{history}");

    // The app: the refusal within one poll, with its reason.
    app.click("#page-back").await;
    app.wait("#sync-status", Duration::from_secs(10)).await;
    polls
        .one(&app, "#sync-status", "rejected", async {
            until_xpath(&app, &standing(&second), "Từ chối").await;
        })
        .await;
    app.click_xpath(&format!(
        "{}//button[contains(@class,'track')]",
        line(&second)
    ))
    .await;
    let timeline = app.until_text("#timeline", REASON).await;
    assert!(timeline.contains("Từ chối"), "{timeline}");

    // The queue of everything, as the leader sees it now.
    leader.open("/officer/queue?state=all").await;
    let rows = leader.texts("table.queue tbody tr").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let shown = rows.join("\n");
    assert!(shown.contains("Đã trả kết quả"), "{shown}");
    assert!(shown.contains("Từ chối"), "{shown}");
    leader.screenshot("queue-all").await;

    // The figures of this month count both: received online, resolved
    // before they were due, one supplement asked.
    leader
        .click_to_page("header.top nav a[href='/officer/figures']")
        .await;
    assert_eq!(leader.text("main h1").await, "Số liệu giải quyết hồ sơ");
    let total = leader.texts("table.figures tfoot td").await;
    // After the row's name: received, online, early, on time, late,
    // pending, overdue now, supplements asked.
    let counted: Vec<&str> = total.iter().skip(1).take(8).map(String::as_str).collect();
    assert_eq!(
        counted,
        ["2", "2", "2", "0", "0", "0", "0", "1"],
        "the total row: {total:?}"
    );
    let progress = leader.text("div.indices section.index").await;
    assert!(progress.contains("Tiến độ giải quyết"), "{progress}");
    assert!(progress.contains("100.0 %"), "{progress}");
    leader.screenshot_page("figures").await;

    println!("the app saw each change after one sync: {polls}");
    println!("whole scenario: {:.1} s", started.elapsed().as_secs_f64());
    for b in [desk, examiner, leader] {
        b.close().await;
    }
    app.close().await;
}

/// The name of the result's document.
const RESULT: &str = "ket-qua-kiem-tra.pdf";

/// The table of a dossier's documents on its console page (it has no id
/// or class: found by its heading).
const DOCUMENTS: &str = "//h2[normalize-space()='Thành phần hồ sơ']/following-sibling::table[1]";

/// The console's supplements section (it has no id: found by its
/// heading).
const SUPPLEMENTS: &str = "//h2[normalize-space()='Hồ sơ bổ sung']/following-sibling::section[1]";

/// How long the app took to show each change, each after one status
/// sync (one poll), from the click.
#[derive(Default)]
struct Polls(Vec<(&'static str, Duration)>);

impl Polls {
    /// Clicks `sync` once and waits for `shown`: the change must arrive
    /// with that one poll, well within the polling interval.
    async fn one(
        &mut self,
        app: &Session,
        sync: &str,
        what: &'static str,
        shown: impl std::future::Future<Output = ()>,
    ) {
        let start = Instant::now();
        app.click(sync).await;
        shown.await;
        let took = start.elapsed();
        let interval = PollPolicy::default().base;
        assert!(
            took < interval,
            "{what}: {took:?} after the sync, the polling interval being {interval:?}"
        );
        self.0.push((what, took));
    }
}

impl std::fmt::Display for Polls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(what, took)| format!("{what} {:.2} s", took.as_secs_f64()))
            .collect();
        write!(f, "{}", parts.join(", "))
    }
}

/// Waits until the element the XPath `xpath` finds in the app's window
/// reads something containing `wanted`; the text read.
async fn until_xpath(app: &Session, xpath: &str, wanted: &str) -> String {
    let mut last = String::new();
    for _ in 0..300 {
        if let Ok(el) = app.client.find(Locator::XPath(xpath)).await
            && let Ok(text) = el.text().await
        {
            if text.contains(wanted) {
                return text;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shot = app.screenshot("timeout-console").await;
    panic!(
        "{xpath} never read “{wanted}” (last “{last}”; {})",
        shot.display()
    );
}

/// The state shown on the list line of dossier `code` (XPath).
fn standing(code: &str) -> String {
    format!("{}//*[contains(@class,'standing')]", line(code))
}

/// The list line of the dossier `code` in the app's window (XPath).
fn line(code: &str) -> String {
    format!(
        "//li[contains(@class,'dossier')][.//code[contains(@class,'code')][normalize-space()='{code}']]"
    )
}

/// A profile signed in at `portal` holding two dossiers filed there (the
/// same firm's two shipments); their codes.
async fn filed_two(
    portal: &RunningPortal,
    token: &str,
    profile: &Path,
    dir: &Path,
) -> (String, String) {
    let client = Client::open(profile).await.expect("profile");
    let (record, _) = crate::signed_in(&client, portal.base_url(), token).await;
    let mut codes = Vec::new();
    for contract in ["HĐ-2026/114", "HĐ-2026/115"] {
        let mut content = sample(&client, dir).await;
        content.fields.insert(
            "papers.contract_no".into(),
            hoso_core::Value::Text(contract.into()),
        );
        let filed = client.submit(&record, content).await.expect("filed");
        codes.push(filed.receipt.dossier_code.to_string());
    }
    let [first, second] = <[String; 2]>::try_from(codes).expect("two codes");
    assert_ne!(first, second, "two dossiers, not one filed twice");
    (first, second)
}

/// A browser at the portal's console with `officer` signed in, on the
/// queue.
async fn signed_in(base: &str, officer: &Officer) -> Browser {
    let b = Browser::start(base).await;
    // A page asked for without a session leads to the sign-in form, and
    // back to the page once signed in.
    b.open("/officer/queue").await;
    assert!(
        b.path().await.starts_with("/officer/sign-in?next="),
        "{}",
        b.path().await
    );
    assert_eq!(b.text("main h1").await, "Đăng nhập");
    b.type_into("input[name=account]", officer.account).await;
    b.type_into("input[name=password]", officer.password).await;
    b.click_to_page("form[action='/officer/sign-in'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/officer/queue");
    assert_eq!(b.text("main h1").await, "Hàng đợi hồ sơ");
    let who = b.text("header.top .who").await;
    assert!(who.contains(officer.name), "{who}");
    assert!(who.contains(&officer.duty.label().vi), "{who}");
    b
}

/// Finds dossier `code` in the queue by its code and opens its page.
async fn find(b: &Browser, code: &str) {
    b.open("/officer/queue").await;
    b.type_into("input[name=q]", code).await;
    b.click_to_page("form.filters button[type=submit]").await;
    let rows = b.texts("table.queue tbody tr").await;
    assert_eq!(rows.len(), 1, "{code} found alone: {rows:?}");
    assert!(rows[0].contains(code), "{rows:?}");
    b.click_to_page("table.queue tbody tr td.code a").await;
    assert_eq!(b.path().await, format!("/officer/dossiers/{code}"));
    assert_eq!(b.text("main h1").await, format!("Hồ sơ {code}"));
}

/// The states the dossier's page offers this officer to move it to.
async fn offered(b: &Browser) -> Vec<String> {
    let mut out = Vec::new();
    for el in b
        .client
        .find_all(Locator::Css("form[action$='/move'] input[name=to]"))
        .await
        .expect("move forms")
    {
        out.push(el.attr("value").await.ok().flatten().unwrap_or_default());
    }
    out
}

/// The move form to `to` on the dossier's page (CSS).
fn move_form(to: &str) -> String {
    format!("form[action$='/move']:has(input[name=to][value={to}])")
}

/// Fills the fields of the move form to `to` by name.
async fn fill(b: &Browser, to: &str, fields: &[(&str, &str)]) {
    for (name, value) in fields {
        b.type_into(&format!("{} [name='{name}']", move_form(to)), value)
            .await;
    }
}

/// Moves the dossier shown to `to` with its form, whose button reads
/// `button`, filling `fields` by name; the state the page then shows.
async fn act(b: &Browser, to: &str, button: &str, fields: &[(&str, &str)]) -> String {
    fill(b, to, fields).await;
    let submit = format!("{} button[type=submit]", move_form(to));
    assert_eq!(b.text(&submit).await, button);
    b.click_to_page(&submit).await;
    let notice = b.text("p.notice").await;
    assert_eq!(notice, "Đã ghi nhận.", "the move to {to} recorded");
    b.text("dl.facts span.badge.state").await
}
