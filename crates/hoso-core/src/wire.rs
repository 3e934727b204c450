//! Bodies exchanged between the app and a portal over HTTP (`/v1`), shared
//! by both sides so that they cannot drift apart. Fields added later carry
//! `#[serde(default)]` so that older and newer builds still talk.

use crate::receipt::SignedReceipt;
use crate::{Bilingual, DossierContent, Problem, Sha256Digest};
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

/// The portal's answer to a submission.
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
}

/// The answer of `POST /v1/dossiers/check`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Every problem the portal found; empty when the dossier may be filed.
    pub problems: Vec<Problem>,
}

/// `GET /v1/dossiers/{code}`: where a dossier stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierStatus {
    /// The dossier's code.
    pub code: crate::DossierCode,
    /// Its state, e.g. `received`.
    pub status: String,
    /// When it was received (RFC 3339, +07:00).
    pub received_at: String,
    /// Its procedure.
    pub procedure: crate::ProcedureCode,
}
