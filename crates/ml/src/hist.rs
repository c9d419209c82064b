//! A compact histogram gradient-boosted tree learner for a binary outcome
//! (log loss), with categorical splits made at each node the way LightGBM
//! makes them: the node's categories are sorted by their sum of gradients
//! over sum of hessians (smoothed) and the best prefix of that order goes
//! left, so one split can set any group of categories against the rest.
//!
//! forust-ml, the learner used before, sees a category only through one
//! number per value (its training conversion rate), fixed for the whole
//! tree; here the order is recomputed inside every node, from the rows that
//! reached it. Numbers are cut into at most [`MAX_BINS`] bins at quantiles
//! of the training values; missing numbers (NaN) go to whichever side gains
//! more. There is no sampling, so the same data and settings always give
//! the same trees.

use crate::logistic::sigmoid;
use serde::{Deserialize, Serialize};

/// Most bins of a numeric feature (missing values get one more).
pub const MAX_BINS: usize = 255;

/// How the learner reads one feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureKind {
    /// A number; NaN is missing.
    Numeric,
    /// A category code `0, 1, 2, ...` stored as a float.
    Categorical,
    /// Not used.
    Ignored,
}

/// Learner settings (the names follow LightGBM's where they mean the same).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Boosting rounds.
    pub trees: usize,
    /// Shrinkage of every tree.
    pub learning_rate: f64,
    /// Deepest tree (depth-wise growth).
    pub max_depth: usize,
    /// L2 penalty on leaf values.
    pub l2: f64,
    /// Least sum of hessians in a leaf.
    pub min_leaf_hessian: f64,
    /// Least rows in a leaf.
    pub min_leaf_rows: usize,
    /// Pseudo-hessian added to each category's when ordering them.
    pub cat_smooth: f64,
    /// Extra L2 penalty in the gain of a many-vs-many categorical split.
    pub cat_l2: f64,
    /// Least rows on each side of a many-vs-many categorical split.
    pub min_data_per_group: usize,
    /// Most categories sent left by one split.
    pub max_cat_threshold: usize,
    /// Features of at most this many categories are split one-vs-rest.
    pub max_cat_to_onehot: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            trees: 100,
            learning_rate: 0.1,
            max_depth: 4,
            l2: 1.0,
            min_leaf_hessian: 1.0,
            min_leaf_rows: 1,
            cat_smooth: 10.0,
            cat_l2: 10.0,
            min_data_per_group: 100,
            max_cat_threshold: 32,
            max_cat_to_onehot: 4,
        }
    }
}

/// Which rows of a split node go left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// `x <= threshold` goes left; missing goes left when `missing_left`.
    Below {
        /// Largest value sent left.
        threshold: f64,
        /// Where NaN goes.
        missing_left: bool,
    },
    /// Category codes in `codes` (sorted) go left, every other code right.
    In {
        /// Codes sent left.
        codes: Vec<u32>,
    },
}

/// One node of a tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum Node {
    /// A leaf: its value is added to the log-odds.
    Leaf {
        /// Log-odds added.
        value: f64,
    },
    /// A split.
    Split {
        /// Feature index.
        feature: u32,
        /// Which rows go left.
        rule: Rule,
        /// Left child (index into the tree's nodes).
        left: u32,
        /// Right child.
        right: u32,
        /// What a leaf here would have added: the difference between a
        /// child's value and this one is the split feature's contribution.
        value: f64,
    },
}

/// A trained ensemble.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forest {
    /// Log-odds before any tree (of the training conversion rate).
    pub base: f64,
    /// Trees; node 0 is each tree's root.
    pub trees: Vec<Vec<Node>>,
}

/// A feature's bins: numeric thresholds, or the number of category codes.
enum Binner {
    Numeric(Vec<f64>),
    Categorical(usize),
    Ignored,
}

impl Binner {
    fn fit(values: impl Iterator<Item = f64>, kind: FeatureKind) -> Binner {
        match kind {
            FeatureKind::Ignored => Binner::Ignored,
            FeatureKind::Categorical => {
                let top = values
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .fold(0.0f64, f64::max);
                Binner::Categorical((top as usize + 1).min(usize::from(u16::MAX)))
            }
            FeatureKind::Numeric => {
                let mut v: Vec<f64> = values.filter(|v| !v.is_nan()).collect();
                v.sort_by(f64::total_cmp);
                let mut distinct = v.clone();
                distinct.dedup();
                let thresholds = if distinct.len() <= MAX_BINS {
                    // Every value but the largest bounds a bin.
                    distinct[..distinct.len().saturating_sub(1)].to_vec()
                } else {
                    let mut t: Vec<f64> =
                        (1..MAX_BINS).map(|k| v[k * v.len() / MAX_BINS]).collect();
                    t.dedup();
                    t.retain(|x| x < v.last().unwrap_or(x));
                    t
                };
                Binner::Numeric(thresholds)
            }
        }
    }

    /// Bins, the missing bin of a numeric feature included.
    fn bins(&self) -> usize {
        match self {
            Binner::Numeric(t) => t.len() + 2,
            Binner::Categorical(n) => *n,
            Binner::Ignored => 0,
        }
    }

    fn bin(&self, x: f64) -> u16 {
        match self {
            Binner::Numeric(t) if x.is_nan() => (t.len() + 1) as u16,
            Binner::Numeric(t) => t.partition_point(|b| *b < x) as u16,
            Binner::Categorical(n) => category(x).min(*n as u32 - 1) as u16,
            Binner::Ignored => 0,
        }
    }
}

/// The code of a categorical feature's value; anything that is not a
/// non-negative number gets a code no split sends left.
fn category(x: f64) -> u32 {
    if x.is_finite() && x >= 0.0 {
        x as u32
    } else {
        u32::MAX
    }
}

/// Gradient, hessian and rows of one bin.
#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    g: f64,
    h: f64,
    n: u32,
}

impl Cell {
    fn add(&mut self, o: Cell) {
        self.g += o.g;
        self.h += o.h;
        self.n += o.n;
    }
    fn minus(self, o: Cell) -> Cell {
        Cell {
            g: self.g - o.g,
            h: self.h - o.h,
            n: self.n - o.n,
        }
    }
}

/// The best split found for a node.
struct Best {
    gain: f64,
    feature: usize,
    /// Per bin of the feature: goes left.
    left_bins: Vec<bool>,
}

/// Everything one fit reads.
struct Fit<'a> {
    settings: &'a Settings,
    binners: Vec<Binner>,
    /// Where each feature's bins start in a histogram.
    offsets: Vec<usize>,
    /// Row-major bins.
    bins: Vec<u16>,
    width: usize,
    /// Features that are not ignored.
    used: Vec<usize>,
    /// Row-major, used features only, each feature's most common bin left
    /// out: each value's index in a histogram (its feature's offset plus
    /// its bin), so filling a histogram is one indexed add per value. Row
    /// `r`'s values are `slots[starts[r]..starts[r + 1]]`.
    slots: Vec<u32>,
    starts: Vec<u32>,
    /// Per used feature (as `used`), the slot of its most common bin, which
    /// a histogram fills from the node's total minus the feature's other
    /// bins (LightGBM skips its "most frequent bin" the same way): X
    /// Education's flags and dominant categories put most values there, so
    /// most adds are saved.
    common: Vec<usize>,
    g: Vec<f64>,
    h: Vec<f64>,
}

/// Trains on `rows` rows of `x` (row-major, `kinds.len()` features).
pub fn fit(
    x: &[f64],
    rows: usize,
    kinds: &[FeatureKind],
    y: &[bool],
    settings: &Settings,
) -> Forest {
    fit_averaged(x, rows, kinds, y, std::slice::from_ref(settings))
}

/// Boosts one forest per entry of `settings` on the same rows (binned
/// once) and returns their average as one forest: every tree's values are
/// divided by the number of forests, so its log-odds is the mean of theirs
/// and per-feature contributions still add up. Forests of different depths
/// make different errors; their average ranked X Education's leads better
/// in cross-validation than any one of them (docs/benchmarks.md).
pub fn fit_averaged(
    x: &[f64],
    rows: usize,
    kinds: &[FeatureKind],
    y: &[bool],
    settings: &[Settings],
) -> Forest {
    let Some(first) = settings.first() else {
        return Forest {
            base: prior_log_odds(y),
            trees: Vec::new(),
        };
    };
    let mut fit = Fit::new(x, rows, kinds, first);
    let mut forests: Vec<Forest> = settings
        .iter()
        .map(|s| {
            fit.settings = s;
            fit.boost(y, &mut |_| true)
        })
        .collect();
    if forests.len() == 1 {
        return forests.remove(0);
    }
    let share = 1.0 / forests.len() as f64;
    let mut averaged = Forest {
        base: forests[0].base,
        trees: Vec::new(),
    };
    for forest in forests {
        for mut tree in forest.trees {
            for node in &mut tree {
                match node {
                    Node::Leaf { value } | Node::Split { value, .. } => *value *= share,
                }
            }
            averaged.trees.push(tree);
        }
    }
    averaged
}

/// The log-odds of the training conversion rate, where every forest starts.
fn prior_log_odds(y: &[bool]) -> f64 {
    let positives = y.iter().filter(|v| **v).count() as f64;
    let prior = (positives / y.len().max(1) as f64).clamp(1e-6, 1.0 - 1e-6);
    (prior / (1.0 - prior)).ln()
}

/// The number of rounds after which the log loss on validation rows `xv`
/// (labels `yv`) was lowest, boosting on the training rows until it has
/// not improved for `patience` rounds (or `settings.trees` rounds).
#[allow(clippy::too_many_arguments)]
pub fn rounds_by_validation(
    x: &[f64],
    rows: usize,
    kinds: &[FeatureKind],
    y: &[bool],
    xv: &[f64],
    yv: &[bool],
    settings: &Settings,
    patience: usize,
) -> usize {
    let width = kinds.len();
    let mut score: Option<Vec<f64>> = None;
    let (mut best, mut best_loss, mut round) = (0, f64::INFINITY, 0);
    Fit::new(x, rows, kinds, settings).boost(y, &mut |forest| {
        let s = score.get_or_insert_with(|| vec![forest.base; yv.len()]);
        let tree = forest.trees.last().map_or(&[][..], Vec::as_slice);
        let mut loss = 0.0;
        for (r, (sr, &label)) in s.iter_mut().zip(yv).enumerate() {
            *sr += leaf(tree, &xv[r * width..(r + 1) * width]).0;
            let p = sigmoid(*sr).clamp(1e-15, 1.0 - 1e-15);
            loss -= if label { p.ln() } else { (1.0 - p).ln() };
        }
        round += 1;
        if loss < best_loss {
            (best, best_loss) = (round, loss);
        }
        round - best < patience
    });
    best.max(1)
}

impl<'a> Fit<'a> {
    /// Bins the training rows once, for any number of boosters.
    fn new(x: &[f64], rows: usize, kinds: &[FeatureKind], settings: &'a Settings) -> Fit<'a> {
        let width = kinds.len();
        let binners: Vec<Binner> = kinds
            .iter()
            .enumerate()
            .map(|(f, k)| Binner::fit((0..rows).map(|r| x[r * width + f]), *k))
            .collect();
        let mut offsets = Vec::with_capacity(width + 1);
        let mut total = 0;
        for b in &binners {
            offsets.push(total);
            total += b.bins();
        }
        offsets.push(total);
        let mut bins = vec![0u16; rows * width];
        for r in 0..rows {
            for (f, b) in binners.iter().enumerate() {
                bins[r * width + f] = b.bin(x[r * width + f]);
            }
        }
        let used: Vec<usize> = (0..width)
            .filter(|&f| kinds[f] != FeatureKind::Ignored)
            .collect();
        let common: Vec<usize> = used
            .iter()
            .map(|&f| {
                let mut counts = vec![0u32; offsets[f + 1] - offsets[f]];
                for r in 0..rows {
                    counts[usize::from(bins[r * width + f])] += 1;
                }
                // The first of the most common bins, so ties are broken the
                // same way every time.
                let most =
                    (0..counts.len()).fold(0, |m, b| if counts[b] > counts[m] { b } else { m });
                offsets[f] + most
            })
            .collect();
        let mut slots = Vec::new();
        let mut starts = Vec::with_capacity(rows + 1);
        starts.push(0);
        for row in bins.chunks(width.max(1)).take(rows) {
            for (&f, &skipped) in used.iter().zip(&common) {
                let slot = offsets[f] + usize::from(row[f]);
                if slot != skipped {
                    slots.push(slot as u32);
                }
            }
            starts.push(slots.len() as u32);
        }
        Fit {
            settings,
            binners,
            offsets,
            bins,
            width,
            slots,
            starts,
            common,
            used,
            g: vec![0.0; rows],
            h: vec![0.0; rows],
        }
    }

    /// Boosts until `settings.trees` rounds or until `after` (called with
    /// the forest after each round) returns false.
    fn boost(&mut self, y: &[bool], after: &mut dyn FnMut(&Forest) -> bool) -> Forest {
        let rows = self.g.len();
        let base = prior_log_odds(y);
        let mut score = vec![base; rows];
        let mut forest = Forest {
            base,
            trees: Vec::with_capacity(self.settings.trees),
        };
        let mut order: Vec<u32> = (0..rows as u32).collect();
        let mut scratch = vec![0u32; rows];
        for _ in 0..self.settings.trees {
            for r in 0..rows {
                let p = sigmoid(score[r]);
                self.g[r] = p - f64::from(u8::from(y[r]));
                self.h[r] = (p * (1.0 - p)).max(1e-16);
            }
            let mut nodes = Vec::new();
            let hist = self.histogram(&order);
            self.grow(&mut order, &mut scratch, hist, 0, &mut nodes, &mut score);
            forest.trees.push(nodes);
            if !after(&forest) {
                break;
            }
        }
        forest
    }

    fn histogram(&self, rows: &[u32]) -> Vec<Cell> {
        let mut hist = vec![Cell::default(); self.offsets[self.width]];
        let mut total = Cell::default();
        for &r in rows {
            let r = r as usize;
            let c = Cell {
                g: self.g[r],
                h: self.h[r],
                n: 1,
            };
            total.add(c);
            let (from, to) = (self.starts[r] as usize, self.starts[r + 1] as usize);
            for &slot in &self.slots[from..to] {
                hist[slot as usize].add(c);
            }
        }
        for (&f, &skipped) in self.used.iter().zip(&self.common) {
            let mut rest = Cell::default();
            for c in &hist[self.offsets[f]..self.offsets[f + 1]] {
                rest.add(*c);
            }
            hist[skipped] = total.minus(rest);
        }
        hist
    }

    fn leaf_value(&self, t: Cell) -> f64 {
        -t.g / (t.h + self.settings.l2) * self.settings.learning_rate
    }

    /// Grows the subtree of `rows` and returns its root's index; adds each
    /// leaf's value to its rows' scores.
    fn grow(
        &self,
        rows: &mut [u32],
        scratch: &mut [u32],
        hist: Vec<Cell>,
        depth: usize,
        nodes: &mut Vec<Node>,
        score: &mut [f64],
    ) -> u32 {
        let total = self.totals(&hist);
        let value = self.leaf_value(total);
        let at = nodes.len() as u32;
        nodes.push(Node::Leaf { value });
        let best = if depth < self.settings.max_depth {
            self.best_split(&hist, total)
        } else {
            None
        };
        let Some(best) = best else {
            for &r in rows.iter() {
                score[r as usize] += value;
            }
            return at;
        };
        let l = self.partition(rows, scratch, &best);
        let (left_rows, right_rows) = rows.split_at_mut(l);
        let (left_scratch, right_scratch) = scratch.split_at_mut(l);
        let (left_hist, right_hist) = self.child_histograms(&hist, left_rows, right_rows);
        drop(hist);
        let left = self.grow(left_rows, left_scratch, left_hist, depth + 1, nodes, score);
        let right = self.grow(
            right_rows,
            right_scratch,
            right_hist,
            depth + 1,
            nodes,
            score,
        );
        let (feature, rule) = self.rule(&best);
        nodes[at as usize] = Node::Split {
            feature,
            rule,
            left,
            right,
            value,
        };
        at
    }

    /// Puts the rows `best` sends left first, each side in row order, and
    /// returns how many went left.
    fn partition(&self, rows: &mut [u32], scratch: &mut [u32], best: &Best) -> usize {
        let (mut l, mut k) = (0, 0);
        for i in 0..rows.len() {
            let r = rows[i];
            let b = self.bins[r as usize * self.width + best.feature];
            if best.left_bins[usize::from(b)] {
                rows[l] = r;
                l += 1;
            } else {
                scratch[k] = r;
                k += 1;
            }
        }
        rows[l..].copy_from_slice(&scratch[..k]);
        l
    }

    /// The two children's histograms: the smaller child's is built, the
    /// larger one's is the parent's minus it.
    fn child_histograms(
        &self,
        parent: &[Cell],
        left_rows: &[u32],
        right_rows: &[u32],
    ) -> (Vec<Cell>, Vec<Cell>) {
        let left_smaller = left_rows.len() <= right_rows.len();
        let small = self.histogram(if left_smaller { left_rows } else { right_rows });
        let large = parent
            .iter()
            .zip(&small)
            .map(|(p, s)| p.minus(*s))
            .collect();
        if left_smaller {
            (small, large)
        } else {
            (large, small)
        }
    }

    /// The stored form of a split: its feature and which values go left.
    fn rule(&self, best: &Best) -> (u32, Rule) {
        let f = best.feature;
        let rule = match &self.binners[f] {
            Binner::Numeric(t) => {
                let missing_left = best.left_bins[t.len() + 1];
                // The last bin sent left; all bins below it go left too.
                let last = (0..=t.len()).rev().find(|&b| best.left_bins[b]);
                Rule::Below {
                    // Every number left: the largest finite one (JSON
                    // has no infinity) bounds the side.
                    threshold: last.map_or(f64::MIN, |b| t.get(b).copied().unwrap_or(f64::MAX)),
                    missing_left,
                }
            }
            _ => Rule::In {
                codes: (0..best.left_bins.len())
                    .filter(|&b| best.left_bins[b])
                    .map(|b| b as u32)
                    .collect(),
            },
        };
        (f as u32, rule)
    }

    fn totals(&self, hist: &[Cell]) -> Cell {
        // Every row is in exactly one bin of each used feature.
        let f = self.used.first().copied().unwrap_or(0);
        let mut t = Cell::default();
        for c in &hist[self.offsets[f]..self.offsets[f + 1]] {
            t.add(*c);
        }
        t
    }

    fn score(&self, c: Cell, extra_l2: f64) -> f64 {
        c.g * c.g / (c.h + self.settings.l2 + extra_l2)
    }

    fn allowed(&self, c: Cell) -> bool {
        c.h >= self.settings.min_leaf_hessian && c.n as usize >= self.settings.min_leaf_rows.max(1)
    }

    fn best_split(&self, hist: &[Cell], total: Cell) -> Option<Best> {
        let mut best: Option<Best> = None;
        for f in 0..self.width {
            let cells = &hist[self.offsets[f]..self.offsets[f + 1]];
            let found = match &self.binners[f] {
                Binner::Numeric(_) => self.numeric_split(cells, total),
                Binner::Categorical(_) => self.categorical_split(cells, total),
                Binner::Ignored => None,
            };
            if let Some((gain, left_bins)) = found
                && gain > best.as_ref().map_or(1e-12, |b| b.gain)
            {
                best = Some(Best {
                    gain,
                    feature: f,
                    left_bins,
                });
            }
        }
        best
    }

    fn numeric_split(&self, cells: &[Cell], total: Cell) -> Option<(f64, Vec<bool>)> {
        let missing = cells[cells.len() - 1];
        let values = cells.len() - 1;
        let parent = self.score(total, 0.0);
        let mut best: Option<(f64, usize, bool)> = None;
        let mut left = Cell::default();
        for (b, &cell) in cells[..values].iter().enumerate() {
            left.add(cell);
            for missing_left in [false, true] {
                if missing_left && missing.n == 0 {
                    continue;
                }
                let l = if missing_left {
                    let mut l = left;
                    l.add(missing);
                    l
                } else {
                    left
                };
                let r = total.minus(l);
                if !self.allowed(l) || !self.allowed(r) {
                    continue;
                }
                let gain = self.score(l, 0.0) + self.score(r, 0.0) - parent;
                if gain > best.map_or(0.0, |x| x.0) {
                    best = Some((gain, b, missing_left));
                }
            }
        }
        best.map(|(gain, b, missing_left)| {
            let mut left_bins: Vec<bool> = (0..values).map(|k| k <= b).collect();
            left_bins.push(missing_left);
            (gain, left_bins)
        })
    }

    fn categorical_split(&self, cells: &[Cell], total: Cell) -> Option<(f64, Vec<bool>)> {
        let s = self.settings;
        let parent = self.score(total, 0.0);
        let present: Vec<usize> = (0..cells.len()).filter(|&b| cells[b].n > 0).collect();
        let mut best: Option<(f64, Vec<usize>)> = None;
        if present.len() <= s.max_cat_to_onehot {
            for &b in &present {
                let (l, r) = (cells[b], total.minus(cells[b]));
                if !self.allowed(l) || !self.allowed(r) {
                    continue;
                }
                let gain = self.score(l, 0.0) + self.score(r, 0.0) - parent;
                if gain > best.as_ref().map_or(0.0, |x| x.0) {
                    best = Some((gain, vec![b]));
                }
            }
        } else {
            // Categories too small to order reliably stay on the right.
            let mut order: Vec<usize> = present
                .into_iter()
                .filter(|&b| f64::from(cells[b].n) >= s.cat_smooth)
                .collect();
            let key = |b: usize| cells[b].g / (cells[b].h + s.cat_smooth);
            order.sort_by(|&a, &b| key(a).total_cmp(&key(b)).then(a.cmp(&b)));
            let most = s.max_cat_threshold.min(order.len().div_ceil(2));
            // Both ends of the order: the lowest categories left, then the
            // highest.
            for reversed in [false, true] {
                let mut left = Cell::default();
                let mut group = 0usize;
                for k in 0..most.min(order.len()) {
                    let b = if reversed {
                        order[order.len() - 1 - k]
                    } else {
                        order[k]
                    };
                    left.add(cells[b]);
                    group += cells[b].n as usize;
                    if group < s.min_data_per_group {
                        continue;
                    }
                    let r = total.minus(left);
                    if !self.allowed(left)
                        || !self.allowed(r)
                        || (r.n as usize) < s.min_data_per_group
                    {
                        continue;
                    }
                    group = 0;
                    let gain = self.score(left, s.cat_l2) + self.score(r, s.cat_l2)
                        - self.score(total, s.cat_l2);
                    if gain > best.as_ref().map_or(0.0, |x| x.0) {
                        let chosen = if reversed {
                            order[order.len() - 1 - k..].to_vec()
                        } else {
                            order[..=k].to_vec()
                        };
                        best = Some((gain, chosen));
                    }
                }
            }
        }
        best.map(|(gain, chosen)| {
            let mut left_bins = vec![false; cells.len()];
            for b in chosen {
                left_bins[b] = true;
            }
            (gain, left_bins)
        })
    }
}

impl Forest {
    /// The log-odds of one row (`x` holds its features).
    pub fn log_odds(&self, x: &[f64]) -> f64 {
        self.base + self.trees.iter().map(|t| leaf(t, x).0).sum::<f64>()
    }

    /// Each feature's contribution to one row's log-odds (the change in a
    /// node's value along the row's path, credited to the split's
    /// feature), plus the base in the last slot.
    pub fn contributions(&self, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; x.len() + 1];
        out[x.len()] = self.base;
        for t in &self.trees {
            let mut at = 0;
            loop {
                match &t[at] {
                    Node::Leaf { .. } => break,
                    Node::Split { feature, value, .. } => {
                        let next = step(&t[at], x);
                        let child = match &t[next] {
                            Node::Leaf { value } | Node::Split { value, .. } => *value,
                        };
                        out[*feature as usize] += child - value;
                        at = next;
                    }
                }
            }
            if let Node::Split { value, .. } = &t[0] {
                out[x.len()] += value;
            } else if let Node::Leaf { value } = &t[0] {
                out[x.len()] += value;
            }
        }
        out
    }
}

/// The child of a split node that `x` goes to.
fn step(node: &Node, x: &[f64]) -> usize {
    let Node::Split {
        feature,
        rule,
        left,
        right,
        ..
    } = node
    else {
        return 0;
    };
    let v = x[*feature as usize];
    let go_left = match rule {
        Rule::Below {
            threshold,
            missing_left,
        } => {
            if v.is_nan() {
                *missing_left
            } else {
                v <= *threshold
            }
        }
        Rule::In { codes } => codes.binary_search(&category(v)).is_ok(),
    };
    (if go_left { *left } else { *right }) as usize
}

/// The leaf value `x` reaches in tree `t`, and the leaf's index.
fn leaf(t: &[Node], x: &[f64]) -> (f64, usize) {
    let mut at = 0;
    loop {
        match &t[at] {
            Node::Leaf { value } => return (*value, at),
            split => at = step(split, x),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    fn auc(p: &[f64], y: &[bool]) -> f64 {
        let m = crate::metrics::evaluate(p, y);
        m.roc_auc
    }

    #[test]
    fn fits_a_separable_numeric_case() {
        let rows = 400;
        let x: Vec<f64> = (0..rows).map(|i| i as f64).collect();
        let y: Vec<bool> = (0..rows).map(|i| i >= 150).collect();
        let forest = fit(&x, rows, &[FeatureKind::Numeric], &y, &Settings::default());
        for (i, &v) in x.iter().enumerate() {
            let p = sigmoid(forest.log_odds(&[v]));
            assert_eq!(p > 0.5, y[i], "row {i}: {p}");
        }
        // Missing values go to a side seen in training.
        assert!(forest.log_odds(&[f64::NAN]).is_finite());
    }

    /// Categories whose outcome depends on which of two groups they are in,
    /// with the groups interleaved in code order: one split per node must
    /// set many categories against many.
    #[test]
    fn splits_many_categories_against_many_in_one_node() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let rows = 4_000;
        let x: Vec<f64> = (0..rows)
            .map(|_| f64::from(rng.random_range(0..12u32)))
            .collect();
        let y: Vec<bool> = x
            .iter()
            .map(|&c| {
                rng.random_bool(if (c as u32).is_multiple_of(3) {
                    0.85
                } else {
                    0.1
                })
            })
            .collect();
        let settings = Settings {
            trees: 1,
            max_depth: 1,
            ..Settings::default()
        };
        let forest = fit(&x, rows, &[FeatureKind::Categorical], &y, &settings);
        let Node::Split {
            rule: Rule::In { codes: left },
            ..
        } = &forest.trees[0][0]
        else {
            panic!("{:?}", forest.trees[0][0]);
        };
        let mut groups = [
            left.clone(),
            (0..12).filter(|c| !left.contains(c)).collect(),
        ];
        groups.sort();
        assert_eq!(groups, [vec![0, 3, 6, 9], vec![1, 2, 4, 5, 7, 8, 10, 11]]);
        // A code never seen goes right, like any category not sent left.
        assert!(forest.log_odds(&[99.0]).is_finite());
    }

    fn mixed_data(rows: usize, seed: u64) -> (Vec<f64>, Vec<bool>) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut x = Vec::with_capacity(rows * 3);
        let mut y = Vec::with_capacity(rows);
        for _ in 0..rows {
            let a: f64 = rng.random_range(-2.0..2.0);
            let b: f64 = if rng.random_bool(0.1) {
                f64::NAN
            } else {
                rng.random_range(0.0..10.0)
            };
            let c = f64::from(rng.random_range(0..8u32));
            let z = 1.5 * a
                + if b.is_nan() { 1.0 } else { -0.2 * b }
                + if c < 3.0 { 1.0 } else { -0.5 };
            x.extend([a, b, c]);
            y.push(rng.random_bool(sigmoid(z)));
        }
        (x, y)
    }

    /// How [`mixed_data`]'s three columns are read.
    const MIXED_KINDS: [FeatureKind; 3] = [
        FeatureKind::Numeric,
        FeatureKind::Numeric,
        FeatureKind::Categorical,
    ];

    #[test]
    fn is_deterministic_and_its_json_round_trips() {
        let (x, y) = mixed_data(2_000, 5);
        let a = fit(&x, 2_000, &MIXED_KINDS, &y, &Settings::default());
        let b = fit(&x, 2_000, &MIXED_KINDS, &y, &Settings::default());
        assert_eq!(a, b);
        let back: Forest = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(back, a);
        // Contributions add up to the log-odds.
        let row = &x[..3];
        let c = a.contributions(row);
        assert!((c.iter().sum::<f64>() - a.log_odds(row)).abs() < 1e-9);
    }

    #[test]
    fn histograms_without_the_common_bins_match_a_full_count() {
        let (x, _) = mixed_data(3_000, 11);
        let settings = Settings::default();
        let mut fit = Fit::new(&x, 3_000, &MIXED_KINDS, &settings);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for r in 0..3_000 {
            fit.g[r] = rng.random_range(-1.0..1.0);
            fit.h[r] = rng.random_range(0.01..0.25);
        }
        let rows: Vec<u32> = (0..3_000).filter(|r| r % 3 != 0).collect();
        let mut full = vec![Cell::default(); fit.offsets[fit.width]];
        for &r in &rows {
            let r = r as usize;
            for &f in &fit.used {
                full[fit.offsets[f] + usize::from(fit.bins[r * fit.width + f])].add(Cell {
                    g: fit.g[r],
                    h: fit.h[r],
                    n: 1,
                });
            }
        }
        for (a, b) in fit.histogram(&rows).iter().zip(&full) {
            assert_eq!(a.n, b.n);
            assert!((a.g - b.g).abs() < 1e-9 && (a.h - b.h).abs() < 1e-9);
        }
    }

    #[test]
    fn an_averaged_forest_is_the_mean_of_its_forests() {
        let (x, y) = mixed_data(2_000, 7);
        let depths = [2, 3, 5];
        let settings: Vec<Settings> = depths
            .iter()
            .map(|&max_depth| Settings {
                max_depth,
                trees: 30,
                ..Settings::default()
            })
            .collect();
        let averaged = fit_averaged(&x, 2_000, &MIXED_KINDS, &y, &settings);
        let alone: Vec<Forest> = settings
            .iter()
            .map(|s| fit(&x, 2_000, &MIXED_KINDS, &y, s))
            .collect();
        assert_eq!(averaged.trees.len(), 90);
        for row in x.chunks(3).take(200) {
            let mean = alone.iter().map(|f| f.log_odds(row)).sum::<f64>() / 3.0;
            assert!((averaged.log_odds(row) - mean).abs() < 1e-9);
            let c = averaged.contributions(row);
            assert!((c.iter().sum::<f64>() - averaged.log_odds(row)).abs() < 1e-9);
        }
    }

    #[test]
    fn ranks_about_as_well_as_forust_on_numbers() {
        let (x, y) = mixed_data(6_000, 9);
        let (train, test) = (4_000, 2_000);
        let kinds = [FeatureKind::Numeric; 3];
        let ours = fit(
            &x[..train * 3],
            train,
            &kinds,
            &y[..train],
            &Settings::default(),
        );
        let p_ours: Vec<f64> = x[train * 3..]
            .chunks(3)
            .map(|r| sigmoid(ours.log_odds(r)))
            .collect();
        let mut columns = vec![0.0; train * 3];
        for r in 0..train {
            for c in 0..3 {
                columns[c * train + r] = x[r * 3 + c];
            }
        }
        let yf: Vec<f64> = y[..train].iter().map(|&v| f64::from(u8::from(v))).collect();
        let mut booster = forust_ml::GradientBooster::default()
            .set_iterations(100)
            .set_learning_rate(0.1)
            .set_max_depth(4)
            .set_parallel(false);
        booster
            .fit_unweighted(&forust_ml::Matrix::new(&columns, train, 3), &yf, None)
            .unwrap();
        let mut tcols = vec![0.0; test * 3];
        for r in 0..test {
            for c in 0..3 {
                tcols[c * test + r] = x[(train + r) * 3 + c];
            }
        }
        let p_forust: Vec<f64> = booster
            .predict(&forust_ml::Matrix::new(&tcols, test, 3), false)
            .into_iter()
            .map(sigmoid)
            .collect();
        let (a, b) = (auc(&p_ours, &y[train..]), auc(&p_forust, &y[train..]));
        assert!((a - b).abs() < 0.01, "ours {a}, forust {b}");
    }
}
