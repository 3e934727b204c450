//! Bodies exchanged between the app and a portal over HTTP (`/v1`), shared
//! by both sides so that they cannot drift apart. Fields added later carry
//! `#[serde(default)]` so that older and newer builds still talk.

use crate::bank::BankTransactionId;
use crate::fee_receipt::{FeeReceipt, ReceiptNumber};
use crate::payment::{PaymentRequest, PaymentState, Settlement};
use crate::receipt::SignedReceipt;
use crate::refund::RefundNotice;
use crate::result_notice::ResultNotice;
use crate::signed::Signed;
use crate::status::Status;
use crate::{Bilingual, DossierContent, Problem, Sha256Digest};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize};

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
    /// What the portal owes the applicant back, in đồng (a fee paid for a
    /// dossier refused or withdrawn, or paid beyond the fee), not yet
    /// given back. In officers' views; applicants read it with the
    /// payment ([`PaymentStatus::refund_due_vnd`]). Absent when nothing is
    /// owed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refund_due_vnd: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// `GET /v1/dossiers?since=CURSOR`: the changes to the caller's dossiers
/// after a cursor, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusFeed {
    /// Changes after the cursor asked for, at most the page size.
    pub events: Vec<StatusEvent>,
    /// The cursor to ask from next time (the last event's or document's,
    /// or the one asked for when nothing changed).
    pub next_cursor: u64,
    /// True when more changes wait beyond this page.
    pub more: bool,
    /// Documents issued for the caller's dossiers after the cursor, oldest
    /// first: payment requests (again at each change of their state), fee
    /// receipts, refund notices, result notices. Their cursors are drawn
    /// from the same sequence as the events', so one `since` covers both
    /// and a page holds what came after it, whichever kind. Absent (and
    /// not written when empty) from portals that issue none; apps from
    /// before it ignore it and move past its cursors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<FeedDocument>,
}

/// A document the portal issued for a dossier, as the change feed carries
/// it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedDocument {
    /// Position in the portal's change feed; strictly increasing, shared
    /// with [`StatusEvent::cursor`].
    pub cursor: u64,
    /// The dossier.
    pub code: crate::DossierCode,
    /// When the portal issued it (RFC 3339, +07:00).
    pub at: DateTime<FixedOffset>,
    /// The document. One this build cannot read (a kind it does not know,
    /// or a payment request in a newer shape) is
    /// [`DossierDocument::Unknown`] rather than a feed that fails to read.
    #[serde(deserialize_with = "readable_or_unknown")]
    pub document: DossierDocument,
}

/// A document issued for a dossier. In JSON an object whose `kind` names
/// it (`payment_request`, `fee_receipt`, `refund_notice`,
/// `result_notice`) beside its own fields; the signed ones are
/// [`Signed`] envelopes, verified by the app against the portal's keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DossierDocument {
    /// What to pay, where it stands, and the code to scan.
    PaymentRequest(PaymentRequest),
    /// The receipt of a fee paid in full.
    FeeReceipt(Signed<FeeReceipt>),
    /// A fee, or what was paid beyond it, given back.
    RefundNotice(Signed<RefundNotice>),
    /// The result documents, by name, size and SHA-256.
    ResultNotice(Signed<ResultNotice>),
    /// A document this build cannot read; passed over.
    #[serde(other)]
    Unknown,
}

/// A feed document as [`DossierDocument`] reads it, or
/// [`DossierDocument::Unknown`] when it does not (whatever the reason), so
/// one document a newer portal shaped otherwise never hides the rest of
/// the feed.
fn readable_or_unknown<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<DossierDocument, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).unwrap_or(DossierDocument::Unknown))
}

/// `GET /v1/dossiers/{code}/payment`: what a dossier's fee asks for and
/// where its payment stands, for the applicant who filed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentStatus {
    /// The payment request as last issued (its state, and the VietQR code
    /// for what is still due while something is).
    pub request: PaymentRequest,
    /// What transfers have paid towards the fee so far, in đồng.
    pub paid_vnd: u64,
    /// What was transferred beyond the fee and is owed back, in đồng. The
    /// refund itself, with its signed notice, comes later.
    #[serde(default)]
    pub refund_due_vnd: u64,
    /// The fee receipt, once the fee is paid in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_receipt: Option<Signed<FeeReceipt>>,
}

/// The portal's answer to a bank's notification of a transfer
/// (`POST /v1/bank/notifications`): what the transfer did. The same
/// notification sent again gets this same answer and changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRecorded {
    /// The bank's id of the transfer.
    pub transaction_id: BankTransactionId,
    /// The dossier whose fee it went to; absent when it went to none (no
    /// dossier code in the purpose, a dossier unknown or asking no fee, or
    /// another account): it is kept for a person to match or give back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dossier_code: Option<crate::DossierCode>,
    /// How it settled that fee: paid exactly, underpaid, overpaid, late.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement: Option<Settlement>,
    /// Where the dossier's payment request stands after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_state: Option<PaymentState>,
    /// The fee receipt it made the portal issue, when it completed the fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_receipt: Option<ReceiptNumber>,
    /// What happened, for the bank's records and for people.
    pub message: Bilingual,
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

/// The body of the applicant's rating of a completed dossier
/// (`POST /v1/dossiers/{code}/rating`), as [`crate::rating::judge`]
/// judges it. Rating again replaces the earlier rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingRequest {
    /// How satisfied, from 1 (very dissatisfied) to 5 (very satisfied).
    /// Any whole number reads, so that one outside the scale is refused as
    /// such (422), not as a malformed body.
    pub rating: i64,
    /// What the applicant adds, if anything.
    #[serde(default)]
    pub comment: String,
}

/// The applicant's rating of a dossier as the portal keeps it, the latest
/// given: the answer to a [`RatingRequest`] and to
/// `GET /v1/dossiers/{code}/rating`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// The dossier rated.
    pub dossier_code: crate::DossierCode,
    /// How satisfied, from 1 (very dissatisfied) to 5 (very satisfied).
    pub rating: u8,
    /// What the applicant added, normalised; empty when nothing.
    #[serde(default)]
    pub comment: String,
    /// When the portal recorded it (RFC 3339, +07:00).
    pub rated_at: DateTime<FixedOffset>,
}

/// `POST /v1/officer/dossiers/{code}/refunds`: an officer records that
/// money owed back for a dossier was given back, by the bank's reference
/// of the transfer that returned it. The same reference sent again gets
/// the same answer and gives nothing back twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    /// What was given back, in đồng: above 0 and at most what is owed.
    pub amount_vnd: u64,
    /// The bank's id of the transfer that gave it back.
    pub bank_reference: BankTransactionId,
}

/// The portal's answer to a [`RefundRequest`]: the signed refund notice
/// it issued (also in the change feed) and where the payment stands after
/// it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefundRecorded {
    /// The bank's id of the transfer that gave the money back.
    pub bank_reference: BankTransactionId,
    /// The refund notice, signed by the portal.
    pub refund_notice: Signed<RefundNotice>,
    /// The dossier's payment after the refund: what is still owed back,
    /// and the request `refunded` once the whole payment of a dossier
    /// refused or withdrawn was given back.
    pub payment: PaymentStatus,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fee_receipt::{CollectingAgency, Issue, Payer, ReceiptNumber};
    use crate::receipt::PortalKey;
    use crate::refund::RefundReason;
    use crate::result_notice::ResultDocument;
    use crate::signed::PortalKeys;
    use crate::{DossierCode, Fee, FeeLine};
    use ed25519_dalek::SigningKey;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[9; 32])
    }

    fn time(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("time")
    }

    fn code() -> DossierCode {
        "HOSO.PRACTICE-261204-0001".parse().expect("code")
    }

    fn request() -> PaymentRequest {
        let fee = Fee {
            amount_vnd: 150_000,
            lines: vec![FeeLine {
                label: Bilingual::new("Lệ phí", "Fee"),
                quantity: 1,
                unit_vnd: 150_000,
                amount_vnd: 150_000,
            }],
            exempt: None,
        };
        let payee = serde_json::from_value(
            serde_json::json!({"bin": "970415", "account": "0011001932418"}),
        )
        .expect("payee");
        PaymentRequest::new(
            &code(),
            &fee,
            &payee,
            "Văn phòng",
            time("2026-12-07T17:00:00+07:00"),
        )
        .expect("request")
    }

    /// A feed with one document of each kind after one status change.
    fn feed() -> StatusFeed {
        let k = key();
        let signer = PortalKey::of(&k);
        let portal = Bilingual::new("Cổng thực hành", "Practice portal");
        let agency = CollectingAgency {
            name: Bilingual::new("Sở", "Department"),
            tax_code: None,
            address: None,
        };
        let receipt = FeeReceipt::for_payment(
            &request(),
            Issue {
                portal: portal.clone(),
                number: ReceiptNumber {
                    form: "01BLP0-001".into(),
                    serial: "HS-26E".into(),
                    number: 1,
                },
                agency,
                payer: Payer {
                    name: "Nguyễn Văn A".into(),
                    tax_code: None,
                    address: None,
                },
                bank_transactions: vec!["FT1".parse().expect("id")],
                paid_at: time("2026-12-04T14:02:11+07:00"),
                issued_at: time("2026-12-04T14:02:12+07:00"),
            },
            &signer,
        );
        let refund = RefundNotice::of_receipt(
            &receipt,
            150_000,
            RefundReason::Rejected,
            time("2026-12-05T09:00:00+07:00"),
            &signer,
        );
        let result = ResultNotice::new(
            portal,
            &code(),
            Bilingual::new("Sở", "Department"),
            vec![ResultDocument {
                name: "kết quả.pdf".into(),
                size: 3,
                sha256: Sha256Digest::of(b"abc"),
            }],
            time("2026-12-10T10:00:00+07:00"),
            &signer,
        )
        .expect("notice");
        let document = |cursor, document| FeedDocument {
            cursor,
            code: code(),
            at: time("2026-12-04T14:02:12+07:00"),
            document,
        };
        StatusFeed {
            events: vec![StatusEvent {
                cursor: 1,
                code: code(),
                status: Status::Received,
                at: "2026-12-04T09:00:00+07:00".into(),
                actor: "portal".into(),
                note: String::new(),
                request: None,
            }],
            next_cursor: 5,
            more: false,
            documents: vec![
                document(2, DossierDocument::PaymentRequest(request())),
                document(3, DossierDocument::FeeReceipt(Signed::sign(&receipt, &k))),
                document(4, DossierDocument::RefundNotice(Signed::sign(&refund, &k))),
                document(5, DossierDocument::ResultNotice(Signed::sign(&result, &k))),
            ],
        }
    }

    #[test]
    fn every_kind_of_document_travels_in_the_feed_and_still_verifies() {
        let text = serde_json::to_string(&feed()).expect("json");
        assert!(text.contains("\"kind\":\"payment_request\""), "{text}");
        assert!(text.contains("\"kind\":\"result_notice\""), "{text}");
        let back: StatusFeed = serde_json::from_str(&text).expect("read");
        assert_eq!(back, feed());
        let keys = PortalKeys::pinned(PortalKey::of(&key()));
        let mut kinds = Vec::new();
        for d in &back.documents {
            kinds.push(match &d.document {
                DossierDocument::PaymentRequest(r) => {
                    assert!(r.vietqr.is_some());
                    "payment_request"
                }
                DossierDocument::FeeReceipt(s) => {
                    assert_eq!(s.verify(&keys).map(|r| r.amount_vnd), Ok(150_000));
                    "fee_receipt"
                }
                DossierDocument::RefundNotice(s) => {
                    assert!(s.verify(&keys).is_ok());
                    "refund_notice"
                }
                DossierDocument::ResultNotice(s) => {
                    assert!(s.verify(&keys).is_ok());
                    "result_notice"
                }
                DossierDocument::Unknown => "unknown",
            });
        }
        assert_eq!(
            kinds,
            [
                "payment_request",
                "fee_receipt",
                "refund_notice",
                "result_notice"
            ]
        );
    }

    /// The feed as builds from before documents declare it.
    #[derive(Debug, Deserialize)]
    struct FeedBeforeDocuments {
        events: Vec<StatusEvent>,
        next_cursor: u64,
        more: bool,
    }

    #[test]
    fn older_apps_read_a_feed_with_documents_and_older_portals_feeds_still_read() {
        let text = serde_json::to_string(&feed()).expect("json");
        let old: FeedBeforeDocuments = serde_json::from_str(&text).expect("older app");
        assert_eq!(old.events, feed().events);
        assert_eq!((old.next_cursor, old.more), (5, false));

        let from_older_portal = r#"{"events": [], "next_cursor": 7, "more": false}"#;
        let read: StatusFeed = serde_json::from_str(from_older_portal).expect("older portal");
        assert!(read.documents.is_empty());
        // Without documents the feed is written as before, byte for byte.
        assert_eq!(
            serde_json::to_string(&read).expect("json"),
            r#"{"events":[],"next_cursor":7,"more":false}"#
        );
    }

    #[test]
    fn a_payment_and_the_bank_answer_travel_with_only_what_they_hold() {
        let DossierDocument::FeeReceipt(receipt) = feed().documents[1].document.clone() else {
            panic!("a fee receipt");
        };
        let status = PaymentStatus {
            request: request(),
            paid_vnd: 150_000,
            refund_due_vnd: 0,
            fee_receipt: Some(receipt),
        };
        let back: PaymentStatus =
            serde_json::from_str(&serde_json::to_string(&status).expect("json")).expect("read");
        assert_eq!(back, status);
        let keys = PortalKeys::pinned(PortalKey::of(&key()));
        let verified = back.fee_receipt.expect("receipt").verify(&keys);
        assert_eq!(verified.map(|r| r.amount_vnd), Ok(150_000));

        // A transfer kept for a person: its id and what happened, nothing else.
        let kept = TransferRecorded {
            transaction_id: "FT1".parse().expect("id"),
            dossier_code: None,
            settlement: None,
            payment_state: None,
            fee_receipt: None,
            message: Bilingual::new("Đã ghi nhận", "Recorded"),
        };
        assert_eq!(
            serde_json::to_string(&kept).expect("json"),
            r#"{"transaction_id":"FT1","message":{"vi":"Đã ghi nhận","en":"Recorded"}}"#
        );
    }

    #[test]
    fn a_refund_request_and_its_answer_round_trip_and_a_bad_reference_is_refused() {
        let ask: RefundRequest =
            serde_json::from_str(r#"{"amount_vnd": 150000, "bank_reference": "FT26HOAN01"}"#)
                .expect("request");
        assert_eq!(ask.amount_vnd, 150_000);
        assert_eq!(ask.bank_reference.as_str(), "FT26HOAN01");
        for bad in [
            r#"{"amount_vnd": 1, "bank_reference": ""}"#,
            r#"{"amount_vnd": 1, "bank_reference": "FT 1"}"#,
            r#"{"amount_vnd": 1}"#,
        ] {
            assert!(serde_json::from_str::<RefundRequest>(bad).is_err(), "{bad}");
        }
        let DossierDocument::RefundNotice(notice) = feed().documents[2].document.clone() else {
            panic!("a refund notice");
        };
        let answer = RefundRecorded {
            bank_reference: ask.bank_reference,
            refund_notice: notice,
            payment: PaymentStatus {
                request: request().with_state(PaymentState::Refunded).expect("state"),
                paid_vnd: 150_000,
                refund_due_vnd: 0,
                fee_receipt: None,
            },
        };
        let text = serde_json::to_string(&answer).expect("json");
        assert!(text.contains(r#""state":{"kind":"refunded"}"#), "{text}");
        let back: RefundRecorded = serde_json::from_str(&text).expect("read");
        assert_eq!(back, answer);
        let keys = PortalKeys::pinned(PortalKey::of(&key()));
        let notice = back.refund_notice.verify(&keys).expect("verifies");
        assert_eq!(
            (notice.amount_vnd, notice.reason),
            (150_000, RefundReason::Rejected)
        );
    }

    #[test]
    fn a_status_owing_nothing_back_is_written_as_before_and_reads_either_way() {
        let status = DossierStatus {
            code: code(),
            status: Status::Withdrawn,
            received_at: "2026-12-04T09:00:00+07:00".into(),
            appointment_date: NaiveDate::from_ymd_opt(2026, 12, 8).expect("date"),
            procedure: "le-phi-thu".parse().expect("procedure"),
            history: feed().events,
            refund_due_vnd: 0,
        };
        let text = serde_json::to_string(&status).expect("json");
        assert!(!text.contains("refund_due_vnd"), "{text}");
        assert_eq!(
            serde_json::from_str::<DossierStatus>(&text).expect("read"),
            status
        );
        let owing = DossierStatus {
            refund_due_vnd: 125_000,
            ..status
        };
        let text = serde_json::to_string(&owing).expect("json");
        assert!(text.contains(r#""refund_due_vnd":125000"#), "{text}");
        assert_eq!(
            serde_json::from_str::<DossierStatus>(&text).expect("read"),
            owing
        );
    }

    #[test]
    fn a_document_this_build_cannot_read_is_passed_over_not_fatal() {
        let mut value = serde_json::to_value(feed()).expect("json");
        value["documents"][0]["document"]["payee"]["bank_name"] = "Ngân hàng A".into();
        value["documents"][1]["document"]["kind"] = "invoice".into();
        let read: StatusFeed = serde_json::from_value(value).expect("feed still reads");
        assert_eq!(read.documents[0].document, DossierDocument::Unknown);
        assert_eq!(read.documents[1].document, DossierDocument::Unknown);
        assert_eq!(read.documents[2..], feed().documents[2..]);
        assert_eq!(read.events, feed().events);
    }

    #[test]
    fn a_rating_reads_without_a_comment_and_any_whole_number_reaches_the_rule() {
        let ask: RatingRequest = serde_json::from_str(r#"{"rating": 5}"#).expect("no comment");
        assert_eq!((ask.rating, ask.comment.as_str()), (5, ""));
        let far: RatingRequest = serde_json::from_str(r#"{"rating": 300}"#).expect("read");
        assert_eq!(
            crate::rating::check(far.rating, &far.comment),
            Err(crate::rating::RatingError::OutOfRange(300))
        );
        let rating = Rating {
            dossier_code: "HOSO.PRACTICE-261204-0001".parse().expect("code"),
            rating: 4,
            comment: "Đúng hẹn.".into(),
            rated_at: time("2026-12-05T10:00:00+07:00"),
        };
        let text = serde_json::to_string(&rating).expect("json");
        assert_eq!(
            text,
            r#"{"dossier_code":"HOSO.PRACTICE-261204-0001","rating":4,"comment":"Đúng hẹn.","rated_at":"2026-12-05T10:00:00+07:00"}"#
        );
        assert_eq!(serde_json::from_str::<Rating>(&text).expect("read"), rating);
    }
}
