//! Behaviour features of a lead as of a cut-off time: counts and recency per
//! event type, sessions, time on site and account signals, computed from the
//! lead's events and its account's other contacts' events. Nothing at or
//! after the cut-off is read, so a model learns only what was knowable at
//! the moment it predicts.

use leadscore_core::time::DAY_MS;
use leadscore_core::{Event, EventKind, Timestamp, Value};
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;
use std::collections::{BTreeMap, HashMap};

/// A pause this long ends a session when the data carries no session id
/// (the usual web analytics convention).
pub const SESSION_GAP_MS: i64 = 30 * 60_000;

/// Event types seen for fewer training leads than this are pooled into
/// `other`, so a type seen a few times does not get columns of its own.
const MIN_TYPE_LEADS: usize = 5;

/// The most event types with columns of their own; the rest are pooled.
const MAX_TYPES: usize = 40;

/// The pooled type's name.
pub const OTHER_TYPE: &str = "other";

/// What kind of behaviour an event is: the track event's name, `page NAME`
/// (or `page PATH` for pages without a name) and `screen NAME`. Identify,
/// group and alias messages are bookkeeping, not behaviour.
pub fn event_type(e: &Event) -> Option<SmolStr> {
    let named = |prefix: &str| {
        let label = match (e.properties.get("name"), e.properties.get("path")) {
            (Value::Str(s), _) if !s.is_empty() => s.as_str(),
            (_, Value::Str(p)) if !p.is_empty() => p.as_str(),
            _ => "",
        };
        if label.is_empty() {
            SmolStr::new(prefix)
        } else {
            SmolStr::new(format!("{prefix} {label}"))
        }
    };
    match e.kind {
        EventKind::Track => Some(e.name.clone()),
        EventKind::Page => Some(named("page")),
        EventKind::Screen => Some(named("screen")),
        EventKind::Identify | EventKind::Group | EventKind::Alias => None,
    }
}

/// The event types with columns of their own, learned from training leads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Vocabulary {
    /// Types, sorted.
    pub types: Vec<String>,
}

/// What the behaviour features read of an event: when it happened, its
/// type and its session. Whole [`Event`]s implement it for training; a
/// live record can keep just these and get the same features (the server
/// keeps a few bytes per event instead of every message).
pub trait Trace {
    /// What tells one session from another among one lead's events.
    type Session: Eq + std::hash::Hash;
    /// When it happened.
    fn at(&self) -> Timestamp;
    /// False for bookkeeping messages (identify, group, alias).
    fn is_behaviour(&self) -> bool;
    /// Its type's slot in `vocab` (the pooled slot for other types); only
    /// asked of behaviour.
    fn slot(&self, vocab: &Vocabulary) -> usize;
    /// Its session id, if it carries one.
    fn session(&self) -> Option<Self::Session>;
}

impl Trace for Event {
    type Session = String;

    fn at(&self) -> Timestamp {
        self.timestamp
    }

    fn is_behaviour(&self) -> bool {
        !self.is_identity()
    }

    fn slot(&self, vocab: &Vocabulary) -> usize {
        vocab.slot(event_type(self).as_deref().unwrap_or(OTHER_TYPE))
    }

    fn session(&self) -> Option<String> {
        Event::session(self).map(ToString::to_string)
    }
}

/// Behaviour before `cutoff`, in time order (ties keep their given order).
fn before<'a, T: Trace>(events: &[&'a T], cutoff: Timestamp) -> Vec<&'a T> {
    let mut v: Vec<&T> = events
        .iter()
        .copied()
        .filter(|e| e.at() < cutoff && e.is_behaviour())
        .collect();
    v.sort_by_key(|e| e.at());
    v
}

impl Vocabulary {
    /// The types seen (before each lead's cut-off) for at least
    /// [`MIN_TYPE_LEADS`] of `leads`, the [`MAX_TYPES`] most widespread.
    pub fn fit<'a>(leads: impl Iterator<Item = (&'a [&'a Event], Timestamp)>) -> Vocabulary {
        let mut counts: BTreeMap<SmolStr, usize> = BTreeMap::new();
        for (events, cutoff) in leads {
            let mut seen: Vec<SmolStr> = before(events, cutoff)
                .iter()
                .filter_map(|e| event_type(e))
                .collect();
            seen.sort_unstable();
            seen.dedup();
            for t in seen {
                *counts.entry(t).or_default() += 1;
            }
        }
        let mut kept: Vec<(SmolStr, usize)> = counts
            .into_iter()
            .filter(|(t, n)| *n >= MIN_TYPE_LEADS && t != OTHER_TYPE)
            .collect();
        // Most widespread first; the name breaks ties so the choice is fixed.
        kept.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        kept.truncate(MAX_TYPES);
        let mut types: Vec<String> = kept.into_iter().map(|(t, _)| t.to_string()).collect();
        types.sort();
        Vocabulary { types }
    }

    /// Column names, in the order [`extract`] fills them.
    pub fn column_names(&self) -> Vec<String> {
        let mut out: Vec<String> = [
            "events",
            "events_7d",
            "events_30d",
            "days_since_first",
            "days_since_last",
            "sessions",
            "minutes_on_site",
            "account_contacts_30d",
            "account_events",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        for t in self.types.iter().map(String::as_str).chain([OTHER_TYPE]) {
            out.push(format!("events[{t}]"));
            out.push(format!("events_7d[{t}]"));
            out.push(format!("events_30d[{t}]"));
            out.push(format!("days_since_last[{t}]"));
        }
        out
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        GENERAL + PER_TYPE * (self.types.len() + 1)
    }

    /// The column group of event type `t` (the pooled one for types
    /// without columns of their own).
    pub fn slot(&self, t: &str) -> usize {
        self.types
            .binary_search_by(|x| x.as_str().cmp(t))
            .unwrap_or(self.types.len())
    }
}

/// Columns before the per-type ones.
const GENERAL: usize = 9;
/// Columns per type.
const PER_TYPE: usize = 4;

fn days(from: Timestamp, to: Timestamp) -> f64 {
    (to.0 - from.0) as f64 / DAY_MS as f64
}

/// Number of sessions and their summed length (ms): events sharing a
/// session id form one session; events without one form sessions split at
/// pauses of [`SESSION_GAP_MS`].
fn sessions<T: Trace>(events: &[&T]) -> (usize, i64) {
    let mut by_id: HashMap<T::Session, (Timestamp, Timestamp)> = HashMap::new();
    let mut runs: Vec<(Timestamp, Timestamp)> = Vec::new();
    for e in events {
        let t = e.at();
        match e.session() {
            Some(id) => {
                let span = by_id.entry(id).or_insert((t, t));
                span.0 = span.0.min(t);
                span.1 = span.1.max(t);
            }
            None => match runs.last_mut() {
                Some(run) if t.0 - run.1.0 < SESSION_GAP_MS => run.1 = t,
                _ => runs.push((t, t)),
            },
        }
    }
    let length = by_id
        .values()
        .chain(&runs)
        .map(|(a, b)| b.0 - a.0)
        .sum::<i64>();
    (by_id.len() + runs.len(), length)
}

/// One lead's behaviour features at `cutoff`, in [`Vocabulary::column_names`]
/// order; `None` where a value does not exist (days since the last event
/// of a type never seen). `own` are the lead's events and `contacts` those
/// of the other contacts of its account, in any order. Events at or after
/// `cutoff` are never read.
pub fn extract<T: Trace>(
    vocab: &Vocabulary,
    own: &[&T],
    contacts: &[Vec<&T>],
    cutoff: Timestamp,
) -> Vec<Option<f64>> {
    let mut out = vec![Some(0.0); vocab.width()];
    let events = before(own, cutoff);
    let week_ago = Timestamp(cutoff.0 - 7 * DAY_MS);
    let month_ago = Timestamp(cutoff.0 - 30 * DAY_MS);
    let mut last_of_type: Vec<Option<Timestamp>> = vec![None; vocab.types.len() + 1];
    let add = |out: &mut Vec<Option<f64>>, i: usize| {
        if let Some(v) = &mut out[i] {
            *v += 1.0;
        }
    };
    for e in &events {
        let k = GENERAL + PER_TYPE * e.slot(vocab);
        add(&mut out, 0);
        add(&mut out, k);
        if e.at() >= week_ago {
            add(&mut out, 1);
            add(&mut out, k + 1);
        }
        if e.at() >= month_ago {
            add(&mut out, 2);
            add(&mut out, k + 2);
        }
        last_of_type[(k - GENERAL) / PER_TYPE] = Some(e.at());
    }
    out[3] = events.first().map(|e| days(e.at(), cutoff));
    out[4] = events.last().map(|e| days(e.at(), cutoff));
    let (n, length) = sessions(&events);
    out[5] = Some(n as f64);
    out[6] = Some(length as f64 / 60_000.0);
    let (mut active, mut account_events) = (0usize, 0usize);
    for c in contacts {
        let seen = before(c, cutoff);
        account_events += seen.len();
        active += usize::from(seen.last().is_some_and(|e| e.at() >= month_ago));
    }
    out[7] = Some(active as f64);
    out[8] = Some(account_events as f64);
    for (slot, last) in last_of_type.iter().enumerate() {
        out[GENERAL + PER_TYPE * slot + 3] = last.map(|t| days(t, cutoff));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const T0: i64 = 1_790_000_000_000;

    fn ev(id: usize, name: &str, t: i64, session: Option<&str>) -> Event {
        let mut e = Event::track(&format!("m{id}"), "lead", name, Timestamp(t));
        if let Some(s) = session {
            e.properties.set("session_id", Value::from(s));
        }
        e
    }

    #[test]
    fn counts_recency_sessions_and_account_signals() {
        let cutoff = Timestamp(T0 + 60 * DAY_MS);
        let own = [
            ev(1, "Form Submitted", T0, None),
            // Ten minutes later: the same session.
            ev(2, "page", T0 + 10 * 60_000, None),
            ev(3, "Form Submitted", cutoff.0 - 2 * DAY_MS, Some("s1")),
            ev(
                4,
                "Email Opened",
                cutoff.0 - 2 * DAY_MS + 5 * 60_000,
                Some("s1"),
            ),
            ev(5, "Form Submitted", cutoff.0, None),
        ];
        let mate = [ev(6, "page", cutoff.0 - DAY_MS, None)];
        let quiet = [ev(7, "page", T0, None)];
        let refs: Vec<&Event> = own.iter().collect();
        let vocab = Vocabulary {
            types: vec!["Form Submitted".into(), "page".into()],
        };
        let f = extract(
            &vocab,
            &refs,
            &[mate.iter().collect(), quiet.iter().collect()],
            cutoff,
        );
        let names = vocab.column_names();
        let get = |n: &str| f[names.iter().position(|x| x == n).unwrap()];
        assert_eq!(
            get("events"),
            Some(4.0),
            "the event at the cut-off is not read"
        );
        assert_eq!(get("events_7d"), Some(2.0));
        assert_eq!(get("events[Form Submitted]"), Some(2.0));
        assert_eq!(get("events_7d[Form Submitted]"), Some(1.0));
        assert_eq!(get("days_since_last[Form Submitted]"), Some(2.0));
        assert_eq!(get("events[other]"), Some(1.0), "Email Opened is pooled");
        assert_eq!(get("days_since_first"), Some(60.0));
        assert_eq!(get("sessions"), Some(2.0));
        assert_eq!(get("minutes_on_site"), Some(15.0));
        assert_eq!(get("account_contacts_30d"), Some(1.0));
        assert_eq!(get("account_events"), Some(2.0));
        let none = extract::<Event>(&vocab, &[], &[], cutoff);
        assert_eq!(
            none[names.iter().position(|x| x == "days_since_last").unwrap()],
            None
        );
        assert_eq!(none[0], Some(0.0));
    }

    #[test]
    fn rare_types_are_pooled_and_pages_are_named() {
        let mut p = ev(1, "page", T0, None);
        p.kind = EventKind::Page;
        p.properties.set("path", Value::from("/pricing"));
        assert_eq!(event_type(&p).as_deref(), Some("page /pricing"));
        p.properties.set("name", Value::from("Pricing"));
        assert_eq!(event_type(&p).as_deref(), Some("page Pricing"));
        let common: Vec<Event> = (0..6).map(|i| ev(i, "Demo Booked", T0, None)).collect();
        let rare = ev(9, "Rare", T0, None);
        let leads: Vec<Vec<&Event>> = common
            .iter()
            .map(|e| vec![e])
            .chain([vec![&rare]])
            .collect();
        let v = Vocabulary::fit(leads.iter().map(|l| (l.as_slice(), Timestamp(T0 + 1))));
        assert_eq!(v.types, vec!["Demo Booked".to_owned()]);
        let early = Vocabulary::fit(leads.iter().map(|l| (l.as_slice(), Timestamp(T0))));
        assert!(early.types.is_empty(), "events at the cut-off do not count");
    }

    fn arb_event(lo: i64, hi: i64) -> impl Strategy<Value = Event> {
        (
            0usize..1_000_000,
            prop::sample::select(vec!["page", "Form Submitted", "Email Opened", "Rare"]),
            lo..hi,
            prop::option::of(prop::sample::select(vec!["a", "b"])),
        )
            .prop_map(|(id, name, t, s)| ev(id, name, t, s))
    }

    proptest! {
        #[test]
        fn events_at_or_after_the_cut_off_change_nothing(
            own in prop::collection::vec(arb_event(T0 - 90 * DAY_MS, T0), 0..40),
            mates in prop::collection::vec(prop::collection::vec(arb_event(T0 - 90 * DAY_MS, T0), 0..10), 0..4),
            later in prop::collection::vec(arb_event(T0, T0 + 90 * DAY_MS), 1..20),
            later_mates in prop::collection::vec(arb_event(T0, T0 + 90 * DAY_MS), 0..10),
        ) {
            let cutoff = Timestamp(T0);
            let vocab = Vocabulary { types: vec!["Form Submitted".into(), "page".into()] };
            let own_refs: Vec<&Event> = own.iter().collect();
            let mate_refs: Vec<Vec<&Event>> = mates.iter().map(|m| m.iter().collect()).collect();
            let before = extract(&vocab, &own_refs, &mate_refs, cutoff);
            // Later events go anywhere in the lists: order must not matter.
            let mut own_all: Vec<&Event> = later.iter().collect();
            own_all.extend(&own_refs);
            let mut mates_all = mate_refs.clone();
            if let Some(first) = mates_all.first_mut() {
                first.extend(later_mates.iter());
            } else {
                mates_all.push(later_mates.iter().collect());
            }
            let after = extract(&vocab, &own_all, &mates_all, cutoff);
            prop_assert_eq!(&before, &after);
            let v1 = Vocabulary::fit(std::iter::once((own_refs.as_slice(), cutoff)));
            let v2 = Vocabulary::fit(std::iter::once((own_all.as_slice(), cutoff)));
            prop_assert_eq!(v1, v2);
        }
    }
}
