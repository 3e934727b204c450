//! Shared records that do not answer in time: a request waits no longer
//! than the statement limit, is answered 503 with Retry-After and changes
//! nothing, and the same request succeeds once the records are free.

mod common;

use common::postgres;

#[tokio::test(flavor = "multi_thread")]
async fn a_request_held_up_by_a_lock_gets_503_and_succeeds_when_asked_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let name = postgres::new_database().await;
    let mut config = common::with_notice(dir.path());
    // The URL's own options win over the portal's 10 s limit: 1 s here.
    let url = postgres::url(&name);
    let join = if url.contains('?') { '&' } else { '?' };
    config.database = hoso_portal::config::Database::Postgres {
        url: format!("{url}{join}options=-c%20statement_timeout%3D1000"),
        pool_size: 4,
    };
    let (portal, token) = common::start(config, "cty-ban", "Công ty Bận").await;
    let http = reqwest::Client::new();

    // Another session holds every applicant's upload rows.
    let mut other = postgres::connect(&name).await;
    let tx = other.transaction().await.expect("transaction");
    tx.batch_execute("LOCK TABLE uploads IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    // The lock is held until after the answer: without the limit, no
    // answer would come.
    let res = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        http.post(format!("{}/v1/uploads", portal.base_url()))
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", "10")
            .send(),
    )
    .await
    .expect("answered while the lock was still held")
    .expect("answered");
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "2");
    let problem: serde_json::Value = res.json().await.expect("problem");
    assert_eq!(problem["code"], "records_busy", "{problem}");
    tx.rollback().await.expect("release");

    let (url, _) = common::create_upload(&http, portal.base_url(), &token, 10).await;
    assert!(url.contains("/v1/uploads/"));
    let count: i64 = other
        .query_one("SELECT count(*) FROM uploads", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 1, "the refused request created nothing");
}
