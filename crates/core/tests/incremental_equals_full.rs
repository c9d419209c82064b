//! Property: applying events one at a time, in any arrival order, gives
//! exactly the state and score of a full recompute from the sorted history;
//! and events projected for the model (`Projection`) give the same state,
//! with the event conditions evaluated per row or once per combo of values.

use leadscore_core::engine::{LeadState, Projection};
use leadscore_core::model::Model;
use leadscore_core::{Event, Profile, Timestamp, Value};
use proptest::prelude::*;

/// Every engine feature that keeps history: limits of each kind, caps,
/// each decay, negative points, aggregates of each kind, signals on them.
const MODEL: &str = r#"
[model]
name = "props"
version = "1"
decay = "half-life 3d"

[[groups]]
name = "g"
max = 40

[limits]
engagement = { min = -20, max = 120 }

[[engagement]]
name = "a every"
event = "a"
points = 3
cap = 25
group = "g"

[[engagement]]
name = "a once"
event = "a"
when = 'kind == "x"'
points = 7
limit = "once"
decay = "none"

[[engagement]]
name = "b per day"
event = "b"
points = 5
limit = "2/day"
decay = "linear 10d"

[[engagement]]
name = "c per week"
event = ["c", "a"]
when = "n >= 3"
points = -4
limit = "3/week"
cap = 10

[[engagement]]
name = "any"
event = "*"
points = 0.5
decay = "half-life 1d"

[[aggregates]]
name = "count3"
kind = "count"
window = "3d"

[[aggregates]]
name = "sessions"
kind = "sessions"
event = "a"
window = "5d"

[[aggregates]]
name = "channels"
kind = "channels"
window = "10d"

[[aggregates]]
name = "days"
kind = "active_days"
window = "7d"

[[aggregates]]
name = "back"
kind = "reactivated"
window = "4d"
dormant = "5d"

[[signals]]
name = "busy"
when = "agg.count3 >= 4 or agg.sessions >= 2"
points = 9

[[signals]]
name = "back again"
when = "agg.back == 1 and agg.days >= 1 and agg.channels >= 1"
points = 6
group = "g"

[[stages]]
name = "mql"
when = "engagement >= 20"
"#;

const DAY: i64 = 86_400_000;
const START: i64 = 1_780_000_000_000;

fn arb_event() -> impl Strategy<Value = (u8, i64, u8, u8, u8)> {
    // name, time offset (ms over 30 days), kind, n, session
    (0u8..4, 0i64..30 * DAY, 0u8..3, 0u8..6, 0u8..4)
}

fn make(i: usize, (name, dt, kind, n, session): (u8, i64, u8, u8, u8)) -> Event {
    let name = ["a", "b", "c", "page"][usize::from(name)];
    let mut e = Event::track(&format!("m{i}"), "lead-1", name, Timestamp(START + dt));
    e.properties
        .set("kind", Value::from(["x", "y", "z"][usize::from(kind)]));
    e.properties.set("n", Value::Num(f64::from(n)));
    e.properties
        .set("session_id", Value::from(format!("s{session}").as_str()));
    if session == 3 {
        e.properties.set("channel", Value::from("email"));
    }
    e
}

fn model() -> Model {
    Model::from_toml(MODEL).expect("test model is valid")
}

fn full(model: &Model, events: &[Event]) -> LeadState {
    let mut sorted: Vec<&Event> = events.iter().collect();
    sorted.sort_by(|a, b| (a.timestamp, &a.message_id).cmp(&(b.timestamp, &b.message_id)));
    let mut s = LeadState::new(model);
    for e in sorted {
        s.apply(model, e);
    }
    s
}

/// The indices `0..n` in an order fixed by `order` (a xorshift shuffle), so
/// a failing case replays exactly.
fn shuffled(n: usize, order: u64) -> Vec<usize> {
    let mut arrival: Vec<usize> = (0..n).collect();
    let mut x = order | 1;
    for i in (1..n).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        arrival.swap(i, (x % (i as u64 + 1)) as usize);
    }
    arrival
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_arrival_order_gives_the_full_recompute(
        raw in prop::collection::vec(arb_event(), 0..60),
        order in any::<u64>(),
        as_of_offset in 0i64..40 * DAY,
    ) {
        let model = model();
        let events: Vec<Event> = raw.into_iter().enumerate().map(|(i, r)| make(i, r)).collect();
        // Arrival out of time order.
        let arrival = shuffled(events.len(), order);
        let mut incremental = LeadState::new(&model);
        for &i in &arrival {
            incremental.apply(&model, &events[i]);
        }
        let recomputed = full(&model, &events);
        prop_assert_eq!(&incremental, &recomputed);

        let profile = Profile::new("lead-1");
        let as_of = Timestamp(START + as_of_offset);
        let a = model.score(&profile, &incremental, None, as_of);
        let b = model.score(&profile, &recomputed, None, as_of);
        // Bit-identical, not merely close.
        prop_assert_eq!(a.total.to_bits(), b.total.to_bits());
        prop_assert_eq!(&a, &b);
    }

    #[test]
    fn one_new_event_equals_recompute(
        raw in prop::collection::vec(arb_event(), 1..60),
        as_of_offset in 0i64..40 * DAY,
    ) {
        let model = model();
        let events: Vec<Event> = raw.into_iter().enumerate().map(|(i, r)| make(i, r)).collect();
        let (last, before) = events.split_last().expect("non-empty");
        let mut state = full(&model, before);
        state.apply(&model, last);
        prop_assert_eq!(&state, &full(&model, &events));
        let profile = Profile::new("lead-1");
        let as_of = Timestamp(START + as_of_offset);
        prop_assert_eq!(
            model.score(&profile, &state, None, as_of),
            model.score(&profile, &full(&model, &events), None, as_of)
        );
    }

    #[test]
    fn projected_rows_give_the_state_events_give(
        raw in prop::collection::vec(arb_event(), 0..60),
        order in any::<u64>(),
    ) {
        let model = model();
        let events: Vec<Event> = raw.into_iter().enumerate().map(|(i, r)| make(i, r)).collect();
        // Rows in any order, as events may arrive.
        let arrival = shuffled(events.len(), order);
        let mut rows = Projection::with_capacity(&model, events.len());
        for &i in &arrival {
            rows.push(&model, &events[i]);
        }
        let mut state = LeadState::new(&model);
        for i in 0..rows.len() {
            state.apply_row(&model, rows.row(i));
        }
        prop_assert_eq!(&state, &full(&model, &events));
        // The same with the conditions evaluated once per combo of values.
        let outcomes = rows.outcomes(&model);
        let mut state = LeadState::new(&model);
        for i in 0..rows.len() {
            state.apply_row_with(&model, rows.row(i), &outcomes);
        }
        prop_assert_eq!(&state, &full(&model, &events));
    }

    #[test]
    fn scoring_in_the_past_ignores_later_events(
        raw in prop::collection::vec(arb_event(), 0..60),
        as_of_offset in 0i64..30 * DAY,
    ) {
        let model = model();
        let events: Vec<Event> = raw.into_iter().enumerate().map(|(i, r)| make(i, r)).collect();
        let as_of = Timestamp(START + as_of_offset);
        let known: Vec<Event> = events.iter().filter(|e| e.timestamp <= as_of).cloned().collect();
        let profile = Profile::new("lead-1");
        let everything = model.score(&profile, &full(&model, &events), None, as_of);
        let then = model.score(&profile, &full(&model, &known), None, as_of);
        prop_assert_eq!(everything, then);
    }

    #[test]
    fn caps_and_bounds_hold(raw in prop::collection::vec(arb_event(), 0..120), as_of_offset in 0i64..40 * DAY) {
        let model = model();
        let events: Vec<Event> = raw.into_iter().enumerate().map(|(i, r)| make(i, r)).collect();
        let as_of = Timestamp(START + as_of_offset);
        let (score, ex) = model.explain(&Profile::new("lead-1"), &full(&model, &events), None, as_of);
        prop_assert!(score.engagement <= 120.0 && score.engagement >= -20.0);
        prop_assert!(score.groups[0] <= 40.0);
        for line in ex.lines.iter().filter(|l| l.kind == "engagement") {
            let cap = model.engagement.iter().find(|r| r.name == line.rule).and_then(|r| r.cap);
            if let Some(cap) = cap {
                prop_assert!(line.points.abs() <= cap + 1e-12);
            }
        }
    }
}
