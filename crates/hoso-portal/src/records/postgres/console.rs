//! The officers' console's records on PostgreSQL: the same transactions
//! as on SQLite (`sqlite/console.rs`), shared by every replica, so a
//! session started at one replica is known at the next.

use super::{Cached, Postgres};
use crate::error::ApiError;
use crate::records::{
    Assignment, AssignmentRow, ConsoleDossier, DossierIndex, Failures, NewSession, OfficerAccount,
    OfficerChange, QueueQuery, QueueRow, SessionRow, StoredResult, Unindexed, queue_statement,
    read_duties,
};
use crate::records::{FigureRow, figures_statement};
use hoso_core::status::Status;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

const OFFICER_COLUMNS: &str = "o.id, o.account, o.display_name, o.duties, o.password_hash";

fn officer_row(r: &Row) -> OfficerAccount {
    OfficerAccount {
        id: r.get(0),
        account: r.get(1),
        display_name: r.get(2),
        duties: read_duties(r.get(3)),
        password_hash: r.get(4),
    }
}

async fn officer(conn: &impl Cached, account: &str) -> Result<Option<OfficerAccount>, ApiError> {
    let row = conn
        .cached_query_opt(
            &format!("SELECT {OFFICER_COLUMNS} FROM officers o WHERE o.account = $1"),
            &[&account],
        )
        .await?;
    Ok(row.as_ref().map(officer_row))
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Postgres {
    pub async fn officer(&self, account: String) -> Result<Option<OfficerAccount>, ApiError> {
        officer(&self.conn().await?, &account).await
    }

    pub async fn officers(&self) -> Result<Vec<OfficerAccount>, ApiError> {
        let rows = self
            .conn()
            .await?
            .cached_query(
                &format!("SELECT {OFFICER_COLUMNS} FROM officers o ORDER BY o.account"),
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| OfficerAccount {
                password_hash: None,
                ..officer_row(r)
            })
            .collect())
    }

    pub async fn set_officer(&self, change: OfficerChange) -> Result<(), ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        tx.cached_execute(
            "INSERT INTO officers (account, display_name, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (account) DO UPDATE SET display_name = excluded.display_name",
            &[&change.account, &change.display_name, &change.now],
        )
        .await?;
        if let Some(duties) = change.duties {
            tx.cached_execute(
                "UPDATE officers SET duties = $2 WHERE account = $1",
                &[&change.account, &duties.to_text()],
            )
            .await?;
        }
        if let Some(hash) = &change.password_hash {
            tx.cached_execute(
                "UPDATE officers SET password_hash = $2 WHERE account = $1",
                &[&change.account, hash],
            )
            .await?;
            // A new password ends every session the old one opened.
            tx.cached_execute(
                "DELETE FROM officer_sessions
                 WHERE officer_id = (SELECT id FROM officers WHERE account = $1)",
                &[&change.account],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn sign_in_failures(
        &self,
        account: String,
        address: String,
        since_ms: i64,
    ) -> Result<Failures, ApiError> {
        let r = self
            .conn()
            .await?
            .cached_query_one(
                "SELECT COALESCE(SUM(CASE WHEN address = $2 THEN 1 ELSE 0 END), 0)::BIGINT,
                        COALESCE(MAX(CASE WHEN address = $2 THEN at_ms END), 0)::BIGINT,
                        COUNT(*)::BIGINT, COALESCE(MAX(at_ms), 0)::BIGINT
                 FROM sign_in_failures WHERE account = $1 AND at_ms >= $3",
                &[&account, &address, &since_ms],
            )
            .await?;
        Ok(Failures {
            here: count(r.get(0)),
            here_last_ms: r.get(1),
            everywhere: count(r.get(2)),
            everywhere_last_ms: r.get(3),
        })
    }

    pub async fn record_sign_in_failure(
        &self,
        account: String,
        address: String,
        at_ms: i64,
        forget_before_ms: i64,
    ) -> Result<(), ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        tx.cached_execute(
            "DELETE FROM sign_in_failures WHERE at_ms < $1",
            &[&forget_before_ms],
        )
        .await?;
        tx.cached_execute(
            "INSERT INTO sign_in_failures (account, address, at_ms) VALUES ($1, $2, $3)",
            &[&account, &address, &at_ms],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn clear_sign_in_failures(
        &self,
        account: String,
        address: String,
    ) -> Result<(), ApiError> {
        self.conn()
            .await?
            .cached_execute(
                "DELETE FROM sign_in_failures WHERE account = $1 AND address = $2",
                &[&account, &address],
            )
            .await?;
        Ok(())
    }

    pub async fn start_session(&self, new: NewSession, now_ms: i64) -> Result<(), ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        tx.cached_execute(
            "DELETE FROM officer_sessions WHERE expires_at_ms < $1",
            &[&now_ms],
        )
        .await?;
        tx.cached_execute(
            "INSERT INTO officer_sessions (id_sha256, officer_id, csrf, created_at, expires_at_ms)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &new.id_sha256,
                &new.officer_id,
                &new.csrf,
                &new.created_at,
                &new.expires_at_ms,
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn session(
        &self,
        id_sha256: String,
        now_ms: i64,
    ) -> Result<Option<SessionRow>, ApiError> {
        let row = self
            .conn()
            .await?
            .cached_query_opt(
                &format!(
                    "SELECT {OFFICER_COLUMNS}, s.csrf FROM officer_sessions s
                     JOIN officers o ON o.id = s.officer_id
                     WHERE s.id_sha256 = $1 AND s.expires_at_ms > $2"
                ),
                &[&id_sha256, &now_ms],
            )
            .await?;
        Ok(row.map(|r| SessionRow {
            officer: OfficerAccount {
                password_hash: None,
                ..officer_row(&r)
            },
            csrf: r.get(5),
        }))
    }

    pub async fn end_session(&self, id_sha256: String) -> Result<(), ApiError> {
        self.conn()
            .await?
            .cached_execute(
                "DELETE FROM officer_sessions WHERE id_sha256 = $1",
                &[&id_sha256],
            )
            .await?;
        Ok(())
    }

    pub async fn queue(&self, query: QueueQuery) -> Result<Vec<QueueRow>, ApiError> {
        let (sql, args) = queue_statement(&query, |n| format!("${n}"));
        let params: Vec<&(dyn ToSql + Sync)> =
            args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
        let rows = self.conn().await?.cached_query(&sql, &params).await?;
        rows.iter()
            .map(|r| {
                let status: String = r.get(4);
                Ok(QueueRow {
                    code: r.get(0),
                    procedure: r.get(1),
                    applicant_name: r.get(2),
                    tax_code: r.get(3),
                    status: Status::parse(&status)
                        .ok_or_else(|| ApiError::internal(format!("stored state {status}")))?,
                    received_at: r.get(5),
                    appointment_date: r.get(6),
                    assigned_to: r.get(7),
                })
            })
            .collect()
    }

    pub async fn unindexed(&self, limit: u32) -> Result<Vec<Unindexed>, ApiError> {
        let rows = self
            .conn()
            .await?
            .cached_query(
                "SELECT code, receipt, content, procedure_code, procedure_version FROM dossiers
                 WHERE NOT terms_indexed ORDER BY code LIMIT $1",
                &[&i64::from(limit)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| Unindexed {
                code: r.get(0),
                receipt: r.get(1),
                content: r.get(2),
                procedure: (r.get(3), r.get(4)),
            })
            .collect())
    }

    pub async fn index_dossier(&self, index: DossierIndex) -> Result<(), ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        tx.cached_execute(
            "UPDATE dossiers SET applicant_name = $2, tax_code = $3, terms_indexed = TRUE
             WHERE code = $1",
            &[&index.code, &index.applicant_name, &index.tax_code],
        )
        .await?;
        for term in &index.terms {
            tx.cached_execute(
                "INSERT INTO dossier_terms (term, dossier_code) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
                &[term, &index.code],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn assign(&self, a: Assignment) -> Result<(), ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        let current = tx
            .cached_query_opt(
                "SELECT status, assigned_to FROM dossiers WHERE code = $1 FOR UPDATE",
                &[&a.code],
            )
            .await?
            .ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
        let (status, assigned): (String, Option<String>) = (current.get(0), current.get(1));
        let to = officer(&tx, &a.to).await?;
        crate::console::assign::judge(&a, &status, assigned.as_deref(), to.as_ref())?;
        tx.cached_execute(
            "UPDATE dossiers SET assigned_to = $2 WHERE code = $1",
            &[&a.code, &a.to],
        )
        .await?;
        tx.cached_execute(
            "INSERT INTO assignments (dossier_code, at, by_officer, to_officer, note)
             VALUES ($1, $2, $3, $4, $5)",
            &[&a.code, &a.at, &a.by, &a.to, &a.note],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn console_dossier(&self, code: String) -> Result<Option<ConsoleDossier>, ApiError> {
        let conn = self.conn().await?;
        let Some(row) = conn
            .cached_query_opt(
                "SELECT receipt, assigned_to, tax_code FROM dossiers WHERE code = $1",
                &[&code],
            )
            .await?
        else {
            return Ok(None);
        };
        let assignments = conn
            .cached_query(
                "SELECT at, by_officer, to_officer, note FROM assignments
                 WHERE dossier_code = $1 ORDER BY at",
                &[&code],
            )
            .await?
            .iter()
            .map(|r| AssignmentRow {
                at: r.get(0),
                by: r.get(1),
                to: r.get(2),
                note: r.get(3),
            })
            .collect();
        Ok(Some(ConsoleDossier {
            receipt: row.get(0),
            assigned_to: row.get(1),
            tax_code: row.get(2),
            assignments,
        }))
    }

    pub async fn result_documents(&self, code: String) -> Result<Vec<StoredResult>, ApiError> {
        let rows = self
            .conn()
            .await?
            .cached_query(
                "SELECT name, size, sha256, storage_id FROM result_documents
                 WHERE dossier_code = $1 ORDER BY folded_name",
                &[&code],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let sha256: String = r.get(2);
                Ok(StoredResult {
                    name: r.get(0),
                    size: u64::try_from(r.get::<_, i64>(1)).unwrap_or_default(),
                    sha256: sha256.parse().map_err(ApiError::internal)?,
                    storage_id: r.get(3),
                })
            })
            .collect()
    }

    pub async fn figure_rows(&self, from: String, to: String) -> Result<Vec<FigureRow>, ApiError> {
        let rows = self
            .conn()
            .await?
            .cached_query(&figures_statement(|n| format!("${n}")), &[&from, &to])
            .await?;
        Ok(rows
            .iter()
            .map(|r| FigureRow {
                code: r.get(0),
                procedure: r.get(1),
                received_at: r.get(2),
                appointment_date: r.get(3),
                status: r.get(4),
                resolved_at: r.get(5),
                supplements_asked: r.get(6),
                fee_vnd: r.get(7),
                paid_vnd: r.get(8),
                refunded_vnd: r.get(9),
                rating: r.get(10),
            })
            .collect())
    }
}
