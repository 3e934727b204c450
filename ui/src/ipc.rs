//! Calls to the desktop shell's commands, the UI's only way out.

use hoso_ipc::{ErrorCode, IpcError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Tauri's `invoke`, exposed by `app.withGlobalTauri`.
    #[wasm_bindgen(catch, js_namespace = ["window", "__TAURI__", "core"], js_name = invoke)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

#[derive(Serialize)]
struct Args<'a, A: Serialize> {
    args: &'a A,
}

/// Calls a command that takes no argument.
pub async fn call0<R: DeserializeOwned>(cmd: &str) -> Result<R, IpcError> {
    finish(tauri_invoke(cmd, JsValue::UNDEFINED).await)
}

/// Calls a command with its `args`.
pub async fn call<A: Serialize, R: DeserializeOwned>(cmd: &str, args: &A) -> Result<R, IpcError> {
    // JSON-compatible: maps become plain objects, as the shell's serde expects.
    let value = Args { args }
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| internal(&e.to_string()))?;
    finish(tauri_invoke(cmd, value).await)
}

fn finish<R: DeserializeOwned>(result: Result<JsValue, JsValue>) -> Result<R, IpcError> {
    match result {
        Ok(v) => serde_wasm_bindgen::from_value(v).map_err(|e| internal(&e.to_string())),
        Err(e) => Err(serde_wasm_bindgen::from_value::<IpcError>(e.clone())
            .unwrap_or_else(|_| internal(&e.as_string().unwrap_or_else(|| format!("{e:?}"))))),
    }
}

fn internal(detail: &str) -> IpcError {
    IpcError::new(
        ErrorCode::Internal,
        hoso_core::Bilingual::new(
            format!("Lỗi giao tiếp trong ứng dụng: {detail}"),
            format!("Internal communication error: {detail}"),
        ),
    )
}
