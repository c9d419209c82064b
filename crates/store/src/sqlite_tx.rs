//! SQLite transactions on the writer's own connection, driven synchronously
//! through `rusqlite` (built on the same `libsqlite3-sys` as sqlx).
//!
//! Through sqlx every statement, and every row it returns, is a hand-off
//! between the calling task and the connection's worker thread; under
//! single-event load those thread switches were about 30% of the server's
//! CPU time (measured, docs/benchmarks.md). Here the statements run on the
//! caller's thread (the server runs its single writer on an OS thread of its
//! own), one row per execution of a cached prepared statement: with no
//! hand-off to amortise, multi-row statements buy nothing.

use crate::error::StoreError;
use crate::handoff::{FeedbackRow, HandoffTx, NewDelivery, OfferRow, TriggerStateRow, status};
use crate::rows::{AccountRow, AccountScoreRow, EventRow, HistoryRow, LeadRow, NewEvent, ScoreRow};
use crate::traits::Tx;
use async_trait::async_trait;
use rusqlite::{Connection, Statement, params};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The writer's connection; a [`SqliteTx`] holds it while it lives.
pub(crate) type WriterConn = std::sync::Arc<Mutex<Connection>>;

/// Prepared statements kept per connection: every statement the writer runs
/// has fixed text, so all of them stay prepared.
const STATEMENT_CACHE: usize = 64;

/// Opens the writer's connection to a database whose migrations are applied.
pub(crate) fn open_writer(
    path: &std::path::Path,
    busy_timeout: std::time::Duration,
) -> Result<WriterConn, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(busy_timeout)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // The same settings as the sqlx connections (see `SqliteStore::open`);
    // `synchronous = NORMAL` because the log is flushed after the commit.
    conn.execute_batch(&format!(
        "{} PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
         PRAGMA cache_size = -65536; PRAGMA temp_store = memory;",
        crate::checkpoint::log_pragmas()
    ))?;
    Ok(std::sync::Arc::new(Mutex::new(conn)))
}

/// A transaction on the writer's connection. Dropped without a commit, it
/// rolls back.
pub struct SqliteTx {
    conn: OwnedMutexGuard<Connection>,
    wal: crate::wal::WalFile,
    open: bool,
}

impl SqliteTx {
    /// Takes the writer's connection and begins. `IMMEDIATE` takes the write
    /// lock now: the few writes outside the writer (webhook attempts,
    /// dashboard sessions) then wait for the transaction instead of failing
    /// it half way.
    pub(crate) async fn begin(
        conn: &WriterConn,
        wal: crate::wal::WalFile,
    ) -> Result<SqliteTx, StoreError> {
        let conn = std::sync::Arc::clone(conn).lock_owned().await;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(SqliteTx {
            conn,
            wal,
            open: true,
        })
    }

    fn finish(mut self) -> Result<(), StoreError> {
        self.open = false;
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }

    /// Runs `sql` once per row of `rows`, binding each with `bind`; returns
    /// for each row the number of rows it changed.
    fn each<T>(
        &self,
        sql: &str,
        rows: &[T],
        bind: impl Fn(&mut Statement<'_>, &T) -> rusqlite::Result<usize>,
    ) -> Result<Vec<usize>, StoreError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut st = self.conn.prepare_cached(sql)?;
        let mut changed = Vec::with_capacity(rows.len());
        for r in rows {
            changed.push(bind(&mut st, r)?);
        }
        Ok(changed)
    }

    /// Runs each statement of `sqls` with the same parameters.
    fn all(&self, sqls: &[&str], p: impl rusqlite::Params + Copy) -> Result<usize, StoreError> {
        let mut changed = 0;
        for sql in sqls {
            changed += self.conn.prepare_cached(sql)?.execute(p)?;
        }
        Ok(changed)
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if self.open {
            // A failed rollback leaves the transaction to the next `BEGIN`,
            // which fails and is reported there.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

#[async_trait]
impl Tx for SqliteTx {
    async fn insert_events(&mut self, events: &[NewEvent]) -> Result<Vec<bool>, StoreError> {
        let changed = self.each(
            "INSERT INTO events (message_id, identity, user_id, anonymous_id, kind, name, ts, \
             received_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
             ON CONFLICT (message_id) DO NOTHING",
            events,
            |st, e| {
                st.execute(params![
                    e.message_id,
                    e.identity,
                    e.user_id,
                    e.anonymous_id,
                    e.kind,
                    e.name,
                    e.ts,
                    e.received_at,
                    e.body
                ])
            },
        )?;
        Ok(changed.into_iter().map(|n| n == 1).collect())
    }

    async fn events_of(&mut self, identities: &[String]) -> Result<Vec<EventRow>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT seq, identity, ts, body FROM events WHERE identity = ?1")?;
        let mut out = Vec::new();
        for id in identities {
            let rows = st.query_map([id], |r| {
                Ok(EventRow {
                    seq: r.get(0)?,
                    identity: r.get(1)?,
                    ts: r.get(2)?,
                    body: r.get(3)?,
                })
            })?;
            for row in rows {
                out.push(row?);
            }
        }
        out.sort_by_key(|e| e.seq);
        out.dedup_by_key(|e| e.seq);
        Ok(out)
    }

    async fn upsert_leads(&mut self, leads: &[LeadRow]) -> Result<(), StoreError> {
        self.each(
            "INSERT INTO leads (id, profile, name, email, account, owner, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO UPDATE SET \
             profile = excluded.profile, name = excluded.name, email = excluded.email, \
             account = excluded.account, owner = excluded.owner, updated_at = excluded.updated_at",
            leads,
            |st, l| {
                st.execute(params![
                    l.id,
                    l.profile,
                    l.name,
                    l.email,
                    l.account,
                    l.owner,
                    l.created_at,
                    l.updated_at
                ])
            },
        )?;
        Ok(())
    }

    async fn link_identities(&mut self, links: &[(String, String)]) -> Result<(), StoreError> {
        self.each(
            "INSERT INTO identities (identity, lead_id) VALUES (?1, ?2) \
             ON CONFLICT (identity) DO UPDATE SET lead_id = excluded.lead_id",
            links,
            |st, (identity, lead)| st.execute(params![identity, lead]),
        )?;
        Ok(())
    }

    async fn merge_lead(&mut self, from: &str, into: &str) -> Result<(), StoreError> {
        self.all(
            &[
                "UPDATE identities SET lead_id = ?2 WHERE lead_id = ?1",
                "UPDATE score_history SET lead_id = ?2 WHERE lead_id = ?1",
                "UPDATE feedback SET lead_id = ?2 WHERE lead_id = ?1",
                "UPDATE outbox SET lead_id = ?2 WHERE lead_id = ?1",
            ],
            params![from, into],
        )?;
        // The merged lead's trigger states and offers go: the lead it joins
        // keeps its own, and is re-evaluated as one.
        self.all(
            &[
                "DELETE FROM scores WHERE lead_id = ?1",
                "DELETE FROM trigger_state WHERE lead_id = ?1",
                "DELETE FROM offers WHERE lead_id = ?1",
                "DELETE FROM leads WHERE id = ?1",
            ],
            params![from],
        )?;
        Ok(())
    }

    async fn erase_lead(&mut self, lead_id: &str) -> Result<u64, StoreError> {
        let events = self.all(
            &["DELETE FROM events WHERE identity IN \
               (SELECT identity FROM identities WHERE lead_id = ?1)"],
            params![lead_id],
        )?;
        self.all(
            &[
                "DELETE FROM identities WHERE lead_id = ?1",
                "DELETE FROM scores WHERE lead_id = ?1",
                "DELETE FROM score_history WHERE lead_id = ?1",
                "DELETE FROM trigger_state WHERE lead_id = ?1",
                "DELETE FROM offers WHERE lead_id = ?1",
                "DELETE FROM feedback WHERE lead_id = ?1",
                "DELETE FROM delivery_attempts WHERE outbox_id IN \
                 (SELECT id FROM outbox WHERE lead_id = ?1)",
                "DELETE FROM outbox WHERE lead_id = ?1",
                "DELETE FROM leads WHERE id = ?1",
            ],
            params![lead_id],
        )?;
        Ok(events as u64)
    }

    async fn upsert_account(&mut self, row: &AccountRow) -> Result<(), StoreError> {
        self.all(
            &[
                "INSERT INTO accounts (id, traits, updated_at) VALUES (?1, ?2, ?3) \
               ON CONFLICT (id) DO UPDATE SET traits = excluded.traits, \
               updated_at = excluded.updated_at",
            ],
            params![row.id, row.traits, row.updated_at],
        )?;
        Ok(())
    }

    async fn put_scores(&mut self, rows: &[ScoreRow]) -> Result<(), StoreError> {
        self.each(
            "INSERT INTO scores (model_version, lead_id, total, fit, engagement, groups, bant, \
             cell, hot, stage, manual_stage, email_quality, last_activity, events, reasons, \
             scored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, \
             ?15, ?16) ON CONFLICT (model_version, lead_id) DO UPDATE SET total = excluded.total, \
             fit = excluded.fit, engagement = excluded.engagement, groups = excluded.groups, \
             bant = excluded.bant, cell = excluded.cell, hot = excluded.hot, \
             stage = excluded.stage, manual_stage = excluded.manual_stage, \
             email_quality = excluded.email_quality, last_activity = excluded.last_activity, \
             events = excluded.events, reasons = excluded.reasons, scored_at = excluded.scored_at",
            rows,
            |st, s| {
                st.execute(params![
                    s.model_version,
                    s.lead_id,
                    s.total,
                    s.fit,
                    s.engagement,
                    s.groups,
                    s.bant,
                    s.cell,
                    s.hot,
                    s.stage,
                    s.manual_stage,
                    s.email_quality,
                    s.last_activity,
                    s.events,
                    s.reasons,
                    s.scored_at
                ])
            },
        )?;
        Ok(())
    }

    async fn put_account_scores(&mut self, rows: &[AccountScoreRow]) -> Result<(), StoreError> {
        self.each(
            "INSERT INTO account_scores (model_version, account_id, contacts, engaged_contacts, \
             hot_contacts, best_fit, total_engagement, best_total) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (model_version, account_id) DO UPDATE SET \
             contacts = excluded.contacts, engaged_contacts = excluded.engaged_contacts, \
             hot_contacts = excluded.hot_contacts, best_fit = excluded.best_fit, \
             total_engagement = excluded.total_engagement, best_total = excluded.best_total",
            rows,
            |st, a| {
                st.execute(params![
                    a.model_version,
                    a.account_id,
                    a.contacts,
                    a.engaged_contacts,
                    a.hot_contacts,
                    a.best_fit,
                    a.total_engagement,
                    a.best_total
                ])
            },
        )?;
        Ok(())
    }

    async fn add_history(&mut self, rows: &[HistoryRow]) -> Result<(), StoreError> {
        self.each(
            "INSERT INTO score_history (lead_id, model_version, at, total, cell, stage, owner, \
             cause) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            rows,
            |st, h| {
                st.execute(params![
                    h.lead_id,
                    h.model_version,
                    h.at,
                    h.total,
                    h.cell,
                    h.stage,
                    h.owner,
                    h.cause
                ])
            },
        )?;
        Ok(())
    }

    async fn mark_applied(&mut self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "UPDATE log_applied SET seq = (SELECT COALESCE(MAX(seq), 0) FROM events) \
             WHERE id = 1 RETURNING seq",
            )?
            .query_row([], |r| r.get(0))?)
    }

    async fn mark_applied_through(&mut self, seq: i64) -> Result<(), StoreError> {
        self.all(&["UPDATE log_applied SET seq = ?1 WHERE id = 1"], [seq])?;
        Ok(())
    }

    async fn activate_model(&mut self, version: i64) -> Result<(), StoreError> {
        let exists = self.all(&["UPDATE models SET active = (version = ?1)"], [version])? > 0
            && self
                .conn
                .prepare_cached("SELECT 1 FROM models WHERE version = ?1")?
                .exists([version])?;
        if !exists {
            return Err(StoreError::NotFound(format!("model version {version}")));
        }
        self.all(
            &[
                "DELETE FROM scores WHERE model_version <> ?1",
                "DELETE FROM account_scores WHERE model_version <> ?1",
            ],
            [version],
        )?;
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        let wal = self.wal.clone();
        self.finish()?;
        wal.sync().await
    }

    async fn commit_unsynced(self: Box<Self>) -> Result<(), StoreError> {
        self.finish()
    }
}

#[async_trait]
impl HandoffTx for SqliteTx {
    async fn put_trigger_states(&mut self, rows: &[TriggerStateRow]) -> Result<(), StoreError> {
        self.each(
            "INSERT INTO trigger_state (lead_id, trigger, armed, at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (lead_id, trigger) DO UPDATE SET armed = excluded.armed, at = excluded.at",
            rows,
            |st, r| st.execute(params![r.lead_id, r.trigger, r.armed, r.at]),
        )?;
        Ok(())
    }

    async fn clear_trigger_states(&mut self, keys: &[(String, String)]) -> Result<(), StoreError> {
        self.each(
            "DELETE FROM trigger_state WHERE lead_id = ?1 AND trigger = ?2",
            keys,
            |st, (lead, trigger)| st.execute(params![lead, trigger]),
        )?;
        Ok(())
    }

    async fn put_counters(&mut self, rows: &[(String, i64)]) -> Result<(), StoreError> {
        self.each(
            "INSERT INTO counters (name, value) VALUES (?1, ?2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            rows,
            |st, (name, value)| st.execute(params![name, value]),
        )?;
        Ok(())
    }

    async fn enqueue(&mut self, rows: &[NewDelivery]) -> Result<(), StoreError> {
        self.each(
            "INSERT INTO outbox (delivery_id, webhook, lead_id, trigger, payload, status, \
             attempts, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?7)",
            rows,
            |st, d| {
                st.execute(params![
                    d.delivery_id,
                    d.webhook,
                    d.lead_id,
                    d.trigger,
                    d.payload,
                    status::PENDING,
                    d.created_at
                ])
            },
        )?;
        Ok(())
    }

    async fn put_offers(&mut self, rows: &[OfferRow]) -> Result<(), StoreError> {
        self.each(
            "INSERT INTO offers (lead_id, offer_id, content, trigger, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (lead_id, offer_id) DO UPDATE SET \
             content = excluded.content, trigger = excluded.trigger, created_at = excluded.created_at",
            rows,
            |st, o| st.execute(params![o.lead_id, o.offer_id, o.content, o.trigger, o.created_at]),
        )?;
        Ok(())
    }

    async fn add_feedback(&mut self, rows: &[FeedbackRow]) -> Result<(), StoreError> {
        self.each(
            "INSERT INTO feedback (lead_id, at, kind, reached, first_try, reason, value, note, \
             actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            rows,
            |st, f| {
                st.execute(params![
                    f.lead_id,
                    f.at,
                    f.kind,
                    f.reached,
                    f.first_try,
                    f.reason,
                    f.value,
                    f.note,
                    f.actor
                ])
            },
        )?;
        Ok(())
    }
}
