//! Backtesting a rule model on leads with known outcomes: score every lead
//! with the model, then measure the total as a predictor (the same metrics
//! as a trained model, with the total turned into a probability by a
//! one-feature logistic fit on the training rows), what its MQL line would
//! have meant, and, for two models, how many leads would change stage or
//! cell.

use crate::logistic::{Settings, SparseRows, fit, sigmoid};
use crate::metrics::{Metrics, evaluate};
use leadscore_core::engine::{LeadScore, LeadState};
use leadscore_core::model::Model;
use leadscore_core::{Profile, Timestamp};
use serde::Serialize;

/// What a rule model's line would have sent to sales.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// What the line is: `stage mql` or `total >= 40`.
    pub line: String,
    /// Leads at or past it.
    pub leads: usize,
    /// Their share of all leads.
    pub share: f64,
    /// Of them, the share that converted (precision).
    pub conversion: f64,
    /// Of all converters, the share it caught (recall).
    pub caught: f64,
    /// Leads past it per week, over the weeks the hold-out leads span
    /// (when their times are known).
    pub per_week: Option<f64>,
}

/// One model's backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    /// The model's name and version label.
    pub model: String,
    /// The total as a predictor, on the hold-out rows.
    pub holdout: Metrics,
    /// The model's MQL stage (if it has one named `mql`) and the asked
    /// threshold, on the hold-out rows.
    pub lines: Vec<Line>,
}

/// How two models differ on the same leads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    /// Leads scored.
    pub leads: usize,
    /// Leads whose stage would change.
    pub stage_changes: usize,
    /// Leads whose matrix cell would change.
    pub cell_changes: usize,
    /// Leads that would newly reach the second model's MQL stage.
    pub new_mqls: usize,
    /// Leads that would no longer be MQLs.
    pub lost_mqls: usize,
}

/// Scores every profile with `model` at `as_of` (profiles only: rules on
/// events see none).
pub fn score_all(model: &Model, profiles: &[Profile], as_of: Timestamp) -> Vec<LeadScore> {
    let state = LeadState::new(model);
    profiles
        .iter()
        .map(|p| model.score(p, &state, None, as_of))
        .collect()
}

/// Scores every row of `d`: its profile and, when the data has an event
/// history, its lead's events before the row's cut-off, scored at the
/// cut-off (at its latest event when every event counts). Without a
/// history, engagement rules see no events.
pub fn score_rows(model: &Model, d: &crate::dataset::Loaded) -> Vec<LeadScore> {
    let Some(h) = &d.history else {
        return score_all(model, &d.profiles, Timestamp(0));
    };
    d.profiles
        .iter()
        .enumerate()
        .map(|(r, p)| {
            let mut state = LeadState::new(model);
            let mut latest = Timestamp(0);
            for &i in h.lead[r].map_or(&[][..], |l| &h.ds.lead_events[l]) {
                let e = &h.ds.events[i as usize];
                // A lead's events are in time order.
                if e.timestamp >= h.cutoffs[r] {
                    break;
                }
                state.apply(model, e);
                latest = e.timestamp;
            }
            let as_of = match h.cutoffs[r] {
                Timestamp(i64::MAX) => latest,
                t => t,
            };
            model.score(p, &state, None, as_of)
        })
        .collect()
}

fn mql_index(model: &Model) -> Option<u16> {
    model
        .stages
        .iter()
        .position(|s| s.name.eq_ignore_ascii_case("mql"))
        .map(|i| i as u16)
}

fn line(name: String, hit: impl Iterator<Item = (bool, bool)>) -> Line {
    let (mut n, mut leads, mut conv, mut positives) = (0usize, 0usize, 0usize, 0usize);
    for (inside, converted) in hit {
        n += 1;
        positives += usize::from(converted);
        if inside {
            leads += 1;
            conv += usize::from(converted);
        }
    }
    let ratio = |a: usize, b: usize| if b > 0 { a as f64 / b as f64 } else { 0.0 };
    Line {
        line: name,
        leads,
        share: ratio(leads, n),
        conversion: ratio(conv, leads),
        caught: ratio(conv, positives),
        per_week: None,
    }
}

/// The weeks rows span, from their times (at least one week); `None`
/// without times.
fn weeks(times: &[Option<i64>], rows: &[usize]) -> Option<f64> {
    let known: Vec<i64> = rows
        .iter()
        .filter_map(|&i| times.get(i).copied().flatten())
        .collect();
    let (lo, hi) = (known.iter().min()?, known.iter().max()?);
    Some(((hi - lo) as f64 / (7.0 * leadscore_core::time::DAY_MS as f64)).max(1.0))
}

/// A lead's time from a profile attribute: a date or time as text, or Unix
/// seconds (or milliseconds, for values past the year 5000 in seconds).
pub fn time_of(profile: &Profile, column: &str) -> Option<i64> {
    match profile.get(column) {
        leadscore_core::Value::Str(s) => Timestamp::parse(s).ok().map(|t| t.0),
        leadscore_core::Value::Num(x) if *x > 1e11 => Some(*x as i64),
        leadscore_core::Value::Num(x) => Some((*x * 1000.0) as i64),
        _ => None,
    }
}

/// Backtests `model` on scored leads: `scores[i]` is row `i`, `y[i]` its
/// outcome, `times[i]` its time if known (empty: no times); `train` and
/// `test` split the rows.
pub fn backtest(
    model: &Model,
    scores: &[LeadScore],
    y: &[bool],
    times: &[Option<i64>],
    (train, test): (&[usize], &[usize]),
    threshold: Option<f64>,
) -> Backtest {
    // Calibrate: one feature (the total, scaled), fitted on training rows.
    let scale = train
        .iter()
        .map(|&i| scores[i].total.abs())
        .fold(1.0, f64::max);
    let xs: Vec<f64> = train.iter().map(|&i| scores[i].total / scale).collect();
    let ys: Vec<bool> = train.iter().map(|&i| y[i]).collect();
    let (b, w) = fit(
        &SparseRows::from_dense(&xs, 1),
        &ys,
        Settings {
            alpha: 1e-6,
            ..Settings::default()
        },
    );
    let p: Vec<f64> = test
        .iter()
        .map(|&i| sigmoid(b + w[0] * scores[i].total / scale))
        .collect();
    let yt: Vec<bool> = test.iter().map(|&i| y[i]).collect();
    let mut lines = Vec::new();
    if let Some(m) = mql_index(model) {
        lines.push(line(
            "stage mql".into(),
            test.iter().map(|&i| (scores[i].stage == m, y[i])),
        ));
    }
    if let Some(t) = threshold {
        lines.push(line(
            format!("total >= {t}"),
            test.iter().map(|&i| (scores[i].total >= t, y[i])),
        ));
    }
    if let Some(w) = weeks(times, test) {
        for l in &mut lines {
            l.per_week = Some(l.leads as f64 / w);
        }
    }
    Backtest {
        model: format!("{} {}", model.name, model.version),
        holdout: evaluate(&p, &yt),
        lines,
    }
}

/// How leads would move from model `a` to model `b`.
pub fn preview(a: &Model, sa: &[LeadScore], b: &Model, sb: &[LeadScore]) -> Preview {
    let (ma, mb) = (mql_index(a), mql_index(b));
    let mut out = Preview {
        leads: sa.len(),
        stage_changes: 0,
        cell_changes: 0,
        new_mqls: 0,
        lost_mqls: 0,
    };
    for (x, z) in sa.iter().zip(sb) {
        let was = ma.is_some_and(|m| x.stage == m);
        let now = mb.is_some_and(|m| z.stage == m);
        out.stage_changes += usize::from(x.stage_name(a) != z.stage_name(b));
        out.cell_changes += usize::from(x.cell() != z.cell());
        out.new_mqls += usize::from(now && !was);
        out.lost_mqls += usize::from(was && !now);
    }
    out
}

/// Backtests of one or two models on one data set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// One backtest per model.
    pub models: Vec<Backtest>,
    /// Moving every lead from the first model to the second.
    pub preview: Option<Preview>,
}

/// Backtests `models` (one, or two to compare and preview) on loaded data;
/// with `time_column`, lines are also counted per week. The profiles carry
/// no event history, so they are scored as of the epoch.
pub fn run_models(
    models: &[&Model],
    d: &crate::dataset::Loaded,
    threshold: Option<f64>,
    time_column: Option<&str>,
) -> Report {
    let times: Vec<Option<i64>> = match time_column {
        Some(c) => d.profiles.iter().map(|p| time_of(p, c)).collect(),
        None => Vec::new(),
    };
    let scores: Vec<_> = models.iter().map(|m| score_rows(m, d)).collect();
    let backtests = models
        .iter()
        .zip(&scores)
        .map(|(m, s)| {
            backtest(
                m,
                s,
                &d.table.y,
                &times,
                (&d.split.train, &d.split.test),
                threshold,
            )
        })
        .collect();
    let preview =
        (models.len() == 2).then(|| preview(models[0], &scores[0], models[1], &scores[1]));
    Report {
        models: backtests,
        preview,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_per_week_over_the_span_of_the_hold_out() {
        let day = leadscore_core::time::DAY_MS;
        let times: Vec<Option<i64>> = (0..10).map(|i| Some(i * 3 * day)).collect();
        // Rows 0..10 span 27 days: 27/7 weeks.
        let w = weeks(&times, &(0..10).collect::<Vec<_>>()).unwrap();
        assert!((w - 27.0 / 7.0).abs() < 1e-9);
        assert_eq!(weeks(&[], &[0, 1]), None);
        assert_eq!(
            weeks(&[Some(0), Some(day)], &[0, 1]),
            Some(1.0),
            "at least a week"
        );
        let mut p = Profile::new("a");
        p.attributes.insert(
            "created".into(),
            leadscore_core::Value::Str("2026-03-12".into()),
        );
        assert!(time_of(&p, "created").is_some());
    }
}
