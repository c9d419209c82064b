//! The scoring engine: incremental lead state, evaluation at any point in
//! time, explanations and account roll-ups.
//!
//! Use it in two steps: [`LeadState::apply`] each event (in any order), then
//! [`crate::model::Model::score`] at the time you want. A full recompute is
//! the same two steps from an empty state, so it always equals the
//! incremental result.

mod aggregate;
mod env;
mod evaluate;
mod explain;
mod project;
mod result;
mod review;
mod state;

pub use aggregate::{AggScratch, account_values, aggregate_value};
pub(crate) use env::event_slot_template;
pub use evaluate::{
    EMAIL_ATTRIBUTE, MANUAL_STAGE_ATTRIBUTE, NoRecord, Recorder, RuleDetail, Scratch,
};
pub use explain::{ExplainLine, Explanation};
pub use project::{Outcomes, Projection, RowRef};
pub use result::{GroupValues, INLINE_GROUPS, LeadScore, Reason, Reasons, RuleKind, TOP_REASONS};
pub use state::{AggHit, Hit, LeadState, RuleHits};
