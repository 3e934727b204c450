//! One sending per dossier: a second Submit joins the first and gets the
//! same receipt; a paused sending keeps what it uploaded, waits in the
//! outbox untouched, and finishes when continued.

use crate::World;
use hoso_client::ClientError;
use hoso_client::tus::UploadSettings;
use hoso_core::DossierState;
use hoso_portal::inspect::Inspector;
use std::time::Duration;

/// A saved draft of the sample dossier with a `len`-byte certificate.
async fn draft(w: &World, len: usize) -> i64 {
    let file = w.file("chung-nhan.pdf", len);
    let content = w.dossier(&file).await;
    w.draft(content).await
}

fn filed_on_portal(w: &World) -> usize {
    Inspector::open(&w.portal_dir())
        .expect("portal data")
        .dossiers()
        .expect("dossiers")
        .len()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_submits_at_once_file_one_dossier_with_one_receipt() {
    let w = World::new().await;
    let id = draft(&w, 3_000_000).await;
    let (a, b) = (w.client.clone(), w.client.clone());
    let (record_a, record_b) = (w.record.clone(), w.record.clone());
    let first = tokio::spawn(async move { a.submit_dossier(&record_a, id).await });
    let second = tokio::spawn(async move { b.submit_dossier(&record_b, id).await });
    let first = first.await.expect("task").expect("first submit");
    let second = second.await.expect("task").expect("second submit");
    assert_eq!(first.receipt.dossier_code, second.receipt.dossier_code);
    assert_eq!(first.receipt_sha256, second.receipt_sha256);
    assert_eq!(filed_on_portal(&w), 1);
    // And once more after the fact: the stored receipt, nothing sent.
    let third = w.client.submit_dossier(&w.record, id).await.expect("third");
    assert_eq!(third.receipt.dossier_code, first.receipt.dossier_code);
    let kept = w.client.receipt(&w.record, id).await.expect("receipt");
    assert_eq!(kept.receipt_sha256, first.receipt_sha256);
    assert_eq!(filed_on_portal(&w), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_sending_keeps_its_bytes_waits_and_finishes_when_continued() {
    let w = World::new().await;
    let id = draft(&w, 4 * 1024 * 1024).await;
    let mut slow = w.client.clone();
    slow.set_upload_settings(UploadSettings {
        bandwidth_cap: Some(1024 * 1024),
        ..UploadSettings::default()
    });
    let record = w.record.clone();
    let sending = {
        let slow = slow.clone();
        tokio::spawn(async move { slow.submit_dossier(&record, id).await })
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    w.client.pause_sending(id).await.expect("pause");
    let err = sending.await.expect("task").expect_err("paused");
    assert!(matches!(err, ClientError::Paused), "{err}");

    // Paused: in the outbox, marked, and left alone by the outbox run.
    let outbox = w.client.outbox().await.expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert!(outbox[0].paused);
    assert_eq!(outbox[0].state, DossierState::Submitting);
    assert!(
        w.client
            .send_outbox(&w.record)
            .await
            .expect("outbox run")
            .is_empty()
    );
    assert_eq!(filed_on_portal(&w), 0);
    let store =
        rusqlite::Connection::open(w.dir.path().join("profile").join(hoso_client::STORE_FILE))
            .expect("store");
    let kept: i64 = store
        .query_row("SELECT MAX(confirmed) FROM tus_uploads", [], |r| r.get(0))
        .expect("uploads");
    assert!(kept > 0, "the bytes confirmed before the pause are kept");

    // Continued: it resumes from there and is filed once.
    let done = slow.submit_dossier(&w.record, id).await.expect("continued");
    assert_eq!(done.local_id, id);
    let record = w.client.dossier(id).await.expect("dossier");
    assert_eq!(record.summary.state, DossierState::Submitted);
    assert!(!record.summary.paused);
    assert_eq!(filed_on_portal(&w), 1);
}

#[tokio::test]
async fn continuing_sendings_at_start_is_on_until_turned_off_and_remembered() {
    let w = World::new().await;
    assert!(w.client.continue_at_start().await.expect("read"));
    w.client.set_continue_at_start(false).await.expect("write");
    let reopened = hoso_client::Client::open(&w.dir.path().join("profile"))
        .await
        .expect("reopen");
    assert!(!reopened.continue_at_start().await.expect("read again"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_dossier_from_a_second_computer_gets_the_first_receipt() {
    let w = World::new().await;
    let id = draft(&w, 200_000).await;
    let first = w.client.submit_dossier(&w.record, id).await.expect("filed");
    // A colleague's computer: its own profile, the same applicant account,
    // the same dossier content and documents (as carried over on a stick).
    let other = hoso_client::Client::open(&w.dir.path().join("second-computer"))
        .await
        .expect("second profile");
    let record = other
        .add_portal(
            w.portal.base_url(),
            hoso_client::AddPortal {
                token: w.record.token.clone(),
                practice: false,
            },
        )
        .await
        .expect("portal added");
    other.procedures(&record).await.expect("catalog");
    let content = w.client.dossier(id).await.expect("dossier").content;
    let stick = w.dir.path().join("usb-stick");
    std::fs::create_dir_all(&stick).expect("stick");
    for doc in &content.documents {
        let path = stick.join(&doc.name);
        std::fs::copy(w.client.document_path(&doc.sha256), &path).expect("carried over");
        other.import_attachment(&path).await.expect("import");
    }
    let again = other
        .submit(&record, content)
        .await
        .expect("second computer");
    assert!(again.existing, "the portal says it had it already");
    assert!(!again.shown_instead, "this computer had no record of it");
    assert_eq!(again.receipt.dossier_code, first.receipt.dossier_code);
    assert_eq!(filed_on_portal(&w), 1);
}
