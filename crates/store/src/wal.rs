//! Flushing SQLite's write-ahead log apart from the commit. The writer's
//! connection commits with `synchronous = NORMAL`: the commit writes its
//! frames to the log file (visible to readers, safe from a crash of this
//! process) without waiting for the disk. [`WalFile::sync`] then flushes the
//! log file from a blocking thread, so the single writer runs its next
//! transaction while the disk takes the last one; a request is acknowledged
//! only after the flush that covers its commit. SQLite checks every log
//! frame's checksum on recovery, so frames a power loss cut short are
//! dropped with the unacknowledged transactions they belong to.

use crate::StoreError;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The write-ahead log of one database file.
#[derive(Debug, Clone)]
pub(crate) struct WalFile {
    path: Arc<PathBuf>,
}

impl WalFile {
    /// The log SQLite keeps beside `db` (its name with `-wal` appended;
    /// SQLite names it after the database's full path, so `db` must exist).
    pub(crate) fn of(db: &Path) -> WalFile {
        let db = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_owned());
        let mut name = db.as_os_str().to_owned();
        name.push("-wal");
        WalFile {
            path: Arc::new(PathBuf::from(name)),
        }
    }

    /// Flushes everything written to the log so far to the disk.
    ///
    /// The file is opened afresh each time: the kernel flushes a file's
    /// pages whichever descriptor asks, and a fresh open never holds on to
    /// a log SQLite has replaced. No log file means SQLite has copied it
    /// all into the database and flushed that already.
    pub(crate) async fn sync(&self) -> Result<(), StoreError> {
        let path = Arc::clone(&self.path);
        let flushed = tokio::task::spawn_blocking(move || match std::fs::File::open(&*path) {
            Ok(f) => f.sync_data(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        })
        .await
        .map_err(|e| StoreError::Sync(std::io::Error::other(e)))?;
        flushed.map_err(StoreError::Sync)
    }
}
