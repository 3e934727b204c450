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

#[wasm_bindgen(inline_js = "export function on_file_drop(cb) {
  const ev = window.__TAURI__ && window.__TAURI__.event;
  if (!ev) { return; }
  ev.listen('tauri://drag-drop', (e) => {
    const p = e.payload || {};
    const paths = p.paths || [];
    const pos = p.position || { x: 0, y: 0 };
    const ratio = window.devicePixelRatio || 1;
    const el = document.elementFromPoint(pos.x / ratio, pos.y / ratio);
    const slot = el && el.closest('fieldset.slot');
    if (slot && paths.length) { cb(slot.id.replace(/^documents\\./, ''), paths[0]); }
  });
}")]
extern "C" {
    /// Calls `cb(slot, path)` when a file from the desktop is dropped on an
    /// attachment slot (the shell gives dropped files their path).
    pub fn on_file_drop(cb: &Closure<dyn Fn(String, String)>);
}

/// A file dropped on a slot: `(slot id, path)`, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct Dropped(pub leptos::prelude::RwSignal<Option<(String, String)>>);

/// Starts listening for dropped files, for the app's lifetime.
pub fn listen_for_drops() -> Dropped {
    use leptos::prelude::Set;
    let dropped = Dropped(leptos::prelude::RwSignal::new(None));
    let cb = Closure::<dyn Fn(String, String)>::new(move |slot, path| {
        dropped.0.set(Some((slot, path)));
    });
    on_file_drop(&cb);
    // The listener lives as long as the window.
    cb.forget();
    dropped
}

#[wasm_bindgen(inline_js = "export function on_event(name, cb) {
  const ev = window.__TAURI__ && window.__TAURI__.event;
  if (!ev) { return; }
  ev.listen(name, (e) => cb(e.payload));
}")]
extern "C" {
    /// Calls `cb(payload)` for each event `name` the shell emits.
    fn on_event(name: &str, cb: &Closure<dyn Fn(JsValue)>);
}

/// Counts the shell's "new status changes" events, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct StatusChanges(pub leptos::prelude::RwSignal<u32>);

/// Starts listening for status changes, for the app's lifetime.
pub fn listen_for_status() -> StatusChanges {
    use leptos::prelude::Update;
    let changes = StatusChanges(leptos::prelude::RwSignal::new(0));
    let cb = Closure::<dyn Fn(JsValue)>::new(move |_payload: JsValue| {
        changes.0.update(|n| *n = n.wrapping_add(1));
    });
    on_event(hoso_ipc::event::STATUS_CHANGED, &cb);
    cb.forget();
    changes
}

/// The latest progress of each sending (by dossier id), shared through
/// context: several dossiers can be on their way at once.
#[derive(Debug, Clone, Copy)]
pub struct Progress(
    pub leptos::prelude::RwSignal<std::collections::HashMap<i64, hoso_core::progress::SendProgress>>,
);

/// Starts listening for the shell's progress reports, for the app's lifetime.
pub fn listen_for_progress() -> Progress {
    use leptos::prelude::Update;
    let progress = Progress(leptos::prelude::RwSignal::new(Default::default()));
    let cb = Closure::<dyn Fn(JsValue)>::new(move |payload: JsValue| {
        if let Ok(p) = serde_wasm_bindgen::from_value::<hoso_core::progress::SendProgress>(payload)
        {
            progress.0.update(|m| {
                m.insert(p.dossier, p);
            });
        }
    });
    on_event(hoso_ipc::event::SEND_PROGRESS, &cb);
    cb.forget();
    progress
}

/// Opens the system's file dialog; a chosen path goes into `path` and
/// `then` runs, a failure goes into `error`, a cancel does nothing.
pub fn pick_file(
    path: leptos::prelude::RwSignal<String>,
    error: leptos::prelude::RwSignal<Option<IpcError>>,
    then: impl FnOnce() + 'static,
) {
    use leptos::prelude::Set;
    leptos::task::spawn_local(async move {
        match call0::<Option<String>>(hoso_ipc::command::PICK_FILE).await {
            Ok(Some(p)) => {
                path.set(p);
                then();
            }
            Ok(None) => {}
            Err(e) => error.set(Some(e)),
        }
    });
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

/// How far each result download has come (by dossier id: done, total),
/// shared through context.
#[derive(Debug, Clone, Copy)]
pub struct ResultProgress(
    pub leptos::prelude::RwSignal<std::collections::HashMap<i64, (u64, u64)>>,
);

/// Starts listening for result downloads' progress, for the app's lifetime.
pub fn listen_for_result_progress() -> ResultProgress {
    use leptos::prelude::Update;
    let progress = ResultProgress(leptos::prelude::RwSignal::new(Default::default()));
    let cb = Closure::<dyn Fn(JsValue)>::new(move |payload: JsValue| {
        if let Ok(p) = serde_wasm_bindgen::from_value::<hoso_ipc::ResultProgressEvent>(payload) {
            progress.0.update(|m| {
                m.insert(p.id, (p.done, p.total));
            });
        }
    });
    on_event(hoso_ipc::event::RESULT_PROGRESS, &cb);
    cb.forget();
    progress
}
