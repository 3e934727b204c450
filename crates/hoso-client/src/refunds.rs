//! Refund notices of this profile's dossiers, as [`crate::fees`] keeps
//! them from a portal's feed (the latest per dossier, only once it
//! verified), read back and verified again against the portal's keys, as
//! a kept fee receipt is.

use crate::error::ClientError;
use crate::portal::PortalRecord;
use hoso_core::Sha256Digest;
use hoso_core::refund::RefundNotice;

/// A refund notice kept here, verified.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedRefund {
    /// What it certifies.
    pub notice: RefundNotice,
    /// SHA-256 of what the signature covers.
    pub sha256: Sha256Digest,
}

/// The refund notice of dossier `code` at `portal`, verified again
/// against its keys; none while none was received. One that no longer
/// verifies (the profile's file altered) is [`ClientError::Untrusted`].
pub async fn kept(
    client: &crate::Client,
    portal: &PortalRecord,
    code: &str,
) -> Result<Option<VerifiedRefund>, ClientError> {
    let kept = crate::fees::kept_signed::<RefundNotice>(
        &client.store,
        portal,
        code,
        crate::fees::REFUND_NOTICE,
    )
    .await
    .map_err(|e| e.or_untrusted(ClientError::Untrusted))?;
    Ok(kept.map(|(notice, signed)| VerifiedRefund {
        notice,
        sha256: signed.sha256(),
    }))
}
