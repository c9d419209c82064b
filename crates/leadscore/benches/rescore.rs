//! Full rescoring throughput of the engine on generated data, one thread.
//!
//! `cargo bench -p leadscore --bench rescore`. The 1M-lead figure in
//! docs/benchmarks.md comes from `leadscore bench`; this measures the same
//! path at a size criterion can repeat.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leadscore::demo::B2B_MODEL;
use leadscore::rescore;
use leadscore_core::dataset::Dataset;
use leadscore_core::model::Model;
use leadscore_ml::synth::{self, SynthConfig};

fn rescoring(c: &mut Criterion) {
    let model = Model::from_toml(B2B_MODEL).expect("built-in model is valid");
    let cfg = SynthConfig {
        leads: 20_000,
        ..SynthConfig::default()
    };
    let data = synth::generate(&cfg);
    let ds = Dataset::assemble(data.profiles, data.events);
    let events: usize = ds.lead_events.iter().map(Vec::len).sum();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");

    let mut g = c.benchmark_group("rescore");
    g.throughput(Throughput::Elements(events as u64));
    g.sample_size(10);
    g.bench_function("b2b_20k_leads_1_thread", |b| {
        b.iter(|| one.install(|| rescore::score_all(&model, &ds, cfg.end)));
    });
    g.bench_function("b2b_20k_leads_all_threads", |b| {
        b.iter(|| rescore::score_all(&model, &ds, cfg.end));
    });
    g.finish();
}

criterion_group!(benches, rescoring);
criterion_main!(benches);
