//! The profile database's schema: numbered, forward-only migrations, run
//! by `hoso_sqlite::migrate` when a profile opens.

/// Numbered, forward-only migrations; `PRAGMA user_version` counts those run.
pub(super) const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE portals (
    id            INTEGER PRIMARY KEY,
    base_url      TEXT NOT NULL UNIQUE,
    name_vi       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    api_base      TEXT NOT NULL,
    tus_endpoint  TEXT NOT NULL,
    receipt_key   TEXT NOT NULL,
    key_id        TEXT NOT NULL,
    token         TEXT,
    practice      INTEGER NOT NULL DEFAULT 0,
    added_at      TEXT NOT NULL
);
CREATE TABLE procedures (
    portal_id   INTEGER NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    code        TEXT NOT NULL,
    version     TEXT NOT NULL,
    etag        TEXT,
    schema      TEXT NOT NULL,
    fetched_at  TEXT NOT NULL,
    PRIMARY KEY (portal_id, code)
);
CREATE TABLE library (
    sha256       TEXT PRIMARY KEY,
    size         INTEGER NOT NULL,
    name         TEXT NOT NULL,
    imported_at  TEXT NOT NULL
);
CREATE TABLE dossiers (
    id               INTEGER PRIMARY KEY,
    portal_id        INTEGER NOT NULL REFERENCES portals(id),
    procedure_code   TEXT NOT NULL,
    content          TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('draft', 'submitting', 'submitted')),
    idempotency_key  TEXT UNIQUE,
    dossier_code     TEXT,
    receipt          TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE TABLE uploads (
    portal_id     INTEGER NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    sha256        TEXT NOT NULL REFERENCES library(sha256),
    url           TEXT NOT NULL,
    length        INTEGER NOT NULL,
    confirmed     INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (portal_id, sha256)
);
"#,
    r#"
ALTER TABLE dossiers ADD COLUMN procedure_version TEXT NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dossiers ADD COLUMN archived_at TEXT;
ALTER TABLE dossiers ADD COLUMN deleted_at TEXT;
UPDATE dossiers SET procedure_version = COALESCE(json_extract(content, '$.version'), '');
CREATE INDEX dossiers_by_change ON dossiers (deleted_at, archived_at, updated_at);
ALTER TABLE library ADD COLUMN original_name TEXT;
ALTER TABLE library ADD COLUMN valid_until TEXT;
"#,
    r#"
CREATE TABLE procedure_versions (
    portal_id   INTEGER NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    code        TEXT NOT NULL,
    version     TEXT NOT NULL,
    schema      TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    PRIMARY KEY (portal_id, code, version)
);
INSERT INTO procedure_versions (portal_id, code, version, schema, first_seen)
    SELECT portal_id, code, version, schema, fetched_at FROM procedures;
"#,
    // Uploads are known by the tus endpoint they went to, so that any tus
    // server (not only a registered portal) can resume them.
    r#"
CREATE TABLE tus_uploads (
    endpoint      TEXT NOT NULL,
    sha256        TEXT NOT NULL REFERENCES library(sha256),
    url           TEXT NOT NULL,
    length        INTEGER NOT NULL,
    confirmed     INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (endpoint, sha256)
);
INSERT INTO tus_uploads (endpoint, sha256, url, length, confirmed, created_at)
    SELECT p.tus_endpoint, u.sha256, u.url, u.length, u.confirmed, u.created_at
    FROM uploads u JOIN portals p ON p.id = u.portal_id;
DROP TABLE uploads;
"#,
    // The person's choices (such as continuing unfinished sendings at
    // start), and sendings they paused.
    r#"
CREATE TABLE preferences (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
ALTER TABLE dossiers ADD COLUMN paused_at TEXT;
"#,
    // Where filed dossiers stand at their portals: every change from each
    // portal's feed, and how far and when each feed was last read.
    r#"
CREATE TABLE status_events (
    portal_id  INTEGER NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    cursor     INTEGER NOT NULL,
    code       TEXT NOT NULL,
    status     TEXT NOT NULL,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    request    TEXT,
    PRIMARY KEY (portal_id, cursor)
);
CREATE INDEX status_events_by_code ON status_events (portal_id, code, cursor);
CREATE TABLE status_sync (
    portal_id     INTEGER PRIMARY KEY REFERENCES portals(id) ON DELETE CASCADE,
    cursor        INTEGER NOT NULL DEFAULT 0,
    etag          TEXT,
    confirmed_at  TEXT,
    last_error    TEXT
);
"#,
    // Answers to requests for more, each filed once under its own key and
    // kept with its receipt; and a portal that presented another receipt
    // key than the one pinned, with when its key was last checked.
    r#"
CREATE TABLE supplements (
    id               INTEGER PRIMARY KEY,
    dossier_id       INTEGER NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    request_cursor   INTEGER NOT NULL,
    content          TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('sending', 'filed')),
    receipt          TEXT,
    created_at       TEXT NOT NULL,
    filed_at         TEXT,
    UNIQUE (dossier_id, request_cursor)
);
ALTER TABLE portals ADD COLUMN key_changed TEXT;
ALTER TABLE status_sync ADD COLUMN key_checked_at TEXT;
"#,
    // The manifest hash of what was sent, so that "already filed?" is an
    // index lookup rather than a parse of every filed dossier.
    r#"
ALTER TABLE dossiers ADD COLUMN manifest_sha256 TEXT;
CREATE INDEX dossiers_by_manifest ON dossiers (portal_id, manifest_sha256);
"#,
    // The key of the input row a dossier was made from (a CSV line given to
    // `hoso batch`), so that the same input run again finds that dossier
    // instead of making another.
    r#"
ALTER TABLE dossiers ADD COLUMN row_key TEXT;
CREATE INDEX dossiers_by_row_key ON dossiers (portal_id, row_key);
"#,
    // Full-text search of dossiers by what a person searches by: the
    // title (the applicant's name), the procedure's code, the portal's
    // dossier code and every text value of the form. Diacritics are
    // removed by the tokenizer (remove_diacritics 2 handles Vietnamese
    // letters with two marks); đ, a letter of its own to Unicode, is
    // folded to d here, so "dang" finds "Đặng". Triggers keep the index in
    // step with every write, whoever makes it.
    r#"
CREATE VIRTUAL TABLE dossiers_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO dossiers_fts (rowid, body) SELECT dossiers.id, replace(replace(
        dossiers.title || ' ' || dossiers.procedure_code || ' ' || COALESCE(dossiers.dossier_code, '') || ' ' ||
        COALESCE((SELECT group_concat(value, ' ') FROM json_tree(dossiers.content, '$.fields')
                  WHERE type = 'text'), ''),
        'đ', 'd'), 'Đ', 'D') FROM dossiers;
CREATE TRIGGER dossiers_fts_insert AFTER INSERT ON dossiers BEGIN
    INSERT INTO dossiers_fts (rowid, body) VALUES (new.id, replace(replace(
        new.title || ' ' || new.procedure_code || ' ' || COALESCE(new.dossier_code, '') || ' ' ||
        COALESCE((SELECT group_concat(value, ' ') FROM json_tree(new.content, '$.fields')
                  WHERE type = 'text'), ''),
        'đ', 'd'), 'Đ', 'D'));
END;
CREATE TRIGGER dossiers_fts_update AFTER UPDATE OF title, procedure_code, dossier_code, content ON dossiers BEGIN
    DELETE FROM dossiers_fts WHERE rowid = old.id;
    INSERT INTO dossiers_fts (rowid, body) VALUES (new.id, replace(replace(
        new.title || ' ' || new.procedure_code || ' ' || COALESCE(new.dossier_code, '') || ' ' ||
        COALESCE((SELECT group_concat(value, ' ') FROM json_tree(new.content, '$.fields')
                  WHERE type = 'text'), ''),
        'đ', 'd'), 'Đ', 'D'));
END;
CREATE TRIGGER dossiers_fts_delete AFTER DELETE ON dossiers BEGIN
    DELETE FROM dossiers_fts WHERE rowid = old.id;
END;
"#,
    // The documents a portal issues for a filed dossier, as its change
    // feed (or `GET /v1/dossiers/{code}/payment`) carries them: the latest
    // of each kind per dossier (a payment request again at each change of
    // its state, the fee receipt, a refund or result notice), kept as the
    // JSON received, the signed ones only once verified; and the receipt
    // keys a portal retired and still publishes, so documents it signed
    // before a rotation verify offline.
    r#"
CREATE TABLE dossier_documents (
    portal_id    INTEGER NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    code         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    cursor       INTEGER,
    at           TEXT,
    body         TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    PRIMARY KEY (portal_id, code, kind)
);
CREATE TABLE retired_keys (
    portal_id   INTEGER NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    key_id      TEXT NOT NULL,
    key         TEXT NOT NULL,
    retired_at  TEXT NOT NULL,
    PRIMARY KEY (portal_id, key_id)
);
"#,
];
