//! Status sync across two portals at once: an officer's move on either
//! reaches this profile's store within one poll interval, a portal that
//! is down does not hold up the other, and a poll that finds nothing new
//! is answered 304.

use crate::{pattern_file, portal_for, quality_inspection, sample_dossier};
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
    officer(
        agency,
        code,
        Transition {
            to,
            note: "Đã kiểm tra".into(),
            request: None,
        },
    )
    .await
}

/// The officer makes `change` to dossier `code`; a result is issued with
/// its document, attached first.
async fn officer(agency: &Agency, code: &str, change: Transition) {
    if change.to == Status::ResultReady {
        let res = reqwest::Client::new()
            .put(format!(
                "{}/v1/officer/dossiers/{code}/results/ket-qua.pdf",
                agency.portal.base_url()
            ))
            .bearer_auth(&agency.officer)
            .body("%PDF-1.7 kết quả")
            .send()
            .await
            .expect("officer request");
        assert!(
            res.status().is_success(),
            "result attached: {}",
            res.status()
        );
    }
    let res = reqwest::Client::new()
        .post(format!(
            "{}/v1/officer/dossiers/{code}/status",
            agency.portal.base_url()
        ))
        .bearer_auth(&agency.officer)
        .json(&change)
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
    // Each line names the portal its dossier was filed with (two portals
    // may well give the same code).
    let mut filed_with: Vec<(String, i64)> = client
        .dossiers(Default::default())
        .await
        .expect("list")
        .into_iter()
        .map(|l| (l.dossier_code.unwrap_or_default(), l.portal))
        .collect();
    filed_with.sort_by_key(|(_, portal)| *portal);
    assert_ne!(a.record.id, b.record.id);
    let mut want = vec![(code_a.clone(), a.record.id), (code_b.clone(), b.record.id)];
    want.sort_by_key(|(_, portal)| *portal);
    assert_eq!(filed_with, want);

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
    let draft = client
        .create_dossier(&a.record, &procedure)
        .await
        .expect("draft");

    let rows = client.report().await.expect("report");
    assert_eq!(rows.len(), 2);
    // A draft has no code yet: its local id names it.
    assert!(
        rows.iter().any(|r| r.id == draft.summary.id
            && r.code.is_empty()
            && r.local_state == hoso_core::DossierState::Draft),
        "{rows:?}"
    );
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

#[tokio::test(flavor = "multi_thread")]
async fn a_portal_that_presents_another_key_is_refused_with_a_warning() {
    let (dir, client, a, code) = one_filed().await;
    client.sync_status(&a.record).await.expect("first sync");
    let before = client
        .dossier_status(&a.record, &code)
        .await
        .expect("read")
        .expect("known");

    // Another server answers at the portal's address, with its own key.
    let addr = a.portal.addr();
    a.portal.stop().await;
    let mut impostor = hoso_portal::PortalConfig::practice(dir.path().join("impostor"));
    impostor.listen = addr;
    let impostor = hoso_portal::start(impostor).await.expect("impostor starts");
    let err = client
        .sync_status(&a.record)
        .await
        .expect_err("another key is refused");
    let hoso_client::ClientError::KeyChanged { pinned, presented } = &err else {
        panic!("expected a changed key, got {err}");
    };
    assert_eq!(pinned, &a.record.key.fingerprint());
    assert_ne!(pinned, presented);
    let warning = err.message();
    println!("{}", warning.vi);
    assert!(warning.vi.contains(presented.as_str()), "{}", warning.vi);
    let marked = client
        .portals()
        .await
        .expect("portals")
        .into_iter()
        .find(|p| p.id == a.record.id)
        .expect("still listed");
    assert_eq!(marked.key_changed.as_deref(), Some(presented.as_str()));
    // Nothing was read from it: the last known state and its time stand.
    let after = client
        .dossier_status(&a.record, &code)
        .await
        .expect("read")
        .expect("known");
    assert_eq!(after, before);

    // The real portal comes back with the pinned key: trusted again.
    impostor.stop().await;
    let mut real = hoso_portal::PortalConfig::practice(dir.path().join("so-khcn"));
    real.listen = addr;
    let _real = hoso_portal::start(real).await.expect("portal restarts");
    client.sync_status(&a.record).await.expect("sync again");
    let cleared = client
        .portals()
        .await
        .expect("portals")
        .into_iter()
        .find(|p| p.id == a.record.id)
        .expect("listed");
    assert_eq!(cleared.key_changed, None);
}

/// The officer asks for more on dossier `code`.
async fn officer_asks(agency: &Agency, code: &str, request: &str) {
    officer(
        agency,
        code,
        Transition {
            to: Status::SupplementRequested,
            note: "Thiếu giấy tờ".into(),
            request: Some(request.into()),
        },
    )
    .await
}

/// Every supplement the portal holds for `code`, as an officer reads them.
async fn officer_reads(
    agency: &Agency,
    code: &str,
) -> Vec<hoso_core::supplement::SupplementReceipt> {
    reqwest::Client::new()
        .get(format!(
            "{}/v1/officer/dossiers/{code}/supplements",
            agency.portal.base_url()
        ))
        .bearer_auth(&agency.officer)
        .send()
        .await
        .expect("officer request")
        .json()
        .await
        .expect("supplements")
}

/// The officer's download of the document with `sha256` from dossier
/// `code`, made with `token`: its status, headers and bytes.
async fn officer_downloads(
    agency: &Agency,
    code: &str,
    sha256: &hoso_core::Sha256Digest,
    token: &str,
) -> (reqwest::StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let res = reqwest::Client::new()
        .get(format!(
            "{}/v1/officer/dossiers/{code}/documents/{sha256}",
            agency.portal.base_url()
        ))
        .bearer_auth(token)
        .send()
        .await
        .expect("officer request");
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = res.bytes().await.expect("body").to_vec();
    (status, headers, bytes)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supplement_is_asked_answered_once_and_the_dossier_completes() {
    let (dir, client, a, code) = one_filed().await;
    let id = client
        .dossiers(hoso_core::DossierQuery::default())
        .await
        .expect("list")
        .into_iter()
        .find(|d| d.dossier_code.as_deref() == Some(code.as_str()))
        .expect("listed")
        .id;
    let answer = |documents| hoso_core::supplement::Supplement {
        answer: "Xin gửi bản dịch công chứng của giấy chứng nhận.".into(),
        documents,
    };
    // Not asked yet: nothing is sent.
    let early = client
        .submit_supplement(&a.record, id, answer(vec![]))
        .await
        .expect_err("not asked");
    assert!(
        matches!(early, hoso_client::ClientError::Refused(_)),
        "{early}"
    );

    let asked_for = "Bản dịch tiếng Việt có công chứng của giấy chứng nhận chất lượng";
    officer_asks(&a, &code, asked_for).await;
    client.sync_status(&a.record).await.expect("sync");
    let asked = client
        .supplement_request(id)
        .await
        .expect("read")
        .expect("asked");
    assert_eq!(asked.request, asked_for);

    // An empty answer is refused here, before anything is sent.
    let empty = client
        .submit_supplement(
            &a.record,
            id,
            hoso_core::supplement::Supplement {
                answer: " ".into(),
                documents: vec![],
            },
        )
        .await
        .expect_err("empty");
    assert!(
        matches!(empty, hoso_client::ClientError::Invalid(_)),
        "{empty}"
    );

    let translation = pattern_file(dir.path(), "ban-dich-cong-chung.pdf", 70_000);
    let entry = client
        .import_attachment(&translation)
        .await
        .expect("import");
    let documents = vec![hoso_core::AttachedDocument {
        slot: "quality_certificate".into(),
        name: entry.name.clone(),
        size: entry.size,
        sha256: entry.sha256,
    }];
    let filed = client
        .submit_supplement(&a.record, id, answer(documents.clone()))
        .await
        .expect("supplement filed");
    let receipt = filed.receipt.expect("receipt kept");
    assert_eq!(receipt.number, 1);
    assert_eq!(receipt.request, asked_for);
    assert_eq!(receipt.documents[0].sha256, entry.sha256);
    // Sending it again answers with the same receipt; the portal holds one.
    let again = client
        .submit_supplement(&a.record, id, answer(documents))
        .await
        .expect("again");
    assert_eq!(again.receipt_sha256, filed.receipt_sha256);
    let seen = officer_reads(&a, &code).await;
    assert_eq!(seen.len(), 1, "one supplement at the portal");
    assert_eq!(seen[0].answer, receipt.answer);
    assert_eq!(seen[0].documents[0].name, "ban-dich-cong-chung.pdf");

    // The officer reads every file as filed: the answer's and the dossier's.
    let (status, headers, bytes) = officer_downloads(&a, &code, &entry.sha256, &a.officer).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(bytes, std::fs::read(&translation).expect("translation"));
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename*=UTF-8''ban-dich-cong-chung.pdf"
    );
    let filed_docs = client.dossier(id).await.expect("dossier").content.documents;
    assert!(filed_docs.len() >= 2, "{} documents", filed_docs.len());
    for doc in &filed_docs {
        let (status, _, bytes) = officer_downloads(&a, &code, &doc.sha256, &a.officer).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{}", doc.name);
        assert_eq!(bytes.len() as u64, doc.size, "{}", doc.name);
        assert_eq!(
            hoso_core::Sha256Digest::of(&bytes),
            doc.sha256,
            "{}",
            doc.name
        );
    }
    // Not for the applicant's token, not under another dossier's code, and
    // not a file the dossier does not name.
    let (status, _, _) = officer_downloads(
        &a,
        &code,
        &entry.sha256,
        a.record.token.as_deref().expect("token"),
    )
    .await;
    assert!(
        status == reqwest::StatusCode::FORBIDDEN || status == reqwest::StatusCode::UNAUTHORIZED,
        "{status}"
    );
    let (status, _, _) =
        officer_downloads(&a, "HOSO.PRACTICE-000000-0000", &entry.sha256, &a.officer).await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND);
    let (status, _, _) =
        officer_downloads(&a, &code, &hoso_core::Sha256Digest::of(b"khac"), &a.officer).await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND);

    // The supplement brought it back; the officer takes it to the end.
    client.sync_status(&a.record).await.expect("sync");
    let back = client
        .dossier_status(&a.record, &code)
        .await
        .expect("read")
        .expect("known");
    assert_eq!(back.status, Status::Received);
    assert!(
        back.history
            .last()
            .expect("event")
            .note
            .contains("Bổ sung lần 1")
    );
    assert_eq!(client.supplement_request(id).await.expect("read"), None);
    for to in [
        Status::Accepted,
        Status::Processing,
        Status::ResultReady,
        Status::Completed,
    ] {
        officer_moves(&a, &code, to).await;
    }
    client.sync_status(&a.record).await.expect("sync");
    let line = client
        .dossiers(hoso_core::DossierQuery::default())
        .await
        .expect("list")
        .into_iter()
        .find(|d| d.id == id)
        .expect("listed");
    let tracking = line.tracking.expect("tracked");
    assert_eq!(tracking.status, Status::Completed);
    assert_eq!(tracking.appointment_date, receipt.appointment_date);
    let kept = client.supplements(&a.record, id).await.expect("kept");
    assert_eq!(kept.len(), 1);
}
