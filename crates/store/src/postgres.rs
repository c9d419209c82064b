//! The production backend: PostgreSQL.

use sqlx::postgres::PgPoolOptions;

/// Storage in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    /// Reads.
    pool: sqlx::PgPool,
    /// Transactions, apart from reads so that slow reads never hold up a commit.
    write_pool: sqlx::PgPool,
    /// The ranked list's orderings (see `listing`).
    listing: std::sync::Arc<crate::listing::Listing>,
}

/// A transaction on PostgreSQL, which flushes its log inside every commit.
pub struct PgTx {
    tx: sqlx::Transaction<'static, sqlx::Postgres>,
}

impl PgStore {
    /// Connects and applies migrations.
    pub async fn open(url: &str) -> Result<PgStore, crate::StoreError> {
        let write_pool = PgPoolOptions::new().max_connections(2).connect(url).await?;
        sqlx::migrate!("./migrations/postgres")
            .run(&write_pool)
            .await?;
        let pool = PgPoolOptions::new().max_connections(8).connect(url).await?;
        Ok(PgStore {
            pool,
            write_pool,
            listing: Default::default(),
        })
    }
}

impl PgStore {
    /// Nothing to do: PostgreSQL manages its own log.
    async fn maintain_log(&self) -> Result<crate::Housekeeping, crate::StoreError> {
        Ok(crate::Housekeeping::Nothing)
    }

    /// Nothing to do, as above.
    async fn restart_log_now(&self) -> Result<(), crate::StoreError> {
        Ok(())
    }

    async fn begin_tx(&self) -> Result<Box<dyn crate::Tx>, crate::StoreError> {
        Ok(Box::new(PgTx {
            tx: self.write_pool.begin().await?,
        }))
    }

    /// Nothing to do: every commit is flushed already.
    async fn sync_log(&self) -> Result<(), crate::StoreError> {
        Ok(())
    }
}

crate::sql::impl_sql_store!(PgStore, sqlx::Postgres, "postgres");
crate::sql::impl_sql_tx!(PgTx, sqlx::Postgres);
crate::sql_handoff::impl_sql_handoff!(PgStore, sqlx::Postgres);
crate::sql_handoff::impl_sql_handoff_tx!(PgTx, sqlx::Postgres);
crate::predictors::impl_sql_predictors!(PgStore);
crate::dashboard::impl_sql_dashboard!(PgStore, sqlx::Postgres);
