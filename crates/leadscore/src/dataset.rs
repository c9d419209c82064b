//! The command-line options that name a CSV of leads with known outcomes
//! for `train`, `backtest` and `suggest`, read through
//! [`leadscore_ml::dataset`].

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use leadscore_ml::dataset::{self, Loaded, SplitSpec, parse_ids};
use leadscore_ml::table::TableSpec;
use std::path::PathBuf;

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
    pub data: PathBuf,
    /// The outcome column.
    #[arg(long)]
    pub outcome: String,
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

/// Reads the data and splits it; with `profiles`, also reads every row as a
/// lead profile.
pub fn load(args: &DataArgs, profiles: bool) -> Result<Loaded> {
    let spec = TableSpec {
        id: args.id.clone(),
        outcome: args.outcome.clone(),
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
    let text =
        std::fs::read(&args.data).with_context(|| format!("reading {}", args.data.display()))?;
    dataset::load(&text, &spec, &split, profiles)
        .with_context(|| format!("reading {}", args.data.display()))
}
