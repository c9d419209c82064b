//! How well predicted probabilities rank and estimate outcomes: ROC AUC, PR
//! AUC (average precision), log loss, a reliability table, and the share of
//! converters found in the top of the ranked list.

use serde::{Deserialize, Serialize};

/// Probabilities are clipped this far from 0 and 1 in the log loss.
const EPS: f64 = 1e-15;

/// Every metric of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Rows evaluated.
    pub rows: usize,
    /// Converters among them.
    pub positives: usize,
    /// Area under the ROC curve (ties count half).
    pub roc_auc: f64,
    /// Average precision: the area under the precision-recall curve.
    pub pr_auc: f64,
    /// Mean negative log-likelihood.
    pub log_loss: f64,
    /// Share of all converters found in the top 10%, 20% and 50% of rows.
    pub top_10: f64,
    /// See `top_10`.
    pub top_20: f64,
    /// See `top_10`.
    pub top_50: f64,
    /// Reliability: ten bins of predicted probability.
    pub calibration: Vec<Bin>,
}

/// One bin of the reliability table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    /// Lower edge of predicted probability.
    pub from: f64,
    /// Upper edge.
    pub to: f64,
    /// Rows in the bin.
    pub rows: usize,
    /// Their mean predicted probability.
    pub predicted: f64,
    /// Their observed conversion rate.
    pub observed: f64,
}

/// Evaluates probabilities `p` against outcomes `y`.
pub fn evaluate(p: &[f64], y: &[bool]) -> Metrics {
    assert_eq!(p.len(), y.len(), "one probability per outcome");
    let n = y.len();
    let positives = y.iter().filter(|v| **v).count();
    // Highest probability first; ties keep input order so results are
    // deterministic.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    Metrics {
        rows: n,
        positives,
        roc_auc: roc_auc(p, y, &order),
        pr_auc: average_precision(p, y, &order),
        log_loss: y
            .iter()
            .zip(p)
            .map(|(&t, &q)| {
                let q = q.clamp(EPS, 1.0 - EPS);
                if t { -q.ln() } else { -(1.0 - q).ln() }
            })
            .sum::<f64>()
            / n.max(1) as f64,
        top_10: top_share(y, &order, positives, 0.1),
        top_20: top_share(y, &order, positives, 0.2),
        top_50: top_share(y, &order, positives, 0.5),
        calibration: calibration(p, y),
    }
}

/// ROC AUC by ranks: the chance a random converter scores above a random
/// non-converter, ties counting half.
fn roc_auc(p: &[f64], y: &[bool], order: &[usize]) -> f64 {
    let positives = y.iter().filter(|v| **v).count() as f64;
    let negatives = y.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return f64::NAN;
    }
    // Walk from the lowest score up, a group of equal scores at a time.
    let mut negatives_below = 0.0;
    let mut area = 0.0;
    let mut i = order.len();
    while i > 0 {
        let score = p[order[i - 1]];
        let mut j = i;
        let (mut pos, mut neg) = (0.0, 0.0);
        while j > 0 && p[order[j - 1]] == score {
            if y[order[j - 1]] {
                pos += 1.0
            } else {
                neg += 1.0
            }
            j -= 1;
        }
        area += pos * (negatives_below + neg / 2.0);
        negatives_below += neg;
        i = j;
    }
    area / (positives * negatives)
}

/// Mean precision at each converter's rank (scikit-learn's definition,
/// with tied scores taken as one threshold).
fn average_precision(p: &[f64], y: &[bool], order: &[usize]) -> f64 {
    let positives = y.iter().filter(|v| **v).count() as f64;
    if positives == 0.0 {
        return f64::NAN;
    }
    let (mut tp, mut seen, mut ap, mut last_recall) = (0.0, 0.0, 0.0, 0.0);
    let mut i = 0;
    while i < order.len() {
        let score = p[order[i]];
        while i < order.len() && p[order[i]] == score {
            seen += 1.0;
            if y[order[i]] {
                tp += 1.0;
            }
            i += 1;
        }
        let recall = tp / positives;
        ap += (recall - last_recall) * (tp / seen);
        last_recall = recall;
    }
    ap
}

fn top_share(y: &[bool], order: &[usize], positives: usize, share: f64) -> f64 {
    if positives == 0 {
        return f64::NAN;
    }
    let k = ((y.len() as f64) * share).round() as usize;
    let found = order[..k.min(order.len())]
        .iter()
        .filter(|&&i| y[i])
        .count();
    found as f64 / positives as f64
}

fn calibration(p: &[f64], y: &[bool]) -> Vec<Bin> {
    let mut sums = [(0usize, 0.0f64, 0usize); 10];
    for (&q, &t) in p.iter().zip(y) {
        let b = ((q * 10.0) as usize).min(9);
        sums[b].0 += 1;
        sums[b].1 += q;
        sums[b].2 += usize::from(t);
    }
    sums.iter()
        .enumerate()
        .map(|(b, &(rows, sum, pos))| Bin {
            from: b as f64 / 10.0,
            to: (b + 1) as f64 / 10.0,
            rows,
            predicted: if rows > 0 { sum / rows as f64 } else { 0.0 },
            observed: if rows > 0 {
                pos as f64 / rows as f64
            } else {
                0.0
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_match_hand_computed_values() {
        // Scores 0.9 (yes), 0.8 (no), 0.7 (yes), 0.1 (no).
        let p = [0.9, 0.8, 0.7, 0.1];
        let y = [true, false, true, false];
        let m = evaluate(&p, &y);
        // Pairs (pos, neg): (0.9,0.8) ok, (0.9,0.1) ok, (0.7,0.8) no, (0.7,0.1) ok.
        assert!((m.roc_auc - 0.75).abs() < 1e-12);
        // Precision at the two converters: 1/1 and 2/3.
        assert!((m.pr_auc - (0.5 * 1.0 + 0.5 * 2.0 / 3.0)).abs() < 1e-12);
        let ll = -(0.9f64.ln() + 0.2f64.ln() + 0.7f64.ln() + 0.9f64.ln()) / 4.0;
        assert!((m.log_loss - ll).abs() < 1e-12);
        assert_eq!(m.top_50, 0.5);
        assert_eq!(m.calibration.iter().map(|b| b.rows).sum::<usize>(), 4);
    }

    #[test]
    fn ties_count_half() {
        let m = evaluate(&[0.5, 0.5], &[true, false]);
        assert_eq!(m.roc_auc, 0.5);
    }
}
