//! The records in SQLite, the embedded default, on threads of their own:
//! the async runtime never waits on SQLite, and body writing on the
//! blocking pool never keeps it waiting. One thread holds the connection
//! that writes, a few others hold connections that only read (WAL lets
//! them read while the writer commits). Upload bodies are written on the
//! blocking pool, so no number of slow uploads can keep a query from
//! running.
//!
//! Uniqueness holds because one process owns the file: its one writer
//! serialises every transaction.

mod console;
mod ratings;

use super::{
    Account, ApplicantMove, Claim, Completed, DossierMaker, FeeReceiptMaker, FiledDocument, Filing,
    FinalUpload, KeyClaim, KeyState, Move, Multipart, NewPayment, NewResult, NewUpload,
    PaymentLookup, Recorded, RefundOrder, ResultsState, Role, StoredDossier, StoredResult,
    SupplementFiling, SupplementMaker, Transfer, UploadRow, migrations::MIGRATIONS,
};
use crate::config::{LookupLimits, Quotas};
use crate::error::ApiError;
use crate::payments::{AtDeadline, Found, SWEPT_STATES, at_deadline, judge, state_name};
use crate::refunds::{Owing, RefundMaker, owes_back_paid};
use crate::results::ResultNoticeMaker;
use axum::http::StatusCode;
use chrono::{DateTime, FixedOffset};
use hoso_core::fee_receipt::ReceiptNumber;
use hoso_core::payment::PaymentRequest;
use hoso_core::result_notice::ResultDocument;
use hoso_core::status::Status;
use hoso_core::wire::{DossierDocument, FeedDocument, PaymentStatus, RefundRecorded};
use hoso_core::wire::{DossierStatus, PublicStatus, StatusEvent, StatusFeed, SubmissionResponse};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

/// Connections that only read, each on a thread of its own: signing in,
/// HEAD and status reads never queue behind a commit.
const READERS: usize = 3;

/// The SQLite back end: queues to its writing thread and its readers.
#[derive(Clone, Debug)]
pub struct Sqlite {
    writer: hoso_sqlite::Lane,
    readers: hoso_sqlite::Lane,
}

/// Runs the migrations not yet run ([`hoso_sqlite::migrate`], which
/// counts them in `PRAGMA user_version`).
pub(super) fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let steps: Vec<&str> = MIGRATIONS.iter().map(|step| step.sqlite).collect();
    hoso_sqlite::migrate(conn, &steps)
}

/// Queues `f` on a lane and waits for its answer without holding a thread.
async fn run<T, F>(lane: &hoso_sqlite::Lane, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
{
    lane.run(f).await.map_err(ApiError::internal)?
}

impl Sqlite {
    /// Opens (creating if needed, readable by its owner only) and migrates
    /// the database at `path`, and starts its threads.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        crate::private::create_file(path)?;
        let mut conn = hoso_sqlite::open(path)?;
        migrate(&mut conn)?;
        let writer = hoso_sqlite::Lane::start([("hoso-db-write".to_owned(), conn)])?;
        let mut reading = Vec::with_capacity(READERS);
        for i in 0..READERS {
            let conn = hoso_sqlite::open(path)?;
            conn.pragma_update(None, "query_only", true)?;
            reading.push((format!("hoso-db-read-{i}"), conn));
        }
        let readers = hoso_sqlite::Lane::start(reading)?;
        Ok(Self { writer, readers })
    }

    /// Runs `f` on the writing connection, each commit durable
    /// (`synchronous=FULL`): filings, receipts, keys, accounts.
    async fn call<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
    {
        run(&self.writer, f).await
    }

    /// Runs `f` on the writing connection with commits that a power cut
    /// may undo but a crash of the portal never does
    /// (`synchronous=NORMAL`): an upload's progress. The bytes are synced
    /// before their offset is recorded, so what is recorded never runs
    /// ahead of the disk; a lost record only makes a client send again.
    /// The next durable commit makes these durable too (one WAL).
    async fn progress<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
    {
        run(&self.writer, move |conn: &mut Connection| {
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            let out = f(conn);
            conn.pragma_update(None, "synchronous", "FULL")?;
            out
        })
        .await
    }

    /// Runs `f` on one of the reading connections.
    async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        run(&self.readers, move |conn: &mut Connection| f(conn)).await
    }

    pub async fn account_by_token(
        &self,
        role: Role,
        token_sha256: String,
    ) -> Result<Option<Account>, ApiError> {
        self.read(move |conn| Ok(account_by_token(conn, role, &token_sha256)?))
            .await
    }

    pub async fn add_token(
        &self,
        role: Role,
        account: String,
        display_name: String,
        token_sha256: String,
        now: String,
    ) -> Result<(), ApiError> {
        self.call(move |conn| {
            let (accounts, tokens, owner) = role.tables();
            let tx = conn.transaction()?;
            tx.execute(
                &format!(
                    "INSERT INTO {accounts} (account, display_name, created_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT(account) DO NOTHING"
                ),
                params![account, display_name, now],
            )?;
            tx.execute(
                &format!(
                    "INSERT INTO {tokens} (token_sha256, {owner}, created_at)
                     SELECT ?1, id, ?3 FROM {accounts} WHERE account = ?2"
                ),
                params![token_sha256, account, now],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub async fn ping(&self) -> Result<(), ApiError> {
        self.read(|conn| Ok(conn.query_row("SELECT 1", [], |_| Ok(()))?))
            .await
    }

    pub async fn upload(&self, id: String) -> Result<Option<UploadRow>, ApiError> {
        self.read(move |conn| Ok(upload(conn, &id)?)).await
    }

    /// The readers answer `HEAD` already: the same read; no other
    /// process holds an upload.
    pub async fn peek_upload(&self, id: String) -> Result<Option<(UploadRow, bool)>, ApiError> {
        Ok(self.upload(id).await?.map(|row| (row, false)))
    }

    pub async fn create_upload(
        &self,
        new: NewUpload,
        max_upload: u64,
        quotas: Quotas,
    ) -> Result<(), ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let usage = usage(&tx, new.applicant_id, max_upload)?;
            crate::quota::admit(usage, new.length.unwrap_or(max_upload), &quotas)?;
            insert_upload(&tx, &new)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub async fn insert_upload(&self, new: NewUpload) -> Result<(), ApiError> {
        self.call(move |conn| Ok(insert_upload(conn, &new)?)).await
    }

    pub async fn set_length(&self, id: String, length: u64) -> Result<(), ApiError> {
        self.call(move |conn| {
            conn.execute(
                "UPDATE uploads SET length = ?2, length_deferred = 0
                 WHERE id = ?1 AND length_deferred = 1",
                params![id, length],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn raise_offset(&self, id: String, offset: u64) -> Result<(), ApiError> {
        self.progress(move |conn| {
            conn.execute(
                "UPDATE uploads SET offset_bytes = ?2 WHERE id = ?1 AND offset_bytes < ?2",
                params![id, offset],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn reset_offset(&self, id: String, offset: u64) -> Result<(), ApiError> {
        self.progress(move |conn| {
            conn.execute(
                "UPDATE uploads SET offset_bytes = ?2 WHERE id = ?1",
                params![id, offset],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn complete_upload(
        &self,
        id: String,
        offset: u64,
        done: Completed,
    ) -> Result<(), ApiError> {
        self.progress(move |conn| Ok(complete(conn, &id, offset, &done)?))
            .await
    }

    pub async fn delete_upload_unless_filed(&self, id: String) -> Result<bool, ApiError> {
        self.call(move |conn| Ok(delete_upload_unless_filed(conn, &id)?))
            .await
    }

    pub async fn unfiled_uploads(&self) -> Result<Vec<(String, String)>, ApiError> {
        self.read(|conn| {
            let mut stmt = conn.prepare("SELECT id, expires_at FROM uploads WHERE filed = 0")?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }

    pub async fn final_upload(
        &self,
        applicant: i64,
        concat: String,
    ) -> Result<Option<FinalUpload>, ApiError> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT id, sha256, expires_at FROM uploads
                     WHERE applicant_id = ?1 AND concat = ?2",
                    params![applicant, concat],
                    |r| {
                        Ok(FinalUpload {
                            id: r.get(0)?,
                            sha256: r.get(1)?,
                            expires_at: r.get(2)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    pub async fn complete_final(
        &self,
        id: String,
        total: u64,
        done: Completed,
        parts: Vec<String>,
    ) -> Result<Vec<String>, ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            complete(&tx, &id, total, &done)?;
            let mut removed = Vec::new();
            for part in parts {
                if delete_upload_unless_filed(&tx, &part)? {
                    removed.push(part);
                }
            }
            tx.commit()?;
            Ok(removed)
        })
        .await
    }

    pub async fn claim_key(&self, claim: KeyClaim) -> Result<Claim, ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let row: Option<(String, String, Option<String>, String, String)> = tx
                .query_row(
                    "SELECT request_sha256, state, response, created_at, expires_at
                     FROM idempotency_keys WHERE applicant_id = ?1 AND key = ?2",
                    params![claim.applicant, claim.key],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            if let Some((stored, state, response, created, expires)) = row {
                let stale = created < claim.stale_before;
                let held = crate::filing::HeldKey {
                    request_sha256: &stored,
                    done: state == "done",
                    response,
                    expired: expires < claim.now,
                    abandoned: stale,
                };
                if let Some(answer) = crate::filing::judge_claim(held, &claim.request_sha256)? {
                    return Ok(answer);
                }
            }
            tx.execute(
                "INSERT INTO idempotency_keys
                    (applicant_id, key, request_sha256, state, created_at, expires_at)
                 VALUES (?1, ?2, ?3, 'processing', ?4, ?5)
                 ON CONFLICT(applicant_id, key) DO UPDATE SET request_sha256 = ?3,
                    state = 'processing', dossier_code = NULL, response = NULL,
                    created_at = ?4, expires_at = ?5",
                params![
                    claim.applicant,
                    claim.key,
                    claim.request_sha256,
                    claim.now,
                    claim.expires_at
                ],
            )?;
            tx.commit()?;
            Ok(Claim::Fresh)
        })
        .await
    }

    pub async fn release_key(&self, applicant: i64, key: String) -> Result<(), ApiError> {
        self.call(move |conn| {
            conn.execute(
                "DELETE FROM idempotency_keys
                 WHERE applicant_id = ?1 AND key = ?2 AND state = 'processing'",
                params![applicant, key],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn release_abandoned_claims(&self) -> Result<usize, ApiError> {
        self.call(|conn| {
            Ok(conn.execute(
                "DELETE FROM idempotency_keys WHERE state = 'processing'",
                [],
            )?)
        })
        .await
    }

    pub async fn key_state(
        &self,
        applicant: i64,
        key: String,
    ) -> Result<Option<KeyState>, ApiError> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT response FROM idempotency_keys WHERE applicant_id = ?1 AND key = ?2",
                    params![applicant, key],
                    |r| {
                        Ok(KeyState {
                            response: r.get(0)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    pub async fn forget_expired_keys(&self, now: String) -> Result<usize, ApiError> {
        self.call(move |conn| {
            Ok(conn.execute(
                "DELETE FROM idempotency_keys WHERE state = 'done' AND expires_at < ?1",
                params![now],
            )?)
        })
        .await
    }

    pub async fn file_dossier(
        &self,
        filing: Filing,
        make: DossierMaker,
    ) -> Result<(StatusCode, SubmissionResponse), ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let upload_ids = checked_uploads(&tx, filing.applicant, &filing.documents, &filing.uploads)?;
            let earlier: Option<String> = if filing.new_filing {
                None
            } else {
                tx.query_row(
                    "SELECT receipt FROM dossiers WHERE applicant_id = ?1 AND manifest_sha256 = ?2
                     ORDER BY received_at LIMIT 1",
                    params![filing.applicant, filing.manifest_sha256],
                    |r| r.get(0),
                )
                .optional()?
            };
            let (status, code, response) = match earlier {
                Some(receipt) => {
                    let response = SubmissionResponse {
                        receipt: serde_json::from_str(&receipt).map_err(ApiError::internal)?,
                        existing: true,
                    };
                    let code = crate::filing::code_of(&response);
                    (StatusCode::OK, code, response)
                }
                None => {
                    let seq: u32 = tx.query_row(
                        "INSERT INTO daily_sequence (day, last) VALUES (?1, 1)
                         ON CONFLICT(day) DO UPDATE SET last = last + 1 RETURNING last",
                        params![filing.day],
                        |r| r.get(0),
                    )?;
                    let made = make(seq)?;
                    let receipt_json =
                        serde_json::to_string(&made.receipt).map_err(ApiError::internal)?;
                    tx.execute(
                        "INSERT INTO dossiers (code, applicant_id, procedure_code, procedure_version,
                            manifest_sha256, content, receipt, received_at, status, lookup_pin,
                            appointment_date)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'received', ?9, ?10)",
                        params![
                            made.code,
                            filing.applicant,
                            made.procedure_code,
                            made.procedure_version,
                            filing.manifest_sha256,
                            made.content,
                            receipt_json,
                            made.received_at,
                            made.lookup_pin,
                            made.appointment_date
                        ],
                    )?;
                    record(
                        &tx,
                        &made.code,
                        Status::Received,
                        &made.received_at,
                        crate::filing::PORTAL_ACTOR,
                        "",
                        None,
                    )?;
                    if let Some(payment) = &made.payment {
                        add_payment(&tx, &made.code, payment, &made.received_at)?;
                    }
                    for (i, (doc, upload_id)) in
                        filing.documents.iter().zip(&upload_ids).enumerate()
                    {
                        tx.execute(
                            "INSERT INTO dossier_documents
                                (dossier_code, position, slot, name, size, sha256, upload_id)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                            params![
                                made.code,
                                i,
                                doc.slot,
                                doc.name,
                                doc.size,
                                doc.sha256.to_hex(),
                                upload_id
                            ],
                        )?;
                    }
                    mark_filed(&tx, &upload_ids)?;
                    let response = SubmissionResponse {
                        receipt: made.receipt,
                        existing: false,
                    };
                    (StatusCode::CREATED, Some(made.code), response)
                }
            };
            key_done(&tx, filing.applicant, &filing.key, code.as_deref(), &response)?;
            tx.commit()?;
            Ok((status, response))
        })
        .await
    }

    pub async fn dossier_procedure(
        &self,
        applicant: i64,
        code: String,
    ) -> Result<Option<(String, String, String)>, ApiError> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT procedure_code, procedure_version, status FROM dossiers
                     WHERE code = ?1 AND applicant_id = ?2",
                    params![code, applicant],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?)
        })
        .await
    }

    pub async fn file_supplement(
        &self,
        filing: SupplementFiling,
        make: SupplementMaker,
    ) -> Result<SubmissionResponse, ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let code = filing.code.clone();
            // Checked again inside the transaction: an officer may have
            // moved the dossier since.
            let status: String = tx.query_row(
                "SELECT status FROM dossiers WHERE code = ?1",
                params![code],
                |r| r.get(0),
            )?;
            let status = Status::parse(&status).ok_or_else(|| ApiError::internal(status))?;
            if status != Status::SupplementRequested {
                return Err(crate::supplements::not_awaiting(&code, status));
            }
            let upload_ids =
                checked_uploads(&tx, filing.applicant, &filing.documents, &filing.uploads)?;
            let asked: String = tx
                .query_row(
                    "SELECT COALESCE(request, note) FROM status_events
                     WHERE dossier_code = ?1 AND status = 'supplement_requested'
                     ORDER BY cursor DESC LIMIT 1",
                    params![code],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or_default();
            let number: u32 = tx.query_row(
                "SELECT COUNT(*) + 1 FROM supplements WHERE dossier_code = ?1",
                params![code],
                |r| r.get(0),
            )?;
            let signed = make(number, asked)?;
            tx.execute(
                "INSERT INTO supplements (dossier_code, number, answer, receipt, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    code,
                    number,
                    filing.answer,
                    serde_json::to_string(&signed).map_err(ApiError::internal)?,
                    filing.received_at
                ],
            )?;
            let supplement_id = tx.last_insert_rowid();
            for (i, (doc, upload_id)) in filing.documents.iter().zip(&upload_ids).enumerate() {
                tx.execute(
                    "INSERT INTO supplement_documents
                        (supplement_id, position, slot, name, size, sha256, upload_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        supplement_id,
                        i,
                        doc.slot,
                        doc.name,
                        doc.size,
                        doc.sha256.to_hex(),
                        upload_id
                    ],
                )?;
            }
            mark_filed(&tx, &upload_ids)?;
            tx.execute(
                "UPDATE dossiers SET appointment_date = ?2 WHERE code = ?1",
                params![code, filing.appointment_date],
            )?;
            record(
                &tx,
                &code,
                Status::Received,
                &filing.received_at,
                crate::filing::PORTAL_ACTOR,
                &crate::supplements::event_note(number),
                None,
            )?;
            let response = SubmissionResponse {
                receipt: signed,
                existing: false,
            };
            key_done(&tx, filing.applicant, &filing.key, Some(&code), &response)?;
            tx.commit()?;
            Ok(response)
        })
        .await
    }

    pub async fn supplement_receipts(&self, code: String) -> Result<Vec<String>, ApiError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT receipt FROM supplements WHERE dossier_code = ?1 ORDER BY number",
            )?;
            let rows = stmt
                .query_map(params![code], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(rows)
        })
        .await
    }

    pub async fn filed_document(
        &self,
        code: String,
        sha256: String,
    ) -> Result<Option<FiledDocument>, ApiError> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT name, size, upload_id FROM dossier_documents
                     WHERE dossier_code = ?1 AND sha256 = ?2
                     UNION ALL
                     SELECT d.name, d.size, d.upload_id FROM supplement_documents d
                     JOIN supplements s ON s.id = d.supplement_id
                     WHERE s.dossier_code = ?1 AND d.sha256 = ?2
                     LIMIT 1",
                    params![code, sha256],
                    |r| {
                        Ok(FiledDocument {
                            name: r.get(0)?,
                            size: r.get(1)?,
                            upload_id: r.get(2)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    pub async fn dossier_status(
        &self,
        code: String,
        applicant: Option<i64>,
    ) -> Result<Option<DossierStatus>, ApiError> {
        self.read(move |conn| dossier_status(conn, &code, applicant))
            .await
    }

    pub async fn feed(
        &self,
        applicant: i64,
        since: u64,
        limit: u32,
    ) -> Result<StatusFeed, ApiError> {
        self.read(move |conn| feed(conn, applicant, since, limit))
            .await
    }

    pub async fn officer_list(
        &self,
        status: Option<Status>,
    ) -> Result<Vec<DossierStatus>, ApiError> {
        self.read(move |conn| {
            let codes: Vec<String> = {
                let mut stmt = conn.prepare_cached(
                    "SELECT code FROM dossiers WHERE ?1 IS NULL OR status = ?1
                     ORDER BY received_at, code",
                )?;
                stmt.query_map(params![status.map(Status::as_str)], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?
            };
            let mut out = Vec::with_capacity(codes.len());
            for code in codes {
                out.extend(dossier_status(conn, &code, None)?);
            }
            Ok(out)
        })
        .await
    }

    pub async fn transition(
        &self,
        change: Move,
        issue: ResultNoticeMaker,
    ) -> Result<DossierStatus, ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let (code, at, to) = (&change.code, &change.at, change.change.to);
            let current = dossier_status(&tx, code, None)?
                .ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
            let request = crate::tracking::judge(
                code,
                &current,
                &change.change,
                change.expected,
                change.duties,
            )?;
            let notice = match to {
                Status::ResultReady => Some(issue_result(&tx, code, at, issue)?),
                _ => None,
            };
            let cancelled = close_payment(&tx, code, to, at)?;
            record(
                &tx,
                code,
                to,
                at,
                &change.officer,
                change.change.note.trim(),
                request.as_deref(),
            )?;
            for document in cancelled.iter().chain(&notice) {
                add_document(&tx, code, at, document)?;
            }
            let updated = dossier_status(&tx, code, None)?
                .ok_or_else(|| ApiError::internal(format!("dossier {code} vanished")))?;
            tx.commit()?;
            Ok(updated)
        })
        .await
    }

    pub async fn applicant_move(&self, change: ApplicantMove) -> Result<DossierStatus, ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let (code, at) = (&change.code, &change.at);
            let current = dossier_status(&tx, code, Some(change.applicant))?
                .ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
            let Some((to, note)) = crate::tracking::judge_applicant(code, &current, &change.ask)?
            else {
                return Ok(current);
            };
            let cancelled = close_payment(&tx, code, to, at)?;
            record(
                &tx,
                code,
                to,
                at,
                crate::tracking::APPLICANT_ACTOR,
                &note,
                None,
            )?;
            if let Some(cancelled) = &cancelled {
                add_document(&tx, code, at, cancelled)?;
            }
            let updated = dossier_status(&tx, code, Some(change.applicant))?
                .ok_or_else(|| ApiError::internal(format!("dossier {code} vanished")))?;
            tx.commit()?;
            Ok(updated)
        })
        .await
    }

    pub async fn record_refund(
        &self,
        order: RefundOrder,
        make: RefundMaker,
    ) -> Result<RefundRecorded, ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let (code, ask, at) = (order.code.as_str(), &order.ask, order.at.as_str());
            let reference = ask.bank_reference.as_str();
            let status: Option<String> = tx
                .query_row(
                    "SELECT status FROM dossiers WHERE code = ?1",
                    params![code],
                    |r| r.get(0),
                )
                .optional()?;
            let status = status.ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
            let status = Status::parse(&status).ok_or_else(|| ApiError::internal(status))?;
            let amount = i64::try_from(ask.amount_vnd).map_err(ApiError::internal)?;
            // The bank's reference is the key: a refund is recorded once.
            let fresh = tx.execute(
                "INSERT INTO refunds (bank_reference, dossier_code, amount_vnd, reason, officer,
                    recorded_at, notice, answer)
                 VALUES (?1, ?2, ?3, '', ?4, ?5, '', '')
                 ON CONFLICT(bank_reference) DO NOTHING",
                params![reference, code, amount, order.officer, at],
            )?;
            if fresh == 0 {
                let (stored_code, stored_amount, answer): (String, i64, String) = tx.query_row(
                    "SELECT dossier_code, amount_vnd, answer FROM refunds WHERE bank_reference = ?1",
                    params![reference],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?;
                let stored_amount = u64::try_from(stored_amount).map_err(ApiError::internal)?;
                return crate::refunds::again(code, ask, &stored_code, stored_amount, &answer);
            }
            let row: Option<(String, i64, i64, Option<String>)> = tx
                .query_row(
                    "SELECT p.request, p.paid_vnd, p.refund_due_vnd, r.receipt
                     FROM payment_requests p
                     LEFT JOIN fee_receipts r ON r.dossier_code = p.dossier_code
                     WHERE p.dossier_code = ?1",
                    params![code],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let (request, paid, due, receipt) =
                row.ok_or_else(|| crate::refunds::nothing_owed(code))?;
            let owing = Owing {
                status,
                request: serde_json::from_str(&request).map_err(ApiError::internal)?,
                paid_vnd: u64::try_from(paid).map_err(ApiError::internal)?,
                refund_due_vnd: u64::try_from(due).map_err(ApiError::internal)?,
            };
            let receipt = receipt
                .map(|r| serde_json::from_str(&r))
                .transpose()
                .map_err(ApiError::internal)?;
            let done = crate::refunds::refund(code, owing, ask, receipt, make)?;
            let payment = &done.answer.payment;
            tx.execute(
                "UPDATE payment_requests SET refund_due_vnd = ?2, state = ?3, request = ?4,
                    updated_at = ?5
                 WHERE dossier_code = ?1",
                params![
                    code,
                    i64::try_from(payment.refund_due_vnd).map_err(ApiError::internal)?,
                    state_name(payment.request.state),
                    serde_json::to_string(&payment.request).map_err(ApiError::internal)?,
                    at
                ],
            )?;
            let notice = &done.answer.refund_notice;
            tx.execute(
                "UPDATE refunds SET reason = ?2, notice = ?3, answer = ?4 WHERE bank_reference = ?1",
                params![
                    reference,
                    crate::refunds::reason_name(done.reason),
                    serde_json::to_string(notice).map_err(ApiError::internal)?,
                    serde_json::to_string(&done.answer).map_err(ApiError::internal)?
                ],
            )?;
            add_document(&tx, code, at, &DossierDocument::RefundNotice(notice.clone()))?;
            if done.refunded {
                let request = DossierDocument::PaymentRequest(payment.request.clone());
                add_document(&tx, code, at, &request)?;
            }
            tx.commit()?;
            Ok(done.answer)
        })
        .await
    }

    pub async fn results_state(&self, code: String) -> Result<Option<ResultsState>, ApiError> {
        self.read(move |conn| results_state(conn, &code)).await
    }

    pub async fn put_result(&self, new: NewResult) -> Result<Option<String>, ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let state = results_state(&tx, &new.code)?
                .ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
            crate::results::open_for_results(&new.code, state.status, state.issued)?;
            let folded = crate::results::folded(&new.name);
            let replaced: Option<String> = tx
                .query_row(
                    "SELECT storage_id FROM result_documents
                     WHERE dossier_code = ?1 AND folded_name = ?2",
                    params![new.code, folded],
                    |r| r.get(0),
                )
                .optional()?;
            tx.execute(
                "INSERT INTO result_documents (dossier_code, folded_name, name, size, sha256,
                    storage_id, added_at, added_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT(dossier_code, folded_name) DO UPDATE SET name = excluded.name,
                    size = excluded.size, sha256 = excluded.sha256,
                    storage_id = excluded.storage_id, added_at = excluded.added_at,
                    added_by = excluded.added_by",
                params![
                    new.code,
                    folded,
                    new.name,
                    i64::try_from(new.size).map_err(ApiError::internal)?,
                    new.sha256.to_hex(),
                    new.storage_id,
                    new.at,
                    new.officer
                ],
            )?;
            tx.commit()?;
            Ok(replaced)
        })
        .await
    }

    pub async fn delete_result(
        &self,
        code: String,
        name: String,
    ) -> Result<Option<String>, ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let state =
                results_state(&tx, &code)?.ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
            crate::results::open_for_results(&code, state.status, state.issued)?;
            let removed: Option<String> = tx
                .query_row(
                    "DELETE FROM result_documents WHERE dossier_code = ?1 AND folded_name = ?2
                     RETURNING storage_id",
                    params![code, crate::results::folded(&name)],
                    |r| r.get(0),
                )
                .optional()?;
            tx.commit()?;
            Ok(removed)
        })
        .await
    }

    pub async fn issued_result(
        &self,
        code: String,
        applicant: i64,
        name: String,
    ) -> Result<Option<StoredResult>, ApiError> {
        self.read(move |conn| {
            let row: Option<(String, i64, String, String)> = conn
                .query_row(
                    "SELECT r.name, r.size, r.sha256, r.storage_id FROM result_documents r
                     JOIN dossiers d ON d.code = r.dossier_code
                     JOIN result_notices n ON n.dossier_code = r.dossier_code
                     WHERE r.dossier_code = ?1 AND d.applicant_id = ?2 AND r.folded_name = ?3",
                    params![code, applicant, crate::results::folded(&name)],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            row.map(|(name, size, sha256, id)| super::result_row(name, size, &sha256, id))
                .transpose()
        })
        .await
    }

    pub async fn lookup(
        &self,
        address: String,
        code: String,
        pin: String,
        now: chrono::DateTime<chrono::FixedOffset>,
        limits: LookupLimits,
    ) -> Result<PublicStatus, ApiError> {
        self.call(move |conn| lookup(conn, &address, &code, &pin, now, &limits))
            .await
    }

    pub async fn forget_misses(&self, before_ms: i64) -> Result<(), ApiError> {
        self.call(move |conn| {
            conn.execute(
                "DELETE FROM lookup_misses WHERE at_ms <= ?1",
                params![before_ms],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn stored_dossiers(&self) -> Result<Vec<StoredDossier>, ApiError> {
        self.read(|conn| Ok(stored_dossiers(conn)?)).await
    }

    pub async fn payment(
        &self,
        code: String,
        applicant: Option<i64>,
    ) -> Result<PaymentLookup, ApiError> {
        self.read(move |conn| {
            // The request (absent: none), paid, owed back, the receipt.
            type Row = (Option<String>, Option<i64>, Option<i64>, Option<String>);
            let row: Option<Row> = conn
                .query_row(
                    "SELECT p.request, p.paid_vnd, p.refund_due_vnd, r.receipt FROM dossiers d
                     LEFT JOIN payment_requests p ON p.dossier_code = d.code
                     LEFT JOIN fee_receipts r ON r.dossier_code = d.code
                     WHERE d.code = ?1 AND (?2 IS NULL OR d.applicant_id = ?2)",
                    params![code, applicant],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            Ok(match row {
                None => PaymentLookup::NoDossier,
                Some((None, ..)) => PaymentLookup::NoPayment,
                Some((Some(request), paid, refund, receipt)) => {
                    PaymentLookup::Found(Box::new(PaymentStatus {
                        request: serde_json::from_str(&request).map_err(ApiError::internal)?,
                        paid_vnd: u64::try_from(paid.unwrap_or_default()).unwrap_or_default(),
                        refund_due_vnd: u64::try_from(refund.unwrap_or_default())
                            .unwrap_or_default(),
                        fee_receipt: receipt
                            .map(|r| serde_json::from_str(&r))
                            .transpose()
                            .map_err(ApiError::internal)?,
                    }))
                }
            })
        })
        .await
    }

    pub async fn record_transfer(
        &self,
        transfer: Transfer,
        make: FeeReceiptMaker,
    ) -> Result<Recorded, ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let n = &transfer.notification;
            let at = transfer.received_at.as_str();
            // The bank's transaction id is the key: a transfer counts once.
            let fresh = tx.execute(
                "INSERT INTO bank_transactions (transaction_id, account, amount_vnd, purpose,
                    credited_at, received_at, notification, answer_status, answer)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, '')
                 ON CONFLICT(transaction_id) DO NOTHING",
                params![
                    n.transaction_id.as_str(),
                    n.account.as_str(),
                    i64::try_from(n.amount_vnd).map_err(ApiError::internal)?,
                    n.purpose,
                    crate::payments::credited_at(n),
                    at,
                    transfer.body
                ],
            )?;
            if fresh == 0 {
                let (status, answer): (u16, String) = tx.query_row(
                    "SELECT answer_status, answer FROM bank_transactions WHERE transaction_id = ?1",
                    params![n.transaction_id.as_str()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                return super::recorded(status, &answer);
            }
            let found = match &transfer.code {
                None => Found::NoCode,
                Some(code) => {
                    let row: Option<(String, i64, String)> = tx
                        .query_row(
                            "SELECT p.request, p.paid_vnd, d.status FROM payment_requests p
                             JOIN dossiers d ON d.code = p.dossier_code
                             WHERE p.dossier_code = ?1",
                            params![code.as_str()],
                            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                        )
                        .optional()?;
                    match row {
                        Some((request, paid, status)) => Found::Request {
                            code: code.clone(),
                            status: Status::parse(&status)
                                .ok_or_else(|| ApiError::internal(status))?,
                            request: Box::new(
                                serde_json::from_str(&request).map_err(ApiError::internal)?,
                            ),
                            paid_vnd: u64::try_from(paid).unwrap_or_default(),
                        },
                        None => {
                            let known: bool = tx.query_row(
                                "SELECT EXISTS (SELECT 1 FROM dossiers WHERE code = ?1)",
                                params![code.as_str()],
                                |r| r.get(0),
                            )?;
                            if known {
                                Found::NoRequest(code.clone())
                            } else {
                                Found::NoDossier(code.clone())
                            }
                        }
                    }
                }
            };
            let judged = judge(n, found, transfer.now).map_err(ApiError::internal)?;
            let mut answer = judged.answer;
            let refund = i64::try_from(judged.refund_due_vnd).map_err(ApiError::internal)?;
            tx.execute(
                "UPDATE bank_transactions SET dossier_code = ?2, applied = ?3, late = ?4,
                    refund_due_vnd = ?5
                 WHERE transaction_id = ?1",
                params![
                    n.transaction_id.as_str(),
                    judged.dossier.as_ref().map(|c| c.as_str()),
                    judged.applied,
                    judged.late,
                    refund
                ],
            )?;
            let mut documents = Vec::new();
            if let Some(code) = &judged.dossier {
                let code = code.as_str();
                match &judged.update {
                    Some((request, paid)) => {
                        tx.execute(
                            "UPDATE payment_requests SET paid_vnd = ?2, state = ?3, request = ?4,
                                refund_due_vnd = refund_due_vnd + ?5, updated_at = ?6
                             WHERE dossier_code = ?1",
                            params![
                                code,
                                i64::try_from(*paid).map_err(ApiError::internal)?,
                                state_name(request.state),
                                serde_json::to_string(request).map_err(ApiError::internal)?,
                                refund,
                                at
                            ],
                        )?;
                        documents.push(DossierDocument::PaymentRequest(request.clone()));
                    }
                    None => {
                        tx.execute(
                            "UPDATE payment_requests SET refund_due_vnd = refund_due_vnd + ?2,
                                updated_at = ?3
                             WHERE dossier_code = ?1",
                            params![code, refund, at],
                        )?;
                    }
                }
                if let (true, Some((request, _))) = (judged.receipt_due, &judged.update) {
                    let number: u32 = tx.query_row(
                        "INSERT INTO receipt_sequence (serial, last) VALUES (?1, 1)
                         ON CONFLICT(serial) DO UPDATE SET last = last + 1 RETURNING last",
                        params![transfer.serial],
                        |r| r.get(0),
                    )?;
                    let payer: String = tx.query_row(
                        "SELECT payer FROM payment_requests WHERE dossier_code = ?1",
                        params![code],
                        |r| r.get(0),
                    )?;
                    let ids = {
                        let mut stmt = tx.prepare(
                            "SELECT transaction_id FROM bank_transactions
                             WHERE dossier_code = ?1 AND applied = 1
                             ORDER BY credited_at, transaction_id",
                        )?;
                        stmt.query_map(params![code], |r| r.get::<_, String>(0))?
                            .map(|id| id.map(|id| id.parse().map_err(ApiError::internal)))
                            .collect::<rusqlite::Result<Result<Vec<_>, _>>>()??
                    };
                    let payer = serde_json::from_str(&payer).map_err(ApiError::internal)?;
                    let signed = make(number, request, payer, ids)?;
                    tx.execute(
                        "INSERT INTO fee_receipts (serial, number, dossier_code, receipt, issued_at)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![
                            transfer.serial,
                            number,
                            code,
                            serde_json::to_string(&signed).map_err(ApiError::internal)?,
                            at
                        ],
                    )?;
                    answer.fee_receipt = Some(ReceiptNumber {
                        form: transfer.form.clone(),
                        serial: transfer.serial.clone(),
                        number,
                    });
                    documents.push(DossierDocument::FeeReceipt(signed));
                }
                for document in &documents {
                    add_document(&tx, code, at, document)?;
                }
            }
            let text = serde_json::to_string(&answer).map_err(ApiError::internal)?;
            tx.execute(
                "UPDATE bank_transactions SET answer_status = ?2, answer = ?3
                 WHERE transaction_id = ?1",
                params![n.transaction_id.as_str(), judged.status.as_u16(), text],
            )?;
            tx.commit()?;
            Ok(Recorded {
                status: judged.status,
                answer,
            })
        })
        .await
    }

    pub async fn expire_payments(&self, now: DateTime<FixedOffset>) -> Result<usize, ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let at = now.to_rfc3339();
            // Deadlines are stored in +07:00, as `now` is written: as text
            // they sort as the instants do.
            let due = {
                let mut stmt = tx.prepare(&format!(
                    "SELECT p.dossier_code, p.request, d.status FROM payment_requests p
                     JOIN dossiers d ON d.code = p.dossier_code
                     WHERE p.deadline_swept = 0 AND p.state IN {SWEPT_STATES} AND p.deadline < ?1"
                ))?;
                stmt.query_map(params![at], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?
            };
            let mut changed = 0;
            for (code, request, status) in due {
                let request: PaymentRequest =
                    serde_json::from_str(&request).map_err(ApiError::internal)?;
                let status = Status::parse(&status).ok_or_else(|| ApiError::internal(status))?;
                let AtDeadline::Passed(next) = at_deadline(&request, status, now) else {
                    continue;
                };
                let Some(next) = next else {
                    tx.execute(
                        "UPDATE payment_requests SET deadline_swept = 1 WHERE dossier_code = ?1",
                        params![code],
                    )?;
                    continue;
                };
                tx.execute(
                    "UPDATE payment_requests SET deadline_swept = 1, state = ?2, request = ?3,
                        updated_at = ?4
                     WHERE dossier_code = ?1",
                    params![
                        code,
                        state_name(next.state),
                        serde_json::to_string(&next).map_err(ApiError::internal)?,
                        at
                    ],
                )?;
                add_document(&tx, &code, &at, &DossierDocument::PaymentRequest(next))?;
                changed += 1;
            }
            tx.commit()?;
            Ok(changed)
        })
        .await
    }

    pub async fn create_multipart(
        &self,
        id: String,
        multipart: String,
        part_size: u64,
    ) -> Result<(), ApiError> {
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO upload_multiparts (upload_id, multipart_id, part_size) VALUES (?1, ?2, ?3)",
                params![id, multipart, part_size],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn multipart(&self, id: String) -> Result<Option<Multipart>, ApiError> {
        self.read(move |conn| {
            let Some((multipart_id, part_size, sealing)) = conn
                .query_row(
                    "SELECT multipart_id, part_size, sealing FROM upload_multiparts WHERE upload_id = ?1",
                    params![id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?
            else {
                return Ok(None);
            };
            let mut parts = conn.prepare_cached(
                "SELECT number, etag FROM upload_parts WHERE upload_id = ?1 ORDER BY number",
            )?;
            let parts = parts
                .query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut pieces = conn.prepare_cached(
                "SELECT start, length(bytes) FROM upload_pieces WHERE upload_id = ?1 ORDER BY start",
            )?;
            let pieces = pieces
                .query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Some(Multipart {
                multipart_id,
                part_size,
                sealing,
                parts,
                pieces,
            }))
        })
        .await
    }

    pub async fn piece_bytes(
        &self,
        id: String,
        from: u64,
    ) -> Result<Vec<(u64, Vec<u8>)>, ApiError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT start, bytes FROM upload_pieces
                 WHERE upload_id = ?1 AND start >= ?2 ORDER BY start",
            )?;
            let rows = stmt
                .query_map(params![id, from], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }

    pub async fn add_piece(&self, id: String, start: u64, bytes: Vec<u8>) -> Result<(), ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let end = start + bytes.len() as u64;
            tx.execute(
                "INSERT OR REPLACE INTO upload_pieces (upload_id, start, bytes) VALUES (?1, ?2, ?3)",
                params![id, start, bytes],
            )?;
            tx.execute(
                "UPDATE uploads SET offset_bytes = ?2 WHERE id = ?1 AND offset_bytes < ?2",
                params![id, end],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub async fn add_part(
        &self,
        id: String,
        number: i32,
        etag: String,
        end: u64,
    ) -> Result<(), ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT OR REPLACE INTO upload_parts (upload_id, number, etag) VALUES (?1, ?2, ?3)",
                params![id, number, etag],
            )?;
            tx.execute(
                "DELETE FROM upload_pieces WHERE upload_id = ?1 AND start < ?2",
                params![id, end],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub async fn sealing_multipart(&self, id: String) -> Result<(), ApiError> {
        self.call(move |conn| {
            conn.execute(
                "UPDATE upload_multiparts SET sealing = 1 WHERE upload_id = ?1",
                params![id],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn forget_multipart(&self, id: String) -> Result<(), ApiError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            for table in ["upload_multiparts", "upload_parts", "upload_pieces"] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE upload_id = ?1"),
                    params![id],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }
}

fn account_by_token(
    conn: &Connection,
    role: Role,
    token_sha256: &str,
) -> rusqlite::Result<Option<Account>> {
    let (accounts, tokens, owner) = role.tables();
    let duties = role.duties_column();
    conn.query_row(
        &format!(
            "SELECT a.id, a.account, {duties} FROM {tokens} t JOIN {accounts} a ON a.id = t.{owner}
             WHERE t.token_sha256 = ?1"
        ),
        params![token_sha256],
        |r| {
            Ok(Account {
                id: r.get(0)?,
                account: r.get(1)?,
                duties: super::read_duties(&r.get::<_, String>(2)?),
            })
        },
    )
    .optional()
}

fn upload(conn: &Connection, id: &str) -> rusqlite::Result<Option<UploadRow>> {
    conn.query_row(
        "SELECT applicant_id, length, offset_bytes, metadata, expires_at, sha256, filed, concat,
                length_deferred
         FROM uploads WHERE id = ?1",
        params![id],
        |r| {
            Ok(UploadRow {
                applicant_id: r.get(0)?,
                length: r.get(1)?,
                offset: r.get(2)?,
                metadata: r.get(3)?,
                expires_at: r.get(4)?,
                sha256: r.get(5)?,
                filed: r.get(6)?,
                concat: r.get(7)?,
                length_deferred: r.get(8)?,
            })
        },
    )
    .optional()
}

fn insert_upload(conn: &Connection, new: &NewUpload) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO uploads (id, applicant_id, length, offset_bytes, metadata, created_at,
            expires_at, concat, length_deferred)
         VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7, ?8)",
        params![
            new.id,
            new.applicant_id,
            new.length.unwrap_or(0),
            new.metadata,
            new.created_at,
            new.expires_at,
            new.concat,
            new.length.is_none()
        ],
    )?;
    Ok(())
}

/// What an applicant's unfiled uploads hold now.
fn usage(
    conn: &Connection,
    applicant: i64,
    max_upload: u64,
) -> rusqlite::Result<crate::quota::Usage> {
    conn.query_row(
        "SELECT COALESCE(SUM(sha256 IS NULL), 0),
            COALESCE(SUM(CASE WHEN sha256 IS NULL
                THEN CASE WHEN length_deferred = 1 THEN ?2 ELSE length END ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN sha256 IS NOT NULL THEN length ELSE 0 END), 0)
         FROM uploads WHERE applicant_id = ?1 AND filed = 0",
        params![applicant, max_upload],
        |r| {
            Ok(crate::quota::Usage {
                unfinished: r.get(0)?,
                unfinished_bytes: r.get(1)?,
                unfiled_bytes: r.get(2)?,
            })
        },
    )
}

fn complete(conn: &Connection, id: &str, offset: u64, done: &Completed) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE uploads SET offset_bytes = ?2, sha256 = ?3, completed_at = ?4,
            expires_at = CASE WHEN filed = 0 THEN ?5 ELSE expires_at END
         WHERE id = ?1",
        params![id, offset, done.sha256, done.at, done.expires_at],
    )?;
    Ok(())
}

fn delete_upload_unless_filed(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "DELETE FROM uploads WHERE id = ?1 AND filed = 0",
        params![id],
    )? > 0)
}

/// Marks the uploads a filing names as filed: no longer deletable, no
/// longer counted in quotas, never expiring.
fn mark_filed(tx: &rusqlite::Transaction<'_>, upload_ids: &[String]) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached("UPDATE uploads SET filed = 1 WHERE id = ?1")?;
    for id in upload_ids {
        stmt.execute(params![id])?;
    }
    Ok(())
}

/// The uploads a filing names, judged by [`crate::filing::judge_uploads`].
fn checked_uploads(
    tx: &rusqlite::Transaction<'_>,
    applicant: i64,
    documents: &[hoso_core::AttachedDocument],
    uploads: &[hoso_core::wire::UploadRef],
) -> Result<Vec<String>, ApiError> {
    let named = crate::filing::named_uploads(documents, uploads);
    let rows = named
        .iter()
        .map(|id| match id {
            Some(id) => upload(tx, id),
            None => Ok(None),
        })
        .collect::<rusqlite::Result<Vec<_>>>()?;
    crate::filing::judge_uploads(applicant, documents, &named, rows)
}

/// Marks `key` answered with `response`, for dossier `code`, inside the
/// transaction that filed it.
fn key_done(
    tx: &rusqlite::Transaction<'_>,
    applicant: i64,
    key: &str,
    code: Option<&str>,
    response: &SubmissionResponse,
) -> Result<(), ApiError> {
    tx.execute(
        "UPDATE idempotency_keys SET state = 'done', dossier_code = ?3, response = ?4
         WHERE applicant_id = ?1 AND key = ?2",
        params![
            applicant,
            key,
            code,
            serde_json::to_string(response).map_err(ApiError::internal)?
        ],
    )?;
    Ok(())
}

/// Appends a change to a dossier's history and makes it the current
/// state; the change's cursor.
fn record(
    conn: &Connection,
    code: &str,
    status: Status,
    at: &str,
    actor: &str,
    note: &str,
    request: Option<&str>,
) -> rusqlite::Result<u64> {
    conn.execute(
        "INSERT INTO status_events (dossier_code, status, at, actor, note, request)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![code, status.as_str(), at, actor, note, request],
    )?;
    let cursor = conn.last_insert_rowid();
    conn.execute(
        "UPDATE dossiers SET status = ?2 WHERE code = ?1",
        params![code, status.as_str()],
    )?;
    Ok(u64::try_from(cursor).unwrap_or_default())
}

fn event(r: &rusqlite::Row<'_>) -> rusqlite::Result<StatusEvent> {
    let cursor: i64 = r.get(0)?;
    let code: String = r.get(1)?;
    let status: String = r.get(2)?;
    let bad = |what: String| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, what.into())
    };
    Ok(StatusEvent {
        cursor: u64::try_from(cursor).unwrap_or_default(),
        code: code.parse().map_err(|e| bad(format!("{e}")))?,
        status: Status::parse(&status).ok_or_else(|| bad(format!("state {status}")))?,
        at: r.get(3)?,
        actor: r.get(4)?,
        note: r.get(5)?,
        request: r.get(6)?,
    })
}

const EVENT_COLUMNS: &str = "e.cursor, e.dossier_code, e.status, e.at, e.actor, e.note, e.request";

fn dossier_status(
    conn: &Connection,
    code: &str,
    applicant: Option<i64>,
) -> Result<Option<DossierStatus>, ApiError> {
    let row: Option<(String, String, String, i64)> = conn
        .query_row(
            "SELECT d.received_at, d.appointment_date, d.procedure_code,
                COALESCE(p.refund_due_vnd, 0)
             FROM dossiers d LEFT JOIN payment_requests p ON p.dossier_code = d.code
             WHERE d.code = ?1 AND (?2 IS NULL OR d.applicant_id = ?2)",
            params![code, applicant],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((received_at, appointment, procedure, refund_due)) = row else {
        return Ok(None);
    };
    // Officers see what is owed back; applicants read it with the payment.
    let refund_due = match applicant {
        None => u64::try_from(refund_due).unwrap_or_default(),
        Some(_) => 0,
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM status_events e WHERE e.dossier_code = ?1 ORDER BY e.cursor"
    ))?;
    let history = stmt
        .query_map(params![code], event)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    crate::tracking::status_of(
        code,
        received_at,
        &appointment,
        &procedure,
        history,
        refund_due,
    )
    .map(Some)
}

/// Where dossier `code` stands for its results.
fn results_state(conn: &Connection, code: &str) -> Result<Option<ResultsState>, ApiError> {
    let row: Option<(String, bool)> = conn
        .query_row(
            "SELECT d.status, EXISTS (SELECT 1 FROM result_notices n WHERE n.dossier_code = d.code)
             FROM dossiers d WHERE d.code = ?1",
            params![code],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(status, issued)| {
        Ok(ResultsState {
            status: Status::parse(&status).ok_or_else(|| ApiError::internal(status))?,
            issued,
        })
    })
    .transpose()
}

/// Signs (with `issue`) and records the result notice of dossier `code`,
/// naming each of its result documents; refused without one. The notice
/// as a document of the feed.
fn issue_result(
    tx: &rusqlite::Transaction<'_>,
    code: &str,
    at: &str,
    issue: ResultNoticeMaker,
) -> Result<DossierDocument, ApiError> {
    let documents = {
        let mut stmt = tx.prepare(
            "SELECT name, size, sha256 FROM result_documents WHERE dossier_code = ?1 ORDER BY name",
        )?;
        stmt.query_map(params![code], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .map(|(name, size, sha256)| {
            Ok(ResultDocument {
                name,
                size: u64::try_from(size).map_err(ApiError::internal)?,
                sha256: sha256.parse().map_err(ApiError::internal)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?
    };
    if documents.is_empty() {
        return Err(crate::results::none_yet(code));
    }
    let signed = issue(documents)?;
    tx.execute(
        "INSERT INTO result_notices (dossier_code, notice, issued_at) VALUES (?1, ?2, ?3)",
        params![
            code,
            serde_json::to_string(&signed).map_err(ApiError::internal)?,
            at
        ],
    )?;
    Ok(DossierDocument::ResultNotice(signed))
}

/// Closes dossier `code`'s payment when its move `to` ends it (refused
/// or withdrawn, [`owes_back_paid`]; any other move leaves it, `None`):
/// all that counted towards its fee is owed back, on top of what was owed
/// already, and a request that still asked for money is cancelled
/// (`PaymentRequest::cancel`). The cancelled request, a document of the
/// feed, which the caller adds after the status change.
fn close_payment(
    tx: &rusqlite::Transaction<'_>,
    code: &str,
    to: Status,
    at: &str,
) -> Result<Option<DossierDocument>, ApiError> {
    if !owes_back_paid(to) {
        return Ok(None);
    }
    let request: Option<String> = tx
        .query_row(
            "SELECT request FROM payment_requests WHERE dossier_code = ?1",
            params![code],
            |r| r.get(0),
        )
        .optional()?;
    let Some(request) = request else {
        return Ok(None);
    };
    let request: PaymentRequest = serde_json::from_str(&request).map_err(ApiError::internal)?;
    let cancelled = request.cancel();
    let now = cancelled.as_ref().unwrap_or(&request);
    tx.execute(
        "UPDATE payment_requests SET refund_due_vnd = refund_due_vnd + paid_vnd, state = ?2,
            request = ?3, updated_at = ?4
         WHERE dossier_code = ?1",
        params![
            code,
            state_name(now.state),
            serde_json::to_string(now).map_err(ApiError::internal)?,
            at
        ],
    )?;
    Ok(cancelled.map(DossierDocument::PaymentRequest))
}

fn feed(conn: &Connection, applicant: i64, since: u64, limit: u32) -> Result<StatusFeed, ApiError> {
    let limit = limit.clamp(1, crate::tracking::FEED_PAGE_MAX);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM status_events e JOIN dossiers d ON d.code = e.dossier_code
         WHERE d.applicant_id = ?1 AND e.cursor > ?2 ORDER BY e.cursor LIMIT ?3"
    ))?;
    let events = stmt
        .query_map(
            params![
                applicant,
                i64::try_from(since).unwrap_or(i64::MAX),
                limit + 1
            ],
            event,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT f.cursor, f.dossier_code, f.at, f.document FROM feed_documents f
         JOIN dossiers d ON d.code = f.dossier_code
         WHERE d.applicant_id = ?1 AND f.cursor > ?2 ORDER BY f.cursor LIMIT ?3",
    )?;
    let documents = stmt
        .query_map(
            params![
                applicant,
                i64::try_from(since).unwrap_or(i64::MAX),
                limit + 1
            ],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .map(|(cursor, code, at, document)| {
            super::feed_document(
                u64::try_from(cursor).unwrap_or_default(),
                &code,
                &at,
                &document,
            )
        })
        .collect::<Result<Vec<FeedDocument>, ApiError>>()?;
    Ok(crate::tracking::page(events, documents, since, limit))
}

/// Records the payment request of dossier `code`, filed at `at`, and
/// issues it in the change feed.
fn add_payment(
    tx: &rusqlite::Transaction<'_>,
    code: &str,
    payment: &NewPayment,
    at: &str,
) -> Result<(), ApiError> {
    let request = &payment.request;
    tx.execute(
        "INSERT INTO payment_requests (dossier_code, amount_vnd, state, deadline, request, payer,
            created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![
            code,
            i64::try_from(request.amount_vnd).map_err(ApiError::internal)?,
            state_name(request.state),
            request.deadline.to_rfc3339(),
            serde_json::to_string(request).map_err(ApiError::internal)?,
            serde_json::to_string(&payment.payer).map_err(ApiError::internal)?,
            at
        ],
    )?;
    add_document(
        tx,
        code,
        at,
        &DossierDocument::PaymentRequest(request.clone()),
    )
}

/// Adds `document` of dossier `code`, issued at `at`, to the change feed,
/// at a cursor drawn from the status events' own sequence: the row of
/// `sqlite_sequence` that `AUTOINCREMENT` keeps for `status_events`, so
/// that the next event's cursor comes after it (one writer, so cursors
/// also become visible in their order).
fn add_document(
    tx: &rusqlite::Transaction<'_>,
    code: &str,
    at: &str,
    document: &DossierDocument,
) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'status_events', 0
         WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'status_events')",
        [],
    )?;
    let cursor: i64 = tx.query_row(
        "UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = 'status_events' RETURNING seq",
        [],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO feed_documents (cursor, dossier_code, kind, at, document)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            cursor,
            code,
            super::document_kind(document),
            at,
            serde_json::to_string(document).map_err(ApiError::internal)?
        ],
    )?;
    Ok(())
}

/// The state of dossier `code` for whoever holds its PIN, asked from
/// `address` at `now`.
pub(super) fn lookup(
    conn: &mut Connection,
    address: &str,
    code: &str,
    pin: &str,
    now: chrono::DateTime<chrono::FixedOffset>,
    limits: &LookupLimits,
) -> Result<PublicStatus, ApiError> {
    let window = crate::lookup::Window::new(now, limits);
    let tx = conn.transaction()?;
    let (mine, my_oldest): (u32, Option<i64>) = tx.query_row(
        "SELECT COUNT(*), MIN(at_ms) FROM lookup_misses WHERE address = ?1 AND at_ms > ?2",
        params![address, window.since()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if mine >= limits.misses_per_address {
        return Err(window.paused(my_oldest));
    }
    if mine > 0 {
        let (all, oldest): (u32, Option<i64>) = tx.query_row(
            "SELECT COUNT(*), MIN(at_ms) FROM lookup_misses WHERE at_ms > ?1",
            params![window.since()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if all >= limits.misses_overall {
            return Err(window.paused(oldest));
        }
    }
    let code = code.trim();
    let stored: Option<String> = tx
        .query_row(
            "SELECT lookup_pin FROM dossiers WHERE code = ?1",
            params![code],
            |r| r.get(0),
        )
        .optional()?;
    if !crate::lookup::pin_matches(stored.as_deref(), pin) {
        tx.execute(
            "INSERT INTO lookup_misses (address, at_ms) VALUES (?1, ?2)",
            params![address, window.now_ms()],
        )?;
        tx.commit()?;
        return Err(crate::lookup::refused());
    }
    let status = dossier_status(&tx, code, None)?.ok_or_else(crate::lookup::refused)?;
    tx.commit()?;
    Ok(crate::lookup::public(status))
}

/// Every dossier with its documents, oldest first.
pub(super) fn stored_dossiers(conn: &Connection) -> rusqlite::Result<Vec<StoredDossier>> {
    let mut stmt = conn
        .prepare("SELECT code, procedure_code, status FROM dossiers ORDER BY received_at, code")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut docs = conn.prepare(
        "SELECT name, sha256, upload_id FROM dossier_documents WHERE dossier_code = ?1
         ORDER BY position",
    )?;
    rows.into_iter()
        .map(|(code, procedure, status)| {
            let documents = docs
                .query_map([&code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(StoredDossier {
                code,
                procedure,
                status,
                documents,
            })
        })
        .collect()
}

/// Every dossier of the SQLite database at `path`, opened read-only (the
/// portal may be running).
pub fn inspect(path: &Path) -> rusqlite::Result<Vec<StoredDossier>> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    stored_dossiers(&conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_database_of_the_first_version_gains_histories_and_pins() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("portal.sqlite3");
        {
            let conn = Connection::open(&path).expect("open");
            conn.execute_batch(MIGRATIONS[0].sqlite)
                .expect("first version");
            conn.pragma_update(None, "user_version", 1)
                .expect("version");
            conn.execute_batch(
                r#"INSERT INTO applicants VALUES (1, 'cty-cu', 'Công ty Cũ', '2026-07-01T08:00:00+07:00');
                   INSERT INTO dossiers VALUES ('HOSO.PRACTICE-20260701-0001', 1, 'thong-bao-thu', '1',
                     'ab', '{}', '{"receipt": {"lookup_pin": "K7QX", "appointment_date": "2026-07-03"}, "signature": "x"}',
                     '2026-07-01T09:00:00+07:00', 'received');"#,
            )
            .expect("old rows");
        }
        let _db = Sqlite::open(&path).expect("upgrade");
        let conn = Connection::open(&path).expect("reopen");
        let version: usize = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(version, MIGRATIONS.len());
        let (pin, date): (String, String) = conn
            .query_row(
                "SELECT lookup_pin, appointment_date FROM dossiers",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("row");
        assert_eq!((pin.as_str(), date.as_str()), ("K7QX", "2026-07-03"));
        let status = dossier_status(&conn, "HOSO.PRACTICE-20260701-0001", Some(1))
            .expect("status")
            .expect("found");
        assert_eq!(status.history.len(), 1);
        assert_eq!(status.history[0].actor, "portal");
        assert_eq!(status.history[0].at, "2026-07-01T09:00:00+07:00");
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("check");
        assert_eq!(integrity, "ok");
    }

    /// A database with the portal's tables and one dossier whose PIN is K7QX.
    fn database() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("portal.sqlite3");
        drop(Sqlite::open(&path).expect("migrated"));
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch(
            r#"INSERT INTO applicants VALUES (1, 'cty', 'Công ty', '2026-12-01T08:00:00+07:00');
               INSERT INTO dossiers (code, applicant_id, procedure_code, procedure_version,
                 manifest_sha256, content, receipt, received_at, status, lookup_pin, appointment_date)
               VALUES ('HOSO.PRACTICE-20261201-0001', 1, 'thong-bao-thu', '1', 'ab', '{}', '{}',
                 '2026-12-01T09:00:00+07:00', 'received', 'K7QX', '2026-12-03');
               INSERT INTO status_events (dossier_code, status, at, actor)
                 VALUES ('HOSO.PRACTICE-20261201-0001', 'received', '2026-12-01T09:00:00+07:00', 'portal');"#,
        )
        .expect("rows");
        (dir, conn)
    }

    #[test]
    fn guesses_pause_their_address_and_the_window_slides_the_owner_is_answered() {
        let (_dir, mut conn) = database();
        let limits = LookupLimits {
            misses_per_address: 3,
            misses_overall: 5,
            window: Duration::from_secs(600),
        };
        let code = "HOSO.PRACTICE-20261201-0001";
        let t0 = chrono::DateTime::parse_from_rfc3339("2026-12-04T10:00:00+07:00").expect("time");
        let at = |secs: i64| t0 + chrono::Duration::seconds(secs);
        // Three guesses from one address, across codes known and unknown.
        for (i, c) in [code, "HOSO.PRACTICE-20261201-0002", "rác"]
            .iter()
            .enumerate()
        {
            let e =
                lookup(&mut conn, "10.0.0.66", c, "AAAA", at(i as i64), &limits).expect_err("miss");
            assert_eq!((e.status.as_u16(), e.code), (404, "lookup_failed"));
        }
        // Then that address waits, whatever it asks, even the right PIN.
        let e = lookup(&mut conn, "10.0.0.66", code, "K7QX", at(10), &limits).expect_err("paused");
        assert_eq!((e.status.as_u16(), e.code), (429, "lookup_paused"));
        let wait = e
            .headers
            .iter()
            .find(|(n, _)| n == "retry-after")
            .expect("retry-after");
        assert_eq!(
            wait.1, "590",
            "until the oldest miss (at 0 s) leaves the window"
        );
        // The owner, elsewhere, is answered.
        let found = lookup(&mut conn, "10.0.0.1", code, "k7qx", at(11), &limits).expect("owner");
        assert_eq!(found.code.as_str(), code);
        // Two more addresses miss: five in all. One that missed once now
        // waits; one that never missed is still answered.
        lookup(&mut conn, "10.0.0.67", code, "AAAA", at(12), &limits).expect_err("miss");
        lookup(&mut conn, "10.0.0.68", code, "AAAA", at(13), &limits).expect_err("miss");
        let e = lookup(&mut conn, "10.0.0.67", code, "K7QX", at(14), &limits).expect_err("overall");
        assert_eq!(e.code, "lookup_paused");
        lookup(&mut conn, "10.0.0.2", code, "K7QX", at(15), &limits).expect("never missed");
        // Once the window has slid past the first misses, the address is
        // answered again.
        lookup(&mut conn, "10.0.0.66", code, "K7QX", at(602), &limits).expect("window slid");
    }

    #[test]
    fn a_wrong_pin_and_an_unknown_code_get_the_same_answer() {
        let (_dir, mut conn) = database();
        let limits = LookupLimits::default();
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-04T10:00:00+07:00").expect("time");
        let wrong = lookup(
            &mut conn,
            "a",
            "HOSO.PRACTICE-20261201-0001",
            "AAAA",
            now,
            &limits,
        )
        .expect_err("wrong pin");
        let unknown = lookup(
            &mut conn,
            "a",
            "HOSO.PRACTICE-20261201-0009",
            "AAAA",
            now,
            &limits,
        )
        .expect_err("unknown code");
        assert_eq!(
            (wrong.status, wrong.code, &wrong.message),
            (unknown.status, unknown.code, &unknown.message)
        );
        let misses: u32 = conn
            .query_row(
                "SELECT COUNT(*) FROM lookup_misses WHERE address = 'a'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(misses, 2, "both recorded the same way");
    }
}
