//! `hoso fee`: the fee of a draft computed before filing, the payment
//! request of a filed dossier with its VietQR code, the fee receipt once
//! the practice bank paid, and each reason there is none, with its exit
//! code.

use super::{Agency, agency, filed_sample, hoso_in, json, stderr_of, stdout_of};
use hoso_core::VietQr;
use hoso_portal::PortalConfig;
use serde_json::Value;
use std::path::Path;

/// The fee of the bundled household business registration, in đồng.
pub(super) const FEE: u64 = 100_000;

/// A household business registration drafted in `profile` with its
/// values and application from `dir`; its local id.
pub(super) async fn household_draft(dir: &Path, profile: &Path, tag: &str) -> String {
    let new = json(profile, &["dossiers", "new", "dang-ky-ho-kinh-doanh"]).await;
    let id = new["id"].as_i64().expect("id").to_string();
    let values = dir.join(format!("ho-{tag}.json"));
    let fields = serde_json::json!({
        "household.name": format!("Hộ kinh doanh Ánh Dương {tag}"),
        "household.address": "12 Tràng Tiền, phường Hoàn Kiếm, Hà Nội",
        "household.phone": "0912345678",
        "household.lines": [{"code": "4711", "description": "Bán lẻ tạp hóa"}],
        "household.capital": "50000000",
        "owner.name": "Nguyễn Văn An",
        "owner.birth_date": "1985-03-02",
        "owner.sex": "male",
        "owner.citizen_id": "001085012345",
        "owner.residence": "12 Tràng Tiền, phường Hoàn Kiếm, Hà Nội",
        "family.by_family": "no"
    });
    std::fs::write(&values, serde_json::to_vec(&fields).expect("json")).expect("write");
    let application = dir.join(format!("don-{tag}.pdf"));
    let mut bytes = format!("%PDF-1.7 {tag}").into_bytes();
    bytes.resize(2_500, b'.');
    std::fs::write(&application, bytes).expect("write");
    let path = |p: &Path| p.to_str().expect("utf-8").to_owned();
    json(profile, &["dossiers", "set", &id, "--file", &path(&values)]).await;
    json(
        profile,
        &[
            "dossiers",
            "attach",
            &id,
            "application",
            &path(&application),
        ],
    )
    .await;
    id
}

/// Files dossier `id`; its code.
pub(super) async fn submit(profile: &Path, id: &str) -> String {
    let filed = json(profile, &["submit", id]).await;
    filed[0]["code"].as_str().expect("code").to_owned()
}

/// The practice bank pays what dossier `code` of `a`'s portal still owes.
pub(super) async fn pay(a: &Agency, code: &str) {
    let config = PortalConfig::practice(a.path("portal"));
    let paid = hoso_portal::practice_bank::pay(&config, code, None)
        .await
        .expect("practice bank");
    assert!(paid.answer.expect("recorded").fee_receipt.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn fee_show_computes_a_drafts_fee_then_shows_the_request_with_its_vietqr_and_fee_receipt_prints_it_paid()
 {
    let a = agency().await;
    let profile = a.path("profile");
    a.sign_in(&profile).await;
    let id = household_draft(a.dir.path(), &profile, "mot").await;

    // A draft: computed here, said to be before filing.
    let draft = json(&profile, &["fee", "show", &id]).await;
    assert_eq!(draft["computed_before_filing"], true);
    assert_eq!(draft["amount_vnd"], FEE);
    assert_eq!(draft["lines"][0]["amount_vnd"], FEE);
    let text = stdout_of(
        &hoso_in(&profile, "vi_VN.UTF-8", &["fee", "show", &id]).await,
        0,
    );
    assert!(text.contains("tính trước khi nộp"), "{text}");
    assert!(text.contains("Tổng cộng: 100.000 đ"), "{text}");
    let text = stdout_of(
        &hoso_in(&profile, "en_US.UTF-8", &["fee", "show", &id]).await,
        0,
    );
    assert!(text.contains("computed before filing"), "{text}");
    assert!(text.contains("Total: 100,000 VND"), "{text}");
    // Not filed: no receipt, exit 6.
    let why = stderr_of(
        &hoso_in(&profile, "vi_VN.UTF-8", &["fee", "receipt", &id]).await,
        6,
    );
    assert!(why.contains("chưa nộp"), "{why}");

    let code = submit(&profile, &id).await;
    let filed = json(&profile, &["fee", "show", &id]).await;
    assert_eq!(filed["computed_before_filing"], false);
    assert_eq!(filed["dossier_code"], code.as_str());
    assert_eq!(filed["amount_vnd"], FEE);
    assert_eq!(filed["paid_vnd"], 0);
    assert_eq!(filed["still_due_vnd"], FEE);
    assert_eq!(filed["state"]["kind"], "awaiting");
    assert!(filed["payee_name"].as_str().is_some_and(|n| !n.is_empty()));
    let payload = filed["vietqr"].as_str().expect("vietqr is a string");
    let qr = VietQr::parse(payload).expect("VietQR reads back");
    assert_eq!(qr.amount.map(|a| a.vnd()), Some(FEE));
    assert_eq!(
        qr.account.as_str(),
        filed["payee"]["account"].as_str().expect("account")
    );
    assert!(qr.purpose.expect("purpose").as_str().contains(&code));
    let text = stdout_of(
        &hoso_in(&profile, "vi_VN.UTF-8", &["fee", "show", &id]).await,
        0,
    );
    assert!(text.contains("Chờ thanh toán"), "{text}");
    assert!(text.contains("Còn phải nộp: 100.000 đ"), "{text}");
    assert!(text.contains("ứng dụng ngân hàng"), "{text}");
    assert!(text.lines().any(|l| l.trim() == payload), "{text}");
    let text = stdout_of(
        &hoso_in(&profile, "en_US.UTF-8", &["fee", "show", &id]).await,
        0,
    );
    assert!(text.contains("Awaiting payment"), "{text}");
    assert!(text.contains("banking app"), "{text}");

    // Not paid yet: no receipt, exit 6, the state said.
    let why = stderr_of(
        &hoso_in(&profile, "en_US.UTF-8", &["fee", "receipt", &id]).await,
        6,
    );
    assert!(why.contains("not paid in full"), "{why}");

    pay(&a, &code).await;
    let text = stdout_of(
        &hoso_in(&profile, "vi_VN.UTF-8", &["fee", "receipt", &id]).await,
        0,
    );
    assert!(text.contains("BIÊN LAI THU PHÍ, LỆ PHÍ"), "{text}");
    assert!(text.contains(&code), "{text}");
    assert!(text.contains("100.000 đ"), "{text}");
    let words = hoso_core::amount_words::in_words(FEE);
    assert!(
        text.contains(&words),
        "the amount in words, {words}: {text}"
    );
    assert!(text.contains("Chữ ký số của cổng hợp lệ"), "{text}");
    // The form is Vietnamese unless English is asked for.
    let text = stdout_of(
        &hoso_in(
            &profile,
            "C.UTF-8",
            &["--lang", "en", "fee", "receipt", &id],
        )
        .await,
        0,
    );
    assert!(text.contains("RECEIPT OF FEES AND CHARGES"), "{text}");
    let signed = json(&profile, &["fee", "receipt", &id]).await;
    let mut keys: Vec<&String> = signed.as_object().expect("object").keys().collect();
    keys.sort();
    assert_eq!(keys, ["document", "signature"]);
    assert_eq!(signed["document"]["amount_vnd"], FEE);
    let paid = json(&profile, &["fee", "show", &id]).await;
    assert_eq!(paid["state"]["kind"], "paid");
    assert_eq!(paid["paid_vnd"], FEE);
    assert_eq!(paid["still_due_vnd"], 0);
    assert_eq!(paid["vietqr"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn fee_show_and_receipt_say_when_a_dossier_owes_nothing_or_the_portal_takes_no_fees_online() {
    let a = agency().await;
    let profile = a.path("profile");
    a.sign_in(&profile).await;

    // The quality inspection charges nothing: as a draft and once filed.
    let (id, _code) = filed_sample(&a, &profile, "mien-phi").await;
    let why = stderr_of(
        &hoso_in(&profile, "vi_VN.UTF-8", &["fee", "show", &id]).await,
        6,
    );
    assert!(why.contains("không phải nộp phí"), "{why}");
    let why = stderr_of(
        &hoso_in(&profile, "en_US.UTF-8", &["fee", "receipt", &id]).await,
        6,
    );
    assert!(why.contains("owes no fee"), "{why}");
    let draft = json(&profile, &["dossiers", "new", "kiem-tra-cl-nhap-khau"]).await;
    let draft = draft["id"].as_i64().expect("id").to_string();
    let why = stderr_of(
        &hoso_in(&profile, "en_US.UTF-8", &["fee", "show", &draft]).await,
        6,
    );
    assert!(why.contains("owes no fee"), "{why}");

    // A named portal without [fees]: the fee is paid at the desk.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = PortalConfig::practice(dir.path().join("portal"));
    config.name = hoso_core::Bilingual::new("Sở Kế hoạch thử", "Trial Planning Department");
    let named = hoso_portal::start(config).await.expect("named portal");
    let token = named
        .issue_token("cty-anh-duong", "Công ty Ánh Dương")
        .await
        .expect("token");
    let other = dir.path().join("profile");
    json(
        &other,
        &["portals", "add", named.base_url(), "--token", &token],
    )
    .await;
    let id = household_draft(dir.path(), &other, "tai-quay").await;
    submit(&other, &id).await;
    let why = stderr_of(
        &hoso_in(&other, "vi_VN.UTF-8", &["fee", "show", &id]).await,
        6,
    );
    assert!(why.contains("không thu phí trực tuyến"), "{why}");
    let why = stderr_of(
        &hoso_in(&other, "en_US.UTF-8", &["fee", "receipt", &id]).await,
        6,
    );
    assert!(why.contains("takes no fees online"), "{why}");
}
