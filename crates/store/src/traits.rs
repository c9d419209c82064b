//! The storage contract both databases implement.

use crate::error::StoreError;
use crate::rows::{
    AccountRow, AccountScoreRow, EventRow, HistoryRow, KeyRow, LeadFilter, LeadListRow, LeadRow,
    ModelRow, NewEvent, ScoreRow,
};
use async_trait::async_trait;

/// A storage backend. Reads run on the pool; writes that must land together
/// go through a [`Tx`].
#[async_trait]
pub trait Store:
    crate::handoff::HandoffStore
    + crate::predictors::PredictorStore
    + crate::dashboard::DashboardStore
    + Send
    + Sync
    + 'static
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Starts a transaction.
    async fn begin(&self) -> Result<Box<dyn Tx>, StoreError>;
    /// Starts a transaction for a flush of written-behind rows beside the
    /// writer: derived rows and the applied mark only, never the event log.
    /// It commits without waiting for an open transaction from
    /// [`Store::begin`] (on SQLite the event log is a file of its own, with
    /// its own write lock), and its commit makes sure the events its mark
    /// covers are on disk first.
    async fn begin_flush(&self) -> Result<Box<dyn Tx>, StoreError>;
    /// A handle on the same database for a thread that writes under a
    /// runtime of its own (the writer, the flush beside it), whose reads and
    /// transactions use connections opened from that thread, or `None` where
    /// this one serves as well. A socket answers through the runtime that
    /// opened it: one opened by the HTTP runtime is heard only when that
    /// runtime's busy workers poll for it, so a writer on its own thread
    /// would wait for them at every round trip (PostgreSQL). SQLite's
    /// connections are no sockets.
    fn for_writing_thread(&self) -> Option<std::sync::Arc<dyn Store>>;
    /// Makes every commit so far survive a power loss, including those made
    /// with [`Tx::commit_unsynced`]. Nothing to do where every commit is
    /// flushed already (PostgreSQL).
    async fn sync(&self) -> Result<(), StoreError>;
    /// Housekeeping the single writer runs between its transactions, as
    /// often as it likes: nothing but a check unless something is due (on
    /// SQLite: starting the write-ahead log over once the checkpoint thread
    /// has copied it, see `checkpoint`).
    async fn maintain(&self) -> Result<crate::Housekeeping, StoreError>;
    /// Copies everything written so far into the database now and starts
    /// the log over, for bulk writes while nobody reads (start-up, imports)
    /// that would otherwise outrun the checkpoints. Nothing to do on
    /// PostgreSQL, which manages its own log.
    async fn restart_log(&self) -> Result<(), StoreError>;

    /// Builds the ranked list's in-memory orderings now (see `listing`)
    /// instead of at the first read; returns how many leads they hold.
    async fn load_listing(&self) -> Result<usize, StoreError>;

    /// Up to `limit` events after log position `after_seq`, in log order.
    async fn events_after(&self, after_seq: i64, limit: i64) -> Result<Vec<EventRow>, StoreError>;
    /// The events of one lead (all its identities), newest first.
    async fn lead_events(&self, lead_id: &str, limit: i64) -> Result<Vec<EventRow>, StoreError>;
    /// Number of events in the log.
    async fn event_count(&self) -> Result<i64, StoreError>;
    /// The log's last position (0 when empty), as of the last commit.
    async fn log_end(&self) -> Result<i64, StoreError>;
    /// The log position the derived tables (leads, identity links, scores,
    /// history, trigger states) have caught up with: every event up to it
    /// is reflected in them, later ones are not yet (see
    /// [`Tx::mark_applied`]).
    async fn applied_seq(&self) -> Result<i64, StoreError>;

    /// One lead.
    async fn lead(&self, id: &str) -> Result<Option<LeadRow>, StoreError>;
    /// Leads with id greater than `after`, by id, for paging through all.
    async fn leads_after(&self, after: &str, limit: i64) -> Result<Vec<LeadRow>, StoreError>;
    /// Every (identity, lead) link.
    async fn identities(&self) -> Result<Vec<(String, String)>, StoreError>;
    /// The lead an identity belongs to.
    async fn lead_of(&self, identity: &str) -> Result<Option<String>, StoreError>;

    /// One lead and its score under a model version, as of one commit (a
    /// page showing both never mixes two commits).
    async fn lead_and_score(
        &self,
        id: &str,
        version: i64,
    ) -> Result<(Option<LeadRow>, Option<ScoreRow>), StoreError>;
    /// One lead's score under a model version.
    async fn score(&self, version: i64, lead_id: &str) -> Result<Option<ScoreRow>, StoreError>;
    /// The ranked list: hottest first, filtered, one page. The order and the
    /// filters are answered from memory (see `listing`), the rows by key.
    async fn ranked(&self, version: i64, f: &LeadFilter) -> Result<Vec<LeadListRow>, StoreError>;
    /// A lead's history, oldest first.
    async fn history(&self, lead_id: &str) -> Result<Vec<HistoryRow>, StoreError>;

    /// One account's traits.
    async fn account(&self, id: &str) -> Result<Option<AccountRow>, StoreError>;
    /// Accounts by total engagement, one page after `after` (an account id
    /// and its engagement).
    async fn account_scores(
        &self,
        version: i64,
        after: Option<(f64, String)>,
        limit: i64,
    ) -> Result<Vec<AccountScoreRow>, StoreError>;
    /// One account's roll-up.
    async fn account_score(
        &self,
        version: i64,
        id: &str,
    ) -> Result<Option<AccountScoreRow>, StoreError>;

    /// Every model version, newest first.
    async fn models(&self) -> Result<Vec<ModelRow>, StoreError>;
    /// One model version.
    async fn model(&self, version: i64) -> Result<Option<ModelRow>, StoreError>;
    /// Stores a model file as a new, inactive version.
    async fn insert_model(&self, name: &str, source: &str, at: i64) -> Result<i64, StoreError>;

    /// Stores a key's hash.
    async fn insert_key(
        &self,
        name: &str,
        role: &str,
        hash: &str,
        prefix: &str,
        at: i64,
    ) -> Result<i64, StoreError>;
    /// The live (unrevoked) key with this hash.
    async fn key_by_hash(&self, hash: &str) -> Result<Option<KeyRow>, StoreError>;
    /// Every key.
    async fn keys(&self) -> Result<Vec<KeyRow>, StoreError>;
    /// Revokes a key; false if there is no such live key.
    async fn revoke_key(&self, id: i64, at: i64) -> Result<bool, StoreError>;
}

/// Writes that commit together or not at all. Dropping a `Tx` without
/// [`commit`](Tx::commit) rolls it back.
#[async_trait]
pub trait Tx: crate::handoff::HandoffTx + Send {
    /// Appends events; for each, whether it was new (a repeated message id
    /// is ignored and reported as not new).
    async fn insert_events(&mut self, events: &[NewEvent]) -> Result<Vec<bool>, StoreError>;
    /// Appends the events of several requests, in order, as
    /// [`insert_events`](Tx::insert_events) would one after the other (a
    /// message id repeated in a later request is not new there), and gives
    /// each request's flags. PostgreSQL stores them in one statement, one
    /// round trip for a whole group of single-event requests.
    async fn insert_event_groups(
        &mut self,
        groups: &[&[NewEvent]],
    ) -> Result<Vec<Vec<bool>>, StoreError> {
        let mut out = Vec::with_capacity(groups.len());
        for events in groups {
            out.push(self.insert_events(events).await?);
        }
        Ok(out)
    }
    /// Every event filed under any of these identities, in log order,
    /// including ones inserted earlier in this transaction.
    async fn events_of(&mut self, identities: &[String]) -> Result<Vec<EventRow>, StoreError>;
    /// Creates or replaces leads.
    async fn upsert_leads(&mut self, leads: &[LeadRow]) -> Result<(), StoreError>;
    /// Points identities at leads.
    async fn link_identities(&mut self, links: &[(String, String)]) -> Result<(), StoreError>;
    /// Moves everything of lead `from` into lead `into` and deletes `from`.
    async fn merge_lead(&mut self, from: &str, into: &str) -> Result<(), StoreError>;
    /// Deletes a lead, its identities, events, scores and history; returns
    /// how many events went.
    async fn erase_lead(&mut self, lead_id: &str) -> Result<u64, StoreError>;
    /// Creates or replaces account traits.
    async fn upsert_account(&mut self, row: &AccountRow) -> Result<(), StoreError>;
    /// Creates or replaces scores.
    async fn put_scores(&mut self, rows: &[ScoreRow]) -> Result<(), StoreError>;
    /// Creates or replaces account roll-ups.
    async fn put_account_scores(&mut self, rows: &[AccountScoreRow]) -> Result<(), StoreError>;
    /// Appends history entries.
    async fn add_history(&mut self, rows: &[HistoryRow]) -> Result<(), StoreError>;
    /// Records that every event in the log, as this transaction sees it,
    /// is reflected in the derived tables written with it; returns that log
    /// position. The mark follows the log's end, so it moves back when an
    /// erasure removes the last events (SQLite may then reuse their
    /// positions, which must count as not applied).
    async fn mark_applied(&mut self) -> Result<i64, StoreError>;
    /// Records that the events up to log position `seq` are reflected in
    /// the derived tables written with this transaction, for a transaction
    /// that runs beside event inserts (see [`Store::begin_flush`]):
    /// events committed meanwhile must not count as applied.
    async fn mark_applied_through(&mut self, seq: i64) -> Result<(), StoreError>;
    /// Makes `version` the active model and drops other versions' scores.
    async fn activate_model(&mut self, version: i64) -> Result<(), StoreError>;
    /// Makes the writes permanent: visible, and on disk when this returns.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
    /// Makes the writes visible and safe from a crash of this process, but
    /// returns before the disk has them: [`Store::sync`] afterwards makes
    /// them survive a power loss too. The single writer commits one group
    /// this way and runs the next while the disk flushes; where a backend
    /// flushes inside every commit (PostgreSQL) this is [`Tx::commit`].
    async fn commit_unsynced(self: Box<Self>) -> Result<(), StoreError>;
}
