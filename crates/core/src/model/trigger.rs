//! Triggers: what happens when a lead crosses a line (enters a stage, passes
//! a score threshold, becomes hot, cools down), and the hysteresis that makes
//! each crossing fire once.
//!
//! A trigger is a small state machine per lead: it is *armed* or not. An
//! armed trigger fires when the lead is on the firing side of its line and
//! is disarmed by firing; it is armed again only once the lead is back on the
//! other side by at least the margin. The state is the only memory: the same
//! scores in the same order always fire the same way, however often they are
//! recomputed.

use super::file;
use super::{Model, cell_name};
use crate::engine::LeadScore;
use smol_str::SmolStr;
use std::collections::BTreeMap;

/// A compiled trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    /// Unique name; the key of its per-lead state, kept across model versions.
    pub name: SmolStr,
    /// The line whose crossing fires it.
    pub on: Crossing,
    /// How far back across the line a lead must go before it can fire again.
    pub margin: f64,
    /// What firing does, in order.
    pub actions: Vec<Action>,
}

/// Which number a score threshold looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// The overall total.
    Total,
    /// The fit total.
    Fit,
    /// The engagement total.
    Engagement,
    /// A score group, by index.
    Group(usize),
}

impl Measure {
    fn of(self, s: &LeadScore) -> f64 {
        match self {
            Measure::Total => s.total,
            Measure::Fit => s.fit,
            Measure::Engagement => s.engagement,
            Measure::Group(g) => s.groups.get(g).copied().unwrap_or(0.0),
        }
    }
}

/// The line a trigger watches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Crossing {
    /// The measure rises to `threshold` or above.
    Above(Measure, f64),
    /// The measure falls below `threshold` (after having been at least
    /// `threshold + margin`).
    Below(Measure, f64),
    /// The lead enters this stage (index into the model's stages).
    EntersStage(u16),
    /// The lead enters one of these matrix cells (bit `fit_band * 4 +
    /// engagement_level - 1`).
    EntersCells(u16),
    /// The lead leaves all of these cells (after having been in one).
    LeavesCells(u16),
}

/// What a firing does.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Posts the lead to a named webhook endpoint (through the outbox).
    Webhook(SmolStr),
    /// Gives the lead to the next owner in turn.
    AssignRoundRobin(Vec<SmolStr>),
    /// Gives the lead to the owner its attribute's value maps to
    /// (compared case-insensitively), or to `default`.
    AssignBy {
        /// The profile attribute, e.g. `region`.
        attribute: SmolStr,
        /// Lower-cased value to owner.
        owners: BTreeMap<SmolStr, SmolStr>,
        /// Owner when the value is missing or not mapped; none leaves the
        /// owner as it is.
        default: Option<SmolStr>,
    },
    /// Adds a tag.
    Tag(SmolStr),
    /// Removes a tag.
    Untag(SmolStr),
    /// Sets a manual stage.
    SetStage(SmolStr),
    /// Shows the visitor an offer.
    Offer {
        /// Offer id.
        id: SmolStr,
        /// The content key the website maps to its call to action.
        content: SmolStr,
    },
}

fn cell_bit(s: &LeadScore) -> u16 {
    1 << (u16::from(s.fit_band.min(3)) * 4 + u16::from(s.engagement_level.clamp(1, 4)) - 1)
}

impl Trigger {
    /// The state of a lead never evaluated: upward lines start armed;
    /// downward lines (cooling down) must first be crossed the other way.
    pub fn armed_at_start(&self) -> bool {
        !matches!(self.on, Crossing::Below(..) | Crossing::LeavesCells(_))
    }

    /// One evaluation: whether it fires, and whether it is armed after.
    pub fn step(&self, armed: bool, s: &LeadScore) -> (bool, bool) {
        let m = self.margin;
        let (inside, rearm) = match self.on {
            Crossing::Above(measure, t) => {
                let v = measure.of(s);
                (v >= t, v < t - m)
            }
            Crossing::Below(measure, t) => {
                let v = measure.of(s);
                (v < t, v >= t + m)
            }
            Crossing::EntersStage(i) => (s.stage == i, s.stage != i),
            Crossing::EntersCells(mask) => {
                let inn = mask & cell_bit(s) != 0;
                (inn, !inn)
            }
            Crossing::LeavesCells(mask) => {
                let inn = mask & cell_bit(s) != 0;
                (!inn, inn)
            }
        };
        match (armed, inside, rearm) {
            (true, true, _) => (true, false),
            (false, _, true) => (false, true),
            (armed, ..) => (false, armed),
        }
    }

    /// A one-line description, e.g. `total rises to 60 (margin 5)`.
    pub fn describe(&self, model: &Model) -> String {
        let measure = |m: Measure| match m {
            Measure::Total => "total".to_string(),
            Measure::Fit => "fit".to_string(),
            Measure::Engagement => "engagement".to_string(),
            Measure::Group(g) => format!("group {}", model.groups[g].name),
        };
        let cells = |mask: u16| {
            (0..16u8)
                .filter(|b| mask & (1 << b) != 0)
                .map(|b| cell_name(b / 4, b % 4 + 1).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let margin = if self.margin > 0.0 {
            format!(" (margin {})", self.margin)
        } else {
            String::new()
        };
        match self.on {
            Crossing::Above(m, t) => format!("{} rises to {t}{margin}", measure(m)),
            Crossing::Below(m, t) => format!("{} falls below {t}{margin}", measure(m)),
            Crossing::EntersStage(i) => format!("enters stage {}", model.stages[i as usize].name),
            Crossing::EntersCells(mask) => format!("enters {}", cells(mask)),
            Crossing::LeavesCells(mask) => format!("leaves {}", cells(mask)),
        }
    }
}

/// What a trigger needs to know about the rest of the model to compile.
pub(crate) struct TriggerContext<'a> {
    pub stages: &'a [super::Stage],
    pub groups: &'a [super::Group],
    pub hot: [[bool; 4]; 4],
}

/// Compiles one `[[triggers]]` entry, or says everything wrong with it.
pub(crate) fn compile(t: &file::Trigger, cx: &TriggerContext<'_>) -> Result<Trigger, Vec<String>> {
    let mut errors = Vec::new();
    let measure = |errors: &mut Vec<String>| match t.score_of.as_deref() {
        None | Some("total") => Some(Measure::Total),
        Some("fit") => Some(Measure::Fit),
        Some("engagement") => Some(Measure::Engagement),
        Some(g) => match cx.groups.iter().position(|x| x.name == g) {
            Some(i) => Some(Measure::Group(i)),
            None => {
                errors.push(format!(
                    "`score_of = \"{g}\"`: expected `total`, `fit`, `engagement` or a score group's name"
                ));
                None
            }
        },
    };
    let hot_mask = || {
        let mut mask = 0u16;
        for (f, row) in cx.hot.iter().enumerate() {
            for (e, &hot) in row.iter().enumerate() {
                if hot {
                    mask |= 1 << (f * 4 + e);
                }
            }
        }
        mask
    };
    let mut lines = Vec::new();
    if let Some(v) = t.score_above {
        lines.push(measure(&mut errors).map(|m| Crossing::Above(m, v)));
    }
    if let Some(v) = t.score_below {
        lines.push(measure(&mut errors).map(|m| Crossing::Below(m, v)));
    }
    if let Some(stage) = &t.enters_stage {
        match cx
            .stages
            .iter()
            .position(|s| s.name.eq_ignore_ascii_case(stage))
        {
            Some(i) => lines.push(Some(Crossing::EntersStage(i as u16))),
            None => {
                errors.push(format!(
                    "`enters_stage = \"{stage}\"`: no such stage; expected one of {}",
                    names(cx.stages.iter().map(|s| s.name.as_str()))
                ));
                lines.push(None);
            }
        }
    }
    if let Some(cells) = &t.enters_cells {
        let mut mask = 0u16;
        for c in cells {
            match parse_cell(c) {
                Some(bit) => mask |= 1 << bit,
                None => errors.push(format!(
                    "`enters_cells`: `{c}` is not a matrix cell; expected A1 ... D4"
                )),
            }
        }
        if cells.is_empty() {
            errors.push("`enters_cells` must name at least one cell".into());
        }
        lines.push(Some(Crossing::EntersCells(mask)));
    }
    if t.becomes_hot == Some(true) {
        lines.push(Some(Crossing::EntersCells(hot_mask())));
    }
    if t.cools_down == Some(true) {
        lines.push(Some(Crossing::LeavesCells(hot_mask())));
    }
    if t.score_of.is_some() && t.score_above.is_none() && t.score_below.is_none() {
        errors.push("`score_of` only applies to `score_above` and `score_below`".into());
    }
    let on = match lines.len() {
        1 => lines.pop().flatten(),
        0 => {
            errors.push("a trigger needs exactly one line to watch: `enters_stage`, `score_above`, `score_below`, `enters_cells`, `becomes_hot = true` or `cools_down = true`".into());
            None
        }
        _ => {
            errors.push("a trigger watches one line; it sets more than one of `enters_stage`, `score_above`, `score_below`, `enters_cells`, `becomes_hot`, `cools_down`".into());
            None
        }
    };
    let margin = t.margin.unwrap_or(0.0);
    if !(margin >= 0.0 && margin.is_finite()) {
        errors.push(format!("`margin` must be zero or positive, found {margin}"));
    }
    if t.actions.is_empty() {
        errors.push("`actions` must list at least one action".into());
    }
    let mut actions = Vec::new();
    for (i, a) in t.actions.iter().enumerate() {
        match action(a, cx) {
            Ok(a) => actions.push(a),
            Err(e) => errors.push(format!("action #{}: {e}", i + 1)),
        }
    }
    match on {
        Some(on) if errors.is_empty() => Ok(Trigger {
            name: t.name.as_str().into(),
            on,
            margin,
            actions,
        }),
        _ => Err(errors),
    }
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// `B2` → bit 5.
fn parse_cell(c: &str) -> Option<u16> {
    let b = c.trim().as_bytes();
    match b {
        [f @ (b'A'..=b'D' | b'a'..=b'd'), e @ b'1'..=b'4'] => {
            Some(u16::from(f.to_ascii_uppercase() - b'A') * 4 + u16::from(e - b'1'))
        }
        _ => None,
    }
}

fn action(a: &file::Action, cx: &TriggerContext<'_>) -> Result<Action, String> {
    let kinds = [
        a.webhook.is_some(),
        a.assign_round_robin.is_some(),
        a.assign_by.is_some(),
        a.tag.is_some(),
        a.untag.is_some(),
        a.set_stage.is_some(),
        a.offer.is_some(),
    ];
    let set = kinds.iter().filter(|k| **k).count();
    if set != 1 {
        return Err("an action is exactly one of `webhook`, `assign_round_robin`, `assign_by`, `tag`, `untag`, `set_stage`, `offer`".into());
    }
    let non_empty = |what: &str, v: &str| {
        if v.trim().is_empty() {
            Err(format!("`{what}` must not be empty"))
        } else {
            Ok(SmolStr::from(v.trim()))
        }
    };
    if (a.owners.is_some() || a.default_owner.is_some()) && a.assign_by.is_none() {
        return Err("`owners` and `default_owner` go with `assign_by`".into());
    }
    if a.content.is_some() && a.offer.is_none() {
        return Err("`content` goes with `offer`".into());
    }
    if let Some(w) = &a.webhook {
        return Ok(Action::Webhook(non_empty("webhook", w)?));
    }
    if let Some(list) = &a.assign_round_robin {
        if list.is_empty() || list.iter().any(|o| o.trim().is_empty()) {
            return Err("`assign_round_robin` must list at least one owner, none empty".into());
        }
        return Ok(Action::AssignRoundRobin(
            list.iter().map(|o| SmolStr::from(o.trim())).collect(),
        ));
    }
    if let Some(attribute) = &a.assign_by {
        let owners = a.owners.clone().unwrap_or_default();
        if owners.is_empty() && a.default_owner.is_none() {
            return Err("`assign_by` needs `owners` (value = owner) or a `default_owner`".into());
        }
        return Ok(Action::AssignBy {
            attribute: non_empty("assign_by", attribute)?,
            owners: owners
                .into_iter()
                .map(|(k, v)| (SmolStr::from(k.trim().to_lowercase()), SmolStr::from(v)))
                .collect(),
            default: a.default_owner.as_deref().map(SmolStr::from),
        });
    }
    if let Some(t) = &a.tag {
        return Ok(Action::Tag(non_empty("tag", t)?));
    }
    if let Some(t) = &a.untag {
        return Ok(Action::Untag(non_empty("untag", t)?));
    }
    if let Some(stage) = &a.set_stage {
        return match cx
            .stages
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(stage))
        {
            Some(s) if s.manual => Ok(Action::SetStage(s.name.clone())),
            Some(_) => Err(format!(
                "`set_stage = \"{stage}\"`: only manual stages can be set; `{stage}` is reached by its criteria"
            )),
            None => Err(format!(
                "`set_stage = \"{stage}\"`: no such stage; manual stages are {}",
                names(
                    cx.stages
                        .iter()
                        .filter(|s| s.manual)
                        .map(|s| s.name.as_str())
                )
            )),
        };
    }
    let id = non_empty("offer", a.offer.as_deref().unwrap_or(""))?;
    let content = match &a.content {
        Some(c) => non_empty("content", c)?,
        None => id.clone(),
    };
    Ok(Action::Offer { id, content })
}

impl Action {
    /// The owner this action assigns, if it assigns one. `turn` counts the
    /// trigger's earlier round-robin assignments.
    pub fn owner(&self, profile: &crate::Profile, turn: u64) -> Option<SmolStr> {
        match self {
            Action::AssignRoundRobin(list) => {
                Some(list[(turn % list.len() as u64) as usize].clone())
            }
            Action::AssignBy {
                attribute,
                owners,
                default,
            } => {
                let v = profile.get(attribute);
                let key = v
                    .as_str()
                    .map(|s| s.trim().to_lowercase())
                    .unwrap_or_default();
                owners.get(key.as_str()).or(default.as_ref()).cloned()
            }
            _ => None,
        }
    }
}
