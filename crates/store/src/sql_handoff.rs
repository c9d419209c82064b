//! The hand-off's SQL, shared by both backends like [`crate::sql`].

macro_rules! impl_sql_handoff {
    ($store:ident, $db:ty) => {
        use crate::handoff::*;

        const DELIVERY_COLUMNS: &str = "id, delivery_id, webhook, lead_id, trigger, payload, \
            status, attempts, next_attempt_at, last_error, created_at, delivered_at";

        #[async_trait]
        impl HandoffStore for $store {
            async fn trigger_states(&self) -> Result<Vec<TriggerStateRow>, StoreError> {
                Ok(sqlx::query_as("SELECT lead_id, trigger, armed, at FROM trigger_state")
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn counters(&self) -> Result<Vec<(String, i64)>, StoreError> {
                Ok(sqlx::query_as("SELECT name, value FROM counters")
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn put_webhook(&self, w: &WebhookRow) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO webhooks (name, url, secret, timeout_ms, max_attempts, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO UPDATE SET \
                     url = excluded.url, secret = excluded.secret, timeout_ms = excluded.timeout_ms, \
                     max_attempts = excluded.max_attempts",
                )
                .bind(&w.name)
                .bind(&w.url)
                .bind(&w.secret)
                .bind(w.timeout_ms)
                .bind(w.max_attempts)
                .bind(w.created_at)
                .execute(&self.write_pool)
                .await?;
                Ok(())
            }

            async fn webhooks(&self) -> Result<Vec<WebhookRow>, StoreError> {
                Ok(sqlx::query_as("SELECT * FROM webhooks ORDER BY name")
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn delete_webhook(&self, name: &str) -> Result<bool, StoreError> {
                let done = sqlx::query("DELETE FROM webhooks WHERE name = $1")
                    .bind(name)
                    .execute(&self.write_pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn due_deliveries(&self, now: i64, limit: i64) -> Result<Vec<DeliveryRow>, StoreError> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {DELIVERY_COLUMNS} FROM outbox WHERE status = 'pending' \
                     AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2"
                ))
                .bind(now)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn next_due(&self) -> Result<Option<i64>, StoreError> {
                let row: Option<(i64,)> = sqlx::query_as(
                    "SELECT next_attempt_at FROM outbox WHERE status = 'pending' \
                     ORDER BY next_attempt_at, id LIMIT 1",
                )
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|r| r.0))
            }

            async fn record_attempt(&self, o: &AttemptOutcome) -> Result<(), StoreError> {
                let a = &o.attempt;
                let mut tx = self.write_pool.begin().await?;
                let delivered = (o.status == status::DELIVERED).then_some(a.at);
                let moved = sqlx::query(
                    "UPDATE outbox SET status = $1, attempts = attempts + 1, next_attempt_at = $2, \
                     last_error = $3, delivered_at = $4 WHERE id = $5 AND status = 'pending'",
                )
                .bind(o.status)
                .bind(o.next_attempt_at)
                .bind(&a.error)
                .bind(delivered)
                .bind(a.outbox_id)
                .execute(&mut *tx)
                .await?;
                // A delivery no longer pending (erased, or finished meanwhile)
                // keeps its log as it was.
                if moved.rows_affected() == 0 {
                    return Ok(());
                }
                sqlx::query(
                    "INSERT INTO delivery_attempts (outbox_id, at, status_code, error, duration_ms) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(a.outbox_id)
                .bind(a.at)
                .bind(a.status_code)
                .bind(&a.error)
                .bind(a.duration_ms)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn deliveries(
                &self,
                status: Option<&str>,
                lead_id: Option<&str>,
                before: Option<i64>,
                limit: i64,
            ) -> Result<Vec<DeliveryRow>, StoreError> {
                let mut q = QueryBuilder::<$db>::new(format!(
                    "SELECT {DELIVERY_COLUMNS} FROM outbox WHERE 1 = 1"
                ));
                if let Some(s) = status {
                    q.push(" AND status = ").push_bind(s.to_owned());
                }
                if let Some(l) = lead_id {
                    q.push(" AND lead_id = ").push_bind(l.to_owned());
                }
                if let Some(b) = before {
                    q.push(" AND id < ").push_bind(b);
                }
                q.push(" ORDER BY id DESC LIMIT ").push_bind(limit);
                Ok(q.build_query_as().fetch_all(&self.pool).await?)
            }

            async fn delivery(&self, id: i64) -> Result<Option<DeliveryRow>, StoreError> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {DELIVERY_COLUMNS} FROM outbox WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn attempts(&self, outbox_id: i64) -> Result<Vec<AttemptRow>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT outbox_id, at, status_code, error, duration_ms FROM delivery_attempts \
                     WHERE outbox_id = $1 ORDER BY id",
                )
                .bind(outbox_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn retry_delivery(&self, id: i64, now: i64) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1 \
                     WHERE id = $2 AND status <> 'delivered'",
                )
                .bind(now)
                .bind(id)
                .execute(&self.write_pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn offer(&self, lead_id: &str) -> Result<Option<OfferRow>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT * FROM offers WHERE lead_id = $1 ORDER BY created_at DESC, offer_id LIMIT 1",
                )
                .bind(lead_id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn feedback_of(&self, lead_id: &str) -> Result<Vec<FeedbackRow>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT lead_id, at, kind, reached, first_try, reason, value, note, actor \
                     FROM feedback WHERE lead_id = $1 ORDER BY at, id",
                )
                .bind(lead_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn feedback_between(&self, from: i64, to: i64) -> Result<Vec<FeedbackRow>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT lead_id, at, kind, reached, first_try, reason, value, note, actor \
                     FROM feedback WHERE at >= $1 AND at < $2 ORDER BY at, id",
                )
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn stage_entries(&self, version: i64) -> Result<Vec<StageEntryRow>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT lead_id, stage, MIN(at) AS at FROM score_history \
                     WHERE model_version = $1 GROUP BY lead_id, stage",
                )
                .bind(version)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn funnel_leads(
                &self,
                version: i64,
                from: i64,
                to: i64,
            ) -> Result<Vec<FunnelLeadRow>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT l.id, l.profile, l.created_at, s.total, s.cell FROM leads l \
                     LEFT JOIN scores s ON s.lead_id = l.id AND s.model_version = $1 \
                     WHERE l.created_at >= $2 AND l.created_at < $3",
                )
                .bind(version)
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?)
            }
        }

    };
}

/// The hand-off's part of [`impl_sql_tx`](crate::sql::impl_sql_tx).
macro_rules! impl_sql_handoff_tx {
    ($tx:ident, $db:ty) => {
        const _: () = {
        use crate::error::StoreError;
        use crate::handoff::*;
        use crate::sql::chunks as handoff_chunks;
        use async_trait::async_trait;
        use sqlx::QueryBuilder;

        #[async_trait]
        impl HandoffTx for $tx {
            async fn put_trigger_states(&mut self, rows: &[TriggerStateRow]) -> Result<(), StoreError> {
                for chunk in handoff_chunks(rows) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO trigger_state (lead_id, trigger, armed, at) ",
                    );
                    q.push_values(chunk, |mut b, r| {
                        b.push_bind(r.lead_id.clone())
                            .push_bind(r.trigger.clone())
                            .push_bind(r.armed)
                            .push_bind(r.at);
                    });
                    q.push(
                        " ON CONFLICT (lead_id, trigger) DO UPDATE SET armed = excluded.armed, \
                         at = excluded.at",
                    );
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn clear_trigger_states(
                &mut self,
                keys: &[(String, String)],
            ) -> Result<(), StoreError> {
                for (lead, trigger) in keys {
                    sqlx::query("DELETE FROM trigger_state WHERE lead_id = $1 AND trigger = $2")
                        .bind(lead)
                        .bind(trigger)
                        .execute(&mut *self.tx)
                        .await?;
                }
                Ok(())
            }

            async fn put_counters(&mut self, rows: &[(String, i64)]) -> Result<(), StoreError> {
                for (name, value) in rows {
                    sqlx::query(
                        "INSERT INTO counters (name, value) VALUES ($1, $2) \
                         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    )
                    .bind(name)
                    .bind(value)
                    .execute(&mut *self.tx)
                    .await?;
                }
                Ok(())
            }

            async fn enqueue(&mut self, rows: &[NewDelivery]) -> Result<(), StoreError> {
                for chunk in handoff_chunks(rows) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO outbox (delivery_id, webhook, lead_id, trigger, payload, status, \
                         attempts, next_attempt_at, created_at) ",
                    );
                    q.push_values(chunk, |mut b, d| {
                        b.push_bind(d.delivery_id.clone())
                            .push_bind(d.webhook.clone())
                            .push_bind(d.lead_id.clone())
                            .push_bind(d.trigger.clone())
                            .push_bind(d.payload.clone())
                            .push_bind(status::PENDING)
                            .push_bind(0i64)
                            .push_bind(d.created_at)
                            .push_bind(d.created_at);
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn put_offers(&mut self, rows: &[OfferRow]) -> Result<(), StoreError> {
                for chunk in handoff_chunks(rows) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO offers (lead_id, offer_id, content, trigger, created_at) ",
                    );
                    q.push_values(chunk, |mut b, o| {
                        b.push_bind(o.lead_id.clone())
                            .push_bind(o.offer_id.clone())
                            .push_bind(o.content.clone())
                            .push_bind(o.trigger.clone())
                            .push_bind(o.created_at);
                    });
                    q.push(
                        " ON CONFLICT (lead_id, offer_id) DO UPDATE SET content = excluded.content, \
                         trigger = excluded.trigger, created_at = excluded.created_at",
                    );
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn add_feedback(&mut self, rows: &[FeedbackRow]) -> Result<(), StoreError> {
                for chunk in handoff_chunks(rows) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO feedback (lead_id, at, kind, reached, first_try, reason, value, \
                         note, actor) ",
                    );
                    q.push_values(chunk, |mut b, f| {
                        b.push_bind(f.lead_id.clone())
                            .push_bind(f.at)
                            .push_bind(f.kind.clone())
                            .push_bind(f.reached)
                            .push_bind(f.first_try)
                            .push_bind(f.reason.clone())
                            .push_bind(f.value)
                            .push_bind(f.note.clone())
                            .push_bind(f.actor.clone());
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }
        }
        };
    };
}

pub(crate) use {impl_sql_handoff, impl_sql_handoff_tx};
