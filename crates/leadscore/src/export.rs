//! Writing data sets to files: leads CSV and Segment JSONL (what `score`
//! reads), outcomes, and flat tables for comparison with SQL engines.

use anyhow::Result;
use leadscore_core::dataset::Dataset;
use leadscore_core::email;
use leadscore_core::engine::{EMAIL_ATTRIBUTE, LeadScore};
use leadscore_core::model::{LeadSlot, Model};
use leadscore_core::{Event, Profile, segment};
use std::collections::BTreeSet;
use std::io::Write;

/// Writes profiles as CSV: `id` then every attribute any profile has.
pub fn write_leads(out: impl Write, profiles: &[Profile]) -> Result<()> {
    let keys: BTreeSet<&str> = profiles
        .iter()
        .flat_map(|p| p.attributes.keys().map(|k| k.as_str()))
        .collect();
    let mut w = csv::Writer::from_writer(out);
    w.write_record(std::iter::once("id").chain(keys.iter().copied()))?;
    for p in profiles {
        let mut rec = vec![p.id.to_string()];
        rec.extend(keys.iter().map(|k| p.get(k).to_string()));
        w.write_record(&rec)?;
    }
    w.flush()?;
    Ok(())
}

/// Writes events as Segment messages, one per line.
pub fn write_events(mut out: impl Write, events: &[Event]) -> Result<()> {
    for e in events {
        serde_json::to_writer(&mut out, &segment::to_json(e))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Columns of the flat lead table: the attributes the model reads.
pub fn flat_lead_columns(model: &Model) -> Vec<String> {
    let mut cols: Vec<String> = model
        .lead_slots
        .iter()
        .filter_map(|s| match s {
            LeadSlot::Attr(a) => Some(a.to_string()),
            _ => None,
        })
        .collect();
    cols.sort();
    cols.dedup();
    cols
}

/// Writes one row per lead: number, id, account number, email class, and
/// the attributes the model reads. `first_lead` numbers leads across chunks.
pub fn write_flat_leads(
    w: &mut csv::Writer<impl Write>,
    model: &Model,
    ds: &Dataset,
    first_lead: usize,
    first_account: usize,
    header: bool,
) -> Result<()> {
    let cols = flat_lead_columns(model);
    if header {
        let mut h = vec![
            "lead".to_string(),
            "id".into(),
            "account".into(),
            "email_class".into(),
        ];
        h.extend(cols.iter().cloned());
        w.write_record(&h)?;
    }
    for (i, p) in ds.profiles.iter().enumerate() {
        let class = email::assess(p.get(EMAIL_ATTRIBUTE).as_str()).class();
        let account = ds.lead_account[i]
            .map(|a| (first_account + a as usize).to_string())
            .unwrap_or_default();
        let mut rec = vec![
            (first_lead + i).to_string(),
            p.id.to_string(),
            account,
            class.as_str().to_string(),
        ];
        rec.extend(cols.iter().map(|c| p.get(c).to_string()));
        w.write_record(&rec)?;
    }
    Ok(())
}

/// Writes one row per attributed event: lead number, time in ms, message
/// id, name, session, channel, and the properties the model reads.
pub fn write_flat_events(
    w: &mut csv::Writer<impl Write>,
    model: &Model,
    ds: &Dataset,
    first_lead: usize,
    header: bool,
) -> Result<()> {
    let props: Vec<&str> = model
        .event_slots
        .iter()
        .map(|k| k.as_str())
        .filter(|k| !k.starts_with('$'))
        .collect();
    if header {
        let mut h = vec!["lead", "ts", "message_id", "name", "session", "channel"];
        h.extend(props.iter().copied());
        w.write_record(&h)?;
    }
    for (lead, list) in ds.lead_events.iter().enumerate() {
        for &i in list {
            let e = &ds.events[i as usize];
            let mut rec = vec![
                (first_lead + lead).to_string(),
                e.timestamp.0.to_string(),
                e.message_id.to_string(),
                e.name.to_string(),
                session_key(e),
                e.channel().to_string(),
            ];
            rec.extend(props.iter().map(|k| e.properties.get(k).to_string()));
            w.write_record(&rec)?;
        }
    }
    Ok(())
}

/// The session an event counts towards, as the engine decides it: the
/// `session_id` if the event has one, else the visitor and the day.
fn session_key(e: &Event) -> String {
    match e.session() {
        Some(v) => v.to_string(),
        None => {
            let who = e
                .user_id
                .as_deref()
                .or(e.anonymous_id.as_deref())
                .unwrap_or("");
            format!("{who}|{}", e.timestamp.day())
        }
    }
}

/// Writes leadscore's own results for comparison: lead number, fit, engagement, total.
pub fn write_flat_scores(
    w: &mut csv::Writer<impl Write>,
    scores: &[LeadScore],
    first_lead: usize,
    header: bool,
) -> Result<()> {
    if header {
        w.write_record(["lead", "fit", "engagement", "total"])?;
    }
    for (i, s) in scores.iter().enumerate() {
        w.write_record([
            (first_lead + i).to_string(),
            format!("{:.6}", s.fit),
            format!("{:.6}", s.engagement),
            format!("{:.6}", s.total),
        ])?;
    }
    Ok(())
}
