//! Training predictive models from leads with known outcomes: regularised
//! logistic regression (interpretable; its coefficients suggest rule
//! points; see [`crate::logistic`]) and gradient-boosted trees (ours,
//! [`crate::hist`], or forust-ml's). A trained
//! model carries its feature encoding, so it scores new rows by itself, and
//! it is reproducible: the same data, options and seed give the same model
//! and the same version id.

use crate::features::{Encoder, Style};
use crate::logistic::{SparseRows, sigmoid};
use crate::metrics::{Metrics, evaluate};
use crate::table::{Cell, Table};
use forust_ml::{GradientBooster, Matrix};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Which learner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// L2-regularised logistic regression.
    Logistic,
    /// Gradient-boosted decision trees.
    Gbt,
}

impl Kind {
    /// `logistic` or `gbt`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Logistic => "logistic",
            Kind::Gbt => "gbt",
        }
    }
}

/// Learner settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Options {
    /// Which learner.
    pub kind: Kind,
    /// L2 penalty of the logistic regression (1.0 matches scikit-learn's
    /// default `C = 1`).
    pub alpha: f64,
    /// Boosting rounds; 0 chooses: 100 up to 10,000 training rows, else
    /// by early stopping on a validation share of the training rows.
    pub trees: usize,
    /// Boosting learning rate.
    pub learning_rate: f32,
    /// Deepest tree.
    pub max_depth: usize,
    /// Our trees: one booster per depth listed, averaged into one forest
    /// (empty: one booster of `max_depth`, as models saved before it had).
    #[serde(default)]
    pub depths: Vec<usize>,
    /// Seed of every random choice.
    pub seed: u64,
    /// Folds of the out-of-fold category rates trees train on (below 2:
    /// in-sample rates, as models trained before them used).
    #[serde(default)]
    pub rate_folds: usize,
    /// Values meaning "not answered" in the data, so a live profile's
    /// answers are read the way the training rows were.
    #[serde(default)]
    pub not_answered: Vec<String>,
    /// Which boosted-tree learner (models saved before there was a choice
    /// read as forust-ml's).
    #[serde(default)]
    pub booster: Booster,
    /// Our trees: the share of the log-odds taken from a logistic
    /// regression fitted beside them (0: the trees alone, as models saved
    /// before it read).
    #[serde(default)]
    pub linear_share: f64,
}

/// Which learner grows the boosted trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Booster {
    /// forust-ml, on category rates and shares.
    #[default]
    Forust,
    /// Ours ([`crate::hist`]), splitting categories at each node.
    Native,
}

/// The depths of the forests our trees average by default: depth 4 alone
/// was the best single setting, and 3, 4 and 5 together ranked better than
/// it in every fold dealing and variant of X Education's cross-validation
/// (docs/benchmarks.md).
pub const DEPTHS: [usize; 3] = [3, 4, 5];

/// The share of our trees' log-odds taken from a logistic regression by
/// default. Trees rank by interactions and thresholds, the linear model by
/// the sum of many small effects. Of the shares tried (0.05 to 0.3), a tenth
/// was the only one that ranked X Education's leads better than the trees
/// alone in all 15 (variant, fold dealing) pairs of the cross-validation on
/// the training rows (0.15 tied it on the means; docs/benchmarks.md).
pub const LINEAR_SHARE: f64 = 0.1;

/// Deepest tree accepted: a tree of depth 16 already has up to 65,536
/// leaves, far more than lead data sets support.
pub const MAX_DEPTH: usize = 16;

impl Options {
    /// The depths of the forests our trees average.
    pub fn tree_depths(&self) -> impl Iterator<Item = usize> + '_ {
        let single = self.depths.is_empty().then_some(self.max_depth);
        self.depths.iter().copied().chain(single)
    }

    /// Sensible defaults for `kind`.
    pub fn new(kind: Kind) -> Options {
        Options {
            kind,
            alpha: 1.0,
            trees: 0,
            learning_rate: 0.1,
            max_depth: 4,
            depths: DEPTHS.to_vec(),
            seed: 42,
            rate_folds: RATE_FOLDS,
            not_answered: Vec::new(),
            booster: Booster::Native,
            linear_share: LINEAR_SHARE,
        }
    }
}

/// What training failed on.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The data does not fit the model.
    #[error("{0}")]
    Data(String),
    /// The learner failed.
    #[error("training failed: {0}")]
    Learner(String),
}

/// The learned parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Learned {
    /// `p = sigmoid(intercept + coefficients · x)`.
    Logistic {
        /// Intercept.
        intercept: f64,
        /// One coefficient per feature.
        coefficients: Vec<f64>,
    },
    /// A forust booster, as its own JSON.
    Gbt {
        /// The booster.
        booster: String,
    },
    /// Trees of [`crate::hist`], on the encoder's features followed by its
    /// category codes.
    Trees {
        /// The trees.
        forest: crate::hist::Forest,
        /// A logistic regression blended in (absent: the trees alone, as in
        /// models saved before it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        linear: Option<Linear>,
    },
}

/// A logistic regression whose log-odds are blended into a forest's, with
/// an encoding of its own (standardised numbers and indicators) of the same
/// columns as the trees' encoder, in the same order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Linear {
    /// Its share of the blended log-odds; the trees have the rest.
    pub share: f64,
    /// Its features.
    pub encoder: Encoder,
    /// Intercept.
    pub intercept: f64,
    /// One coefficient per feature.
    pub coefficients: Vec<f64>,
}

impl Linear {
    fn fit(train: &Table, alpha: f64, share: f64) -> Result<Linear, TrainError> {
        let encoder = Encoder::fit(train, Style::Indicators);
        let x = encoder.encode(train).map_err(TrainError::Data)?;
        let (intercept, coefficients) = fit_logistic(&x, encoder.width(), &train.y, alpha);
        Ok(Linear {
            share,
            encoder,
            intercept,
            coefficients,
        })
    }

    /// The blend of the trees' log-odds with this model's for features `x`.
    fn blend(&self, trees: f64, x: &[f64]) -> f64 {
        (1.0 - self.share) * trees + self.share * (self.intercept + dot(x, &self.coefficients))
    }
}

/// L2-regularised logistic regression on encoded rows `width` wide.
fn fit_logistic(x: &[f64], width: usize, y: &[bool], alpha: f64) -> (f64, Vec<f64>) {
    crate::logistic::fit(
        &SparseRows::from_dense(x, width),
        y,
        crate::logistic::Settings {
            alpha,
            ..Default::default()
        },
    )
}

/// A trained model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trained {
    /// Content hash of everything below: the model's version id.
    pub version: String,
    /// Settings it was trained with.
    pub options: Options,
    /// Feature encoding.
    pub encoder: Encoder,
    /// Parameters.
    pub learned: Learned,
    /// Training rows and converters.
    pub trained_on: (usize, usize),
    /// The event types of its behaviour features, when it was trained on
    /// events as well as profile attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behaviour: Option<crate::behaviour::Vocabulary>,
    /// The booster parsed once, for models that score live leads.
    #[serde(skip)]
    booster: BoosterCache,
}

/// A parsed booster kept beside its JSON: parsing it for every prediction
/// would cost far more than the prediction.
#[derive(Default)]
struct BoosterCache(std::sync::OnceLock<Option<std::sync::Arc<GradientBooster>>>);

impl Clone for BoosterCache {
    fn clone(&self) -> BoosterCache {
        let cache = std::sync::OnceLock::new();
        if let Some(b) = self.0.get() {
            let _ = cache.set(b.clone());
        }
        BoosterCache(cache)
    }
}

impl std::fmt::Debug for BoosterCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BoosterCache")
    }
}

/// One feature's push on a prediction, in log-odds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    /// Feature name, e.g. `Lead Source=reference`.
    pub feature: String,
    /// Contribution to the log-odds.
    pub effect: f64,
}

/// Trains on `train`.
pub fn train(train: &Table, options: &Options) -> Result<Trained, TrainError> {
    let bad = |d: &usize| !(1..=MAX_DEPTH).contains(d);
    let bad_depth = match options.booster {
        Booster::Native => options.tree_depths().find(bad),
        Booster::Forust => Some(options.max_depth).filter(bad),
    };
    if options.kind == Kind::Gbt
        && let Some(d) = bad_depth
    {
        return Err(TrainError::Data(format!(
            "depths: each tree depth must be 1 to {MAX_DEPTH}, found {d}"
        )));
    }
    if !(0.0..1.0).contains(&options.linear_share) {
        return Err(TrainError::Data(format!(
            "linear_share: must be at least 0 and below 1, found {}",
            options.linear_share
        )));
    }
    let style = match options.kind {
        Kind::Logistic => Style::Indicators,
        Kind::Gbt => Style::Ordered,
    };
    let encoder = Encoder::fit(train, style);
    // Our trees leave the rates out, so they need no folds.
    let x = match style {
        Style::Ordered if options.booster == Booster::Forust => {
            encoder.encode_out_of_fold(train, options.rate_folds, options.seed)
        }
        _ => encoder.encode(train),
    }
    .map_err(TrainError::Data)?;
    let width = encoder.width();
    let rows = train.rows();
    let mut chosen_trees = options.trees;
    let learned = match options.kind {
        Kind::Logistic => {
            let (intercept, coefficients) = fit_logistic(&x, width, &train.y, options.alpha);
            Learned::Logistic {
                intercept,
                coefficients,
            }
        }
        Kind::Gbt if options.booster == Booster::Native => {
            let codes = encoder.encode_codes(train).map_err(TrainError::Data)?;
            let (full, kinds) = native_matrix(&encoder, &x, &codes, rows);
            let trees = match options.trees {
                0 if rows <= EARLY_STOPPING_ABOVE => SMALL_DATA_TREES,
                0 => native_trees_by_validation(train, &full, &kinds, options),
                n => n,
            };
            chosen_trees = trees;
            let settings: Vec<_> = options
                .tree_depths()
                .map(|max_depth| crate::hist::Settings {
                    max_depth,
                    ..native_settings(options, trees)
                })
                .collect();
            let linear = (options.linear_share > 0.0)
                .then(|| Linear::fit(train, options.alpha, options.linear_share))
                .transpose()?;
            Learned::Trees {
                forest: crate::hist::fit_averaged(&full, rows, &kinds, &train.y, &settings),
                linear,
            }
        }
        Kind::Gbt => {
            let trees = match options.trees {
                0 if rows <= EARLY_STOPPING_ABOVE => SMALL_DATA_TREES,
                0 => trees_by_validation(train, &x, width, options)?,
                n => n,
            };
            let y: Vec<f64> = train.y.iter().map(|&v| f64::from(u8::from(v))).collect();
            let booster = fit_booster(&x, &y, rows, width, options, trees, None)?;
            chosen_trees = trees;
            Learned::Gbt {
                booster: booster
                    .json_dump()
                    .map_err(|e| TrainError::Learner(e.to_string()))?,
            }
        }
    };
    let positives = train.y.iter().filter(|v| **v).count();
    let mut model = Trained {
        version: String::new(),
        options: Options {
            trees: chosen_trees,
            ..options.clone()
        },
        encoder,
        learned,
        trained_on: (rows, positives),
        behaviour: None,
        booster: BoosterCache::default(),
    };
    model.version = model.content_hash();
    Ok(model)
}

/// The features [`crate::hist`] trains on: each row's encoder features,
/// then its category codes; and how the learner reads each.
fn native_matrix(
    encoder: &Encoder,
    x: &[f64],
    codes: &[f64],
    rows: usize,
) -> (Vec<f64>, Vec<crate::hist::FeatureKind>) {
    use crate::features::ColumnEncoding as E;
    use crate::hist::FeatureKind as K;
    // The categories are split by their codes; their rates would only give
    // the trees a second, fixed order of the same values (cross-validated
    // no better, docs/benchmarks.md), so they are left out. Shares stay: how
    // common a value is is not an order of the codes.
    let mut kinds = Vec::new();
    for c in &encoder.columns {
        match c {
            E::Rate { shares, .. } => {
                kinds.push(K::Ignored);
                if shares.is_some() {
                    kinds.push(K::Numeric);
                }
            }
            _ => kinds.extend(std::iter::repeat_n(K::Numeric, c.width())),
        }
    }
    let (width, coded) = (encoder.width(), encoder.coded());
    kinds.extend(std::iter::repeat_n(K::Categorical, coded));
    let mut full = Vec::with_capacity(rows * (width + coded));
    for r in 0..rows {
        full.extend_from_slice(&x[r * width..(r + 1) * width]);
        full.extend_from_slice(&codes[r * coded..(r + 1) * coded]);
    }
    (full, kinds)
}

fn native_settings(options: &Options, trees: usize) -> crate::hist::Settings {
    crate::hist::Settings {
        trees,
        learning_rate: f64::from(options.learning_rate),
        max_depth: options.max_depth,
        ..crate::hist::Settings::default()
    }
}

/// Folds of the out-of-fold category rates the trees train on.
const RATE_FOLDS: usize = 5;

/// Training sets this small get [`SMALL_DATA_TREES`] rounds instead of
/// early stopping, as scikit-learn's HistGradientBoosting does by default
/// (`early_stopping="auto"`): setting a validation share aside and then
/// refitting costs about three times the fit itself, and on the X
/// Education variants the hold-out AUC of both is within 0.0004
/// (docs/benchmarks.md).
const EARLY_STOPPING_ABOVE: usize = 10_000;
/// Rounds for small training sets (scikit-learn's `max_iter` default).
const SMALL_DATA_TREES: usize = 100;

/// Most boosting rounds when the number is chosen by validation.
const MAX_TREES: usize = 2_000;
/// Rounds without improvement on the validation rows before stopping.
const PATIENCE: usize = 50;
/// Share of training rows set aside to choose the number of rounds.
const VALIDATION_SHARE: f64 = 0.15;

/// The feature rows (row-major, `width` wide) and outcomes of `rows`.
fn pick_rows(train: &Table, x: &[f64], width: usize, rows: &[usize]) -> (Vec<f64>, Vec<bool>) {
    let xs = rows
        .iter()
        .flat_map(|&r| x[r * width..(r + 1) * width].iter().copied())
        .collect();
    let ys = rows.iter().map(|&r| train.y[r]).collect();
    (xs, ys)
}

/// Chooses the number of boosting rounds on a validation share of the
/// training rows (never the hold-out): boosting stops once the validation
/// log loss has not improved for [`PATIENCE`] rounds.
fn trees_by_validation(
    train: &Table,
    x: &[f64],
    width: usize,
    options: &Options,
) -> Result<usize, TrainError> {
    let split = crate::split::random(train, VALIDATION_SHARE, options.seed);
    let as_f64 = |(xs, ys): (Vec<f64>, Vec<bool>)| {
        let ys: Vec<f64> = ys.into_iter().map(|y| f64::from(u8::from(y))).collect();
        (xs, ys)
    };
    let (xt, yt) = as_f64(pick_rows(train, x, width, &split.train));
    let (xv, yv) = as_f64(pick_rows(train, x, width, &split.test));
    let columns_v = column_major(&xv, split.test.len(), width);
    let weights_v = vec![1.0; split.test.len()];
    let validation = (
        Matrix::new(&columns_v, split.test.len(), width),
        yv.as_slice(),
        weights_v.as_slice(),
    );
    let booster = fit_booster(
        &xt,
        &yt,
        split.train.len(),
        width,
        options,
        MAX_TREES,
        Some(validation),
    )?;
    Ok(booster.best_iteration.map_or(MAX_TREES, |b| b + 1))
}

/// [`trees_by_validation`] for our trees.
fn native_trees_by_validation(
    train: &Table,
    x: &[f64],
    kinds: &[crate::hist::FeatureKind],
    options: &Options,
) -> usize {
    let width = kinds.len();
    let split = crate::split::random(train, VALIDATION_SHARE, options.seed);
    let (xt, yt) = pick_rows(train, x, width, &split.train);
    let (xv, yv) = pick_rows(train, x, width, &split.test);
    crate::hist::rounds_by_validation(
        &xt,
        split.train.len(),
        kinds,
        &yt,
        &xv,
        &yv,
        &native_settings(options, MAX_TREES),
        PATIENCE,
    )
}

fn fit_booster(
    x: &[f64],
    y: &[f64],
    rows: usize,
    width: usize,
    options: &Options,
    trees: usize,
    validation: Option<forust_ml::gradientbooster::EvaluationData<'_>>,
) -> Result<GradientBooster, TrainError> {
    let columns = column_major(x, rows, width);
    let mut booster = GradientBooster::default()
        .set_iterations(trees)
        .set_learning_rate(options.learning_rate)
        .set_max_depth(options.max_depth)
        .set_seed(options.seed)
        .set_parallel(false);
    if validation.is_some() {
        booster = booster
            .set_evaluation_metric(Some(forust_ml::metric::Metric::LogLoss))
            .set_early_stopping_rounds(Some(PATIENCE));
    }
    booster
        .fit_unweighted(
            &Matrix::new(&columns, rows, width),
            y,
            validation.map(|v| vec![v]),
        )
        .map_err(|e| TrainError::Learner(e.to_string()))?;
    Ok(booster)
}

fn column_major(x: &[f64], rows: usize, width: usize) -> Vec<f64> {
    let mut out = vec![0.0; rows * width];
    for r in 0..rows {
        for c in 0..width {
            out[c * rows + r] = x[r * width + c];
        }
    }
    out
}

impl Trained {
    fn parsed_booster(&self) -> Result<std::sync::Arc<GradientBooster>, TrainError> {
        let Learned::Gbt { booster } = &self.learned else {
            return Err(TrainError::Learner("not a boosted model".into()));
        };
        self.booster
            .0
            .get_or_init(|| {
                GradientBooster::from_json(booster)
                    .ok()
                    .map(std::sync::Arc::new)
            })
            .clone()
            .ok_or_else(|| TrainError::Learner("the stored booster cannot be read".into()))
    }

    fn content_hash(&self) -> String {
        let body =
            serde_json::to_string(&(&self.options, &self.encoder, &self.learned, self.trained_on))
                .unwrap_or_default();
        hex::encode(&Sha256::digest(body.as_bytes())[..8])
    }

    /// Probabilities of conversion for every row of `table`.
    pub fn predict(&self, table: &Table) -> Result<Vec<f64>, TrainError> {
        let x = self.encoder.encode(table).map_err(TrainError::Data)?;
        if let Learned::Trees { forest, linear } = &self.learned {
            let codes = self.encoder.encode_codes(table).map_err(TrainError::Data)?;
            let (full, kinds) = native_matrix(&self.encoder, &x, &codes, table.rows());
            let trees = full
                .chunks(kinds.len())
                .take(table.rows())
                .map(|row| forest.log_odds(row));
            let Some(linear) = linear else {
                return Ok(trees.map(sigmoid).collect());
            };
            let xl = linear.encoder.encode(table).map_err(TrainError::Data)?;
            let width = linear.encoder.width().max(1);
            return Ok(trees
                .zip(xl.chunks(width))
                .map(|(t, row)| sigmoid(linear.blend(t, row)))
                .collect());
        }
        self.predict_encoded(&x, table.rows())
    }

    /// One row's features as [`crate::hist`] reads them.
    fn native_row<'a>(&self, cell: impl Fn(usize) -> &'a Cell + Copy) -> Vec<f64> {
        let width = self.encoder.width();
        let mut x = vec![0.0; width + self.encoder.coded()];
        self.encoder.encode_into(cell, &mut x[..width]);
        self.encoder.codes_into(cell, &mut x[width..]);
        x
    }

    fn predict_encoded(&self, x: &[f64], rows: usize) -> Result<Vec<f64>, TrainError> {
        let width = self.encoder.width();
        match &self.learned {
            // Our trees read category codes beside these features (`predict`).
            Learned::Trees { .. } => Err(TrainError::Learner(
                "trees are scored with their category codes".into(),
            )),
            Learned::Logistic {
                intercept,
                coefficients,
            } => Ok(x
                .chunks(width)
                .map(|row| sigmoid(intercept + dot(row, coefficients)))
                .collect()),
            Learned::Gbt { .. } => {
                let b = self.parsed_booster()?;
                let columns = column_major(x, rows, width);
                Ok(b.predict(&Matrix::new(&columns, rows, width), false)
                    .into_iter()
                    .map(sigmoid)
                    .collect())
            }
        }
    }

    /// The probability of one row, given its cell per encoder column.
    pub fn predict_row<'a>(
        &self,
        cell: impl Fn(usize) -> &'a Cell + Copy,
    ) -> Result<f64, TrainError> {
        if let Learned::Trees { forest, linear } = &self.learned {
            let trees = forest.log_odds(&self.native_row(cell));
            return Ok(sigmoid(match linear {
                Some(l) => l.blend(trees, &l.encoder.encode_row(cell)),
                None => trees,
            }));
        }
        Ok(self.predict_encoded(&self.encoder.encode_row(cell), 1)?[0])
    }

    /// The features that pushed one row's prediction most, largest first:
    /// for logistic regression each coefficient times the feature; for trees
    /// the booster's per-feature contributions; for trees with a logistic
    /// regression blended in, both, each times its share.
    pub fn factors<'a>(&self, cell: impl Fn(usize) -> &'a Cell + Copy, top: usize) -> Vec<Factor> {
        if let Learned::Trees { forest, linear } = &self.learned {
            let x = self.native_row(cell);
            let mut names = self.encoder.names();
            names.extend(self.encoder.code_names());
            let mut effects = forest.contributions(&x);
            if let Some(l) = linear {
                effects.truncate(names.len());
                effects.iter_mut().for_each(|e| *e *= 1.0 - l.share);
                let xl = l.encoder.encode_row(cell);
                names.extend(l.encoder.names());
                effects.extend(xl.iter().zip(&l.coefficients).map(|(v, c)| l.share * v * c));
            }
            return top_factors(names, effects, top);
        }
        let x = self.encoder.encode_row(cell);
        let width = x.len();
        let effects: Vec<f64> = match &self.learned {
            Learned::Logistic { coefficients, .. } => {
                x.iter().zip(coefficients).map(|(a, b)| a * b).collect()
            }
            Learned::Trees { .. } => Vec::new(),
            Learned::Gbt { .. } => match self.parsed_booster() {
                Ok(b) => {
                    let c = b.predict_contributions(
                        &Matrix::new(&x, 1, width),
                        forust_ml::gradientbooster::ContributionsMethod::Average,
                        false,
                    );
                    c[..width].to_vec()
                }
                Err(_) => vec![0.0; width],
            },
        };
        top_factors(self.encoder.names(), effects, top)
    }

    /// Evaluates on held-out rows.
    pub fn evaluate(&self, test: &Table) -> Result<Metrics, TrainError> {
        Ok(evaluate(&self.predict(test)?, &test.y))
    }
}

/// What training on a data set reports.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Model version (content hash).
    pub version: String,
    /// Learner.
    pub kind: &'static str,
    /// Rows read.
    pub rows: usize,
    /// Rows equal to an earlier one apart from the id.
    pub duplicate_rows: usize,
    /// Features after encoding.
    pub features: usize,
    /// Training rows.
    pub train_rows: usize,
    /// Wall time of the fit, feature encoding included (ms).
    pub fit_ms: f64,
    /// Hold-out metrics.
    pub holdout: Metrics,
    /// The largest logistic coefficients (log-odds per unit), largest first.
    pub top_coefficients: Vec<(String, f64)>,
    /// The behaviour features joined to the data, when events were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behaviour: Option<crate::history::BehaviourSummary>,
}

/// Coefficients listed in a report.
const TOP_COEFFICIENTS: usize = 15;

/// Trains on the training rows of `d` and evaluates on its hold-out rows.
pub fn train_and_evaluate(
    d: &crate::dataset::Loaded,
    options: &Options,
) -> Result<(Trained, Report), TrainError> {
    let started = std::time::Instant::now();
    let mut model = train(&d.table.select(&d.split.train), options)?;
    model.behaviour = d.behaviour.as_ref().map(|(v, _)| v.clone());
    let fit_ms = started.elapsed().as_secs_f64() * 1000.0;
    let holdout = model.evaluate(&d.table.select(&d.split.test))?;
    let top_coefficients = match &model.learned {
        Learned::Logistic { coefficients, .. } => {
            let mut c: Vec<(String, f64)> = model
                .encoder
                .names()
                .into_iter()
                .zip(coefficients.iter().copied())
                .collect();
            c.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
            c.truncate(TOP_COEFFICIENTS);
            c
        }
        Learned::Gbt { .. } | Learned::Trees { .. } => Vec::new(),
    };
    let report = Report {
        version: model.version.clone(),
        kind: options.kind.as_str(),
        rows: d.table.rows(),
        duplicate_rows: d.table.duplicate_rows,
        features: model.encoder.width(),
        train_rows: d.split.train.len(),
        fit_ms,
        holdout,
        top_coefficients,
        behaviour: d.behaviour.as_ref().map(|(_, s)| s.clone()),
    };
    Ok((model, report))
}

/// The `top` largest non-zero effects, largest first, with their names
/// (effects beyond the names, such as a base value, are dropped; effects of
/// one name, as a number both blended models read, are summed).
fn top_factors(names: Vec<String>, effects: Vec<f64>, top: usize) -> Vec<Factor> {
    let mut summed: std::collections::BTreeMap<String, f64> = Default::default();
    for (name, effect) in names.into_iter().zip(effects) {
        *summed.entry(name).or_default() += effect;
    }
    let mut factors: Vec<Factor> = summed
        .into_iter()
        .filter(|(_, e)| *e != 0.0)
        .map(|(feature, effect)| Factor { feature, effect })
        .collect();
    factors.sort_by(|a, b| b.effect.abs().total_cmp(&a.effect.abs()));
    factors.truncate(top);
    factors
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl Trained {
    /// A live profile's value of the encoder's column `index`, read the way
    /// the CSV importer reads a cell.
    fn cell_of(&self, profile: &leadscore_core::Profile, index: usize) -> Cell {
        use crate::features::ColumnEncoding as E;
        use leadscore_core::Value;
        let column = &self.encoder.columns[index];
        let numeric = matches!(column, E::Numeric { .. } | E::Raw { .. });
        let is_na = |s: &str| {
            self.options
                .not_answered
                .iter()
                .any(|n| n.eq_ignore_ascii_case(s.trim()))
        };
        match profile.get(column.name()) {
            Value::Null => Cell::Missing,
            Value::Num(x) if numeric => Cell::Num(*x),
            Value::Num(x) => Cell::Cat(x.to_string()),
            Value::Bool(b) if numeric => Cell::Num(f64::from(u8::from(*b))),
            // Profiles read "Yes" as true; the training CSV kept the word.
            Value::Bool(b) => Cell::Cat(self.encoder.flag_level(index, *b)),
            Value::Str(s) if s.trim().is_empty() => Cell::Missing,
            Value::Str(s) if is_na(s) => Cell::NotAnswered,
            Value::Str(s) if numeric => s.trim().parse().map_or(Cell::Missing, Cell::Num),
            Value::Str(s) => Cell::Cat(s.trim().to_lowercase()),
        }
    }

    /// A live profile's value of every encoder column.
    pub(crate) fn cells_of(&self, profile: &leadscore_core::Profile) -> Vec<Cell> {
        (0..self.encoder.columns.len())
            .map(|i| self.cell_of(profile, i))
            .collect()
    }

    /// The features that pushed a live profile's probability most.
    pub fn profile_factors(&self, profile: &leadscore_core::Profile, top: usize) -> Vec<Factor> {
        let cells = self.cells_of(profile);
        self.factors(|i| &cells[i], top)
    }
}

impl leadscore_core::model::Predictor for Trained {
    fn version(&self) -> &str {
        &self.version
    }

    fn probability(&self, profile: &leadscore_core::Profile) -> f64 {
        let cells = self.cells_of(profile);
        self.predict_row(|i| &cells[i]).unwrap_or(f64::NAN)
    }

    fn factors(&self, profile: &leadscore_core::Profile, top: usize) -> Vec<(String, f64)> {
        self.profile_factors(profile, top)
            .into_iter()
            .map(|f| (f.feature, f.effect))
            .collect()
    }
}
