//! The portal deployed as an agency runs it: three replicas of the
//! `hoso-portal` binary on one PostgreSQL and one Garage bucket, behind
//! nginx (`hoso-cluster`), every request of the client through nginx. A
//! PATCH cut by killing the replica receiving it resumes on another and
//! files the right bytes; one key sent fifty times at once over the
//! replicas files once; two hundred filings get distinct codes while a
//! feed reader misses none and never sees a cursor go back.
//!
//! The tests take turns (each starts a whole cluster; on two cores three
//! at once would measure the machine).

mod common;

use common::{bytes, one_key_from_many, until_answered};
use hoso_cluster::{Cluster, Options};
use hoso_core::Sha256Digest;
use hoso_core::dossier::AttachedDocument;
use hoso_core::wire::{StatusFeed, SubmissionResponse, UploadRef};
use reqwest::StatusCode;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const MIB: u64 = 1024 * 1024;

/// One cluster at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Three replicas behind nginx, serving the trial notice that takes large
/// scans; the database skips syncing (the tests judge the portal).
async fn cluster() -> Cluster {
    let mut options = Options::new(env!("CARGO_BIN_EXE_hoso-portal"));
    options.replicas = 3;
    options.procedures = vec![("thong-bao-thu.json".into(), common::big_notice())];
    options.durable_database = false;
    let cluster = tokio::task::spawn_blocking(move || Cluster::start(options))
        .await
        .expect("start task")
        .unwrap_or_else(|e| panic!("the cluster did not start: {e}"));
    println!(
        "cluster of 3 replicas ready in {:.2} s at {}",
        cluster.started_in().as_secs_f64(),
        cluster.url()
    );
    cluster
}

/// The replica row holding the lease of upload `id`, once there is one.
async fn lease_holder(db: &tokio_postgres::Client, id: &str) -> Option<i64> {
    db.query_opt(
        "SELECT replica FROM upload_leases WHERE upload_id = $1",
        &[&id],
    )
    .await
    .expect("upload_leases")
    .map(|r| r.get(0))
}

async fn database(cluster: &Cluster) -> tokio_postgres::Client {
    let (client, connection) =
        tokio_postgres::connect(&cluster.database_url(), tokio_postgres::NoTls)
            .await
            .expect("the cluster's database");
    tokio::spawn(connection);
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_patch_cut_by_killing_its_replica_resumes_on_another_through_nginx_and_files_the_sent_bytes()
 {
    let _turn = ONE_AT_A_TIME.lock().await;
    let began = Instant::now();
    let mut cluster = cluster().await;
    let base = cluster.url();
    let token = cluster
        .add_applicant("cty-mat-ban", "Công ty Mất Bản Chạy")
        .expect("applicant");
    let officer = cluster
        .add_officer("can-bo-mat-ban", "Cán bộ Mất Bản Chạy")
        .expect("officer");
    let db = database(&cluster).await;
    let http = reqwest::Client::new();
    let data = Arc::new(bytes(48 * MIB, 48));
    let len = data.len() as u64;
    let (url, _) = common::create_upload(&http, &base, &token, len).await;
    assert!(
        url.starts_with(&base),
        "the upload's address is nginx's: {url}"
    );
    let id = url.rsplit('/').next().expect("id").to_owned();

    // One PATCH of the whole upload, streamed at about 16 MiB/s.
    let common::Trickle { body, sent } =
        common::trickle(data.clone(), 0, 64 * 1024, Duration::from_millis(4), false);
    let patch = tokio::spawn(
        http.patch(&url)
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", "0")
            .header("Content-Type", "application/offset+octet-stream")
            .body(body)
            .send(),
    );

    // Mid-body, the replica holding the upload's lease dies.
    let deadline = Instant::now() + Duration::from_secs(60);
    let holder = loop {
        if sent.load(Ordering::SeqCst) >= 20 * MIB
            && let Some(holder) = lease_holder(&db, &id).await
        {
            break holder;
        }
        assert!(
            Instant::now() < deadline,
            "no replica took the upload's lease"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let victim = cluster
        .replica_with_id(holder)
        .unwrap_or_else(|| panic!("the lease names replica row {holder}, none of this cluster's"));
    cluster.kill_replica(victim);
    let at_kill = sent.load(Ordering::SeqCst);
    assert!(at_kill < len, "the kill came mid-body ({at_kill} of {len})");
    let cut = patch.await.expect("patch task");
    assert!(
        !cut.as_ref()
            .is_ok_and(|r| r.status() == StatusCode::NO_CONTENT),
        "a PATCH whose replica was killed did not succeed: {cut:?}"
    );

    // Another replica answers HEAD through nginx: what it says arrived
    // was sent, and at least one part of the store was durable.
    let kept = common::head(&http, &url, &token).await;
    let sent_by_then = sent.load(Ordering::SeqCst);
    println!(
        "replica {victim} (row {holder}) killed after {:.1} MiB sent; HEAD through nginx says {:.1} MiB",
        at_kill as f64 / MIB as f64,
        kept as f64 / MIB as f64
    );
    assert!(
        kept <= sent_by_then,
        "HEAD claims {kept} > {sent_by_then} sent"
    );
    assert!(
        kept >= 5 * MIB,
        "checkpoints made at least a 5 MiB part durable before the kill at {at_kill}: {kept}"
    );

    // The killed replica comes back (as its service manager would restart it).
    tokio::task::block_in_place(|| cluster.restart_replica(victim)).expect("restart");

    // The rest through nginx, from where HEAD says; a 409 (bytes found
    // durable beyond the recorded offset) sends the client to HEAD again.
    let mut rounds = 0;
    loop {
        let from = common::head(&http, &url, &token).await;
        if from == len {
            break;
        }
        rounds += 1;
        assert!(rounds <= 10, "the upload did not complete in 10 PATCHes");
        let res = common::patch(&http, &url, &token, from, data[from as usize..].to_vec()).await;
        assert!(
            matches!(res.status().as_u16(), 204 | 409),
            "PATCH from {from}: {}",
            res.status()
        );
    }

    // Filed through nginx, naming the upload.
    let sha256 = Sha256Digest::of(&data);
    let mut request = common::request("Công ty Mất Bản Chạy");
    request.dossier.documents.push(AttachedDocument {
        slot: "scan".into(),
        name: "ban-quet.pdf".into(),
        size: len,
        sha256,
    });
    request.uploads.push(UploadRef {
        sha256,
        upload_url: url.clone(),
    });
    let res = common::submit(&http, &base, &token, "nop-sau-khi-mat-ban", &request).await;
    let status = res.status();
    let text = res.text().await.expect("answer");
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let filed: SubmissionResponse = serde_json::from_str(&text).expect("receipt");
    let code = common::receipt_text(&filed, "dossier_code");
    let receipt = serde_json::to_string(&filed.receipt.receipt).expect("json");
    assert!(
        receipt.contains(&sha256.to_hex()),
        "the receipt lists the document's SHA-256: {receipt}"
    );

    // What an officer downloads through nginx is what was sent.
    let res = http
        .get(format!(
            "{base}/v1/officer/dossiers/{code}/documents/{}",
            sha256.to_hex()
        ))
        .bearer_auth(&officer)
        .send()
        .await
        .expect("download");
    assert_eq!(res.status(), StatusCode::OK);
    let downloaded = res.bytes().await.expect("body");
    assert_eq!(
        Sha256Digest::of(&downloaded),
        sha256,
        "the filed document's SHA-256 is that of the bytes sent"
    );
    println!(
        "killed mid-PATCH, resumed in {rounds} PATCHes, filed {code}: {:.1} s in all",
        began.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_submissions_with_one_key_through_nginx_over_three_replicas_make_one_dossier() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let began = Instant::now();
    let cluster = cluster().await;
    let base = cluster.url();
    let token = cluster
        .add_applicant("cty-nam-muoi", "Công ty Năm Mươi")
        .expect("applicant");
    let conflicts =
        one_key_from_many(&[&base], &token, "mot-khoa-ba-ban", "Nguyễn Thị Ba Bản").await;
    let served = cluster.served_by_replica("POST /v1/dossiers ");
    assert!(
        served.iter().filter(|n| **n > 0).count() > 1,
        "more than one replica answered: {served:?}"
    );
    let db = database(&cluster).await;
    let count = |sql: &'static str| {
        let db = &db;
        async move {
            db.query_one(sql, &[])
                .await
                .expect("count")
                .get::<_, i64>(0)
        }
    };
    assert_eq!(count("SELECT COUNT(*) FROM dossiers").await, 1);
    assert_eq!(
        count("SELECT COUNT(*) FROM status_events").await,
        1,
        "one dossier, received once"
    );
    println!(
        "50 clients through nginx, answered by replicas {served:?}, {conflicts} answers of 409 before the receipt; {:.1} s",
        began.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_filings_through_nginx_get_distinct_codes_and_the_feed_misses_none_nor_goes_back()
 {
    let _turn = ONE_AT_A_TIME.lock().await;
    let began = Instant::now();
    let cluster = cluster().await;
    let base = cluster.url();
    let token = cluster
        .add_applicant("cty-hai-tram", "Công ty Hai Trăm")
        .expect("applicant");
    let http = reqwest::Client::new();
    let done = Arc::new(AtomicBool::new(false));

    // A reader follows the feed through nginx while the filings run, and
    // once more after, as the app does.
    let reader = {
        let (http, base, token, done) = (http.clone(), base.clone(), token.clone(), done.clone());
        tokio::spawn(async move {
            let mut since = 0u64;
            let mut seen: Vec<u64> = Vec::new();
            let mut codes = BTreeSet::new();
            let mut polls = 0usize;
            loop {
                let finished = done.load(Ordering::SeqCst);
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
                assert_eq!(res.status(), StatusCode::OK);
                let feed: StatusFeed = res.json().await.expect("feed json");
                for e in &feed.events {
                    assert!(
                        seen.last().is_none_or(|last| e.cursor > *last),
                        "cursor {} after {:?}",
                        e.cursor,
                        seen.last()
                    );
                    assert!(e.cursor > since, "cursor {} asked after {since}", e.cursor);
                    seen.push(e.cursor);
                    codes.insert(e.code.as_str().to_owned());
                }
                assert!(
                    feed.next_cursor >= since,
                    "the next cursor {} went back from {since}",
                    feed.next_cursor
                );
                since = feed.next_cursor;
                if finished && !feed.more {
                    return (codes, seen.len(), polls);
                }
                if !feed.more {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        })
    };
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            tokio::spawn(until_answered(
                http.clone(),
                base.clone(),
                token.clone(),
                format!("khoa-{i:03}"),
                format!("Người nộp số {i}"),
            ))
        })
        .collect();
    let mut codes = BTreeSet::new();
    for t in tasks {
        let (_, r) = t.await.expect("client");
        assert!(!r.existing);
        codes.insert(common::receipt_text(&r, "dossier_code"));
    }
    let filed_in = began.elapsed();
    done.store(true, Ordering::SeqCst);
    assert_eq!(codes.len(), 200, "200 filings, 200 distinct codes");

    let (fed, events, polls) = reader.await.expect("reader");
    let missed: Vec<&String> = codes.difference(&fed).collect();
    assert!(missed.is_empty(), "the feed reader missed {missed:?}");
    assert_eq!(events, 200, "each filing once in the feed");
    let served = cluster.served_by_replica("POST /v1/dossiers ");
    assert!(
        served.iter().all(|n| *n > 0),
        "every replica filed some: {served:?}"
    );
    println!(
        "200 filings through nginx over replicas {served:?} in {:.1} s; the feed read in {polls} polls",
        filed_in.as_secs_f64()
    );
}
