//! Conversions between the engine's values and the store's rows.

use leadscore_core::engine::LeadScore;
use leadscore_core::model::Model;
use leadscore_core::{Profile, Value};
use leadscore_store::{LeadRow, ScoreRow};
use serde::{Serialize, Serializer};
use serde_json::Value as Json;
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

/// A score's group totals by group name (names sorted, as a JSON object
/// of serde_json's keeps its keys), serialised straight into the score
/// row's text: building a `serde_json::Value` tree of copied names first
/// took a tenth of the writer thread's time under load, and 3.7 times the
/// instructions per score row (docs/benchmarks.md, "Score rows' JSON
/// written directly").
struct Groups<'a>(&'a Model, &'a LeadScore);

impl Serialize for Groups<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut named: Vec<(&str, f64)> = (self.0.groups.iter())
            .zip(&self.1.groups)
            .map(|(g, v)| (g.name.as_str(), *v))
            .collect();
        named.sort_unstable_by(|a, b| a.0.cmp(b.0));
        ser.collect_map(named)
    }
}

/// A score's top reasons (see [`Groups`]).
struct Reasons<'a>(&'a Model, &'a LeadScore);

/// One reason; fields in the order of a JSON object's sorted keys.
#[derive(Serialize)]
struct Reason<'a> {
    points: f64,
    rule: &'a str,
}

impl Serialize for Reasons<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_seq(self.1.reasons.iter().map(|r| Reason {
            points: r.points,
            rule: r.name(self.0),
        }))
    }
}

/// Text of a value whose serialisation cannot fail (string keys, numbers).
fn text(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// A score's group totals by group name.
pub fn groups_json(model: &Model, s: &LeadScore) -> Json {
    serde_json::to_value(Groups(model, s)).unwrap_or_default()
}

/// A score's top reasons: rule name and points.
pub fn reasons_json(model: &Model, s: &LeadScore) -> Json {
    serde_json::to_value(Reasons(model, s)).unwrap_or_default()
}

/// The stored row of a score.
pub fn score_row(model: &Model, version: i64, lead_id: &str, s: &LeadScore) -> ScoreRow {
    ScoreRow {
        model_version: version,
        lead_id: lead_id.to_owned(),
        total: s.total,
        fit: s.fit,
        engagement: s.engagement,
        groups: text(&Groups(model, s)),
        bant: i64::from(s.bant),
        cell: s.cell().as_str().to_owned(),
        hot: s.hot,
        stage: s.stage_name(model).to_owned(),
        manual_stage: s.manual_stage,
        email_quality: s.email.as_str().to_owned(),
        last_activity: s.last_activity.map(|t| t.0),
        events: i64::from(s.events),
        reasons: text(&Reasons(model, s)),
        scored_at: s.as_of.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadscore_core::engine::LeadState;
    use leadscore_core::{Event, Timestamp};

    /// The score row's JSON is the text a `serde_json::Value` of the same
    /// content prints (keys sorted), so rows written before and after the
    /// direct serialisation read alike.
    #[test]
    fn score_row_json_is_the_text_of_its_json_value() {
        let src = include_str!("../../../../examples/b2b-saas.toml");
        let model = Model::from_toml(src).unwrap();
        let mut profile = Profile::new("L1");
        for (k, v) in [("job_title", "VP Sales"), ("company_size", "500")] {
            profile.attributes.insert(SmolStr::new(k), Value::from(v));
        }
        let mut state = LeadState::new(&model);
        for (i, name) in ["Pricing Viewed", "Demo Requested", "Email Clicked"]
            .iter()
            .enumerate()
        {
            let at = Timestamp(i as i64);
            state.apply(&model, &Event::track(&format!("m{i}"), "L1", name, at));
        }
        let s = model.score(&profile, &state, None, Timestamp(10));
        assert!(s.reasons.len() > 1 && s.groups.len() > 1);
        let mut groups = serde_json::Map::new();
        for (g, v) in model.groups.iter().zip(&s.groups) {
            groups.insert(g.name.to_string(), serde_json::json!(v));
        }
        let reasons: Vec<Json> = (s.reasons.iter())
            .map(|r| serde_json::json!({"rule": r.name(&model), "points": r.points}))
            .collect();
        let row = score_row(&model, 1, "L1", &s);
        assert_eq!(row.groups, Json::Object(groups).to_string());
        assert_eq!(row.reasons, Json::Array(reasons).to_string());
        assert_eq!(groups_json(&model, &s).to_string(), row.groups);
        assert_eq!(reasons_json(&model, &s).to_string(), row.reasons);
    }
}
