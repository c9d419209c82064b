//! Explanations: every rule's part in a lead's score, for people to read.
//!
//! Built by re-running evaluation with a recorder, off the scoring hot path.

use super::evaluate::{Recorder, RuleDetail};
use super::result::{LeadScore, RuleKind};
use super::state::LeadState;
use crate::event::Profile;
use crate::model::{BANT_NAMES, Model};
use crate::time::Timestamp;
use serde::Serialize;

/// One rule's part in the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplainLine {
    /// `fit`, `engagement` or `signal`.
    pub kind: &'static str,
    /// Rule name.
    pub rule: String,
    /// The rule's condition as written.
    pub condition: String,
    /// The score group, if any.
    pub group: Option<String>,
    /// Whether the rule applies (fit, signal) or counted any event (engagement).
    pub matched: bool,
    /// Events counted (engagement rules).
    pub counted: u32,
    /// Matching events beyond the frequency limit (engagement rules).
    pub limited: u32,
    /// Points before decay and cap.
    pub raw: f64,
    /// Points after decay, before the cap.
    pub decayed: f64,
    /// Points the rule adds.
    pub points: f64,
}

/// A whole explanation of one lead's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// Rules in model order: fit, engagement, signals.
    pub lines: Vec<ExplainLine>,
    /// BANT criteria and whether each holds.
    pub bant: Vec<(String, bool)>,
    /// Aggregate values.
    pub aggregates: Vec<(String, f64)>,
    /// Automatic stages and whether their criteria hold.
    pub stages: Vec<(String, bool)>,
}

#[derive(Default)]
struct Collect {
    bant: Vec<(usize, bool)>,
    fit: Vec<(usize, bool)>,
    engagement: Vec<(usize, RuleDetail)>,
    aggregates: Vec<(usize, f64)>,
    signals: Vec<(usize, bool)>,
    stages: Vec<(usize, bool)>,
}

impl Recorder for Collect {
    fn bant(&mut self, i: usize, holds: bool) {
        self.bant.push((i, holds));
    }
    fn fit(&mut self, i: usize, matched: bool) {
        self.fit.push((i, matched));
    }
    fn engagement(&mut self, i: usize, d: RuleDetail) {
        self.engagement.push((i, d));
    }
    fn aggregate(&mut self, i: usize, v: f64) {
        self.aggregates.push((i, v));
    }
    fn signal(&mut self, i: usize, matched: bool) {
        self.signals.push((i, matched));
    }
    fn stage(&mut self, i: usize, holds: bool) {
        self.stages.push((i, holds));
    }
}

fn kind_name(k: RuleKind) -> &'static str {
    match k {
        RuleKind::Fit => "fit",
        RuleKind::Engagement => "engagement",
        RuleKind::Signal => "signal",
    }
}

impl Model {
    /// Scores a lead and explains every rule's part in the score.
    pub fn explain(
        &self,
        profile: &Profile,
        state: &LeadState,
        account: Option<&[f64]>,
        as_of: Timestamp,
    ) -> (LeadScore, Explanation) {
        let mut c = Collect::default();
        let score = self.evaluate(
            &mut super::Scratch::default(),
            profile,
            state,
            account,
            as_of,
            &mut c,
        );
        let group = |g: Option<usize>| g.map(|g| self.groups[g].name.to_string());
        let flat = |kind, rule: &str, cond: &str, g, matched, points| ExplainLine {
            kind: kind_name(kind),
            rule: rule.to_string(),
            condition: cond.to_string(),
            group: g,
            matched,
            counted: 0,
            limited: 0,
            raw: if matched { points } else { 0.0 },
            decayed: if matched { points } else { 0.0 },
            points: if matched { points } else { 0.0 },
        };
        let mut lines = Vec::new();
        for (i, matched) in c.fit {
            let r = &self.fit[i];
            lines.push(flat(
                RuleKind::Fit,
                &r.name,
                r.when.source(),
                group(r.group),
                matched,
                r.points,
            ));
        }
        for (i, d) in c.engagement {
            let r = &self.engagement[i];
            lines.push(ExplainLine {
                kind: kind_name(RuleKind::Engagement),
                rule: r.name.to_string(),
                condition: r.when.source().to_string(),
                group: group(r.group),
                matched: d.counted > 0,
                counted: d.counted,
                limited: d.limited,
                raw: d.raw,
                decayed: d.decayed,
                points: d.points,
            });
        }
        for (i, matched) in c.signals {
            let r = &self.signals[i];
            lines.push(flat(
                RuleKind::Signal,
                &r.name,
                r.when.source(),
                group(r.group),
                matched,
                r.points,
            ));
        }
        let explanation = Explanation {
            lines,
            bant: c
                .bant
                .into_iter()
                .map(|(i, h)| (BANT_NAMES[i].to_string(), h))
                .collect(),
            aggregates: c
                .aggregates
                .into_iter()
                .map(|(i, v)| (self.aggregates[i].name.to_string(), v))
                .collect(),
            stages: c
                .stages
                .into_iter()
                .map(|(i, h)| (self.stages[i].name.to_string(), h))
                .collect(),
        };
        (score, explanation)
    }
}
