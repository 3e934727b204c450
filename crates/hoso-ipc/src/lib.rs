//! The contract between `src-tauri` (the desktop shell) and `ui` (the
//! Leptos interface). Both sides import these types, so a renamed field is
//! a compile error, not a blank screen.
//!
//! Every command takes one argument named `args` (or none) and returns
//! `Result<T, IpcError>`.

use hoso_core::procedure::AttachmentSlot;
use hoso_core::receipt::Receipt;
use hoso_core::{Bilingual, DossierContent, DossierQuery, Problem, ProcedureCode, Sha256Digest};
use serde::{Deserialize, Serialize};

/// Command names, as registered by the shell and invoked by the UI.
pub mod command {
    /// `() -> AppInfo`
    pub const APP_INFO: &str = "app_info";
    /// `() -> Vec<hoso_core::Procedure>`
    pub const LIST_PROCEDURES: &str = "list_procedures";
    /// `IdArgs -> Vec<hoso_core::Procedure>`: the procedures of portal `id`
    /// (cached when it does not answer).
    pub const PORTAL_PROCEDURES: &str = "portal_procedures";
    /// `() -> Option<String>`: a path chosen in the system's file dialog.
    pub const PICK_FILE: &str = "pick_file";
    /// `ImportArgs -> StoredAttachment`
    pub const IMPORT_ATTACHMENT: &str = "import_attachment";
    /// `IdArgs -> SubmitOutcome`: files the stored dossier.
    pub const SUBMIT_DOSSIER: &str = "submit_dossier";
    /// `CreateArgs -> hoso_core::DossierRecord`
    pub const CREATE_DOSSIER: &str = "create_dossier";
    /// `SaveArgs -> hoso_core::Saved`
    pub const SAVE_DOSSIER: &str = "save_dossier";
    /// `IdArgs -> hoso_core::DossierRecord`
    pub const GET_DOSSIER: &str = "get_dossier";
    /// `ListArgs -> Vec<hoso_core::DossierSummary>`
    pub const LIST_DOSSIERS: &str = "list_dossiers";
    /// `IdArgs -> hoso_core::DossierRecord`: a new draft with the same content.
    pub const DUPLICATE_DOSSIER: &str = "duplicate_dossier";
    /// `ArchiveArgs -> ()`
    pub const ARCHIVE_DOSSIER: &str = "archive_dossier";
    /// `IdArgs -> ()`: a draft is kept for undo; a filed dossier is archived.
    pub const DELETE_DOSSIER: &str = "delete_dossier";
    /// `IdArgs -> ()`: undoes a delete.
    pub const RESTORE_DOSSIER: &str = "restore_dossier";
    /// `LibraryArgs -> Vec<hoso_core::LibraryItem>`
    pub const LIST_LIBRARY: &str = "list_library";
    /// `ValidityArgs -> ()`
    pub const SET_VALIDITY: &str = "set_validity";
    /// `VersionArgs -> Option<hoso_core::Procedure>`: an earlier version as
    /// the portal once served it.
    pub const PROCEDURE_VERSION: &str = "procedure_version";
    /// `SaveReceiptArgs -> String`: saves the receipt as HTML; its path.
    pub const SAVE_RECEIPT: &str = "save_receipt";
    /// `IdArgs -> ()`: pauses the dossier's sending, keeping what was sent;
    /// `SUBMIT_DOSSIER` continues it.
    pub const PAUSE_SENDING: &str = "pause_sending";
    /// `IdArgs -> SubmitOutcome`: the stored receipt of a filed dossier.
    pub const GET_RECEIPT: &str = "get_receipt";
    /// `() -> Preferences`
    pub const GET_PREFERENCES: &str = "get_preferences";
    /// `Preferences -> ()`
    pub const SET_PREFERENCES: &str = "set_preferences";
    /// `() -> u32`: asks the portal for status changes now; how many were new.
    pub const SYNC_STATUS: &str = "sync_status";
    /// `() -> String`: writes every dossier with its code, dates and state
    /// as CSV in the profile's `exports/`; the file's path.
    pub const EXPORT_CSV: &str = "export_csv";
    /// `IdArgs -> DossierPage`: a filed dossier's standing, history,
    /// what its portal asks for and the supplements sent.
    pub const DOSSIER_PAGE: &str = "dossier_page";
    /// `SupplementArgs -> SupplementView`: sends the answer to the portal's
    /// request for more, exactly once.
    pub const SUBMIT_SUPPLEMENT: &str = "submit_supplement";
    /// `IdArgs -> FeeView`: a filed dossier's fee: the payment request as
    /// last received (asked of the portal when none was), with its VietQR
    /// code as a picture, and the fee receipt and refund notice kept.
    pub const DOSSIER_FEE: &str = "dossier_fee";
    /// `IdArgs -> FeeView`: the practice bank pays what the dossier still
    /// owes at the practice portal (the notification a bank sends, signed
    /// as a bank signs it), then the portal's feed is read so the fee
    /// receipt arrives; the fee as it then stands.
    pub const PAY_PRACTICE: &str = "pay_practice";
    /// `WithdrawArgs -> ()`: withdraws a filed dossier with a reason (the
    /// portal allows it only before the dossier is examined), then reads
    /// the portal's feed so its state and any refund show.
    pub const WITHDRAW_DOSSIER: &str = "withdraw_dossier";
    /// `IdArgs -> ResultView`: the dossier's result as this profile holds
    /// it: the verified result notice, and whether every document it names
    /// is here, checked.
    pub const DOSSIER_RESULT: &str = "dossier_result";
    /// `IdArgs -> ResultView`: downloads the result into the library
    /// (resuming, each document checked against the notice), tells the
    /// portal it was received; progress as `RESULT_PROGRESS` events.
    pub const DOWNLOAD_RESULT: &str = "download_result";
    /// `OpenResultArgs -> ()`: opens a received, verified result document
    /// with the program the system uses for its kind.
    pub const OPEN_RESULT: &str = "open_result";
    /// `IdArgs -> Option<hoso_core::wire::Rating>`: the applicant's
    /// satisfaction rating of a completed dossier: the one this profile
    /// kept, else the portal's; none while it has none, or when the portal
    /// cannot be reached to say.
    pub const DOSSIER_RATING: &str = "dossier_rating";
    /// `RateArgs -> hoso_core::wire::Rating`: rates a completed dossier,
    /// replacing an earlier rating; the rating as the portal kept it.
    pub const RATE_DOSSIER: &str = "rate_dossier";
    /// `() -> Vec<PortalView>`: every portal of the profile.
    pub const LIST_PORTALS: &str = "list_portals";
    /// `AddPortalArgs -> PortalView`: adds a portal by its address (its
    /// key is pinned now), signed in when a token is given.
    pub const ADD_PORTAL: &str = "add_portal";
    /// `SignInArgs -> PortalView`
    pub const SIGN_IN: &str = "sign_in";
    /// `IdArgs -> ()`: forgets a portal no dossier was filed with.
    pub const REMOVE_PORTAL: &str = "remove_portal";
    /// `() -> Summary`: counts by portal and state, overdue and due soon.
    pub const SUMMARY: &str = "summary";
    /// `IdArgs -> String`: writes the dossier as a `.hoso` package in the
    /// profile's `exports/`; the file's path.
    pub const EXPORT_PACKAGE: &str = "export_package";
    /// `PackageArgs -> ImportedPackage`: imports a `.hoso` package; every
    /// hash checked, nothing overwritten.
    pub const IMPORT_PACKAGE: &str = "import_package";
    /// `() -> Language`: the language the window speaks, as the person
    /// chose it, else as the system's locale says.
    pub const LANGUAGE: &str = "language";
    /// `LanguageArgs -> ()`: remembers the person's choice in the profile.
    pub const SET_LANGUAGE: &str = "set_language";
}

/// The language the window speaks, one at a time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Tiếng Việt, unless the person or the system asks for English.
    #[default]
    Vi,
    /// English.
    En,
}

/// Arguments of [`command::SET_LANGUAGE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguageArgs {
    /// The language chosen.
    pub language: Language,
}

/// What importing a package did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedPackage {
    /// The dossier it leads to.
    pub id: i64,
    /// The local id of the portal that dossier belongs to.
    pub portal: i64,
    /// What the import did.
    pub outcome: ImportOutcome,
    /// What to tell the person.
    pub message: Bilingual,
}

/// What importing a package did, spelled the same in the window and in
/// `hoso package import --json` (`new`, `copy`, `already_here`, `filed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    /// A new dossier.
    New,
    /// A new dossier, named as a copy: another of that name is here.
    Copy,
    /// The same dossier is here already; nothing changed.
    AlreadyHere,
    /// A filed dossier, with its receipt, history and supplements.
    Filed,
}

/// A filed dossier as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierPage {
    /// Its line in the list (code, title, standing and deadline).
    pub summary: hoso_core::DossierSummary,
    /// The portal it was filed with.
    pub portal_name: Bilingual,
    /// Every status change known here, oldest first.
    pub history: Vec<hoso_core::wire::StatusEvent>,
    /// What the portal asks for, while it waits on a supplement.
    pub asked: Option<Asked>,
    /// Supplements recorded here, oldest first.
    pub supplements: Vec<SupplementView>,
    /// The procedure's document kinds, for the supplement's slot choice.
    pub slots: Vec<AttachmentSlot>,
}

/// A filed dossier's fee as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeeView {
    /// The payment request as last received; none when there is none to
    /// show (`unavailable` says why).
    pub payment: Option<PaymentView>,
    /// Why there is no payment request: no fee, no fees online at that
    /// portal, or none received yet.
    pub unavailable: Option<Bilingual>,
    /// The fee receipt, verified against the portal's keys, once paid.
    pub receipt: Option<FeeReceiptView>,
    /// The refund notice, verified, when the portal gave the fee back.
    pub refund: Option<RefundView>,
    /// The dossier's portal is the practice one, whose practice bank can
    /// pay (`PAY_PRACTICE`).
    pub practice: bool,
}

/// A payment request with what a person needs to pay it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentView {
    /// The request: amount, lines, payee, deadline, state, VietQR payload.
    pub request: hoso_core::payment::PaymentRequest,
    /// What was paid towards it, in đồng, when known.
    pub paid_vnd: Option<u64>,
    /// The transfer's purpose: the dossier code, as the QR code carries it.
    pub purpose: String,
    /// The VietQR code as a PNG `data:` URL, while something is due.
    pub qr_png: Option<String>,
    /// That picture's side in pixels (it is shown at this size).
    pub qr_side_px: u32,
}

/// A fee receipt kept here, whose signature verified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeeReceiptView {
    /// The receipt.
    pub receipt: hoso_core::fee_receipt::FeeReceipt,
    /// SHA-256 of what the signature covers.
    pub sha256: Sha256Digest,
}

/// A refund notice kept here, whose signature verified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefundView {
    /// The notice.
    pub notice: hoso_core::refund::RefundNotice,
    /// SHA-256 of what the signature covers.
    pub sha256: Sha256Digest,
}

/// A dossier's result as the window shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultView {
    /// The result notice, verified; none while no result was issued.
    pub notice: Option<hoso_core::result_notice::ResultNotice>,
    /// Every document the notice names is in the library, of the size and
    /// hash signed: the result is here and valid.
    pub received: bool,
    /// Why the result cannot be trusted, when it cannot.
    pub refused: Option<Bilingual>,
}

/// Arguments of [`command::WITHDRAW_DOSSIER`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawArgs {
    /// Local id of the dossier.
    pub id: i64,
    /// Why it is withdrawn.
    pub reason: String,
}

/// Arguments of [`command::RATE_DOSSIER`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateArgs {
    /// Local id of the dossier.
    pub id: i64,
    /// How satisfied, from 1 (very dissatisfied) to 5 (very satisfied).
    pub rating: u8,
    /// What the applicant adds (may be empty).
    pub comment: String,
}

/// Arguments of [`command::OPEN_RESULT`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenResultArgs {
    /// Local id of the dossier.
    pub id: i64,
    /// The document's name, as the result notice gives it.
    pub name: String,
}

/// How far a result's download has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultProgressEvent {
    /// Local id of the dossier.
    pub id: i64,
    /// Bytes on this computer.
    pub done: u64,
    /// Bytes of the whole result.
    pub total: u64,
}

/// A request for more, as asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asked {
    /// What is asked.
    pub request: String,
    /// The officer's note.
    pub note: String,
    /// When (RFC 3339).
    pub at: String,
}

/// A supplement recorded here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupplementView {
    /// What was sent.
    pub supplement: hoso_core::supplement::Supplement,
    /// Its verified receipt, once filed.
    pub receipt: Option<hoso_core::supplement::SupplementReceipt>,
}

/// `SUBMIT_SUPPLEMENT`'s argument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupplementArgs {
    /// Local dossier id.
    pub id: i64,
    /// The answer and documents.
    pub supplement: hoso_core::supplement::Supplement,
}

/// A portal as the portals panel shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalView {
    /// Row id.
    pub id: i64,
    /// Name from its discovery.
    pub name: Bilingual,
    /// Its address.
    pub base_url: String,
    /// Fingerprint of the receipt key pinned when it was added.
    pub key_fingerprint: String,
    /// Another key it presented since, if it does (a warning).
    pub key_changed: Option<String>,
    /// Whether a token is kept for it.
    pub signed_in: bool,
    /// The built-in practice portal (cannot be removed).
    pub practice: bool,
    /// New dossiers go here.
    pub default: bool,
    /// When its status feed last answered (RFC 3339).
    pub confirmed_at: Option<String>,
    /// Why the last status sync failed, if it did.
    pub last_error: Option<String>,
    /// Dossiers of this profile filed there.
    pub dossiers: u32,
}

/// `ADD_PORTAL`'s argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddPortalArgs {
    /// The portal's address (`https://…`).
    pub url: String,
    /// An applicant token, when one was issued.
    #[serde(default)]
    pub token: Option<String>,
}

/// `SIGN_IN`'s argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInArgs {
    /// Portal id.
    pub id: i64,
    /// The applicant token.
    pub token: String,
}

/// Counts for the summary view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// (portal, state, how many), by portal then state.
    pub counts: Vec<(String, hoso_core::status::Status, u32)>,
    /// Drafts and sendings not yet filed.
    pub unfiled: u32,
    /// Filed dossiers past their appointment date: (code, title, working days late).
    pub overdue: Vec<(String, String, u32)>,
    /// Due today or within two working days: (code, title, working days left).
    pub due_soon: Vec<(String, String, u32)>,
    /// Fees of the filed dossiers, added up.
    #[serde(default)]
    pub fees: FeeTotals,
}

/// Fees of the filed dossiers, in đồng.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeTotals {
    /// What the portals asked for.
    pub asked_vnd: u64,
    /// What is still to pay.
    pub due_vnd: u64,
    /// What was paid.
    pub paid_vnd: u64,
    /// What was given back.
    pub refunded_vnd: u64,
}

/// The person's choices kept in the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    /// Sendings left unfinished (app closed or killed, network lost)
    /// continue by themselves when HoSo starts.
    pub continue_at_start: bool,
    /// Desktop notifications on status changes and approaching deadlines.
    #[serde(default = "on")]
    pub notifications: bool,
}

fn on() -> bool {
    true
}

/// Events the shell sends to the window.
pub mod event {
    /// Payload `hoso_core::progress::SendProgress`: a dossier's sending,
    /// on every confirmed chunk, phase change and twice a second.
    pub const SEND_PROGRESS: &str = "send-progress";
    /// Payload `u32`: new status changes arrived from a portal (the list
    /// reads them again).
    pub const STATUS_CHANGED: &str = "status-changed";
    /// Payload [`super::ResultProgressEvent`]: a result's download goes on.
    pub const RESULT_PROGRESS: &str = "result-progress";
}

/// What the app is connected to, shown in the header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppInfo {
    /// The portal new dossiers go to unless another is chosen: its id.
    #[serde(default)]
    pub portal_id: i64,
    /// Its name.
    pub portal_name: Bilingual,
    /// Its address.
    pub portal_url: String,
    /// Fingerprint of the portal's pinned receipt key.
    pub key_fingerprint: String,
    /// Whether it is the built-in practice portal.
    pub practice: bool,
    /// Folder holding this profile's data.
    pub profile_dir: String,
    /// App version.
    pub version: String,
    /// A `.hoso` package the app was started to open (double-clicked in
    /// Explorer, whose association passes its path), for the window to
    /// offer importing.
    #[serde(default)]
    pub opened_package: Option<String>,
}

/// Arguments of [`command::IMPORT_PACKAGE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageArgs {
    /// Path of the `.hoso` file on this computer.
    pub path: String,
    /// Where a draft goes when the package names no portal this profile
    /// knows (the portal chosen in the window); the default portal when
    /// absent. A filed dossier always goes to the portal that signed it.
    #[serde(default)]
    pub portal: Option<i64>,
}

/// Arguments of [`command::IMPORT_ATTACHMENT`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportArgs {
    /// Path of the file on this computer.
    pub path: String,
    /// The slot it is meant for: its type, size and name are checked
    /// against it before anything is copied.
    #[serde(default)]
    pub slot: Option<AttachmentSlot>,
}

/// A file copied into the attachment library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAttachment {
    /// File name, NFC.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, the file's identity in the library.
    pub sha256: Sha256Digest,
}

/// Arguments naming one stored dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdArgs {
    /// Local id of the dossier.
    pub id: i64,
}

/// Arguments of [`command::CREATE_DOSSIER`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateArgs {
    /// The procedure, from the cached catalog.
    pub procedure: ProcedureCode,
    /// The portal it is written for (its id); the default portal if none.
    #[serde(default)]
    pub portal: Option<i64>,
}

/// Arguments of [`command::SAVE_DOSSIER`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveArgs {
    /// Local id of the draft.
    pub id: i64,
    /// Its whole content as edited.
    pub content: DossierContent,
    /// The revision the edit was made on.
    pub revision: i64,
}

/// Arguments of [`command::LIST_DOSSIERS`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListArgs {
    /// Which dossiers.
    pub query: DossierQuery,
}

/// Arguments of [`command::LIST_LIBRARY`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryArgs {
    /// Only documents once attached to a slot of this id.
    #[serde(default)]
    pub slot: Option<String>,
}

/// Arguments of [`command::PROCEDURE_VERSION`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionArgs {
    /// The procedure.
    pub procedure: ProcedureCode,
    /// The version wanted.
    pub version: String,
    /// The portal whose versions to look in; the default portal if none.
    #[serde(default)]
    pub portal: Option<i64>,
}

/// Arguments of [`command::SET_VALIDITY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidityArgs {
    /// The document.
    pub sha256: Sha256Digest,
    /// Its last valid day; none to forget it.
    pub valid_until: Option<chrono::NaiveDate>,
}

/// Arguments of [`command::ARCHIVE_DOSSIER`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveArgs {
    /// Local id of the dossier.
    pub id: i64,
    /// Archive (true) or bring back (false).
    pub archived: bool,
}

/// A dossier the portal received, with its checked receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmitOutcome {
    /// The receipt, whose signature verified.
    pub receipt: Receipt,
    /// Fingerprint of the pinned key it verified against.
    pub verified_with: String,
    /// True when the portal answered with an earlier filing of the same content.
    pub existing: bool,
    /// True when nothing was sent because a dossier with the same content
    /// was already received from this computer: this is its receipt.
    #[serde(default)]
    pub shown_instead: bool,
    /// SHA-256 of the signed receipt (canonical JSON).
    pub receipt_sha256: Sha256Digest,
    /// The QR code (SVG) carrying the dossier code and that hash.
    pub qr_svg: String,
}

/// `SaveReceiptArgs -> String`: the receipt as shown, written as an HTML
/// file in the profile's `receipts/` folder; returns the file's path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveReceiptArgs {
    /// The dossier code (names the file).
    pub code: String,
    /// The receipt's markup as shown in the window.
    pub html: String,
}

/// The one error shape every command returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IpcError {
    /// What kind of failure, for the UI to choose what to offer.
    pub code: ErrorCode,
    /// What happened and what to do, for people.
    pub message: Bilingual,
    /// Per-field problems when the dossier was refused.
    #[serde(default)]
    pub problems: Vec<Problem>,
}

/// Closed set of failure kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The dossier has problems to fix; see `problems`.
    Invalid,
    /// A file or record does not exist.
    NotFound,
    /// Reading or writing on this computer failed.
    Storage,
    /// The portal could not be reached; the work is kept and can be retried.
    Network,
    /// The portal refused the request.
    Portal,
    /// The portal's answer could not be trusted (bad signature, other key).
    Untrusted,
    /// The dossier changed elsewhere or can no longer be edited.
    Conflict,
    /// The person paused the sending; it continues when they ask.
    Paused,
    /// A fault in HoSo itself.
    Internal,
}

impl IpcError {
    /// An error without per-field problems.
    pub fn new(code: ErrorCode, message: Bilingual) -> Self {
        Self {
            code,
            message,
            problems: Vec::new(),
        }
    }
}

impl std::fmt::Display for IpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for IpcError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_outcomes_cross_the_boundary_in_one_spelling() {
        let outcomes = [
            ImportOutcome::New,
            ImportOutcome::Copy,
            ImportOutcome::AlreadyHere,
            ImportOutcome::Filed,
        ];
        let spelled: Vec<String> = outcomes
            .iter()
            .map(|o| serde_json::to_string(o).expect("serialises"))
            .collect();
        assert_eq!(
            spelled,
            [r#""new""#, r#""copy""#, r#""already_here""#, r#""filed""#]
        );
        for (o, s) in outcomes.iter().zip(&spelled) {
            assert_eq!(&serde_json::from_str::<ImportOutcome>(s).expect("reads"), o);
        }
        assert_eq!(
            serde_json::to_string(&ErrorCode::NotFound).expect("serialises"),
            r#""not_found""#
        );
    }
}
