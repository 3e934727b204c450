//! Dossiers kept on this computer: saved on every change, listed, searched,
//! duplicated, archived, deleted with undo, and sent exactly once even when
//! an attempt is cut off.

use crate::World;
use hoso_client::ClientError;
use hoso_core::{DossierQuery, DossierState};
use hoso_portal::inspect::Inspector;

#[tokio::test]
async fn every_save_is_kept_and_a_stale_one_is_refused() {
    let w = World::new().await;
    let p = w.procedure().await;
    let draft = w
        .client
        .create_dossier(&w.record, &p)
        .await
        .expect("create");
    assert_eq!(draft.revision, 0);
    assert_eq!(draft.summary.state, DossierState::Draft);
    let mut content = draft.content.clone();
    content.set("importer.name", "Công ty TNHH Thiết bị Điện Ánh Dương");
    let first = w
        .client
        .save_dossier(&w.record, draft.summary.id, content.clone(), 0)
        .await
        .expect("save 1");
    content.set("importer.phone", "024 3825 1234");
    let second = w
        .client
        .save_dossier(&w.record, draft.summary.id, content.clone(), first.revision)
        .await
        .expect("save 2");
    assert_eq!((first.revision, second.revision), (1, 2));
    assert!(second.saved_at >= first.saved_at);

    // An editor still on revision 1 cannot overwrite revision 2.
    let mut stale = content.clone();
    stale.set("importer.phone", "0000");
    let err = w
        .client
        .save_dossier(&w.record, draft.summary.id, stale, 1)
        .await
        .expect_err("stale save accepted");
    assert!(
        matches!(
            err,
            ClientError::Stale {
                stored: 2,
                edited: 1
            }
        ),
        "{err}"
    );
    assert!(err.message().vi.contains("cửa sổ khác"));

    let stored = w.client.dossier(draft.summary.id).await.expect("get");
    assert_eq!(stored.revision, 2);
    assert_eq!(stored.content, content);
    assert_eq!(stored.summary.title, "Công ty TNHH Thiết bị Điện Ánh Dương");
}

#[tokio::test]
async fn the_list_is_searchable_without_accents_and_sorted_by_last_change() {
    let w = World::new().await;
    let p = w.procedure().await;
    let mut ids = Vec::new();
    for name in [
        "Công ty Ánh Dương",
        "Hợp tác xã Bình Minh",
        "Nguyễn Thị Đào",
    ] {
        let d = w
            .client
            .create_dossier(&w.record, &p)
            .await
            .expect("create");
        let mut c = d.content.clone();
        c.set("importer.name", name);
        w.client
            .save_dossier(&w.record, d.summary.id, c, 0)
            .await
            .expect("save");
        ids.push(d.summary.id);
    }
    let all = w
        .client
        .dossiers(DossierQuery::default())
        .await
        .expect("list");
    let order: Vec<i64> = all.iter().map(|s| s.id).collect();
    assert_eq!(order, vec![ids[2], ids[1], ids[0]], "most recent first");

    let find = |text: &str| {
        let q = DossierQuery {
            text: text.into(),
            ..DossierQuery::default()
        };
        let client = w.client.clone();
        async move {
            client
                .dossiers(q)
                .await
                .expect("search")
                .into_iter()
                .map(|s| s.title)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(find("anh duong").await, ["Công ty Ánh Dương"]);
    assert_eq!(find("DAO nguyen").await, ["Nguyễn Thị Đào"]);
    assert!(find("không có").await.is_empty());

    w.client
        .archive_dossier(ids[1], true)
        .await
        .expect("archive");
    let current = w
        .client
        .dossiers(DossierQuery::default())
        .await
        .expect("list");
    assert_eq!(current.len(), 2);
    let archived = w
        .client
        .dossiers(DossierQuery {
            archived: true,
            ..DossierQuery::default()
        })
        .await
        .expect("archived");
    assert_eq!(archived.iter().map(|s| s.id).collect::<Vec<_>>(), [ids[1]]);
}

#[tokio::test]
async fn a_duplicate_for_another_version_keeps_content_and_documents_under_its_rules() {
    let w = World::new().await;
    let p = w.procedure().await;
    let d = w
        .client
        .create_dossier(&w.record, &p)
        .await
        .expect("create");
    let mut c = d.content.clone();
    c.set("importer.name", "Công ty Ánh Dương");
    c.documents = hoso_core::samples::quality_inspection().documents;
    w.client
        .save_dossier(&w.record, d.summary.id, c.clone(), 0)
        .await
        .expect("save");
    let older = hoso_core::procedure::bundled()
        .into_iter()
        .find(|(n, _)| *n == "kiem-tra-cl-nhap-khau.2018.json")
        .map(|(n, t)| hoso_core::Procedure::parse(n, t).expect("schema"))
        .expect("bundled");
    let copy = w
        .client
        .duplicate_dossier_for(d.summary.id, &older)
        .await
        .expect("duplicate");
    assert_ne!(copy.summary.id, d.summary.id);
    assert_eq!(copy.summary.state, DossierState::Draft);
    assert_eq!(
        (copy.summary.version.as_str(), copy.content.version.as_str()),
        ("2018.07", "2018.07")
    );
    assert_eq!(
        (&copy.content.fields, &copy.content.documents),
        (&c.fields, &c.documents)
    );
    assert_eq!(copy.summary.title, "Công ty Ánh Dương");
    assert_eq!(copy.summary.portal, d.summary.portal);

    // Another procedure's rules are not this dossier's.
    let other = hoso_core::procedure::bundled()
        .into_iter()
        .find(|(n, _)| n.starts_with("dang-ky-khai-sinh"))
        .map(|(n, t)| hoso_core::Procedure::parse(n, t).expect("schema"))
        .expect("bundled");
    let err = w
        .client
        .duplicate_dossier_for(d.summary.id, &other)
        .await
        .expect_err("another procedure");
    assert!(matches!(err, ClientError::NotFound(_)), "{err}");
}

#[tokio::test]
async fn a_deleted_draft_can_be_brought_back_and_a_duplicate_is_independent() {
    let w = World::new().await;
    let p = w.procedure().await;
    let d = w
        .client
        .create_dossier(&w.record, &p)
        .await
        .expect("create");
    let mut c = d.content.clone();
    c.set("importer.name", "Công ty Ánh Dương");
    w.client
        .save_dossier(&w.record, d.summary.id, c.clone(), 0)
        .await
        .expect("save");
    let copy = w
        .client
        .duplicate_dossier(d.summary.id)
        .await
        .expect("duplicate");
    assert_ne!(copy.summary.id, d.summary.id);
    assert_eq!(copy.content, c);
    assert_eq!(copy.revision, 0);

    w.client.delete_dossier(d.summary.id).await.expect("delete");
    let err = w
        .client
        .dossier(d.summary.id)
        .await
        .expect_err("deleted is gone");
    assert!(matches!(err, ClientError::NotFound(_)));
    let listed = w
        .client
        .dossiers(DossierQuery::default())
        .await
        .expect("list");
    assert_eq!(
        listed.iter().map(|s| s.id).collect::<Vec<_>>(),
        [copy.summary.id]
    );

    w.client.restore_dossier(d.summary.id).await.expect("undo");
    assert_eq!(
        w.client.dossier(d.summary.id).await.expect("back").content,
        c
    );
}

#[tokio::test]
async fn a_filed_dossier_is_locked_kept_and_resent_under_its_first_key() {
    let w = World::new().await;
    let file = w.file("chứng nhận.pdf", 40_000);
    let done = w
        .client
        .submit(&w.record, w.dossier(&file).await)
        .await
        .expect("filed");
    let id = done.local_id;
    let stored = w.client.dossier(id).await.expect("kept");
    assert_eq!(stored.summary.state, DossierState::Submitted);
    assert_eq!(
        stored.summary.dossier_code.as_deref(),
        Some(done.receipt.dossier_code.as_str())
    );
    let err = w
        .client
        .save_dossier(&w.record, id, stored.content.clone(), stored.revision)
        .await
        .expect_err("edit after filing");
    assert!(matches!(err, ClientError::NotEditable));

    // Deleting a filed dossier archives it: its receipt is never lost.
    w.client.delete_dossier(id).await.expect("delete");
    assert!(
        w.client
            .dossier(id)
            .await
            .expect("still there")
            .summary
            .archived
    );

    // As if the app died after sending but before storing the receipt.
    let db = w.dir.path().join("profile").join(hoso_client::STORE_FILE);
    let conn = rusqlite::Connection::open(&db).expect("open store");
    conn.execute(
        "UPDATE dossiers SET state = 'submitting', receipt = NULL WHERE id = ?1",
        [id],
    )
    .expect("rewind");
    drop(conn);
    let again = w
        .client
        .submit_dossier(&w.record, id)
        .await
        .expect("resent");
    assert_eq!(again.receipt.dossier_code, done.receipt.dossier_code);
    let on_portal = Inspector::open(&w.portal_dir())
        .expect("inspect")
        .dossiers()
        .expect("dossiers");
    assert_eq!(on_portal.len(), 1, "the same key filed nothing new");
}
