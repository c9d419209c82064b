//! Derived writes gathered in memory before they reach the store. Scoring
//! runs per group as events arrive; the rows it produces (leads, identity
//! links, scores, history, trigger states, offers, outbox deliveries,
//! account roll-ups) wait here and are written in one transaction later.
//! Rows with a key are coalesced (a lead scored in ten groups is written
//! once, with its last score); appended rows (history, feedback,
//! deliveries) are all kept. Rows are written sorted by key, so one flush
//! walks each index in order instead of jumping around it.
//!
//! A merge of two leads deletes and moves rows, so nothing recorded before
//! it may be written after it: a merge closes the batch it follows.

use leadscore_store::{
    AccountRow, AccountScoreRow, FeedbackRow, HistoryRow, LeadRow, NewDelivery, OfferRow, ScoreRow,
    StoreError, TriggerStateRow, Tx,
};
use rustc_hash::FxHashMap;

/// Writes waiting for the store, in the order they must reach it.
#[derive(Default)]
pub(super) struct WriteSet {
    /// Batches closed by a merge, oldest first.
    sealed: Vec<Batch>,
    current: Batch,
}

/// Writes between two merges, each kind coalesced by its key.
#[derive(Default)]
struct Batch {
    leads: FxHashMap<String, LeadRow>,
    feedback: Vec<FeedbackRow>,
    links: FxHashMap<String, String>,
    /// Run after this batch's leads and links, before the rest.
    merges: Vec<(String, String)>,
    accounts: FxHashMap<String, AccountRow>,
    scores: FxHashMap<(i64, String), ScoreRow>,
    history: Vec<HistoryRow>,
    /// `None` clears the stored state.
    triggers: FxHashMap<(String, String), Option<TriggerStateRow>>,
    counters: FxHashMap<String, i64>,
    offers: FxHashMap<(String, String), OfferRow>,
    deliveries: Vec<NewDelivery>,
    account_scores: FxHashMap<(i64, String), AccountScoreRow>,
}

impl Batch {
    /// Whether it holds rows written after its merges.
    fn has_rows_after_merges(&self) -> bool {
        !(self.accounts.is_empty()
            && self.scores.is_empty()
            && self.history.is_empty()
            && self.triggers.is_empty()
            && self.counters.is_empty()
            && self.offers.is_empty()
            && self.deliveries.is_empty()
            && self.account_scores.is_empty())
    }

    fn is_empty(&self) -> bool {
        self.leads.is_empty()
            && self.feedback.is_empty()
            && self.links.is_empty()
            && self.merges.is_empty()
            && !self.has_rows_after_merges()
    }

    async fn write_to(self, tx: &mut dyn Tx) -> Result<(), StoreError> {
        tx.upsert_leads(&sorted(self.leads)).await?;
        tx.add_feedback(&self.feedback).await?;
        tx.link_identities(&sorted_pairs(self.links)).await?;
        for (from, into) in &self.merges {
            tx.merge_lead(from, into).await?;
        }
        for account in sorted(self.accounts) {
            tx.upsert_account(&account).await?;
        }
        tx.put_scores(&sorted(self.scores)).await?;
        tx.add_history(&self.history).await?;
        let (put, clear): (Vec<_>, Vec<_>) = sorted_pairs(self.triggers)
            .into_iter()
            .partition(|(_, row)| row.is_some());
        tx.put_trigger_states(&put.into_iter().filter_map(|(_, r)| r).collect::<Vec<_>>())
            .await?;
        tx.clear_trigger_states(&clear.into_iter().map(|(k, _)| k).collect::<Vec<_>>())
            .await?;
        tx.put_counters(&sorted_pairs(self.counters)).await?;
        tx.put_offers(&sorted(self.offers)).await?;
        tx.enqueue(&self.deliveries).await?;
        tx.put_account_scores(&sorted(self.account_scores)).await?;
        Ok(())
    }
}

fn sorted_pairs<K: Ord, V>(map: FxHashMap<K, V>) -> Vec<(K, V)> {
    let mut rows: Vec<(K, V)> = map.into_iter().collect();
    rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    rows
}

fn sorted<K: Ord, V>(map: FxHashMap<K, V>) -> Vec<V> {
    sorted_pairs(map).into_iter().map(|(_, v)| v).collect()
}

impl WriteSet {
    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.sealed.is_empty() && self.current.is_empty()
    }

    /// Whether any batch holds webhook deliveries.
    pub fn has_deliveries(&self) -> bool {
        self.batches().any(|b| !b.deliveries.is_empty())
    }

    fn batches(&self) -> impl Iterator<Item = &Batch> {
        self.sealed.iter().chain(std::iter::once(&self.current))
    }

    /// Writes everything, in order, inside `tx`.
    pub async fn write_to(self, tx: &mut dyn Tx) -> Result<(), StoreError> {
        for batch in self.sealed.into_iter().chain(std::iter::once(self.current)) {
            if !batch.is_empty() {
                batch.write_to(tx).await?;
            }
        }
        Ok(())
    }

    pub fn upsert_leads(&mut self, rows: Vec<LeadRow>) {
        let b = &mut self.current;
        b.leads.extend(rows.into_iter().map(|r| (r.id.clone(), r)));
    }

    pub fn add_feedback(&mut self, rows: &[FeedbackRow]) {
        self.current.feedback.extend_from_slice(rows);
    }

    pub fn link_identities(&mut self, links: &[(String, String)]) {
        self.current.links.extend(links.iter().cloned());
    }

    /// Moves lead `from` into `into`: what was recorded before is written
    /// before the merge.
    pub fn merge_lead(&mut self, from: &str, into: &str) {
        if self.current.has_rows_after_merges() {
            let done = std::mem::take(&mut self.current);
            self.sealed.push(done);
        }
        self.current.merges.push((from.to_owned(), into.to_owned()));
    }

    pub fn upsert_account(&mut self, row: AccountRow) {
        self.current.accounts.insert(row.id.clone(), row);
    }

    pub fn put_scores(&mut self, rows: Vec<ScoreRow>) {
        let b = &mut self.current;
        b.scores.extend(
            rows.into_iter()
                .map(|r| ((r.model_version, r.lead_id.clone()), r)),
        );
    }

    pub fn add_history(&mut self, rows: Vec<HistoryRow>) {
        self.current.history.extend(rows);
    }

    /// Sets (`Some`) or clears (`None`) trigger states by (lead, trigger).
    pub fn trigger_states(
        &mut self,
        rows: impl IntoIterator<Item = ((String, String), Option<TriggerStateRow>)>,
    ) {
        self.current.triggers.extend(rows);
    }

    pub fn put_counters(&mut self, rows: Vec<(String, i64)>) {
        self.current.counters.extend(rows);
    }

    pub fn put_offers(&mut self, rows: Vec<OfferRow>) {
        let b = &mut self.current;
        b.offers.extend(
            rows.into_iter()
                .map(|r| ((r.lead_id.clone(), r.offer_id.clone()), r)),
        );
    }

    pub fn enqueue(&mut self, rows: Vec<NewDelivery>) {
        self.current.deliveries.extend(rows);
    }

    pub fn put_account_scores(&mut self, rows: Vec<AccountScoreRow>) {
        let b = &mut self.current;
        b.account_scores.extend(
            rows.into_iter()
                .map(|r| ((r.model_version, r.account_id.clone()), r)),
        );
    }
}
