//! A completed dossier's satisfaction rating as the window shows it: the
//! one this profile kept, else asked of the portal. Thin calls into
//! `hoso_client::ratings`.

use crate::state::AppState;
use hoso_client::ClientError;
use hoso_core::wire::Rating;
use hoso_ipc::IpcError;

/// Dossier `id`'s rating for its page: kept here (given or read before),
/// else the portal's; none while it has none, or while the portal cannot
/// be reached (the page then offers to rate, which tells if it fails).
pub async fn view(state: &AppState, id: i64) -> Result<Option<Rating>, IpcError> {
    if let Some(kept) = state.client.kept_rating(id).await? {
        return Ok(Some(kept));
    }
    match state.client.rating(id).await {
        Ok(rating) => Ok(rating),
        Err(ClientError::Network(_) | ClientError::Busy(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
