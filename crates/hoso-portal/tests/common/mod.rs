//! What the portal's HTTP tests share: the two back ends every test runs
//! on (`dual!`), a portal on loopback and a token, a trial procedure that
//! needs no documents and submissions for it, creating a tus upload, and
//! reading back what a portal stored.

// Each test file is its own crate and uses only part of this.
#![allow(dead_code)]

pub mod garage;
pub mod postgres;

use futures_util::TryStreamExt;
use hoso_core::wire::SubmissionRequest;
use hoso_core::{DossierContent, Value};
use hoso_portal::config::StorageChoice;
use hoso_portal::storage::UploadStorage;
use hoso_portal::{PortalConfig, RunningPortal};

/// A procedure without required documents, so that a submission needs no
/// uploads: what is tested here is the key, not the files.
pub const NOTICE: &str = r#"{
  "format": 2, "code": "thong-bao-thu", "version": "1",
  "name": {"vi": "Thông báo thử", "en": "Trial notice"},
  "agency": {"vi": "Cổng thực hành", "en": "Practice portal"},
  "effective_from": "2020-01-01", "fee_vnd": 0, "processing_days": 2,
  "sections": [{"id": "a", "title": {"vi": "Người nộp", "en": "Applicant"},
    "fields": [{"id": "name", "label": {"vi": "Họ tên", "en": "Name"}, "type": "text",
                "required": true, "max_length": {"max": 100, "unit": "chars"}}]}],
  "attachments": [{"id": "scan", "label": {"vi": "Bản quét", "en": "Scan"},
    "accept": ["pdf"], "max_size_bytes": 1048576, "max_count": 1},
    {"id": "annex", "label": {"vi": "Phụ lục", "en": "Annex"},
    "accept": ["pdf"], "max_size_bytes": 1048576, "max_count": 1}],
  "receipt": {"applicant_name": "a.name"},
  "notes": [{"vi": "Chỉ để thử.", "en": "For tests only."}]
}"#;

/// Where a test's portal keeps its records and its upload bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite for records and files for bytes, both in the data folder:
    /// one portal on its own, the default.
    Local,
    /// PostgreSQL for records and an S3 bucket for bytes: what replicas
    /// share (a new database of the test binary's PostgreSQL, a new bucket
    /// of its Garage).
    Shared,
}

impl Backend {
    /// `config` with its records and bytes in this back end; shared, in a
    /// new database and a new bucket of this test binary's servers.
    pub async fn configure(self, mut config: PortalConfig) -> PortalConfig {
        if self == Backend::Shared {
            config.database = hoso_portal::config::Database::Postgres {
                url: postgres::url(&postgres::new_database().await),
                pool_size: 16,
            };
            config.storage = StorageChoice::S3(garage::new_bucket().await);
        }
        config
    }

    /// The `[database]` and `[storage]` lines of a settings file for this
    /// back end (empty for the local one, the default).
    pub async fn settings(self) -> String {
        match self {
            Backend::Local => String::new(),
            Backend::Shared => format!(
                "\n[database]\nurl = \"{}\"\n\n{}",
                postgres::url(&postgres::new_database().await),
                garage::settings_toml(&garage::new_bucket().await)
            ),
        }
    }
}

/// A test run once with each back end: `dual! { #[tokio::test] async fn
/// name(backend: Backend) { … } }` makes `name::sqlite_files` and
/// `name::postgres_s3`.
#[allow(unused_macros)]
macro_rules! dual {
    ($(#[$attr:meta])* async fn $name:ident($backend:ident: Backend) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: crate::common::Backend) $body

            $(#[$attr])*
            async fn sqlite_files() {
                run(crate::common::Backend::Local).await
            }

            $(#[$attr])*
            async fn postgres_s3() {
                run(crate::common::Backend::Shared).await
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use dual;

/// What the portal binary makes of the settings file at `path`: for tests
/// that run the binary and then look at what it stored.
pub fn settings_file(path: &std::path::Path) -> PortalConfig {
    hoso_portal::config::SettingsFile::load(path)
        .and_then(|s| s.into_config(None))
        .unwrap_or_else(|e| panic!("settings {}: {e}", path.display()))
}

/// The id of the upload at `url` (its last segment).
pub fn upload_id(url: &str) -> &str {
    url.rsplit('/').next().expect("upload id")
}

/// The bytes of the complete upload at `url` (or with that id) as the
/// portal set up by `config` stored them: read through its store, files
/// or bucket, not asked of the portal.
pub async fn stored_upload(config: &PortalConfig, url: &str) -> Vec<u8> {
    let id = upload_id(url);
    // A reader's own spool: the store empties it when it connects.
    let spool = tempfile::tempdir().expect("temp dir");
    let store: Box<dyn UploadStorage> = match &config.storage {
        StorageChoice::Files => Box::new(
            hoso_portal::storage::files::FileStorage::new(config.data_dir.join("uploads"))
                .expect("uploads folder"),
        ),
        StorageChoice::S3(s3) => Box::new(
            hoso_portal::storage::s3::S3Storage::connect(
                s3,
                hoso_portal::storage::s3::MIN_PART,
                spool.path().join("spool"),
                // Reading a sealed upload asks only the bucket.
                hoso_portal::records::Records::open_sqlite(&spool.path().join("records.sqlite3"))
                    .expect("records"),
            )
            .await
            .expect("bucket"),
        ),
    };
    read_all(store.as_ref(), id).await
}

/// The whole of upload `id` that `store` holds, complete.
pub async fn read_all(store: &dyn UploadStorage, id: &str) -> Vec<u8> {
    let pieces: Vec<bytes::Bytes> = store
        .read(id)
        .await
        .unwrap_or_else(|e| panic!("upload {id}: {e}"))
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("upload {id}: {e}"));
    pieces.concat()
}

/// How many uploads the store of the portal set up by `config` holds
/// anything of: files in its uploads folder, or upload ids among its
/// bucket's objects and unfinished multipart uploads.
pub async fn uploads_kept(config: &PortalConfig) -> usize {
    match &config.storage {
        StorageChoice::Files => std::fs::read_dir(config.data_dir.join("uploads"))
            .expect("uploads folder")
            .count(),
        StorageChoice::S3(s3) => {
            let client = hoso_portal::storage::s3::client(s3);
            let mut ids = std::collections::BTreeSet::new();
            let id = |key: &str| {
                let name = key.strip_prefix("uploads/").unwrap_or(key);
                name.split('.').next().unwrap_or(name).to_owned()
            };
            let objects = client
                .list_objects_v2()
                .bucket(&s3.bucket)
                .send()
                .await
                .expect("list objects");
            let uploads = client
                .list_multipart_uploads()
                .bucket(&s3.bucket)
                .send()
                .await
                .expect("list multipart uploads");
            // The tests keep fewer than a page (1,000) of either.
            assert!(objects.is_truncated() != Some(true) && uploads.is_truncated() != Some(true));
            let keys = objects.contents().iter().map(|o| o.key());
            for key in keys.chain(uploads.uploads().iter().map(|u| u.key())) {
                ids.insert(id(key.unwrap_or_default()));
            }
            ids.len()
        }
    }
}

/// The one text value `sql` reads from the records of the portal set up
/// by `config` (what was stored, not what was answered).
pub async fn stored_text(config: &PortalConfig, sql: &str) -> String {
    match &config.database {
        hoso_portal::config::Database::Sqlite => {
            let db = rusqlite::Connection::open(config.data_dir.join("portal.sqlite3"))
                .expect("portal database");
            db.query_row(sql, [], |r| r.get(0)).expect("one row")
        }
        hoso_portal::config::Database::Postgres { url, .. } => {
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .expect("portal database");
            tokio::spawn(connection);
            client.query_one(sql, &[]).await.expect("one row").get(0)
        }
    }
}

/// Runs the statement `sql` on the records of the portal set up by
/// `config`, as someone with the database could: to put a record where a
/// test needs it (a deadline in the past) without waiting for it.
pub async fn alter_records(config: &PortalConfig, sql: &str) {
    match &config.database {
        hoso_portal::config::Database::Sqlite => {
            let db = rusqlite::Connection::open(config.data_dir.join("portal.sqlite3"))
                .expect("portal database");
            db.execute(sql, []).expect("altered");
        }
        hoso_portal::config::Database::Postgres { url, .. } => {
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .expect("portal database");
            tokio::spawn(connection);
            client.execute(sql, &[]).await.expect("altered");
        }
    }
}

/// `text` as an SQL string literal.
pub fn sql_text(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A portal with its data in `dir`, and a token for one applicant.
pub async fn portal(dir: &std::path::Path) -> (RunningPortal, String) {
    start(with_notice(dir), "cty-mot-lan", "Công ty Một Lần").await
}

/// A portal with its data in `dir` and its records in `backend`, and a
/// token for one applicant.
pub async fn portal_on(backend: Backend, dir: &std::path::Path) -> (RunningPortal, String) {
    let config = backend.configure(with_notice(dir)).await;
    start(config, "cty-mot-lan", "Công ty Một Lần").await
}

/// The practice settings for data in `dir`, which serves the trial notice.
pub fn with_notice(dir: &std::path::Path) -> PortalConfig {
    let extra = dir.join("procedures");
    std::fs::create_dir_all(&extra).expect("procedures folder");
    std::fs::write(extra.join("thong-bao-thu.json"), NOTICE).expect("schema");
    PortalConfig::practice(dir.to_owned())
}

/// The fee of [`fee_notice`], in đồng.
pub const FEE: u64 = 125_000;

/// The trial notice under another code (`le-phi-thu`), with a fee of
/// [`FEE`] once per dossier.
pub fn fee_notice() -> String {
    NOTICE
        .replace("\"thong-bao-thu\"", "\"le-phi-thu\"")
        .replace("\"fee_vnd\": 0", &format!("\"fee_vnd\": {FEE}"))
}

/// The practice settings for data in `dir`, serving the trial notice
/// (no fee) and the one with a fee.
pub fn with_fee_notice(dir: &std::path::Path) -> PortalConfig {
    let config = with_notice(dir);
    std::fs::write(dir.join("procedures").join("le-phi-thu.json"), fee_notice()).expect("schema");
    config
}

/// Files the trial procedure with a fee by `name` under `key`; its code.
pub async fn file_with_fee(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    key: &str,
    name: &str,
) -> hoso_core::DossierCode {
    let mut request = request(name);
    request.dossier.procedure = "le-phi-thu".parse().expect("code");
    let res = submit(http, base, token, key, &request).await;
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    let filed: hoso_core::wire::SubmissionResponse = res.json().await.expect("receipt");
    receipt_text(&filed, "dossier_code").parse().expect("code")
}

/// A bank's notification body of a transfer.
pub fn bank_notification(
    id: &str,
    account: &str,
    amount_vnd: u64,
    purpose: &str,
    at: &str,
) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "transaction_id": id,
        "account": account,
        "amount_vnd": amount_vnd,
        "purpose": purpose,
        "at": at,
    }))
    .expect("json")
}

/// Now, in Viet Nam time.
pub fn now_vn() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Utc::now().with_timezone(&hoso_core::calendar::VIETNAM_TIME)
}

/// Sends a bank's notification `body` to the portal at `base` with
/// `headers` (as `hoso_core::bank::headers` makes them).
pub async fn send_notification(
    http: &reqwest::Client,
    base: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = http
        .post(format!("{base}/v1/bank/notifications"))
        .header("Content-Type", "application/json")
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request.send().await.expect("answered")
}

/// One PATCH of `body` at `offset`.
pub async fn patch(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    offset: u64,
    body: Vec<u8>,
) -> reqwest::Response {
    http.patch(url)
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", "application/offset+octet-stream")
        .body(body)
        .send()
        .await
        .expect("patch answered")
}

/// Sends `request` for filing under `key`; the answer as it came.
pub async fn submit(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    key: &str,
    request: &SubmissionRequest,
) -> reqwest::Response {
    http.post(format!("{base}/v1/dossiers"))
        .bearer_auth(token)
        .header("Idempotency-Key", format!("\"{key}\""))
        .json(request)
        .send()
        .await
        .expect("submit answered")
}

/// A portal started with `config`, and a token for a new applicant.
pub async fn start(config: PortalConfig, account: &str, name: &str) -> (RunningPortal, String) {
    let portal = hoso_portal::start(config).await.expect("portal starts");
    let token = portal.issue_token(account, name).await.expect("token");
    (portal, token)
}

/// Creates a tus upload of `length` bytes at the portal `base`; its URL and
/// the answer's headers.
pub async fn create_upload(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    length: u64,
) -> (String, reqwest::header::HeaderMap) {
    let res = http
        .post(format!("{base}/v1/uploads"))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", length.to_string())
        .header("Upload-Metadata", "filename YS5wZGY=")
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    let url = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    (url, res.headers().clone())
}

/// A complete submission of the trial notice by `name`.
pub fn request(name: &str) -> SubmissionRequest {
    let mut dossier = DossierContent {
        procedure: "thong-bao-thu".parse().expect("code"),
        version: "1".into(),
        fields: Default::default(),
        documents: vec![],
    };
    dossier
        .fields
        .insert("a.name".into(), Value::Text(name.into()));
    SubmissionRequest {
        dossier,
        uploads: vec![],
        new_filing: false,
    }
}

/// Files the trial notice by `name` under a new idempotency key `key`;
/// the portal must answer 201 with a receipt.
pub async fn file(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    key: &str,
    name: &str,
) -> hoso_core::wire::SubmissionResponse {
    let res = submit(http, base, token, key, &request(name)).await;
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    res.json().await.expect("receipt")
}

/// A text field of a signed receipt (`dossier_code`, `lookup_pin`).
pub fn receipt_text(filed: &hoso_core::wire::SubmissionResponse, field: &str) -> String {
    filed.receipt.receipt[field]
        .as_str()
        .unwrap_or_else(|| panic!("the receipt has no {field}"))
        .to_owned()
}

/// The trial notice taking a scan of up to 128 MiB, for tests of large
/// uploads that are filed.
pub fn big_notice() -> String {
    NOTICE.replace(
        "\"max_size_bytes\": 1048576",
        "\"max_size_bytes\": 134217728",
    )
}

/// `len` bytes that differ with `seed`, with no period a part could hide.
pub fn bytes(len: u64, seed: u32) -> Vec<u8> {
    let mut x = 0x9e37_79b9u32 ^ seed.wrapping_mul(0x85eb_ca6b);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// How long a 503 asks to wait (`Retry-After`, in seconds), as a client
/// reads it; `None` for any other answer.
pub fn busy_wait(res: &reqwest::Response) -> Option<std::time::Duration> {
    (res.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE).then(|| {
        let secs = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        std::time::Duration::from_secs(secs)
    })
}

/// Fifty clients at once filing the same dossier with one key, spread in
/// turn over `bases` (replicas, or one load balancer), each until it has a
/// final answer; checks that every answer carries the one receipt and
/// returns how many 409s came before it in all.
pub async fn one_key_from_many(bases: &[&str], token: &str, key: &str, name: &str) -> u32 {
    let http = reqwest::Client::new();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            tokio::spawn(until_answered(
                http.clone(),
                bases[i % bases.len()].to_owned(),
                token.to_owned(),
                key.to_owned(),
                name.to_owned(),
            ))
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.expect("client"));
    }
    let first = serde_json::to_string(&answers[0].1.receipt).expect("json");
    for (_, r) in &answers {
        assert_eq!(
            serde_json::to_string(&r.receipt).expect("json"),
            first,
            "every answer carries the one receipt"
        );
    }
    answers.iter().map(|(c, _)| c).sum()
}

/// Sends until a final answer, asking again after a 409, and after a 503
/// once its `Retry-After` passed (nothing was changed), as the app does.
pub async fn until_answered(
    http: reqwest::Client,
    base: String,
    token: String,
    key: String,
    name: String,
) -> (u32, hoso_core::wire::SubmissionResponse) {
    let mut conflicts = 0;
    loop {
        let res = submit(&http, &base, &token, &key, &request(&name)).await;
        if let Some(wait) = busy_wait(&res) {
            tokio::time::sleep(wait).await;
            continue;
        }
        match res.status() {
            reqwest::StatusCode::CONFLICT => {
                conflicts += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            s if s.is_success() => return (conflicts, res.json().await.expect("answer")),
            s => panic!("unexpected {s}: {}", res.text().await.unwrap_or_default()),
        }
    }
}

/// The answer to a HEAD of the upload at `url`, whatever its status.
pub async fn head_answer(http: &reqwest::Client, url: &str, token: &str) -> reqwest::Response {
    http.head(url)
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("HEAD answered")
}

/// The offset HEAD reports for the upload at `url`, which must answer.
pub async fn head(http: &reqwest::Client, url: &str, token: &str) -> u64 {
    let res = head_answer(http, url, token).await;
    assert!(res.status().is_success(), "HEAD {}", res.status());
    res.headers()["upload-offset"]
        .to_str()
        .expect("offset")
        .parse()
        .expect("number")
}

/// A request body sent slowly, and how far it got.
pub struct Trickle {
    /// The body to send.
    pub body: reqwest::Body,
    /// The offset in the data up to which pieces have left this side.
    pub sent: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// A body of `data` from offset `from`, in pieces of `piece` bytes, one
/// every `every`, then the end; or, with `hang`, no end: the connection
/// stays open and silent.
pub fn trickle(
    data: std::sync::Arc<Vec<u8>>,
    from: u64,
    piece: usize,
    every: std::time::Duration,
    hang: bool,
) -> Trickle {
    use std::sync::atomic::{AtomicU64, Ordering};
    let sent = std::sync::Arc::new(AtomicU64::new(from));
    let counter = sent.clone();
    let pieces = futures_util::stream::unfold(from, move |at| {
        let (data, sent) = (data.clone(), counter.clone());
        async move {
            let len = data.len() as u64;
            if at >= len {
                return None;
            }
            tokio::time::sleep(every).await;
            let end = (at + piece as u64).min(len);
            sent.store(end, Ordering::SeqCst);
            Some((
                Ok::<_, std::io::Error>(data[at as usize..end as usize].to_vec()),
                end,
            ))
        }
    });
    let body = if hang {
        reqwest::Body::wrap_stream(futures_util::StreamExt::chain(
            pieces,
            futures_util::stream::pending(),
        ))
    } else {
        reqwest::Body::wrap_stream(pieces)
    };
    Trickle { body, sent }
}

/// A refusal's status and problem, which must be problem+json with a
/// message in both languages.
pub async fn problem(
    res: reqwest::Response,
) -> (reqwest::StatusCode, hoso_core::wire::ProblemDetails) {
    let status = res.status();
    assert_eq!(
        res.headers()["content-type"],
        "application/problem+json",
        "{status}"
    );
    let problem: hoso_core::wire::ProblemDetails = res.json().await.expect("problem");
    assert!(
        !problem.message.vi.is_empty()
            && !problem.message.en.is_empty()
            && problem.message.vi != problem.message.en,
        "{problem:?}"
    );
    (status, problem)
}

/// The portal's keys as an app pins them from discovery.
pub async fn published_keys(http: &reqwest::Client, base: &str) -> hoso_core::signed::PortalKeys {
    let d: hoso_core::wire::Discovery = http
        .get(format!("{base}/.well-known/hoso"))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("JSON");
    let pinned = hoso_core::receipt::PortalKey::from_base64(&d.receipt_key).expect("key");
    hoso_core::signed::PortalKeys::with_published(pinned, &d.previous_keys).expect("keys")
}

/// The whole change feed of `token`, page by page of `limit`.
pub async fn whole_feed(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    limit: u32,
) -> hoso_core::wire::StatusFeed {
    let mut all = hoso_core::wire::StatusFeed {
        events: vec![],
        next_cursor: 0,
        more: true,
        documents: vec![],
    };
    while all.more {
        let page: hoso_core::wire::StatusFeed = http
            .get(format!(
                "{base}/v1/dossiers?since={}&limit={limit}",
                all.next_cursor
            ))
            .bearer_auth(token)
            .send()
            .await
            .expect("feed")
            .json()
            .await
            .expect("JSON");
        assert!(page.next_cursor >= all.next_cursor);
        all.events.extend(page.events);
        all.documents.extend(page.documents);
        all.next_cursor = page.next_cursor;
        all.more = page.more;
    }
    all
}

/// An officer's move of dossier `code` to `to` with `note`; the answer.
pub async fn officer_move(
    http: &reqwest::Client,
    base: &str,
    officer: &str,
    code: &str,
    to: hoso_core::status::Status,
    note: &str,
) -> reqwest::Response {
    http.post(format!("{base}/v1/officer/dossiers/{code}/status"))
        .bearer_auth(officer)
        .json(&hoso_core::wire::Transition {
            to,
            note: note.into(),
            request: None,
        })
        .send()
        .await
        .expect("move answered")
}

/// An officer's moves of dossier `code` through `steps`, each of which
/// must be taken.
pub async fn officer_moves(
    http: &reqwest::Client,
    base: &str,
    officer: &str,
    code: &str,
    steps: &[hoso_core::status::Status],
) {
    for &to in steps {
        let res = officer_move(http, base, officer, code, to, "Đã xem").await;
        assert_eq!(res.status(), reqwest::StatusCode::OK, "to {to}");
    }
}

/// The applicant's withdrawal of dossier `code` with `reason`; the answer.
pub async fn withdraw(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    code: &str,
    reason: &str,
) -> reqwest::Response {
    http.post(format!("{base}/v1/dossiers/{code}/withdrawal"))
        .bearer_auth(token)
        .json(&hoso_core::wire::Withdrawal {
            reason: reason.into(),
        })
        .send()
        .await
        .expect("withdrawal answered")
}

/// The officer's put of result document `name` of dossier `code`; the
/// answer.
pub async fn put_result(
    http: &reqwest::Client,
    base: &str,
    officer: &str,
    code: &str,
    name: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    http.put(format!("{base}/v1/officer/dossiers/{code}/results/{name}"))
        .bearer_auth(officer)
        .body(body)
        .send()
        .await
        .expect("put answered")
}
