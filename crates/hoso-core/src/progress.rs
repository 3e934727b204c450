//! What the app tells people while a dossier is being sent: the phase in
//! plain words, and bytes, rate and time left per document and overall.

use crate::{Bilingual, Sha256Digest};
use serde::{Deserialize, Serialize};

/// Where a sending stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendPhase {
    /// An earlier attempt was cut off: asking the portal whether it
    /// arrived, before sending anything again.
    Checking,
    /// Documents are going up.
    Uploading,
    /// The link is down or the portal busy; it goes on by itself.
    WaitingForNetwork,
    /// Everything is up; the dossier was sent and the receipt is awaited.
    AwaitingReceipt,
    /// The receipt arrived and was verified.
    Done,
}

impl SendPhase {
    /// What people read.
    pub fn label(self) -> Bilingual {
        let (vi, en) = match self {
            SendPhase::Checking => (
                "Đang kiểm tra xem cổng đã nhận hồ sơ chưa",
                "Checking whether the portal received it",
            ),
            SendPhase::Uploading => ("Đang tải lên", "Uploading"),
            SendPhase::WaitingForNetwork => ("Đang chờ mạng", "Waiting for the network"),
            SendPhase::AwaitingReceipt => (
                "Đã gửi, đang chờ biên nhận",
                "Sent, waiting for the receipt",
            ),
            SendPhase::Done => ("Đã nhận biên nhận", "Receipt received"),
        };
        Bilingual::new(vi, en)
    }
}

/// One document's upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileProgress {
    /// The document's hash.
    pub sha256: Sha256Digest,
    /// Its name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Bytes the server confirmed.
    pub confirmed: u64,
}

/// A snapshot of one dossier's sending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendProgress {
    /// The local dossier id.
    pub dossier: i64,
    /// The phase.
    pub phase: SendPhase,
    /// Each document.
    pub files: Vec<FileProgress>,
    /// Bytes confirmed over all documents.
    pub confirmed: u64,
    /// Bytes of all documents.
    pub total: u64,
    /// Recent upload rate in bytes per second, once known.
    pub rate: Option<f64>,
    /// Seconds left at that rate, once known.
    pub eta_secs: Option<u64>,
}

impl SendProgress {
    /// How many documents are fully up.
    pub fn files_done(&self) -> usize {
        self.files.iter().filter(|f| f.confirmed >= f.size).count()
    }
}
