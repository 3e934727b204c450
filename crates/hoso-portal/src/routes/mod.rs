//! The HTTP surface: discovery, catalog, tus uploads, dossiers.

mod auth;
mod discovery;
mod dossiers;
mod procedures;
mod tus;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};

pub use auth::Applicant;

/// Largest JSON body accepted (a dossier's fields, not its files).
const JSON_BODY_LIMIT: usize = 1024 * 1024;

/// The OpenAPI 3.1 document of this API, checked in beside the code.
pub const OPENAPI: &str = include_str!("../../openapi.json");

async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}

/// Every route of the portal.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(hoso_core::wire::DISCOVERY_PATH, get(discovery::discovery))
        .route("/openapi.json", get(openapi))
        .route("/v1/procedures", get(procedures::list))
        .route("/v1/procedures/{code}", get(procedures::one))
        .route("/v1/dossiers/check", post(dossiers::check))
        .route("/v1/dossiers", post(dossiers::submit))
        .route("/v1/dossiers/{code}", get(dossiers::status))
        .route("/v1/submissions/by-key/{key}", get(dossiers::by_key))
        .layer(axum::extract::DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .merge(tus::router())
        .with_state(state)
}
