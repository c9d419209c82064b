//! A lead's scoring state: the canonical record of which events count for
//! which rule, built one event at a time.
//!
//! The state depends only on the *set* of events applied, never on their
//! arrival order: hits are kept sorted by (time, tie-break), and frequency
//! limits always keep the earliest events of a period. So applying events
//! one by one, in any order, gives the same state as a full rebuild, and the
//! same state gives bit-identical scores.

use super::env::EventEnv;
use crate::event::Event;
use crate::model::{Limit, Model};
use crate::time::Timestamp;
use std::hash::{BuildHasher, Hash};

/// One event counted by a rule, ordered by time then by a hash of its
/// message id so that events at the same millisecond still have a fixed order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hit {
    /// When the event happened.
    pub t: Timestamp,
    /// Tie-break: hash of the message id.
    pub tie: u64,
}

/// One event seen by an aggregate, with what distinct-counting needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct AggHit {
    /// When and which event.
    pub hit: Hit,
    /// Hash of the session id.
    pub session: u64,
    /// Hash of the channel.
    pub channel: u64,
}

/// The events an engagement rule counts, and those its frequency limit dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleHits {
    /// Counted events, sorted.
    pub kept: Vec<Hit>,
    /// Matching events beyond the frequency limit, sorted.
    pub limited: Vec<Hit>,
}

/// Everything the engine keeps about one lead's events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadState {
    /// Per engagement rule, in model order.
    pub rules: Vec<RuleHits>,
    /// Per aggregate, in model order; sorted.
    pub aggregates: Vec<Vec<AggHit>>,
    /// Times of all events applied, sorted.
    pub times: Vec<Timestamp>,
}

/// A fixed hasher: tie-breaks and distinct counts must not change between
/// runs or machines, which rules out std's randomly seeded hasher.
fn stable_hash<T: Hash + ?Sized>(v: &T) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(v)
}

/// Inserts keeping `v` sorted; events mostly arrive in time order, so the
/// common case is a push.
#[inline]
fn insert_sorted<T: Ord + Copy>(v: &mut Vec<T>, x: T) -> usize {
    match v.last() {
        Some(last) if *last > x => {
            let at = v.partition_point(|e| *e <= x);
            v.insert(at, x);
            at
        }
        _ => {
            v.push(x);
            v.len() - 1
        }
    }
}

impl LeadState {
    /// An empty state shaped for `model`.
    pub fn new(model: &Model) -> LeadState {
        let mut s = LeadState::default();
        s.reset(model);
        s
    }

    /// Empties the state for reuse, keeping its allocations.
    pub fn reset(&mut self, model: &Model) {
        self.rules
            .resize_with(model.engagement.len(), RuleHits::default);
        self.aggregates
            .resize_with(model.aggregates.len(), Vec::new);
        for r in &mut self.rules {
            r.kept.clear();
            r.limited.clear();
        }
        for a in &mut self.aggregates {
            a.clear();
        }
        self.times.clear();
    }

    /// Number of events applied.
    pub fn event_count(&self) -> usize {
        self.times.len()
    }

    /// The time of the latest event at or before `as_of`.
    pub fn last_activity(&self, as_of: Timestamp) -> Option<Timestamp> {
        let n = self.times.partition_point(|t| *t <= as_of);
        n.checked_sub(1).map(|i| self.times[i])
    }

    /// Applies one event. The caller makes sure each event is applied once
    /// (ingestion deduplicates by message id).
    pub fn apply(&mut self, model: &Model, event: &Event) {
        let hit = Hit {
            t: event.timestamp,
            tie: stable_hash(event.message_id.as_str()),
        };
        insert_sorted(&mut self.times, event.timestamp);
        let env = EventEnv::new(model, event);
        let rules = model
            .rules_by_event
            .get(event.name.as_str())
            .unwrap_or(&model.rules_any_event);
        for &i in rules {
            let rule = &model.engagement[i as usize];
            if rule.when.eval(&env) {
                add_limited(&mut self.rules[i as usize], hit, rule.limit);
            }
        }
        let aggs = model
            .aggs_by_event
            .get(event.name.as_str())
            .unwrap_or(&model.aggs_any_event);
        if aggs.is_empty() {
            return;
        }
        let mut keys = None;
        for &i in aggs {
            if model.aggregates[i as usize].when.eval(&env) {
                let (session, channel) = *keys.get_or_insert_with(|| session_and_channel(event));
                insert_sorted(
                    &mut self.aggregates[i as usize],
                    AggHit {
                        hit,
                        session,
                        channel,
                    },
                );
            }
        }
    }
}

fn session_and_channel(event: &Event) -> (u64, u64) {
    let session = match event.session() {
        Some(s) => stable_hash(s),
        // Without a session id, one visitor's activity on one day is one session.
        None => {
            let who = event
                .user_id
                .as_deref()
                .or(event.anonymous_id.as_deref())
                .unwrap_or("");
            stable_hash(&(who, event.timestamp.day()))
        }
    };
    (session, stable_hash(event.channel()))
}

/// Records a hit under a frequency limit, keeping the earliest events of
/// each period so the outcome does not depend on arrival order.
fn add_limited(r: &mut RuleHits, hit: Hit, limit: Limit) {
    let (bucket_of, n): (fn(Timestamp) -> i64, usize) = match limit {
        Limit::None => {
            insert_sorted(&mut r.kept, hit);
            return;
        }
        Limit::Once => (|_| 0, 1),
        Limit::PerDay(n) => (Timestamp::day, n as usize),
        Limit::PerWeek(n) => (Timestamp::week, n as usize),
    };
    let at = insert_sorted(&mut r.kept, hit);
    let bucket = bucket_of(hit.t);
    let start = r.kept[..at].partition_point(|h| bucket_of(h.t) < bucket);
    let end = at + r.kept[at..].partition_point(|h| bucket_of(h.t) == bucket);
    if end - start > n {
        let dropped = r.kept.remove(end - 1);
        insert_sorted(&mut r.limited, dropped);
    }
}
