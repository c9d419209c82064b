//! Exact scores for each rule feature: fit, caps, limits, decay, groups,
//! bounds, BANT, grades, stages, signals and account aggregates.

use leadscore_core::engine::{LeadState, account_values};
use leadscore_core::model::Model;
use leadscore_core::{Event, Profile, Timestamp, Value};

const DAY: i64 = 86_400_000;
/// 2026-03-02, a Monday at 00:00 UTC.
const T0: i64 = 1_772_409_600_000;

fn at(days: f64) -> Timestamp {
    Timestamp(T0 + (days * DAY as f64) as i64)
}

fn model(body: &str) -> Model {
    let src = format!("[model]\nname = \"t\"\nversion = \"1\"\n{body}");
    Model::from_toml(&src).unwrap_or_else(|e| panic!("{e}"))
}

fn state(model: &Model, events: &[Event]) -> LeadState {
    let mut s = LeadState::new(model);
    for e in events {
        s.apply(model, e);
    }
    s
}

fn ev(i: usize, name: &str, t: Timestamp) -> Event {
    Event::track(&format!("m{i}"), "L1", name, t)
}

fn page(i: usize, path: &str, t: Timestamp) -> Event {
    let mut e = ev(i, "page", t);
    e.properties.set("path", Value::from(path));
    e
}

#[test]
fn fit_rules_add_points_including_negative_and_respect_bounds() {
    let m = model(
        r#"
[limits]
fit = { min = -10, max = 30 }
[[fit]]
name = "director"
when = 'job_title contains "director"'
points = 25
[[fit]]
name = "big"
when = "company_size >= 100"
points = 15
[[fit]]
name = "student"
when = 'seniority == "student"'
points = -40
"#,
    );
    let s = LeadState::new(&m);
    let director = Profile::new("L1")
        .with("job_title", "Sales Director")
        .with("company_size", "250");
    assert_eq!(
        m.score(&director, &s, None, at(0.0)).fit,
        30.0,
        "25 + 15 capped at 30"
    );
    let student = Profile::new("L2").with("seniority", "Student");
    assert_eq!(
        m.score(&student, &s, None, at(0.0)).fit,
        -10.0,
        "-40 floored at -10"
    );
}

#[test]
fn cap_bounds_a_rule_and_decay_halves_points_per_half_life() {
    let m = model(
        r#"
decay = "half-life 10d"
[[engagement]]
name = "pricing"
event = "page"
when = 'path starts_with "/pricing"'
points = 10
cap = 15
"#,
    );
    let one = state(&m, &[page(1, "/pricing", at(0.0))]);
    let p = Profile::new("L1");
    assert_eq!(m.score(&p, &one, None, at(0.0)).engagement, 10.0);
    assert!((m.score(&p, &one, None, at(10.0)).engagement - 5.0).abs() < 1e-12);
    assert!((m.score(&p, &one, None, at(20.0)).engagement - 2.5).abs() < 1e-12);
    let three = state(
        &m,
        &[
            page(1, "/pricing/a", at(0.0)),
            page(2, "/pricing", at(0.0)),
            page(3, "/about", at(0.0)),
        ],
    );
    assert_eq!(
        m.score(&p, &three, None, at(0.0)).engagement,
        15.0,
        "2 x 10 capped at 15"
    );
}

#[test]
fn linear_decay_reaches_zero_at_the_end_of_its_window() {
    let m = model(
        "[[engagement]]\nname = \"w\"\nevent = \"Webinar Attended\"\npoints = 20\ndecay = \"linear 10d\"\n",
    );
    let s = state(&m, &[ev(1, "Webinar Attended", at(0.0))]);
    let p = Profile::new("L1");
    assert!((m.score(&p, &s, None, at(5.0)).engagement - 10.0).abs() < 1e-12);
    assert_eq!(m.score(&p, &s, None, at(10.0)).engagement, 0.0);
    assert_eq!(m.score(&p, &s, None, at(30.0)).engagement, 0.0);
}

#[test]
fn frequency_limits_keep_the_earliest_events_of_each_period() {
    let m = model(
        r#"
[[engagement]]
name = "once"
event = "Form Submitted"
points = 30
limit = "once"
[[engagement]]
name = "two a day"
event = "Email Clicked"
points = 4
limit = "2/day"
[[engagement]]
name = "one a week"
event = "Asset Downloaded"
points = 12
limit = "1/week"
"#,
    );
    let events = vec![
        ev(1, "Form Submitted", at(1.0)),
        ev(2, "Form Submitted", at(2.0)),
        ev(3, "Email Clicked", at(0.1)),
        ev(4, "Email Clicked", at(0.2)),
        ev(5, "Email Clicked", at(0.3)),
        ev(6, "Email Clicked", at(1.1)),
        // Monday and Sunday of one ISO week, then the next Monday.
        ev(7, "Asset Downloaded", at(0.5)),
        ev(8, "Asset Downloaded", at(6.9)),
        ev(9, "Asset Downloaded", at(7.1)),
    ];
    let s = state(&m, &events);
    let (score, ex) = m.explain(&Profile::new("L1"), &s, None, at(8.0));
    assert_eq!(score.engagement, 30.0 + 3.0 * 4.0 + 2.0 * 12.0);
    let line = |n: &str| ex.lines.iter().find(|l| l.rule == n).expect("rule line");
    assert_eq!((line("once").counted, line("once").limited), (1, 1));
    assert_eq!(
        (line("two a day").counted, line("two a day").limited),
        (3, 1)
    );
    assert_eq!(
        (line("one a week").counted, line("one a week").limited),
        (2, 1)
    );
}

#[test]
fn groups_total_their_rules_within_their_bounds() {
    let m = model(
        r#"
[[groups]]
name = "crm"
max = 25
[[groups]]
name = "bi"
[[fit]]
name = "f"
when = "company_size > 10"
points = 10
group = "crm"
[[engagement]]
name = "crm pages"
event = "page"
when = 'path starts_with "/crm"'
points = 10
group = "crm"
[[engagement]]
name = "bi pages"
event = "page"
when = 'path starts_with "/bi"'
points = 3
group = "bi"
"#,
    );
    let s = state(
        &m,
        &[
            page(1, "/crm", at(0.0)),
            page(2, "/crm/x", at(0.0)),
            page(3, "/bi", at(0.0)),
        ],
    );
    let score = m.score(
        &Profile::new("L1").with("company_size", 50.0),
        &s,
        None,
        at(0.0),
    );
    assert_eq!(score.groups[..], [25.0, 3.0]);
    assert_eq!(score.total, 10.0 + 23.0);
}

#[test]
fn bant_grades_and_stages_follow_the_model() {
    let m = model(
        r#"
[grades]
fit = { A = 30, B = 20, C = 10 }
engagement = { 1 = 30, 2 = 20, 3 = 10 }
hot = ["A1", "A2"]
[bant]
budget = "budget >= 1000"
authority = 'seniority in ["director", "vp"]'
need = "need is present"
timeline = 'timeline == "now"'
[[fit]]
name = "bant"
when = "bant >= 3"
points = 35
[[engagement]]
name = "e"
event = "page"
points = 10
[[stages]]
name = "iql"
when = "email.valid"
[[stages]]
name = "mql"
when = "hot and bant.budget"
[[stages]]
name = "customer"
manual = true
"#,
    );
    let p = Profile::new("L1")
        .with("email", "an.nguyen@minhphat.vn")
        .with("budget", 5000.0)
        .with("seniority", "Director")
        .with("timeline", "now");
    let s = state(&m, &[page(1, "/", at(0.0)), page(2, "/", at(0.0))]);
    let score = m.score(&p, &s, None, at(0.0));
    assert_eq!((score.bant, score.bant_bits), (3, 0b1011));
    assert_eq!(score.cell(), "A2");
    assert!(score.hot);
    assert_eq!(score.stage_name(&m), "mql");

    let cold = m.score(
        &p.clone().with("budget", 10.0),
        &LeadState::new(&m),
        None,
        at(0.0),
    );
    assert_eq!(cold.cell(), "D4");
    assert_eq!(cold.stage_name(&m), "iql");

    let manual = m.score(
        &p.with("stage", "customer"),
        &LeadState::new(&m),
        None,
        at(0.0),
    );
    assert_eq!(manual.stage_name(&m), "customer");
    assert!(
        manual.manual_stage,
        "a stage set by a person is never overridden by rules"
    );
}

#[test]
fn email_quality_feeds_conditions() {
    let m = model(
        r#"
[[fit]]
name = "company"
when = "email.corporate"
points = 10
[[fit]]
name = "junk"
when = 'email.quality in ["invalid", "disposable"]'
points = -20
[[fit]]
name = "role"
when = "email.role"
points = -5
"#,
    );
    let s = LeadState::new(&m);
    let fit = |email: &str| {
        m.score(&Profile::new("L").with("email", email), &s, None, at(0.0))
            .fit
    };
    assert_eq!(fit("linh.tran@saigonlogistics.vn"), 10.0);
    assert_eq!(fit("abc@"), -20.0);
    assert_eq!(fit("x@mailinator.com"), -20.0);
    assert_eq!(
        fit("info@saigonlogistics.vn"),
        10.0 - 5.0,
        "a role account at a company domain is still corporate"
    );
    assert_eq!(fit("linh@gmail.com"), 0.0);
}

#[test]
fn signals_use_aggregates_and_inactivity() {
    let m = model(
        r#"
[[aggregates]]
name = "visits"
kind = "sessions"
window = "7d"
[[aggregates]]
name = "back"
kind = "reactivated"
window = "7d"
dormant = "30d"
[[signals]]
name = "burst"
when = "agg.visits >= 3"
points = 10
[[signals]]
name = "back"
when = "agg.back == 1"
points = 8
[[signals]]
name = "quiet"
when = "days_since_activity > 60"
points = -10
"#,
    );
    let mut events = vec![page(1, "/", at(0.0))];
    for (i, d) in [40.0, 41.0, 42.0].into_iter().enumerate() {
        let mut e = page(10 + i, "/", at(d));
        e.properties
            .set("session_id", Value::from(format!("s{i}").as_str()));
        events.push(e);
    }
    let s = state(&m, &events);
    let p = Profile::new("L1");
    assert_eq!(
        m.score(&p, &s, None, at(42.5)).engagement,
        18.0,
        "burst + back after 40 quiet days"
    );
    assert_eq!(
        m.score(&p, &s, None, at(60.0)).engagement,
        0.0,
        "both out of their windows"
    );
    assert_eq!(
        m.score(&p, &s, None, at(103.0)).engagement,
        -10.0,
        "quiet for more than 60 days"
    );
}

#[test]
fn account_aggregates_count_active_contacts() {
    let m = model(
        r#"
[[aggregates]]
name = "active"
kind = "contacts"
scope = "account"
window = "14d"
[[signals]]
name = "committee"
when = "account.active >= 3"
points = 15
"#,
    );
    let states: Vec<LeadState> = (0..4)
        .map(|i| state(&m, &[page(i, "/", at(f64::from(i as u8) * 5.0))]))
        .collect();
    let refs: Vec<&LeadState> = states.iter().collect();
    let values = account_values(&m, &refs, at(16.0));
    assert_eq!(
        values,
        vec![3.0],
        "contacts active on days 5, 10 and 15 of the last 14"
    );
    let p = Profile::new("L1");
    assert_eq!(
        m.score(&p, &states[0], Some(&values), at(16.0)).engagement,
        15.0
    );
    assert_eq!(
        m.score(&p, &states[0], None, at(16.0)).engagement,
        0.0,
        "alone, a lead is one contact"
    );
}

#[test]
fn explanation_adds_up_to_the_score() {
    let m = Model::from_toml(include_str!("../../../examples/b2b-saas.toml"))
        .expect("example is valid");
    let p = Profile::new("L1")
        .with("seniority", "director")
        .with("company_size", 300.0)
        .with("industry", "Software")
        .with("country", "VN")
        .with("email", "an@minhphat.vn");
    let s = state(
        &m,
        &[
            page(1, "/pricing", at(0.0)),
            page(2, "/demo", at(1.0)),
            ev(3, "Webinar Attended", at(2.0)),
        ],
    );
    let (score, ex) = m.explain(&p, &s, None, at(3.0));
    let fit: f64 = ex
        .lines
        .iter()
        .filter(|l| l.kind == "fit")
        .map(|l| l.points)
        .sum();
    let eng: f64 = ex
        .lines
        .iter()
        .filter(|l| l.kind != "fit")
        .map(|l| l.points)
        .sum();
    assert_eq!(score.fit, fit);
    assert!((score.engagement - eng).abs() < 1e-9);
    assert_eq!(score.reasons[0].name(&m), "Decision maker");
}
