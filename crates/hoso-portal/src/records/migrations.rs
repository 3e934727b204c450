//! The one list of the portal's migrations, numbered and forward-only,
//! for every back end. A step is written once where the dialects agree and
//! per dialect where they differ; a back end records how many steps ran
//! (SQLite in `PRAGMA user_version`, PostgreSQL in `schema_version`).
//!
//! Where the dialects differ: PostgreSQL's integers are `BIGINT` (SQLite's
//! `INTEGER` is 64-bit), its flags `BOOLEAN`, its row ids `BIGSERIAL`, and
//! JSON is read with `jsonb` operators, not `json_extract`.

/// One step of the schema, in each back end's dialect.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The step for SQLite.
    pub sqlite: &'static str,
    /// The same step for PostgreSQL.
    #[cfg_attr(not(feature = "shared"), allow(dead_code))]
    pub postgres: &'static str,
}

/// Every step, oldest first. Never edit a step that shipped: add one.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        sqlite: r#"
CREATE TABLE applicants (
    id            INTEGER PRIMARY KEY,
    account       TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TABLE tokens (
    token_sha256  TEXT PRIMARY KEY,
    applicant_id  INTEGER NOT NULL REFERENCES applicants(id),
    created_at    TEXT NOT NULL
);
CREATE TABLE uploads (
    id            TEXT PRIMARY KEY,
    applicant_id  INTEGER NOT NULL REFERENCES applicants(id),
    length        INTEGER NOT NULL,
    offset_bytes  INTEGER NOT NULL DEFAULT 0,
    metadata      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    completed_at  TEXT,
    sha256        TEXT
);
CREATE TABLE dossiers (
    code              TEXT PRIMARY KEY,
    applicant_id      INTEGER NOT NULL REFERENCES applicants(id),
    procedure_code    TEXT NOT NULL,
    procedure_version TEXT NOT NULL,
    manifest_sha256   TEXT NOT NULL,
    content           TEXT NOT NULL,
    receipt           TEXT NOT NULL,
    received_at       TEXT NOT NULL,
    status            TEXT NOT NULL
);
CREATE INDEX dossiers_by_manifest ON dossiers(applicant_id, manifest_sha256);
CREATE TABLE dossier_documents (
    dossier_code  TEXT NOT NULL REFERENCES dossiers(code),
    position      INTEGER NOT NULL,
    slot          TEXT NOT NULL,
    name          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    upload_id     TEXT NOT NULL REFERENCES uploads(id),
    PRIMARY KEY (dossier_code, position)
);
CREATE TABLE idempotency_keys (
    applicant_id    INTEGER NOT NULL REFERENCES applicants(id),
    key             TEXT NOT NULL,
    request_sha256  TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('processing', 'done')),
    dossier_code    TEXT REFERENCES dossiers(code),
    response        TEXT,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    PRIMARY KEY (applicant_id, key)
);
CREATE TABLE daily_sequence (
    day   TEXT PRIMARY KEY,
    last  INTEGER NOT NULL
);
"#,
        postgres: r#"
CREATE TABLE applicants (
    id            BIGSERIAL PRIMARY KEY,
    account       TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TABLE tokens (
    token_sha256  TEXT PRIMARY KEY,
    applicant_id  BIGINT NOT NULL REFERENCES applicants(id),
    created_at    TEXT NOT NULL
);
CREATE TABLE uploads (
    id            TEXT PRIMARY KEY,
    applicant_id  BIGINT NOT NULL REFERENCES applicants(id),
    length        BIGINT NOT NULL,
    offset_bytes  BIGINT NOT NULL DEFAULT 0,
    metadata      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    completed_at  TEXT,
    sha256        TEXT
);
CREATE TABLE dossiers (
    code              TEXT PRIMARY KEY,
    applicant_id      BIGINT NOT NULL REFERENCES applicants(id),
    procedure_code    TEXT NOT NULL,
    procedure_version TEXT NOT NULL,
    manifest_sha256   TEXT NOT NULL,
    content           TEXT NOT NULL,
    receipt           TEXT NOT NULL,
    received_at       TEXT NOT NULL,
    status            TEXT NOT NULL
);
CREATE INDEX dossiers_by_manifest ON dossiers(applicant_id, manifest_sha256);
CREATE TABLE dossier_documents (
    dossier_code  TEXT NOT NULL REFERENCES dossiers(code),
    position      BIGINT NOT NULL,
    slot          TEXT NOT NULL,
    name          TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    upload_id     TEXT NOT NULL REFERENCES uploads(id),
    PRIMARY KEY (dossier_code, position)
);
CREATE TABLE idempotency_keys (
    applicant_id    BIGINT NOT NULL REFERENCES applicants(id),
    key             TEXT NOT NULL,
    request_sha256  TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('processing', 'done')),
    dossier_code    TEXT REFERENCES dossiers(code),
    response        TEXT,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    PRIMARY KEY (applicant_id, key)
);
CREATE TABLE daily_sequence (
    day   TEXT PRIMARY KEY,
    last  BIGINT NOT NULL
);
"#,
    },
    Migration {
        sqlite: r#"
CREATE TABLE officers (
    id            INTEGER PRIMARY KEY,
    account       TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TABLE officer_tokens (
    token_sha256  TEXT PRIMARY KEY,
    officer_id    INTEGER NOT NULL REFERENCES officers(id),
    created_at    TEXT NOT NULL
);
CREATE TABLE status_events (
    cursor        INTEGER PRIMARY KEY AUTOINCREMENT,
    dossier_code  TEXT NOT NULL REFERENCES dossiers(code),
    status        TEXT NOT NULL,
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    request       TEXT
);
CREATE INDEX status_events_by_dossier ON status_events(dossier_code, cursor);
ALTER TABLE dossiers ADD COLUMN lookup_pin TEXT NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN appointment_date TEXT NOT NULL DEFAULT '';
UPDATE dossiers SET
    lookup_pin = json_extract(receipt, '$.receipt.lookup_pin'),
    appointment_date = json_extract(receipt, '$.receipt.appointment_date');
INSERT INTO status_events (dossier_code, status, at, actor)
    SELECT code, status, received_at, 'portal' FROM dossiers ORDER BY received_at, code;
CREATE TABLE lookup_failures (
    dossier_code  TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    first_at      TEXT NOT NULL
);
"#,
        postgres: r#"
CREATE TABLE officers (
    id            BIGSERIAL PRIMARY KEY,
    account       TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TABLE officer_tokens (
    token_sha256  TEXT PRIMARY KEY,
    officer_id    BIGINT NOT NULL REFERENCES officers(id),
    created_at    TEXT NOT NULL
);
CREATE TABLE status_events (
    cursor        BIGSERIAL PRIMARY KEY,
    dossier_code  TEXT NOT NULL REFERENCES dossiers(code),
    status        TEXT NOT NULL,
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    request       TEXT
);
CREATE INDEX status_events_by_dossier ON status_events(dossier_code, cursor);
ALTER TABLE dossiers ADD COLUMN lookup_pin TEXT NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN appointment_date TEXT NOT NULL DEFAULT '';
UPDATE dossiers SET
    lookup_pin = COALESCE(receipt::jsonb #>> '{receipt,lookup_pin}', ''),
    appointment_date = COALESCE(receipt::jsonb #>> '{receipt,appointment_date}', '');
INSERT INTO status_events (dossier_code, status, at, actor)
    SELECT code, status, received_at, 'portal' FROM dossiers ORDER BY received_at, code;
CREATE TABLE lookup_failures (
    dossier_code  TEXT PRIMARY KEY,
    failures      BIGINT NOT NULL,
    first_at      TEXT NOT NULL
);
"#,
    },
    Migration {
        sqlite: r#"
CREATE TABLE supplements (
    id            INTEGER PRIMARY KEY,
    dossier_code  TEXT NOT NULL REFERENCES dossiers(code),
    number        INTEGER NOT NULL,
    answer        TEXT NOT NULL,
    receipt       TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    UNIQUE (dossier_code, number)
);
CREATE TABLE supplement_documents (
    supplement_id INTEGER NOT NULL REFERENCES supplements(id),
    position      INTEGER NOT NULL,
    slot          TEXT NOT NULL,
    name          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    upload_id     TEXT NOT NULL,
    PRIMARY KEY (supplement_id, position)
);
"#,
        postgres: r#"
CREATE TABLE supplements (
    id            BIGSERIAL PRIMARY KEY,
    dossier_code  TEXT NOT NULL REFERENCES dossiers(code),
    number        BIGINT NOT NULL,
    answer        TEXT NOT NULL,
    receipt       TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    UNIQUE (dossier_code, number)
);
CREATE TABLE supplement_documents (
    supplement_id BIGINT NOT NULL REFERENCES supplements(id),
    position      BIGINT NOT NULL,
    slot          TEXT NOT NULL,
    name          TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    upload_id     TEXT NOT NULL,
    PRIMARY KEY (supplement_id, position)
);
"#,
    },
    // Quotas count what is not filed; complete uploads nobody filed expire
    // like unfinished ones (a week from now for those already there);
    // lookups are limited per client address, not per dossier; uploads
    // may be partial or final (concatenation) and of a length given later.
    Migration {
        sqlite: r#"
ALTER TABLE uploads ADD COLUMN filed INTEGER NOT NULL DEFAULT 0;
UPDATE uploads SET filed = 1 WHERE id IN
    (SELECT upload_id FROM dossier_documents UNION SELECT upload_id FROM supplement_documents);
UPDATE uploads SET expires_at = strftime('%Y-%m-%dT%H:%M:%S+07:00', 'now', '+7 hours', '+7 days')
    WHERE filed = 0 AND sha256 IS NOT NULL;
CREATE INDEX uploads_unfiled ON uploads(applicant_id, filed);
ALTER TABLE uploads ADD COLUMN concat TEXT;
ALTER TABLE uploads ADD COLUMN length_deferred INTEGER NOT NULL DEFAULT 0;
DROP TABLE lookup_failures;
CREATE TABLE lookup_misses (
    address  TEXT NOT NULL,
    at_ms    INTEGER NOT NULL
);
CREATE INDEX lookup_misses_by_address ON lookup_misses(address, at_ms);
CREATE INDEX lookup_misses_by_time ON lookup_misses(at_ms);
"#,
        postgres: r#"
ALTER TABLE uploads ADD COLUMN filed BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE uploads SET filed = TRUE WHERE id IN
    (SELECT upload_id FROM dossier_documents UNION SELECT upload_id FROM supplement_documents);
UPDATE uploads SET expires_at =
    to_char((now() AT TIME ZONE 'UTC') + interval '7 hours 7 days', 'YYYY-MM-DD"T"HH24:MI:SS"+07:00"')
    WHERE NOT filed AND sha256 IS NOT NULL;
CREATE INDEX uploads_unfiled ON uploads(applicant_id, filed);
ALTER TABLE uploads ADD COLUMN concat TEXT;
ALTER TABLE uploads ADD COLUMN length_deferred BOOLEAN NOT NULL DEFAULT FALSE;
DROP TABLE lookup_failures;
CREATE TABLE lookup_misses (
    address  TEXT NOT NULL,
    at_ms    BIGINT NOT NULL
);
CREATE INDEX lookup_misses_by_address ON lookup_misses(address, at_ms);
CREATE INDEX lookup_misses_by_time ON lookup_misses(at_ms);
"#,
    },
    // Replicas sharing one PostgreSQL database: each claim of a key names
    // the replica that made it, and each replica is known by a row whose
    // id it holds a session lock on while it lives (see records/postgres.rs);
    // a PATCH holds its upload by a lease row. SQLite, one process, only
    // keeps the column so both schemas stay alike.
    Migration {
        sqlite: r#"
ALTER TABLE idempotency_keys ADD COLUMN owner INTEGER;
"#,
        postgres: r#"
ALTER TABLE idempotency_keys ADD COLUMN owner BIGINT;
CREATE TABLE replicas (
    id          SERIAL PRIMARY KEY,
    started_at  TEXT NOT NULL,
    address     TEXT NOT NULL
);
CREATE TABLE upload_leases (
    upload_id     TEXT PRIMARY KEY,
    replica       BIGINT NOT NULL,
    request       BIGINT NOT NULL,
    active_at_ms  BIGINT NOT NULL
);
"#,
    },
    // Uploads in an S3 bucket (storage/s3.rs): which multipart upload
    // holds each, its parts as they are uploaded, and the bytes of its
    // incomplete part, one piece per request that ended inside it, so that
    // a small PATCH never rewrites anything in the bucket.
    Migration {
        sqlite: r#"
CREATE TABLE upload_multiparts (
    upload_id     TEXT PRIMARY KEY,
    multipart_id  TEXT NOT NULL,
    part_size     INTEGER NOT NULL,
    sealing       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE upload_parts (
    upload_id  TEXT NOT NULL,
    number     INTEGER NOT NULL,
    etag       TEXT NOT NULL,
    PRIMARY KEY (upload_id, number)
);
CREATE TABLE upload_pieces (
    upload_id  TEXT NOT NULL,
    start      INTEGER NOT NULL,
    bytes      BLOB NOT NULL,
    PRIMARY KEY (upload_id, start)
);
"#,
        postgres: r#"
CREATE TABLE upload_multiparts (
    upload_id     TEXT PRIMARY KEY,
    multipart_id  TEXT NOT NULL,
    part_size     BIGINT NOT NULL,
    sealing       BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE upload_parts (
    upload_id  TEXT NOT NULL,
    number     INTEGER NOT NULL,
    etag       TEXT NOT NULL,
    PRIMARY KEY (upload_id, number)
);
CREATE TABLE upload_pieces (
    upload_id  TEXT NOT NULL,
    start      BIGINT NOT NULL,
    bytes      BYTEA NOT NULL,
    PRIMARY KEY (upload_id, start)
);
"#,
    },
    // PostgreSQL writes leases without the write-ahead log: a lease means
    // nothing once the database restarts, since every replica's session
    // (and with it every lease it held) ends then, so taking and giving
    // one up need not wait for the disk. SQLite, one process, has nothing
    // to change.
    Migration {
        sqlite: "-- nothing to change",
        postgres: "ALTER TABLE upload_leases SET UNLOGGED;",
    },
    // Fees (payments.rs): a dossier's payment request, recorded with its
    // filing; each bank transfer once, by the bank's transaction id, with
    // the answer it got (a resent notification gets it again); fee
    // receipts, numbered per serial from their own sequence row, one per
    // dossier; and the documents of the change feed, whose cursors are
    // drawn from the status events' sequence (SQLite: its row of
    // sqlite_sequence; PostgreSQL: status_events_cursor_seq, under the
    // feed's lock), so one cursor orders both.
    Migration {
        sqlite: r#"
CREATE TABLE payment_requests (
    dossier_code    TEXT PRIMARY KEY REFERENCES dossiers(code),
    amount_vnd      INTEGER NOT NULL,
    paid_vnd        INTEGER NOT NULL DEFAULT 0,
    refund_due_vnd  INTEGER NOT NULL DEFAULT 0,
    state           TEXT NOT NULL,
    deadline        TEXT NOT NULL,
    request         TEXT NOT NULL,
    payer           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE TABLE bank_transactions (
    transaction_id  TEXT PRIMARY KEY,
    account         TEXT NOT NULL,
    amount_vnd      INTEGER NOT NULL,
    purpose         TEXT NOT NULL,
    credited_at     TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    notification    TEXT NOT NULL,
    dossier_code    TEXT REFERENCES dossiers(code),
    applied         INTEGER NOT NULL DEFAULT 0,
    late            INTEGER NOT NULL DEFAULT 0,
    refund_due_vnd  INTEGER NOT NULL DEFAULT 0,
    answer_status   INTEGER NOT NULL,
    answer          TEXT NOT NULL
);
CREATE INDEX bank_transactions_by_dossier ON bank_transactions(dossier_code, credited_at);
CREATE TABLE receipt_sequence (
    serial  TEXT PRIMARY KEY,
    last    INTEGER NOT NULL
);
CREATE TABLE fee_receipts (
    serial        TEXT NOT NULL,
    number        INTEGER NOT NULL,
    dossier_code  TEXT NOT NULL UNIQUE REFERENCES dossiers(code),
    receipt       TEXT NOT NULL,
    issued_at     TEXT NOT NULL,
    PRIMARY KEY (serial, number)
);
CREATE TABLE feed_documents (
    cursor        INTEGER PRIMARY KEY,
    dossier_code  TEXT NOT NULL REFERENCES dossiers(code),
    kind          TEXT NOT NULL,
    at            TEXT NOT NULL,
    document      TEXT NOT NULL
);
CREATE INDEX feed_documents_by_dossier ON feed_documents(dossier_code, cursor);
"#,
        postgres: r#"
CREATE TABLE payment_requests (
    dossier_code    TEXT PRIMARY KEY REFERENCES dossiers(code),
    amount_vnd      BIGINT NOT NULL,
    paid_vnd        BIGINT NOT NULL DEFAULT 0,
    refund_due_vnd  BIGINT NOT NULL DEFAULT 0,
    state           TEXT NOT NULL,
    deadline        TEXT NOT NULL,
    request         TEXT NOT NULL,
    payer           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE TABLE bank_transactions (
    transaction_id  TEXT PRIMARY KEY,
    account         TEXT NOT NULL,
    amount_vnd      BIGINT NOT NULL,
    purpose         TEXT NOT NULL,
    credited_at     TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    notification    TEXT NOT NULL,
    dossier_code    TEXT REFERENCES dossiers(code),
    applied         BOOLEAN NOT NULL DEFAULT FALSE,
    late            BOOLEAN NOT NULL DEFAULT FALSE,
    refund_due_vnd  BIGINT NOT NULL DEFAULT 0,
    answer_status   INTEGER NOT NULL,
    answer          TEXT NOT NULL
);
CREATE INDEX bank_transactions_by_dossier ON bank_transactions(dossier_code, credited_at);
CREATE TABLE receipt_sequence (
    serial  TEXT PRIMARY KEY,
    last    BIGINT NOT NULL
);
CREATE TABLE fee_receipts (
    serial        TEXT NOT NULL,
    number        BIGINT NOT NULL,
    dossier_code  TEXT NOT NULL UNIQUE REFERENCES dossiers(code),
    receipt       TEXT NOT NULL,
    issued_at     TEXT NOT NULL,
    PRIMARY KEY (serial, number)
);
CREATE TABLE feed_documents (
    cursor        BIGINT PRIMARY KEY,
    dossier_code  TEXT NOT NULL REFERENCES dossiers(code),
    kind          TEXT NOT NULL,
    at            TEXT NOT NULL,
    document      TEXT NOT NULL
);
CREATE INDEX feed_documents_by_dossier ON feed_documents(dossier_code, cursor);
"#,
    },
    // Refunds (refunds.rs): each refund an officer records once, by the
    // bank's reference of the transfer that gave the money back, with its
    // signed notice and the answer it got.
    Migration {
        sqlite: r#"
CREATE TABLE refunds (
    bank_reference  TEXT PRIMARY KEY,
    dossier_code    TEXT NOT NULL REFERENCES dossiers(code),
    amount_vnd      INTEGER NOT NULL,
    reason          TEXT NOT NULL,
    officer         TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    notice          TEXT NOT NULL,
    answer          TEXT NOT NULL
);
CREATE INDEX refunds_by_dossier ON refunds(dossier_code, recorded_at);
"#,
        postgres: r#"
CREATE TABLE refunds (
    bank_reference  TEXT PRIMARY KEY,
    dossier_code    TEXT NOT NULL REFERENCES dossiers(code),
    amount_vnd      BIGINT NOT NULL,
    reason          TEXT NOT NULL,
    officer         TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    notice          TEXT NOT NULL,
    answer          TEXT NOT NULL
);
CREATE INDEX refunds_by_dossier ON refunds(dossier_code, recorded_at);
"#,
    },
    // Results (results.rs): a dossier's result documents, one per name as
    // Windows tells names apart (case folded), their bytes in the upload
    // store under an id of their own; and the signed result notice that
    // freezes them.
    Migration {
        sqlite: r#"
CREATE TABLE result_documents (
    dossier_code  TEXT NOT NULL REFERENCES dossiers(code),
    folded_name   TEXT NOT NULL,
    name          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    storage_id    TEXT NOT NULL,
    added_at      TEXT NOT NULL,
    added_by      TEXT NOT NULL,
    PRIMARY KEY (dossier_code, folded_name)
);
CREATE TABLE result_notices (
    dossier_code  TEXT PRIMARY KEY REFERENCES dossiers(code),
    notice        TEXT NOT NULL,
    issued_at     TEXT NOT NULL
);
"#,
        postgres: r#"
CREATE TABLE result_documents (
    dossier_code  TEXT NOT NULL REFERENCES dossiers(code),
    folded_name   TEXT NOT NULL,
    name          TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    storage_id    TEXT NOT NULL,
    added_at      TEXT NOT NULL,
    added_by      TEXT NOT NULL,
    PRIMARY KEY (dossier_code, folded_name)
);
CREATE TABLE result_notices (
    dossier_code  TEXT PRIMARY KEY REFERENCES dossiers(code),
    notice        TEXT NOT NULL,
    issued_at     TEXT NOT NULL
);
"#,
    },
    // Payment deadlines (expiry.rs): whether the sweep has applied a
    // request's deadline to it, so that each is looked at once after its
    // deadline (a request partly paid by then changes nothing but loses
    // its code, and must not be read again at every sweep). The index
    // holds only the requests the sweep may still have to look at.
    Migration {
        sqlite: r#"
ALTER TABLE payment_requests ADD COLUMN deadline_swept INTEGER NOT NULL DEFAULT 0;
CREATE INDEX payment_requests_to_sweep ON payment_requests(deadline)
    WHERE deadline_swept = 0 AND state IN ('awaiting', 'partly_paid');
"#,
        postgres: r#"
ALTER TABLE payment_requests ADD COLUMN deadline_swept BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX payment_requests_to_sweep ON payment_requests(deadline)
    WHERE NOT deadline_swept AND state IN ('awaiting', 'partly_paid');
"#,
    },
    // The officers' console (console/): each officer's duties and
    // password (Argon2id, PHC string; none: the account signs in only with
    // its token on the API), sessions by the SHA-256 of their cookie, the
    // wrong passwords of the last minutes by account and address, and what
    // the queue sorts, filters and searches by: the dossier's assignee, its
    // applicant's name and tax code, and the words of both (and of its
    // code) without diacritics, filled by the portal for dossiers filed
    // before (`terms_indexed`). The open dossiers' index holds only those
    // the queue shows by default.
    Migration {
        sqlite: r#"
ALTER TABLE officers ADD COLUMN duties TEXT NOT NULL DEFAULT 'receiving,processing,leader';
ALTER TABLE officers ADD COLUMN password_hash TEXT;
CREATE TABLE officer_sessions (
    id_sha256     TEXT PRIMARY KEY,
    officer_id    INTEGER NOT NULL REFERENCES officers(id),
    csrf          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL
);
CREATE INDEX officer_sessions_by_expiry ON officer_sessions(expires_at_ms);
CREATE TABLE sign_in_failures (
    account  TEXT NOT NULL,
    address  TEXT NOT NULL,
    at_ms    INTEGER NOT NULL
);
CREATE INDEX sign_in_failures_by_account ON sign_in_failures(account, at_ms);
CREATE INDEX sign_in_failures_by_time ON sign_in_failures(at_ms);
ALTER TABLE dossiers ADD COLUMN assigned_to TEXT;
ALTER TABLE dossiers ADD COLUMN applicant_name TEXT NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN tax_code TEXT NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN terms_indexed INTEGER NOT NULL DEFAULT 0;
CREATE TABLE dossier_terms (
    term          TEXT NOT NULL,
    dossier_code  TEXT NOT NULL REFERENCES dossiers(code),
    PRIMARY KEY (term, dossier_code)
);
CREATE TABLE assignments (
    dossier_code  TEXT NOT NULL REFERENCES dossiers(code),
    at            TEXT NOT NULL,
    by_officer    TEXT NOT NULL,
    to_officer    TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX assignments_by_dossier ON assignments(dossier_code, at);
CREATE INDEX dossiers_open_by_due ON dossiers(appointment_date, code)
    WHERE status NOT IN ('rejected', 'completed', 'withdrawn');
CREATE INDEX dossiers_by_status_due ON dossiers(status, appointment_date, code);
CREATE INDEX dossiers_by_procedure_due ON dossiers(procedure_code, appointment_date, code);
CREATE INDEX dossiers_by_assignee_due ON dossiers(assigned_to, appointment_date, code);
CREATE INDEX dossiers_unindexed ON dossiers(code) WHERE terms_indexed = 0;
"#,
        postgres: r#"
ALTER TABLE officers ADD COLUMN duties TEXT NOT NULL DEFAULT 'receiving,processing,leader';
ALTER TABLE officers ADD COLUMN password_hash TEXT;
CREATE TABLE officer_sessions (
    id_sha256     TEXT PRIMARY KEY,
    officer_id    BIGINT NOT NULL REFERENCES officers(id),
    csrf          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at_ms BIGINT NOT NULL
);
CREATE INDEX officer_sessions_by_expiry ON officer_sessions(expires_at_ms);
CREATE TABLE sign_in_failures (
    account  TEXT NOT NULL,
    address  TEXT NOT NULL,
    at_ms    BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_by_account ON sign_in_failures(account, at_ms);
CREATE INDEX sign_in_failures_by_time ON sign_in_failures(at_ms);
ALTER TABLE dossiers ADD COLUMN assigned_to TEXT;
ALTER TABLE dossiers ADD COLUMN applicant_name TEXT NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN tax_code TEXT NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN terms_indexed BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE dossier_terms (
    term          TEXT COLLATE "C" NOT NULL,
    dossier_code  TEXT NOT NULL REFERENCES dossiers(code),
    PRIMARY KEY (term, dossier_code)
);
CREATE TABLE assignments (
    dossier_code  TEXT NOT NULL REFERENCES dossiers(code),
    at            TEXT NOT NULL,
    by_officer    TEXT NOT NULL,
    to_officer    TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX assignments_by_dossier ON assignments(dossier_code, at);
CREATE INDEX dossiers_open_by_due ON dossiers(appointment_date, code)
    WHERE status NOT IN ('rejected', 'completed', 'withdrawn');
CREATE INDEX dossiers_by_status_due ON dossiers(status, appointment_date, code);
CREATE INDEX dossiers_by_procedure_due ON dossiers(procedure_code, appointment_date, code);
CREATE INDEX dossiers_by_assignee_due ON dossiers(assigned_to, appointment_date, code);
CREATE INDEX dossiers_unindexed ON dossiers(code) WHERE NOT terms_indexed;
"#,
    },
    // Figures (console/figures): the applicant's satisfaction with a
    // completed dossier, once per dossier (its latest word kept), the
    // dossiers by the time they were received, which the figures count by
    // period, and by due date whatever their state (the queue of every
    // state).
    Migration {
        sqlite: r#"
CREATE TABLE ratings (
    dossier_code  TEXT PRIMARY KEY REFERENCES dossiers(code),
    rating        INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment       TEXT NOT NULL DEFAULT '',
    rated_at      TEXT NOT NULL
);
CREATE INDEX dossiers_by_received ON dossiers(received_at);
CREATE INDEX dossiers_by_due ON dossiers(appointment_date, code);
"#,
        postgres: r#"
CREATE TABLE ratings (
    dossier_code  TEXT PRIMARY KEY REFERENCES dossiers(code),
    rating        BIGINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment       TEXT NOT NULL DEFAULT '',
    rated_at      TEXT NOT NULL
);
CREATE INDEX dossiers_by_received ON dossiers(received_at);
CREATE INDEX dossiers_by_due ON dossiers(appointment_date, code);
"#,
    },
];
