//! Triggers: the model file section, its errors, and one firing per crossing.

use leadscore_core::email::EmailClass;
use leadscore_core::engine::LeadScore;
use leadscore_core::model::{Action, Crossing, Measure, Model};
use leadscore_core::{Profile, Timestamp, Value};

const BASE: &str = r#"
[model]
name = "t"
version = 1

[[groups]]
name = "crm"

[grades]
fit = { A = 50, B = 30, C = 10 }
engagement = { 1 = 60, 2 = 30, 3 = 10 }
hot = ["A1", "A2", "B1"]

[[stages]]
name = "mql"
when = "total >= 50"

[[stages]]
name = "recycled"
manual = true
"#;

fn model(triggers: &str) -> Result<Model, String> {
    Model::from_toml(&format!("{BASE}\n{triggers}")).map_err(|e| e.to_string())
}

fn score(total: f64, stage: u16, fit_band: u8, level: u8) -> LeadScore {
    LeadScore {
        as_of: Timestamp(0),
        fit: 0.0,
        engagement: 0.0,
        total,
        groups: vec![total / 2.0].into(),
        bant: 0,
        bant_bits: 0,
        fit_band,
        engagement_level: level,
        hot: false,
        stage,
        manual_stage: false,
        probability: None,
        email: EmailClass::Corporate,
        last_activity: None,
        events: 0,
        reasons: Default::default(),
    }
}

/// Runs a trigger over a sequence of scores and returns which steps fired.
fn fires(m: &Model, scores: &[LeadScore]) -> Vec<usize> {
    let t = &m.triggers[0];
    let mut armed = t.armed_at_start();
    let mut fired = Vec::new();
    for (i, s) in scores.iter().enumerate() {
        let (fire, after) = t.step(armed, s);
        armed = after;
        if fire {
            fired.push(i);
        }
    }
    fired
}

#[test]
fn the_example_models_compile_with_their_triggers() {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/b2b-saas.toml"
    ))
    .unwrap();
    let m = Model::from_toml(&src).unwrap();
    assert_eq!(m.triggers.len(), 4);
    assert_eq!(m.triggers[0].describe(&m), "enters stage mql");
    assert_eq!(
        m.triggers[2].describe(&m),
        "group crm rises to 30 (margin 5)"
    );
    assert_eq!(m.triggers[3].describe(&m), "leaves A1, A2, B1");
}

#[test]
fn a_threshold_fires_once_per_crossing_with_its_margin() {
    let m = model(
        r#"
[[triggers]]
name = "t"
score_above = 60
margin = 10
actions = [{ webhook = "crm" }]
"#,
    )
    .unwrap();
    assert_eq!(m.triggers[0].on, Crossing::Above(Measure::Total, 60.0));
    let s = |v| score(v, 0, 3, 4);
    // Rises (fires), stays above, dips inside the margin (no re-arm), rises,
    // falls clearly below (re-arms), rises again (fires again).
    let seq = [
        s(10.0),
        s(61.0),
        s(80.0),
        s(55.0),
        s(65.0),
        s(49.0),
        s(60.0),
    ];
    assert_eq!(fires(&m, &seq), vec![1, 6]);
}

#[test]
fn a_downward_line_fires_only_after_being_above_it() {
    let m = model(
        r#"
[[triggers]]
name = "cold"
score_below = 20
margin = 5
actions = [{ set_stage = "recycled" }]
"#,
    )
    .unwrap();
    let s = |v| score(v, 0, 3, 4);
    // A new lead at 0 is not "cooling down": it never was warm.
    let seq = [s(0.0), s(10.0), s(30.0), s(19.0), s(5.0), s(26.0), s(10.0)];
    assert_eq!(fires(&m, &seq), vec![3, 6]);
    assert_eq!(
        m.triggers[0].actions,
        vec![Action::SetStage("recycled".into())]
    );
}

#[test]
fn stages_cells_and_groups_are_lines_too() {
    let m = model(
        r#"
[[triggers]]
name = "hot"
becomes_hot = true
actions = [{ offer = "demo" }]
"#,
    )
    .unwrap();
    // D4, then A1 (hot: fires), B1 (still hot), C3, then A2 (hot again: fires).
    let seq = [
        score(0.0, 0, 3, 4),
        score(0.0, 0, 0, 1),
        score(0.0, 0, 1, 1),
        score(0.0, 0, 2, 3),
        score(0.0, 0, 0, 2),
    ];
    assert_eq!(fires(&m, &seq), vec![1, 4]);
    assert_eq!(
        m.triggers[0].actions,
        vec![Action::Offer {
            id: "demo".into(),
            content: "demo".into()
        }]
    );

    let m = model(
        r#"
[[triggers]]
name = "mql"
enters_stage = "mql"
actions = [{ tag = "mql" }]

[[triggers]]
name = "group"
score_above = 10
score_of = "crm"
actions = [{ tag = "crm" }]
"#,
    )
    .unwrap();
    let seq = [
        score(0.0, 0, 3, 4),
        score(50.0, 1, 3, 4),
        score(70.0, 1, 3, 4),
    ];
    assert_eq!(fires(&m, &seq), vec![1]);
    assert_eq!(m.triggers[1].on, Crossing::Above(Measure::Group(0), 10.0));
}

#[test]
fn owners_come_in_turn_or_by_territory() {
    let m = model(
        r#"
[[triggers]]
name = "assign"
enters_stage = "mql"
actions = [
  { assign_round_robin = ["an", "binh"] },
  { assign_by = "region", owners = { North = "lan" }, default_owner = "minh" },
]
"#,
    )
    .unwrap();
    let mut p = Profile::new("u1");
    let [rr, by] = &m.triggers[0].actions[..] else {
        panic!()
    };
    assert_eq!(rr.owner(&p, 0).as_deref(), Some("an"));
    assert_eq!(rr.owner(&p, 3).as_deref(), Some("binh"));
    assert_eq!(by.owner(&p, 0).as_deref(), Some("minh"));
    p.attributes
        .insert("region".into(), Value::Str("north ".into()));
    assert_eq!(by.owner(&p, 0).as_deref(), Some("lan"));
}

#[test]
fn every_error_in_triggers_is_listed_with_its_line() {
    let err = model(
        r#"
[[triggers]]
name = "none"
actions = [{ webhook = "crm" }]

[[triggers]]
name = "two"
score_above = 5
becomes_hot = true
actions = [{ webhook = "crm" }]

[[triggers]]
name = "bad"
enters_stage = "nope"
score_of = "nothing"
actions = [{ set_stage = "mql" }, { webhook = "a", tag = "b" }, { assign_round_robin = [] }]

[[triggers]]
name = "bad-cells"
enters_cells = ["E9"]
margin = -1
actions = []

[[triggers]]
name = "none"
cools_down = true
actions = [{ untag = "x" }]
"#,
    )
    .unwrap_err();
    for expected in [
        "trigger `none`: a trigger needs exactly one line to watch",
        "trigger `two`: a trigger watches one line",
        "trigger `bad`: `enters_stage = \"nope\"`: no such stage; expected one of `lead`, `mql`, `recycled`",
        "trigger `bad`: `score_of` only applies to `score_above` and `score_below`",
        "trigger `bad`: action #1: `set_stage = \"mql\"`: only manual stages can be set",
        "trigger `bad`: action #2: an action is exactly one of",
        "trigger `bad`: action #3: `assign_round_robin` must list at least one owner",
        "trigger `bad-cells`: `enters_cells`: `E9` is not a matrix cell",
        "trigger `bad-cells`: `margin` must be zero or positive, found -1",
        "trigger `bad-cells`: `actions` must list at least one action",
        "trigger `none`: another trigger has this name",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert!(err.contains("line "), "{err}");
}
