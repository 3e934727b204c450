//! Following every portal's status feed while the app runs: one poller per
//! portal (so one portal down delays no other), by hoso-core's polling
//! policy; the window is told when changes arrive, and the person gets a
//! desktop notification for each dossier whose state changed, whose fee
//! receipt arrived (the payment is confirmed) and for deadlines that come
//! close, unless they turned notifications off.

use crate::state::AppState;
use hoso_client::PortalRecord;
use hoso_client::report::{self, ReportRow};
use hoso_core::Bilingual;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};

/// How often approaching deadlines are looked at again.
const DEADLINE_LOOK: Duration = Duration::from_secs(6 * 3600);

/// The running pollers by portal id, and the report and the fee receipts
/// as last seen (to tell what changed).
#[derive(Debug, Default)]
pub struct Pollers {
    running: Mutex<HashMap<i64, tauri::async_runtime::JoinHandle<()>>>,
    seen: Arc<Mutex<Option<Vec<ReportRow>>>>,
    paid: Arc<Mutex<Option<HashSet<String>>>>,
}

impl Pollers {
    /// Starts following `portal` unless it is followed already.
    pub fn start(&self, app: &AppHandle, portal: PortalRecord) {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if running.contains_key(&portal.id) {
            return;
        }
        let id = portal.id;
        let app = app.clone();
        let task = tauri::async_runtime::spawn(async move {
            let state = app.state::<AppState>();
            let client = state.client.clone();
            let after = app.clone();
            client
                .poll_status(
                    portal,
                    hoso_core::poll::PollPolicy::default(),
                    move |result, wait| match result {
                        Ok(r) if r.new_events > 0 || r.new_documents > 0 => {
                            let app = after.clone();
                            let new = r.new_events + r.new_documents;
                            tauri::async_runtime::spawn(async move { changed(&app, new).await });
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::info!(%e, ?wait, "status sync failed; trying again later")
                        }
                    },
                )
                .await;
        });
        running.insert(id, task);
    }

    /// Stops following portal `id`.
    pub fn stop(&self, id: i64) {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(task) = running.remove(&id) {
            task.abort();
        }
    }
}

/// Follows every portal of the profile, and looks at deadlines at start
/// and every few hours.
pub async fn follow_all(app: AppHandle) {
    let state = app.state::<AppState>();
    // The report as it stands is the "before" of the first change, and
    // the first look at deadlines.
    let mut rows = state.client.report().await.ok();
    if let Some(r) = &rows {
        let paid = fee_receipts(&state, r).await.into_keys().collect();
        *state.pollers.seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(r.clone());
        *state.pollers.paid.lock().unwrap_or_else(|p| p.into_inner()) = Some(paid);
    }
    match state.client.portals().await {
        Ok(portals) => {
            for portal in portals.into_iter().filter(PortalRecord::followed) {
                state.pollers.start(&app, portal);
            }
        }
        Err(e) => tracing::warn!(%e, "portals unreadable; status is not followed"),
    }
    let mut told: HashSet<(String, String)> = HashSet::new();
    loop {
        if let Some(rows) = rows.take() {
            let today = hoso_client::store::vn_now().date_naive().to_string();
            let fresh: Vec<Bilingual> = report::deadline_notices(&rows)
                .into_iter()
                .filter(|n| told.insert((n.vi.clone(), today.clone())))
                .collect();
            notify(&app, &fresh).await;
        }
        tokio::time::sleep(DEADLINE_LOOK).await;
        rows = state.client.report().await.ok();
    }
}

/// Portals answered with `new` changes and documents (as far as known):
/// the window reads again, the person is told of each dossier whose state
/// changed or whose fee receipt arrived.
pub async fn changed(app: &AppHandle, new: usize) {
    if new > 0 {
        tell_window(app, new);
    }
    let state = app.state::<AppState>();
    let Ok(after) = state.client.report().await else {
        return;
    };
    let receipts = fee_receipts(&state, &after).await;
    let before = state
        .pollers
        .seen
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .replace(after.clone());
    if let Some(before) = before {
        notify(app, &report::status_notices(&before, &after)).await;
    }
    let paid_before = state
        .pollers
        .paid
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .replace(receipts.keys().cloned().collect());
    let fresh = newly_paid(paid_before.as_ref(), receipts);
    if !fresh.is_empty() {
        if new == 0 {
            tell_window(app, fresh.len());
        }
        notify(app, &fresh).await;
    }
}

/// The notices of `receipts` (by dossier code) whose dossier had none at
/// the last look, `before`; none at the first look, whose receipts were
/// there already.
fn newly_paid(
    before: Option<&HashSet<String>>,
    receipts: BTreeMap<String, Bilingual>,
) -> Vec<Bilingual> {
    let Some(before) = before else {
        return Vec::new();
    };
    receipts
        .into_iter()
        .filter(|(code, _)| !before.contains(code))
        .map(|(_, notice)| notice)
        .collect()
}

/// Tells the window that something changed, so it reads again.
fn tell_window(app: &AppHandle, new: usize) {
    if let Err(e) = app.emit(hoso_ipc::event::STATUS_CHANGED, new) {
        tracing::warn!(%e, "status change not delivered to the window");
    }
}

/// The filed dossiers among `rows` whose fee receipt is kept (verified), by
/// code, each with what to tell the person: the payment is confirmed.
async fn fee_receipts(state: &AppState, rows: &[ReportRow]) -> BTreeMap<String, Bilingual> {
    let mut paid = BTreeMap::new();
    for row in rows
        .iter()
        .filter(|r| r.tracking.is_some() && !r.code.is_empty())
    {
        let Ok(portal) = state.client.portal_of(row.id).await else {
            continue;
        };
        if let Ok(Some(kept)) = state.client.fee_receipt(&portal, &row.code).await {
            paid.insert(row.code.clone(), paid_notice(row, &kept.receipt));
        }
    }
    paid
}

/// "Dossier CODE (title): fee paid, receipt …" in both languages.
fn paid_notice(row: &ReportRow, receipt: &hoso_core::fee_receipt::FeeReceipt) -> Bilingual {
    let number = receipt.number.label();
    Bilingual::new(
        format!(
            "Hồ sơ {} ({}): đã nhận {} phí, lệ phí; biên lai {}.",
            row.code,
            row.title,
            hoso_core::amount_words::in_figures(receipt.amount_vnd),
            number.vi
        ),
        format!(
            "Dossier {} ({}): fee of {} VND received; receipt {}.",
            row.code,
            row.title,
            hoso_core::bilingual::en_number(receipt.amount_vnd),
            number.en
        ),
    )
}

/// Shows each of `notices` as a desktop notification, if the person wants
/// them.
async fn notify(app: &AppHandle, notices: &[Bilingual]) {
    if notices.is_empty() {
        return;
    }
    let state = app.state::<AppState>();
    if !state.client.notifications().await.unwrap_or(true) {
        return;
    }
    use tauri_plugin_notification::NotificationExt;
    for n in notices {
        tracing::info!(notice = %n.vi, "desktop notification");
        let shown = app
            .notification()
            .builder()
            .title("HoSo")
            .body(format!("{}\n{}", n.vi, n.en))
            .show();
        if let Err(e) = shown {
            tracing::info!(%e, "no notification service; the list shows the change");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notices(codes: &[&str]) -> BTreeMap<String, Bilingual> {
        codes
            .iter()
            .map(|c| {
                (
                    c.to_string(),
                    Bilingual::new(format!("{c} vi"), format!("{c} en")),
                )
            })
            .collect()
    }

    #[test]
    fn a_fee_receipt_is_told_once_when_it_arrives_and_not_for_those_there_at_start() {
        // The first look finds what was paid before: nothing to tell.
        assert!(newly_paid(None, notices(&["A-1"])).is_empty());
        let seen: HashSet<String> = ["A-1".to_owned()].into();
        // A receipt that arrived since is told; one seen before is not.
        let told = newly_paid(Some(&seen), notices(&["A-1", "B-2"]));
        assert_eq!(told, [Bilingual::new("B-2 vi", "B-2 en")]);
        let seen: HashSet<String> = ["A-1".to_owned(), "B-2".to_owned()].into();
        assert!(newly_paid(Some(&seen), notices(&["A-1", "B-2"])).is_empty());
    }
}
