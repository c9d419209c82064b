-- Hand-off to sales: trigger states, the webhook outbox and its delivery
-- log, offers, sales feedback, and who owned a lead at each history entry.
ALTER TABLE score_history ADD COLUMN owner TEXT;
CREATE INDEX score_history_at ON score_history (at);

-- A row exists only while a trigger's state differs from its starting
-- state (fired for upward lines, armed for downward ones).
CREATE TABLE trigger_state (
    lead_id TEXT    NOT NULL,
    trigger TEXT    NOT NULL,
    armed   INTEGER NOT NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (lead_id, trigger)
) WITHOUT ROWID;

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE webhooks (
    name         TEXT PRIMARY KEY,
    url          TEXT    NOT NULL,
    secret       TEXT    NOT NULL,
    timeout_ms   INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    delivery_id     TEXT    NOT NULL UNIQUE,
    webhook         TEXT    NOT NULL,
    lead_id         TEXT    NOT NULL,
    trigger         TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_lead ON outbox (lead_id);

CREATE TABLE delivery_attempts (
    id          INTEGER PRIMARY KEY,
    outbox_id   INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status_code INTEGER,
    error       TEXT,
    duration_ms INTEGER NOT NULL
);
CREATE INDEX delivery_attempts_outbox ON delivery_attempts (outbox_id, id);

CREATE TABLE offers (
    lead_id    TEXT    NOT NULL,
    offer_id   TEXT    NOT NULL,
    content    TEXT    NOT NULL,
    trigger    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (lead_id, offer_id)
);

CREATE TABLE feedback (
    id        INTEGER PRIMARY KEY,
    lead_id   TEXT    NOT NULL,
    at        INTEGER NOT NULL,
    kind      TEXT    NOT NULL,
    reached   INTEGER,
    first_try INTEGER,
    reason    TEXT,
    value     REAL,
    note      TEXT,
    actor     TEXT    NOT NULL
);
CREATE INDEX feedback_lead ON feedback (lead_id, at);
CREATE INDEX feedback_at ON feedback (at);
