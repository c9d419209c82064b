//! A transaction that tells the in-memory listing (see `listing`) what it
//! changed once it has committed. Both backends' transactions are wrapped
//! in it, so no write path can forget the listing.

use crate::error::StoreError;
use crate::handoff::{FeedbackRow, HandoffTx, NewDelivery, OfferRow, TriggerStateRow};
use crate::listing::{Change, Listing};
use crate::rows::{AccountRow, AccountScoreRow, EventRow, HistoryRow, LeadRow, NewEvent, ScoreRow};
use crate::traits::Tx;
use async_trait::async_trait;
use smol_str::SmolStr;
use std::sync::Arc;

/// A backend's transaction and what it changed so far.
pub(crate) struct ListedTx {
    inner: Box<dyn Tx>,
    listing: Arc<Listing>,
    changes: Vec<Change>,
}

impl ListedTx {
    pub fn wrap(inner: Box<dyn Tx>, listing: Arc<Listing>) -> Box<dyn Tx> {
        Box::new(ListedTx {
            inner,
            listing,
            changes: Vec::new(),
        })
    }

    /// Commits (flushed to disk or not, see [`Tx::commit_unsynced`]), then
    /// applies the changes. Commits that change the listing take turns, so
    /// it applies them in commit order.
    async fn finish(self, synced: bool) -> Result<(), StoreError> {
        let commit = if synced {
            self.inner.commit()
        } else {
            self.inner.commit_unsynced()
        };
        if self.changes.is_empty() {
            return commit.await;
        }
        let _turn = self.listing.commit_turn().await;
        commit.await?;
        self.listing.committed(self.changes);
        Ok(())
    }
}

/// The change a score row makes.
fn score_change(r: &ScoreRow) -> Change {
    Change::score(
        r.model_version,
        &r.lead_id,
        r.total,
        &r.stage,
        &r.cell,
        r.hot,
    )
}

/// The change a lead row makes.
fn lead_change(r: &LeadRow) -> Change {
    Change::lead(
        &r.id,
        r.name.as_deref(),
        r.email.as_deref(),
        r.account.as_deref(),
        r.owner.as_deref(),
    )
}

#[async_trait]
impl Tx for ListedTx {
    async fn insert_events(&mut self, events: &[NewEvent]) -> Result<Vec<bool>, StoreError> {
        self.inner.insert_events(events).await
    }

    async fn insert_event_groups(
        &mut self,
        groups: &[&[NewEvent]],
    ) -> Result<Vec<Vec<bool>>, StoreError> {
        self.inner.insert_event_groups(groups).await
    }

    async fn events_of(&mut self, identities: &[String]) -> Result<Vec<EventRow>, StoreError> {
        self.inner.events_of(identities).await
    }

    async fn upsert_leads(&mut self, leads: &[LeadRow]) -> Result<(), StoreError> {
        self.inner.upsert_leads(leads).await?;
        self.changes.extend(leads.iter().map(lead_change));
        Ok(())
    }

    async fn link_identities(&mut self, links: &[(String, String)]) -> Result<(), StoreError> {
        self.inner.link_identities(links).await
    }

    async fn merge_lead(&mut self, from: &str, into: &str) -> Result<(), StoreError> {
        self.inner.merge_lead(from, into).await?;
        self.changes.push(Change::RemoveLead(SmolStr::new(from)));
        Ok(())
    }

    async fn erase_lead(&mut self, lead_id: &str) -> Result<u64, StoreError> {
        let events = self.inner.erase_lead(lead_id).await?;
        self.changes.push(Change::RemoveLead(SmolStr::new(lead_id)));
        Ok(events)
    }

    async fn upsert_account(&mut self, row: &AccountRow) -> Result<(), StoreError> {
        self.inner.upsert_account(row).await
    }

    async fn put_scores(&mut self, rows: &[ScoreRow]) -> Result<(), StoreError> {
        self.inner.put_scores(rows).await?;
        self.changes.extend(rows.iter().map(score_change));
        Ok(())
    }

    async fn put_account_scores(&mut self, rows: &[AccountScoreRow]) -> Result<(), StoreError> {
        self.inner.put_account_scores(rows).await
    }

    async fn add_history(&mut self, rows: &[HistoryRow]) -> Result<(), StoreError> {
        self.inner.add_history(rows).await
    }

    async fn mark_applied(&mut self) -> Result<i64, StoreError> {
        self.inner.mark_applied().await
    }

    async fn mark_applied_through(&mut self, seq: i64) -> Result<(), StoreError> {
        self.inner.mark_applied_through(seq).await
    }

    async fn activate_model(&mut self, version: i64) -> Result<(), StoreError> {
        self.inner.activate_model(version).await?;
        self.changes.push(Change::KeepOnly(version));
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
impl HandoffTx for ListedTx {
    async fn put_trigger_states(&mut self, rows: &[TriggerStateRow]) -> Result<(), StoreError> {
        self.inner.put_trigger_states(rows).await
    }

    async fn clear_trigger_states(&mut self, keys: &[(String, String)]) -> Result<(), StoreError> {
        self.inner.clear_trigger_states(keys).await
    }

    async fn put_counters(&mut self, rows: &[(String, i64)]) -> Result<(), StoreError> {
        self.inner.put_counters(rows).await
    }

    async fn enqueue(&mut self, rows: &[NewDelivery]) -> Result<(), StoreError> {
        self.inner.enqueue(rows).await
    }

    async fn put_offers(&mut self, rows: &[OfferRow]) -> Result<(), StoreError> {
        self.inner.put_offers(rows).await
    }

    async fn add_feedback(&mut self, rows: &[FeedbackRow]) -> Result<(), StoreError> {
        self.inner.add_feedback(rows).await
    }
}
