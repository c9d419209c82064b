//! Name resolution for conditions: what each name means in each part of a model.

use crate::expr::{Scope, Slot, Ty};
use smol_str::SmolStr;
use std::cell::RefCell;

/// What a lead slot holds. Conditions over a lead (fit, BANT, signals,
/// stages) all share one slot table, filled in this order during evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LeadSlot {
    /// A profile attribute.
    Attr(SmolStr),
    /// `email.valid`
    EmailValid,
    /// `email.disposable`
    EmailDisposable,
    /// `email.role`
    EmailRole,
    /// `email.free`
    EmailFree,
    /// `email.corporate`
    EmailCorporate,
    /// `email.quality`: missing, invalid, disposable, role, free or corporate.
    EmailQuality,
    /// `email.domain`
    EmailDomain,
    /// `bant`: how many of the four criteria hold.
    BantCount,
    /// `bant.budget` ... `bant.timeline`, by index into [`crate::model::BANT_NAMES`].
    Bant(u8),
    /// `fit`
    Fit,
    /// `agg.NAME`, by index into the model's aggregates.
    Aggregate(u16),
    /// `account.NAME`, by index into the model's aggregates.
    AccountAggregate(u16),
    /// `days_since_activity`: days since the last event, missing if none.
    DaysSinceActivity,
    /// `events`: number of events so far.
    EventCount,
    /// `engagement`
    Engagement,
    /// `total`
    Total,
    /// `group.NAME`, by index into the model's groups.
    Group(u16),
    /// `grade.fit`: A, B, C or D.
    FitGrade,
    /// `grade.engagement`: 1 to 4.
    EngagementLevel,
    /// `probability`: the trained model's probability of conversion.
    Probability,
    /// `cell`: A1 ... D4.
    Cell,
    /// `hot`: whether the cell is hot.
    Hot,
}

/// Where a lead condition sits, which decides what it may use: each phase
/// sees what earlier phases computed and nothing later, so evaluation can fill
/// slots in one pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    Bant,
    Fit,
    Signal,
    Stage,
}

impl Phase {
    fn describe(self) -> &'static str {
        match self {
            Phase::Bant => "BANT criteria can use profile attributes and email.*",
            Phase::Fit => "fit rules can use profile attributes, email.* and bant",
            Phase::Signal => {
                "signals can use profile attributes, email.*, bant, fit, agg.*, account.*, days_since_activity and events"
            }
            Phase::Stage => "stage criteria can use everything",
        }
    }
}

const EMAIL_FIELDS: [&str; 7] = [
    "valid",
    "disposable",
    "role",
    "free",
    "corporate",
    "quality",
    "domain",
];

/// Resolves names in lead conditions and allocates their slots.
pub(crate) struct LeadScope<'m> {
    pub slots: RefCell<Vec<LeadSlot>>,
    pub phase: std::cell::Cell<Phase>,
    pub groups: &'m [SmolStr],
    pub lead_aggs: Vec<(SmolStr, u16)>,
    pub account_aggs: Vec<(SmolStr, u16)>,
    pub attr_types: &'m [(String, Ty)],
}

impl LeadScope<'_> {
    fn classify(&self, name: &str) -> Result<(LeadSlot, Ty, Phase), String> {
        let simple = |slot, ty, phase| Ok((slot, ty, phase));
        match name {
            "fit" => return simple(LeadSlot::Fit, Ty::Num, Phase::Signal),
            "engagement" => return simple(LeadSlot::Engagement, Ty::Num, Phase::Stage),
            "total" => return simple(LeadSlot::Total, Ty::Num, Phase::Stage),
            "bant" => return simple(LeadSlot::BantCount, Ty::Num, Phase::Fit),
            "hot" => return simple(LeadSlot::Hot, Ty::Bool, Phase::Stage),
            "cell" => return simple(LeadSlot::Cell, Ty::Str, Phase::Stage),
            "days_since_activity" => {
                return simple(LeadSlot::DaysSinceActivity, Ty::Num, Phase::Signal);
            }
            "events" => return simple(LeadSlot::EventCount, Ty::Num, Phase::Signal),
            "probability" => return simple(LeadSlot::Probability, Ty::Num, Phase::Fit),
            "grade.fit" => return simple(LeadSlot::FitGrade, Ty::Str, Phase::Stage),
            "grade.engagement" => return simple(LeadSlot::EngagementLevel, Ty::Num, Phase::Stage),
            _ => {}
        }
        let Some((head, rest)) = name.split_once('.') else {
            return Ok((
                LeadSlot::Attr(name.into()),
                self.attr_type(name),
                Phase::Bant,
            ));
        };
        match head {
            "profile" => Ok((
                LeadSlot::Attr(rest.into()),
                self.attr_type(rest),
                Phase::Bant,
            )),
            "email" => {
                let slot = match rest {
                    "valid" => LeadSlot::EmailValid,
                    "disposable" => LeadSlot::EmailDisposable,
                    "role" => LeadSlot::EmailRole,
                    "free" => LeadSlot::EmailFree,
                    "corporate" => LeadSlot::EmailCorporate,
                    "quality" => LeadSlot::EmailQuality,
                    "domain" => LeadSlot::EmailDomain,
                    _ => {
                        return Err(format!(
                            "unknown email field `{name}`; expected one of {}",
                            list(EMAIL_FIELDS.iter().map(|f| format!("email.{f}")))
                        ));
                    }
                };
                let ty = if matches!(slot, LeadSlot::EmailQuality | LeadSlot::EmailDomain) {
                    Ty::Str
                } else {
                    Ty::Bool
                };
                Ok((slot, ty, Phase::Bant))
            }
            "bant" => match super::BANT_NAMES.iter().position(|b| *b == rest) {
                Some(i) => Ok((LeadSlot::Bant(i as u8), Ty::Bool, Phase::Fit)),
                None => Err(format!(
                    "unknown BANT criterion `{name}`; expected one of {}",
                    list(super::BANT_NAMES.iter().map(|b| format!("bant.{b}")))
                )),
            },
            "group" => match self.groups.iter().position(|g| g == rest) {
                Some(i) => Ok((LeadSlot::Group(i as u16), Ty::Num, Phase::Stage)),
                None => Err(format!(
                    "unknown group `{rest}`; the model's groups are {}",
                    list(self.groups.iter())
                )),
            },
            "agg" => match self.lead_aggs.iter().find(|(n, _)| n == rest) {
                Some((_, i)) => Ok((LeadSlot::Aggregate(*i), Ty::Num, Phase::Signal)),
                None => Err(format!(
                    "unknown aggregate `{name}`; lead aggregates are {}",
                    list(self.lead_aggs.iter().map(|(n, _)| format!("agg.{n}")))
                )),
            },
            "account" => match self.account_aggs.iter().find(|(n, _)| n == rest) {
                Some((_, i)) => Ok((LeadSlot::AccountAggregate(*i), Ty::Num, Phase::Signal)),
                None => Err(format!(
                    "unknown account aggregate `{name}`; account aggregates are {}",
                    list(
                        self.account_aggs
                            .iter()
                            .map(|(n, _)| format!("account.{n}"))
                    )
                )),
            },
            "grade" => Err(format!(
                "unknown grade `{name}`; expected `grade.fit` (A to D) or `grade.engagement` (1 to 4)"
            )),
            // A dotted attribute name that is not a reserved prefix.
            _ => Ok((
                LeadSlot::Attr(name.into()),
                self.attr_type(name),
                Phase::Bant,
            )),
        }
    }

    fn attr_type(&self, name: &str) -> Ty {
        self.attr_types
            .iter()
            .find(|(n, _)| n == name)
            .map_or(Ty::Any, |(_, t)| *t)
    }
}

fn list<T: std::fmt::Display>(items: impl Iterator<Item = T>) -> String {
    let v: Vec<String> = items.map(|i| format!("`{i}`")).collect();
    if v.is_empty() {
        "(none defined)".to_string()
    } else {
        v.join(", ")
    }
}

impl Scope for LeadScope<'_> {
    fn resolve(&self, name: &str) -> Result<(Slot, Ty), String> {
        let (slot, ty, needs) = self.classify(name)?;
        let phase = self.phase.get();
        if needs > phase {
            return Err(format!(
                "`{name}` is not available here; {}",
                phase.describe()
            ));
        }
        let mut slots = self.slots.borrow_mut();
        let index = match slots.iter().position(|s| *s == slot) {
            Some(i) => i,
            None => {
                slots.push(slot);
                slots.len() - 1
            }
        };
        Ok((Slot(index as u32), ty))
    }
}

/// Names that event conditions resolve to something other than a property.
pub(crate) const EVENT_NAME_KEY: &str = "$event";
pub(crate) const EVENT_CHANNEL_KEY: &str = "$channel";

/// Resolves names in event conditions: every name is an event property,
/// except `event` (the event's name) and `channel`.
#[derive(Default)]
pub(crate) struct EventScope {
    pub keys: RefCell<Vec<SmolStr>>,
}

impl Scope for EventScope {
    fn resolve(&self, name: &str) -> Result<(Slot, Ty), String> {
        let (key, ty) = match name {
            "event" => (EVENT_NAME_KEY, Ty::Str),
            "channel" => (EVENT_CHANNEL_KEY, Ty::Str),
            other => (other, Ty::Any),
        };
        let mut keys = self.keys.borrow_mut();
        let index = match keys.iter().position(|k| k == key) {
            Some(i) => i,
            None => {
                keys.push(key.into());
                keys.len() - 1
            }
        };
        Ok((Slot(index as u32), ty))
    }
}
