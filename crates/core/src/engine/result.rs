//! What scoring a lead produces.

use crate::email::EmailClass;
use crate::model::{Model, cell_name};
use crate::time::Timestamp;
use smallvec::SmallVec;
use smol_str::SmolStr;

/// Which kind of rule a reason points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleKind {
    /// A `[[fit]]` rule.
    Fit,
    /// An `[[engagement]]` rule.
    Engagement,
    /// A `[[signals]]` rule.
    Signal,
}

/// One rule's contribution, for "top reasons".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reason {
    /// The kind of rule.
    pub kind: RuleKind,
    /// Its index in the model's list of that kind.
    pub index: u32,
    /// Points it contributed (after decay and cap).
    pub points: f64,
}

impl Reason {
    /// The rule's name in `model`.
    pub fn name<'m>(&self, model: &'m Model) -> &'m str {
        let i = self.index as usize;
        match self.kind {
            RuleKind::Fit => &model.fit[i].name,
            RuleKind::Engagement => &model.engagement[i].name,
            RuleKind::Signal => &model.signals[i].name,
        }
    }
}

/// How many reasons a score keeps.
pub const TOP_REASONS: usize = 3;

/// Score groups kept in a score without a heap allocation; a model with more
/// groups spills to the heap. Full rescoring makes a million scores, and two
/// allocations each (groups, reasons) were a measurable part of the pass
/// (docs/benchmarks.md, fifth round).
pub const INLINE_GROUPS: usize = 4;

/// Per-group values of a score.
pub type GroupValues = SmallVec<[f64; INLINE_GROUPS]>;

/// The top reasons of a score: never more than [`TOP_REASONS`], so never on the heap.
pub type Reasons = SmallVec<[Reason; TOP_REASONS]>;

/// A lead's score at one point in time.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadScore {
    /// The time the score is for.
    pub as_of: Timestamp,
    /// Fit total (after bounds).
    pub fit: f64,
    /// Engagement total (after decay, caps and bounds).
    pub engagement: f64,
    /// Overall total (after bounds).
    pub total: f64,
    /// Per score group, in model order.
    pub groups: GroupValues,
    /// How many BANT criteria hold (0-4).
    pub bant: u8,
    /// Which BANT criteria hold, as bits (budget = 1, authority = 2, need = 4, timeline = 8).
    pub bant_bits: u8,
    /// Fit band: 0 = A ... 3 = D.
    pub fit_band: u8,
    /// Engagement level: 1 (highest) ... 4.
    pub engagement_level: u8,
    /// Whether the matrix cell is hot.
    pub hot: bool,
    /// Index into the model's stages.
    pub stage: u16,
    /// Whether the stage was set by a person.
    pub manual_stage: bool,
    /// The trained model's probability of conversion, when the model has
    /// one attached (`[predictive]`).
    pub probability: Option<f64>,
    /// Quality of the lead's email address.
    pub email: EmailClass,
    /// The latest event at or before `as_of`.
    pub last_activity: Option<Timestamp>,
    /// Number of events at or before `as_of`.
    pub events: u32,
    /// The largest contributions by absolute value, largest first.
    pub reasons: Reasons,
}

impl LeadScore {
    /// The matrix cell, `A1` ... `D4`.
    pub fn cell(&self) -> SmolStr {
        cell_name(self.fit_band, self.engagement_level)
    }

    /// The stage's name in `model`.
    pub fn stage_name<'m>(&self, model: &'m Model) -> &'m str {
        &model.stages[usize::from(self.stage)].name
    }
}
