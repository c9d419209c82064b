//! `leadscore demo --into DATABASE_URL`: the synthetic company's leads and
//! events written straight into a server's database, a batch of companies
//! per transaction, without going through the HTTP API.
//!
//! Importing through the API scores every event as it arrives (about
//! 8,000 events/s on the benchmark machine: two hours for 50 million). Here
//! only what the server stores as its input is written (leads, identity
//! links, events); the server scores everything from that log when it
//! starts, as after any restart. So the database has no score history
//! beyond that first score, which is the one difference from an import.
//!
//! Each batch marks the log applied up to its last event: the profiles
//! and identity links written are exactly what routing those events would
//! store (identify events carry the profile's own email and name; there
//! are no aliases), so the server replays the log into memory at start
//! instead of routing 50 million events again as if they had just arrived.

use anyhow::{Context, Result, bail};
use leadscore_core::Timestamp;
use leadscore_ml::synth::{self, SynthConfig};
use leadscore_server::runtime::rows::lead_row;
use leadscore_server::writer::new_event;
use leadscore_store::{NewEvent, Store};
use rayon::prelude::*;
use std::collections::HashMap;

/// Companies per transaction: about 16,000 leads and, at 50 events per
/// lead, 800,000 events, so a batch's rows stay well under a gigabyte
/// while commits are few.
const BATCH_COMPANIES: usize = 4_096;
/// Companies per parallel generating task.
const TASK_COMPANIES: usize = 256;

/// Writes the generated data into the database at `url`, which must hold
/// no leads yet. Returns the numbers of leads and events written.
pub fn fill(cfg: &SynthConfig, url: &str) -> Result<(u64, u64)> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let store = leadscore_store::open(url)
            .await
            .with_context(|| format!("opening {url}"))?;
        if !store.leads_after("", 1).await?.is_empty() {
            bail!("--into: {url} already holds leads; give a new database");
        }
        write_all(store.as_ref(), cfg).await
    })
}

async fn write_all(store: &dyn Store, cfg: &SynthConfig) -> Result<(u64, u64)> {
    let companies = cfg.companies();
    let bar = indicatif::ProgressBar::new(companies as u64).with_style(
        indicatif::ProgressStyle::with_template(
            "{bar:30} {pos}/{len} companies, {msg} [{elapsed_precise}, {eta} left]",
        )
        .context("progress template")?,
    );
    let now = leadscore_server::clock::now_ms();
    let (mut leads, mut events) = (0u64, 0u64);
    let mut start = 0;
    while start < companies {
        let end = (start + BATCH_COMPANIES).min(companies);
        // Generating is CPU-bound and parallel; writing is one transaction.
        let data = (start..end)
            .into_par_iter()
            .step_by(TASK_COMPANIES)
            .map(|c| synth::generate_companies(cfg, c..(c + TASK_COMPANIES).min(end)))
            .collect::<Vec<_>>();
        let mut tx = store.begin().await?;
        for part in data {
            let batch = Batch::of(&part, now);
            tx.upsert_leads(&batch.leads).await?;
            tx.link_identities(&batch.links).await?;
            tx.insert_events(&batch.events).await?;
            leads += batch.leads.len() as u64;
            events += batch.events.len() as u64;
        }
        tx.mark_applied().await?;
        tx.commit().await?;
        // Copies the batch from SQLite's log into the database, so the log
        // holds one batch at most (a no-op on PostgreSQL).
        store.restart_log().await?;
        bar.set_position(end as u64);
        bar.set_message(format!("{leads} leads, {events} events"));
        start = end;
    }
    bar.finish();
    Ok((leads, events))
}

/// The rows of one generated chunk, as the server's writer would store them.
struct Batch {
    leads: Vec<leadscore_store::LeadRow>,
    links: Vec<(String, String)>,
    events: Vec<NewEvent>,
}

impl Batch {
    fn of(data: &synth::SynthData, now: i64) -> Batch {
        // A lead's anonymous id belongs to the first user it is seen with,
        // as the writer files it; the lead's own id is linked to itself.
        let mut owner: HashMap<&str, &str> = HashMap::new();
        let mut links = Vec::with_capacity(data.profiles.len() * 2);
        for p in &data.profiles {
            links.push((p.id.to_string(), p.id.to_string()));
        }
        for e in &data.events {
            if let (Some(user), Some(anonymous)) = (&e.user_id, &e.anonymous_id)
                && !owner.contains_key(anonymous.as_str())
            {
                owner.insert(anonymous, user);
                links.push((anonymous.to_string(), user.to_string()));
            }
        }
        let leads = data
            .profiles
            .iter()
            .map(|p| {
                // First seen: the generated creation time, as the API would
                // have recorded it had the events arrived live.
                let created = p
                    .get("created_at")
                    .as_str()
                    .and_then(|s| Timestamp::parse(s).ok())
                    .map_or(now, |t| t.0);
                lead_row(p, None, created, now)
            })
            .collect();
        let events = data
            .events
            .iter()
            .map(|e| new_event(e, e.timestamp.0))
            .collect();
        Batch {
            leads,
            links,
            events,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fill;
    use leadscore_ml::synth::{self, SynthConfig};

    #[test]
    fn the_demo_is_written_as_the_server_would_store_it() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("demo.db").display());
        let cfg = SynthConfig {
            leads: 300,
            events_per_lead: 5.0,
            ..SynthConfig::default()
        };
        let data = synth::generate(&cfg);
        assert_eq!(
            fill(&cfg, &url).unwrap(),
            (data.profiles.len() as u64, data.events.len() as u64)
        );
        let err = fill(&cfg, &url).unwrap_err().to_string();
        assert!(err.contains("already holds leads"), "{err}");

        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let store = leadscore_store::open(&url).await.unwrap();
            assert_eq!(store.event_count().await.unwrap(), data.events.len() as i64);
            // The server replays these at start rather than routing them anew.
            assert_eq!(store.applied_seq().await.unwrap(), data.events.len() as i64);
            // An anonymous id seen with a user is filed under that lead.
            let e = data
                .events
                .iter()
                .find(|e| e.user_id.is_some() && e.anonymous_id.is_some())
                .unwrap();
            let anonymous = e.anonymous_id.as_deref().unwrap();
            assert_eq!(
                store.lead_of(anonymous).await.unwrap().as_deref(),
                e.user_id.as_deref()
            );
            let lead = store.lead(&data.profiles[0].id).await.unwrap().unwrap();
            assert!(
                lead.created_at < cfg.end.0,
                "first seen is the generated time"
            );
        });
    }
}
