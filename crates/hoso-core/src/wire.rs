//! Bodies exchanged between the app and a portal over HTTP (`/v1`), shared
//! by both sides so that they cannot drift apart. Fields added later carry
//! `#[serde(default)]` so that older and newer builds still talk.

use crate::receipt::SignedReceipt;
use crate::status::Status;
use crate::{Bilingual, DossierContent, Problem, Sha256Digest};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Path of the discovery document.
pub const DISCOVERY_PATH: &str = "/.well-known/hoso";

/// `GET /.well-known/hoso`: what a portal is and where its parts live.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discovery {
    /// The portal's name.
    pub name: Bilingual,
    /// API versions served, e.g. `["v1"]`.
    pub api_versions: Vec<String>,
    /// Absolute URL of the `/v1` API.
    pub api_base: String,
    /// Absolute URL of the tus creation endpoint.
    pub tus_endpoint: String,
    /// The ed25519 key that signs receipts, 32 bytes in base64.
    pub receipt_key: String,
    /// Fingerprint of that key.
    pub key_id: String,
    /// Limits the portal enforces.
    pub limits: PortalLimits,
    /// Keys that signed receipts before the current one, newest first, so
    /// that receipts issued before a rotation still verify.
    #[serde(default)]
    pub previous_keys: Vec<PublishedKey>,
}

/// A receipt key no longer used for signing, still published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedKey {
    /// The ed25519 public key, 32 bytes in base64.
    pub key: String,
    /// Its fingerprint, as receipts name it in `key_id`.
    pub key_id: String,
    /// When it stopped signing (RFC 3339).
    pub retired_at: String,
}

/// Limits a portal announces before anything is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalLimits {
    /// Largest single upload in bytes.
    pub max_upload_bytes: u64,
}

/// One entry of `GET /v1/procedures`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcedureListing {
    /// Procedure code.
    pub code: crate::ProcedureCode,
    /// Version currently in force.
    pub version: String,
    /// Name.
    pub name: Bilingual,
}

/// Where the bytes of one attached document were uploaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRef {
    /// The document's content hash, as in the dossier.
    pub sha256: Sha256Digest,
    /// The tus upload URL that holds it.
    pub upload_url: String,
}

/// `POST /v1/dossiers` and `POST /v1/dossiers/check`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionRequest {
    /// What is filed.
    pub dossier: DossierContent,
    /// Where each document's bytes are.
    pub uploads: Vec<UploadRef>,
    /// Set to file again on purpose a dossier whose content was filed before.
    #[serde(default)]
    pub new_filing: bool,
}

/// `POST /v1/dossiers/{code}/supplements`: the answer to a request for
/// more, and where each of its documents' bytes are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupplementRequest {
    /// What is sent.
    pub supplement: crate::supplement::Supplement,
    /// Where each document's bytes are.
    pub uploads: Vec<UploadRef>,
}

/// The portal's answer to a submission (and to a supplement, whose receipt
/// is a [`crate::supplement::SupplementReceipt`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionResponse {
    /// The signed receipt.
    pub receipt: SignedReceipt,
    /// True when this answer repeats an earlier filing of the same content
    /// instead of creating a new dossier.
    #[serde(default)]
    pub existing: bool,
}

/// An error from the portal (RFC 9457 `application/problem+json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemDetails {
    /// A URI naming the kind of problem.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Short English summary.
    #[serde(default)]
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Stable machine-readable code.
    pub code: String,
    /// What happened and what to do.
    pub message: Bilingual,
    /// Validation problems, one per field, when the dossier was refused.
    #[serde(default)]
    pub problems: Vec<Problem>,
    /// The quota a refused upload would have gone beyond.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<QuotaExceeded>,
}

/// A quota on an applicant's uploads that a request would go beyond.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaExceeded {
    /// Which quota: `unfinished_uploads` (a count), `unfinished_bytes` or
    /// `unfiled_bytes`.
    pub quota: String,
    /// The quota.
    pub limit: u64,
    /// What is already used of it.
    pub used: u64,
    /// What the refused request asked for.
    pub requested: u64,
    /// What is left (`limit - used`).
    pub remaining: u64,
}

/// The answer of `POST /v1/dossiers/check`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Every problem the portal found; empty when the dossier may be filed.
    pub problems: Vec<Problem>,
}

/// One change of a dossier's state, as the portal recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEvent {
    /// Position in the portal's change feed; strictly increasing.
    pub cursor: u64,
    /// The dossier.
    pub code: crate::DossierCode,
    /// The state it entered.
    pub status: Status,
    /// When (RFC 3339, +07:00).
    pub at: String,
    /// Who made the change: `portal` for filing, an officer's account, or
    /// `applicant` for a supplement.
    pub actor: String,
    /// The officer's note (the reason of a refusal, for instance).
    #[serde(default)]
    pub note: String,
    /// What the applicant is asked to add, when the state is
    /// `supplement_requested`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
}

/// `GET /v1/dossiers/{code}`: where a dossier stands, with its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierStatus {
    /// The dossier's code.
    pub code: crate::DossierCode,
    /// Its current state.
    pub status: Status,
    /// When it was received (RFC 3339, +07:00).
    pub received_at: String,
    /// The appointment date for the result, from the receipt.
    pub appointment_date: NaiveDate,
    /// Its procedure.
    pub procedure: crate::ProcedureCode,
    /// Every change, oldest first; the last one is the current state.
    pub history: Vec<StatusEvent>,
}

/// `GET /v1/dossiers?since=CURSOR`: the changes to the caller's dossiers
/// after a cursor, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusFeed {
    /// Changes after the cursor asked for, at most the page size.
    pub events: Vec<StatusEvent>,
    /// The cursor to ask from next time (the last event's, or the one
    /// asked for when nothing changed).
    pub next_cursor: u64,
    /// True when more changes wait beyond this page.
    pub more: bool,
}

/// `POST /v1/officer/dossiers/{code}/status`: an officer moves a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The state to enter; it must follow the current one.
    pub to: Status,
    /// Note kept in the history and shown to the applicant.
    #[serde(default)]
    pub note: String,
    /// What is asked of the applicant; required for
    /// `supplement_requested`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
}

/// The body of the applicant's withdrawal of a dossier
/// (`POST /v1/dossiers/{code}/withdrawal`): allowed only while the dossier
/// is not yet examined, with a reason, as [`Status::withdraw`] judges it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    /// Why the applicant withdraws it, kept in the history.
    pub reason: String,
}

/// `POST /v1/lookup`: a dossier's state for someone holding its code and
/// the receipt's lookup PIN, without signing in. Names nobody.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicStatus {
    /// The dossier's code.
    pub code: crate::DossierCode,
    /// Its procedure.
    pub procedure: crate::ProcedureCode,
    /// Its current state.
    pub status: Status,
    /// When that state was entered.
    pub since: String,
    /// When it was received.
    pub received_at: String,
    /// The appointment date for the result.
    pub appointment_date: NaiveDate,
}

/// The body of `POST /v1/lookup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupRequest {
    /// The dossier code printed on the receipt.
    pub code: String,
    /// The lookup PIN printed on the receipt.
    pub pin: String,
}
