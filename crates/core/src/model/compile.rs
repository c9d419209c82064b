//! Validation and compilation of model files: TOML in, [`Model`] out, or every error at once.

use super::error::{Lines, ModelError, ModelErrors};
use super::file;
use super::scope::{EventScope, LeadScope, Phase};
use super::{
    Aggregate, AggregateKind, Bounds, Decay, EngagementRule, EventFilter, Grades, Group, Limit,
    Model, PointsRule, Stage,
};
use crate::expr::{self, Condition, Scope, Ty};
use crate::time::Duration;
use rustc_hash::FxHashMap;
use serde::Deserialize;
use smol_str::SmolStr;
use std::collections::HashSet;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeValue, ValueDeserializer};

type Item<'i> = Spanned<DeValue<'i>>;

const SECTIONS: [&str; 10] = [
    "model",
    "attributes",
    "fit",
    "engagement",
    "aggregates",
    "signals",
    "groups",
    "limits",
    "grades",
    "bant",
];

/// Collects errors while walking the file.
struct Cx<'s> {
    src: &'s str,
    lines: Lines,
    errors: Vec<ModelError>,
}

impl Cx<'_> {
    fn err(&mut self, span: Range<usize>, place: impl Into<String>, message: impl Into<String>) {
        let line = self.lines.line(span.start);
        self.errors.push(ModelError {
            line,
            place: place.into(),
            message: message.into(),
        });
    }

    /// Deserialises one table, reporting a failure against `place`.
    fn read<'i, T: Deserialize<'i>>(&mut self, item: &Item<'i>, place: &str) -> Option<T> {
        match T::deserialize(ValueDeserializer::from(item.clone())) {
            Ok(v) => Some(v),
            Err(e) => {
                let span = e.span().unwrap_or_else(|| item.span());
                self.err(span, place, e.message().trim().to_string());
                None
            }
        }
    }

    /// Compiles a condition held in a TOML string, reporting errors at its line.
    fn condition(
        &mut self,
        text: &Spanned<String>,
        place: &str,
        scope: &dyn Scope,
    ) -> Option<Condition> {
        match expr::compile(text.get_ref(), scope) {
            Ok(c) => Some(c),
            Err(errors) => {
                for e in errors {
                    let snippet = text.get_ref().get(e.span.clone()).unwrap_or("").trim();
                    let at = if snippet.is_empty() {
                        String::new()
                    } else {
                        format!(" (at `{snippet}`)")
                    };
                    self.err(text.span(), place, format!("{}{at}", e.message));
                }
                None
            }
        }
    }

    fn duration(&mut self, text: &Spanned<String>, place: &str) -> Option<Duration> {
        match Duration::parse(text.get_ref()) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(text.span(), place, e.to_string());
                None
            }
        }
    }

    fn decay(&mut self, text: &Spanned<String>, place: &str) -> Option<Decay> {
        let lower = text.get_ref().trim().to_ascii_lowercase();
        let t = lower.as_str();
        if t == "none" {
            return Some(Decay::None);
        }
        let parsed = if let Some(rest) = t.strip_prefix("half-life") {
            Duration::parse(rest).ok().map(Decay::HalfLife)
        } else if let Some(rest) = t.strip_prefix("linear") {
            Duration::parse(rest).ok().map(Decay::Linear)
        } else {
            None
        };
        if parsed.is_none() {
            self.err(
                text.span(),
                place,
                format!("`{t}` is not a decay; expected `none`, `half-life 30d` or `linear 90d`"),
            );
        }
        parsed
    }

    fn limit(&mut self, text: &Spanned<String>, place: &str) -> Option<Limit> {
        let lower = text.get_ref().trim().to_ascii_lowercase();
        let t = lower.as_str();
        if t == "once" {
            return Some(Limit::Once);
        }
        let parsed = t.split_once('/').and_then(|(n, per)| {
            let n: u32 = n.trim().parse().ok().filter(|n| *n > 0)?;
            match per.trim() {
                "day" => Some(Limit::PerDay(n)),
                "week" => Some(Limit::PerWeek(n)),
                _ => None,
            }
        });
        if parsed.is_none() {
            self.err(
                text.span(),
                place,
                format!(
                    "`{t}` is not a frequency limit; expected `once`, `N/day` or `N/week` (N ≥ 1)"
                ),
            );
        }
        parsed
    }
}

/// Rule names are explanation keys, so they must be unique across sections.
fn unique(cx: &mut Cx<'_>, names: &mut HashSet<String>, name: &str, span: Range<usize>, p: &str) {
    if name.trim().is_empty() {
        cx.err(span, p, "`name` must not be empty");
    } else if !names.insert(name.to_string()) {
        cx.err(
            span,
            p,
            format!("another rule is already called `{name}`; rule names must be unique"),
        );
    }
}

/// Reads and compiles a `[[fit]]` or `[[signals]]` list.
fn points_rules<'i>(
    cx: &mut Cx<'_>,
    items: Option<&'i Item<'i>>,
    section: &str,
    kind: &str,
    scope: &LeadScope<'_>,
    groups: &[SmolStr],
    names: &mut HashSet<String>,
) -> Vec<PointsRule> {
    let mut rules = Vec::new();
    for (i, item) in list_items(cx, items, section).iter().enumerate() {
        let p = place(kind, &entry_name(item), i);
        let Some(r) = cx.read::<file::PointsRule>(item, &p) else {
            continue;
        };
        unique(cx, names, &r.name, item.span(), &p);
        let group = group_index(cx, groups, &r.group, item.span(), &p);
        if let Some(when) = cx.condition(&r.when, &format!("{p}, `when`"), scope) {
            rules.push(PointsRule {
                name: r.name.as_str().into(),
                when,
                points: r.points,
                group,
            });
        }
    }
    rules
}

fn place(kind: &str, name: &str, index: usize) -> String {
    if name.is_empty() {
        format!("{kind} #{}", index + 1)
    } else {
        format!("{kind} `{name}`")
    }
}

/// The name of a rule-like table, for messages, even when the rest is malformed.
fn entry_name(item: &Item<'_>) -> String {
    item.get_ref()
        .get("name")
        .and_then(|n| n.get_ref().as_str())
        .unwrap_or("")
        .to_string()
}

fn list_items<'a, 'i>(cx: &mut Cx<'_>, v: Option<&'a Item<'i>>, section: &str) -> &'a [Item<'i>] {
    match v.map(|v| (v, v.get_ref())) {
        None => &[],
        Some((_, DeValue::Array(a))) => a,
        Some((v, other)) => {
            cx.err(
                v.span(),
                format!("[[{section}]]"),
                format!(
                    "expected a list of tables ([[{section}]]), found {}",
                    other.type_str()
                ),
            );
            &[]
        }
    }
}

fn events_filter(names: &file::EventNames) -> EventFilter {
    let v = names.to_vec();
    if v.iter().any(|n| n == "*") {
        EventFilter::Any
    } else {
        EventFilter::Names(v.into_iter().map(SmolStr::from).collect())
    }
}

fn group_index(
    cx: &mut Cx<'_>,
    groups: &[SmolStr],
    g: &Option<String>,
    span: Range<usize>,
    place: &str,
) -> Option<usize> {
    let g = g.as_ref()?;
    let found = groups.iter().position(|n| n == g);
    if found.is_none() {
        let known = if groups.is_empty() {
            "the model defines no [[groups]]".to_string()
        } else {
            format!(
                "expected one of {}",
                groups
                    .iter()
                    .map(|g| format!("`{g}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        cx.err(span, place, format!("unknown group `{g}`; {known}"));
    }
    found
}

fn check_bounds(cx: &mut Cx<'_>, b: Bounds, span: Range<usize>, place: &str) {
    if let (Some(min), Some(max)) = (b.min, b.max)
        && min > max
    {
        cx.err(
            span,
            place,
            format!("min ({min}) is greater than max ({max})"),
        );
    }
}

pub(crate) fn compile(src: &str) -> Result<Model, ModelErrors> {
    let mut cx = Cx {
        src,
        lines: Lines::new(src),
        errors: Vec::new(),
    };
    let (root, syntax) = toml::de::DeTable::parse_recoverable(src);
    if !syntax.is_empty() {
        for e in syntax {
            let span = e.span().unwrap_or(0..0);
            cx.err(span, "", format!("TOML syntax: {}", e.message().trim()));
        }
        return Err(ModelErrors(cx.errors));
    }
    let table = root.get_ref();
    for (key, _) in table.iter() {
        let k = key.get_ref().as_ref();
        if !SECTIONS.contains(&k) && !["stages", "triggers", "predictive"].contains(&k) {
            cx.err(
                key.span(),
                "",
                format!(
                    "unknown section `{k}`; expected one of {}, stages, triggers, predictive",
                    SECTIONS.join(", ")
                ),
            );
        }
    }
    let get = |k: &str| table.get(k);
    let model = compile_sections(&mut cx, &get);
    let _ = cx.src;
    if cx.errors.is_empty() {
        model.ok_or_else(|| ModelErrors(Vec::new()))
    } else {
        cx.errors.sort_by_key(|e| e.line);
        Err(ModelErrors(cx.errors))
    }
}

fn compile_sections<'i>(
    cx: &mut Cx<'_>,
    get: &dyn Fn(&str) -> Option<&'i Item<'i>>,
) -> Option<Model> {
    // [model]
    let meta: Option<file::Meta> = match get("model") {
        Some(item) => cx.read(item, "[model]"),
        None => {
            cx.err(
                0..0,
                "[model]",
                "missing [model] table with `name` and `version`",
            );
            None
        }
    };
    let default_decay = meta
        .as_ref()
        .and_then(|m| m.decay.as_ref())
        .map_or(Some(Decay::None), |d| cx.decay(d, "[model] decay"));

    // [attributes]
    let mut attr_types: Vec<(String, Ty)> = Vec::new();
    if let Some(item) = get("attributes") {
        let declared: Option<std::collections::BTreeMap<String, Spanned<String>>> =
            cx.read(item, "[attributes]");
        for (name, ty) in declared.unwrap_or_default() {
            let t = match ty.get_ref().as_str() {
                "number" => Ty::Num,
                "text" => Ty::Str,
                "bool" => Ty::Bool,
                other => {
                    cx.err(
                        ty.span(),
                        format!("attribute `{name}`"),
                        format!("unknown type `{other}`; expected number, text or bool"),
                    );
                    continue;
                }
            };
            attr_types.push((name, t));
        }
    }

    // [[groups]]
    let mut groups = Vec::new();
    let mut group_names: Vec<SmolStr> = Vec::new();
    for (i, item) in list_items(cx, get("groups"), "groups").iter().enumerate() {
        let p = place("group", &entry_name(item), i);
        let Some(g) = cx.read::<file::Group>(item, &p) else {
            continue;
        };
        if group_names.iter().any(|n| n == g.name.as_str()) {
            cx.err(item.span(), &p, "a group with this name is already defined");
        }
        check_bounds(
            cx,
            Bounds {
                min: g.min,
                max: g.max,
            },
            item.span(),
            &p,
        );
        group_names.push(g.name.as_str().into());
        groups.push(Group {
            name: g.name.as_str().into(),
            label: g.label.unwrap_or(g.name),
            min: g.min,
            max: g.max,
        });
    }

    let mut rule_names: HashSet<String> = HashSet::new();

    // [[aggregates]]
    let event_scope = EventScope::default();
    let mut aggregates = Vec::new();
    for (i, item) in list_items(cx, get("aggregates"), "aggregates")
        .iter()
        .enumerate()
    {
        let p = place("aggregate", &entry_name(item), i);
        let Some(a) = cx.read::<file::Aggregate>(item, &p) else {
            continue;
        };
        if aggregates
            .iter()
            .any(|x: &Aggregate| x.name == a.name.as_str())
        {
            cx.err(
                item.span(),
                &p,
                "an aggregate with this name is already defined",
            );
        }
        let kind = match a.kind.get_ref().as_str() {
            "count" => Some(AggregateKind::Count),
            "sessions" => Some(AggregateKind::Sessions),
            "channels" => Some(AggregateKind::Channels),
            "active_days" => Some(AggregateKind::ActiveDays),
            "reactivated" => Some(AggregateKind::Reactivated),
            "contacts" => Some(AggregateKind::Contacts),
            other => {
                cx.err(
                    a.kind.span(),
                    &p,
                    format!(
                        "unknown kind `{other}`; expected one of {}",
                        AggregateKind::NAMES.join(", ")
                    ),
                );
                None
            }
        };
        let account = match a.scope.as_ref().map(|s| (s, s.get_ref().as_str())) {
            None | Some((_, "lead")) => false,
            Some((_, "account")) => true,
            Some((s, other)) => {
                cx.err(
                    s.span(),
                    &p,
                    format!("unknown scope `{other}`; expected `lead` or `account`"),
                );
                false
            }
        };
        if kind == Some(AggregateKind::Contacts) && !account {
            cx.err(
                a.kind.span(),
                &p,
                "kind `contacts` counts an account's contacts: add scope = \"account\"",
            );
        }
        let dormant = match (&a.dormant, kind) {
            (Some(d), _) => cx.duration(d, &p),
            (None, Some(AggregateKind::Reactivated)) => {
                cx.err(a.kind.span(), &p, "kind `reactivated` needs `dormant`, the silence that counts as dormant (e.g. \"30d\")");
                None
            }
            (None, _) => Some(Duration(0)),
        };
        let window = cx.duration(&a.window, &p);
        let when = match &a.when {
            Some(w) => cx.condition(w, &format!("{p}, `when`"), &event_scope),
            None => Some(Condition::always()),
        };
        if let (Some(kind), Some(window), Some(dormant), Some(when)) = (kind, window, dormant, when)
        {
            let events = a.event.as_ref().map_or(EventFilter::Any, events_filter);
            aggregates.push(Aggregate {
                name: a.name.as_str().into(),
                kind,
                events,
                when,
                window,
                dormant,
                account,
            });
        }
    }

    let agg_names = |account: bool| {
        aggregates
            .iter()
            .enumerate()
            .filter(|(_, a)| a.account == account)
            .map(|(i, a)| (a.name.clone(), i as u16))
            .collect::<Vec<_>>()
    };
    let lead_scope = LeadScope {
        slots: Default::default(),
        phase: std::cell::Cell::new(Phase::Bant),
        groups: &group_names,
        lead_aggs: agg_names(false),
        account_aggs: agg_names(true),
        attr_types: &attr_types,
    };

    // [bant]
    let mut bant: [Option<Condition>; 4] = Default::default();
    if let Some(item) = get("bant")
        && let Some(b) = cx.read::<file::Bant>(item, "[bant]")
    {
        let texts = [&b.budget, &b.authority, &b.need, &b.timeline];
        for (i, text) in texts.into_iter().enumerate() {
            if let Some(t) = text {
                bant[i] = cx.condition(t, &format!("[bant] {}", super::BANT_NAMES[i]), &lead_scope);
            }
        }
    }

    // [[fit]]
    lead_scope.phase.set(Phase::Fit);
    let fit = points_rules(
        cx,
        get("fit"),
        "fit",
        "fit rule",
        &lead_scope,
        &group_names,
        &mut rule_names,
    );

    // [[engagement]]
    let mut engagement = Vec::new();
    for (i, item) in list_items(cx, get("engagement"), "engagement")
        .iter()
        .enumerate()
    {
        let p = place("engagement rule", &entry_name(item), i);
        let Some(r) = cx.read::<file::EngagementRule>(item, &p) else {
            continue;
        };
        unique(cx, &mut rule_names, &r.name, item.span(), &p);
        let group = group_index(cx, &group_names, &r.group, item.span(), &p);
        let when = match &r.when {
            Some(w) => cx.condition(w, &format!("{p}, `when`"), &event_scope),
            None => Some(Condition::always()),
        };
        let limit = r
            .limit
            .as_ref()
            .map_or(Some(Limit::None), |l| cx.limit(l, &p));
        let decay = match &r.decay {
            Some(d) => cx.decay(d, &p),
            None => default_decay,
        };
        if let Some(cap) = r.cap
            && cap <= 0.0
        {
            cx.err(item.span(), &p, format!("`cap` must be positive (it bounds the rule's points in absolute value), found {cap}"));
        }
        if r.event.to_vec().is_empty() {
            cx.err(
                item.span(),
                &p,
                "`event` must name at least one event, or \"*\" for any",
            );
        }
        if let (Some(when), Some(limit), Some(decay)) = (when, limit, decay) {
            engagement.push(EngagementRule {
                name: r.name.as_str().into(),
                events: events_filter(&r.event),
                when,
                points: r.points,
                cap: r.cap,
                limit,
                decay,
                group,
            });
        }
    }

    // [[signals]]
    lead_scope.phase.set(Phase::Signal);
    let signals = points_rules(
        cx,
        get("signals"),
        "signals",
        "signal",
        &lead_scope,
        &group_names,
        &mut rule_names,
    );

    // [limits]
    let limits: file::Limits = get("limits")
        .and_then(|item| cx.read(item, "[limits]"))
        .unwrap_or_default();
    let to_bounds = |b: file::Bounds| Bounds {
        min: b.min,
        max: b.max,
    };
    if let Some(item) = get("limits") {
        for (name, b) in [
            ("fit", limits.fit),
            ("engagement", limits.engagement),
            ("total", limits.total),
        ] {
            check_bounds(cx, to_bounds(b), item.span(), &format!("[limits] {name}"));
        }
    }

    // [grades]
    let grades = match get("grades") {
        None => Grades::default(),
        Some(item) => cx
            .read::<file::Grades>(item, "[grades]")
            .map(|g| grades(cx, &g, item.span()))
            .unwrap_or_default(),
    };

    // [[stages]]
    lead_scope.phase.set(Phase::Stage);
    let mut stages = vec![Stage {
        name: "lead".into(),
        label: "Lead".into(),
        when: None,
        manual: false,
    }];
    for (i, item) in list_items(cx, get("stages"), "stages").iter().enumerate() {
        let p = place("stage", &entry_name(item), i);
        let Some(s) = cx.read::<file::Stage>(item, &p) else {
            continue;
        };
        if s.name.eq_ignore_ascii_case("lead") {
            cx.err(
                item.span(),
                &p,
                "`lead` is the base stage every lead starts in; it is implicit, do not declare it",
            );
            continue;
        }
        if stages.iter().any(|x| x.name.eq_ignore_ascii_case(&s.name)) {
            cx.err(item.span(), &p, "a stage with this name is already defined");
        }
        let when = match (&s.when, s.manual) {
            (Some(w), false) => cx.condition(w, &format!("{p}, `when`"), &lead_scope),
            (None, false) => {
                cx.err(item.span(), &p, "an automatic stage needs `when` (its entry criteria); set `manual = true` for stages that people set");
                None
            }
            (Some(w), true) => {
                cx.err(
                    w.span(),
                    &p,
                    "a manual stage is set by people and cannot have `when`",
                );
                None
            }
            (None, true) => None,
        };
        stages.push(Stage {
            label: s.label.unwrap_or_else(|| s.name.clone()),
            name: s.name.as_str().into(),
            when,
            manual: s.manual,
        });
    }

    // [[triggers]]
    let mut triggers: Vec<super::Trigger> = Vec::new();
    let mut trigger_names = HashSet::new();
    let trigger_cx = super::trigger::TriggerContext {
        stages: &stages,
        groups: &groups,
        hot: grades.hot,
    };
    for (i, item) in list_items(cx, get("triggers"), "triggers")
        .iter()
        .enumerate()
    {
        let p = place("trigger", &entry_name(item), i);
        let Some(t) = cx.read::<file::Trigger>(item, &p) else {
            continue;
        };
        if t.name.trim().is_empty() {
            cx.err(item.span(), &p, "`name` must not be empty");
        } else if !trigger_names.insert(t.name.clone()) {
            cx.err(
                item.span(),
                &p,
                "another trigger has this name; trigger names must be unique",
            );
        }
        match super::trigger::compile(&t, &trigger_cx) {
            Ok(t) => triggers.push(t),
            Err(errors) => {
                for e in errors {
                    cx.err(item.span(), &p, e);
                }
            }
        }
    }

    // [predictive]
    let predictive = get("predictive")
        .and_then(|item| cx.read::<file::Predictive>(item, "[predictive]"))
        .map(|p| SmolStr::from(p.model.trim()));
    if predictive.is_none()
        && lead_scope
            .slots
            .borrow()
            .contains(&super::LeadSlot::Probability)
    {
        cx.err(
            0..0,
            "",
            "`probability` is used, but no trained model is named; add [predictive] with model = \"<version>\"",
        );
    }

    let meta = meta?;
    let version = match &meta.version {
        toml::Value::String(s) => SmolStr::from(s.as_str()),
        other => SmolStr::from(other.to_string()),
    };
    let lead_slots = lead_scope.slots.into_inner();
    let event_slots = event_scope.keys.into_inner();
    let (agg_lists, agg_list_of) = aggregate_lists(&aggregates);
    let (dispatch_by_name, mut dispatch_any) =
        dispatch_table(&engagement, &aggregates, &agg_lists, &agg_list_of);
    let mut dispatch_names = super::ShortKeys::default();
    let mut dispatches = Vec::with_capacity(dispatch_by_name.len());
    for (name, d) in dispatch_by_name {
        dispatch_names.add(&name, dispatches.len() as u32);
        dispatches.push(d);
    }
    if event_slots.len() > super::MAX_EVENT_SLOTS {
        cx.err(
            0..0,
            "",
            format!(
                "event conditions read {} distinct properties; a model may read at most {}",
                event_slots.len(),
                super::MAX_EVENT_SLOTS
            ),
        );
    }
    let computed = super::ComputedSlots::new(&lead_slots, &aggregates, groups.len());
    let event_keys: Vec<super::EventKey> = event_slots
        .iter()
        .map(|k| match k.as_str() {
            super::EVENT_NAME_KEY => super::EventKey::Name,
            super::EVENT_CHANNEL_KEY => super::EventKey::Channel,
            _ => super::EventKey::Prop(k.clone()),
        })
        .collect();
    let event_needs = (
        event_keys.contains(&super::EventKey::Name),
        event_keys.contains(&super::EventKey::Channel),
    );
    let key_matcher = super::KeyMatcher::new(&event_keys);
    let (_, head_of) = super::head_slots(
        engagement
            .iter()
            .map(|r| &r.when)
            .chain(agg_lists.iter().map(|l| &l.when)),
    );
    for d in dispatches.iter_mut().chain([&mut dispatch_any]) {
        let conditions = d.rules.iter().map(|&i| &engagement[i as usize].when);
        let conditions = conditions.chain(d.aggs.iter().map(|&i| &agg_lists[i as usize].when));
        let mut heads: Vec<u32> = conditions
            .flat_map(|c| c.head_slots())
            .map(|s| s.0)
            .filter(|&s| head_of.get(s as usize).is_some_and(|&h| h != u8::MAX))
            .collect();
        heads.sort_unstable();
        heads.dedup();
        d.heads = heads;
    }
    let event_at_init = crate::engine::event_slot_template(&event_keys);
    let mut attr_slots = super::ShortKeys::default();
    for (i, slot) in lead_slots.iter().enumerate() {
        if let super::LeadSlot::Attr(name) = slot {
            attr_slots.add(name, i as u32);
        }
    }
    Some(Model {
        name: meta.name.as_str().into(),
        version,
        description: meta.description.unwrap_or_default(),
        decay: default_decay?,
        fit,
        engagement,
        aggregates,
        signals,
        groups,
        fit_bounds: to_bounds(limits.fit),
        engagement_bounds: to_bounds(limits.engagement),
        total_bounds: to_bounds(limits.total),
        grades,
        bant,
        stages,
        triggers,
        predictive,
        predictor: None,
        lead_slots,
        event_slots,
        dispatch_known: crate::known::OffsetTable::new(|name| dispatch_names.first(name)),
        dispatch_names,
        dispatches,
        dispatch_any,
        computed,
        event_needs,
        event_at_init,
        key_matcher,
        head_of,
        agg_lists,
        agg_list_of,
        attr_known: crate::known::OffsetTable::new(|name| attr_slots.first(name)),
        attr_slots,
    })
}

/// Indexes rules by the event names they look at, so an event only meets
/// the rules that can match it.
fn index_by_event<'a>(
    filters: impl Iterator<Item = &'a EventFilter>,
) -> (FxHashMap<SmolStr, Vec<u32>>, Vec<u32>) {
    let mut by_name: FxHashMap<SmolStr, Vec<u32>> = FxHashMap::default();
    let mut any = Vec::new();
    for (i, f) in filters.enumerate() {
        match f {
            EventFilter::Any => any.push(i as u32),
            EventFilter::Names(names) => {
                for n in names {
                    by_name.entry(n.clone()).or_default().push(i as u32);
                }
            }
        }
    }
    (by_name, any)
}

/// One table from event name to everything that event meets; rules for
/// "any event" are merged in, in model order.
/// Groups aggregates that look at the same events under the same condition,
/// so each event is recorded once per distinct list, not once per aggregate.
fn aggregate_lists(aggregates: &[Aggregate]) -> (Vec<super::AggList>, Vec<u32>) {
    let mut lists: Vec<super::AggList> = Vec::new();
    let mut list_of = Vec::with_capacity(aggregates.len());
    for a in aggregates {
        let same = |l: &super::AggList| l.events == a.events && l.when.source() == a.when.source();
        let i = match lists.iter().position(same) {
            Some(i) => i,
            None => {
                lists.push(super::AggList {
                    events: a.events.clone(),
                    when: a.when.clone(),
                    account: false,
                });
                lists.len() - 1
            }
        };
        lists[i].account |= a.account;
        list_of.push(i as u32);
    }
    (lists, list_of)
}

fn dispatch_table(
    engagement: &[EngagementRule],
    aggregates: &[Aggregate],
    lists: &[super::AggList],
    list_of: &[u32],
) -> (Vec<(SmolStr, super::Dispatch)>, super::Dispatch) {
    let (rules_by, rules_any) = index_by_event(engagement.iter().map(|r| &r.events));
    let (aggs_by, aggs_any) = index_by_event(lists.iter().map(|l| &l.events));
    let merged = |named: Option<&Vec<u32>>, any: &[u32]| {
        let mut v: Vec<u32> = named.into_iter().flatten().chain(any).copied().collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let make = |rules: Vec<u32>, aggs: Vec<u32>| {
        let kinds = |k| {
            aggregates
                .iter()
                .zip(list_of)
                .any(|(a, l)| a.kind == k && aggs.contains(l))
        };
        super::Dispatch {
            needs_session: kinds(AggregateKind::Sessions),
            needs_channel: kinds(AggregateKind::Channels),
            rules,
            aggs,
            heads: Vec::new(),
        }
    };
    let names: std::collections::BTreeSet<&SmolStr> =
        rules_by.keys().chain(aggs_by.keys()).collect();
    let table = names
        .into_iter()
        .map(|n| {
            // Bookkeeping messages meet only the rules that name them.
            let identity = ["identify", "group", "alias"].contains(&n.as_str());
            let (rules_any, aggs_any): (&[u32], &[u32]) = if identity {
                (&[], &[])
            } else {
                (&rules_any, &aggs_any)
            };
            let d = make(
                merged(rules_by.get(n), rules_any),
                merged(aggs_by.get(n), aggs_any),
            );
            (n.clone(), d)
        })
        .collect();
    (table, make(rules_any, aggs_any))
}

fn grades(cx: &mut Cx<'_>, g: &file::Grades, span: Range<usize>) -> Grades {
    let mut out = Grades::default();
    let mut thresholds =
        |map: &std::collections::BTreeMap<String, f64>, keys: [&str; 3], what: &str| -> [f64; 3] {
            let mut t = [0.0; 3];
            for k in map.keys() {
                if !keys.contains(&k.as_str()) {
                    cx.err(
                        span.clone(),
                        format!("[grades] {what}"),
                        format!("unknown band `{k}`; expected {}", keys.join(", ")),
                    );
                }
            }
            for (i, k) in keys.iter().enumerate() {
                match map.get(*k) {
                    Some(v) => t[i] = *v,
                    None => cx.err(
                        span.clone(),
                        format!("[grades] {what}"),
                        format!("missing threshold for `{k}`"),
                    ),
                }
            }
            if !(t[0] >= t[1] && t[1] >= t[2]) {
                cx.err(
                    span.clone(),
                    format!("[grades] {what}"),
                    format!(
                        "thresholds must not increase from {} to {}: found {t:?}",
                        keys[0], keys[2]
                    ),
                );
            }
            t
        };
    out.fit = thresholds(&g.fit, ["A", "B", "C"], "fit");
    out.engagement = thresholds(&g.engagement, ["1", "2", "3"], "engagement");
    out.hot = [[false; 4]; 4];
    for cell in &g.hot {
        let b = cell.as_bytes();
        let ok = b.len() == 2
            && (b'A'..=b'D').contains(&b[0].to_ascii_uppercase())
            && (b'1'..=b'4').contains(&b[1]);
        if ok {
            out.hot[usize::from(b[0].to_ascii_uppercase() - b'A')][usize::from(b[1] - b'1')] = true;
        } else {
            cx.err(
                span.clone(),
                "[grades] hot",
                format!("`{cell}` is not a matrix cell; expected A1 ... D4"),
            );
        }
    }
    out
}
