//! Suggesting a rule model from data: a logistic regression's coefficients
//! become fit-rule points (log-odds times a scale), and an MQL threshold is
//! chosen for a sales capacity or a target precision. The result is a model
//! file people can read, edit and backtest like any other.

use crate::backtest::{Report, run_models, score_rows};
use crate::behaviour::Vocabulary;
use crate::dataset::Loaded;
use crate::features::ColumnEncoding;
use crate::train::{Kind, Learned, Options, Trained, train};
use leadscore_core::model::Model;

/// Rules whose points round to less than this (in absolute value) are left
/// out: they would add noise, not signal.
const MIN_POINTS: f64 = 2.0;

/// How to place the MQL line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// Sales can take `capacity` leads a week out of `arrivals` new leads a
    /// week: the line passes that share.
    Capacity {
        /// Leads sales can work per week.
        capacity: f64,
        /// New leads per week.
        arrivals: f64,
    },
    /// The lowest line whose leads convert at least this often.
    Precision(f64),
}

fn quoted_name(name: &str) -> String {
    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
    {
        name.to_owned()
    } else {
        format!("`{name}`")
    }
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The `[[engagement]]` rule of one event type (as
/// [`crate::behaviour::event_type`] names it) worth `points` per event.
fn engagement_rule(event_type: &str, points: f64) -> String {
    let (event, when) = match event_type.split_once(' ') {
        Some((kind @ ("page" | "screen"), label)) => (
            kind,
            format!(
                "\nwhen = {}",
                toml_string(&format!(
                    "name == {} or path == {}",
                    toml_string(label),
                    toml_string(label)
                ))
            ),
        ),
        _ => (event_type, String::new()),
    };
    format!(
        "[[engagement]]\nname = {}\nevent = {}{when}\npoints = {points}\n\n",
        toml_string(event_type),
        toml_string(event)
    )
}

/// `[[fit]]` rules from a logistic model: one per feature whose coefficient
/// is worth [`MIN_POINTS`] at `scale` points per unit of log-odds.
/// `not_answered` is the value written for "not answered" in conditions.
/// With the behaviour columns of `vocab`, each event type's count becomes
/// an `[[engagement]]` rule (its points per event are its coefficient per
/// event); the other behaviour columns (recency, sessions, account
/// signals) have no rule of their own and are left out.
pub fn fit_rules(
    model: &Trained,
    scale: f64,
    not_answered: Option<&str>,
    vocab: Option<&Vocabulary>,
) -> Result<String, String> {
    let Learned::Logistic { coefficients, .. } = &model.learned else {
        return Err("points are suggested from a logistic model (--kind logistic)".into());
    };
    let mut out = String::new();
    let mut at = 0;
    let mut rule = |name: String, when: String, coef: f64| {
        let points = (coef * scale).round();
        if points.abs() >= MIN_POINTS && !when.is_empty() {
            out.push_str(&format!(
                "[[fit]]\nname = {}\nwhen = {}\npoints = {points}\n\n",
                toml_string(&name),
                toml_string(&when)
            ));
        }
    };
    let literal_ok = |s: &str| !s.contains('"') && !s.contains('\\');
    let behaviour: Vec<String> = vocab.map(Vocabulary::column_names).unwrap_or_default();
    let mut engagement = String::new();
    for c in &model.encoder.columns {
        match c {
            ColumnEncoding::Numeric { name, std, .. } if behaviour.contains(name) => {
                let counted = name
                    .strip_prefix("events[")
                    .and_then(|t| t.strip_suffix(']'))
                    .filter(|t| *t != crate::behaviour::OTHER_TYPE);
                // Standardised counts: the coefficient is per `std` events.
                let points = (coefficients[at] / std * scale).round();
                if let Some(t) = counted.filter(|t| points.abs() >= MIN_POINTS && literal_ok(t)) {
                    engagement.push_str(&engagement_rule(t, points));
                }
                at += 3;
            }
            ColumnEncoding::Numeric { name, mean, std } => {
                let n = quoted_name(name);
                let cut = ((mean + std) * 100.0).round() / 100.0;
                rule(
                    format!("{name} high"),
                    format!("{n} >= {cut}"),
                    coefficients[at],
                );
                rule(
                    format!("{name} missing"),
                    format!("{n} is missing"),
                    coefficients[at + 1],
                );
                if let Some(na) = not_answered.filter(|s| literal_ok(s)) {
                    rule(
                        format!("{name} not answered"),
                        format!("{n} == \"{na}\""),
                        coefficients[at + 2],
                    );
                }
                at += 3;
            }
            ColumnEncoding::Categorical { name, levels } => {
                let n = quoted_name(name);
                for (k, level) in levels.iter().enumerate() {
                    if literal_ok(level) {
                        rule(
                            format!("{name} = {level}"),
                            format!("{n} == \"{level}\""),
                            coefficients[at + k],
                        );
                    }
                }
                let m = levels.len();
                rule(
                    format!("{name} missing"),
                    format!("{n} is missing"),
                    coefficients[at + m],
                );
                if let Some(na) = not_answered.filter(|s| literal_ok(s)) {
                    rule(
                        format!("{name} not answered"),
                        format!("{n} == \"{na}\""),
                        coefficients[at + m + 1],
                    );
                }
                at += m + 3;
            }
            c @ (ColumnEncoding::Raw { .. } | ColumnEncoding::Rate { .. }) => at += c.width(),
        }
    }
    Ok(out + &engagement)
}

/// A suggested model: its file and its backtest on the hold-out rows.
#[derive(Debug, Clone)]
pub struct Suggested {
    /// The model file (TOML).
    pub toml: String,
    /// Fit rules in it.
    pub rules: usize,
    /// Engagement rules in it (from behaviour columns).
    pub engagement_rules: usize,
    /// Its MQL line on the total.
    pub line: f64,
    /// Its backtest.
    pub report: Report,
}

/// Suggests a rule model from loaded data: fit rules from a logistic model
/// trained on the training rows, an MQL line for `target` on their totals,
/// and the backtest on the hold-out rows. `source` names the data in the
/// file's comment.
pub fn suggest_model(
    d: &Loaded,
    target: Target,
    scale: f64,
    not_answered: Option<&str>,
    seed: u64,
    source: &str,
) -> Result<Suggested, String> {
    let logistic = train(
        &d.table.select(&d.split.train),
        &Options {
            seed,
            ..Options::new(Kind::Logistic)
        },
    )
    .map_err(|e| e.to_string())?;
    let vocab = d.behaviour.as_ref().map(|(v, _)| v);
    let rules = fit_rules(&logistic, scale, not_answered, vocab)?;
    let header = format!(
        "# Suggested by leadscore from {source} (logistic model {v}).\n\
         # Points are log-odds x {scale}; edit freely, then backtest.\n\
         [model]\nname = \"suggested\"\nversion = \"{v}\"\n\n",
        v = logistic.version
    );
    let draft = Model::from_toml(&format!("{header}{rules}"))
        .map_err(|e| format!("the suggested rules do not compile (a bug): {e}"))?;
    let scores = score_rows(&draft, d);
    let totals: Vec<f64> = d.split.train.iter().map(|&i| scores[i].total).collect();
    let ys: Vec<bool> = d.split.train.iter().map(|&i| d.table.y[i]).collect();
    let line = threshold(&totals, &ys, target);
    if !line.is_finite() {
        return Err("no line meets the target on the training leads".into());
    }
    let toml = format!(
        "{header}{rules}[[stages]]\nname = \"mql\"\nlabel = \"Marketing qualified\"\nwhen = \"total >= {line}\"\n"
    );
    let model = Model::from_toml(&toml)
        .map_err(|e| format!("the suggested model does not compile (a bug): {e}"))?;
    Ok(Suggested {
        report: run_models(&[&model], d, None, None),
        rules: rules.matches("[[fit]]").count(),
        engagement_rules: rules.matches("[[engagement]]").count(),
        line,
        toml,
    })
}

/// The MQL threshold on totals for `target`, from training totals and outcomes.
pub fn threshold(totals: &[f64], y: &[bool], target: Target) -> f64 {
    let mut order: Vec<usize> = (0..totals.len()).collect();
    order.sort_by(|&a, &b| totals[b].total_cmp(&totals[a]));
    match target {
        Target::Capacity { capacity, arrivals } => {
            let share = (capacity / arrivals.max(1e-9)).clamp(0.0, 1.0);
            let k = ((totals.len() as f64) * share).round() as usize;
            if k == 0 {
                return f64::INFINITY;
            }
            totals[order[k.min(order.len()) - 1]]
        }
        Target::Precision(p) => {
            // Walk down the list; keep the lowest line that still converts
            // at the target rate.
            let (mut seen, mut conv, mut best) = (0usize, 0usize, f64::INFINITY);
            let mut i = 0;
            while i < order.len() {
                let t = totals[order[i]];
                while i < order.len() && totals[order[i]] == t {
                    seen += 1;
                    conv += usize::from(y[order[i]]);
                    i += 1;
                }
                if conv as f64 / seen as f64 >= p {
                    best = t;
                }
            }
            best
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_follow_capacity_or_precision() {
        let totals = [90.0, 80.0, 70.0, 60.0, 50.0, 40.0, 30.0, 20.0, 10.0, 0.0];
        let y = [
            true, true, false, true, false, false, true, false, false, false,
        ];
        let cap = Target::Capacity {
            capacity: 30.0,
            arrivals: 100.0,
        };
        assert_eq!(threshold(&totals, &y, cap), 70.0);
        assert_eq!(threshold(&totals, &y, Target::Precision(0.75)), 60.0);
        assert_eq!(threshold(&totals, &y, Target::Precision(1.0)), 80.0);
    }
}
