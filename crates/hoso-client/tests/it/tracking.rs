//! Status sync across two portals at once: an officer's move on either
//! reaches this profile's store within one poll interval, a portal that
//! is down does not hold up the other, and a poll that finds nothing new
//! is answered 304.

use crate::{pattern_file, portal_for, sample_dossier};
use hoso_client::{Client, PortalRecord};
use hoso_core::poll::PollPolicy;
use hoso_core::status::Status;
use hoso_core::wire::Transition;
use hoso_portal::RunningPortal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A portal with an applicant and an officer.
struct Agency {
    portal: RunningPortal,
    officer: String,
    record: PortalRecord,
}

async fn agency(dir: &std::path::Path, name: &str, client: &Client) -> Agency {
    let (portal, record) = portal_for(&dir.join(name), client).await;
    let officer = portal
        .issue_officer_token("can-bo-1", "Cán bộ một cửa")
        .await
        .expect("officer token");
    Agency {
        portal,
        officer,
        record,
    }
}

/// Files the sample dossier with `agency`; its code.
async fn file(dir: &std::path::Path, client: &Client, agency: &Agency) -> String {
    let procedure = quality_inspection(client, &agency.record).await;
    let certificate = pattern_file(dir, &format!("cn-{}.pdf", agency.record.id), 40_000);
    let content = sample_dossier(dir, client, &procedure, &certificate).await;
    client
        .submit(&agency.record, content)
        .await
        .expect("filed")
        .receipt
        .dossier_code
        .to_string()
}

/// The quality-inspection procedure as `portal` serves it.
async fn quality_inspection(client: &Client, portal: &PortalRecord) -> hoso_core::Procedure {
    client
        .procedures(portal)
        .await
        .expect("catalog")
        .into_iter()
        .find(|p| p.code.as_str() == "kiem-tra-cl-nhap-khau")
        .expect("procedure")
}

/// A profile with one agency and one dossier filed there (its code).
async fn one_filed() -> (tempfile::TempDir, Client, Agency, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let client = Client::open(&dir.path().join("profile"))
        .await
        .expect("profile");
    let a = agency(dir.path(), "so-khcn", &client).await;
    let code = file(dir.path(), &client, &a).await;
    (dir, client, a, code)
}

/// The officer moves dossier `code` to `to`.
async fn officer_moves(agency: &Agency, code: &str, to: Status) {
    let res = reqwest::Client::new()
        .post(format!(
            "{}/v1/officer/dossiers/{code}/status",
            agency.portal.base_url()
        ))
        .bearer_auth(&agency.officer)
        .json(&Transition {
            to,
            note: "Đã kiểm tra".into(),
            request: None,
        })
        .send()
        .await
        .expect("officer request");
    assert!(res.status().is_success(), "officer move: {}", res.status());
}

/// Waits until the profile knows `code` at `portal` is `want`; how long.
async fn until_known(client: &Client, portal: &PortalRecord, code: &str, want: Status) -> Duration {
    let start = Instant::now();
    loop {
        let known = client
            .dossier_status(portal, code)
            .await
            .expect("status read");
        if known.as_ref().is_some_and(|k| k.status == want) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{code} never became {want:?} here (known: {known:?})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn moves_on_two_portals_arrive_within_one_poll_interval_even_with_one_down() {
    let dir = tempfile::tempdir().expect("temp dir");
    let client = Client::open(&dir.path().join("profile"))
        .await
        .expect("profile");
    let a = agency(dir.path(), "so-khcn", &client).await;
    let b = agency(dir.path(), "ubnd-phuong", &client).await;
    let code_a = file(dir.path(), &client, &a).await;
    let code_b = file(dir.path(), &client, &b).await;

    let policy = PollPolicy {
        base: Duration::from_millis(300),
        idle_max: Duration::from_millis(1200),
        busy_max: Duration::from_secs(3),
    };
    let failures_b = Arc::new(AtomicU32::new(0));
    let pollers = [
        (a.record.clone(), None),
        (b.record.clone(), Some(failures_b.clone())),
    ]
    .into_iter()
    .map(|(record, failures)| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .poll_status(record, policy, move |result, _wait| {
                    if let (Err(_), Some(f)) = (result, &failures) {
                        f.fetch_add(1, Ordering::Relaxed);
                    }
                })
                .await
        })
    })
    .collect::<Vec<_>>();

    // Filing itself is the first change each feed shows.
    until_known(&client, &a.record, &code_a, Status::Received).await;
    until_known(&client, &b.record, &code_b, Status::Received).await;

    // Let both pollers reach their longest wait, then move a dossier on
    // each: each change is here within one interval (plus the request).
    tokio::time::sleep(Duration::from_secs(4)).await;
    tokio::join!(
        officer_moves(&a, &code_a, Status::Accepted),
        officer_moves(&b, &code_b, Status::Accepted)
    );
    let (took_a, took_b) = tokio::join!(
        until_known(&client, &a.record, &code_a, Status::Accepted),
        until_known(&client, &b.record, &code_b, Status::Accepted)
    );
    println!("accepted on A known after {took_a:?}, on B after {took_b:?}");
    let bound = policy.idle_max + Duration::from_millis(500);
    assert!(
        took_a <= bound && took_b <= bound,
        "{took_a:?} {took_b:?} > {bound:?}"
    );

    // Portal B goes down; A's next move still arrives in time.
    let Agency {
        portal: portal_b, ..
    } = b;
    portal_b.stop().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    officer_moves(&a, &code_a, Status::Processing).await;
    let took = until_known(&client, &a.record, &code_a, Status::Processing).await;
    println!("processing on A known after {took:?} with B down");
    assert!(took <= bound, "{took:?} > {bound:?}");
    assert!(
        failures_b.load(Ordering::Relaxed) > 0,
        "B's poller met the outage"
    );
    // B's last known state stays, with the time it was confirmed.
    let kept = client
        .dossier_status(&b.record, &code_b)
        .await
        .expect("read")
        .expect("known");
    assert_eq!(kept.status, Status::Accepted);
    assert!(kept.confirmed_at.is_some());
    let history = client
        .dossier_status(&a.record, &code_a)
        .await
        .expect("read")
        .expect("known")
        .history;
    let states: Vec<Status> = history.iter().map(|e| e.status).collect();
    assert_eq!(
        states,
        [Status::Received, Status::Accepted, Status::Processing]
    );
    assert!(!history[1].actor.is_empty(), "who moved it is kept");
    assert_eq!(history[1].note, "Đã kiểm tra");
    for p in pollers {
        p.abort();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_that_finds_nothing_new_costs_one_request() {
    let (_dir, client, a, code) = one_filed().await;
    let first = client.sync_status(&a.record).await.expect("first sync");
    assert_eq!(first.new_events, 1, "the filing");
    let again = client.sync_status(&a.record).await.expect("second sync");
    assert_eq!(again.new_events, 0);
    assert_eq!(again.requests, 1, "one revalidation answered 304");
    officer_moves(&a, &code, Status::Accepted).await;
    let moved = client.sync_status(&a.record).await.expect("third sync");
    assert_eq!(moved.new_events, 1);

    // The list line of the filed dossier carries its standing.
    let listed = client
        .dossiers(hoso_core::DossierQuery::default())
        .await
        .expect("list");
    let line = listed
        .iter()
        .find(|d| d.dossier_code.as_deref() == Some(code.as_str()))
        .expect("listed");
    let tracking = line.tracking.as_ref().expect("tracked once filed");
    assert_eq!(tracking.status, Status::Accepted);
    assert!(tracking.confirmed_at.is_some());
    let receipt = client.receipt(&a.record, line.id).await.expect("receipt");
    assert_eq!(tracking.appointment_date, receipt.receipt.appointment_date);
    assert!(
        !matches!(
            tracking.deadline,
            hoso_core::deadline::Deadline::Settled | hoso_core::deadline::Deadline::Paused
        ),
        "an accepted dossier's deadline runs: {:?}",
        tracking.deadline
    );
}

#[tokio::test]
async fn the_report_counts_by_portal_and_state_and_exports_csv() {
    let (_dir, client, a, code) = one_filed().await;
    officer_moves(&a, &code, Status::Accepted).await;
    client.sync_status(&a.record).await.expect("sync");
    // A draft beside it: listed, not counted.
    let procedure = quality_inspection(&client, &a.record).await;
    client
        .create_dossier(&a.record, &procedure)
        .await
        .expect("draft");

    let rows = client.report().await.expect("report");
    assert_eq!(rows.len(), 2);
    let filed = rows.iter().find(|r| r.code == code).expect("filed row");
    let tracking = filed.tracking.as_ref().expect("filed: tracked");
    assert_eq!(tracking.status, Status::Accepted);
    assert!(filed.received_at.is_some());
    let summary = hoso_client::report::summary(&rows);
    assert_eq!(
        summary
            .by_portal_and_status
            .get(&(filed.portal.clone(), Status::Accepted)),
        Some(&1)
    );
    assert_eq!(
        summary.by_portal_and_status.values().sum::<usize>(),
        1,
        "drafts are not counted"
    );

    let csv = hoso_client::report::csv(&rows);
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert!(lines[0].starts_with("Mã hồ sơ / Dossier code,"));
    let line = lines
        .iter()
        .find(|l| l.starts_with(&code))
        .expect("filed line");
    assert!(line.contains("Đã chấp nhận hồ sơ"), "{line}");
    assert!(line.contains("kiem-tra-cl-nhap-khau"), "{line}");
    assert_eq!(
        lines.len(),
        4,
        "heading, two dossiers, and the final line break"
    );
}
