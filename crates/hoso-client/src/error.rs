//! Everything that can go wrong in the client, each with what to tell the
//! person and whether their work is safe, and the one map from a failure
//! to its stable code ([`ClientError::code`]): the window receives it in
//! an [`IpcError`], the command line derives its exit code from it.

use hoso_core::receipt::ReceiptError;
use hoso_core::wire::ProblemDetails;
use hoso_core::{Bilingual, Problem};
use hoso_ipc::IpcError;
use std::path::PathBuf;

/// The closed set of failure kinds, defined once beside the IPC types.
pub use hoso_ipc::ErrorCode;

/// A failed client operation.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The local database failed.
    #[error("local database: {0}")]
    Store(#[from] rusqlite::Error),
    /// Reading or writing a file on this computer failed.
    #[error("{path}: {source}")]
    File {
        /// Which file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The portal could not be reached or the connection broke.
    #[error("network: {0}")]
    Network(String),
    /// The portal refused the request.
    #[error("portal refused ({}): {}", .0.code, .0.message.en)]
    Portal(Box<ProblemDetails>),
    /// The dossier has problems to fix.
    #[error("the dossier has {} problem(s)", .0.len())]
    Invalid(Vec<Problem>),
    /// The portal presented another receipt key than the one pinned.
    #[error("portal key changed: pinned {pinned}, presented {presented}")]
    KeyChanged {
        /// Fingerprint pinned when the portal was added.
        pinned: String,
        /// Fingerprint presented now.
        presented: String,
    },
    /// The receipt did not verify.
    #[error("receipt not trusted: {0}")]
    Untrusted(#[from] ReceiptError),
    /// The portal answered something that is not the protocol.
    #[error("unexpected answer from the portal: {0}")]
    Protocol(String),
    /// Something the request names does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The disk is full; nothing was half-written.
    #[error("disk full writing {0}")]
    DiskFull(PathBuf),
    /// A file is refused before anything is copied (type, size, name).
    #[error("file refused: {}", .0.iter().map(|p| p.message.en.as_str()).collect::<Vec<_>>().join("; "))]
    Refused(Vec<Problem>),
    /// The dossier was sent or filed and can no longer change.
    #[error("the dossier was submitted and cannot be edited")]
    NotEditable,
    /// The portal is overloaded (429 or 503), perhaps saying for how long.
    #[error("the portal is busy")]
    Busy(Option<std::time::Duration>),
    /// The person paused the sending; what was confirmed is kept.
    #[error("the sending was paused")]
    Paused,
    /// A dossier package was refused (hostile, broken, newer); nothing
    /// was imported.
    #[error("package refused: {0}")]
    Package(#[from] hoso_package::PackageError),
    /// A dossier has no fee to show or no fee receipt, and why.
    #[error("{}", .0.message().en)]
    FeeUnavailable(crate::fees::FeeUnavailable),
    /// A dossier's result does not verify: its notice's signature, or a
    /// downloaded document of another size or content than signed. Nothing
    /// of it was kept as valid.
    #[error("result not trusted: {0}")]
    ResultRefused(hoso_core::result_notice::ResultError),
    /// A rating the portal would refuse (a step outside 1 to 5, a comment
    /// too long or hiding a character), refused before it was sent.
    #[error("rating refused: {}", .0.message().en)]
    RatingRefused(hoso_core::rating::RatingError),
    /// A save followed an older revision than the one stored.
    #[error("stale edit: stored revision {stored}, edit follows {edited}")]
    Stale {
        /// The revision in the store.
        stored: i64,
        /// The revision the edit was made on.
        edited: i64,
    },
}

impl ClientError {
    /// What kind of failure this is, as the window and scripts see it. The
    /// one place a failure gets its code: keep it stable, people's scripts
    /// read it (as `hoso`'s exit code).
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Invalid(_) | Self::Refused(_) | Self::Package(_) | Self::RatingRefused(_) => {
                ErrorCode::Invalid
            }
            Self::Store(_) | Self::File { .. } | Self::DiskFull(_) => ErrorCode::Storage,
            Self::Network(_) | Self::Busy(_) => ErrorCode::Network,
            Self::Portal(_) => ErrorCode::Portal,
            Self::KeyChanged { .. } | Self::Untrusted(_) | Self::ResultRefused(_) => {
                ErrorCode::Untrusted
            }
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::FeeUnavailable(crate::fees::FeeUnavailable::Uncomputable(_)) => {
                ErrorCode::Invalid
            }
            Self::FeeUnavailable(_) => ErrorCode::NotFound,
            Self::NotEditable | Self::Stale { .. } => ErrorCode::Conflict,
            Self::Paused => ErrorCode::Paused,
            Self::Protocol(_) => ErrorCode::Internal,
        }
    }

    /// What to tell the person: what happened, whether their work is safe,
    /// and what to do.
    pub fn message(&self) -> Bilingual {
        match self {
            Self::Store(e) => Bilingual::new(
                format!(
                    "Không ghi được dữ liệu trên máy ({e}). Hãy kiểm tra dung lượng ổ đĩa rồi thử lại."
                ),
                format!(
                    "Could not write HoSo's data on this computer ({e}). Check free disk space and try again."
                ),
            ),
            Self::File { path, source } => Bilingual::new(
                format!(
                    "Không đọc/ghi được tệp {}: {source}. Hãy kiểm tra tệp còn đó và bạn có quyền đọc.",
                    path.display()
                ),
                format!(
                    "Could not read or write {}: {source}. Check the file is there and readable.",
                    path.display()
                ),
            ),
            Self::Network(e) => Bilingual::new(
                format!(
                    "Không kết nối được cổng ({e}). Hồ sơ vẫn được lưu trên máy; hãy thử lại khi có mạng."
                ),
                format!(
                    "Could not reach the portal ({e}). The dossier is kept on this computer; try again when online."
                ),
            ),
            Self::Portal(p) => p.message.clone(),
            Self::FeeUnavailable(why) => why.message(),
            Self::RatingRefused(e) => e.problem().message,
            Self::ResultRefused(e) => Bilingual::new(
                format!(
                    "Kết quả không khớp bản cổng đã ký nên không được coi là hợp lệ ({e}). Hãy tải lại; nếu vẫn vậy, hãy liên hệ cơ quan giải quyết."
                ),
                format!(
                    "The result does not match what the portal signed, so it is not taken as valid ({e}). Download it again; if this persists, contact the agency."
                ),
            ),
            Self::Invalid(problems) => Bilingual::new(
                format!("Hồ sơ còn {} lỗi cần sửa trước khi nộp.", problems.len()),
                format!(
                    "The dossier has {} problem(s) to fix before it can be filed.",
                    problems.len()
                ),
            ),
            Self::KeyChanged { pinned, presented } => Bilingual::new(
                format!(
                    "Khóa ký của cổng đã thay đổi (đã ghim {pinned}, nay là {presented}). Có thể đây không phải cổng thật — đừng nộp hồ sơ; hãy hỏi cơ quan tiếp nhận."
                ),
                format!(
                    "The portal's signing key changed (pinned {pinned}, now {presented}). This may not be the real portal — do not file; ask the receiving agency."
                ),
            ),
            Self::Untrusted(e) => Bilingual::new(
                format!(
                    "Biên nhận không đáng tin: {e}. Hồ sơ có thể đã được nhận — đừng nộp lại; hãy tra cứu trên cổng."
                ),
                format!(
                    "The receipt cannot be trusted: {e}. The dossier may have been received — do not file again; look it up on the portal."
                ),
            ),
            Self::Protocol(e) => Bilingual::new(
                format!(
                    "Cổng trả lời không đúng giao thức ({e}). Hãy báo cho cơ quan quản lý cổng."
                ),
                format!(
                    "The portal answered outside the protocol ({e}). Report this to the portal's operator."
                ),
            ),
            Self::Busy(_) => Bilingual::new(
                "Cổng đang quá tải. Hồ sơ và trạng thái đã biết vẫn ở trên máy; HoSo sẽ tự hỏi lại sau.",
                "The portal is overloaded. Your dossiers and their last known states stay on this computer; HoSo will ask again later.",
            ),
            Self::Paused => Bilingual::new(
                "Đã tạm dừng gửi. Phần đã tải lên được giữ lại; bấm \"Tiếp tục gửi\" để gửi nốt.",
                "Sending paused. What was uploaded is kept; press \"Continue sending\" to finish.",
            ),
            Self::NotFound(what) => Bilingual::new(
                format!("Không tìm thấy {what}."),
                format!("Not found: {what}."),
            ),
            Self::DiskFull(path) => Bilingual::new(
                format!(
                    "Ổ đĩa đã đầy khi ghi {}. Không có gì bị ghi dở; hãy giải phóng dung lượng rồi thử lại.",
                    path.display()
                ),
                format!(
                    "The disk is full (writing {}). Nothing was half-written; free some space and try again.",
                    path.display()
                ),
            ),
            Self::Refused(problems) => problems
                .first()
                .map(|p| p.message.clone())
                .unwrap_or_default(),
            Self::NotEditable => Bilingual::new(
                "Hồ sơ đã gửi đi nên không sửa được nữa. Hãy nhân bản nó để lập hồ sơ mới.",
                "This dossier was sent and can no longer change. Duplicate it to start a new one.",
            ),
            Self::Package(e) => e.message(),
            Self::Stale { .. } => Bilingual::new(
                "Hồ sơ này vừa được sửa ở cửa sổ khác. Hãy mở lại để xem bản mới nhất; thay đổi ở đây chưa được lưu.",
                "This dossier was just changed in another window. Reopen it to see the latest; the change here was not saved.",
            ),
        }
    }

    /// Wraps an I/O error with the file it concerns; a full disk is told
    /// apart, since what the person must do differs.
    pub fn file(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let full = source.kind() == std::io::ErrorKind::StorageFull
            || source.kind() == std::io::ErrorKind::QuotaExceeded;
        if full {
            return Self::DiskFull(path.into());
        }
        Self::File {
            path: path.into(),
            source,
        }
    }
}

/// The failure in the one shape the window understands: its code, the
/// message, and the problems per field or file when it has them.
impl From<ClientError> for IpcError {
    fn from(e: ClientError) -> Self {
        tracing::warn!(error = %e, "command failed");
        let code = e.code();
        let message = e.message();
        let problems = match e {
            ClientError::Invalid(problems) | ClientError::Refused(problems) => problems,
            ClientError::RatingRefused(e) => vec![e.problem()],
            _ => Vec::new(),
        };
        IpcError {
            code,
            message,
            problems,
        }
    }
}

impl From<reqwest::Error> for ClientError {
    fn from(e: reqwest::Error) -> Self {
        Self::Network(without_url(&e))
    }
}

/// reqwest's message without the URL (which may carry tokens or be long).
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(&format!(" for url ({url})"), "");
    }
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_dossier_reaches_the_window_with_its_code_message_and_problems() {
        let problem = Problem {
            path: "fields.applicant.name".into(),
            code: hoso_core::validate::ProblemCode::Required,
            message: Bilingual::new("Bắt buộc.", "Required."),
        };
        let e = ClientError::Invalid(vec![problem.clone()]);
        let message = e.message();
        let ipc = IpcError::from(e);
        assert_eq!(ipc.code, ErrorCode::Invalid);
        assert_eq!(ipc.message, message);
        assert_eq!(ipc.problems, vec![problem]);

        let ipc = IpcError::from(ClientError::Paused);
        assert_eq!(ipc.code, ErrorCode::Paused);
        assert!(ipc.problems.is_empty());
    }

    #[test]
    fn each_failure_has_the_code_the_window_and_scripts_rely_on() {
        let cases = [
            (ClientError::Network("reset".into()), ErrorCode::Network),
            (ClientError::Busy(None), ErrorCode::Network),
            (ClientError::DiskFull("x".into()), ErrorCode::Storage),
            (ClientError::NotFound("x".into()), ErrorCode::NotFound),
            (ClientError::NotEditable, ErrorCode::Conflict),
            (
                ClientError::Stale {
                    stored: 2,
                    edited: 1,
                },
                ErrorCode::Conflict,
            ),
            (
                ClientError::KeyChanged {
                    pinned: "a".into(),
                    presented: "b".into(),
                },
                ErrorCode::Untrusted,
            ),
            (ClientError::Protocol("x".into()), ErrorCode::Internal),
            (ClientError::Refused(Vec::new()), ErrorCode::Invalid),
            (
                ClientError::RatingRefused(hoso_core::rating::RatingError::OutOfRange(0)),
                ErrorCode::Invalid,
            ),
        ];
        for (e, code) in cases {
            assert_eq!(e.code(), code, "{e}");
        }
    }
}
