//! HoSo's engines, shared by the desktop app and the command line: the
//! profile's local store, the attachment library, portals and their cached
//! procedures, tus uploads and exactly-once submission.
//!
//! A profile is one folder: `hoso.sqlite3` (the store) and `library/` (the
//! attachments by SHA-256).

pub mod error;
pub mod fees;
pub mod http;
pub mod library;
pub mod package;
pub mod portal;
pub mod progress;
pub mod qr;
pub mod ratings;
pub mod refunds;
pub mod report;
pub mod results;
pub mod rows;
pub mod sendings;
pub mod store;
pub mod submit;
pub mod supplement;
pub mod tracking;
pub mod tus;
pub mod whole;
pub mod workspace;

pub use error::ClientError;
pub use library::LibraryEntry;
pub use portal::{AddPortal, PortalRecord};
pub use submit::Submitted;

use hoso_core::{DossierContent, DossierQuery, DossierRecord, DossierSummary, Procedure, Saved};
use std::path::{Path, PathBuf};

/// The store file inside a profile folder.
pub const STORE_FILE: &str = "hoso.sqlite3";
/// The library folder inside a profile folder.
pub const LIBRARY_DIR: &str = "library";

/// One user profile: its store, library and HTTP client.
#[derive(Debug, Clone)]
pub struct Client {
    profile: PathBuf,
    store: store::Store,
    library: library::Library,
    http: http::Http,
    uploads: tus::UploadSettings,
    progress: Option<progress::ProgressSink>,
    sendings: sendings::Sendings,
}

impl Client {
    /// Opens (creating if needed) the profile in `dir`.
    pub async fn open(dir: &Path) -> Result<Self, ClientError> {
        let profile = dir.to_owned();
        let (store, library) = tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&profile).map_err(|e| ClientError::file(&profile, e))?;
            let store = store::Store::open(&profile.join(STORE_FILE))?;
            let library = library::Library::open(profile.join(LIBRARY_DIR), store.clone())?;
            Ok::<_, ClientError>((store, library))
        })
        .await
        .map_err(|e| ClientError::Protocol(format!("open task failed: {e}")))??;
        Ok(Self {
            profile: dir.to_owned(),
            store,
            library,
            http: http::Http::new()?,
            uploads: tus::UploadSettings::default(),
            progress: None,
            sendings: sendings::Sendings::default(),
        })
    }

    /// Where the progress of sendings is reported.
    pub fn set_progress_sink(&mut self, sink: progress::ProgressSink) {
        self.progress = Some(sink);
    }

    /// How uploads behave (stall timeout, chunk bounds, bandwidth cap).
    pub fn set_upload_settings(&mut self, settings: tus::UploadSettings) {
        self.uploads = settings;
    }

    /// Uploads a library document to any tus 1.0 server, resuming an
    /// earlier upload of it to the same endpoint; the upload's URL and what
    /// it took.
    pub async fn upload_document(
        &self,
        target: tus::Target<'_>,
        sha256: hoso_core::Sha256Digest,
    ) -> Result<tus::UploadReport, ClientError> {
        let entry = self.library.get(sha256).await?;
        let file = self.library.path_of(&entry.sha256);
        tus::upload(
            self.http.raw(),
            &self.store,
            target,
            &entry,
            &file,
            &self.uploads,
            &tus::Shared::new(tus::Cap::new(self.uploads.bandwidth_cap), None),
        )
        .await
    }

    /// Where the library keeps the document with this hash.
    pub fn document_path(&self, sha256: &hoso_core::Sha256Digest) -> PathBuf {
        self.library.path_of(sha256)
    }

    /// The profile folder.
    pub fn profile_dir(&self) -> &Path {
        &self.profile
    }

    /// Adds (or refreshes) a portal, pinning its receipt key on first use.
    pub async fn add_portal(
        &self,
        base_url: &str,
        how: AddPortal,
    ) -> Result<PortalRecord, ClientError> {
        portal::add(&self.store, &self.http, base_url, how).await
    }

    /// Adds (or refreshes) a portal with an applicant token, once the
    /// portal has accepted it; nothing is stored when it refuses it.
    pub async fn add_portal_with_token(
        &self,
        base_url: &str,
        token: String,
    ) -> Result<PortalRecord, ClientError> {
        portal::add_with_token(&self.store, &self.http, base_url, token).await
    }

    /// Asks `portal` whether `token` opens its applicant API, storing nothing.
    pub async fn check_token(&self, portal: &PortalRecord, token: &str) -> Result<(), ClientError> {
        portal::check_token(&self.http, &portal.api_base, &portal.name, token).await
    }

    /// Signs in to portal `id` with `token` once the portal accepts it.
    pub async fn sign_in_checked(
        &self,
        id: i64,
        token: String,
    ) -> Result<PortalRecord, ClientError> {
        portal::sign_in_checked(&self.store, &self.http, id, token).await
    }

    /// Every portal of the profile, the practice portal first.
    pub async fn portals(&self) -> Result<Vec<PortalRecord>, ClientError> {
        portal::list(&self.store).await
    }

    /// Every portal with its sync state and dossier count.
    pub async fn portal_overview(&self) -> Result<Vec<portal::PortalOverview>, ClientError> {
        portal::overview(&self.store).await
    }

    /// Keeps `token` for portal `id` (signing in).
    pub async fn sign_in(&self, id: i64, token: String) -> Result<PortalRecord, ClientError> {
        portal::sign_in(&self.store, id, token).await
    }

    /// Forgets portal `id`, unless it is the practice portal or a dossier
    /// was sent to it.
    pub async fn remove_portal(&self, id: i64) -> Result<(), ClientError> {
        portal::remove(&self.store, id).await
    }

    /// The portal dossier `id` belongs to.
    pub async fn portal_of(&self, id: i64) -> Result<PortalRecord, ClientError> {
        portal::of_dossier(&self.store, id).await
    }

    /// The portal's procedures, refreshed when it answers, cached otherwise.
    pub async fn procedures(&self, portal: &PortalRecord) -> Result<Vec<Procedure>, ClientError> {
        portal::procedures(&self.store, &self.http, portal).await
    }

    /// Copies a file into the attachment library.
    pub async fn import_attachment(&self, path: &Path) -> Result<LibraryEntry, ClientError> {
        self.library.import(path).await
    }

    /// Copies a file meant for `slot` into the library, refusing a wrong
    /// type, an oversized file or a name the portal would refuse before
    /// copying anything.
    pub async fn import_for_slot(
        &self,
        path: &Path,
        slot: &hoso_core::procedure::AttachmentSlot,
    ) -> Result<LibraryEntry, ClientError> {
        self.library.import_for(path, slot).await
    }

    /// The library's documents with where each is used; with `slot`, only
    /// those once attached to a slot of that id.
    pub async fn library(
        &self,
        slot: Option<String>,
    ) -> Result<Vec<hoso_core::LibraryItem>, ClientError> {
        self.library.items(slot).await
    }

    /// Records the last day a library document is valid.
    pub async fn set_valid_until(
        &self,
        sha256: hoso_core::Sha256Digest,
        valid_until: Option<chrono::NaiveDate>,
    ) -> Result<(), ClientError> {
        self.library.set_valid_until(sha256, valid_until).await
    }

    /// Removes library documents that no dossier attaches, imported before
    /// `before` (RFC 3339).
    pub async fn purge_unused_documents(&self, before: String) -> Result<usize, ClientError> {
        self.library.purge_unused(before).await
    }

    /// An earlier version of a procedure, as `portal` once served it.
    pub async fn procedure_version(
        &self,
        portal: &PortalRecord,
        code: &hoso_core::ProcedureCode,
        version: &str,
    ) -> Result<Option<Procedure>, ClientError> {
        portal::procedure_version(&self.store, portal, code, version).await
    }

    /// A new draft of `procedure` for `portal`.
    pub async fn create_dossier(
        &self,
        portal: &PortalRecord,
        procedure: &Procedure,
    ) -> Result<DossierRecord, ClientError> {
        workspace::create(&self.store, portal, procedure).await
    }

    /// Saves a draft (see [`workspace::save`]); the answer is the promise
    /// that the change survives a crash.
    pub async fn save_dossier(
        &self,
        portal: &PortalRecord,
        id: i64,
        content: DossierContent,
        base_revision: i64,
    ) -> Result<Saved, ClientError> {
        let title = portal::cached_procedure(&self.store, portal, &content.procedure)
            .await?
            .map(|p| workspace::title_of(&p, &content))
            .unwrap_or_default();
        workspace::save(&self.store, id, content, base_revision, title).await
    }

    /// The dossier on `portal` for an input row known by `key` (a CSV line
    /// of `hoso batch`) with `content`, written against `procedure`: the
    /// key's dossier found again (a draft brought up to date with the row),
    /// or a new draft; nothing made for a row with problems or one already
    /// filed (see [`rows::RowDossier`]).
    pub async fn dossier_for_row(
        &self,
        portal: &PortalRecord,
        procedure: &Procedure,
        key: &str,
        content: DossierContent,
    ) -> Result<rows::RowDossier, ClientError> {
        rows::prepare(&self.store, portal, procedure, key, content).await
    }

    /// One dossier.
    pub async fn dossier(&self, id: i64) -> Result<DossierRecord, ClientError> {
        workspace::get(&self.store, id).await
    }

    /// The dossiers `query` asks for: its words found by full-text search,
    /// diacritics and case ignored ("anh duong" finds "Ánh Dương"), the
    /// best match first; without words the most recently changed first
    /// (see [`workspace::list`]).
    pub async fn dossiers(&self, query: DossierQuery) -> Result<Vec<DossierSummary>, ClientError> {
        workspace::list(&self.store, query).await
    }

    /// A new draft with the content of dossier `id`.
    pub async fn duplicate_dossier(&self, id: i64) -> Result<DossierRecord, ClientError> {
        workspace::duplicate(&self.store, id).await
    }

    /// A new draft with dossier `id`'s content and documents, written
    /// against `procedure` (another version of its procedure, such as the
    /// one in force now).
    pub async fn duplicate_dossier_for(
        &self,
        id: i64,
        procedure: &Procedure,
    ) -> Result<DossierRecord, ClientError> {
        workspace::duplicate_for(&self.store, id, procedure).await
    }

    /// Archives or brings back a dossier.
    pub async fn archive_dossier(&self, id: i64, archived: bool) -> Result<(), ClientError> {
        workspace::set_archived(&self.store, id, archived).await
    }

    /// Deletes a draft, undoably (filed dossiers are archived instead).
    pub async fn delete_dossier(&self, id: i64) -> Result<(), ClientError> {
        workspace::delete(&self.store, id).await
    }

    /// Removes for good the drafts deleted before `before` (RFC 3339); their
    /// undo is gone after that.
    pub async fn purge_deleted_dossiers(&self, before: String) -> Result<usize, ClientError> {
        workspace::purge_deleted(&self.store, before).await
    }

    /// Undoes [`Self::delete_dossier`].
    pub async fn restore_dossier(&self, id: i64) -> Result<(), ClientError> {
        workspace::restore(&self.store, id).await
    }

    /// Checks, uploads and files the stored dossier `id` exactly once;
    /// returns the verified receipt.
    pub async fn submit_dossier(
        &self,
        portal: &PortalRecord,
        id: i64,
    ) -> Result<Submitted, ClientError> {
        let send = submit::submit(self.sender(), portal, id, self.progress.clone());
        self.sendings.run(&self.store, id, send).await
    }

    /// What the portal asked for on the filed dossier `id`, if its last
    /// known state is "supplement requested".
    pub async fn supplement_request(
        &self,
        id: i64,
    ) -> Result<Option<supplement::Asked>, ClientError> {
        supplement::asked(&self.store, id).await
    }

    /// Every supplement of dossier `id` recorded here, receipts verified.
    pub async fn supplements(
        &self,
        portal: &PortalRecord,
        id: i64,
    ) -> Result<Vec<supplement::StoredSupplement>, ClientError> {
        supplement::stored(&self.store, portal, id).await
    }

    /// Sends `answer` to the request dossier `id` waits on, exactly once,
    /// through the same resumable uploads (and the same one-sending-per-
    /// dossier rule) as the dossier itself.
    pub async fn submit_supplement(
        &self,
        portal: &PortalRecord,
        id: i64,
        answer: hoso_core::supplement::Supplement,
    ) -> Result<supplement::StoredSupplement, ClientError> {
        let send = supplement::submit(self.sender(), portal, id, answer, self.progress.clone());
        self.sendings.run(&self.store, id, send).await
    }

    /// Writes dossier `id` (with its receipt, history and supplements once
    /// filed) as a `.hoso` package at `dest`; its size in bytes.
    pub async fn export_package(&self, id: i64, dest: &Path) -> Result<u64, ClientError> {
        package::export(&self.store, &self.library, id, dest).await
    }

    /// The portal the `.hoso` package at `path` names (filed with, or
    /// written for), and whether this profile has it.
    pub async fn package_portal(
        &self,
        path: &Path,
    ) -> Result<Option<package::NamedPortal>, ClientError> {
        package::named_portal(&self.store, path).await
    }

    /// Imports the `.hoso` package at `path`, every document checked, never
    /// overwriting a dossier; a draft arrives for the portal it was written
    /// for when this profile knows it, else for `portal`; a filed dossier
    /// for the portal whose key signed its receipt.
    pub async fn import_package(
        &self,
        portal: &PortalRecord,
        path: &Path,
    ) -> Result<package::Imported, ClientError> {
        package::import(&self.store, &self.library, portal, path).await
    }

    fn sender(&self) -> submit::Sender<'_> {
        submit::Sender {
            store: &self.store,
            library: &self.library,
            http: &self.http,
            settings: &self.uploads,
        }
    }

    /// Pauses dossier `id`'s sending: it stops where it is, keeps what was
    /// confirmed, and waits in the outbox until [`Self::submit_dossier`]
    /// continues it.
    pub async fn pause_sending(&self, id: i64) -> Result<(), ClientError> {
        self.sendings.pause(&self.store, id).await
    }

    /// The receipt of the filed dossier `id`, verified again against
    /// `portal`'s pinned key.
    pub async fn receipt(&self, portal: &PortalRecord, id: i64) -> Result<Submitted, ClientError> {
        submit::filed(&self.store, portal, id).await
    }

    /// Whether unfinished sendings continue by themselves when the app
    /// starts (the person's consent; on until they turn it off).
    pub async fn continue_at_start(&self) -> Result<bool, ClientError> {
        sendings::preferences::flag(&self.store, sendings::preferences::CONTINUE_AT_START, true)
            .await
    }

    /// Records whether unfinished sendings continue by themselves at start.
    pub async fn set_continue_at_start(&self, on: bool) -> Result<(), ClientError> {
        sendings::preferences::set_flag(&self.store, sendings::preferences::CONTINUE_AT_START, on)
            .await
    }

    /// Whether desktop notifications are shown (on until turned off).
    pub async fn notifications(&self) -> Result<bool, ClientError> {
        sendings::preferences::flag(&self.store, sendings::preferences::NOTIFICATIONS, true).await
    }

    /// Records whether desktop notifications are shown.
    pub async fn set_notifications(&self, on: bool) -> Result<(), ClientError> {
        sendings::preferences::set_flag(&self.store, sendings::preferences::NOTIFICATIONS, on).await
    }

    /// The outbox: dossiers being sent whose outcome is not yet known
    /// (the network failed, the app was closed or killed mid-way), oldest
    /// change first.
    pub async fn outbox(&self) -> Result<Vec<DossierSummary>, ClientError> {
        let mut pending = self
            .dossiers(DossierQuery {
                state: Some(hoso_core::DossierState::Submitting),
                ..DossierQuery::default()
            })
            .await?;
        pending.sort_by_key(|d| d.updated_at);
        Ok(pending)
    }

    /// Sends every dossier in the outbox for `portal` again (except those
    /// the person paused), each under its own key (so that none can be
    /// filed twice), asking the portal first whether an earlier attempt
    /// arrived. Returns each dossier's outcome; those that fail on
    /// the network stay in the outbox for the next time.
    pub async fn send_outbox(
        &self,
        portal: &PortalRecord,
    ) -> Result<Vec<(i64, Result<Submitted, ClientError>)>, ClientError> {
        let mut outcomes = Vec::new();
        for pending in self.outbox().await? {
            let (id, portal_id) = (pending.id, portal.id);
            let here = self
                .store
                .call(move |conn| Ok(store::dossiers::portal_id(conn, id)? == portal_id))
                .await?;
            // A paused sending waits for the person, not for the network.
            if !here || pending.paused {
                continue;
            }
            let outcome = self.submit_dossier(portal, pending.id).await;
            outcomes.push((pending.id, outcome));
        }
        Ok(outcomes)
    }

    /// Every dossier on this computer as reported (code, dates, last
    /// synced state, deadline as of today).
    pub async fn report(&self) -> Result<Vec<report::ReportRow>, ClientError> {
        report::rows(&self.store, crate::store::vn_now().date_naive()).await
    }

    /// Asks every followed portal ([`PortalRecord::followed`]) for its
    /// changes; one that fails does not stop the others.
    pub async fn sync_all(&self) -> Result<tracking::SyncAll, ClientError> {
        let mut all = tracking::SyncAll::default();
        for portal in self
            .portals()
            .await?
            .into_iter()
            .filter(PortalRecord::followed)
        {
            match self.sync_status(&portal).await {
                Ok(report) => all.new_events += report.new_events,
                Err(e) => all.failed.push((portal, e)),
            }
        }
        Ok(all)
    }

    /// Reads `portal`'s status changes since the last sync and keeps them,
    /// after checking that it still presents the pinned receipt key.
    pub async fn sync_status(
        &self,
        portal: &PortalRecord,
    ) -> Result<tracking::SyncReport, ClientError> {
        tracking::sync(&self.store, &self.http, portal, true).await
    }

    /// The last known state of the dossier coded `code` at `portal`, with
    /// its history and when the portal last confirmed it.
    pub async fn dossier_status(
        &self,
        portal: &PortalRecord,
        code: &str,
    ) -> Result<Option<tracking::TrackedStatus>, ClientError> {
        tracking::status_of(&self.store, portal.id, code).await
    }

    /// Polls `portal` for status changes for ever, by `policy`; run it as
    /// a task of its own per portal. `after_each` sees every sync's result
    /// and the wait chosen after it.
    pub async fn poll_status(
        &self,
        portal: PortalRecord,
        policy: hoso_core::poll::PollPolicy,
        after_each: impl FnMut(&Result<tracking::SyncReport, ClientError>, std::time::Duration) + Send,
    ) {
        tracking::poll_portal(
            self.store.clone(),
            self.http.clone(),
            portal,
            policy,
            after_each,
        )
        .await
    }

    /// Dossier `id`'s fee: for a draft, the fee [`hoso_core::fee`]
    /// computes from its procedure and values (before filing); for a
    /// filed one, its payment request, asked of the portal first when
    /// `refresh` (what was kept answers when the portal cannot be
    /// reached). Why there is none is [`fees::FeeUnavailable`].
    pub async fn dossier_fee(
        &self,
        portal: &PortalRecord,
        id: i64,
        refresh: bool,
    ) -> Result<fees::DossierFee, ClientError> {
        fees::dossier_fee(self, portal, id, refresh).await
    }

    /// Dossier `id`'s fee receipt, verified against `portal`'s keys: the
    /// one kept, else (when `refresh`) asked of the portal. Why there is
    /// none (not filed, no fee, no fees online, not paid yet) is
    /// [`fees::FeeUnavailable`]; one that does not verify is
    /// [`ClientError::Untrusted`].
    pub async fn dossier_fee_receipt(
        &self,
        portal: &PortalRecord,
        id: i64,
        refresh: bool,
    ) -> Result<fees::VerifiedFeeReceipt, ClientError> {
        fees::dossier_receipt(self, portal, id, refresh).await
    }

    /// Asks `portal` for the payment of the dossier coded `code`
    /// (`GET /v1/dossiers/{code}/payment`) and keeps what it answers as
    /// the change feed's documents are kept: for a profile that missed the
    /// feed, and to refresh.
    pub async fn fetch_payment(
        &self,
        portal: &PortalRecord,
        code: &str,
    ) -> Result<hoso_core::wire::PaymentStatus, ClientError> {
        fees::fetch(&self.store, &self.http, portal, code).await
    }

    /// The payment request of the dossier coded `code` at `portal`, as
    /// last received from its feed or [`Self::fetch_payment`].
    pub async fn payment_request(
        &self,
        portal: &PortalRecord,
        code: &str,
    ) -> Result<Option<hoso_core::payment::PaymentRequest>, ClientError> {
        fees::request_of(&self.store, portal, code).await
    }

    /// The fee receipt of the dossier coded `code` at `portal`, verified
    /// again; none while none was received.
    pub async fn fee_receipt(
        &self,
        portal: &PortalRecord,
        code: &str,
    ) -> Result<Option<fees::VerifiedFeeReceipt>, ClientError> {
        fees::receipt_of(&self.store, portal, code).await
    }

    /// Withdraws the filed dossier `id`, giving `reason`: allowed by the
    /// portal only before the dossier is examined. Its state and any
    /// refund then show here (the portal's feed is read at once).
    pub async fn withdraw(&self, id: i64, reason: &str) -> Result<(), ClientError> {
        results::withdraw(self, id, reason).await
    }

    /// The result of the filed dossier `id` if it is here whole and
    /// verified (see [`results::received`]).
    pub async fn result(&self, id: i64) -> Result<Option<results::ReceivedResult>, ClientError> {
        results::received(self, id).await
    }

    /// Downloads the result of the filed dossier `id` into the library
    /// (resuming an earlier attempt), verifies it and tells the portal it
    /// was received; with `to`, also copies the documents there. See
    /// [`results::download`].
    pub async fn download_result(
        &self,
        id: i64,
        to: Option<&Path>,
        progress: impl FnMut(results::ResultProgress) + Send,
    ) -> Result<results::ReceivedResult, ClientError> {
        results::download(self, id, to, progress).await
    }

    /// Rates the filed dossier `id` once it is completed: `rating` from 1
    /// (very dissatisfied) to 5 (very satisfied), with `comment` (may be
    /// empty). Rating again replaces the earlier rating. See
    /// [`ratings::rate`].
    pub async fn rate(
        &self,
        id: i64,
        rating: u8,
        comment: &str,
    ) -> Result<hoso_core::wire::Rating, ClientError> {
        ratings::rate(self, id, rating, comment).await
    }

    /// The rating of the filed dossier `id`, asked of its portal (none
    /// while it has none).
    pub async fn rating(&self, id: i64) -> Result<Option<hoso_core::wire::Rating>, ClientError> {
        ratings::fetch(self, id).await
    }

    /// The rating of the filed dossier `id` as last given or read from
    /// this profile, without asking the portal.
    pub async fn kept_rating(
        &self,
        id: i64,
    ) -> Result<Option<hoso_core::wire::Rating>, ClientError> {
        ratings::kept(self, id).await
    }

    /// Records `content` as a draft and files it: [`Self::create_dossier`],
    /// [`Self::save_dossier`] and [`Self::submit_dossier`] in one call.
    pub async fn submit(
        &self,
        portal: &PortalRecord,
        content: DossierContent,
    ) -> Result<Submitted, ClientError> {
        let procedure = portal::cached_procedure(&self.store, portal, &content.procedure)
            .await?
            .ok_or_else(|| {
                ClientError::NotFound(format!("thủ tục / procedure {}", content.procedure))
            })?;
        let draft = self.create_dossier(portal, &procedure).await?;
        self.save_dossier(portal, draft.summary.id, content, draft.revision)
            .await?;
        self.submit_dossier(portal, draft.summary.id).await
    }
}

/// `N` random bytes from the operating system.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // Without OS randomness no safe key can be made; stopping is correct.
    getrandom::fill(&mut buf).unwrap_or_else(|e| panic!("operating-system randomness: {e}"));
    buf
}
