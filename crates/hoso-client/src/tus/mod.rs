//! Uploading attachments over tus 1.0, resumable across failures, stalls
//! and restarts, to HoSo's portal or any other tus server.

pub mod body;
pub mod client;
pub mod ledger;
pub mod retry;
pub mod settings;

pub use body::Cap;
pub use client::{Shared, Target, UploadReport, upload};
pub use ledger::{UploadKey, UploadLedger};
pub use settings::UploadSettings;
