//! Replaying history under a rule model: every lead's events are applied in
//! time order to the engine's incremental state, the lead is scored at each
//! of its events, and the week it first reaches the `mql` stage (and a
//! total line) is recorded. Per week: the new MQLs and how many of them
//! sales later accepted and won, so two models can be judged on the leads
//! they would have sent.

use crate::history::Feedback;
use leadscore_core::dataset::Dataset;
use leadscore_core::engine::{LeadState, MANUAL_STAGE_ATTRIBUTE, Scratch, account_values};
use leadscore_core::model::Model;
use leadscore_core::time::DAY_MS;
use leadscore_core::{Profile, Timestamp};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// Profile attributes that sales feedback writes (the verdict and a manual
/// stage). The replay leaves them out: they come from the outcome being
/// measured and would otherwise decide stages in hindsight.
pub const FEEDBACK_ATTRIBUTES: [&str; 2] = ["sales_status", MANUAL_STAGE_ATTRIBUTE];

/// One week of a line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Week {
    /// The Monday the week starts on (`2026-03-16`), or `total`.
    pub week: String,
    /// Leads that first passed the line this week.
    pub new: usize,
    /// Of them, accepted by sales as SQLs (feedback `accepted`).
    pub sql: usize,
    /// Of them, won (feedback `won`).
    pub won: usize,
    /// `sql / new`.
    pub sql_rate: Option<f64>,
    /// `won / new`.
    pub won_rate: Option<f64>,
}

impl Week {
    fn new(week: String, new: usize, sql: usize, won: usize) -> Week {
        let rate = |n: usize| (new > 0).then(|| n as f64 / new as f64);
        Week {
            week,
            new,
            sql,
            won,
            sql_rate: rate(sql),
            won_rate: rate(won),
        }
    }
}

/// A line (the `mql` stage, or a total) week by week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// `stage mql` or `total >= 40`.
    pub line: String,
    /// Every week of the history, oldest first, weeks without new leads
    /// included.
    pub weeks: Vec<Week>,
    /// All weeks together.
    pub total: Week,
    /// Leads past the line per week, on average.
    pub per_week: f64,
}

/// One model's replay.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelReplay {
    /// The model's name and version label.
    pub model: String,
    /// Its lines.
    pub lines: Vec<Line>,
}

/// The replay of one or more models over the same history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replay {
    /// Leads in the history.
    pub leads: usize,
    /// Events applied: those of the leads (a never-identified visitor's
    /// events belong to no lead).
    pub events: usize,
    /// Weeks replayed.
    pub weeks: usize,
    /// Leads sales accepted as SQLs, whatever the models said.
    pub sql_leads: usize,
    /// Leads won.
    pub won_leads: usize,
    /// One replay per model.
    pub models: Vec<ModelReplay>,
}

fn week_label(week: i64) -> String {
    Timestamp((week * 7 - 3) * DAY_MS).to_string()[..10].to_owned()
}

/// The stage index of `mql`, if the model has one.
fn mql_stage(model: &Model) -> Option<u16> {
    model
        .stages
        .iter()
        .position(|s| s.name.eq_ignore_ascii_case("mql"))
        .map(|i| i as u16)
}

/// The week each lead first passed each line (stage `mql` or later, then
/// `threshold`), `None` if never.
fn first_weeks(model: &Model, ds: &Dataset, threshold: Option<f64>) -> Vec<[Option<i64>; 2]> {
    let profiles: Vec<Profile> = ds
        .profiles
        .iter()
        .map(|p| {
            let mut p = p.clone();
            for a in FEEDBACK_ATTRIBUTES {
                p.attributes.remove(a);
            }
            p
        })
        .collect();
    let mql = mql_stage(model);
    let mut order: Vec<(Timestamp, u32, u32)> = ds
        .lead_events
        .iter()
        .enumerate()
        .flat_map(|(lead, list)| {
            list.iter()
                .map(move |&e| (ds.events[e as usize].timestamp, lead as u32, e))
        })
        .collect();
    order.sort_unstable();
    let members = ds.account_members();
    let accounts = model.has_account_aggregates();
    let mut states: Vec<LeadState> = vec![LeadState::new(model); ds.profiles.len()];
    let mut first: Vec<[Option<i64>; 2]> = vec![[None; 2]; ds.profiles.len()];
    let wanted = [mql.is_some(), threshold.is_some()];
    let done = |f: &[Option<i64>; 2]| (0..2).all(|k| !wanted[k] || f[k].is_some());
    let mut scratch = Scratch::default();
    let check = |scratch: &mut Scratch,
                 first: &mut [Option<i64>; 2],
                 profile: &Profile,
                 state: &LeadState,
                 values: Option<&[f64]>,
                 t: Timestamp| {
        if done(first) {
            return;
        }
        let s = model.score_with(scratch, profile, state, values, t);
        let passed = [
            mql.is_some_and(|m| s.stage >= m && !model.stages[usize::from(s.stage)].manual),
            threshold.is_some_and(|x| s.total >= x),
        ];
        for k in 0..2 {
            if passed[k] && first[k].is_none() {
                first[k] = Some(t.week());
            }
        }
    };
    let team_values = |states: &[LeadState], team: &[u32], t: Timestamp| {
        let contacts: Vec<&LeadState> = team.iter().map(|&m| &states[m as usize]).collect();
        account_values(model, &contacts, t)
    };
    for &(t, lead, e) in &order {
        let lead = lead as usize;
        let Some(team) = ds.lead_account[lead]
            .filter(|_| accounts)
            .map(|a| &members[a as usize])
        else {
            states[lead].apply(model, &ds.events[e as usize]);
            check(
                &mut scratch,
                &mut first[lead],
                &profiles[lead],
                &states[lead],
                None,
                t,
            );
            continue;
        };
        // A contact's event can move its account's signals and so its
        // team mates' scores: they are scored again when it did.
        let mates = team
            .iter()
            .any(|&m| m as usize != lead && !done(&first[m as usize]));
        let before = mates.then(|| team_values(&states, team, t));
        states[lead].apply(model, &ds.events[e as usize]);
        if !mates && done(&first[lead]) {
            continue;
        }
        let values = team_values(&states, team, t);
        let moved = before.is_some_and(|b| b != values);
        for &m in team {
            let m = m as usize;
            if m == lead || moved {
                check(
                    &mut scratch,
                    &mut first[m],
                    &profiles[m],
                    &states[m],
                    Some(&values),
                    t,
                );
            }
        }
    }
    first
}

/// Replays `ds` under each model; `feedback` says which leads sales
/// accepted and won. Weeks span the leads' first to last event.
pub fn replay(
    models: &[&Model],
    ds: &Dataset,
    feedback: &[Feedback],
    threshold: Option<f64>,
) -> Replay {
    let ids_of = |kind: &str| -> HashSet<&str> {
        feedback
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| f.lead_id.as_str())
            .collect()
    };
    let (sql, won) = (ids_of("accepted"), ids_of("won"));
    let known: HashSet<&str> = ds.profiles.iter().map(|p| p.id.as_str()).collect();
    let span = ds
        .lead_events
        .iter()
        .flatten()
        .map(|&i| ds.events[i as usize].timestamp.week());
    let (lo, hi) = (span.clone().min(), span.max());
    let weeks: Vec<i64> = match (lo, hi) {
        (Some(lo), Some(hi)) => (lo..=hi).collect(),
        _ => Vec::new(),
    };
    let models_out = models
        .iter()
        .map(|model| {
            let first = first_weeks(model, ds, threshold);
            let mut names = Vec::new();
            if mql_stage(model).is_some() {
                names.push((0, "stage mql".to_owned()));
            }
            if let Some(x) = threshold {
                names.push((1, format!("total >= {x}")));
            }
            let lines = names
                .into_iter()
                .map(|(k, line)| {
                    let mut by_week: BTreeMap<i64, (usize, usize, usize)> = BTreeMap::new();
                    for (lead, f) in first.iter().enumerate() {
                        if let Some(w) = f[k] {
                            let id = ds.profiles[lead].id.as_str();
                            let slot = by_week.entry(w).or_default();
                            slot.0 += 1;
                            slot.1 += usize::from(sql.contains(id));
                            slot.2 += usize::from(won.contains(id));
                        }
                    }
                    let rows: Vec<Week> = weeks
                        .iter()
                        .map(|w| {
                            let (n, s, x) = by_week.get(w).copied().unwrap_or_default();
                            Week::new(week_label(*w), n, s, x)
                        })
                        .collect();
                    let sum = |f: fn(&Week) -> usize| rows.iter().map(f).sum::<usize>();
                    let total = Week::new(
                        "total".into(),
                        sum(|w| w.new),
                        sum(|w| w.sql),
                        sum(|w| w.won),
                    );
                    Line {
                        line,
                        per_week: total.new as f64 / rows.len().max(1) as f64,
                        weeks: rows,
                        total,
                    }
                })
                .collect();
            ModelReplay {
                model: format!("{} {}", model.name, model.version),
                lines,
            }
        })
        .collect();
    Replay {
        leads: ds.profiles.len(),
        events: ds.lead_events.iter().map(Vec::len).sum(),
        weeks: weeks.len(),
        sql_leads: sql.iter().filter(|id| known.contains(*id)).count(),
        won_leads: won.iter().filter(|id| known.contains(*id)).count(),
        models: models_out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadscore_core::Event;

    fn model(mql_at: f64) -> Model {
        Model::from_toml(&format!(
            r#"
[model]
name = "replay"
version = "{mql_at}"

[[engagement]]
name = "demo"
event = "Demo Requested"
points = 30

[[engagement]]
name = "visit"
event = "page"
points = 5

[[stages]]
name = "mql"
when = "engagement >= {mql_at}"

[[stages]]
name = "sql"
when = 'sales_status == "accepted"'

[[stages]]
name = "customer"
manual = true
"#
        ))
        .unwrap()
    }

    #[test]
    fn a_small_history_gives_exact_weekly_mqls_and_rates() {
        // Monday 2026-03-02; weeks of 2026-03-02, 03-09 and 03-16.
        let monday = Timestamp::parse("2026-03-02T09:00:00Z").unwrap().0;
        let at = |d: i64| Timestamp(monday + d * DAY_MS);
        let ev = |i: usize, lead: &str, name: &str, d: i64| {
            Event::track(&format!("m{i}"), lead, name, at(d))
        };
        let events = vec![
            ev(1, "a", "Demo Requested", 0),
            ev(2, "b", "page", 1),
            ev(3, "b", "page", 8),
            ev(4, "b", "page", 9),
            ev(5, "c", "Demo Requested", 15),
            ev(6, "d", "page", 16),
        ];
        // `d` is already marked won and in a manual stage: the replay must
        // not let that decide its stage.
        let profiles = vec![
            Profile::new("a"),
            Profile::new("b"),
            Profile::new("c"),
            Profile::new("d")
                .with("sales_status", "accepted")
                .with("stage", "customer"),
        ];
        let ds = Dataset::assemble(profiles, events);
        let fb = |lead: &str, kind: &str| Feedback {
            lead_id: lead.into(),
            kind: kind.into(),
            at: at(20),
        };
        let feedback = vec![
            fb("a", "accepted"),
            fb("a", "won"),
            fb("b", "accepted"),
            fb("d", "won"),
        ];
        let strict = model(30.0);
        let loose = model(10.0);
        let r = replay(&[&strict, &loose], &ds, &feedback, Some(15.0));
        assert_eq!(
            (r.leads, r.events, r.weeks, r.sql_leads, r.won_leads),
            (4, 6, 3, 2, 2)
        );
        let news = |m: usize, l: usize| -> Vec<usize> {
            r.models[m].lines[l].weeks.iter().map(|w| w.new).collect()
        };
        // Strict: a (week 1) and c (week 3); b never reaches 30.
        assert_eq!(news(0, 0), vec![1, 0, 1]);
        // Loose: a in week 1, b at its second page in week 2, c in week 3.
        assert_eq!(news(1, 0), vec![1, 1, 1]);
        // Total >= 15: a, b at its third page (week 2), c.
        assert_eq!(news(0, 1), vec![1, 1, 1]);
        let t = &r.models[0].lines[0].total;
        assert_eq!((t.new, t.sql, t.won), (2, 1, 1));
        assert_eq!(t.sql_rate, Some(0.5));
        let t = &r.models[1].lines[0].total;
        assert_eq!((t.new, t.sql, t.won), (3, 2, 1));
        assert_eq!(r.models[0].lines[0].weeks[0].week, "2026-03-02");
        assert_eq!(r.models[0].lines[0].weeks[1].sql_rate, None);
    }

    #[test]
    fn a_colleague_s_event_can_make_a_lead_an_mql_that_week() {
        let m = Model::from_toml(
            r#"
[model]
name = "team"
version = "1"

[[aggregates]]
name = "team_14d"
kind = "contacts"
scope = "account"
window = "14d"

[[stages]]
name = "mql"
when = "account.team_14d >= 2"
"#,
        )
        .unwrap();
        let monday = Timestamp::parse("2026-03-02T09:00:00Z").unwrap().0;
        let at = |d: i64| Timestamp(monday + d * DAY_MS);
        let ev = |i: usize, lead: &str, d: i64| Event::track(&format!("m{i}"), lead, "page", at(d));
        let profiles = vec![
            Profile::new("x").with("account", "acme"),
            Profile::new("y").with("account", "acme"),
            Profile::new("z").with("account", "other"),
        ];
        // x is active in week 1 alone; y joins in week 2, which makes both
        // MQLs then, though x has no event of its own that week.
        let ds = Dataset::assemble(profiles, vec![ev(1, "x", 0), ev(2, "z", 1), ev(3, "y", 8)]);
        let r = replay(&[&m], &ds, &[], None);
        let news: Vec<usize> = r.models[0].lines[0].weeks.iter().map(|w| w.new).collect();
        assert_eq!(news, vec![0, 2]);
    }
}
