//! Events projected for one model: each event reduced to the few things
//! that model reads (its time, which rules and aggregates its name meets,
//! its session and channel keys, and the values of the event slots), laid
//! out in a flat table.
//!
//! Full rescoring applies every stored event again; a projection made once
//! per model version (when events are stored, or before a rescoring pass)
//! lets that pass read 32 bytes per event in storage order instead of
//! walking each event's property list, matching keys and hashing the session
//! and channel. The slot values are dictionary-encoded: each row names one
//! entry of a table of the distinct combinations of dispatch target and slot
//! values ("combos"), as a column store keeps a dictionary of a column's
//! distinct values. Nothing about a rule's outcome is stored: a pass
//! evaluates every event condition on the values of each combo once
//! ([`Projection::outcomes`]), as a columnar engine evaluates a predicate on
//! a dictionary, and then applies each row by its combo's outcomes. The
//! gain depends on how few distinct values events carry (page paths, form
//! names, categories: few, next to the number of events); with all values
//! distinct a pass does what it did per row before, plus a table look-up.
//! [`LeadState::apply_row`] and [`LeadState::apply_row_with`] give exactly the
//! state [`LeadState::apply`] gives for the same event (tests here and in
//! `tests/incremental_equals_full.rs`).

use super::env::EventEnv;
use super::state::{LeadState, channel_key, session_key};
use crate::event::Event;
use crate::expr::{Env, Slot, TextHead};
use crate::model::{Dispatch, MAX_EVENT_SLOTS, MAX_HEAD_SLOTS, Model};
use crate::time::Timestamp;
use crate::value::Value;
use rustc_hash::FxHashMap;
use std::hash::{Hash, Hasher};

/// Combo target of an event that meets nothing (a bookkeeping message no
/// rule names).
const SKIP: u32 = u32::MAX;
/// Combo target of an event whose name no rule names.
const ANY: u32 = u32::MAX - 1;

/// One event as a model sees it: 32 bytes. Its dispatch target and slot
/// values are those of its combo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EventRow {
    t: Timestamp,
    /// Index into the projection's combos.
    combo: u32,
    /// Session key for distinct-session counts (0 when no aggregate needs it).
    session: u64,
    /// Channel key for distinct-channel counts (0 when no aggregate needs it).
    channel: u64,
}

/// Events projected for one model, in the order they were pushed.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    /// Event slots per combo: the model's event slot count.
    width: usize,
    rows: Vec<EventRow>,
    /// Per combo: index into `Model::dispatches`, or [`ANY`] or [`SKIP`].
    targets: Vec<u32>,
    /// `width` values per combo, combo after combo.
    values: Vec<Value>,
    /// Combos by the hash of their target and values (see [`combo_hash`]);
    /// equal hashes are told apart by comparing the values.
    index: FxHashMap<u64, Vec<u32>>,
}

/// One projected event, for [`LeadState::apply_row`].
#[derive(Debug, Clone, Copy)]
pub struct RowRef<'a> {
    row: &'a EventRow,
    target: u32,
    values: &'a [Value],
}

impl<'a> RowRef<'a> {
    /// When the event happened.
    pub fn timestamp(&self) -> Timestamp {
        self.row.t
    }
}

/// Whether two values are the same to the bit (numbers by their bits, so
/// `0.0` and `-0.0`, or two NaNs, are separate combos): conditions then
/// give a combo's values exactly what they give the event's own.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Num(x), Value::Num(y)) => x.to_bits() == y.to_bits(),
        (Value::Str(x), Value::Str(y)) => x == y,
        _ => false,
    }
}

/// The hash a combo is found under.
fn combo_hash<'v>(target: u32, values: impl Iterator<Item = &'v Value>) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    target.hash(&mut h);
    for v in values {
        match v {
            Value::Null => 0u8.hash(&mut h),
            Value::Bool(b) => (1u8, *b).hash(&mut h),
            Value::Num(n) => (2u8, n.to_bits()).hash(&mut h),
            Value::Str(s) => (3u8, s.as_str()).hash(&mut h),
        }
    }
    h.finish()
}

/// What an event condition pass found for each combo of a projection:
/// which of its dispatch's rules and aggregate lists its values pass.
/// Made at the start of every pass ([`Projection::outcomes`]), never kept
/// with the projection, so the outcomes are those of the model as it is.
#[derive(Debug, Clone, Default)]
pub struct Outcomes {
    per_combo: Vec<Passed>,
}

/// Bits over the positions in `Dispatch::rules` and `Dispatch::aggs`.
#[derive(Debug, Clone, Copy, Default)]
struct Passed {
    rules: u64,
    aggs: u64,
    /// More than 64 rules or lists: the conditions are evaluated per row.
    wide: bool,
}

impl Projection {
    /// An empty projection for `model`, with room for `events` rows.
    pub fn with_capacity(model: &Model, events: usize) -> Projection {
        Projection {
            width: model.event_slots.len(),
            rows: Vec::with_capacity(events),
            ..Projection::default()
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Number of distinct combinations of dispatch target and slot values.
    pub fn combos(&self) -> usize {
        self.targets.len()
    }

    /// Projects `event` for `model` (the model the projection was made for)
    /// and adds it as the last row.
    pub fn push(&mut self, model: &Model, event: &Event) {
        let found = model.dispatch_of(event);
        let (target, d) = match found {
            Some(i) => (i, &model.dispatches[i as usize]),
            None if event.is_identity() => (SKIP, &model.dispatch_any),
            None => (ANY, &model.dispatch_any),
        };
        let env = EventEnv::new(model, event, &[]);
        let live = target != SKIP;
        let session = if live && d.needs_session {
            session_key(event, &env)
        } else {
            0
        };
        let channel = if live && d.needs_channel {
            channel_key(&env)
        } else {
            0
        };
        // Exactly what the event's own environment gives each slot.
        let slot = |s: usize| env.get(Slot(s as u32));
        let width = self.width;
        let hash = combo_hash(target, (0..width).map(slot));
        let candidates = self.index.entry(hash).or_default();
        let known = candidates.iter().copied().find(|&c| {
            let c = c as usize;
            self.targets[c] == target
                && self.values[c * width..(c + 1) * width]
                    .iter()
                    .enumerate()
                    .all(|(s, v)| same(v, slot(s)))
        });
        let combo = match known {
            Some(c) => c,
            None => {
                let c = self.targets.len() as u32;
                self.targets.push(target);
                self.values.extend((0..width).map(|s| slot(s).clone()));
                candidates.push(c);
                c
            }
        };
        self.rows.push(EventRow {
            t: event.timestamp,
            combo,
            session,
            channel,
        });
    }

    /// Row `i`.
    #[inline]
    pub fn row(&self, i: usize) -> RowRef<'_> {
        let row = &self.rows[i];
        let c = row.combo as usize;
        RowRef {
            row,
            target: self.targets[c],
            values: self.combo_values(c),
        }
    }

    /// The slot values of combo `c`.
    #[inline]
    fn combo_values(&self, c: usize) -> &[Value] {
        &self.values[c * self.width..(c + 1) * self.width]
    }

    /// Evaluates the event conditions of `model` (the model the projection
    /// was made for) once per combo, for [`LeadState::apply_row_with`].
    pub fn outcomes(&self, model: &Model) -> Outcomes {
        let per_combo = (0..self.targets.len())
            .map(|c| {
                let Some(d) = dispatch_of(model, self.targets[c]) else {
                    return Passed::default();
                };
                if d.rules.len() > 64 || d.aggs.len() > 64 {
                    return Passed {
                        wide: true,
                        ..Passed::default()
                    };
                }
                let env = RowEnv::new(model, self.combo_values(c), &d.heads);
                let mut passed = Passed::default();
                for (bit, &i) in d.rules.iter().enumerate() {
                    let rule = &model.engagement[i as usize];
                    if rule.when.is_always() || rule.when.eval(&env) {
                        passed.rules |= 1 << bit;
                    }
                }
                for (bit, &i) in d.aggs.iter().enumerate() {
                    let list = &model.agg_lists[i as usize];
                    if list.when.is_always() || list.when.eval(&env) {
                        passed.aggs |= 1 << bit;
                    }
                }
                passed
            })
            .collect();
        Outcomes { per_combo }
    }
}

/// The dispatch a combo's target names; `None` for an event that meets nothing.
#[inline]
fn dispatch_of(model: &Model, target: u32) -> Option<&Dispatch> {
    match target {
        SKIP => None,
        ANY => Some(&model.dispatch_any),
        i => Some(&model.dispatches[i as usize]),
    }
}

/// A projected event as event conditions see it: slot values by position,
/// and the prepared heads of the slots the event's conditions test.
struct RowEnv<'a> {
    values: &'a [Value],
    heads: [TextHead; MAX_HEAD_SLOTS],
    head_of: &'a [u8; MAX_EVENT_SLOTS],
}

impl<'a> RowEnv<'a> {
    /// Prepares the heads of `heads` (as `EventEnv::new` does) from the row.
    #[inline]
    fn new(model: &'a Model, values: &'a [Value], heads: &[u32]) -> RowEnv<'a> {
        let mut prepared = [TextHead::UNKNOWN; MAX_HEAD_SLOTS];
        for &slot in heads {
            if let Some(cell) = prepared.get_mut(usize::from(model.head_of[slot as usize])) {
                *cell = TextHead::of(&values[slot as usize]);
            }
        }
        RowEnv {
            values,
            heads: prepared,
            head_of: &model.head_of,
        }
    }
}

impl Env for RowEnv<'_> {
    #[inline(always)]
    fn get(&self, slot: Slot) -> &Value {
        // Every slot the model's conditions use is below its slot count.
        &self.values[slot.0 as usize]
    }

    #[inline(always)]
    fn head(&self, slot: Slot) -> TextHead {
        match self.head_of[slot.0 as usize] {
            u8::MAX => TextHead::UNKNOWN,
            i => self.heads[usize::from(i)],
        }
    }
}

impl LeadState {
    /// Applies one projected event: the same as [`LeadState::apply`] on the
    /// event it was projected from, for the model it was projected for.
    #[inline]
    pub fn apply_row(&mut self, model: &Model, row: RowRef<'_>) {
        let r = row.row;
        self.insert_time(r.t);
        let Some(d) = dispatch_of(model, row.target) else {
            return;
        };
        if d.rules.is_empty() && d.aggs.is_empty() {
            return;
        }
        let env = RowEnv::new(model, row.values, &d.heads);
        self.record(model, d, &env, r.t, r.session, r.channel, false);
    }

    /// [`LeadState::apply_row`] with the event conditions already evaluated
    /// for the row's combo (`outcomes`, from [`Projection::outcomes`] on the
    /// row's projection): gives the same state without evaluating them again.
    #[inline]
    pub fn apply_row_with(&mut self, model: &Model, row: RowRef<'_>, outcomes: &Outcomes) {
        let r = row.row;
        let passed = outcomes.per_combo[r.combo as usize];
        if passed.wide {
            return self.apply_row(model, row);
        }
        self.insert_time(r.t);
        let Some(d) = dispatch_of(model, row.target) else {
            return;
        };
        self.record_passed(
            model,
            d,
            r.t,
            r.session,
            r.channel,
            passed.rules,
            passed.aggs,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"
[model]
name = "p"
version = "1"

[[engagement]]
name = "pricing"
event = "page"
when = 'path starts_with "/pricing" and channel == "web"'
points = 2
limit = "1/day"

[[engagement]]
name = "any"
event = "*"
when = 'event != "x"'
points = 1

[[aggregates]]
name = "s"
kind = "sessions"
window = "7d"

[[aggregates]]
name = "c"
kind = "channels"
window = "7d"
"#;

    #[test]
    fn rows_give_the_state_events_give() {
        let model = Model::from_toml(MODEL).unwrap();
        let mut events = Vec::new();
        for i in 0..40i64 {
            let name = ["page", "Email Opened", "identify", "x"][(i % 4) as usize];
            let mut e = Event::track(&format!("m{i}"), "l", name, Timestamp(i * 3_600_000));
            if name == "identify" {
                e.kind = crate::event::EventKind::Identify;
            }
            e.properties.set(
                "path",
                Value::from(["/pricing/x", "/", "/PRICING"][(i % 3) as usize]),
            );
            if i % 5 == 0 {
                e.properties.set("session_id", Value::Num(i as f64));
            }
            if i % 7 == 0 {
                e.properties.set("channel", Value::from("ads"));
            }
            events.push(e);
        }
        let mut p = Projection::with_capacity(&model, events.len());
        let mut by_event = LeadState::new(&model);
        for e in &events {
            p.push(&model, e);
            by_event.apply(&model, e);
        }
        let mut by_row = LeadState::new(&model);
        for i in 0..p.len() {
            by_row.apply_row(&model, p.row(i));
        }
        assert_eq!(by_row, by_event);
        assert!(by_row.rules[0].kept.len() > 1);
        let outcomes = p.outcomes(&model);
        let mut by_outcome = LeadState::new(&model);
        for i in 0..p.len() {
            by_outcome.apply_row_with(&model, p.row(i), &outcomes);
        }
        assert_eq!(by_outcome, by_event);
        // Few distinct values: far fewer combos than rows.
        assert!(p.combos() < p.len() / 2, "{} combos", p.combos());
    }
}
