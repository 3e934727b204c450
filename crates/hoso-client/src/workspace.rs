//! The dossiers on this computer: created from a cached procedure, saved on
//! every change, listed, searched, duplicated, archived, deleted with undo.
//!
//! A save is one SQLite transaction (WAL, `synchronous=FULL`): once it
//! returns, the change survives a crash or power cut, which is what the
//! editor's "saved at hh:mm" promises. A save names the revision it
//! follows, so a stale editor cannot overwrite newer work unnoticed.

use crate::error::ClientError;
use crate::portal::PortalRecord;
use crate::store::{Store, now};
use chrono::{DateTime, FixedOffset};
use hoso_core::dossier::search_key;
use hoso_core::{
    DossierContent, DossierQuery, DossierRecord, DossierState, DossierSummary, Procedure, Saved,
};
use rusqlite::{OptionalExtension, Row, params};

/// A filed dossier's standing, as three columns of a query on `dossiers`:
/// its last synced state, when its portal last answered, and the receipt's
/// appointment date (read by [`standing`]).
pub(crate) const STANDING_COLUMNS: &str = "\
    (SELECT e.status FROM status_events e WHERE e.portal_id = dossiers.portal_id \
         AND e.code = dossiers.dossier_code ORDER BY e.cursor DESC LIMIT 1), \
    (SELECT s.confirmed_at FROM status_sync s WHERE s.portal_id = dossiers.portal_id), \
    COALESCE((SELECT json_extract(u.receipt, '$.receipt.appointment_date') FROM supplements u \
         WHERE u.dossier_id = dossiers.id AND u.state = 'filed' ORDER BY u.id DESC LIMIT 1), \
         json_extract(dossiers.receipt, '$.receipt.appointment_date'))";

const COLUMNS: &str = "id, procedure_code, procedure_version, title, state, updated_at, \
                       archived_at IS NOT NULL, dossier_code, content, revision, \
                       paused_at IS NOT NULL, portal_id";

fn read_record(r: &Row<'_>) -> rusqlite::Result<DossierRecord> {
    let bad = |i: usize, e: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
    };
    let code: String = r.get(1)?;
    let state: String = r.get(4)?;
    let updated: String = r.get(5)?;
    let content: String = r.get(8)?;
    Ok(DossierRecord {
        summary: DossierSummary {
            id: r.get(0)?,
            portal: r.get(11)?,
            procedure: code
                .parse()
                .map_err(|e: hoso_core::codes::CodeError| bad(1, e.to_string()))?,
            version: r.get(2)?,
            title: r.get(3)?,
            state: match state.as_str() {
                "draft" => DossierState::Draft,
                "submitting" => DossierState::Submitting,
                "submitted" => DossierState::Submitted,
                other => return Err(bad(4, format!("unknown state {other}"))),
            },
            updated_at: DateTime::<FixedOffset>::parse_from_rfc3339(&updated)
                .map_err(|e| bad(5, e.to_string()))?,
            archived: r.get(6)?,
            dossier_code: r.get(7)?,
            paused: r.get(10)?,
            tracking: tracking_of(r)?,
        },
        content: serde_json::from_str(&content).map_err(|e| bad(8, e.to_string()))?,
        revision: r.get(9)?,
    })
}

/// A filed dossier's standing from columns 12–14 ([`STANDING_COLUMNS`]).
fn tracking_of(r: &Row<'_>) -> rusqlite::Result<Option<hoso_core::Tracking>> {
    Ok(standing(
        r.get(12)?,
        r.get(13)?,
        r.get(14)?,
        crate::store::vn_now().date_naive(),
    ))
}

/// A filed dossier's standing as of `today` from [`STANDING_COLUMNS`]:
/// none before it has a receipt; `received` until a sync says otherwise.
pub(crate) fn standing(
    status: Option<String>,
    confirmed_at: Option<String>,
    appointment: Option<String>,
    today: chrono::NaiveDate,
) -> Option<hoso_core::Tracking> {
    let due = chrono::NaiveDate::parse_from_str(&appointment?, "%Y-%m-%d").ok()?;
    let status = status
        .as_deref()
        .and_then(hoso_core::status::Status::parse)
        .unwrap_or(hoso_core::status::Status::Received);
    Some(hoso_core::Tracking {
        status,
        confirmed_at,
        appointment_date: due,
        deadline: hoso_core::deadline::Deadline::of(
            hoso_core::calendar::Calendar::vietnam(),
            status,
            due,
            today,
        ),
    })
}

fn to_json(content: &DossierContent) -> Result<String, ClientError> {
    serde_json::to_string(content).map_err(|e| ClientError::Protocol(e.to_string()))
}

/// The name a dossier shows in the list: the applicant's, if typed.
pub fn title_of(procedure: &Procedure, content: &DossierContent) -> String {
    content
        .field(&procedure.receipt.applicant_name)
        .map(hoso_core::length::normalize)
        .unwrap_or_default()
}

/// A new, empty draft for `procedure` on `portal`.
pub async fn create(
    store: &Store,
    portal: &PortalRecord,
    procedure: &Procedure,
) -> Result<DossierRecord, ClientError> {
    let content = DossierContent {
        procedure: procedure.code.clone(),
        version: procedure.version.clone(),
        fields: Default::default(),
        documents: Vec::new(),
    };
    insert(store, portal.id, content, String::new()).await
}

async fn insert(
    store: &Store,
    portal_id: i64,
    content: DossierContent,
    title: String,
) -> Result<DossierRecord, ClientError> {
    let json = to_json(&content)?;
    let (code, version) = (content.procedure.to_string(), content.version.clone());
    let id = store
        .call(move |conn| {
            let t = now();
            conn.execute(
                "INSERT INTO dossiers (portal_id, procedure_code, procedure_version, title, content,
                                       state, revision, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'draft', 0, ?6, ?6)",
                params![portal_id, code, version, title, json, t],
            )?;
            Ok(conn.last_insert_rowid())
        })
        .await?;
    get(store, id).await
}

/// The dossier (not deleted) made on `portal_id` from the input row known
/// by `key`, if any.
pub async fn by_row_key(
    store: &Store,
    portal_id: i64,
    key: String,
) -> Result<Option<DossierRecord>, ClientError> {
    store
        .call(move |conn| {
            Ok(conn
                .query_row(
                    &format!(
                        "SELECT {COLUMNS}, {STANDING_COLUMNS} FROM dossiers
                         WHERE portal_id = ?1 AND row_key = ?2 AND deleted_at IS NULL
                         ORDER BY id DESC LIMIT 1"
                    ),
                    params![portal_id, key],
                    read_record,
                )
                .optional()?)
        })
        .await
}

/// A new draft of `content` on `portal_id` for the input row known by
/// `key`, unless a dossier (not deleted) holds that key already: then that
/// one. Looked up and inserted in one transaction, so a key names one
/// dossier.
pub async fn insert_for_row(
    store: &Store,
    portal_id: i64,
    content: DossierContent,
    title: String,
    key: String,
) -> Result<DossierRecord, ClientError> {
    let json = to_json(&content)?;
    let (code, version) = (content.procedure.to_string(), content.version.clone());
    let id = store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let held: Option<i64> = tx
                .query_row(
                    "SELECT id FROM dossiers
                     WHERE portal_id = ?1 AND row_key = ?2 AND deleted_at IS NULL
                     ORDER BY id DESC LIMIT 1",
                    params![portal_id, key],
                    |r| r.get(0),
                )
                .optional()?;
            let id = match held {
                Some(id) => id,
                None => {
                    let t = now();
                    tx.execute(
                        "INSERT INTO dossiers (portal_id, procedure_code, procedure_version, title,
                                               content, state, revision, created_at, updated_at,
                                               row_key)
                         VALUES (?1, ?2, ?3, ?4, ?5, 'draft', 0, ?6, ?6, ?7)",
                        params![portal_id, code, version, title, json, t, key],
                    )?;
                    tx.last_insert_rowid()
                }
            };
            tx.commit()?;
            Ok(id)
        })
        .await?;
    get(store, id).await
}

/// The dossier with this id (not deleted).
pub async fn get(store: &Store, id: i64) -> Result<DossierRecord, ClientError> {
    store
        .call(move |conn| {
            conn.query_row(
                &format!(
                    "SELECT {COLUMNS}, {STANDING_COLUMNS} FROM dossiers
                     WHERE id = ?1 AND deleted_at IS NULL"
                ),
                params![id],
                read_record,
            )
            .optional()?
            .ok_or_else(|| not_found(id))
        })
        .await
}

fn not_found(id: i64) -> ClientError {
    ClientError::NotFound(format!("hồ sơ số {id} / dossier {id}"))
}

/// Saves a draft's content, following `base_revision`.
pub async fn save(
    store: &Store,
    id: i64,
    content: DossierContent,
    base_revision: i64,
    title: String,
) -> Result<Saved, ClientError> {
    let json = to_json(&content)?;
    let version = content.version.clone();
    store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let current: Option<(String, i64)> = tx
                .query_row(
                    "SELECT state, revision FROM dossiers WHERE id = ?1 AND deleted_at IS NULL",
                    params![id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match current {
                None => return Err(not_found(id)),
                Some((state, _)) if state != "draft" => return Err(ClientError::NotEditable),
                Some((_, revision)) if revision != base_revision => {
                    return Err(ClientError::Stale {
                        stored: revision,
                        edited: base_revision,
                    });
                }
                Some(_) => {}
            }
            let t = now();
            tx.execute(
                "UPDATE dossiers SET content = ?2, procedure_version = ?3, title = ?4,
                        revision = revision + 1, updated_at = ?5
                 WHERE id = ?1",
                params![id, json, version, title, t],
            )?;
            tx.commit()?;
            Ok(Saved {
                revision: base_revision + 1,
                saved_at: DateTime::parse_from_rfc3339(&t)
                    .map_err(|e| ClientError::Protocol(e.to_string()))?,
            })
        })
        .await
}

/// The dossiers `query` asks for, the most recently changed first.
pub async fn list(store: &Store, query: DossierQuery) -> Result<Vec<DossierSummary>, ClientError> {
    let words: Vec<String> = search_key(&query.text)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let all = store
        .call(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {COLUMNS}, {STANDING_COLUMNS} FROM dossiers
                 WHERE deleted_at IS NULL AND (archived_at IS NOT NULL) = ?1
                 ORDER BY updated_at DESC, id DESC"
            ))?;
            let rows = stmt
                .query_map(params![query.archived], read_record)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await?;
    Ok(all
        .into_iter()
        .filter(|r| {
            query
                .procedure
                .as_ref()
                .is_none_or(|p| &r.summary.procedure == p)
        })
        .filter(|r| query.state.is_none_or(|s| r.summary.state == s))
        .filter(|r| {
            if words.is_empty() {
                return true;
            }
            let haystack = search_key(&format!(
                "{} {}",
                r.summary.title,
                serde_json::to_string(&r.content.fields).unwrap_or_default()
            ));
            words.iter().all(|w| haystack.contains(w.as_str()))
        })
        .map(|r| r.summary)
        .collect())
}

/// A new draft with the same content as dossier `id` (any state).
pub async fn duplicate(store: &Store, id: i64) -> Result<DossierRecord, ClientError> {
    let original = get(store, id).await?;
    let portal_id = store
        .call(move |conn| {
            Ok(conn.query_row(
                "SELECT portal_id FROM dossiers WHERE id = ?1",
                params![id],
                |r| r.get::<_, i64>(0),
            )?)
        })
        .await?;
    insert(store, portal_id, original.content, original.summary.title).await
}

/// A new draft with the same content and documents as dossier `id` (any
/// state), written against `procedure`, a version of the same procedure
/// (the one in force when a filed dossier is filed again): its fields are
/// then judged by those rules.
pub async fn duplicate_for(
    store: &Store,
    id: i64,
    procedure: &Procedure,
) -> Result<DossierRecord, ClientError> {
    let original = get(store, id).await?;
    if original.content.procedure != procedure.code {
        return Err(ClientError::NotFound(format!(
            "thủ tục {0} của hồ sơ {id} / procedure {0} of dossier {id}",
            original.content.procedure
        )));
    }
    let portal_id = original.summary.portal;
    let mut content = original.content;
    content.version = procedure.version.clone();
    let title = title_of(procedure, &content);
    insert(store, portal_id, content, title).await
}

/// Archives (or brings back) a dossier.
pub async fn set_archived(store: &Store, id: i64, archived: bool) -> Result<(), ClientError> {
    let changed = store
        .call(move |conn| {
            Ok(conn.execute(
                "UPDATE dossiers SET archived_at = CASE WHEN ?2 THEN ?3 ELSE NULL END
                 WHERE id = ?1 AND deleted_at IS NULL",
                params![id, archived, now()],
            )?)
        })
        .await?;
    if changed == 0 {
        return Err(not_found(id));
    }
    Ok(())
}

/// Deletes a draft, keeping it until [`purge_deleted`] so that the person
/// can undo. Filed dossiers keep their receipt: they are archived instead.
pub async fn delete(store: &Store, id: i64) -> Result<(), ClientError> {
    let record = get(store, id).await?;
    if record.summary.state != DossierState::Draft {
        return set_archived(store, id, true).await;
    }
    store
        .call(move |conn| {
            conn.execute(
                "UPDATE dossiers SET deleted_at = ?2 WHERE id = ?1",
                params![id, now()],
            )?;
            Ok(())
        })
        .await
}

/// Undoes [`delete`].
pub async fn restore(store: &Store, id: i64) -> Result<(), ClientError> {
    let changed = store
        .call(move |conn| {
            Ok(conn.execute(
                "UPDATE dossiers SET deleted_at = NULL WHERE id = ?1 AND deleted_at IS NOT NULL",
                params![id],
            )?)
        })
        .await?;
    if changed == 0 {
        return Err(not_found(id));
    }
    Ok(())
}

/// Removes drafts deleted before `before` (RFC 3339) for good.
pub async fn purge_deleted(store: &Store, before: String) -> Result<usize, ClientError> {
    store
        .call(move |conn| {
            Ok(conn.execute(
                "DELETE FROM dossiers WHERE deleted_at IS NOT NULL AND deleted_at < ?1 AND state = 'draft'",
                params![before],
            )?)
        })
        .await
}
