//! Crash trials: the client process is SIGKILLed at a random moment while
//! it uploads and submits a dossier, then started again; 100 times, each
//! with its own dossier. Every dossier ends filed exactly once, with its
//! receipt in the profile, and every file the portal stored hashes to what
//! was declared. The client process is this test binary run again with
//! only [`client_process`] selected.

use crate::World;
use hoso_client::Client;
use hoso_client::tus::UploadSettings;
use hoso_core::{DossierState, Sha256Digest};
use hoso_portal::inspect::Inspector;
use std::collections::{BTreeMap, HashSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TRIALS: usize = 100;
/// The client's upload rate, so that kills land inside uploads.
const RATE: u64 = 1024 * 1024;
/// Size of each dossier's own certificate: about half a second at RATE.
const CERTIFICATE: usize = 512 * 1024;

const ENV_PROFILE: &str = "HOSO_TRIAL_PROFILE";
const ENV_DOSSIER: &str = "HOSO_TRIAL_DOSSIER";

/// The client side of one trial (run by [`the_client_killed_at_random_points_files_each_dossier_exactly_once`]
/// as a separate process): submit one dossier of the profile.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "the client process of the crash trials, started by them"]
async fn client_process() {
    let profile = std::env::var(ENV_PROFILE).expect("profile folder");
    let id: i64 = std::env::var(ENV_DOSSIER)
        .expect("dossier id")
        .parse()
        .expect("number");
    let mut client = Client::open(profile.as_ref()).await.expect("profile");
    client.set_upload_settings(UploadSettings {
        bandwidth_cap: Some(RATE),
        ..UploadSettings::default()
    });
    let portal = client
        .portals()
        .await
        .expect("portals")
        .into_iter()
        .next()
        .expect("the portal");
    match client.submit_dossier(&portal, id).await {
        Ok(done) => println!("filed {}", done.receipt.dossier_code),
        Err(e) => panic!("dossier {id}: {e}"),
    }
}

/// Where the killed run had got to, read from the profile it left.
fn phase(profile: &std::path::Path, id: i64, certificate: &str) -> &'static str {
    let conn = rusqlite::Connection::open(profile.join(hoso_client::STORE_FILE)).expect("store");
    let state: String = conn
        .query_row("SELECT state FROM dossiers WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .expect("dossier row");
    let confirmed: Option<i64> = conn
        .query_row(
            "SELECT confirmed FROM tus_uploads WHERE sha256 = ?1",
            [certificate],
            |r| r.get(0),
        )
        .ok();
    match (state.as_str(), confirmed) {
        ("submitted", _) => "after the receipt",
        ("draft", _) => "before sending",
        (_, None) => "before its upload",
        (_, Some(n)) if (n as usize) < CERTIFICATE => "mid-upload",
        _ => "uploaded, while submitting",
    }
}

/// A pseudo-random delay in `[0, max)`.
fn delay(state: &mut u64, max: Duration) -> Duration {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    Duration::from_nanos(*state % u64::try_from(max.as_nanos()).unwrap_or(u64::MAX))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_client_killed_at_random_points_files_each_dossier_exactly_once() {
    let w = World::new().await;
    let mut trials = Vec::new();
    // One more dossier than trials: the first is sent without a kill, to
    // learn how long a whole sending takes on this machine.
    for i in 0..=TRIALS {
        // Each dossier has its own certificate; the other documents are
        // shared, as a business's registration papers are.
        let path = w.dir.path().join(format!("chung-nhan-{i}.pdf"));
        let bytes: Vec<u8> = (0..CERTIFICATE)
            .map(|j| ((j * 7 + i * 13) % 251) as u8 ^ (i as u8))
            .collect();
        std::fs::write(&path, &bytes).expect("certificate");
        let content = w.dossier(&path).await;
        let id = w.draft(content).await;
        trials.push((id, Sha256Digest::of(&bytes).to_hex()));
    }
    let profile = w.dir.path().join("profile");
    let exe = std::env::current_exe().expect("test binary");
    let run = |id: i64| {
        Command::new(&exe)
            .args([
                "crash_trials::client_process",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(ENV_PROFILE, &profile)
            .env(ENV_DOSSIER, id.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("client process starts")
    };

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7)
        | 1;
    println!("kill times seed {seed}");
    let mut rng = seed;
    let mut phases: BTreeMap<&str, usize> = BTreeMap::new();
    let calibration = Instant::now();
    let whole = run(trials[0].0)
        .wait_with_output()
        .expect("calibration run");
    assert!(
        whole.status.success(),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );
    let span = calibration.elapsed();
    println!("a whole sending takes {span:?} here");
    let started = Instant::now();
    for (id, certificate) in &trials[1..] {
        let mut child = run(*id);
        // Spread over the whole sending: start-up, uploads, submission.
        std::thread::sleep(span / 10 + delay(&mut rng, span));
        let outcome = match child.try_wait().expect("wait") {
            Some(_) => "finished before the kill",
            None => {
                child.kill().expect("SIGKILL");
                child.wait().expect("reaped");
                phase(&profile, *id, certificate)
            }
        };
        *phases.entry(outcome).or_default() += 1;
        // Started again, it must finish by itself.
        let again = run(*id).wait_with_output().expect("second run");
        assert!(
            again.status.success(),
            "dossier {id} after a kill {outcome}: {}\n{}",
            String::from_utf8_lossy(&again.stdout),
            String::from_utf8_lossy(&again.stderr)
        );
    }
    println!(
        "{TRIALS} crash trials in {:.0} s; killed: {phases:?}",
        started.elapsed().as_secs_f64()
    );

    // Exactly one dossier per trial on the portal, every stored file whole.
    let stored = Inspector::open(&w.portal_dir())
        .expect("portal data")
        .dossiers()
        .expect("dossiers");
    assert_eq!(stored.len(), TRIALS + 1, "dossiers on the portal");
    let mut certificates = HashSet::new();
    let mut corrupt = 0;
    for dossier in &stored {
        for doc in &dossier.documents {
            let bytes = std::fs::read(&doc.path).expect("stored file");
            if Sha256Digest::of(&bytes).to_hex() != doc.sha256 {
                corrupt += 1;
            }
            certificates.insert(doc.sha256.clone());
        }
    }
    assert_eq!(corrupt, 0, "corrupt files");
    for (_, certificate) in &trials {
        assert!(
            certificates.contains(certificate),
            "a certificate is missing"
        );
    }
    // And each local dossier holds its receipt.
    let codes: HashSet<String> = stored.iter().map(|d| d.code.clone()).collect();
    for (id, _) in &trials {
        let record = w.client.dossier(*id).await.expect("dossier");
        assert_eq!(record.summary.state, DossierState::Submitted);
        let code = record.summary.dossier_code.clone().expect("code");
        assert!(codes.contains(&code), "{code} is not on the portal");
    }
    println!(
        "{TRIALS} of {TRIALS} killed dossiers (and the calibration one) filed exactly once; {} files checked, 0 corrupt",
        stored.iter().map(|d| d.documents.len()).sum::<usize>()
    );
}
