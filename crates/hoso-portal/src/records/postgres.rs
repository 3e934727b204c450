//! The records in PostgreSQL, which any number of portal replicas share
//! (tokio-postgres, connections pooled by deadpool-postgres). What must be
//! unique or counted once across replicas is made so by the database, never
//! by a process:
//! - dossier codes: the day's sequence row is incremented with
//!   `INSERT … ON CONFLICT DO UPDATE … RETURNING`, whose row lock makes
//!   concurrent filings take turns; the code is the primary key besides;
//! - idempotency keys: a claim is an `INSERT … ON CONFLICT DO NOTHING`,
//!   or else the key's row is read `FOR UPDATE`; the claim names the
//!   replica that made it. Each replica, while it lives, holds a session
//!   advisory lock on its own id (`replicas` row) on a connection of its
//!   own; a claim whose replica's lock can be taken was left by a replica
//!   that died (its session ended with it) and is claimed anew. The filing
//!   marks its key done only while its replica still owns the claim, in
//!   the filing's transaction, so a claim taken over never files twice;
//! - the change feed: every status change is the last write of its
//!   transaction and takes a transaction-level advisory lock before its
//!   cursor is drawn, held until commit, so cursors become visible in
//!   their order: a reader that saw cursor n will never later see a
//!   smaller one appear (a rolled-back cursor is a gap nobody fills);
//! - lookup misses and quotas: counted and added under a transaction-level
//!   advisory lock per client address and per applicant;
//! - the upload a request writes to: a lease row (`upload_leases`) naming
//!   the request and its replica; a lease of a replica that died is taken
//!   over at once. A newer request asks the holder's replica to let go
//!   with a notification (`hoso_upload_wanted`, heard on the replica's own
//!   session): it stops if its request has been silent for a second, else
//!   says so in the lease row (see `state.rs`). Nothing is written while
//!   nobody asks.

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
use deadpool_postgres::GenericClient;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use hoso_core::fee_receipt::ReceiptNumber;
use hoso_core::payment::PaymentRequest;
use hoso_core::result_notice::ResultDocument;
use hoso_core::status::Status;
use hoso_core::wire::{DossierDocument, PaymentStatus, RefundRecorded};
use hoso_core::wire::{DossierStatus, PublicStatus, StatusEvent, StatusFeed, SubmissionResponse};
use std::sync::Arc;
use tokio_postgres::{NoTls, Row};

/// Every statement is prepared once per pooled connection and kept
/// (deadpool's statement cache; `RecyclingMethod::Fast` keeps it): sent as
/// text each time, PostgreSQL would parse and plan it again, a round trip
/// more per statement, which under a thousand small PATCHes was most of
/// its CPU.
trait Cached: GenericClient {
    async fn cached_query(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Row>, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.query(&statement, params).await
    }

    async fn cached_query_one(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Row, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.query_one(&statement, params).await
    }

    async fn cached_query_opt(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Option<Row>, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.query_opt(&statement, params).await
    }

    async fn cached_execute(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<u64, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.execute(&statement, params).await
    }
}

impl<C: GenericClient> Cached for C {}

/// Namespaces of the portal's advisory locks (the first of their two keys).
mod lock {
    /// Running the migrations: one replica at a time.
    pub const MIGRATE: i32 = 0x484F_0001;
    /// A live replica, by its id.
    pub const REPLICA: i32 = 0x484F_0002;
    /// Drawing a change-feed cursor.
    pub const FEED: i32 = 0x484F_0003;
    /// Counting a client address's lookup misses.
    pub const LOOKUP: i32 = 0x484F_0004;
    /// Admitting an applicant's upload against the quotas.
    pub const QUOTA: i32 = 0x484F_0005;
}

/// The PostgreSQL back end of one replica.
#[derive(Clone)]
pub struct Postgres {
    pool: Pool,
    /// A few connections for the one-row reads a `HEAD` makes: never
    /// queued behind the statements of a thousand PATCHes.
    peek: Pool,
    /// This replica's id (its `replicas` row).
    replica: i32,
    /// The connection that holds this replica's lock while it lives.
    _presence: Arc<tokio_postgres::Client>,
    /// Uploads other replicas asked for, until taken by the state.
    wanted: WantedUploads,
}

/// The receiving end of the uploads other replicas asked for.
type WantedUploads = Arc<std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<String>>>>;

/// The channel on which a replica is asked to let go of an upload.
const WANTED_CHANNEL: &str = "hoso_upload_wanted";

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("replica", &self.replica)
            .finish_non_exhaustive()
    }
}

fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn uint(v: i64) -> u64 {
    u64::try_from(v).unwrap_or_default()
}

/// Runs the migrations not yet run, each in its own transaction, while
/// holding a lock so that replicas starting together run each once;
/// `schema_version` records how many have run.
pub(super) async fn migrate(
    conn: &mut tokio_postgres::Client,
) -> Result<(), tokio_postgres::Error> {
    conn.execute("SELECT pg_advisory_lock($1, 0)", &[&lock::MIGRATE])
        .await?;
    let ran = async {
        conn.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            .await?;
        let done: i64 = conn
            .query_one(
                "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_version",
                &[],
            )
            .await?
            .get(0);
        for (i, step) in MIGRATIONS.iter().enumerate().skip(uint(done) as usize) {
            let tx = conn.transaction().await?;
            tx.batch_execute(step.postgres).await?;
            let version = i32::try_from(i + 1).unwrap_or(i32::MAX);
            tx.execute("DELETE FROM schema_version", &[]).await?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES ($1)",
                &[&version],
            )
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }
    .await;
    conn.execute("SELECT pg_advisory_unlock($1, 0)", &[&lock::MIGRATE])
        .await?;
    ran
}

/// Replicas started this long ago or more, whose process is gone (their
/// lock can be taken) and that nothing names any more, are forgotten.
/// A younger row may belong to a replica between registering and taking
/// its lock.
const FORGET_REPLICAS_AFTER: chrono::Duration = chrono::Duration::hours(1);

/// Removes the rows of replicas that are gone and named by no claim or
/// lease, so that restarts do not add a row each forever; how many.
async fn forget_gone_replicas(
    conn: &mut tokio_postgres::Client,
    me: i32,
) -> Result<u64, tokio_postgres::Error> {
    let before = (crate::state::now_vn() - FORGET_REPLICAS_AFTER).to_rfc3339();
    let tx = conn.transaction().await?;
    let n = tx
        .execute(
            "DELETE FROM replicas r WHERE r.id <> $2 AND r.started_at < $3
               AND NOT EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.owner = r.id)
               AND NOT EXISTS (SELECT 1 FROM upload_leases u WHERE u.replica = r.id)
               AND pg_try_advisory_xact_lock($1, r.id)",
            &[&lock::REPLICA, &me, &before],
        )
        .await?;
    tx.commit().await?;
    if n > 0 {
        tracing::info!(forgotten = n, "rows of replicas long gone were removed");
    }
    Ok(n)
}

/// How long one statement on a pooled connection may run, waiting for a
/// lock included.
const STATEMENT_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Connections each replica keeps for the reads of `HEAD`, beside its pool.
pub const PEEK_CONNECTIONS: usize = 2;

/// How long a request waits for a pooled connection (or for a new one to
/// open) before it is answered 503.
const POOL_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

impl Postgres {
    /// Connects to `url`, runs the migrations missing, and registers this
    /// replica (listening at `address`) with its lock held.
    pub async fn open(url: &str, pool_size: usize, address: &str) -> anyhow::Result<Self> {
        let config: tokio_postgres::Config = url.parse()?;
        let (mut first, mut connection) = config.connect(NoTls).await?;
        let (wanted_tx, wanted_rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(message) = futures_util::StreamExt::next(&mut messages).await {
                match message {
                    Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                        let _ = wanted_tx.send(n.payload().to_owned());
                    }
                    Ok(_) => {}
                    Err(e) => {
                        // Its lock is gone: other replicas now take this
                        // one's claims and leases as abandoned, so it must
                        // not go on writing under them. It stops at once,
                        // as if killed; its service manager starts it
                        // again with a new session.
                        tracing::error!(%e, "the replica's own database session ended: stopping");
                        eprintln!(
                            "Mất phiên cơ sở dữ liệu của bản chạy này; dừng ngay. / This replica lost its own database session ({e}); stopping now."
                        );
                        std::process::exit(75);
                    }
                }
            }
        });
        migrate(&mut first).await?;
        let now = crate::state::now_vn().to_rfc3339();
        let replica: i32 = first
            .query_one(
                "INSERT INTO replicas (started_at, address) VALUES ($1, $2) RETURNING id",
                &[&now, &address],
            )
            .await?
            .get(0);
        // Held by this session until the process ends: claims naming this
        // replica stay its own while it lives.
        first
            .execute(
                "SELECT pg_advisory_lock($1, $2)",
                &[&lock::REPLICA, &replica],
            )
            .await?;
        first
            .batch_execute(&format!("LISTEN {WANTED_CHANNEL}"))
            .await?;
        forget_gone_replicas(&mut first, replica).await?;
        // Pooled connections answer within STATEMENT_LIMIT or give up
        // (a 503 the client retries) rather than pile up behind a lock;
        // a URL that sets its own options keeps them.
        let mut pooled = config.clone();
        if pooled.get_options().is_none() {
            pooled.options(format!(
                "-c statement_timeout={}",
                STATEMENT_LIMIT.as_millis()
            ));
        }
        let pool_of = |size: usize, config: tokio_postgres::Config| {
            let manager = Manager::from_config(
                config,
                NoTls,
                ManagerConfig {
                    recycling_method: RecyclingMethod::Fast,
                },
            );
            Pool::builder(manager)
                .max_size(size)
                .wait_timeout(Some(POOL_WAIT))
                .create_timeout(Some(POOL_WAIT))
                .runtime(deadpool_postgres::Runtime::Tokio1)
                .build()
        };
        let peek = pool_of(PEEK_CONNECTIONS, pooled.clone())?;
        let pool = pool_of(pool_size.max(1), pooled)?;
        // Opened now, not by the first HEAD of a busy hour: a new session
        // costs the database a process.
        let warm: Vec<_> =
            futures_util::future::try_join_all((0..PEEK_CONNECTIONS).map(|_| peek.get())).await?;
        drop(warm);
        Ok(Self {
            pool,
            peek,
            replica,
            _presence: Arc::new(first),
            wanted: Arc::new(std::sync::Mutex::new(Some(wanted_rx))),
        })
    }

    async fn conn(&self) -> Result<deadpool_postgres::Object, ApiError> {
        self.pool.get().await.map_err(ApiError::from)
    }

    pub async fn account_by_token(
        &self,
        role: Role,
        token_sha256: String,
    ) -> Result<Option<Account>, ApiError> {
        let (accounts, tokens, owner) = role.tables();
        let duties = role.duties_column();
        let row = self
            .conn()
            .await?
            .cached_query_opt(
                &format!(
                    "SELECT a.id, a.account, {duties}::TEXT FROM {tokens} t
                     JOIN {accounts} a ON a.id = t.{owner}
                     WHERE t.token_sha256 = $1"
                ),
                &[&token_sha256],
            )
            .await?;
        Ok(row.map(|r| Account {
            id: r.get(0),
            account: r.get(1),
            duties: super::read_duties(r.get(2)),
        }))
    }

    pub async fn add_token(
        &self,
        role: Role,
        account: String,
        display_name: String,
        token_sha256: String,
        now: String,
    ) -> Result<(), ApiError> {
        let (accounts, tokens, owner) = role.tables();
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        tx.cached_execute(
            &format!(
                "INSERT INTO {accounts} (account, display_name, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (account) DO NOTHING"
            ),
            &[&account, &display_name, &now],
        )
        .await?;
        tx.cached_execute(
            &format!(
                "INSERT INTO {tokens} (token_sha256, {owner}, created_at)
                 SELECT $1, id, $3 FROM {accounts} WHERE account = $2"
            ),
            &[&token_sha256, &account, &now],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn upload(&self, id: String) -> Result<Option<UploadRow>, ApiError> {
        upload(&self.conn().await?, &id).await
    }

    pub async fn peek_upload(&self, id: String) -> Result<Option<(UploadRow, bool)>, ApiError> {
        let row = self
            .peek
            .get()
            .await
            .map_err(ApiError::from)?
            .cached_query_opt(
                &format!(
                    "SELECT {UPLOAD_COLUMNS}, EXISTS (SELECT 1 FROM upload_leases l
                        WHERE l.upload_id = u.id AND l.replica <> $2)
                     FROM uploads u WHERE id = $1"
                ),
                &[&id, &i64::from(self.replica)],
            )
            .await?;
        Ok(row.map(|r| (upload_row(&r), r.get(9))))
    }

    pub async fn create_upload(
        &self,
        new: NewUpload,
        max_upload: u64,
        quotas: Quotas,
    ) -> Result<(), ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        // Two replicas admitting the same applicant's uploads take turns.
        tx.cached_execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2::BIGINT::TEXT))",
            &[&lock::QUOTA, &new.applicant_id],
        )
        .await?;
        let r = tx
            .cached_query_one(
                "SELECT COALESCE(SUM(CASE WHEN sha256 IS NULL THEN 1 ELSE 0 END), 0)::BIGINT,
                    COALESCE(SUM(CASE WHEN sha256 IS NULL
                        THEN CASE WHEN length_deferred THEN $2 ELSE length END ELSE 0 END), 0)::BIGINT,
                    COALESCE(SUM(CASE WHEN sha256 IS NOT NULL THEN length ELSE 0 END), 0)::BIGINT
                 FROM uploads WHERE applicant_id = $1 AND NOT filed",
                &[&new.applicant_id, &int(max_upload)],
            )
            .await?;
        let usage = crate::quota::Usage {
            unfinished: uint(r.get(0)),
            unfinished_bytes: uint(r.get(1)),
            unfiled_bytes: uint(r.get(2)),
        };
        crate::quota::admit(usage, new.length.unwrap_or(max_upload), &quotas)?;
        insert_upload(&tx, &new).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn insert_upload(&self, new: NewUpload) -> Result<(), ApiError> {
        insert_upload(&self.conn().await?, &new).await
    }

    pub async fn set_length(&self, id: String, length: u64) -> Result<(), ApiError> {
        self.conn()
            .await?
            .cached_execute(
                "UPDATE uploads SET length = $2, length_deferred = FALSE
                 WHERE id = $1 AND length_deferred",
                &[&id, &int(length)],
            )
            .await?;
        Ok(())
    }

    pub async fn ping(&self) -> Result<(), ApiError> {
        self.conn().await?.cached_query_one("SELECT 1", &[]).await?;
        Ok(())
    }

    pub async fn raise_offset(&self, id: String, offset: u64) -> Result<(), ApiError> {
        self.conn()
            .await?
            .cached_execute(
                "UPDATE uploads SET offset_bytes = $2 WHERE id = $1 AND offset_bytes < $2",
                &[&id, &int(offset)],
            )
            .await?;
        Ok(())
    }

    pub async fn reset_offset(&self, id: String, offset: u64) -> Result<(), ApiError> {
        self.conn()
            .await?
            .cached_execute(
                "UPDATE uploads SET offset_bytes = $2 WHERE id = $1",
                &[&id, &int(offset)],
            )
            .await?;
        Ok(())
    }

    pub async fn complete_upload(
        &self,
        id: String,
        offset: u64,
        done: Completed,
    ) -> Result<(), ApiError> {
        complete(&self.conn().await?, &id, offset, &done).await
    }

    pub async fn delete_upload_unless_filed(&self, id: String) -> Result<bool, ApiError> {
        delete_upload_unless_filed(&self.conn().await?, &id).await
    }

    pub async fn unfiled_uploads(&self) -> Result<Vec<(String, String)>, ApiError> {
        let rows = self
            .conn()
            .await?
            .cached_query("SELECT id, expires_at FROM uploads WHERE NOT filed", &[])
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    pub async fn final_upload(
        &self,
        applicant: i64,
        concat: String,
    ) -> Result<Option<FinalUpload>, ApiError> {
        let row = self
            .conn()
            .await?
            .cached_query_opt(
                "SELECT id, sha256, expires_at FROM uploads WHERE applicant_id = $1 AND concat = $2",
                &[&applicant, &concat],
            )
            .await?;
        Ok(row.map(|r| FinalUpload {
            id: r.get(0),
            sha256: r.get(1),
            expires_at: r.get(2),
        }))
    }

    pub async fn complete_final(
        &self,
        id: String,
        total: u64,
        done: Completed,
        parts: Vec<String>,
    ) -> Result<Vec<String>, ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        complete(&tx, &id, total, &done).await?;
        let mut removed = Vec::new();
        for part in parts {
            if delete_upload_unless_filed(&tx, &part).await? {
                removed.push(part);
            }
        }
        tx.commit().await?;
        Ok(removed)
    }

    pub async fn claim_key(&self, claim: KeyClaim) -> Result<Claim, ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        let inserted = tx
            .cached_execute(
                "INSERT INTO idempotency_keys
                    (applicant_id, key, request_sha256, state, created_at, expires_at, owner)
                 VALUES ($1, $2, $3, 'processing', $4, $5, $6)
                 ON CONFLICT (applicant_id, key) DO NOTHING",
                &[
                    &claim.applicant,
                    &claim.key,
                    &claim.request_sha256,
                    &claim.now,
                    &claim.expires_at,
                    &i64::from(self.replica),
                ],
            )
            .await?;
        if inserted == 1 {
            tx.commit().await?;
            return Ok(Claim::Fresh);
        }
        // Held already: read it locked, so that two replicas judging the
        // same abandoned claim take turns and only the first claims it.
        let row = tx
            .cached_query_one(
                "SELECT request_sha256, state, response, created_at, expires_at, owner,
                    state = 'processing' AND owner IS NOT NULL
                        AND pg_try_advisory_xact_lock($3, owner::INTEGER)
                 FROM idempotency_keys WHERE applicant_id = $1 AND key = $2 FOR UPDATE",
                &[&claim.applicant, &claim.key, &lock::REPLICA],
            )
            .await?;
        let (stored, state, response, created, expires): (
            String,
            String,
            Option<String>,
            String,
            String,
        ) = (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        let owner_gone: bool = row.get(6);
        let held = crate::filing::HeldKey {
            request_sha256: &stored,
            done: state == "done",
            response,
            expired: expires < claim.now,
            abandoned: owner_gone || created < claim.stale_before,
        };
        if let Some(answer) = crate::filing::judge_claim(held, &claim.request_sha256)? {
            return Ok(answer);
        }
        tx.cached_execute(
            "UPDATE idempotency_keys SET request_sha256 = $3, state = 'processing',
                dossier_code = NULL, response = NULL, created_at = $4, expires_at = $5, owner = $6
             WHERE applicant_id = $1 AND key = $2",
            &[
                &claim.applicant,
                &claim.key,
                &claim.request_sha256,
                &claim.now,
                &claim.expires_at,
                &i64::from(self.replica),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(Claim::Fresh)
    }

    pub async fn release_key(&self, applicant: i64, key: String) -> Result<(), ApiError> {
        self.conn()
            .await?
            .cached_execute(
                "DELETE FROM idempotency_keys
                 WHERE applicant_id = $1 AND key = $2 AND state = 'processing' AND owner = $3",
                &[&applicant, &key, &i64::from(self.replica)],
            )
            .await?;
        Ok(())
    }

    /// Releases the claims of replicas that are gone (their lock can be
    /// taken); those of replicas still running stay theirs.
    pub async fn release_abandoned_claims(&self) -> Result<usize, ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        let n = tx
            .cached_execute(
                "DELETE FROM idempotency_keys WHERE state = 'processing'
                 AND (owner IS NULL OR pg_try_advisory_xact_lock($1, owner::INTEGER))",
                &[&lock::REPLICA],
            )
            .await?;
        tx.commit().await?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    pub async fn key_state(
        &self,
        applicant: i64,
        key: String,
    ) -> Result<Option<KeyState>, ApiError> {
        let row = self
            .conn()
            .await?
            .cached_query_opt(
                "SELECT response FROM idempotency_keys WHERE applicant_id = $1 AND key = $2",
                &[&applicant, &key],
            )
            .await?;
        Ok(row.map(|r| KeyState { response: r.get(0) }))
    }

    pub async fn forget_expired_keys(&self, now: String) -> Result<usize, ApiError> {
        let n = self
            .conn()
            .await?
            .cached_execute(
                "DELETE FROM idempotency_keys WHERE state = 'done' AND expires_at < $1",
                &[&now],
            )
            .await?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    pub async fn file_dossier(
        &self,
        filing: Filing,
        make: DossierMaker,
    ) -> Result<(StatusCode, SubmissionResponse), ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        let upload_ids =
            checked_uploads(&tx, filing.applicant, &filing.documents, &filing.uploads).await?;
        let earlier: Option<String> = if filing.new_filing {
            None
        } else {
            tx.cached_query_opt(
                "SELECT receipt FROM dossiers WHERE applicant_id = $1 AND manifest_sha256 = $2
                 ORDER BY received_at LIMIT 1",
                &[&filing.applicant, &filing.manifest_sha256],
            )
            .await?
            .map(|r| r.get(0))
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
                let seq: i64 = tx
                    .cached_query_one(
                        "INSERT INTO daily_sequence (day, last) VALUES ($1, 1)
                         ON CONFLICT (day) DO UPDATE SET last = daily_sequence.last + 1
                         RETURNING last",
                        &[&filing.day],
                    )
                    .await?
                    .get(0);
                let made = make(u32::try_from(seq).map_err(ApiError::internal)?)?;
                let receipt_json =
                    serde_json::to_string(&made.receipt).map_err(ApiError::internal)?;
                tx.cached_execute(
                    "INSERT INTO dossiers (code, applicant_id, procedure_code, procedure_version,
                        manifest_sha256, content, receipt, received_at, status, lookup_pin,
                        appointment_date)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'received', $9, $10)",
                    &[
                        &made.code,
                        &filing.applicant,
                        &made.procedure_code,
                        &made.procedure_version,
                        &filing.manifest_sha256,
                        &made.content,
                        &receipt_json,
                        &made.received_at,
                        &made.lookup_pin,
                        &made.appointment_date,
                    ],
                )
                .await?;
                for (i, (doc, upload_id)) in filing.documents.iter().zip(&upload_ids).enumerate() {
                    tx.cached_execute(
                        "INSERT INTO dossier_documents
                            (dossier_code, position, slot, name, size, sha256, upload_id)
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        &[
                            &made.code,
                            &int(i as u64),
                            &doc.slot,
                            &doc.name,
                            &int(doc.size),
                            &doc.sha256.to_hex(),
                            upload_id,
                        ],
                    )
                    .await?;
                }
                mark_filed(&tx, &upload_ids).await?;
                let response = SubmissionResponse {
                    receipt: made.receipt,
                    existing: false,
                };
                self.key_done(
                    &tx,
                    &filing.applicant,
                    &filing.key,
                    Some(&made.code),
                    &response,
                )
                .await?;
                if let Some(payment) = &made.payment {
                    add_payment(&tx, &made.code, payment, &made.received_at).await?;
                }
                // Last: the feed's lock is held from here to the commit.
                record(
                    &tx,
                    &made.code,
                    Status::Received,
                    &made.received_at,
                    crate::filing::PORTAL_ACTOR,
                    "",
                    None,
                )
                .await?;
                if let Some(payment) = &made.payment {
                    let document = DossierDocument::PaymentRequest(payment.request.clone());
                    add_document(&tx, &made.code, &made.received_at, &document).await?;
                }
                tx.commit().await?;
                return Ok((StatusCode::CREATED, response));
            }
        };
        self.key_done(
            &tx,
            &filing.applicant,
            &filing.key,
            code.as_deref(),
            &response,
        )
        .await?;
        tx.commit().await?;
        Ok((status, response))
    }

    /// Marks `key` answered inside the transaction that filed, if this
    /// replica still holds its claim; else the filing is refused and rolls
    /// back (another replica took over a claim it judged abandoned).
    async fn key_done(
        &self,
        tx: &tokio_postgres::Transaction<'_>,
        applicant: &i64,
        key: &str,
        code: Option<&str>,
        response: &SubmissionResponse,
    ) -> Result<(), ApiError> {
        let json = serde_json::to_string(response).map_err(ApiError::internal)?;
        let marked = tx
            .execute(
                "UPDATE idempotency_keys SET state = 'done', dossier_code = $3, response = $4
                 WHERE applicant_id = $1 AND key = $2 AND state = 'processing' AND owner = $5",
                &[applicant, &key, &code, &json, &i64::from(self.replica)],
            )
            .await?;
        if marked == 1 {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::CONFLICT,
            "submission_in_progress",
            "Cổng đang xử lý lần gửi trước của hồ sơ này; hãy đợi rồi hỏi lại kết quả.",
            "The portal is still processing the earlier sending of this dossier; wait, then ask for the result.",
        ))
    }

    pub async fn dossier_procedure(
        &self,
        applicant: i64,
        code: String,
    ) -> Result<Option<(String, String, String)>, ApiError> {
        let row = self
            .conn()
            .await?
            .cached_query_opt(
                "SELECT procedure_code, procedure_version, status FROM dossiers
                 WHERE code = $1 AND applicant_id = $2",
                &[&code, &applicant],
            )
            .await?;
        Ok(row.map(|r| (r.get(0), r.get(1), r.get(2))))
    }

    pub async fn file_supplement(
        &self,
        filing: SupplementFiling,
        make: SupplementMaker,
    ) -> Result<SubmissionResponse, ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        let code = filing.code.clone();
        // Locked and checked again inside the transaction: an officer may
        // have moved the dossier since, on any replica.
        let status: String = tx
            .cached_query_one(
                "SELECT status FROM dossiers WHERE code = $1 FOR UPDATE",
                &[&code],
            )
            .await?
            .get(0);
        let status = Status::parse(&status).ok_or_else(|| ApiError::internal(status))?;
        if status != Status::SupplementRequested {
            return Err(crate::supplements::not_awaiting(&code, status));
        }
        let upload_ids =
            checked_uploads(&tx, filing.applicant, &filing.documents, &filing.uploads).await?;
        let asked: String = tx
            .cached_query_opt(
                "SELECT COALESCE(request, note) FROM status_events
                 WHERE dossier_code = $1 AND status = 'supplement_requested'
                 ORDER BY cursor DESC LIMIT 1",
                &[&code],
            )
            .await?
            .map(|r| r.get(0))
            .unwrap_or_default();
        let number: i64 = tx
            .cached_query_one(
                "SELECT COUNT(*) + 1 FROM supplements WHERE dossier_code = $1",
                &[&code],
            )
            .await?
            .get(0);
        let number = u32::try_from(number).map_err(ApiError::internal)?;
        let signed = make(number, asked)?;
        let supplement_id: i64 = tx
            .cached_query_one(
                "INSERT INTO supplements (dossier_code, number, answer, receipt, received_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    &code,
                    &i64::from(number),
                    &filing.answer,
                    &serde_json::to_string(&signed).map_err(ApiError::internal)?,
                    &filing.received_at,
                ],
            )
            .await?
            .get(0);
        for (i, (doc, upload_id)) in filing.documents.iter().zip(&upload_ids).enumerate() {
            tx.cached_execute(
                "INSERT INTO supplement_documents
                    (supplement_id, position, slot, name, size, sha256, upload_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &supplement_id,
                    &int(i as u64),
                    &doc.slot,
                    &doc.name,
                    &int(doc.size),
                    &doc.sha256.to_hex(),
                    upload_id,
                ],
            )
            .await?;
        }
        mark_filed(&tx, &upload_ids).await?;
        tx.cached_execute(
            "UPDATE dossiers SET appointment_date = $2 WHERE code = $1",
            &[&code, &filing.appointment_date],
        )
        .await?;
        let response = SubmissionResponse {
            receipt: signed,
            existing: false,
        };
        self.key_done(&tx, &filing.applicant, &filing.key, Some(&code), &response)
            .await?;
        record(
            &tx,
            &code,
            Status::Received,
            &filing.received_at,
            crate::filing::PORTAL_ACTOR,
            &crate::supplements::event_note(number),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(response)
    }

    pub async fn supplement_receipts(&self, code: String) -> Result<Vec<String>, ApiError> {
        let rows = self
            .conn()
            .await?
            .cached_query(
                "SELECT receipt FROM supplements WHERE dossier_code = $1 ORDER BY number",
                &[&code],
            )
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    pub async fn filed_document(
        &self,
        code: String,
        sha256: String,
    ) -> Result<Option<FiledDocument>, ApiError> {
        let row = self
            .conn()
            .await?
            .cached_query_opt(
                "SELECT name, size, upload_id FROM dossier_documents
                 WHERE dossier_code = $1 AND sha256 = $2
                 UNION ALL
                 SELECT d.name, d.size, d.upload_id FROM supplement_documents d
                 JOIN supplements s ON s.id = d.supplement_id
                 WHERE s.dossier_code = $1 AND d.sha256 = $2
                 LIMIT 1",
                &[&code, &sha256],
            )
            .await?;
        Ok(row.map(|r| FiledDocument {
            name: r.get(0),
            size: uint(r.get(1)),
            upload_id: r.get(2),
        }))
    }

    pub async fn dossier_status(
        &self,
        code: String,
        applicant: Option<i64>,
    ) -> Result<Option<DossierStatus>, ApiError> {
        dossier_status(&self.conn().await?, &code, applicant).await
    }

    pub async fn feed(
        &self,
        applicant: i64,
        since: u64,
        limit: u32,
    ) -> Result<StatusFeed, ApiError> {
        let limit = limit.clamp(1, crate::tracking::FEED_PAGE_MAX);
        let rows = self
            .conn()
            .await?
            .cached_query(
                &format!(
                    "SELECT {EVENT_COLUMNS} FROM status_events e
                     JOIN dossiers d ON d.code = e.dossier_code
                     WHERE d.applicant_id = $1 AND e.cursor > $2 ORDER BY e.cursor LIMIT $3"
                ),
                &[&applicant, &int(since), &i64::from(limit + 1)],
            )
            .await?;
        let events = rows.iter().map(event).collect::<Result<Vec<_>, _>>()?;
        let rows = self
            .conn()
            .await?
            .cached_query(
                "SELECT f.cursor, f.dossier_code, f.at, f.document FROM feed_documents f
                 JOIN dossiers d ON d.code = f.dossier_code
                 WHERE d.applicant_id = $1 AND f.cursor > $2 ORDER BY f.cursor LIMIT $3",
                &[&applicant, &int(since), &i64::from(limit + 1)],
            )
            .await?;
        let documents = rows
            .iter()
            .map(|r| {
                let (code, at, document): (String, String, String) = (r.get(1), r.get(2), r.get(3));
                super::feed_document(uint(r.get(0)), &code, &at, &document)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(crate::tracking::page(events, documents, since, limit))
    }

    pub async fn officer_list(
        &self,
        status: Option<Status>,
    ) -> Result<Vec<DossierStatus>, ApiError> {
        let conn = self.conn().await?;
        let codes = conn
            .cached_query(
                "SELECT code FROM dossiers WHERE $1::TEXT IS NULL OR status = $1
                 ORDER BY received_at, code",
                &[&status.map(Status::as_str)],
            )
            .await?;
        let mut out = Vec::with_capacity(codes.len());
        for row in codes {
            let code: String = row.get(0);
            out.extend(dossier_status(&conn, &code, None).await?);
        }
        Ok(out)
    }

    pub async fn transition(
        &self,
        change: Move,
        issue: ResultNoticeMaker,
    ) -> Result<DossierStatus, ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        let (code, at, to) = (change.code.as_str(), change.at.as_str(), change.change.to);
        // Officers on two replicas moving one dossier take turns: the
        // second judges the state the first left (so do result puts).
        lock_dossier(&tx, code).await?;
        let current = dossier_status(&tx, code, None)
            .await?
            .ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
        let request = crate::tracking::judge(
            code,
            &current,
            &change.change,
            change.expected,
            change.duties,
        )?;
        let notice = match to {
            Status::ResultReady => Some(issue_result(&tx, code, at, issue).await?),
            _ => None,
        };
        let cancelled = close_payment(&tx, code, to, at).await?;
        record(
            &tx,
            code,
            to,
            at,
            &change.officer,
            change.change.note.trim(),
            request.as_deref(),
        )
        .await?;
        for document in cancelled.iter().chain(&notice) {
            add_document(&tx, code, at, document).await?;
        }
        let updated = dossier_status(&tx, code, None)
            .await?
            .ok_or_else(|| ApiError::internal(format!("dossier {code} vanished")))?;
        tx.commit().await?;
        Ok(updated)
    }

    pub async fn applicant_move(&self, change: ApplicantMove) -> Result<DossierStatus, ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        let (code, at) = (change.code.as_str(), change.at.as_str());
        lock_dossier(&tx, code).await?;
        let current = dossier_status(&tx, code, Some(change.applicant))
            .await?
            .ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
        let Some((to, note)) = crate::tracking::judge_applicant(code, &current, &change.ask)?
        else {
            return Ok(current);
        };
        let cancelled = close_payment(&tx, code, to, at).await?;
        record(
            &tx,
            code,
            to,
            at,
            crate::tracking::APPLICANT_ACTOR,
            &note,
            None,
        )
        .await?;
        if let Some(cancelled) = &cancelled {
            add_document(&tx, code, at, cancelled).await?;
        }
        let updated = dossier_status(&tx, code, Some(change.applicant))
            .await?
            .ok_or_else(|| ApiError::internal(format!("dossier {code} vanished")))?;
        tx.commit().await?;
        Ok(updated)
    }

    pub async fn record_refund(
        &self,
        order: RefundOrder,
        make: RefundMaker,
    ) -> Result<RefundRecorded, ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        let (code, ask, at) = (order.code.as_str(), &order.ask, order.at.as_str());
        let reference = ask.bank_reference.as_str();
        let known = tx
            .cached_query_opt("SELECT 1 FROM dossiers WHERE code = $1", &[&code])
            .await?
            .is_some();
        if !known {
            return Err(ApiError::not_found("hồ sơ / dossier"));
        }
        // The bank's reference is the key: the same refund asked of two
        // replicas at once waits here for the first one's commit, then
        // reads the answer it stored.
        let fresh = tx
            .cached_execute(
                "INSERT INTO refunds (bank_reference, dossier_code, amount_vnd, reason, officer,
                    recorded_at, notice, answer)
                 VALUES ($1, $2, $3, '', $4, $5, '', '')
                 ON CONFLICT (bank_reference) DO NOTHING",
                &[&reference, &code, &int(ask.amount_vnd), &order.officer, &at],
            )
            .await?;
        if fresh == 0 {
            let row = tx
                .cached_query_one(
                    "SELECT dossier_code, amount_vnd, answer FROM refunds WHERE bank_reference = $1",
                    &[&reference],
                )
                .await?;
            let (stored_code, answer): (String, String) = (row.get(0), row.get(2));
            return crate::refunds::again(code, ask, &stored_code, uint(row.get(1)), &answer);
        }
        // Refunds, transfers and moves of one dossier take turns on its
        // request's row; its state is read once the row is held.
        let row = tx
            .cached_query_opt(
                "SELECT request, paid_vnd, refund_due_vnd FROM payment_requests
                 WHERE dossier_code = $1 FOR UPDATE",
                &[&code],
            )
            .await?
            .ok_or_else(|| crate::refunds::nothing_owed(code))?;
        let request: String = row.get(0);
        let status: String = tx
            .cached_query_one("SELECT status FROM dossiers WHERE code = $1", &[&code])
            .await?
            .get(0);
        let owing = Owing {
            status: Status::parse(&status).ok_or_else(|| ApiError::internal(status))?,
            request: serde_json::from_str(&request).map_err(ApiError::internal)?,
            paid_vnd: uint(row.get(1)),
            refund_due_vnd: uint(row.get(2)),
        };
        let receipt = tx
            .cached_query_opt(
                "SELECT receipt FROM fee_receipts WHERE dossier_code = $1",
                &[&code],
            )
            .await?
            .map(|r| serde_json::from_str(&r.get::<_, String>(0)))
            .transpose()
            .map_err(ApiError::internal)?;
        let done = crate::refunds::refund(code, owing, ask, receipt, make)?;
        let payment = &done.answer.payment;
        tx.cached_execute(
            "UPDATE payment_requests SET refund_due_vnd = $2, state = $3, request = $4,
                updated_at = $5
             WHERE dossier_code = $1",
            &[
                &code,
                &int(payment.refund_due_vnd),
                &state_name(payment.request.state),
                &serde_json::to_string(&payment.request).map_err(ApiError::internal)?,
                &at,
            ],
        )
        .await?;
        let notice = &done.answer.refund_notice;
        tx.cached_execute(
            "UPDATE refunds SET reason = $2, notice = $3, answer = $4 WHERE bank_reference = $1",
            &[
                &reference,
                &crate::refunds::reason_name(done.reason),
                &serde_json::to_string(notice).map_err(ApiError::internal)?,
                &serde_json::to_string(&done.answer).map_err(ApiError::internal)?,
            ],
        )
        .await?;
        // Last: the feed's lock is held from the first document to the commit.
        add_document(
            &tx,
            code,
            at,
            &DossierDocument::RefundNotice(notice.clone()),
        )
        .await?;
        if done.refunded {
            let request = DossierDocument::PaymentRequest(payment.request.clone());
            add_document(&tx, code, at, &request).await?;
        }
        tx.commit().await?;
        Ok(done.answer)
    }

    pub async fn results_state(&self, code: String) -> Result<Option<ResultsState>, ApiError> {
        results_state(&self.conn().await?, &code).await
    }

    pub async fn put_result(&self, new: NewResult) -> Result<Option<String>, ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        // Puts, deletions and the move that issues the notice take turns
        // on the dossier's row: none slips in after the notice.
        lock_dossier(&tx, &new.code).await?;
        let state = results_state(&tx, &new.code)
            .await?
            .ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
        crate::results::open_for_results(&new.code, state.status, state.issued)?;
        let folded = crate::results::folded(&new.name);
        let replaced: Option<String> = tx
            .cached_query_opt(
                "SELECT storage_id FROM result_documents
                 WHERE dossier_code = $1 AND folded_name = $2",
                &[&new.code, &folded],
            )
            .await?
            .map(|r| r.get(0));
        tx.cached_execute(
            "INSERT INTO result_documents (dossier_code, folded_name, name, size, sha256,
                storage_id, added_at, added_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (dossier_code, folded_name) DO UPDATE SET name = excluded.name,
                size = excluded.size, sha256 = excluded.sha256,
                storage_id = excluded.storage_id, added_at = excluded.added_at,
                added_by = excluded.added_by",
            &[
                &new.code,
                &folded,
                &new.name,
                &int(new.size),
                &new.sha256.to_hex(),
                &new.storage_id,
                &new.at,
                &new.officer,
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(replaced)
    }

    pub async fn delete_result(
        &self,
        code: String,
        name: String,
    ) -> Result<Option<String>, ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        lock_dossier(&tx, &code).await?;
        let state = results_state(&tx, &code)
            .await?
            .ok_or_else(|| ApiError::not_found("hồ sơ / dossier"))?;
        crate::results::open_for_results(&code, state.status, state.issued)?;
        let removed: Option<String> = tx
            .cached_query_opt(
                "DELETE FROM result_documents WHERE dossier_code = $1 AND folded_name = $2
                 RETURNING storage_id",
                &[&code, &crate::results::folded(&name)],
            )
            .await?
            .map(|r| r.get(0));
        tx.commit().await?;
        Ok(removed)
    }

    pub async fn issued_result(
        &self,
        code: String,
        applicant: i64,
        name: String,
    ) -> Result<Option<StoredResult>, ApiError> {
        self.conn()
            .await?
            .cached_query_opt(
                "SELECT r.name, r.size, r.sha256, r.storage_id FROM result_documents r
                 JOIN dossiers d ON d.code = r.dossier_code
                 JOIN result_notices n ON n.dossier_code = r.dossier_code
                 WHERE r.dossier_code = $1 AND d.applicant_id = $2 AND r.folded_name = $3",
                &[&code, &applicant, &crate::results::folded(&name)],
            )
            .await?
            .map(|r| {
                let sha256: String = r.get(2);
                super::result_row(r.get(0), r.get(1), &sha256, r.get(3))
            })
            .transpose()
    }

    pub async fn lookup(
        &self,
        address: String,
        code: String,
        pin: String,
        now: chrono::DateTime<chrono::FixedOffset>,
        limits: LookupLimits,
    ) -> Result<PublicStatus, ApiError> {
        let window = crate::lookup::Window::new(now, &limits);
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        // One address's lookups take turns across replicas: none counts
        // before another's miss is recorded.
        tx.cached_execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))",
            &[&lock::LOOKUP, &address],
        )
        .await?;
        let r = tx
            .cached_query_one(
                "SELECT COUNT(*), MIN(at_ms) FROM lookup_misses WHERE address = $1 AND at_ms > $2",
                &[&address, &window.since()],
            )
            .await?;
        let (mine, my_oldest): (i64, Option<i64>) = (r.get(0), r.get(1));
        if mine >= i64::from(limits.misses_per_address) {
            return Err(window.paused(my_oldest));
        }
        if mine > 0 {
            let r = tx
                .cached_query_one(
                    "SELECT COUNT(*), MIN(at_ms) FROM lookup_misses WHERE at_ms > $1",
                    &[&window.since()],
                )
                .await?;
            let (all, oldest): (i64, Option<i64>) = (r.get(0), r.get(1));
            if all >= i64::from(limits.misses_overall) {
                return Err(window.paused(oldest));
            }
        }
        let code = code.trim();
        let stored: Option<String> = tx
            .cached_query_opt("SELECT lookup_pin FROM dossiers WHERE code = $1", &[&code])
            .await?
            .map(|r| r.get(0));
        if !crate::lookup::pin_matches(stored.as_deref(), &pin) {
            tx.cached_execute(
                "INSERT INTO lookup_misses (address, at_ms) VALUES ($1, $2)",
                &[&address, &window.now_ms()],
            )
            .await?;
            tx.commit().await?;
            return Err(crate::lookup::refused());
        }
        let status = dossier_status(&tx, code, None)
            .await?
            .ok_or_else(crate::lookup::refused)?;
        tx.commit().await?;
        Ok(crate::lookup::public(status))
    }

    pub async fn forget_misses(&self, before_ms: i64) -> Result<(), ApiError> {
        self.conn()
            .await?
            .cached_execute("DELETE FROM lookup_misses WHERE at_ms <= $1", &[&before_ms])
            .await?;
        Ok(())
    }

    pub async fn take_lease(
        &self,
        id: &str,
        request: i64,
        now_ms: i64,
    ) -> Result<super::Lease, ApiError> {
        let conn = self.conn().await?;
        // A lease of this replica that its map no longer holds is stale
        // (its release is on the way): taken like a dead replica's.
        let taken = conn
            .cached_query_opt(
                "INSERT INTO upload_leases (upload_id, replica, request, active_at_ms)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (upload_id) DO UPDATE SET replica = EXCLUDED.replica,
                    request = EXCLUDED.request, active_at_ms = EXCLUDED.active_at_ms
                 WHERE upload_leases.replica = EXCLUDED.replica
                    OR pg_try_advisory_xact_lock($5, upload_leases.replica::INTEGER)
                 RETURNING request",
                &[
                    &id,
                    &i64::from(self.replica),
                    &request,
                    &now_ms,
                    &lock::REPLICA,
                ],
            )
            .await?;
        if taken.is_some() {
            return Ok(super::Lease::Taken);
        }
        let active_at_ms: i64 = conn
            .cached_query_opt(
                "SELECT active_at_ms FROM upload_leases WHERE upload_id = $1",
                &[&id],
            )
            .await?
            .map_or(now_ms, |r| r.get(0));
        Ok(super::Lease::Held { active_at_ms })
    }

    pub async fn want_lease(&self, id: &str) -> Result<(), ApiError> {
        self.conn()
            .await?
            .cached_execute("SELECT pg_notify($1, $2)", &[&WANTED_CHANNEL, &id])
            .await?;
        Ok(())
    }

    pub async fn touch_lease(&self, id: &str, now_ms: i64) -> Result<(), ApiError> {
        self.conn()
            .await?
            .cached_execute(
                "UPDATE upload_leases SET active_at_ms = GREATEST(active_at_ms, $3)
                 WHERE upload_id = $1 AND replica = $2",
                &[&id, &i64::from(self.replica), &now_ms],
            )
            .await?;
        Ok(())
    }

    pub fn wanted_uploads(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<String>> {
        self.wanted.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    pub async fn release_lease(&self, id: &str, request: i64) -> Result<(), ApiError> {
        self.conn()
            .await?
            .cached_execute(
                "DELETE FROM upload_leases WHERE upload_id = $1 AND request = $2",
                &[&id, &request],
            )
            .await?;
        Ok(())
    }

    pub async fn leased(&self, id: &str) -> Result<bool, ApiError> {
        Ok(self
            .peek
            .get()
            .await
            .map_err(ApiError::from)?
            .cached_query_one(
                "SELECT EXISTS (SELECT 1 FROM upload_leases
                    WHERE upload_id = $1 AND replica <> $2)",
                &[&id, &i64::from(self.replica)],
            )
            .await?
            .get(0))
    }

    pub async fn expire_payments(&self, now: DateTime<FixedOffset>) -> Result<usize, ApiError> {
        let mut conn = self.conn().await?;
        let at = now.to_rfc3339();
        // Deadlines are stored in +07:00, as `now` is written: as text
        // they sort as the instants do.
        let due: Vec<String> = conn
            .query(
                &format!(
                    "SELECT dossier_code FROM payment_requests
                     WHERE NOT deadline_swept AND state IN {SWEPT_STATES} AND deadline < $1"
                ),
                &[&at],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut changed = 0;
        // One transaction per request: the feed's lock is held briefly,
        // and replicas sweeping at once take turns on each row, the second
        // finding it swept.
        for code in due {
            let tx = conn.transaction().await?;
            let Some(row) = tx
                .cached_query_opt(
                    "SELECT request FROM payment_requests
                     WHERE dossier_code = $1 AND NOT deadline_swept FOR UPDATE",
                    &[&code],
                )
                .await?
            else {
                continue;
            };
            let request: PaymentRequest =
                serde_json::from_str(&row.get::<_, String>(0)).map_err(ApiError::internal)?;
            // Read once the row is held: a refusal committed meanwhile is seen.
            let status: String = tx
                .cached_query_one("SELECT status FROM dossiers WHERE code = $1", &[&code])
                .await?
                .get(0);
            let status = Status::parse(&status).ok_or_else(|| ApiError::internal(status))?;
            let AtDeadline::Passed(next) = at_deadline(&request, status, now) else {
                continue;
            };
            let Some(next) = next else {
                tx.cached_execute(
                    "UPDATE payment_requests SET deadline_swept = TRUE WHERE dossier_code = $1",
                    &[&code],
                )
                .await?;
                tx.commit().await?;
                continue;
            };
            tx.cached_execute(
                "UPDATE payment_requests SET deadline_swept = TRUE, state = $2, request = $3,
                    updated_at = $4
                 WHERE dossier_code = $1",
                &[
                    &code,
                    &state_name(next.state),
                    &serde_json::to_string(&next).map_err(ApiError::internal)?,
                    &at,
                ],
            )
            .await?;
            // Last: the feed's lock is held from the document to the commit.
            add_document(&tx, &code, &at, &DossierDocument::PaymentRequest(next)).await?;
            tx.commit().await?;
            changed += 1;
        }
        Ok(changed)
    }

    pub async fn create_multipart(
        &self,
        id: String,
        multipart: String,
        part_size: u64,
    ) -> Result<(), ApiError> {
        self.conn()
            .await?
            .cached_execute(
                "INSERT INTO upload_multiparts (upload_id, multipart_id, part_size) VALUES ($1, $2, $3)",
                &[&id, &multipart, &int(part_size)],
            )
            .await?;
        Ok(())
    }

    pub async fn multipart(&self, id: String) -> Result<Option<Multipart>, ApiError> {
        // One round trip: the parts and pieces as arrays beside the row.
        let Some(row) = self
            .conn()
            .await?
            .cached_query_opt(
                "SELECT m.multipart_id, m.part_size, m.sealing,
                    ARRAY(SELECT number FROM upload_parts p
                          WHERE p.upload_id = m.upload_id ORDER BY number),
                    ARRAY(SELECT etag FROM upload_parts p
                          WHERE p.upload_id = m.upload_id ORDER BY number),
                    ARRAY(SELECT start FROM upload_pieces c
                          WHERE c.upload_id = m.upload_id ORDER BY start),
                    ARRAY(SELECT octet_length(bytes)::BIGINT FROM upload_pieces c
                          WHERE c.upload_id = m.upload_id ORDER BY start)
                 FROM upload_multiparts m WHERE m.upload_id = $1",
                &[&id],
            )
            .await?
        else {
            return Ok(None);
        };
        let (numbers, etags): (Vec<i32>, Vec<String>) = (row.get(3), row.get(4));
        let (starts, lengths): (Vec<i64>, Vec<i64>) = (row.get(5), row.get(6));
        Ok(Some(Multipart {
            multipart_id: row.get(0),
            part_size: uint(row.get(1)),
            sealing: row.get(2),
            parts: numbers.into_iter().zip(etags).collect(),
            pieces: starts
                .into_iter()
                .zip(lengths)
                .map(|(start, len)| (uint(start), uint(len)))
                .collect(),
        }))
    }

    pub async fn piece_bytes(
        &self,
        id: String,
        from: u64,
    ) -> Result<Vec<(u64, Vec<u8>)>, ApiError> {
        Ok(self
            .conn()
            .await?
            .cached_query(
                "SELECT start, bytes FROM upload_pieces
                 WHERE upload_id = $1 AND start >= $2 ORDER BY start",
                &[&id, &int(from)],
            )
            .await?
            .iter()
            .map(|r| (uint(r.get(0)), r.get(1)))
            .collect())
    }

    pub async fn add_piece(&self, id: String, start: u64, bytes: Vec<u8>) -> Result<(), ApiError> {
        self.conn()
            .await?
            .cached_execute(
                "WITH piece AS (
                    INSERT INTO upload_pieces (upload_id, start, bytes) VALUES ($1, $2, $3)
                    ON CONFLICT (upload_id, start) DO UPDATE SET bytes = EXCLUDED.bytes)
                 UPDATE uploads SET offset_bytes = $4 WHERE id = $1 AND offset_bytes < $4",
                &[&id, &int(start), &bytes, &int(start + bytes.len() as u64)],
            )
            .await?;
        Ok(())
    }

    pub async fn add_part(
        &self,
        id: String,
        number: i32,
        etag: String,
        end: u64,
    ) -> Result<(), ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        tx.cached_execute(
            "INSERT INTO upload_parts (upload_id, number, etag) VALUES ($1, $2, $3)
             ON CONFLICT (upload_id, number) DO UPDATE SET etag = EXCLUDED.etag",
            &[&id, &number, &etag],
        )
        .await?;
        tx.cached_execute(
            "DELETE FROM upload_pieces WHERE upload_id = $1 AND start < $2",
            &[&id, &int(end)],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn sealing_multipart(&self, id: String) -> Result<(), ApiError> {
        self.conn()
            .await?
            .cached_execute(
                "UPDATE upload_multiparts SET sealing = TRUE WHERE upload_id = $1",
                &[&id],
            )
            .await?;
        Ok(())
    }

    pub async fn forget_multipart(&self, id: String) -> Result<(), ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        for table in ["upload_multiparts", "upload_parts", "upload_pieces"] {
            tx.cached_execute(&format!("DELETE FROM {table} WHERE upload_id = $1"), &[&id])
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn payment(
        &self,
        code: String,
        applicant: Option<i64>,
    ) -> Result<PaymentLookup, ApiError> {
        let row = self
            .conn()
            .await?
            .cached_query_opt(
                "SELECT p.request, p.paid_vnd, p.refund_due_vnd, r.receipt FROM dossiers d
                 LEFT JOIN payment_requests p ON p.dossier_code = d.code
                 LEFT JOIN fee_receipts r ON r.dossier_code = d.code
                 WHERE d.code = $1 AND ($2::BIGINT IS NULL OR d.applicant_id = $2)",
                &[&code, &applicant],
            )
            .await?;
        let Some(row) = row else {
            return Ok(PaymentLookup::NoDossier);
        };
        let Some(request) = row.get::<_, Option<String>>(0) else {
            return Ok(PaymentLookup::NoPayment);
        };
        let receipt: Option<String> = row.get(3);
        Ok(PaymentLookup::Found(Box::new(PaymentStatus {
            request: serde_json::from_str(&request).map_err(ApiError::internal)?,
            paid_vnd: uint(row.get::<_, Option<i64>>(1).unwrap_or_default()),
            refund_due_vnd: uint(row.get::<_, Option<i64>>(2).unwrap_or_default()),
            fee_receipt: receipt
                .map(|r| serde_json::from_str(&r))
                .transpose()
                .map_err(ApiError::internal)?,
        })))
    }

    pub async fn record_transfer(
        &self,
        transfer: Transfer,
        make: FeeReceiptMaker,
    ) -> Result<Recorded, ApiError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        let n = &transfer.notification;
        let at = transfer.received_at.as_str();
        let id = n.transaction_id.as_str();
        // First: the transaction id's row. Replicas receiving the same
        // notification at once conflict on its key: all but one wait for
        // that one's commit, then find its row and answer as it did.
        let fresh = tx
            .cached_execute(
                "INSERT INTO bank_transactions (transaction_id, account, amount_vnd, purpose,
                    credited_at, received_at, notification, answer_status, answer)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 0, '')
                 ON CONFLICT (transaction_id) DO NOTHING",
                &[
                    &id,
                    &n.account.as_str(),
                    &i64::try_from(n.amount_vnd).map_err(ApiError::internal)?,
                    &n.purpose,
                    &crate::payments::credited_at(n),
                    &at,
                    &transfer.body,
                ],
            )
            .await?;
        if fresh == 0 {
            let row = tx
                .cached_query_one(
                    "SELECT answer_status, answer FROM bank_transactions WHERE transaction_id = $1",
                    &[&id],
                )
                .await?;
            let status: i32 = row.get(0);
            let answer: String = row.get(1);
            return super::recorded(u16::try_from(status).unwrap_or(500), &answer);
        }
        let found = match &transfer.code {
            None => Found::NoCode,
            Some(code) => {
                // Transfers to one dossier take turns on its request's row.
                let row = tx
                    .cached_query_opt(
                        "SELECT request, paid_vnd FROM payment_requests
                         WHERE dossier_code = $1 FOR UPDATE",
                        &[&code.as_str()],
                    )
                    .await?;
                match row {
                    Some(row) => {
                        let request: String = row.get(0);
                        // Read once the row is held: a refusal or withdrawal
                        // committed meanwhile is seen.
                        let status: String = tx
                            .cached_query_one(
                                "SELECT status FROM dossiers WHERE code = $1",
                                &[&code.as_str()],
                            )
                            .await?
                            .get(0);
                        Found::Request {
                            code: code.clone(),
                            status: Status::parse(&status)
                                .ok_or_else(|| ApiError::internal(status))?,
                            request: Box::new(
                                serde_json::from_str(&request).map_err(ApiError::internal)?,
                            ),
                            paid_vnd: uint(row.get(1)),
                        }
                    }
                    None => {
                        let known = tx
                            .cached_query_opt(
                                "SELECT 1 FROM dossiers WHERE code = $1",
                                &[&code.as_str()],
                            )
                            .await?
                            .is_some();
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
        tx.cached_execute(
            "UPDATE bank_transactions SET dossier_code = $2, applied = $3, late = $4,
                refund_due_vnd = $5
             WHERE transaction_id = $1",
            &[
                &id,
                &judged.dossier.as_ref().map(|c| c.as_str()),
                &judged.applied,
                &judged.late,
                &refund,
            ],
        )
        .await?;
        let mut documents = Vec::new();
        if let Some(code) = &judged.dossier {
            let code = code.as_str();
            match &judged.update {
                Some((request, paid)) => {
                    tx.cached_execute(
                        "UPDATE payment_requests SET paid_vnd = $2, state = $3, request = $4,
                            refund_due_vnd = refund_due_vnd + $5, updated_at = $6
                         WHERE dossier_code = $1",
                        &[
                            &code,
                            &i64::try_from(*paid).map_err(ApiError::internal)?,
                            &state_name(request.state),
                            &serde_json::to_string(request).map_err(ApiError::internal)?,
                            &refund,
                            &at,
                        ],
                    )
                    .await?;
                    documents.push(DossierDocument::PaymentRequest(request.clone()));
                }
                None => {
                    tx.cached_execute(
                        "UPDATE payment_requests SET refund_due_vnd = refund_due_vnd + $2,
                            updated_at = $3
                         WHERE dossier_code = $1",
                        &[&code, &refund, &at],
                    )
                    .await?;
                }
            }
            if let (true, Some((request, _))) = (judged.receipt_due, &judged.update) {
                // The serial's row, incremented under its lock: replicas
                // issuing receipts at once take turns, never one number twice.
                let number: i64 = tx
                    .cached_query_one(
                        "INSERT INTO receipt_sequence (serial, last) VALUES ($1, 1)
                         ON CONFLICT (serial) DO UPDATE SET last = receipt_sequence.last + 1
                         RETURNING last",
                        &[&transfer.serial],
                    )
                    .await?
                    .get(0);
                let number = u32::try_from(number).map_err(ApiError::internal)?;
                let payer: String = tx
                    .cached_query_one(
                        "SELECT payer FROM payment_requests WHERE dossier_code = $1",
                        &[&code],
                    )
                    .await?
                    .get(0);
                let ids = tx
                    .cached_query(
                        "SELECT transaction_id FROM bank_transactions
                         WHERE dossier_code = $1 AND applied ORDER BY credited_at, transaction_id",
                        &[&code],
                    )
                    .await?
                    .iter()
                    .map(|r| r.get::<_, String>(0).parse().map_err(ApiError::internal))
                    .collect::<Result<Vec<_>, _>>()?;
                let payer = serde_json::from_str(&payer).map_err(ApiError::internal)?;
                let signed = make(number, request, payer, ids)?;
                tx.cached_execute(
                    "INSERT INTO fee_receipts (serial, number, dossier_code, receipt, issued_at)
                     VALUES ($1, $2, $3, $4, $5)",
                    &[
                        &transfer.serial,
                        &i64::from(number),
                        &code,
                        &serde_json::to_string(&signed).map_err(ApiError::internal)?,
                        &at,
                    ],
                )
                .await?;
                answer.fee_receipt = Some(ReceiptNumber {
                    form: transfer.form.clone(),
                    serial: transfer.serial.clone(),
                    number,
                });
                documents.push(DossierDocument::FeeReceipt(signed));
            }
        }
        let text = serde_json::to_string(&answer).map_err(ApiError::internal)?;
        tx.cached_execute(
            "UPDATE bank_transactions SET answer_status = $2, answer = $3
             WHERE transaction_id = $1",
            &[&id, &i32::from(judged.status.as_u16()), &text],
        )
        .await?;
        // Last: the feed's lock is held from the first document to the commit.
        if let Some(code) = &judged.dossier {
            for document in &documents {
                add_document(&tx, code.as_str(), at, document).await?;
            }
        }
        tx.commit().await?;
        Ok(Recorded {
            status: judged.status,
            answer,
        })
    }

    pub async fn stored_dossiers(&self) -> Result<Vec<StoredDossier>, ApiError> {
        let conn = self.conn().await?;
        let rows = conn
            .cached_query(
                "SELECT code, procedure_code, status FROM dossiers ORDER BY received_at, code",
                &[],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let code: String = r.get(0);
            let documents = conn
                .cached_query(
                    "SELECT name, sha256, upload_id FROM dossier_documents
                     WHERE dossier_code = $1 ORDER BY position",
                    &[&code],
                )
                .await?
                .iter()
                .map(|d| (d.get(0), d.get(1), d.get(2)))
                .collect();
            out.push(StoredDossier {
                code,
                procedure: r.get(1),
                status: r.get(2),
                documents,
            });
        }
        Ok(out)
    }
}

/// The columns of an upload row, in the order [`upload_row`] reads them.
const UPLOAD_COLUMNS: &str = "applicant_id, length, offset_bytes, metadata, expires_at, sha256, \
    filed, concat, length_deferred";

async fn upload(conn: &impl GenericClient, id: &str) -> Result<Option<UploadRow>, ApiError> {
    let row = conn
        .cached_query_opt(
            &format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = $1"),
            &[&id],
        )
        .await?;
    Ok(row.as_ref().map(upload_row))
}

/// An upload row from the first columns of `r` ([`UPLOAD_COLUMNS`]).
fn upload_row(r: &tokio_postgres::Row) -> UploadRow {
    UploadRow {
        applicant_id: r.get(0),
        length: uint(r.get(1)),
        offset: uint(r.get(2)),
        metadata: r.get(3),
        expires_at: r.get(4),
        sha256: r.get(5),
        filed: r.get(6),
        concat: r.get(7),
        length_deferred: r.get(8),
    }
}

async fn insert_upload(conn: &impl GenericClient, new: &NewUpload) -> Result<(), ApiError> {
    conn.cached_execute(
        "INSERT INTO uploads (id, applicant_id, length, offset_bytes, metadata, created_at,
            expires_at, concat, length_deferred)
         VALUES ($1, $2, $3, 0, $4, $5, $6, $7, $8)",
        &[
            &new.id,
            &new.applicant_id,
            &int(new.length.unwrap_or(0)),
            &new.metadata,
            &new.created_at,
            &new.expires_at,
            &new.concat,
            &new.length.is_none(),
        ],
    )
    .await?;
    Ok(())
}

async fn complete(
    conn: &impl GenericClient,
    id: &str,
    offset: u64,
    done: &Completed,
) -> Result<(), ApiError> {
    conn.cached_execute(
        "UPDATE uploads SET offset_bytes = $2, sha256 = $3, completed_at = $4,
            expires_at = CASE WHEN filed THEN expires_at ELSE $5 END
         WHERE id = $1",
        &[&id, &int(offset), &done.sha256, &done.at, &done.expires_at],
    )
    .await?;
    Ok(())
}

async fn delete_upload_unless_filed(conn: &impl GenericClient, id: &str) -> Result<bool, ApiError> {
    Ok(conn
        .cached_execute("DELETE FROM uploads WHERE id = $1 AND NOT filed", &[&id])
        .await?
        > 0)
}

async fn mark_filed(conn: &impl GenericClient, upload_ids: &[String]) -> Result<(), ApiError> {
    for id in upload_ids {
        conn.cached_execute("UPDATE uploads SET filed = TRUE WHERE id = $1", &[id])
            .await?;
    }
    Ok(())
}

async fn checked_uploads(
    conn: &impl GenericClient,
    applicant: i64,
    documents: &[hoso_core::AttachedDocument],
    uploads: &[hoso_core::wire::UploadRef],
) -> Result<Vec<String>, ApiError> {
    let named = crate::filing::named_uploads(documents, uploads);
    let mut rows = Vec::with_capacity(named.len());
    for id in &named {
        rows.push(match id {
            Some(id) => upload(conn, id).await?,
            None => None,
        });
    }
    crate::filing::judge_uploads(applicant, documents, &named, rows)
}

/// Appends a change to a dossier's history and makes it the current
/// state. The last write of its transaction: the feed's lock is taken
/// here and held to the commit, so cursors become visible in order.
async fn record(
    conn: &impl GenericClient,
    code: &str,
    status: Status,
    at: &str,
    actor: &str,
    note: &str,
    request: Option<&str>,
) -> Result<u64, ApiError> {
    conn.cached_execute(
        "UPDATE dossiers SET status = $2 WHERE code = $1",
        &[&code, &status.as_str()],
    )
    .await?;
    conn.cached_execute("SELECT pg_advisory_xact_lock($1, 0)", &[&lock::FEED])
        .await?;
    let cursor: i64 = conn
        .cached_query_one(
            "INSERT INTO status_events (dossier_code, status, at, actor, note, request)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING cursor",
            &[&code, &status.as_str(), &at, &actor, &note, &request],
        )
        .await?
        .get(0);
    Ok(uint(cursor))
}

/// Records the payment request of dossier `code`, filed at `at` (its
/// document goes to the feed with the filing's last writes).
async fn add_payment(
    conn: &impl GenericClient,
    code: &str,
    payment: &NewPayment,
    at: &str,
) -> Result<(), ApiError> {
    let request = &payment.request;
    conn.cached_execute(
        "INSERT INTO payment_requests (dossier_code, amount_vnd, state, deadline, request, payer,
            created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        &[
            &code,
            &i64::try_from(request.amount_vnd).map_err(ApiError::internal)?,
            &state_name(request.state),
            &request.deadline.to_rfc3339(),
            &serde_json::to_string(request).map_err(ApiError::internal)?,
            &serde_json::to_string(&payment.payer).map_err(ApiError::internal)?,
            &at,
        ],
    )
    .await?;
    Ok(())
}

/// Adds `document` of dossier `code`, issued at `at`, to the change feed
/// at a cursor drawn from the status events' sequence, under the feed's
/// lock like a status change: among the last writes of its transaction,
/// the lock held to the commit, so cursors become visible in order.
async fn add_document(
    conn: &impl GenericClient,
    code: &str,
    at: &str,
    document: &DossierDocument,
) -> Result<(), ApiError> {
    conn.cached_execute("SELECT pg_advisory_xact_lock($1, 0)", &[&lock::FEED])
        .await?;
    conn.cached_execute(
        "INSERT INTO feed_documents (cursor, dossier_code, kind, at, document)
         VALUES (nextval('status_events_cursor_seq'), $1, $2, $3, $4)",
        &[
            &code,
            &super::document_kind(document),
            &at,
            &serde_json::to_string(document).map_err(ApiError::internal)?,
        ],
    )
    .await?;
    Ok(())
}

const EVENT_COLUMNS: &str = "e.cursor, e.dossier_code, e.status, e.at, e.actor, e.note, e.request";

fn event(r: &Row) -> Result<StatusEvent, ApiError> {
    let code: String = r.get(1);
    let status: String = r.get(2);
    Ok(StatusEvent {
        cursor: uint(r.get(0)),
        code: code.parse().map_err(ApiError::internal)?,
        status: Status::parse(&status)
            .ok_or_else(|| ApiError::internal(format!("state {status}")))?,
        at: r.get(3),
        actor: r.get(4),
        note: r.get(5),
        request: r.get(6),
    })
}

async fn dossier_status(
    conn: &impl GenericClient,
    code: &str,
    applicant: Option<i64>,
) -> Result<Option<DossierStatus>, ApiError> {
    let Some(row) = conn
        .cached_query_opt(
            "SELECT d.received_at, d.appointment_date, d.procedure_code,
                COALESCE(p.refund_due_vnd, 0)
             FROM dossiers d LEFT JOIN payment_requests p ON p.dossier_code = d.code
             WHERE d.code = $1 AND ($2::BIGINT IS NULL OR d.applicant_id = $2)",
            &[&code, &applicant],
        )
        .await?
    else {
        return Ok(None);
    };
    // Officers see what is owed back; applicants read it with the payment.
    let refund_due = match applicant {
        None => uint(row.get(3)),
        Some(_) => 0,
    };
    let history = conn
        .cached_query(
            &format!(
                "SELECT {EVENT_COLUMNS} FROM status_events e WHERE e.dossier_code = $1
                 ORDER BY e.cursor"
            ),
            &[&code],
        )
        .await?
        .iter()
        .map(event)
        .collect::<Result<Vec<_>, _>>()?;
    let (appointment, procedure): (String, String) = (row.get(1), row.get(2));
    crate::tracking::status_of(
        code,
        row.get(0),
        &appointment,
        &procedure,
        history,
        refund_due,
    )
    .map(Some)
}

/// Holds dossier `code`'s row to the end of the transaction (a move, a
/// result put): refused as unknown when there is none. `NO KEY UPDATE`,
/// not `UPDATE`: a transfer or a refund that records a row naming the
/// dossier (its foreign key takes `KEY SHARE`) while holding the payment
/// request a refusal then waits for goes on, so the two never wait for
/// each other.
async fn lock_dossier(conn: &impl GenericClient, code: &str) -> Result<(), ApiError> {
    let found = conn
        .cached_execute(
            "SELECT 1 FROM dossiers WHERE code = $1 FOR NO KEY UPDATE",
            &[&code],
        )
        .await?;
    if found == 0 {
        return Err(ApiError::not_found("hồ sơ / dossier"));
    }
    Ok(())
}

/// Where dossier `code` stands for its results.
async fn results_state(
    conn: &impl GenericClient,
    code: &str,
) -> Result<Option<ResultsState>, ApiError> {
    let Some(row) = conn
        .cached_query_opt(
            "SELECT d.status, EXISTS (SELECT 1 FROM result_notices n WHERE n.dossier_code = d.code)
             FROM dossiers d WHERE d.code = $1",
            &[&code],
        )
        .await?
    else {
        return Ok(None);
    };
    let status: String = row.get(0);
    Ok(Some(ResultsState {
        status: Status::parse(&status).ok_or_else(|| ApiError::internal(status))?,
        issued: row.get(1),
    }))
}

/// Signs (with `issue`) and records the result notice of dossier `code`,
/// naming each of its result documents; refused without one. The notice
/// as a document of the feed, which the caller adds last.
async fn issue_result(
    conn: &impl GenericClient,
    code: &str,
    at: &str,
    issue: ResultNoticeMaker,
) -> Result<DossierDocument, ApiError> {
    let documents = conn
        .cached_query(
            "SELECT name, size, sha256 FROM result_documents WHERE dossier_code = $1 ORDER BY name",
            &[&code],
        )
        .await?
        .iter()
        .map(|r| {
            let sha256: String = r.get(2);
            Ok(ResultDocument {
                name: r.get(0),
                size: uint(r.get(1)),
                sha256: sha256.parse().map_err(ApiError::internal)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    if documents.is_empty() {
        return Err(crate::results::none_yet(code));
    }
    let signed = issue(documents)?;
    conn.cached_execute(
        "INSERT INTO result_notices (dossier_code, notice, issued_at) VALUES ($1, $2, $3)",
        &[
            &code,
            &serde_json::to_string(&signed).map_err(ApiError::internal)?,
            &at,
        ],
    )
    .await?;
    Ok(DossierDocument::ResultNotice(signed))
}

/// Closes dossier `code`'s payment when its move `to` ends it (refused
/// or withdrawn, [`owes_back_paid`]; any other move leaves it, `None`):
/// all that counted towards its fee is owed back, on top of what was owed
/// already, and a request that still asked for money is cancelled
/// (`PaymentRequest::cancel`). The cancelled request, a document of the
/// feed, which the caller adds after the status change. The request's row
/// is held and written even when nothing was paid: to the commit, a
/// transfer for the dossier waits for it, then finds the dossier closed
/// and owes all of it back, rather than count it towards a fee no longer
/// due.
async fn close_payment(
    conn: &impl GenericClient,
    code: &str,
    to: Status,
    at: &str,
) -> Result<Option<DossierDocument>, ApiError> {
    if !owes_back_paid(to) {
        return Ok(None);
    }
    let Some(row) = conn
        .cached_query_opt(
            "SELECT request FROM payment_requests WHERE dossier_code = $1 FOR UPDATE",
            &[&code],
        )
        .await?
    else {
        return Ok(None);
    };
    let request: PaymentRequest =
        serde_json::from_str(&row.get::<_, String>(0)).map_err(ApiError::internal)?;
    let cancelled = request.cancel();
    let now = cancelled.as_ref().unwrap_or(&request);
    conn.cached_execute(
        "UPDATE payment_requests SET refund_due_vnd = refund_due_vnd + paid_vnd, state = $2,
            request = $3, updated_at = $4
         WHERE dossier_code = $1",
        &[
            &code,
            &state_name(now.state),
            &serde_json::to_string(now).map_err(ApiError::internal)?,
            &at,
        ],
    )
    .await?;
    Ok(cancelled.map(DossierDocument::PaymentRequest))
}
