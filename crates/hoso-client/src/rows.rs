//! Dossiers made from rows of a person's input (a line of the CSV given to
//! `hoso batch`), each known again by a key kept with it
//! (`dossiers.row_key`): the same input run again finds what the last run
//! made, files only what is not filed yet, and makes no second draft.
//!
//! What the key names is the caller's choice (the person's own reference,
//! or what the row says). A key's dossier that was sent is never changed:
//! when the row now says something else, that is reported, not filed.

use crate::error::ClientError;
use crate::portal::PortalRecord;
use crate::store::Store;
use crate::workspace;
use hoso_core::{DossierContent, DossierState, Procedure};

/// What a row's key found or made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowDossier {
    /// A draft holding the row, new or the key's draft brought up to date
    /// with it: file it.
    Draft(i64),
    /// The key's dossier, sent with the row's content by an earlier run
    /// that did not see the answer: file it to finish (it resumes).
    Sending(i64),
    /// The key's dossier, filed with the row's content.
    Filed(i64),
    /// No dossier holds the key, but this filed dossier of the profile has
    /// exactly the row's content: nothing was made.
    SameContentFiled(i64),
    /// The key's dossier was sent or filed with other content than the row
    /// has now; the row was not used.
    Changed {
        /// The key's dossier.
        id: i64,
        /// Where the row and that dossier differ (validation paths).
        differs: Vec<String>,
    },
}

/// The dossier on `portal` for the row known by `key` whose content is
/// `content`, written against `procedure` (the version in force). A row
/// with problems makes nothing and changes nothing: they are returned
/// (`ClientError::Invalid`), every one.
pub(crate) async fn prepare(
    store: &Store,
    portal: &PortalRecord,
    procedure: &Procedure,
    key: &str,
    content: DossierContent,
) -> Result<RowDossier, ClientError> {
    let found = workspace::by_row_key(store, portal.id, key.to_owned()).await?;
    let wanted = content.normalized();
    if let Some(sent) = found
        .as_ref()
        .filter(|r| r.summary.state != DossierState::Draft)
    {
        // Judged by what it says, not by the version of the rules: a row
        // filed under last year's version is still filed.
        let differs = sent.content.normalized().differing_paths(&wanted);
        let id = sent.summary.id;
        return Ok(match sent.summary.state {
            _ if !differs.is_empty() => RowDossier::Changed { id, differs },
            DossierState::Submitted => RowDossier::Filed(id),
            _ => RowDossier::Sending(id),
        });
    }
    let problems = hoso_core::validate(procedure, &wanted);
    if !problems.is_empty() {
        return Err(ClientError::Invalid(problems));
    }
    let title = workspace::title_of(procedure, &content);
    match found {
        Some(draft) => {
            let id = draft.summary.id;
            if draft.content != content {
                workspace::save(store, id, content, draft.revision, title).await?;
            }
            Ok(RowDossier::Draft(id))
        }
        None => {
            // Dossier ids start at 1: 0 excludes none.
            if let Some(earlier) =
                crate::submit::same_content_filed(store, portal, 0, &wanted).await?
            {
                return Ok(RowDossier::SameContentFiled(earlier));
            }
            let made =
                workspace::insert_for_row(store, portal.id, content, title, key.to_owned()).await?;
            Ok(RowDossier::Draft(made.summary.id))
        }
    }
}
