//! `leadscore train`: learn the probability of conversion from a CSV of leads
//! with known outcomes, report hold-out metrics, and save the model.

use crate::dataset::{BehaviourArgs, DataArgs, load_with};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use comfy_table::Table as TextTable;
use leadscore_ml::train::{Booster, Kind, Options, Report, Trained, train_and_evaluate};
use std::path::PathBuf;

/// Which learner, on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// Regularised logistic regression.
    Logistic,
    /// Gradient-boosted trees.
    Gbt,
}

/// Which learner grows the boosted trees, on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BoosterArg {
    /// Ours, splitting categories at each node (the default).
    Native,
    /// forust-ml, on out-of-fold category rates and shares (as before).
    Forust,
}

/// Options of `leadscore train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The data and the hold-out.
    #[command(flatten)]
    pub data: DataArgs,
    /// Behaviour features from events.
    #[command(flatten)]
    pub behaviour: BehaviourArgs,
    /// Learner.
    #[arg(long, value_enum, default_value = "logistic")]
    pub kind: KindArg,
    /// L2 penalty (logistic regression).
    #[arg(long, default_value_t = 1.0)]
    pub alpha: f64,
    /// Boosting rounds (trees); 0 chooses them on a validation share of the
    /// training rows.
    #[arg(long, default_value_t = 0)]
    pub trees: usize,
    /// Boosting learning rate (trees).
    #[arg(long, default_value_t = 0.1)]
    pub learning_rate: f32,
    /// Deepest tree (forust's trees).
    #[arg(long, default_value_t = 4)]
    pub max_depth: usize,
    /// Depths of the forests our trees average, one booster each
    /// (`--depths 4` trains a single forest).
    #[arg(long, value_delimiter = ',', default_values_t = leadscore_ml::train::DEPTHS)]
    pub depths: Vec<usize>,
    /// Share of our trees' log-odds taken from a logistic regression fitted
    /// beside them (0: the trees alone).
    #[arg(long, default_value_t = leadscore_ml::train::LINEAR_SHARE)]
    pub linear_share: f64,
    /// Folds of the out-of-fold category rates forust's trees train on (0:
    /// in-sample rates).
    #[arg(long, default_value_t = 5)]
    pub rate_folds: usize,
    /// Which learner grows the boosted trees.
    #[arg(long, value_enum, default_value = "native")]
    pub booster: BoosterArg,
    /// Save the model (JSON) here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Reads, splits, trains and evaluates.
pub fn run_training(args: &TrainArgs) -> Result<(Trained, Report)> {
    let loaded = load_with(&args.data, false, Some(&args.behaviour))?;
    let kind = match args.kind {
        KindArg::Logistic => Kind::Logistic,
        KindArg::Gbt => Kind::Gbt,
    };
    let options = Options {
        alpha: args.alpha,
        trees: args.trees,
        learning_rate: args.learning_rate,
        max_depth: args.max_depth,
        depths: args.depths.clone(),
        linear_share: args.linear_share,
        rate_folds: args.rate_folds,
        booster: match args.booster {
            BoosterArg::Native => Booster::Native,
            BoosterArg::Forust => Booster::Forust,
        },
        seed: args.data.seed,
        not_answered: args.data.not_answered.clone(),
        ..Options::new(kind)
    };
    let (model, report) = train_and_evaluate(&loaded, &options)?;
    Ok((model, report))
}

/// Runs `leadscore train`.
pub fn run(args: TrainArgs) -> Result<()> {
    let (model, report) = run_training(&args)?;
    if let Some(out) = &args.out {
        let text = serde_json::to_string_pretty(&model)?;
        std::fs::write(out, text).with_context(|| format!("writing {}", out.display()))?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let m = &report.holdout;
    if let Some(b) = &report.behaviour {
        println!(
            "behaviour: {} columns ({} event types); {} of {} rows have events before their cut-off, {} cut off at their first feedback",
            b.columns, b.event_types, b.rows_with_events, report.rows, b.capped_by_outcome
        );
    }
    println!(
        "{} model {} on {} rows ({} duplicates), {} features; trained on {} rows in {:.0} ms",
        report.kind,
        report.version,
        report.rows,
        report.duplicate_rows,
        report.features,
        report.train_rows,
        report.fit_ms
    );
    println!(
        "hold-out ({} rows, {} converters): ROC AUC {:.4}, PR AUC {:.4}, log loss {:.4}; converters in the top 10% {:.1}%, 20% {:.1}%, 50% {:.1}%",
        m.rows,
        m.positives,
        m.roc_auc,
        m.pr_auc,
        m.log_loss,
        m.top_10 * 100.0,
        m.top_20 * 100.0,
        m.top_50 * 100.0
    );
    let mut t = TextTable::new();
    t.set_header(["predicted", "leads", "mean predicted", "observed"]);
    for b in m.calibration.iter().filter(|b| b.rows > 0) {
        t.add_row([
            format!("{:.1}-{:.1}", b.from, b.to),
            b.rows.to_string(),
            format!("{:.3}", b.predicted),
            format!("{:.3}", b.observed),
        ]);
    }
    println!("{t}");
    if !report.top_coefficients.is_empty() {
        let mut t = TextTable::new();
        t.set_header(["feature", "log-odds"]);
        for (f, c) in &report.top_coefficients {
            t.add_row([f.clone(), format!("{c:+.3}")]);
        }
        println!("{t}");
    }
    Ok(())
}
