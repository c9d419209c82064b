//! Evaluation environments: how compiled conditions read an event or a lead.

use crate::event::{Event, SESSION_KEYS};
use crate::expr::{Env, Slot, TextHead};
use crate::model::{EventKey, KeyUse, MAX_EVENT_SLOTS, MAX_HEAD_SLOTS, Model};
use crate::value::Value;

static NULL: Value = Value::Null;

/// The channel of `event`, whose `channel` property (if any) is at `at`.
fn channel_name(event: &Event, at: u8) -> &str {
    match (at != MISSING).then(|| &event.properties.0[usize::from(at)].1) {
        Some(Value::Str(s)) => s,
        _ => event.inferred_channel(),
    }
}

/// Where an event slot's value is: a property position, or a marker.
const MISSING: u8 = u8::MAX;
const NAME: u8 = u8::MAX - 1;
const CHANNEL: u8 = u8::MAX - 2;

/// An event as seen by event conditions and aggregates.
///
/// Every slot, and the session and channel properties, are located once in
/// one pass over the event's properties (see `KeyMatcher`), so a property
/// read by several conditions is looked up once; conditions then read by
/// position. `event`
/// and `channel`, which are not stored as properties, are materialised only
/// when the model uses them.
pub struct EventEnv<'a> {
    event: &'a Event,
    at: [u8; MAX_EVENT_SLOTS],
    /// The prepared text of some slots, and where each slot's is (`Model::head_of`).
    heads: [TextHead; MAX_HEAD_SLOTS],
    head_of: &'a [u8; MAX_EVENT_SLOTS],
    session_at: [u8; SESSION_KEYS.len()],
    channel_at: u8,
    name: Value,
    channel: Value,
}

/// The slot table of an event before its properties are located, built
/// once per model so that each event starts from a copy.
pub(crate) fn event_slot_template(keys: &[EventKey]) -> [u8; MAX_EVENT_SLOTS] {
    let mut at = [MISSING; MAX_EVENT_SLOTS];
    for (slot, key) in at.iter_mut().zip(keys) {
        *slot = match key {
            EventKey::Name => NAME,
            EventKey::Channel => CHANNEL,
            EventKey::Prop(_) => MISSING,
        };
    }
    at
}

impl<'a> EventEnv<'a> {
    /// Prepares `event` for the model's event conditions; the text of the
    /// slots in `heads` (prepared slots, see `Model::head_of`) is prepared for
    /// the conditions that test it.
    ///
    /// Every part is computed first and the environment built last, in one
    /// piece: built early and filled in, the environment (over 128 bytes) was
    /// copied out with a call to `memcpy` at every event.
    #[inline]
    pub fn new(model: &'a Model, event: &'a Event, heads: &[u32]) -> EventEnv<'a> {
        let mut at = model.event_at_init;
        let mut session_at = [MISSING; SESSION_KEYS.len()];
        let mut channel_at = MISSING;
        for (pos, (k, _)) in event
            .properties
            .0
            .iter()
            .enumerate()
            .take(usize::from(CHANNEL))
        {
            let pos = pos as u8;
            let mut note = |found: KeyUse| {
                let cell = match found {
                    KeyUse::Slot(i) => &mut at[usize::from(i)],
                    KeyUse::Session(i) => &mut session_at[usize::from(i)],
                    KeyUse::Channel => &mut channel_at,
                };
                // The first property with a key wins, as in `Props::get`.
                if *cell == MISSING {
                    *cell = pos;
                }
            };
            match model.key_matcher.known(k) {
                Some(uses) => uses.into_iter().flatten().for_each(&mut note),
                None => model.key_matcher.find(k).for_each(&mut note),
            }
        }
        let (needs_name, needs_channel) = model.event_needs;
        let name = if needs_name {
            Value::Str(event.name.clone())
        } else {
            Value::Null
        };
        let channel = if needs_channel {
            Value::Str(channel_name(event, channel_at).into())
        } else {
            Value::Null
        };
        let mut prepared = [TextHead::UNKNOWN; MAX_HEAD_SLOTS];
        for &slot in heads {
            let v = match at[slot as usize] {
                MISSING => &NULL,
                NAME => &name,
                CHANNEL => &channel,
                pos => &event.properties.0[usize::from(pos)].1,
            };
            if let Some(cell) = prepared.get_mut(usize::from(model.head_of[slot as usize])) {
                *cell = TextHead::of(v);
            }
        }
        EventEnv {
            event,
            at,
            heads: prepared,
            head_of: &model.head_of,
            session_at,
            channel_at,
            name,
            channel,
        }
    }

    #[inline(always)]
    fn prop(&self, pos: u8) -> &'a Value {
        &self.event.properties.0[usize::from(pos)].1
    }

    /// Same as [`Event::session`], from the positions found in the scan.
    pub fn session(&self) -> Option<&'a Value> {
        self.session_at
            .iter()
            .filter(|p| **p != MISSING)
            .map(|p| self.prop(*p))
            .find(|v| crate::event::is_session_id(v))
    }

    /// Same as [`Event::channel`], from the positions found in the scan.
    pub fn channel_name(&self) -> &'a str {
        channel_name(self.event, self.channel_at)
    }
}

impl Env for EventEnv<'_> {
    #[inline(always)]
    fn get(&self, slot: Slot) -> &Value {
        match self.at[slot.0 as usize] {
            MISSING => &NULL,
            NAME => &self.name,
            CHANNEL => &self.channel,
            pos => self.prop(pos),
        }
    }

    #[inline(always)]
    fn head(&self, slot: Slot) -> TextHead {
        match self.head_of[slot.0 as usize] {
            u8::MAX => TextHead::UNKNOWN,
            i => self.heads[usize::from(i)],
        }
    }
}
