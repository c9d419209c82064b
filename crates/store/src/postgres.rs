//! The production backend: PostgreSQL.

// `StoreError`, the row types, `chunks` and `QueryBuilder` come in with
// `impl_sql_store!` below.
use crate::sql::fresh_flags;
use sqlx::postgres::PgPoolOptions;

/// Storage in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    /// Reads.
    pool: sqlx::PgPool,
    /// Transactions, apart from reads so that slow reads never hold up a commit.
    write_pool: sqlx::PgPool,
    /// Always `None`: PostgreSQL flushes its log inside every commit.
    wal: Option<crate::wal::WalFile>,
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
            wal: None,
        })
    }
}

impl PgStore {
    /// Nothing to do: PostgreSQL manages its own log.
    async fn maintain_log(&self) -> Result<(), crate::StoreError> {
        Ok(())
    }
}

crate::sql::impl_sql_store!(PgStore, PgTx, sqlx::Postgres, "postgres", "ILIKE");
crate::sql_handoff::impl_sql_handoff!(PgStore, PgTx, sqlx::Postgres);
crate::predictors::impl_sql_predictors!(PgStore);

/// Many rows at once, as multi-row `VALUES` in the few statement shapes of
/// [`chunks`](crate::sql::chunks), so prepared statements are reused.
impl PgTx {
    pub(crate) async fn append_events(
        &mut self,
        events: &[NewEvent],
    ) -> Result<Vec<bool>, StoreError> {
        let mut inserted = std::collections::HashSet::new();
        for chunk in chunks(events) {
            let mut q = QueryBuilder::<sqlx::Postgres>::new(concat!(
                "INSERT INTO",
                " events (message_id, identity, user_id, anonymous_id, kind, \
                 name, ts, received_at, body) ",
            ));
            q.push_values(chunk, |mut b, e| {
                b.push_bind(e.message_id.clone())
                    .push_bind(e.identity.clone())
                    .push_bind(e.user_id.clone())
                    .push_bind(e.anonymous_id.clone())
                    .push_bind(e.kind.clone())
                    .push_bind(e.name.clone())
                    .push_bind(e.ts)
                    .push_bind(e.received_at)
                    .push_bind(e.body.clone());
            });
            q.push(" ON CONFLICT (message_id) DO NOTHING RETURNING message_id");
            let ids: Vec<(String,)> = q.build_query_as().fetch_all(&mut *self.tx).await?;
            inserted.extend(ids.into_iter().map(|r| r.0));
        }
        Ok(fresh_flags(events, inserted))
    }

    pub(crate) async fn write_leads(&mut self, leads: &[LeadRow]) -> Result<(), StoreError> {
        for chunk in chunks(leads) {
            let mut q = QueryBuilder::<sqlx::Postgres>::new(
                "INSERT INTO leads (id, profile, name, email, account, owner, created_at, updated_at) ",
            );
            q.push_values(chunk, |mut b, l| {
                b.push_bind(l.id.clone())
                    .push_bind(l.profile.clone())
                    .push_bind(l.name.clone())
                    .push_bind(l.email.clone())
                    .push_bind(l.account.clone())
                    .push_bind(l.owner.clone())
                    .push_bind(l.created_at)
                    .push_bind(l.updated_at);
            });
            q.push(
                " ON CONFLICT (id) DO UPDATE SET profile = excluded.profile, \
                 name = excluded.name, email = excluded.email, account = excluded.account, \
                 owner = excluded.owner, updated_at = excluded.updated_at",
            );
            q.build().execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    pub(crate) async fn write_links(
        &mut self,
        links: &[(String, String)],
    ) -> Result<(), StoreError> {
        for chunk in chunks(links) {
            let mut q =
                QueryBuilder::<sqlx::Postgres>::new("INSERT INTO identities (identity, lead_id) ");
            q.push_values(chunk, |mut b, (identity, lead)| {
                b.push_bind(identity.clone()).push_bind(lead.clone());
            });
            q.push(" ON CONFLICT (identity) DO UPDATE SET lead_id = excluded.lead_id");
            q.build().execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    pub(crate) async fn write_scores(&mut self, rows: &[ScoreRow]) -> Result<(), StoreError> {
        for chunk in chunks(rows) {
            let mut q = QueryBuilder::<sqlx::Postgres>::new(
                "INSERT INTO scores (model_version, lead_id, total, fit, engagement, groups, \
                 bant, cell, hot, stage, manual_stage, email_quality, last_activity, events, \
                 reasons, scored_at) ",
            );
            q.push_values(chunk, |mut b, s| {
                b.push_bind(s.model_version)
                    .push_bind(s.lead_id.clone())
                    .push_bind(s.total)
                    .push_bind(s.fit)
                    .push_bind(s.engagement)
                    .push_bind(s.groups.clone())
                    .push_bind(s.bant)
                    .push_bind(s.cell.clone())
                    .push_bind(s.hot)
                    .push_bind(s.stage.clone())
                    .push_bind(s.manual_stage)
                    .push_bind(s.email_quality.clone())
                    .push_bind(s.last_activity)
                    .push_bind(s.events)
                    .push_bind(s.reasons.clone())
                    .push_bind(s.scored_at);
            });
            q.push(
                " ON CONFLICT (model_version, lead_id) DO UPDATE SET total = excluded.total, \
                 fit = excluded.fit, engagement = excluded.engagement, groups = excluded.groups, \
                 bant = excluded.bant, cell = excluded.cell, hot = excluded.hot, \
                 stage = excluded.stage, manual_stage = excluded.manual_stage, \
                 email_quality = excluded.email_quality, last_activity = excluded.last_activity, \
                 events = excluded.events, reasons = excluded.reasons, scored_at = excluded.scored_at",
            );
            q.build().execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    pub(crate) async fn append_history(&mut self, rows: &[HistoryRow]) -> Result<(), StoreError> {
        for chunk in chunks(rows) {
            let mut q = QueryBuilder::<sqlx::Postgres>::new(concat!(
                "INSERT INTO",
                " score_history (lead_id, model_version, at, total, cell, stage, owner, cause) ",
            ));
            q.push_values(chunk, |mut b, h| {
                b.push_bind(h.lead_id.clone())
                    .push_bind(h.model_version)
                    .push_bind(h.at)
                    .push_bind(h.total)
                    .push_bind(h.cell.clone())
                    .push_bind(h.stage.clone())
                    .push_bind(h.owner.clone())
                    .push_bind(h.cause.clone());
            });
            q.build().execute(&mut *self.tx).await?;
        }
        Ok(())
    }
}
