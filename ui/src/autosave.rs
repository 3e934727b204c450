//! Saving a draft on every change: debounced, one save at a time, the next
//! one following the revision the last one stored, and an indicator that
//! says "saved at hh:mm" only once the shell has committed the change.
//! `flush` (before Submit or leaving) waits for a save under way and then
//! saves what was typed meanwhile, so what is filed is what is on screen.

use crate::ipc;
use crate::lang::{Bi, msg};
use chrono::{DateTime, FixedOffset};
use hoso_core::{DossierContent, Saved};
use hoso_ipc::{IpcError, SaveArgs, command};
use leptos::leptos_dom::helpers::{TimeoutHandle, set_timeout_with_handle};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// How long typing must pause before a save.
const DEBOUNCE: Duration = Duration::from_millis(500);

/// Where the draft stands against the store.
#[derive(Debug, Clone, PartialEq)]
pub enum SaveState {
    /// Everything shown is stored, as of this time.
    Saved(DateTime<FixedOffset>),
    /// Changes wait for a pause in typing, or are being written.
    Saving,
    /// The last save failed; the change is still on screen.
    Failed(IpcError),
}

/// The autosave machinery of one editor; `Copy`, so handlers can hold it.
#[derive(Clone, Copy)]
pub struct Autosave {
    id: i64,
    content: Memo<DossierContent>,
    revision: StoredValue<i64>,
    stored: StoredValue<DossierContent>,
    busy: StoredValue<bool>,
    /// Woken when the save under way ends.
    waiting: StoredValue<Vec<Box<dyn FnOnce()>>, LocalStorage>,
    timer: StoredValue<Option<TimeoutHandle>>,
    /// What the indicator shows.
    pub state: RwSignal<SaveState>,
}

impl Autosave {
    /// Watches `content` of the draft `id`, last stored at `revision`.
    pub fn new(
        id: i64,
        content: Memo<DossierContent>,
        revision: i64,
        saved_at: DateTime<FixedOffset>,
    ) -> Self {
        let this = Self {
            id,
            content,
            revision: StoredValue::new(revision),
            stored: StoredValue::new(content.get_untracked()),
            busy: StoredValue::new(false),
            waiting: StoredValue::new_local(Vec::new()),
            timer: StoredValue::new(None),
            state: RwSignal::new(SaveState::Saved(saved_at)),
        };
        Effect::new(move |_| {
            content.track();
            this.schedule();
        });
        this
    }

    /// The revision the store holds for this draft.
    pub fn revision(&self) -> i64 {
        self.revision.get_value()
    }

    fn schedule(self) {
        if self.unchanged() {
            return;
        }
        self.state.set(SaveState::Saving);
        if let Some(h) = self.timer.write_value().take() {
            h.clear();
        }
        let timer = set_timeout_with_handle(move || spawn_local(self.save()), DEBOUNCE).ok();
        self.timer.set_value(timer);
    }

    fn unchanged(&self) -> bool {
        self.content
            .with_untracked(|c| self.stored.with_value(|s| s == c))
    }

    /// Writes the current content now unless it is already stored. While a
    /// save is under way, the change is saved right after it.
    pub async fn save(self) {
        if self.busy.get_value() || self.unchanged() {
            return;
        }
        self.busy.set_value(true);
        let content = self.content.get_untracked();
        let args = SaveArgs {
            id: self.id,
            content: content.clone(),
            revision: self.revision.get_value(),
        };
        match ipc::call::<_, Saved>(command::SAVE_DOSSIER, &args).await {
            Ok(saved) => {
                self.revision.set_value(saved.revision);
                self.stored.set_value(content);
                self.state.set(SaveState::Saved(saved.saved_at));
            }
            Err(e) => self.state.set(SaveState::Failed(e)),
        }
        self.busy.set_value(false);
        for wake in std::mem::take(&mut *self.waiting.write_value()) {
            wake();
        }
        if !self.unchanged() && !matches!(self.state.get_untracked(), SaveState::Failed(_)) {
            self.schedule();
        }
    }

    /// Returns once no save is under way.
    async fn idle(self) {
        while self.busy.get_value() {
            let (wake, woken) = futures_channel::oneshot::channel::<()>();
            self.waiting.write_value().push(Box::new(move || {
                let _ = wake.send(());
            }));
            let _ = woken.await;
        }
    }

    /// Saves at once what is not yet stored, after the save under way if
    /// there is one; `Err` when that failed. When it returns `Ok`, the
    /// store holds exactly what is on screen.
    pub async fn flush(self) -> Result<(), IpcError> {
        if let Some(h) = self.timer.write_value().take() {
            h.clear();
        }
        loop {
            self.idle().await;
            if self.unchanged() {
                return Ok(());
            }
            self.save().await;
            if let SaveState::Failed(e) = self.state.get_untracked() {
                return Err(e);
            }
        }
    }
}

/// The indicator: "Đã lưu lúc 14:32", "Đang lưu…", or why saving failed.
#[component]
pub fn SaveIndicator(autosave: Autosave) -> impl IntoView {
    let text = move || match autosave.state.get() {
        SaveState::Saved(at) => {
            let hm = at.format("%H:%M").to_string();
            view! {
                <Bi vi=format!("{} {hm}", crate::text::VI.saved_at) en=format!("{} {hm}", crate::text::EN.saved_at)/>
            }
            .into_any()
        }
        SaveState::Saving => crate::lang::t(|x| x.saving).into_any(),
        SaveState::Failed(e) => msg(&e.message).into_any(),
    };
    let class = move || match autosave.state.get() {
        SaveState::Saved(_) => "save-state saved",
        SaveState::Saving => "save-state saving",
        SaveState::Failed(_) => "save-state failed",
    };
    view! {
        <p id="save-state" class=class role="status" aria-live="polite"
            data-revision=move || { autosave.state.track(); autosave.revision().to_string() }>
            {text}
        </p>
    }
}
