//! The dossiers on this computer: created from a cached procedure, saved on
//! every change, listed, searched, duplicated, archived, deleted with undo.
//!
//! A save is one SQLite transaction (WAL, `synchronous=FULL`): once it
//! returns, the change survives a crash or power cut, which is what the
//! editor's "saved at hh:mm" promises. A save names the revision it
//! follows, so a stale editor cannot overwrite newer work unnoticed.

use crate::error::ClientError;
use crate::portal::PortalRecord;
use crate::store::dossiers::{self as rows, NewDossier};
use crate::store::{Store, now};
use chrono::DateTime;
use hoso_core::dossier::search_key;
use hoso_core::{
    DossierContent, DossierQuery, DossierRecord, DossierState, DossierSummary, Procedure, Saved,
};

/// A filed dossier's standing as of `today` from the columns of
/// [`crate::store::dossiers::standing_columns`]:
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
            Ok(rows::insert(
                conn,
                &NewDossier::draft(portal_id, (&code, &version), &title, &json, &now()),
            )?)
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
        .call(move |conn| Ok(rows::by_row_key(conn, portal_id, &key)?))
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
            let id = match rows::id_by_row_key(&tx, portal_id, &key)? {
                Some(id) => id,
                None => rows::insert(
                    &tx,
                    &NewDossier {
                        row_key: Some(&key),
                        ..NewDossier::draft(portal_id, (&code, &version), &title, &json, &now())
                    },
                )?,
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
        .call(move |conn| rows::get(conn, id)?.ok_or_else(|| not_found(id)))
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
            match rows::state_and_revision(&tx, id)? {
                None => return Err(not_found(id)),
                Some((state, _)) if state != DossierState::Draft => {
                    return Err(ClientError::NotEditable);
                }
                Some((_, revision)) if revision != base_revision => {
                    return Err(ClientError::Stale {
                        stored: revision,
                        edited: base_revision,
                    });
                }
                Some(_) => {}
            }
            let t = now();
            rows::save_content(&tx, id, &json, &version, &title, &t)?;
            tx.commit()?;
            Ok(Saved {
                revision: base_revision + 1,
                saved_at: DateTime::parse_from_rfc3339(&t)
                    .map_err(|e| ClientError::Protocol(e.to_string()))?,
            })
        })
        .await
}

/// The dossiers `query` asks for. With words in `query.text`, found by
/// full-text search: every word (without regard to case or diacritics,
/// "đ" as "d") must begin a word of the title, the procedure's code, the
/// dossier code or any value of the form; the best match first, then the
/// most recently changed. Without words, every dossier, the most recently
/// changed first. The procedure, state and archive filters apply to both.
pub async fn list(store: &Store, query: DossierQuery) -> Result<Vec<DossierSummary>, ClientError> {
    let archived = query.archived;
    let found = match fts_query(&query.text) {
        Some(matching) => {
            store
                .call(move |conn| Ok(rows::search(conn, &matching, archived)?))
                .await?
        }
        None => {
            store
                .call(move |conn| Ok(rows::list(conn, archived)?))
                .await?
        }
    };
    Ok(found
        .into_iter()
        .map(|r| r.summary)
        .filter(|s| query.procedure.as_ref().is_none_or(|p| &s.procedure == p))
        .filter(|s| query.state.is_none_or(|state| s.state == state))
        .collect())
}

/// The FTS5 query for a person's `text`: each word folded as the index is
/// ([`search_key`]) and matched as a prefix, all of them required. Words
/// are quoted, so no text a person types is read as FTS5 syntax; `None`
/// when nothing searchable is left.
fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = search_key(text)
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// A new draft with the same content as dossier `id` (any state).
pub async fn duplicate(store: &Store, id: i64) -> Result<DossierRecord, ClientError> {
    let original = get(store, id).await?;
    let portal_id = store
        .call(move |conn| Ok(rows::portal_id(conn, id)?))
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
        .call(move |conn| Ok(rows::set_archived(conn, id, archived, &now())?))
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
        .call(move |conn| Ok(rows::mark_deleted(conn, id, &now())?))
        .await
}

/// Undoes [`delete`].
pub async fn restore(store: &Store, id: i64) -> Result<(), ClientError> {
    let changed = store.call(move |conn| Ok(rows::restore(conn, id)?)).await?;
    if changed == 0 {
        return Err(not_found(id));
    }
    Ok(())
}

/// Removes drafts deleted before `before` (RFC 3339) for good.
pub async fn purge_deleted(store: &Store, before: String) -> Result<usize, ClientError> {
    store
        .call(move |conn| Ok(rows::purge_deleted(conn, &before)?))
        .await
}
