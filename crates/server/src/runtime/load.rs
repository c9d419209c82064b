//! Building the runtime from the store at start-up: profiles, identity
//! links, trigger states, then the event log replayed through the engine up
//! to the position those tables reflect ([`Store::applied_seq`]). Events
//! after it were acknowledged but not yet applied when the server stopped;
//! the writer routes them afresh (`Task::catch_up`).

use super::rows::profile_from_json;
use super::{Loaded, Runtime};
use leadscore_core::{Profile, segment};
use leadscore_store::{EventRow, LeadRow, Store, StoreError};
use smol_str::SmolStr;
use tokio::task::JoinHandle;

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
    // Each page's profiles are parsed on the blocking pool while the next
    // page is read (JSON parsing is most of the cost of a lead).
    let mut after = String::new();
    let mut done = 0u64;
    let mut parsing: Option<JoinHandle<Result<Vec<Parsed>, StoreError>>> = None;
    loop {
        let page = store.leads_after(&after, PAGE).await?;
        let next = match page.last() {
            Some(last) => {
                after = last.id.clone();
                Some(tokio::task::spawn_blocking(move || parse_leads(page)))
            }
            None => None,
        };
        if let Some(p) = parsing.take() {
            let page = joined(p.await)?;
            for (profile, owner, created_at) in page {
                let i = rt.create_lead(&profile.id.clone(), created_at);
                let entry = &mut rt.leads[i as usize];
                entry.profile = profile;
                entry.owner = owner;
                rt.refresh_account(i);
                done += 1;
            }
            progress("leads", done);
        }
        match next {
            Some(n) => parsing = Some(n),
            None => break,
        }
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

    let applied = rt.applied;
    super::replay::replay(
        store,
        applied,
        |(identity, e)| {
            if let Some(i) = rt.lead_of(identity) {
                rt.apply(i, e);
            }
        },
        |done| progress("events", done),
    )
    .await?;
    Ok(rt)
}

/// A lead's profile, owner and first-seen time, read from its row.
type Parsed = (Profile, Option<String>, i64);

fn parse_leads(rows: Vec<LeadRow>) -> Result<Vec<Parsed>, StoreError> {
    rows.into_iter()
        .map(|row| {
            let profile =
                profile_from_json(&row.id, &row.profile).ok_or_else(|| StoreError::Corrupt {
                    what: "lead profile",
                    detail: format!("lead {} has a profile that is not a JSON object", row.id),
                })?;
            Ok((profile, row.owner, row.created_at))
        })
        .collect()
}

/// The result of a task on the blocking pool; its panic goes on.
pub fn joined<T>(r: Result<T, tokio::task::JoinError>) -> T {
    r.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

/// The event a stored row holds.
pub fn parse_row(row: &EventRow) -> Result<leadscore_core::Event, StoreError> {
    segment::parse_line(&row.body).map_err(|e| StoreError::Corrupt {
        what: "event",
        detail: format!("event {} cannot be read: {e}", row.seq),
    })
}
