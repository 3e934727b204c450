//! The outbox: a dossier sent while the portal cannot be reached waits,
//! listed as being sent, and goes out once the portal is back, filed once;
//! a dossier the portal refuses goes back to being an editable draft.

use crate::World;
use hoso_client::tus::UploadSettings;
use hoso_client::{AddPortal, ClientError};
use hoso_core::DossierState;
use hoso_portal::inspect::Inspector;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_dossier_sent_offline_waits_in_the_outbox_and_goes_out_once_when_back() {
    // Give up quickly while the link is down, as a person's patience would.
    let link = crate::faults::Link::new(UploadSettings {
        stall_timeout: Duration::from_secs(1),
        give_up_after: Duration::from_secs(2),
        ..UploadSettings::default()
    })
    .await;
    let (dir, proxy, client) = (&link.dir, &link.proxy, &link.client);
    let portal_dir = dir.path().join("portal");
    let record = client
        .add_portal(
            &proxy.http_url(),
            AddPortal {
                token: Some(link.token.clone()),
                practice: false,
            },
        )
        .await
        .expect("portal added");
    let procedure = crate::quality_inspection(client, &record).await;
    let certificate = crate::pattern_file(dir.path(), "chung-nhan.pdf", 300_000);
    let content = crate::sample_dossier(dir.path(), client, &procedure, &certificate).await;
    let draft = client
        .create_dossier(&record, &procedure)
        .await
        .expect("draft");
    client
        .save_dossier(&record, draft.summary.id, content, draft.revision)
        .await
        .expect("saved");

    // The link goes down; sending fails on the network and the dossier
    // waits in the outbox, not back among the drafts.
    proxy.outage(Duration::from_secs(3600));
    let err = client
        .submit_dossier(&record, draft.summary.id)
        .await
        .expect_err("offline");
    assert!(matches!(err, ClientError::Network(_)), "{err}");
    let outbox = client.outbox().await.expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].state, DossierState::Submitting);

    // Back online: the outbox goes out, once.
    proxy.outage(Duration::ZERO);
    let sent = client.send_outbox(&record).await.expect("outbox sent");
    assert_eq!(sent.len(), 1);
    let done = sent[0].1.as_ref().expect("filed");
    assert!(!done.existing);
    assert!(client.outbox().await.expect("outbox").is_empty());
    let again = client.send_outbox(&record).await.expect("nothing left");
    assert!(again.is_empty());
    let stored = Inspector::open(&portal_dir)
        .expect("portal data")
        .dossiers()
        .expect("dossiers");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].code, done.receipt.dossier_code.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dossier_the_portal_refuses_becomes_an_editable_draft_again() {
    let w = World::new().await;
    let file = w.file("chung-nhan.pdf", 20_000);
    let content = w.dossier(&file).await;
    let procedure = w.procedure().await;
    // A token the portal does not know: every request is refused (401).
    let wrong = w
        .client
        .add_portal(
            w.portal.base_url(),
            AddPortal {
                token: Some("khong-hop-le".into()),
                practice: false,
            },
        )
        .await
        .expect("portal record");
    let draft = w
        .client
        .create_dossier(&wrong, &procedure)
        .await
        .expect("draft");
    let saved = w
        .client
        .save_dossier(&wrong, draft.summary.id, content.clone(), draft.revision)
        .await
        .expect("saved");
    let err = w
        .client
        .submit_dossier(&wrong, draft.summary.id)
        .await
        .expect_err("refused");
    assert!(
        matches!(err, ClientError::Portal(ref p) if p.status == 401),
        "{err}"
    );
    let record = w.client.dossier(draft.summary.id).await.expect("dossier");
    assert_eq!(record.summary.state, DossierState::Draft);
    assert!(w.client.outbox().await.expect("outbox").is_empty());
    // Still editable, and filed once the right token is back.
    w.client
        .save_dossier(&wrong, draft.summary.id, content, saved.revision)
        .await
        .expect("editable again");
    let right = w
        .client
        .add_portal(
            w.portal.base_url(),
            AddPortal {
                token: w.record.token.clone(),
                practice: false,
            },
        )
        .await
        .expect("token replaced");
    let done = w
        .client
        .submit_dossier(&right, draft.summary.id)
        .await
        .expect("filed");
    assert_eq!(done.local_id, draft.summary.id);
}
