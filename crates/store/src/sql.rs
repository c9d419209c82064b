//! The SQL both backends share. SQLite and PostgreSQL agree on almost every
//! statement leadscore needs (`ON CONFLICT`, `RETURNING`, `$n` parameters),
//! so one macro writes both [`Store`](crate::Store) implementations over
//! their own sqlx types; each backend module supplies only what differs
//! (connection setup, migrations, how a transaction begins, how the log is
//! flushed and how the ranked list's orderings are read at start).
//! Transactions through sqlx ([`impl_sql_tx`]) serve PostgreSQL; SQLite's
//! single writer has a connection of its own (`sqlite_tx`).

/// Rows per multi-row statement, largest first. Every statement has one of
/// these few shapes, so the driver's prepared-statement cache serves it:
/// preparing a fresh 1,000-row `INSERT` costs more than running it. The
/// largest keeps a statement under SQLite's 32,766 parameters at 16 columns.
const LADDER: [usize; 5] = [256, 64, 16, 4, 1];

/// Splits `rows` into slices whose lengths are all on [`LADDER`].
pub(crate) fn chunks<T>(rows: &[T]) -> impl Iterator<Item = &[T]> {
    let mut rest = rows;
    std::iter::from_fn(move || {
        let n = LADDER.into_iter().find(|&n| n <= rest.len())?;
        let (head, tail) = rest.split_at(n);
        rest = tail;
        Some(head)
    })
}

/// Which of `events` were inserted, given the message ids the insert
/// returned; a message id repeated within the batch counts once.
pub(crate) fn fresh_flags(
    events: &[&crate::NewEvent],
    inserted: std::collections::HashSet<String>,
) -> Vec<bool> {
    let mut inserted = inserted;
    events
        .iter()
        .map(|e| inserted.remove(&e.message_id))
        .collect()
}

macro_rules! impl_sql_store {
    ($store:ident, $db:ty, $backend:literal) => {
        use crate::error::StoreError;
        use crate::rows::*;
        use crate::traits::{Store, Tx};
        use async_trait::async_trait;
        use sqlx::QueryBuilder;

        const SCORE_COLUMNS: &str = "s.model_version, s.lead_id, s.total, s.fit, s.engagement, \
            s.groups, s.bant, s.cell, s.hot, s.stage, s.manual_stage, s.email_quality, \
            s.last_activity, s.events, s.reasons, s.scored_at";

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn maintain(&self) -> Result<crate::Housekeeping, StoreError> {
                self.maintain_log().await
            }

            async fn restart_log(&self) -> Result<(), StoreError> {
                self.restart_log_now().await
            }

            fn for_writing_thread(&self) -> Option<std::sync::Arc<dyn Store>> {
                self.writing_handle()
            }

            async fn begin(&self) -> Result<Box<dyn Tx>, StoreError> {
                Ok(crate::listed_tx::ListedTx::wrap(
                    self.begin_tx().await?,
                    self.listing.clone(),
                ))
            }

            async fn begin_flush(&self) -> Result<Box<dyn Tx>, StoreError> {
                Ok(crate::listed_tx::ListedTx::wrap(
                    self.begin_flush_tx().await?,
                    self.listing.clone(),
                ))
            }

            async fn sync(&self) -> Result<(), StoreError> {
                self.sync_log().await
            }

            async fn load_listing(&self) -> Result<usize, StoreError> {
                self.listing
                    .read(self.build_listing(), |board| board.leads())
                    .await
            }

            async fn events_after(
                &self,
                after_seq: i64,
                limit: i64,
            ) -> Result<Vec<EventRow>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT seq, identity, ts, body FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after_seq)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn lead_events(
                &self,
                lead_id: &str,
                limit: i64,
            ) -> Result<Vec<EventRow>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT e.seq, e.identity, e.ts, e.body FROM events e \
                     JOIN identities i ON i.identity = e.identity \
                     WHERE i.lead_id = $1 ORDER BY e.ts DESC, e.seq DESC LIMIT $2",
                )
                .bind(lead_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn event_count(&self) -> Result<i64, StoreError> {
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM events")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(n)
            }

            async fn log_end(&self) -> Result<i64, StoreError> {
                let (seq,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM events")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(seq)
            }

            async fn applied_seq(&self) -> Result<i64, StoreError> {
                let (seq,): (i64,) = sqlx::query_as("SELECT seq FROM log_applied WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(seq)
            }

            async fn lead(&self, id: &str) -> Result<Option<LeadRow>, StoreError> {
                Ok(sqlx::query_as("SELECT * FROM leads WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn lead_and_score(
                &self,
                id: &str,
                version: i64,
            ) -> Result<(Option<LeadRow>, Option<ScoreRow>), StoreError> {
                // One read transaction: both rows from the same snapshot.
                let mut tx = self.pool.begin().await?;
                let lead = sqlx::query_as("SELECT * FROM leads WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let score = sqlx::query_as(
                    "SELECT * FROM scores WHERE model_version = $1 AND lead_id = $2",
                )
                .bind(version)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok((lead, score))
            }

            async fn leads_after(&self, after: &str, limit: i64) -> Result<Vec<LeadRow>, StoreError> {
                Ok(sqlx::query_as("SELECT * FROM leads WHERE id > $1 ORDER BY id LIMIT $2")
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn identities(&self) -> Result<Vec<(String, String)>, StoreError> {
                Ok(sqlx::query_as("SELECT identity, lead_id FROM identities")
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn lead_of(&self, identity: &str) -> Result<Option<String>, StoreError> {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT lead_id FROM identities WHERE identity = $1")
                        .bind(identity)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|r| r.0))
            }

            async fn score(&self, version: i64, lead_id: &str) -> Result<Option<ScoreRow>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT * FROM scores WHERE model_version = $1 AND lead_id = $2",
                )
                .bind(version)
                .bind(lead_id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn ranked(&self, version: i64, f: &LeadFilter) -> Result<Vec<LeadListRow>, StoreError> {
                // The order and the filters come from memory (see `listing`);
                // the rows by key. A lead merged or erased between the two
                // leaves a short page, which would read as the list's end:
                // such a page is asked for again.
                let mut tries = 0;
                loop {
                    tries += 1;
                    let ids = self
                        .listing
                        .read(self.build_listing(), |board| board.page(version, f))
                        .await?;
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut q = QueryBuilder::<$db>::new("SELECT ");
                    q.push(SCORE_COLUMNS);
                    q.push(", l.name, l.email, l.account, l.owner FROM scores s \
                              JOIN leads l ON l.id = s.lead_id WHERE s.model_version = ");
                    q.push_bind(version);
                    q.push(" AND s.lead_id IN (");
                    let mut list = q.separated(", ");
                    for id in &ids {
                        list.push_bind(id.as_str());
                    }
                    q.push(")");
                    let mut rows: Vec<LeadListRow> = q.build_query_as().fetch_all(&self.pool).await?;
                    if rows.len() == ids.len() || tries == 3 {
                        // The listing's order (see `listing::Key`).
                        use leadscore_core::ranking::Desc;
                        rows.sort_by(|a, b| {
                            (Desc(a.score.total), &a.score.lead_id)
                                .cmp(&(Desc(b.score.total), &b.score.lead_id))
                        });
                        return Ok(rows);
                    }
                }
            }

            async fn history(&self, lead_id: &str) -> Result<Vec<HistoryRow>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT lead_id, model_version, at, total, cell, stage, owner, cause \
                     FROM score_history WHERE lead_id = $1 ORDER BY at, id",
                )
                .bind(lead_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn account(&self, id: &str) -> Result<Option<AccountRow>, StoreError> {
                Ok(sqlx::query_as("SELECT * FROM accounts WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn account_scores(
                &self,
                version: i64,
                after: Option<(f64, String)>,
                limit: i64,
            ) -> Result<Vec<AccountScoreRow>, StoreError> {
                let mut q = QueryBuilder::<$db>::new(
                    "SELECT * FROM account_scores WHERE model_version = ",
                );
                q.push_bind(version);
                if let Some((engagement, id)) = after {
                    q.push(" AND (total_engagement < ").push_bind(engagement);
                    q.push(" OR (total_engagement = ").push_bind(engagement);
                    q.push(" AND account_id > ").push_bind(id).push("))");
                }
                q.push(" ORDER BY total_engagement DESC, account_id LIMIT ");
                q.push_bind(limit);
                Ok(q.build_query_as().fetch_all(&self.pool).await?)
            }

            async fn account_score(
                &self,
                version: i64,
                id: &str,
            ) -> Result<Option<AccountScoreRow>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT * FROM account_scores WHERE model_version = $1 AND account_id = $2",
                )
                .bind(version)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn models(&self) -> Result<Vec<ModelRow>, StoreError> {
                Ok(sqlx::query_as("SELECT * FROM models ORDER BY version DESC")
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn model(&self, version: i64) -> Result<Option<ModelRow>, StoreError> {
                Ok(sqlx::query_as("SELECT * FROM models WHERE version = $1")
                    .bind(version)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn insert_model(&self, name: &str, source: &str, at: i64) -> Result<i64, StoreError> {
                let (v,): (i64,) = sqlx::query_as(
                    "INSERT INTO models (name, source, created_at, active) \
                     VALUES ($1, $2, $3, $4) RETURNING version",
                )
                .bind(name)
                .bind(source)
                .bind(at)
                .bind(false)
                .fetch_one(&self.pool)
                .await?;
                Ok(v)
            }

            async fn insert_key(
                &self,
                name: &str,
                role: &str,
                hash: &str,
                prefix: &str,
                at: i64,
            ) -> Result<i64, StoreError> {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO api_keys (name, role, hash, prefix, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(name)
                .bind(role)
                .bind(hash)
                .bind(prefix)
                .bind(at)
                .fetch_one(&self.pool)
                .await?;
                Ok(id)
            }

            async fn key_by_hash(&self, hash: &str) -> Result<Option<KeyRow>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT * FROM api_keys WHERE hash = $1 AND revoked_at IS NULL",
                )
                .bind(hash)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn keys(&self) -> Result<Vec<KeyRow>, StoreError> {
                Ok(sqlx::query_as("SELECT * FROM api_keys ORDER BY id")
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn revoke_key(&self, id: i64, at: i64) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                )
                .bind(at)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}

/// The [`Tx`](crate::Tx) of a backend whose transactions go through sqlx:
/// `$tx` is a struct with the field `tx: sqlx::Transaction<'static, $db>`
/// and a method `insert_event_rows` (appending events is where the
/// backends' SQL differs most); its commits flush the database's log
/// themselves.
macro_rules! impl_sql_tx {
    ($tx:ident, $db:ty) => {
        const _: () = {
        use crate::error::StoreError;
        use crate::rows::*;
        use crate::sql::chunks;
        use crate::traits::Tx;
        use async_trait::async_trait;
        use sqlx::QueryBuilder;

        #[async_trait]
        impl Tx for $tx {
            async fn insert_events(&mut self, events: &[NewEvent]) -> Result<Vec<bool>, StoreError> {
                self.insert_event_rows(&events.iter().collect::<Vec<_>>()).await
            }

            async fn insert_event_groups(
                &mut self,
                groups: &[&[NewEvent]],
            ) -> Result<Vec<Vec<bool>>, StoreError> {
                let rows: Vec<&NewEvent> = groups.iter().flat_map(|g| g.iter()).collect();
                let mut fresh = self.insert_event_rows(&rows).await?.into_iter();
                Ok(groups
                    .iter()
                    .map(|g| fresh.by_ref().take(g.len()).collect())
                    .collect())
            }

            async fn events_of(&mut self, identities: &[String]) -> Result<Vec<EventRow>, StoreError> {
                let mut out = Vec::new();
                for chunk in chunks(identities) {
                    let mut q = QueryBuilder::<$db>::new(
                        "SELECT seq, identity, ts, body FROM events WHERE identity IN (",
                    );
                    let mut list = q.separated(", ");
                    for id in chunk {
                        list.push_bind(id.clone());
                    }
                    q.push(") ORDER BY seq");
                    out.extend(q.build_query_as::<EventRow>().fetch_all(&mut *self.tx).await?);
                }
                out.sort_by_key(|e| e.seq);
                Ok(out)
            }

            async fn upsert_leads(&mut self, leads: &[LeadRow]) -> Result<(), StoreError> {
                for chunk in chunks(leads) {
                    let mut q = QueryBuilder::<$db>::new(
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

            async fn link_identities(&mut self, links: &[(String, String)]) -> Result<(), StoreError> {
                for chunk in chunks(links) {
                    let mut q = QueryBuilder::<$db>::new("INSERT INTO identities (identity, lead_id) ");
                    q.push_values(chunk, |mut b, (identity, lead)| {
                        b.push_bind(identity.clone()).push_bind(lead.clone());
                    });
                    q.push(" ON CONFLICT (identity) DO UPDATE SET lead_id = excluded.lead_id");
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn merge_lead(&mut self, from: &str, into: &str) -> Result<(), StoreError> {
                for sql in [
                    "UPDATE identities SET lead_id = $2 WHERE lead_id = $1",
                    "UPDATE score_history SET lead_id = $2 WHERE lead_id = $1",
                    "UPDATE feedback SET lead_id = $2 WHERE lead_id = $1",
                    "UPDATE outbox SET lead_id = $2 WHERE lead_id = $1",
                ] {
                    sqlx::query(sql).bind(from).bind(into).execute(&mut *self.tx).await?;
                }
                // The merged lead's trigger states and offers go: the lead it
                // joins keeps its own, and is re-evaluated as one.
                for sql in [
                    "DELETE FROM scores WHERE lead_id = $1",
                    "DELETE FROM trigger_state WHERE lead_id = $1",
                    "DELETE FROM offers WHERE lead_id = $1",
                    "DELETE FROM leads WHERE id = $1",
                ] {
                    sqlx::query(sql).bind(from).execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn erase_lead(&mut self, lead_id: &str) -> Result<u64, StoreError> {
                let events = sqlx::query(
                    "DELETE FROM events WHERE identity IN \
                     (SELECT identity FROM identities WHERE lead_id = $1)",
                )
                .bind(lead_id)
                .execute(&mut *self.tx)
                .await?
                .rows_affected();
                for sql in [
                    "DELETE FROM identities WHERE lead_id = $1",
                    "DELETE FROM scores WHERE lead_id = $1",
                    "DELETE FROM score_history WHERE lead_id = $1",
                    "DELETE FROM trigger_state WHERE lead_id = $1",
                    "DELETE FROM offers WHERE lead_id = $1",
                    "DELETE FROM feedback WHERE lead_id = $1",
                    "DELETE FROM delivery_attempts WHERE outbox_id IN \
                     (SELECT id FROM outbox WHERE lead_id = $1)",
                    "DELETE FROM outbox WHERE lead_id = $1",
                    "DELETE FROM leads WHERE id = $1",
                ] {
                    sqlx::query(sql).bind(lead_id).execute(&mut *self.tx).await?;
                }
                Ok(events)
            }

            async fn upsert_account(&mut self, row: &AccountRow) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO accounts (id, traits, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (id) DO UPDATE SET traits = excluded.traits, \
                     updated_at = excluded.updated_at",
                )
                .bind(&row.id)
                .bind(&row.traits)
                .bind(row.updated_at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn put_scores(&mut self, rows: &[ScoreRow]) -> Result<(), StoreError> {
                for chunk in chunks(rows) {
                    let mut q = QueryBuilder::<$db>::new(
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

            async fn put_account_scores(&mut self, rows: &[AccountScoreRow]) -> Result<(), StoreError> {
                for chunk in chunks(rows) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO account_scores (model_version, account_id, contacts, \
                         engaged_contacts, hot_contacts, best_fit, total_engagement, best_total) ",
                    );
                    q.push_values(chunk, |mut b, a| {
                        b.push_bind(a.model_version)
                            .push_bind(a.account_id.clone())
                            .push_bind(a.contacts)
                            .push_bind(a.engaged_contacts)
                            .push_bind(a.hot_contacts)
                            .push_bind(a.best_fit)
                            .push_bind(a.total_engagement)
                            .push_bind(a.best_total);
                    });
                    q.push(
                        " ON CONFLICT (model_version, account_id) DO UPDATE SET \
                         contacts = excluded.contacts, engaged_contacts = excluded.engaged_contacts, \
                         hot_contacts = excluded.hot_contacts, best_fit = excluded.best_fit, \
                         total_engagement = excluded.total_engagement, best_total = excluded.best_total",
                    );
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn add_history(&mut self, rows: &[HistoryRow]) -> Result<(), StoreError> {
                for chunk in chunks(rows) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO score_history (lead_id, model_version, at, total, cell, stage, owner, cause) ",
                    );
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

            async fn mark_applied(&mut self) -> Result<i64, StoreError> {
                let (seq,): (i64,) = sqlx::query_as(
                    "UPDATE log_applied SET seq = (SELECT COALESCE(MAX(seq), 0) FROM events) \
                     WHERE id = 1 RETURNING seq",
                )
                .fetch_one(&mut *self.tx)
                .await?;
                Ok(seq)
            }

            async fn mark_applied_through(&mut self, seq: i64) -> Result<(), StoreError> {
                sqlx::query("UPDATE log_applied SET seq = $1 WHERE id = 1")
                    .bind(seq)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn activate_model(&mut self, version: i64) -> Result<(), StoreError> {
                let found = sqlx::query("UPDATE models SET active = (version = $1)")
                    .bind(version)
                    .execute(&mut *self.tx)
                    .await?;
                let exists: Option<(i64,)> = sqlx::query_as("SELECT version FROM models WHERE version = $1")
                    .bind(version)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                if found.rows_affected() == 0 || exists.is_none() {
                    return Err(StoreError::NotFound(format!("model version {version}")));
                }
                for sql in [
                    "DELETE FROM scores WHERE model_version <> $1",
                    "DELETE FROM account_scores WHERE model_version <> $1",
                ] {
                    sqlx::query(sql).bind(version).execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn commit(self: Box<Self>) -> Result<(), StoreError> {
                self.tx.commit().await?;
                Ok(())
            }

            async fn commit_unsynced(self: Box<Self>) -> Result<(), StoreError> {
                self.commit().await
            }
        }
        };
    };
}

pub(crate) use {impl_sql_store, impl_sql_tx};

#[cfg(test)]
mod tests {
    use super::chunks;

    #[test]
    fn chunks_cover_every_row_in_ladder_sizes() {
        for n in [0, 1, 5, 255, 256, 257, 1300] {
            let rows: Vec<usize> = (0..n).collect();
            let parts: Vec<&[usize]> = chunks(&rows).collect();
            assert_eq!(parts.concat(), rows);
            assert!(parts.iter().all(|p| [256, 64, 16, 4, 1].contains(&p.len())));
        }
    }
}
