//! The embedded default: SQLite in WAL mode, the event log in a file of its
//! own beside the main file (see `log_file`).

use crate::checkpoint::Housekeeping;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;

/// Storage in a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Reads.
    pool: sqlx::SqlitePool,
    /// The few writes outside transactions (webhook attempts, dashboard
    /// sessions, settings), on their own connection: slow reads filling the
    /// read pool never hold them up.
    write_pool: sqlx::SqlitePool,
    /// Transactions, on the two writing connections (see `sqlite_tx`).
    writers: crate::sqlite_tx::Writers,
    /// Checkpoints of the event log file's write-ahead log, on a thread of
    /// their own (the main file's are in `writers`, whose main connection
    /// runs that file's log step).
    log_checkpoints: crate::checkpoint::Checkpointer,
    /// The ranked list's orderings (see `listing`).
    listing: std::sync::Arc<crate::listing::Listing>,
    /// The database file, for the listing's loader.
    path: std::path::PathBuf,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and the event log file
    /// beside it (`log_file`), applies migrations, moves the events of a
    /// database from before the split into the log file, and finishes any
    /// erasure a crash cut short.
    ///
    /// Durability: a [`Tx::commit`](crate::Tx::commit) is on disk before it
    /// returns, so an acknowledged event survives power loss, not just a
    /// process crash. The writing connections (transactions, `sqlite_tx`)
    /// commit with `synchronous = NORMAL` and the logs are flushed after the
    /// commit (see the `wal` module), which lets the writer overlap one
    /// group's flush with the next group's work; the pools, whose few writes
    /// (webhook attempts, sessions, settings) commit on their own, keep
    /// `synchronous = FULL`. The server batches many requests into one
    /// commit to pay the flush once.
    pub async fn open(path: &Path) -> Result<SqliteStore, crate::StoreError> {
        let log = crate::log_file::path_beside(path);
        crate::log_file::prepare(&log)?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(crate::sqlite_tx::BUSY_TIMEOUT)
            .foreign_keys(true)
            // Scoring touches leads all over the indexes; a 64 MB page cache
            // (the default is 2 MB) keeps their inner pages in memory.
            .pragma("cache_size", "-65536")
            // Checkpoints run in the background (`checkpoint`), not inside
            // the commit that happens to cross the threshold, which would
            // stall every request waiting on that commit.
            .pragma("wal_autocheckpoint", "0")
            // After a spike the log file is cut back to this size, so it
            // does not keep its peak size on disk.
            .pragma(
                "journal_size_limit",
                crate::checkpoint::LOG_SIZE_LIMIT.to_string(),
            )
            // Statement journals (multi-row statements that may fail half
            // way) stay in memory instead of temporary files.
            .pragma("temp_store", "memory");
        let write_pool = SqlitePoolOptions::new()
            .max_connections(1)
            .after_connect(attach(&log))
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&write_pool)
            .await?;
        crate::log_file::move_events(path, &log)?;
        crate::log_file::finish_erasures(path, &log)?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .after_connect(attach(&log))
            .connect_with(options)
            .await?;
        let writers = crate::sqlite_tx::Writers::open(
            path,
            &log,
            crate::checkpoint::Checkpointer::start(path)?,
        )?;
        Ok(SqliteStore {
            pool,
            write_pool,
            writers,
            log_checkpoints: crate::checkpoint::Checkpointer::start(&log)?,
            listing: Default::default(),
            path: path.to_owned(),
        })
    }
}

impl SqliteStore {
    /// The writer's step between transactions: starts the write-ahead log
    /// over once it is long and the checkpoint thread has copied nearly all
    /// of it (see the `checkpoint` module).
    async fn maintain_log(&self) -> Result<Housekeeping, crate::StoreError> {
        let conn = self.writers.log().lock().await;
        self.log_checkpoints.maintain(
            &conn,
            crate::sqlite_tx::RESTART_WAIT,
            crate::sqlite_tx::BUSY_TIMEOUT,
        )
    }

    /// Copies both write-ahead logs into their files now and starts them
    /// over, from the writing connections, where nothing else can be
    /// appended meanwhile.
    ///
    /// `RESTART` also waits for readers still using the old log; with the
    /// connection's 10 s busy timeout a long export would stall every write
    /// that long, so the wait is cut to [`crate::sqlite_tx::RESTART_WAIT`]
    /// and a busy answer just means a later call tries again.
    async fn restart_log_now(&self) -> Result<(), crate::StoreError> {
        for conn in [self.writers.log(), self.writers.main()] {
            let conn = conn.lock().await;
            crate::checkpoint::restart(
                &conn,
                crate::sqlite_tx::RESTART_WAIT,
                crate::sqlite_tx::BUSY_TIMEOUT,
            )?;
        }
        Ok(())
    }

    /// The writer's transactions already run on the calling thread
    /// (`sqlite_tx`), with no socket to hear.
    fn writing_handle(&self) -> Option<std::sync::Arc<dyn crate::Store>> {
        None
    }

    async fn begin_tx(&self) -> Result<Box<dyn crate::Tx>, crate::StoreError> {
        Ok(Box::new(
            crate::sqlite_tx::SqliteTx::begin(&self.writers).await?,
        ))
    }

    async fn begin_flush_tx(&self) -> Result<Box<dyn crate::Tx>, crate::StoreError> {
        Ok(Box::new(
            crate::sqlite_tx::SqliteTx::begin_flush(&self.writers).await?,
        ))
    }

    async fn sync_log(&self) -> Result<(), crate::StoreError> {
        self.writers.sync().await
    }

    /// Builds the in-memory listing from the leads and scores tables, on a
    /// blocking thread through `rusqlite`. Through sqlx every value is
    /// copied and handed from its worker thread: 28.5 s for a million leads
    /// on 2 cores, against 8.6 s this way (the server's "Ranked list
    /// loaded" at start-up, beside the dashboard's own start-up reads).
    async fn build_listing(&self) -> Result<crate::listing::Board, crate::StoreError> {
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || read_listing(&path))
            .await
            .map_err(|e| crate::StoreError::Corrupt {
                what: "ranked list",
                detail: format!("its loader stopped: {e}"),
            })?
    }
}

/// The future of a pool's `after_connect` hook.
type Hooked<'c> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), sqlx::Error>> + Send + 'c>>;

/// What every pooled connection runs first: attaching the event log file
/// as `log` (see `log_file`).
fn attach(
    log: &Path,
) -> impl for<'c> Fn(&'c mut sqlx::SqliteConnection, sqlx::pool::PoolConnectionMetadata) -> Hooked<'c>
+ Send
+ Sync
+ 'static {
    let log = log.to_string_lossy().into_owned();
    move |conn, _| {
        let log = log.clone();
        Box::pin(async move {
            sqlx::query("ATTACH DATABASE ?1 AS log")
                .bind(log)
                .execute(conn)
                .await?;
            Ok(())
        })
    }
}

/// Reads every lead row and score row into a board, in one read
/// transaction, so both tables are seen as of one commit.
fn read_listing(path: &Path) -> Result<crate::listing::Board, crate::StoreError> {
    use crate::listing::{Board, Change};
    use rusqlite::OpenFlags;
    use rusqlite::types::Type;
    // Borrowed, not copied: a million leads are read.
    fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
        r.get_ref(i)?
            .as_str()
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, e.into()))
    }
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(crate::sqlite_tx::BUSY_TIMEOUT)?;
    let tx = conn.unchecked_transaction()?;
    let mut board = Board::default();
    let mut leads = tx.prepare("SELECT id, name, email, account, owner FROM leads")?;
    let mut rows = leads.query([])?;
    while let Some(r) = rows.next()? {
        let id = text(r, 0)?;
        let optional = |i: usize| -> rusqlite::Result<Option<&str>> {
            r.get_ref(i)?
                .as_str_or_null()
                .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, e.into()))
        };
        board.apply(Change::lead(
            id,
            optional(1)?,
            optional(2)?,
            optional(3)?,
            optional(4)?,
        ));
    }
    let mut scores =
        tx.prepare("SELECT model_version, lead_id, total, stage, cell, hot FROM scores")?;
    let mut rows = scores.query([])?;
    while let Some(r) = rows.next()? {
        board.apply(Change::score(
            r.get(0)?,
            text(r, 1)?,
            r.get(2)?,
            text(r, 3)?,
            text(r, 4)?,
            r.get(5)?,
        ));
    }
    Ok(board)
}

crate::sql::impl_sql_store!(SqliteStore, sqlx::Sqlite, "sqlite");
crate::sql_handoff::impl_sql_handoff!(SqliteStore, sqlx::Sqlite);
crate::predictors::impl_sql_predictors!(SqliteStore);
crate::dashboard::impl_sql_dashboard!(SqliteStore, sqlx::Sqlite);
