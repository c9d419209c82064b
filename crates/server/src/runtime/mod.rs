//! The in-memory side of scoring: every lead's profile and engine state for
//! the active model (and for a model being activated), identity links,
//! account membership and the decay-aware ranking.
//!
//! Only the writer task touches a [`Runtime`]; it is rebuilt from the store
//! at start-up, so it never holds anything the database does not.

pub mod behaviour;
pub mod load;
pub mod prepare;
pub mod rows;

use leadscore_core::engine::{LeadScore, LeadState, Scratch, account_values};
use leadscore_core::model::Model;
use leadscore_core::ranking::Ranking;
use leadscore_core::{Event, Profile, Timestamp};
use rustc_hash::{FxHashMap, FxHashSet};
use smol_str::SmolStr;
use std::sync::Arc;

/// A score is re-evaluated once decay may have moved it by this many points.
pub const REVIEW_TOLERANCE: f64 = 0.5;

/// A model the runtime scores with.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The compiled model.
    pub model: Arc<Model>,
    /// Its stored version.
    pub version: i64,
}

/// The headline of a lead's latest score, to detect changes worth a
/// history entry and to roll accounts up.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Total.
    pub total: f64,
    /// Fit.
    pub fit: f64,
    /// Engagement.
    pub engagement: f64,
    /// In a hot cell.
    pub hot: bool,
    /// Matrix cell.
    pub cell: SmolStr,
    /// Stage name.
    pub stage: SmolStr,
}

impl Summary {
    fn of(model: &Model, s: &LeadScore) -> Summary {
        Summary {
            total: s.total,
            fit: s.fit,
            engagement: s.engagement,
            hot: s.hot,
            cell: s.cell(),
            stage: SmolStr::new(s.stage_name(model)),
        }
    }

    /// Whether going from `self` to `next` is worth a history entry: any
    /// change of cell or stage, or of the total by at least one point (so a
    /// score chart has every real move, without a row per page view).
    pub fn differs(&self, next: &Summary) -> bool {
        self.cell != next.cell || self.stage != next.stage || (self.total - next.total).abs() >= 1.0
    }
}

/// One lead as the writer sees it.
#[derive(Debug, Clone)]
pub struct LeadEntry {
    /// Profile (id and attributes).
    pub profile: Profile,
    /// Sales owner.
    pub owner: Option<String>,
    /// First seen (ms).
    pub created_at: i64,
    /// Every id filed under this lead (its own id first).
    pub identities: Vec<SmolStr>,
    /// The account it belongs to.
    pub account: Option<SmolStr>,
    /// Engine state under the active model.
    pub state: LeadState,
    /// Engine state under the model being activated, once built.
    pub pending: Option<LeadState>,
    /// The latest score under the active model.
    pub last: Option<Summary>,
    /// The latest score under the model being activated, with its review time.
    pub pending_last: Option<(Summary, Option<Timestamp>)>,
    /// False once merged into another lead or erased.
    pub alive: bool,
}

/// Scoring state for every lead.
#[derive(Debug)]
pub struct Runtime {
    /// The model scores come from.
    pub active: Loaded,
    /// A model being activated: states are built lead by lead in the background.
    pub pending: Option<Loaded>,
    /// Leads by index; indices stay stable, dead entries stay as tombstones.
    pub leads: Vec<LeadEntry>,
    /// Live lead id to index.
    pub index: FxHashMap<SmolStr, u32>,
    /// Every known identity (user id, anonymous id, alias) to its lead.
    pub identities: FxHashMap<SmolStr, u32>,
    /// Live members of each account.
    pub accounts: FxHashMap<SmolStr, Vec<u32>>,
    /// Leads by total, with review times for decay.
    pub ranking: Ranking,
    /// Trigger states that differ from their start state, by trigger name
    /// then lead: whether the trigger is armed.
    pub triggers: FxHashMap<SmolStr, FxHashMap<u32, bool>>,
    /// Named counters (round-robin turns), as stored.
    pub counters: FxHashMap<String, i64>,
    /// Behaviour events for trained models that read them.
    pub history: Arc<behaviour::LiveHistory>,
    /// The log position the stored leads, links and scores reflect: events
    /// after it are in memory only, until the writer's next flush.
    pub applied: i64,
    scratch: Scratch,
}

impl Runtime {
    /// A runtime with no leads.
    pub fn new(active: Loaded, history: Arc<behaviour::LiveHistory>) -> Runtime {
        Runtime {
            history,
            active,
            pending: None,
            leads: Vec::new(),
            index: FxHashMap::default(),
            identities: FxHashMap::default(),
            accounts: FxHashMap::default(),
            ranking: Ranking::new(),
            triggers: FxHashMap::default(),
            counters: FxHashMap::default(),
            applied: 0,
            scratch: Scratch::default(),
        }
    }

    /// Number of live leads.
    pub fn live_leads(&self) -> usize {
        self.index.len()
    }

    /// The lead an identity is filed under.
    pub fn lead_of(&self, identity: &str) -> Option<u32> {
        self.identities.get(identity).copied()
    }

    /// Adds a lead with an empty profile, filed under its own id.
    pub fn create_lead(&mut self, id: &SmolStr, now: i64) -> u32 {
        let i = self.leads.len() as u32;
        self.leads.push(LeadEntry {
            profile: Profile::new(id.clone()),
            owner: None,
            created_at: now,
            identities: vec![id.clone()],
            account: None,
            state: LeadState::new(&self.active.model),
            pending: self.pending.as_ref().map(|p| LeadState::new(&p.model)),
            last: None,
            pending_last: None,
            alive: true,
        });
        self.index.insert(id.clone(), i);
        self.identities.insert(id.clone(), i);
        i
    }

    /// Files `identity` under lead `i`.
    pub fn link(&mut self, identity: &SmolStr, i: u32) {
        self.identities.insert(identity.clone(), i);
        self.leads[i as usize].identities.push(identity.clone());
    }

    /// Re-reads the lead's account from its profile; returns the old and
    /// new accounts when it changed.
    pub fn refresh_account(&mut self, i: u32) -> Option<(Option<SmolStr>, Option<SmolStr>)> {
        let entry = &mut self.leads[i as usize];
        let now = entry.profile.account().map(SmolStr::new);
        if now == entry.account {
            return None;
        }
        let before = std::mem::replace(&mut entry.account, now.clone());
        if let Some(a) = &before {
            self.leave_account(a, i);
        }
        if let Some(a) = &now {
            self.accounts.entry(a.clone()).or_default().push(i);
        }
        self.history
            .set_account(&self.leads[i as usize].profile.id, now.as_ref());
        Some((before, now))
    }

    fn leave_account(&mut self, account: &SmolStr, i: u32) {
        if let Some(members) = self.accounts.get_mut(account) {
            members.retain(|&m| m != i);
            if members.is_empty() {
                self.accounts.remove(account);
            }
        }
    }

    /// Merges lead `from` into lead `into`: identities move, attributes
    /// `into` lacks are taken from `from`, and `from` dies. The caller
    /// rebuilds `into` from the event log.
    pub fn merge(&mut self, from: u32, into: u32) {
        let taken = std::mem::take(&mut self.leads[from as usize].identities);
        for id in &taken {
            self.identities.insert(id.clone(), into);
        }
        let old_profile = std::mem::take(&mut self.leads[from as usize].profile.attributes);
        let old_owner = self.leads[from as usize].owner.take();
        let target = &mut self.leads[into as usize];
        target.identities.extend(taken);
        for (k, v) in old_profile {
            target.profile.attributes.entry(k).or_insert(v);
        }
        if target.owner.is_none() {
            target.owner = old_owner;
        }
        self.kill(from);
        self.refresh_account(into);
    }

    /// Removes a lead and every identity filed under it.
    pub fn erase(&mut self, i: u32) {
        for id in std::mem::take(&mut self.leads[i as usize].identities) {
            self.identities.remove(&id);
        }
        self.kill(i);
    }

    fn kill(&mut self, i: u32) {
        let entry = &mut self.leads[i as usize];
        entry.alive = false;
        let id = entry.profile.id.clone();
        let account = entry.account.take();
        entry.state = LeadState::default();
        entry.pending = None;
        self.history.forget(&id);
        self.index.remove(&id);
        if let Some(a) = account {
            self.leave_account(&a, i);
        }
        self.ranking.remove(i);
        for states in self.triggers.values_mut() {
            states.remove(&i);
        }
    }

    /// Applies one event to the lead's states.
    pub fn apply(&mut self, i: u32, e: &Event) {
        let entry = &mut self.leads[i as usize];
        self.history.push(&entry.profile.id, e);
        entry.state.apply(&self.active.model, e);
        if let (Some(p), Some(state)) = (&self.pending, &mut entry.pending) {
            state.apply(&p.model, e);
        }
    }

    /// Rebuilds the lead's states from all of its events: both models', or
    /// with `pending_only` (activation building a lead whose active state is
    /// already right) only the pending model's.
    pub fn rebuild(&mut self, i: u32, events: &[Event], pending_only: bool) {
        let entry = &mut self.leads[i as usize];
        // Also fills in the past when recording started after the lead
        // was loaded (a behaviour model being activated).
        self.history.replace(&entry.profile.id, events);
        self.history
            .set_account(&entry.profile.id, entry.account.as_ref());
        if !pending_only {
            entry.state.reset(&self.active.model);
            for e in events {
                entry.state.apply(&self.active.model, e);
            }
        }
        if let Some(p) = &self.pending {
            let mut state = LeadState::new(&p.model);
            for e in events {
                state.apply(&p.model, e);
            }
            entry.pending = Some(state);
        }
    }

    /// The leads that must be re-scored when `touched` changed: themselves
    /// and, when the model has account signals, their accounts' members.
    pub fn affected(
        &self,
        touched: &FxHashSet<u32>,
        accounts: &FxHashSet<SmolStr>,
        model: &Model,
    ) -> Vec<u32> {
        let mut out: FxHashSet<u32> = touched
            .iter()
            .copied()
            .filter(|&i| self.leads[i as usize].alive)
            .collect();
        if model.has_account_aggregates() {
            for a in accounts {
                if let Some(m) = self.accounts.get(a) {
                    out.extend(m);
                }
            }
        }
        let mut out: Vec<u32> = out.into_iter().collect();
        out.sort_unstable();
        out
    }

    /// Scores leads under the active model at `now`, updating the ranking.
    pub fn score_active(&mut self, leads: &[u32], now: Timestamp) -> Vec<(u32, LeadScore)> {
        let model = Arc::clone(&self.active.model);
        let mut cache: FxHashMap<SmolStr, Vec<f64>> = FxHashMap::default();
        let mut out = Vec::with_capacity(leads.len());
        for &i in leads {
            let values = self.account_values_for(i, &model, now, &mut cache, |e| Some(&e.state));
            let entry = &self.leads[i as usize];
            let s = model.score_with(
                &mut self.scratch,
                &entry.profile,
                &entry.state,
                values.as_deref(),
                now,
            );
            let review = model.next_review(&entry.state, &s, REVIEW_TOLERANCE);
            self.ranking.upsert(i, s.total, review);
            out.push((i, s));
        }
        out
    }

    /// Scores leads under the pending model, where their pending state is built.
    pub fn score_pending(&mut self, leads: &[u32], now: Timestamp) -> Vec<(u32, LeadScore)> {
        let Some(p) = &self.pending else {
            return Vec::new();
        };
        let model = Arc::clone(&p.model);
        let mut cache: FxHashMap<SmolStr, Vec<f64>> = FxHashMap::default();
        let mut out = Vec::new();
        for &i in leads {
            if self.leads[i as usize].pending.is_none() {
                continue;
            }
            let values =
                self.account_values_for(i, &model, now, &mut cache, |e| e.pending.as_ref());
            let entry = &mut self.leads[i as usize];
            let Some(state) = &entry.pending else {
                continue;
            };
            let s = model.score_with(
                &mut self.scratch,
                &entry.profile,
                state,
                values.as_deref(),
                now,
            );
            let review = model.next_review(state, &s, REVIEW_TOLERANCE);
            entry.pending_last = Some((Summary::of(&model, &s), review));
            out.push((i, s));
        }
        out
    }

    fn account_values_for(
        &self,
        i: u32,
        model: &Model,
        now: Timestamp,
        cache: &mut FxHashMap<SmolStr, Vec<f64>>,
        state_of: impl Fn(&LeadEntry) -> Option<&LeadState>,
    ) -> Option<Vec<f64>> {
        if !model.has_account_aggregates() {
            return None;
        }
        let account = self.leads[i as usize].account.as_ref()?;
        if let Some(v) = cache.get(account) {
            return Some(v.clone());
        }
        let members = self.accounts.get(account)?;
        let states: Vec<&LeadState> = members
            .iter()
            .filter_map(|&m| state_of(&self.leads[m as usize]))
            .collect();
        let values = account_values(model, &states, now);
        cache.insert(account.clone(), values.clone());
        Some(values)
    }

    /// Whether a trigger is armed for a lead.
    pub fn armed(&self, t: &leadscore_core::model::Trigger, i: u32) -> bool {
        self.triggers
            .get(&t.name)
            .and_then(|m| m.get(&i).copied())
            .unwrap_or_else(|| t.armed_at_start())
    }

    /// Sets a trigger's state for a lead; true if the state is now the
    /// start state (nothing to store).
    pub fn set_armed(&mut self, t: &leadscore_core::model::Trigger, i: u32, armed: bool) -> bool {
        let states = self.triggers.entry(t.name.clone()).or_default();
        if armed == t.armed_at_start() {
            states.remove(&i);
            true
        } else {
            states.insert(i, armed);
            false
        }
    }

    /// Records the summary of a fresh active score; returns the previous one.
    pub fn remember(&mut self, i: u32, s: &LeadScore) -> (Option<Summary>, Summary) {
        let now = Summary::of(&self.active.model, s);
        let before = self.leads[i as usize].last.replace(now.clone());
        (before, now)
    }

    /// The roll-up of an account's contacts under the active model.
    pub fn account_rollup(&self, account: &str) -> Option<leadscore_store::AccountScoreRow> {
        let members = self.accounts.get(account)?;
        let mut row = leadscore_store::AccountScoreRow {
            model_version: self.active.version,
            account_id: account.to_owned(),
            contacts: members.len() as i64,
            engaged_contacts: 0,
            hot_contacts: 0,
            best_fit: f64::NEG_INFINITY,
            total_engagement: 0.0,
            best_total: f64::NEG_INFINITY,
        };
        for &m in members {
            if let Some(s) = &self.leads[m as usize].last {
                row.engaged_contacts += i64::from(s.engagement > 0.0);
                row.hot_contacts += i64::from(s.hot);
                row.best_fit = row.best_fit.max(s.fit);
                row.total_engagement += s.engagement;
                row.best_total = row.best_total.max(s.total);
            }
        }
        if row.best_fit == f64::NEG_INFINITY {
            row.best_fit = 0.0;
            row.best_total = 0.0;
        }
        Some(row)
    }

    /// Makes the pending model the active one: its states and summaries
    /// replace the active ones and the ranking is rebuilt from them.
    pub fn promote_pending(&mut self) {
        let Some(p) = self.pending.take() else {
            return;
        };
        self.active = p;
        self.ranking = Ranking::new();
        for (i, entry) in self.leads.iter_mut().enumerate() {
            if !entry.alive {
                continue;
            }
            entry.state = entry
                .pending
                .take()
                .unwrap_or_else(|| LeadState::new(&self.active.model));
            if let Some((summary, review)) = entry.pending_last.take() {
                self.ranking.upsert(i as u32, summary.total, review);
                entry.last = Some(summary);
            }
        }
    }
}
