//! The week-by-week replay on generated data: the B2B example model over
//! six months of synthetic behaviour, with the hidden outcomes as sales
//! feedback.

use leadscore_core::dataset::Dataset;
use leadscore_core::model::Model;
use leadscore_ml::history::Feedback;
use leadscore_ml::replay::replay;
use leadscore_ml::synth::{SynthConfig, generate};

#[test]
fn replaying_synthetic_history_finds_leads_that_convert_above_the_base_rate() {
    let cfg = SynthConfig {
        leads: 800,
        ..SynthConfig::default()
    };
    let data = generate(&cfg);
    let feedback: Vec<Feedback> = data
        .outcomes
        .iter()
        .filter(|o| o.converted)
        .flat_map(|o| {
            ["accepted", "won"].map(|kind| Feedback {
                lead_id: o.lead_id.clone(),
                kind: kind.into(),
                at: cfg.end,
            })
        })
        .collect();
    let base =
        data.outcomes.iter().filter(|o| o.converted).count() as f64 / data.outcomes.len() as f64;
    let ds = Dataset::assemble(data.profiles, data.events);
    let model = Model::from_toml(include_str!("../../../examples/b2b-saas.toml")).unwrap();
    let r = replay(&[&model], &ds, &feedback, Some(120.0));
    assert!((26..=28).contains(&r.weeks), "six months: {}", r.weeks);
    assert_eq!(r.won_leads, feedback.len() / 2);
    let lines = &r.models[0].lines;
    assert_eq!(lines.len(), 2, "the mql stage and the threshold");
    for line in lines {
        let total = &line.total;
        assert_eq!(total.new, line.weeks.iter().map(|w| w.new).sum::<usize>());
        assert_eq!(total.won, line.weeks.iter().map(|w| w.won).sum::<usize>());
        assert!(total.new > 20, "{line:?}");
        assert!(
            total.won_rate.unwrap() > 1.3 * base,
            "{}: {:?} against a base rate of {base}",
            line.line,
            total.won_rate
        );
    }
}
