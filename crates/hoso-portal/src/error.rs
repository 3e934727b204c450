//! Every error the portal answers with, as RFC 9457 problem+json carrying a
//! stable code and a Vietnamese and English message.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hoso_core::wire::{ProblemDetails, QuotaExceeded};
use hoso_core::{Bilingual, Problem};

/// A refused or failed request.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// What happened and what to do.
    pub message: Bilingual,
    /// Per-field problems of a refused dossier.
    pub problems: Vec<Problem>,
    /// Headers the protocol asks for with this status (e.g. `Upload-Offset` on 409).
    /// (A boxed slice: errors are returned by value everywhere, and are
    /// kept small.)
    pub headers: Box<[(HeaderName, HeaderValue)]>,
    /// The quota a refused upload would go beyond (boxed: errors are
    /// returned often and carry this rarely).
    pub quota: Option<Box<QuotaExceeded>>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        vi: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            message: Bilingual::new(vi, en),
            problems: Vec::new(),
            headers: Box::default(),
            quota: None,
        }
    }

    /// Adds a header to the response.
    pub fn with_header(mut self, name: &'static str, value: impl Into<HeaderValue>) -> Self {
        let mut headers = std::mem::take(&mut self.headers).into_vec();
        headers.push((HeaderName::from_static(name), value.into()));
        self.headers = headers.into_boxed_slice();
        self
    }

    /// Names the quota a refused upload would go beyond.
    pub fn with_quota(mut self, quota: QuotaExceeded) -> Self {
        self.quota = Some(Box::new(quota));
        self
    }

    /// A fault inside the portal; the detail goes to the log, not the client.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Cổng gặp lỗi nội bộ; hồ sơ chưa được ghi nhận. Hãy thử lại sau ít phút.",
            "The portal hit an internal error; nothing was filed. Try again in a few minutes.",
        )
    }

    /// The caller gave no valid bearer token.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Chưa đăng nhập hoặc phiên đã hết hạn — hãy đăng nhập lại cổng.",
            "Not signed in, or the session expired — sign in to the portal again.",
        )
    }

    /// The upload or dossier does not exist for this caller.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("Không tìm thấy {what}."),
            format!("No such {what}."),
        )
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        Self::internal(format!("sqlite: {e}"))
    }
}

impl ApiError {
    /// The shared records are too busy to answer in time (no connection
    /// free, or a statement ran past its limit): nothing was changed, and
    /// the client asks again shortly, here or at another replica.
    #[cfg_attr(not(feature = "shared"), expect(dead_code))]
    fn records_busy(why: String) -> Self {
        tracing::warn!(%why, "the records did not answer in time");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "records_busy",
            "Cổng đang quá tải nên chưa ghi nhận được yêu cầu này; chưa có gì thay đổi. Hãy thử lại sau vài giây.",
            "The portal is overloaded and could not record this request; nothing was changed. Try again in a few seconds.",
        )
        .with_header("retry-after", HeaderValue::from_static("2"))
    }
}

#[cfg(feature = "shared")]
impl From<tokio_postgres::Error> for ApiError {
    fn from(e: tokio_postgres::Error) -> Self {
        if e.code() == Some(&tokio_postgres::error::SqlState::QUERY_CANCELED) {
            return Self::records_busy(format!("postgres: {e}"));
        }
        Self::internal(format!("postgres: {e}"))
    }
}

#[cfg(feature = "shared")]
impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        if matches!(e, deadpool_postgres::PoolError::Timeout(_)) {
            return Self::records_busy(format!("postgres pool: {e}"));
        }
        Self::internal(format!("postgres pool: {e}"))
    }
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::StorageFull {
            tracing::error!(%e, "the upload storage is full");
            return Self::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "storage_full",
                "Bộ nhớ của cổng đã đầy; phần chưa lưu được hãy gửi lại sau. Những gì cổng đã xác nhận vẫn được giữ.",
                "The portal's storage is full; send the rest later. What the portal confirmed is kept.",
            )
            .with_header("retry-after", HeaderValue::from_static("300"));
        }
        Self::internal(format!("io: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ProblemDetails {
            kind: format!("urn:hoso:problem:{}", self.code),
            title: self.message.en.clone(),
            status: self.status.as_u16(),
            code: self.code.to_owned(),
            message: self.message,
            problems: self.problems,
            quota: self.quota.map(|q| *q),
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        let headers = res.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        for (name, value) in self.headers.into_vec() {
            headers.insert(name, value);
        }
        res
    }
}
