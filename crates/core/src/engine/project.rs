//! Events projected for one model: each event reduced to the few things
//! that model reads (its time, which rules and aggregates its name meets,
//! its session and channel keys, and the values of the event slots), laid
//! out in a flat table.
//!
//! Full rescoring applies every stored event again; a projection made once
//! per model version (when events are stored, or before a rescoring pass)
//! lets that pass read about a hundred bytes per event in storage order
//! instead of walking each event's property list, matching keys and hashing
//! the session and channel. Event conditions are still evaluated on the
//! projected values at every pass: nothing about a rule's outcome is stored.
//! [`LeadState::apply_row`] gives exactly the state [`LeadState::apply`]
//! gives for the same event (tests here and in
//! `tests/incremental_equals_full.rs`).

use super::env::EventEnv;
use super::state::{LeadState, channel_key, session_key};
use crate::event::Event;
use crate::expr::{Env, Slot, TextHead};
use crate::model::{Dispatch, MAX_EVENT_SLOTS, MAX_HEAD_SLOTS, Model};
use crate::time::Timestamp;
use crate::value::Value;

/// `EventRow::target` of an event that meets nothing (a bookkeeping
/// message no rule names).
const SKIP: u32 = u32::MAX;
/// `EventRow::target` of an event whose name no rule names.
const ANY: u32 = u32::MAX - 1;

/// One event as a model sees it. The slot values are kept beside it in
/// [`Projection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EventRow {
    t: Timestamp,
    /// Index into `Model::dispatches`, or [`ANY`] or [`SKIP`].
    target: u32,
    /// Session key for distinct-session counts (0 when no aggregate needs it).
    session: u64,
    /// Channel key for distinct-channel counts (0 when no aggregate needs it).
    channel: u64,
}

/// Events projected for one model, in the order they were pushed.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    /// Event slots per row: the model's event slot count.
    width: usize,
    rows: Vec<EventRow>,
    /// `width` values per row, row after row.
    values: Vec<Value>,
}

/// One projected event, for [`LeadState::apply_row`].
#[derive(Debug, Clone, Copy)]
pub struct RowRef<'a> {
    row: &'a EventRow,
    values: &'a [Value],
}

impl<'a> RowRef<'a> {
    /// When the event happened.
    pub fn timestamp(&self) -> Timestamp {
        self.row.t
    }
}

impl Projection {
    /// An empty projection for `model`, with room for `events` rows.
    pub fn with_capacity(model: &Model, events: usize) -> Projection {
        let width = model.event_slots.len();
        Projection {
            width,
            rows: Vec::with_capacity(events),
            values: Vec::with_capacity(events * width),
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
        self.rows.push(EventRow {
            t: event.timestamp,
            target,
            session,
            channel,
        });
        // Exactly what the event's own environment gives each slot.
        self.values
            .extend((0..self.width as u32).map(|s| env.get(Slot(s)).clone()));
    }

    /// Row `i`.
    #[inline]
    pub fn row(&self, i: usize) -> RowRef<'_> {
        RowRef {
            row: &self.rows[i],
            values: &self.values[i * self.width..(i + 1) * self.width],
        }
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
        let d: &Dispatch = match r.target {
            SKIP => return,
            ANY => &model.dispatch_any,
            i => &model.dispatches[i as usize],
        };
        if d.rules.is_empty() && d.aggs.is_empty() {
            return;
        }
        let env = RowEnv::new(model, row.values, &d.heads);
        self.record(model, d, &env, r.t, r.session, r.channel, false);
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
    }
}
