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
//!
//! Scores wait as scores, not rows ([`ScoreToWrite`]): their rows' JSON
//! text is built when they are written, beside the writer, and once per
//! lead however many groups scored it meanwhile.

use leadscore_core::engine::LeadScore;
use leadscore_core::model::Model;
use leadscore_store::{
    AccountRow, AccountScoreRow, FeedbackRow, HistoryRow, LeadRow, NewDelivery, OfferRow, ScoreRow,
    StoreError, TriggerStateRow, Tx,
};
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// A lead's score waiting to be written. Building a score row (its group
/// totals and top reasons as JSON text) was 28% of the writer's scoring
/// step under batch load; kept as the score, the row is built by the
/// flush beside the writer, for a lead's last score only
/// (docs/benchmarks.md, "Score rows built when written").
pub(super) struct ScoreToWrite {
    /// The model that computed `score`, whose names the row carries.
    pub model: Arc<Model>,
    pub version: i64,
    pub lead_id: String,
    pub score: LeadScore,
}

/// A score row, or a score whose row is built when written.
enum ScoreEntry {
    Row(ScoreRow),
    Scored(ScoreToWrite),
}

impl ScoreEntry {
    fn into_row(self) -> ScoreRow {
        match self {
            ScoreEntry::Row(r) => r,
            ScoreEntry::Scored(s) => {
                crate::runtime::rows::score_row(&s.model, s.version, &s.lead_id, &s.score)
            }
        }
    }
}

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
    scores: FxHashMap<(i64, String), ScoreEntry>,
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
        tx.put_scores(&score_rows(self.scores)).await?;
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

/// The rows of waiting scores, sorted by key; rows of scores are built here.
fn score_rows(scores: FxHashMap<(i64, String), ScoreEntry>) -> Vec<ScoreRow> {
    (sorted(scores).into_iter())
        .map(ScoreEntry::into_row)
        .collect()
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
                .map(|r| ((r.model_version, r.lead_id.clone()), ScoreEntry::Row(r))),
        );
    }

    /// Scores whose rows are built when written (see [`ScoreToWrite`]).
    pub fn put_scored(&mut self, scores: Vec<ScoreToWrite>) {
        let b = &mut self.current;
        b.scores.extend(
            scores
                .into_iter()
                .map(|s| ((s.version, s.lead_id.clone()), ScoreEntry::Scored(s))),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::rows::score_row;
    use leadscore_core::engine::LeadState;
    use leadscore_core::{Event, Profile, Timestamp};

    /// A lead scored twice before a flush is written once, as the row of
    /// its last score, beside rows handed over ready-made.
    #[test]
    fn waiting_scores_become_the_rows_of_their_last_score() {
        let src = include_str!("../../../../examples/b2b-saas.toml");
        let model = Arc::new(Model::from_toml(src).unwrap());
        let profile = Profile::new("L1");
        let mut state = LeadState::new(&model);
        let mut scored = Vec::new();
        for (i, name) in ["Pricing Viewed", "Demo Requested"].iter().enumerate() {
            let at = Timestamp(i as i64);
            state.apply(&model, &Event::track(&format!("m{i}"), "L1", name, at));
            scored.push(model.score(&profile, &state, None, at));
        }
        assert_ne!(scored[0], scored[1]);
        let mut ws = WriteSet::default();
        for s in &scored {
            ws.put_scored(vec![ScoreToWrite {
                model: Arc::clone(&model),
                version: 3,
                lead_id: "L1".into(),
                score: s.clone(),
            }]);
        }
        let ready = score_row(&model, 3, "L0", &scored[0]);
        ws.put_scores(vec![ready.clone()]);
        let rows = score_rows(std::mem::take(&mut ws.current.scores));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], ready);
        assert_eq!(rows[1], score_row(&model, 3, "L1", &scored[1]));
    }
}
