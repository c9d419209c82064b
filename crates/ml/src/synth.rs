//! Synthetic leads, behaviour and outcomes for demos, tests and benchmarks.
//!
//! The data imitates the funnel of a Vietnamese-first software company:
//! companies and their contacts, anonymous web visits that later identify
//! themselves, months of page views, e-mails, forms and webinars, and for
//! each lead a hidden propensity from which the outcome is drawn. Because
//! both the outcome and the visible behaviour follow from the same fit and
//! latent intent, a good scoring model ranks converters visibly higher.
//!
//! Every company draws from its own random stream, seeded from the
//! configuration's seed and the company's index, so any range of companies
//! can be generated on its own (in parallel, or streamed in chunks) and the
//! chunks concatenate to exactly what [`generate`] returns.

mod behaviour;
mod people;
#[cfg(test)]
mod tests;
mod vocab;

use crate::logistic::sigmoid;
use leadscore_core::{Event, Profile, Timestamp, time::DAY_MS};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use smol_str::SmolStr;
use std::ops::Range;

/// The most contacts one company can have.
const MAX_CONTACTS: usize = 15;

/// Average events of a never-identified visitor (see `behaviour::visitor`),
/// taken out of the per-lead budget so totals stay near
/// `leads * events_per_lead`.
const VISITOR_EVENTS: f64 = 2.5;

/// Average extra identify events per lead: the share of leads with an
/// anonymous history.
const IDENTIFY_EVENTS: f64 = 0.6;

/// Companies per parallel task in [`generate`]: big enough to amortise the
/// task, small enough to balance two or more cores.
const CHUNK: usize = 256;

/// The most elements [`generate_companies`] reserves room for up front.
const MAX_RESERVE: usize = 1 << 24;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthConfig {
    /// Number of leads (contacts), approximately.
    pub leads: usize,
    /// Average number of events per lead, counting never-identified visitors.
    pub events_per_lead: f64,
    /// Length of the history in days, ending at `end`.
    pub days: u32,
    /// The end of the history; no event is later.
    pub end: Timestamp,
    /// Seed of all randomness.
    pub seed: u64,
    /// Extra never-identified visitors per lead (0.2: one for every five leads).
    pub anonymous_visitors: f64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            leads: 2_000,
            events_per_lead: 20.0,
            days: 180,
            // 2026-11-01T00:00:00Z
            end: Timestamp(1_793_491_200_000),
            seed: 42,
            anonymous_visitors: 0.2,
        }
    }
}

impl SynthConfig {
    /// The number of companies: one for every four leads, rounded up.
    pub fn companies(&self) -> usize {
        self.leads.div_ceil(4)
    }
}

/// Generated profiles, events and the hidden truth about each lead.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SynthData {
    /// One profile per lead, in company order.
    pub profiles: Vec<Profile>,
    /// Events; each lead's events (anonymous ones and its identify event
    /// included) form one contiguous block in time order, followed per
    /// company by the blocks of its never-identified visitors.
    pub events: Vec<Event>,
    /// One outcome per lead, in the order of `profiles`.
    pub outcomes: Vec<Outcome>,
}

impl SynthData {
    /// Appends another chunk, keeping company order.
    fn append(&mut self, mut other: SynthData) {
        self.profiles.append(&mut other.profiles);
        self.events.append(&mut other.events);
        self.outcomes.append(&mut other.outcomes);
    }
}

/// The hidden truth about one lead.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The lead (profile id and event `user_id`).
    pub lead_id: SmolStr,
    /// The probability the lead converts, from its fit and latent intent.
    pub propensity: f64,
    /// Whether it converted, drawn from `propensity`.
    pub converted: bool,
}

/// Generates the data of all companies, using all cores.
pub fn generate(cfg: &SynthConfig) -> SynthData {
    let n = cfg.companies();
    let chunks: Vec<SynthData> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| generate_companies(cfg, c * CHUNK..((c + 1) * CHUNK).min(n)))
        .collect();
    let profiles: usize = chunks.iter().map(|c| c.profiles.len()).sum();
    let events: usize = chunks.iter().map(|c| c.events.len()).sum();
    // Growing the first chunk's vectors instead of starting empty saves
    // copying it, and a large vector grows by remapping rather than copying.
    let mut chunks = chunks.into_iter();
    let mut all = chunks.next().unwrap_or_default();
    all.profiles.reserve_exact(profiles - all.profiles.len());
    all.outcomes.reserve_exact(profiles - all.outcomes.len());
    all.events.reserve_exact(events - all.events.len());
    for chunk in chunks {
        all.append(chunk);
    }
    all
}

/// Generates the data of a range of companies on the calling thread.
///
/// Each company's data depends only on the configuration and its index, so
/// consecutive ranges concatenate to the output of [`generate`].
pub fn generate_companies(cfg: &SynthConfig, companies: Range<usize>) -> SynthData {
    let plan = Plan::new(cfg);
    let mut out = SynthData::default();
    // A little over the expectation, so that the vectors rarely grow; capped,
    // as it is only a hint and the configuration may be absurd.
    let expected = companies.len() as f64 * plan.contacts_mean * 1.1;
    out.profiles.reserve((expected as usize).min(MAX_RESERVE));
    out.outcomes.reserve((expected as usize).min(MAX_RESERVE));
    let events = expected * cfg.events_per_lead.max(1.0);
    out.events.reserve((events as usize).min(MAX_RESERVE));
    let mut behave = behaviour::Generator::new(&plan);
    let mut taken = Vec::with_capacity(MAX_CONTACTS);
    for index in companies {
        let mut rng = company_rng(cfg.seed, index);
        let company = people::company(&mut rng, &plan, index);
        let contacts = plan.contacts(&mut rng);
        taken.clear();
        for k in 0..contacts {
            let lead = people::lead(&mut rng, &company, k, &mut taken);
            let first = behave.lead(&mut rng, &company, &lead, &mut out.events);
            out.outcomes.push(Outcome {
                lead_id: lead.id.clone(),
                propensity: lead.propensity,
                converted: lead.converted,
            });
            out.profiles.push(lead.into_profile(first));
        }
        let visitors = round_random(&mut rng, contacts as f64 * cfg.anonymous_visitors.max(0.0));
        for _ in 0..visitors {
            behave.visitor(&mut rng, &company, &mut out.events);
        }
    }
    out
}

/// The random stream of one company.
type SynthRng = ChaCha8Rng;

fn company_rng(seed: u64, index: usize) -> SynthRng {
    // Nearby seeds and indices must give unrelated streams; splitmix64's
    // finaliser spreads them over the whole seed space.
    SynthRng::seed_from_u64(splitmix(splitmix(seed) ^ index as u64))
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What follows from the configuration alone, computed once per call.
struct Plan {
    /// Cumulative distribution of contacts per company (1..=MAX_CONTACTS).
    contacts_cdf: [f64; MAX_CONTACTS],
    contacts_mean: f64,
    /// Average events of a lead before its identify event.
    lead_events: f64,
    /// First millisecond of the history.
    start: i64,
    /// Last millisecond of the history.
    end: i64,
    /// Rotates the company-name sequence so that seeds differ in names too.
    name_offset: u64,
}

impl Plan {
    fn new(cfg: &SynthConfig) -> Plan {
        let companies = cfg.companies().max(1);
        let mean = (cfg.leads as f64 / companies as f64).clamp(1.0, MAX_CONTACTS as f64);
        let q = contacts_ratio(mean);
        let mut cdf = [0.0; MAX_CONTACTS];
        let (mut acc, mut w) = (0.0, 1.0);
        for c in &mut cdf {
            acc += w;
            *c = acc;
            w *= q;
        }
        let lead_events = (cfg.events_per_lead
            - cfg.anonymous_visitors.max(0.0) * VISITOR_EVENTS
            - IDENTIFY_EVENTS)
            .max(1.0);
        let end = cfg.end.0;
        Plan {
            contacts_cdf: cdf,
            contacts_mean: mean,
            lead_events,
            start: end - i64::from(cfg.days) * DAY_MS,
            end,
            name_offset: splitmix(cfg.seed ^ 0x6E61_6D65),
        }
    }

    fn contacts(&self, rng: &mut SynthRng) -> usize {
        let u = rng.random::<f64>() * self.contacts_cdf[MAX_CONTACTS - 1];
        self.contacts_cdf
            .iter()
            .position(|&c| u < c)
            .unwrap_or(MAX_CONTACTS - 1)
            + 1
    }
}

/// The ratio `q` of a geometric distribution truncated to
/// 1..=MAX_CONTACTS whose mean is `mean`: few companies have many contacts,
/// most have one to four.
fn contacts_ratio(mean: f64) -> f64 {
    let mean_of = |q: f64| {
        let (mut w, mut num, mut den) = (1.0, 0.0, 0.0);
        for k in 1..=MAX_CONTACTS {
            num += k as f64 * w;
            den += w;
            w *= q;
        }
        num / den
    };
    // The mean grows with q, so bisection converges.
    let (mut lo, mut hi) = (0.0, 1.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if mean_of(mid) < mean {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// `x` rounded down or up at random so that the expectation is `x`.
fn round_random(rng: &mut SynthRng, x: f64) -> usize {
    let floor = x.floor();
    floor as usize + usize::from(rng.random::<f64>() < x - floor)
}

fn chance(rng: &mut SynthRng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut SynthRng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A uniform element; the word lists are non-empty constants.
fn pick<T: Copy>(rng: &mut SynthRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// An element drawn by weight from a constant table.
fn pick_weighted<T: Copy>(rng: &mut SynthRng, items: &[(T, f64)]) -> T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut u = rng.random::<f64>() * total;
    for &(item, w) in items {
        if u < w {
            return item;
        }
        u -= w;
    }
    items[items.len() - 1].0
}

/// A uniform time in `[lo, hi)`, or `lo` when the interval is empty.
fn between(rng: &mut SynthRng, lo: i64, hi: i64) -> i64 {
    if hi > lo {
        rng.random_range(lo..hi)
    } else {
        lo
    }
}

/// Appends the decimal digits of `n`, padded with zeros to `width`; the
/// id builders call this for every event, where `format!` would dominate.
fn push_num(buf: &mut String, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let i = i.min(digits.len().saturating_sub(width));
    buf.push_str(std::str::from_utf8(&digits[i..]).unwrap_or_default());
}
