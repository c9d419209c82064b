//! Sessions and events of leads and of never-identified visitors.
//!
//! This is the hot loop of the generator: per event it draws a handful of
//! random numbers, builds one small property vector and one inline message
//! id. Every other string is static or shared, so an event costs about one
//! allocation.

use super::people::{Company, Key, Lead};
use super::vocab::{self, PAGE_CLASSES, Page, PageClass};
use super::{Plan, SynthRng, between, chance, normal, pick, push_num, round_random};
use leadscore_core::time::DAY_MS;
use leadscore_core::{Event, EventKind, Props, Timestamp, Value};
use rand::RngExt;
use smol_str::SmolStr;

const MINUTE: i64 = 60_000;
/// Sessions start at least this long before the end, so that their
/// events (at most about 30 minutes) fit.
const SESSION_ROOM: i64 = 35 * MINUTE;
/// Relative frequency of web sessions of 1..=8 events.
const WEB_SESSION_SIZES: [f64; 8] = [30.0, 22.0, 16.0, 11.0, 8.0, 6.0, 4.0, 3.0];
/// The window of high-intent bursts before the end.
const BURST_DAYS: i64 = 14;
/// Dormant leads come back within this many days before the end...
const COMEBACK_DAYS: i64 = 10;
/// ...after at least this long without events (45 days and some slack for
/// the length of the last early session).
const DORMANT_DAYS: i64 = 46;
/// At most this many times the average events for one lead.
const MAX_EVENTS_FACTOR: f64 = 40.0;

/// A cumulative distribution over `N` outcomes.
#[derive(Clone, Copy)]
struct Cum<const N: usize>([f64; N]);

impl<const N: usize> Cum<N> {
    fn new(weights: [f64; N]) -> Self {
        let mut acc = 0.0;
        let mut c = [0.0; N];
        for (c, w) in c.iter_mut().zip(weights) {
            acc += w.max(0.0);
            *c = acc;
        }
        Cum(c)
    }

    fn sample(&self, rng: &mut SynthRng) -> usize {
        let u = rng.random::<f64>() * self.0.last().copied().unwrap_or(0.0);
        self.0
            .iter()
            .position(|&c| u < c)
            .unwrap_or(N.saturating_sub(1))
    }
}

/// The kinds of a lead's sessions, with the structured events they open with.
#[derive(Clone, Copy)]
enum Kind {
    Web,
    Email { clicked: bool, unsubscribed: bool },
    Webinar { survey: bool },
    App { product: bool },
}

#[derive(Clone, Copy)]
struct Session {
    start: i64,
    size: usize,
    kind: Kind,
}

/// The web actions other than page views.
#[derive(Clone, Copy)]
enum WebTrack {
    Form,
    Asset,
    Chat,
    Product,
    Coupon,
    Survey,
}

const WEB_TRACKS: [WebTrack; 6] = [
    WebTrack::Form,
    WebTrack::Asset,
    WebTrack::Chat,
    WebTrack::Product,
    WebTrack::Coupon,
    WebTrack::Survey,
];

/// One lead's behaviour as probabilities, computed once per lead so that
/// each event is a few table walks.
struct Mix {
    engagement: f64,
    pages: Cum<PAGE_CLASSES>,
    tracks: Cum<6>,
    forms: Cum<4>,
    /// Web, e-mail, webinar, app.
    sessions: Cum<4>,
    /// Share of a session's further events that are page views.
    page_share: f64,
    /// Share of sessions in the burst before the end.
    burst: f64,
    /// Chance that a pricing view is of the Vietnamese page.
    vi_pricing: f64,
}

impl Mix {
    fn new(lead: &Lead) -> Mix {
        let e = lead.engagement;
        let st = if lead.student { 1.0 } else { 0.0 };
        Mix {
            engagement: e,
            pages: page_mix(e, st),
            tracks: Cum::new([
                0.08 + 0.25 * e,
                0.15 + 0.05 * e,
                0.05 + 0.12 * e,
                0.02 + 0.06 * e,
                0.01 + 0.03 * e,
                0.04,
            ]),
            forms: Cum::new([0.05 + 0.45 * e, 0.05 + 0.3 * e, 0.15, 0.45 * (1.0 - e)]),
            sessions: Cum::new([0.66, 0.22 + 0.1 * (1.0 - e), 0.01 + 0.06 * e, 0.03]),
            page_share: 0.7,
            burst: 0.1 + 0.55 * e,
            vi_pricing: if lead.vietnamese { 0.6 } else { 0.0 },
        }
    }
}

/// Page classes, in [`vocab::PAGE_CLASS_ORDER`]: engaged leads look at
/// pricing and demos, the rest read the blog, students look for jobs.
fn page_mix(e: f64, student: f64) -> Cum<PAGE_CLASSES> {
    let pricing = if student > 0.0 { 0.01 } else { 0.02 + 0.2 * e };
    Cum::new([
        0.15,
        0.3 * (1.2 - e),
        pricing,
        0.08 + 0.08 * e,
        0.04 + 0.04 * e,
        0.01 + 0.02 * (1.0 - e) + 0.35 * student,
        0.01 + 0.04 * e,
        0.005 + 0.07 * e,
    ])
}

/// Who an event is attributed to.
#[derive(Clone, Copy)]
struct Who<'a> {
    user: Option<&'a SmolStr>,
    anon: Option<&'a SmolStr>,
}

/// Generates events, reusing its buffers across leads.
pub(super) struct Generator {
    start: i64,
    end: i64,
    lead_events: f64,
    company: usize,
    /// The company index in decimal, shared by all ids of the company.
    company_digits: String,
    message_seq: u64,
    session_seq: u64,
    ids: String,
    starts: Vec<i64>,
    sessions: Vec<Session>,
    visitor_pages: Cum<PAGE_CLASSES>,
    web_sizes: Cum<8>,
}

impl Generator {
    pub(super) fn new(plan: &Plan) -> Generator {
        Generator {
            start: plan.start,
            end: plan.end,
            lead_events: plan.lead_events,
            company: usize::MAX,
            company_digits: String::with_capacity(20),
            message_seq: 0,
            session_seq: 0,
            ids: String::with_capacity(32),
            starts: Vec::new(),
            sessions: Vec::new(),
            visitor_pages: page_mix(0.15, 0.3),
            web_sizes: Cum::new(WEB_SESSION_SIZES),
        }
    }

    /// Ids are numbered per company, so that a company's output does not
    /// depend on which companies were generated before it.
    fn enter(&mut self, company: usize) {
        if company != self.company {
            self.company = company;
            self.company_digits.clear();
            push_num(&mut self.company_digits, company as u64, 1);
            self.message_seq = 0;
            self.session_seq = 0;
        }
    }

    /// `{prefix}{a}-{b}`.
    fn id(&mut self, prefix: char, a: u64, b: u64) -> SmolStr {
        self.ids.clear();
        self.ids.push(prefix);
        push_num(&mut self.ids, a, 1);
        self.ids.push('-');
        push_num(&mut self.ids, b, 1);
        SmolStr::new(&self.ids)
    }

    /// `{prefix}{company}-{seq}`: unique within the data set.
    fn company_id(&mut self, prefix: char, seq: u64) -> SmolStr {
        self.ids.clear();
        self.ids.push(prefix);
        self.ids.push_str(&self.company_digits);
        self.ids.push('-');
        push_num(&mut self.ids, seq, 1);
        SmolStr::new(&self.ids)
    }

    fn next_session_id(&mut self) -> SmolStr {
        self.session_seq += 1;
        self.company_id('s', self.session_seq)
    }

    /// The newest possible session start.
    fn latest(&self) -> i64 {
        (self.end - SESSION_ROOM).max(self.start)
    }

    /// Appends the events of one lead and returns the time of its first.
    pub(super) fn lead(
        &mut self,
        rng: &mut SynthRng,
        company: &Company,
        lead: &Lead,
        out: &mut Vec<Event>,
    ) -> Timestamp {
        self.enter(company.index);
        let mix = Mix::new(lead);
        // Log-normal with mean one: interested leads are busier, and a few
        // are very busy.
        let (a, b) = (0.55, 0.6);
        let activity = (a * lead.activity + b * normal(rng) - 0.5 * (a * a + b * b)).exp();
        let cap = (self.lead_events * MAX_EVENTS_FACTOR).max(1.0);
        let n = round_random(rng, (self.lead_events * activity).min(cap)).max(1);

        let anon_target = if lead.anonymous_first {
            rng.random_range(1..=3usize)
        } else {
            0
        };
        self.plan_sessions(rng, &mix, n, anon_target, lead.anonymous_first);
        self.place_sessions(rng, &mix, lead.dormant);

        let first = self.sessions.first().map_or(self.start, |s| s.start);
        let anon = (lead.anonymous_first || chance(rng, 0.7)).then(|| self.ga_id(rng, first));
        let user = &lead.id;
        let identify_at = lead
            .anonymous_first
            .then(|| anon_target.min(self.sessions.len().saturating_sub(1)));

        let mut last = i64::MIN;
        let sessions = std::mem::take(&mut self.sessions);
        let first_event = out.len();
        for (i, s) in sessions.iter().enumerate() {
            let identified = identify_at.is_none_or(|at| i > at);
            let who = Who {
                user: identified.then_some(user),
                anon: anon.as_ref(),
            };
            let mut t = s.start.max(last.saturating_add(MINUTE));
            let sid = self.next_session_id();
            let identify = (identify_at == Some(i)).then_some((lead, user));
            last = self.session(rng, &mix, s, &mut t, &sid, who, identify, out);
        }
        self.sessions = sessions;
        Timestamp(out.get(first_event).map_or(first, |e| e.timestamp.0))
    }

    /// Appends the page views of one never-identified visitor.
    pub(super) fn visitor(&mut self, rng: &mut SynthRng, company: &Company, out: &mut Vec<Event>) {
        self.enter(company.index);
        let count = if chance(rng, 0.25) { 2 } else { 1 };
        self.starts.clear();
        for _ in 0..count {
            self.starts.push(between(rng, self.start, self.latest()));
        }
        self.starts.sort_unstable();
        let anon = self.ga_id(rng, self.starts[0]);
        let who = Who {
            user: None,
            anon: Some(&anon),
        };
        let mut last = i64::MIN;
        for i in 0..count {
            let mut t = self.starts[i].max(last.saturating_add(MINUTE));
            let sid = self.next_session_id();
            let size = rng.random_range(1..=3usize);
            let mut prev = None;
            for j in 0..size {
                let class = vocab::PAGE_CLASS_ORDER[self.visitor_pages.sample(rng)];
                let page = pick_ref(rng, class_pages(class));
                self.page(rng, page, prev, j == 0, t, &sid, who, out);
                prev = Some(page);
                last = t;
                t += rng.random_range(3_000..210_000i64);
            }
        }
    }

    /// Decides the kind and size of each session; times come later.
    fn plan_sessions(
        &mut self,
        rng: &mut SynthRng,
        mix: &Mix,
        n: usize,
        anon_target: usize,
        anonymous_first: bool,
    ) {
        self.sessions.clear();
        let e = mix.engagement;
        let (mut left, mut app_done, mut unsubscribed) = (n, false, false);
        while left > 0 {
            let i = self.sessions.len();
            let identified = !anonymous_first || i > anon_target;
            let kind = if identified {
                mix.sessions.sample(rng)
            } else {
                0
            };
            let (kind, size) = match kind {
                1 if !unsubscribed => {
                    let clicked = chance(rng, 0.15 + 0.45 * e);
                    let unsub = !clicked && chance(rng, 0.06 * (1.0 - e) * (1.0 - e));
                    unsubscribed |= unsub;
                    let size = if clicked {
                        2 + rng.random_range(1..=3usize)
                    } else {
                        1 + usize::from(unsub)
                    };
                    (
                        Kind::Email {
                            clicked,
                            unsubscribed: unsub,
                        },
                        size,
                    )
                }
                2 => {
                    let survey = chance(rng, 0.3);
                    let pages = rng.random_range(0..=3usize);
                    (Kind::Webinar { survey }, 1 + usize::from(survey) + pages)
                }
                3 if !app_done => {
                    app_done = true;
                    let product = chance(rng, 0.3);
                    (Kind::App { product }, 1 + usize::from(product))
                }
                _ => (Kind::Web, 1 + self.web_sizes.sample(rng)),
            };
            let size = size.min(left);
            left -= size;
            self.sessions.push(Session {
                start: 0,
                size,
                kind,
            });
        }
    }

    /// Gives the planned sessions start times, in order.
    fn place_sessions(&mut self, rng: &mut SynthRng, mix: &Mix, dormant: bool) {
        let (start, end, latest) = (self.start, self.end, self.latest());
        let n = self.sessions.len();
        self.starts.clear();
        let comeback = end - COMEBACK_DAYS * DAY_MS;
        let quiet_from = comeback - DORMANT_DAYS * DAY_MS;
        if dormant && n >= 2 && quiet_from > start {
            let early = (n * 2).div_ceil(5);
            for i in 0..n {
                let t = if i < early {
                    between(rng, start, quiet_from)
                } else {
                    between(rng, comeback, latest)
                };
                self.starts.push(t);
            }
        } else {
            let first_touch = between(rng, start, latest);
            let burst_from = (end - BURST_DAYS * DAY_MS).max(first_touch);
            for _ in 0..n {
                let from = if chance(rng, mix.burst) {
                    burst_from
                } else {
                    first_touch
                };
                self.starts.push(between(rng, from, latest));
            }
        }
        self.starts.sort_unstable();
        for (s, &t) in self.sessions.iter_mut().zip(&self.starts) {
            s.start = t;
        }
    }

    /// A Google Analytics client id: a random number and the first visit
    /// in Unix seconds.
    fn ga_id(&mut self, rng: &mut SynthRng, first_visit: i64) -> SmolStr {
        self.ids.clear();
        self.ids.push_str("GA1.2.");
        push_num(
            &mut self.ids,
            rng.random_range(1_000_000_000..2_147_483_648u64),
            1,
        );
        self.ids.push('.');
        push_num(&mut self.ids, first_visit.max(0).unsigned_abs() / 1000, 1);
        SmolStr::new(&self.ids)
    }

    /// Appends one session and returns the time of its last event.
    #[allow(clippy::too_many_arguments)]
    fn session<'a>(
        &mut self,
        rng: &mut SynthRng,
        mix: &Mix,
        s: &Session,
        t: &mut i64,
        sid: &SmolStr,
        mut who: Who<'a>,
        identify: Option<(&Lead, &'a SmolStr)>,
        out: &mut Vec<Event>,
    ) -> i64 {
        let mut left = s.size;
        let mut prev: Option<&'static Page> = None;
        let mut landing: Option<&'static Page> = None;
        let mut last = *t;
        let end = self.end;
        let mut step = |t: &mut i64, rng: &mut SynthRng| {
            last = (*t).min(end);
            *t += rng.random_range(3_000..210_000i64);
            last
        };
        // The opening events of the session's kind.
        match s.kind {
            Kind::Web => {
                let page = self.pick_page(rng, mix);
                let ts = step(t, rng);
                self.page(rng, page, None, true, ts, sid, who, out);
                prev = Some(page);
                left -= 1;
            }
            Kind::Email {
                clicked,
                unsubscribed,
            } => {
                let email = Who {
                    user: who.user,
                    anon: None,
                };
                let c = rng.random_range(0..vocab::CAMPAIGNS.len());
                let campaign = vocab::CAMPAIGNS[c];
                let mut p = props(sid, 3);
                let email_id = self.id('e', c as u64, rng.random_range(1..=52u64));
                p.push((key("campaign"), text(campaign)));
                p.push((key("email_id"), Value::Str(email_id)));
                p.push((key("channel"), text("email")));
                let ts = step(t, rng);
                self.track("Email Opened", ts, email, p, out);
                left -= 1;
                if left > 0 && (clicked || unsubscribed) {
                    let mut p = props(sid, 2 + usize::from(clicked));
                    p.push((key("campaign"), text(campaign)));
                    p.push((key("channel"), text("email")));
                    let name = if clicked {
                        let l = rng.random_range(0..vocab::EMAIL_LINKS.len());
                        p.push((key("link"), text(vocab::EMAIL_LINKS[l])));
                        let (class, i) = vocab::EMAIL_LINK_PAGES[l];
                        landing = class_pages(class).get(i);
                        "Email Clicked"
                    } else {
                        "Email Unsubscribed"
                    };
                    let ts = step(t, rng);
                    self.track(name, ts, email, p, out);
                    left -= 1;
                }
            }
            Kind::Webinar { survey } => {
                let mut p = props(sid, 3);
                p.push((key("webinar"), text(pick(rng, vocab::WEBINARS))));
                let minutes = (10.0 + 80.0 * mix.engagement * rng.random::<f64>()).round();
                p.push((key("minutes"), Value::Num(minutes)));
                p.push((key("channel"), text("event")));
                let ts = step(t, rng);
                self.track("Webinar Attended", ts, who, p, out);
                left -= 1;
                if survey && left > 0 {
                    let ts = step(t, rng);
                    self.survey(rng, mix, ts, sid, who, out);
                    left -= 1;
                }
            }
            Kind::App { product } => {
                let mut p = props(sid, 2);
                let platform = if chance(rng, 0.65) { "android" } else { "ios" };
                p.push((key("platform"), text(platform)));
                p.push((key("channel"), text("app")));
                let ts = step(t, rng);
                self.track("App Installed", ts, who, p, out);
                left -= 1;
                if product && left > 0 {
                    let ts = step(t, rng);
                    self.product(rng, ts, sid, who, out);
                    left -= 1;
                }
            }
        }
        if let Some((lead, user)) = identify {
            // The visitor fills in a form: from here on the events carry
            // the lead's id next to the cookie.
            who.user = Some(user);
            let ts = step(t, rng);
            self.identify(lead, ts, sid, who, out);
        }
        while left > 0 {
            let ts = step(t, rng);
            if let Some(page) = landing.take() {
                self.page(rng, page, prev, false, ts, sid, who, out);
                prev = Some(page);
            } else if chance(rng, mix.page_share) {
                let page = self.pick_page(rng, mix);
                self.page(rng, page, prev, prev.is_none(), ts, sid, who, out);
                prev = Some(page);
            } else {
                self.web_track(rng, mix, ts, sid, who, out);
            }
            left -= 1;
        }
        last
    }

    fn pick_page(&self, rng: &mut SynthRng, mix: &Mix) -> &'static Page {
        match vocab::PAGE_CLASS_ORDER[mix.pages.sample(rng)] {
            PageClass::Pricing if chance(rng, mix.vi_pricing) => &vocab::PRICING_VI,
            PageClass::Pricing => &vocab::PRICING_EN,
            class => pick_ref(rng, class_pages(class)),
        }
    }

    /// A page view; the first page of a session gets an external referrer
    /// and sometimes campaign parameters, later ones the previous page.
    #[allow(clippy::too_many_arguments)]
    fn page(
        &mut self,
        rng: &mut SynthRng,
        page: &'static Page,
        prev: Option<&'static Page>,
        entry: bool,
        ts: i64,
        sid: &SmolStr,
        who: Who<'_>,
        out: &mut Vec<Event>,
    ) {
        let utm = entry && chance(rng, 0.15);
        let referrer = match prev {
            Some(prev) => Some(prev.url),
            None => super::pick_weighted(rng, vocab::REFERRERS),
        };
        // Exact capacity: page views are most of the data, and a spare slot
        // would cost a tenth of the memory.
        let extra = 3 + usize::from(referrer.is_some()) + 2 * usize::from(utm);
        let mut p = props(sid, extra);
        p.push((key("path"), text(page.path)));
        p.push((key("url"), text(page.url)));
        p.push((key("title"), text(page.title)));
        if let Some(r) = referrer {
            p.push((key("referrer"), text(r)));
        }
        if utm {
            p.push((
                key("context.campaign.source"),
                text(pick(rng, vocab::UTM_SOURCES)),
            ));
            p.push((
                key("context.campaign.name"),
                text(pick(rng, vocab::CAMPAIGNS)),
            ));
        }
        self.push(EventKind::Page, "page", ts, who, p, out);
    }

    fn web_track(
        &mut self,
        rng: &mut SynthRng,
        mix: &Mix,
        ts: i64,
        sid: &SmolStr,
        who: Who<'_>,
        out: &mut Vec<Event>,
    ) {
        match WEB_TRACKS[mix.tracks.sample(rng)] {
            WebTrack::Form => {
                let mut p = props(sid, 2);
                p.push((key("form"), text(vocab::FORMS[mix.forms.sample(rng)])));
                p.push((key("channel"), text("web")));
                self.track("Form Submitted", ts, who, p, out);
            }
            WebTrack::Asset => {
                let (category, title) = if chance(rng, 0.05 + 0.3 * mix.engagement) {
                    vocab::ASSETS[vocab::PRICE_LIST_ASSET]
                } else {
                    vocab::ASSETS[rng.random_range(0..vocab::PRICE_LIST_ASSET)]
                };
                let mut p = props(sid, 2);
                p.push((key("category"), text(category)));
                p.push((key("title"), text(title)));
                self.track("Asset Downloaded", ts, who, p, out);
            }
            WebTrack::Chat => self.track("Chat Started", ts, who, props(sid, 0), out),
            WebTrack::Product => self.product(rng, ts, sid, who, out),
            WebTrack::Coupon => {
                let mut p = props(sid, 1);
                p.push((key("coupon"), text(pick(rng, vocab::COUPONS))));
                self.track("Coupon Applied", ts, who, p, out);
            }
            WebTrack::Survey => self.survey(rng, mix, ts, sid, who, out),
        }
    }

    fn product(
        &mut self,
        rng: &mut SynthRng,
        ts: i64,
        sid: &SmolStr,
        who: Who<'_>,
        out: &mut Vec<Event>,
    ) {
        let (sku, price) = pick(rng, vocab::PRODUCTS);
        let mut p = props(sid, 2);
        p.push((key("sku"), text(sku)));
        p.push((key("price"), Value::Num(price)));
        self.track("Product Added", ts, who, p, out);
    }

    #[allow(clippy::too_many_arguments)]
    fn survey(
        &mut self,
        rng: &mut SynthRng,
        mix: &Mix,
        ts: i64,
        sid: &SmolStr,
        who: Who<'_>,
        out: &mut Vec<Event>,
    ) {
        let nps = (4.0 + 6.0 * mix.engagement + 2.0 * normal(rng))
            .round()
            .clamp(0.0, 10.0);
        let mut p = props(sid, 2);
        p.push((key("survey"), text(pick(rng, vocab::SURVEYS))));
        p.push((key("nps"), Value::Num(nps)));
        self.track("Survey Submitted", ts, who, p, out);
    }

    fn identify(
        &mut self,
        lead: &Lead,
        ts: i64,
        sid: &SmolStr,
        who: Who<'_>,
        out: &mut Vec<Event>,
    ) {
        let mut traits = Vec::with_capacity(2);
        for (name, k) in [("email", Key::Email), ("name", Key::Name)] {
            let v = lead.attribute(k);
            if v.is_present() {
                traits.push((key(name), v.clone()));
            }
        }
        self.push(EventKind::Identify, "identify", ts, who, props(sid, 0), out);
        if let Some(e) = out.last_mut() {
            e.traits = Props(traits);
        }
    }

    fn track(
        &mut self,
        name: &'static str,
        ts: i64,
        who: Who<'_>,
        p: Vec<(SmolStr, Value)>,
        out: &mut Vec<Event>,
    ) {
        self.push(EventKind::Track, name, ts, who, p, out);
    }

    fn push(
        &mut self,
        kind: EventKind,
        name: &'static str,
        ts: i64,
        who: Who<'_>,
        p: Vec<(SmolStr, Value)>,
        out: &mut Vec<Event>,
    ) {
        self.message_seq += 1;
        let message_id = self.company_id('m', self.message_seq);
        out.push(Event {
            message_id,
            kind,
            name: leadscore_core::known::intern(name),
            user_id: who.user.cloned(),
            anonymous_id: who.anon.cloned(),
            timestamp: Timestamp(ts.min(self.end)),
            properties: Props(p),
            traits: Props::default(),
            group_id: None,
            previous_id: None,
        });
    }
}

fn class_pages(class: PageClass) -> &'static [Page] {
    let i = vocab::PAGE_CLASS_ORDER
        .iter()
        .position(|&c| c == class)
        .unwrap_or(0);
    vocab::PAGES[i]
}

fn pick_ref<T>(rng: &mut SynthRng, items: &'static [T]) -> &'static T {
    &items[rng.random_range(0..items.len())]
}

/// A property vector with the session id and room for `extra` more.
fn props(sid: &SmolStr, extra: usize) -> Vec<(SmolStr, Value)> {
    let mut p = Vec::with_capacity(extra + 1);
    p.push((key("session_id"), Value::Str(sid.clone())));
    p
}

fn key(k: &'static str) -> SmolStr {
    leadscore_core::known::intern(k)
}

fn text(s: &'static str) -> Value {
    Value::Str(SmolStr::new_static(s))
}
