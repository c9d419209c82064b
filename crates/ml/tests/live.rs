//! A model trained with behaviour features scores a live lead with the
//! probability its training row had, for the same lead and cut-off: the
//! live features come from the same code as the training columns.

use leadscore_core::Timestamp;
use leadscore_core::dataset::Dataset;
use leadscore_core::time::DAY_MS;
use leadscore_ml::dataset::{HistorySpec, from_history};
use leadscore_ml::history::{CutOff, Feedback, FeedbackOutcome};
use leadscore_ml::live::{DatasetHistory, History, predictor};
use leadscore_ml::synth::{SynthConfig, generate};
use leadscore_ml::train::{Kind, Options, train};
use std::sync::Arc;

#[test]
fn a_behaviour_model_gives_the_same_probability_live_as_in_training() {
    let cfg = SynthConfig {
        leads: 600,
        ..SynthConfig::default()
    };
    let data = generate(&cfg);
    let as_of = Timestamp(cfg.end.0 - 40 * DAY_MS);
    // Outcomes become known after the whole history, so every lead's
    // cut-off is `as_of`.
    let feedback: Vec<Feedback> = data
        .outcomes
        .iter()
        .map(|o| Feedback {
            lead_id: o.lead_id.clone(),
            kind: if o.converted { "won" } else { "lost" }.into(),
            at: Timestamp(cfg.end.0 + DAY_MS),
        })
        .collect();
    let ds = Arc::new(Dataset::assemble(
        data.profiles.clone(),
        data.events.clone(),
    ));
    let spec = HistorySpec {
        outcome: FeedbackOutcome::Won,
        cutoff: CutOff::At(as_of),
        exclude: ["account", "company", "email", "name", "phone", "created_at"]
            .map(String::from)
            .to_vec(),
        not_answered: Vec::new(),
        test_share: 0.2,
        by_time: false,
        seed: 42,
    };
    let d = from_history(&ds, &feedback, &spec).unwrap();
    let (vocab, _) = d.behaviour.clone().unwrap();
    let history: Arc<dyn History> = Arc::new(DatasetHistory::new(ds.clone()));
    for kind in [Kind::Logistic, Kind::Gbt] {
        let mut model = train(&d.table.select(&d.split.train), &Options::new(kind)).unwrap();
        model.behaviour = Some(vocab.clone());
        let trained = model.predict(&d.table).unwrap();
        let refused = predictor(model.clone(), None).unwrap_err();
        assert!(refused.contains("behaviour features"), "{refused}");
        let live = predictor(model, Some(history.clone())).unwrap();
        let mut moved = 0;
        for (r, id) in d.table.ids.iter().enumerate() {
            let profile = &ds.profiles[ds.lead_index(id).unwrap()];
            let p = live.probability_at(profile, as_of);
            assert!(
                (p - trained[r]).abs() < 1e-12,
                "{kind:?} lead {id}: live {p}, training {}",
                trained[r]
            );
            // Later, the lead's newer behaviour counts.
            moved += usize::from(live.probability_at(profile, cfg.end) != p);
        }
        assert!(moved > d.table.rows() / 4, "{kind:?}: {moved} moved");
        assert!(!live.factors_at(&ds.profiles[0], as_of, 5).is_empty());
    }
}
