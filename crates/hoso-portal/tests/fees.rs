//! Fees over real HTTP, on both back ends: a dossier with a fee gets a
//! payment request whose VietQR code asks for the fee, to the payee, with
//! the dossier code; the bank's notification is taken only when signed
//! with the shared secret and fresh, counts once by its transaction id
//! however often and however concurrently it is sent, settles the fee
//! exactly, short, over or late, and a fee paid in full gets a signed fee
//! receipt at once, in the change feed beside the status events. A paid
//! dossier refused or withdrawn owes its payment back, and an officer
//! records each refund once, under a signed refund notice; one not paid
//! in full has its request cancelled, with no code left to scan. The
//! practice portal's practice bank pays through the binary.

mod common;

use common::{
    Backend, FEE, bank_notification, dual, file_with_fee, now_vn, problem, published_keys,
    send_notification, whole_feed, with_fee_notice,
};
use hoso_core::DossierCode;
use hoso_core::bank::{BankSecret, headers};
use hoso_core::fee_receipt::FeeReceipt;
use hoso_core::payment::{Balance, PaymentState, Settlement};
use hoso_core::refund::RefundReason;
use hoso_core::status::Status;
use hoso_core::vietqr::{Amount, VietQr};
use hoso_core::wire::{
    DossierDocument, DossierStatus, PaymentStatus, RefundRecorded, StatusFeed, TransferRecorded,
};
use hoso_portal::PortalConfig;
use reqwest::StatusCode;
use std::path::Path;

/// The practice bank's account (`FeeSettings::practice`).
const PRACTICE_ACCOUNT: &str = "0000000000";

/// A practice portal on `backend` with its settings, and an applicant's token.
async fn portal(
    backend: Backend,
    dir: &Path,
) -> (hoso_portal::RunningPortal, String, PortalConfig) {
    let config = backend.configure(with_fee_notice(dir)).await;
    let (portal, token) = common::start(config.clone(), "cty-phi", "Công ty Nộp Phí").await;
    (portal, token, config)
}

/// The practice bank's secret, from the portal's data folder.
fn secret(dir: &Path) -> BankSecret {
    hoso_portal::payments::practice_secret(dir, false).expect("practice secret")
}

/// A transfer of `amount_vnd` to the practice account for `code`, credited
/// now, with the purpose a banking app makes of the QR code (upper case,
/// the bank's words around it).
fn transfer(id: &str, code: &DossierCode, amount_vnd: u64) -> Vec<u8> {
    let at = now_vn().to_rfc3339();
    bank_notification(
        id,
        PRACTICE_ACCOUNT,
        amount_vnd,
        &format!("MBVCB.3278163721.{code} NOP PHI.CT tu 0123 NGUYEN VAN A"),
        &at,
    )
}

/// Sends `body` signed now with `secret`, as the bank does.
async fn notify(
    http: &reqwest::Client,
    base: &str,
    secret: &BankSecret,
    body: Vec<u8>,
) -> reqwest::Response {
    let signed = headers(secret, &body, now_vn());
    send_notification(http, base, &signed, body).await
}

/// The answer to a notification that must be taken, with its status.
async fn recorded(res: reqwest::Response) -> (StatusCode, TransferRecorded) {
    let status = res.status();
    assert!(status.is_success(), "{status}");
    (status, res.json().await.expect("answer"))
}

/// `GET /v1/dossiers/{code}/payment` as `token`.
async fn payment_answer(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    code: &str,
) -> reqwest::Response {
    http.get(format!("{base}/v1/dossiers/{code}/payment"))
        .bearer_auth(token)
        .send()
        .await
        .expect("answered")
}

/// The payment of dossier `code`, which `token` owns.
async fn payment(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    code: &DossierCode,
) -> PaymentStatus {
    let res = payment_answer(http, base, token, code.as_str()).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("payment")
}

/// The fee receipt of a paid dossier, verified with the published key.
async fn verified_receipt(http: &reqwest::Client, base: &str, paid: &PaymentStatus) -> FeeReceipt {
    let keys = published_keys(http, base).await;
    paid.fee_receipt
        .as_ref()
        .expect("a fee receipt")
        .verify(&keys)
        .expect("signed by the portal's published key")
}

/// How many rows `table` holds in the portal's records.
async fn count(config: &PortalConfig, table: &str) -> u64 {
    common::stored_text(
        config,
        &format!("SELECT CAST(COUNT(*) AS TEXT) FROM {table}"),
    )
    .await
    .parse()
    .expect("a count")
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn filing_a_dossier_with_a_fee_gives_a_payment_request_whose_vietqr_code_reads_back(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token, _) = portal(backend, dir.path()).await;
    let (http, base) = (reqwest::Client::new(), portal.base_url().to_owned());
    let code = file_with_fee(&http, &base, &token, "phi-1", "Nguyễn Thị Hoa").await;

    let p = payment(&http, &base, &token, &code).await;
    assert_eq!(p.request.dossier_code, code);
    assert_eq!(p.request.amount_vnd, FEE);
    assert_eq!(p.request.state, PaymentState::Awaiting);
    assert_eq!((p.paid_vnd, p.refund_due_vnd), (0, 0));
    assert!(p.fee_receipt.is_none());
    assert!(p.request.deadline > now_vn(), "the deadline is ahead");
    assert!(p.request.payee_name.contains("PRACTICE"), "marked as practice");
    let qr = VietQr::parse(p.request.vietqr.as_deref().expect("a code to scan")).expect("VietQR");
    assert_eq!(qr.amount.map(Amount::vnd), Some(FEE));
    assert_eq!(qr.account.as_str(), PRACTICE_ACCOUNT);
    assert_eq!(qr.bin.as_str(), p.request.payee.bin.as_str());
    let purpose = qr.purpose.expect("purpose");
    assert!(purpose.as_str().starts_with(code.as_str()), "{}", purpose.as_str());
    assert_eq!(
        hoso_core::bank::dossier_code_in(purpose.as_str(), "HOSO.PRACTICE"),
        Some(code.clone())
    );

    // A dossier without a fee has no payment request, and says so.
    let free = common::file(&http, &base, &token, "mien-phi-1", "Trần Văn Bình").await;
    let free_code = common::receipt_text(&free, "dossier_code");
    let (status, refusal) = problem(payment_answer(&http, &base, &token, &free_code).await).await;
    assert_eq!((status, refusal.code.as_str()), (StatusCode::NOT_FOUND, "no_fee"));
    assert!(refusal.message.en.contains("owes no fee"), "{}", refusal.message.en);
}
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_bank_endpoint_refuses_a_wrong_signature_a_stale_timestamp_and_a_tampered_body(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token, config) = portal(backend, dir.path()).await;
    let (http, base) = (reqwest::Client::new(), portal.base_url().to_owned());
    let code = file_with_fee(&http, &base, &token, "phi-2", "Lê Văn Cường").await;
    let secret = secret(dir.path());
    let good = transfer("FT-SAI-1", &code, FEE);

    // Another secret: 401.
    let other = BankSecret::new("khong-phai-bi-mat-cua-ngan-hang-0123456789").expect("secret");
    let (status, p) = problem(notify(&http, &base, &other, good.clone()).await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::UNAUTHORIZED, "bank_signature_invalid"));
    // No signature at all: 401.
    let (status, p) = problem(send_notification(&http, &base, &[], good.clone()).await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::UNAUTHORIZED, "bank_signature_invalid"));
    // Signed by the bank ten minutes ago: a replay, 401 with its own code.
    let old = headers(&secret, &good, now_vn() - chrono::Duration::minutes(10));
    let (status, p) = problem(send_notification(&http, &base, &old, good.clone()).await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::UNAUTHORIZED, "bank_notification_stale"));
    // Signed, then the amount changed on the way: 401.
    let signed = headers(&secret, &good, now_vn());
    let tampered = transfer("FT-SAI-1", &code, 10 * FEE);
    let (status, p) = problem(send_notification(&http, &base, &signed, tampered).await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::UNAUTHORIZED, "bank_signature_invalid"));
    // Signed by the bank but not a notification: 400.
    let (status, p) = problem(notify(&http, &base, &secret, b"{\"transaction_id\": 7}".to_vec()).await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::BAD_REQUEST, "bank_notification_malformed"));

    // Nothing of it was recorded or paid.
    assert_eq!(count(&config, "bank_transactions").await, 0);
    let p = payment(&http, &base, &token, &code).await;
    assert_eq!(p.request.state, PaymentState::Awaiting);

    // The authentic one is taken.
    let (status, answer) = recorded(notify(&http, &base, &secret, good).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer.dossier_code, Some(code));
}
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_exact_payment_gives_a_signed_fee_receipt_in_figures_and_words(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token, _) = portal(backend, dir.path()).await;
    let (http, base) = (reqwest::Client::new(), portal.base_url().to_owned());
    let code = file_with_fee(&http, &base, &token, "phi-3", "Phạm Thị Dung").await;

    let (status, answer) = recorded(notify(&http, &base, &secret(dir.path()), transfer("FT-DU-1", &code, FEE)).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        answer.settlement,
        Some(Settlement { balance: Balance::PaidExactly, late: false })
    );
    assert_eq!(answer.payment_state, Some(PaymentState::Paid { late: false }));
    let number = answer.fee_receipt.expect("a fee receipt");
    assert_eq!((number.form.as_str(), number.serial.as_str(), number.number), ("THUC-HANH", "PRACTICE", 1));

    let paid = payment(&http, &base, &token, &code).await;
    assert_eq!(paid.request.state, PaymentState::Paid { late: false });
    assert_eq!((paid.paid_vnd, paid.refund_due_vnd), (FEE, 0));
    assert_eq!(paid.request.vietqr, None, "nothing left to scan");
    let receipt = verified_receipt(&http, &base, &paid).await;
    assert_eq!(receipt.number, number);
    assert_eq!(receipt.dossier_code, code);
    assert_eq!(receipt.amount_vnd, FEE);
    assert_eq!(receipt.amount_in_words, "Một trăm hai mươi lăm nghìn đồng");
    assert_eq!(receipt.amount_in_words, hoso_core::amount_words::in_words(FEE));
    assert_eq!(receipt.payer.name, "Phạm Thị Dung");
    assert!(receipt.agency.name.en.contains("practice"));
    let ids: Vec<&str> = receipt.bank_transactions.iter().map(|t| t.as_str()).collect();
    assert_eq!(ids, ["FT-DU-1"]);
    assert!(receipt.text().vi.contains("BIÊN LAI THU PHÍ, LỆ PHÍ"));
}
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_notification_sent_twice_or_ten_times_at_once_counts_once(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token, config) = portal(backend, dir.path()).await;
    let (http, base) = (reqwest::Client::new(), portal.base_url().to_owned());
    let secret = secret(dir.path());

    // Sent, then sent again as banks do: the same answer, nothing more.
    let first_code = file_with_fee(&http, &base, &token, "phi-4a", "Võ Văn Em").await;
    let notification = transfer("FT-LAI-1", &first_code, FEE);
    let signed = headers(&secret, &notification, now_vn());
    let first = send_notification(&http, &base, &signed, notification.clone()).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first = first.text().await.expect("answer");
    let again = send_notification(&http, &base, &signed, notification.clone()).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.text().await.expect("answer"), first, "the same answer");
    // Signed afresh later, still the same transfer.
    let (_, later) = recorded(notify(&http, &base, &secret, notification).await).await;
    assert_eq!(serde_json::to_string(&later).expect("json"), first);

    // Ten copies at once.
    let second_code = file_with_fee(&http, &base, &token, "phi-4b", "Võ Thị Giang").await;
    let notification = transfer("FT-LAI-2", &second_code, FEE);
    let signed = headers(&secret, &notification, now_vn());
    let sends: Vec<_> = (0..10)
        .map(|_| {
            let (http, base, signed, notification) =
                (http.clone(), base.clone(), signed.clone(), notification.clone());
            tokio::spawn(async move {
                let res = send_notification(&http, &base, &signed, notification).await;
                (res.status(), res.text().await.expect("answer"))
            })
        })
        .collect();
    let mut answers = Vec::new();
    for s in sends {
        answers.push(s.await.expect("sender"));
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, StatusCode::OK);

    assert_eq!(count(&config, "bank_transactions").await, 2, "one row per transfer");
    assert_eq!(count(&config, "fee_receipts").await, 2, "one receipt per fee");
    for code in [&first_code, &second_code] {
        let p = payment(&http, &base, &token, code).await;
        assert_eq!((p.paid_vnd, p.refund_due_vnd), (FEE, 0), "{code}");
    }
    let feed = whole_feed(&http, &base, &token, 100).await;
    let receipts: Vec<u32> = feed
        .documents
        .iter()
        .filter_map(|d| match &d.document {
            DossierDocument::FeeReceipt(s) => s.document["number"]["number"].as_u64().map(|n| n as u32),
            _ => None,
        })
        .collect();
    assert_eq!(receipts, [1, 2], "two receipts, numbered once each");
}
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_underpayment_leaves_the_rest_due_and_a_second_transfer_completes_it(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token, _) = portal(backend, dir.path()).await;
    let (http, base) = (reqwest::Client::new(), portal.base_url().to_owned());
    let code = file_with_fee(&http, &base, &token, "phi-5", "Đặng Văn Hùng").await;
    let secret = secret(dir.path());

    let (_, short) = recorded(notify(&http, &base, &secret, transfer("FT-THIEU-1", &code, 100_000)).await).await;
    assert_eq!(
        short.settlement.map(|s| s.balance),
        Some(Balance::Underpaid { still_due_vnd: 25_000 })
    );
    assert!(short.fee_receipt.is_none());
    let p = payment(&http, &base, &token, &code).await;
    assert_eq!(p.request.state, PaymentState::PartlyPaid { still_due_vnd: 25_000 });
    assert_eq!(p.paid_vnd, 100_000);
    assert!(p.fee_receipt.is_none());
    let qr = VietQr::parse(p.request.vietqr.as_deref().expect("a code for the rest")).expect("VietQR");
    assert_eq!(qr.amount.map(Amount::vnd), Some(25_000));

    let (_, rest) = recorded(notify(&http, &base, &secret, transfer("FT-THIEU-2", &code, 25_000)).await).await;
    assert_eq!(rest.settlement.map(|s| s.balance), Some(Balance::PaidExactly));
    assert!(rest.fee_receipt.is_some());
    let paid = payment(&http, &base, &token, &code).await;
    assert_eq!(paid.request.state, PaymentState::Paid { late: false });
    let receipt = verified_receipt(&http, &base, &paid).await;
    assert_eq!(receipt.amount_vnd, FEE);
    let ids: Vec<&str> = receipt.bank_transactions.iter().map(|t| t.as_str()).collect();
    assert_eq!(ids, ["FT-THIEU-1", "FT-THIEU-2"], "every transfer that paid it");
}
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_overpayment_pays_the_fee_and_records_what_is_owed_back(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token, config) = portal(backend, dir.path()).await;
    let (http, base) = (reqwest::Client::new(), portal.base_url().to_owned());
    let code = file_with_fee(&http, &base, &token, "phi-6", "Bùi Thị Lan").await;
    let secret = secret(dir.path());

    let (_, over) = recorded(notify(&http, &base, &secret, transfer("FT-THUA-1", &code, 200_000)).await).await;
    assert_eq!(
        over.settlement.map(|s| s.balance),
        Some(Balance::Overpaid { excess_vnd: 75_000 })
    );
    assert!(over.message.en.contains("to be refunded"), "{}", over.message.en);
    let paid = payment(&http, &base, &token, &code).await;
    assert_eq!(paid.request.state, PaymentState::Paid { late: false });
    assert_eq!((paid.paid_vnd, paid.refund_due_vnd), (FEE, 75_000));
    assert_eq!(verified_receipt(&http, &base, &paid).await.amount_vnd, FEE, "the receipt is for the fee");

    // Money to a fee already paid: all of it owed back, no second receipt.
    let (status, more) = recorded(notify(&http, &base, &secret, transfer("FT-THUA-2", &code, 10_000)).await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(more.fee_receipt.is_none());
    assert!(more.message.en.contains("paid before"), "{}", more.message.en);
    let paid = payment(&http, &base, &token, &code).await;
    assert_eq!((paid.paid_vnd, paid.refund_due_vnd), (FEE, 85_000));
    assert_eq!(count(&config, "fee_receipts").await, 1);
}
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_payment_credited_after_the_deadline_is_taken_and_flagged_late(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token, _) = portal(backend, dir.path()).await;
    let (http, base) = (reqwest::Client::new(), portal.base_url().to_owned());
    let code = file_with_fee(&http, &base, &token, "phi-7", "Hồ Văn Minh").await;
    let deadline = payment(&http, &base, &token, &code).await.request.deadline;

    // The bank credited it a minute past the deadline (its time is what
    // counts, not when the notification arrives).
    let late_at = (deadline + chrono::Duration::minutes(1)).to_rfc3339();
    let late = bank_notification("FT-TRE-1", PRACTICE_ACCOUNT, FEE, &format!("{code} nop phi"), &late_at);
    let (status, answer) = recorded(notify(&http, &base, &secret(dir.path()), late).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        answer.settlement,
        Some(Settlement { balance: Balance::PaidExactly, late: true })
    );
    assert!(answer.message.en.contains("after the payment deadline"), "{}", answer.message.en);
    let paid = payment(&http, &base, &token, &code).await;
    assert_eq!(paid.request.state, PaymentState::Paid { late: true });
    assert!(paid.fee_receipt.is_some(), "late money is taken and receipted");
}
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_feed_carries_the_request_at_each_change_and_the_receipt_in_cursor_order(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token, _) = portal(backend, dir.path()).await;
    let (http, base) = (reqwest::Client::new(), portal.base_url().to_owned());
    let code = file_with_fee(&http, &base, &token, "phi-8", "Ngô Thị Nga").await;
    let secret = secret(dir.path());
    recorded(notify(&http, &base, &secret, transfer("FT-FEED-1", &code, 25_000)).await).await;
    recorded(notify(&http, &base, &secret, transfer("FT-FEED-2", &code, 100_000)).await).await;

    for limit in [100, 1] {
        let feed = whole_feed(&http, &base, &token, limit).await;
        assert_eq!(feed.events.len(), 1, "the filing");
        let received = feed.events[0].cursor;
        let kinds: Vec<String> = feed
            .documents
            .iter()
            .map(|d| match &d.document {
                DossierDocument::PaymentRequest(r) => format!("request {}", r.state.label().en),
                DossierDocument::FeeReceipt(_) => "receipt".to_owned(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "request Awaiting payment",
                "request Partly paid, 100,000 VND still due",
                "request Paid",
                "receipt"
            ],
            "limit {limit}"
        );
        let cursors: Vec<u64> = feed.documents.iter().map(|d| d.cursor).collect();
        assert!(cursors.windows(2).all(|w| w[0] < w[1]), "{cursors:?}");
        assert!(cursors[0] > received, "the request follows the filing");
        assert_eq!(feed.next_cursor, *cursors.last().expect("documents"));
        assert!(feed.documents.iter().all(|d| d.code == code));
        let keys = published_keys(&http, &base).await;
        let DossierDocument::FeeReceipt(signed) = &feed.documents[3].document else {
            panic!("a receipt");
        };
        assert_eq!(signed.verify(&keys).map(|r| r.amount_vnd), Ok(FEE));
    }
    // Nothing after the last cursor: the same answer, a 304 by its tag.
    let feed = whole_feed(&http, &base, &token, 100).await;
    let res = http
        .get(format!("{base}/v1/dossiers?since={}", feed.next_cursor))
        .bearer_auth(&token)
        .send()
        .await
        .expect("feed");
    let tag = res.headers()["etag"].clone();
    let page: StatusFeed = res.json().await.expect("JSON");
    assert!(page.events.is_empty() && page.documents.is_empty());
    let res = http
        .get(format!("{base}/v1/dossiers?since={}", feed.next_cursor))
        .bearer_auth(&token)
        .header("If-None-Match", tag)
        .send()
        .await
        .expect("feed");
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
}
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_applicant_cannot_read_the_payment_nor_see_it_in_their_feed(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token, _) = portal(backend, dir.path()).await;
    let (http, base) = (reqwest::Client::new(), portal.base_url().to_owned());
    let code = file_with_fee(&http, &base, &token, "phi-9", "Dương Văn Phúc").await;
    let other = portal.issue_token("cty-khac", "Công ty Khác").await.expect("token");

    let (status, theirs) = problem(payment_answer(&http, &base, &other, code.as_str()).await).await;
    let (_, unknown) = problem(payment_answer(&http, &base, &other, "HOSO.PRACTICE-200101-9999").await).await;
    assert_eq!((status, theirs.code.as_str()), (StatusCode::NOT_FOUND, "not_found"));
    assert_eq!(theirs.message, unknown.message, "the same as a dossier that does not exist");
    let anonymous = http
        .get(format!("{base}/v1/dossiers/{code}/payment"))
        .send()
        .await
        .expect("answered");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let feed = whole_feed(&http, &base, &other, 100).await;
    assert!(feed.events.is_empty() && feed.documents.is_empty());
}
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_transfer_naming_no_dossier_is_kept_for_a_person_and_answered_202(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token, config) = portal(backend, dir.path()).await;
    let (http, base) = (reqwest::Client::new(), portal.base_url().to_owned());
    let secret = secret(dir.path());
    let at = now_vn().to_rfc3339();
    let free = common::file(&http, &base, &token, "mien-phi-2", "Lý Thị Quỳnh").await;
    let free_code = common::receipt_text(&free, "dossier_code");

    for (id, purpose) in [
        ("FT-LA-1", "ung ho dong bao".to_owned()),
        ("FT-LA-2", "HOSO.PRACTICE-200101-9999 nop phi".to_owned()),
        ("FT-LA-3", format!("{free_code} nop phi")),
    ] {
        let notification = bank_notification(id, PRACTICE_ACCOUNT, 50_000, &purpose, &at);
        let (status, answer) = recorded(notify(&http, &base, &secret, notification.clone()).await).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{purpose}");
        assert_eq!(answer.dossier_code, None);
        assert!(answer.message.en.contains("need not send it again"), "{}", answer.message.en);
        let (again, same) = recorded(notify(&http, &base, &secret, notification).await).await;
        assert_eq!((again, same), (status, answer), "sent again: the same answer");
    }
    // Money to another account, for a real dossier: kept too.
    let code = file_with_fee(&http, &base, &token, "phi-10", "Mai Văn Sơn").await;
    let elsewhere = bank_notification("FT-LA-4", "1234567890", FEE, &format!("{code} nop phi"), &at);
    let (status, _) = recorded(notify(&http, &base, &secret, elsewhere).await).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(payment(&http, &base, &token, &code).await.request.state, PaymentState::Awaiting);
    assert_eq!(count(&config, "bank_transactions").await, 4, "each one recorded");
}
}

/// A `serve` process, killed when dropped.
struct Serving {
    child: std::process::Child,
    base: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `hoso-portal ARGS… --config SETTINGS --data DATA`: its exit status
/// and what it printed on stdout and stderr.
fn hoso_portal_cli(args: &[&str], settings: &Path, data: &Path) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hoso-portal"))
        .args(args)
        .arg("--config")
        .arg(settings)
        .arg("--data")
        .arg(data)
        .env("RUST_LOG", "off")
        .output()
        .expect("hoso-portal runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn practice_pay_pays_a_running_practice_portal_as_its_bank_would(backend: Backend) {
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    with_fee_notice(&data);
    // No name: a practice portal, with its records where the back end says.
    let settings = dir.path().join("portal.toml");
    std::fs::write(&settings, backend.settings().await).expect("settings");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hoso-portal"))
        .arg("serve")
        .arg("--config")
        .arg(&settings)
        .arg("--data")
        .arg(&data)
        .args(["--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "off")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the portal starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the portal prints its address");
    let serving = Serving { child, base: line.trim().to_owned() };
    assert!(serving.base.starts_with("http://"), "{line:?}");
    let (ok, token, _) = hoso_portal_cli(&["add-applicant", "--account", "cty-th", "--name", "Công ty Thực Hành"], &settings, &data);
    assert!(ok);
    let (http, base) = (reqwest::Client::new(), serving.base.clone());
    let code = file_with_fee(&http, &base, token.trim(), "phi-th-1", "Trịnh Văn Tài").await;

    // Part of it, then the rest (what is still due, read from the code).
    let (ok, out, err) = hoso_portal_cli(&["practice-pay", code.as_str(), "100.000"], &settings, &data);
    assert!(ok, "{out}{err}");
    assert!(out.contains("100,000 VND") && out.contains("Underpaid, 25,000 VND still due"), "{out}");
    let (ok, out, err) = hoso_portal_cli(&["practice-pay", &code.as_str().to_lowercase()], &settings, &data);
    assert!(ok, "{out}{err}");
    assert!(out.contains("25,000 VND") && out.contains("Fee paid in full"), "{out}");
    assert!(out.contains("Fee receipt: Form THUC-HANH, serial PRACTICE, no. 0000001"), "{out}");

    let paid = payment(&http, &base, token.trim(), &code).await;
    assert_eq!(paid.request.state, PaymentState::Paid { late: false });
    let receipt = verified_receipt(&http, &base, &paid).await;
    assert_eq!(receipt.bank_transactions.len(), 2);
    assert!(receipt.bank_transactions.iter().all(|t| t.as_str().starts_with("THUCHANH")));

    // Nothing left: told, and nothing sent.
    let (ok, _, err) = hoso_portal_cli(&["practice-pay", code.as_str()], &settings, &data);
    assert!(!ok);
    assert!(err.contains("nothing is due"), "{err}");
    drop(serving);
    // Stopped: told it cannot be reached.
    let (ok, _, err) = hoso_portal_cli(&["practice-pay", code.as_str(), "1000"], &settings, &data);
    assert!(!ok);
    assert!(err.contains("is it running"), "{err}");
}
}

/// An officer's record of `amount_vnd` given back for `code` by the bank
/// transfer `reference`; the answer.
async fn refund(
    http: &reqwest::Client,
    base: &str,
    officer: &str,
    code: &str,
    amount_vnd: u64,
    reference: &str,
) -> reqwest::Response {
    http.post(format!("{base}/v1/officer/dossiers/{code}/refunds"))
        .bearer_auth(officer)
        .json(&serde_json::json!({"amount_vnd": amount_vnd, "bank_reference": reference}))
        .send()
        .await
        .expect("answered")
}

/// The answer to a refund that must be recorded.
async fn refunded(res: reqwest::Response) -> RefundRecorded {
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("answer")
}

/// Dossier `code` as an officer sees it, with its entity tag.
async fn officer_view(
    http: &reqwest::Client,
    base: &str,
    officer: &str,
    code: &str,
) -> (String, DossierStatus) {
    let res = http
        .get(format!("{base}/v1/officer/dossiers/{code}"))
        .bearer_auth(officer)
        .send()
        .await
        .expect("answered");
    assert_eq!(res.status(), StatusCode::OK);
    let tag = res.headers()["etag"].to_str().expect("etag").to_owned();
    (tag, res.json().await.expect("status"))
}

/// The documents of dossier `code` in `token`'s feed, by kind.
async fn documents_of(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    code: &DossierCode,
) -> Vec<DossierDocument> {
    whole_feed(http, base, token, 100)
        .await
        .documents
        .into_iter()
        .filter(|d| &d.code == code)
        .map(|d| d.document)
        .collect()
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_paid_dossier_withdrawn_owes_its_payment_back_refunded_once_under_a_signed_notice(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token, config) = portal(backend, dir.path()).await;
    let officer = portal.issue_officer_token("can-bo-hoan", "Phan Văn Hoàn").await.expect("officer");
    let (http, base) = (reqwest::Client::new(), portal.base_url().to_owned());
    let code = file_with_fee(&http, &base, &token, "hoan-1", "Kiều Thị Rút").await;
    let (_, paid) = recorded(notify(&http, &base, &secret(dir.path()), transfer("FT-RUT-1", &code, FEE + 10_000)).await).await;
    let receipt_number = paid.fee_receipt.expect("a fee receipt");
    assert_eq!(payment(&http, &base, &token, &code).await.refund_due_vnd, 10_000, "the excess");

    // Withdrawn: everything paid is owed back, and the officer sees it.
    let res = common::withdraw(&http, &base, &token, code.as_str(), "Đổi ý, không làm thủ tục nữa").await;
    assert_eq!(res.status(), StatusCode::OK);
    let owed = payment(&http, &base, &token, &code).await;
    assert_eq!((owed.paid_vnd, owed.refund_due_vnd), (FEE, FEE + 10_000));
    assert_eq!(owed.request.state, PaymentState::Paid { late: false });
    let (tag, seen) = officer_view(&http, &base, &officer, code.as_str()).await;
    assert_eq!((seen.status, seen.refund_due_vnd), (Status::Withdrawn, FEE + 10_000));
    assert!(tag.ends_with(&format!("-r{}\"", FEE + 10_000)), "{tag}");

    // More than is owed, or nothing: refused, nothing recorded.
    let (status, p) = problem(refund(&http, &base, &officer, code.as_str(), FEE + 10_001, "HT-RUT-0").await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::CONFLICT, "refund_exceeds_due"));
    assert!(p.message.en.contains("135,000 VND"), "{}", p.message.en);
    let (status, p) = problem(refund(&http, &base, &officer, code.as_str(), 0, "HT-RUT-0").await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "refund_amount_invalid"));
    let (status, p) = problem(refund(&http, &base, &officer, code.as_str(), 1, "HT RUT").await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::BAD_REQUEST, "malformed_body"), "a reference with a space");
    assert_eq!(count(&config, "refunds").await, 0);
    // Only officers record refunds.
    let (status, p) = problem(refund(&http, &base, &token, code.as_str(), 1, "HT-RUT-0").await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::FORBIDDEN, "officer_only"));

    // All of it given back, recorded by eight requests at once: one
    // refund, one answer; a notice signed by the published key, naming
    // the fee receipt, and the request refunded.
    let sends: Vec<_> = (0..8)
        .map(|_| {
            let (http, base, officer, code) = (http.clone(), base.clone(), officer.clone(), code.clone());
            tokio::spawn(async move {
                let res = refund(&http, &base, &officer, code.as_str(), FEE + 10_000, "HT-RUT-1").await;
                (res.status(), res.text().await.expect("answer"))
            })
        })
        .collect();
    let mut answers = Vec::new();
    for s in sends {
        answers.push(s.await.expect("sender"));
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, StatusCode::OK);
    let first_text = answers[0].1.clone();
    let answer: RefundRecorded = serde_json::from_str(&first_text).expect("answer");
    let keys = published_keys(&http, &base).await;
    let notice = answer.refund_notice.verify(&keys).expect("signed by the portal");
    assert_eq!(notice.dossier_code, code);
    assert_eq!((notice.amount_vnd, notice.reason), (FEE + 10_000, RefundReason::Withdrawn));
    assert_eq!(notice.amount_in_words, hoso_core::amount_words::in_words(FEE + 10_000));
    assert_eq!(notice.fee_receipt, Some(receipt_number));
    assert_eq!(answer.bank_reference.as_str(), "HT-RUT-1");
    assert_eq!(answer.payment.request.state, PaymentState::Refunded);
    assert_eq!(answer.payment.refund_due_vnd, 0);
    assert_eq!(payment(&http, &base, &token, &code).await, answer.payment);
    let (tag, seen) = officer_view(&http, &base, &officer, code.as_str()).await;
    assert_eq!(seen.refund_due_vnd, 0);
    assert!(!tag.contains("-r"), "{tag}");

    // The same reference again: the same answer, nothing new.
    let again = refund(&http, &base, &officer, code.as_str(), FEE + 10_000, "HT-RUT-1").await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.text().await.expect("answer"), first_text);
    let (status, p) = problem(refund(&http, &base, &officer, code.as_str(), 5_000, "HT-RUT-1").await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::CONFLICT, "refund_reference_used"));
    assert_eq!(count(&config, "refunds").await, 1);
    let (status, p) = problem(refund(&http, &base, &officer, code.as_str(), 1, "HT-RUT-2").await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::CONFLICT, "nothing_owed"));

    // The feed: the notice, then the request refunded, once each.
    let documents = documents_of(&http, &base, &token, &code).await;
    let kinds: Vec<String> = documents
        .iter()
        .map(|d| match d {
            DossierDocument::PaymentRequest(r) => format!("request {}", r.state.label().en),
            DossierDocument::FeeReceipt(_) => "receipt".to_owned(),
            DossierDocument::RefundNotice(_) => "refund".to_owned(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["request Awaiting payment", "request Paid", "receipt", "refund", "request Refunded"]);
    let DossierDocument::RefundNotice(in_feed) = &documents[3] else { panic!("a refund notice") };
    assert_eq!(in_feed, &answer.refund_notice);
    assert_eq!(in_feed.verify(&keys), Ok(notice));
}
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_paid_dossier_refused_is_refunded_in_two_transfers_and_money_after_the_refusal_goes_back_too(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token, config) = portal(backend, dir.path()).await;
    let officer = portal.issue_officer_token("can-bo-hoan", "Phan Văn Hoàn").await.expect("officer");
    let (http, base) = (reqwest::Client::new(), portal.base_url().to_owned());
    let secret = secret(dir.path());
    let keys = published_keys(&http, &base).await;

    // Paid in full, then refused: the answer to the move shows what is owed.
    let code = file_with_fee(&http, &base, &token, "hoan-2", "Lâm Văn Chối").await;
    recorded(notify(&http, &base, &secret, transfer("FT-CHOI-1", &code, FEE)).await).await;
    common::officer_moves(&http, &base, &officer, code.as_str(), &[Status::Accepted]).await;
    let res = common::officer_move(&http, &base, &officer, code.as_str(), Status::Rejected, "Không thuộc thẩm quyền").await;
    assert_eq!(res.status(), StatusCode::OK);
    let moved: DossierStatus = res.json().await.expect("status");
    assert_eq!((moved.status, moved.refund_due_vnd), (Status::Rejected, FEE));
    // The applicant's view of the state carries no money; the payment does.
    let res = http.get(format!("{base}/v1/dossiers/{code}")).bearer_auth(&token).send().await.expect("status");
    assert_eq!(res.json::<DossierStatus>().await.expect("status").refund_due_vnd, 0);
    assert_eq!(payment(&http, &base, &token, &code).await.refund_due_vnd, FEE);

    // A transfer after the refusal counts towards nothing: all owed back.
    let (status, late) = recorded(notify(&http, &base, &secret, transfer("FT-CHOI-2", &code, 5_000)).await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(late.message.en.contains("owes no fee"), "{}", late.message.en);
    assert!(late.fee_receipt.is_none());
    let owed = payment(&http, &base, &token, &code).await;
    assert_eq!((owed.paid_vnd, owed.refund_due_vnd), (FEE, FEE + 5_000));
    assert_eq!(count(&config, "fee_receipts").await, 1);

    // Given back in two transfers: refunded only once all of it is.
    let part = refunded(refund(&http, &base, &officer, code.as_str(), 100_000, "HT-CHOI-1").await).await;
    let notice = part.refund_notice.verify(&keys).expect("signed");
    assert_eq!((notice.amount_vnd, notice.reason), (100_000, RefundReason::Rejected));
    assert!(notice.fee_receipt.is_some());
    assert_eq!(part.payment.request.state, PaymentState::Paid { late: false });
    assert_eq!(part.payment.refund_due_vnd, FEE + 5_000 - 100_000);
    let rest = refunded(refund(&http, &base, &officer, code.as_str(), FEE + 5_000 - 100_000, "HT-CHOI-2").await).await;
    assert_eq!(rest.payment.request.state, PaymentState::Refunded);
    assert_eq!(rest.payment.refund_due_vnd, 0);
    let refunds: Vec<u64> = documents_of(&http, &base, &token, &code)
        .await
        .iter()
        .filter_map(|d| match d {
            DossierDocument::RefundNotice(s) => s.verify(&keys).ok().map(|n| n.amount_vnd),
            _ => None,
        })
        .collect();
    assert_eq!(refunds, [100_000, FEE + 5_000 - 100_000]);

    // Partly paid, then refused: what was paid goes back, with no receipt to name.
    let partly = file_with_fee(&http, &base, &token, "hoan-3", "Lâm Thị Thiếu").await;
    recorded(notify(&http, &base, &secret, transfer("FT-CHOI-3", &partly, 50_000)).await).await;
    let res = common::officer_move(&http, &base, &officer, partly.as_str(), Status::Rejected, "Hồ sơ giả mạo").await;
    assert_eq!(res.status(), StatusCode::OK);
    let all = refunded(refund(&http, &base, &officer, partly.as_str(), 50_000, "HT-CHOI-3").await).await;
    let notice = all.refund_notice.verify(&keys).expect("signed");
    assert_eq!((notice.amount_vnd, notice.reason, notice.fee_receipt), (50_000, RefundReason::Rejected, None));
    assert_eq!(all.payment.request.state, PaymentState::Refunded);

    // An overpayment given back while the dossier goes on: it stays paid.
    let over = file_with_fee(&http, &base, &token, "hoan-4", "Lâm Văn Thừa").await;
    recorded(notify(&http, &base, &secret, transfer("FT-CHOI-4", &over, FEE + 20_000)).await).await;
    let back = refunded(refund(&http, &base, &officer, over.as_str(), 20_000, "HT-CHOI-4").await).await;
    let notice = back.refund_notice.verify(&keys).expect("signed");
    assert_eq!((notice.amount_vnd, notice.reason), (20_000, RefundReason::Overpaid));
    assert_eq!(back.payment.request.state, PaymentState::Paid { late: false });
    assert_eq!(back.payment.refund_due_vnd, 0);

    // Nothing owed for a dossier without a fee; no refund for one unknown.
    let free = common::file(&http, &base, &token, "hoan-5", "Lâm Thị Miễn").await;
    let free = common::receipt_text(&free, "dossier_code");
    let (status, p) = problem(refund(&http, &base, &officer, &free, 1, "HT-CHOI-5").await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::CONFLICT, "nothing_owed"));
    let (status, p) = problem(refund(&http, &base, &officer, "HOSO.PRACTICE-200101-9999", 1, "HT-CHOI-6").await).await;
    assert_eq!((status, p.code.as_str()), (StatusCode::NOT_FOUND, "not_found"));
    assert_eq!(count(&config, "refunds").await, 4);
}
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refusal_and_a_transfer_at_once_both_go_through_and_all_paid_is_owed_back(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token, _) = portal(backend, dir.path()).await;
    let officer = portal.issue_officer_token("can-bo-hoan", "Phan Văn Hoàn").await.expect("officer");
    let (http, base) = (reqwest::Client::new(), portal.base_url().to_owned());
    let secret = secret(dir.path());
    let mut codes = Vec::new();
    for i in 0..8 {
        codes.push(file_with_fee(&http, &base, &token, &format!("dong-thoi-{i}"), &format!("Tạ Văn Cùng {i}")).await);
    }
    // Whichever comes first, the transfer counts towards the fee and the
    // refusal owes it back, or the refusal comes first and the transfer
    // is owed back whole: both are answered, neither fails.
    let races: Vec<_> = codes
        .iter()
        .enumerate()
        .map(|(i, code)| {
            let (http, base, officer, secret, code) =
                (http.clone(), base.clone(), officer.clone(), secret.clone(), code.clone());
            tokio::spawn(async move {
                let pay = notify(&http, &base, &secret, transfer(&format!("FT-CUNG-{i}"), &code, FEE));
                let refuse = common::officer_move(&http, &base, &officer, code.as_str(), Status::Rejected, "Trùng hồ sơ");
                let (paid, refused) = tokio::join!(pay, refuse);
                (paid.status(), refused.status())
            })
        })
        .collect();
    for race in races {
        assert_eq!(race.await.expect("race"), (StatusCode::OK, StatusCode::OK));
    }
    for code in &codes {
        let p = payment(&http, &base, &token, code).await;
        assert_eq!(p.refund_due_vnd, FEE, "{code}: {p:?}");
    }
}
}

/// What the documents of a dossier's feed say, one word or label each.
fn kinds(documents: &[DossierDocument]) -> Vec<String> {
    documents
        .iter()
        .map(|d| match d {
            DossierDocument::PaymentRequest(r) => format!("request {}", r.state.label().en),
            DossierDocument::FeeReceipt(_) => "receipt".to_owned(),
            DossierDocument::RefundNotice(_) => "refund".to_owned(),
            other => format!("{other:?}"),
        })
        .collect()
}

/// The feed's label of a cancelled request.
const CANCELLED: &str = "request Payment request cancelled (the dossier was refused or withdrawn)";

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dossier_closed_before_anything_was_paid_cancels_its_request_and_money_sent_later_goes_back(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token, config) = portal(backend, dir.path()).await;
    let officer = portal.issue_officer_token("can-bo-huy", "Đinh Văn Hủy").await.expect("officer");
    let (http, base) = (reqwest::Client::new(), portal.base_url().to_owned());
    let keys = published_keys(&http, &base).await;

    // Withdrawn unpaid: the request is cancelled, offers no code, and
    // the app learns it from the feed, right after the withdrawal.
    let withdrawn = file_with_fee(&http, &base, &token, "huy-1", "Đinh Thị Rút").await;
    let res = common::withdraw(&http, &base, &token, withdrawn.as_str(), "Nộp nhầm thủ tục").await;
    assert_eq!(res.status(), StatusCode::OK);
    let p = payment(&http, &base, &token, &withdrawn).await;
    assert_eq!(p.request.state, PaymentState::Cancelled);
    assert_eq!(p.request.vietqr, None);
    assert_eq!((p.paid_vnd, p.refund_due_vnd, p.request.still_due_vnd()), (0, 0, 0));
    let feed = whole_feed(&http, &base, &token, 100).await;
    let event = feed
        .events
        .iter()
        .find(|e| e.code == withdrawn && e.status == Status::Withdrawn)
        .expect("the withdrawal");
    let mine: Vec<_> = feed.documents.iter().filter(|d| d.code == withdrawn).collect();
    let documents: Vec<DossierDocument> = mine.iter().map(|d| d.document.clone()).collect();
    assert_eq!(kinds(&documents), ["request Awaiting payment", CANCELLED]);
    assert!(mine[1].cursor > event.cursor, "the request follows the withdrawal");
    assert_eq!(documents[1], DossierDocument::PaymentRequest(p.request.clone()));
    let (status, nothing) = problem(refund(&http, &base, &officer, withdrawn.as_str(), 1, "HT-HUY-0").await).await;
    assert_eq!((status, nothing.code.as_str()), (StatusCode::CONFLICT, "nothing_owed"));

    // Refused unpaid: cancelled the same way, in the move's transaction.
    let refused = file_with_fee(&http, &base, &token, "huy-2", "Đinh Văn Chối").await;
    let res = common::officer_move(&http, &base, &officer, refused.as_str(), Status::Rejected, "Sai thẩm quyền").await;
    assert_eq!(res.status(), StatusCode::OK);
    let p = payment(&http, &base, &token, &refused).await;
    assert_eq!((p.request.state, p.request.vietqr.as_deref()), (PaymentState::Cancelled, None));

    // A transfer for the cancelled request, whatever it was meant for:
    // owed back whole, no receipt, the request still cancelled.
    let (status, answer) = recorded(notify(&http, &base, &secret(dir.path()), transfer("FT-HUY-1", &refused, FEE)).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer.payment_state, Some(PaymentState::Cancelled));
    assert!(answer.fee_receipt.is_none());
    assert!(answer.message.en.contains("owes no fee"), "{}", answer.message.en);
    let p = payment(&http, &base, &token, &refused).await;
    assert_eq!(p.request.state, PaymentState::Cancelled);
    assert_eq!((p.paid_vnd, p.refund_due_vnd), (0, FEE));
    assert_eq!(count(&config, "fee_receipts").await, 0);

    // Given back: a notice naming no receipt; the request stays cancelled
    // (nothing ever counted towards its fee).
    let back = refunded(refund(&http, &base, &officer, refused.as_str(), FEE, "HT-HUY-1").await).await;
    let notice = back.refund_notice.verify(&keys).expect("signed");
    assert_eq!((notice.amount_vnd, notice.reason, notice.fee_receipt), (FEE, RefundReason::Rejected, None));
    assert_eq!(back.payment.request.state, PaymentState::Cancelled);
    assert_eq!(back.payment.refund_due_vnd, 0);
    assert_eq!(
        kinds(&documents_of(&http, &base, &token, &refused).await),
        ["request Awaiting payment", CANCELLED, "refund"]
    );
}
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_partly_paid_dossier_withdrawn_cancels_the_rest_and_what_was_paid_is_refunded(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token, _) = portal(backend, dir.path()).await;
    let officer = portal.issue_officer_token("can-bo-huy", "Đinh Văn Hủy").await.expect("officer");
    let (http, base) = (reqwest::Client::new(), portal.base_url().to_owned());
    let keys = published_keys(&http, &base).await;
    let code = file_with_fee(&http, &base, &token, "huy-3", "Đinh Thị Thiếu").await;
    recorded(notify(&http, &base, &secret(dir.path()), transfer("FT-HUY-3", &code, 50_000)).await).await;
    let partly = payment(&http, &base, &token, &code).await;
    assert_eq!(partly.request.state, PaymentState::PartlyPaid { still_due_vnd: FEE - 50_000 });
    assert!(partly.request.vietqr.is_some(), "a code for the rest, while open");

    // Withdrawn: no code for the rest; what was paid is owed back.
    let res = common::withdraw(&http, &base, &token, code.as_str(), "Không cần nữa").await;
    assert_eq!(res.status(), StatusCode::OK);
    let p = payment(&http, &base, &token, &code).await;
    assert_eq!((p.request.state, p.request.vietqr.as_deref()), (PaymentState::Cancelled, None));
    assert_eq!((p.paid_vnd, p.refund_due_vnd), (50_000, 50_000));

    // All of it given back: the request is refunded.
    let back = refunded(refund(&http, &base, &officer, code.as_str(), 50_000, "HT-HUY-3").await).await;
    let notice = back.refund_notice.verify(&keys).expect("signed");
    assert_eq!((notice.amount_vnd, notice.reason, notice.fee_receipt), (50_000, RefundReason::Withdrawn, None));
    assert_eq!(back.payment.request.state, PaymentState::Refunded);
    assert_eq!(back.payment.refund_due_vnd, 0);
    assert_eq!(
        kinds(&documents_of(&http, &base, &token, &code).await),
        [
            "request Awaiting payment",
            "request Partly paid, 75,000 VND still due",
            CANCELLED,
            "refund",
            "request Refunded"
        ]
    );
}
}

/// Moves the deadline of `code`'s payment request, as stored, to `deadline`
/// (the column and the request it keeps): `request` as it stands, in the
/// state to store it in (a state older portals left, for one).
async fn store_request(
    config: &PortalConfig,
    code: &DossierCode,
    request: &hoso_core::payment::PaymentRequest,
    state: &str,
    deadline: chrono::DateTime<chrono::FixedOffset>,
) {
    let mut request = request.clone();
    request.deadline = deadline;
    let json = serde_json::to_string(&request).expect("json");
    common::alter_records(
        config,
        &format!(
            "UPDATE payment_requests SET deadline = {}, request = {}, state = {} WHERE dossier_code = {}",
            common::sql_text(&deadline.to_rfc3339()),
            common::sql_text(&json),
            common::sql_text(state),
            common::sql_text(code.as_str()),
        ),
    )
    .await;
}

dual! {
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_sweep_expires_a_request_past_its_deadline_and_late_money_still_pays_it(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (portal, token, config) = portal(backend, dir.path()).await;
    let (http, base) = (reqwest::Client::new(), portal.base_url().to_owned());
    let secret = secret(dir.path());
    let unpaid = file_with_fee(&http, &base, &token, "han-1", "Vũ Thị Quên").await;
    let partly = file_with_fee(&http, &base, &token, "han-2", "Vũ Văn Thiếu").await;
    let paid = file_with_fee(&http, &base, &token, "han-3", "Vũ Thị Đủ").await;
    let withdrawn = file_with_fee(&http, &base, &token, "han-4", "Vũ Văn Rút").await;
    let older = file_with_fee(&http, &base, &token, "han-5", "Vũ Thị Cũ").await;
    recorded(notify(&http, &base, &secret, transfer("FT-HAN-2", &partly, 50_000)).await).await;
    recorded(notify(&http, &base, &secret, transfer("FT-HAN-3", &paid, FEE)).await).await;
    let awaiting = payment(&http, &base, &token, &older).await.request;
    for code in [&withdrawn, &older] {
        let res = common::withdraw(&http, &base, &token, code.as_str(), "Không làm nữa").await;
        assert_eq!(res.status(), StatusCode::OK);
    }

    // Before any deadline: the sweep changes nothing.
    assert_eq!(portal.sweep_expired().await.expect("sweep").payment_requests, 0);

    // Every deadline an hour ago; one request still awaiting on a dossier
    // withdrawn, as a portal from before cancelling left it.
    let past = now_vn() - chrono::Duration::hours(1);
    for (code, state) in [(&unpaid, "awaiting"), (&partly, "partly_paid"), (&paid, "paid"), (&withdrawn, "cancelled")] {
        let request = payment(&http, &base, &token, code).await.request;
        store_request(&config, code, &request, state, past).await;
    }
    store_request(&config, &older, &awaiting, "awaiting", past).await;
    let swept = portal.sweep_expired().await.expect("sweep");
    assert_eq!(swept.payment_requests, 3, "{swept:?}");

    // Unpaid: expired, no code. Partly paid: still partly paid, what is
    // due known, no code. Paid and cancelled: as they were. The older
    // one: cancelled, not expired.
    let p = payment(&http, &base, &token, &unpaid).await;
    assert_eq!((p.request.state, p.request.vietqr.as_deref()), (PaymentState::Expired, None));
    let p = payment(&http, &base, &token, &partly).await;
    assert_eq!(p.request.state, PaymentState::PartlyPaid { still_due_vnd: FEE - 50_000 });
    assert_eq!((p.request.vietqr.as_deref(), p.paid_vnd), (None, 50_000));
    assert_eq!(payment(&http, &base, &token, &paid).await.request.state, PaymentState::Paid { late: false });
    assert_eq!(payment(&http, &base, &token, &withdrawn).await.request.state, PaymentState::Cancelled);
    let p = payment(&http, &base, &token, &older).await;
    assert_eq!((p.request.state, p.request.vietqr.as_deref()), (PaymentState::Cancelled, None));

    // Each change in the feed, once: a second sweep finds nothing to do.
    assert_eq!(portal.sweep_expired().await.expect("sweep").payment_requests, 0);
    assert_eq!(
        kinds(&documents_of(&http, &base, &token, &unpaid).await),
        ["request Awaiting payment", "request Payment deadline passed"]
    );
    let documents = documents_of(&http, &base, &token, &partly).await;
    assert_eq!(
        kinds(&documents),
        [
            "request Awaiting payment",
            "request Partly paid, 75,000 VND still due",
            "request Partly paid, 75,000 VND still due"
        ]
    );
    let DossierDocument::PaymentRequest(last) = &documents[2] else { panic!("a request") };
    assert_eq!(last.vietqr, None, "the code is gone in the feed too");
    assert_eq!(
        kinds(&documents_of(&http, &base, &token, &older).await),
        ["request Awaiting payment", CANCELLED, CANCELLED]
    );

    // Late money is taken and flagged: the expired request and the rest
    // of the partly paid one are paid late, each with its receipt.
    for (id, code, amount) in [("FT-HAN-6", &unpaid, FEE), ("FT-HAN-7", &partly, FEE - 50_000)] {
        let (status, answer) = recorded(notify(&http, &base, &secret, transfer(id, code, amount)).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(answer.settlement, Some(Settlement { balance: Balance::PaidExactly, late: true }));
        assert_eq!(answer.payment_state, Some(PaymentState::Paid { late: true }));
        assert!(answer.fee_receipt.is_some(), "{code}");
        let p = payment(&http, &base, &token, code).await;
        assert_eq!(p.request.state, PaymentState::Paid { late: true });
        assert_eq!(verified_receipt(&http, &base, &p).await.amount_vnd, FEE);
    }
    // A transfer short of the fee after the deadline: partly paid, with
    // no code for the rest.
    let short = file_with_fee(&http, &base, &token, "han-8", "Vũ Văn Muộn").await;
    let request = payment(&http, &base, &token, &short).await.request;
    store_request(&config, &short, &request, "awaiting", past).await;
    recorded(notify(&http, &base, &secret, transfer("FT-HAN-8", &short, 25_000)).await).await;
    let p = payment(&http, &base, &token, &short).await;
    assert_eq!(p.request.state, PaymentState::PartlyPaid { still_due_vnd: FEE - 25_000 });
    assert_eq!(p.request.vietqr, None);
    assert_eq!(portal.sweep_expired().await.expect("sweep").payment_requests, 0, "nothing left to change");
}
}
