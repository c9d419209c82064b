-- Bulk insert into a table shaped like `events` (both indexes), with the
-- text keys in the database's default collation and then in "C":
--   psql postgres://postgres@127.0.0.1:5432/test -f bench/postgres/collation.sql
\timing on
CREATE TEMP TABLE t_default (seq bigserial PRIMARY KEY, message_id text NOT NULL UNIQUE,
    identity text NOT NULL, ts bigint NOT NULL, body text NOT NULL);
CREATE INDEX ON t_default (identity, ts);
CREATE TEMP TABLE t_c (seq bigserial PRIMARY KEY, message_id text COLLATE "C" NOT NULL UNIQUE,
    identity text COLLATE "C" NOT NULL, ts bigint NOT NULL, body text NOT NULL);
CREATE INDEX ON t_c (identity, ts);
SELECT datcollate FROM pg_database WHERE datname = current_database();
-- Two rounds each, alternated.
INSERT INTO t_default (message_id, identity, ts, body) SELECT 'b-' || (i % 16) || '-' || i,
    'u' || ((i::bigint * 7919) % 100000), i, repeat('x', 180) FROM generate_series(1, 300000) i;
INSERT INTO t_c (message_id, identity, ts, body) SELECT 'b-' || (i % 16) || '-' || i,
    'u' || ((i::bigint * 7919) % 100000), i, repeat('x', 180) FROM generate_series(1, 300000) i;
INSERT INTO t_default (message_id, identity, ts, body) SELECT 'c-' || (i % 16) || '-' || i,
    'u' || ((i::bigint * 7919) % 100000), i, repeat('x', 180) FROM generate_series(1, 300000) i;
INSERT INTO t_c (message_id, identity, ts, body) SELECT 'c-' || (i % 16) || '-' || i,
    'u' || ((i::bigint * 7919) % 100000), i, repeat('x', 180) FROM generate_series(1, 300000) i;
