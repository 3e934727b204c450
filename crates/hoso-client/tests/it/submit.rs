//! The whole path from a dossier on this computer to a verified receipt.

use crate::World;
use hoso_client::{AddPortal, ClientError};
use hoso_core::Sha256Digest;
use hoso_portal::inspect::Inspector;

#[tokio::test]
async fn a_dossier_with_a_multi_chunk_file_is_filed_once_and_stored_byte_for_byte() {
    let w = World::new().await;
    // Several chunks (the first is 1 MiB), not a multiple of a piece.
    let len = 3 * 1024 * 1024 + 12_345;
    let file = w.file("giấy chứng nhận hợp quy.pdf", len);
    let original = Sha256Digest::of(&std::fs::read(&file).expect("read"));
    let dossier = w.dossier(&file).await;

    let done = w
        .client
        .submit(&w.record, dossier)
        .await
        .expect("submitted");
    assert!(!done.existing);
    assert_eq!(done.verified_with, w.portal.receipt_key().fingerprint());
    assert_eq!(done.receipt.documents.len(), 8);
    let certificate = done
        .receipt
        .documents
        .iter()
        .find(|d| d.slot == "quality_certificate")
        .expect("certificate on the receipt");
    assert_eq!(certificate.sha256, original);
    assert_eq!(certificate.size, len as u64);
    assert_eq!(
        done.receipt.applicant.name,
        "Công ty TNHH Thiết bị Điện Ánh Dương"
    );
    assert_eq!(
        done.receipt.received_at.offset().local_minus_utc(),
        7 * 3600
    );
    assert!(done.receipt.appointment_date > done.receipt.received_at.date_naive());

    let stored = Inspector::open(&w.portal_dir())
        .expect("inspect")
        .dossiers()
        .expect("dossiers");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].code, done.receipt.dossier_code.as_str());
    assert_eq!(stored[0].documents.len(), 8);
    for doc in &stored[0].documents {
        let on_portal = Sha256Digest::of(&std::fs::read(&doc.path).expect("stored file"));
        assert_eq!(on_portal.to_string(), doc.sha256, "{}", doc.path.display());
    }
    assert!(
        stored[0]
            .documents
            .iter()
            .any(|d| d.sha256 == original.to_string())
    );
}

#[tokio::test]
async fn a_dossier_with_an_empty_document_is_filed() {
    let w = World::new().await;
    let file = w.file("giấy chứng nhận rỗng.pdf", 0);
    let dossier = w.dossier(&file).await;
    let done = w
        .client
        .submit(&w.record, dossier)
        .await
        .expect("an empty document is filed, not refused as a hash mismatch");
    let certificate = done
        .receipt
        .documents
        .iter()
        .find(|d| d.slot == "quality_certificate")
        .expect("certificate on the receipt");
    assert_eq!(certificate.size, 0);
    assert_eq!(certificate.sha256, Sha256Digest::of(b""));
}

#[tokio::test]
async fn submitting_the_same_content_again_returns_the_first_receipt() {
    let w = World::new().await;
    let file = w.file("cn.pdf", 50_000);
    let first = w
        .client
        .submit(&w.record, w.dossier(&file).await)
        .await
        .expect("first");
    let again = w
        .client
        .submit(&w.record, w.dossier(&file).await)
        .await
        .expect("again");
    assert!(
        again.existing,
        "the second answer must say it is an earlier filing"
    );
    assert_eq!(again.receipt.dossier_code, first.receipt.dossier_code);
    // Known on this computer already: nothing was sent, the new draft stays
    // a draft, and the receipt shown is the first dossier's.
    assert!(again.shown_instead);
    assert_eq!(again.local_id, first.local_id);
    let drafts = w
        .client
        .dossiers(hoso_core::DossierQuery {
            state: Some(hoso_core::DossierState::Draft),
            ..hoso_core::DossierQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(drafts.len(), 1);
    let stored = Inspector::open(&w.portal_dir())
        .expect("inspect")
        .dossiers()
        .expect("dossiers");
    assert_eq!(stored.len(), 1);
}

#[tokio::test]
async fn a_quota_refusal_says_which_quota_and_what_is_left_and_keeps_the_dossier() {
    let dir = tempfile::tempdir().expect("temp dir");
    let client = hoso_client::Client::open(&dir.path().join("profile"))
        .await
        .expect("profile");
    let mut config = hoso_portal::PortalConfig::practice(dir.path().join("portal"));
    config.quotas.unfinished_bytes = 2 * 1024 * 1024;
    let portal = hoso_portal::start(config).await.expect("portal");
    let record = crate::sign_in(&portal, &client).await;
    let procedure = crate::quality_inspection(&client, &record).await;
    let big = crate::pattern_file(dir.path(), "chứng nhận lớn.pdf", 3 * 1024 * 1024);
    let dossier = crate::sample_dossier(dir.path(), &client, &procedure, &big).await;
    let err = client
        .submit(&record, dossier.clone())
        .await
        .expect_err("beyond the quota");
    let ClientError::Portal(problem) = &err else {
        panic!("not the portal's refusal: {err:?}");
    };
    assert_eq!(problem.code, "quota_unfinished_bytes");
    let quota = problem.quota.as_ref().expect("the quota named");
    assert_eq!(quota.limit, 2 * 1024 * 1024);
    assert!(problem.message.vi.contains("còn"), "{}", problem.message.vi);
    assert!(
        problem.message.en.contains("left"),
        "{}",
        problem.message.en
    );
    // Nothing filed, nothing lost: the dossier waits on this computer.
    assert!(
        Inspector::open(&dir.path().join("portal"))
            .expect("inspect")
            .dossiers()
            .expect("dossiers")
            .is_empty()
    );
    let waiting = client
        .dossiers(hoso_core::DossierQuery::default())
        .await
        .expect("list");
    assert_eq!(waiting.len(), 1, "the dossier is kept");
}

#[tokio::test]
async fn an_invalid_dossier_is_refused_before_anything_is_sent() {
    let w = World::new().await;
    let file = w.file("cn.exe", 1000);
    let mut dossier = w.dossier(&file).await;
    dossier.set("importer.tax_code", "0100233489");
    let err = w
        .client
        .submit(&w.record, dossier)
        .await
        .expect_err("invalid accepted");
    let ClientError::Invalid(problems) = err else {
        panic!("expected Invalid, got {err}");
    };
    let paths: Vec<_> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        ["importer.tax_code", "documents.quality_certificate"]
    );
    let stored = Inspector::open(&w.portal_dir())
        .expect("inspect")
        .dossiers()
        .expect("dossiers");
    assert!(stored.is_empty());
}

#[tokio::test]
async fn a_portal_presenting_another_key_than_the_pinned_one_is_refused() {
    let w = World::new().await;
    let base = w.portal.base_url().to_owned();
    let addr = w.portal.addr();
    w.portal.stop().await;
    // A different portal (new data folder, new key) on the same address.
    let impostor = hoso_portal::start(hoso_portal::PortalConfig {
        listen: addr,
        ..hoso_portal::PortalConfig::practice(w.dir.path().join("impostor"))
    })
    .await
    .expect("impostor starts");
    let err = w
        .client
        .add_portal(&base, AddPortal::default())
        .await
        .expect_err("changed key accepted");
    assert!(matches!(err, ClientError::KeyChanged { .. }), "{err}");
    assert!(err.message().vi.contains("Khóa ký của cổng đã thay đổi"));
    impostor.stop().await;
}

#[tokio::test]
async fn procedures_stay_available_offline_once_cached() {
    let w = World::new().await;
    let online = w.client.procedures(&w.record).await.expect("online");
    w.portal.stop().await;
    let offline = w
        .client
        .procedures(&w.record)
        .await
        .expect("offline, from cache");
    assert_eq!(online, offline);
}

#[tokio::test]
async fn sending_reports_phases_and_bytes_until_the_receipt() {
    use hoso_core::progress::{SendPhase, SendProgress};
    use std::sync::{Arc, Mutex};
    let mut w = World::new().await;
    let seen: Arc<Mutex<Vec<SendProgress>>> = Arc::default();
    let sink = {
        let seen = seen.clone();
        hoso_client::progress::ProgressSink::new(move |p| seen.lock().expect("lock").push(p))
    };
    w.client.set_progress_sink(sink);
    let file = w.file("chứng nhận lớn.pdf", 5 * 1024 * 1024 + 7);
    let dossier = w.dossier(&file).await;
    let done = w.client.submit(&w.record, dossier).await.expect("filed");

    let seen = seen.lock().expect("lock");
    assert!(seen.iter().all(|p| p.dossier == done.local_id));
    let last = seen.last().expect("reports");
    assert_eq!(last.phase, SendPhase::Done);
    assert_eq!(last.confirmed, last.total);
    assert_eq!(last.files_done(), last.files.len());
    assert!(last.total > 5 * 1024 * 1024);
    // The phases come in order, and bytes never go back.
    let phases: Vec<SendPhase> = seen.iter().map(|p| p.phase).fold(Vec::new(), |mut v, p| {
        if v.last() != Some(&p) {
            v.push(p);
        }
        v
    });
    assert_eq!(
        phases,
        vec![
            SendPhase::Uploading,
            SendPhase::AwaitingReceipt,
            SendPhase::Done
        ]
    );
    assert!(seen.windows(2).all(|w| w[0].confirmed <= w[1].confirmed));
    // Several confirmations on the way, not only the end.
    let distinct: std::collections::BTreeSet<u64> = seen.iter().map(|p| p.confirmed).collect();
    assert!(distinct.len() >= 5, "{distinct:?}");
}
