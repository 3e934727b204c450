//! Rotating the receipt key: receipts signed before still verify with the
//! retired key, which discovery keeps publishing; new receipts name the
//! new key.

mod common;

use common::{dual, file};
use hoso_core::receipt::{PortalKey, ReceiptError};
use hoso_core::wire::Discovery;

async fn discovery(http: &reqwest::Client, base: &str) -> Discovery {
    http.get(format!("{base}/.well-known/hoso"))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("JSON")
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn receipts_signed_before_a_rotation_still_verify_with_the_published_old_key(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let http = reqwest::Client::new();
    let config = backend.configure(common::with_notice(dir.path())).await;

    let (first, token) = common::start(config.clone(), "cty-mot-lan", "Công ty Một Lần").await;
    let base = first.base_url().to_owned();
    let before = discovery(&http, &base).await;
    assert!(before.previous_keys.is_empty());
    let old_receipt = file(&http, &base, &token, "truoc-khi-doi", "Lê Văn Trước")
        .await
        .receipt;
    first.stop().await;

    let (old_id, new_id) = hoso_portal::rotate_key(&config).expect("rotate");
    assert_eq!(old_id, before.key_id);
    assert_ne!(new_id, old_id);

    let (second, token) = common::start(config, "cty-mot-lan", "Công ty Một Lần").await;
    let base = second.base_url().to_owned();
    let after = discovery(&http, &base).await;
    assert_eq!(after.key_id, new_id);
    assert_eq!(after.previous_keys.len(), 1);
    assert_eq!(after.previous_keys[0].key_id, old_id);

    // The old receipt: the retired key verifies it, the new one does not
    // pretend to.
    let retired = PortalKey::from_base64(&after.previous_keys[0].key).expect("old key");
    let current = PortalKey::from_base64(&after.receipt_key).expect("new key");
    assert!(old_receipt.verify(&retired).is_ok());
    assert!(matches!(
        old_receipt.verify(&current),
        Err(ReceiptError::OtherKey { .. })
    ));
    // A new receipt is signed with the new key.
    let new_receipt = file(&http, &base, &token, "sau-khi-doi", "Lê Văn Sau")
        .await
        .receipt;
    assert_eq!(new_receipt.receipt["key_id"], new_id.as_str());
    assert!(new_receipt.verify(&current).is_ok());
    assert!(new_receipt.verify(&retired).is_err());
}
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn replicas_naming_one_key_file_sign_with_it_and_rotate_together(backend: Backend) {
    let shared = tempfile::tempdir().expect("key folder");
    let (one, two) = (
        tempfile::tempdir().expect("first data folder"),
        tempfile::tempdir().expect("second data folder"),
    );
    let http = reqwest::Client::new();
    let mut configs = Vec::new();
    for dir in [&one, &two] {
        let mut config = backend.configure(common::with_notice(dir.path())).await;
        config.receipt_key_file = Some(shared.path().join("receipt-key.ed25519"));
        config.retired_keys_file = Some(shared.path().join("retired.json"));
        configs.push(config);
    }
    let (first, _) = common::start(configs[0].clone(), "cty-a", "Công ty A").await;
    let (second, _) = common::start(configs[1].clone(), "cty-b", "Công ty B").await;
    let (a, b) = (
        discovery(&http, first.base_url()).await,
        discovery(&http, second.base_url()).await,
    );
    assert_eq!(a.key_id, b.key_id, "one key for both");
    assert!(shared.path().join("receipt-key.ed25519").exists());
    assert!(!one.path().join("receipt-key.ed25519").exists());
    first.stop().await;
    second.stop().await;

    let (old_id, new_id) = hoso_portal::rotate_key(&configs[1]).expect("rotate");
    assert_eq!(old_id, a.key_id);
    let (first, _) = common::start(configs[0].clone(), "cty-a", "Công ty A").await;
    let after = discovery(&http, first.base_url()).await;
    assert_eq!(after.key_id, new_id, "the other replica signs with the new key");
    assert_eq!(after.previous_keys[0].key_id, old_id);
}
}
