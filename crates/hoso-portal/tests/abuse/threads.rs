//! Threads: bodies being written never starve the database. A thousand
//! slow uploads hold no thread while they wait for the network, and
//! signing in, HEAD and every short query run on the database's own
//! threads. (Before: 80 uploads at 1 MiB/s without checksums froze the
//! portal for good; 64 silent PATCHes locked out every signed-in user.)

use crate::common::{Backend, dual};
use crate::common::{create_upload, request, submit};
use crate::common::{head_answer, trickle};
use crate::served::{Served, client_from};
use crate::{offset_of, one_at_a_time};
use reqwest::StatusCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

const MIB: usize = 1024 * 1024;

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn eighty_uploads_without_checksums_at_1_mib_s_leave_head_answering(backend: Backend) {
    let _one = one_at_a_time().await;
    let portal = Served::start(backend, "", None).await;
    let token = portal.applicant("nha-nhap-khau");
    let http = client_from("127.0.0.1");
    let data = Arc::new((0..4 * MIB).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
    let mut urls = Vec::new();
    for _ in 0..80 {
        urls.push(
            create_upload(&http, &portal.base, &token, data.len() as u64)
                .await
                .0,
        );
    }
    // tus-js-client's default: the whole file in one PATCH, no checksum;
    // here at 1 MiB/s each, 80 at once.
    let mut uploads = tokio::task::JoinSet::new();
    for url in &urls {
        let request = http
            .patch(url)
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", "0")
            .header("Content-Type", "application/offset+octet-stream")
            .body(
                trickle(
                    data.clone(),
                    0,
                    64 * 1024,
                    Duration::from_micros(62_500),
                    false,
                )
                .body,
            );
        uploads.spawn(request.send());
    }
    // A HEAD every 100 ms meanwhile, each answered within a second, the
    // offset it reports only growing. A HEAD waits up to a second for the
    // request of its upload to make what it kept durable: on the shared
    // back end the request that completes it uploads its last part, which
    // 80 uploads ending together make slow, so there one more second.
    let within = match backend {
        Backend::Local => Duration::from_secs(1),
        Backend::Shared => Duration::from_secs(2),
    };
    let (mut probes, mut slowest, mut last) = (0, Duration::ZERO, 0);
    while !uploads.is_empty() {
        let started = Instant::now();
        let res = tokio::time::timeout(within, head_answer(&http, &urls[0], &token))
            .await
            .unwrap_or_else(|_| panic!("a HEAD during the load is answered within {within:?}"));
        assert_eq!(res.status(), StatusCode::OK);
        let offset = offset_of(&res);
        assert!(offset >= last, "HEAD went back from {last} to {offset}");
        last = offset;
        slowest = slowest.max(started.elapsed());
        probes += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
        while let Some(done) = uploads.try_join_next() {
            let res = done.expect("task").expect("PATCH answered");
            assert_eq!(res.status(), StatusCode::NO_CONTENT);
            assert_eq!(offset_of(&res), data.len() as u64);
        }
    }
    println!("{probes} HEADs during the load, the slowest in {slowest:?}");
    assert!(probes >= 20, "the load lasted {probes} probes");
    for url in &urls {
        let res = head_answer(&http, url, &token).await;
        assert_eq!(offset_of(&res), data.len() as u64, "{url} whole");
    }
}
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn silent_patches_hold_nothing_others_are_served_meanwhile_and_keep_their_bytes(backend: Backend) {
    let _one = one_at_a_time().await;
    for silent in [64usize, 200] {
        let portal = Served::start(backend, "idle_body_timeout_secs = 3\n", None).await;
        let attacker = portal.applicant("ke-im-lang");
        let other = portal.applicant("nguoi-khac");
        let officer = portal.officer("can-bo");
        let quiet = client_from("127.0.0.2");
        let first_bytes = Arc::new(b"%PDF-1.7 a".to_vec());
        let mut urls = Vec::new();
        let mut hanging = Vec::new();
        for _ in 0..silent {
            let (url, _) = create_upload(&quiet, &portal.base, &attacker, MIB as u64).await;
            let request = quiet
                .patch(&url)
                .bearer_auth(&attacker)
                .header("Tus-Resumable", "1.0.0")
                .header("Upload-Offset", "0")
                .header("Content-Type", "application/offset+octet-stream")
                .body(trickle(first_bytes.clone(), 0, 10, Duration::ZERO, true).body);
            hanging.push(tokio::spawn(request.send()));
            urls.push(url);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;

        // Another applicant signs in, uploads, files and follows; an
        // officer reads the queue: each answered within a second.
        let http = client_from("127.0.0.3");
        let within = Duration::from_secs(1);
        let started = Instant::now();
        let (url, _) = tokio::time::timeout(within, create_upload(&http, &portal.base, &other, 4))
            .await
            .expect("creation within a second");
        let res = tokio::time::timeout(
            within,
            crate::common::patch(&http, &url, &other, 0, b"%PDF".to_vec()),
        )
        .await
        .expect("PATCH within a second");
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let res = tokio::time::timeout(within, head_answer(&http, &url, &other))
            .await
            .expect("HEAD within a second");
        assert_eq!(offset_of(&res), 4);
        let res = tokio::time::timeout(
            within,
            submit(
                &http,
                &portal.base,
                &other,
                "trong-luc-tan-cong",
                &request("Nguyễn Văn Khác"),
            ),
        )
        .await
        .expect("filing within a second");
        assert_eq!(res.status(), StatusCode::CREATED);
        let res = tokio::time::timeout(
            within,
            http.get(format!("{}/v1/dossiers?since=0", portal.base))
                .bearer_auth(&other)
                .send(),
        )
        .await
        .expect("feed within a second")
        .expect("feed");
        assert_eq!(res.status(), StatusCode::OK);
        let res = tokio::time::timeout(
            within,
            http.get(format!("{}/v1/officer/dossiers", portal.base))
                .bearer_auth(&officer)
                .send(),
        )
        .await
        .expect("officer's queue within a second")
        .expect("queue");
        assert_eq!(res.status(), StatusCode::OK);
        println!(
            "{silent} silent PATCHes: another applicant's five requests and an officer's took {:?}",
            started.elapsed()
        );

        // After the idle timeout each silent PATCH is cut, keeping its
        // ten bytes for the next request of its owner.
        tokio::time::sleep(Duration::from_secs(4)).await;
        for url in &urls {
            let res = head_answer(&quiet, url, &attacker).await;
            assert_eq!(offset_of(&res), 10, "{url} kept what arrived");
        }
        for h in hanging {
            h.abort();
        }
    }
}
}
