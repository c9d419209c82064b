//! The feedback form's BANT questions, made from the active model's `[bant]`
//! conditions: one field per profile attribute a criterion reads, asked for
//! the way the condition reads it (a number, yes/no, or text with the values
//! the condition names as suggestions).

use crate::dashboard::i18n::Texts;
use leadscore_core::expr::Input;
use leadscore_core::model::{BANT_NAMES, LeadSlot, Model};
use serde_json::Value;
use std::collections::HashMap;

/// The prefix of an answer field's name; the rest is the attribute.
const FIELD_PREFIX: &str = "answer.";

/// One question of the form.
pub struct Question {
    /// The criterion's name (Budget, Authority, ...).
    pub criterion: String,
    /// The profile attribute the answer is stored under.
    pub attribute: String,
    /// The form field's name.
    pub field: String,
    /// The criterion's condition, shown as a hint.
    pub rule: String,
    /// `number`, `yesno` or `text`.
    pub kind: &'static str,
    /// Values to suggest (for `text`).
    pub options: Vec<String>,
}

/// A BANT criterion's name in the viewer's language.
pub fn criterion_name(t: &Texts, name: &str) -> String {
    match name {
        "budget" => t.bant_budget,
        "authority" => t.bant_authority,
        "need" => t.bant_need,
        "timeline" => t.bant_timeline,
        other => other,
    }
    .to_owned()
}

/// The questions for `model`'s BANT criteria, in criterion order; an
/// attribute two criteria read is asked once. Criteria that read no
/// profile attribute (only scores or email checks) ask nothing.
pub fn questions(model: &Model, t: &Texts) -> Vec<Question> {
    let mut out: Vec<Question> = Vec::new();
    for (name, condition) in BANT_NAMES.iter().zip(&model.bant) {
        let Some(condition) = condition else { continue };
        for (slot, input) in condition.inputs() {
            let Some(LeadSlot::Attr(attribute)) = model.lead_slots.get(slot.0 as usize) else {
                continue;
            };
            if out.iter().any(|q| q.attribute == attribute.as_str()) {
                continue;
            }
            let (kind, options) = match input {
                Input::Number => ("number", Vec::new()),
                Input::YesNo => ("yesno", Vec::new()),
                Input::Choice(values) => ("text", values),
                Input::Text => ("text", Vec::new()),
            };
            out.push(Question {
                criterion: criterion_name(t, name),
                attribute: attribute.to_string(),
                field: format!("{FIELD_PREFIX}{attribute}"),
                rule: condition.source().to_owned(),
                kind,
                options,
            });
        }
    }
    out
}

/// The answers given in a submitted form, by attribute: only the fields of
/// `questions`, trimmed, empty ones left out; numbers (with a decimal comma
/// too) stored as numbers.
pub fn answers(
    questions: &[Question],
    form: &HashMap<String, String>,
) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    for q in questions {
        let Some(given) = form
            .get(&q.field)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        let number = if q.kind == "number" {
            given.replace(',', ".").parse::<f64>().ok()
        } else {
            given.parse::<f64>().ok()
        };
        let value = number
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(given.to_owned()), Value::Number);
        out.insert(q.attribute.clone(), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{answers, questions};
    use crate::dashboard::i18n::EN;
    use leadscore_core::model::Model;
    use serde_json::json;

    const MODEL: &str = r#"
[model]
name = "t"
version = "1"
[bant]
budget = "annual_budget >= 10000"
authority = 'role in ["Owner", "Founder"] or decision_maker'
need = "pain is present"
"#;

    #[test]
    fn questions_follow_the_models_bant_conditions() {
        let model = Model::from_toml(MODEL).unwrap();
        let qs = questions(&model, &EN);
        let shape: Vec<_> = qs
            .iter()
            .map(|q| {
                (
                    q.criterion.as_str(),
                    q.attribute.as_str(),
                    q.kind,
                    q.options.clone(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                ("Budget", "annual_budget", "number", vec![]),
                // Cheap tests first, as the condition evaluates them.
                ("Authority", "decision_maker", "yesno", vec![]),
                (
                    "Authority",
                    "role",
                    "text",
                    vec!["founder".to_owned(), "owner".to_owned()]
                ),
                ("Need", "pain", "text", vec![]),
            ]
        );
        let form = [
            ("answer.annual_budget", "12500,5"),
            ("answer.role", " Owner "),
            ("answer.pain", ""),
            ("answer.not_asked", "x"),
            ("kind", "bant"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(
            serde_json::Value::Object(answers(&qs, &form)),
            json!({"annual_budget": 12500.5, "role": "Owner"})
        );
    }
}
