//! Reading a CSV of leads with known outcomes for `train`, `backtest` and
//! `suggest`: the columns, the outcome, the hold-out split, and (for rule
//! models) each row as a lead profile.

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use leadscore_core::Profile;
use leadscore_core::import::ProfileColumns;
use leadscore_ml::split::{self, Split};
use leadscore_ml::table::{Table, TableSpec};
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

/// A data set ready to use.
pub struct Loaded {
    /// Feature columns and outcomes.
    pub table: Table,
    /// Training and hold-out rows.
    pub split: Split,
    /// Each row as a lead profile (every column an attribute), when asked for.
    pub profiles: Vec<Profile>,
}

fn read_ids(path: &PathBuf) -> Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| l.trim().trim_matches('"').to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    // An id column's header ("Prospect ID", "id") is not an id.
    if lines
        .first()
        .is_some_and(|l| l.contains(' ') || l.eq_ignore_ascii_case("id"))
    {
        lines.remove(0);
    }
    Ok(lines)
}

/// Reads the data and splits it; with `profiles`, also reads every row as a
/// lead profile.
pub fn load(args: &DataArgs, profiles: bool) -> Result<Loaded> {
    if !(args.test_share > 0.0 && args.test_share < 1.0) {
        bail!(
            "--test-share must be between 0 and 1, found {}",
            args.test_share
        );
    }
    let spec = TableSpec {
        id: args.id.clone(),
        outcome: args.outcome.clone(),
        positive: args.positive.clone(),
        exclude: args.exclude.clone(),
        not_answered: args.not_answered.clone(),
    };
    let text =
        std::fs::read(&args.data).with_context(|| format!("reading {}", args.data.display()))?;
    let table = Table::from_csv(text.as_slice(), &spec)
        .with_context(|| format!("reading {}", args.data.display()))?;
    let split = match (&args.test_ids, args.split) {
        (Some(path), _) => split::by_ids(&table, &read_ids(path)?).map_err(anyhow::Error::msg)?,
        (None, SplitArg::Random) => split::random(&table, args.test_share, args.seed),
        (None, SplitArg::Time) => {
            let Some(column) = &args.time_column else {
                bail!("--split time needs --time-column");
            };
            split::by_time(&table, column, args.test_share).map_err(anyhow::Error::msg)?
        }
    };
    let profiles = if profiles {
        read_profiles(&text, args)?
    } else {
        Vec::new()
    };
    Ok(Loaded {
        table,
        split,
        profiles,
    })
}

fn read_profiles(text: &[u8], args: &DataArgs) -> Result<Vec<Profile>> {
    let mut reader = csv::Reader::from_reader(text);
    let headers: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    let names: Vec<&str> = headers.iter().map(String::as_str).collect();
    let columns = ProfileColumns::from_headers(&names, args.id.as_deref())
        .or_else(|_| ProfileColumns::from_headers(&names, Some(&headers[0])))
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.data.display()))?;
    let mut out = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("line {}", n + 2))?;
        let fields: Vec<&str> = record.iter().collect();
        // "Not answered" values stay as written: rules test them the way
        // live form data will carry them (`city == "Select"`).
        out.push(
            columns
                .profile(&fields)
                .map_err(|e| anyhow::anyhow!("line {}: {e}", n + 2))?,
        );
    }
    Ok(out)
}
