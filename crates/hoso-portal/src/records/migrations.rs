//! The one list of the portal's migrations, numbered and forward-only,
//! for every back end. A step is written once where the dialects agree and
//! per dialect where they differ; a back end records how many steps ran
//! (SQLite in `PRAGMA user_version`).

/// One step of the schema, in each back end's dialect.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The step for SQLite.
    pub sqlite: &'static str,
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
    },
];
