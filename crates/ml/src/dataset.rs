//! A CSV of leads with known outcomes made ready for training and
//! backtests: the feature table, the hold-out split and, for rule models,
//! every row as a lead profile. Used by the command line and the API alike.

use crate::behaviour::Vocabulary;
use crate::history::{self, BehaviourSummary, CutOff, Feedback};
use crate::split::{self, Split};
use crate::table::{Table, TableError, TableSpec};
use leadscore_core::dataset::Dataset;
use leadscore_core::import::ProfileColumns;
use leadscore_core::{Event, Profile, Timestamp};

/// How rows are held out.
#[derive(Debug, Clone, PartialEq)]
pub enum SplitSpec {
    /// These ids are the hold-out.
    Ids(Vec<String>),
    /// A stratified random share, seeded.
    Random {
        /// Share held out.
        share: f64,
        /// Seed.
        seed: u64,
    },
    /// The latest share of rows by a column.
    Time {
        /// The column.
        column: String,
        /// Share held out.
        share: f64,
    },
}

/// A data set ready to use.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Feature columns and outcomes.
    pub table: Table,
    /// Training and hold-out rows.
    pub split: Split,
    /// Each row as a lead profile (every column an attribute), when asked for.
    pub profiles: Vec<Profile>,
    /// The behaviour columns joined to the table, when events were given.
    pub behaviour: Option<(Vocabulary, BehaviourSummary)>,
    /// The events behind them, so rule models with engagement rules can
    /// be scored on the rows (see [`crate::backtest::score_rows`]).
    pub history: Option<RowHistory>,
}

/// Each row's lead in an event history, and its cut-off.
#[derive(Debug, Clone)]
pub struct RowHistory {
    /// The leads and their events.
    pub ds: std::sync::Arc<Dataset>,
    /// Each row's lead in `ds`.
    pub lead: Vec<Option<usize>>,
    /// Each row's cut-off: no event at or after it is read.
    pub cutoffs: Vec<Timestamp>,
}

/// Events to describe each row's lead with, as of a cut-off.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// Segment events of the leads (and anonymous visitors), stitched to
    /// the rows' ids the way `leadscore score` stitches them.
    pub events: Vec<Event>,
    /// The moment each lead is described at.
    pub cutoff: CutOff,
    /// Sales feedback: no lead is described after its first feedback.
    pub feedback: Vec<Feedback>,
}

/// Why a data set could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The table is unreadable.
    #[error(transparent)]
    Table(#[from] TableError),
    /// The split cannot be made.
    #[error("{0}")]
    Split(String),
    /// A row cannot be read as a profile.
    #[error("{0}")]
    Profile(String),
}

/// Hold-out ids from a file's text: one per line; a header line such as
/// `Prospect ID` or `id` is skipped.
pub fn parse_ids(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| l.trim().trim_matches('"').to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    if lines
        .first()
        .is_some_and(|l| l.contains(' ') || l.eq_ignore_ascii_case("id"))
    {
        lines.remove(0);
    }
    lines
}

/// Reads the CSV and splits it; with `profiles`, also reads every row as a
/// lead profile.
pub fn load(
    csv: &[u8],
    spec: &TableSpec,
    split: &SplitSpec,
    profiles: bool,
) -> Result<Loaded, LoadError> {
    load_with(csv, spec, split, profiles, None)
}

/// [`load`], with behaviour columns from `behaviour` joined to the rows by
/// lead id (see [`history::add_behaviour`]); a cut-off column is read as
/// a time and left out of the features.
pub fn load_with(
    csv: &[u8],
    spec: &TableSpec,
    split: &SplitSpec,
    profiles: bool,
    behaviour: Option<Behaviour>,
) -> Result<Loaded, LoadError> {
    let mut spec = spec.clone();
    if let Some(Behaviour {
        cutoff: CutOff::Column(c),
        ..
    }) = &behaviour
    {
        spec.exclude.push(c.clone());
    }
    let mut loaded = load_table(csv, &spec, split, profiles || behaviour.is_some())?;
    if let Some(b) = behaviour {
        let rows = std::mem::take(&mut loaded.profiles);
        let ds = Dataset::assemble(rows.clone(), b.events);
        let known = history::outcome_known(&b.feedback);
        let column = match &b.cutoff {
            CutOff::Column(c) => Some(c.as_str()),
            _ => None,
        };
        let (cutoffs, capped) = history::cutoffs(
            &loaded.table,
            &ds,
            &b.cutoff,
            |r| column.and_then(|c| crate::backtest::time_of(&rows[r], c).map(Timestamp)),
            &known,
        )
        .map_err(LoadError::Profile)?;
        let (vocab, mut summary) =
            history::add_behaviour(&mut loaded.table, &loaded.split, &ds, &cutoffs)
                .map_err(LoadError::Profile)?;
        summary.capped_by_outcome = capped;
        loaded.behaviour = Some((vocab, summary));
        let lead = history::leads_of_rows(&loaded.table, &ds);
        loaded.history = Some(RowHistory {
            ds: std::sync::Arc::new(ds),
            lead,
            cutoffs,
        });
        if profiles {
            loaded.profiles = rows;
        }
    }
    Ok(loaded)
}

fn load_table(
    csv: &[u8],
    spec: &TableSpec,
    split: &SplitSpec,
    profiles: bool,
) -> Result<Loaded, LoadError> {
    let share_ok = |s: f64| {
        if s > 0.0 && s < 1.0 {
            Ok(())
        } else {
            Err(LoadError::Split(format!(
                "the hold-out share must be between 0 and 1, found {s}"
            )))
        }
    };
    let table = Table::from_csv(csv, spec)?;
    let split = match split {
        SplitSpec::Ids(ids) => split::by_ids(&table, ids).map_err(LoadError::Split)?,
        SplitSpec::Random { share, seed } => {
            share_ok(*share)?;
            split::random(&table, *share, *seed)
        }
        SplitSpec::Time { column, share } => {
            share_ok(*share)?;
            split::by_time(&table, column, *share).map_err(LoadError::Split)?
        }
    };
    let profiles = if profiles {
        read_profiles(csv, spec.id.as_deref())?
    } else {
        Vec::new()
    };
    Ok(Loaded {
        table,
        split,
        profiles,
        behaviour: None,
        history: None,
    })
}

/// Every row as a profile. "Not answered" values stay as written: rules test
/// them the way live form data carries them (`city == "Select"`).
fn read_profiles(csv: &[u8], id: Option<&str>) -> Result<Vec<Profile>, LoadError> {
    let mut reader = csv::Reader::from_reader(csv);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| LoadError::Profile(e.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    let names: Vec<&str> = headers.iter().map(String::as_str).collect();
    let columns = ProfileColumns::from_headers(&names, id)
        .or_else(|_| ProfileColumns::from_headers(&names, names.first().copied()))
        .map_err(|e| LoadError::Profile(e.to_string()))?;
    let mut out = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| LoadError::Profile(format!("line {}: {e}", n + 2)))?;
        let fields: Vec<&str> = record.iter().collect();
        out.push(
            columns
                .profile(&fields)
                .map_err(|e| LoadError::Profile(format!("line {}: {e}", n + 2)))?,
        );
    }
    Ok(out)
}

/// How to make training data from a history of leads, events and feedback.
#[derive(Debug, Clone)]
pub struct HistorySpec {
    /// Which outcome to learn.
    pub outcome: history::FeedbackOutcome,
    /// The moment each lead is described at.
    pub cutoff: CutOff,
    /// Profile attributes to leave out, besides the ones feedback writes.
    pub exclude: Vec<String>,
    /// Values meaning "not answered".
    pub not_answered: Vec<String>,
    /// Share held out.
    pub test_share: f64,
    /// Hold out the leads seen last (by their first event) instead of a
    /// stratified random share: train on the past, test on the latest.
    pub by_time: bool,
    /// Seed.
    pub seed: u64,
}

/// Training data from a history: every lead whose outcome sales reported
/// (won or lost; accepted or rejected) is a row of its profile attributes
/// and its behaviour as of its cut-off. The attributes feedback writes
/// (`sales_status`, a manual `stage`) are left out: they are the outcome.
pub fn from_history(
    ds: &std::sync::Arc<Dataset>,
    feedback: &[Feedback],
    spec: &HistorySpec,
) -> Result<Loaded, LoadError> {
    if !(spec.test_share > 0.0 && spec.test_share < 1.0) {
        return Err(LoadError::Split(format!(
            "the hold-out share must be between 0 and 1, found {}",
            spec.test_share
        )));
    }
    let outcomes = spec.outcome.of(feedback);
    let leads: Vec<usize> = (0..ds.profiles.len())
        .filter(|&l| outcomes.contains_key(&ds.profiles[l].id))
        .collect();
    let rows: Vec<&Profile> = leads.iter().map(|&l| &ds.profiles[l]).collect();
    let y: Vec<bool> = rows.iter().map(|p| outcomes[&p.id]).collect();
    let mut exclude = spec.exclude.clone();
    exclude.extend(
        crate::replay::FEEDBACK_ATTRIBUTES
            .iter()
            .map(|s| (*s).to_owned()),
    );
    let mut table = Table::from_profiles(&rows, y, &exclude, &spec.not_answered)?;
    let split = if spec.by_time {
        let first_seen: Vec<Option<i64>> = leads
            .iter()
            .map(|&l| history::first_event(ds, l).map(|t| t.0))
            .collect();
        split::by_times(&first_seen, spec.test_share)
    } else {
        split::random(&table, spec.test_share, spec.seed)
    };
    let known = history::outcome_known(feedback);
    let (cutoffs, capped) =
        history::cutoffs(&table, ds, &spec.cutoff, |_| None, &known).map_err(LoadError::Profile)?;
    let (vocab, mut summary) =
        history::add_behaviour(&mut table, &split, ds, &cutoffs).map_err(LoadError::Profile)?;
    summary.capped_by_outcome = capped;
    Ok(Loaded {
        table,
        split,
        profiles: rows.into_iter().cloned().collect(),
        behaviour: Some((vocab, summary)),
        history: Some(RowHistory {
            ds: std::sync::Arc::clone(ds),
            lead: leads.into_iter().map(Some).collect(),
            cutoffs,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::FeedbackOutcome;
    use leadscore_core::time::DAY_MS;

    #[test]
    fn a_history_gives_rows_of_leads_with_an_outcome_and_no_feedback_attributes() {
        let day = |d: i64| Timestamp(1_790_000_000_000 + d * DAY_MS);
        let mut profiles = Vec::new();
        let mut events = Vec::new();
        let mut feedback = Vec::new();
        for i in 0..12 {
            let id = format!("p{i}");
            let won = i % 2 == 0;
            profiles.push(
                Profile::new(id.as_str())
                    .with("size", i as f64)
                    .with("sales_status", if won { "won" } else { "lost" }),
            );
            events.push(Event::track(
                &format!("{id}-a"),
                &id,
                "Demo Requested",
                // Later leads first, for the time-ordered split.
                day(12 - i),
            ));
            events.push(Event::track(&format!("{id}-b"), &id, "page", day(30)));
            feedback.push(Feedback {
                lead_id: id.as_str().into(),
                kind: if won { "won" } else { "lost" }.into(),
                at: day(10),
            });
        }
        profiles.push(Profile::new("unknown").with("size", 3.0));
        let ds = std::sync::Arc::new(Dataset::assemble(profiles, events));
        let spec = HistorySpec {
            outcome: FeedbackOutcome::Won,
            cutoff: CutOff::Latest,
            exclude: Vec::new(),
            not_answered: Vec::new(),
            test_share: 0.25,
            by_time: false,
            seed: 1,
        };
        let d = from_history(&ds, &feedback, &spec).unwrap();
        assert_eq!(
            d.table.rows(),
            12,
            "the lead without an outcome is left out"
        );
        assert_eq!(d.table.y.iter().filter(|y| **y).count(), 6);
        let names: Vec<&str> = d.table.columns.iter().map(|c| c.name.as_str()).collect();
        assert!(
            names.contains(&"size") && !names.contains(&"sales_status"),
            "{names:?}"
        );
        let (vocab, summary) = d.behaviour.unwrap();
        assert_eq!(summary.capped_by_outcome, 12);
        assert_eq!(
            vocab.types,
            vec!["Demo Requested".to_owned()],
            "the page came after the outcome"
        );
        let timed = HistorySpec {
            by_time: true,
            ..spec.clone()
        };
        let d = from_history(&ds, &feedback, &timed).unwrap();
        let held: Vec<&str> = d
            .split
            .test
            .iter()
            .map(|&r| d.table.ids[r].as_str())
            .collect();
        assert_eq!(held, ["p2", "p1", "p0"], "the leads seen last are held out");
        let e = from_history(
            &ds,
            &feedback,
            &HistorySpec {
                outcome: FeedbackOutcome::Sql,
                ..spec
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("same outcome"), "{e}");
    }
}
