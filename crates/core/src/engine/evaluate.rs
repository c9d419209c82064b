//! Turning a lead's profile and state into a score at a point in time.
//!
//! Evaluation fills the lead's slot table phase by phase (profile, email,
//! BANT, fit, aggregates, signals, totals, grades, stages), matching the
//! order the model compiler enforces, so each condition sees exactly what it
//! may use. A [`Recorder`] observes every step for explanations; the scoring
//! path uses [`NoRecord`], which compiles away.

use super::aggregate::{AggScratch, lead_aggregate_value};
use super::result::{GroupValues, LeadScore, Reason, Reasons, RuleKind, TOP_REASONS};
use super::state::{LeadState, count_until};
use crate::email;
use crate::event::Profile;
use crate::model::{LeadSlot, Model, PointsRule};
use crate::time::{DAY_MS, Timestamp};
use crate::value::Value;
use smol_str::SmolStr;

/// What one engagement rule contributed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RuleDetail {
    /// Events counted.
    pub counted: u32,
    /// Matching events dropped by the frequency limit.
    pub limited: u32,
    /// Points before decay.
    pub raw: f64,
    /// Points after decay, before the cap.
    pub decayed: f64,
    /// Points after the cap: what the rule adds.
    pub points: f64,
}

/// Observes evaluation, for explanations. Every method defaults to nothing.
pub trait Recorder {
    /// A BANT criterion was checked.
    fn bant(&mut self, _index: usize, _holds: bool) {}
    /// A fit rule was checked.
    fn fit(&mut self, _index: usize, _matched: bool) {}
    /// An engagement rule was totalled.
    fn engagement(&mut self, _index: usize, _detail: RuleDetail) {}
    /// An aggregate was computed.
    fn aggregate(&mut self, _index: usize, _value: f64) {}
    /// A signal was checked.
    fn signal(&mut self, _index: usize, _matched: bool) {}
    /// A stage's criteria were checked.
    fn stage(&mut self, _index: usize, _holds: bool) {}
}

/// A recorder that records nothing.
pub struct NoRecord;
impl Recorder for NoRecord {}

/// The profile attribute that holds a manually set stage.
pub const MANUAL_STAGE_ATTRIBUTE: &str = "stage";
/// The profile attribute that holds the email address.
pub const EMAIL_ATTRIBUTE: &str = "email";

/// Keeps the largest contributions by absolute value. Inlined into the rule
/// loops: most contributions are zero or smaller than every kept reason,
/// and those leave after a comparison or two instead of a call.
#[inline(always)]
fn push_reason(reasons: &mut Reasons, r: Reason) {
    if r.points == 0.0 {
        return;
    }
    // Full, and no larger than the smallest kept: it would go last and be cut.
    if let Some(last) = reasons.get(TOP_REASONS - 1)
        && last.points.abs() >= r.points.abs()
    {
        return;
    }
    let at = reasons.partition_point(|x| x.points.abs() >= r.points.abs());
    if at < TOP_REASONS {
        if reasons.len() == TOP_REASONS {
            reasons.pop();
        }
        reasons.insert(at, r);
    }
}

/// Total of an engagement rule at `as_of`, summing hits in time order so that
/// equal states give bit-identical totals. Inlined, so that scoring (which
/// records nothing) computes only the points and skips what only an
/// explanation reads (the limited count, the points before decay).
#[inline(always)]
pub(crate) fn rule_detail(
    rule: &crate::model::EngagementRule,
    hits: &super::state::RuleHits,
    as_of: Timestamp,
) -> RuleDetail {
    let n = count_until(&hits.kept, as_of, |h| h.t);
    let mut decayed = 0.0;
    for h in &hits.kept[..n] {
        decayed += rule.points * rule.decay.factor(as_of.since(h.t));
    }
    let points = match rule.cap {
        Some(cap) => decayed.clamp(-cap, cap),
        None => decayed,
    };
    RuleDetail {
        counted: n as u32,
        limited: count_until(&hits.limited, as_of, |h| h.t) as u32,
        raw: rule.points * n as f64,
        decayed,
        points,
    }
}

/// Reusable buffers for scoring many leads: scoring one lead then allocates
/// only its result.
#[derive(Debug, Default)]
pub struct Scratch {
    slots: Vec<Value>,
    agg: AggScratch,
    domains: email::DomainCache,
}

/// Adds up the points of the rules whose conditions hold, into the total
/// and the groups, noting the largest as reasons.
fn award(
    rules: &[PointsRule],
    kind: RuleKind,
    slots: &[Value],
    groups: &mut [f64],
    reasons: &mut Reasons,
    mut seen: impl FnMut(usize, bool),
) -> f64 {
    let mut total = 0.0;
    for (i, rule) in rules.iter().enumerate() {
        let matched = rule.when.eval(slots);
        seen(i, matched);
        if matched {
            total += rule.points;
            if let Some(g) = rule.group {
                groups[g] += rule.points;
            }
            push_reason(
                reasons,
                Reason {
                    kind,
                    index: i as u32,
                    points: rule.points,
                },
            );
        }
    }
    total
}

#[inline]
fn put(slots: &mut [Value], slot: Option<u32>, v: Value) {
    if let Some(s) = slot {
        slots[s as usize] = v;
    }
}

impl Model {
    /// Scores a lead at `as_of` from its profile and state. `account` holds
    /// the values of the model's account aggregates (by aggregate index) for
    /// the lead's account; `None` treats the lead as an account of one.
    pub fn score(
        &self,
        profile: &Profile,
        state: &LeadState,
        account: Option<&[f64]>,
        as_of: Timestamp,
    ) -> LeadScore {
        self.evaluate(
            &mut Scratch::default(),
            profile,
            state,
            account,
            as_of,
            &mut NoRecord,
        )
    }

    /// [`Model::score`] reusing `scratch`, for scoring many leads.
    pub fn score_with(
        &self,
        scratch: &mut Scratch,
        profile: &Profile,
        state: &LeadState,
        account: Option<&[f64]>,
        as_of: Timestamp,
    ) -> LeadScore {
        self.evaluate(scratch, profile, state, account, as_of, &mut NoRecord)
    }

    /// Scores a lead with a recorder watching every step.
    pub fn evaluate<R: Recorder>(
        &self,
        scratch: &mut Scratch,
        profile: &Profile,
        state: &LeadState,
        account: Option<&[f64]>,
        as_of: Timestamp,
        rec: &mut R,
    ) -> LeadScore {
        let c = &self.computed;
        let slots = &mut scratch.slots;
        slots.clear();
        let last_activity = state.last_activity(as_of);
        let events = count_until(&state.times, as_of, |t| *t) as u32;
        let probability = self
            .predictor
            .as_ref()
            .map(|p| p.probability_at(profile, as_of));

        // One pass over the profile fills every attribute slot (a table
        // look-up per attribute instead of a tree search per slot) and finds
        // the email address and a manual stage on the way, which saves a
        // tree search for each.
        slots.resize(self.lead_slots.len(), Value::Null);
        let mut address = None;
        let mut manual_stage = &Value::Null;
        for (name, value) in &profile.attributes {
            if name.len() == EMAIL_ATTRIBUTE.len()
                && name == EMAIL_ATTRIBUTE
                && let Value::Str(s) = value
            {
                address = Some(s);
            } else if name.len() == MANUAL_STAGE_ATTRIBUTE.len() && name == MANUAL_STAGE_ATTRIBUTE {
                manual_stage = value;
            }
            let slot = match self.attr_known.find(name) {
                Some(known) => known,
                // A name has at most one slot.
                None => self.attr_slots.first(name),
            };
            if let Some(s) = slot {
                slots[s as usize] = value.clone();
            }
        }
        let email = profile.email_quality_of(address, &mut scratch.domains);
        let email_class = email.class();

        // Email and activity: known before any rule runs. Attribute slots
        // are filled above; the rest start missing.
        for (slot, kind) in slots.iter_mut().zip(&self.lead_slots) {
            let v = match kind {
                LeadSlot::EmailValid => Value::Bool(email.valid),
                LeadSlot::EmailDisposable => Value::Bool(email.disposable),
                LeadSlot::EmailRole => Value::Bool(email.role),
                LeadSlot::EmailFree => Value::Bool(email.free),
                LeadSlot::EmailCorporate => Value::Bool(email.corporate),
                LeadSlot::EmailQuality => Value::Str(email_class.as_str().into()),
                LeadSlot::EmailDomain => email.domain.clone().map_or(Value::Null, Value::Str),
                // Whole days: the value then changes only at day boundaries,
                // which keeps review times exact.
                LeadSlot::DaysSinceActivity => last_activity.map_or(Value::Null, |t| {
                    Value::Num(as_of.since(t).div_euclid(DAY_MS) as f64)
                }),
                LeadSlot::EventCount => Value::Num(f64::from(events)),
                LeadSlot::Probability => probability.map_or(Value::Null, Value::Num),
                _ => continue,
            };
            *slot = v;
        }

        // BANT.
        let mut bant_bits = 0u8;
        for (i, cond) in self.bant.iter().enumerate() {
            let holds = cond.as_ref().is_some_and(|c| c.eval(slots.as_slice()));
            rec.bant(i, holds);
            bant_bits |= u8::from(holds) << i;
            put(slots, c.bant[i], Value::Bool(holds));
        }
        let bant = bant_bits.count_ones() as u8;
        put(slots, c.bant_count, Value::Num(f64::from(bant)));

        let mut groups: GroupValues = smallvec::smallvec![0.0; self.groups.len()];
        let mut reasons = Reasons::new();

        // Fit.
        let fit = award(
            &self.fit,
            RuleKind::Fit,
            slots,
            &mut groups,
            &mut reasons,
            |i, m| rec.fit(i, m),
        );
        let fit = self.fit_bounds.clamp(fit);
        put(slots, c.fit, Value::Num(fit));

        // Engagement rules.
        let mut engagement = 0.0;
        for (i, (rule, hits)) in self.engagement.iter().zip(&state.rules).enumerate() {
            let d = rule_detail(rule, hits, as_of);
            rec.engagement(i, d);
            engagement += d.points;
            if let Some(g) = rule.group {
                groups[g] += d.points;
            }
            push_reason(
                &mut reasons,
                Reason {
                    kind: RuleKind::Engagement,
                    index: i as u32,
                    points: d.points,
                },
            );
        }

        // Aggregates, lead and account.
        for (i, agg) in self.aggregates.iter().enumerate() {
            let own = &state.aggregates[self.agg_list_of[i] as usize][..];
            let v = match account {
                Some(values) if agg.account => values.get(i).copied().unwrap_or(0.0),
                _ => lead_aggregate_value(agg, own, as_of, &mut scratch.agg),
            };
            rec.aggregate(i, v);
            put(slots, c.aggregates[i], Value::Num(v));
        }

        // Signals.
        engagement += award(
            &self.signals,
            RuleKind::Signal,
            slots,
            &mut groups,
            &mut reasons,
            |i, m| rec.signal(i, m),
        );

        // Totals and groups.
        let engagement = self.engagement_bounds.clamp(engagement);
        let total = self.total_bounds.clamp(fit + engagement);
        for (value, group) in groups.iter_mut().zip(&self.groups) {
            *value = crate::model::Bounds {
                min: group.min,
                max: group.max,
            }
            .clamp(*value);
        }
        put(slots, c.engagement, Value::Num(engagement));
        put(slots, c.total, Value::Num(total));
        for (slot, v) in c.groups.iter().zip(&groups) {
            put(slots, *slot, Value::Num(*v));
        }

        // Grades.
        let fit_band = self.grades.fit_band(fit);
        let engagement_level = self.grades.engagement_level(engagement);
        let hot = self.grades.hot[usize::from(fit_band)][usize::from(engagement_level - 1)];
        put(
            slots,
            c.fit_grade,
            Value::Str(SmolStr::from_iter([char::from(b'A' + fit_band)])),
        );
        put(
            slots,
            c.engagement_level,
            Value::Num(f64::from(engagement_level)),
        );
        put(
            slots,
            c.cell,
            Value::Str(crate::model::cell_name(fit_band, engagement_level)),
        );
        put(slots, c.hot, Value::Bool(hot));

        // Stage: a manual stage set by a person wins; otherwise the highest
        // automatic stage whose criteria hold.
        let manual = manual_stage
            .as_str()
            .and_then(|s| self.stage_index(s))
            .filter(|&i| self.stages[i].manual);
        let stage = match manual {
            Some(i) => i,
            None => {
                let mut stage = 0;
                for (i, s) in self.stages.iter().enumerate() {
                    if let Some(cond) = &s.when {
                        let holds = cond.eval(slots.as_slice());
                        rec.stage(i, holds);
                        if holds {
                            stage = i;
                        }
                    }
                }
                stage
            }
        };

        LeadScore {
            as_of,
            fit,
            engagement,
            total,
            groups,
            bant,
            bant_bits,
            fit_band,
            engagement_level,
            hot,
            stage: stage as u16,
            manual_stage: manual.is_some(),
            probability,
            email: email_class,
            last_activity,
            events,
            reasons,
        }
    }
}
