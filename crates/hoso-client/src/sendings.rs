//! Sendings in progress in this process, one per dossier at most.
//!
//! A second request to send a dossier that is already being sent (a double
//! click, a retry from another window, the outbox at start) waits for the
//! first and then gets its outcome from the store, so the Submit button
//! cannot start two sendings. A sending can be paused: it stops where it
//! is (every confirmed byte is already in the store) and the dossier waits
//! in the outbox, marked paused, until the person continues it.

use crate::error::ClientError;
use crate::store::{Store, now};
use crate::store::{dossiers, preferences as rows};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// One dossier's sending: held while it runs, notified to pause it.
#[derive(Debug, Default)]
struct InFlight {
    running: tokio::sync::Mutex<()>,
    pause: Notify,
}

/// The registry shared by every handle on one profile.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sendings {
    inner: Arc<Mutex<HashMap<i64, Arc<InFlight>>>>,
}

impl Sendings {
    fn entry(&self, id: i64) -> Arc<InFlight> {
        // Nothing panics while this lock is held; a poisoned map is intact.
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(id).or_default().clone()
    }

    /// Runs `send` as dossier `id`'s only sending, after any earlier one
    /// ends; a pause requested meanwhile stops it with
    /// [`ClientError::Paused`].
    pub(crate) async fn run<T, F>(&self, store: &Store, id: i64, send: F) -> Result<T, ClientError>
    where
        F: std::future::Future<Output = Result<T, ClientError>>,
    {
        let flight = self.entry(id);
        let _running = flight.running.lock().await;
        set_paused(store, id, false).await?;
        tokio::select! {
            outcome = send => outcome,
            () = flight.pause.notified() => Err(ClientError::Paused),
        }
    }

    /// Pauses dossier `id`: marks it paused (so that nothing continues it
    /// by itself) and stops its sending if one is running here.
    pub(crate) async fn pause(&self, store: &Store, id: i64) -> Result<(), ClientError> {
        set_paused(store, id, true).await?;
        self.entry(id).pause.notify_waiters();
        Ok(())
    }
}

/// Marks or unmarks dossier `id` as paused; only a dossier being sent can
/// be paused.
async fn set_paused(store: &Store, id: i64, paused: bool) -> Result<(), ClientError> {
    store
        .call(move |conn| {
            let at = paused.then(now);
            Ok(dossiers::set_paused(conn, id, at.as_deref())?)
        })
        .await
}

/// The person's choices, kept in the profile.
pub mod preferences {
    use super::*;

    /// Whether sendings left unfinished (the app was closed, killed or lost
    /// the network) continue by themselves when HoSo starts. On unless the
    /// person turned it off.
    pub const CONTINUE_AT_START: &str = "continue_sendings_at_start";

    /// Whether HoSo shows desktop notifications on status changes and
    /// approaching deadlines. On unless the person turned it off.
    pub const NOTIFICATIONS: &str = "desktop_notifications";

    /// The value of a yes/no preference, or `default` when never set.
    pub async fn flag(
        store: &Store,
        name: &'static str,
        default: bool,
    ) -> Result<bool, ClientError> {
        let value: Option<String> = store.call(move |conn| Ok(rows::get(conn, name)?)).await?;
        Ok(value.map_or(default, |v| v == "yes"))
    }

    /// Records a yes/no preference.
    pub async fn set_flag(store: &Store, name: &'static str, on: bool) -> Result<(), ClientError> {
        store
            .call(move |conn| Ok(rows::set(conn, name, if on { "yes" } else { "no" })?))
            .await
    }
}
