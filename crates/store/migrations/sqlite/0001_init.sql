-- The event log is the source of truth; every other table is derived from it
-- or is configuration (models, keys).
CREATE TABLE events (
    seq          INTEGER PRIMARY KEY,
    message_id   TEXT    NOT NULL UNIQUE,
    identity     TEXT    NOT NULL,
    user_id      TEXT,
    anonymous_id TEXT,
    kind         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    ts           INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    body         TEXT    NOT NULL
);
CREATE INDEX events_identity ON events (identity, ts);

CREATE TABLE identities (
    identity TEXT PRIMARY KEY,
    lead_id  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX identities_lead ON identities (lead_id);

CREATE TABLE leads (
    id         TEXT PRIMARY KEY,
    profile    TEXT    NOT NULL,
    name       TEXT,
    email      TEXT,
    account    TEXT,
    owner      TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX leads_account ON leads (account);
CREATE INDEX leads_owner ON leads (owner);

CREATE TABLE accounts (
    id         TEXT PRIMARY KEY,
    traits     TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE account_scores (
    model_version    INTEGER NOT NULL,
    account_id       TEXT    NOT NULL,
    contacts         INTEGER NOT NULL,
    engaged_contacts INTEGER NOT NULL,
    hot_contacts     INTEGER NOT NULL,
    best_fit         REAL    NOT NULL,
    total_engagement REAL    NOT NULL,
    best_total       REAL    NOT NULL,
    PRIMARY KEY (model_version, account_id)
);
CREATE INDEX account_scores_rank ON account_scores (model_version, total_engagement DESC, account_id);

CREATE TABLE scores (
    model_version INTEGER NOT NULL,
    lead_id       TEXT    NOT NULL,
    total         REAL    NOT NULL,
    fit           REAL    NOT NULL,
    engagement    REAL    NOT NULL,
    groups        TEXT    NOT NULL,
    bant          INTEGER NOT NULL,
    cell          TEXT    NOT NULL,
    hot           INTEGER NOT NULL,
    stage         TEXT    NOT NULL,
    manual_stage  INTEGER NOT NULL,
    email_quality TEXT    NOT NULL,
    last_activity INTEGER,
    events        INTEGER NOT NULL,
    reasons       TEXT    NOT NULL,
    scored_at     INTEGER NOT NULL,
    PRIMARY KEY (model_version, lead_id)
);
CREATE INDEX scores_rank ON scores (model_version, total DESC, lead_id);
CREATE INDEX scores_stage ON scores (model_version, stage, total DESC, lead_id);
CREATE INDEX scores_cell ON scores (model_version, cell, total DESC, lead_id);

CREATE TABLE score_history (
    id            INTEGER PRIMARY KEY,
    lead_id       TEXT    NOT NULL,
    model_version INTEGER NOT NULL,
    at            INTEGER NOT NULL,
    total         REAL    NOT NULL,
    cell          TEXT    NOT NULL,
    stage         TEXT    NOT NULL,
    cause         TEXT    NOT NULL
);
CREATE INDEX score_history_lead ON score_history (lead_id, at);

CREATE TABLE models (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    active     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE api_keys (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    hash       TEXT    NOT NULL UNIQUE,
    prefix     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
