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
