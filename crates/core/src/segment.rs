//! Segment tracking-spec messages (track, page, screen, identify, group,
//! alias) to [`Event`]s, and events back to messages.
//!
//! Reading follows the Segment HTTP tracking API:
//!
//! * `type` names the kind; endpoints such as `/v1/track` imply it, so
//!   [`parse_message_as`] accepts messages without one.
//! * `userId` or `anonymousId` is required (alias needs `userId` and
//!   `previousId`, group needs `groupId`, track needs `event`). Ids may be
//!   strings or numbers; numbers become their decimal text. Blank ids count as
//!   absent.
//! * The event time is `timestamp`; without it, `originalTimestamp` corrected
//!   for the client's clock skew (`receivedAt - (sentAt - originalTimestamp)`)
//!   when `sentAt` and `receivedAt` are both given, else `originalTimestamp`,
//!   `sentAt` or `receivedAt`, in that order.
//! * A message without `messageId` gets `h-` followed by 32 hex digits: a
//!   128-bit FNV-1a hash of the message's canonical JSON (keys sorted, no
//!   spaces) without `messageId`, `sentAt`, `receivedAt` and `writeKey`, plus
//!   the event time. Re-sending the same message, even in a later batch with
//!   a new `sentAt`, yields the same id, so deduplication still works.
//! * `properties` are flattened into [`Event::properties`] with dotted keys
//!   for nested objects (`product.sku`); `context` goes under `context.`
//!   (`context.campaign.name`, `context.ip`), except `context.traits`, which
//!   joins `traits` in [`Event::traits`]. On a clash the more specific source
//!   wins: `properties` over `context`, `traits` over `context.traits`.
//!   Arrays become their JSON text; empty objects vanish.
//! * Convenience properties, set only when absent: `campaign`, `utm_source`
//!   and `utm_medium` from `context.campaign.*`; `path`, `url` and
//!   `referrer` from `context.page.*` on track and page events; `name` from
//!   the page or screen name, and `category` from a page's category.
//! * Properties come out sorted by key, so the same message always gives the
//!   same event whatever order its JSON keys were in.
//! * `integrations` and other fields are ignored.

use crate::event::{Event, EventKind, Props};
use crate::time::Timestamp;
use crate::value::Value;
use serde_json::{Map, Value as Json};
use smol_str::SmolStr;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Why a Segment message could not be read. Every variant about the message
/// itself names the field at fault ([`SegmentError::field`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SegmentError {
    /// The text is not JSON.
    #[error("invalid JSON at line {line} column {column}: {message}")]
    Json {
        /// Line of the error, from 1.
        line: usize,
        /// Column of the error, from 1 (0 at the end of the input).
        column: usize,
        /// The parser's description.
        message: String,
    },
    /// The message is JSON but not an object.
    #[error("expected a JSON object, found {found}")]
    NotAnObject {
        /// The value given, abbreviated.
        found: String,
    },
    /// A required field is absent, null or blank.
    #[error("missing field `{field}`")]
    Missing {
        /// The field's name in the message.
        field: &'static str,
    },
    /// Neither `userId` nor `anonymousId` is given.
    #[error("missing field `userId` or `anonymousId`")]
    MissingId,
    /// No time field is given and the caller supplied no default.
    #[error("missing field `timestamp` (and no `originalTimestamp`, `sentAt` or `receivedAt`)")]
    MissingTimestamp,
    /// A field has the wrong type or an unreadable value.
    #[error(
        "field `{field}`: expected {expected}{} found {found}",
        separator(expected)
    )]
    Invalid {
        /// The field's name (dotted for nested fields: `context.traits`).
        field: &'static str,
        /// What the field must hold.
        expected: String,
        /// The value given, as JSON, abbreviated.
        found: String,
    },
}

/// A semicolon after an expectation that is itself a comma-separated list,
/// so the list and the found value read apart.
fn separator(expected: &str) -> char {
    if expected.contains(',') { ';' } else { ',' }
}

impl SegmentError {
    /// The message field at fault; `None` for malformed JSON or a message
    /// that is not an object. A missing id names `userId`.
    pub fn field(&self) -> Option<&str> {
        match self {
            SegmentError::Json { .. } | SegmentError::NotAnObject { .. } => None,
            SegmentError::Missing { field } | SegmentError::Invalid { field, .. } => Some(field),
            SegmentError::MissingId => Some("userId"),
            SegmentError::MissingTimestamp => Some("timestamp"),
        }
    }
}

impl From<serde_json::Error> for SegmentError {
    /// Keeps the position apart from the description, so that callers can
    /// prefix their own file name and line.
    fn from(e: serde_json::Error) -> Self {
        let full = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        let message = full.strip_suffix(&position).unwrap_or(&full).to_string();
        SegmentError::Json {
            line: e.line(),
            column: e.column(),
            message,
        }
    }
}

/// Reads one message; its `type` field says which kind it is.
pub fn parse_message(v: &Json) -> Result<Event, SegmentError> {
    parse(v, None, None)
}

/// Reads a message of a kind known from elsewhere (the `/v1/track`-style
/// endpoint it arrived on). A `type` field may be absent but, if given, must
/// agree.
pub fn parse_message_as(v: &Json, kind: EventKind) -> Result<Event, SegmentError> {
    parse(v, Some(kind), None)
}

/// Like [`parse_message`] (or [`parse_message_as`] when `kind` is given), but a
/// message with no time field happened at `now` instead of being an error.
pub fn parse_message_with_default_time(
    v: &Json,
    kind: Option<EventKind>,
    now: Timestamp,
) -> Result<Event, SegmentError> {
    parse(v, kind, Some(now))
}

/// Reads one message from JSON text (a line of a JSON Lines file).
pub fn parse_line(line: &str) -> Result<Event, SegmentError> {
    let v: Json = serde_json::from_str(line)?;
    parse_message(&v)
}

const TYPES_EXPECTED: &str = "one of track, page, screen, identify, group, alias";

fn parse(
    v: &Json,
    kind: Option<EventKind>,
    default_time: Option<Timestamp>,
) -> Result<Event, SegmentError> {
    let msg = v.as_object().ok_or_else(|| SegmentError::NotAnObject {
        found: abbreviate(v),
    })?;
    let kind = message_kind(msg.get("type"), kind)?;

    let user_id = id_field(msg, "userId")?;
    let anonymous_id = id_field(msg, "anonymousId")?;
    let mut previous_id = None;
    let mut group_id = None;
    match kind {
        EventKind::Alias => {
            if user_id.is_none() {
                return Err(SegmentError::Missing { field: "userId" });
            }
            previous_id = Some(required_id(msg, "previousId")?);
        }
        _ if user_id.is_none() && anonymous_id.is_none() => return Err(SegmentError::MissingId),
        EventKind::Group => group_id = Some(required_id(msg, "groupId")?),
        _ => {}
    }

    let name = match kind {
        EventKind::Track => match msg.get("event") {
            None | Some(Json::Null) => return Err(SegmentError::Missing { field: "event" }),
            Some(Json::String(s)) if !s.trim().is_empty() => crate::known::intern(s),
            Some(other) => return Err(invalid("event", "a non-empty string", other)),
        },
        _ => crate::known::intern(kind.as_str()),
    };

    let (timestamp, time_from_message) = match message_time(msg)? {
        Some(t) => (t, true),
        None => (default_time.ok_or(SegmentError::MissingTimestamp)?, false),
    };

    let properties = object_field(msg, "properties", "properties")?;
    let context = object_field(msg, "context", "context")?;
    let traits = object_field(msg, "traits", "traits")?;
    let context_traits = match context {
        Some(c) => object_field(c, "traits", "context.traits")?,
        None => None,
    };

    let mut props = BTreeMap::new();
    if let Some(p) = properties {
        flatten(p, None, &mut props, true);
    }
    if let Some(c) = context {
        for (k, v) in c.iter().filter(|(k, _)| *k != "traits") {
            flatten_entry(format!("context.{k}"), v, &mut props, false);
        }
    }
    add_convenience_keys(kind, msg, &mut props);

    let mut trait_map = BTreeMap::new();
    if let Some(t) = traits {
        flatten(t, None, &mut trait_map, true);
    }
    if let Some(t) = context_traits {
        flatten(t, None, &mut trait_map, false);
    }

    let message_id = match id_field(msg, "messageId")? {
        Some(id) => id,
        None => derived_message_id(msg, time_from_message.then_some(timestamp)),
    };

    Ok(Event {
        message_id,
        kind,
        name,
        user_id,
        anonymous_id,
        timestamp,
        properties: Props(props.into_iter().collect()),
        traits: Props(trait_map.into_iter().collect()),
        group_id,
        previous_id,
    })
}

fn kind_from_name(s: &str) -> Option<EventKind> {
    EventKind::ALL
        .into_iter()
        .find(|k| s.trim().eq_ignore_ascii_case(k.as_str()))
}

fn message_kind(
    field: Option<&Json>,
    expected: Option<EventKind>,
) -> Result<EventKind, SegmentError> {
    let given = match field {
        None | Some(Json::Null) => None,
        Some(v @ Json::String(s)) => {
            Some(kind_from_name(s).ok_or_else(|| invalid("type", TYPES_EXPECTED, v))?)
        }
        Some(other) => return Err(invalid("type", TYPES_EXPECTED, other)),
    };
    match (given, expected) {
        (Some(g), Some(e)) if g != e => Err(SegmentError::Invalid {
            field: "type",
            expected: format!("\"{}\" or no `type`", e.as_str()),
            found: format!("\"{}\"", g.as_str()),
        }),
        (Some(k), _) | (None, Some(k)) => Ok(k),
        (None, None) => Err(SegmentError::Missing { field: "type" }),
    }
}

fn id_field(msg: &Map<String, Json>, field: &'static str) -> Result<Option<SmolStr>, SegmentError> {
    match msg.get(field) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok((!s.trim().is_empty()).then(|| SmolStr::new(s))),
        Some(Json::Number(n)) => Ok(Some(SmolStr::new(n.to_string()))),
        Some(other) => Err(invalid(field, "a string or number", other)),
    }
}

fn required_id(msg: &Map<String, Json>, field: &'static str) -> Result<SmolStr, SegmentError> {
    id_field(msg, field)?.ok_or(SegmentError::Missing { field })
}

fn object_field<'a>(
    msg: &'a Map<String, Json>,
    key: &str,
    field: &'static str,
) -> Result<Option<&'a Map<String, Json>>, SegmentError> {
    match msg.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Object(m)) => Ok(Some(m)),
        Some(other) => Err(invalid(field, "an object", other)),
    }
}

fn time_field(
    msg: &Map<String, Json>,
    field: &'static str,
) -> Result<Option<Timestamp>, SegmentError> {
    const EXPECTED: &str = "an ISO 8601 date-time";
    match msg.get(field) {
        None | Some(Json::Null) => Ok(None),
        Some(v @ Json::String(s)) => Timestamp::parse(s)
            .map(Some)
            .map_err(|_| invalid(field, EXPECTED, v)),
        Some(other) => Err(invalid(field, EXPECTED, other)),
    }
}

/// The event time the message states, if any (see the module docs for the
/// order of preference).
fn message_time(msg: &Map<String, Json>) -> Result<Option<Timestamp>, SegmentError> {
    if let Some(t) = time_field(msg, "timestamp")? {
        return Ok(Some(t));
    }
    let original = time_field(msg, "originalTimestamp")?;
    let sent = time_field(msg, "sentAt")?;
    let received = time_field(msg, "receivedAt")?;
    Ok(match (original, sent, received) {
        // The device clock may be wrong, but the gap between the event and
        // its sending, both measured on that clock, is right.
        (Some(o), Some(s), Some(r)) => Some(Timestamp(r.0.saturating_sub(s.0.saturating_sub(o.0)))),
        (Some(o), _, _) => Some(o),
        (None, s, r) => s.or(r),
    })
}

fn flatten(
    m: &Map<String, Json>,
    prefix: Option<&str>,
    out: &mut BTreeMap<SmolStr, Value>,
    overwrite: bool,
) {
    for (k, v) in m {
        let key = match prefix {
            Some(p) => format!("{p}.{k}"),
            None => k.clone(),
        };
        flatten_entry(key, v, out, overwrite);
    }
}

fn flatten_entry(key: String, v: &Json, out: &mut BTreeMap<SmolStr, Value>, overwrite: bool) {
    match v {
        Json::Object(inner) => flatten(inner, Some(&key), out, overwrite),
        leaf => {
            let key = crate::known::intern_owned(key);
            if overwrite || !out.contains_key(&key) {
                out.insert(key, Value::from_json(leaf));
            }
        }
    }
}

fn add_convenience_keys(
    kind: EventKind,
    msg: &Map<String, Json>,
    props: &mut BTreeMap<SmolStr, Value>,
) {
    let mut copies = vec![
        ("campaign", "context.campaign.name"),
        ("utm_source", "context.campaign.source"),
        ("utm_medium", "context.campaign.medium"),
    ];
    if matches!(kind, EventKind::Track | EventKind::Page) {
        copies.extend([
            ("path", "context.page.path"),
            ("url", "context.page.url"),
            ("referrer", "context.page.referrer"),
        ]);
    }
    for (key, source) in copies {
        if let Some(v) = props.get(source).filter(|v| v.is_present()).cloned() {
            props.entry(crate::known::intern(key)).or_insert(v);
        }
    }
    let mut top_level = Vec::new();
    if matches!(kind, EventKind::Page | EventKind::Screen) {
        top_level.push("name");
    }
    if kind == EventKind::Page {
        top_level.push("category");
    }
    for key in top_level {
        let v = msg.get(key).map(Value::from_json).unwrap_or_default();
        if v.is_present() {
            props.entry(crate::known::intern(key)).or_insert(v);
        }
    }
}

/// Top-level fields that a sender may change when it retries a message, so
/// they must not affect the derived id.
const TRANSPORT_FIELDS: [&str; 4] = ["messageId", "sentAt", "receivedAt", "writeKey"];

fn derived_message_id(msg: &Map<String, Json>, time: Option<Timestamp>) -> SmolStr {
    let mut text = String::new();
    write_object(
        msg.iter()
            .filter(|(k, _)| !TRANSPORT_FIELDS.contains(&k.as_str())),
        &mut text,
    );
    // The stated time is part of the message already unless it came from
    // `sentAt` or `receivedAt`, which are excluded above.
    if let Some(t) = time {
        let _ = write!(text, "@{}", t.0);
    }
    SmolStr::new(format!("h-{:032x}", fnv1a_128(text.as_bytes())))
}

/// JSON with object keys sorted and no whitespace. Written by hand rather
/// than through serde_json, whose key order depends on a crate feature that
/// any other crate in the build may switch on.
fn write_canonical(v: &Json, out: &mut String) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(&n.to_string()),
        Json::String(s) => write_json_string(s, out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Json::Object(m) => write_object(m.iter(), out),
    }
}

fn write_object<'a>(entries: impl Iterator<Item = (&'a String, &'a Json)>, out: &mut String) {
    let mut entries: Vec<(&String, &Json)> = entries.collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    out.push('{');
    for (i, (k, v)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json_string(k, out);
        out.push(':');
        write_canonical(v, out);
    }
    out.push('}');
}

fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// FNV-1a: a fixed, documented function, so derived ids stay the same across
/// Rust releases (unlike `std`'s hasher); 128 bits make accidental collisions,
/// which would silently drop an event as a duplicate, negligible.
fn fnv1a_128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ u128::from(b)).wrapping_mul(PRIME))
}

fn invalid(field: &'static str, expected: &str, found: &Json) -> SegmentError {
    SegmentError::Invalid {
        field,
        expected: expected.to_string(),
        found: abbreviate(found),
    }
}

/// A value's JSON text, cut short so that an error stays one readable line.
fn abbreviate(v: &Json) -> String {
    const MAX_CHARS: usize = 60;
    let text = v.to_string();
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The event as a Segment message.
///
/// Properties other than `context.*` go to `properties`, nested again where
/// the dotted keys allow it (a key that clashes with a shorter one, such as
/// `a.b` next to a plain `a`, stays flat); `context.*` keys rebuild `context`.
/// Traits go to `traits` for identify and group messages and to
/// `context.traits` otherwise. The time keeps its milliseconds if any.
///
/// Reading the result back gives the same event provided the event is in the
/// form reading produces: properties sorted by key, the convenience keys
/// present (see the module docs), and no `context.traits.*` properties.
pub fn to_json(e: &Event) -> Json {
    let mut m = Map::new();
    m.insert("type".into(), e.kind.as_str().into());
    m.insert("messageId".into(), e.message_id.as_str().into());
    if let Some(u) = &e.user_id {
        m.insert("userId".into(), u.as_str().into());
    }
    if let Some(a) = &e.anonymous_id {
        m.insert("anonymousId".into(), a.as_str().into());
    }
    match e.kind {
        EventKind::Track => {
            m.insert("event".into(), e.name.as_str().into());
        }
        EventKind::Page | EventKind::Screen => {
            if let Value::Str(name) = e.properties.get("name") {
                m.insert("name".into(), name.as_str().into());
            }
        }
        _ => {}
    }

    let (context_props, plain_props): (Vec<_>, Vec<_>) = e
        .properties
        .0
        .iter()
        .partition(|(k, _)| k.starts_with("context."));
    if !plain_props.is_empty() {
        let entries = plain_props.iter().map(|(k, v)| (k.as_str(), v));
        m.insert("properties".into(), Json::Object(unflatten(entries)));
    }
    let mut context = unflatten(
        context_props
            .iter()
            .map(|(k, v)| (k.strip_prefix("context.").unwrap_or(k), v)),
    );
    if !e.traits.0.is_empty() {
        let traits = Json::Object(unflatten(e.traits.0.iter().map(|(k, v)| (k.as_str(), v))));
        match e.kind {
            EventKind::Identify | EventKind::Group => {
                m.insert("traits".into(), traits);
            }
            _ => {
                context.insert("traits".into(), traits);
            }
        }
    }
    if !context.is_empty() {
        m.insert("context".into(), Json::Object(context));
    }

    if let Some(g) = &e.group_id {
        m.insert("groupId".into(), g.as_str().into());
    }
    if let Some(p) = &e.previous_id {
        m.insert("previousId".into(), p.as_str().into());
    }
    m.insert("timestamp".into(), rfc3339_millis(e.timestamp).into());
    Json::Object(m)
}

fn unflatten<'a>(entries: impl Iterator<Item = (&'a str, &'a Value)>) -> Map<String, Json> {
    let mut sorted: Vec<(&str, &Value)> = entries.collect();
    // Sorting puts `a` before `a.b`, so a clash is always met on the longer
    // key, which then stays flat.
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut root = Map::new();
    for (key, value) in sorted {
        if !insert_nested(&mut root, key, value.to_json()) {
            root.insert(key.to_string(), value.to_json());
        }
    }
    root
}

/// Places `v` at the dotted path `key`; false, leaving `root` unchanged, if a
/// segment is empty or the path runs into a value that is not an object.
fn insert_nested(root: &mut Map<String, Json>, key: &str, v: Json) -> bool {
    let parts: Vec<&str> = key.split('.').collect();
    let Some((leaf, path)) = parts.split_last() else {
        return false;
    };
    if parts.iter().any(|p| p.is_empty()) {
        return false;
    }
    // Objects are only created past the last existing node, and a new object
    // is empty, so a clash can only occur before anything has been created.
    let mut node = root;
    for part in path {
        let child = node
            .entry(part.to_string())
            .or_insert_with(|| Json::Object(Map::new()));
        match child {
            Json::Object(m) => node = m,
            _ => return false,
        }
    }
    if node.contains_key(*leaf) {
        return false;
    }
    node.insert(leaf.to_string(), v);
    true
}

/// RFC 3339 in UTC with milliseconds when there are any, since
/// [`Timestamp::to_rfc3339`] stops at the second.
fn rfc3339_millis(t: Timestamp) -> String {
    let text = t.to_rfc3339();
    let ms = t.0.rem_euclid(1000);
    match text.strip_suffix('Z') {
        Some(base) if ms != 0 => format!("{base}.{ms:03}Z"),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn err(v: Json) -> SegmentError {
        parse_message(&v).unwrap_err()
    }

    #[test]
    fn track_message_is_flattened() {
        let e = parse_line(
            r#"{"type":"track","messageId":"m1","userId":"lead-1","anonymousId":"a1",
                "event":"Form Submitted","timestamp":"2026-03-12T16:30:00+07:00",
                "properties":{"form":"demo","product":{"sku":"X-1","price":12.5},"tags":["a","b"]},
                "context":{"ip":"203.0.113.7","campaign":{"name":"tet-2026","source":"facebook","medium":"cpc"},
                           "page":{"path":"/pricing","url":"https://acme.vn/pricing","referrer":"https://google.com"}},
                "integrations":{"All":false}}"#,
        )
        .unwrap();
        assert_eq!(e.kind, EventKind::Track);
        assert_eq!(e.name, "Form Submitted");
        assert_eq!(e.message_id, "m1");
        assert_eq!(e.user_id.as_deref(), Some("lead-1"));
        assert_eq!(e.anonymous_id.as_deref(), Some("a1"));
        assert_eq!(e.timestamp, ts("2026-03-12T09:30:00Z"));
        let p = &e.properties;
        assert_eq!(p.get("form"), &Value::from("demo"));
        assert_eq!(p.get("product.sku"), &Value::from("X-1"));
        assert_eq!(p.get("product.price"), &Value::Num(12.5));
        assert_eq!(p.get("tags"), &Value::from(r#"["a","b"]"#));
        assert_eq!(p.get("context.ip"), &Value::from("203.0.113.7"));
        assert_eq!(p.get("context.campaign.name"), &Value::from("tet-2026"));
        assert_eq!(p.get("campaign"), &Value::from("tet-2026"));
        assert_eq!(p.get("utm_source"), &Value::from("facebook"));
        assert_eq!(p.get("utm_medium"), &Value::from("cpc"));
        assert_eq!(p.get("path"), &Value::from("/pricing"));
        assert_eq!(p.get("url"), &Value::from("https://acme.vn/pricing"));
        assert_eq!(p.get("referrer"), &Value::from("https://google.com"));
        assert!(!p.0.iter().any(|(k, _)| k.starts_with("integrations")));
        let keys: Vec<&str> = p.0.iter().map(|(k, _)| k.as_str()).collect();
        assert!(keys.is_sorted());
    }

    #[test]
    fn convenience_keys_do_not_override() {
        let e = parse_message(&json!({
            "type": "page", "anonymousId": "a1", "name": "Pricing", "category": "Docs",
            "timestamp": "2026-03-12T09:30:00Z",
            "properties": {"path": "/gia", "campaign": "own"},
            "context": {"page": {"path": "/pricing", "url": "https://acme.vn/gia"},
                        "campaign": {"name": "other"}}
        }))
        .unwrap();
        assert_eq!(e.name, "page");
        assert_eq!(e.properties.get("path"), &Value::from("/gia"));
        assert_eq!(e.properties.get("url"), &Value::from("https://acme.vn/gia"));
        assert_eq!(e.properties.get("campaign"), &Value::from("own"));
        assert_eq!(e.properties.get("name"), &Value::from("Pricing"));
        assert_eq!(e.properties.get("category"), &Value::from("Docs"));
    }

    #[test]
    fn identify_traits_and_context_traits() {
        let e = parse_message(&json!({
            "type": "identify", "userId": 12345, "anonymousId": "a1",
            "timestamp": "2026-03-12T09:30:00Z",
            "traits": {"email": "lan@acme.vn", "company": {"name": "Acme", "size": 50}},
            "context": {"traits": {"email": "old@acme.vn", "plan": "pro"}, "locale": "vi-VN"}
        }))
        .unwrap();
        assert_eq!(e.name, "identify");
        assert_eq!(e.user_id.as_deref(), Some("12345"));
        assert_eq!(e.traits.get("email"), &Value::from("lan@acme.vn"));
        assert_eq!(e.traits.get("company.size"), &Value::Num(50.0));
        assert_eq!(e.traits.get("plan"), &Value::from("pro"));
        assert_eq!(e.properties.get("context.locale"), &Value::from("vi-VN"));
        assert!(
            !e.properties
                .0
                .iter()
                .any(|(k, _)| k.starts_with("context.traits"))
        );
    }

    #[test]
    fn group_and_alias_fields() {
        let g = parse_message(&json!({
            "type": "group", "userId": "u1", "groupId": 77, "traits": {"industry": "Retail"},
            "timestamp": "2026-03-12T09:30:00Z"
        }))
        .unwrap();
        assert_eq!(g.group_id.as_deref(), Some("77"));
        assert_eq!(g.traits.get("industry"), &Value::from("Retail"));
        let a = parse_message(&json!({
            "type": "alias", "userId": "u2", "previousId": "u1", "timestamp": "2026-03-12T09:30:00Z"
        }))
        .unwrap();
        assert_eq!(
            (a.name.as_str(), a.previous_id.as_deref()),
            ("alias", Some("u1"))
        );
        assert_eq!(
            err(json!({"type": "alias", "previousId": "u1"})).field(),
            Some("userId")
        );
        let no_prev = err(json!({"type": "alias", "userId": "u1", "anonymousId": "a"}));
        assert_eq!(no_prev.to_string(), "missing field `previousId`");
        let no_group = err(json!({"type": "group", "userId": "u1"}));
        assert_eq!(no_group.to_string(), "missing field `groupId`");
    }

    #[test]
    fn errors_name_the_field() {
        let e = err(json!({"type": "track", "event": "X", "timestamp": "2026-03-12"}));
        assert_eq!(e.to_string(), "missing field `userId` or `anonymousId`");
        assert_eq!(e.field(), Some("userId"));

        let e =
            err(json!({"type": "track", "userId": "u", "event": "X", "timestamp": "yesterday"}));
        assert_eq!(
            e.to_string(),
            "field `timestamp`: expected an ISO 8601 date-time, found \"yesterday\""
        );
        assert_eq!(e.field(), Some("timestamp"));

        let e = err(json!({"type": "click", "userId": "u"}));
        assert_eq!(
            e.to_string(),
            "field `type`: expected one of track, page, screen, identify, group, alias; found \"click\""
        );

        let e = parse_line("{\"type\": ?}").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid JSON at line 1 column 10: expected value"),
            "{e}"
        );
        assert_eq!(e.field(), None);

        let e = err(json!({"type": "track", "userId": "u", "timestamp": "2026-03-12"}));
        assert_eq!(e.to_string(), "missing field `event`");
        let e = err(json!({"type": "track", "userId": "u", "event": "X"}));
        assert_eq!(e.field(), Some("timestamp"));
        let e = err(json!({"type": "track", "userId": true, "event": "X"}));
        assert_eq!(
            e.to_string(),
            "field `userId`: expected a string or number, found true"
        );
        let e = err(
            json!({"type": "page", "userId": "u", "properties": [1], "timestamp": "2026-03-12"}),
        );
        assert_eq!(
            e.to_string(),
            "field `properties`: expected an object, found [1]"
        );
        let e = err(
            json!({"type": "page", "userId": "u", "sentAt": "2026-03-12", "context": {"traits": 3}}),
        );
        assert_eq!(e.field(), Some("context.traits"));
        assert_eq!(
            err(json!({"userId": "u"})).to_string(),
            "missing field `type`"
        );
        assert_eq!(
            err(json!([1, 2])).to_string(),
            "expected a JSON object, found [1,2]"
        );
        let long = "x".repeat(200);
        let e = err(json!({"type": "track", "userId": "u", "event": "X", "timestamp": long}));
        assert!(e.to_string().len() < 150);
    }

    #[test]
    fn endpoint_kind_and_default_time() {
        let v = json!({"userId": "u", "event": "Signed Up"});
        assert!(matches!(
            parse_message_as(&v, EventKind::Track),
            Err(SegmentError::MissingTimestamp)
        ));
        let now = ts("2026-03-12T09:30:00Z");
        let e = parse_message_with_default_time(&v, Some(EventKind::Track), now).unwrap();
        assert_eq!((e.kind, e.timestamp), (EventKind::Track, now));

        let page = json!({"type": "page", "userId": "u", "timestamp": "2026-03-12"});
        let e = parse_message_as(&page, EventKind::Track).unwrap_err();
        assert_eq!(
            e.to_string(),
            "field `type`: expected \"track\" or no `type`, found \"page\""
        );
        assert!(parse_message_as(&page, EventKind::Page).is_ok());
    }

    #[test]
    fn time_falls_back_and_corrects_clock_skew() {
        let base = json!({"type": "track", "userId": "u", "event": "X"});
        let with = |fields: Json| {
            let mut v = base.clone();
            v.as_object_mut()
                .unwrap()
                .extend(fields.as_object().unwrap().clone());
            parse_message(&v).unwrap().timestamp
        };
        assert_eq!(
            with(json!({"sentAt": "2026-03-12T10:00:00Z"})),
            ts("2026-03-12T10:00:00Z")
        );
        assert_eq!(
            with(json!({"receivedAt": "2026-03-12T10:00:00Z"})),
            ts("2026-03-12T10:00:00Z")
        );
        // The phone's clock is an hour fast: sent 5 s after the event.
        let skewed = with(json!({
            "originalTimestamp": "2026-03-12T11:00:00Z",
            "sentAt": "2026-03-12T11:00:05Z",
            "receivedAt": "2026-03-12T10:00:06Z"
        }));
        assert_eq!(skewed, ts("2026-03-12T10:00:01Z"));
        let stated =
            with(json!({"timestamp": "2026-03-12T09:00:00Z", "sentAt": "2026-03-12T10:00:00Z"}));
        assert_eq!(stated, ts("2026-03-12T09:00:00Z"));
    }

    #[test]
    fn derived_message_id_is_stable() {
        let a = parse_line(
            r#"{"type":"track","userId":"u","event":"X","timestamp":"2026-03-12T09:30:00Z","properties":{"a":1,"b":2},"sentAt":"2026-03-12T09:31:00Z"}"#,
        )
        .unwrap();
        // Same message, keys reordered, re-sent later.
        let b = parse_line(
            r#"{"sentAt":"2026-03-12T10:00:00Z","properties":{"b":2,"a":1},"event":"X","userId":"u","type":"track","timestamp":"2026-03-12T09:30:00Z"}"#,
        )
        .unwrap();
        assert_eq!(a.message_id, b.message_id);
        assert!(a.message_id.starts_with("h-") && a.message_id.len() == 34);
        let c = parse_line(
            r#"{"type":"track","userId":"u","event":"X","timestamp":"2026-03-12T09:30:01Z","properties":{"a":1,"b":2}}"#,
        )
        .unwrap();
        assert_ne!(a.message_id, c.message_id);
        // Times that come from `sentAt` still tell events apart.
        let s1 =
            parse_line(r#"{"type":"page","userId":"u","sentAt":"2026-03-12T09:30:00Z"}"#).unwrap();
        let s2 =
            parse_line(r#"{"type":"page","userId":"u","sentAt":"2026-03-12T09:31:00Z"}"#).unwrap();
        assert_ne!(s1.message_id, s2.message_id);
    }

    #[test]
    fn to_json_builds_a_spec_message() {
        let mut e = Event::track("m1", "u1", "Email Clicked", ts("2026-03-12T09:30:00.250Z"));
        e.properties.set("link.url", Value::from("https://acme.vn"));
        e.properties
            .set("context.campaign.name", Value::from("tet"));
        e.traits.set("email", Value::from("lan@acme.vn"));
        let v = to_json(&e);
        assert_eq!(
            v,
            json!({
                "type": "track", "messageId": "m1", "userId": "u1", "event": "Email Clicked",
                "properties": {"link": {"url": "https://acme.vn"}},
                "context": {"campaign": {"name": "tet"}, "traits": {"email": "lan@acme.vn"}},
                "timestamp": "2026-03-12T09:30:00.250Z"
            })
        );
        let back = parse_message(&v).unwrap();
        assert_eq!(back.properties.get("campaign"), &Value::from("tet"));
        assert_eq!(back.traits, e.traits);
    }

    #[test]
    fn clashing_keys_stay_flat() {
        let mut e = Event::track("m1", "u1", "X", ts("2026-03-12T09:30:00Z"));
        for (k, v) in [
            ("a", 1.0),
            ("a.b", 2.0),
            ("a.b.c", 3.0),
            ("d.e", 4.0),
            (".f", 5.0),
        ] {
            e.properties.set(k, Value::Num(v));
        }
        let v = to_json(&e);
        assert_eq!(
            v["properties"],
            json!({"a": 1.0, "a.b": 2.0, "a.b.c": 3.0, "d": {"e": 4.0}, ".f": 5.0})
        );
        e.properties.0.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(parse_message(&v).unwrap(), e);
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(|n| Value::Num(f64::from(n))),
            (any::<i32>(), 1..4u32)
                .prop_map(|(n, d)| Value::Num(f64::from(n) / 10f64.powi(d as i32))),
            "\\PC{0,8}".prop_map(|s| Value::from(s.as_str())),
        ]
    }

    fn props(key: &'static str) -> impl Strategy<Value = Props> {
        proptest::collection::btree_map(key, value(), 0..6)
            .prop_map(|m| Props(m.into_iter().map(|(k, v)| (SmolStr::from(k), v)).collect()))
    }

    /// Events in the form parsing produces: sorted keys, and no context keys
    /// that parsing would copy into convenience keys or move into traits.
    fn event() -> impl Strategy<Value = Event> {
        let id = "[a-z0-9]{1,8}";
        (
            (0..6usize, "[A-Za-z][A-Za-z ]{0,12}", "[a-z0-9-]{1,12}"),
            (proptest::option::of(id), proptest::option::of(id), id, id),
            0i64..253_402_300_800_000,
            props(
                "name|[a-z]{1,3}(\\.[a-z]{1,3}){0,2}|\\.[a-z]|context\\.[a-z]{1,3}(\\.[a-z]{1,3})?",
            ),
            props("[a-z]{1,3}(\\.[a-z]{1,3}){0,2}|context\\.[a-z]"),
        )
            .prop_map(
                |((k, track_name, mid), (user, anon, other, second), t, properties, traits)| {
                    let kind = EventKind::ALL[k];
                    let mut user_id = user.map(SmolStr::from);
                    let anonymous_id = anon.map(SmolStr::from);
                    if kind == EventKind::Alias || (user_id.is_none() && anonymous_id.is_none()) {
                        user_id = Some(SmolStr::from(other.as_str()));
                    }
                    Event {
                        message_id: mid.into(),
                        kind,
                        name: if kind == EventKind::Track {
                            track_name.into()
                        } else {
                            kind.as_str().into()
                        },
                        user_id,
                        anonymous_id,
                        timestamp: Timestamp(t),
                        properties,
                        traits,
                        group_id: (kind == EventKind::Group).then(|| second.as_str().into()),
                        previous_id: (kind == EventKind::Alias).then(|| second.into()),
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn round_trip(e in event()) {
            let v = to_json(&e);
            prop_assert_eq!(&parse_message(&v).unwrap(), &e);
            prop_assert_eq!(parse_line(&v.to_string()).unwrap(), e);
        }

        #[test]
        fn parsing_is_idempotent(mut e in event(), campaign in "\\PC{1,5}", path in "/[a-z]{0,5}") {
            e.properties.set("context.campaign.name", Value::from(campaign.as_str()));
            e.properties.set("context.page.path", Value::from(path.as_str()));
            let once = parse_message(&to_json(&e)).unwrap();
            prop_assert_eq!(parse_message(&to_json(&once)).unwrap(), once);
        }
    }
}
