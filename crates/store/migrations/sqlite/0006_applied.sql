-- How far the derived tables (leads, identity links, scores, history,
-- trigger states, offers, outbox) have caught up with the event log: every
-- event up to `seq` is reflected in them. Events are acknowledged once
-- stored; what they change is written behind, in its own transactions, and
-- start-up replays the events after this mark. One row.
CREATE TABLE log_applied (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT  NOT NULL
);
-- Until now everything was written with its events: all of the log is applied.
INSERT INTO log_applied (id, seq) SELECT 1, COALESCE(MAX(seq), 0) FROM events;
