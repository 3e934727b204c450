//! HoSo's domain rules, shared by the desktop app, the UI (compiled to wasm),
//! the command line and the portal, so that a dossier is judged the same way
//! everywhere: offline in the editor and again at the portal's door.
//!
//! This crate never performs I/O: no files, sockets, clocks or randomness.
//! Callers pass in the time, the bytes and the keys.

pub mod amount_words;
pub mod bank;
pub mod bilingual;
pub mod calendar;
pub mod citizen_id;
pub mod codes;
pub mod deadline;
pub mod dossier;
pub mod fee_receipt;
pub mod fees;
pub mod filename;
pub mod hash;
pub mod idempotency;
pub mod legacy;
pub mod length;
pub mod lunar;
pub mod manifest;
pub mod payment;
pub mod poll;
pub mod procedure;
pub mod progress;
pub mod rating;
pub mod receipt;
pub mod refund;
pub mod result_notice;
pub mod samples;
pub mod signed;
pub mod status;
pub mod supplement;
pub mod taxcode;
pub mod validate;
pub mod vietqr;
pub mod wire;

pub use bilingual::Bilingual;
pub use codes::{DossierCode, ProcedureCode};
pub use dossier::{
    AttachedDocument, DossierContent, DossierQuery, DossierRecord, DossierState, DossierSummary,
    LibraryItem, Row, Saved, Tracking, Usage, Value,
};
pub use fees::{Fee, FeeLine, fee};
pub use hash::Sha256Digest;
pub use procedure::Procedure;
pub use validate::{Problem, ProblemCode, validate};
pub use vietqr::VietQr;
