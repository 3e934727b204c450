//! The HTTP client shared by every portal call, and the reading of portal
//! errors (RFC 9457 problem+json) into [`ClientError`].

use crate::error::ClientError;
use hoso_core::wire::ProblemDetails;
use std::time::Duration;

/// How long a JSON request may take in all.
const JSON_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A reqwest client with HoSo's settings.
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
}

impl Http {
    /// Builds the client.
    pub fn new() -> Result<Self, ClientError> {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("HoSo/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client })
    }

    /// The underlying client, for requests that stream bodies.
    pub fn raw(&self) -> &reqwest::Client {
        &self.client
    }

    /// A GET for JSON, revalidating with `If-None-Match` when an ETag is known.
    pub fn json_get(&self, url: &str, etag: Option<&str>) -> reqwest::RequestBuilder {
        let mut req = self.client.get(url).timeout(JSON_TIMEOUT);
        if let Some(tag) = etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, tag);
        }
        req
    }

    /// A POST of JSON.
    pub fn json_post<T: serde::Serialize>(&self, url: &str, body: &T) -> reqwest::RequestBuilder {
        self.client.post(url).timeout(JSON_TIMEOUT).json(body)
    }
}

/// Passes a success through; turns an error status into [`ClientError::Portal`]
/// (or [`ClientError::Invalid`] when the portal listed per-field problems).
pub async fn expect_success(res: reqwest::Response) -> Result<reqwest::Response, ClientError> {
    if res.status().is_success() || res.status() == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(res);
    }
    Err(problem(res).await)
}

/// Reads an error response.
pub async fn problem(res: reqwest::Response) -> ClientError {
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    problem_text(status, &text)
}

/// Reads the body `text` of an error response with `status`.
pub fn problem_text(status: reqwest::StatusCode, text: &str) -> ClientError {
    match serde_json::from_str::<ProblemDetails>(text) {
        Ok(p) if !p.problems.is_empty() => ClientError::Invalid(p.problems),
        Ok(p) => ClientError::Portal(Box::new(p)),
        Err(_) => ClientError::Protocol(format!(
            "HTTP {status}: {}",
            text.chars().take(200).collect::<String>()
        )),
    }
}
