//! When a score must be looked at again: the bound that lets a ranking stay
//! right as points decay, without recomputing every lead on every read.
//!
//! A score computed at `as_of` stays within `tolerance` points of the exact
//! score until its review time, and every window-based value (aggregates,
//! linear decay expiring, `days_since_activity`) is exact until then. So a
//! ranking that re-scores only the leads whose review time has passed is as
//! good as a full recompute, within `tolerance`.

use super::evaluate::rule_detail;
use super::result::LeadScore;
use super::state::LeadState;
use crate::model::{Decay, LeadSlot, Model};
use crate::time::{DAY_MS, Timestamp};

impl Model {
    /// The earliest time after `score.as_of` at which the lead's score may
    /// have moved by more than `tolerance` points, or a windowed value may
    /// change. `None` means the score never changes without new events.
    pub fn next_review(
        &self,
        state: &LeadState,
        score: &LeadScore,
        tolerance: f64,
    ) -> Option<Timestamp> {
        let as_of = score.as_of;
        let mut next: Option<i64> = None;
        let mut at = |t: i64| {
            if t > as_of.0 {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };

        // Points fading: bound the total rate of change (points per ms).
        // Exponential decay of D points loses at most D·ln2/h per ms; a
        // linear hit loses points/W per ms until it expires.
        let mut rate = 0.0;
        for (rule, hits) in self.engagement.iter().zip(&state.rules) {
            let n = hits.kept.partition_point(|h| h.t <= as_of);
            if n == 0 {
                continue;
            }
            match rule.decay {
                Decay::None => {}
                Decay::HalfLife(h) => {
                    let d = rule_detail(rule, hits, as_of);
                    match rule.cap {
                        // A capped rule holds still until its points decay to the cap.
                        Some(cap) if d.decayed.abs() > cap => {
                            at(as_of.0
                                + (h.0 as f64 * (d.decayed.abs() / cap).log2()).ceil() as i64);
                        }
                        _ => rate += d.decayed.abs() * std::f64::consts::LN_2 / h.0 as f64,
                    }
                }
                Decay::Linear(w) => {
                    for hit in &hits.kept[..n] {
                        let end = hit.t.0 + w.0;
                        if end > as_of.0 {
                            rate += rule.points.abs() / w.0 as f64;
                            at(end);
                        }
                    }
                }
            }
        }
        if rate > 0.0 {
            at(as_of.0 + ((tolerance / rate).floor() as i64).max(1));
        }

        // Windows: a value changes when its oldest hit inside the window
        // leaves it.
        for (agg, list) in self.aggregates.iter().zip(&self.agg_list_of) {
            let hits = &state.aggregates[*list as usize];
            let start = as_of.0.saturating_sub(agg.window.0);
            let lo = hits.partition_point(|h| h.hit.t.0 <= start);
            if let Some(h) = hits.get(lo).filter(|h| h.hit.t <= as_of) {
                at(h.hit.t.0 + agg.window.0);
            }
        }

        // Whole days since the last event tick over once a day.
        if let Some(last) = score.last_activity
            && self.lead_slots.contains(&LeadSlot::DaysSinceActivity)
        {
            let days = as_of.since(last).div_euclid(DAY_MS);
            at(last.0 + (days + 1) * DAY_MS);
        }
        next.map(Timestamp)
    }
}
