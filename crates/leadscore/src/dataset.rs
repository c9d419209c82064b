//! The command-line options that name a CSV of leads with known outcomes
//! for `train`, `backtest` and `suggest`, and the events and sales feedback
//! behaviour features are computed from, read through
//! [`leadscore_ml::dataset`].

use crate::input::{self, OnError};
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use leadscore_core::Timestamp;
use leadscore_ml::dataset::{self, Behaviour, Loaded, SplitSpec, parse_ids};
use leadscore_ml::history::{CutOff, Feedback, read_feedback};
use leadscore_ml::table::TableSpec;
use std::path::{Path, PathBuf};

/// How to hold rows out, on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SplitArg {
    /// Stratified, seeded.
    Random,
    /// The latest rows by `--time-column`.
    Time,
}

/// The data options shared by `train`, `backtest` and `suggest`.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// CSV of leads with a header row.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The outcome column.
    #[arg(long)]
    pub outcome: Option<String>,
    /// Outcome values meaning converted (default: 1, true, yes, won, converted).
    #[arg(long)]
    pub positive: Vec<String>,
    /// The id column.
    #[arg(long)]
    pub id: Option<String>,
    /// Columns to leave out (repeat the option), e.g. ones filled in after contact.
    #[arg(long)]
    pub exclude: Vec<String>,
    /// Values meaning "not answered" (a form's default such as `Select`).
    #[arg(long)]
    pub not_answered: Vec<String>,
    /// File of hold-out ids (one per line, a header line allowed).
    #[arg(long, conflicts_with = "split")]
    pub test_ids: Option<PathBuf>,
    /// Split when no hold-out ids are given.
    #[arg(long, value_enum, default_value = "random")]
    pub split: SplitArg,
    /// Share of rows held out.
    #[arg(long, default_value_t = 0.2)]
    pub test_share: f64,
    /// Column ordering rows in time, for `--split time`.
    #[arg(long)]
    pub time_column: Option<String>,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// Where behaviour features come from, and the moment each lead is
/// described at.
#[derive(Debug, Args)]
pub struct BehaviourArgs {
    /// Events (Segment JSONL, as `score` reads them): behaviour features
    /// joined to the rows by lead id.
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// Sales feedback (CSV with `lead_id`, `kind`, `at`, as
    /// `POST /api/import/feedback` takes it): no lead is described after
    /// its first feedback.
    #[arg(long)]
    pub feedback: Option<PathBuf>,
    /// Describe every lead as of this time (RFC 3339 or a date).
    #[arg(long, value_parser = parse_time, conflicts_with_all = ["as_of_column", "horizon_days"])]
    pub as_of: Option<Timestamp>,
    /// Describe each lead as of the time in this column of the data.
    #[arg(long, conflicts_with = "horizon_days")]
    pub as_of_column: Option<String>,
    /// Describe each lead this many days after its first event.
    #[arg(long)]
    pub horizon_days: Option<u32>,
}

fn parse_time(s: &str) -> Result<Timestamp, String> {
    Timestamp::parse(s).map_err(|e| e.to_string())
}

impl BehaviourArgs {
    /// The cut-off rule.
    pub fn cutoff(&self) -> CutOff {
        match (&self.as_of, &self.as_of_column, self.horizon_days) {
            (Some(t), _, _) => CutOff::At(*t),
            (_, Some(c), _) => CutOff::Column(c.clone()),
            (_, _, Some(n)) => CutOff::HorizonDays(n),
            _ => CutOff::Latest,
        }
    }

    /// The feedback file's rows (none without the option).
    pub fn read_feedback(&self) -> Result<Vec<Feedback>> {
        let Some(path) = &self.feedback else {
            return Ok(Vec::new());
        };
        let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        read_feedback(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// What to join to the data: nothing without `--events`.
    fn behaviour(&self) -> Result<Option<Behaviour>> {
        let Some(events) = &self.events else {
            if self.feedback.is_some()
                || self.as_of.is_some()
                || self.as_of_column.is_some()
                || self.horizon_days.is_some()
            {
                bail!(
                    "--feedback, --as-of, --as-of-column and --horizon-days describe behaviour; give --events too"
                );
            }
            return Ok(None);
        };
        Ok(Some(Behaviour {
            events: read_events(events)?,
            cutoff: self.cutoff(),
            feedback: self.read_feedback()?,
        }))
    }
}

/// Reads an events file, stopping at the first bad line.
pub fn read_events(path: &Path) -> Result<Vec<leadscore_core::Event>> {
    input::read_events(path, OnError::Fail)
}

/// Reads the data and splits it; with `profiles`, also reads every row as a
/// lead profile.
pub fn load(args: &DataArgs, profiles: bool) -> Result<Loaded> {
    load_with(args, profiles, None)
}

/// [`load`] with behaviour features, when `behaviour` names events.
pub fn load_with(
    args: &DataArgs,
    profiles: bool,
    behaviour: Option<&BehaviourArgs>,
) -> Result<Loaded> {
    let Some(data) = &args.data else {
        bail!("--data is required: the CSV of leads with known outcomes");
    };
    let Some(outcome) = &args.outcome else {
        bail!("--outcome is required: the column of the data that holds the outcome");
    };
    let behaviour = match behaviour {
        Some(b) => b.behaviour()?,
        None => None,
    };
    let spec = TableSpec {
        id: args.id.clone(),
        outcome: outcome.clone(),
        positive: args.positive.clone(),
        exclude: args.exclude.clone(),
        not_answered: args.not_answered.clone(),
    };
    let split = match (&args.test_ids, args.split) {
        (Some(path), _) => SplitSpec::Ids(parse_ids(
            &std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?,
        )),
        (None, SplitArg::Random) => SplitSpec::Random {
            share: args.test_share,
            seed: args.seed,
        },
        (None, SplitArg::Time) => {
            let Some(column) = &args.time_column else {
                bail!("--split time needs --time-column");
            };
            SplitSpec::Time {
                column: column.clone(),
                share: args.test_share,
            }
        }
    };
    let text = std::fs::read(data).with_context(|| format!("reading {}", data.display()))?;
    if behaviour.is_some() && spec.id.is_none() {
        bail!("behaviour features join events to rows by lead id: give --id");
    }
    dataset::load_with(&text, &spec, &split, profiles, behaviour)
        .with_context(|| format!("reading {}", data.display()))
}
