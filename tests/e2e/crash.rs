//! Crash safety of the real app: while it autosaves a dossier and imports
//! attachments, it is killed (SIGKILL) at a random moment, 50 times on one
//! profile. After each kill the database opens and passes
//! `PRAGMA integrity_check`, holds every change the window had shown as
//! saved, and references no file that was not completely imported.

use crate::harness::Session;
use hoso_core::{DossierContent, Sha256Digest};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KILLS: u32 = 50;
/// The field whose value counts the edits: "Bước N".
const FIELD: &str = "goods.gathering_place";
/// A slot taking several files, so every import stays in the dossier.
const SLOT: &str = "goods_photos";

/// What the window has shown as saved so far.
#[derive(Debug, Default)]
struct Acked {
    /// The highest step whose value the indicator confirmed.
    step: u64,
    /// Documents attached before a confirmed save.
    documents: BTreeSet<String>,
}

/// A small deterministic generator; the seed is printed so a failing run
/// can be repeated with `HOSO_CRASH_SEED`.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The revision the indicator last confirmed, once it says "saved".
async fn confirmed_revision(app: &Session) -> Option<i64> {
    let el = app
        .client
        .find(fantoccini::Locator::Css("#save-state.saved"))
        .await
        .ok()?;
    el.attr("data-revision").await.ok()??.parse().ok()
}

/// Waits until the indicator confirms a revision above `after`.
async fn wait_ack(app: &Session, after: i64) -> i64 {
    loop {
        if let Some(r) = confirmed_revision(app).await
            && r > after
        {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How many documents the slot lists.
async fn listed_documents(app: &Session) -> usize {
    app.client
        .find_all(fantoccini::Locator::Css(&format!(
            r#"[id="documents.{SLOT}"] li.doc"#
        )))
        .await
        .map(|v| v.len())
        .unwrap_or(0)
}

/// Edits and imports until dropped, recording what was acknowledged. With
/// `cut_import`, returns just after an import starts, so that the kill
/// lands in the middle of copying.
async fn work(
    app: &Session,
    dir: &Path,
    first_step: u64,
    cut_import: bool,
    acked: Arc<Mutex<Acked>>,
    files: Arc<Mutex<Vec<(String, String)>>>,
) {
    let mut revision = wait_ack(app, -1).await;
    let mut step = first_step;
    loop {
        step += 1;
        let value = format!("Bước {step}");
        app.type_into(&format!(r#"[name="{FIELD}"]"#), &value).await;
        let mut attached = None;
        if step.is_multiple_of(3) {
            // A fresh 24 MiB file each time, so the import really copies.
            let name = format!("ảnh {step}.jpg");
            let path = dir.join(&name);
            let bytes: Vec<u8> = (0..24 * 1024 * 1024u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8 ^ step as u8)
                .collect();
            std::fs::write(&path, &bytes).expect("write attachment");
            let sha = Sha256Digest::of(&bytes).to_hex();
            files
                .lock()
                .expect("files")
                .push((name.clone(), sha.clone()));
            let before = listed_documents(app).await;
            app.type_into(
                &format!(r#"[name="path-{SLOT}"]"#),
                &path.display().to_string(),
            )
            .await;
            app.click(&format!("#attach-{SLOT}")).await;
            if cut_import {
                tokio::time::sleep(Duration::from_millis(20)).await;
                return;
            }
            loop {
                if listed_documents(app).await > before {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            attached = Some(sha);
        }
        revision = wait_ack(app, revision).await;
        let mut a = acked.lock().expect("acked");
        a.step = step;
        a.documents.extend(attached);
    }
}

/// The dossier as the store holds it, after checking the database whole.
/// `verified` holds the library entries already hashed in earlier rounds.
fn inspect(profile: &Path, verified: &mut BTreeSet<String>) -> DossierContent {
    let conn = rusqlite::Connection::open(profile.join("hoso.sqlite3")).expect("database opens");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check runs");
    assert_eq!(check, "ok", "integrity_check");
    // Every library entry is a complete file whose content is its name.
    let mut stmt = conn
        .prepare("SELECT sha256, size FROM library")
        .expect("library query");
    let entries: Vec<(String, u64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("library rows")
        .collect::<Result<_, _>>()
        .expect("library rows");
    for (sha, size) in &entries {
        if verified.contains(sha) {
            continue;
        }
        let file = profile.join("library").join(&sha[..2]).join(sha);
        let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(bytes.len() as u64, *size, "{sha} size");
        assert_eq!(&Sha256Digest::of(&bytes).to_hex(), sha, "{sha} content");
        verified.insert(sha.clone());
    }
    let content: String = conn
        .query_row(
            "SELECT content FROM dossiers WHERE deleted_at IS NULL ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("the dossier is there");
    let content: DossierContent = serde_json::from_str(&content).expect("content parses");
    let known: BTreeSet<&str> = entries.iter().map(|(s, _)| s.as_str()).collect();
    for doc in &content.documents {
        assert!(
            known.contains(doc.sha256.to_hex().as_str()),
            "{} is referenced but not in the library",
            doc.name
        );
    }
    content
}

fn step_of(content: &DossierContent) -> u64 {
    content
        .field(FIELD)
        .and_then(|v| v.strip_prefix("Bước "))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_app_while_it_saves_and_imports_loses_nothing_acknowledged() {
    let seed = std::env::var("HOSO_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64 | 1)
                .unwrap_or(0x9e37_79b9_7f4a_7c15)
        });
    println!("HOSO_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("profile");
    let files = Arc::new(Mutex::new(Vec::new()));
    let mut step = 0u64;
    let mut acks_total = 0u64;
    let mut verified = BTreeSet::new();
    let mut kills_mid_import = 0u32;

    for kill in 1..=KILLS {
        let app = Session::launch(&profile).await;
        if kill == 1 {
            app.click("#create").await;
        } else {
            app.click("#dossiers li.dossier button.open").await;
        }
        app.wait(&format!(r#"[name="{FIELD}"]"#), Duration::from_secs(20))
            .await;
        let acked = Arc::new(Mutex::new(Acked {
            step,
            ..Acked::default()
        }));
        // Between 0.3 and 3.3 s of work, then the power goes.
        let lifetime = Duration::from_millis(300 + rng.next() % 3000);
        // Every third round ends in the middle of an import.
        let cut_import = kill % 3 == 0;
        let _ = tokio::time::timeout(
            lifetime,
            work(
                &app,
                dir.path(),
                step,
                cut_import,
                acked.clone(),
                files.clone(),
            ),
        )
        .await;
        app.kill_app(&profile);
        drop(app);
        let cut_imports = std::fs::read_dir(profile.join("library").join("tmp"))
            .map(|d| d.count())
            .unwrap_or(0);
        if cut_imports > 0 {
            kills_mid_import += 1;
        }

        let content = inspect(&profile, &mut verified);
        let a = acked.lock().expect("acked");
        let stored = step_of(&content);
        assert!(
            stored >= a.step,
            "kill {kill}: the window showed step {} as saved, the store has {stored}",
            a.step
        );
        let docs: BTreeSet<String> = content
            .documents
            .iter()
            .map(|d| d.sha256.to_hex())
            .collect();
        for sha in &a.documents {
            assert!(
                docs.contains(sha),
                "kill {kill}: acknowledged attachment {sha} lost"
            );
        }
        acks_total += a.step.saturating_sub(step);
        // Go on from what was stored, as a person reopening the dossier would.
        step = stored.max(a.step);
    }
    println!(
        "{KILLS} kills ({kills_mid_import} in the middle of an import), {acks_total} acknowledged saves checked, {} files imported",
        files.lock().expect("files").len()
    );
    assert!(
        acks_total >= u64::from(KILLS) / 2,
        "too few saves were acknowledged to prove anything: {acks_total}"
    );

    // The app still starts on the profile and shows the dossier.
    let app = Session::launch(&profile).await;
    app.click("#dossiers li.dossier button.open").await;
    let value = app
        .wait(&format!(r#"[name="{FIELD}"]"#), Duration::from_secs(20))
        .await
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    assert_eq!(value, format!("Bước {step}"));
    app.close().await;
    let leftovers = std::fs::read_dir(profile.join("library").join("tmp"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(
        leftovers, 0,
        "half-imported temporary files are cleaned at start"
    );
}
