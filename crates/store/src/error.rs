//! What can go wrong in storage.

/// A storage failure. The server maps every variant to an internal error
/// and logs it; only `NotFound` and `Conflict` reach clients as themselves.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The database reported an error on the SQLite writer's own connection.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// Flushing committed writes to the disk failed: they are visible but
    /// may not survive a power loss.
    #[error("flushing the database log to disk failed: {0}")]
    Sync(std::io::Error),
    /// A row the caller named does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A stored value could not be decoded (a corrupted or foreign row).
    #[error("stored {what} is not valid: {detail}")]
    Corrupt {
        /// Which value.
        what: &'static str,
        /// What was wrong with it.
        detail: String,
    },
}
