-- Hand-off to sales: trigger states, the webhook outbox and its delivery
-- log, offers, sales feedback, and who owned a lead at each history entry.
ALTER TABLE score_history ADD COLUMN owner TEXT;
CREATE INDEX score_history_at ON score_history (at);

-- A row exists only while a trigger's state differs from its starting
-- state (fired for upward lines, armed for downward ones).
CREATE TABLE trigger_state (
    lead_id TEXT    NOT NULL,
    trigger TEXT    NOT NULL,
    armed   BOOLEAN NOT NULL,
    at      BIGINT NOT NULL,
    PRIMARY KEY (lead_id, trigger)
);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE webhooks (
    name         TEXT PRIMARY KEY,
    url          TEXT    NOT NULL,
    secret       TEXT    NOT NULL,
    timeout_ms   BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    delivery_id     TEXT    NOT NULL UNIQUE,
    webhook         TEXT    NOT NULL,
    lead_id         TEXT    NOT NULL,
    trigger         TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_lead ON outbox (lead_id);

CREATE TABLE delivery_attempts (
    id          BIGSERIAL PRIMARY KEY,
    outbox_id   BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    status_code BIGINT,
    error       TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX delivery_attempts_outbox ON delivery_attempts (outbox_id, id);

CREATE TABLE offers (
    lead_id    TEXT    NOT NULL,
    offer_id   TEXT    NOT NULL,
    content    TEXT    NOT NULL,
    trigger    TEXT    NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (lead_id, offer_id)
);

CREATE TABLE feedback (
    id        BIGSERIAL PRIMARY KEY,
    lead_id   TEXT    NOT NULL,
    at        BIGINT NOT NULL,
    kind      TEXT    NOT NULL,
    reached   BOOLEAN,
    first_try BOOLEAN,
    reason    TEXT,
    value     DOUBLE PRECISION,
    note      TEXT,
    actor     TEXT    NOT NULL
);
CREATE INDEX feedback_lead ON feedback (lead_id, at);
CREATE INDEX feedback_at ON feedback (at);
