//! Scoring a whole data set in parallel: states per lead, account roll-ups,
//! then scores, then the ranking.

use leadscore_core::dataset::Dataset;
use leadscore_core::engine::{LeadScore, LeadState, account_values};
use leadscore_core::model::Model;
use leadscore_core::time::Timestamp;
use rayon::prelude::*;

/// Builds every lead's state from its events.
pub fn build_states(model: &Model, ds: &Dataset) -> Vec<LeadState> {
    ds.lead_events
        .par_iter()
        .map(|list| {
            let mut state = LeadState::new(model);
            for &i in list {
                state.apply(model, &ds.events[i as usize]);
            }
            state
        })
        .collect()
}

/// Account aggregate values per account (empty when the model has none).
pub fn account_table(
    model: &Model,
    ds: &Dataset,
    states: &[LeadState],
    as_of: Timestamp,
) -> Vec<Vec<f64>> {
    if !model.has_account_aggregates() {
        return Vec::new();
    }
    ds.account_members()
        .par_iter()
        .map(|members| {
            let contacts: Vec<&LeadState> = members.iter().map(|&i| &states[i as usize]).collect();
            account_values(model, &contacts, as_of)
        })
        .collect()
}

/// The account values for one lead, if its account has any.
pub fn account_of<'a>(ds: &Dataset, accounts: &'a [Vec<f64>], lead: usize) -> Option<&'a [f64]> {
    ds.lead_account[lead]
        .and_then(|a| accounts.get(a as usize))
        .map(Vec::as_slice)
}

/// Scores every lead at `as_of`.
pub fn score_all(
    model: &Model,
    ds: &Dataset,
    states: &[LeadState],
    as_of: Timestamp,
) -> Vec<LeadScore> {
    let accounts = account_table(model, ds, states, as_of);
    (0..ds.profiles.len())
        .into_par_iter()
        .map(|i| {
            model.score(
                &ds.profiles[i],
                &states[i],
                account_of(ds, &accounts, i),
                as_of,
            )
        })
        .collect()
}

/// Lead indices, hottest first: by total, then fit, then id, so ties have a fixed order.
pub fn ranking(ds: &Dataset, scores: &[LeadScore]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.par_sort_unstable_by(|&a, &b| {
        let (x, y) = (&scores[a], &scores[b]);
        y.total
            .total_cmp(&x.total)
            .then(y.fit.total_cmp(&x.fit))
            .then_with(|| ds.profiles[a].id.cmp(&ds.profiles[b].id))
    });
    order
}

/// The latest event time in the data set, the default "as of".
pub fn latest_event(ds: &Dataset) -> Option<Timestamp> {
    ds.events.par_iter().map(|e| e.timestamp).max()
}
