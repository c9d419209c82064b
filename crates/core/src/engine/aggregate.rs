//! Aggregate signals: counts, distinct sessions, channels, active days,
//! reactivation and active contacts over a look-back window.

use super::state::{AggHit, count_until};
use crate::model::{Aggregate, AggregateKind};
use crate::time::Timestamp;

/// The hits inside the window `(as_of - window, as_of]` of a sorted slice.
fn in_window(hits: &[AggHit], agg: &Aggregate, as_of: Timestamp) -> (usize, usize) {
    let start = as_of.0.saturating_sub(agg.window.0);
    let lo = hits.partition_point(|h| h.hit.t.0 <= start);
    let hi = count_until(hits, as_of, |h| h.hit.t);
    (lo, hi.max(lo))
}

fn distinct(keys: &mut [u64]) -> f64 {
    if keys.len() < 2 {
        return keys.len() as f64;
    }
    keys.sort_unstable();
    1.0 + keys.windows(2).filter(|w| w[0] != w[1]).count() as f64
}

/// True if some hit in the window came after a silence of at least `dormant`.
fn reactivated(times: &[Timestamp], lo: usize, hi: usize, dormant: i64) -> bool {
    (lo.max(1)..hi).any(|i| times[i].since(times[i - 1]) >= dormant)
}

/// Reusable buffers for distinct counts and reactivation.
#[derive(Debug, Default)]
pub struct AggScratch {
    keys: Vec<u64>,
    times: Vec<Timestamp>,
}

/// The value of an aggregate over the hits of one or more contacts (one for
/// a lead aggregate; all of an account's contacts for an account aggregate).
pub fn aggregate_value<'a>(
    agg: &Aggregate,
    contacts: impl Iterator<Item = &'a [AggHit]>,
    as_of: Timestamp,
    scratch: &mut AggScratch,
) -> f64 {
    let mut count = 0usize;
    let mut active_contacts = 0usize;
    let keys = &mut scratch.keys;
    let times = &mut scratch.times;
    keys.clear();
    times.clear();
    for hits in contacts {
        let (lo, hi) = in_window(hits, agg, as_of);
        count += hi - lo;
        active_contacts += usize::from(hi > lo);
        let window = &hits[lo..hi];
        match agg.kind {
            AggregateKind::Sessions => keys.extend(window.iter().map(|h| h.session)),
            AggregateKind::Channels => keys.extend(window.iter().map(|h| h.channel)),
            AggregateKind::ActiveDays => keys.extend(window.iter().map(|h| h.hit.t.day() as u64)),
            // Reactivation needs the history before the window too.
            AggregateKind::Reactivated => times.extend(hits[..hi].iter().map(|h| h.hit.t)),
            AggregateKind::Count | AggregateKind::Contacts => {}
        }
    }
    match agg.kind {
        AggregateKind::Count => count as f64,
        AggregateKind::Contacts => active_contacts as f64,
        AggregateKind::Sessions | AggregateKind::Channels | AggregateKind::ActiveDays => {
            distinct(keys)
        }
        AggregateKind::Reactivated => {
            times.sort_unstable();
            let start = as_of.0.saturating_sub(agg.window.0);
            let lo = times.partition_point(|t| t.0 <= start);
            f64::from(u8::from(reactivated(times, lo, times.len(), agg.dormant.0)))
        }
    }
}

/// [`aggregate_value`] over one lead's own hits. Reactivation reads them in
/// place: they are sorted already, where the hits of several contacts must
/// be merged and sorted first.
pub(crate) fn lead_aggregate_value(
    agg: &Aggregate,
    hits: &[AggHit],
    as_of: Timestamp,
    scratch: &mut AggScratch,
) -> f64 {
    if agg.kind != AggregateKind::Reactivated {
        return aggregate_value(agg, std::iter::once(hits), as_of, scratch);
    }
    let (lo, hi) = in_window(hits, agg, as_of);
    let resumed = (lo.max(1)..hi).any(|i| hits[i].hit.t.since(hits[i - 1].hit.t) >= agg.dormant.0);
    f64::from(u8::from(resumed))
}

/// Values of the model's account aggregates for one account, from the
/// states of its contacts. Lead aggregates are left at 0.
pub fn account_values(
    model: &crate::model::Model,
    contacts: &[&super::LeadState],
    as_of: Timestamp,
) -> Vec<f64> {
    let mut scratch = AggScratch::default();
    model
        .aggregates
        .iter()
        .enumerate()
        .map(|(i, agg)| {
            if agg.account {
                aggregate_value(
                    agg,
                    contacts
                        .iter()
                        .map(|s| &s.aggregates[model.agg_list_of[i] as usize][..]),
                    as_of,
                    &mut scratch,
                )
            } else {
                0.0
            }
        })
        .collect()
}
