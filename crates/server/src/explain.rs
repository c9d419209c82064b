//! One lead in full for the API: its stored score, plus an explanation
//! recomputed from its events (the log is the source of truth, so the
//! explanation and the stored score come from the same facts).

use crate::app::AppState;
use crate::error::ApiError;
use crate::runtime::rows::{profile_from_json, profile_json};
use leadscore_core::engine::{LeadState, account_values};
use leadscore_core::{Timestamp, email, segment};
use leadscore_store::{LeadFilter, Store};
use serde_json::{Value, json};

/// Events shown in a lead's timeline.
const TIMELINE: usize = 100;
/// Contacts read to recompute account signals for an explanation.
const ACCOUNT_CONTACTS: u32 = 500;

/// A lead's engine state from all its events, and those events' rows
/// (newest first), so callers that also show them read the log once.
async fn state_of(
    store: &dyn Store,
    model: &leadscore_core::model::Model,
    id: &str,
) -> Result<(LeadState, Vec<leadscore_store::EventRow>), ApiError> {
    let rows = store.lead_events(id, i64::MAX).await?;
    let mut state = LeadState::new(model);
    for row in &rows {
        let e = segment::parse_line(&row.body).map_err(|e| ApiError::internal(&e))?;
        state.apply(model, &e);
    }
    Ok((state, rows))
}

/// Factors shown for a trained model's probability.
const FACTORS: usize = 6;

/// The JSON of one lead.
pub async fn lead_detail(state: &AppState, id: &str) -> Result<Value, ApiError> {
    let active = state.active();
    let model = &active.model;
    let (row, score) = state.store.lead_and_score(id, active.version).await?;
    let row = row.ok_or_else(|| ApiError::not_found(format!("lead {id}")))?;
    let profile = profile_from_json(id, &row.profile)
        .ok_or_else(|| ApiError::internal(&format!("lead {id} has a corrupt profile")))?;
    let now = Timestamp(crate::clock::now_ms());
    let (lead_state, rows) = state_of(state.store.as_ref(), model, id).await?;
    let account = match (&row.account, model.has_account_aggregates()) {
        (Some(a), true) => {
            let filter = LeadFilter {
                account: Some(a.clone()),
                limit: ACCOUNT_CONTACTS,
                ..LeadFilter::default()
            };
            let mut states = Vec::new();
            for member in state.store.ranked(active.version, &filter).await? {
                states.push(
                    state_of(state.store.as_ref(), model, &member.score.lead_id)
                        .await?
                        .0,
                );
            }
            let refs: Vec<&LeadState> = states.iter().collect();
            Some(account_values(model, &refs, now))
        }
        _ => None,
    };
    let (_, explanation) = model.explain(&profile, &lead_state, account.as_deref(), now);
    let q = email::assess(profile.get("email").as_str());

    let timeline: Vec<Value> = rows
        .iter()
        .take(TIMELINE)
        .map(|r| serde_json::from_str::<Value>(&r.body).unwrap_or(Value::Null))
        .collect();
    let history = state.store.history(id).await?;
    // The trained model's view, when the rule model names one.
    let predictive = model.predictor.as_ref().map(|p| {
        let factors: Vec<Value> = p
            .factors_at(&profile, now, FACTORS)
            .into_iter()
            .map(|(feature, effect)| json!({"feature": feature, "effect": effect}))
            .collect();
        json!({
            "model": p.version(),
            "probability": p.probability_at(&profile, now),
            "factors": factors,
        })
    });
    Ok(json!({
        "id": row.id,
        "name": row.name,
        "email": row.email,
        "account": row.account,
        "owner": row.owner,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "profile": profile_json(&profile),
        "email_quality": {
            "class": q.class().as_str(),
            "valid": q.valid,
            "disposable": q.disposable,
            "role": q.role,
            "free": q.free,
            "corporate": q.corporate,
        },
        "model_version": active.version,
        "score": score.map(|s| json!({
            "total": s.total,
            "fit": s.fit,
            "engagement": s.engagement,
            "groups": serde_json::from_str::<Value>(&s.groups).unwrap_or_default(),
            "bant": s.bant,
            "cell": s.cell,
            "hot": s.hot,
            "stage": s.stage,
            "manual_stage": s.manual_stage,
            "last_activity": s.last_activity,
            "events": s.events,
            "reasons": serde_json::from_str::<Value>(&s.reasons).unwrap_or_default(),
            "scored_at": s.scored_at,
        })),
        "explanation": explanation,
        "predictive": predictive,
        "timeline": timeline,
        "history": history,
    }))
}
