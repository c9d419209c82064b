//! Turning a table's columns into model features, learned from the training
//! rows only: numbers are standardised with a missing-value indicator;
//! categories become one indicator per value seen in training, with
//! "missing" and "not answered" as values of their own. For trees,
//! categories become their conversion rates and, for columns of more than
//! two values, their shares of the training rows; the training rows get
//! the rates out of fold (see [`Encoder::encode_out_of_fold`]). Categories,
//! and numbers of a few distinct values, also get category codes for trees
//! that split categories themselves.

use crate::table::{Cell, Table};
use serde::{Deserialize, Serialize};

/// Categories seen fewer times than this in training share one "other"
/// indicator, so rare values do not each get a weight from a handful of rows.
const MIN_LEVEL_COUNT: usize = 5;

/// How one column becomes features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ColumnEncoding {
    /// `(x - mean) / std`, then indicators of a missing and of an
    /// unanswered value.
    Numeric {
        /// The column.
        name: String,
        /// Training mean.
        mean: f64,
        /// Training standard deviation (1 when constant).
        std: f64,
    },
    /// One indicator per level, then missing, not answered and other.
    Categorical {
        /// The column.
        name: String,
        /// Levels with an indicator, lower-cased.
        levels: Vec<String>,
    },
    /// The number itself; missing and unanswered values are NaN (trees
    /// learn where they go).
    Raw {
        /// The column.
        name: String,
        /// The column's distinct training values (sorted), when it has at
        /// most [`MAX_CODED_NUMBERS`] of them: each value then also gets a
        /// category code (see [`ColumnEncoding::code_of`]), so trees can
        /// group values that are not next to each other. Empty otherwise,
        /// and in models trained before it.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        values: Vec<f64>,
    },
    /// The level's smoothed training conversion rate, so trees can split
    /// categories in the order of their rates (as LightGBM does for
    /// categorical features); missing, not answered and unseen values have
    /// rates of their own.
    Rate {
        /// The column.
        name: String,
        /// Levels, lower-cased and sorted, with their rates.
        levels: Vec<(String, f64)>,
        /// Rate of empty cells.
        missing: f64,
        /// Rate of unanswered cells.
        not_answered: f64,
        /// Rate of levels not seen often enough in training.
        other: f64,
        /// How common each value was in training, for columns of more than
        /// two values (a second feature; absent in models trained before it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shares: Option<Shares>,
    },
}

/// The share of training rows holding each value of a category, in the
/// order of [`ColumnEncoding::Rate`]'s levels.
///
/// A second order of the same values: the rate puts categories in the
/// order of their conversion in training, which is noisy for small ones
/// (and, out of fold, for every row); how common a value is carries no
/// outcome, so it needs no folds, and lets trees set rare values apart
/// from common ones of a similar rate. Chosen by 5-fold cross-validation on
/// X Education's training rows (docs/benchmarks.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shares {
    /// One per level.
    pub levels: Vec<f64>,
    /// Empty cells.
    pub missing: f64,
    /// Unanswered cells.
    pub not_answered: f64,
    /// Levels not seen often enough in training (together).
    pub other: f64,
}

/// How columns become features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Standardised numbers and indicators (linear models).
    Indicators,
    /// Raw numbers and category rates (trees).
    Ordered,
}

/// Numeric columns with at most this many distinct training values (and
/// at least three) are also given to trees as categories: a score on a
/// short scale often does not convert in the order of its values. Chosen by
/// cross-validation on X Education's training rows, where its two
/// assessment scores (12 and 10 values) qualify and gained, and the visit
/// count (41 values) lost when it qualified (docs/benchmarks.md).
pub const MAX_CODED_NUMBERS: usize = 16;

/// Pseudo-rows of the overall rate mixed into each category's rate, so a
/// category seen a few times does not get an extreme rate.
const RATE_PRIOR_WEIGHT: f64 = 20.0;

impl ColumnEncoding {
    /// The column's name.
    pub fn name(&self) -> &str {
        match self {
            ColumnEncoding::Numeric { name, .. }
            | ColumnEncoding::Categorical { name, .. }
            | ColumnEncoding::Raw { name, .. }
            | ColumnEncoding::Rate { name, .. } => name,
        }
    }

    /// A cell's rate and share under a [`ColumnEncoding::Rate`] (NaN for
    /// other encodings, and for the share of a column without shares).
    fn rate_of(&self, v: &Cell) -> (f64, f64) {
        let ColumnEncoding::Rate {
            levels,
            missing,
            not_answered,
            other,
            shares,
            ..
        } = self
        else {
            return (f64::NAN, f64::NAN);
        };
        let share = |pick: &dyn Fn(&Shares) -> f64| shares.as_ref().map_or(f64::NAN, pick);
        match v {
            Cell::Missing => (*missing, share(&|s| s.missing)),
            Cell::NotAnswered => (*not_answered, share(&|s| s.not_answered)),
            Cell::Cat(c) => match levels.binary_search_by(|(l, _)| l.as_str().cmp(c)) {
                Ok(k) => (levels[k].1, share(&|s| s.levels[k])),
                Err(_) => (*other, share(&|s| s.other)),
            },
            Cell::Num(_) => (*other, share(&|s| s.other)),
        }
    }

    /// A cell's category code, for trees that split categories themselves
    /// ([`crate::hist`]): under a [`ColumnEncoding::Rate`] the index of its
    /// level, under a [`ColumnEncoding::Raw`] with values the index of its
    /// value; then one code each for missing, not answered and other
    /// (unseen or rare) values. NaN for columns without codes.
    pub(crate) fn code_of(&self, v: &Cell) -> f64 {
        let n = match self {
            ColumnEncoding::Rate { levels, .. } => levels.len(),
            ColumnEncoding::Raw { values, .. } if !values.is_empty() => values.len(),
            _ => return f64::NAN,
        };
        let index = match (self, v) {
            (_, Cell::Missing) => Ok(n),
            (_, Cell::NotAnswered) => Ok(n + 1),
            (ColumnEncoding::Rate { levels, .. }, Cell::Cat(c)) => {
                levels.binary_search_by(|(l, _)| l.as_str().cmp(c))
            }
            (ColumnEncoding::Raw { values, .. }, Cell::Num(x)) => {
                values.binary_search_by(|v| v.total_cmp(x))
            }
            _ => Err(n + 2),
        };
        index.unwrap_or(n + 2) as f64
    }

    /// Whether the column has a category code ([`ColumnEncoding::code_of`]).
    fn has_code(&self) -> bool {
        match self {
            ColumnEncoding::Rate { .. } => true,
            ColumnEncoding::Raw { values, .. } => !values.is_empty(),
            _ => false,
        }
    }

    /// Number of features.
    pub(crate) fn width(&self) -> usize {
        match self {
            ColumnEncoding::Numeric { .. } => 3,
            ColumnEncoding::Categorical { levels, .. } => levels.len() + 3,
            ColumnEncoding::Raw { .. } => 1,
            ColumnEncoding::Rate { shares, .. } => 1 + usize::from(shares.is_some()),
        }
    }
}

/// The features of a table, fitted on training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Encoder {
    /// One entry per input column, in table order.
    pub columns: Vec<ColumnEncoding>,
}

impl Encoder {
    /// Learns the encoding from training rows.
    pub fn fit(train: &Table, style: Style) -> Encoder {
        if style == Style::Ordered {
            return Encoder::fit_ordered(train);
        }
        let columns = train
            .columns
            .iter()
            .map(|c| {
                if c.numeric {
                    let values: Vec<f64> = c
                        .cells
                        .iter()
                        .filter_map(|v| match v {
                            Cell::Num(x) => Some(*x),
                            _ => None,
                        })
                        .collect();
                    let n = values.len().max(1) as f64;
                    let mean = values.iter().sum::<f64>() / n;
                    let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
                    let std = if var > 0.0 { var.sqrt() } else { 1.0 };
                    ColumnEncoding::Numeric {
                        name: c.name.clone(),
                        mean,
                        std,
                    }
                } else {
                    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
                    for v in &c.cells {
                        if let Cell::Cat(s) = v {
                            *counts.entry(s.as_str()).or_default() += 1;
                        }
                    }
                    ColumnEncoding::Categorical {
                        name: c.name.clone(),
                        levels: counts
                            .into_iter()
                            .filter(|(_, n)| *n >= MIN_LEVEL_COUNT)
                            .map(|(s, _)| s.to_owned())
                            .collect(),
                    }
                }
            })
            .collect();
        Encoder { columns }
    }

    fn fit_ordered(train: &Table) -> Encoder {
        let positives = train.y.iter().filter(|v| **v).count() as f64;
        let prior = positives / train.rows().max(1) as f64;
        let rate = |pos: f64, n: f64| (pos + RATE_PRIOR_WEIGHT * prior) / (n + RATE_PRIOR_WEIGHT);
        let columns = train
            .columns
            .iter()
            .map(|c| {
                if c.numeric {
                    return ColumnEncoding::Raw {
                        name: c.name.clone(),
                        values: coded_numbers(&c.cells),
                    };
                }
                let mut counts: std::collections::BTreeMap<&str, (f64, f64)> = Default::default();
                let (mut missing, mut unanswered, mut other) = ((0.0, 0.0), (0.0, 0.0), (0.0, 0.0));
                for (cell, &y) in c.cells.iter().zip(&train.y) {
                    let slot = match cell {
                        Cell::Cat(s) => counts.entry(s.as_str()).or_default(),
                        Cell::Missing => &mut missing,
                        Cell::NotAnswered => &mut unanswered,
                        Cell::Num(_) => &mut other,
                    };
                    slot.0 += f64::from(u8::from(y));
                    slot.1 += 1.0;
                }
                let mut levels = Vec::new();
                let mut level_rows = Vec::new();
                for (level, (pos, n)) in counts {
                    if n >= MIN_LEVEL_COUNT as f64 {
                        levels.push((level.to_owned(), rate(pos, n)));
                        level_rows.push(n);
                    } else {
                        other.0 += pos;
                        other.1 += n;
                    }
                }
                let total = train.rows().max(1) as f64;
                let values = level_rows.len()
                    + [missing.1, unanswered.1, other.1]
                        .iter()
                        .filter(|n| **n > 0.0)
                        .count();
                // A column of two values is ordered the same way by either.
                let shares = (values > 2).then(|| Shares {
                    levels: level_rows.iter().map(|n| n / total).collect(),
                    missing: missing.1 / total,
                    not_answered: unanswered.1 / total,
                    other: other.1 / total,
                });
                ColumnEncoding::Rate {
                    name: c.name.clone(),
                    levels,
                    missing: rate(missing.0, missing.1),
                    not_answered: rate(unanswered.0, unanswered.1),
                    other: rate(other.0, other.1),
                    shares,
                }
            })
            .collect();
        Encoder { columns }
    }

    /// The level a true/false answer takes in categorical column `index`:
    /// whichever spelling training saw (`yes`/`no`, `true`/`false`, `y`/`n`,
    /// `1`/`0`), else `yes`/`no`.
    pub fn flag_level(&self, index: usize, value: bool) -> String {
        let has = |l: &str| match &self.columns[index] {
            ColumnEncoding::Categorical { levels, .. } => levels.iter().any(|x| x == l),
            ColumnEncoding::Rate { levels, .. } => levels.iter().any(|(x, _)| x == l),
            _ => false,
        };
        let pairs = [("yes", "no"), ("true", "false"), ("y", "n"), ("1", "0")];
        let (t, f) = pairs
            .iter()
            .find(|(t, f)| has(t) || has(f))
            .copied()
            .unwrap_or(("yes", "no"));
        (if value { t } else { f }).to_owned()
    }

    /// Number of features.
    pub fn width(&self) -> usize {
        self.columns.iter().map(ColumnEncoding::width).sum()
    }

    /// Feature names, e.g. `Lead Source=google`, `TotalVisits`,
    /// `TotalVisits=missing`.
    pub fn names(&self) -> Vec<String> {
        let mut out = Vec::with_capacity(self.width());
        for c in &self.columns {
            match c {
                ColumnEncoding::Numeric { name, .. } => {
                    out.push(name.clone());
                    out.push(format!("{name}=missing"));
                    out.push(format!("{name}=not answered"));
                }
                ColumnEncoding::Categorical { name, levels } => {
                    out.extend(levels.iter().map(|l| format!("{name}={l}")));
                    out.push(format!("{name}=missing"));
                    out.push(format!("{name}=not answered"));
                    out.push(format!("{name}=other"));
                }
                ColumnEncoding::Raw { name, .. } => out.push(name.clone()),
                ColumnEncoding::Rate { name, shares, .. } => {
                    out.push(name.clone());
                    if shares.is_some() {
                        out.push(format!("{name} (share)"));
                    }
                }
            }
        }
        out
    }

    /// One row's features (see [`Encoder::encode_into`]).
    pub fn encode_row<'a>(&self, cell: impl Fn(usize) -> &'a Cell) -> Vec<f64> {
        let mut x = vec![0.0; self.width()];
        self.encode_into(cell, &mut x);
        x
    }

    /// Writes one row's features into `out` (length [`Encoder::width`]);
    /// `cell(i)` gives the row's value of the encoder's `i`-th column.
    pub fn encode_into<'a>(&self, cell: impl Fn(usize) -> &'a Cell, out: &mut [f64]) {
        out.fill(0.0);
        let mut at = 0;
        for (i, c) in self.columns.iter().enumerate() {
            let v = cell(i);
            match c {
                ColumnEncoding::Numeric { mean, std, .. } => {
                    match v {
                        Cell::Num(x) => out[at] = (x - mean) / std,
                        Cell::NotAnswered => out[at + 2] = 1.0,
                        _ => out[at + 1] = 1.0,
                    }
                    at += 3;
                }
                ColumnEncoding::Categorical { levels, .. } => {
                    let n = levels.len();
                    match v {
                        Cell::Missing => out[at + n] = 1.0,
                        Cell::NotAnswered => out[at + n + 1] = 1.0,
                        Cell::Cat(s) => match levels.binary_search(s) {
                            Ok(k) => out[at + k] = 1.0,
                            Err(_) => out[at + n + 2] = 1.0,
                        },
                        // A number in a column trained as text is an
                        // unseen category.
                        Cell::Num(_) => out[at + n + 2] = 1.0,
                    }
                    at += n + 3;
                }
                ColumnEncoding::Raw { .. } => {
                    out[at] = match v {
                        Cell::Num(x) => *x,
                        _ => f64::NAN,
                    };
                    at += 1;
                }
                ColumnEncoding::Rate { .. } => {
                    let (rate, share) = c.rate_of(v);
                    out[at] = rate;
                    if c.width() == 2 {
                        out[at + 1] = share;
                    }
                    at += c.width();
                }
            }
        }
    }

    /// Columns with a category code ([`ColumnEncoding::Rate`] ones, and
    /// [`ColumnEncoding::Raw`] ones with values).
    pub fn coded(&self) -> usize {
        self.columns.iter().filter(|c| c.has_code()).count()
    }

    /// Writes one row's category codes into `out` (length
    /// [`Encoder::coded`]), in column order.
    pub fn codes_into<'a>(&self, cell: impl Fn(usize) -> &'a Cell, out: &mut [f64]) {
        let coded = self
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.has_code());
        for ((i, c), slot) in coded.zip(out) {
            *slot = c.code_of(cell(i));
        }
    }

    /// Names of the category codes: `Lead Source (category)`.
    pub fn code_names(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter(|c| c.has_code())
            .map(|c| format!("{} (category)", c.name()))
            .collect()
    }

    /// The feature matrix of the training rows the encoder was fitted on,
    /// with every category rate computed out of fold: the rows are dealt
    /// into `folds` stratified folds (shuffled with `seed`, so the result is
    /// reproducible) and each row gets the rates learnt from the other
    /// folds. In-sample rates leak each row's own outcome into its
    /// feature, which trees overfit on identifier-like columns (a category
    /// seen a few times has a rate pulled towards its rows' outcomes); new
    /// rows are encoded with the rates of all training rows, as before.
    pub fn encode_out_of_fold(
        &self,
        train: &Table,
        folds: usize,
        seed: u64,
    ) -> Result<Vec<f64>, String> {
        let mut x = self.encode(train)?;
        let rated: Vec<(usize, usize)> = self
            .columns
            .iter()
            .scan(0, |at, c| {
                let start = *at;
                *at += c.width();
                Some((start, c))
            })
            .enumerate()
            .filter(|(_, (_, c))| matches!(c, ColumnEncoding::Rate { .. }))
            .map(|(i, (at, _))| (i, at))
            .collect();
        if rated.is_empty() || folds < 2 || train.rows() < folds {
            return Ok(x);
        }
        let width = self.width();
        let fold_of = stratified_folds(&train.y, folds, seed);
        for f in 0..folds {
            let (inside, others): (Vec<usize>, Vec<usize>) =
                (0..train.rows()).partition(|&r| fold_of[r] == f);
            let fold_encoder = Encoder::fit_ordered(&train.select(&others));
            for &(i, at) in &rated {
                // The fold's encoder has one entry per table column.
                let name = self.columns[i].name();
                let j = train
                    .columns
                    .iter()
                    .position(|c| c.name == name)
                    .ok_or_else(|| format!("the data has no column `{name}`"))?;
                let (cells, rates) = (&train.columns[j].cells, &fold_encoder.columns[j]);
                // Shares carry no outcome: only the rate is refitted.
                for &r in &inside {
                    x[r * width + at] = rates.rate_of(&cells[r]).0;
                }
            }
        }
        Ok(x)
    }

    /// The feature matrix of a table, row-major. The table's columns must
    /// be the encoder's, by name.
    pub fn encode(&self, table: &Table) -> Result<Vec<f64>, String> {
        let index = self.column_index(table)?;
        let width = self.width();
        let mut x = vec![0.0; table.rows() * width];
        for (r, out) in x.chunks_mut(width).enumerate() {
            self.encode_into(|i| &table.columns[index[i]].cells[r], out);
        }
        Ok(x)
    }

    /// The category codes of a table, row-major ([`Encoder::coded`] a row).
    pub fn encode_codes(&self, table: &Table) -> Result<Vec<f64>, String> {
        let index = self.column_index(table)?;
        let width = self.coded();
        let mut x = vec![0.0; table.rows() * width];
        for (r, out) in x.chunks_mut(width.max(1)).enumerate().take(table.rows()) {
            self.codes_into(|i| &table.columns[index[i]].cells[r], out);
        }
        Ok(x)
    }

    /// Where each of the encoder's columns is in `table`.
    fn column_index(&self, table: &Table) -> Result<Vec<usize>, String> {
        self.columns
            .iter()
            .map(|c| {
                let name = c.name();
                table
                    .columns
                    .iter()
                    .position(|t| t.name == name)
                    .ok_or_else(|| {
                        format!("the data has no column `{name}` the model was trained on")
                    })
            })
            .collect()
    }
}

/// The distinct numbers of a column, sorted, when there are at least three
/// and at most [`MAX_CODED_NUMBERS`] (a column of two values is split the
/// same way by a threshold); empty otherwise.
fn coded_numbers(cells: &[Cell]) -> Vec<f64> {
    let mut values: Vec<f64> = Vec::new();
    for cell in cells {
        if let Cell::Num(x) = cell
            && let Err(at) = values.binary_search_by(|v| v.total_cmp(x))
        {
            if values.len() == MAX_CODED_NUMBERS {
                return Vec::new();
            }
            values.insert(at, *x);
        }
    }
    if values.len() < 3 {
        values.clear();
    }
    values
}

/// Each row's fold, `0..folds`: the converters and the others are each
/// shuffled with `seed` and dealt in turn, so every fold has the overall
/// conversion rate.
fn stratified_folds(y: &[bool], folds: usize, seed: u64) -> Vec<usize> {
    use rand::SeedableRng;
    use rand::seq::SliceRandom;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut out = vec![0; y.len()];
    for class in [true, false] {
        let mut rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        rows.shuffle(&mut rng);
        for (k, r) in rows.into_iter().enumerate() {
            out[r] = k % folds;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Column;
    use rand::{RngExt, SeedableRng};

    /// A column like a company name: levels of eight rows each, with
    /// outcomes drawn independently of it.
    fn noise_table(rows: usize) -> Table {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        Table {
            ids: (0..rows).map(|i| i.to_string()).collect(),
            y: (0..rows).map(|_| rng.random_bool(0.3)).collect(),
            columns: vec![Column {
                name: "company".into(),
                numeric: false,
                cells: (0..rows)
                    .map(|i| Cell::Cat(format!("c{}", i / 8)))
                    .collect(),
            }],
            duplicate_rows: 0,
        }
    }

    /// Mean feature of converters minus that of the others.
    fn gap(x: &[f64], y: &[bool]) -> f64 {
        let mean = |class: bool| {
            let v: Vec<f64> = x
                .iter()
                .zip(y)
                .filter(|(_, c)| **c == class)
                .map(|(v, _)| *v)
                .collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        mean(true) - mean(false)
    }

    #[test]
    fn out_of_fold_rates_do_not_carry_the_rows_own_outcome() {
        let t = noise_table(4_000);
        let e = Encoder::fit(&t, Style::Ordered);
        // The rate is each row's first feature (its share follows).
        let rates = |x: Vec<f64>| -> Vec<f64> { x.chunks(e.width()).map(|r| r[0]).collect() };
        let in_sample = rates(e.encode(&t).unwrap());
        let oof = rates(e.encode_out_of_fold(&t, 5, 42).unwrap());
        // In-sample, a noise category's rate already "knows" its rows.
        assert!(gap(&in_sample, &t.y) > 0.03, "{}", gap(&in_sample, &t.y));
        assert!(gap(&oof, &t.y).abs() < 0.01, "{}", gap(&oof, &t.y));
        assert_eq!(
            oof,
            rates(e.encode_out_of_fold(&t, 5, 42).unwrap()),
            "reproducible"
        );
        assert_ne!(oof, rates(e.encode_out_of_fold(&t, 5, 43).unwrap()));
    }

    #[test]
    fn categories_of_more_than_two_values_also_get_their_share_of_rows() {
        let cat = |s: &str| Cell::Cat(s.into());
        let t = Table {
            ids: (0..10).map(|i| i.to_string()).collect(),
            y: (0..10).map(|i| i % 3 == 0).collect(),
            columns: vec![
                Column {
                    name: "source".into(),
                    numeric: false,
                    cells: [["google"; 6].as_slice(), &["direct"; 3]]
                        .concat()
                        .into_iter()
                        .map(cat)
                        .chain([Cell::Missing])
                        .collect(),
                },
                Column {
                    name: "flag".into(),
                    numeric: false,
                    cells: (0..10)
                        .map(|i| cat(if i < 5 { "yes" } else { "no" }))
                        .collect(),
                },
            ],
            duplicate_rows: 0,
        };
        let e = Encoder::fit(&t, Style::Ordered);
        // Two values are ordered alike by rate and share: no second feature.
        assert_eq!(e.names(), ["source", "source (share)", "flag"]);
        let x = e.encode(&t).unwrap();
        let shares: Vec<f64> = x.chunks(3).map(|r| r[1]).collect();
        // `direct` (3 rows) is below MIN_LEVEL_COUNT: it is "other".
        assert_eq!(shares[0], 0.6);
        assert_eq!(shares[6], 0.3);
        assert_eq!(shares[9], 0.1);
        // Out of fold, only the rates change.
        let oof = e.encode_out_of_fold(&t, 2, 1).unwrap();
        let oof_shares: Vec<f64> = oof.chunks(3).map(|r| r[1]).collect();
        assert_eq!(oof_shares, shares);
        // Models saved before shares existed read as rates only.
        let mut old = serde_json::to_value(&e).unwrap();
        old["columns"][0].as_object_mut().unwrap().remove("shares");
        let old: Encoder = serde_json::from_value(old).unwrap();
        assert_eq!(old.width(), 2);
        assert_eq!(old.names(), ["source", "flag"]);
    }

    #[test]
    fn numbers_of_a_few_values_also_get_category_codes() {
        let num = |x: f64| Cell::Num(x);
        let column = |name: &str, cells: Vec<Cell>| Column {
            name: name.into(),
            numeric: true,
            cells,
        };
        let rows = 20;
        let mut score: Vec<Cell> = [3.0, 1.0, 2.0, 1.0, 3.0].map(num).to_vec();
        score.extend([Cell::Missing, Cell::NotAnswered]);
        score.resize(rows, num(2.0));
        let t = Table {
            ids: (0..rows).map(|i| i.to_string()).collect(),
            y: (0..rows).map(|i| i % 3 == 0).collect(),
            columns: vec![
                column("score", score),
                // More distinct values than MAX_CODED_NUMBERS: a number only.
                column("visits", (0..rows).map(|i| num(i as f64)).collect()),
                // Two values: a threshold already splits them every way.
                column("flag", (0..rows).map(|i| num((i % 2) as f64)).collect()),
            ],
            duplicate_rows: 0,
        };
        assert!(rows > MAX_CODED_NUMBERS);
        let e = Encoder::fit(&t, Style::Ordered);
        assert_eq!(e.names(), ["score", "visits", "flag"]);
        assert_eq!(e.coded(), 1);
        assert_eq!(e.code_names(), ["score (category)"]);
        // The values' indices, then missing, not answered and unseen.
        let codes = e.encode_codes(&t).unwrap();
        assert_eq!(codes[..8], [2.0, 0.0, 1.0, 0.0, 2.0, 3.0, 4.0, 1.0]);
        assert_eq!(e.columns[0].code_of(&num(2.5)), 5.0);
        assert_eq!(
            e.columns[1].code_of(&num(2.0)).to_bits(),
            f64::NAN.to_bits()
        );
        // The number itself is still a feature, as before.
        assert_eq!(e.encode(&t).unwrap()[..3], [3.0, 0.0, 0.0]);
        // Models saved before codes for numbers read as numbers only.
        let mut old = serde_json::to_value(&e).unwrap();
        old["columns"][0].as_object_mut().unwrap().remove("values");
        let old: Encoder = serde_json::from_value(old).unwrap();
        assert_eq!(old.coded(), 0);
        assert!(!serde_json::to_string(&old).unwrap().contains("values"));
    }

    #[test]
    fn folds_are_stratified() {
        let y: Vec<bool> = (0..100).map(|i| i % 4 == 0).collect();
        let f = stratified_folds(&y, 5, 1);
        for k in 0..5 {
            let rows: Vec<usize> = (0..100).filter(|&r| f[r] == k).collect();
            assert_eq!(rows.len(), 20);
            assert_eq!(rows.iter().filter(|&&r| y[r]).count(), 5);
        }
    }
}
