//! Companies, their contacts and each contact's hidden propensity.

use super::vocab::{self, COUNTRIES, Country};
use super::{Plan, SynthRng, chance, normal, pick, pick_weighted, push_num, sigmoid};
use leadscore_core::{Profile, Timestamp, Value};
use rand::RngExt;
use smol_str::SmolStr;

const VN_COMBOS: usize = vocab::VN_NAME_A.len() * vocab::VN_NAME_B.len();
const EN_COMBOS: usize = vocab::EN_NAME_A.len() * vocab::EN_NAME_B.len();
/// Distinct trade names before a numeric suffix is needed.
pub(super) const NAME_COMBOS: usize = VN_COMBOS + EN_COMBOS;
/// A prime larger than `NAME_COMBOS`, hence coprime with it: multiplying
/// the company index by it walks all names in scattered order.
pub(super) const NAME_STRIDE: u64 = 7919;

/// Intercept of the propensity's logit, tuned for a conversion rate of
/// about 11%.
const BASE_LOGIT: f64 = -4.35;
/// Weight of latent intent in the logit; behaviour follows the same intent.
const INTENT_WEIGHT: f64 = 1.3;

/// A company and what its contacts share.
pub(super) struct Company {
    pub index: usize,
    pub name: SmolStr,
    pub domain: SmolStr,
    pub industry: &'static str,
    pub employees: f64,
    pub country: &'static Country,
    pub city: &'static str,
}

impl Company {
    pub fn vietnamese(&self) -> bool {
        self.country.code == "VN"
    }
}

/// A contact: the visible attributes and the hidden truth behind them.
pub(super) struct Lead {
    pub id: SmolStr,
    /// Profile attributes by [`Key`], `Null` when not set.
    pub attributes: [Value; KEYS.len()],
    pub propensity: f64,
    pub converted: bool,
    /// How busy the lead is online, a standard normal that rises with
    /// interest; students are as busy as anyone, just not with buying.
    pub activity: f64,
    /// Latent intent (interest, lower for students) mapped to (0, 1);
    /// drives the behaviour mix.
    pub engagement: f64,
    /// Students and interns browse careers pages and rarely buy.
    pub student: bool,
    /// Reads the Vietnamese pages.
    pub vietnamese: bool,
    /// Browses anonymously before identifying.
    pub anonymous_first: bool,
    /// Goes quiet for weeks, then comes back.
    pub dormant: bool,
}

pub(super) fn company(rng: &mut SynthRng, plan: &Plan, index: usize) -> Company {
    let combos = NAME_COMBOS as u64;
    let round = index as u64 / combos;
    let combo = ((index as u64 % combos) * NAME_STRIDE + plan.name_offset % combos) % combos;
    let combo = combo as usize;
    let mut slug = String::with_capacity(24);
    let (name, industry, country);
    if combo < VN_COMBOS {
        let (a, a_ascii) = vocab::VN_NAME_A[combo / vocab::VN_NAME_B.len()];
        let (b, b_ascii) = vocab::VN_NAME_B[combo % vocab::VN_NAME_B.len()];
        slug.push_str(a_ascii);
        slug.push_str(b_ascii);
        let (ind, descriptor) = pick_weighted(rng, vocab::INDUSTRIES);
        industry = ind;
        country = &COUNTRIES[vocab::VIETNAM];
        name = if industry == "Government" {
            format!("Trung tâm {descriptor} {a} {b}")
        } else if chance(rng, 0.5) {
            format!("{} {descriptor} {a} {b}", pick(rng, vocab::VN_LEGAL))
        } else {
            format!("{} {a} {b}", pick(rng, vocab::VN_LEGAL))
        };
    } else {
        let combo = combo - VN_COMBOS;
        let (a, a_ascii) = vocab::EN_NAME_A[combo / vocab::EN_NAME_B.len()];
        let (b, b_ascii, hint) = vocab::EN_NAME_B[combo % vocab::EN_NAME_B.len()];
        slug.push_str(a_ascii);
        slug.push_str(b_ascii);
        industry = match hint {
            Some(h) if chance(rng, 0.8) => h,
            _ => pick_weighted(rng, vocab::INDUSTRIES).0,
        };
        country = pick_weighted(rng, &COUNTRY_WEIGHTS);
        let legal = pick(rng, country.legal);
        name = if legal.ends_with(' ') {
            format!("{legal}{a} {b}")
        } else {
            format!("{a} {b} {legal}")
        };
    }
    if round > 0 {
        push_num(&mut slug, round + 1, 1);
    }
    slug.push_str(if industry == "Government" && country.code == "VN" {
        ".gov.vn"
    } else {
        pick(rng, country.tlds)
    });
    let city = pick_weighted(rng, country.cities);
    let shift = match industry {
        "Government" => 0.8,
        "Manufacturing" | "Logistics" => 0.4,
        _ => 0.0,
    };
    let employees = (3.8 + shift + 1.4 * normal(rng))
        .exp()
        .clamp(5.0, 20_000.0)
        .round();
    Company {
        index,
        name: name.into(),
        domain: slug.into(),
        industry,
        employees,
        country,
        city,
    }
}

/// Countries with their weights, in the shape `pick_weighted` takes.
const COUNTRY_WEIGHTS: [(&Country, f64); 7] = [
    (&COUNTRIES[0], COUNTRIES[0].weight),
    (&COUNTRIES[1], COUNTRIES[1].weight),
    (&COUNTRIES[2], COUNTRIES[2].weight),
    (&COUNTRIES[3], COUNTRIES[3].weight),
    (&COUNTRIES[4], COUNTRIES[4].weight),
    (&COUNTRIES[5], COUNTRIES[5].weight),
    (&COUNTRIES[6], COUNTRIES[6].weight),
];

/// How a lead's e-mail address looks.
#[derive(Clone, Copy, PartialEq)]
enum MailKind {
    Corporate,
    Free,
    Role,
    Disposable,
    Invalid,
    Missing,
}

const MAIL_KINDS: [(MailKind, f64); 6] = [
    (MailKind::Corporate, 55.0),
    (MailKind::Free, 30.0),
    (MailKind::Role, 6.0),
    (MailKind::Disposable, 3.0),
    (MailKind::Invalid, 2.0),
    (MailKind::Missing, 4.0),
];

/// ASCII parts of a person's name, for e-mail addresses.
struct NameParts {
    given: &'static str,
    family: String,
    middle: Option<&'static str>,
}

/// The `k`-th contact of `company`. `taken` holds the corporate mailboxes
/// already handed out in this company, so that two Nguyễn Văn Hùng get
/// distinct addresses as they would in a real mail server.
pub(super) fn lead(
    rng: &mut SynthRng,
    company: &Company,
    k: usize,
    taken: &mut Vec<SmolStr>,
) -> Lead {
    let mut id = String::with_capacity(12);
    id.push('L');
    push_num(&mut id, company.index as u64, 6);
    id.push('-');
    push_num(&mut id, k as u64, 2);
    let mut p: [Value; KEYS.len()] = Default::default();

    let vietnamese_person = chance(rng, if company.vietnamese() { 0.9 } else { 0.2 });
    let (display, parts) = person(rng, vietnamese_person);
    if chance(rng, 0.95) {
        set(&mut p, Key::Name, display.as_str().into());
    }

    let (title, seniority, department, _) = {
        let small = company.employees < 30.0;
        let total: f64 = vocab::TITLES
            .iter()
            .map(|t| title_weight(t.1, t.3, small))
            .sum::<f64>();
        let mut u = rng.random::<f64>() * total;
        let mut chosen = vocab::TITLES[0];
        for &t in vocab::TITLES {
            let w = title_weight(t.1, t.3, small);
            if u < w {
                chosen = t;
                break;
            }
            u -= w;
        }
        chosen
    };
    let student = seniority == "student";
    let title_known = chance(rng, 0.9);
    if title_known {
        set(&mut p, Key::JobTitle, fixed(title));
    }
    if title_known || chance(rng, 0.3) {
        set(&mut p, Key::Seniority, fixed(seniority));
    }
    if let Some(d) = department.filter(|_| chance(rng, 0.85)) {
        set(&mut p, Key::Department, fixed(d));
    }

    let mail = pick_weighted(rng, &MAIL_KINDS);
    if let Some(email) = email(rng, mail, &parts, company, taken) {
        set(&mut p, Key::Email, Value::Str(email));
    }
    if chance(rng, if company.vietnamese() { 0.75 } else { 0.6 }) {
        let pattern = pick(rng, company.country.phones);
        set(&mut p, Key::Phone, phone(rng, pattern));
    }

    if chance(rng, 0.97) {
        set(&mut p, Key::Company, Value::Str(company.name.clone()));
        set(&mut p, Key::Account, Value::Str(company.domain.clone()));
    }
    if chance(rng, 0.9) {
        set(&mut p, Key::Industry, fixed(company.industry));
    }
    if chance(rng, 0.8) {
        set(&mut p, Key::CompanySize, company.employees.into());
    }
    if chance(rng, 0.95) {
        set(&mut p, Key::Country, fixed(company.country.code));
    }
    if chance(rng, 0.88) {
        set(&mut p, Key::City, fixed(company.city));
    }

    let interest = normal(rng);
    let intent = interest - if student { 0.8 } else { 0.0 };
    // Budget and timeline are facts about the buyer whether or not a form
    // asked for them; the profile shows only some of them.
    let has_budget = chance(
        rng,
        if student {
            0.05
        } else {
            0.3 + 0.35 * sigmoid(intent)
        },
    );
    let budget = if has_budget {
        let b = (2000f64.ln() + 0.35 * (company.employees / 50.0).ln() + 0.8 * normal(rng)).exp();
        (b / 100.0).round().max(1.0) * 100.0
    } else {
        0.0
    };
    if has_budget && chance(rng, 0.85) {
        set(&mut p, Key::Budget, budget.into());
    }
    let t = if student {
        -2.0
    } else {
        0.8 * intent + 0.6 * normal(rng)
    };
    let timeline = match t {
        t if t > 1.3 => 0,
        t if t > 0.5 => 1,
        t if t > -0.3 => 2,
        t if t > -1.1 => 3,
        _ => 4,
    };
    if chance(rng, 0.5) {
        set(&mut p, Key::Timeline, fixed(vocab::TIMELINES[timeline]));
    }
    if chance(rng, 0.4) {
        let need = if student {
            pick(rng, vocab::STUDENT_NEEDS)
        } else {
            pick(rng, vocab::NEEDS)
        };
        set(&mut p, Key::Need, fixed(need));
    }
    let source = pick_weighted(rng, vocab::LEAD_SOURCES);
    set(&mut p, Key::LeadSource, fixed(source));
    if chance(rng, 0.85) {
        set(&mut p, Key::MarketingConsent, chance(rng, 0.7).into());
    }
    if chance(rng, 0.08) {
        set(
            &mut p,
            Key::SalesStatus,
            fixed(pick(rng, vocab::SALES_STATUSES)),
        );
    }

    let fit = seniority_fit(seniority)
        + 0.3 * ((company.employees / 50.0).log10()).clamp(-1.0, 1.5)
        + match company.industry {
            "Software" | "Finance" | "Retail" => 0.5,
            "Government" => -0.3,
            _ => 0.0,
        }
        + if matches!(company.country.code, "VN" | "SG") {
            0.4
        } else {
            0.0
        }
        + match mail {
            MailKind::Corporate => 0.6,
            MailKind::Free => 0.0,
            MailKind::Role => -0.2,
            MailKind::Disposable => -1.2,
            MailKind::Invalid => -1.0,
            MailKind::Missing => -0.4,
        }
        + if has_budget {
            0.3 + 0.2 * (budget / 2000.0).log10().clamp(-1.0, 2.0)
        } else {
            0.0
        }
        + [0.9, 0.6, 0.15, -0.3, -0.9][timeline]
        + match source {
            "referral" => 0.3,
            "webinar" | "event" => 0.2,
            _ => 0.0,
        };
    let propensity = sigmoid(BASE_LOGIT + fit + INTENT_WEIGHT * intent);
    let converted = chance(rng, propensity);
    Lead {
        id: SmolStr::new(&id),
        attributes: p,
        propensity,
        converted,
        activity: interest,
        engagement: sigmoid(1.4 * intent - 0.2),
        student,
        vietnamese: vietnamese_person && company.vietnamese(),
        anonymous_first: chance(rng, 0.6),
        dormant: chance(rng, 0.05),
    }
}

/// The profile attributes, in the order of [`KEYS`].
#[derive(Clone, Copy)]
pub(super) enum Key {
    Account,
    Budget,
    City,
    Company,
    CompanySize,
    Country,
    CreatedAt,
    Department,
    Email,
    Industry,
    JobTitle,
    LeadSource,
    MarketingConsent,
    Name,
    Need,
    Phone,
    SalesStatus,
    Seniority,
    Timeline,
}

/// Attribute names, sorted: the profile map is then built in one pass
/// without a search per attribute, which was a large share of the per-lead
/// cost.
pub(super) const KEYS: [&str; 19] = [
    "account",
    "budget",
    "city",
    "company",
    "company_size",
    "country",
    "created_at",
    "department",
    "email",
    "industry",
    "job_title",
    "lead_source",
    "marketing_consent",
    "name",
    "need",
    "phone",
    "sales_status",
    "seniority",
    "timeline",
];

/// A word-list entry as a value, without copying it.
fn fixed(s: &'static str) -> Value {
    Value::Str(SmolStr::new_static(s))
}

fn set(p: &mut [Value; KEYS.len()], key: Key, value: Value) {
    p[key as usize] = value;
}

impl Lead {
    /// The attribute under `key`, or `Null`.
    pub fn attribute(&self, key: Key) -> &Value {
        &self.attributes[key as usize]
    }

    /// The profile, created when the first event was seen.
    pub fn into_profile(mut self, created_at: Timestamp) -> Profile {
        set(
            &mut self.attributes,
            Key::CreatedAt,
            Value::Str(created_at.to_rfc3339().into()),
        );
        let attributes = KEYS
            .iter()
            .zip(self.attributes)
            .filter(|(_, v)| v.is_present())
            .map(|(k, v)| (leadscore_core::known::intern(k), v))
            .collect();
        Profile::with_attributes(self.id, attributes)
    }
}

/// Small companies are run by their founders, so more of their contacts
/// are C-level.
fn title_weight(seniority: &str, weight: f64, small: bool) -> f64 {
    if small && seniority == "c-level" {
        weight * 2.5
    } else {
        weight
    }
}

fn seniority_fit(seniority: &str) -> f64 {
    match seniority {
        "c-level" => 0.8,
        "vp" => 0.7,
        "director" => 0.6,
        "manager" => 0.35,
        "student" => -1.8,
        _ => 0.0,
    }
}

/// A display name and its ASCII parts.
fn person(rng: &mut SynthRng, vietnamese: bool) -> (String, NameParts) {
    if vietnamese {
        let (family, family_ascii) = pick_weighted(rng, vocab::VN_FAMILY);
        let female = chance(rng, 0.5);
        let (middle, middle_ascii) = pick(
            rng,
            if female {
                vocab::VN_MIDDLE_F
            } else {
                vocab::VN_MIDDLE_M
            },
        );
        let (given, given_ascii) = pick(
            rng,
            if female {
                vocab::VN_GIVEN_F
            } else {
                vocab::VN_GIVEN_M
            },
        );
        if chance(rng, 0.1) {
            // Many Vietnamese in business go by an English first name.
            let (first, first_ascii) = pick(rng, vocab::EN_FIRST);
            let parts = NameParts {
                given: first_ascii,
                family: family_ascii.to_string(),
                middle: None,
            };
            return ([first, family].join(" "), parts);
        }
        let parts = NameParts {
            given: given_ascii,
            family: family_ascii.to_string(),
            middle: Some(middle_ascii),
        };
        ([family, middle, given].join(" "), parts)
    } else {
        let (first, first_ascii) = pick(rng, vocab::EN_FIRST);
        let last = pick(rng, vocab::EN_LAST);
        let parts = NameParts {
            given: first_ascii,
            family: last.to_ascii_lowercase(),
            middle: None,
        };
        ([first, last].join(" "), parts)
    }
}

fn email(
    rng: &mut SynthRng,
    kind: MailKind,
    n: &NameParts,
    company: &Company,
    taken: &mut Vec<SmolStr>,
) -> Option<SmolStr> {
    let mut s = String::with_capacity(40);
    match kind {
        MailKind::Corporate => {
            match (rng.random::<f64>() * 4.0) as u32 {
                0 => {
                    s.push_str(n.given);
                    s.push('.');
                    s.push_str(&n.family);
                }
                // The Vietnamese office convention: given name plus the
                // initials of family and middle name (huongnt).
                1 if n.middle.is_some() => {
                    s.push_str(n.given);
                    s.extend(n.family.chars().next());
                    s.extend(n.middle.and_then(|m| m.chars().next()));
                }
                2 => {
                    s.extend(n.given.chars().next());
                    s.push_str(&n.family);
                }
                _ => s.push_str(n.given),
            }
            let base = s.len();
            let mut k = 1;
            while taken.iter().any(|t| t.as_str() == s) {
                k += 1;
                s.truncate(base);
                push_num(&mut s, k, 1);
            }
            taken.push(SmolStr::new(&s));
            s.push('@');
            s.push_str(&company.domain);
        }
        MailKind::Free => {
            if chance(rng, 0.5) {
                s.push_str(n.given);
                s.push_str(&n.family);
            } else {
                s.push_str(&n.family);
                s.push('.');
                s.push_str(n.given);
            }
            if chance(rng, 0.5) {
                // A birth year, as people pick when their name is taken.
                push_num(&mut s, rng.random_range(70..106) % 100, 2);
            } else {
                push_num(&mut s, rng.random_range(1..10_000), 1);
            }
            s.push('@');
            s.push_str(pick_weighted(rng, vocab::FREE_MAIL));
        }
        MailKind::Role => {
            s.push_str(pick(rng, vocab::ROLE_MAILBOXES));
            s.push('@');
            s.push_str(&company.domain);
        }
        MailKind::Disposable => {
            s.push_str(n.given);
            push_num(&mut s, rng.random_range(1..1000), 1);
            s.push('@');
            s.push_str(pick(rng, vocab::DISPOSABLE_MAIL));
        }
        MailKind::Invalid => match (rng.random::<f64>() * 4.0) as u32 {
            0 => {
                s.push_str(n.given);
                s.push('@');
            }
            1 => {
                s.push_str(n.given);
                s.push('.');
                s.push_str(&n.family);
                s.push_str("@gmail");
            }
            2 => {
                s.push_str(n.given);
                s.push(' ');
                s.push_str(&n.family);
                s.push_str("@gmail.com");
            }
            _ => {
                s.push_str(n.given);
                s.push_str(&n.family);
                s.push_str("gmail.com");
            }
        },
        MailKind::Missing => return None,
    }
    Some(SmolStr::new(&s))
}

/// A phone number from a pattern whose `x`s are random digits.
fn phone(rng: &mut SynthRng, pattern: &str) -> Value {
    let mut s = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        if c == 'x' {
            s.push(char::from(b'0' + rng.random_range(0..10u8)));
        } else {
            s.push(c);
        }
    }
    Value::Str(SmolStr::new(&s))
}
