//! The attachment library: one copy per content, where each document is
//! used, earlier documents offered for the same kind of slot, validity end
//! dates, and never removing a document a dossier still uses.

use crate::World;
use hoso_client::ClientError;
use hoso_core::{DossierContent, ProblemCode, Sha256Digest};

/// The hash of the dossier's quality certificate.
fn certificate(dossier: &DossierContent) -> Sha256Digest {
    dossier
        .documents
        .iter()
        .find(|d| d.slot == "quality_certificate")
        .expect("certificate")
        .sha256
}

#[tokio::test]
async fn a_shared_document_is_listed_with_its_uses_and_kept_while_one_remains() {
    let w = World::new().await;
    let file = w.file("chứng nhận hợp quy.pdf", 30_000);
    let first = w.dossier(&file).await;
    let p = w.procedure().await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let d = w
            .client
            .create_dossier(&w.record, &p)
            .await
            .expect("create");
        w.client
            .save_dossier(&w.record, d.summary.id, first.clone(), 0)
            .await
            .expect("save");
        ids.push(d.summary.id);
    }
    let cert = certificate(&first);

    let items = w.client.library(None).await.expect("library");
    let item = items.iter().find(|i| i.sha256 == cert).expect("listed");
    let users: Vec<i64> = item.used_by.iter().map(|u| u.dossier).collect();
    assert_eq!(users, ids, "both dossiers use it");
    assert!(item.used_by.iter().all(|u| u.slot == "quality_certificate"));

    // Offered again for a slot of the same kind, not for another kind.
    let offered = w
        .client
        .library(Some("quality_certificate".into()))
        .await
        .expect("offers");
    assert_eq!(offered.iter().map(|i| i.sha256).collect::<Vec<_>>(), [cert]);

    // Deleting one dossier for good keeps the document the other uses.
    w.client.delete_dossier(ids[0]).await.expect("delete");
    let far_future = "9999-12-31T00:00:00.000000+07:00".to_owned();
    w.client
        .purge_deleted_dossiers(far_future.clone())
        .await
        .expect("purge deleted");
    let removed = w
        .client
        .purge_unused_documents(far_future.clone())
        .await
        .expect("purge");
    assert_eq!(removed, 0, "still used by the other dossier");
    let path = w
        .client
        .profile_dir()
        .join("library")
        .join(&cert.to_hex()[..2])
        .join(cert.to_hex());
    assert!(path.exists());

    // Once no dossier uses it, it goes, file and all.
    w.client.delete_dossier(ids[1]).await.expect("delete");
    w.client
        .purge_deleted_dossiers(far_future.clone())
        .await
        .expect("purge deleted");
    let removed = w
        .client
        .purge_unused_documents(far_future)
        .await
        .expect("purge");
    assert_eq!(removed, 8, "the certificate and the seven other documents");
    assert!(!path.exists());
}

#[tokio::test]
async fn an_expired_certificate_is_flagged_before_filing() {
    let w = World::new().await;
    let file = w.file("chứng nhận hợp quy.pdf", 30_000);
    let dossier = w.dossier(&file).await;
    let cert = certificate(&dossier);
    let yesterday = chrono::Utc::now().date_naive() - chrono::Days::new(2);
    w.client
        .set_valid_until(cert, Some(yesterday))
        .await
        .expect("validity");
    let err = w
        .client
        .submit(&w.record, dossier.clone())
        .await
        .expect_err("expired accepted");
    let ClientError::Invalid(problems) = err else {
        panic!("expected Invalid, got {err}");
    };
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].code, ProblemCode::DocumentExpired);
    assert_eq!(problems[0].path, "documents.quality_certificate");
    assert!(
        problems[0].message.vi.contains("hết hiệu lực"),
        "{}",
        problems[0].message.vi
    );

    // Valid again (a renewed certificate): it files.
    w.client.set_valid_until(cert, None).await.expect("clear");
    w.client.submit(&w.record, dossier).await.expect("filed");
}
