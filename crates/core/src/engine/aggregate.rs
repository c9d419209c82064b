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

/// The number of distinct keys. The lists are short once runs of equal keys
/// are collapsed (see [`push_runs`]), and for a short list comparing each
/// key with those before it costs fewer instructions than sorting.
fn distinct(keys: &mut [u64]) -> f64 {
    if keys.len() <= 16 {
        let mut n = 0usize;
        for (i, k) in keys.iter().enumerate() {
            n += usize::from(!keys[..i].contains(k));
        }
        return n as f64;
    }
    keys.sort_unstable();
    1.0 + keys.windows(2).filter(|w| w[0] != w[1]).count() as f64
}

/// Appends `new` to `keys`, leaving out a key equal to the one just before
/// it: hits are in time order, so the events of one session, day or
/// channel mostly come in runs, and a run adds nothing to a distinct count.
#[inline]
fn push_runs(keys: &mut Vec<u64>, new: impl Iterator<Item = u64>) {
    let mut last = keys.last().copied();
    for k in new {
        if last != Some(k) {
            keys.push(k);
            last = Some(k);
        }
    }
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
            AggregateKind::Sessions => push_runs(keys, window.iter().map(|h| h.session)),
            AggregateKind::Channels => push_runs(keys, window.iter().map(|h| h.channel)),
            AggregateKind::ActiveDays => {
                push_runs(keys, window.iter().map(|h| h.hit.t.day() as u64))
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_counts_agree_with_a_set_short_and_long() {
        let mut x = 7u64;
        for len in 0..60 {
            let raw: Vec<u64> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x % 9
                })
                .collect();
            let mut keys = Vec::new();
            push_runs(&mut keys, raw.iter().copied());
            let set: std::collections::BTreeSet<u64> = raw.iter().copied().collect();
            assert_eq!(distinct(&mut keys), set.len() as f64, "{raw:?}");
        }
    }
}
