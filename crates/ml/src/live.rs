//! Live scores from a model trained with behaviour features: each lead's
//! behaviour is computed as of the scoring time from its events, by the
//! same code that built the training rows ([`crate::history::lead_behaviour`]),
//! so a lead scored live at a moment gets the probability its training
//! row would have had with that cut-off.

use crate::behaviour::Vocabulary;
use crate::table::Cell;
use crate::train::{Factor, Trained};
use leadscore_core::dataset::Dataset;
use leadscore_core::model::Predictor;
use leadscore_core::{Profile, Timestamp};
use smol_str::SmolStr;
use std::collections::HashMap;
use std::sync::Arc;

/// Where a live predictor reads each lead's behaviour.
pub trait History: Send + Sync + std::fmt::Debug {
    /// The behaviour features of the lead with id `lead` at `cutoff`, in
    /// [`Vocabulary::column_names`] order (a lead without events has zero
    /// counts and no recencies).
    fn behaviour(&self, vocab: &Vocabulary, lead: &str, cutoff: Timestamp) -> Vec<Option<f64>>;
}

/// The history of an assembled data set (the CLI's `--leads` and `--events`).
#[derive(Debug)]
pub struct DatasetHistory {
    ds: Arc<Dataset>,
    members: Vec<Vec<u32>>,
    index: HashMap<SmolStr, usize>,
}

impl DatasetHistory {
    /// Indexes `ds` by lead id and account.
    pub fn new(ds: Arc<Dataset>) -> DatasetHistory {
        let members = ds.account_members();
        let index = ds
            .profiles
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
        DatasetHistory { ds, members, index }
    }
}

impl History for DatasetHistory {
    fn behaviour(&self, vocab: &Vocabulary, lead: &str, cutoff: Timestamp) -> Vec<Option<f64>> {
        match self.index.get(lead) {
            Some(&l) => crate::history::lead_behaviour(vocab, &self.ds, &self.members, l, cutoff),
            None => crate::behaviour::extract::<leadscore_core::Event>(vocab, &[], &[], cutoff),
        }
    }
}

/// A trained model that reads profile attributes and, when it was trained
/// with events, the lead's behaviour from a [`History`].
#[derive(Debug)]
pub struct LivePredictor {
    trained: Trained,
    history: Arc<dyn History>,
    /// For each encoder column, its place among the behaviour columns.
    behaviour_column: Vec<Option<usize>>,
}

impl LivePredictor {
    /// Pairs a model trained with events with where live behaviour is read.
    pub fn new(trained: Trained, history: Arc<dyn History>) -> LivePredictor {
        let names = trained
            .behaviour
            .as_ref()
            .map(Vocabulary::column_names)
            .unwrap_or_default();
        let behaviour_column = trained
            .encoder
            .columns
            .iter()
            .map(|c| names.iter().position(|n| n == c.name()))
            .collect();
        LivePredictor {
            trained,
            history,
            behaviour_column,
        }
    }

    /// The model.
    pub fn trained(&self) -> &Trained {
        &self.trained
    }

    /// Every encoder column's cell for `profile` at `as_of`: behaviour
    /// columns from the history, the rest from the profile.
    fn cells(&self, profile: &Profile, as_of: Timestamp) -> Vec<Cell> {
        let mut cells = self.trained.cells_of(profile);
        if let Some(vocab) = &self.trained.behaviour {
            let values = self.history.behaviour(vocab, &profile.id, as_of);
            for (cell, b) in cells.iter_mut().zip(&self.behaviour_column) {
                if let Some(b) = b {
                    *cell = values[*b].map_or(Cell::Missing, Cell::Num);
                }
            }
        }
        cells
    }

    /// The probability of `profile`'s lead at `as_of`.
    pub fn probability_of(&self, profile: &Profile, as_of: Timestamp) -> f64 {
        let cells = self.cells(profile, as_of);
        self.trained.predict_row(|i| &cells[i]).unwrap_or(f64::NAN)
    }

    /// The features that pushed it most.
    pub fn factors_of(&self, profile: &Profile, as_of: Timestamp, top: usize) -> Vec<Factor> {
        let cells = self.cells(profile, as_of);
        self.trained.factors(|i| &cells[i], top)
    }
}

impl Predictor for LivePredictor {
    fn version(&self) -> &str {
        &self.trained.version
    }

    /// Without a time: behaviour up to the latest event.
    fn probability(&self, profile: &Profile) -> f64 {
        self.probability_of(profile, Timestamp(i64::MAX))
    }

    fn factors(&self, profile: &Profile, top: usize) -> Vec<(String, f64)> {
        self.factors_at(profile, Timestamp(i64::MAX), top)
    }

    fn probability_at(&self, profile: &Profile, as_of: Timestamp) -> f64 {
        self.probability_of(profile, as_of)
    }

    fn factors_at(&self, profile: &Profile, as_of: Timestamp, top: usize) -> Vec<(String, f64)> {
        self.factors_of(profile, as_of, top)
            .into_iter()
            .map(|f| (f.feature, f.effect))
            .collect()
    }
}

/// The predictor a rule model scores with: the model itself when it reads
/// profile attributes only; with `history` when it was trained with
/// events. A behaviour model without a history is refused rather than fed
/// missing values.
pub fn predictor(
    trained: Trained,
    history: Option<Arc<dyn History>>,
) -> Result<Arc<dyn Predictor>, String> {
    match (&trained.behaviour, history) {
        (None, _) => Ok(Arc::new(trained)),
        (Some(_), Some(h)) => Ok(Arc::new(LivePredictor::new(trained, h))),
        (Some(_), None) => Err(format!(
            "trained model {} uses behaviour features (it was trained with events), and no event history is at hand to compute them live; give the events, or train one without events",
            trained.version
        )),
    }
}
