//! The server's own history as training and replay data: the stored leads,
//! their events (filed under their leads by the server's identity links,
//! the same links scoring uses) and every piece of sales feedback.

use crate::runtime::rows::profile_from_json;
use leadscore_core::dataset::{AssemblyStats, Dataset, group_accounts};
use leadscore_core::{Event, Timestamp, segment};
use leadscore_ml::history::Feedback;
use leadscore_store::{Store, StoreError};
use rustc_hash::FxHashMap;
use smol_str::SmolStr;

/// Rows read per query.
const PAGE: i64 = 10_000;

/// Reads every lead, event and piece of feedback; `progress` hears how many
/// rows are done.
pub async fn load_history(
    store: &dyn Store,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<(Dataset, Vec<Feedback>), StoreError> {
    let mut profiles = Vec::new();
    let mut after = String::new();
    loop {
        let page = store.leads_after(&after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id.clone();
        for row in &page {
            profiles.push(profile_from_json(&row.id, &row.profile).ok_or_else(|| {
                StoreError::Corrupt {
                    what: "lead profile",
                    detail: format!("lead {} has a profile that is not a JSON object", row.id),
                }
            })?);
        }
        progress(profiles.len() as u64);
    }
    let mut lead_of: FxHashMap<SmolStr, u32> = profiles
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.clone(), i as u32))
        .collect();
    for (identity, lead) in store.identities().await? {
        if let Some(&i) = lead_of.get(lead.as_str()) {
            lead_of.insert(SmolStr::new(identity), i);
        }
    }
    let mut events: Vec<Event> = Vec::new();
    let mut lead_events: Vec<Vec<u32>> = vec![Vec::new(); profiles.len()];
    let mut seq = 0;
    loop {
        let page = store.events_after(seq, PAGE).await?;
        let Some(last) = page.last() else { break };
        seq = last.seq;
        for row in &page {
            let Some(&lead) = lead_of.get(row.identity.as_str()) else {
                continue;
            };
            let event = segment::parse_line(&row.body).map_err(|e| StoreError::Corrupt {
                what: "event",
                detail: format!("event {} cannot be read: {e}", row.seq),
            })?;
            lead_events[lead as usize].push(events.len() as u32);
            events.push(event);
        }
        progress((profiles.len() + events.len()) as u64);
    }
    for list in &mut lead_events {
        list.sort_by(|a, b| {
            let (x, y) = (&events[*a as usize], &events[*b as usize]);
            (x.timestamp, &x.message_id).cmp(&(y.timestamp, &y.message_id))
        });
    }
    let (accounts, lead_account) = group_accounts(&profiles);
    let feedback = store
        .feedback_between(i64::MIN, i64::MAX)
        .await?
        .into_iter()
        .map(|f| Feedback {
            lead_id: SmolStr::new(&f.lead_id),
            kind: SmolStr::new(&f.kind),
            at: Timestamp(f.at),
        })
        .collect();
    let ds = Dataset {
        profiles,
        events,
        lead_events,
        lead_account,
        accounts,
        stats: AssemblyStats::default(),
    };
    Ok((ds, feedback))
}
