//! A trained model's probability inside rule scoring: `probability` in
//! conditions, on the score, and the validation of `[predictive]`.

use leadscore_core::engine::LeadState;
use leadscore_core::model::{Model, Predictor};
use leadscore_core::{Profile, Timestamp, Value};
use std::sync::Arc;

/// Probability 0.9 for leads from a referral, 0.1 otherwise.
#[derive(Debug)]
struct Referrals;

impl Predictor for Referrals {
    fn version(&self) -> &str {
        "test-1"
    }
    fn probability(&self, p: &Profile) -> f64 {
        if p.get("source").as_str() == Some("referral") {
            0.9
        } else {
            0.1
        }
    }
}

const MODEL: &str = r#"
[model]
name = "p"
version = 1

[predictive]
model = "test-1"

[[fit]]
name = "Likely buyer"
when = "probability >= 0.5"
points = 40

[[stages]]
name = "mql"
when = "probability >= 0.8 and fit >= 40"
"#;

#[test]
fn probability_feeds_conditions_and_the_score() {
    let m = Model::from_toml(MODEL).unwrap();
    assert_eq!(m.predictive.as_deref(), Some("test-1"));
    let m = m.with_predictor(Arc::new(Referrals));
    let state = LeadState::new(&m);
    let mut p = Profile::new("a");
    p.attributes
        .insert("source".into(), Value::Str("referral".into()));
    let s = m.score(&p, &state, None, Timestamp(0));
    assert_eq!(s.probability, Some(0.9));
    assert_eq!((s.fit, s.stage_name(&m)), (40.0, "mql"));
    let s = m.score(&Profile::new("b"), &state, None, Timestamp(0));
    assert_eq!(
        (s.probability, s.fit, s.stage_name(&m)),
        (Some(0.1), 0.0, "lead")
    );
}

#[test]
fn without_an_attached_model_probability_is_missing() {
    let m = Model::from_toml(MODEL).unwrap();
    let s = m.score(&Profile::new("a"), &LeadState::new(&m), None, Timestamp(0));
    assert_eq!((s.probability, s.fit), (None, 0.0));
}

#[test]
fn probability_needs_a_named_trained_model() {
    let err = Model::from_toml(&MODEL.replace("[predictive]\nmodel = \"test-1\"\n", ""))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`probability` is used, but no trained model is named"),
        "{err}"
    );
    let err = Model::from_toml(&MODEL.replace("model = \"test-1\"", "modle = \"x\""))
        .unwrap_err()
        .to_string();
    assert!(err.contains("[predictive]"), "{err}");
}

/// Probability that grows with the scoring time, as a behaviour model's does.
#[derive(Debug)]
struct Clock;

impl Predictor for Clock {
    fn version(&self) -> &str {
        "test-1"
    }
    fn probability(&self, _: &Profile) -> f64 {
        f64::NAN
    }
    fn probability_at(&self, _: &Profile, as_of: Timestamp) -> f64 {
        as_of.0 as f64 / 1000.0
    }
}

#[test]
fn the_engine_asks_for_the_probability_as_of_the_scoring_time() {
    let m = Model::from_toml(MODEL)
        .unwrap()
        .with_predictor(Arc::new(Clock));
    let state = LeadState::new(&m);
    let p = Profile::new("a");
    assert_eq!(
        m.score(&p, &state, None, Timestamp(200)).probability,
        Some(0.2)
    );
    assert_eq!(
        m.score(&p, &state, None, Timestamp(900)).probability,
        Some(0.9)
    );
}
