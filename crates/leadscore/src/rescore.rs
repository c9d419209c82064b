//! Scoring a whole data set in parallel, one account at a time: the states
//! of an account's contacts are built once, in buffers reused from account
//! to account, rolled up into the account's values, then each contact is
//! scored. Each event is applied once and the hot loop does not allocate.
//!
//! A pass reads either the events themselves ([`score_all`]) or events
//! projected for the model ([`Projection`]) in lead order ([`score_rows`]),
//! which is faster per pass once the projection is made.

use leadscore_core::dataset::{Dataset, Members};
use leadscore_core::engine::{LeadScore, LeadState, Projection, Scratch, account_values};
use leadscore_core::model::Model;
use leadscore_core::time::Timestamp;
use rayon::prelude::*;

/// Rebuilds `state` from one lead's events.
fn fill(model: &Model, ds: &Dataset, lead: usize, state: &mut LeadState) {
    state.reset(model);
    for &i in &ds.lead_events[lead] {
        state.apply(model, &ds.events[i as usize]);
    }
}

/// One lead's state, built from its events.
pub fn lead_state(model: &Model, ds: &Dataset, lead: usize) -> LeadState {
    let mut state = LeadState::new(model);
    fill(model, ds, lead, &mut state);
    state
}

/// Account aggregate values per account (empty when the model has none).
pub fn account_table(model: &Model, ds: &Dataset, as_of: Timestamp) -> Vec<Vec<f64>> {
    if !model.has_account_aggregates() {
        return Vec::new();
    }
    ds.account_members()
        .par_iter()
        .map_init(Vec::<LeadState>::new, |pool, members| {
            while pool.len() < members.len() {
                pool.push(LeadState::new(model));
            }
            for (state, &lead) in pool.iter_mut().zip(members) {
                state.reset(model);
                for &i in &ds.lead_events[lead as usize] {
                    state.apply_account_only(model, &ds.events[i as usize]);
                }
            }
            let contacts: Vec<&LeadState> = pool[..members.len()].iter().collect();
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

/// Leads in scoring units: each account's contacts together (in lead
/// order), then every lead without an account alone. Kept flat, in two
/// allocations rather than one per unit.
fn units(ds: &Dataset) -> Members {
    let mut units = ds.account_members_flat();
    for (lead, _) in ds
        .lead_account
        .iter()
        .enumerate()
        .filter(|(_, a)| a.is_none())
    {
        units.push_single(lead as u32);
    }
    units
}

/// A data set's events projected for one model, in lead order: lead `i`'s
/// events are rows `starts[i]..starts[i + 1]`, sorted by time.
pub struct LeadRows {
    rows: Projection,
    starts: Vec<u32>,
}

impl LeadRows {
    /// Distinct combinations of dispatch target and slot values (see [`Projection`]).
    pub fn combos(&self) -> usize {
        self.rows.combos()
    }

    fn of(&self, lead: usize) -> std::ops::Range<usize> {
        self.starts[lead] as usize..self.starts[lead + 1] as usize
    }
}

/// Projects every lead's events for `model` (see [`Projection`]): done once
/// per model version, as when events are stored, so that each rescoring pass
/// reads compact rows in lead order. Not inlined, so profiles can tell it
/// from the pass (`docs/benchmarks.md` counts each on its own).
#[inline(never)]
pub fn project_events(model: &Model, ds: &Dataset) -> LeadRows {
    let total: usize = ds.lead_events.iter().map(Vec::len).sum();
    let mut rows = Projection::with_capacity(model, total);
    let mut starts = Vec::with_capacity(ds.lead_events.len() + 1);
    starts.push(0);
    for list in &ds.lead_events {
        for &i in list {
            rows.push(model, &ds.events[i as usize]);
        }
        starts.push(rows.len() as u32);
    }
    LeadRows { rows, starts }
}

/// Scores every lead at `as_of`, applying each lead's events directly: the
/// cheapest way for a single pass (a projection costs about as much as the
/// pass it speeds up, so it pays only when kept for several passes).
pub fn score_all(model: &Model, ds: &Dataset, as_of: Timestamp) -> Vec<LeadScore> {
    score_units(model, ds, as_of, |state, lead| fill(model, ds, lead, state))
}

/// Scores every lead at `as_of` from its projected events (`rows`, made by
/// [`project_events`] for `model` and `ds`): the rescoring pass when the
/// projection is kept, as for passes at several as-of times. Not inlined, so
/// profiles can tell it from the projection.
#[inline(never)]
pub fn score_rows(
    model: &Model,
    ds: &Dataset,
    rows: &LeadRows,
    as_of: Timestamp,
) -> Vec<LeadScore> {
    // The event conditions, once per distinct combination of values in the
    // projection, at every pass (see `Projection`).
    let outcomes = rows.rows.outcomes(model);
    score_units(model, ds, as_of, |state, lead| {
        state.reset(model);
        for i in rows.of(lead) {
            state.apply_row_with(model, rows.rows.row(i), &outcomes);
        }
    })
}

/// The pass shared by [`score_all`] and [`score_rows`]: `build` rebuilds a
/// lead's state from wherever its events are kept.
fn score_units(
    model: &Model,
    ds: &Dataset,
    as_of: Timestamp,
    build: impl Fn(&mut LeadState, usize) + Sync,
) -> Vec<LeadScore> {
    let with_accounts = model.has_account_aggregates();
    let units = units(ds);
    // Each worker keeps its states and scratch from unit to unit and
    // gathers its scores in one list, rather than a list per unit.
    let scored: Vec<Vec<(u32, LeadScore)>> = (0..units.len())
        .into_par_iter()
        .fold(
            || (Vec::<LeadState>::new(), Scratch::default(), Vec::new()),
            |(mut pool, mut scratch, mut out), unit| {
                let members = units.group(unit);
                while pool.len() < members.len() {
                    pool.push(LeadState::new(model));
                }
                let states = &mut pool[..members.len()];
                for (state, &lead) in states.iter_mut().zip(members) {
                    build(state, lead as usize);
                }
                let in_account = ds.lead_account[members[0] as usize].is_some();
                let values = (with_accounts && in_account).then(|| {
                    let contacts: Vec<&LeadState> = states.iter().collect();
                    account_values(model, &contacts, as_of)
                });
                for (&lead, state) in members.iter().zip(states.iter()) {
                    let profile = &ds.profiles[lead as usize];
                    let score =
                        model.score_with(&mut scratch, profile, state, values.as_deref(), as_of);
                    out.push((lead, score));
                }
                (pool, scratch, out)
            },
        )
        .map(|(_, _, out)| out)
        .collect();
    let mut out: Vec<Option<LeadScore>> = vec![None; ds.profiles.len()];
    for (lead, score) in scored.into_iter().flatten() {
        out[lead as usize] = Some(score);
    }
    // An exact-size iterator: one allocation, where `flatten` grew the list
    // by doubling.
    out.into_iter()
        .map(|s| s.expect("every lead is in exactly one unit"))
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
