//! Portals the profile files with: discovery, the pinned receipt key, the
//! bearer token, and the cached procedure catalog.

use crate::error::ClientError;
use crate::http::{Http, expect_success};
use crate::store::dossiers;
use crate::store::portals::{self as rows, Discovered};
use crate::store::{Store, now};
use hoso_core::receipt::PortalKey;
use hoso_core::wire::{DISCOVERY_PATH, Discovery, ProcedureListing};
use hoso_core::{Bilingual, Procedure};
use reqwest::StatusCode;

/// A portal as the profile knows it.
#[derive(Debug, Clone)]
pub struct PortalRecord {
    /// Row id.
    pub id: i64,
    /// Address given by the user (or the practice portal's current one).
    pub base_url: String,
    /// Name from discovery.
    pub name: Bilingual,
    /// The `/v1` API base.
    pub api_base: String,
    /// The tus creation endpoint.
    pub tus_endpoint: String,
    /// The receipt key pinned when the portal was first added.
    pub key: PortalKey,
    /// Bearer token, once signed in.
    pub token: Option<String>,
    /// Whether this is the built-in practice portal.
    pub practice: bool,
    /// The fingerprint of another receipt key the portal presented after
    /// the pin, while it does: nothing from it is trusted until it
    /// presents the pinned key again.
    pub key_changed: Option<String>,
}

impl PortalRecord {
    /// Whether this profile follows the portal's status changes: every
    /// portal but a practice one it is not signed in to (a practice
    /// portal of another profile, met in a package, holds nothing of
    /// this one's). The window's pollers, its "sync now" and `hoso status
    /// --sync` all go by this.
    pub fn followed(&self) -> bool {
        !(self.practice && self.token.is_none())
    }
}

/// How to add a portal.
#[derive(Debug, Clone, Default)]
pub struct AddPortal {
    /// A bearer token for it.
    pub token: Option<String>,
    /// It is the built-in practice portal: there is only one, whose address
    /// changes at each start while its key stays.
    pub practice: bool,
}

/// Fetches a portal's discovery document.
pub async fn discover(http: &Http, base_url: &str) -> Result<Discovery, ClientError> {
    let url = format!("{}{DISCOVERY_PATH}", base_url.trim_end_matches('/'));
    let res = expect_success(http.json_get(&url, None).send().await?).await?;
    let d: Discovery = res
        .json()
        .await
        .map_err(|e| ClientError::Protocol(format!("discovery: {e}")))?;
    let key = PortalKey::from_base64(&d.receipt_key)?;
    if key.fingerprint() != d.key_id {
        return Err(ClientError::Protocol(format!(
            "discovery names key {} but publishes {}",
            d.key_id,
            key.fingerprint()
        )));
    }
    Ok(d)
}

/// Adds a portal, or refreshes one already known. The receipt key is pinned
/// on first use; a portal presenting another key later is refused.
pub async fn add(
    store: &Store,
    http: &Http,
    base_url: &str,
    how: AddPortal,
) -> Result<PortalRecord, ClientError> {
    let base_url = base_url.trim_end_matches('/').to_owned();
    let d = discover(http, &base_url).await?;
    keep(store, base_url, d, how).await
}

/// Adds (or refreshes) a portal with an applicant token it accepts: the
/// token is tried on the portal first ([`check_token`]), and nothing is
/// stored, not even the portal, when it is refused.
pub async fn add_with_token(
    store: &Store,
    http: &Http,
    base_url: &str,
    token: String,
) -> Result<PortalRecord, ClientError> {
    let base_url = base_url.trim_end_matches('/').to_owned();
    let d = discover(http, &base_url).await?;
    check_token(http, &d.api_base, &d.name, &token).await?;
    let how = AddPortal {
        token: Some(token),
        practice: false,
    };
    keep(store, base_url, d, how).await
}

/// Asks the portal whether `token` opens its applicant API, with one read
/// of the change feed past its end (nothing to answer, nothing changed).
/// A token the portal does not know, or an officer's, is refused naming
/// the portal; one that is accepted is not stored here.
pub async fn check_token(
    http: &Http,
    api_base: &str,
    portal_name: &Bilingual,
    token: &str,
) -> Result<(), ClientError> {
    let url = format!("{api_base}/dossiers?since={}&limit=1", i64::MAX);
    let res = http.json_get(&url, None).bearer_auth(token).send().await?;
    match res.status() {
        s if s.is_success() => Ok(()),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            Err(ClientError::Refused(vec![hoso_core::Problem {
                path: "token".into(),
                code: hoso_core::ProblemCode::Invalid,
                message: Bilingual::new(
                    format!(
                        "Cổng “{}” không nhận mã truy cập này: mã sai, đã bị thu hồi, hoặc là mã của cán bộ chứ không phải của người nộp. Chưa lưu gì; hãy kiểm tra lại mã với cơ quan đã cấp.",
                        portal_name.vi
                    ),
                    format!(
                        "Portal “{}” does not accept this access token: it is wrong, withdrawn, or an officer's rather than an applicant's. Nothing was stored; check the token with the agency that issued it.",
                        portal_name.en
                    ),
                ),
            }]))
        }
        s if s == StatusCode::TOO_MANY_REQUESTS || s == StatusCode::SERVICE_UNAVAILABLE => Err(
            ClientError::Busy(crate::tus::retry::retry_after(res.headers())),
        ),
        _ => Err(crate::http::problem(res).await),
    }
}

/// Keeps `token` for portal `id` once the portal accepts it
/// ([`check_token`]); a refused token leaves the one kept before.
pub async fn sign_in_checked(
    store: &Store,
    http: &Http,
    id: i64,
    token: String,
) -> Result<PortalRecord, ClientError> {
    let portal = list(store)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| ClientError::NotFound(format!("cổng / portal {id}")))?;
    check_token(http, &portal.api_base, &portal.name, &token).await?;
    sign_in(store, id, token).await
}

/// Records a discovered portal, pinning its key on first use.
async fn keep(
    store: &Store,
    base_url: String,
    d: Discovery,
    how: AddPortal,
) -> Result<PortalRecord, ClientError> {
    let key = PortalKey::from_base64(&d.receipt_key)?;
    store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let existing = if how.practice {
                rows::practice(&tx)?
            } else {
                rows::by_url(&tx, &base_url)?
            };
            let discovered = Discovered {
                base_url: &base_url,
                name: &d.name,
                api_base: &d.api_base,
                tus_endpoint: &d.tus_endpoint,
                token: how.token.as_deref(),
            };
            let id = match existing {
                Some((_, pinned)) if pinned != d.key_id => {
                    return Err(ClientError::KeyChanged {
                        pinned,
                        presented: d.key_id.clone(),
                    });
                }
                Some((id, _)) => {
                    rows::refresh(&tx, id, &discovered)?;
                    id
                }
                None => rows::insert(&tx, &discovered, &key, &d.key_id, how.practice, &now())?,
            };
            let record = rows::get(&tx, id)?;
            tx.commit()?;
            Ok(record)
        })
        .await
}

/// A portal with how its status feed last went and how many dossiers of
/// this profile were filed there.
#[derive(Debug, Clone)]
pub struct PortalOverview {
    /// The portal.
    pub record: PortalRecord,
    /// When its feed last answered (RFC 3339).
    pub confirmed_at: Option<String>,
    /// Why the last sync failed, if it did.
    pub last_error: Option<String>,
    /// Dossiers filed (or being filed) there from this profile.
    pub dossiers: u32,
}

/// Every portal with its sync state and dossier count.
pub async fn overview(store: &Store) -> Result<Vec<PortalOverview>, ClientError> {
    let records = list(store).await?;
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        let id = record.id;
        let (confirmed_at, last_error, dossiers) = store
            .call(move |conn| {
                let (confirmed_at, last_error) =
                    crate::store::tracking::sync_outcome(conn, id)?.unwrap_or_default();
                Ok((confirmed_at, last_error, dossiers::sent_to(conn, id)?))
            })
            .await?;
        out.push(PortalOverview {
            record,
            confirmed_at,
            last_error,
            dossiers,
        });
    }
    Ok(out)
}

/// Keeps `token` for portal `id`.
pub async fn sign_in(store: &Store, id: i64, token: String) -> Result<PortalRecord, ClientError> {
    store
        .call(move |conn| {
            if rows::set_token(conn, id, &token)? == 0 {
                return Err(ClientError::NotFound(format!("cổng / portal {id}")));
            }
            Ok(rows::get(conn, id)?)
        })
        .await
}

/// Forgets portal `id` with its cached procedures and drafts made for it.
/// The practice portal stays, and so does any portal a dossier was sent
/// to: its receipts and history must keep their pinned key.
pub async fn remove(store: &Store, id: i64) -> Result<(), ClientError> {
    store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let practice = rows::is_practice(&tx, id)?
                .ok_or_else(|| ClientError::NotFound(format!("cổng / portal {id}")))?;
            let sent = dossiers::sent_to(&tx, id)?;
            if practice || sent > 0 {
                return Err(ClientError::Refused(vec![hoso_core::Problem {
                    path: "portal".into(),
                    code: hoso_core::ProblemCode::Invalid,
                    message: if practice {
                        Bilingual::new(
                            "Cổng thực hành luôn có sẵn và không gỡ được.",
                            "The practice portal is always there and cannot be removed.",
                        )
                    } else {
                        Bilingual::new(
                            format!("Đã nộp {sent} hồ sơ qua cổng này; giữ cổng để còn theo dõi và kiểm tra biên nhận."),
                            format!("{sent} dossier(s) were sent to this portal; it stays so that they can be followed and their receipts checked."),
                        )
                    },
                }]));
            }
            dossiers::delete_drafts_of(&tx, id)?;
            rows::delete(&tx, id)?;
            tx.commit()?;
            Ok(())
        })
        .await
}

/// The portal dossier `id` was made for (and filed with).
pub async fn of_dossier(store: &Store, id: i64) -> Result<PortalRecord, ClientError> {
    store
        .call(move |conn| Ok(rows::of_dossier(conn, id)?))
        .await
        .map_err(|e| match e {
            ClientError::Store(rusqlite::Error::QueryReturnedNoRows) => {
                ClientError::NotFound(format!("hồ sơ / dossier {id}"))
            }
            e => e,
        })
}

/// Every portal of the profile, the practice portal first.
pub async fn list(store: &Store) -> Result<Vec<PortalRecord>, ClientError> {
    store.call(|conn| Ok(rows::list(conn)?)).await
}

/// The portal's procedures: refreshed from the portal when it answers
/// (revalidating each cached schema by ETag), else the cached copies, so
/// dossiers can be started and checked offline.
pub async fn procedures(
    store: &Store,
    http: &Http,
    portal: &PortalRecord,
) -> Result<Vec<Procedure>, ClientError> {
    match refresh_procedures(store, http, portal).await {
        Ok(()) => {}
        Err(ClientError::Network(e)) => {
            tracing::warn!(%e, "portal unreachable; using cached procedures")
        }
        Err(other) => return Err(other),
    }
    let portal_id = portal.id;
    let cached: Vec<String> = store
        .call(move |conn| Ok(rows::schemas(conn, portal_id)?))
        .await?;
    if cached.is_empty() {
        return Err(ClientError::Network(
            "no procedures are cached for this portal yet".into(),
        ));
    }
    cached
        .iter()
        .map(|s| Procedure::from_json(s).map_err(|e| ClientError::Protocol(e.to_string())))
        .collect()
}

/// One cached procedure.
pub async fn cached_procedure(
    store: &Store,
    portal: &PortalRecord,
    code: &hoso_core::ProcedureCode,
) -> Result<Option<Procedure>, ClientError> {
    stored_schema(store, portal, code, None).await
}

/// The version `version` of procedure `code` as this portal once served it.
pub async fn procedure_version(
    store: &Store,
    portal: &PortalRecord,
    code: &hoso_core::ProcedureCode,
    version: &str,
) -> Result<Option<Procedure>, ClientError> {
    stored_schema(store, portal, code, Some(version.to_owned())).await
}

/// A stored schema: the current one, or a given version of those seen.
async fn stored_schema(
    store: &Store,
    portal: &PortalRecord,
    code: &hoso_core::ProcedureCode,
    version: Option<String>,
) -> Result<Option<Procedure>, ClientError> {
    let (portal_id, code) = (portal.id, code.as_str().to_owned());
    let schema: Option<String> = store
        .call(move |conn| Ok(rows::schema(conn, portal_id, &code, version.as_deref())?))
        .await?;
    schema
        .map(|s| Procedure::from_json(&s).map_err(|e| ClientError::Protocol(e.to_string())))
        .transpose()
}

async fn refresh_procedures(
    store: &Store,
    http: &Http,
    portal: &PortalRecord,
) -> Result<(), ClientError> {
    let list_url = format!("{}/procedures", portal.api_base);
    let listing: Vec<ProcedureListing> =
        expect_success(http.json_get(&list_url, None).send().await?)
            .await?
            .json()
            .await
            .map_err(|e| ClientError::Protocol(format!("procedure list: {e}")))?;
    for item in listing {
        let (portal_id, code) = (portal.id, item.code.as_str().to_owned());
        let etag: Option<String> = store
            .call(move |conn| Ok(rows::schema_etag(conn, portal_id, &code)?))
            .await?;
        let url = format!("{}/procedures/{}", portal.api_base, item.code);
        let res = http.json_get(&url, etag.as_deref()).send().await?;
        if res.status() == StatusCode::NOT_MODIFIED {
            continue;
        }
        let res = expect_success(res).await?;
        let new_etag = res
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = res.text().await?;
        let p = Procedure::from_json(&text)
            .map_err(|e| ClientError::Protocol(format!("{url}: {e}")))?;
        let portal_id = portal.id;
        store
            .call(move |conn| {
                let tx = conn.transaction()?;
                rows::keep_schema(
                    &tx,
                    portal_id,
                    p.code.as_str(),
                    &p.version,
                    new_etag.as_deref(),
                    &text,
                    &now(),
                )?;
                tx.commit()?;
                Ok(())
            })
            .await?;
    }
    Ok(())
}
