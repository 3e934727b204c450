//! The officers' console's records on SQLite: accounts with duties and
//! passwords, sessions, wrong passwords, the queue and its search,
//! assignments.

use super::Sqlite;
use crate::error::ApiError;
use crate::records::{
    Assignment, AssignmentRow, ConsoleDossier, DossierIndex, Failures, NewSession, OfficerAccount,
    OfficerChange, QueueQuery, QueueRow, SessionRow, StoredResult, Unindexed, queue_statement,
    read_duties,
};
use crate::records::{FigureRow, figures_statement};
use hoso_core::status::Status;
use rusqlite::{Connection, OptionalExtension, params};

const OFFICER_COLUMNS: &str = "o.id, o.account, o.display_name, o.duties, o.password_hash";

fn officer_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OfficerAccount> {
    Ok(OfficerAccount {
        id: r.get(0)?,
        account: r.get(1)?,
        display_name: r.get(2)?,
        duties: read_duties(&r.get::<_, String>(3)?),
        password_hash: r.get(4)?,
    })
}

fn officer(conn: &Connection, account: &str) -> rusqlite::Result<Option<OfficerAccount>> {
    conn.query_row(
        &format!("SELECT {OFFICER_COLUMNS} FROM officers o WHERE o.account = ?1"),
        params![account],
        officer_row,
    )
    .optional()
}

impl Sqlite {
    pub async fn officer(&self, account: String) -> Result<Option<OfficerAccount>, ApiError> {
        self.read(move |conn| Ok(officer(conn, &account)?)).await
    }

    pub async fn officers(&self) -> Result<Vec<OfficerAccount>, ApiError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {OFFICER_COLUMNS} FROM officers o ORDER BY o.account"
            ))?;
            let rows = stmt.query_map([], officer_row)?;
            Ok(rows
                .map(|r| {
                    r.map(|o| OfficerAccount {
                        password_hash: None,
                        ..o
                    })
                })
                .collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    pub async fn set_officer(&self, change: OfficerChange) -> Result<(), ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO officers (account, display_name, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(account) DO UPDATE SET display_name = excluded.display_name",
                params![change.account, change.display_name, change.now],
            )?;
            if let Some(duties) = change.duties {
                tx.execute(
                    "UPDATE officers SET duties = ?2 WHERE account = ?1",
                    params![change.account, duties.to_text()],
                )?;
            }
            if let Some(hash) = change.password_hash {
                tx.execute(
                    "UPDATE officers SET password_hash = ?2 WHERE account = ?1",
                    params![change.account, hash],
                )?;
                // A new password ends every session the old one opened.
                tx.execute(
                    "DELETE FROM officer_sessions
                     WHERE officer_id = (SELECT id FROM officers WHERE account = ?1)",
                    params![change.account],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub async fn sign_in_failures(
        &self,
        account: String,
        address: String,
        since_ms: i64,
    ) -> Result<Failures, ApiError> {
        self.read(move |conn| {
            Ok(conn.query_row(
                "SELECT COALESCE(SUM(address = ?2), 0),
                        COALESCE(MAX(CASE WHEN address = ?2 THEN at_ms END), 0),
                        COUNT(*), COALESCE(MAX(at_ms), 0)
                 FROM sign_in_failures WHERE account = ?1 AND at_ms >= ?3",
                params![account, address, since_ms],
                |r| {
                    Ok(Failures {
                        here: r.get(0)?,
                        here_last_ms: r.get(1)?,
                        everywhere: r.get(2)?,
                        everywhere_last_ms: r.get(3)?,
                    })
                },
            )?)
        })
        .await
    }

    pub async fn record_sign_in_failure(
        &self,
        account: String,
        address: String,
        at_ms: i64,
        forget_before_ms: i64,
    ) -> Result<(), ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "DELETE FROM sign_in_failures WHERE at_ms < ?1",
                params![forget_before_ms],
            )?;
            tx.execute(
                "INSERT INTO sign_in_failures (account, address, at_ms) VALUES (?1, ?2, ?3)",
                params![account, address, at_ms],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub async fn clear_sign_in_failures(
        &self,
        account: String,
        address: String,
    ) -> Result<(), ApiError> {
        self.call(move |conn| {
            conn.execute(
                "DELETE FROM sign_in_failures WHERE account = ?1 AND address = ?2",
                params![account, address],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn start_session(&self, new: NewSession, now_ms: i64) -> Result<(), ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "DELETE FROM officer_sessions WHERE expires_at_ms < ?1",
                params![now_ms],
            )?;
            tx.execute(
                "INSERT INTO officer_sessions (id_sha256, officer_id, csrf, created_at, expires_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    new.id_sha256,
                    new.officer_id,
                    new.csrf,
                    new.created_at,
                    new.expires_at_ms
                ],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub async fn session(
        &self,
        id_sha256: String,
        now_ms: i64,
    ) -> Result<Option<SessionRow>, ApiError> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    &format!(
                        "SELECT {OFFICER_COLUMNS}, s.csrf FROM officer_sessions s
                         JOIN officers o ON o.id = s.officer_id
                         WHERE s.id_sha256 = ?1 AND s.expires_at_ms > ?2"
                    ),
                    params![id_sha256, now_ms],
                    |r| {
                        Ok(SessionRow {
                            officer: OfficerAccount {
                                password_hash: None,
                                ..officer_row(r)?
                            },
                            csrf: r.get(5)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    pub async fn end_session(&self, id_sha256: String) -> Result<(), ApiError> {
        self.call(move |conn| {
            conn.execute(
                "DELETE FROM officer_sessions WHERE id_sha256 = ?1",
                params![id_sha256],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn queue(&self, query: QueueQuery) -> Result<Vec<QueueRow>, ApiError> {
        self.read(move |conn| {
            let (sql, args) = queue_statement(&query, |n| format!("?{n}"));
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
                Ok((
                    QueueRow {
                        code: r.get(0)?,
                        procedure: r.get(1)?,
                        applicant_name: r.get(2)?,
                        tax_code: r.get(3)?,
                        status: Status::Received,
                        received_at: r.get(5)?,
                        appointment_date: r.get(6)?,
                        assigned_to: r.get(7)?,
                    },
                    r.get::<_, String>(4)?,
                ))
            })?;
            rows.map(|row| {
                let (mut row, status) = row?;
                row.status = Status::parse(&status)
                    .ok_or_else(|| ApiError::internal(format!("stored state {status}")))?;
                Ok(row)
            })
            .collect()
        })
        .await
    }

    pub async fn unindexed(&self, limit: u32) -> Result<Vec<Unindexed>, ApiError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT code, receipt, content, procedure_code, procedure_version FROM dossiers
                 WHERE terms_indexed = 0 ORDER BY code LIMIT ?1",
            )?;
            let rows = stmt.query_map(params![limit], |r| {
                Ok(Unindexed {
                    code: r.get(0)?,
                    receipt: r.get(1)?,
                    content: r.get(2)?,
                    procedure: (r.get(3)?, r.get(4)?),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    pub async fn index_dossier(&self, index: DossierIndex) -> Result<(), ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "UPDATE dossiers SET applicant_name = ?2, tax_code = ?3, terms_indexed = 1
                 WHERE code = ?1",
                params![index.code, index.applicant_name, index.tax_code],
            )?;
            for term in &index.terms {
                tx.execute(
                    "INSERT INTO dossier_terms (term, dossier_code) VALUES (?1, ?2)
                     ON CONFLICT DO NOTHING",
                    params![term, index.code],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub async fn assign(&self, a: Assignment) -> Result<(), ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let current: Option<(String, Option<String>)> = tx
                .query_row(
                    "SELECT status, assigned_to FROM dossiers WHERE code = ?1",
                    params![a.code],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (status, assigned) =
                current.ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
            let to = officer(&tx, &a.to)?;
            crate::console::assign::judge(&a, &status, assigned.as_deref(), to.as_ref())?;
            tx.execute(
                "UPDATE dossiers SET assigned_to = ?2 WHERE code = ?1",
                params![a.code, a.to],
            )?;
            tx.execute(
                "INSERT INTO assignments (dossier_code, at, by_officer, to_officer, note)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![a.code, a.at, a.by, a.to, a.note],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub async fn console_dossier(&self, code: String) -> Result<Option<ConsoleDossier>, ApiError> {
        self.read(move |conn| {
            let row: Option<(String, Option<String>, String)> = conn
                .query_row(
                    "SELECT receipt, assigned_to, tax_code FROM dossiers WHERE code = ?1",
                    params![code],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((receipt, assigned_to, tax_code)) = row else {
                return Ok(None);
            };
            let mut stmt = conn.prepare_cached(
                "SELECT at, by_officer, to_officer, note FROM assignments
                 WHERE dossier_code = ?1 ORDER BY at, rowid",
            )?;
            let assignments = stmt
                .query_map(params![code], |r| {
                    Ok(AssignmentRow {
                        at: r.get(0)?,
                        by: r.get(1)?,
                        to: r.get(2)?,
                        note: r.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(Some(ConsoleDossier {
                receipt,
                assigned_to,
                tax_code,
                assignments,
            }))
        })
        .await
    }

    pub async fn result_documents(&self, code: String) -> Result<Vec<StoredResult>, ApiError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT name, size, sha256, storage_id FROM result_documents
                 WHERE dossier_code = ?1 ORDER BY folded_name",
            )?;
            let rows = stmt.query_map(params![code], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?;
            rows.map(|row| {
                let (name, size, sha256, storage_id) = row?;
                Ok(StoredResult {
                    name,
                    size,
                    sha256: sha256.parse().map_err(ApiError::internal)?,
                    storage_id,
                })
            })
            .collect()
        })
        .await
    }

    pub async fn figure_rows(&self, from: String, to: String) -> Result<Vec<FigureRow>, ApiError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&figures_statement(|n| format!("?{n}")))?;
            let rows = stmt.query_map(params![from, to], |r| {
                Ok(FigureRow {
                    code: r.get(0)?,
                    procedure: r.get(1)?,
                    received_at: r.get(2)?,
                    appointment_date: r.get(3)?,
                    status: r.get(4)?,
                    resolved_at: r.get(5)?,
                    supplements_asked: r.get(6)?,
                    fee_vnd: r.get(7)?,
                    paid_vnd: r.get(8)?,
                    refunded_vnd: r.get(9)?,
                    rating: r.get(10)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await
    }
}
