//! `leadscore demo`: a synthetic company's leads, scored end to end with no set-up.

use crate::output::{self, Format};
use crate::{export, rescore};
use anyhow::{Context, Result};
use clap::Args;
use leadscore_core::dataset::Dataset;
use leadscore_core::model::Model;
use leadscore_ml::synth::{self, SynthConfig};
use std::io::Write;
use std::path::PathBuf;

/// The B2B example model, built into the binary so the demo needs no files.
pub const B2B_MODEL: &str = include_str!("../../../examples/b2b-saas.toml");

/// `leadscore demo`
#[derive(Args)]
pub struct DemoArgs {
    /// About how many leads to generate.
    #[arg(long, default_value_t = 2_000)]
    leads: usize,
    /// Average events per lead.
    #[arg(long, default_value_t = 20.0)]
    events_per_lead: f64,
    /// Random seed: the same seed gives the same data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// How many of the hottest leads to print.
    #[arg(long, default_value_t = 15)]
    top: usize,
    /// Score with this model file instead of the built-in B2B example.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Also write the data set here (leads.csv, events.jsonl, outcomes.csv,
    /// train.csv: the leads with their outcome, for `leadscore train`, and
    /// feedback.csv: sales feedback made from the hidden outcomes).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write the leads and events straight into this new server database
    /// (`sqlite://FILE` or `postgres://...`) instead of scoring them here;
    /// `leadscore serve` scores them when it starts. For trying the
    /// dashboard or benchmarking with millions of events, which the HTTP
    /// import takes hours to load.
    #[arg(long, value_name = "DATABASE_URL", conflicts_with_all = ["out", "model"])]
    into: Option<String>,
}

/// Runs the demo.
pub fn run(args: DemoArgs) -> Result<()> {
    let model = match &args.model {
        Some(p) => crate::score::load_model(p)?,
        None => Model::from_toml(B2B_MODEL).map_err(|e| anyhow::anyhow!("built-in model: {e}"))?,
    };
    let cfg = SynthConfig {
        leads: args.leads,
        events_per_lead: args.events_per_lead,
        seed: args.seed,
        ..SynthConfig::default()
    };
    if let Some(url) = &args.into {
        let started = std::time::Instant::now();
        let (leads, events) = crate::demo_store::fill(&cfg, url)?;
        println!(
            "Wrote {leads} leads and {events} events into {url} in {:.0} s; `leadscore serve --database-url {url}` scores them as it starts.",
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let bar = indicatif::ProgressBar::new_spinner().with_message("generating leads and events");
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let data = synth::generate(&cfg);
    bar.finish_and_clear();
    if let Some(dir) = &args.out {
        write_dataset(dir, &data, cfg.end)?;
    }
    let n_events = data.events.len();
    let outcomes: std::collections::HashMap<_, _> = data
        .outcomes
        .iter()
        .map(|o| (o.lead_id.clone(), o.converted))
        .collect();
    let ds = Dataset::assemble(data.profiles, data.events);
    let as_of = cfg.end;
    let scores = rescore::score_all(&model, &ds, as_of);
    let order = rescore::ranking(&ds, &scores);

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(
        out,
        "Generated {} leads at {} companies with {} events over {} days ({} anonymous events stitched to leads once they identified).",
        ds.profiles.len(),
        ds.accounts.len(),
        n_events,
        cfg.days,
        ds.stats.stitched
    )?;
    writeln!(
        out,
        "Scored with model {} {} as of {as_of}. Hottest {}:",
        model.name, model.version, args.top
    )?;
    let top: Vec<usize> = order.iter().copied().take(args.top).collect();
    output::write(
        &output::rows(&model, &ds, &scores, &top),
        Format::Table,
        &mut out,
    )?;

    // Stages and the matrix.
    let mut stage_counts = vec![0usize; model.stages.len()];
    let mut hot = 0;
    for s in &scores {
        stage_counts[usize::from(s.stage)] += 1;
        hot += usize::from(s.hot);
    }
    let stages: Vec<String> = model
        .stages
        .iter()
        .zip(&stage_counts)
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{} {n}", s.name))
        .collect();
    writeln!(out, "Stages: {}. Hot leads: {hot}.", stages.join(", "))?;

    // The hidden outcomes show whether the ranking finds the buyers.
    let converted = |i: &usize| outcomes.get(&ds.profiles[*i].id).copied().unwrap_or(false);
    let total_conv = order.iter().filter(|i| converted(i)).count();
    if total_conv > 0 {
        let mut parts = Vec::new();
        for pct in [10, 20, 50] {
            let k = order.len() * pct / 100;
            let found = order[..k].iter().filter(|i| converted(i)).count();
            parts.push(format!(
                "top {pct}% holds {:.0}%",
                100.0 * found as f64 / total_conv as f64
            ));
        }
        writeln!(
            out,
            "Of the {total_conv} leads that went on to buy (hidden outcome, {:.1}% of all): {}.",
            100.0 * total_conv as f64 / order.len() as f64,
            parts.join(", ")
        )?;
    }
    if let Some(dir) = &args.out {
        writeln!(
            out,
            "Data written to {0}. Score it again with:\n  leadscore score --model examples/b2b-saas.toml --leads {0}/leads.csv --events {0}/events.jsonl --as-of {as_of} --limit 20",
            dir.display()
        )?;
    }
    Ok(())
}

/// Propensities above which a lead that did not buy was still accepted by
/// sales (and lost), or was at least worth a call (and rejected).
const ACCEPTED_ABOVE: f64 = 0.2;
const REJECTED_ABOVE: f64 = 0.1;

fn write_dataset(
    dir: &std::path::Path,
    data: &synth::SynthData,
    end: leadscore_core::Timestamp,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let create = |name: &str| {
        let path = dir.join(name);
        std::fs::File::create(&path)
            .map(std::io::BufWriter::new)
            .with_context(|| format!("cannot write {}", path.display()))
    };
    export::write_leads(create("leads.csv")?, &data.profiles)?;
    let with_outcome: Vec<leadscore_core::Profile> = data
        .profiles
        .iter()
        .zip(&data.outcomes)
        .map(|(p, o)| {
            p.clone()
                .with("converted", if o.converted { 1.0 } else { 0.0 })
        })
        .collect();
    export::write_leads(create("train.csv")?, &with_outcome)?;
    export::write_events(create("events.jsonl")?, &data.events)?;
    let mut w = csv::Writer::from_writer(create("outcomes.csv")?);
    w.write_record(["id", "converted", "propensity"])?;
    for o in &data.outcomes {
        w.write_record([
            o.lead_id.as_str(),
            if o.converted { "1" } else { "0" },
            &format!("{:.4}", o.propensity),
        ])?;
    }
    w.flush()?;
    // What sales would have reported at the end: buyers accepted and won,
    // other likely buyers accepted and lost, the next ones rejected.
    let mut w = csv::Writer::from_writer(create("feedback.csv")?);
    w.write_record(["lead_id", "kind", "at", "reason"])?;
    let at = end.to_string();
    for o in &data.outcomes {
        let id = o.lead_id.as_str();
        if o.converted {
            w.write_record([id, "accepted", &at, ""])?;
            w.write_record([id, "won", &at, ""])?;
        } else if o.propensity > ACCEPTED_ABOVE {
            w.write_record([id, "accepted", &at, ""])?;
            w.write_record([id, "lost", &at, "price"])?;
        } else if o.propensity > REJECTED_ABOVE {
            w.write_record([id, "rejected", &at, "not ready"])?;
        }
    }
    w.flush()?;
    Ok(())
}
