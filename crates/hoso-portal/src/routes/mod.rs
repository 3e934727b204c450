//! The HTTP surface: discovery, catalog, tus uploads, dossiers, status and
//! the officer API.

mod auth;
mod discovery;
mod dossiers;
mod health;
mod officer;
mod payments;
mod procedures;
mod ratings;
mod results;
mod status;
pub(crate) mod tus;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};

pub use auth::{Applicant, Officer, SeenTokens};

/// Largest JSON body accepted (a dossier's fields, not its files).
pub const JSON_BODY_LIMIT: usize = 1024 * 1024;

/// The OpenAPI 3.1 document of this API, checked in beside the code.
pub const OPENAPI: &str = include_str!("../../openapi.json");

async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}

/// The refusal of a body that is not the JSON expected.
pub fn malformed(e: serde_json::Error) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "malformed_body",
        format!("Nội dung yêu cầu không đúng định dạng: {e}"),
        format!("The request body is malformed: {e}"),
    )
}

/// Reads a JSON body, refusing it as problem+json (axum's own extractor
/// answers in plain text).
pub fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(malformed)
}

/// Whether the caller's `If-None-Match` names `etag` (or `*`): it already
/// holds this version, and the answer is 304.
pub fn holds(headers: &axum::http::HeaderMap, etag: &str) -> bool {
    headers
        .get(axum::http::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// Counts each request the portal answers.
async fn count(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    state
        .requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    next.run(request).await
}

/// Every route of the portal.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(hoso_core::wire::DISCOVERY_PATH, get(discovery::discovery))
        .route("/openapi.json", get(openapi))
        .route("/v1/procedures", get(procedures::list))
        .route("/v1/procedures/{code}", get(procedures::one))
        .route("/v1/dossiers/check", post(dossiers::check))
        .route("/v1/dossiers", post(dossiers::submit).get(status::feed))
        .route("/v1/dossiers/{code}", get(status::one))
        .route("/v1/dossiers/{code}/payment", get(payments::payment))
        .route("/v1/dossiers/{code}/withdrawal", post(status::withdraw))
        .route(
            "/v1/dossiers/{code}/result-received",
            post(status::result_received),
        )
        .route(
            "/v1/dossiers/{code}/rating",
            get(ratings::rating).post(ratings::rate),
        )
        .route("/v1/dossiers/{code}/results/{name}", get(results::download))
        .route("/v1/bank/notifications", post(payments::bank_notification))
        .route(
            "/v1/dossiers/{code}/supplements",
            post(dossiers::supplement),
        )
        .route(
            "/v1/officer/dossiers/{code}/supplements",
            get(dossiers::officer_supplements),
        )
        .route(
            "/v1/officer/dossiers/{code}/documents/{sha256}",
            get(dossiers::officer_document),
        )
        .route("/v1/lookup", post(status::lookup))
        .route("/v1/officer/dossiers", get(status::officer_list))
        .route("/v1/officer/queue", get(officer::queue))
        .route("/v1/officer/figures", get(crate::console::figures::api))
        .route(
            "/v1/officer/dossiers/{code}/assignment",
            get(officer::assignment).post(officer::assign),
        )
        .route("/v1/officer/dossiers/{code}", get(status::officer_one))
        .route(
            "/v1/officer/dossiers/{code}/status",
            post(status::officer_move),
        )
        .route(
            "/v1/officer/dossiers/{code}/refunds",
            post(payments::officer_refund),
        )
        .route(
            "/v1/officer/dossiers/{code}/payment",
            get(payments::officer_payment),
        )
        .route("/v1/officer/dossiers/{code}/receipt", get(officer::receipt))
        .route("/v1/officer/dossiers/{code}/results", get(officer::results))
        .route("/v1/submissions/by-key/{key}", get(dossiers::by_key))
        .merge(crate::console::router())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::server::whole_body,
        ))
        .merge(tus::router())
        .merge(crate::console::upload_router())
        // Result documents stream in whole files, not JSON bodies.
        .route(
            "/v1/officer/dossiers/{code}/results/{name}",
            put(results::put)
                .delete(results::delete)
                .get(officer::result),
        )
        .layer(axum::middleware::from_fn_with_state(state.clone(), count))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .with_state(state)
}
