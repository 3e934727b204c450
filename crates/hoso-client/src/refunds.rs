//! Refund notices of this profile's dossiers, as [`crate::fees`] keeps
//! them from a portal's feed (the latest per dossier, only once it
//! verified), read back and verified again against the portal's keys, as
//! a kept fee receipt is.

use crate::error::ClientError;
use crate::portal::PortalRecord;
use crate::store::documents as rows;
use hoso_core::Sha256Digest;
use hoso_core::receipt::ReceiptError;
use hoso_core::refund::RefundNotice;
use hoso_core::signed::Signed;

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
    let (portal_id, code) = (portal.id, code.to_owned());
    let body = client
        .store
        .call(move |conn| {
            Ok(rows::body(
                conn,
                portal_id,
                &code,
                crate::fees::REFUND_NOTICE,
            )?)
        })
        .await?;
    let Some(body) = body else {
        return Ok(None);
    };
    let signed: Signed<RefundNotice> = serde_json::from_str(&body)
        .map_err(|e| ClientError::Untrusted(ReceiptError::Malformed(e.to_string())))?;
    let notice = signed.verify(&crate::fees::keys(&client.store, portal).await?)?;
    Ok(Some(VerifiedRefund {
        notice,
        sha256: signed.sha256(),
    }))
}
