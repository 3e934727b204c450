//! Replicas: two `hoso-portal serve` processes on one PostgreSQL database
//! and one S3 bucket for the bytes, requests spread over both as a
//! load balancer would. Exactly once holds across them, dossier codes are
//! unique, the change feed read from either misses nothing while both
//! file and officers move what was filed, and a key claimed by a replica that was killed is released
//! without waiting for any timeout.

mod common;

use common::{garage, one_key_from_many, postgres, request, until_answered};
use hoso_core::wire::{StatusFeed, SubmissionResponse};
use reqwest::StatusCode;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A portal process.
struct Replica {
    child: Child,
    base: String,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_hoso-portal")
}

/// Starts `serve --config settings`; waits for the address it prints.
fn replica(settings: &Path) -> Replica {
    let mut child = Command::new(bin())
        .args(["serve", "--config"])
        .arg(settings)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(if std::env::var_os("HOSO_TEST_PORTAL_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("the portal starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the portal prints its address");
    assert!(line.starts_with("http://"), "the portal said {line:?}");
    Replica {
        child,
        base: line.trim().to_owned(),
    }
}

/// A data folder, a new database, a new bucket, and the settings file
/// both replicas read; the database's name and the file.
async fn deployment(dir: &Path) -> (String, std::path::PathBuf) {
    let data = dir.join("portal");
    common::with_notice(&data);
    let database = postgres::new_database().await;
    let settings = dir.join("portal.toml");
    std::fs::write(
        &settings,
        format!(
            "data = \"{}\"\nlisten = \"127.0.0.1:0\"\n\n[database]\nurl = \"{}\"\n\n{}",
            data.display(),
            postgres::url(&database),
            garage::settings_toml(&garage::new_bucket().await)
        ),
    )
    .expect("settings");
    (database, settings)
}

/// A token for a new applicant, from the admin command.
fn applicant(settings: &Path, account: &str) -> String {
    account_token(settings, "add-applicant", account)
}

/// A token for a new account of the kind `command` adds.
fn account_token(settings: &Path, command: &str, account: &str) -> String {
    let out = Command::new(bin())
        .args([command, "--config"])
        .arg(settings)
        .args(["--account", account, "--name", "Công ty Nhân Bản"])
        .output()
        .expect("add-applicant runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

async fn count(db: &tokio_postgres::Client, sql: &str) -> i64 {
    db.query_one(sql, &[]).await.expect("count").get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_submissions_with_one_key_over_two_replicas_make_one_dossier() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database, settings) = deployment(dir.path()).await;
    let a = replica(&settings);
    let b = replica(&settings);
    let token = applicant(&settings, "cty-nhan-ban");
    let conflicts = one_key_from_many(
        &[&a.base, &b.base],
        &token,
        "mot-khoa-hai-cong",
        "Nguyễn Thị Hai Cổng",
    )
    .await;
    println!("50 clients over 2 replicas, {conflicts} answers of 409 before the receipt");
    let db = postgres::connect(&database).await;
    assert_eq!(count(&db, "SELECT COUNT(*) FROM dossiers").await, 1);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM status_events").await,
        1,
        "one dossier, received once"
    );
}

/// An officer accepts dossier `code` at `base`.
async fn accept(http: reqwest::Client, base: String, officer: String, code: String) {
    let res = loop {
        let res = http
            .post(format!("{base}/v1/officer/dossiers/{code}/status"))
            .bearer_auth(&officer)
            .json(&serde_json::json!({"to": "accepted", "note": ""}))
            .send()
            .await
            .expect("move");
        match common::busy_wait(&res) {
            Some(wait) => tokio::time::sleep(wait).await,
            None => break res,
        }
    };
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap_or_default()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_filings_over_two_replicas_get_distinct_codes_and_the_feed_misses_none() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_database, settings) = deployment(dir.path()).await;
    let a = replica(&settings);
    let b = replica(&settings);
    let token = applicant(&settings, "cty-hai-tram");
    let officer = account_token(&settings, "add-officer", "can-bo-hai-tram");
    let http = reqwest::Client::new();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));

    // A reader follows the feed from both replicas in turn while the
    // filings run, as an app would behind a load balancer.
    let reader = {
        let (http, token, done) = (http.clone(), token.clone(), done.clone());
        let bases = [a.base.clone(), b.base.clone()];
        tokio::spawn(async move {
            let mut since = 0u64;
            let mut seen: Vec<(u64, String)> = Vec::new();
            let mut polls = 0usize;
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let base = &bases[polls % 2];
                polls += 1;
                let res = http
                    .get(format!("{base}/v1/dossiers?since={since}&limit=50"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("feed");
                if let Some(wait) = common::busy_wait(&res) {
                    tokio::time::sleep(wait).await;
                    continue;
                }
                let feed: StatusFeed = res.json().await.expect("feed json");
                for e in &feed.events {
                    seen.push((e.cursor, e.code.as_str().to_owned()));
                }
                since = feed.next_cursor;
                // Once every filing was answered, one more full pass.
                if finished && !feed.more {
                    return (seen, polls);
                }
                if !feed.more {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        })
    };
    // Each filing, once answered, is accepted by an officer on the other
    // replica: moves that do not wait for the day's sequence commit while
    // other filings are under way.
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let (here, there) = if i % 2 == 0 {
                (&a.base, &b.base)
            } else {
                (&b.base, &a.base)
            };
            let filed = until_answered(
                http.clone(),
                here.clone(),
                token.clone(),
                format!("khoa-{i:03}"),
                format!("Người nộp số {i}"),
            );
            let (http, there, officer) = (http.clone(), there.clone(), officer.clone());
            tokio::spawn(async move {
                let (_, r) = filed.await;
                let code = common::receipt_text(&r, "dossier_code");
                accept(http, there, officer, code).await;
                r
            })
        })
        .collect();
    let mut codes = BTreeSet::new();
    for t in tasks {
        let r = t.await.expect("client");
        assert!(!r.existing);
        codes.insert(common::receipt_text(&r, "dossier_code"));
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(codes.len(), 200, "200 filings, 200 distinct codes");

    let (seen, polls) = reader.await.expect("reader");
    let cursors: Vec<u64> = seen.iter().map(|(c, _)| *c).collect();
    assert!(
        cursors.windows(2).all(|w| w[0] < w[1]),
        "the feed only moves forward"
    );
    let mut fed: std::collections::HashMap<&str, usize> = Default::default();
    for (_, code) in &seen {
        *fed.entry(code.as_str()).or_default() += 1;
    }
    let missed: Vec<&String> = codes
        .iter()
        .filter(|c| fed.get(c.as_str()) != Some(&2))
        .collect();
    assert!(
        missed.is_empty(),
        "the feed reader missed changes of {missed:?}"
    );
    assert_eq!(
        seen.len(),
        400,
        "each filing and each move once in the feed"
    );
    println!("feed read in {polls} polls while 200 filings and 200 moves ran on 2 replicas");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_key_claimed_by_a_killed_replica_is_released_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database, settings) = deployment(dir.path()).await;
    let mut a = replica(&settings);
    let b = replica(&settings);
    let token = applicant(&settings, "cty-bi-ngat");
    let http = reqwest::Client::new();
    let db = postgres::connect(&database).await;

    // Filings wait at the day's sequence while this session holds its
    // table: A claims the key and stops inside its filing.
    let blocker = postgres::connect(&database).await;
    blocker
        .batch_execute("BEGIN; LOCK TABLE daily_sequence IN EXCLUSIVE MODE")
        .await
        .expect("lock");
    let stuck = tokio::spawn({
        let (http, base, token) = (http.clone(), a.base.clone(), token.clone());
        async move {
            http.post(format!("{base}/v1/dossiers"))
                .bearer_auth(&token)
                .header("Idempotency-Key", "\"khoa-bi-ngat\"")
                .json(&request("Lê Bị Ngắt"))
                .send()
                .await
                .map(|r| r.status())
        }
    });
    let a_id: i32 = db
        .query_one("SELECT id FROM replicas WHERE address = $1", &[&a.base])
        .await
        .expect("A is registered")
        .get(0);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let owner: Option<i64> = db
            .query_opt(
                "SELECT owner FROM idempotency_keys WHERE key = 'khoa-bi-ngat' AND state = 'processing'",
                &[],
            )
            .await
            .expect("key")
            .and_then(|r| r.get(0));
        if owner == Some(i64::from(a_id)) {
            break;
        }
        assert!(Instant::now() < deadline, "A never claimed the key");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // While A lives, B says the sending is still being processed.
    let res = common::submit(
        &http,
        &b.base,
        &token,
        "khoa-bi-ngat",
        &request("Lê Bị Ngắt"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // A dies mid-filing; its claim must not hold B's answer back.
    a.child.kill().expect("SIGKILL");
    a.child.wait().expect("reaped");
    let cut = stuck.await.expect("client task");
    assert!(cut.is_err(), "A answered {cut:?} though it was killed");
    blocker.batch_execute("ROLLBACK").await.expect("unlock");
    let began = Instant::now();
    let mut conflicts = 0;
    let filed: SubmissionResponse = loop {
        let res = common::submit(
            &http,
            &b.base,
            &token,
            "khoa-bi-ngat",
            &request("Lê Bị Ngắt"),
        )
        .await;
        match res.status() {
            StatusCode::CREATED => break res.json().await.expect("receipt"),
            StatusCode::CONFLICT if began.elapsed() < Duration::from_secs(10) => {
                conflicts += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            s => panic!("B answered {s}: {}", res.text().await.unwrap_or_default()),
        }
    };
    println!(
        "B filed {:.2} s after A was killed ({conflicts} answers of 409 meanwhile)",
        began.elapsed().as_secs_f64()
    );
    assert!(!filed.existing);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM dossiers").await, 1);
    let by_key: SubmissionResponse = http
        .get(format!("{}/v1/submissions/by-key/khoa-bi-ngat", b.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("by key")
        .json()
        .await
        .expect("receipt");
    assert_eq!(
        serde_json::to_string(&by_key.receipt).expect("json"),
        serde_json::to_string(&filed.receipt).expect("json")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_starting_together_on_an_empty_database_migrate_it_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = postgres::new_database().await;
    let config = common::with_notice(dir.path());
    let config = hoso_portal::PortalConfig {
        database: hoso_portal::config::Database::Postgres {
            url: postgres::url(&database),
            pool_size: 4,
        },
        ..config
    };
    let starts: Vec<_> = (0..3)
        .map(|_| tokio::spawn(hoso_portal::start(config.clone())))
        .collect();
    let mut portals = Vec::new();
    for s in starts {
        portals.push(s.await.expect("task").expect("each replica starts"));
    }
    let db = postgres::connect(&database).await;
    let versions = db
        .query("SELECT version FROM schema_version", &[])
        .await
        .expect("versions");
    assert_eq!(versions.len(), 1, "one row of the schema's version");
    let replicas = count(&db, "SELECT COUNT(*) FROM replicas").await;
    assert_eq!(replicas, 3);
    // And they serve the same records: a token issued by one opens the
    // other two.
    let token = portals[0]
        .issue_token("cty-ba-noi", "Công ty Ba Nơi")
        .await
        .expect("token");
    let http = reqwest::Client::new();
    for p in &portals {
        let filed = common::submit(
            &http,
            p.base_url(),
            &token,
            "khoa-ba-noi",
            &request("Phạm Ba Nơi"),
        )
        .await;
        assert!(filed.status().is_success(), "{}", filed.status());
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM dossiers").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_whose_own_session_is_cut_stops_rather_than_write_under_others() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database, settings) = deployment(dir.path()).await;
    let mut a = replica(&settings);
    let db = postgres::connect(&database).await;
    let a_id: i32 = db
        .query_one("SELECT id FROM replicas WHERE address = $1", &[&a.base])
        .await
        .expect("A is registered")
        .get(0);
    // The session holding A's lock, ended from the server's side (as a
    // restart of the database or a cut link would).
    let cut: bool = db
        .query_one(
            "SELECT pg_terminate_backend(pid) FROM pg_locks
             WHERE locktype = 'advisory' AND classid = $2::INTEGER::OID
               AND objid = $1::INTEGER::OID AND objsubid = 2
               AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            // The replicas' lock namespace (records/postgres.rs).
            &[&a_id, &0x484F_0002i32],
        )
        .await
        .expect("A's session")
        .get(0);
    assert!(cut);
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = a.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "A went on serving without its lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(status.code(), Some(75));
}

/// Every restart registers a replica; the rows of replicas long gone and
/// named by nothing are removed by the next one to start, while a live
/// replica's row stays however old.
#[tokio::test(flavor = "multi_thread")]
async fn rows_of_replicas_long_gone_are_removed_and_live_ones_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database, settings) = deployment(dir.path()).await;
    let db = postgres::connect(&database).await;
    let ids = |rows: Vec<tokio_postgres::Row>| -> BTreeSet<i32> {
        rows.iter().map(|r| r.get::<_, i32>(0)).collect()
    };
    let live = replica(&settings);
    for _ in 0..3 {
        drop(replica(&settings));
    }
    let all = ids(db
        .query("SELECT id FROM replicas", &[])
        .await
        .expect("rows"));
    assert_eq!(all.len(), 4);
    db.execute(
        "UPDATE replicas SET started_at = '2026-01-01T08:00:00+07:00'",
        &[],
    )
    .await
    .expect("age them");

    let newest = replica(&settings);
    let left = ids(db
        .query("SELECT id FROM replicas", &[])
        .await
        .expect("rows"));
    let first = *all.iter().next().expect("the live one, started first");
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.contains(&first), "the live replica's row stays");
    assert!(left.iter().all(|id| *id == first || !all.contains(id)));
    drop((live, newest));
}

/// The settings of [`deployment`] for a named portal that asks for fees:
/// `[fees]` with a bank secret in a file every replica reads, and the
/// trial procedure with a fee served; the database's name, the settings
/// file and the secret.
async fn deployment_with_fees(
    dir: &Path,
) -> (String, std::path::PathBuf, hoso_core::bank::BankSecret) {
    let (database, settings) = deployment(dir).await;
    common::with_fee_notice(&dir.join("portal"));
    let secret = "bi-mat-chung-cua-so-va-ngan-hang-0123456789";
    let secret_file = dir.join("bank-secret");
    std::fs::write(&secret_file, secret).expect("secret");
    let text = std::fs::read_to_string(&settings).expect("settings");
    std::fs::write(
        &settings,
        format!(
            "name = {{ vi = \"Sở thử\", en = \"Trial department\" }}\n{text}\n\n[fees]\npayee = {{ bin = \"970415\", account = \"0011001932418\" }}\npayee_name = \"SO THU\"\nagency = {{ vi = \"Sở thử\", en = \"Trial department\" }}\nreceipt_form = \"01BLP0-001\"\nreceipt_serial = \"TH-26E\"\nbank_secret_file = \"{}\"\n",
            secret_file.display()
        ),
    )
    .expect("settings");
    (
        database,
        settings,
        hoso_core::bank::BankSecret::new(secret).expect("secret"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn notifications_resent_to_both_replicas_at_once_count_once_and_receipt_numbers_never_repeat()
{
    let dir = tempfile::tempdir().expect("temp dir");
    let (database, settings, secret) = deployment_with_fees(dir.path()).await;
    let a = replica(&settings);
    let b = replica(&settings);
    let bases = [a.base.clone(), b.base.clone()];
    let token = applicant(&settings, "cty-phi-hai-cong");
    let http = reqwest::Client::new();
    let mut codes = Vec::new();
    for i in 0..20 {
        codes.push(
            common::file_with_fee(
                &http,
                &bases[i % 2],
                &token,
                &format!("phi-nhan-ban-{i}"),
                &format!("Người nộp {i}"),
            )
            .await,
        );
    }
    // Every fee paid by one transfer whose notification the bank sends
    // four times, to both replicas, all at the same moment.
    let at = common::now_vn().to_rfc3339();
    let mut sends = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let body = common::bank_notification(
            &format!("FT-NB-{i:04}"),
            "0011001932418",
            common::FEE,
            &format!("{code} nop phi"),
            &at,
        );
        let headers = hoso_core::bank::headers(&secret, &body, common::now_vn());
        for k in 0..4 {
            let (http, base, headers, body) = (
                http.clone(),
                bases[k % 2].clone(),
                headers.clone(),
                body.clone(),
            );
            sends.push(tokio::spawn(async move {
                loop {
                    let res = common::send_notification(&http, &base, &headers, body.clone()).await;
                    if let Some(wait) = common::busy_wait(&res) {
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    let status = res.status();
                    return (i, status, res.text().await.expect("answer"));
                }
            }));
        }
    }
    let mut answers: Vec<Vec<(StatusCode, String)>> = vec![Vec::new(); codes.len()];
    for s in sends {
        let (i, status, text) = s.await.expect("sender");
        answers[i].push((status, text));
    }
    for (i, copies) in answers.iter().enumerate() {
        assert_eq!(copies[0].0, StatusCode::OK, "{}", copies[0].1);
        assert!(
            copies.iter().all(|c| *c == copies[0]),
            "transfer {i}: {copies:?}"
        );
    }
    let db = postgres::connect(&database).await;
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM bank_transactions").await,
        20
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM fee_receipts").await, 20);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(DISTINCT number) FROM fee_receipts WHERE serial = 'TH-26E'"
        )
        .await,
        20,
        "no number given twice"
    );
    assert_eq!(
        count(&db, "SELECT MAX(number) FROM fee_receipts").await,
        20,
        "and none skipped"
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM payment_requests WHERE state = 'paid' AND paid_vnd = 125000 AND refund_due_vnd = 0").await,
        20
    );
}
