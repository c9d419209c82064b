//! `leadscore score`, `explain` and `model check`.

use crate::input::{self, OnError};
use crate::output::{self, Format};
use crate::rescore;
use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use leadscore_core::dataset::Dataset;
use leadscore_core::model::Model;
use leadscore_core::time::Timestamp;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Inputs shared by `score` and `explain`.
#[derive(Args)]
pub struct Inputs {
    /// Model file (TOML).
    #[arg(long, short)]
    pub model: PathBuf,
    /// Lead profiles: CSV with a header row and an id column.
    #[arg(long)]
    pub leads: Option<PathBuf>,
    /// Events: Segment messages, one JSON object per line.
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// Score as of this time (RFC 3339 or a date); default: the latest event.
    #[arg(long, value_parser = parse_time)]
    pub as_of: Option<Timestamp>,
    /// The leads file's id column (default: id, lead_id, user_id or userId).
    #[arg(long)]
    pub id_column: Option<String>,
    /// Report bad rows and go on, instead of stopping.
    #[arg(long)]
    pub skip_invalid: bool,
    /// The trained model (JSON from `leadscore train --out`) the model
    /// file's `[predictive]` section names.
    #[arg(long)]
    pub predictor: Option<PathBuf>,
}

/// `leadscore score`
#[derive(Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    inputs: Inputs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Print only the hottest N leads (0: all).
    #[arg(long, default_value_t = 0)]
    limit: usize,
}

/// `leadscore explain`
#[derive(Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    inputs: Inputs,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// The lead to explain.
    lead_id: String,
}

fn parse_time(s: &str) -> Result<Timestamp, String> {
    Timestamp::parse(s).map_err(|e| e.to_string())
}

/// Reads and validates a model file.
pub fn load_model(path: &Path) -> Result<Model> {
    let src = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read model file {}", path.display()))?;
    Model::from_toml(&src).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// Attaches the trained model a model file names, from `predictor`; a
/// model that names one cannot score without it. `history` is where a model
/// trained with events reads each lead's behaviour as of the scoring time.
pub fn attach_predictor(
    model: Model,
    predictor: Option<&Path>,
    history: Option<Arc<Dataset>>,
) -> Result<Model> {
    let Some(version) = model.predictive.clone() else {
        if predictor.is_some() {
            bail!("--predictor is given, but the model file has no [predictive] section");
        }
        return Ok(model);
    };
    let Some(path) = predictor else {
        bail!(
            "the model names trained model {version} ([predictive]); pass it with --predictor FILE"
        );
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read trained model {}", path.display()))?;
    let trained: leadscore_ml::train::Trained = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a trained model file", path.display()))?;
    if trained.version != version.as_str() {
        bail!(
            "{} holds trained model {}, but the model file names {version}",
            path.display(),
            trained.version
        );
    }
    let history = history.map(|ds| {
        Arc::new(leadscore_ml::live::DatasetHistory::new(ds))
            as Arc<dyn leadscore_ml::live::History>
    });
    let p = leadscore_ml::live::predictor(trained, history)
        .map_err(|e| anyhow!("{}: {e}", path.display()))?;
    Ok(model.with_predictor(p))
}

fn load(inputs: &Inputs) -> Result<(Model, Arc<Dataset>, Timestamp)> {
    let model = load_model(&inputs.model)?;
    if inputs.leads.is_none() && inputs.events.is_none() {
        bail!("nothing to score: give --leads, --events or both");
    }
    let on_error = if inputs.skip_invalid {
        OnError::Skip
    } else {
        OnError::Fail
    };
    let profiles = match &inputs.leads {
        Some(p) => input::read_leads(p, inputs.id_column.as_deref(), on_error)?,
        None => Vec::new(),
    };
    let events = match &inputs.events {
        Some(p) => input::read_events(p, on_error)?,
        None => Vec::new(),
    };
    let ds = Arc::new(Dataset::assemble(profiles, events));
    // Behaviour models read the events given; without any, they are refused.
    let history = inputs.events.is_some().then(|| ds.clone());
    let model = attach_predictor(model, inputs.predictor.as_deref(), history)?;
    let s = ds.stats;
    if s.duplicates + s.unattributed > 0 {
        eprintln!(
            "note: {} duplicate events ignored; {} events of never-identified visitors not scored",
            s.duplicates, s.unattributed
        );
    }
    let as_of = inputs
        .as_of
        .or_else(|| rescore::latest_event(&ds))
        .unwrap_or(Timestamp(0));
    Ok((model, ds, as_of))
}

/// Runs `leadscore score`.
pub fn run_score(args: ScoreArgs) -> Result<()> {
    let (model, ds, as_of) = load(&args.inputs)?;
    let spinner = indicatif::ProgressBar::new_spinner().with_message(format!(
        "scoring {} leads, {} events",
        ds.profiles.len(),
        ds.events.len()
    ));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let scores = rescore::score_all(&model, &ds, as_of);
    let mut order = rescore::ranking(&ds, &scores);
    spinner.finish_and_clear();
    if args.limit > 0 {
        order.truncate(args.limit);
    }
    let rows = output::rows(&model, &ds, &scores, &order);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    output::write(&rows, args.format, &mut out)?;
    if args.format == Format::Table {
        writeln!(
            out,
            "{} leads scored as of {as_of} with model {} {}",
            scores.len(),
            model.name,
            model.version
        )?;
    }
    Ok(())
}

/// Runs `leadscore explain`.
pub fn run_explain(args: ExplainArgs) -> Result<()> {
    let (model, ds, as_of) = load(&args.inputs)?;
    let lead = ds
        .lead_index(&args.lead_id)
        .ok_or_else(|| anyhow!("no lead with id `{}` in the input", args.lead_id))?;
    let state = rescore::lead_state(&model, &ds, lead);
    let accounts = rescore::account_table(&model, &ds, as_of);
    let (score, explanation) = model.explain(
        &ds.profiles[lead],
        &state,
        rescore::account_of(&ds, &accounts, lead),
        as_of,
    );
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        let doc = serde_json::json!({
            "id": args.lead_id,
            "as_of": as_of.to_rfc3339(),
            "total": score.total,
            "fit": score.fit,
            "engagement": score.engagement,
            "groups": model.groups.iter().zip(&score.groups).map(|(g, v)| (g.name.to_string(), *v)).collect::<std::collections::BTreeMap<_, _>>(),
            "cell": score.cell().as_str(),
            "hot": score.hot,
            "stage": score.stage_name(&model),
            "manual_stage": score.manual_stage,
            "bant": score.bant,
            "email": score.email.as_str(),
            "explanation": explanation,
        });
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
        return Ok(());
    }
    crate::explain_text::write(&mut out, &model, &ds, lead, &score, &explanation)?;
    Ok(())
}

/// Runs `leadscore model check`.
pub fn run_check(files: &[PathBuf]) -> Result<()> {
    let mut failed = 0;
    for f in files {
        match load_model(f) {
            Ok(m) => println!(
                "{}: ok: model {} {} with {} fit, {} engagement, {} signal rules, {} aggregates, {} stages",
                f.display(),
                m.name,
                m.version,
                m.fit.len(),
                m.engagement.len(),
                m.signals.len(),
                m.aggregates.len(),
                m.stages.len()
            ),
            Err(e) => {
                failed += 1;
                eprintln!("{e:#}");
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} model files have errors", files.len());
    }
    Ok(())
}
