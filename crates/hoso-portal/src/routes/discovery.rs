//! `GET /.well-known/hoso`: what this portal is, where its parts are, and
//! the key its receipts are signed with (pinned by the app on first use),
//! and the keys that signed receipts before a rotation.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use hoso_core::receipt::PortalKey;
use hoso_core::wire::{Discovery, PortalLimits};

pub async fn discovery(State(state): State<AppState>) -> Json<Discovery> {
    let key = PortalKey::of(&state.key);
    Json(Discovery {
        name: state.config.name.clone(),
        api_versions: vec!["v1".into()],
        api_base: format!("{}/v1", state.base_url),
        tus_endpoint: format!("{}/v1/uploads", state.base_url),
        receipt_key: key.to_base64(),
        key_id: key.fingerprint(),
        limits: PortalLimits {
            max_upload_bytes: state.config.max_upload_bytes,
        },
        previous_keys: state.retired_keys.clone(),
    })
}
