//! The portal's records: accounts, uploads' bookkeeping, dossiers,
//! supplements, status histories, idempotency keys and lookup misses.
//! Every SQL statement of the portal is under this folder; the rest of the
//! portal calls [`Records`] and never sees a connection. Upload bytes live
//! in [`crate::storage`], not here.
//!
//! Back ends: SQLite on threads of its own ([`sqlite`], the embedded
//! default, one process) and PostgreSQL ([`postgres`], shared by any
//! number of replicas). Both run the one list of migrations in
//! [`migrations`].
//!
//! What a back end does inside one transaction is one method here
//! (claiming a key, filing a dossier, moving a dossier): the rules those
//! transactions apply (which uploads may be filed, which moves are
//! allowed, when a lookup waits) are plain functions of the modules that
//! own them (`filing`, `tracking`, `lookup`), called by every back end.

pub mod migrations;
#[cfg(feature = "shared")]
mod postgres;
mod sqlite;

use crate::config::{LookupLimits, Quotas};
use crate::duties::Duties;
use crate::error::ApiError;
use axum::http::StatusCode;
use hoso_core::DossierCode;
use hoso_core::bank::{BankNotification, BankTransactionId};
use hoso_core::fee_receipt::{FeeReceipt, Payer};
use hoso_core::payment::PaymentRequest;
use hoso_core::receipt::SignedReceipt;
use hoso_core::signed::Signed;
use hoso_core::status::Status;
use hoso_core::wire::{
    DossierDocument, DossierStatus, FeedDocument, PaymentStatus, PublicStatus, RefundRecorded,
    RefundRequest, StatusFeed, SubmissionResponse, TransferRecorded, Transition, UploadRef,
};
use std::path::Path;

/// A shared handle on the portal's records.
#[derive(Clone, Debug)]
pub struct Records(Backend);

#[derive(Clone, Debug)]
enum Backend {
    Sqlite(sqlite::Sqlite),
    #[cfg(feature = "shared")]
    Postgres(postgres::Postgres),
}

/// Calls the same method of whichever back end the records are in.
macro_rules! dispatch {
    ($self:ident, $method:ident($($arg:expr),*)) => {
        match &$self.0 {
            Backend::Sqlite(db) => db.$method($($arg),*).await,
            #[cfg(feature = "shared")]
            Backend::Postgres(db) => db.$method($($arg),*).await,
        }
    };
}

/// What the records hold of an upload kept in an S3 bucket
/// (`storage::s3`), each list in order as recorded; the store decides
/// which of it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Multipart {
    /// The S3 multipart upload's id.
    pub multipart_id: String,
    /// Its part size.
    pub part_size: u64,
    /// Whether sealing it began.
    pub sealing: bool,
    /// `(number, ETag)` of each part recorded, by number.
    pub parts: Vec<(i32, String)>,
    /// `(start, length)` of each piece of the incomplete part, by start.
    pub pieces: Vec<(u64, u64)>,
}

/// An account known to the portal (applicant or officer).
#[derive(Debug, Clone)]
pub struct Account {
    /// Row id.
    pub id: i64,
    /// Account name.
    pub account: String,
    /// An officer's duties (none for an applicant).
    pub duties: Duties,
}

/// Who a token is issued to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Files dossiers and follows their own.
    Applicant,
    /// Moves dossiers through their states.
    Officer,
}

impl Role {
    /// Its accounts table, tokens table, and the tokens' owner column.
    pub(crate) fn tables(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Role::Applicant => ("applicants", "tokens", "applicant_id"),
            Role::Officer => ("officers", "officer_tokens", "officer_id"),
        }
    }

    /// What an account's duties are read from, in a query of its table
    /// as `a`.
    pub(crate) fn duties_column(self) -> &'static str {
        match self {
            Role::Applicant => "''",
            Role::Officer => "a.duties",
        }
    }
}

/// Duties as stored; a word this build does not know gives nothing (an
/// account is never given more than its record says).
pub(crate) fn read_duties(text: &str) -> Duties {
    Duties::parse(text).unwrap_or_default()
}

/// An officer's account as the console signs it in.
#[derive(Debug, Clone)]
pub struct OfficerAccount {
    /// Row id.
    pub id: i64,
    /// Account name.
    pub account: String,
    /// Name shown.
    pub display_name: String,
    /// What it may do.
    pub duties: Duties,
    /// Its password (Argon2id, PHC string); `None`: it signs in only with
    /// its token, on the API.
    pub password_hash: Option<String>,
}

/// An officer account to create or change (`hoso-portal add-officer`).
#[derive(Debug, Clone)]
pub struct OfficerChange {
    /// Account name.
    pub account: String,
    /// Name shown.
    pub display_name: String,
    /// Its duties; `None` keeps them ([`Duties::WORKING`] for a new one).
    pub duties: Option<Duties>,
    /// Its new password's hash; `None` keeps the one it has.
    pub password_hash: Option<String>,
    /// Now (RFC 3339).
    pub now: String,
}

/// A console session, by the SHA-256 of its cookie.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// SHA-256 of the cookie's value, hex.
    pub id_sha256: String,
    /// Whose.
    pub officer_id: i64,
    /// The token every form of the session carries.
    pub csrf: String,
    /// Now (RFC 3339).
    pub created_at: String,
    /// When it ends (Unix ms).
    pub expires_at_ms: i64,
}

/// A live session: its officer and its forms' token.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// Who is signed in.
    pub officer: OfficerAccount,
    /// The token every form carries.
    pub csrf: String,
}

/// Wrong passwords given lately for one account: from the asking address,
/// and from anywhere, each with the time of the last.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    /// From this address.
    pub here: u32,
    /// The last from this address (Unix ms), 0 when none.
    pub here_last_ms: i64,
    /// From every address.
    pub everywhere: u32,
    /// The last from any address (Unix ms), 0 when none.
    pub everywhere_last_ms: i64,
}

/// Which states the queue lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueStates {
    /// Every state but the final ones (the default).
    Open,
    /// One state.
    Only(Status),
    /// Every state.
    All,
}

/// One page of the officers' queue: dossiers by appointment date (overdue
/// ones first, then those due soonest), then code.
#[derive(Debug, Clone)]
pub struct QueueQuery {
    /// Which states.
    pub states: QueueStates,
    /// Only this procedure.
    pub procedure: Option<String>,
    /// Only those assigned to this officer.
    pub assignee: Option<String>,
    /// Only those due on or before this day (YYYY-MM-DD).
    pub due_by: Option<String>,
    /// Words each of which begins a word of the dossier's code, applicant
    /// or tax code ([`crate::console::search::words`]).
    pub words: Vec<String>,
    /// Only the dossier of this code (a whole code typed in the search).
    pub code: Option<String>,
    /// The page begins after this appointment date and code.
    pub after: Option<(String, String)>,
    /// Rows at most.
    pub limit: u32,
}

/// A dossier as the queue lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QueueRow {
    /// Its code.
    pub code: String,
    /// Its procedure.
    pub procedure: String,
    /// The applicant's name, as on the receipt.
    pub applicant_name: String,
    /// The applicant's tax code, when the procedure asks for one.
    pub tax_code: String,
    /// Its state.
    pub status: Status,
    /// When it was received (RFC 3339).
    pub received_at: String,
    /// When its result is due (YYYY-MM-DD).
    pub appointment_date: String,
    /// The officer it is assigned to.
    pub assigned_to: Option<String>,
}

/// The statement of one page of the queue, with `?N`-numbered or
/// `$N`-numbered placeholders as `place` writes them, and its arguments,
/// all text: the same for every back end. Each condition is one an index
/// serves (see the console's migration); the words are found in
/// `dossier_terms` by range, each a prefix.
pub(crate) fn queue_statement(q: &QueueQuery, place: fn(usize) -> String) -> (String, Vec<String>) {
    let mut args: Vec<String> = Vec::new();
    let mut arg = |value: String| {
        args.push(value);
        place(args.len())
    };
    let mut conditions: Vec<String> = Vec::new();
    match q.states {
        QueueStates::Open => {
            conditions.push("d.status NOT IN ('rejected', 'completed', 'withdrawn')".to_owned());
        }
        QueueStates::Only(s) => {
            conditions.push(format!("d.status = {}", arg(s.as_str().to_owned())))
        }
        QueueStates::All => {}
    }
    if let Some(p) = &q.procedure {
        conditions.push(format!("d.procedure_code = {}", arg(p.clone())));
    }
    if let Some(a) = &q.assignee {
        conditions.push(format!("d.assigned_to = {}", arg(a.clone())));
    }
    if let Some(day) = &q.due_by {
        conditions.push(format!("d.appointment_date <= {}", arg(day.clone())));
    }
    if let Some(code) = &q.code {
        conditions.push(format!("d.code = {}", arg(code.clone())));
    }
    for word in &q.words {
        let (from, to) = (arg(word.clone()), arg(format!("{word}~")));
        conditions.push(format!(
            "d.code IN (SELECT t.dossier_code FROM dossier_terms t
                        WHERE t.term >= {from} AND t.term < {to})"
        ));
    }
    if let Some((day, code)) = &q.after {
        let (day, code) = (arg(day.clone()), arg(code.clone()));
        conditions.push(format!("(d.appointment_date, d.code) > ({day}, {code})"));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT d.code, d.procedure_code, d.applicant_name, d.tax_code, d.status, d.received_at,
                d.appointment_date, d.assigned_to
         FROM dossiers d {filter}
         ORDER BY d.appointment_date, d.code LIMIT {}",
        q.limit
    );
    (sql, args)
}

/// A dossier as the figures read it (`crate::figures::Case` once the
/// console adds its desk).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureRow {
    /// Its code.
    pub code: String,
    /// Its procedure.
    pub procedure: String,
    /// When it was received (RFC 3339).
    pub received_at: String,
    /// Its appointment date in force (YYYY-MM-DD).
    pub appointment_date: String,
    /// Its state now.
    pub status: String,
    /// When it first reached `result_ready` or `rejected` (RFC 3339).
    pub resolved_at: Option<String>,
    /// Supplements asked.
    pub supplements_asked: i64,
    /// The fee asked (đồng).
    pub fee_vnd: i64,
    /// What was paid (đồng).
    pub paid_vnd: i64,
    /// What was given back (đồng).
    pub refunded_vnd: i64,
    /// The applicant's rating, 1 to 5.
    pub rating: Option<i64>,
}

/// The statement of the dossiers received on or after day `from` and
/// before day `to` (YYYY-MM-DD; received times begin with their day in
/// +07:00), for the figures; the same for every back end.
pub(crate) fn figures_statement(place: fn(usize) -> String) -> String {
    format!(
        "SELECT d.code, d.procedure_code, d.received_at, d.appointment_date, d.status,
                (SELECT MIN(e.at) FROM status_events e
                 WHERE e.dossier_code = d.code AND e.status IN ('result_ready', 'rejected')),
                (SELECT CAST(COUNT(*) AS BIGINT) FROM status_events e
                 WHERE e.dossier_code = d.code AND e.status = 'supplement_requested'),
                CAST(COALESCE(p.amount_vnd, 0) AS BIGINT), CAST(COALESCE(p.paid_vnd, 0) AS BIGINT),
                CAST(COALESCE((SELECT SUM(f.amount_vnd) FROM refunds f
                               WHERE f.dossier_code = d.code), 0) AS BIGINT),
                CAST(r.rating AS BIGINT)
         FROM dossiers d
         LEFT JOIN payment_requests p ON p.dossier_code = d.code
         LEFT JOIN ratings r ON r.dossier_code = d.code
         WHERE d.received_at >= {} AND d.received_at < {}
         ORDER BY d.received_at, d.code",
        place(1),
        place(2)
    )
}

/// What indexes a dossier for the queue's search.
#[derive(Debug, Clone)]
pub struct DossierIndex {
    /// The dossier.
    pub code: String,
    /// The applicant's name.
    pub applicant_name: String,
    /// The applicant's tax code, or empty.
    pub tax_code: String,
    /// The words the queue finds it by.
    pub terms: Vec<String>,
}

/// A dossier not yet indexed: its code, signed receipt and content (JSON).
#[derive(Debug, Clone)]
pub struct Unindexed {
    /// Its code.
    pub code: String,
    /// The signed receipt, JSON.
    pub receipt: String,
    /// The dossier content, JSON.
    pub content: String,
    /// Its procedure and version.
    pub procedure: (String, String),
}

/// An officer gives a dossier to a colleague (or to the leader).
#[derive(Debug, Clone)]
pub struct Assignment {
    /// The dossier.
    pub code: String,
    /// Who gives it.
    pub by: String,
    /// To whom.
    pub to: String,
    /// The assignee the giver saw (`None`: nobody): given meanwhile to
    /// someone else, the assignment is refused.
    pub seen: Option<String>,
    /// Why, or what to do.
    pub note: String,
    /// Now (RFC 3339).
    pub at: String,
}

/// One assignment of a dossier, as its history shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AssignmentRow {
    /// When (RFC 3339).
    pub at: String,
    /// Who gave it.
    pub by: String,
    /// To whom.
    pub to: String,
    /// The note.
    pub note: String,
}

/// What the console shows of a dossier beside its status.
#[derive(Debug, Clone)]
pub struct ConsoleDossier {
    /// The signed receipt, JSON.
    pub receipt: String,
    /// The officer it is assigned to.
    pub assigned_to: Option<String>,
    /// The applicant's tax code, or empty.
    pub tax_code: String,
    /// Its assignments, oldest first.
    pub assignments: Vec<AssignmentRow>,
}

/// An upload's bookkeeping.
#[derive(Debug, Clone)]
pub struct UploadRow {
    /// Owner.
    pub applicant_id: i64,
    /// Declared total size.
    pub length: u64,
    /// Bytes confirmed.
    pub offset: u64,
    /// The `Upload-Metadata` header as received.
    pub metadata: String,
    /// RFC 3339 time after which the upload may be removed unless filed.
    pub expires_at: String,
    /// SHA-256 of the whole file, once complete.
    pub sha256: Option<String>,
    /// A filing names it.
    pub filed: bool,
    /// `partial`, or `final;` and the ids of the partial uploads it joins.
    pub concat: Option<String>,
    /// Created without a length, which a later PATCH gives.
    pub length_deferred: bool,
}

impl UploadRow {
    /// Past its expiry and not filed: as good as removed.
    pub fn expired(&self, now: chrono::DateTime<chrono::FixedOffset>) -> bool {
        !self.filed && chrono::DateTime::parse_from_rfc3339(&self.expires_at).is_ok_and(|t| t < now)
    }
}

/// A new, empty upload.
#[derive(Debug, Clone)]
pub struct NewUpload {
    /// Its id.
    pub id: String,
    /// Owner.
    pub applicant_id: i64,
    /// Declared size; `None` when a later PATCH gives it.
    pub length: Option<u64>,
    /// The `Upload-Metadata` header as received.
    pub metadata: String,
    /// `partial`, or `final;` and the ids it joins.
    pub concat: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub expires_at: String,
}

/// How an upload was completed.
#[derive(Debug, Clone)]
pub struct Completed {
    /// The whole file's SHA-256, hex.
    pub sha256: String,
    /// When (RFC 3339).
    pub at: String,
    /// When it expires unless filed (RFC 3339).
    pub expires_at: String,
}

/// A final upload (concatenation) made before: its id, hash once joined,
/// and expiry.
#[derive(Debug, Clone)]
pub struct FinalUpload {
    /// Its id.
    pub id: String,
    /// The whole file's SHA-256 once joined; `None` if a crash cut the join.
    pub sha256: Option<String>,
    /// RFC 3339.
    pub expires_at: String,
}

/// A request to claim an idempotency key before any work is done.
#[derive(Debug, Clone)]
pub struct KeyClaim {
    /// Whose key.
    pub applicant: i64,
    /// The key.
    pub key: String,
    /// SHA-256 of the request body, hex.
    pub request_sha256: String,
    /// Now, RFC 3339.
    pub now: String,
    /// A `processing` claim made before this (RFC 3339) was abandoned.
    pub stale_before: String,
    /// Until when the key is kept (RFC 3339).
    pub expires_at: String,
}

/// What the stored state of a key says about a new request.
#[derive(Debug, Clone)]
pub enum Claim {
    /// Claimed now: the work may run.
    Fresh,
    /// Answered before: the stored answer (JSON).
    Finished(String),
}

/// A key as stored: whether its work finished and the answer it gave.
#[derive(Debug, Clone)]
pub struct KeyState {
    /// The stored answer (JSON), once done.
    pub response: Option<String>,
}

/// A dossier to file under a claimed key.
#[derive(Debug, Clone)]
pub struct Filing {
    /// Whose.
    pub applicant: i64,
    /// The claimed key, marked done in the same transaction.
    pub key: String,
    /// Its canonical manifest hash, hex: the same content by the same
    /// applicant gets the earlier receipt unless `new_filing`.
    pub manifest_sha256: String,
    /// The documents it attaches.
    pub documents: Vec<hoso_core::AttachedDocument>,
    /// Where the client uploaded them.
    pub uploads: Vec<UploadRef>,
    /// File again even when the same content was filed.
    pub new_filing: bool,
    /// The day whose sequence numbers the code (YYYY-MM-DD).
    pub day: String,
}

/// A dossier made for the sequence number the records gave it.
#[derive(Debug, Clone)]
pub struct MadeDossier {
    /// Its code.
    pub code: String,
    /// Procedure code.
    pub procedure_code: String,
    /// Procedure version.
    pub procedure_version: String,
    /// The dossier content as JSON.
    pub content: String,
    /// The signed receipt.
    pub receipt: SignedReceipt,
    /// The receipt's lookup PIN.
    pub lookup_pin: String,
    /// Appointment date (YYYY-MM-DD).
    pub appointment_date: String,
    /// Received at (RFC 3339).
    pub received_at: String,
    /// The payment request its fee asks for, recorded with it.
    pub payment: Option<NewPayment>,
}

/// A payment request recorded in the transaction that files its dossier,
/// so that a dossier with a fee never exists without it.
#[derive(Debug, Clone)]
pub struct NewPayment {
    /// The request, awaiting payment.
    pub request: PaymentRequest,
    /// Who will pay, as the fee receipt will name them.
    pub payer: Payer,
}

/// What the records hold of a dossier's payment.
#[derive(Debug, Clone)]
pub enum PaymentLookup {
    /// No such dossier (of this applicant).
    NoDossier,
    /// The dossier asks for no payment here.
    NoPayment,
    /// Its payment request and where it stands.
    Found(Box<PaymentStatus>),
}

/// An authentic bank notification, to be recorded once.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// What the bank said.
    pub notification: BankNotification,
    /// The dossier code found in its purpose.
    pub code: Option<DossierCode>,
    /// The body as received.
    pub body: String,
    /// Now (RFC 3339, +07:00): when it was received, and when a receipt
    /// and the feed's documents it causes are issued.
    pub received_at: String,
    /// The same instant, for the rules that compare it with a deadline.
    pub now: chrono::DateTime<chrono::FixedOffset>,
    /// The form and serial a fee receipt it completes is numbered in.
    pub form: String,
    /// See `form`.
    pub serial: String,
}

/// What recording a transfer answered (the first time, and every time
/// the bank sends it again).
#[derive(Debug, Clone)]
pub struct Recorded {
    /// 200 or 202.
    pub status: StatusCode,
    /// The answer.
    pub answer: TransferRecorded,
}

/// Makes the fee receipt of a payment request paid in full, once its
/// number in the serial is drawn, for the payer and the transfers that
/// paid it; runs inside the transaction that records the last transfer,
/// so it only computes (signs) and never waits.
pub type FeeReceiptMaker = Box<
    dyn FnOnce(
            u32,
            &PaymentRequest,
            Payer,
            Vec<BankTransactionId>,
        ) -> Result<Signed<FeeReceipt>, ApiError>
        + Send,
>;

/// The kind name of a feed document, as stored beside it.
pub(crate) fn document_kind(document: &DossierDocument) -> &'static str {
    match document {
        DossierDocument::PaymentRequest(_) => "payment_request",
        DossierDocument::FeeReceipt(_) => "fee_receipt",
        DossierDocument::RefundNotice(_) => "refund_notice",
        DossierDocument::ResultNotice(_) => "result_notice",
        DossierDocument::Unknown => "unknown",
    }
}

/// The answer recorded for a transfer, given again.
pub(crate) fn recorded(status: u16, answer: &str) -> Result<Recorded, ApiError> {
    Ok(Recorded {
        status: StatusCode::from_u16(status).map_err(ApiError::internal)?,
        answer: serde_json::from_str(answer).map_err(ApiError::internal)?,
    })
}

/// A result document from its stored columns.
pub(crate) fn result_row(
    name: String,
    size: i64,
    sha256: &str,
    storage_id: String,
) -> Result<StoredResult, ApiError> {
    Ok(StoredResult {
        name,
        size: u64::try_from(size).map_err(ApiError::internal)?,
        sha256: sha256.parse().map_err(ApiError::internal)?,
        storage_id,
    })
}

/// A feed document from its stored columns.
pub(crate) fn feed_document(
    cursor: u64,
    code: &str,
    at: &str,
    document: &str,
) -> Result<FeedDocument, ApiError> {
    Ok(FeedDocument {
        cursor,
        code: code.parse().map_err(ApiError::internal)?,
        at: chrono::DateTime::parse_from_rfc3339(at).map_err(ApiError::internal)?,
        document: serde_json::from_str(document).map_err(ApiError::internal)?,
    })
}

/// Makes the dossier once its day's sequence number is known; runs inside
/// the filing's transaction, so it only computes (signs) and never waits.
pub type DossierMaker = Box<dyn FnOnce(u32) -> Result<MadeDossier, ApiError> + Send>;

/// A supplement to file under a claimed key.
#[derive(Debug, Clone)]
pub struct SupplementFiling {
    /// Whose.
    pub applicant: i64,
    /// The claimed key.
    pub key: String,
    /// The dossier it supplements.
    pub code: String,
    /// The documents it attaches.
    pub documents: Vec<hoso_core::AttachedDocument>,
    /// Where the client uploaded them.
    pub uploads: Vec<UploadRef>,
    /// The answer text.
    pub answer: String,
    /// Received at (RFC 3339).
    pub received_at: String,
    /// The dossier's new appointment date (YYYY-MM-DD).
    pub appointment_date: String,
}

/// Makes the supplement's signed receipt from its number and what the
/// officer asked; runs inside the filing's transaction.
pub type SupplementMaker = Box<dyn FnOnce(u32, String) -> Result<SignedReceipt, ApiError> + Send>;

/// Where a filed document's bytes are, and what it was called.
#[derive(Debug, Clone)]
pub struct FiledDocument {
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// The upload holding its bytes.
    pub upload_id: String,
}

/// A dossier as stored, for [`crate::inspect`].
#[derive(Debug, Clone)]
pub struct StoredDossier {
    /// Its code.
    pub code: String,
    /// Its procedure.
    pub procedure: String,
    /// Its status.
    pub status: String,
    /// Its documents: name, SHA-256 and the upload holding the bytes.
    pub documents: Vec<(String, String, String)>,
}

/// An officer's move of a dossier.
#[derive(Debug, Clone)]
pub struct Move {
    /// The dossier.
    pub code: String,
    /// The officer's account.
    pub officer: String,
    /// The change asked for.
    pub change: Transition,
    /// The version the officer saw (`If-Match`).
    pub expected: Option<u64>,
    /// The officer's duties, which the move must need
    /// ([`crate::duties::for_move`]).
    pub duties: Duties,
    /// Now (RFC 3339).
    pub at: String,
}

/// An applicant's move of their own dossier.
#[derive(Debug, Clone)]
pub struct ApplicantMove {
    /// The dossier.
    pub code: String,
    /// Whose it must be.
    pub applicant: i64,
    /// What is asked, judged by [`crate::tracking::judge_applicant`].
    pub ask: crate::tracking::ApplicantAsk,
    /// Now (RFC 3339).
    pub at: String,
}

/// A refund an officer records.
#[derive(Debug, Clone)]
pub struct RefundOrder {
    /// The dossier.
    pub code: String,
    /// The officer's account.
    pub officer: String,
    /// What was given back, and the bank's reference of it.
    pub ask: RefundRequest,
    /// Now (RFC 3339).
    pub at: String,
}

/// A result document whose bytes are stored, to be recorded.
#[derive(Debug, Clone)]
pub struct NewResult {
    /// The dossier.
    pub code: String,
    /// Its name (`results::name`).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256.
    pub sha256: hoso_core::Sha256Digest,
    /// The id of its bytes in the upload store.
    pub storage_id: String,
    /// The officer's account.
    pub officer: String,
    /// Now (RFC 3339).
    pub at: String,
}

/// A result document as recorded.
#[derive(Debug, Clone)]
pub struct StoredResult {
    /// Its name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256.
    pub sha256: hoso_core::Sha256Digest,
    /// The id of its bytes in the upload store.
    pub storage_id: String,
}

/// Where a dossier stands for its results: its state, and whether its
/// result notice was issued.
#[derive(Debug, Clone, Copy)]
pub struct ResultsState {
    /// The dossier's state.
    pub status: Status,
    /// Its result notice was issued: the documents are frozen.
    pub issued: bool,
}

/// Whether a request may write to an upload, as the records say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// Taken by the asking request.
    Taken,
    /// Held by a request of another live replica, which last said it was
    /// receiving at this time (Unix ms).
    Held {
        /// When the holder last said it was receiving (Unix ms).
        active_at_ms: i64,
    },
}

impl Records {
    /// Whether other processes share these records (replicas on
    /// PostgreSQL): an upload a request writes to is then held by a lease
    /// row too, not only in this process.
    pub fn shared(&self) -> bool {
        #[cfg(feature = "shared")]
        return matches!(self.0, Backend::Postgres(_));
        #[cfg(not(feature = "shared"))]
        false
    }

    /// Takes the lease of upload `id` for `request` at `now_ms`, unless a
    /// request of a live replica holds it. Always taken on SQLite (one
    /// process, whose own map of busy uploads is the lock).
    #[cfg_attr(not(feature = "shared"), expect(unused_variables))]
    pub async fn take_lease(&self, id: &str, request: i64, now_ms: i64) -> Result<Lease, ApiError> {
        match &self.0 {
            Backend::Sqlite(_) => Ok(Lease::Taken),
            #[cfg(feature = "shared")]
            Backend::Postgres(db) => db.take_lease(id, request, now_ms).await,
        }
    }

    /// Asks whichever replica holds upload `id` to let a newer request
    /// have it: the holder stops if silent for a second, else says it is
    /// receiving ([`Records::touch_lease`]).
    #[cfg_attr(not(feature = "shared"), expect(unused_variables))]
    pub async fn want_lease(&self, id: &str) -> Result<(), ApiError> {
        match &self.0 {
            Backend::Sqlite(_) => Ok(()),
            #[cfg(feature = "shared")]
            Backend::Postgres(db) => db.want_lease(id).await,
        }
    }

    /// Says that this replica's request holding upload `id` is receiving.
    #[cfg_attr(not(feature = "shared"), expect(unused_variables))]
    pub async fn touch_lease(&self, id: &str, now_ms: i64) -> Result<(), ApiError> {
        match &self.0 {
            Backend::Sqlite(_) => Ok(()),
            #[cfg(feature = "shared")]
            Backend::Postgres(db) => db.touch_lease(id, now_ms).await,
        }
    }

    /// The uploads other replicas asked this one to let go of, as they
    /// ask; `None` after the first call, and on SQLite.
    pub fn wanted_uploads(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<String>> {
        match &self.0 {
            Backend::Sqlite(_) => None,
            #[cfg(feature = "shared")]
            Backend::Postgres(db) => db.wanted_uploads(),
        }
    }

    /// Gives up `request`'s lease of upload `id`.
    #[cfg_attr(not(feature = "shared"), expect(unused_variables))]
    pub async fn release_lease(&self, id: &str, request: i64) -> Result<(), ApiError> {
        match &self.0 {
            Backend::Sqlite(_) => Ok(()),
            #[cfg(feature = "shared")]
            Backend::Postgres(db) => db.release_lease(id, request).await,
        }
    }

    /// Whether a request of another replica holds the lease of upload `id`.
    #[cfg_attr(not(feature = "shared"), expect(unused_variables))]
    pub async fn leased(&self, id: &str) -> Result<bool, ApiError> {
        match &self.0 {
            Backend::Sqlite(_) => Ok(false),
            #[cfg(feature = "shared")]
            Backend::Postgres(db) => db.leased(id).await,
        }
    }

    /// Records that upload `id` is held by S3 multipart upload
    /// `multipart`, in parts of `part_size`.
    pub async fn create_multipart(
        &self,
        id: &str,
        multipart: &str,
        part_size: u64,
    ) -> Result<(), ApiError> {
        dispatch!(
            self,
            create_multipart(id.to_owned(), multipart.to_owned(), part_size)
        )
    }

    /// What the records hold of the multipart upload of upload `id`;
    /// `None` once it was sealed or removed (or never was).
    pub async fn multipart(&self, id: &str) -> Result<Option<Multipart>, ApiError> {
        dispatch!(self, multipart(id.to_owned()))
    }

    /// The pieces of upload `id` that start at or after `from`, with their
    /// bytes, by start.
    pub async fn piece_bytes(&self, id: &str, from: u64) -> Result<Vec<(u64, Vec<u8>)>, ApiError> {
        dispatch!(self, piece_bytes(id.to_owned(), from))
    }

    /// Keeps `bytes` as the piece of upload `id` that starts at `start`
    /// (replacing one that started there), durably, and raises the
    /// upload's recorded offset to the piece's end in the same commit: a
    /// store keeps only bytes the upload may keep, so they count as soon
    /// as they are durable (one commit per request, not two).
    pub async fn add_piece(&self, id: &str, start: u64, bytes: Vec<u8>) -> Result<(), ApiError> {
        dispatch!(self, add_piece(id.to_owned(), start, bytes))
    }

    /// Records part `number` of upload `id` with its ETag, and drops the
    /// pieces it holds now (those that start before `end`), at once.
    pub async fn add_part(
        &self,
        id: &str,
        number: i32,
        etag: String,
        end: u64,
    ) -> Result<(), ApiError> {
        dispatch!(self, add_part(id.to_owned(), number, etag, end))
    }

    /// Marks that upload `id` is being sealed.
    pub async fn sealing_multipart(&self, id: &str) -> Result<(), ApiError> {
        dispatch!(self, sealing_multipart(id.to_owned()))
    }

    /// Forgets the multipart upload of upload `id`, its parts and pieces
    /// (sealed or removed).
    pub async fn forget_multipart(&self, id: &str) -> Result<(), ApiError> {
        dispatch!(self, forget_multipart(id.to_owned()))
    }

    /// Opens (creating if needed, readable by its owner only) and migrates
    /// the SQLite database at `path`, and starts its threads.
    pub fn open_sqlite(path: &Path) -> anyhow::Result<Self> {
        Ok(Self(Backend::Sqlite(sqlite::Sqlite::open(path)?)))
    }

    /// Connects to PostgreSQL at `url` with at most `pool_size`
    /// connections, runs the migrations missing, and registers this
    /// replica, which serves at `address`.
    #[cfg(feature = "shared")]
    pub async fn open_postgres(url: &str, pool_size: usize, address: &str) -> anyhow::Result<Self> {
        Ok(Self(Backend::Postgres(
            postgres::Postgres::open(url, pool_size, address).await?,
        )))
    }

    /// Opens the records `database` names, SQLite in `data_dir` by
    /// default.
    pub async fn open(
        database: &crate::config::Database,
        data_dir: &Path,
        address: &str,
    ) -> anyhow::Result<Self> {
        match database {
            crate::config::Database::Sqlite => {
                let path = data_dir.join(crate::state::DB_FILE);
                tokio::task::spawn_blocking(move || Self::open_sqlite(&path)).await?
            }
            #[cfg(feature = "shared")]
            crate::config::Database::Postgres { url, pool_size } => {
                Self::open_postgres(url, *pool_size, address).await
            }
            #[cfg(not(feature = "shared"))]
            crate::config::Database::Postgres { .. } => {
                let _ = address;
                Err(anyhow::anyhow!(crate::config::without_shared(
                    "database.url"
                )))
            }
        }
    }

    /// Finds the account of `role` a bearer token belongs to: an
    /// applicant's token never matches an officer, nor an officer's an
    /// applicant.
    pub async fn account_by_token(
        &self,
        role: Role,
        token_sha256: String,
    ) -> Result<Option<Account>, ApiError> {
        dispatch!(self, account_by_token(role, token_sha256))
    }

    /// Creates the account if new and records a token for it.
    pub async fn add_token(
        &self,
        role: Role,
        account: String,
        display_name: String,
        token_sha256: String,
        now: String,
    ) -> Result<(), ApiError> {
        dispatch!(
            self,
            add_token(role, account, display_name, token_sha256, now)
        )
    }

    /// The officer account named `account`, with its password hash.
    pub async fn officer(&self, account: String) -> Result<Option<OfficerAccount>, ApiError> {
        dispatch!(self, officer(account))
    }

    /// Every officer account, by account name (without password hashes).
    pub async fn officers(&self) -> Result<Vec<OfficerAccount>, ApiError> {
        dispatch!(self, officers())
    }

    /// Creates an officer account or changes its name, duties or password.
    pub async fn set_officer(&self, change: OfficerChange) -> Result<(), ApiError> {
        dispatch!(self, set_officer(change))
    }

    /// The wrong passwords given for `account` since `since_ms`, from
    /// `address` and from anywhere.
    pub async fn sign_in_failures(
        &self,
        account: String,
        address: String,
        since_ms: i64,
    ) -> Result<Failures, ApiError> {
        dispatch!(self, sign_in_failures(account, address, since_ms))
    }

    /// Records a wrong password for `account` from `address`, and forgets
    /// those given before `forget_before_ms`.
    pub async fn record_sign_in_failure(
        &self,
        account: String,
        address: String,
        at_ms: i64,
        forget_before_ms: i64,
    ) -> Result<(), ApiError> {
        dispatch!(
            self,
            record_sign_in_failure(account, address, at_ms, forget_before_ms)
        )
    }

    /// Forgets the wrong passwords given for `account` from `address` (it
    /// signed in from there).
    pub async fn clear_sign_in_failures(
        &self,
        account: String,
        address: String,
    ) -> Result<(), ApiError> {
        dispatch!(self, clear_sign_in_failures(account, address))
    }

    /// Records a new console session, and forgets sessions that ended
    /// before its start.
    pub async fn start_session(&self, new: NewSession, now_ms: i64) -> Result<(), ApiError> {
        dispatch!(self, start_session(new, now_ms))
    }

    /// The live session whose cookie hashes to `id_sha256`.
    pub async fn session(
        &self,
        id_sha256: String,
        now_ms: i64,
    ) -> Result<Option<SessionRow>, ApiError> {
        dispatch!(self, session(id_sha256, now_ms))
    }

    /// Ends the session whose cookie hashes to `id_sha256`.
    pub async fn end_session(&self, id_sha256: String) -> Result<(), ApiError> {
        dispatch!(self, end_session(id_sha256))
    }

    /// One page of the officers' queue.
    pub async fn queue(&self, query: QueueQuery) -> Result<Vec<QueueRow>, ApiError> {
        dispatch!(self, queue(query))
    }

    /// Up to `limit` dossiers the queue's search does not know yet.
    pub async fn unindexed(&self, limit: u32) -> Result<Vec<Unindexed>, ApiError> {
        dispatch!(self, unindexed(limit))
    }

    /// Records what the queue finds a dossier by (again: the same).
    pub async fn index_dossier(&self, index: DossierIndex) -> Result<(), ApiError> {
        dispatch!(self, index_dossier(index))
    }

    /// Gives a dossier to a colleague, unless it was given meanwhile to
    /// someone other than the giver saw, is closed, or the colleague is
    /// no officer who works dossiers.
    pub async fn assign(&self, assignment: Assignment) -> Result<(), ApiError> {
        dispatch!(self, assign(assignment))
    }

    /// What the console shows of dossier `code` beside its status.
    pub async fn console_dossier(&self, code: String) -> Result<Option<ConsoleDossier>, ApiError> {
        dispatch!(self, console_dossier(code))
    }

    /// The dossiers received from day `from` until before day `to`
    /// (YYYY-MM-DD), as the figures read them.
    pub async fn figure_rows(&self, from: String, to: String) -> Result<Vec<FigureRow>, ApiError> {
        dispatch!(self, figure_rows(from, to))
    }

    /// The result documents recorded for dossier `code`, by name.
    pub async fn result_documents(&self, code: String) -> Result<Vec<StoredResult>, ApiError> {
        dispatch!(self, result_documents(code))
    }

    /// Records `applicant`'s rating `ask` of their dossier `code` at `at`
    /// (RFC 3339), judged by [`crate::ratings::judge`] against its state
    /// read in the same transaction, replacing an earlier rating; the
    /// rating as kept. 404 when the dossier is not theirs.
    pub async fn rate(
        &self,
        code: String,
        applicant: i64,
        ask: hoso_core::wire::RatingRequest,
        at: String,
    ) -> Result<hoso_core::wire::Rating, ApiError> {
        dispatch!(self, rate(code, applicant, ask, at))
    }

    /// The rating of `applicant`'s dossier `code`, none while it has none;
    /// 404 when the dossier is not theirs.
    pub async fn rating(
        &self,
        code: String,
        applicant: i64,
    ) -> Result<Option<hoso_core::wire::Rating>, ApiError> {
        dispatch!(self, rating(code, applicant))
    }

    /// Reads one upload.
    pub async fn upload(&self, id: &str) -> Result<Option<UploadRow>, ApiError> {
        dispatch!(self, upload(id.to_owned()))
    }

    /// Reads one upload on the connections kept for `HEAD`, which never
    /// wait behind the writes of the uploads under way, and whether a
    /// request of another replica holds its lease (its bytes may be on
    /// the way).
    pub async fn peek_upload(&self, id: &str) -> Result<Option<(UploadRow, bool)>, ApiError> {
        dispatch!(self, peek_upload(id.to_owned()))
    }

    /// Records a new upload if its owner's quotas admit it (in the same
    /// transaction), else the refusal naming the quota.
    pub async fn create_upload(
        &self,
        new: NewUpload,
        max_upload: u64,
        quotas: Quotas,
    ) -> Result<(), ApiError> {
        dispatch!(self, create_upload(new, max_upload, quotas))
    }

    /// Records a new upload without quotas (a final upload whose bytes
    /// move from partial ones).
    pub async fn insert_upload(&self, new: NewUpload) -> Result<(), ApiError> {
        dispatch!(self, insert_upload(new))
    }

    /// Answers once the records can be read (`SELECT 1` on a pooled
    /// connection or a reading thread): what the readiness probe asks.
    pub async fn ping(&self) -> Result<(), ApiError> {
        dispatch!(self, ping())
    }

    /// Gives a deferred upload its length.
    pub async fn set_length(&self, id: &str, length: u64) -> Result<(), ApiError> {
        dispatch!(self, set_length(id.to_owned(), length))
    }

    /// Records that bytes up to `offset` are durable, unless more already
    /// are (a checkpoint inside a request). An upload's progress: a power
    /// cut may undo it, a crash of the portal never does.
    pub async fn raise_offset(&self, id: &str, offset: u64) -> Result<(), ApiError> {
        dispatch!(self, raise_offset(id.to_owned(), offset))
    }

    /// Puts an upload back to `offset` (a refused chunk's checkpoints
    /// undone).
    pub async fn reset_offset(&self, id: &str, offset: u64) -> Result<(), ApiError> {
        dispatch!(self, reset_offset(id.to_owned(), offset))
    }

    /// Records that a request completed the upload at `offset`: the whole
    /// file's hash, the time, and when it expires unless a filing names
    /// it first.
    pub async fn complete_upload(
        &self,
        id: &str,
        offset: u64,
        done: Completed,
    ) -> Result<(), ApiError> {
        dispatch!(self, complete_upload(id.to_owned(), offset, done))
    }

    /// Removes an upload's row unless a filed dossier or supplement names
    /// it; true when removed.
    pub async fn delete_upload_unless_filed(&self, id: &str) -> Result<bool, ApiError> {
        dispatch!(self, delete_upload_unless_filed(id.to_owned()))
    }

    /// Every upload no filing names, with its expiry (RFC 3339).
    pub async fn unfiled_uploads(&self) -> Result<Vec<(String, String)>, ApiError> {
        dispatch!(self, unfiled_uploads())
    }

    /// The final upload of `applicant` that joins what `concat` names, if
    /// one was made.
    pub async fn final_upload(
        &self,
        applicant: i64,
        concat: String,
    ) -> Result<Option<FinalUpload>, ApiError> {
        dispatch!(self, final_upload(applicant, concat))
    }

    /// Completes a joined final upload and removes the partial ones it
    /// joined (unless filed), in one transaction; the ids removed.
    pub async fn complete_final(
        &self,
        id: &str,
        total: u64,
        done: Completed,
        parts: Vec<String>,
    ) -> Result<Vec<String>, ApiError> {
        dispatch!(self, complete_final(id.to_owned(), total, done, parts))
    }

    /// Claims an idempotency key as `processing`, or says why not (409
    /// while another request works on it, 422 for another body) or what
    /// it answered before.
    pub async fn claim_key(&self, claim: KeyClaim) -> Result<Claim, ApiError> {
        dispatch!(self, claim_key(claim))
    }

    /// Releases a key whose work failed, so the fixed request may use it.
    pub async fn release_key(&self, applicant: i64, key: String) -> Result<(), ApiError> {
        dispatch!(self, release_key(applicant, key))
    }

    /// Releases every key left `processing` by a stop; how many.
    pub async fn release_abandoned_claims(&self) -> Result<usize, ApiError> {
        dispatch!(self, release_abandoned_claims())
    }

    /// A key as stored, for a client that lost its answer.
    pub async fn key_state(
        &self,
        applicant: i64,
        key: String,
    ) -> Result<Option<KeyState>, ApiError> {
        dispatch!(self, key_state(applicant, key))
    }

    /// Removes answered keys kept until before `now`; how many.
    pub async fn forget_expired_keys(&self, now: String) -> Result<usize, ApiError> {
        dispatch!(self, forget_expired_keys(now))
    }

    /// Files a dossier in one transaction: checks its uploads, answers
    /// with the earlier receipt for content already filed (unless a new
    /// filing is asked for), else allocates the day's next sequence
    /// number, lets `make` build and sign the dossier, records it, its
    /// documents and first status, marks its uploads filed and its key
    /// done.
    pub async fn file_dossier(
        &self,
        filing: Filing,
        make: DossierMaker,
    ) -> Result<(StatusCode, SubmissionResponse), ApiError> {
        dispatch!(self, file_dossier(filing, make))
    }

    /// Procedure code, version and status of dossier `code` of
    /// `applicant`.
    pub async fn dossier_procedure(
        &self,
        applicant: i64,
        code: String,
    ) -> Result<Option<(String, String, String)>, ApiError> {
        dispatch!(self, dossier_procedure(applicant, code))
    }

    /// Files a supplement in one transaction: the dossier must still
    /// await one, its uploads must check out; records it with the receipt
    /// `make` signs, moves the dossier back to `received` with its new
    /// appointment date, marks uploads filed and the key done.
    pub async fn file_supplement(
        &self,
        filing: SupplementFiling,
        make: SupplementMaker,
    ) -> Result<SubmissionResponse, ApiError> {
        dispatch!(self, file_supplement(filing, make))
    }

    /// The signed receipts (JSON) of dossier `code`'s supplements, oldest
    /// first.
    pub async fn supplement_receipts(&self, code: String) -> Result<Vec<String>, ApiError> {
        dispatch!(self, supplement_receipts(code))
    }

    /// The document of dossier `code` (or of one of its supplements) whose
    /// content hashes to `sha256`.
    pub async fn filed_document(
        &self,
        code: String,
        sha256: String,
    ) -> Result<Option<FiledDocument>, ApiError> {
        dispatch!(self, filed_document(code, sha256))
    }

    /// A dossier's status and history; with `applicant`, only if it is
    /// theirs.
    pub async fn dossier_status(
        &self,
        code: String,
        applicant: Option<i64>,
    ) -> Result<Option<DossierStatus>, ApiError> {
        dispatch!(self, dossier_status(code, applicant))
    }

    /// Changes to `applicant`'s dossiers after `since`, at most `limit`.
    pub async fn feed(
        &self,
        applicant: i64,
        since: u64,
        limit: u32,
    ) -> Result<StatusFeed, ApiError> {
        dispatch!(self, feed(applicant, since, limit))
    }

    /// Dossiers an officer sees, optionally only those in one state,
    /// oldest first.
    pub async fn officer_list(
        &self,
        status: Option<Status>,
    ) -> Result<Vec<DossierStatus>, ApiError> {
        dispatch!(self, officer_list(status))
    }

    /// An officer moves a dossier, judged by [`crate::tracking::judge`]
    /// against its state read in the same transaction. A refusal makes
    /// what it paid owed back ([`crate::refunds`]) and cancels a payment
    /// request still asking for money, a document of the feed after the
    /// move; `result_ready` needs
    /// a result document and issues the notice `issue` signs, naming every
    /// one, as a document of the feed.
    pub async fn transition(
        &self,
        change: Move,
        issue: crate::results::ResultNoticeMaker,
    ) -> Result<DossierStatus, ApiError> {
        dispatch!(self, transition(change, issue))
    }

    /// An applicant moves their own dossier (a withdrawal, the result
    /// received), judged by [`crate::tracking::judge_applicant`] against
    /// its state read in the same transaction; asked again, nothing
    /// changes. A withdrawal makes what the dossier paid owed back and
    /// cancels a payment request still asking for money, as a refusal
    /// does.
    pub async fn applicant_move(&self, change: ApplicantMove) -> Result<DossierStatus, ApiError> {
        dispatch!(self, applicant_move(change))
    }

    /// Records a refund once by its bank reference, in one transaction: a
    /// reference recorded before gets the answer it got then (or a
    /// refusal when it was for another dossier or amount). Otherwise what
    /// the dossier's payment owes back (its request locked) is judged by
    /// [`crate::refunds::judge`]; `make` signs the notice, and the notice
    /// and a request now `refunded` are documents of the feed.
    pub async fn record_refund(
        &self,
        order: RefundOrder,
        make: crate::refunds::RefundMaker,
    ) -> Result<RefundRecorded, ApiError> {
        dispatch!(self, record_refund(order, make))
    }

    /// Dossier `code`'s state and whether its result notice was issued.
    pub async fn results_state(&self, code: String) -> Result<Option<ResultsState>, ApiError> {
        dispatch!(self, results_state(code))
    }

    /// Records a result document while the dossier may still take one
    /// ([`crate::results::open_for_results`]), replacing the one of the
    /// same name (case aside); the store id of the bytes it replaced.
    pub async fn put_result(&self, new: NewResult) -> Result<Option<String>, ApiError> {
        dispatch!(self, put_result(new))
    }

    /// Forgets result document `name` of dossier `code` while the dossier
    /// may still change its results; the store id of its bytes, `None`
    /// when there is no such document.
    pub async fn delete_result(
        &self,
        code: String,
        name: String,
    ) -> Result<Option<String>, ApiError> {
        dispatch!(self, delete_result(code, name))
    }

    /// Result document `name` of dossier `code` of `applicant`, once its
    /// result notice was issued (before then, none).
    pub async fn issued_result(
        &self,
        code: String,
        applicant: i64,
        name: String,
    ) -> Result<Option<StoredResult>, ApiError> {
        dispatch!(self, issued_result(code, applicant, name))
    }

    /// A dossier's state by its code and PIN, asked from `address` at
    /// `now`, with misses counted (see [`crate::lookup`]).
    pub async fn lookup(
        &self,
        address: String,
        code: String,
        pin: String,
        now: chrono::DateTime<chrono::FixedOffset>,
        limits: LookupLimits,
    ) -> Result<PublicStatus, ApiError> {
        dispatch!(self, lookup(address, code, pin, now, limits))
    }

    /// Removes lookup misses at or before `before_ms` (Unix ms).
    pub async fn forget_misses(&self, before_ms: i64) -> Result<(), ApiError> {
        dispatch!(self, forget_misses(before_ms))
    }

    /// Every dossier as stored, oldest first, with its documents.
    pub async fn stored_dossiers(&self) -> Result<Vec<StoredDossier>, ApiError> {
        dispatch!(self, stored_dossiers())
    }

    /// Dossier `code`'s payment request, what was paid and its fee
    /// receipt; with `applicant`, only if the dossier is theirs.
    pub async fn payment(
        &self,
        code: String,
        applicant: Option<i64>,
    ) -> Result<PaymentLookup, ApiError> {
        dispatch!(self, payment(code, applicant))
    }

    /// Applies their deadline to the payment requests whose deadline
    /// passed before `now` and that the sweep has not looked at yet, each
    /// once: what [`PaymentRequest::expire`] makes of it (an awaiting one
    /// is expired, a partly paid one loses its code), or, for a dossier
    /// refused or withdrawn, what [`PaymentRequest::cancel`] makes of it;
    /// each request that changed is a document of the feed. How many
    /// changed.
    pub async fn expire_payments(
        &self,
        now: chrono::DateTime<chrono::FixedOffset>,
    ) -> Result<usize, ApiError> {
        dispatch!(self, expire_payments(now))
    }

    /// Records a bank transfer once by its transaction id, in one
    /// transaction: a transaction id recorded before gets the answer it
    /// got then, and nothing changes. Otherwise what the records hold for
    /// the dossier its purpose names (its payment request locked) is judged
    /// by [`crate::payments::judge`]; the request moves, a fee paid in full
    /// gets its receipt (numbered in its serial, signed by `make`), and
    /// each change is a document of the change feed.
    pub async fn record_transfer(
        &self,
        transfer: Transfer,
        make: FeeReceiptMaker,
    ) -> Result<Recorded, ApiError> {
        dispatch!(self, record_transfer(transfer, make))
    }
}

/// Every dossier of the SQLite database at `path`, opened read-only (the
/// portal may be running).
pub fn inspect_sqlite(path: &Path) -> rusqlite::Result<Vec<StoredDossier>> {
    sqlite::inspect(path)
}
