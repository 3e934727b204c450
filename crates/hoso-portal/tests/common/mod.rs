//! What the portal's HTTP tests share: a portal on loopback and a token,
//! a trial procedure that needs no documents and submissions for it, and
//! creating a tus upload.

// Each test file is its own crate and uses only part of this.
#![allow(dead_code)]

pub mod postgres;

use hoso_core::wire::SubmissionRequest;
use hoso_core::{DossierContent, Value};
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

/// Where a test's portal keeps its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite in the data folder.
    Sqlite,
    /// A new database of the test binary's PostgreSQL.
    Postgres,
}

impl Backend {
    /// `config` with its records in this back end; for PostgreSQL in a
    /// new database of this test binary's server.
    pub async fn configure(self, mut config: PortalConfig) -> PortalConfig {
        if self == Backend::Postgres {
            config.database = hoso_portal::config::Database::Postgres {
                url: postgres::url(&postgres::new_database().await),
                pool_size: 16,
            };
        }
        config
    }

    /// The `[database]` lines of a settings file for this back end
    /// (empty for SQLite).
    pub async fn settings(self) -> String {
        match self {
            Backend::Sqlite => String::new(),
            Backend::Postgres => format!(
                "\n[database]\nurl = \"{}\"\n",
                postgres::url(&postgres::new_database().await)
            ),
        }
    }
}

/// A test run once with each back end: `dual! { #[tokio::test] async fn
/// name(backend: Backend) { … } }` makes `name::sqlite` and
/// `name::postgres`.
#[allow(unused_macros)]
macro_rules! dual {
    ($(#[$attr:meta])* async fn $name:ident($backend:ident: Backend) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: crate::common::Backend) $body

            $(#[$attr])*
            async fn sqlite() {
                run(crate::common::Backend::Sqlite).await
            }

            $(#[$attr])*
            async fn postgres() {
                run(crate::common::Backend::Postgres).await
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use dual;

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
