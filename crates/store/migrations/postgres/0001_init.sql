-- The event log is the source of truth; every other table is derived from it
-- or is configuration (models, keys).
CREATE TABLE events (
    seq          BIGSERIAL PRIMARY KEY,
    message_id   TEXT    NOT NULL UNIQUE,
    identity     TEXT    NOT NULL,
    user_id      TEXT,
    anonymous_id TEXT,
    kind         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    ts           BIGINT NOT NULL,
    received_at  BIGINT NOT NULL,
    body         TEXT    NOT NULL
);
CREATE INDEX events_identity ON events (identity, ts);

CREATE TABLE identities (
    identity TEXT PRIMARY KEY,
    lead_id  TEXT NOT NULL
);
CREATE INDEX identities_lead ON identities (lead_id);

CREATE TABLE leads (
    id         TEXT PRIMARY KEY,
    profile    TEXT    NOT NULL,
    name       TEXT,
    email      TEXT,
    account    TEXT,
    owner      TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX leads_account ON leads (account);
CREATE INDEX leads_owner ON leads (owner);

CREATE TABLE accounts (
    id         TEXT PRIMARY KEY,
    traits     TEXT    NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE account_scores (
    model_version    BIGINT NOT NULL,
    account_id       TEXT    NOT NULL,
    contacts         BIGINT NOT NULL,
    engaged_contacts BIGINT NOT NULL,
    hot_contacts     BIGINT NOT NULL,
    best_fit         DOUBLE PRECISION    NOT NULL,
    total_engagement DOUBLE PRECISION    NOT NULL,
    best_total       DOUBLE PRECISION    NOT NULL,
    PRIMARY KEY (model_version, account_id)
);
CREATE INDEX account_scores_rank ON account_scores (model_version, total_engagement DESC, account_id);

CREATE TABLE scores (
    model_version BIGINT NOT NULL,
    lead_id       TEXT    NOT NULL,
    total         DOUBLE PRECISION    NOT NULL,
    fit           DOUBLE PRECISION    NOT NULL,
    engagement    DOUBLE PRECISION    NOT NULL,
    groups        TEXT    NOT NULL,
    bant          BIGINT NOT NULL,
    cell          TEXT    NOT NULL,
    hot           BOOLEAN NOT NULL,
    stage         TEXT    NOT NULL,
    manual_stage  BOOLEAN NOT NULL,
    email_quality TEXT    NOT NULL,
    last_activity BIGINT,
    events        BIGINT NOT NULL,
    reasons       TEXT    NOT NULL,
    scored_at     BIGINT NOT NULL,
    PRIMARY KEY (model_version, lead_id)
);
CREATE INDEX scores_rank ON scores (model_version, total DESC, lead_id);
CREATE INDEX scores_stage ON scores (model_version, stage, total DESC, lead_id);
CREATE INDEX scores_cell ON scores (model_version, cell, total DESC, lead_id);

CREATE TABLE score_history (
    id            BIGSERIAL PRIMARY KEY,
    lead_id       TEXT    NOT NULL,
    model_version BIGINT NOT NULL,
    at            BIGINT NOT NULL,
    total         DOUBLE PRECISION    NOT NULL,
    cell          TEXT    NOT NULL,
    stage         TEXT    NOT NULL,
    cause         TEXT    NOT NULL
);
CREATE INDEX score_history_lead ON score_history (lead_id, at);

CREATE TABLE models (
    version    BIGSERIAL PRIMARY KEY,
    name       TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    created_at BIGINT NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE api_keys (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    hash       TEXT    NOT NULL UNIQUE,
    prefix     TEXT    NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
