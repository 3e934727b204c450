//! Dossiers carried between profiles as `.hoso` packages: a draft
//! exported, imported elsewhere and filed once; a filed dossier imported
//! with its receipt and never filed again; hostile packages refused with
//! nothing written outside the profile and nothing half-imported.

use crate::{World, portal_for, quality_inspection, sign_in};
use hoso_client::Client;
use hoso_client::ClientError;
use hoso_client::package::ImportOutcome;
use hoso_portal::inspect::Inspector;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every path under `dir`, relative.
fn tree(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable").flatten() {
            let p = e.path();
            out.insert(p.strip_prefix(dir).expect("inside").to_owned());
            if e.file_type().expect("type").is_dir() {
                stack.push(p);
            }
        }
    }
    out
}

/// A second profile on the same portal (another computer of the firm).
async fn second_profile(world: &World, name: &str) -> (Client, hoso_client::PortalRecord) {
    let client = Client::open(&world.dir.path().join(name))
        .await
        .expect("second profile");
    let record = sign_in(&world.portal, &client).await;
    client.procedures(&record).await.expect("catalog");
    (client, record)
}

fn dossiers_on_portal(world: &World) -> usize {
    Inspector::open(&world.portal_dir())
        .expect("portal store")
        .dossiers()
        .expect("dossiers")
        .len()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_draft_travels_to_another_profile_and_is_filed_once() {
    let world = World::new().await;
    let certificate = world.file("chung-nhan.pdf", 120_000);
    let content = world.dossier(&certificate).await;
    let id = world.draft(content).await;
    let package = world.dir.path().join("lo-thep.hoso");
    let size = world
        .client
        .export_package(id, &package)
        .await
        .expect("exported");
    println!("package: {size} bytes");
    assert!(size > 120_000);

    let (other, record) = second_profile(&world, "may-2").await;
    let imported = other
        .import_package(&record, &package)
        .await
        .expect("imported");
    assert_eq!(imported.outcome, ImportOutcome::New);
    // The same package again: identical, so nothing new.
    let again = other
        .import_package(&record, &package)
        .await
        .expect("again");
    assert_eq!(again.outcome, ImportOutcome::AlreadyHere);
    assert_eq!(again.id, imported.id);
    let filed = other
        .submit_dossier(&record, imported.id)
        .await
        .expect("filed from the second profile");
    assert_eq!(dossiers_on_portal(&world), 1);

    // The filed dossier travels back with its receipt and is not filed
    // again: Submit shows the receipt it has.
    let filed_package = world.dir.path().join("lo-thep-da-nop.hoso");
    other
        .export_package(imported.id, &filed_package)
        .await
        .expect("exported filed");
    let (third, third_record) = second_profile(&world, "may-3").await;
    let arrived = third
        .import_package(&third_record, &filed_package)
        .await
        .expect("imported filed");
    assert_eq!(arrived.outcome, ImportOutcome::Filed);
    let shown = third
        .submit_dossier(&third_record, arrived.id)
        .await
        .expect("the stored receipt");
    assert_eq!(shown.receipt.dossier_code, filed.receipt.dossier_code);
    assert_eq!(shown.receipt_sha256, filed.receipt_sha256);
    assert_eq!(dossiers_on_portal(&world), 1, "never filed twice");
    let again = third
        .import_package(&third_record, &filed_package)
        .await
        .expect("again");
    assert_eq!(again.outcome, ImportOutcome::AlreadyHere);

    // A profile that does not know the portal is told which to add.
    let stranger = Client::open(&world.dir.path().join("may-la"))
        .await
        .expect("profile");
    let (_other_portal, other_record) =
        portal_for(&world.dir.path().join("cong-khac"), &stranger).await;
    let err = stranger
        .import_package(&other_record, &filed_package)
        .await
        .expect_err("unknown portal");
    let told = err.message();
    assert!(told.vi.contains("Hãy thêm cổng"), "{}", told.vi);

    // Which portal a package names, before importing it: the one it was
    // filed with, or written for; and whether this profile has it.
    let named = stranger
        .package_portal(&filed_package)
        .await
        .expect("read")
        .expect("a filed package names its portal");
    assert!(named.filed && named.here.is_none());
    assert_eq!(named.base_url, world.record.base_url);
    assert_eq!(named.key_id, world.record.key.fingerprint());
    let draft = world
        .client
        .package_portal(&package)
        .await
        .expect("read")
        .expect("a draft names the portal it was written for");
    assert!(!draft.filed);
    assert_eq!(draft.here.map(|p| p.id), Some(world.record.id));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_draft_arrives_for_the_portal_it_was_written_for() {
    let world = World::new().await;
    let (second, second_record) = portal_for(&world.dir.path().join("cong-2"), &world.client).await;
    let procedure = quality_inspection(&world.client, &second_record).await;
    let certificate = world.file("chung-nhan.pdf", 20_000);
    let content = world.dossier(&certificate).await;
    let draft = world
        .client
        .create_dossier(&second_record, &procedure)
        .await
        .expect("draft for the second portal");
    world
        .client
        .save_dossier(&second_record, draft.summary.id, content, draft.revision)
        .await
        .expect("saved");
    let package = world.dir.path().join("cho-cong-2.hoso");
    world
        .client
        .export_package(draft.summary.id, &package)
        .await
        .expect("exported");
    let named = hoso_package::Package::open(std::fs::File::open(&package).expect("package"))
        .expect("readable")
        .manifest()
        .written_for
        .clone()
        .expect("a draft names its portal");
    assert_eq!(named.base_url, second.base_url());
    assert_eq!(named.key_id, second_record.key.fingerprint());

    // A profile knowing both portals puts it where it was written, even
    // with the first portal offered.
    let (both, first_here) = second_profile(&world, "may-2").await;
    let second_here = sign_in(&second, &both).await;
    // Before that portal's catalog is here the draft is refused, not put
    // at the first portal (whose catalog has the procedure): nothing is
    // stored, nothing is left in the library's tmp.
    let refused = both
        .import_package(&first_here, &package)
        .await
        .expect_err("the named portal's procedures are not known yet");
    let told = refused.message();
    assert!(told.vi.contains("hãy mở danh mục thủ tục"), "{}", told.vi);
    assert!(
        both.dossiers(Default::default())
            .await
            .expect("list")
            .is_empty(),
        "nothing stored"
    );
    let tmp = world
        .dir
        .path()
        .join("may-2")
        .join(hoso_client::LIBRARY_DIR)
        .join("tmp");
    assert_eq!(tree(&tmp), BTreeSet::new(), "staged documents removed");
    both.procedures(&second_here).await.expect("catalog");
    let imported = both
        .import_package(&first_here, &package)
        .await
        .expect("imported");
    assert_eq!(imported.outcome, ImportOutcome::New);
    assert_eq!(imported.portal.id, second_here.id);
    let listed = both.dossier(imported.id).await.expect("stored");
    assert_eq!(listed.summary.portal, second_here.id);
    let filed = both
        .submit_dossier(&second_here, imported.id)
        .await
        .expect("filed at the second portal");
    assert_eq!(filed.verified_with, second_here.key.fingerprint());

    // A profile knowing only the first portal takes it there.
    let (one, only_first) = second_profile(&world, "may-3").await;
    let arrived = one
        .import_package(&only_first, &package)
        .await
        .expect("imported where it can be");
    assert_eq!(arrived.portal.id, only_first.id);
    assert_eq!(
        one.dossier(arrived.id)
            .await
            .expect("stored")
            .summary
            .portal,
        only_first.id
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_draft_of_a_copy_gets_a_new_name_and_a_known_procedure_is_required() {
    let world = World::new().await;
    let certificate = world.file("chung-nhan.pdf", 10_000);
    let content = world.dossier(&certificate).await;
    let id = world.draft(content.clone()).await;
    let package = world.dir.path().join("a.hoso");
    world
        .client
        .export_package(id, &package)
        .await
        .expect("exported");
    // Changed here after the export: the package is no longer identical.
    let mut changed = content;
    changed.fields.insert(
        "goods.description".into(),
        hoso_core::Value::Text("Thép cuộn cán nóng, lô 2".into()),
    );
    let record = world.client.dossier(id).await.expect("record");
    world
        .client
        .save_dossier(&world.record, id, changed, record.revision)
        .await
        .expect("saved");
    let copy = world
        .client
        .import_package(&world.record, &package)
        .await
        .expect("imported");
    assert_eq!(copy.outcome, ImportOutcome::Copy);
    assert_ne!(copy.id, id);

    // A profile whose portal does not serve the procedure refuses it.
    let empty = Client::open(&world.dir.path().join("trong"))
        .await
        .expect("profile");
    let (_p, record) = portal_for(&world.dir.path().join("cong-2"), &empty).await;
    let err = empty
        .import_package(&record, &package)
        .await
        .expect_err("procedure not known");
    assert!(
        err.message().vi.contains("chưa có trên máy này"),
        "{}",
        err.message().vi
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_packages_are_refused_and_nothing_is_written_outside_or_half_imported() {
    let world = World::new().await;
    let top_before: BTreeSet<String> = std::fs::read_dir(world.dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let sandbox = world.dir.path().join("hop-cat");
    std::fs::create_dir_all(&sandbox).expect("sandbox");
    let profile = world.dir.path().join("profile");
    let before_profile = tree(&profile);
    let before_list = world
        .client
        .dossiers(hoso_core::DossierQuery::default())
        .await
        .expect("list")
        .len();
    let hostile = hoso_package::samples::hostile();
    for (i, h) in hostile.iter().enumerate() {
        let path = sandbox.join(format!("{i}.hoso"));
        std::fs::write(&path, &h.bytes).expect("write");
        let err = world
            .client
            .import_package(&world.record, &path)
            .await
            .expect_err(h.what);
        let ClientError::Package(e) = &err else {
            panic!("{}: expected a package refusal, got {err}", h.what);
        };
        assert!((h.expect)(e), "{}: {e}", h.what);
    }
    // Only the packages themselves are in the sandbox; the profile has
    // nothing new (no staged file left in the library's tmp, no dossier,
    // no library entry), and the world's folder nothing new but these.
    let written: BTreeSet<PathBuf> = (0..hostile.len())
        .map(|i| PathBuf::from(format!("{i}.hoso")))
        .collect();
    assert_eq!(tree(&sandbox), written);
    let after_profile: BTreeSet<PathBuf> = tree(&profile)
        .into_iter()
        .filter(|p| !p.to_string_lossy().contains("sqlite3"))
        .collect();
    let before: BTreeSet<PathBuf> = before_profile
        .into_iter()
        .filter(|p| !p.to_string_lossy().contains("sqlite3"))
        .collect();
    assert_eq!(after_profile, before);
    let after_list = world
        .client
        .dossiers(hoso_core::DossierQuery::default())
        .await
        .expect("list")
        .len();
    assert_eq!(after_list, before_list);
    let mut top_after: BTreeSet<String> = std::fs::read_dir(world.dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(top_after.remove("hop-cat"));
    assert_eq!(top_after, top_before, "nothing new next to the profile");
    println!("{} hostile packages refused", hostile.len());
}
