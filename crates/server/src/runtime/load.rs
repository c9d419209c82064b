//! Building the runtime from the store at start-up: profiles, identity
//! links, trigger states, then the event log replayed through the engine up
//! to the position those tables reflect ([`Store::applied_seq`]). Events
//! after it were acknowledged but not yet applied when the server stopped;
//! the writer routes them afresh (`Task::catch_up`).

use super::rows::profile_from_json;
use super::{Loaded, Runtime};
use leadscore_core::segment;
use leadscore_store::{EventRow, Store, StoreError};
use smol_str::SmolStr;

/// Rows read per query while loading.
const PAGE: i64 = 10_000;

/// Reads everything the runtime needs from `store`. `progress` hears the
/// phase and how many rows are done.
pub async fn load(
    store: &dyn Store,
    active: Loaded,
    history: std::sync::Arc<super::behaviour::LiveHistory>,
    progress: &(dyn Fn(&'static str, u64) + Send + Sync),
) -> Result<Runtime, StoreError> {
    history.clear();
    let mut rt = Runtime::new(active, history);
    // Read first: the tables below are at least as new as this mark.
    rt.applied = store.applied_seq().await?;
    let mut after = String::new();
    let mut done = 0u64;
    loop {
        let page = store.leads_after(&after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id.clone();
        for row in &page {
            let id = SmolStr::new(&row.id);
            let profile =
                profile_from_json(&row.id, &row.profile).ok_or_else(|| StoreError::Corrupt {
                    what: "lead profile",
                    detail: format!("lead {} has a profile that is not a JSON object", row.id),
                })?;
            let i = rt.create_lead(&id, row.created_at);
            let entry = &mut rt.leads[i as usize];
            entry.profile = profile;
            entry.owner = row.owner.clone();
            rt.refresh_account(i);
        }
        done += page.len() as u64;
        progress("leads", done);
    }

    for (identity, lead) in store.identities().await? {
        if identity == lead {
            continue;
        }
        if let Some(&i) = rt.index.get(lead.as_str()) {
            rt.link(&SmolStr::new(identity), i);
        }
    }

    for row in store.trigger_states().await? {
        if let Some(&i) = rt.index.get(row.lead_id.as_str()) {
            rt.triggers
                .entry(SmolStr::new(&row.trigger))
                .or_default()
                .insert(i, row.armed);
        }
    }
    rt.counters = store.counters().await?.into_iter().collect();

    let mut seq = 0;
    done = 0;
    let applied = rt.applied;
    while seq < applied {
        let page = store.events_after(seq, PAGE.min(applied - seq)).await?;
        let Some(last) = page.last() else { break };
        seq = last.seq;
        for row in page.iter().filter(|r| r.seq <= applied) {
            let Some(i) = rt.lead_of(&row.identity) else {
                continue;
            };
            rt.apply(i, &parse_row(row)?);
        }
        done += page.len() as u64;
        progress("events", done);
    }
    Ok(rt)
}

/// The event a stored row holds.
pub fn parse_row(row: &EventRow) -> Result<leadscore_core::Event, StoreError> {
    segment::parse_line(&row.body).map_err(|e| StoreError::Corrupt {
        what: "event",
        detail: format!("event {} cannot be read: {e}", row.seq),
    })
}
