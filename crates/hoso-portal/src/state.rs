//! What every request handler shares: settings, database, storage, catalog,
//! signing key, and the set of uploads a PATCH is writing to right now.

use crate::catalog::Catalog;
use crate::config::PortalConfig;
use crate::config::StorageChoice;
use crate::records::{Lease, Records};
use crate::storage::UploadStorage;
use crate::storage::files::FileStorage;
use anyhow::Context;
use chrono::{DateTime, FixedOffset, Utc};
use ed25519_dalek::SigningKey;
use hoso_core::calendar::Calendar;
use std::collections::HashMap;
use std::ops::Deref;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The database file inside the data folder.
pub const DB_FILE: &str = "portal.sqlite3";
/// The receipt key file inside the data folder.
pub const KEY_FILE: &str = "receipt-key.ed25519";
/// Public keys that signed receipts before the current one.
pub const RETIRED_KEYS_FILE: &str = "retired-receipt-keys.json";
/// The upload folder inside the data folder.
pub const UPLOADS_DIR: &str = "uploads";
/// Where bytes waiting to fill an S3 part are kept, inside the data folder.
#[cfg(feature = "shared")]
pub const S3_SPOOL_DIR: &str = "s3-spool";
/// Extra procedure schemas inside the data folder.
pub const PROCEDURES_DIR: &str = "procedures";
/// A newer holiday announcement file inside the data folder, replacing the
/// bundled one without a new release.
pub const CALENDAR_FILE: &str = "calendar.json";

/// Handle shared by all handlers.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

/// The shared parts.
#[derive(Debug)]
pub struct Inner {
    pub config: PortalConfig,
    pub base_url: String,
    pub db: Records,
    pub storage: Arc<dyn UploadStorage>,
    pub catalog: Catalog,
    pub calendar: Calendar,
    pub key: SigningKey,
    pub retired_keys: Vec<hoso_core::wire::PublishedKey>,
    /// How fees are asked for and paid; `None`: this portal asks for none.
    pub fees: Option<crate::payments::FeeDesk>,
    busy_uploads: Mutex<HashMap<String, Arc<Holder>>>,
    /// Leases of shared records this process holds, by upload: a request
    /// that follows another of the same upload here goes on under the
    /// lease the previous one's trailing sync still holds, rather than
    /// writing a new one.
    held_leases: Mutex<HashMap<String, std::sync::Weak<LeaseGuard>>>,
    /// Whole-file hashes of uploads in progress.
    pub hashes: crate::intake::RunningHashes,
    /// Accounts of tokens seen lately.
    pub seen_tokens: crate::routes::SeenTokens,
    /// Uploads whose last request's sync is still under way.
    pub trailing: crate::intake::Trailing,
    /// Jobs that keep a core busy (writing and hashing bodies, joining
    /// uploads) run at most this many at once: beyond, they wait their
    /// turn rather than crowd out the threads that answer short requests.
    pub busy_cores: Arc<tokio::sync::Semaphore>,
    /// Places for bodies fast enough to gather large pieces.
    pub fast_bodies: Arc<tokio::sync::Semaphore>,
    /// Places for officers' password checks ([`crate::console::session`]).
    pub password_checks: Arc<tokio::sync::Semaphore>,
    /// Requests answered since start (for load figures).
    pub requests: std::sync::atomic::AtomicU64,
    /// Set when the portal begins to stop: readiness answers 503 so the
    /// load balancer sends new requests elsewhere.
    draining: std::sync::atomic::AtomicBool,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Prepares the data folder and everything in it.
    pub async fn open(config: PortalConfig, base_url: String) -> anyhow::Result<Self> {
        let dir = config.data_dir.clone();
        let (key_path, retired_path) = (config.receipt_key_path(), config.retired_keys_path());
        let settings = config.clone();
        let (catalog, calendar, (key, retired_keys), fees) =
            tokio::task::spawn_blocking(move || {
                crate::private::create_dir(&dir)?;
                let catalog = Catalog::load(Some(&dir.join(PROCEDURES_DIR)))?;
                let calendar = load_calendar(&dir.join(CALENDAR_FILE))?;
                let key = crate::keys::load_or_create(&key_path)
                    .with_context(|| format!("khóa ký / receipt key {}", key_path.display()))?;
                let retired = crate::keys::load_retired(&retired_path)?;
                let fees = crate::payments::FeeDesk::open(&settings)
                    .context("ngân hàng thực hành / practice bank")?;
                anyhow::Ok((catalog, calendar, (key, retired), fees))
            })
            .await??;
        if fees.is_none() {
            tracing::info!(
                "no [fees]: this portal issues no payment requests; fees are paid as before"
            );
        }
        let db = Records::open(&config.database, &config.data_dir, &base_url).await?;
        let storage = open_storage(&config, &db).await?;
        let wanted = db.wanted_uploads();
        let state = Self(Arc::new(Inner {
            config,
            base_url,
            db,
            storage,
            catalog,
            calendar,
            key,
            retired_keys,
            fees,
            busy_uploads: Mutex::new(HashMap::new()),
            held_leases: Mutex::new(HashMap::new()),
            hashes: Default::default(),
            trailing: Default::default(),
            seen_tokens: Default::default(),
            fast_bodies: Arc::new(tokio::sync::Semaphore::new(crate::intake::FAST_BODIES)),
            busy_cores: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(4, |n| n.get() * 2),
            )),
            password_checks: Arc::new(tokio::sync::Semaphore::new(
                crate::console::session::CHECKS_AT_ONCE,
            )),
            requests: std::sync::atomic::AtomicU64::new(0),
            draining: std::sync::atomic::AtomicBool::new(false),
        }));
        if let Some(mut wanted) = wanted {
            // Held weakly: the task ends with the state (its records'
            // session, which feeds it, closes then).
            let weak = Arc::downgrade(&state.0);
            tokio::spawn(async move {
                while let Some(id) = wanted.recv().await {
                    let Some(inner) = weak.upgrade() else { return };
                    AppState(inner).wanted_here(&id).await;
                }
            });
        }
        Ok(state)
    }

    /// Whether the portal is stopping.
    pub fn is_draining(&self) -> bool {
        self.draining.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Says the portal is stopping (readiness fails from now on).
    pub fn drain(&self) {
        self.draining
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Marks an upload as being written; `None` if another request
    /// already is, in this process or (on shared records) in another
    /// replica.
    pub async fn lock_upload(&self, id: &str) -> Option<UploadLock> {
        let local = self.lock_here(id)?;
        if !self.db.shared() {
            return Some(local);
        }
        if let Some(lease) = self.held_lease(id) {
            return Some(local.with_lease(lease));
        }
        let request = lease_request();
        match self.db.take_lease(id, request, now_ms()).await {
            Ok(Lease::Taken) => Some(local.leased(request)),
            Ok(Lease::Held { .. }) => None,
            Err(e) => {
                tracing::warn!(upload = %id, code = e.code, "an upload's lease could not be taken");
                None
            }
        }
    }

    /// The lease this process still holds on upload `id` (for a trailing
    /// sync), if any.
    fn held_lease(&self, id: &str) -> Option<Arc<LeaseGuard>> {
        let held = self.held_leases.lock().unwrap_or_else(|p| p.into_inner());
        held.get(id).and_then(std::sync::Weak::upgrade)
    }

    /// Marks an upload as being written by a request of this process.
    fn lock_here(&self, id: &str) -> Option<UploadLock> {
        let mut busy = self.busy_uploads.lock().unwrap_or_else(|p| p.into_inner());
        if busy.contains_key(id) {
            return None;
        }
        let holder = Arc::new(Holder::new());
        busy.insert(id.to_owned(), holder.clone());
        Some(UploadLock {
            state: self.clone(),
            id: id.to_owned(),
            holder,
            lease: None,
        })
    }

    /// Like [`AppState::lock_upload`] for an upload nobody else can know
    /// of yet (just created): held in this process only.
    pub fn lock_new_upload(&self, id: &str) -> Option<UploadLock> {
        self.lock_here(id)
    }

    /// Like [`AppState::lock_upload`], but a request that has received
    /// nothing for [`TAKEOVER_IDLE`] is told to stop (keeping what it got)
    /// and this one goes on: a client whose connection hung comes back on a
    /// new one, and the old one may never end by itself. An active request
    /// keeps the upload; `None` then.
    pub async fn take_over_upload(&self, id: &str) -> Option<UploadLock> {
        let local = self.take_over_here(id).await?;
        if !self.db.shared() {
            return Some(local);
        }
        if let Some(lease) = self.held_lease(id) {
            return Some(local.with_lease(lease));
        }
        // Another replica's request may hold it. Its replica is asked to
        // let go: a request silent for a second stops (and lets go once
        // what it kept is synced and recorded, as long as a HEAD waits for
        // that); one that receives says so and keeps the upload. A lease
        // of a replica that died is taken over at once.
        let request = lease_request();
        let deadline = Instant::now() + crate::intake::TRAILING_WAIT;
        let mut asked_at = None;
        loop {
            match self.db.take_lease(id, request, now_ms()).await {
                Ok(Lease::Taken) => return Some(local.leased(request)),
                Ok(Lease::Held { active_at_ms }) => match asked_at {
                    None => {
                        asked_at = Some(now_ms());
                        if let Err(e) = self.db.want_lease(id).await {
                            tracing::warn!(upload = %id, code = e.code, "another replica could not be asked for an upload");
                            return None;
                        }
                    }
                    Some(asked) if active_at_ms >= asked => return None,
                    Some(_) if Instant::now() > deadline => return None,
                    Some(_) => {}
                },
                Err(e) => {
                    tracing::warn!(upload = %id, code = e.code, "an upload's lease could not be taken");
                    return None;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Another replica asks for upload `id`: the request of this process
    /// writing to it stops if it has been silent for [`TAKEOVER_IDLE`],
    /// else says in the lease that it is receiving.
    async fn wanted_here(&self, id: &str) {
        let holder = {
            let busy = self.busy_uploads.lock().unwrap_or_else(|p| p.into_inner());
            busy.get(id).cloned()
        };
        let Some(holder) = holder else {
            return;
        };
        if holder.idle() >= TAKEOVER_IDLE {
            tracing::info!(upload = %id, idle = ?holder.idle(), "an idle request gives way to one on another replica");
            holder.cancel.notify_one();
        } else if let Err(e) = self.db.touch_lease(id, now_ms()).await {
            tracing::warn!(upload = %id, code = e.code, "could not say an upload is being received");
        }
    }

    /// [`AppState::take_over_upload`] among the requests of this process.
    async fn take_over_here(&self, id: &str) -> Option<UploadLock> {
        if let Some(lock) = self.lock_here(id) {
            return Some(lock);
        }
        let holder = {
            let busy = self.busy_uploads.lock().unwrap_or_else(|p| p.into_inner());
            busy.get(id).cloned()?
        };
        if holder.idle() < TAKEOVER_IDLE {
            return None;
        }
        tracing::info!(upload = %id, idle = ?holder.idle(), "an idle request gives way to a new one");
        holder.cancel.notify_one();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if let Some(lock) = self.lock_here(id) {
                return Some(lock);
            }
        }
        None
    }

    /// Whether a request is writing to upload `id`.
    pub fn is_busy(&self, id: &str) -> bool {
        self.busy_uploads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(id)
    }

    /// Waits, at most [`HEAD_WAIT`], until the request writing to upload
    /// `id` (if any) lets go or shows it is alive (new bytes). A client
    /// resuming right after its connection broke then sees what the broken
    /// request kept, not what was recorded before it.
    pub async fn settled_request(&self, id: &str) {
        let holder = {
            let busy = self.busy_uploads.lock().unwrap_or_else(|p| p.into_inner());
            busy.get(id).cloned()
        };
        if let Some(holder) = holder {
            let _ = tokio::time::timeout(HEAD_WAIT, holder.changed.notified()).await;
        }
    }

    /// Like [`AppState::settled_request`] for a request of another
    /// replica: waits, at most [`HEAD_WAIT`], until no request holds upload
    /// `id`'s lease (its bytes are then synced and recorded).
    pub async fn settled_elsewhere(&self, id: &str) {
        let deadline = Instant::now() + HEAD_WAIT;
        while self.db.leased(id).await.unwrap_or(false) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Or a request of this process took it meanwhile.
        if self.is_busy(id) {
            self.settled_request(id).await;
        }
    }

    /// The URL of an upload.
    pub fn upload_url(&self, id: &str) -> String {
        format!("{}/v1/uploads/{id}", self.base_url)
    }
}

/// A request writing to an upload that has received nothing for this long
/// gives way to a new request for the same upload.
pub const TAKEOVER_IDLE: Duration = Duration::from_secs(1);

/// How long a HEAD waits for the request writing to its upload.
pub const HEAD_WAIT: Duration = Duration::from_secs(1);

/// A new request's id in the lease of an upload.
fn lease_request() -> i64 {
    i64::from_le_bytes(crate::random::bytes::<8>())
}

/// Now, in Unix milliseconds.
fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// The request that holds an upload: when it last received bytes, and how
/// to tell it to stop.
#[derive(Debug)]
pub struct Holder {
    last: Mutex<Instant>,
    /// Notified when a newer request takes the upload over.
    pub cancel: tokio::sync::Notify,
    /// Notified when bytes arrive and when the request lets go.
    changed: tokio::sync::Notify,
}

impl Holder {
    fn new() -> Self {
        Self {
            last: Mutex::new(Instant::now()),
            cancel: tokio::sync::Notify::new(),
            changed: tokio::sync::Notify::new(),
        }
    }

    /// Records that bytes arrived now.
    pub fn active(&self) {
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        self.changed.notify_waiters();
    }

    /// How long since bytes last arrived.
    pub fn idle(&self) -> Duration {
        self.last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .elapsed()
    }
}

/// Held while a request writes to an upload; released on drop.
#[derive(Debug)]
pub struct UploadLock {
    state: AppState,
    id: String,
    holder: Arc<Holder>,
    lease: Option<Arc<LeaseGuard>>,
}

/// An upload's lease in shared records, held by the requests of this
/// process that write to it one after another; given up when the last of
/// them and their trailing syncs lets go.
#[derive(Debug)]
pub struct LeaseGuard {
    state: AppState,
    id: String,
    request: i64,
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        {
            // Unless a newer lease of the upload took this one's place.
            let mut held = self
                .state
                .held_leases
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if held.get(&self.id).is_some_and(|w| w.strong_count() == 0) {
                held.remove(&self.id);
            }
        }
        let (db, id, request) = (self.state.db.clone(), self.id.clone(), self.request);
        // Dropped on the runtime (by a handler or a trailing sync's task).
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = db.release_lease(&id, request).await {
                    tracing::warn!(upload = %id, code = e.code, "an upload's lease was not given up");
                }
            });
        }
    }
}

impl UploadLock {
    /// The upload held.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The holder record of this request.
    pub fn holder(&self) -> &Holder {
        &self.holder
    }

    /// The lease in shared records, for a sync that trails the request:
    /// the upload stays held elsewhere until its bytes are recorded.
    pub fn lease(&self) -> Option<Arc<LeaseGuard>> {
        self.lease.clone()
    }

    /// This lock with the lease `request` took, kept for the requests
    /// that follow here.
    fn leased(self, request: i64) -> Self {
        let lease = Arc::new(LeaseGuard {
            state: self.state.clone(),
            id: self.id.clone(),
            request,
        });
        self.state
            .held_leases
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(self.id.clone(), Arc::downgrade(&lease));
        self.with_lease(lease)
    }

    /// This lock under `lease`.
    fn with_lease(mut self, lease: Arc<LeaseGuard>) -> Self {
        self.lease = Some(lease);
        self
    }
}

impl Drop for UploadLock {
    fn drop(&mut self) {
        let mut busy = self
            .state
            .busy_uploads
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        busy.remove(&self.id);
        drop(busy);
        self.holder.changed.notify_waiters();
    }
}

/// The store of upload bytes the settings choose: files in the data
/// folder, or an S3-compatible bucket (checked to answer now, so that a
/// wrong endpoint, bucket or key stops the portal at start, saying which).
async fn open_storage(
    config: &PortalConfig,
    records: &Records,
) -> anyhow::Result<Arc<dyn UploadStorage>> {
    let dir = config.data_dir.clone();
    Ok(match &config.storage {
        StorageChoice::Files => {
            let files =
                tokio::task::spawn_blocking(move || FileStorage::new(dir.join(UPLOADS_DIR)))
                    .await??;
            Arc::new(files)
        }
        #[cfg(not(feature = "shared"))]
        StorageChoice::S3(_) => {
            let _ = records;
            anyhow::bail!(crate::config::without_shared("storage.s3"))
        }
        #[cfg(feature = "shared")]
        StorageChoice::S3(settings) => {
            let part = crate::storage::s3::part_size(config.max_upload_bytes);
            let s3 = crate::storage::s3::S3Storage::connect(
                settings,
                part,
                dir.join(S3_SPOOL_DIR),
                records.clone(),
            )
            .await
            .with_context(|| {
                format!(
                    "kho S3 / S3 store: bucket {} at {}",
                    settings.bucket, settings.endpoint
                )
            })?;
            Arc::new(s3)
        }
    })
}

/// The working-day calendar: `path` when it exists (a newer announcement),
/// else the one bundled with HoSo.
pub fn load_calendar(path: &Path) -> anyhow::Result<Calendar> {
    match std::fs::read_to_string(path) {
        Ok(text) => Calendar::from_json(&text)
            .with_context(|| format!("tệp ngày nghỉ / holiday file {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Calendar::vietnam().clone()),
        Err(e) => Err(e).with_context(|| format!("đọc / reading {}", path.display())),
    }
}

/// Viet Nam's offset from UTC (+07:00, no daylight saving).
pub fn vn_offset() -> FixedOffset {
    // 7 hours is within ±24 h, so the offset always exists.
    FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| unreachable!())
}

/// The current time in Viet Nam.
pub fn now_vn() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&vn_offset())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn a_newer_holiday_file_in_the_data_folder_replaces_the_bundled_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(CALENDAR_FILE);
        let friday = NaiveDate::from_ymd_opt(2027, 1, 29).expect("date");
        assert!(
            load_calendar(&path)
                .expect("bundled")
                .is_working_day(friday)
        );
        std::fs::write(
            &path,
            r#"{"office_close": "16:30", "years": [{"year": 2027, "days_off": [["2027-01-29", "2027-02-12"]], "working_days": []}]}"#,
        )
        .expect("write");
        assert!(
            !load_calendar(&path)
                .expect("updated")
                .is_working_day(friday)
        );
        std::fs::write(&path, "{\"office_close\": ").expect("write");
        let err = load_calendar(&path).expect_err("malformed accepted");
        assert!(format!("{err:#}").contains("calendar.json"), "{err:#}");
    }
}
