//! Identity stitching: which lead an event belongs to, when visitors browse
//! anonymously before identifying themselves and leads get merged by alias.
//!
//! The rules, chosen to be simple and deterministic:
//!
//! * Any message carrying both a `userId` and an `anonymousId` links the
//!   anonymous id to that user.
//! * An anonymous id belongs to the **first** user it was linked to, in
//!   event-time order (ties broken by message id, then user id). A shared
//!   device later identified as someone else does not merge the two people;
//!   that second person's own events still carry their `userId`.
//! * An alias whose `previousId` is a known user id (seen as a `userId`
//!   anywhere) merges that user into the alias's `userId`, which is kept.
//!   Merges apply in event-time order, and chains follow through: after
//!   `alias(B, A)` and `alias(C, B)`, `A` and `B` both resolve to `C`.
//! * An alias whose `previousId` was never a user id is taken to be an
//!   anonymous id and linked to the alias's `userId` like any other link.
//!
//! The answer depends only on the set of observed events, never on the order
//! they were observed in: [`Stitcher::resolve`] sorts the evidence by time.

use crate::event::{Event, EventKind};
use crate::time::Timestamp;
use rustc_hash::{FxHashMap, FxHashSet};
use smol_str::SmolStr;
use std::sync::OnceLock;

/// Collects identity evidence from events and answers which lead an event
/// belongs to.
///
/// Call [`observe`](Stitcher::observe) for every event, then ask
/// [`lead_of`](Stitcher::lead_of). Resolution happens on the first question
/// after new observations (or explicitly with [`resolve`](Stitcher::resolve)).
#[derive(Debug, Clone, Default)]
pub struct Stitcher {
    /// The earliest link of each anonymous id; only the first one matters,
    /// so there is no need to keep every event that repeats it.
    first_link: FxHashMap<SmolStr, LinkKey>,
    /// Every alias message, resolved later because whether `previousId` is a
    /// user id is only known once everything has been observed.
    aliases: Vec<Alias>,
    /// Every id seen as a `userId`.
    users: FxHashSet<SmolStr>,
    resolved: OnceLock<Resolution>,
}

/// When a link was made, then the user it points to: ordered so that the
/// minimum is the link that wins.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct LinkKey {
    at: Timestamp,
    message_id: SmolStr,
    user_id: SmolStr,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Alias {
    at: Timestamp,
    message_id: SmolStr,
    user_id: SmolStr,
    previous_id: SmolStr,
}

#[derive(Debug, Clone, Default)]
struct Resolution {
    /// Anonymous id to the user it first identified as (before merges).
    anonymous: FxHashMap<SmolStr, SmolStr>,
    /// Merged user id to the user id it resolves to now.
    canonical: FxHashMap<SmolStr, SmolStr>,
    /// Merged user ids in the order their merges happened.
    merge_order: Vec<SmolStr>,
}

impl Stitcher {
    /// A stitcher that has seen nothing.
    pub fn new() -> Stitcher {
        Stitcher::default()
    }

    /// Records the identity evidence an event carries, if any.
    pub fn observe(&mut self, e: &Event) {
        let Some(user_id) = &e.user_id else {
            return;
        };
        self.resolved = OnceLock::new();
        self.users.insert(user_id.clone());
        if e.kind == EventKind::Alias
            && let Some(previous_id) = e.previous_id.as_ref().filter(|p| *p != user_id)
        {
            self.aliases.push(Alias {
                at: e.timestamp,
                message_id: e.message_id.clone(),
                user_id: user_id.clone(),
                previous_id: previous_id.clone(),
            });
        }
        if let Some(anonymous_id) = &e.anonymous_id {
            let key = LinkKey {
                at: e.timestamp,
                message_id: e.message_id.clone(),
                user_id: user_id.clone(),
            };
            self.link(anonymous_id, key);
        }
    }

    fn link(&mut self, anonymous_id: &SmolStr, key: LinkKey) {
        match self.first_link.get_mut(anonymous_id) {
            Some(best) if key < *best => *best = key,
            Some(_) => {}
            None => {
                self.first_link.insert(anonymous_id.clone(), key);
            }
        }
    }

    /// Works out links and merges from everything observed so far. Optional:
    /// the queries do it when needed; calling it up front keeps that cost
    /// out of the first query.
    pub fn resolve(&mut self) {
        self.resolution();
    }

    fn resolution(&self) -> &Resolution {
        self.resolved.get_or_init(|| self.compute())
    }

    fn compute(&self) -> Resolution {
        let mut aliases: Vec<&Alias> = self.aliases.iter().collect();
        aliases.sort();

        let mut anonymous_links = self.first_link.clone();
        let mut merges = Merges::default();
        for a in aliases {
            if self.users.contains(&a.previous_id) {
                merges.merge(&a.user_id, &a.previous_id);
            } else {
                let key = LinkKey {
                    at: a.at,
                    message_id: a.message_id.clone(),
                    user_id: a.user_id.clone(),
                };
                let best = anonymous_links
                    .entry(a.previous_id.clone())
                    .or_insert_with(|| key.clone());
                if key < *best {
                    *best = key;
                }
            }
        }

        let order = std::mem::take(&mut merges.order);
        let canonical = order
            .iter()
            .map(|id| (id.clone(), merges.find(id)))
            .collect();
        Resolution {
            anonymous: anonymous_links
                .into_iter()
                .map(|(a, key)| (a, key.user_id))
                .collect(),
            canonical,
            merge_order: order,
        }
    }

    /// The lead an event belongs to: its `userId` if it has one, else the
    /// user its `anonymousId` first identified as; either way followed
    /// through merges. `None` for an anonymous id that never identified.
    pub fn lead_of(&self, e: &Event) -> Option<SmolStr> {
        match (&e.user_id, &e.anonymous_id) {
            (Some(user_id), _) => Some(self.canonical(user_id)),
            (None, Some(anonymous_id)) => self.lead_of_anonymous(anonymous_id),
            (None, None) => None,
        }
    }

    /// The lead an anonymous id belongs to, if it ever identified.
    pub fn lead_of_anonymous(&self, anonymous_id: &str) -> Option<SmolStr> {
        let user_id = self.resolution().anonymous.get(anonymous_id)?;
        Some(self.canonical(user_id))
    }

    /// The id a user id resolves to after merges (itself if never merged).
    pub fn canonical(&self, user_id: &str) -> SmolStr {
        self.resolution()
            .canonical
            .get(user_id)
            .cloned()
            .unwrap_or_else(|| SmolStr::new(user_id))
    }

    /// Every user id merged into another, as `(kept, merged)` where `kept` is
    /// the id it resolves to now, in the order the merges happened.
    pub fn merges(&self) -> Vec<(SmolStr, SmolStr)> {
        let r = self.resolution();
        r.merge_order
            .iter()
            .filter_map(|merged| Some((r.canonical.get(merged)?.clone(), merged.clone())))
            .collect()
    }
}

/// Union-find over user ids where the union names its survivor, because an
/// alias says which id is kept.
#[derive(Debug, Default)]
struct Merges {
    parent: FxHashMap<SmolStr, SmolStr>,
    order: Vec<SmolStr>,
}

impl Merges {
    /// The id `id` resolves to, pointing everything on the way straight at
    /// it so that long alias chains are walked once.
    fn find(&mut self, id: &SmolStr) -> SmolStr {
        let mut root = id;
        while let Some(next) = self.parent.get(root) {
            root = next;
        }
        let root = root.clone();
        let mut current = id.clone();
        while let Some(next) = self.parent.get(&current).cloned() {
            if next != root {
                self.parent.insert(current, root.clone());
            }
            current = next;
        }
        root
    }

    fn merge(&mut self, kept: &SmolStr, merged: &SmolStr) {
        let kept_root = self.find(kept);
        let merged_root = self.find(merged);
        if kept_root != merged_root {
            self.order.push(merged_root.clone());
            self.parent.insert(merged_root, kept_root);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Props;
    use proptest::prelude::*;

    fn event(
        kind: EventKind,
        id: &str,
        at: i64,
        user: Option<&str>,
        anon: Option<&str>,
        previous: Option<&str>,
    ) -> Event {
        Event {
            message_id: id.into(),
            kind,
            name: kind.as_str().into(),
            user_id: user.map(SmolStr::from),
            anonymous_id: anon.map(SmolStr::from),
            timestamp: Timestamp(at),
            properties: Props::default(),
            traits: Props::default(),
            group_id: None,
            previous_id: previous.map(SmolStr::from),
        }
    }

    fn page(id: &str, at: i64, anon: &str) -> Event {
        event(EventKind::Page, id, at, None, Some(anon), None)
    }

    fn identify(id: &str, at: i64, user: &str, anon: &str) -> Event {
        event(EventKind::Identify, id, at, Some(user), Some(anon), None)
    }

    fn alias(id: &str, at: i64, user: &str, previous: &str) -> Event {
        event(EventKind::Alias, id, at, Some(user), None, Some(previous))
    }

    fn stitch(events: &[Event]) -> Stitcher {
        let mut s = Stitcher::new();
        for e in events {
            s.observe(e);
        }
        s
    }

    #[test]
    fn anonymous_visits_before_identify_are_attributed() {
        let visits = [page("p1", 1, "a1"), page("p2", 2, "a1")];
        let s = stitch(&[
            visits[0].clone(),
            visits[1].clone(),
            identify("i1", 3, "lan", "a1"),
        ]);
        assert_eq!(s.lead_of(&visits[0]).as_deref(), Some("lan"));
        assert_eq!(s.lead_of(&visits[1]).as_deref(), Some("lan"));
        assert_eq!(s.lead_of(&page("p3", 9, "a1")).as_deref(), Some("lan"));
    }

    #[test]
    fn never_identified_stays_anonymous() {
        let s = stitch(&[page("p1", 1, "a9"), identify("i1", 3, "lan", "a1")]);
        assert_eq!(s.lead_of(&page("p1", 1, "a9")), None);
        assert_eq!(
            s.lead_of(&event(EventKind::Track, "x", 1, None, None, None)),
            None
        );
        assert!(s.merges().is_empty());
    }

    #[test]
    fn shared_device_belongs_to_first_user() {
        let s = stitch(&[
            identify("i2", 20, "minh", "a1"),
            identify("i1", 10, "lan", "a1"),
        ]);
        assert_eq!(s.lead_of(&page("p", 30, "a1")).as_deref(), Some("lan"));
        let minh_event = event(EventKind::Track, "t", 31, Some("minh"), Some("a1"), None);
        assert_eq!(s.lead_of(&minh_event).as_deref(), Some("minh"));
        assert!(s.merges().is_empty());
    }

    #[test]
    fn alias_merges_users_keeping_the_alias_user_id() {
        let s = stitch(&[
            identify("i1", 1, "old", "a1"),
            identify("i2", 2, "older", "a2"),
            alias("al2", 6, "new", "old"),
            alias("al1", 5, "old", "older"),
        ]);
        assert_eq!(s.lead_of(&page("p", 9, "a1")).as_deref(), Some("new"));
        assert_eq!(s.lead_of(&page("p", 9, "a2")).as_deref(), Some("new"));
        assert_eq!(s.canonical("older"), "new");
        assert_eq!(s.canonical("stranger"), "stranger");
        assert_eq!(
            s.merges(),
            vec![("new".into(), "older".into()), ("new".into(), "old".into())]
        );
    }

    #[test]
    fn alias_cycles_and_self_aliases_are_harmless() {
        let s = stitch(&[
            identify("i1", 1, "a", "x"),
            identify("i2", 1, "b", "y"),
            alias("al1", 2, "a", "b"),
            alias("al2", 3, "b", "a"),
            alias("al3", 4, "a", "a"),
        ]);
        assert_eq!(s.canonical("b"), "a");
        assert_eq!(s.canonical("a"), "a");
        assert_eq!(s.merges(), vec![("a".into(), "b".into())]);
    }

    #[test]
    fn alias_of_an_anonymous_id_links_it() {
        let s = stitch(&[page("p1", 1, "anon-7"), alias("al", 2, "lan", "anon-7")]);
        assert_eq!(s.lead_of(&page("p1", 1, "anon-7")).as_deref(), Some("lan"));
        assert!(s.merges().is_empty());
    }

    #[test]
    fn observing_more_refreshes_answers() {
        let mut s = stitch(&[page("p1", 1, "a1")]);
        s.resolve();
        assert_eq!(s.lead_of(&page("p1", 1, "a1")), None);
        s.observe(&identify("i1", 2, "lan", "a1"));
        assert_eq!(s.lead_of(&page("p1", 1, "a1")).as_deref(), Some("lan"));
    }

    fn events() -> impl Strategy<Value = Vec<Event>> {
        let one = (
            0..4usize,
            0..6i64,
            0..5usize,
            proptest::option::of(0..4usize),
            0..5usize,
        )
            .prop_map(|(k, at, msg, user, anon)| {
                let kind = [
                    EventKind::Identify,
                    EventKind::Track,
                    EventKind::Page,
                    EventKind::Alias,
                ][k];
                let user = user.map(|u| format!("u{u}"));
                let anon = format!("a{anon}");
                let msg = format!("m{msg}");
                match kind {
                    EventKind::Alias => {
                        // previousId is sometimes a user id, sometimes an anonymous id.
                        let previous = if at % 2 == 0 {
                            format!("u{}", (at + 1) % 4)
                        } else {
                            anon
                        };
                        alias(&msg, at, user.as_deref().unwrap_or("u0"), &previous)
                    }
                    _ => event(kind, &msg, at, user.as_deref(), Some(&anon), None),
                }
            });
        proptest::collection::vec(one, 0..25)
    }

    proptest! {
        #[test]
        fn order_does_not_matter((original, shuffled) in events().prop_flat_map(|v| {
            (Just(v.clone()), Just(v).prop_shuffle())
        })) {
            let a = stitch(&original);
            let b = stitch(&shuffled);
            prop_assert_eq!(a.merges(), b.merges());
            for e in &original {
                prop_assert_eq!(a.lead_of(e), b.lead_of(e));
            }
            for i in 0..5 {
                let anon = format!("a{i}");
                prop_assert_eq!(a.lead_of_anonymous(&anon), b.lead_of_anonymous(&anon));
            }
        }
    }
}
