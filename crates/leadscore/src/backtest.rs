//! `leadscore backtest` and `leadscore suggest`: a rule model measured on
//! leads with known outcomes (side by side with another, with a preview of
//! how many leads would change stage or cell), and a rule model suggested
//! from the data with its MQL line placed for a sales capacity or a target
//! precision.

use crate::dataset::{DataArgs, Loaded, load};
use anyhow::{Context, Result, bail};
use clap::Args;
use comfy_table::Table as TextTable;
use leadscore_core::Timestamp;
use leadscore_core::model::Model;
use leadscore_ml::backtest::{Backtest, Preview, backtest, preview, score_all};
use leadscore_ml::suggest::{Target, fit_rules, threshold};
use leadscore_ml::train::{Kind, Options, train};
use serde::Serialize;
use std::path::PathBuf;

/// Options of `leadscore backtest`.
#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// The rule model (TOML).
    #[arg(long)]
    pub model: PathBuf,
    /// A second model to compare with, and to preview the switch to.
    #[arg(long)]
    pub compare: Option<PathBuf>,
    /// Also report what a line at this total would have meant.
    #[arg(long)]
    pub threshold: Option<f64>,
    /// The data and the hold-out.
    #[command(flatten)]
    pub data: DataArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// What `backtest` reports.
#[derive(Debug, Serialize)]
pub struct Report {
    /// One backtest per model.
    pub models: Vec<Backtest>,
    /// Moving every lead from the first model to the second.
    pub preview: Option<Preview>,
}

fn read_model(path: &PathBuf) -> Result<Model> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Model::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Backtests models on loaded data.
fn run_models(models: &[Model], d: &Loaded, threshold: Option<f64>) -> Report {
    // Profiles carry no event history here; score them as of now.
    let now = Timestamp(0);
    let scores: Vec<_> = models
        .iter()
        .map(|m| score_all(m, &d.profiles, now))
        .collect();
    let backtests = models
        .iter()
        .zip(&scores)
        .map(|(m, s)| backtest(m, s, &d.table.y, &d.split.train, &d.split.test, threshold))
        .collect();
    let preview =
        (models.len() == 2).then(|| preview(&models[0], &scores[0], &models[1], &scores[1]));
    Report {
        models: backtests,
        preview,
    }
}

fn print(report: &Report) {
    let mut t = TextTable::new();
    t.set_header([
        "model", "ROC AUC", "PR AUC", "log loss", "top 10%", "top 20%", "top 50%",
    ]);
    for b in &report.models {
        let m = &b.holdout;
        t.add_row([
            b.model.clone(),
            format!("{:.4}", m.roc_auc),
            format!("{:.4}", m.pr_auc),
            format!("{:.4}", m.log_loss),
            format!("{:.1}%", m.top_10 * 100.0),
            format!("{:.1}%", m.top_20 * 100.0),
            format!("{:.1}%", m.top_50 * 100.0),
        ]);
    }
    println!(
        "Hold-out ({} leads, {} converters)\n{t}",
        report.models[0].holdout.rows, report.models[0].holdout.positives
    );
    let mut t = TextTable::new();
    t.set_header([
        "model",
        "line",
        "leads",
        "share",
        "conversion",
        "converters caught",
    ]);
    for b in &report.models {
        for l in &b.lines {
            t.add_row([
                b.model.clone(),
                l.line.clone(),
                l.leads.to_string(),
                format!("{:.1}%", l.share * 100.0),
                format!("{:.1}%", l.conversion * 100.0),
                format!("{:.1}%", l.caught * 100.0),
            ]);
        }
    }
    println!("{t}");
    if let Some(p) = &report.preview {
        println!(
            "Switching {} leads to the second model: {} change stage, {} change cell, {} new MQLs, {} MQLs lost",
            p.leads, p.stage_changes, p.cell_changes, p.new_mqls, p.lost_mqls
        );
    }
}

/// Runs `leadscore backtest`.
pub fn run(args: BacktestArgs) -> Result<()> {
    let mut models = vec![read_model(&args.model)?];
    if let Some(c) = &args.compare {
        models.push(read_model(c)?);
    }
    let d = load(&args.data, true)?;
    let report = run_models(&models, &d, args.threshold);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print(&report);
    }
    Ok(())
}

/// Options of `leadscore suggest`.
#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// The data and the hold-out.
    #[command(flatten)]
    pub data: DataArgs,
    /// Leads sales can work per week (with `--arrivals`).
    #[arg(long, requires = "arrivals", conflicts_with = "precision")]
    pub capacity: Option<f64>,
    /// New leads per week.
    #[arg(long)]
    pub arrivals: Option<f64>,
    /// Place the MQL line where leads convert at least this often (0 to 1).
    #[arg(long)]
    pub precision: Option<f64>,
    /// Points per unit of log-odds.
    #[arg(long, default_value_t = 10.0)]
    pub scale: f64,
    /// Write the suggested model here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print JSON (the backtest), not tables.
    #[arg(long)]
    pub json: bool,
}

/// Runs `leadscore suggest`.
pub fn run_suggest(args: SuggestArgs) -> Result<()> {
    let target = match (args.capacity, args.arrivals, args.precision) {
        (Some(capacity), Some(arrivals), None) => Target::Capacity { capacity, arrivals },
        (None, _, Some(p)) if (0.0..=1.0).contains(&p) => Target::Precision(p),
        (None, _, Some(p)) => bail!("--precision must be between 0 and 1, found {p}"),
        _ => bail!("give --capacity with --arrivals, or --precision"),
    };
    let d = load(&args.data, true)?;
    let train_table = d.table.select(&d.split.train);
    let logistic = train(
        &train_table,
        &Options {
            seed: args.data.seed,
            ..Options::new(Kind::Logistic)
        },
    )?;
    let rules = fit_rules(
        &logistic,
        args.scale,
        args.data.not_answered.first().map(String::as_str),
    )
    .map_err(anyhow::Error::msg)?;
    let header = format!(
        "# Suggested by `leadscore suggest` from {} (logistic model {}).\n\
         # Points are log-odds x {}; edit freely, then backtest.\n\
         [model]\nname = \"suggested\"\nversion = \"{}\"\n\n",
        args.data.data.display(),
        logistic.version,
        args.scale,
        logistic.version
    );
    let draft = Model::from_toml(&format!("{header}{rules}"))
        .map_err(|e| anyhow::anyhow!("the suggested rules do not compile (a bug): {e}"))?;
    let scores = score_all(&draft, &d.profiles, Timestamp(0));
    let totals: Vec<f64> = d.split.train.iter().map(|&i| scores[i].total).collect();
    let ys: Vec<bool> = d.split.train.iter().map(|&i| d.table.y[i]).collect();
    let line = threshold(&totals, &ys, target);
    if !line.is_finite() {
        bail!("no line meets the target on the training leads");
    }
    let text = format!(
        "{header}{rules}[[stages]]\nname = \"mql\"\nlabel = \"Marketing qualified\"\nwhen = \"total >= {line}\"\n"
    );
    let model = Model::from_toml(&text)
        .map_err(|e| anyhow::anyhow!("the suggested model does not compile (a bug): {e}"))?;
    if let Some(out) = &args.out {
        std::fs::write(out, &text).with_context(|| format!("writing {}", out.display()))?;
    }
    let report = run_models(&[model], &d, None);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    if args.out.is_none() {
        println!("{text}");
    }
    println!(
        "{} fit rules; MQL line at total >= {line}",
        rules.matches("[[fit]]").count()
    );
    print(&report);
    Ok(())
}
