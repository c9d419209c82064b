//! Every live lead's behaviour events, for trained models that read
//! behaviour features: the writer records events as it applies them, and a
//! live predictor computes a lead's features as of the scoring time from
//! them with the training code ([`leadscore_ml::behaviour::extract`]).
//!
//! Recording starts once a model trained with events is prepared (a server
//! without one keeps no second copy of the log); activating such a model
//! rebuilds every lead from the stored log, which fills in the past.
//!
//! Only what the features read of an event is kept (time, type, session:
//! 16 bytes a [`Step`]), not the message: the runtime's engine states do
//! not hold events, so some record is needed, and whole messages (ids,
//! properties, context) cost several hundred bytes each.

use leadscore_core::dataset::Dataset;
use leadscore_core::{Event, Timestamp};
use leadscore_ml::behaviour::{Trace, Vocabulary, event_type};
use rustc_hash::FxHashMap;
use smol_str::SmolStr;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// One recorded behaviour event.
#[derive(Debug, Clone, Copy)]
struct Step {
    /// Its time (ms).
    at: i64,
    /// Its type, as an index into [`Inner::kinds`].
    kind: u32,
    /// Its session id, as an index into its lead's [`Trail::sessions`]
    /// ([`NO_SESSION`] without one).
    session: u32,
}

const NO_SESSION: u32 = u32::MAX;

/// One lead's recorded behaviour.
#[derive(Debug, Default)]
struct Trail {
    steps: Vec<Step>,
    /// The distinct session ids of its events.
    sessions: Vec<SmolStr>,
}

impl Trail {
    fn push(&mut self, e: &Event, kind: u32) {
        let session = match Event::session(e) {
            Some(v) => {
                let id = v.to_string();
                // Events mostly continue the latest session: search from it.
                match self.sessions.iter().rposition(|s| *s == id) {
                    Some(k) => k as u32,
                    None => {
                        self.sessions.push(SmolStr::new(id));
                        (self.sessions.len() - 1) as u32
                    }
                }
            }
            None => NO_SESSION,
        };
        self.steps.push(Step {
            at: e.timestamp.0,
            kind,
            session,
        });
    }
}

/// A step with its type's name, as the features read it.
struct Seen<'a> {
    step: Step,
    kind: &'a str,
}

impl Trace for Seen<'_> {
    type Session = u32;

    fn at(&self) -> Timestamp {
        Timestamp(self.step.at)
    }

    fn is_behaviour(&self) -> bool {
        true
    }

    fn slot(&self, vocab: &Vocabulary) -> usize {
        vocab.slot(self.kind)
    }

    fn session(&self) -> Option<u32> {
        Some(self.step.session).filter(|s| *s != NO_SESSION)
    }
}

#[derive(Debug, Default)]
struct Inner {
    /// Behaviour by lead id (identity messages are not kept).
    trails: FxHashMap<SmolStr, Trail>,
    /// Every event type seen, once.
    kinds: Vec<SmolStr>,
    kind_index: FxHashMap<SmolStr, u32>,
    /// Each lead's account.
    account: FxHashMap<SmolStr, SmolStr>,
    /// Each account's leads.
    members: FxHashMap<SmolStr, Vec<SmolStr>>,
}

/// The writer's record of each lead's behaviour.
#[derive(Debug, Default)]
pub struct LiveHistory {
    recording: AtomicBool,
    inner: RwLock<Inner>,
}

impl LiveHistory {
    /// Starts recording (from the next applied or rebuilt event on).
    pub fn record(&self) {
        self.recording.store(true, Ordering::Relaxed);
    }

    /// Whether events are being recorded.
    pub fn recording(&self) -> bool {
        self.recording.load(Ordering::Relaxed)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops every record (before the runtime is loaded again).
    pub fn clear(&self) {
        *self.write() = Inner::default();
    }

    /// Records every lead of `ds` with its events and account (a replay of
    /// the stored history).
    pub fn fill(&self, ds: &Dataset) {
        self.record();
        self.clear();
        for (l, p) in ds.profiles.iter().enumerate() {
            let events = ds.lead_events[l].iter().map(|&i| &ds.events[i as usize]);
            self.replace_with(&p.id, events);
            let account = ds.lead_account[l].map(|a| &ds.accounts[a as usize]);
            self.set_account(&p.id, account);
        }
    }

    /// One more event of `lead`.
    pub fn push(&self, lead: &SmolStr, e: &Event) {
        if let Some(t) = event_type(e).filter(|_| self.recording()) {
            let mut inner = self.write();
            let kind = inner.kind(t);
            inner.trails.entry(lead.clone()).or_default().push(e, kind);
        }
    }

    /// All of `lead`'s events, replacing what was recorded.
    pub fn replace(&self, lead: &SmolStr, events: &[Event]) {
        self.replace_with(lead, events);
    }

    fn replace_with<'a>(&self, lead: &SmolStr, events: impl IntoIterator<Item = &'a Event>) {
        if self.recording() {
            let mut inner = self.write();
            let mut trail = Trail::default();
            for e in events {
                if let Some(t) = event_type(e) {
                    trail.push(e, inner.kind(t));
                }
            }
            inner.trails.insert(lead.clone(), trail);
        }
    }

    /// `lead` now belongs to `account` (or to none).
    pub fn set_account(&self, lead: &SmolStr, account: Option<&SmolStr>) {
        if !self.recording() {
            return;
        }
        let mut inner = self.write();
        if let Some(before) = inner.account.remove(lead)
            && let Some(m) = inner.members.get_mut(&before)
        {
            m.retain(|l| l != lead);
            if m.is_empty() {
                inner.members.remove(&before);
            }
        }
        if let Some(a) = account {
            inner.account.insert(lead.clone(), a.clone());
            inner
                .members
                .entry(a.clone())
                .or_default()
                .push(lead.clone());
        }
    }

    /// `lead` is gone (merged into another or erased).
    pub fn forget(&self, lead: &SmolStr) {
        self.set_account(lead, None);
        if self.recording() {
            self.write().trails.remove(lead);
        }
    }
}

impl Inner {
    /// The index of event type `t`, added when new.
    fn kind(&mut self, t: SmolStr) -> u32 {
        if let Some(&k) = self.kind_index.get(&t) {
            return k;
        }
        let k = self.kinds.len() as u32;
        self.kinds.push(t.clone());
        self.kind_index.insert(t, k);
        k
    }

    fn seen(&self, lead: &str) -> Vec<Seen<'_>> {
        self.trails
            .get(lead)
            .map(|t| {
                t.steps
                    .iter()
                    .map(|&step| Seen {
                        step,
                        kind: &self.kinds[step.kind as usize],
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl leadscore_ml::live::History for LiveHistory {
    fn behaviour(&self, vocab: &Vocabulary, lead: &str, cutoff: Timestamp) -> Vec<Option<f64>> {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        let contacts: Vec<Vec<Seen>> = inner
            .account
            .get(lead)
            .and_then(|a| inner.members.get(a))
            .map(|m| {
                m.iter()
                    .filter(|l| l.as_str() != lead)
                    .map(|l| inner.seen(l))
                    .collect()
            })
            .unwrap_or_default();
        let own = inner.seen(lead);
        let contacts: Vec<Vec<&Seen>> = contacts.iter().map(|c| c.iter().collect()).collect();
        leadscore_ml::behaviour::extract(vocab, &own.iter().collect::<Vec<_>>(), &contacts, cutoff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadscore_core::{EventKind, Value};
    use leadscore_ml::behaviour::extract;
    use leadscore_ml::live::History;

    const T0: i64 = 1_790_000_000_000;
    const MINUTE: i64 = 60_000;

    fn events(lead: &str, n: usize) -> Vec<Event> {
        (0..n)
            .map(|i| {
                let name = ["Form Submitted", "page", "Email Opened", "identify"][i % 4];
                let t = Timestamp(T0 + (i as i64 % 7) * 20 * MINUTE + (i as i64 / 7) * 86_400_000);
                let mut e = Event::track(&format!("{lead}-{i}"), lead, name, t);
                match name {
                    "page" => {
                        e.kind = EventKind::Page;
                        let key = if i % 3 == 0 { "name" } else { "path" };
                        e.properties
                            .set(key, Value::from(format!("/p{}", i % 5).as_str()));
                    }
                    "identify" => e.kind = EventKind::Identify,
                    _ => {}
                }
                if i % 5 < 2 {
                    e.properties
                        .set("session_id", Value::from(format!("s{}", i / 10).as_str()));
                }
                e
            })
            .collect()
    }

    fn whole(v: &[Event]) -> Vec<&Event> {
        v.iter().collect()
    }

    #[test]
    fn a_recorded_event_takes_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Step>(), 16);
    }

    #[test]
    fn the_record_gives_the_features_of_the_whole_events() {
        let h = LiveHistory::default();
        h.record();
        let (a, b, c) = (SmolStr::new("a"), SmolStr::new("b"), SmolStr::new("c"));
        let (ea, eb, ec) = (events("a", 60), events("b", 25), events("c", 9));
        h.replace(&a, &ea[..30]);
        for e in &ea[30..] {
            h.push(&a, e);
        }
        h.replace(&b, &eb);
        h.replace(&c, &ec);
        for l in [&a, &b] {
            h.set_account(l, Some(&SmolStr::new("acme")));
        }
        let vocab = Vocabulary {
            types: vec![
                "Form Submitted".into(),
                "page /p1".into(),
                "page /p3".into(),
            ],
        };
        for day in [0, 2, 5, 9] {
            let cutoff = Timestamp(T0 + day * 86_400_000 + 30 * MINUTE);
            assert_eq!(
                h.behaviour(&vocab, "a", cutoff),
                extract(&vocab, &whole(&ea), &[whole(&eb)], cutoff),
                "day {day}"
            );
            assert_eq!(
                h.behaviour(&vocab, "c", cutoff),
                extract::<Event>(&vocab, &whole(&ec), &[], cutoff)
            );
        }
        h.forget(&b);
        let cutoff = Timestamp(T0 + 9 * 86_400_000);
        assert_eq!(
            h.behaviour(&vocab, "a", cutoff),
            extract::<Event>(&vocab, &whole(&ea), &[], cutoff)
        );
    }
}
