//! `leadscore bench`: full-rescoring throughput on generated data.
//!
//! Data is generated and assembled in chunks of whole companies (so account
//! roll-ups stay exact) and only the scoring is timed: building every lead's
//! state from its events, the account roll-ups, and the scores. Each chunk is
//! scored twice, on one thread and on all threads, side by side, so the
//! per-core figure and the scaling come from the same run.
//!
//! Before that, each chunk's events are projected for the model
//! ([`rescore::project_events`]), as a store would when it keeps events for a
//! model version: timed on its own and reported beside the rescoring, not
//! in it, as the SQL side's loading of its tables is not in its query time.
//! A third pass, on one thread straight from the events (what `score` and
//! `demo` do for their single pass), is checked equal and its CPU time shown.

use crate::{export, rescore};
use anyhow::{Result, bail};
use clap::Args;
use leadscore_core::dataset::Dataset;
use leadscore_core::model::Model;
use leadscore_ml::synth::{self, SynthConfig};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// `leadscore bench`
#[derive(Args)]
pub struct BenchArgs {
    /// About how many leads.
    #[arg(long, default_value_t = 100_000)]
    leads: usize,
    /// Average events per lead.
    #[arg(long, default_value_t = 20.0)]
    events_per_lead: f64,
    /// Model file; default: the built-in B2B example.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Companies per chunk.
    #[arg(long, default_value_t = 5_000)]
    chunk: usize,
    /// Write flat CSV tables (leads, events, leadscore's scores) here, for the DuckDB comparison.
    #[arg(long)]
    export: Option<PathBuf>,
}

#[derive(Default)]
struct Totals {
    leads: usize,
    events: usize,
    one_thread: Duration,
    /// CPU time of the one-thread pass, where the platform reports it.
    one_thread_cpu: Option<Duration>,
    all_threads: Duration,
    /// Projecting the events for the model, on one thread.
    projection: Duration,
    /// CPU time of a one-thread pass straight from the events, no projection.
    direct_cpu: Option<Duration>,
    /// Distinct value combinations of the projections, summed over chunks.
    combos: usize,
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let v = f();
    (v, start.elapsed())
}

/// CPU time the calling thread has had so far, from Linux's scheduler
/// statistics (`/proc/thread-self/schedstat`, nanoseconds on a CPU); `None`
/// where that file does not exist. On a shared machine the wall-clock time
/// of the one-thread pass includes the time its thread waited for a core;
/// this does not, so it gives the per-core rate even when other work runs.
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// `timed`, also returning the CPU time of the calling thread.
fn timed_on_thread<T>(f: impl FnOnce() -> T) -> (T, Duration, Option<Duration>) {
    let cpu_start = thread_cpu_time();
    let (v, wall) = timed(f);
    let cpu = thread_cpu_time()
        .zip(cpu_start)
        .map(|(end, start)| end.saturating_sub(start));
    (v, wall, cpu)
}

/// Runs the benchmark.
pub fn run(args: BenchArgs) -> Result<()> {
    let model = match &args.model {
        Some(p) => crate::score::load_model(p)?,
        None => Model::from_toml(crate::demo::B2B_MODEL)
            .map_err(|e| anyhow::anyhow!("built-in model: {e}"))?,
    };
    let cfg = SynthConfig {
        leads: args.leads,
        events_per_lead: args.events_per_lead,
        ..SynthConfig::default()
    };
    let as_of = cfg.end;
    let companies = cfg.companies();
    let single = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let threads = rayon::current_num_threads();
    let mut writers = match &args.export {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            let open = |n: &str| -> Result<csv::Writer<std::io::BufWriter<std::fs::File>>> {
                Ok(csv::Writer::from_writer(std::io::BufWriter::new(
                    std::fs::File::create(dir.join(n))?,
                )))
            };
            Some((open("leads.csv")?, open("events.csv")?, open("scores.csv")?))
        }
        None => None,
    };
    let bar = indicatif::ProgressBar::new(companies as u64);
    let mut t = Totals {
        one_thread_cpu: Some(Duration::ZERO),
        direct_cpu: Some(Duration::ZERO),
        ..Totals::default()
    };
    let mut account_offset = 0;
    let mut start = 0;
    while start < companies {
        let end = (start + args.chunk).min(companies);
        let data = synth::generate_companies(&cfg, start..end);
        let ds = Dataset::assemble(data.profiles, data.events);
        let events: usize = ds.lead_events.iter().map(Vec::len).sum();

        let (rows, dp) = timed(|| rescore::project_events(&model, &ds));
        t.combos += rows.combos();
        // The pool's one thread runs the whole pass, so its CPU time is the pass's.
        let (one, d1, cpu1) =
            single.install(|| timed_on_thread(|| rescore::score_rows(&model, &ds, &rows, as_of)));
        let (all, d2) = timed(|| rescore::score_rows(&model, &ds, &rows, as_of));
        drop(rows);
        let (direct, _, cpu0) =
            single.install(|| timed_on_thread(|| rescore::score_all(&model, &ds, as_of)));
        if one != all {
            bail!("scores differ between one and {threads} threads: scoring is not deterministic");
        }
        if one != direct {
            bail!("scores differ between projected rows and events: the projection is wrong");
        }
        if let Some((leads_w, events_w, scores_w)) = writers.as_mut() {
            let header = start == 0;
            export::write_flat_leads(leads_w, &model, &ds, t.leads, account_offset, header)?;
            export::write_flat_events(events_w, &model, &ds, t.leads, header)?;
            export::write_flat_scores(scores_w, &one, t.leads, header)?;
        }
        account_offset += ds.accounts.len();
        t.leads += ds.profiles.len();
        t.events += events;
        t.one_thread += d1;
        t.one_thread_cpu = t.one_thread_cpu.zip(cpu1).map(|(total, c)| total + c);
        t.all_threads += d2;
        t.projection += dp;
        t.direct_cpu = t.direct_cpu.zip(cpu0).map(|(total, c)| total + c);
        bar.set_position(end as u64);
        start = end;
    }
    bar.finish_and_clear();
    if let Some((mut a, mut b, mut c)) = writers {
        a.flush()?;
        b.flush()?;
        c.flush()?;
    }
    let rate = |d: Duration| t.events as f64 / d.as_secs_f64();
    println!("model            {} {}", model.name, model.version);
    println!("leads            {}", t.leads);
    println!("events           {}", t.events);
    // One line per timed pass: label, seconds, rate, and what it means.
    let timing = |label: &str, d: Duration, note: &str| {
        println!(
            "{label:<17}{:.3} s  {:.2} M events/s{note}",
            d.as_secs_f64(),
            rate(d) / 1e6
        );
    };
    timing("1 thread", t.one_thread, "");
    let speedup = t.one_thread.as_secs_f64() / t.all_threads.as_secs_f64();
    timing(
        &format!("{threads} threads"),
        t.all_threads,
        &format!("  ({speedup:.2}x)"),
    );
    println!(
        "per core         {:.2} M events/s",
        rate(t.one_thread) / 1e6
    );
    timing(
        "projection",
        t.projection,
        "  (once per model version; not in the times above)",
    );
    println!(
        "combos           {}  (distinct event values the pass evaluates conditions on, summed over chunks)",
        t.combos
    );
    if let Some(cpu) = t.one_thread_cpu {
        timing(
            "1-thread CPU",
            cpu,
            "  (time on a core, waits for one left out)",
        );
    }
    if let Some(cpu) = t.direct_cpu {
        timing(
            "from events CPU",
            cpu,
            "  (one thread, no projection: a single pass)",
        );
    }
    Ok(())
}
