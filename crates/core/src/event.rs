//! Behavioural events and lead profiles, the engine's two inputs.

use crate::email::{DomainCache, EmailMemo, EmailQuality};
use crate::engine::EMAIL_ATTRIBUTE;
use crate::time::Timestamp;
use crate::value::Value;
use smol_str::SmolStr;
use std::collections::BTreeMap;

/// The Segment message types leadscore understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// A named action (`Email Opened`, `Form Submitted`, ...).
    Track,
    /// A web page view.
    Page,
    /// A mobile app screen view.
    Screen,
    /// The visitor told us who they are; carries traits.
    Identify,
    /// The visitor belongs to an account (company); carries group traits.
    Group,
    /// Two ids are the same person.
    Alias,
}

impl EventKind {
    /// Every message type, in the order of the Segment spec.
    pub const ALL: [EventKind; 6] = [
        EventKind::Track,
        EventKind::Page,
        EventKind::Screen,
        EventKind::Identify,
        EventKind::Group,
        EventKind::Alias,
    ];

    /// The lower-case name used in the Segment `type` field.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Track => "track",
            EventKind::Page => "page",
            EventKind::Screen => "screen",
            EventKind::Identify => "identify",
            EventKind::Group => "group",
            EventKind::Alias => "alias",
        }
    }
}

/// Flattened key/value pairs: `properties.path` is stored as `path`, nested
/// objects as dotted keys (`context.campaign.name`). Few keys per event, so a
/// vector beats a map for both memory and lookup.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Props(pub Vec<(SmolStr, Value)>);

static NULL: Value = Value::Null;

/// Properties that carry a session id, in order of preference.
pub const SESSION_KEYS: [&str; 3] = ["session_id", "context.session_id", "context.sessionId"];
/// Analytics tools send session ids as text or as numbers.
pub(crate) fn is_session_id(v: &Value) -> bool {
    matches!(v, Value::Str(_) | Value::Num(_))
}

/// The property that names the channel explicitly.
pub const CHANNEL_KEY: &str = "channel";

impl Props {
    /// The value under `key`, or `Null`.
    pub fn get(&self, key: &str) -> &Value {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map_or(&NULL, |(_, v)| v)
    }

    /// Sets `key`, replacing an earlier value.
    pub fn set(&mut self, key: impl Into<SmolStr>, value: Value) {
        let key = key.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }
}

/// One behavioural event, normalised from the Segment message format.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Unique id of the message; repeats are duplicates.
    pub message_id: SmolStr,
    /// The message type.
    pub kind: EventKind,
    /// What rules match on: the track event's name (`Email Opened`), or the
    /// kind for the other types (`page`, `screen`, `identify`, `group`, `alias`).
    pub name: SmolStr,
    /// The known user (lead) id, if any.
    pub user_id: Option<SmolStr>,
    /// The anonymous visitor id (for example an analytics client id), if any.
    pub anonymous_id: Option<SmolStr>,
    /// When it happened.
    pub timestamp: Timestamp,
    /// Properties and context, flattened (see [`Props`]).
    pub properties: Props,
    /// Traits of identify and group messages, flattened.
    pub traits: Props,
    /// The account (company) id of a group message.
    pub group_id: Option<SmolStr>,
    /// The earlier id of an alias message.
    pub previous_id: Option<SmolStr>,
}

impl Event {
    /// Whether this is a bookkeeping message (identify, group, alias) rather
    /// than behaviour: rules and aggregates for "any event" skip these.
    pub fn is_identity(&self) -> bool {
        matches!(
            self.kind,
            EventKind::Identify | EventKind::Group | EventKind::Alias
        )
    }

    /// A track event with no properties, for tests and generators.
    pub fn track(message_id: &str, user_id: &str, name: &str, timestamp: Timestamp) -> Event {
        Event {
            message_id: message_id.into(),
            kind: if name == "page" {
                EventKind::Page
            } else {
                EventKind::Track
            },
            name: crate::known::intern(name),
            user_id: Some(user_id.into()),
            anonymous_id: None,
            timestamp,
            properties: Props::default(),
            traits: Props::default(),
            group_id: None,
            previous_id: None,
        }
    }

    /// The session this event belongs to: `session_id` in properties or
    /// context, falling back to the anonymous id and the day (one visit a day).
    pub fn session(&self) -> Option<&Value> {
        SESSION_KEYS
            .iter()
            .map(|key| self.properties.get(key))
            .find(|v| is_session_id(v))
    }

    /// The channel the event came through, for cross-channel signals: an
    /// explicit `channel` property, else inferred from the event type.
    pub fn channel(&self) -> &str {
        match self.properties.get(CHANNEL_KEY) {
            Value::Str(s) => s,
            _ => self.inferred_channel(),
        }
    }

    /// The channel implied by the event type alone.
    pub fn inferred_channel(&self) -> &'static str {
        match self.kind {
            EventKind::Page => "web",
            EventKind::Screen => "app",
            EventKind::Identify | EventKind::Group | EventKind::Alias => "identity",
            EventKind::Track => {
                let n = self.name.as_str();
                if n.starts_with("Email") {
                    "email"
                } else if n.starts_with("Webinar") || n.starts_with("Event") {
                    "event"
                } else if n.starts_with("App") {
                    "app"
                } else if n.starts_with("Chat") {
                    "chat"
                } else if n.starts_with("Ad ") {
                    "ads"
                } else {
                    "web"
                }
            }
        }
    }
}

/// A lead's profile: its id and attributes (job title, company size, ...).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Profile {
    /// The lead id (the `userId` of its events).
    pub id: SmolStr,
    /// Attributes by name.
    pub attributes: BTreeMap<SmolStr, Value>,
    /// The email address's quality, checked once per address (see [`EmailMemo`]).
    email: EmailMemo,
}

impl Profile {
    /// A profile with no attributes.
    pub fn new(id: impl Into<SmolStr>) -> Profile {
        Profile::with_attributes(id, BTreeMap::new())
    }

    /// A profile with these attributes.
    pub fn with_attributes(
        id: impl Into<SmolStr>,
        attributes: BTreeMap<SmolStr, Value>,
    ) -> Profile {
        Profile {
            id: id.into(),
            attributes,
            email: EmailMemo::default(),
        }
    }

    /// The quality of the email address (the `email` attribute). Checked
    /// once and remembered while the address stays the same, so that a lead
    /// scored again and again (every event, every model) is not re-checked;
    /// `cache` shares domain verdicts between the leads it checks.
    pub fn email_quality(&self, cache: &mut DomainCache) -> EmailQuality {
        let address = match self.get(EMAIL_ATTRIBUTE) {
            Value::Str(s) => Some(s),
            _ => None,
        };
        self.email_quality_of(address, cache)
    }

    /// [`Profile::email_quality`] for a caller that has already found the
    /// address (the text value of the `email` attribute, if any).
    pub(crate) fn email_quality_of(
        &self,
        address: Option<&SmolStr>,
        cache: &mut DomainCache,
    ) -> EmailQuality {
        self.email.quality(address, cache)
    }

    /// Sets an attribute, builder-style.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Profile {
        self.attributes.insert(key.into(), value.into());
        self
    }

    /// The attribute under `key`, or `Null`.
    pub fn get(&self, key: &str) -> &Value {
        self.attributes.get(key).unwrap_or(&NULL)
    }

    /// The account (company) this lead belongs to: the `account` attribute,
    /// else `company`, else none.
    pub fn account(&self) -> Option<&str> {
        ["account", "company"]
            .iter()
            .find_map(|k| self.get(k).as_str())
            .filter(|s| !s.is_empty())
    }
}
