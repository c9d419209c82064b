//! Compiled scoring models: what a model file means, validated and ready to run.
//!
//! A model is built once with [`Model::from_toml`]; every condition in it is
//! compiled to a [`Condition`] with names resolved to slots, so evaluation
//! never looks names up.

mod compile;
mod error;
mod exp2;
pub mod file;
mod keys;
mod scope;
pub mod trigger;

pub use error::{ModelError, ModelErrors};
pub(crate) use keys::ShortKeys;
pub use scope::LeadSlot;
pub(crate) use scope::{EVENT_CHANNEL_KEY, EVENT_NAME_KEY};
pub use trigger::{Action, Crossing, Measure, Trigger};

use crate::expr::Condition;
use crate::time::Duration;
use smol_str::SmolStr;

/// How points fade with age.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decay {
    /// Points keep their full value.
    None,
    /// Points halve every `half_life`.
    HalfLife(Duration),
    /// Points fall in a straight line to zero over `window`.
    Linear(Duration),
}

impl Decay {
    /// The share of points left after `age_ms` milliseconds (1 for age ≤ 0).
    #[inline]
    pub fn factor(self, age_ms: i64) -> f64 {
        if age_ms <= 0 {
            return 1.0;
        }
        match self {
            Decay::None => 1.0,
            Decay::HalfLife(h) => exp2::exp2(-(age_ms as f64) / h.0 as f64),
            Decay::Linear(w) => (1.0 - age_ms as f64 / w.0 as f64).max(0.0),
        }
    }
}

impl std::fmt::Display for Decay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Decay::None => f.write_str("none"),
            Decay::HalfLife(d) => write!(f, "half-life {d}"),
            Decay::Linear(d) => write!(f, "linear {d}"),
        }
    }
}

/// How often a rule may award points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Every matching event counts.
    None,
    /// Only the first matching event ever counts.
    Once,
    /// At most `n` events per calendar day (UTC).
    PerDay(u32),
    /// At most `n` events per ISO week (UTC, Monday first).
    PerWeek(u32),
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::None => f.write_str("none"),
            Limit::Once => f.write_str("once"),
            Limit::PerDay(n) => write!(f, "{n}/day"),
            Limit::PerWeek(n) => write!(f, "{n}/week"),
        }
    }
}

/// Which events a rule or aggregate looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFilter {
    /// Any event.
    Any,
    /// Events with one of these names.
    Names(Vec<SmolStr>),
}

/// A `[[fit]]` or `[[signals]]` rule, compiled: points while its
/// condition on the lead holds.
#[derive(Debug, Clone)]
pub struct PointsRule {
    /// Rule name.
    pub name: SmolStr,
    /// Condition over the lead slots.
    pub when: Condition,
    /// Points awarded while the condition holds.
    pub points: f64,
    /// Index into [`Model::groups`].
    pub group: Option<usize>,
}

/// An `[[engagement]]` rule, compiled.
#[derive(Debug, Clone)]
pub struct EngagementRule {
    /// Rule name.
    pub name: SmolStr,
    /// Events the rule looks at.
    pub events: EventFilter,
    /// Condition over the event slots.
    pub when: Condition,
    /// Points per counted event.
    pub points: f64,
    /// Most points in absolute value, after decay.
    pub cap: Option<f64>,
    /// Frequency limit.
    pub limit: Limit,
    /// Time decay (the rule's own, or the model's).
    pub decay: Decay,
    /// Index into [`Model::groups`].
    pub group: Option<usize>,
}

/// What an aggregate computes over the matching events in its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateKind {
    /// Number of events.
    Count,
    /// Number of distinct sessions.
    Sessions,
    /// Number of distinct channels (web, email, app, event, ...).
    Channels,
    /// Number of distinct days with an event.
    ActiveDays,
    /// 1 if activity resumed in the window after a silence of at least `dormant`, else 0.
    Reactivated,
    /// Number of distinct contacts of the account (account scope only).
    Contacts,
}

impl AggregateKind {
    /// The names accepted in model files.
    pub const NAMES: [&'static str; 6] = [
        "count",
        "sessions",
        "channels",
        "active_days",
        "reactivated",
        "contacts",
    ];
}

/// An `[[aggregates]]` entry, compiled.
#[derive(Debug, Clone)]
pub struct Aggregate {
    /// Name (`agg.NAME` or `account.NAME` in conditions).
    pub name: SmolStr,
    /// What it computes.
    pub kind: AggregateKind,
    /// Events it looks at.
    pub events: EventFilter,
    /// Condition over the event slots.
    pub when: Condition,
    /// Look-back window.
    pub window: Duration,
    /// Silence that makes a lead dormant (`reactivated` only).
    pub dormant: Duration,
    /// Computed over all contacts of the lead's account.
    pub account: bool,
}

/// A score group.
#[derive(Debug, Clone)]
pub struct Group {
    /// Name.
    pub name: SmolStr,
    /// Human label.
    pub label: String,
    /// Lowest value.
    pub min: Option<f64>,
    /// Highest value.
    pub max: Option<f64>,
}

/// Bounds of a total.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Bounds {
    /// Lowest value.
    pub min: Option<f64>,
    /// Highest value.
    pub max: Option<f64>,
}

impl Bounds {
    /// `v` moved into the bounds.
    #[inline]
    pub fn clamp(self, mut v: f64) -> f64 {
        if let Some(max) = self.max {
            v = v.min(max);
        }
        if let Some(min) = self.min {
            v = v.max(min);
        }
        v
    }
}

/// Fit bands and engagement levels.
#[derive(Debug, Clone)]
pub struct Grades {
    /// Minimum fit for A, B, C (descending).
    pub fit: [f64; 3],
    /// Minimum engagement for 1, 2, 3 (descending).
    pub engagement: [f64; 3],
    /// Hot cells as a 4x4 table: `hot[fit band][engagement level - 1]`.
    pub hot: [[bool; 4]; 4],
}

impl Default for Grades {
    fn default() -> Self {
        Grades {
            fit: [60.0, 40.0, 20.0],
            engagement: [60.0, 40.0, 20.0],
            hot: [
                [true, true, false, false],
                [true, false, false, false],
                [false; 4],
                [false; 4],
            ],
        }
    }
}

impl Grades {
    /// The fit band: 0 = A ... 3 = D.
    #[inline]
    pub fn fit_band(&self, fit: f64) -> u8 {
        self.fit.iter().position(|&t| fit >= t).unwrap_or(3) as u8
    }

    /// The engagement level: 1 (most engaged) ... 4.
    #[inline]
    pub fn engagement_level(&self, engagement: f64) -> u8 {
        self.engagement
            .iter()
            .position(|&t| engagement >= t)
            .unwrap_or(3) as u8
            + 1
    }
}

/// The matrix cell name, `A1` ... `D4`.
pub fn cell_name(fit_band: u8, engagement_level: u8) -> SmolStr {
    let letter = char::from(b'A' + fit_band.min(3));
    let digit = char::from(b'0' + engagement_level.clamp(1, 4));
    SmolStr::from_iter([letter, digit])
}

/// A lifecycle stage.
#[derive(Debug, Clone)]
pub struct Stage {
    /// Name, e.g. `mql`.
    pub name: SmolStr,
    /// Human label.
    pub label: String,
    /// Entry criteria; `None` for manual stages and the base stage.
    pub when: Option<Condition>,
    /// Set by people only.
    pub manual: bool,
}

/// A trained model that gives a lead's probability of conversion from its
/// profile. The scoring engine stays pure: whoever loads a rule model that
/// names a trained one (`[predictive] model = "..."`) attaches it with
/// [`Model::with_predictor`].
pub trait Predictor: Send + Sync + std::fmt::Debug {
    /// Its version (content hash).
    fn version(&self) -> &str;
    /// The probability of conversion, 0 to 1.
    fn probability(&self, profile: &crate::Profile) -> f64;
    /// The features that pushed this profile's probability most, largest
    /// first, with their effect on the log-odds.
    fn factors(&self, _profile: &crate::Profile, _top: usize) -> Vec<(String, f64)> {
        Vec::new()
    }
    /// The probability as of `as_of`, which the engine asks for: a
    /// predictor that also reads the lead's behaviour up to that moment
    /// overrides it; one that reads the profile only need not.
    fn probability_at(&self, profile: &crate::Profile, _as_of: crate::Timestamp) -> f64 {
        self.probability(profile)
    }
    /// [`Predictor::factors`] as of `as_of`.
    fn factors_at(
        &self,
        profile: &crate::Profile,
        _as_of: crate::Timestamp,
        top: usize,
    ) -> Vec<(String, f64)> {
        self.factors(profile, top)
    }
}

/// The four BANT criteria, in order Budget, Authority, Need, Timeline.
pub const BANT_NAMES: [&str; 4] = ["budget", "authority", "need", "timeline"];

/// A validated, compiled scoring model.
#[derive(Debug, Clone)]
pub struct Model {
    /// Model name.
    pub name: SmolStr,
    /// Version label.
    pub version: SmolStr,
    /// Description.
    pub description: String,
    /// Model-wide default decay.
    pub decay: Decay,
    /// Fit rules.
    pub fit: Vec<PointsRule>,
    /// Engagement rules.
    pub engagement: Vec<EngagementRule>,
    /// Aggregates.
    pub aggregates: Vec<Aggregate>,
    /// Signal rules.
    pub signals: Vec<PointsRule>,
    /// Score groups.
    pub groups: Vec<Group>,
    /// Bounds of the fit total.
    pub fit_bounds: Bounds,
    /// Bounds of the engagement total.
    pub engagement_bounds: Bounds,
    /// Bounds of the overall total.
    pub total_bounds: Bounds,
    /// Grades and hot cells.
    pub grades: Grades,
    /// BANT conditions; `None` where the model does not define one.
    pub bant: [Option<Condition>; 4],
    /// Stages in order; index 0 is the base stage `lead`.
    pub stages: Vec<Stage>,
    /// Triggers, in file order.
    pub triggers: Vec<Trigger>,
    /// The version of the trained model the file names, if any.
    pub predictive: Option<SmolStr>,
    /// That trained model, once attached.
    pub predictor: Option<std::sync::Arc<dyn Predictor>>,
    /// What each lead slot holds, in slot order.
    pub lead_slots: Vec<LeadSlot>,
    /// The event property behind each event slot, in slot order.
    pub event_slots: Vec<SmolStr>,
    /// What each event name meets (an index into `dispatches`).
    pub(crate) dispatch_names: ShortKeys<u32>,
    /// The same for interned known names, found by where their text is.
    pub(crate) dispatch_known: crate::known::OffsetTable<Option<u32>>,
    /// Rules, aggregates and the values they need, per event name.
    pub(crate) dispatches: Vec<Dispatch>,
    /// What an event whose name no rule names meets.
    pub(crate) dispatch_any: Dispatch,
    /// Where computed values go in the lead slot table.
    pub(crate) computed: ComputedSlots,
    /// Whether any event condition reads the event name or channel.
    pub(crate) event_needs: (bool, bool),
    /// The event slot table before an event's properties are located:
    /// markers for the name and channel, "missing" elsewhere.
    pub(crate) event_at_init: [u8; MAX_EVENT_SLOTS],
    /// Finds the property keys the engine reads, by length first.
    pub(crate) key_matcher: KeyMatcher,
    /// For each event slot whose text is prepared once per event for the
    /// `==`, `starts_with` and `in` tests of event conditions (the most tested
    /// ones, see [`head_slots`]), its place among the prepared ones; else
    /// `u8::MAX`.
    pub(crate) head_of: [u8; MAX_EVENT_SLOTS],
    /// Event lists kept for aggregates: aggregates that look at the same
    /// events under the same condition share one list.
    pub(crate) agg_lists: Vec<AggList>,
    /// For each aggregate, its list in `agg_lists`.
    pub(crate) agg_list_of: Vec<u32>,
    /// The slots of profile attributes, by attribute name.
    pub(crate) attr_slots: ShortKeys<u32>,
    /// The same for interned known attribute names, by where their text is.
    pub(crate) attr_known: crate::known::OffsetTable<Option<u32>>,
}

/// The events one or more aggregates look at.
#[derive(Debug, Clone)]
pub(crate) struct AggList {
    /// Which events.
    pub events: EventFilter,
    /// Under which condition.
    pub when: Condition,
    /// Whether an account aggregate reads it.
    pub account: bool,
}

/// What a property key found in an event is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyUse {
    /// An event slot.
    Slot(u8),
    /// A session id property, by preference order.
    Session(u8),
    /// The explicit channel property.
    Channel,
}

/// The property keys the engine reads: an interned known key (see
/// [`crate::known`]) by where its text is, any other checked against the few
/// keys of its length only (see [`ShortKeys`]).
#[derive(Debug, Clone)]
pub(crate) struct KeyMatcher {
    keys: ShortKeys<KeyUse>,
    /// The uses of each known key: its slot first, then its other use, as
    /// `keys` gives them.
    known: crate::known::OffsetTable<[Option<KeyUse>; 2]>,
}

impl KeyMatcher {
    pub(crate) fn new(keys: &[EventKey]) -> KeyMatcher {
        let mut by_name = ShortKeys::default();
        for (i, k) in keys.iter().enumerate() {
            if let EventKey::Prop(p) = k {
                by_name.add(p, KeyUse::Slot(i as u8));
            }
        }
        for (i, k) in crate::event::SESSION_KEYS.iter().enumerate() {
            by_name.add(k, KeyUse::Session(i as u8));
        }
        by_name.add(crate::event::CHANNEL_KEY, KeyUse::Channel);
        let known = crate::known::OffsetTable::new(|name| {
            let mut uses = [None; 2];
            for (cell, found) in uses.iter_mut().zip(by_name.find(name)) {
                *cell = Some(found);
            }
            uses
        });
        KeyMatcher {
            keys: by_name,
            known,
        }
    }

    /// The uses of an interned known key (none if the engine does not read
    /// it), or `None` for another key, which [`KeyMatcher::find`] matches.
    #[inline(always)]
    pub(crate) fn known(&self, key: &str) -> Option<[Option<KeyUse>; 2]> {
        self.known.find(key)
    }

    /// The uses of a key, if the engine reads it.
    #[inline]
    pub(crate) fn find<'a>(&'a self, key: &'a str) -> impl Iterator<Item = KeyUse> + 'a {
        self.keys.find(key)
    }
}

/// The rules and aggregates one event name meets, found with a single
/// look-up per event.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dispatch {
    /// Engagement rules, by index, in model order.
    pub rules: Vec<u32>,
    /// Aggregate event lists, by index into `Model::agg_lists`.
    pub aggs: Vec<u32>,
    /// Whether any of those aggregates counts distinct sessions.
    pub needs_session: bool,
    /// Whether any of those aggregates counts distinct channels.
    pub needs_channel: bool,
    /// The prepared event slots (see `Model::head_of`) that the conditions of
    /// these rules and aggregates test: only those are prepared for the event.
    pub heads: Vec<u32>,
}

/// Most distinct event properties one model may read: event slots are
/// resolved into a fixed-size table once per event.
pub const MAX_EVENT_SLOTS: usize = 32;

/// Most event slots whose text is prepared per event (see [`crate::expr::TextHead`]).
pub(crate) const MAX_HEAD_SLOTS: usize = 4;

/// The event slots most read by `==` and `starts_with` tests, most first, at most
/// [`MAX_HEAD_SLOTS`], and each slot's place among them.
pub(crate) fn head_slots<'a>(
    conditions: impl Iterator<Item = &'a Condition>,
) -> (Vec<u32>, [u8; MAX_EVENT_SLOTS]) {
    let mut uses = [0u32; MAX_EVENT_SLOTS];
    for c in conditions {
        for s in c.head_slots() {
            if let Some(n) = uses.get_mut(s.0 as usize) {
                *n += 1;
            }
        }
    }
    let mut slots: Vec<u32> = (0..MAX_EVENT_SLOTS as u32)
        .filter(|&s| uses[s as usize] > 0)
        .collect();
    slots.sort_by_key(|&s| std::cmp::Reverse(uses[s as usize]));
    slots.truncate(MAX_HEAD_SLOTS);
    let mut head_of = [u8::MAX; MAX_EVENT_SLOTS];
    for (i, &s) in slots.iter().enumerate() {
        head_of[s as usize] = i as u8;
    }
    (slots, head_of)
}

/// What an event slot reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EventKey {
    /// The event's name.
    Name,
    /// The event's channel.
    Channel,
    /// A property.
    Prop(SmolStr),
}

/// Slot numbers of computed values, resolved once at compile time so that
/// evaluation writes them without searching the slot table.
#[derive(Debug, Clone, Default)]
pub(crate) struct ComputedSlots {
    pub bant: [Option<u32>; 4],
    pub bant_count: Option<u32>,
    pub fit: Option<u32>,
    pub aggregates: Vec<Option<u32>>,
    pub engagement: Option<u32>,
    pub total: Option<u32>,
    pub groups: Vec<Option<u32>>,
    pub fit_grade: Option<u32>,
    pub engagement_level: Option<u32>,
    pub cell: Option<u32>,
    pub hot: Option<u32>,
}

impl ComputedSlots {
    pub(crate) fn new(
        slots: &[LeadSlot],
        aggregates: &[Aggregate],
        groups: usize,
    ) -> ComputedSlots {
        let find = |kind: &LeadSlot| slots.iter().position(|k| k == kind).map(|i| i as u32);
        ComputedSlots {
            bant: std::array::from_fn(|i| find(&LeadSlot::Bant(i as u8))),
            bant_count: find(&LeadSlot::BantCount),
            fit: find(&LeadSlot::Fit),
            aggregates: aggregates
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let i = i as u16;
                    find(&if a.account {
                        LeadSlot::AccountAggregate(i)
                    } else {
                        LeadSlot::Aggregate(i)
                    })
                })
                .collect(),
            engagement: find(&LeadSlot::Engagement),
            total: find(&LeadSlot::Total),
            groups: (0..groups)
                .map(|g| find(&LeadSlot::Group(g as u16)))
                .collect(),
            fit_grade: find(&LeadSlot::FitGrade),
            engagement_level: find(&LeadSlot::EngagementLevel),
            cell: find(&LeadSlot::Cell),
            hot: find(&LeadSlot::Hot),
        }
    }
}

impl Model {
    /// Parses and validates a model file, reporting every error found.
    pub fn from_toml(source: &str) -> Result<Model, ModelErrors> {
        compile::compile(source)
    }

    /// Attaches the trained model the file names; its probability then
    /// feeds `probability` in conditions and [`LeadScore::probability`].
    ///
    /// [`LeadScore::probability`]: crate::engine::LeadScore::probability
    pub fn with_predictor(mut self, p: std::sync::Arc<dyn Predictor>) -> Model {
        self.predictor = Some(p);
        self
    }

    /// The stage index for a name.
    pub fn stage_index(&self, name: &str) -> Option<usize> {
        self.stages
            .iter()
            .position(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// Which entry of `dispatches` an event's name meets, if a rule or
    /// aggregate names it.
    #[inline]
    pub(crate) fn dispatch_of(&self, event: &crate::event::Event) -> Option<u32> {
        match self.dispatch_known.find(&event.name) {
            Some(known) => known,
            None => self.dispatch_names.first(&event.name),
        }
    }

    /// Whether any aggregate is computed over accounts.
    pub fn has_account_aggregates(&self) -> bool {
        self.aggregates.iter().any(|a| a.account)
    }
}
