//! As time passes, re-scoring only the leads whose review time has come keeps
//! every stored total within the tolerance of a full recompute.

use leadscore_core::engine::LeadState;
use leadscore_core::model::Model;
use leadscore_core::ranking::Ranking;
use leadscore_core::{Event, Profile, Timestamp, Value};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
const START: i64 = 1_780_000_000_000;
const TOLERANCE: f64 = 0.5;
/// Reads every 30 minutes for three days.
const STEPS: i64 = 144;

/// A small deterministic generator, so the test needs no data files.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn lead(rng: &mut Lcg, i: usize) -> (Profile, Vec<Event>) {
    let seniority =
        ["c-level", "director", "manager", "individual", "student"][rng.next(5) as usize];
    let profile = Profile::new(format!("L{i}"))
        .with("seniority", seniority)
        .with("company_size", rng.next(3000) as f64)
        .with("country", if rng.next(2) == 0 { "VN" } else { "TH" });
    let names = [
        "page",
        "Email Opened",
        "Email Clicked",
        "Form Submitted",
        "Webinar Attended",
        "Asset Downloaded",
    ];
    let paths = [
        "/",
        "/pricing",
        "/demo",
        "/product/analytics",
        "/careers",
        "/blog/x",
    ];
    let n = rng.next(30);
    let events = (0..n)
        .map(|k| {
            let t = Timestamp(START - rng.next(60) as i64 * DAY - rng.next(DAY as u64) as i64);
            let name = names[rng.next(names.len() as u64) as usize];
            let mut e = Event::track(&format!("m{i}-{k}"), &format!("L{i}"), name, t);
            e.properties.set(
                "path",
                Value::from(paths[rng.next(paths.len() as u64) as usize]),
            );
            e.properties.set(
                "form",
                Value::from(if rng.next(2) == 0 { "demo" } else { "contact" }),
            );
            e.properties.set("category", Value::from("case-study"));
            e
        })
        .collect();
    (profile, events)
}

#[test]
fn refreshing_due_leads_tracks_the_exact_ranking() {
    let model =
        Model::from_toml(include_str!("../../../examples/b2b-saas.toml")).expect("valid example");
    let mut rng = Lcg(7);
    let leads: Vec<(Profile, LeadState)> = (0..400)
        .map(|i| {
            let (p, events) = lead(&mut rng, i);
            let mut s = LeadState::new(&model);
            for e in &events {
                s.apply(&model, e);
            }
            (p, s)
        })
        .collect();

    let mut ranking = Ranking::new();
    let t0 = Timestamp(START);
    for (i, (p, s)) in leads.iter().enumerate() {
        let score = model.score(p, s, None, t0);
        ranking.upsert(
            i as u32,
            score.total,
            model.next_review(s, &score, TOLERANCE),
        );
    }

    let mut rescored = 0;
    for step in 1..=STEPS {
        let now = Timestamp(START + step * HOUR / 2);
        let due = ranking.due(now);
        rescored += due.len();
        for lead in due {
            let (p, s) = &leads[lead as usize];
            let score = model.score(p, s, None, now);
            ranking.upsert(lead, score.total, model.next_review(s, &score, TOLERANCE));
        }
        for (i, (p, s)) in leads.iter().enumerate() {
            let exact = model.score(p, s, None, now).total;
            let stored = ranking.total(i as u32).expect("every lead is ranked");
            assert!(
                (exact - stored).abs() <= TOLERANCE + 1e-9,
                "lead {i} at step {step}: stored {stored}, exact {exact}"
            );
        }
    }
    // The point of the review times: far fewer re-scores than recomputing
    // every lead at every read.
    let share = rescored as f64 / (STEPS as usize * leads.len()) as f64;
    eprintln!(
        "re-scored {rescored} of {} lead reads ({:.0}%)",
        STEPS as usize * leads.len(),
        share * 100.0
    );
    assert!(share < 0.15, "re-scored {rescored} times");
}
