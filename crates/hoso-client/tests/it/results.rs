//! After filing, at the applicant's hand: a dossier withdrawn (and its fee
//! refunded with a signed notice), and a result received electronically:
//! downloaded into the library, resumed after a break, refused when a
//! document or the notice is not what the portal signed, and the dossier
//! completed once it is received.

use crate::World;
use crate::fees::{FEE, filed, household_draft, pay};
use hoso_client::ClientError;
use hoso_core::refund::RefundReason;
use hoso_core::result_notice::{Mismatch, ResultError};
use hoso_core::status::Status;
use hoso_core::wire::Transition;
use hoso_core::{Sha256Digest, payment::PaymentState};
use std::path::PathBuf;

/// An officer of `world`'s portal.
async fn officer(world: &World) -> String {
    world
        .portal
        .issue_officer_token("can-bo-1", "Cán bộ một cửa")
        .await
        .expect("officer token")
}

/// The officer sends `body` with `method` to `path` of the portal; its
/// answer, which must succeed.
async fn as_officer(
    world: &World,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: reqwest::Body,
) -> reqwest::Response {
    let res = reqwest::Client::new()
        .request(method, format!("{}{path}", world.portal.base_url()))
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .expect("officer request");
    assert!(
        res.status().is_success(),
        "{path}: {} {}",
        res.status(),
        res.text().await.unwrap_or_default()
    );
    res
}

/// The officer moves dossier `code` through `states`.
async fn moves(world: &World, token: &str, code: &str, states: &[Status]) {
    for to in states {
        let change = Transition {
            to: *to,
            note: "Đã xem xét".into(),
            request: None,
        };
        as_officer(
            world,
            token,
            reqwest::Method::POST,
            &format!("/v1/officer/dossiers/{code}/status"),
            serde_json::to_vec(&change).expect("json").into(),
        )
        .await;
    }
}

/// The state this profile knows dossier `code` is in.
pub(crate) async fn state(world: &World, code: &str) -> Status {
    world
        .client
        .dossier_status(&world.record, code)
        .await
        .expect("read")
        .expect("tracked")
        .status
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paid_dossier_withdrawn_is_refunded_with_a_signed_notice_the_profile_keeps() {
    let world = World::new().await;
    let id = household_draft(&world, "rut").await;
    let code = filed(&world, id).await;
    world.client.sync_status(&world.record).await.expect("sync");
    pay(&world, &code).await;

    // A reason is required: refused here, before the portal is asked.
    match world.client.withdraw(id, "  ").await {
        Err(ClientError::Invalid(problems)) => {
            assert!(problems[0].message.vi.contains("lý do"), "{problems:?}")
        }
        other => panic!("a withdrawal without a reason is refused: {other:?}"),
    }
    assert_eq!(state(&world, &code).await, Status::Received);

    world
        .client
        .withdraw(id, "Nộp nhầm thủ tục")
        .await
        .expect("withdrawn");
    assert_eq!(state(&world, &code).await, Status::Withdrawn);
    // Said again: nothing changes, no error.
    world
        .client
        .withdraw(id, "Nộp nhầm thủ tục")
        .await
        .expect("withdrawn once");

    // The officer gives the fee back; the notice arrives with one sync.
    let token = officer(&world).await;
    as_officer(
        &world,
        &token,
        reqwest::Method::POST,
        &format!("/v1/officer/dossiers/{code}/refunds"),
        serde_json::to_vec(&serde_json::json!({
            "amount_vnd": FEE,
            "bank_reference": "FT26339000123"
        }))
        .expect("json")
        .into(),
    )
    .await;
    let report = world.client.sync_status(&world.record).await.expect("sync");
    assert!(report.refused.is_empty(), "{report:?}");
    let refund = hoso_client::refunds::kept(&world.client, &world.record, &code)
        .await
        .expect("read")
        .expect("the refund notice arrived with one sync, verified")
        .notice;
    assert_eq!(refund.amount_vnd, FEE);
    assert_eq!(refund.reason, RefundReason::Withdrawn);
    let request = world
        .client
        .payment_request(&world.record, &code)
        .await
        .expect("read")
        .expect("request");
    assert_eq!(request.state, PaymentState::Refunded);
    let row = world
        .client
        .report()
        .await
        .expect("report")
        .into_iter()
        .find(|r| r.code == code)
        .expect("the dossier in the report");
    let fee = row.fee.expect("a fee");
    assert_eq!((fee.paid_vnd, fee.refunded_vnd, fee.due_vnd), (FEE, FEE, 0));

    // Past examination, a withdrawal is the portal's to refuse, by name.
    let other = household_draft(&world, "xet").await;
    let other_code = filed(&world, other).await;
    moves(
        &world,
        &token,
        &other_code,
        &[Status::Accepted, Status::Processing],
    )
    .await;
    match world.client.withdraw(other, "Đổi ý").await {
        Err(ClientError::Portal(p)) => assert!(
            p.message.vi.contains(&Status::Processing.label().vi),
            "{p:?}"
        ),
        other => panic!("a dossier under examination cannot be withdrawn: {other:?}"),
    }
}

/// A document of `len` bytes whose content is its offsets.
fn document(len: usize, salt: u8) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 ^ salt).collect()
}

/// Files a household registration, pays it, and has the officer issue
/// `documents` as its result; (local id, code).
pub(crate) async fn issued(world: &World, tag: &str, documents: &[(&str, &[u8])]) -> (i64, String) {
    let id = household_draft(world, tag).await;
    let code = filed(world, id).await;
    world.client.sync_status(&world.record).await.expect("sync");
    pay(world, &code).await;
    let token = officer(world).await;
    moves(
        world,
        &token,
        &code,
        &[Status::Accepted, Status::Processing],
    )
    .await;
    for (name, bytes) in documents {
        let name = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
        as_officer(
            world,
            &token,
            reqwest::Method::PUT,
            &format!("/v1/officer/dossiers/{code}/results/{name}"),
            bytes.to_vec().into(),
        )
        .await;
    }
    moves(world, &token, &code, &[Status::ResultReady]).await;
    (id, code)
}

/// Where the profile keeps a download of `sha256` under way.
fn partial(world: &World, sha256: &Sha256Digest) -> PathBuf {
    world
        .dir
        .path()
        .join("profile/library/partial")
        .join(format!("{}.part", sha256.to_hex()))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_result_is_resumed_checked_against_its_notice_and_completes_the_dossier() {
    let world = World::new().await;
    let licence = document(2 * 1024 * 1024 + 17, 0);
    let letter = document(40_000, 7);
    let (id, code) = issued(
        &world,
        "kq",
        &[
            ("Giấy chứng nhận đăng ký hộ kinh doanh.pdf", &licence),
            ("Thư thông báo.pdf", &letter),
        ],
    )
    .await;
    world.client.sync_status(&world.record).await.expect("sync");
    assert_eq!(state(&world, &code).await, Status::ResultReady);
    assert_eq!(world.client.result(id).await.expect("read"), None);

    // A download cut off after its first mebibyte left a partial file.
    let licence_sha = Sha256Digest::of(&licence);
    let part = partial(&world, &licence_sha);
    std::fs::create_dir_all(part.parent().expect("folder")).expect("folder");
    std::fs::write(&part, &licence[..1024 * 1024]).expect("partial");

    let mut first = None;
    let to = world.dir.path().join("ket-qua");
    let got = world
        .client
        .download_result(id, Some(&to), |p| {
            first.get_or_insert(p.done);
        })
        .await
        .expect("the result, verified");
    assert!(
        first.expect("progress") > 1024 * 1024,
        "the download went on from the partial file, not from nothing: {first:?}"
    );
    assert!(
        !part.exists(),
        "the partial file was taken into the library"
    );
    assert_eq!(got.documents.len(), 2);
    assert_eq!(got.notice.dossier_code.as_str(), code);
    assert_eq!(
        std::fs::read(to.join("Giấy chứng nhận đăng ký hộ kinh doanh.pdf")).expect("copied"),
        licence
    );
    assert_eq!(
        std::fs::read(to.join("Thư thông báo.pdf")).expect("copied"),
        letter
    );
    assert_eq!(
        std::fs::read(&got.paths[0]).expect("in the library"),
        licence
    );
    assert_eq!(state(&world, &code).await, Status::Completed);
    assert_eq!(
        world.client.result(id).await.expect("read"),
        Some(got),
        "the result is here, whole and verified"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_result_document_or_notice_not_as_signed_is_refused_and_never_kept() {
    let world = World::new().await;
    let paper = document(300_000, 3);
    let (id, code) = issued(&world, "sai", &[("Kết quả.pdf", &paper)]).await;
    world.client.sync_status(&world.record).await.expect("sync");
    let sha = Sha256Digest::of(&paper);

    // A partial file whose bytes are not the document's: the whole file
    // does not hash as signed, is refused by name, and is not kept.
    let part = partial(&world, &sha);
    std::fs::create_dir_all(part.parent().expect("folder")).expect("folder");
    std::fs::write(&part, vec![0xA5; 100_000]).expect("partial");
    match world.client.download_result(id, None, |_| {}).await {
        Err(e @ ClientError::ResultRefused(ResultError::Documents(_))) => {
            let ClientError::ResultRefused(ResultError::Documents(m)) = &e else {
                unreachable!()
            };
            assert!(
                matches!(&m[..], [Mismatch::Hash { name, .. }] if name == "Kết quả.pdf"),
                "{m:?}"
            );
            assert_eq!(e.code(), hoso_client::error::ErrorCode::Untrusted);
            assert!(e.message().vi.contains("Kết quả.pdf"), "{}", e.message().vi);
        }
        other => panic!("a document that is not as signed is refused: {other:?}"),
    }
    assert!(!part.exists(), "a refused download is not kept to resume");
    assert_eq!(world.client.result(id).await.expect("read"), None);
    assert_eq!(state(&world, &code).await, Status::ResultReady);

    // Downloaded again from nothing: the real document verifies.
    world
        .client
        .download_result(id, None, |_| {})
        .await
        .expect("verified on a fresh download");
    assert_eq!(state(&world, &code).await, Status::Completed);

    // A notice changed by one byte after it was signed is refused at the
    // next sync and never kept.
    let (other, other_code) = issued(&world, "doi", &[("Kết quả 2.pdf", &paper)]).await;
    let db = rusqlite::Connection::open(world.portal_dir().join("portal.sqlite3"))
        .expect("portal database");
    let altered = db
        .execute(
            "UPDATE feed_documents SET document = json_set(document, '$.document.documents[0].size', 300001)
             WHERE kind = 'result_notice' AND dossier_code = ?1",
            [&other_code],
        )
        .expect("alter the notice");
    assert_eq!(altered, 1);
    drop(db);
    let report = world.client.sync_status(&world.record).await.expect("sync");
    assert_eq!(report.refused.len(), 1, "{report:?}");
    assert_eq!(report.refused[0].kind, "result_notice");
    match world.client.download_result(other, None, |_| {}).await {
        Err(ClientError::NotFound(_)) => {}
        other => panic!("no trusted notice, no result: {other:?}"),
    }
    assert_eq!(state(&world, &other_code).await, Status::ResultReady);
}
