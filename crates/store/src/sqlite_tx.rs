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
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// How long a statement waits for a lock before failing.
pub(crate) const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// How long a log restart waits for readers (see `checkpoint::restart`).
pub(crate) const RESTART_WAIT: std::time::Duration = std::time::Duration::from_millis(100);

/// Prepared statements kept per connection: every statement the writers run
/// has fixed text, so all of them stay prepared.
const STATEMENT_CACHE: usize = 64;

/// The two connections that write, one per file (see `log_file`): the log
/// file's, which only the single writer uses, and the main file's, which
/// the flushes of written-behind rows use beside the writer, and the writer
/// itself for its own writes of derived rows once those flushes are done.
/// SQLite has one write lock per file, so an ingest commit never waits for
/// a flush.
#[derive(Debug, Clone)]
pub(crate) struct Writers {
    log: Arc<Mutex<Connection>>,
    main: Arc<Mutex<Connection>>,
    log_wal: crate::wal::WalFile,
    main_wal: crate::wal::WalFile,
    main_checkpoints: crate::checkpoint::Checkpointer,
    /// A commit to the main file awaits [`Writers::sync`]: one made with
    /// [`Tx::commit_unsynced`] by the writer.
    main_unsynced: Arc<AtomicBool>,
    /// The last log position committed, and the last known on disk: a
    /// flush whose mark is on disk already need not flush the log itself.
    log_committed: Arc<AtomicI64>,
    log_synced: Arc<AtomicI64>,
}

impl Writers {
    /// Opens both connections; the files' schemas are in place.
    pub(crate) fn open(
        main: &Path,
        log: &Path,
        main_checkpoints: crate::checkpoint::Checkpointer,
    ) -> Result<Writers, StoreError> {
        Ok(Writers {
            log: Arc::new(Mutex::new(open_conn(log)?)),
            main: Arc::new(Mutex::new(open_conn(main)?)),
            log_wal: crate::wal::WalFile::of(log),
            main_wal: crate::wal::WalFile::of(main),
            main_checkpoints,
            main_unsynced: Arc::new(AtomicBool::new(false)),
            log_committed: Arc::new(AtomicI64::new(0)),
            log_synced: Arc::new(AtomicI64::new(0)),
        })
    }

    /// The log file's connection, for the writer's housekeeping.
    pub(crate) fn log(&self) -> &Arc<Mutex<Connection>> {
        &self.log
    }

    /// The main file's connection, for housekeeping.
    pub(crate) fn main(&self) -> &Arc<Mutex<Connection>> {
        &self.main
    }

    /// Flushes both files' write-ahead logs as far as commits need it.
    pub(crate) async fn sync(&self) -> Result<(), StoreError> {
        self.sync_log().await?;
        if self.main_unsynced.swap(false, Ordering::AcqRel) {
            self.main_wal.sync().await?;
        }
        Ok(())
    }

    /// Flushes the log file's write-ahead log.
    async fn sync_log(&self) -> Result<(), StoreError> {
        let committed = self.log_committed.load(Ordering::Acquire);
        self.log_wal.sync().await?;
        self.log_synced.fetch_max(committed, Ordering::AcqRel);
        Ok(())
    }

    /// Makes sure the log is on disk up to position `seq`; usually the
    /// flush that answers requests (`acknowledge` in the server) has
    /// done it already.
    async fn sync_log_through(&self, seq: i64) -> Result<(), StoreError> {
        if self.log_synced.load(Ordering::Acquire) >= seq {
            return Ok(());
        }
        self.sync_log().await
    }
}

/// Opens one writing connection with the settings of the sqlx connections
/// (see `SqliteStore::open`); `synchronous = NORMAL` because the log is
/// flushed apart from the commit (`wal`).
fn open_conn(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.execute_batch(&format!(
        "{} PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
         PRAGMA cache_size = -65536; PRAGMA temp_store = memory;",
        crate::checkpoint::log_pragmas()
    ))?;
    Ok(conn)
}

/// One part of a [`SqliteTx`]: a transaction on one file's connection.
struct Part {
    conn: OwnedMutexGuard<Connection>,
    open: bool,
}

impl Part {
    /// Takes the connection and begins. `IMMEDIATE` takes the file's write
    /// lock now: the few writes outside the writers (webhook attempts,
    /// dashboard sessions) then wait for the transaction instead of failing
    /// it half way. Each connection has one file, so this never locks the
    /// other.
    async fn begin(conn: &Arc<Mutex<Connection>>) -> Result<Part, StoreError> {
        let conn = Arc::clone(conn).lock_owned().await;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(Part { conn, open: true })
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        self.open = false;
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }
}

impl Drop for Part {
    fn drop(&mut self) {
        if self.open {
            // A failed rollback leaves the transaction to the next `BEGIN`,
            // which fails and is reported there.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// A transaction over both files. Its log part (events) begins at once on
/// the writer's transactions; its main part (everything derived) begins at
/// the first write of derived rows, so an ingest group that writes none
/// never waits for a flush. Dropped without a commit, it rolls back.
///
/// SQLite commits a transaction atomically per file, not across files, so
/// the parts commit in an order that a crash between them cannot hurt:
/// the log first, flushed to disk before a main part that moves the
/// applied mark commits (a mark past the log's durable end would count
/// lost events as applied); for an erasure the main part first, with a
/// record of the erasure that start-up finishes should the log's part be
/// lost (`log_file::finish_erasures`).
pub struct SqliteTx {
    writers: Writers,
    log: Option<Part>,
    main: Option<Part>,
    /// The applied mark the main part moves to.
    moves_mark: Option<i64>,
    /// The last position the log part stored.
    log_last: i64,
    /// Leads erased in this transaction, whose records go once both parts
    /// are committed.
    erased: Vec<String>,
}

impl SqliteTx {
    /// A transaction of the writer: both parts.
    pub(crate) async fn begin(writers: &Writers) -> Result<SqliteTx, StoreError> {
        let log = Part::begin(&writers.log).await?;
        Ok(SqliteTx {
            writers: writers.clone(),
            log: Some(log),
            main: None,
            moves_mark: None,
            log_last: 0,
            erased: Vec::new(),
        })
    }

    /// A flush of written-behind rows beside the writer: the main part
    /// only, which never waits for the writer's ingest commits.
    pub(crate) async fn begin_flush(writers: &Writers) -> Result<SqliteTx, StoreError> {
        let main = Part::begin(&writers.main).await?;
        Ok(SqliteTx {
            writers: writers.clone(),
            log: None,
            main: Some(main),
            moves_mark: None,
            log_last: 0,
            erased: Vec::new(),
        })
    }

    /// The log part's connection.
    fn log(&self) -> Result<&Connection, StoreError> {
        match &self.log {
            Some(p) => Ok(&p.conn),
            None => Err(StoreError::Corrupt {
                what: "transaction",
                detail: "a flush beside the writer touched the event log".into(),
            }),
        }
    }

    /// The main part's connection, begun at the first call.
    async fn main(&mut self) -> Result<&Connection, StoreError> {
        if self.main.is_none() {
            self.main = Some(Part::begin(&self.writers.main).await?);
        }
        Ok(&self.main.as_ref().expect("begun above").conn)
    }

    /// The log's last position as this transaction sees it.
    fn log_end(&self) -> Result<i64, StoreError> {
        Ok(self
            .log()?
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM events")?
            .query_row([], |r| r.get(0))?)
    }

    /// Commits both parts in a safe order (see [`SqliteTx`]); `synced`
    /// also flushes them to disk before returning.
    async fn finish(mut self, synced: bool) -> Result<(), StoreError> {
        let w = self.writers.clone();
        let mut log = self.log.take();
        let mut main = self.main.take();
        if !self.erased.is_empty() {
            if let Some(m) = main.as_mut() {
                m.commit()?;
                w.main_wal.sync().await?;
            }
            if let Some(l) = log.as_mut() {
                l.commit()?;
                w.sync_log().await?;
            }
            drop(log);
            if let Some(m) = main.as_mut() {
                crate::log_file::forget_erasures(&m.conn, &self.erased)?;
            }
            return Ok(());
        }
        let had_log = log.is_some();
        if let Some(l) = log.as_mut() {
            l.commit()?;
            w.log_committed.fetch_max(self.log_last, Ordering::AcqRel);
        }
        drop(log);
        let Some(mut m) = main else {
            return if synced && had_log {
                w.sync_log().await
            } else {
                Ok(())
            };
        };
        if let Some(mark) = self.moves_mark {
            w.sync_log_through(mark).await?;
        }
        m.commit()?;
        if synced {
            if had_log {
                w.sync_log_through(self.log_last).await?;
            }
            w.main_wal.sync().await?;
        } else if had_log {
            // The writer's own derived rows (a profile edit) are answered
            // after `Writers::sync`. A flush's need not be on disk: its
            // events are, and a crash replays them after the mark.
            w.main_unsynced.store(true, Ordering::Release);
        }
        // This connection writes the main file, so it runs that file's
        // log step (see `checkpoint`), after the commit like the writer's.
        match w
            .main_checkpoints
            .maintain(&m.conn, RESTART_WAIT, BUSY_TIMEOUT)
        {
            Ok(crate::Housekeeping::Nothing) => {}
            Ok(done) => tracing::trace!(?done, "Main file housekeeping"),
            Err(e) => tracing::warn!(error = %e, "Main file housekeeping failed; retrying later"),
        }
        Ok(())
    }
}

/// Runs `sql` once per row of `rows`, binding each with `bind`; returns for
/// each row the number of rows it changed.
fn each<T>(
    conn: &Connection,
    sql: &str,
    rows: &[T],
    bind: impl Fn(&mut Statement<'_>, &T) -> rusqlite::Result<usize>,
) -> Result<Vec<usize>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut st = conn.prepare_cached(sql)?;
    let mut changed = Vec::with_capacity(rows.len());
    for r in rows {
        changed.push(bind(&mut st, r)?);
    }
    Ok(changed)
}

/// Runs each statement of `sqls` with the same parameters.
fn all(
    conn: &Connection,
    sqls: &[&str],
    p: impl rusqlite::Params + Copy,
) -> Result<usize, StoreError> {
    let mut changed = 0;
    for sql in sqls {
        changed += conn.prepare_cached(sql)?.execute(p)?;
    }
    Ok(changed)
}

#[async_trait]
impl Tx for SqliteTx {
    async fn insert_events(&mut self, events: &[NewEvent]) -> Result<Vec<bool>, StoreError> {
        let changed = each(
            self.log()?,
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
        if changed.contains(&1) {
            self.log_last = self.log_last.max(self.log()?.last_insert_rowid());
        }
        Ok(changed.into_iter().map(|n| n == 1).collect())
    }

    async fn events_of(&mut self, identities: &[String]) -> Result<Vec<EventRow>, StoreError> {
        let mut st = self
            .log()?
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
        each(
            self.main().await?,
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
        each(
            self.main().await?,
            "INSERT INTO identities (identity, lead_id) VALUES (?1, ?2) \
             ON CONFLICT (identity) DO UPDATE SET lead_id = excluded.lead_id",
            links,
            |st, (identity, lead)| st.execute(params![identity, lead]),
        )?;
        Ok(())
    }

    async fn merge_lead(&mut self, from: &str, into: &str) -> Result<(), StoreError> {
        all(
            self.main().await?,
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
        all(
            self.main().await?,
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
        // Derived rows first, with a record naming the identities whose
        // events go, in the main part; the events in the log part (see
        // [`SqliteTx`] for the order of the commits).
        let identities = crate::log_file::record_erasure(self.main().await?, lead_id)?;
        all(
            self.main().await?,
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
        let events = crate::log_file::delete_events(self.log()?, &identities)?;
        self.erased.push(lead_id.to_owned());
        Ok(events)
    }

    async fn upsert_account(&mut self, row: &AccountRow) -> Result<(), StoreError> {
        all(
            self.main().await?,
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
        each(
            self.main().await?,
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
        each(
            self.main().await?,
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
        each(
            self.main().await?,
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
        let end = self.log_end()?;
        self.mark_applied_through(end).await?;
        Ok(end)
    }

    async fn mark_applied_through(&mut self, seq: i64) -> Result<(), StoreError> {
        all(
            self.main().await?,
            &["UPDATE log_applied SET seq = ?1 WHERE id = 1"],
            [seq],
        )?;
        self.moves_mark = Some(seq);
        Ok(())
    }

    async fn activate_model(&mut self, version: i64) -> Result<(), StoreError> {
        let exists = all(
            self.main().await?,
            &["UPDATE models SET active = (version = ?1)"],
            [version],
        )? > 0
            && self
                .main()
                .await?
                .prepare_cached("SELECT 1 FROM models WHERE version = ?1")?
                .exists([version])?;
        if !exists {
            return Err(StoreError::NotFound(format!("model version {version}")));
        }
        all(
            self.main().await?,
            &[
                "DELETE FROM scores WHERE model_version <> ?1",
                "DELETE FROM account_scores WHERE model_version <> ?1",
            ],
            [version],
        )?;
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.finish(true).await
    }

    async fn commit_unsynced(self: Box<Self>) -> Result<(), StoreError> {
        self.finish(false).await
    }
}

#[async_trait]
impl HandoffTx for SqliteTx {
    async fn put_trigger_states(&mut self, rows: &[TriggerStateRow]) -> Result<(), StoreError> {
        each(
            self.main().await?,
            "INSERT INTO trigger_state (lead_id, trigger, armed, at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (lead_id, trigger) DO UPDATE SET armed = excluded.armed, at = excluded.at",
            rows,
            |st, r| st.execute(params![r.lead_id, r.trigger, r.armed, r.at]),
        )?;
        Ok(())
    }

    async fn clear_trigger_states(&mut self, keys: &[(String, String)]) -> Result<(), StoreError> {
        each(
            self.main().await?,
            "DELETE FROM trigger_state WHERE lead_id = ?1 AND trigger = ?2",
            keys,
            |st, (lead, trigger)| st.execute(params![lead, trigger]),
        )?;
        Ok(())
    }

    async fn put_counters(&mut self, rows: &[(String, i64)]) -> Result<(), StoreError> {
        each(
            self.main().await?,
            "INSERT INTO counters (name, value) VALUES (?1, ?2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            rows,
            |st, (name, value)| st.execute(params![name, value]),
        )?;
        Ok(())
    }

    async fn enqueue(&mut self, rows: &[NewDelivery]) -> Result<(), StoreError> {
        each(
            self.main().await?,
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
        each(
            self.main().await?,
            "INSERT INTO offers (lead_id, offer_id, content, trigger, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (lead_id, offer_id) DO UPDATE SET \
             content = excluded.content, trigger = excluded.trigger, created_at = excluded.created_at",
            rows,
            |st, o| {
                st.execute(params![
                    o.lead_id,
                    o.offer_id,
                    o.content,
                    o.trigger,
                    o.created_at
                ])
            },
        )?;
        Ok(())
    }

    async fn add_feedback(&mut self, rows: &[FeedbackRow]) -> Result<(), StoreError> {
        each(
            self.main().await?,
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
