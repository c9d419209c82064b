//! The production backend: PostgreSQL.

use sqlx::postgres::PgPoolOptions;

/// Storage in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: sqlx::PgPool,
}

impl PgStore {
    /// Connects and applies migrations.
    pub async fn open(url: &str) -> Result<PgStore, crate::StoreError> {
        let pool = PgPoolOptions::new().max_connections(8).connect(url).await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PgStore { pool })
    }
}

crate::sql::impl_sql_store!(PgStore, PgTx, sqlx::Postgres, "postgres", "ILIKE");
