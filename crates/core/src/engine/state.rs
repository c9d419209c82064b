//! A lead's scoring state: the canonical record of which events count for
//! which rule, built one event at a time.
//!
//! The state depends only on the *set* of events applied, never on their
//! arrival order: hits are kept sorted by time, and frequency
//! limits always keep the earliest events of a period. So applying events
//! one by one, in any order, gives the same state as a full rebuild, and the
//! same state gives bit-identical scores.

use super::env::EventEnv;
use crate::event::Event;
use crate::expr::Env;
use crate::model::{Dispatch, Limit, Model};
use crate::time::{DAY_MS, Timestamp};
use crate::value::Value;
use std::hash::{BuildHasher, Hash};

/// One event counted by a rule. Only its time matters: two events at the
/// same millisecond score the same (same decay, same period), so a sorted
/// list of times is already canonical and needs no tie-break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hit {
    /// When the event happened.
    pub t: Timestamp,
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
    /// Per aggregate event list (aggregates looking at the same events share
    /// one); sorted.
    pub aggregates: Vec<Vec<AggHit>>,
    /// Times of all events applied, sorted.
    pub times: Vec<Timestamp>,
}

/// A fixed hasher: distinct counts must not change between runs or
/// machines, which rules out std's randomly seeded hasher.
fn stable_hash<T: Hash + ?Sized>(v: &T) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(v)
}

/// How many items of a list sorted by time are at or before `as_of`.
/// Scores are mostly read at the latest time, when that is the whole list:
/// one comparison instead of a binary search.
#[inline]
pub(crate) fn count_until<T>(
    sorted: &[T],
    as_of: Timestamp,
    time: impl Fn(&T) -> Timestamp,
) -> usize {
    match sorted.last() {
        Some(last) if time(last) <= as_of => sorted.len(),
        _ => sorted.partition_point(|x| time(x) <= as_of),
    }
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
        let n = count_until(&self.times, as_of, |t| *t);
        n.checked_sub(1).map(|i| self.times[i])
    }

    /// Applies one event. The caller makes sure each event is applied once
    /// (ingestion deduplicates by message id).
    pub fn apply(&mut self, model: &Model, event: &Event) {
        self.apply_parts(model, event, false);
    }

    /// Applies one event to the account aggregates only: what an account
    /// roll-up needs from a contact, at a fraction of the cost.
    pub fn apply_account_only(&mut self, model: &Model, event: &Event) {
        self.apply_parts(model, event, true);
    }

    fn apply_parts(&mut self, model: &Model, event: &Event, account_only: bool) {
        if !account_only {
            self.insert_time(event.timestamp);
        }
        let d = match model.dispatch_of(event) {
            Some(i) => &model.dispatches[i as usize],
            // Bookkeeping messages meet only the rules that name them.
            None if event.is_identity() => return,
            None => &model.dispatch_any,
        };
        if d.rules.is_empty() && d.aggs.is_empty() {
            return;
        }
        let env = EventEnv::new(model, event, &d.heads);
        let session = if d.needs_session {
            session_key(event, &env)
        } else {
            0
        };
        let channel = if d.needs_channel {
            channel_key(&env)
        } else {
            0
        };
        self.record(
            model,
            d,
            &env,
            event.timestamp,
            session,
            channel,
            account_only,
        );
    }

    /// Adds an event's time to the list of all event times.
    #[inline]
    pub(crate) fn insert_time(&mut self, t: Timestamp) {
        insert_sorted(&mut self.times, t);
    }

    /// Records an event that meets `d` in the rules and aggregate lists
    /// whose conditions it passes: the part of applying an event shared by
    /// events and projected rows (`super::project`).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record<E: Env>(
        &mut self,
        model: &Model,
        d: &Dispatch,
        env: &E,
        t: Timestamp,
        session: u64,
        channel: u64,
        account_only: bool,
    ) {
        let hit = Hit { t };
        if !account_only {
            for &i in &d.rules {
                let rule = &model.engagement[i as usize];
                if rule.when.is_always() || rule.when.eval(env) {
                    add_limited(&mut self.rules[i as usize], hit, rule.limit);
                }
            }
        }
        for &i in &d.aggs {
            let list = &model.agg_lists[i as usize];
            if (list.account || !account_only) && (list.when.is_always() || list.when.eval(env)) {
                self.add_agg_hit(i as usize, hit, session, channel);
            }
        }
    }

    /// Records a hit in aggregate list `i`, in time order.
    #[inline(always)]
    fn add_agg_hit(&mut self, i: usize, hit: Hit, session: u64, channel: u64) {
        insert_sorted(
            &mut self.aggregates[i],
            AggHit {
                hit,
                session,
                channel,
            },
        );
    }

    /// [`LeadState::record`] for an event whose conditions were evaluated
    /// already: `rules` and `aggs` are bits over the positions in
    /// `d.rules` and `d.aggs` of those it passes (see `super::project`).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record_passed(
        &mut self,
        model: &Model,
        d: &Dispatch,
        t: Timestamp,
        session: u64,
        channel: u64,
        mut rules: u64,
        mut aggs: u64,
    ) {
        let hit = Hit { t };
        while rules != 0 {
            let i = d.rules[rules.trailing_zeros() as usize] as usize;
            rules &= rules - 1;
            add_limited(&mut self.rules[i], hit, model.engagement[i].limit);
        }
        while aggs != 0 {
            let i = d.aggs[aggs.trailing_zeros() as usize] as usize;
            aggs &= aggs - 1;
            self.add_agg_hit(i, hit, session, channel);
        }
    }
}

/// The key an event's channel counts under in distinct-channel counts.
pub(crate) fn channel_key(env: &EventEnv<'_>) -> u64 {
    stable_hash(env.channel_name())
}

/// The session an event counts towards: its `session_id`, or without one,
/// one session per visitor per day.
pub(crate) fn session_key(event: &Event, env: &EventEnv<'_>) -> u64 {
    match env.session() {
        Some(Value::Str(s)) => stable_hash(s.as_str()),
        // Hashed as its text, so a number and the same digits as text agree.
        Some(v) => stable_hash(v.to_string().as_str()),
        None => {
            let who = event
                .user_id
                .as_deref()
                .or(event.anonymous_id.as_deref())
                .unwrap_or("");
            stable_hash(&(who, event.timestamp.day()))
        }
    }
}

/// Records a hit under a frequency limit, keeping the earliest events of
/// each period so the outcome does not depend on arrival order. Inlined
/// into the loops that record hits: the call cost about as much as the work.
#[inline(always)]
fn add_limited(r: &mut RuleHits, hit: Hit, limit: Limit) {
    match limit {
        Limit::None => {
            insert_sorted(&mut r.kept, hit);
        }
        Limit::Once => keep_first(r, hit, 1, |_| (i64::MIN, i64::MAX)),
        Limit::PerDay(n) => keep_first(r, hit, n as usize, |t| period(t.day(), 1)),
        // `Timestamp::week`: weeks start three days after a multiple of 7 days.
        Limit::PerWeek(n) => keep_first(r, hit, n as usize, |t| period(t.week() * 7 - 3, 7)),
    }
}

/// The first and last millisecond of the `days` days from day `first`,
/// clamped to the range of timestamps (computed wide so that periods at the
/// ends of that range do not overflow).
#[inline(always)]
fn period(first: i64, days: i64) -> (i64, i64) {
    let lo = i128::from(first) * i128::from(DAY_MS);
    let last = lo + i128::from(days * DAY_MS) - 1;
    let clamp = |x: i128| x.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    (clamp(lo), clamp(last))
}

/// Keeps at most `n` hits per period: `period` gives the first and last
/// millisecond of the period a time falls in. The
/// neighbours of a hit are compared with those bounds, which is cheaper
/// than working out each neighbour's period. Generic rather than taking a
/// function pointer, so that the bounds are computed inline.
#[inline(always)]
fn keep_first(r: &mut RuleHits, hit: Hit, n: usize, period_of: impl Fn(Timestamp) -> (i64, i64)) {
    let (first, last) = period_of(hit.t);
    let inside = |h: &&Hit| h.t.0 >= first && h.t.0 <= last;
    // In time order (the common case) the hit goes last: it is kept if its
    // period holds fewer than `n` hits so far, else it is limited, without
    // pushing it and taking it out again.
    if r.kept.last().is_none_or(|prev| prev.t <= hit.t) {
        let before = r.kept.iter().rev().take(n).take_while(inside).count();
        if before < n {
            r.kept.push(hit);
        } else {
            insert_sorted(&mut r.limited, hit);
        }
        return;
    }
    let at = insert_sorted(&mut r.kept, hit);
    // Hits of one period sit next to each other; there are at most n + 1.
    let start = at - r.kept[..at].iter().rev().take_while(inside).count();
    let end = at + 1 + r.kept[at + 1..].iter().take_while(inside).count();
    if end - start > n {
        let dropped = r.kept.remove(end - 1);
        insert_sorted(&mut r.limited, dropped);
    }
}
