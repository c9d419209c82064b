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
        // The writer's transaction, the flush beside it (see
        // `Store::begin_flush`) and the few writes outside both.
        let write_pool = PgPoolOptions::new().max_connections(3).connect(url).await?;
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

    /// The same database through pools of its own, opened lazily, so
    /// that their connections are made by the thread that first uses them
    /// (see `Store::for_writing_thread`). The writer and the flush each
    /// hold one transaction at a time and read between them; a second
    /// connection per pool keeps a nested use from waiting on the first.
    fn writing_handle(&self) -> Option<std::sync::Arc<dyn crate::Store>> {
        let lazy = |pool: &sqlx::PgPool| {
            PgPoolOptions::new()
                .max_connections(2)
                .connect_lazy_with((*pool.connect_options()).clone())
        };
        Some(std::sync::Arc::new(PgStore {
            pool: lazy(&self.pool),
            write_pool: lazy(&self.write_pool),
            listing: self.listing.clone(),
        }))
    }

    async fn begin_tx(&self) -> Result<Box<dyn crate::Tx>, crate::StoreError> {
        Ok(Box::new(PgTx {
            tx: self.write_pool.begin().await?,
        }))
    }

    /// Any transaction can run beside another.
    async fn begin_flush_tx(&self) -> Result<Box<dyn crate::Tx>, crate::StoreError> {
        self.begin_tx().await
    }

    /// Nothing to do: every commit is flushed already.
    async fn sync_log(&self) -> Result<(), crate::StoreError> {
        Ok(())
    }

    /// Builds the in-memory listing from the leads and scores tables,
    /// a page at a time by primary key, so no statement runs long.
    async fn build_listing(&self) -> Result<crate::listing::Board, crate::StoreError> {
        use crate::listing::{Board, Change};
        const PAGE: i64 = 10_000;
        type Lead = (
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        type Score = (i64, String, f64, String, String, bool);
        let mut board = Board::default();
        // Ids are never empty (ingestion refuses them).
        let mut after = String::new();
        loop {
            let rows: Vec<Lead> = sqlx::query_as(
                "SELECT id, name, email, account, owner FROM leads \
                 WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .bind(&after)
            .bind(PAGE)
            .fetch_all(&self.pool)
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.0.clone();
            for (id, name, email, account, owner) in &rows {
                let text = Option::as_deref;
                board.apply(Change::lead(
                    id,
                    text(name),
                    text(email),
                    text(account),
                    text(owner),
                ));
            }
        }
        let mut after = (i64::MIN, String::new());
        loop {
            let rows: Vec<Score> = sqlx::query_as(
                "SELECT model_version, lead_id, total, stage, cell, hot FROM scores \
                 WHERE (model_version, lead_id) > ($1, $2) \
                 ORDER BY model_version, lead_id LIMIT $3",
            )
            .bind(after.0)
            .bind(&after.1)
            .bind(PAGE)
            .fetch_all(&self.pool)
            .await?;
            let Some(last) = rows.last() else { break };
            after = (last.0, last.1.clone());
            for (version, lead_id, total, stage, cell, hot) in &rows {
                board.apply(Change::score(*version, lead_id, *total, stage, cell, *hot));
            }
        }
        Ok(board)
    }
}

impl PgTx {
    /// Appends events in one statement, whatever their number: the columns
    /// go as arrays and `UNNEST` turns them back into rows, in order. Rows
    /// of a multi-row `VALUES` list took one statement per ladder step
    /// (four round trips for 13 events) and a query of the log's end before
    /// them to tell new rows from repeated message ids; here `RETURNING`
    /// names the new ones in the same round trip.
    pub(crate) async fn insert_event_rows(
        &mut self,
        events: &[&crate::NewEvent],
    ) -> Result<Vec<bool>, crate::StoreError> {
        fn column<'a, T: 'a>(
            events: &[&'a crate::NewEvent],
            f: impl Fn(&'a crate::NewEvent) -> T,
        ) -> Vec<T> {
            events.iter().map(|e| f(e)).collect()
        }
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let inserted: Vec<(String,)> = sqlx::query_as(
            "INSERT INTO events (message_id, identity, user_id, anonymous_id, kind, name, ts, \
             received_at, body) \
             SELECT m, i, u, a, k, n, t, r, b FROM UNNEST($1::text[], $2::text[], $3::text[], \
             $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::text[]) \
             WITH ORDINALITY AS e (m, i, u, a, k, n, t, r, b, o) ORDER BY o \
             ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
        )
        .bind(column(events, |e| e.message_id.as_str()))
        .bind(column(events, |e| e.identity.as_str()))
        .bind(column(events, |e| e.user_id.as_deref()))
        .bind(column(events, |e| e.anonymous_id.as_deref()))
        .bind(column(events, |e| e.kind.as_str()))
        .bind(column(events, |e| e.name.as_str()))
        .bind(column(events, |e| e.ts))
        .bind(column(events, |e| e.received_at))
        .bind(column(events, |e| e.body.as_str()))
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(crate::sql::fresh_flags(
            events,
            inserted.into_iter().map(|r| r.0).collect(),
        ))
    }
}

crate::sql::impl_sql_store!(PgStore, sqlx::Postgres, "postgres");
crate::sql::impl_sql_tx!(PgTx, sqlx::Postgres);
crate::sql_handoff::impl_sql_handoff!(PgStore, sqlx::Postgres);
crate::sql_handoff::impl_sql_handoff_tx!(PgTx, sqlx::Postgres);
crate::predictors::impl_sql_predictors!(PgStore);
crate::dashboard::impl_sql_dashboard!(PgStore, sqlx::Postgres);
