//! Fees reach the profile through the practice portal's feed: a filed
//! dossier's payment request within one sync, its fee receipt within one
//! sync of the payment, verified and kept; a profile that missed the
//! feed asks for it on demand; a receipt altered at the portal is refused
//! and never kept.

use crate::{World, pattern_file, sign_in};
use hoso_client::fees::{DossierFee, FeeUnavailable};
use hoso_client::{Client, ClientError};
use hoso_core::payment::PaymentState;
use hoso_core::{AttachedDocument, DossierContent, VietQr};
use hoso_portal::PortalConfig;
use std::path::Path;

/// The fee of the bundled household business registration, in đồng.
pub(crate) const FEE: u64 = 100_000;

/// A complete household business registration (which charges
/// [`FEE`]), with its application imported from `dir`.
async fn household(dir: &Path, client: &Client, tag: &str) -> DossierContent {
    let mut d: DossierContent = serde_json::from_value(serde_json::json!({
        "procedure": "dang-ky-ho-kinh-doanh",
        "version": "2025.07",
        "fields": {
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
        }
    }))
    .expect("household dossier");
    let path = pattern_file(dir, &format!("don-{tag}.pdf"), 3_000);
    let entry = client.import_attachment(&path).await.expect("import");
    d.documents.push(AttachedDocument {
        slot: "application".into(),
        name: entry.name,
        size: entry.size,
        sha256: entry.sha256,
    });
    d
}

/// A household registration saved as a draft in `world`; its local id.
pub(crate) async fn household_draft(world: &World, tag: &str) -> i64 {
    let procedure = world
        .client
        .procedures(&world.record)
        .await
        .expect("catalog")
        .into_iter()
        .find(|p| p.code.as_str() == "dang-ky-ho-kinh-doanh")
        .expect("household registration in the catalog");
    let content = household(world.dir.path(), &world.client, tag).await;
    world.draft_of(&procedure, content).await
}

/// Files draft `id`; its code.
pub(crate) async fn filed(world: &World, id: i64) -> String {
    world
        .client
        .submit_dossier(&world.record, id)
        .await
        .expect("filed")
        .receipt
        .dossier_code
        .to_string()
}

/// The practice bank pays what dossier `code` still owes.
pub(crate) async fn pay(world: &World, code: &str) {
    let config = PortalConfig::practice(world.portal_dir());
    let paid = hoso_portal::practice_bank::pay(&config, code, None)
        .await
        .expect("practice bank");
    let answer = paid.answer.expect("transfer recorded");
    assert!(answer.fee_receipt.is_some(), "the fee is paid: {answer:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fee_is_asked_within_one_sync_and_its_receipt_arrives_verified_within_one_sync_of_payment()
 {
    let world = World::new().await;
    let id = household_draft(&world, "mot").await;

    // Before filing: the figure hoso-core computes, which the portal asks.
    match world.client.dossier_fee(&world.record, id, true).await {
        Ok(DossierFee::Computed(fee)) => assert_eq!(fee.amount_vnd, FEE),
        other => panic!("a draft's fee is computed: {other:?}"),
    }
    assert!(matches!(
        world
            .client
            .dossier_fee_receipt(&world.record, id, true)
            .await,
        Err(ClientError::FeeUnavailable(FeeUnavailable::NotFiled))
    ));

    let code = filed(&world, id).await;
    let report = world.client.sync_status(&world.record).await.expect("sync");
    assert!(report.new_documents >= 1, "{report:?}");
    assert!(report.refused.is_empty(), "{report:?}");
    let request = world
        .client
        .payment_request(&world.record, &code)
        .await
        .expect("read")
        .expect("the payment request arrived with one sync");
    assert_eq!(request.amount_vnd, FEE);
    assert_eq!(request.state, PaymentState::Awaiting);
    let qr = VietQr::parse(request.vietqr.as_deref().expect("a code to scan")).expect("VietQR");
    assert_eq!(qr.amount.map(|a| a.vnd()), Some(FEE));
    assert!(
        qr.purpose.expect("purpose").as_str().contains(&code),
        "the purpose carries the dossier code"
    );
    match world
        .client
        .dossier_fee_receipt(&world.record, id, false)
        .await
    {
        Err(ClientError::FeeUnavailable(FeeUnavailable::NotPaid(PaymentState::Awaiting))) => {}
        other => panic!("no receipt before payment: {other:?}"),
    }

    pay(&world, &code).await;
    let report = world.client.sync_status(&world.record).await.expect("sync");
    assert!(report.refused.is_empty(), "{report:?}");
    let kept = world
        .client
        .fee_receipt(&world.record, &code)
        .await
        .expect("read")
        .expect("the fee receipt arrived with one sync");
    assert_eq!(kept.receipt.amount_vnd, FEE);
    assert_eq!(kept.receipt.dossier_code.as_str(), code);
    assert_eq!(
        kept.receipt.amount_in_words,
        hoso_core::amount_words::in_words(FEE)
    );
    assert_eq!(kept.receipt.key_id, world.record.key.fingerprint());
    let paid = world
        .client
        .payment_request(&world.record, &code)
        .await
        .expect("read")
        .expect("request");
    assert!(
        matches!(paid.state, PaymentState::Paid { late: false }),
        "{paid:?}"
    );
    assert_eq!(paid.vietqr, None, "nothing left to scan");
    let by_id = world
        .client
        .dossier_fee_receipt(&world.record, id, false)
        .await
        .expect("kept offline");
    assert_eq!(by_id, kept);

    // Another profile of the same applicant, which never read the feed,
    // asks on demand and keeps the same receipt.
    let other = Client::open(&world.dir.path().join("other"))
        .await
        .expect("profile");
    let record = sign_in(&world.portal, &other).await;
    assert_eq!(other.fee_receipt(&record, &code).await.expect("read"), None);
    let status = other.fetch_payment(&record, &code).await.expect("payment");
    assert_eq!(status.paid_vnd, FEE);
    let fetched = other
        .fee_receipt(&record, &code)
        .await
        .expect("read")
        .expect("kept on demand");
    assert_eq!(fetched.signed, kept.signed);

    // The package carries the receipt to a profile that never asked.
    let package = world.dir.path().join("ho-kinh-doanh.hoso");
    world
        .client
        .export_package(id, &package)
        .await
        .expect("exported");
    let third = Client::open(&world.dir.path().join("third"))
        .await
        .expect("profile");
    let record = sign_in(&world.portal, &third).await;
    let imported = third
        .import_package(&record, &package)
        .await
        .expect("imported");
    let carried = third
        .dossier_fee_receipt(&record, imported.id, false)
        .await
        .expect("the fee receipt came in the package, verified");
    assert_eq!(carried.signed, kept.signed);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_package_whose_fee_receipt_was_altered_is_refused_whole() {
    let world = World::new().await;
    let id = household_draft(&world, "goi").await;
    let code = filed(&world, id).await;
    pay(&world, &code).await;
    world.client.sync_status(&world.record).await.expect("sync");
    let package = world.dir.path().join("goi.hoso");
    world
        .client
        .export_package(id, &package)
        .await
        .expect("exported");

    // The manifest's fee receipt says less was paid; everything else as
    // written.
    let altered = world.dir.path().join("goi-sua.hoso");
    let written =
        hoso_package::Package::open(std::fs::File::open(&package).expect("open")).expect("package");
    let mut manifest = written.manifest().clone();
    let fee = manifest
        .filed
        .as_mut()
        .and_then(|f| f.fee_receipt.as_mut())
        .expect("the package carries the fee receipt");
    assert_eq!(fee.document["amount_vnd"], FEE);
    fee.document["amount_vnd"] = serde_json::json!(10_000);
    hoso_package::write(
        std::fs::File::create(&altered).expect("create"),
        &manifest,
        |sha| std::fs::File::open(world.client.document_path(sha)),
    )
    .expect("written");
    let other = Client::open(&world.dir.path().join("other"))
        .await
        .expect("profile");
    let record = sign_in(&world.portal, &other).await;
    match other.import_package(&record, &altered).await {
        Err(e @ ClientError::Untrusted(_)) => {
            assert_eq!(e.code(), hoso_client::error::ErrorCode::Untrusted)
        }
        other => panic!("an altered fee receipt refuses the package: {other:?}"),
    }
    assert_eq!(other.fee_receipt(&record, &code).await.expect("read"), None);
    assert!(
        other
            .dossiers(Default::default())
            .await
            .expect("list")
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fee_receipt_altered_at_the_portal_is_refused_and_never_kept() {
    let world = World::new().await;
    let id = household_draft(&world, "hai").await;
    let code = filed(&world, id).await;
    world.client.sync_status(&world.record).await.expect("sync");
    pay(&world, &code).await;

    // The receipt's amount changed after it was signed, in the feed and in
    // the payment answer alike.
    let db = rusqlite::Connection::open(world.portal_dir().join("portal.sqlite3"))
        .expect("portal database");
    let altered = db
        .execute(
            "UPDATE feed_documents SET document = json_set(document, '$.document.amount_vnd', 10000)
             WHERE kind = 'fee_receipt'",
            [],
        )
        .expect("alter the feed")
        + db.execute(
            "UPDATE fee_receipts SET receipt = json_set(receipt, '$.document.amount_vnd', 10000)",
            [],
        )
        .expect("alter the receipt");
    assert_eq!(altered, 2);
    drop(db);

    let report = world.client.sync_status(&world.record).await.expect("sync");
    assert_eq!(report.refused.len(), 1, "{report:?}");
    assert_eq!(report.refused[0].code, code);
    assert_eq!(report.refused[0].kind, "fee_receipt");
    assert_eq!(
        world
            .client
            .fee_receipt(&world.record, &code)
            .await
            .expect("read"),
        None,
        "a receipt that does not verify is never kept"
    );
    // The request itself is kept (unsigned, it says only what to pay).
    assert!(
        world
            .client
            .payment_request(&world.record, &code)
            .await
            .expect("read")
            .is_some()
    );
    // Asked on demand, the same receipt is refused again.
    match world
        .client
        .dossier_fee_receipt(&world.record, id, true)
        .await
    {
        Err(e @ ClientError::Untrusted(_)) => {
            assert_eq!(e.code(), hoso_client::error::ErrorCode::Untrusted)
        }
        other => panic!("an altered receipt is refused: {other:?}"),
    }
    assert_eq!(
        world
            .client
            .fee_receipt(&world.record, &code)
            .await
            .expect("read"),
        None
    );
}
