//! `leadscore backtest` and `leadscore suggest`: a rule model measured on
//! leads with known outcomes (side by side with another, with a preview of
//! how many leads would change stage or cell), and a rule model suggested
//! from the data with its MQL line placed for a sales capacity or a target
//! precision.

use crate::dataset::{BehaviourArgs, DataArgs, load};
use anyhow::{Context, Result, bail};
use clap::Args;
use comfy_table::Table as TextTable;
use leadscore_core::model::Model;
use leadscore_ml::backtest::{Report, run_models};
use leadscore_ml::suggest::{Target, suggest_model};
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
    /// The trained model (JSON) a model file's `[predictive]` section names.
    #[arg(long)]
    pub predictor: Option<PathBuf>,
    /// The data and the hold-out.
    #[command(flatten)]
    pub data: DataArgs,
    /// Lead profiles (CSV) to replay with `--events` and `--feedback`.
    #[arg(long, conflicts_with = "data")]
    pub leads: Option<PathBuf>,
    /// The leads file's id column (default: id, lead_id, user_id or userId).
    #[arg(long)]
    pub id_column: Option<String>,
    /// Events and sales feedback: with these, the backtest replays history
    /// week by week.
    #[command(flatten)]
    pub history: BehaviourArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
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
                l.per_week
                    .map_or_else(|| "-".to_owned(), |w| format!("{w:.1}")),
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

fn percent(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

/// Prints a replay: per line, every week with each model's new leads and
/// their SQL and won rates side by side.
fn print_replay(r: &leadscore_ml::replay::Replay) {
    println!(
        "Replayed {} events of {} leads over {} weeks; sales accepted {} and won {} of them.",
        r.events, r.leads, r.weeks, r.sql_leads, r.won_leads
    );
    let Some(first) = r.models.first() else {
        return;
    };
    for (k, line) in first.lines.iter().enumerate() {
        let mut t = TextTable::new();
        // One line per week keeps half a year readable.
        t.load_preset(comfy_table::presets::ASCII_MARKDOWN);
        let mut header = vec!["week".to_owned()];
        for m in &r.models {
            header.extend([
                format!("{}: new", m.model),
                "SQL".to_owned(),
                "won".to_owned(),
            ]);
        }
        t.set_header(header);
        let rows = line.weeks.iter().chain([&line.total]).enumerate();
        for (w, week) in rows {
            let mut row = vec![week.week.clone()];
            for m in &r.models {
                let Some(l) = m.lines.get(k) else { continue };
                let x = l.weeks.get(w).unwrap_or(&l.total);
                row.extend([x.new.to_string(), percent(x.sql_rate), percent(x.won_rate)]);
            }
            t.add_row(row);
        }
        let per_week: Vec<String> = r
            .models
            .iter()
            .filter_map(|m| m.lines.get(k))
            .map(|l| format!("{:.1}", l.per_week))
            .collect();
        println!("{} (per week: {})\n{t}", line.line, per_week.join(" vs "));
    }
}

/// Replays an event log under the models.
/// The history a replay reads: `--leads` and `--events`.
fn replay_history(args: &BacktestArgs) -> Result<leadscore_core::dataset::Dataset> {
    let Some(events) = &args.history.events else {
        bail!("a replay needs --events");
    };
    let profiles = match &args.leads {
        Some(p) => {
            crate::input::read_leads(p, args.id_column.as_deref(), crate::input::OnError::Fail)?
        }
        None => Vec::new(),
    };
    Ok(leadscore_core::dataset::Dataset::assemble(
        profiles,
        crate::dataset::read_events(events)?,
    ))
}

fn run_replay(
    args: &BacktestArgs,
    models: &[&Model],
    ds: &leadscore_core::dataset::Dataset,
) -> Result<()> {
    let feedback = args.history.read_feedback()?;
    let report = leadscore_ml::replay::replay(models, ds, &feedback, args.threshold);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_replay(&report);
    }
    Ok(())
}

/// Runs `leadscore backtest`.
pub fn run(args: BacktestArgs) -> Result<()> {
    let replaying = args.history.events.is_some() || args.leads.is_some();
    if replaying && args.data.data.is_some() {
        bail!(
            "--events replays history (with --leads and --feedback); --data backtests a table: give one of them"
        );
    }
    // A replay's trained model reads behaviour from the replayed history.
    let history = if replaying {
        Some(std::sync::Arc::new(replay_history(&args)?))
    } else {
        None
    };
    let attach = |m: Model| {
        // Only a model that names a trained one takes it.
        let p = args.predictor.as_deref().filter(|_| m.predictive.is_some());
        crate::score::attach_predictor(m, p, history.clone())
    };
    let mut models = vec![attach(crate::score::load_model(&args.model)?)?];
    if let Some(c) = &args.compare {
        models.push(attach(crate::score::load_model(c)?)?);
    }
    let refs: Vec<&Model> = models.iter().collect();
    if let Some(ds) = &history {
        return run_replay(&args, &refs, ds);
    }
    let d = load(&args.data, true)?;
    let report = run_models(&refs, &d, args.threshold, args.data.time_column.as_deref());
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
    /// Behaviour from events: each event type's count can become an
    /// engagement rule.
    #[command(flatten)]
    pub behaviour: BehaviourArgs,
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
    let d = crate::dataset::load_with(&args.data, true, Some(&args.behaviour))?;
    let s = suggest_model(
        &d,
        target,
        args.scale,
        args.data.not_answered.first().map(String::as_str),
        args.data.seed,
        &args
            .data
            .data
            .as_ref()
            .map_or_else(String::new, |p| p.display().to_string()),
    )
    .map_err(anyhow::Error::msg)?;
    if let Some(out) = &args.out {
        std::fs::write(out, &s.toml).with_context(|| format!("writing {}", out.display()))?;
    }
    let report = s.report;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    if args.out.is_none() {
        println!("{}", s.toml);
    }
    println!(
        "{} fit rules, {} engagement rules; MQL line at total >= {}",
        s.rules, s.engagement_rules, s.line
    );
    print(&report);
    Ok(())
}
