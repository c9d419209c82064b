//! Every live lead's behaviour events, for trained models that read
//! behaviour features: the writer records events as it applies them, and a
//! live predictor computes a lead's features as of the scoring time from
//! them with the training code ([`leadscore_ml::behaviour::extract`]).
//!
//! Recording starts once a model trained with events is prepared (a server
//! without one keeps no second copy of the log); activating such a model
//! rebuilds every lead from the stored log, which fills in the past.

use leadscore_core::dataset::Dataset;
use leadscore_core::{Event, Timestamp};
use leadscore_ml::behaviour::Vocabulary;
use rustc_hash::FxHashMap;
use smol_str::SmolStr;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Default)]
struct Inner {
    /// Behaviour events by lead id (identity messages are not kept).
    events: FxHashMap<SmolStr, Vec<Event>>,
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
            let events: Vec<Event> = ds.lead_events[l]
                .iter()
                .map(|&i| ds.events[i as usize].clone())
                .collect();
            self.replace(&p.id, &events);
            let account = ds.lead_account[l].map(|a| &ds.accounts[a as usize]);
            self.set_account(&p.id, account);
        }
    }

    /// One more event of `lead`.
    pub fn push(&self, lead: &SmolStr, e: &Event) {
        if self.recording() && !e.is_identity() {
            self.write()
                .events
                .entry(lead.clone())
                .or_default()
                .push(e.clone());
        }
    }

    /// All of `lead`'s events, replacing what was recorded.
    pub fn replace(&self, lead: &SmolStr, events: &[Event]) {
        if self.recording() {
            let kept: Vec<Event> = events
                .iter()
                .filter(|e| !e.is_identity())
                .cloned()
                .collect();
            self.write().events.insert(lead.clone(), kept);
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
            self.write().events.remove(lead);
        }
    }
}

impl Inner {
    fn events_of(&self, lead: &str) -> Vec<&Event> {
        self.events
            .get(lead)
            .map(|v| v.iter().collect())
            .unwrap_or_default()
    }
}

impl leadscore_ml::live::History for LiveHistory {
    fn behaviour(&self, vocab: &Vocabulary, lead: &str, cutoff: Timestamp) -> Vec<Option<f64>> {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        let contacts: Vec<Vec<&Event>> = inner
            .account
            .get(lead)
            .and_then(|a| inner.members.get(a))
            .map(|m| {
                m.iter()
                    .filter(|l| l.as_str() != lead)
                    .map(|l| inner.events_of(l))
                    .collect()
            })
            .unwrap_or_default();
        leadscore_ml::behaviour::extract(vocab, &inner.events_of(lead), &contacts, cutoff)
    }
}
