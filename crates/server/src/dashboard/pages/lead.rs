//! One lead: profile, email quality, BANT, score per group, the predicted
//! probability and its factors, every point explained, the timeline with
//! the points each event earned, score and stage history, and the sales
//! feedback form.

use crate::app::AppState;
use crate::dashboard::chart::{self, Kind, Series};
use crate::dashboard::frame::{Frame, OrPage, PageError, check_csrf, render};
use crate::dashboard::i18n::Texts;
use crate::dashboard::session::Viewer;
use crate::dashboard::{assets, url_encode};
use crate::explain::lead_detail;
use crate::routes::feedback::{FeedbackBody, record};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use leadscore_core::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

/// A label and a formatted value.
pub type Pair = (String, String);

/// One rule's line of the explanation.
pub struct Line {
    pub kind: &'static str,
    pub rule: String,
    pub condition: String,
    pub matched: bool,
    pub counted: String,
    pub raw: String,
    pub points: String,
}

/// One event of the timeline.
pub struct Event {
    pub at: String,
    pub what: String,
    pub detail: String,
    pub earned: String,
}

/// One change of stage.
pub struct StageStep {
    pub at: String,
    pub stage: String,
    pub cell: String,
    pub total: String,
    pub cause: String,
}

/// One piece of recorded feedback.
pub struct FeedbackLine {
    pub at: String,
    pub kind: String,
    pub detail: String,
    pub actor: String,
}

#[derive(Template)]
#[template(path = "lead.html")]
struct Page {
    f: Frame,
    assets: &'static str,
    id: String,
    action: String,
    name: String,
    email: String,
    account: Option<(String, String)>,
    owner: String,
    facts: Vec<Pair>,
    profile: Vec<Pair>,
    email_quality: Vec<(String, bool)>,
    email_class: String,
    scored: bool,
    total: String,
    fit: String,
    engagement: String,
    cell: String,
    hot: bool,
    stage: String,
    bant_count: String,
    bant: Vec<(String, bool)>,
    groups: Vec<Pair>,
    probability: Option<String>,
    factors: Vec<Pair>,
    lines: Vec<Line>,
    events: Vec<Event>,
    history_chart: String,
    stages: Vec<StageStep>,
    manual_stages: Vec<String>,
    feedback: Vec<FeedbackLine>,
    /// The feedback form's BANT questions, from the active model.
    questions: Vec<super::bant_form::Question>,
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn kind_name(t: &'static Texts, kind: &str) -> &'static str {
    match kind {
        "fit" => t.kind_fit,
        "engagement" => t.kind_engagement,
        _ => t.kind_signal,
    }
}

/// What an event was, for people: the track event's name or the page's path.
fn describe(e: &Value) -> (String, String) {
    let kind = e["type"].as_str().unwrap_or_default();
    let props = &e["properties"];
    match kind {
        "track" => (
            text(&e["event"]),
            props
                .as_object()
                .map(|o| {
                    o.iter()
                        .take(3)
                        .map(|(k, v)| format!("{k}: {}", text(v)))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
        ),
        "page" | "screen" => (
            Some(text(&e["name"]))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| kind.to_owned()),
            text(&props["path"]),
        ),
        other => (other.to_owned(), text(&e["userId"])),
    }
}

/// `GET /leads/{id}`.
pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Query(done): Query<super::Done>,
) -> Result<Response, PageError> {
    let f = Frame::new(&v, "leads", done.done.as_deref());
    let d = lead_detail(&state, &id).await.or_page(&v)?;
    let feedback = state.store.feedback_of(&id).await.or_page(&v)?;
    let (t, lang) = (f.t, f.lang);
    let num = |x: &Value| lang.num(x.as_f64().unwrap_or_default(), 1);
    let s = &d["score"];

    // Points each event earned: the change of total its history entry records.
    let history = d["history"].as_array().cloned().unwrap_or_default();
    let mut earned: HashMap<String, f64> = HashMap::new();
    let mut steps = Vec::new();
    let (mut prev_total, mut prev_stage) = (0.0, String::new());
    let (mut xs, mut totals) = (Vec::new(), Vec::new());
    for h in &history {
        let total = h["total"].as_f64().unwrap_or_default();
        let at = h["at"].as_i64().unwrap_or_default();
        let cause = text(&h["cause"]);
        if let Some(msg) = cause.strip_prefix("event:") {
            *earned.entry(msg.to_owned()).or_default() += total - prev_total;
        }
        let stage = text(&h["stage"]);
        if stage != prev_stage {
            steps.push(StageStep {
                at: lang.datetime(at),
                stage: stage.clone(),
                cell: text(&h["cell"]),
                total: lang.num(total, 1),
                cause: cause.clone(),
            });
            prev_stage = stage;
        }
        prev_total = total;
        xs.push(at as f64 / 1000.0);
        totals.push(Some(total));
    }
    steps.reverse();
    let history_chart = if xs.len() >= 2 {
        chart::data(
            Kind::Time,
            &xs,
            &[],
            &[Series {
                label: t.total.to_owned(),
                values: totals,
            }],
        )
    } else {
        String::new()
    };

    let events = d["timeline"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let (what, detail) = describe(e);
            let at = e["timestamp"]
                .as_str()
                .and_then(|s| Timestamp::parse(s).ok())
                .map_or_else(String::new, |ts| lang.datetime(ts.0));
            let earned = e["messageId"]
                .as_str()
                .and_then(|m| earned.get(m))
                .filter(|p| p.abs() >= 0.05)
                .map_or_else(String::new, |p| {
                    format!("{}{}", if *p > 0.0 { "+" } else { "" }, lang.num(*p, 1))
                });
            Event {
                at,
                what,
                detail,
                earned,
            }
        })
        .collect();

    let ex = &d["explanation"];
    let lines = ex["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| Line {
            kind: kind_name(t, l["kind"].as_str().unwrap_or_default()),
            rule: text(&l["rule"]),
            condition: text(&l["condition"]),
            matched: l["matched"].as_bool().unwrap_or(false),
            counted: if l["kind"] == "engagement" {
                lang.num(l["counted"].as_f64().unwrap_or_default(), 0)
            } else {
                String::new()
            },
            raw: num(&l["raw"]),
            points: num(&l["points"]),
        })
        .collect();
    let bant = ex["bant"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            (
                super::bant_form::criterion_name(t, b[0].as_str().unwrap_or_default()),
                b[1].as_bool().unwrap_or(false),
            )
        })
        .collect();
    let groups = s["groups"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(g, p)| (g.clone(), num(p)))
        .collect();
    let q = &d["email_quality"];
    let email_quality = [
        (t.valid, "valid"),
        (t.disposable, "disposable"),
        (t.role_address, "role"),
        (t.free_provider, "free"),
        (t.corporate, "corporate"),
    ]
    .iter()
    .map(|(label, key)| ((*label).to_owned(), q[*key].as_bool().unwrap_or(false)))
    .collect();
    let p = &d["predictive"];
    let probability = p["probability"].as_f64().map(|x| lang.pct(Some(x)));
    let factors = p["factors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| {
            let e = x["effect"].as_f64().unwrap_or_default();
            (
                text(&x["feature"]),
                format!("{}{}", if e > 0.0 { "+" } else { "" }, lang.num(e, 3)),
            )
        })
        .collect();
    let model = state.active().model;
    let questions = super::bant_form::questions(&model, t);
    let manual_stages = model
        .stages
        .iter()
        .filter(|s| s.manual)
        .map(|s| s.name.to_string())
        .collect();
    let feedback = feedback
        .into_iter()
        .rev()
        .map(|fb| {
            let mut detail = Vec::new();
            if let Some(r) = fb.reached {
                detail.push(format!("{}: {}", t.reached, f.yes_no(&r)));
            }
            if let Some(r) = fb.first_try {
                detail.push(format!("{}: {}", t.first_try, f.yes_no(&r)));
            }
            if let Some(r) = &fb.reason {
                detail.push(format!("{}: {r}", t.reason));
            }
            if let Some(x) = fb.value {
                detail.push(format!("{}: {}", t.deal_value, lang.num(x, 0)));
            }
            if let Some(n) = &fb.note {
                detail.push(n.clone());
            }
            FeedbackLine {
                at: lang.datetime(fb.at),
                kind: feedback_kind(t, &fb.kind).to_owned(),
                detail: detail.join(" · "),
                actor: fb.actor,
            }
        })
        .collect();
    let account = d["account"]
        .as_str()
        .map(|a| (a.to_owned(), format!("/accounts/{}", url_encode(a))));
    let facts = vec![
        (
            t.created_at.to_owned(),
            d["created_at"]
                .as_i64()
                .map_or_else(String::new, |m| lang.datetime(m)),
        ),
        (
            t.last_activity.to_owned(),
            f.at_opt(&s["last_activity"].as_i64()),
        ),
        (
            t.events_label.to_owned(),
            lang.num(s["events"].as_f64().unwrap_or_default(), 0),
        ),
    ];
    Ok(render(&Page {
        assets: assets::version(),
        action: format!("/leads/{}/feedback", url_encode(&id)),
        name: d["name"].as_str().unwrap_or(&id).to_owned(),
        email: text(&d["email"]),
        account,
        owner: text(&d["owner"]),
        facts,
        profile: d["profile"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), text(v)))
            .collect(),
        email_quality,
        email_class: text(&q["class"]),
        scored: !s.is_null(),
        total: num(&s["total"]),
        fit: num(&s["fit"]),
        engagement: num(&s["engagement"]),
        cell: text(&s["cell"]),
        hot: s["hot"].as_bool().unwrap_or(false),
        stage: text(&s["stage"]),
        bant_count: lang.num(s["bant"].as_f64().unwrap_or_default(), 0),
        bant,
        groups,
        probability,
        factors,
        lines,
        events,
        history_chart,
        stages: steps,
        manual_stages,
        feedback,
        questions,
        id,
        f,
    }))
}

/// A feedback kind's name.
fn feedback_kind(t: &'static Texts, kind: &str) -> &'static str {
    match kind {
        "contact" => t.fk_contact,
        "accepted" => t.fk_accepted,
        "rejected" => t.fk_rejected,
        "opportunity" => t.fk_opportunity,
        "won" => t.fk_won,
        "lost" => t.fk_lost,
        _ => t.fk_bant,
    }
}

/// The feedback form; empty fields are not given.
#[derive(Debug, Deserialize)]
pub struct FeedbackForm {
    csrf: String,
    kind: String,
    #[serde(default)]
    reached: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    stage: String,
    /// The BANT answers (`answer.ATTRIBUTE`) and anything else.
    #[serde(flatten)]
    answers: std::collections::HashMap<String, String>,
}

impl FeedbackForm {
    /// The feedback, with the answers to `questions`.
    fn body(
        self,
        questions: &[super::bant_form::Question],
    ) -> Result<FeedbackBody, crate::error::ApiError> {
        let given = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let value = match given(self.value) {
            Some(v) => Some(
                v.replace(',', ".")
                    .parse::<f64>()
                    .map_err(|_| crate::error::ApiError::field("value", "expected a number"))?,
            ),
            None => None,
        };
        let answers = super::bant_form::answers(questions, &self.answers);
        let kind = self.kind;
        Ok(FeedbackBody {
            reached: (kind == "contact").then(|| self.reached == "true"),
            kind: Some(kind),
            reason: given(self.reason),
            value,
            note: given(self.note),
            stage: given(self.stage),
            answers: (!answers.is_empty()).then_some(answers),
            ..FeedbackBody::default()
        })
    }
}

/// `POST /leads/{id}/feedback`: every role may record feedback.
pub async fn feedback(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(form): Form<FeedbackForm>,
) -> Result<Response, PageError> {
    check_csrf(&v, &form.csrf)?;
    let questions = super::bant_form::questions(&state.active().model, v.lang.texts());
    let body = form.body(&questions).or_page(&v)?;
    record(&state, &id, body, &v.user.email).await.or_page(&v)?;
    state.dashboard.cache.expire();
    Ok(Redirect::to(&format!(
        "/leads/{}?done=feedback#feedback",
        url_encode(&id)
    ))
    .into_response())
}
