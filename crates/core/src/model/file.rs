//! The model file as written in TOML, before validation.
//!
//! These types mirror the file one to one; `compile` turns them into a
//! [`crate::model::Model`], reading each table and rule on its own so that one
//! malformed rule does not hide the errors of the others.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// The `[model]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Short name, e.g. `b2b-saas`.
    pub name: String,
    /// Version label chosen by the author, e.g. `2026-11-01` or `3`.
    pub version: toml::Value,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Default time decay for engagement rules: `none`, `half-life 30d` or `linear 90d`.
    #[serde(default)]
    pub decay: Option<Spanned<String>>,
}

/// One or several event names.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum EventNames {
    /// `event = "page"`
    One(String),
    /// `event = ["Email Opened", "Email Clicked"]`
    Many(Vec<String>),
}

impl EventNames {
    /// The names as a list.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            EventNames::One(s) => vec![s.clone()],
            EventNames::Many(v) => v.clone(),
        }
    }
}

/// A `[[fit]]` or `[[signals]]` rule: points while a condition on the lead holds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointsRule {
    /// Unique rule name, shown in explanations.
    pub name: String,
    /// Condition over the lead (what it may use depends on the section).
    pub when: Spanned<String>,
    /// Points, negative allowed.
    pub points: f64,
    /// Score group this rule also counts towards.
    #[serde(default)]
    pub group: Option<String>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
}

/// An `[[engagement]]` rule: points for each matching event.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngagementRule {
    /// Unique rule name.
    pub name: String,
    /// Event name(s) this rule looks at; `*` for any.
    pub event: EventNames,
    /// Condition over the event's properties.
    #[serde(default)]
    pub when: Option<Spanned<String>>,
    /// Points per matching event, negative allowed.
    pub points: f64,
    /// Most points (in absolute value) this rule can contribute.
    #[serde(default)]
    pub cap: Option<f64>,
    /// Frequency limit: `once`, `N/day` or `N/week`.
    #[serde(default)]
    pub limit: Option<Spanned<String>>,
    /// Overrides the model's decay.
    #[serde(default)]
    pub decay: Option<Spanned<String>>,
    /// Score group.
    #[serde(default)]
    pub group: Option<String>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
}

/// An `[[aggregates]]` entry: a number computed from the event history.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aggregate {
    /// Name used in conditions as `agg.NAME` (or `account.NAME`).
    pub name: String,
    /// `count`, `sessions`, `channels`, `active_days`, `reactivated` or `contacts`.
    pub kind: Spanned<String>,
    /// Events counted; default any.
    #[serde(default)]
    pub event: Option<EventNames>,
    /// Condition over the event's properties.
    #[serde(default)]
    pub when: Option<Spanned<String>>,
    /// Look-back window, e.g. `7d`.
    pub window: Spanned<String>,
    /// For `reactivated`: the silence that counts as dormant.
    #[serde(default)]
    pub dormant: Option<Spanned<String>>,
    /// `lead` (default) or `account`.
    #[serde(default)]
    pub scope: Option<Spanned<String>>,
}

/// Lower and upper bounds of a total.
#[derive(Debug, Deserialize, Default, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    /// Lowest value the total can take.
    #[serde(default)]
    pub min: Option<f64>,
    /// Highest value the total can take.
    #[serde(default)]
    pub max: Option<f64>,
}

/// A `[[groups]]` entry: a separate total, for example per product line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Name used by rules and in conditions as `group.NAME`.
    pub name: String,
    /// Human label.
    #[serde(default)]
    pub label: Option<String>,
    /// Lowest value.
    #[serde(default)]
    pub min: Option<f64>,
    /// Highest value.
    #[serde(default)]
    pub max: Option<f64>,
}

/// The `[limits]` table: bounds of the fit, engagement and overall totals.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Bounds of the fit total.
    #[serde(default)]
    pub fit: Bounds,
    /// Bounds of the engagement total.
    #[serde(default)]
    pub engagement: Bounds,
    /// Bounds of the overall total.
    #[serde(default)]
    pub total: Bounds,
}

/// The `[grades]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grades {
    /// Minimum fit for bands A, B and C; below C is D.
    pub fit: BTreeMap<String, f64>,
    /// Minimum engagement for levels 1, 2 and 3; below 3 is 4.
    pub engagement: BTreeMap<String, f64>,
    /// Matrix cells that count as hot, e.g. `["A1", "A2", "B1"]`.
    #[serde(default)]
    pub hot: Vec<String>,
}

/// The `[bant]` table: a condition for each of Budget, Authority, Need, Timeline.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Bant {
    /// Budget condition.
    #[serde(default)]
    pub budget: Option<Spanned<String>>,
    /// Authority condition.
    #[serde(default)]
    pub authority: Option<Spanned<String>>,
    /// Need condition.
    #[serde(default)]
    pub need: Option<Spanned<String>>,
    /// Timeline condition.
    #[serde(default)]
    pub timeline: Option<Spanned<String>>,
}

/// A `[[stages]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Stage name, e.g. `mql`.
    pub name: String,
    /// Human label.
    #[serde(default)]
    pub label: Option<String>,
    /// Entry criteria (automatic stages only).
    #[serde(default)]
    pub when: Option<Spanned<String>>,
    /// Set by people, never by rules.
    #[serde(default)]
    pub manual: bool,
}

/// A `[[triggers]]` entry: one line to watch (exactly one of the optional
/// line keys) and the actions to take when a lead crosses it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// Unique name; it keys each lead's firing state across model versions.
    pub name: String,
    /// Fires when the lead enters this stage.
    #[serde(default)]
    pub enters_stage: Option<String>,
    /// Fires when the score rises to this value or above.
    #[serde(default)]
    pub score_above: Option<f64>,
    /// Fires when the score falls below this value.
    #[serde(default)]
    pub score_below: Option<f64>,
    /// Which score the threshold looks at: `total` (default), `fit`,
    /// `engagement` or a score group's name.
    #[serde(default)]
    pub score_of: Option<String>,
    /// Fires when the lead enters one of these matrix cells.
    #[serde(default)]
    pub enters_cells: Option<Vec<String>>,
    /// Fires when the lead enters a hot cell.
    #[serde(default)]
    pub becomes_hot: Option<bool>,
    /// Fires when a hot lead leaves the hot cells.
    #[serde(default)]
    pub cools_down: Option<bool>,
    /// How far back across a score line a lead must go to fire again.
    #[serde(default)]
    pub margin: Option<f64>,
    /// What firing does.
    #[serde(default)]
    pub actions: Vec<Action>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
}

/// One action of a trigger: exactly one of the kinds below.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// Post to the named webhook endpoint.
    #[serde(default)]
    pub webhook: Option<String>,
    /// Assign owners in turn.
    #[serde(default)]
    pub assign_round_robin: Option<Vec<String>>,
    /// Assign by this profile attribute (a territory such as `region`).
    #[serde(default)]
    pub assign_by: Option<String>,
    /// For `assign_by`: attribute value = owner.
    #[serde(default)]
    pub owners: Option<BTreeMap<String, String>>,
    /// For `assign_by`: the owner of unmapped values.
    #[serde(default)]
    pub default_owner: Option<String>,
    /// Add a tag.
    #[serde(default)]
    pub tag: Option<String>,
    /// Remove a tag.
    #[serde(default)]
    pub untag: Option<String>,
    /// Set a manual stage.
    #[serde(default)]
    pub set_stage: Option<String>,
    /// Show an offer with this id.
    #[serde(default)]
    pub offer: Option<String>,
    /// For `offer`: the content key (default: the offer id).
    #[serde(default)]
    pub content: Option<String>,
}

/// The `[predictive]` table: the trained model whose probability the rules
/// can use as `probability`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Predictive {
    /// The trained model's version (from `leadscore train` or the API).
    pub model: String,
}
