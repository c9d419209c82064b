//! Turning a table's columns into model features, learned from the training
//! rows only: numbers are standardised with a missing-value indicator;
//! categories become one indicator per value seen in training, with
//! "missing" and "not answered" as values of their own.

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
    },
}

/// How columns become features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Standardised numbers and indicators (linear models).
    Indicators,
    /// Raw numbers and category rates (trees).
    Ordered,
}

/// Pseudo-rows of the overall rate mixed into each category's rate, so a
/// category seen a few times does not get an extreme rate.
const RATE_PRIOR_WEIGHT: f64 = 20.0;

impl ColumnEncoding {
    /// The column's name.
    pub fn name(&self) -> &str {
        match self {
            ColumnEncoding::Numeric { name, .. }
            | ColumnEncoding::Categorical { name, .. }
            | ColumnEncoding::Raw { name }
            | ColumnEncoding::Rate { name, .. } => name,
        }
    }

    fn width(&self) -> usize {
        match self {
            ColumnEncoding::Numeric { .. } => 3,
            ColumnEncoding::Categorical { levels, .. } => levels.len() + 3,
            ColumnEncoding::Raw { .. } | ColumnEncoding::Rate { .. } => 1,
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
                for (level, (pos, n)) in counts {
                    if n >= MIN_LEVEL_COUNT as f64 {
                        levels.push((level.to_owned(), rate(pos, n)));
                    } else {
                        other.0 += pos;
                        other.1 += n;
                    }
                }
                ColumnEncoding::Rate {
                    name: c.name.clone(),
                    levels,
                    missing: rate(missing.0, missing.1),
                    not_answered: rate(unanswered.0, unanswered.1),
                    other: rate(other.0, other.1),
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
                ColumnEncoding::Raw { name } | ColumnEncoding::Rate { name, .. } => {
                    out.push(name.clone());
                }
            }
        }
        out
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
                ColumnEncoding::Rate {
                    levels,
                    missing,
                    not_answered,
                    other,
                    ..
                } => {
                    out[at] = match v {
                        Cell::Missing => *missing,
                        Cell::NotAnswered => *not_answered,
                        Cell::Cat(s) => levels
                            .binary_search_by(|(l, _)| l.as_str().cmp(s))
                            .map_or(*other, |k| levels[k].1),
                        Cell::Num(_) => *other,
                    };
                    at += 1;
                }
            }
        }
    }

    /// The feature matrix of a table, row-major. The table's columns must
    /// be the encoder's, by name.
    pub fn encode(&self, table: &Table) -> Result<Vec<f64>, String> {
        let index: Vec<usize> = self
            .columns
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
            .collect::<Result<_, _>>()?;
        let width = self.width();
        let mut x = vec![0.0; table.rows() * width];
        for (r, out) in x.chunks_mut(width).enumerate() {
            self.encode_into(|i| &table.columns[index[i]].cells[r], out);
        }
        Ok(x)
    }
}
