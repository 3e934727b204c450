//! What a tus response status asks the client to do next.

/// Status a server returns when an `Upload-Checksum` does not match.
pub const CHECKSUM_MISMATCH: u16 = 460;

/// The client's next step after a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The request did what was asked.
    Done,
    /// A passing failure: ask the server for the offset (HEAD), wait, retry.
    Resume,
    /// The upload is gone or expired: create a new one and start again.
    Restart,
    /// The chunk arrived damaged: send it again from the confirmed offset.
    ResendChunk,
    /// Retrying cannot help; the person must act (file too large, not allowed).
    NeedsUser,
}

/// Classifies a response status for a HEAD, PATCH or creation POST.
pub fn next_step(status: u16) -> Next {
    match status {
        200..=299 => Next::Done,
        // 409: offset mismatch; 423: another request holds the upload.
        409 | 423 => Next::Resume,
        404 | 410 => Next::Restart,
        CHECKSUM_MISMATCH => Next::ResendChunk,
        408 | 425 | 429 | 500 | 502 | 503 | 504 => Next::Resume,
        _ => Next::NeedsUser,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_the_steps_the_protocol_implies() {
        assert_eq!(next_step(204), Next::Done);
        assert_eq!(next_step(409), Next::Resume);
        assert_eq!(next_step(503), Next::Resume);
        assert_eq!(next_step(410), Next::Restart);
        assert_eq!(next_step(460), Next::ResendChunk);
        assert_eq!(next_step(413), Next::NeedsUser);
        assert_eq!(next_step(403), Next::NeedsUser);
    }
}
