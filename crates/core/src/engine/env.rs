//! Evaluation environments: how compiled conditions read an event or a lead.

use crate::event::Event;
use crate::expr::{Env, Slot};
use crate::model::Model;
use crate::value::Value;
use smol_str::SmolStr;

/// An event as seen by event conditions.
///
/// Property slots read straight from the event; only `event` and `channel`,
/// which are not stored as properties, are materialised, and only when the
/// model uses them.
pub struct EventEnv<'a> {
    event: &'a Event,
    keys: &'a [SmolStr],
    name: Value,
    channel: Value,
}

impl<'a> EventEnv<'a> {
    /// Prepares `event` for the model's event conditions.
    #[inline]
    pub fn new(model: &'a Model, event: &'a Event) -> EventEnv<'a> {
        let keys = model.event_slots.as_slice();
        let uses = |k: &str| keys.iter().any(|x| x == k);
        let name = if uses(crate::model::EVENT_NAME_KEY) {
            Value::Str(event.name.clone())
        } else {
            Value::Null
        };
        let channel = if uses(crate::model::EVENT_CHANNEL_KEY) {
            Value::Str(event.channel().into())
        } else {
            Value::Null
        };
        EventEnv {
            event,
            keys,
            name,
            channel,
        }
    }
}

impl Env for EventEnv<'_> {
    #[inline]
    fn get(&self, slot: Slot) -> &Value {
        let key = self.keys[slot.0 as usize].as_str();
        match key {
            crate::model::EVENT_NAME_KEY => &self.name,
            crate::model::EVENT_CHANNEL_KEY => &self.channel,
            _ => self.event.properties.get(key),
        }
    }
}
