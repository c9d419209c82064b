//! A live ranking of leads by total score that stays right as time passes.
//!
//! Each lead is stored with its total and its review time (see
//! [`crate::model::Model::next_review`]). Reading the ranking at time `now`
//! first re-scores only the leads whose review time has passed; every other
//! stored total is still within the review tolerance of its exact value.

use crate::time::Timestamp;
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// A total ordered highest first, with a total order over floats: the
/// sort key of every ranked list.
#[derive(Debug, Clone, Copy)]
pub struct Desc(pub f64);

impl PartialEq for Desc {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Desc {}
impl PartialOrd for Desc {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Desc {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0)
    }
}

/// Leads ordered by total, hottest first, with their review times.
#[derive(Debug, Clone, Default)]
pub struct Ranking {
    entries: Vec<Option<(f64, Option<Timestamp>)>>,
    by_total: BTreeSet<(Desc, u32)>,
    by_review: BTreeSet<(Timestamp, u32)>,
}

impl Ranking {
    /// An empty ranking.
    pub fn new() -> Ranking {
        Ranking::default()
    }

    /// Sets a lead's total and review time, replacing what it had.
    pub fn upsert(&mut self, lead: u32, total: f64, review_at: Option<Timestamp>) {
        self.remove(lead);
        let i = lead as usize;
        if self.entries.len() <= i {
            self.entries.resize(i + 1, None);
        }
        self.entries[i] = Some((total, review_at));
        self.by_total.insert((Desc(total), lead));
        if let Some(t) = review_at {
            self.by_review.insert((t, lead));
        }
    }

    /// Removes a lead.
    pub fn remove(&mut self, lead: u32) {
        if let Some(slot) = self.entries.get_mut(lead as usize)
            && let Some((total, review)) = slot.take()
        {
            self.by_total.remove(&(Desc(total), lead));
            if let Some(t) = review {
                self.by_review.remove(&(t, lead));
            }
        }
    }

    /// Leads whose review time is at or before `now`: re-score these, then
    /// [`Ranking::upsert`] them, before reading the ranking at `now`.
    pub fn due(&self, now: Timestamp) -> Vec<u32> {
        self.by_review
            .range(..=(now, u32::MAX))
            .map(|(_, lead)| *lead)
            .collect()
    }

    /// The `n` highest totals, hottest first (ties by lead number).
    pub fn top(&self, n: usize) -> Vec<(u32, f64)> {
        self.by_total
            .iter()
            .take(n)
            .map(|(t, lead)| (*lead, t.0))
            .collect()
    }

    /// A lead's stored total.
    pub fn total(&self, lead: u32) -> Option<f64> {
        self.entries
            .get(lead as usize)
            .copied()
            .flatten()
            .map(|(t, _)| t)
    }

    /// Number of leads.
    pub fn len(&self) -> usize {
        self.by_total.len()
    }

    /// Whether there are no leads.
    pub fn is_empty(&self) -> bool {
        self.by_total.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_total_and_finds_due_reviews() {
        let mut r = Ranking::new();
        r.upsert(0, 10.0, Some(Timestamp(50)));
        r.upsert(1, 30.0, None);
        r.upsert(2, 20.0, Some(Timestamp(10)));
        assert_eq!(r.top(2), vec![(1, 30.0), (2, 20.0)]);
        assert_eq!(r.due(Timestamp(10)), vec![2]);
        assert_eq!(r.due(Timestamp(60)), vec![2, 0]);
        r.upsert(2, 5.0, Some(Timestamp(100)));
        assert_eq!(r.top(3), vec![(1, 30.0), (0, 10.0), (2, 5.0)]);
        assert_eq!(r.due(Timestamp(60)), vec![0]);
        r.remove(1);
        assert_eq!(r.len(), 2);
        assert_eq!(r.total(1), None);
    }
}
