//! Triggers inside a scoring transaction: each fresh score steps every
//! trigger's per-lead state; a firing applies its actions to the lead and
//! writes its webhooks to the outbox, in the same transaction as the score
//! that caused it. A crash therefore either keeps the score, the new state
//! and the outbox rows, or none of them: a firing is never lost and never
//! repeated by a recompute or a restart.

use super::writeset::WriteSet;
use super::*;
use leadscore_core::engine::MANUAL_STAGE_ATTRIBUTE;
use leadscore_core::model::{Action, Model, Trigger};
use leadscore_store::{NewDelivery, OfferRow, TriggerStateRow};
use serde_json::json;

/// The profile attribute tags live in: a space-separated, sorted list, so
/// rule conditions can read it (`tags contains "vip"`).
pub const TAGS_ATTRIBUTE: &str = "tags";

/// Rounds of re-scoring after actions that change what scoring reads (a
/// stage set by a trigger can fire a trigger on that stage, and so on).
const MAX_ROUNDS: usize = 3;

/// Everything firings changed, written with the scores.
#[derive(Default)]
pub(super) struct Fired {
    /// Trigger states by (lead, trigger): `None` clears the stored state.
    states: FxHashMap<(String, String), Option<TriggerStateRow>>,
    counters: FxHashSet<String>,
    deliveries: Vec<NewDelivery>,
    offers: Vec<OfferRow>,
    /// Leads whose profile or owner an action changed.
    leads: FxHashSet<u32>,
    /// Leads whose owner an action changed.
    pub owners: FxHashSet<u32>,
    /// Leads to score again because an action changed what scoring reads.
    rescore: FxHashSet<u32>,
    /// The trigger behind each lead's change.
    pub cause: FxHashMap<u32, String>,
}

impl Fired {
    /// The leads to score again in round `round`, if any; takes them.
    pub fn take_rescore(&mut self, round: usize) -> Option<Vec<u32>> {
        if self.rescore.is_empty() || round >= MAX_ROUNDS {
            return None;
        }
        let mut leads: Vec<u32> = self.rescore.drain().collect();
        leads.sort_unstable();
        Some(leads)
    }
}

impl Task {
    /// Steps every trigger of the active model on fresh scores.
    pub(super) fn fire(
        &mut self,
        scores: &[(u32, LeadScore)],
        cause: &FxHashMap<u32, String>,
        default_cause: &str,
        out: &mut Fired,
    ) {
        let model = Arc::clone(&self.rt.active.model);
        for (i, s) in scores {
            for t in &model.triggers {
                let armed = self.rt.armed(t, *i);
                let (fire, after) = t.step(armed, s);
                if after != armed {
                    let lead_id = self.rt.leads[*i as usize].profile.id.to_string();
                    let at_start = self.rt.set_armed(t, *i, after);
                    let row = (!at_start).then(|| TriggerStateRow {
                        lead_id: lead_id.clone(),
                        trigger: t.name.to_string(),
                        armed: after,
                        at: s.as_of.0,
                    });
                    out.states.insert((lead_id, t.name.to_string()), row);
                }
                if fire {
                    let why = cause.get(i).map_or(default_cause, String::as_str);
                    self.act(t, *i, s, &model, why, out);
                }
            }
        }
    }

    fn act(
        &mut self,
        t: &Trigger,
        i: u32,
        s: &LeadScore,
        model: &Model,
        why: &str,
        out: &mut Fired,
    ) {
        let cause = format!("trigger:{}", t.name);
        let now = s.as_of.0;
        let changed = |out: &mut Fired, rescore: bool| {
            out.leads.insert(i);
            out.cause.insert(i, cause.clone());
            if rescore {
                out.rescore.insert(i);
            }
        };
        for a in &t.actions {
            let entry = &mut self.rt.leads[i as usize];
            match a {
                Action::Webhook(_) => {}
                Action::AssignRoundRobin(_) | Action::AssignBy { .. } => {
                    let key = format!("round-robin:{}", t.name);
                    let turn = self.rt.counters.get(&key).copied().unwrap_or(0);
                    let Some(owner) = a.owner(&entry.profile, turn.max(0) as u64) else {
                        continue;
                    };
                    if matches!(a, Action::AssignRoundRobin(_)) {
                        self.rt.counters.insert(key.clone(), turn + 1);
                        out.counters.insert(key);
                    }
                    if entry.owner.as_deref() != Some(owner.as_str()) {
                        entry.owner = Some(owner.to_string());
                        out.owners.insert(i);
                        changed(out, false);
                    }
                }
                Action::Tag(tag) | Action::Untag(tag) => {
                    if set_tag(&mut entry.profile, tag, matches!(a, Action::Tag(_))) {
                        changed(out, true);
                    }
                }
                Action::SetStage(stage) => {
                    let v = Value::Str(stage.clone());
                    if entry.profile.get(MANUAL_STAGE_ATTRIBUTE) != &v {
                        entry
                            .profile
                            .attributes
                            .insert(MANUAL_STAGE_ATTRIBUTE.into(), v);
                        changed(out, true);
                    }
                }
                Action::Offer { id, content } => out.offers.push(OfferRow {
                    lead_id: entry.profile.id.to_string(),
                    offer_id: id.to_string(),
                    content: content.to_string(),
                    trigger: t.name.to_string(),
                    created_at: now,
                }),
            }
        }
        // Webhooks go last, so their payload shows what the other actions
        // did (the new owner, tags, stage).
        for a in &t.actions {
            let Action::Webhook(hook) = a else { continue };
            let delivery_id = format!("dlv_{}", hex::encode(rand::random::<[u8; 16]>()));
            let payload = payload(
                &delivery_id,
                t,
                model,
                self.rt.active.version,
                &self.rt.leads[i as usize],
                s,
                why,
            );
            out.deliveries.push(NewDelivery {
                delivery_id,
                webhook: hook.to_string(),
                lead_id: self.rt.leads[i as usize].profile.id.to_string(),
                trigger: t.name.to_string(),
                payload: payload.to_string(),
                created_at: now,
            });
        }
    }

    /// Records what firings changed.
    pub(super) fn write_fired(&mut self, ws: &mut WriteSet, fired: Fired, now: i64) {
        ws.upsert_leads(self.lead_rows(&fired.leads, now));
        ws.trigger_states(fired.states);
        let counters: Vec<(String, i64)> = fired
            .counters
            .into_iter()
            .map(|k| {
                let v = self.rt.counters.get(&k).copied().unwrap_or(0);
                (k, v)
            })
            .collect();
        ws.put_counters(counters);
        ws.put_offers(fired.offers);
        ws.enqueue(fired.deliveries);
    }
}

/// Adds or removes a tag; true if the tags changed.
pub fn set_tag(p: &mut leadscore_core::Profile, tag: &str, on: bool) -> bool {
    let current = p.get(TAGS_ATTRIBUTE).as_str().unwrap_or("").to_owned();
    let mut tags: Vec<&str> = current.split_whitespace().collect();
    let had = tags.contains(&tag);
    if had == on {
        return false;
    }
    if on {
        tags.push(tag);
        tags.sort_unstable();
    } else {
        tags.retain(|t| *t != tag);
    }
    let joined = tags.join(" ");
    if joined.is_empty() {
        p.attributes.remove(TAGS_ATTRIBUTE);
    } else {
        p.attributes
            .insert(TAGS_ATTRIBUTE.into(), Value::Str(joined.into()));
    }
    true
}

/// The JSON a webhook receives.
fn payload(
    delivery_id: &str,
    t: &Trigger,
    model: &Model,
    version: i64,
    entry: &crate::runtime::LeadEntry,
    s: &LeadScore,
    cause: &str,
) -> serde_json::Value {
    json!({
        "type": "trigger.fired",
        "delivery_id": delivery_id,
        "fired_at": s.as_of.to_rfc3339(),
        "trigger": {"name": t.name, "line": t.describe(model)},
        "cause": cause,
        "model": {"name": model.name, "version": version},
        "lead": {
            "id": entry.profile.id,
            "owner": entry.owner,
            "account": entry.account,
            "attributes": crate::runtime::rows::profile_json(&entry.profile),
        },
        "score": {
            "total": s.total,
            "fit": s.fit,
            "engagement": s.engagement,
            "groups": crate::runtime::rows::groups_json(model, s),
            "cell": s.cell(),
            "hot": s.hot,
            "stage": s.stage_name(model),
            "bant": s.bant,
            "email_quality": s.email.as_str(),
        },
        "reasons": crate::runtime::rows::reasons_json(model, s),
    })
}
