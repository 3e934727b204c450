//! The `dossiers` table: drafts saved by revision, sendings under their
//! idempotency key, filed dossiers with their receipt and manifest hash.

use super::Text;
use super::text::{StoredText, SupplementState};
use chrono::{DateTime, FixedOffset};
use hoso_core::{DossierRecord, DossierState, DossierSummary};
use rusqlite::{Connection, OptionalExtension, Row, params};

/// A filed dossier's standing, as three columns of a query on `dossiers`:
/// its last synced state, when its portal last answered, and the receipt's
/// appointment date (read by [`crate::workspace::standing`]).
pub(crate) fn standing_columns() -> String {
    format!(
        "(SELECT e.status FROM status_events e WHERE e.portal_id = dossiers.portal_id \
             AND e.code = dossiers.dossier_code ORDER BY e.cursor DESC LIMIT 1), \
         (SELECT s.confirmed_at FROM status_sync s WHERE s.portal_id = dossiers.portal_id), \
         COALESCE((SELECT json_extract(u.receipt, '$.receipt.appointment_date') FROM supplements u \
             WHERE u.dossier_id = dossiers.id AND u.state = '{}' ORDER BY u.id DESC LIMIT 1), \
             json_extract(dossiers.receipt, '$.receipt.appointment_date'))",
        SupplementState::Filed.text()
    )
}

const COLUMNS: &str = "id, procedure_code, procedure_version, title, state, updated_at, \
                       archived_at IS NOT NULL, dossier_code, content, revision, \
                       paused_at IS NOT NULL, portal_id";

fn bad(i: usize, e: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
}

fn read_record(r: &Row<'_>) -> rusqlite::Result<DossierRecord> {
    let code: String = r.get(1)?;
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
            state: r.get::<_, Text<DossierState>>(4)?.0,
            updated_at: DateTime::<FixedOffset>::parse_from_rfc3339(&updated)
                .map_err(|e| bad(5, e.to_string()))?,
            archived: r.get(6)?,
            dossier_code: r.get(7)?,
            paused: r.get(10)?,
            tracking: crate::workspace::standing(
                r.get(12)?,
                r.get(13)?,
                r.get(14)?,
                super::vn_now().date_naive(),
            ),
        },
        content: serde_json::from_str(&content).map_err(|e| bad(8, e.to_string()))?,
        revision: r.get(9)?,
    })
}

/// What a new dossier row holds.
#[derive(Debug)]
pub(crate) struct NewDossier<'a> {
    pub(crate) portal_id: i64,
    pub(crate) procedure_code: &'a str,
    pub(crate) version: &'a str,
    pub(crate) title: &'a str,
    /// The content as JSON.
    pub(crate) content: &'a str,
    pub(crate) state: DossierState,
    pub(crate) dossier_code: Option<&'a str>,
    /// The signed receipt as JSON, once filed.
    pub(crate) receipt: Option<&'a str>,
    pub(crate) manifest_sha256: Option<&'a str>,
    pub(crate) row_key: Option<&'a str>,
    /// Its creation time (RFC 3339), also its last change.
    pub(crate) at: &'a str,
}

impl<'a> NewDossier<'a> {
    /// A draft of `content` (JSON) for procedure `code` in `version` on
    /// `portal_id`, created `at`: not filed, no input row.
    pub(crate) fn draft(
        portal_id: i64,
        (code, version): (&'a str, &'a str),
        title: &'a str,
        content: &'a str,
        at: &'a str,
    ) -> Self {
        Self {
            portal_id,
            procedure_code: code,
            version,
            title,
            content,
            state: DossierState::Draft,
            dossier_code: None,
            receipt: None,
            manifest_sha256: None,
            row_key: None,
            at,
        }
    }
}

/// Records a new dossier at revision 0; its id.
pub(crate) fn insert(conn: &Connection, new: &NewDossier<'_>) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO dossiers (portal_id, procedure_code, procedure_version, title, content,
                               state, dossier_code, receipt, revision, created_at, updated_at,
                               manifest_sha256, row_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?9, ?10, ?11)",
        params![
            new.portal_id,
            new.procedure_code,
            new.version,
            new.title,
            new.content,
            Text(new.state),
            new.dossier_code,
            new.receipt,
            new.at,
            new.manifest_sha256,
            new.row_key
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The dossier (not deleted) with this id.
pub(crate) fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<DossierRecord>> {
    conn.query_row(
        &format!(
            "SELECT {COLUMNS}, {} FROM dossiers WHERE id = ?1 AND deleted_at IS NULL",
            standing_columns()
        ),
        params![id],
        read_record,
    )
    .optional()
}

/// The newest dossier (not deleted) on `portal_id` made from the input
/// row known by `key`.
pub(crate) fn by_row_key(
    conn: &Connection,
    portal_id: i64,
    key: &str,
) -> rusqlite::Result<Option<DossierRecord>> {
    conn.query_row(
        &format!(
            "SELECT {COLUMNS}, {} FROM dossiers
             WHERE portal_id = ?1 AND row_key = ?2 AND deleted_at IS NULL
             ORDER BY id DESC LIMIT 1",
            standing_columns()
        ),
        params![portal_id, key],
        read_record,
    )
    .optional()
}

/// The id of [`by_row_key`]'s dossier.
pub(crate) fn id_by_row_key(
    conn: &Connection,
    portal_id: i64,
    key: &str,
) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT id FROM dossiers
         WHERE portal_id = ?1 AND row_key = ?2 AND deleted_at IS NULL
         ORDER BY id DESC LIMIT 1",
        params![portal_id, key],
        |r| r.get(0),
    )
    .optional()
}

/// Every dossier not deleted, archived ones or current ones, the most
/// recently changed first.
pub(crate) fn list(conn: &Connection, archived: bool) -> rusqlite::Result<Vec<DossierRecord>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS}, {} FROM dossiers
         WHERE deleted_at IS NULL AND (archived_at IS NOT NULL) = ?1
         ORDER BY updated_at DESC, id DESC",
        standing_columns()
    ))?;
    stmt.query_map(params![archived], read_record)?.collect()
}

/// The state and revision of the dossier (not deleted) `id`.
pub(crate) fn state_and_revision(
    conn: &Connection,
    id: i64,
) -> rusqlite::Result<Option<(DossierState, i64)>> {
    conn.query_row(
        "SELECT state, revision FROM dossiers WHERE id = ?1 AND deleted_at IS NULL",
        params![id],
        |r| Ok((r.get::<_, Text<DossierState>>(0)?.0, r.get(1)?)),
    )
    .optional()
}

/// Stores a draft's new content as its next revision.
pub(crate) fn save_content(
    conn: &Connection,
    id: i64,
    content: &str,
    version: &str,
    title: &str,
    at: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE dossiers SET content = ?2, procedure_version = ?3, title = ?4,
                revision = revision + 1, updated_at = ?5
         WHERE id = ?1",
        params![id, content, version, title, at],
    )?;
    Ok(())
}

/// The portal dossier `id` belongs to (an error when there is no such
/// dossier).
pub(crate) fn portal_id(conn: &Connection, id: i64) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT portal_id FROM dossiers WHERE id = ?1",
        params![id],
        |r| r.get(0),
    )
}

/// Archives the dossier (not deleted) `id` at `at`, or brings it back;
/// how many rows changed.
pub(crate) fn set_archived(
    conn: &Connection,
    id: i64,
    archived: bool,
    at: &str,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE dossiers SET archived_at = CASE WHEN ?2 THEN ?3 ELSE NULL END
         WHERE id = ?1 AND deleted_at IS NULL",
        params![id, archived, at],
    )
}

/// Marks dossier `id` deleted at `at` (undoable until purged).
pub(crate) fn mark_deleted(conn: &Connection, id: i64, at: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE dossiers SET deleted_at = ?2 WHERE id = ?1",
        params![id, at],
    )?;
    Ok(())
}

/// Undoes [`mark_deleted`]; how many rows changed.
pub(crate) fn restore(conn: &Connection, id: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE dossiers SET deleted_at = NULL WHERE id = ?1 AND deleted_at IS NOT NULL",
        params![id],
    )
}

/// Removes for good the drafts deleted before `before` (RFC 3339).
pub(crate) fn purge_deleted(conn: &Connection, before: &str) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM dossiers WHERE deleted_at IS NOT NULL AND deleted_at < ?1 AND state = ?2",
        params![before, Text(DossierState::Draft)],
    )
}

/// Marks dossier `id` paused at `at` if it is being sent, or (`None`)
/// unpaused.
pub(crate) fn set_paused(conn: &Connection, id: i64, at: Option<&str>) -> rusqlite::Result<()> {
    match at {
        Some(at) => conn.execute(
            "UPDATE dossiers SET paused_at = ?2 WHERE id = ?1 AND state = ?3",
            params![id, at, Text(DossierState::Submitting)],
        )?,
        None => conn.execute(
            "UPDATE dossiers SET paused_at = NULL WHERE id = ?1",
            params![id],
        )?,
    };
    Ok(())
}

/// The state and idempotency key of dossier `id` (an error when there is
/// no such dossier).
pub(crate) fn sending_state(
    conn: &Connection,
    id: i64,
) -> rusqlite::Result<(DossierState, Option<String>)> {
    conn.query_row(
        "SELECT state, idempotency_key FROM dossiers WHERE id = ?1",
        params![id],
        |r| Ok((r.get::<_, Text<DossierState>>(0)?.0, r.get(1)?)),
    )
}

/// Marks the draft `id` as being sent under `key` with `content` (JSON)
/// whose manifest hash is `manifest`.
pub(crate) fn begin_sending(
    conn: &Connection,
    id: i64,
    key: &str,
    content: &str,
    at: &str,
    manifest: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE dossiers SET state = ?6, idempotency_key = ?2, content = ?3,
                updated_at = ?4, manifest_sha256 = ?5
         WHERE id = ?1",
        params![
            id,
            key,
            content,
            at,
            manifest,
            Text(DossierState::Submitting)
        ],
    )?;
    Ok(())
}

/// Returns dossier `id`, if being sent, to a draft without a key.
pub(crate) fn back_to_draft(conn: &Connection, id: i64, at: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE dossiers SET state = ?3, idempotency_key = NULL, updated_at = ?2
         WHERE id = ?1 AND state = ?4",
        params![
            id,
            at,
            Text(DossierState::Draft),
            Text(DossierState::Submitting)
        ],
    )?;
    Ok(())
}

/// Records dossier `id` filed as `code` with its signed `receipt` (JSON).
pub(crate) fn mark_filed(
    conn: &Connection,
    id: i64,
    code: &str,
    receipt: &str,
    at: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE dossiers SET state = ?5, dossier_code = ?2, receipt = ?3, updated_at = ?4
         WHERE id = ?1",
        params![id, code, receipt, at, Text(DossierState::Submitted)],
    )?;
    Ok(())
}

/// The stored receipt (JSON) of dossier `id` if it is filed; `None` when
/// it is not.
pub(crate) fn filed_receipt(
    conn: &Connection,
    id: i64,
) -> rusqlite::Result<Option<Option<String>>> {
    conn.query_row(
        "SELECT receipt FROM dossiers WHERE id = ?1 AND state = ?2",
        params![id, Text(DossierState::Submitted)],
        |r| r.get(0),
    )
    .optional()
}

/// The stored receipt (JSON) of dossier `id` (an error when it has none).
pub(crate) fn receipt(conn: &Connection, id: i64) -> rusqlite::Result<String> {
    conn.query_row(
        "SELECT receipt FROM dossiers WHERE id = ?1",
        params![id],
        |r| r.get(0),
    )
}

/// Filed dossiers recorded before their manifest hash was kept, with
/// their content (JSON).
pub(crate) fn filed_without_manifest(conn: &Connection) -> rusqlite::Result<Vec<(i64, String)>> {
    let mut stmt = conn
        .prepare("SELECT id, content FROM dossiers WHERE state = ?1 AND manifest_sha256 IS NULL")?;
    stmt.query_map(params![Text(DossierState::Submitted)], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?
    .collect()
}

/// Keeps the manifest hash (hex) of dossier `id`.
pub(crate) fn set_manifest(conn: &Connection, id: i64, manifest: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE dossiers SET manifest_sha256 = ?2 WHERE id = ?1",
        params![id, manifest],
    )?;
    Ok(())
}

/// The first dossier other than `except` filed on `portal_id` with this
/// manifest hash (hex).
pub(crate) fn filed_with_manifest(
    conn: &Connection,
    portal_id: i64,
    manifest: &str,
    except: i64,
) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT id FROM dossiers WHERE state = ?4 AND portal_id = ?1
         AND manifest_sha256 = ?2 AND id != ?3 ORDER BY id LIMIT 1",
        params![portal_id, manifest, except, Text(DossierState::Submitted)],
        |r| r.get(0),
    )
    .optional()
}

/// The code, procedure code and portal of dossier `id` if it is filed
/// (and not deleted).
pub(crate) fn filed_code(
    conn: &Connection,
    id: i64,
) -> rusqlite::Result<Option<(String, String, i64)>> {
    conn.query_row(
        "SELECT dossier_code, procedure_code, portal_id FROM dossiers
         WHERE id = ?1 AND state = ?2 AND dossier_code IS NOT NULL
           AND deleted_at IS NULL",
        params![id, Text(DossierState::Submitted)],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()
}

/// The dossier (not deleted) filed on `portal_id` as `code`.
pub(crate) fn id_by_code(
    conn: &Connection,
    portal_id: i64,
    code: &str,
) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT id FROM dossiers WHERE portal_id = ?1 AND dossier_code = ?2
         AND deleted_at IS NULL",
        params![portal_id, code],
        |r| r.get(0),
    )
    .optional()
}

/// The ids and contents (JSON) of the dossiers (not deleted) of
/// `procedure_code` on `portal_id`, oldest first.
pub(crate) fn contents_of_procedure(
    conn: &Connection,
    portal_id: i64,
    procedure_code: &str,
) -> rusqlite::Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare(
        "SELECT id, content FROM dossiers WHERE portal_id = ?1 AND procedure_code = ?2
         AND deleted_at IS NULL ORDER BY id",
    )?;
    stmt.query_map(params![portal_id, procedure_code], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?
    .collect()
}

/// Whether a dossier (not deleted) already goes by the non-empty `title`.
pub(crate) fn title_taken(conn: &Connection, title: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM dossiers WHERE title = ?1 AND title != '' AND deleted_at IS NULL)",
        params![title],
        |r| r.get(0),
    )
}

/// How many dossiers of `portal_id` were sent (any state but draft).
pub(crate) fn sent_to(conn: &Connection, portal_id: i64) -> rusqlite::Result<u32> {
    conn.query_row(
        "SELECT COUNT(*) FROM dossiers WHERE portal_id = ?1 AND state != ?2",
        params![portal_id, Text(DossierState::Draft)],
        |r| r.get(0),
    )
}

/// Removes the drafts written for `portal_id`.
pub(crate) fn delete_drafts_of(conn: &Connection, portal_id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM dossiers WHERE portal_id = ?1 AND state = ?2",
        params![portal_id, Text(DossierState::Draft)],
    )?;
    Ok(())
}

/// The dossiers (not deleted; archived ones or current ones) whose
/// indexed text (`dossiers_fts`) matches the FTS5 query `matching`, the
/// best match first, then the most recently changed.
pub(crate) fn search(
    conn: &Connection,
    matching: &str,
    archived: bool,
) -> rusqlite::Result<Vec<DossierRecord>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS}, {} FROM dossiers_fts f JOIN dossiers ON dossiers.id = f.rowid
         WHERE dossiers_fts MATCH ?1
           AND dossiers.deleted_at IS NULL AND (dossiers.archived_at IS NOT NULL) = ?2
         ORDER BY f.rank, dossiers.updated_at DESC, dossiers.id DESC",
        standing_columns()
    ))?;
    stmt.query_map(params![matching, archived], read_record)?
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use hoso_core::DossierQuery;

    const PROCEDURE: &str = "kiem-tra-cl-nhap-khau";

    fn content(fields: &str) -> String {
        format!(
            r#"{{"procedure":"{PROCEDURE}","version":"2018.07","fields":{fields},"documents":[]}}"#
        )
    }

    async fn profile() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("hoso.sqlite3")).expect("store");
        store
            .call(|c| {
                c.execute_batch(
                    "INSERT INTO portals VALUES (1, 'http://127.0.0.1:1', 'Cổng', 'Portal',
                       'http://127.0.0.1:1/v1', 'http://127.0.0.1:1/v1/uploads', 'key', 'kid',
                       NULL, 1, '2026-11-01T09:00:00+07:00', NULL);",
                )?;
                Ok(())
            })
            .await
            .expect("portal");
        (dir, store)
    }

    async fn add(store: &Store, title: &str, fields: &str, code: Option<&str>) -> i64 {
        let (title, json, code) = (title.to_owned(), content(fields), code.map(str::to_owned));
        store
            .call(move |c| {
                Ok(insert(
                    c,
                    &NewDossier {
                        portal_id: 1,
                        procedure_code: PROCEDURE,
                        version: "2018.07",
                        title: &title,
                        content: &json,
                        state: if code.is_some() {
                            DossierState::Submitted
                        } else {
                            DossierState::Draft
                        },
                        dossier_code: code.as_deref(),
                        receipt: None,
                        manifest_sha256: None,
                        row_key: None,
                        at: &crate::store::now(),
                    },
                )?)
            })
            .await
            .expect("dossier")
    }

    async fn found(store: &Store, text: &str) -> Vec<i64> {
        let query = DossierQuery {
            text: text.into(),
            ..DossierQuery::default()
        };
        crate::workspace::list(store, query)
            .await
            .expect("search")
            .into_iter()
            .map(|s| s.id)
            .collect()
    }

    #[tokio::test]
    async fn search_ignores_diacritics_and_case_and_reads_d_for_dj() {
        let (_dir, store) = profile().await;
        let anh = add(
            &store,
            "Ánh Dương",
            r#"{"importer.name":"Ánh Dương"}"#,
            None,
        )
        .await;
        let dang = add(
            &store,
            "Công ty Thép",
            r#"{"importer.name":"Công ty Thép","importer.contact":"Đặng Văn Bình"}"#,
            None,
        )
        .await;
        assert_eq!(found(&store, "anh duong").await, [anh]);
        assert_eq!(found(&store, "ÁNH DƯƠNG").await, [anh]);
        assert_eq!(
            found(&store, "duo").await,
            [anh],
            "a word's beginning finds it"
        );
        assert_eq!(found(&store, "dang van binh").await, [dang]);
        assert_eq!(found(&store, "Đặng").await, [dang]);
        assert_eq!(found(&store, "đang").await, [dang]);
        assert_eq!(
            found(&store, "thep dang").await,
            [dang],
            "words from title and values"
        );
        assert!(
            found(&store, "anh binh").await.is_empty(),
            "every word is required"
        );
    }

    #[tokio::test]
    async fn search_finds_codes_follows_saves_and_leaves_out_deleted_and_archived() {
        let (_dir, store) = profile().await;
        let filed = add(
            &store,
            "Lô thép",
            r#"{"goods":[{"name":"Thép cuộn cán nóng"}]}"#,
            Some("HOSO.PRACTICE-20261201-0007"),
        )
        .await;
        let draft = add(&store, "Nguyễn Thị Hường", r#"{}"#, None).await;
        assert_eq!(found(&store, "HOSO.PRACTICE-20261201-0007").await, [filed]);
        assert_eq!(found(&store, "20261201-0007").await, [filed]);
        assert_eq!(found(&store, "cuon can nong").await, [filed], "table cells");
        let mut both = found(&store, "kiem-tra-cl").await;
        both.sort();
        assert_eq!(both, [filed, draft], "the procedure's code");

        let json = content(r#"{"importer.name":"Hợp tác xã Đồng Tâm"}"#);
        store
            .call(move |c| {
                Ok(save_content(
                    c,
                    draft,
                    &json,
                    "2018.07",
                    "Đồng Tâm",
                    &crate::store::now(),
                )?)
            })
            .await
            .expect("save");
        assert_eq!(found(&store, "dong tam").await, [draft]);
        assert!(
            found(&store, "huong").await.is_empty(),
            "the old title is gone"
        );

        store
            .call(move |c| Ok(set_archived(c, filed, true, &crate::store::now())?))
            .await
            .expect("archive");
        assert!(found(&store, "cuon").await.is_empty());
        let archived = crate::workspace::list(
            &store,
            DossierQuery {
                text: "cuon".into(),
                archived: true,
                ..DossierQuery::default()
            },
        )
        .await
        .expect("search archived");
        assert_eq!(archived.iter().map(|s| s.id).collect::<Vec<_>>(), [filed]);

        store
            .call(move |c| Ok(mark_deleted(c, draft, &crate::store::now())?))
            .await
            .expect("delete");
        assert!(found(&store, "dong tam").await.is_empty());
        store
            .call(|c| Ok(purge_deleted(c, "9999")?))
            .await
            .expect("purge");
        let left: i64 = store
            .call(|c| Ok(c.query_row("SELECT count(*) FROM dossiers_fts", [], |r| r.get(0))?))
            .await
            .expect("count");
        assert_eq!(left, 1, "a purged dossier leaves the index");
    }

    #[tokio::test]
    async fn search_text_is_never_read_as_query_syntax() {
        let (_dir, store) = profile().await;
        let id = add(&store, "Công ty \"Sao Mai\" (AND)", r#"{}"#, None).await;
        for text in [
            "\"sao", "sao*", "(and)", "mai OR", "NEAR(", "-", "\"\"", "^sao",
        ] {
            let result = crate::workspace::list(
                &store,
                DossierQuery {
                    text: text.into(),
                    ..DossierQuery::default()
                },
            )
            .await;
            assert!(result.is_ok(), "{text}: {result:?}");
        }
        assert_eq!(found(&store, "\"sao mai\"").await, [id]);
        assert_eq!(found(&store, "   ").await, [id], "no words: the whole list");
    }
}
