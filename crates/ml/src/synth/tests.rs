use super::people::{NAME_COMBOS, NAME_STRIDE};
use super::vocab;
use super::*;
use leadscore_core::{EventKind, Value};
use std::collections::{HashMap, HashSet};

fn small() -> SynthConfig {
    SynthConfig {
        leads: 400,
        ..SynthConfig::default()
    }
}

/// Which block an event belongs to: its lead, found through the user id or
/// through the cookie the lead identified with, else its visitor cookie.
fn owners(data: &SynthData) -> Vec<String> {
    let mut anon_to_user = HashMap::new();
    for e in &data.events {
        if let (Some(u), Some(a)) = (&e.user_id, &e.anonymous_id) {
            anon_to_user.insert(a.clone(), u.clone());
        }
    }
    data.events
        .iter()
        .map(|e| match (&e.user_id, &e.anonymous_id) {
            (Some(u), _) => u.to_string(),
            (None, Some(a)) => anon_to_user
                .get(a)
                .map_or_else(|| format!("visitor {a}"), |u| u.to_string()),
            (None, None) => panic!("event {} has no id", e.message_id),
        })
        .collect()
}

fn pricing_views(data: &SynthData) -> HashMap<String, usize> {
    let owner = owners(data);
    let mut views = HashMap::new();
    for (e, o) in data.events.iter().zip(owner) {
        if matches!(
            e.properties.get("path").as_str(),
            Some("/pricing" | "/vi/bang-gia")
        ) {
            *views.entry(o).or_insert(0) += 1;
        }
    }
    views
}

#[test]
fn same_config_same_data() {
    let cfg = small();
    assert_eq!(generate(&cfg), generate(&cfg));
    let other = generate(&SynthConfig { seed: 7, ..small() });
    assert_ne!(generate(&cfg).events, other.events);
}

#[test]
fn chunks_concatenate_to_the_whole() {
    let cfg = SynthConfig {
        leads: 1_500,
        events_per_lead: 6.0,
        ..SynthConfig::default()
    };
    let whole = generate(&cfg);
    let mut parts = SynthData::default();
    let n = cfg.companies();
    for range in [0..1, 1..40, 40..300, 300..n] {
        parts.append(generate_companies(&cfg, range));
    }
    assert_eq!(whole, parts);
}

#[test]
fn sizes_follow_the_config() {
    let cfg = SynthConfig::default();
    let data = generate(&cfg);
    let leads = data.profiles.len() as f64;
    assert!(
        (leads / cfg.leads as f64 - 1.0).abs() < 0.1,
        "{leads} leads"
    );
    assert_eq!(data.outcomes.len(), data.profiles.len());
    let per_lead = data.events.len() as f64 / leads;
    assert!(
        (per_lead / cfg.events_per_lead - 1.0).abs() < 0.15,
        "{per_lead} events per lead"
    );
    for (p, o) in data.profiles.iter().zip(&data.outcomes) {
        assert_eq!(p.id, o.lead_id);
    }
    let tiny = generate(&SynthConfig {
        leads: 1,
        events_per_lead: 1.0,
        ..SynthConfig::default()
    });
    assert_eq!(tiny.profiles.len(), 1);
    assert!(!tiny.events.is_empty());
    let empty = generate(&SynthConfig {
        leads: 0,
        ..SynthConfig::default()
    });
    assert!(empty.profiles.is_empty() && empty.events.is_empty());
}

#[test]
fn ids_are_unique() {
    let data = generate(&SynthConfig::default());
    let leads: HashSet<_> = data.profiles.iter().map(|p| &p.id).collect();
    assert_eq!(leads.len(), data.profiles.len());
    let messages: HashSet<_> = data.events.iter().map(|e| &e.message_id).collect();
    assert_eq!(messages.len(), data.events.len());
    // One domain per company name and vice versa.
    let mut domain_of = HashMap::new();
    let mut name_of = HashMap::new();
    for p in &data.profiles {
        if let (Some(c), Some(a)) = (p.get("company").as_str(), p.get("account").as_str()) {
            assert_eq!(*domain_of.entry(c.to_string()).or_insert(a.to_string()), a);
            let company = &p.id[1..7];
            assert_eq!(
                *name_of.entry(a.to_string()).or_insert(company.to_string()),
                company
            );
        }
    }
}

#[test]
fn company_names_walk_all_combinations() {
    let gcd = |mut a: u64, mut b: u64| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    assert_eq!(gcd(NAME_STRIDE, NAME_COMBOS as u64), 1);
    let mut slugs = HashSet::new();
    for (_, a) in vocab::VN_NAME_A {
        for (_, b) in vocab::VN_NAME_B {
            assert!(slugs.insert(format!("{a}{b}")));
        }
    }
    for (_, a) in vocab::EN_NAME_A {
        for (_, b, _) in vocab::EN_NAME_B {
            assert!(slugs.insert(format!("{a}{b}")));
        }
    }
    // Past the first round of names a numeric suffix keeps domains apart.
    let cfg = SynthConfig::default();
    let plan = Plan::new(&cfg);
    let domains: HashSet<_> = (0..3 * NAME_COMBOS)
        .map(|i| people::company(&mut company_rng(cfg.seed, i), &plan, i).domain)
        .map(|d| d.split('.').next().map(str::to_string))
        .collect();
    assert_eq!(domains.len(), 3 * NAME_COMBOS);
}

#[test]
fn lead_blocks_are_contiguous_and_ordered() {
    let cfg = SynthConfig::default();
    let data = generate(&cfg);
    let owner = owners(&data);
    let mut seen = HashSet::new();
    let start = cfg.end.0 - i64::from(cfg.days) * DAY_MS;
    for i in 0..data.events.len() {
        let t = data.events[i].timestamp;
        assert!(t.0 >= start && t <= cfg.end, "{t} outside the window");
        if i > 0 && owner[i] == owner[i - 1] {
            assert!(
                data.events[i - 1].timestamp <= t,
                "{} goes back in time",
                owner[i]
            );
        } else {
            assert!(seen.insert(owner[i].clone()), "{} has two blocks", owner[i]);
        }
    }
    // Every lead has a block.
    for p in &data.profiles {
        assert!(seen.contains(p.id.as_str()), "{} has no events", p.id);
    }
}

#[test]
fn anonymous_history_is_linked_by_identify() {
    let data = generate(&SynthConfig::default());
    let identifies: Vec<_> = data
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Identify)
        .collect();
    let share = identifies.len() as f64 / data.profiles.len() as f64;
    assert!((0.5..0.7).contains(&share), "{share} of leads identify");
    for e in &identifies {
        assert!(e.user_id.is_some() && e.anonymous_id.is_some());
        assert!(e.traits.0.iter().all(|(k, _)| k == "email" || k == "name"));
        let a = e.anonymous_id.as_deref().unwrap_or_default();
        assert!(a.starts_with("GA1.2.") && a.len() == 27, "{a}");
    }
    let anonymous_only = data
        .events
        .iter()
        .filter(|e| e.user_id.is_none() && e.anonymous_id.is_some())
        .count();
    assert!(anonymous_only > data.profiles.len());
    assert!(data.events.iter().all(|e| e.session().is_some()));
}

#[test]
fn attribute_keys_are_sorted() {
    assert!(people::KEYS.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn profiles_use_the_documented_attributes() {
    let data = generate(&SynthConfig::default());
    let allowed = [
        "name",
        "email",
        "phone",
        "job_title",
        "seniority",
        "department",
        "company",
        "account",
        "industry",
        "company_size",
        "country",
        "city",
        "budget",
        "timeline",
        "need",
        "lead_source",
        "marketing_consent",
        "created_at",
        "sales_status",
    ];
    let mut present: HashMap<String, usize> = HashMap::new();
    for p in &data.profiles {
        for (k, v) in &p.attributes {
            assert!(allowed.contains(&k.as_str()), "unexpected attribute {k}");
            assert!(v.is_present());
            *present.entry(k.to_string()).or_insert(0) += 1;
        }
        assert!(matches!(p.get("company_size"), Value::Num(_) | Value::Null));
        assert!(matches!(
            p.get("marketing_consent"),
            Value::Bool(_) | Value::Null
        ));
        if let Some(c) = p.get("created_at").as_str() {
            assert!(leadscore_core::Timestamp::parse(c).is_ok());
        }
    }
    let n = data.profiles.len() as f64;
    let share = |k: &str| present.get(k).copied().unwrap_or(0) as f64 / n;
    assert!(
        (0.6..0.8).contains(&share("phone")),
        "phone {}",
        share("phone")
    );
    assert!(
        (0.3..0.5).contains(&share("budget")),
        "budget {}",
        share("budget")
    );
    assert!(
        (0.4..0.6).contains(&share("timeline")),
        "timeline {}",
        share("timeline")
    );
    assert!(
        (0.9..1.0).contains(&share("email")),
        "email {}",
        share("email")
    );
    assert!(share("sales_status") < 0.15);
    assert_eq!(share("created_at"), 1.0);
    let vn = data
        .profiles
        .iter()
        .filter(|p| p.get("country").as_str() == Some("VN"))
        .count();
    assert!((0.5..0.7).contains(&(vn as f64 / n / share("country"))));
}

#[test]
fn conversion_follows_engagement_and_fit() {
    let data = generate(&SynthConfig::default());
    let converted = data.outcomes.iter().filter(|o| o.converted).count();
    let rate = converted as f64 / data.outcomes.len() as f64;
    assert!((0.08..=0.15).contains(&rate), "conversion rate {rate}");
    let views = pricing_views(&data);
    let mean = |want: bool| {
        let group: Vec<_> = data
            .outcomes
            .iter()
            .filter(|o| o.converted == want)
            .collect();
        let total: usize = group
            .iter()
            .map(|o| views.get(o.lead_id.as_str()).copied().unwrap_or(0))
            .sum();
        total as f64 / group.len() as f64
    };
    let (yes, no) = (mean(true), mean(false));
    assert!(
        yes > 1.5 * no,
        "pricing views: converters {yes}, others {no}"
    );
    // Fit shows too: corporate addresses convert more than free mail.
    let rate_of = |f: &dyn Fn(&str) -> bool| {
        let group: Vec<_> = data
            .profiles
            .iter()
            .zip(&data.outcomes)
            .filter(|(p, _)| p.get("email").as_str().is_some_and(f))
            .collect();
        group.iter().filter(|(_, o)| o.converted).count() as f64 / group.len() as f64
    };
    let free = rate_of(&|e| e.ends_with("@gmail.com"));
    let corporate = rate_of(&|e| {
        !vocab::FREE_MAIL.iter().any(|(d, _)| e.ends_with(d))
            && !vocab::DISPOSABLE_MAIL.iter().any(|d| e.ends_with(d))
            && e.contains('.')
    });
    assert!(corporate > free, "corporate {corporate}, free {free}");
}

#[test]
fn some_leads_go_dormant_and_come_back() {
    let data = generate(&SynthConfig::default());
    let owner = owners(&data);
    let mut comebacks = HashSet::new();
    for i in 1..data.events.len() {
        let gap = data.events[i].timestamp.since(data.events[i - 1].timestamp);
        if owner[i] == owner[i - 1] && gap >= 45 * DAY_MS {
            comebacks.insert(owner[i].clone());
        }
    }
    let share = comebacks.len() as f64 / data.profiles.len() as f64;
    assert!((0.03..0.5).contains(&share), "{share} come back");
}

#[test]
fn property_vectors_are_exactly_sized() {
    // Page views dominate the data; a spare slot each would cost ~10% memory.
    let data = generate(&small());
    for e in &data.events {
        assert_eq!(
            e.properties.0.len(),
            e.properties.0.capacity(),
            "{}",
            e.name
        );
    }
}

#[test]
fn sessions_are_short_and_small() {
    let data = generate(&small());
    let mut sessions: HashMap<&str, (i64, i64, usize)> = HashMap::new();
    for e in &data.events {
        let s = sessions
            .entry(e.session().and_then(|v| v.as_str()).unwrap_or_default())
            .or_insert((i64::MAX, 0, 0));
        s.0 = s.0.min(e.timestamp.0);
        s.1 = s.1.max(e.timestamp.0);
        s.2 += 1;
    }
    for (id, (first, last, n)) in sessions {
        assert!(last - first <= 31 * 60_000, "session {id} lasts too long");
        assert!(n <= 9, "session {id} has {n} events");
    }
}

/// Measures generation speed; run with
/// `cargo test --release -p leadscore-ml synth::tests::speed -- --ignored --nocapture`.
///
/// The first run pays for fresh memory from the kernel (about 470 bytes an
/// event); the second reuses what the first freed, as chunked generation does.
#[test]
#[ignore]
fn speed() {
    let cfg = SynthConfig {
        leads: 50_000,
        events_per_lead: 20.0,
        ..SynthConfig::default()
    };
    let mut events = 0;
    for run in ["one core, cold", "one core, warm"] {
        let t = std::time::Instant::now();
        let data = generate_companies(&cfg, 0..cfg.companies());
        let secs = t.elapsed().as_secs_f64();
        events = data.events.len();
        let leads = data.profiles.len();
        let converted = data.outcomes.iter().filter(|o| o.converted).count();
        println!(
            "{run}: {leads} leads, {events} events ({:.2}/lead), {:.1}% converted, {secs:.3}s = {:.2}M events/s",
            events as f64 / leads as f64,
            100.0 * converted as f64 / leads as f64,
            events as f64 / secs / 1e6
        );
    }
    let t = std::time::Instant::now();
    let data = generate(&cfg);
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(data.events.len(), events);
    println!(
        "generate() on {} threads: {secs:.3}s = {:.2}M events/s",
        rayon::current_num_threads(),
        events as f64 / secs / 1e6
    );
}
