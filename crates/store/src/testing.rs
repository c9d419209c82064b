//! Throwaway databases for tests: a fresh SQLite file or a fresh PostgreSQL
//! database per test, on the real servers (no mocks).
//!
//! PostgreSQL is found through `LEADSCORE_TEST_PG` (default
//! `postgres://postgres@127.0.0.1:5432/test`); an unreachable server fails
//! the test rather than skipping it.

use crate::{Store, StoreError};
use sqlx::Connection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// The server tests connect to, by its maintenance database.
pub fn admin_url() -> String {
    std::env::var("LEADSCORE_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A database that exists for one test.
#[derive(Debug)]
pub struct Scratch {
    /// The URL to open it with.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Scratch {
    /// Another handle on the same database, for a second server over it;
    /// the first handle keeps owning (and cleaning up) the files.
    pub fn reuse(other: &Scratch) -> Scratch {
        Scratch {
            url: other.url.clone(),
            _dir: None,
        }
    }

    /// Waits until no other session is connected to the database. After a
    /// server is killed, PostgreSQL may still be running the last statement
    /// it sent (a `COMMIT` already in the socket commits; anything else
    /// rolls back once the server sees the connection gone): until then,
    /// two reads can see the database before and after that transaction.
    /// SQLite has nothing in flight once the process is gone.
    pub async fn wait_for_other_sessions(&self) -> Result<(), StoreError> {
        if !self.url.starts_with("postgres") {
            return Ok(());
        }
        let mut conn = sqlx::PgConnection::connect(&self.url).await?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let (others,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .fetch_one(&mut conn)
            .await?;
            if others == 0 {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                return Err(StoreError::Corrupt {
                    what: "test database",
                    detail: format!("{others} other sessions still connected after 30 s"),
                });
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Ends every other session connected to the database, as a restart
    /// of PostgreSQL or a network cut would: their transactions roll back
    /// and their next statement fails. Returns how many were ended (always
    /// 0 on SQLite, which has no sessions to cut).
    pub async fn cut_other_sessions(&self) -> Result<u64, StoreError> {
        if !self.url.starts_with("postgres") {
            return Ok(0);
        }
        let mut conn = sqlx::PgConnection::connect(&self.url).await?;
        let ended: Vec<(bool,)> = sqlx::query_as(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .fetch_all(&mut conn)
        .await?;
        Ok(ended.iter().filter(|(done,)| *done).count() as u64)
    }
}

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A new database on the PostgreSQL server.
    Postgres,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Creates an empty database on `backend`.
pub async fn scratch(backend: Backend) -> Result<Scratch, StoreError> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().map_err(|e| StoreError::Corrupt {
                what: "temporary directory",
                detail: e.to_string(),
            })?;
            let url = format!("sqlite://{}", dir.path().join("leadscore.db").display());
            Ok(Scratch {
                url,
                _dir: Some(dir),
            })
        }
        Backend::Postgres => {
            let admin = admin_url();
            let name = format!(
                "leadscore_t{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.subsec_nanos())
            );
            let mut conn = sqlx::PgConnection::connect(&admin).await?;
            drop_abandoned(&mut conn).await?;
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await?;
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            Ok(Scratch {
                url: format!("{base}/{name}"),
                _dir: None,
            })
        }
    }
}

/// Opens a fresh store on `backend`.
pub async fn store(backend: Backend) -> Result<(Arc<dyn Store>, Scratch), StoreError> {
    let db = scratch(backend).await?;
    let store = crate::open(&db.url).await?;
    Ok((store, db))
}

/// Drops test databases left by test processes that are no longer running
/// (a test that panics never reaches any clean-up of its own).
async fn drop_abandoned(conn: &mut sqlx::PgConnection) -> Result<(), StoreError> {
    let names: Vec<(String,)> =
        sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE 'leadscore\\_t%'")
            .fetch_all(&mut *conn)
            .await?;
    for (name,) in names {
        let pid = name
            .strip_prefix("leadscore_t")
            .and_then(|rest| rest.split('_').next())
            .and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            // Another process may be dropping it at the same moment.
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut *conn)
                .await;
        }
    }
    Ok(())
}

/// `on_both!(story, ...)`: for each `async fn story(backend: Backend)` in
/// scope, one `#[tokio::test]` on SQLite and one on PostgreSQL (in modules
/// `sqlite` and `postgres`). The calling crate needs tokio as a dependency.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::testing::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::testing::Backend::Postgres).await })*
        }
    };
}

/// A track event of `identity` at `ts`, with message id `id`, as the
/// store's tests insert them.
pub fn event(id: &str, identity: &str, ts: i64) -> crate::NewEvent {
    crate::NewEvent {
        message_id: id.into(),
        identity: identity.into(),
        user_id: Some(identity.into()),
        anonymous_id: None,
        kind: "track".into(),
        name: "Email Opened".into(),
        ts,
        received_at: ts,
        body: format!(r#"{{"type":"track","messageId":"{id}"}}"#),
    }
}
