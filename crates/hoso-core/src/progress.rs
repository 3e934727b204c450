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
    /// The phase as the headline says it: while uploading, which document
    /// of how many ("Đang tải lên 3/7").
    pub fn headline(&self) -> Bilingual {
        let label = self.phase.label();
        if self.phase != SendPhase::Uploading || self.files.is_empty() {
            return label;
        }
        let n = (self.files_done() + 1).min(self.files.len());
        let of = self.files.len();
        Bilingual::new(
            format!("{} {n}/{of}", label.vi),
            format!("{} {n}/{of}", label.en),
        )
    }

    /// How many documents are fully up.
    pub fn files_done(&self) -> usize {
        self.files.iter().filter(|f| f.confirmed >= f.size).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(phase: SendPhase, sizes_confirmed: &[(u64, u64)]) -> SendProgress {
        let files: Vec<FileProgress> = sizes_confirmed
            .iter()
            .enumerate()
            .map(|(i, (size, confirmed))| FileProgress {
                sha256: Sha256Digest::of(&[i as u8]),
                name: format!("{i}.pdf"),
                size: *size,
                confirmed: *confirmed,
            })
            .collect();
        SendProgress {
            dossier: 1,
            phase,
            confirmed: files.iter().map(|f| f.confirmed).sum(),
            total: files.iter().map(|f| f.size).sum(),
            files,
            rate: None,
            eta_secs: None,
        }
    }

    #[test]
    fn the_headline_names_the_document_being_uploaded() {
        let p = progress(
            SendPhase::Uploading,
            &[
                (10, 10),
                (10, 10),
                (10, 4),
                (10, 0),
                (10, 0),
                (10, 0),
                (10, 0),
            ],
        );
        assert_eq!(p.headline().vi, "Đang tải lên 3/7");
        assert_eq!(p.headline().en, "Uploading 3/7");
        let all_up = progress(SendPhase::Uploading, &[(10, 10), (5, 5)]);
        assert_eq!(all_up.headline().vi, "Đang tải lên 2/2");
        let waiting = progress(SendPhase::WaitingForNetwork, &[(10, 3)]);
        assert_eq!(waiting.headline().vi, "Đang chờ mạng");
        let sent = progress(SendPhase::AwaitingReceipt, &[(10, 10)]);
        assert_eq!(sent.headline().vi, "Đã gửi, đang chờ biên nhận");
    }
}
