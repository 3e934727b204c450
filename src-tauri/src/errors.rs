//! Client errors in the one shape the UI understands.

use hoso_client::ClientError;
use hoso_ipc::{ErrorCode, IpcError};

/// Translates a client error for the UI: a closed code and the message.
pub fn to_ipc(e: ClientError) -> IpcError {
    tracing::warn!(error = %e, "command failed");
    let message = e.message();
    let (code, problems) = match e {
        ClientError::Invalid(problems) => (ErrorCode::Invalid, problems),
        ClientError::Refused(problems) => (ErrorCode::Invalid, problems),
        ClientError::Store(_) | ClientError::File { .. } | ClientError::DiskFull(_) => {
            (ErrorCode::Storage, Vec::new())
        }
        ClientError::Network(_) | ClientError::Busy(_) => (ErrorCode::Network, Vec::new()),
        ClientError::Portal(_) => (ErrorCode::Portal, Vec::new()),
        ClientError::KeyChanged { .. } | ClientError::Untrusted(_) => {
            (ErrorCode::Untrusted, Vec::new())
        }
        ClientError::NotFound(_) => (ErrorCode::NotFound, Vec::new()),
        ClientError::NotEditable | ClientError::Stale { .. } => (ErrorCode::Conflict, Vec::new()),
        ClientError::Protocol(_) => (ErrorCode::Internal, Vec::new()),
        ClientError::Paused => (ErrorCode::Paused, Vec::new()),
        ClientError::Package(_) => (ErrorCode::Invalid, Vec::new()),
    };
    IpcError {
        code,
        message,
        problems,
    }
}
