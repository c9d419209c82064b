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
    /// The few writes outside transactions (webhook attempts, dashboard
    /// sessions, settings), on their own connection: slow reads filling the
    /// read pool never hold them up.
    write_pool: sqlx::SqlitePool,
    /// Transactions, on the writer's own connection (see `sqlite_tx`).
    writer: crate::sqlite_tx::WriterConn,
    /// The write-ahead log, flushed apart from the writer's commits.
    wal: crate::wal::WalFile,
    /// Held while any handle on the store lives; the checkpoint task stops
    /// when it goes.
    _alive: std::sync::Arc<()>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies migrations.
    ///
    /// Durability: a [`Tx::commit`](crate::Tx::commit) is on disk before it
    /// returns, so an acknowledged event survives power loss, not just a
    /// process crash. The writer's connection (transactions, `sqlite_tx`)
    /// commits with `synchronous = NORMAL` and the log is flushed after the
    /// commit (see the `wal` module), which lets the writer overlap one
    /// group's flush with the next group's work; the pools, whose few writes
    /// (webhook attempts, sessions, settings) commit on their own, keep
    /// `synchronous = FULL`. The server batches many requests into one
    /// commit to pay the flush once.
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
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&write_pool)
            .await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        let writer = crate::sqlite_tx::open_writer(path, BUSY_TIMEOUT)?;
        let alive = std::sync::Arc::new(());
        tokio::spawn(checkpoint_every_second(
            pool.clone(),
            std::sync::Arc::downgrade(&alive),
        ));
        Ok(SqliteStore {
            pool,
            write_pool,
            writer,
            // SQLite names the log after the database's full path.
            wal: crate::wal::WalFile::of(
                &std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()),
            ),
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
        crate::sqlite_tx::restart_log(
            &self.writer,
            Duration::from_millis(RESTART_WAIT_MS),
            BUSY_TIMEOUT,
        )
        .await
    }

    async fn begin_tx(&self) -> Result<Box<dyn crate::Tx>, crate::StoreError> {
        Ok(Box::new(
            crate::sqlite_tx::SqliteTx::begin(&self.writer, self.wal.clone()).await?,
        ))
    }

    async fn sync_log(&self) -> Result<(), crate::StoreError> {
        self.wal.sync().await
    }
}

crate::sql::impl_sql_store!(SqliteStore, sqlx::Sqlite, "sqlite", "LIKE");
crate::sql_handoff::impl_sql_handoff!(SqliteStore, sqlx::Sqlite);
crate::predictors::impl_sql_predictors!(SqliteStore);
crate::dashboard::impl_sql_dashboard!(SqliteStore, sqlx::Sqlite);
