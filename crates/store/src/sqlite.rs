//! The embedded default: one SQLite file in WAL mode.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

/// How long a statement waits for a lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the writer's log restart waits for readers.
const RESTART_WAIT_MS: u64 = 100;

/// Storage in a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Reads.
    pool: sqlx::SqlitePool,
    /// Transactions, on their own connection: slow reads filling the read
    /// pool never hold up a commit, and SQLite has one writer anyway.
    write_pool: sqlx::SqlitePool,
    /// The write-ahead log, flushed apart from the writer's commits.
    wal: Option<crate::wal::WalFile>,
    /// Held while any handle on the store lives; the checkpoint task stops
    /// when it goes.
    _alive: std::sync::Arc<()>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies migrations.
    ///
    /// Durability: a [`Tx::commit`](crate::Tx::commit) is on disk before it
    /// returns, so an acknowledged event survives power loss, not just a
    /// process crash. The writer's connection commits with
    /// `synchronous = NORMAL` and the log is flushed after the commit (see
    /// the `wal` module), which lets the writer overlap one group's flush
    /// with the next group's work; the read pool, whose few writes (webhook
    /// attempts, settings) commit on their own, keeps `synchronous = FULL`.
    /// The server batches many requests into one commit to pay the flush once.
    pub async fn open(path: &Path) -> Result<SqliteStore, crate::StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            // Scoring touches leads all over the indexes; a 64 MB page cache
            // (the default is 2 MB) keeps their inner pages in memory.
            .pragma("cache_size", "-65536")
            // Pages are read through a memory map instead of a read call
            // and a copy each: the writer reads a dozen pages at random
            // places for every event.
            .pragma("mmap_size", "1073741824")
            // Checkpoints run in the background (below), not inside the
            // commit that happens to cross the threshold, which would stall
            // every request waiting on that commit.
            .pragma("wal_autocheckpoint", "0")
            // After a spike the log file is cut back to this size, so it
            // does not keep its peak size on disk.
            .pragma("journal_size_limit", "67108864")
            // Statement journals (multi-row statements that may fail half
            // way) stay in memory instead of temporary files.
            .pragma("temp_store", "memory");
        let write_pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone().synchronous(SqliteSynchronous::Normal))
            .await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&write_pool)
            .await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        let alive = std::sync::Arc::new(());
        tokio::spawn(checkpoint_every_second(
            pool.clone(),
            std::sync::Arc::downgrade(&alive),
        ));
        Ok(SqliteStore {
            pool,
            write_pool,
            // SQLite names the log after the database's full path.
            wal: Some(crate::wal::WalFile::of(
                &std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()),
            )),
            _alive: alive,
        })
    }
}

/// Copies committed pages from the write-ahead log into the database file
/// while the pool lives. `PASSIVE` never blocks readers or the writer; the
/// log itself is started over by [`SqliteStore::maintain`].
async fn checkpoint_every_second(pool: sqlx::SqlitePool, alive: std::sync::Weak<()>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        if alive.upgrade().is_none() {
            pool.close().await;
            return;
        }
        // A busy database just means the next tick tries again.
        let _ = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await;
    }
}

impl SqliteStore {
    /// Starts the write-ahead log over, from the writer's own connection.
    ///
    /// SQLite reuses the log from its start only once a checkpoint has
    /// copied every frame. Under steady writes the background `PASSIVE`
    /// checkpoints never catch up with the end of the log, and a `RESTART`
    /// from another connection starves waiting for the writer's lock: the
    /// log grew without bound (3.5 GB after 30 s of batch ingest, measured)
    /// and every commit slowed as it grew. Called between two transactions
    /// on the writer's connection, `RESTART` gets the lock at once and only
    /// copies what the passive checkpoints left.
    ///
    /// `RESTART` also waits for readers still using the old log; with the
    /// connection's 10 s busy timeout a long export would stall every write
    /// that long, so the wait is cut to [`RESTART_WAIT_MS`] and a busy
    /// answer just means the next call tries again.
    async fn maintain_log(&self) -> Result<(), crate::StoreError> {
        let mut conn = self.write_pool.acquire().await?;
        sqlx::query(&format!("PRAGMA busy_timeout = {RESTART_WAIT_MS}"))
            .execute(&mut *conn)
            .await?;
        let done = sqlx::query("PRAGMA wal_checkpoint(RESTART)")
            .execute(&mut *conn)
            .await;
        sqlx::query(&format!(
            "PRAGMA busy_timeout = {}",
            BUSY_TIMEOUT.as_millis()
        ))
        .execute(&mut *conn)
        .await?;
        done?;
        Ok(())
    }
}

crate::sql::impl_sql_store!(SqliteStore, SqliteTx, sqlx::Sqlite, "sqlite", "LIKE");
crate::sql_handoff::impl_sql_handoff!(SqliteStore, SqliteTx, sqlx::Sqlite);
crate::predictors::impl_sql_predictors!(SqliteStore);

/// Many rows at once, as one JSON array bound to one parameter and unpacked
/// by `json_each`: whatever the number of rows, each of these is one
/// statement of one fixed text, prepared once and run in a single hand-off
/// to sqlx's SQLite worker thread. Multi-row `VALUES` needed a statement per
/// size step (up to ten for a group of a thousand events) and each
/// statement's hand-off, a wake-up of another thread, cost more than the
/// rows it wrote when groups are small (single-event requests).
///
/// Appends use `INSERT OR IGNORE`: a multi-row statement that could abort
/// half way on a constraint (`NOT NULL`, which `ON CONFLICT` does not cover)
/// makes SQLite copy every page it changes into a statement journal first;
/// an `OR IGNORE` statement cannot abort and needs none. The rows always
/// satisfy those constraints; the only conflict that happens, a repeated
/// message id, is meant to be skipped.
impl SqliteTx {
    pub(crate) async fn append_events(
        &mut self,
        events: &[NewEvent],
    ) -> Result<Vec<bool>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let rows = json_rows(events.iter().map(|e| {
            (
                &e.message_id,
                &e.identity,
                &e.user_id,
                &e.anonymous_id,
                &e.kind,
                &e.name,
                e.ts,
                e.received_at,
                &e.body,
            )
        }));
        let ids: Vec<(String,)> = sqlx::query_as(
            "INSERT OR IGNORE INTO events (message_id, identity, user_id, anonymous_id, kind, \
             name, ts, received_at, body) \
             SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, \
             value->>6, value->>7, value->>8 FROM json_each($1) RETURNING message_id",
        )
        .bind(rows)
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(crate::sql::fresh_flags(
            events,
            ids.into_iter().map(|r| r.0).collect(),
        ))
    }

    pub(crate) async fn write_leads(&mut self, leads: &[LeadRow]) -> Result<(), StoreError> {
        if leads.is_empty() {
            return Ok(());
        }
        let rows = json_rows(leads.iter().map(|l| {
            (
                &l.id,
                &l.profile,
                &l.name,
                &l.email,
                &l.account,
                &l.owner,
                l.created_at,
                l.updated_at,
            )
        }));
        // `WHERE true`: without a WHERE, SQLite would read `ON CONFLICT`
        // as part of the SELECT's join.
        sqlx::query(
            "INSERT INTO leads (id, profile, name, email, account, owner, created_at, updated_at) \
             SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, \
             value->>6, value->>7 FROM json_each($1) WHERE true \
             ON CONFLICT (id) DO UPDATE SET profile = excluded.profile, \
             name = excluded.name, email = excluded.email, account = excluded.account, \
             owner = excluded.owner, updated_at = excluded.updated_at",
        )
        .bind(rows)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub(crate) async fn write_links(
        &mut self,
        links: &[(String, String)],
    ) -> Result<(), StoreError> {
        if links.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO identities (identity, lead_id) \
             SELECT value->>0, value->>1 FROM json_each($1) WHERE true \
             ON CONFLICT (identity) DO UPDATE SET lead_id = excluded.lead_id",
        )
        .bind(json_rows(links.iter()))
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub(crate) async fn write_scores(&mut self, rows: &[ScoreRow]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let json = json_rows(rows.iter().map(|s| {
            (
                s.model_version,
                &s.lead_id,
                s.total,
                s.fit,
                s.engagement,
                &s.groups,
                s.bant,
                &s.cell,
                s.hot,
                &s.stage,
                s.manual_stage,
                &s.email_quality,
                s.last_activity,
                s.events,
                &s.reasons,
                s.scored_at,
            )
        }));
        sqlx::query(
            "INSERT INTO scores (model_version, lead_id, total, fit, engagement, groups, \
             bant, cell, hot, stage, manual_stage, email_quality, last_activity, events, \
             reasons, scored_at) \
             SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, \
             value->>6, value->>7, value->>8, value->>9, value->>10, value->>11, value->>12, \
             value->>13, value->>14, value->>15 FROM json_each($1) WHERE true \
             ON CONFLICT (model_version, lead_id) DO UPDATE SET total = excluded.total, \
             fit = excluded.fit, engagement = excluded.engagement, groups = excluded.groups, \
             bant = excluded.bant, cell = excluded.cell, hot = excluded.hot, \
             stage = excluded.stage, manual_stage = excluded.manual_stage, \
             email_quality = excluded.email_quality, last_activity = excluded.last_activity, \
             events = excluded.events, reasons = excluded.reasons, scored_at = excluded.scored_at",
        )
        .bind(json)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub(crate) async fn append_history(&mut self, rows: &[HistoryRow]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let json = json_rows(rows.iter().map(|h| {
            (
                &h.lead_id,
                h.model_version,
                h.at,
                h.total,
                &h.cell,
                &h.stage,
                &h.owner,
                &h.cause,
            )
        }));
        sqlx::query(
            "INSERT OR IGNORE INTO score_history (lead_id, model_version, at, total, cell, stage, \
             owner, cause) \
             SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, \
             value->>6, value->>7 FROM json_each($1)",
        )
        .bind(json)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}

/// Rows as one JSON array of arrays (tuples serialize as arrays), in order.
fn json_rows<T: serde::Serialize>(rows: impl Iterator<Item = T>) -> String {
    let rows: Vec<T> = rows.collect();
    // Serializing strings, numbers, booleans and nulls cannot fail.
    serde_json::to_string(&rows).unwrap_or_default()
}
