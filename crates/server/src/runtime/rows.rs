//! Conversions between the engine's values and the store's rows.

use leadscore_core::engine::LeadScore;
use leadscore_core::model::Model;
use leadscore_core::{Profile, Value};
use leadscore_store::{LeadRow, ScoreRow};
use serde_json::{Map, Value as Json, json};
use smol_str::SmolStr;

/// A profile's attributes as a JSON object.
pub fn profile_json(p: &Profile) -> Json {
    Json::Object(
        p.attributes
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_json()))
            .collect(),
    )
}

/// A profile from a stored JSON object; `None` if the text is not an object.
pub fn profile_from_json(id: &str, text: &str) -> Option<Profile> {
    let Ok(Json::Object(m)) = serde_json::from_str::<Json>(text) else {
        return None;
    };
    let mut p = Profile::new(id);
    for (k, v) in &m {
        p.attributes.insert(SmolStr::new(k), Value::from_json(v));
    }
    Some(p)
}

/// The name to show for a lead: `name`, else first and last name.
pub fn display_name(p: &Profile) -> Option<String> {
    if let Some(n) = p.get("name").as_str().filter(|s| !s.is_empty()) {
        return Some(n.to_owned());
    }
    let parts: Vec<&str> = ["first_name", "firstName", "last_name", "lastName"]
        .iter()
        .filter_map(|k| p.get(k).as_str())
        .filter(|s| !s.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// The stored row of a lead.
pub fn lead_row(p: &Profile, owner: Option<&str>, created_at: i64, now: i64) -> LeadRow {
    LeadRow {
        id: p.id.to_string(),
        profile: profile_json(p).to_string(),
        name: display_name(p),
        email: p.get("email").as_str().map(str::to_owned),
        account: p.account().map(str::to_owned),
        owner: owner.map(str::to_owned),
        created_at,
        updated_at: now,
    }
}

/// A score's group totals by group name.
pub fn groups_json(model: &Model, s: &LeadScore) -> Json {
    Json::Object(
        model
            .groups
            .iter()
            .zip(&s.groups)
            .map(|(g, v)| (g.name.to_string(), json!(v)))
            .collect::<Map<String, Json>>(),
    )
}

/// A score's top reasons: rule name and points.
pub fn reasons_json(model: &Model, s: &LeadScore) -> Json {
    Json::Array(
        s.reasons
            .iter()
            .map(|r| json!({"rule": r.name(model), "points": r.points}))
            .collect(),
    )
}

/// The stored row of a score.
pub fn score_row(model: &Model, version: i64, lead_id: &str, s: &LeadScore) -> ScoreRow {
    ScoreRow {
        model_version: version,
        lead_id: lead_id.to_owned(),
        total: s.total,
        fit: s.fit,
        engagement: s.engagement,
        groups: groups_json(model, s).to_string(),
        bant: i64::from(s.bant),
        cell: s.cell().to_string(),
        hot: s.hot,
        stage: s.stage_name(model).to_owned(),
        manual_stage: s.manual_stage,
        email_quality: s.email.as_str().to_owned(),
        last_activity: s.last_activity.map(|t| t.0),
        events: i64::from(s.events),
        reasons: reasons_json(model, s).to_string(),
        scored_at: s.as_of.0,
    }
}
