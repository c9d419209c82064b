//! Sales feedback: contact attempts and outcomes recorded by sales (one at a
//! time or as a CSV import). Each piece is stored with the profile change it
//! implies (sales status, a manual stage, BANT answers) in one transaction,
//! so the lead is re-scored and its history says who changed it.

use super::transfer::{CHUNK, Started, Tally, body_text, send_profiles};
use crate::app::AppState;
use crate::auth::Role;
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::explain::lead_detail;
use crate::writer::ProfileUpdate;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use leadscore_core::model::Model;
use leadscore_core::{Timestamp, Value};
use leadscore_store::FeedbackRow;
use rustc_hash::FxHashMap;
use serde::Deserialize;
use smol_str::SmolStr;

/// The profile attribute feedback keeps the sales verdict in (`accepted`,
/// `rejected`, `won`, `lost`); stage criteria can read it.
pub const SALES_STATUS: &str = "sales_status";

/// What kind of feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A contact attempt: `reached`, and whether it was the first try.
    Contact,
    /// Accepted as a sales-qualified lead.
    Accepted,
    /// Rejected, with a `reason`.
    Rejected,
    /// An opportunity was opened (`value` optional).
    Opportunity,
    /// Won (`value` optional).
    Won,
    /// Lost, with a `reason`.
    Lost,
    /// BANT answers learned on a call (`answers`).
    Bant,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Contact => "contact",
            Kind::Accepted => "accepted",
            Kind::Rejected => "rejected",
            Kind::Opportunity => "opportunity",
            Kind::Won => "won",
            Kind::Lost => "lost",
            Kind::Bant => "bant",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        serde_json::from_value(serde_json::Value::String(s.trim().to_lowercase())).ok()
    }

    /// The manual stage this outcome moves a lead to, when the model has it.
    fn default_stage(self) -> Option<&'static str> {
        match self {
            Kind::Opportunity => Some("opportunity"),
            Kind::Won => Some("customer"),
            _ => None,
        }
    }
}

/// One piece of feedback.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    /// `contact`, `accepted`, `rejected`, `opportunity`, `won`, `lost` or `bant`.
    pub kind: Option<String>,
    /// When it happened (RFC 3339 or Unix milliseconds); now when not given.
    pub at: Option<serde_json::Value>,
    /// For `contact`: whether the lead was reached.
    pub reached: Option<bool>,
    /// For `contact`: whether this was the first attempt; when not given,
    /// true if no contact attempt was recorded before.
    pub first_try: Option<bool>,
    /// For `rejected` and `lost`: why.
    pub reason: Option<String>,
    /// For `opportunity` and `won`: the deal's value.
    pub value: Option<f64>,
    /// Free text.
    pub note: Option<String>,
    /// A manual stage to set (e.g. `disqualified` or `recycled` with a
    /// rejection). `opportunity` and `won` set `opportunity` and `customer`
    /// when the model has those stages.
    pub stage: Option<String>,
    /// For `bant`: attribute = answer (e.g. `{"budget": 20000}`); stored on
    /// the profile, where the model's BANT criteria read them.
    #[schema(value_type = Object)]
    pub answers: Option<serde_json::Map<String, serde_json::Value>>,
}

fn at_ms(v: &Option<serde_json::Value>, now: i64) -> Result<i64, ApiError> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(now),
        Some(serde_json::Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| ApiError::field("at", "expected Unix milliseconds or an RFC 3339 time")),
        Some(serde_json::Value::String(s)) => Timestamp::parse(s)
            .map(|t| t.0)
            .map_err(|e| ApiError::field("at", format!("expected an RFC 3339 time: {e}"))),
        Some(_) => Err(ApiError::field(
            "at",
            "expected Unix milliseconds or an RFC 3339 time",
        )),
    }
}

/// Checks a piece of feedback and turns it into the profile change that
/// stores it. `earlier_contacts` is how many contact attempts the lead
/// already has.
pub fn to_update(
    model: &Model,
    lead_id: &str,
    body: FeedbackBody,
    actor: &str,
    earlier_contacts: usize,
    now: i64,
) -> Result<ProfileUpdate, ApiError> {
    let kind = body.kind.as_deref().and_then(Kind::parse).ok_or_else(|| {
        ApiError::field(
            "kind",
            "expected one of contact, accepted, rejected, opportunity, won, lost, bant",
        )
    })?;
    let at = at_ms(&body.at, now)?;
    let mut attributes: Vec<(SmolStr, Value)> = Vec::new();
    let mut status = |s: &str| attributes.push((SALES_STATUS.into(), Value::Str(s.into())));
    match kind {
        Kind::Contact if body.reached.is_none() => {
            return Err(ApiError::field(
                "reached",
                "a contact attempt needs `reached` (true or false)",
            ));
        }
        Kind::Rejected | Kind::Lost
            if body.reason.as_deref().is_none_or(|r| r.trim().is_empty()) =>
        {
            return Err(ApiError::field(
                "reason",
                format!("`{}` needs a reason", kind.as_str()),
            ));
        }
        Kind::Bant if body.answers.as_ref().is_none_or(serde_json::Map::is_empty) => {
            return Err(ApiError::field(
                "answers",
                "`bant` needs at least one answer, e.g. {\"budget\": 20000}",
            ));
        }
        Kind::Accepted => status("accepted"),
        Kind::Rejected => status("rejected"),
        Kind::Won => status("won"),
        Kind::Lost => status("lost"),
        _ => {}
    }
    if let Some(v) = body.value
        && !(v.is_finite() && v >= 0.0)
    {
        return Err(ApiError::field("value", "expected a number zero or above"));
    }
    attributes.extend(super::leads::scalar_attributes(
        "answers",
        body.answers.iter().flatten(),
    )?);
    let manual = |name: &str| {
        model
            .stages
            .iter()
            .find(|s| s.manual && s.name.eq_ignore_ascii_case(name))
    };
    let stage = match &body.stage {
        Some(name) => Some(manual(name).ok_or_else(|| {
            let names: Vec<&str> = model
                .stages
                .iter()
                .filter(|s| s.manual)
                .map(|s| s.name.as_str())
                .collect();
            ApiError::field(
                "stage",
                format!(
                    "expected a manual stage of the active model: {}",
                    names.join(", ")
                ),
            )
        })?),
        None => kind.default_stage().and_then(manual),
    };
    if let Some(s) = stage {
        attributes.push((
            leadscore_core::engine::MANUAL_STAGE_ATTRIBUTE.into(),
            Value::Str(s.name.clone()),
        ));
    }
    let first_try =
        (kind == Kind::Contact).then(|| body.first_try.unwrap_or(earlier_contacts == 0));
    Ok(ProfileUpdate {
        lead_id: lead_id.to_owned(),
        attributes,
        owner: None,
        cause: Some(format!("feedback:{actor}")),
        feedback: vec![FeedbackRow {
            lead_id: lead_id.to_owned(),
            at,
            kind: kind.as_str().to_owned(),
            reached: body.reached.filter(|_| kind == Kind::Contact),
            first_try,
            reason: body.reason.filter(|r| !r.trim().is_empty()),
            value: body.value,
            note: body.note.filter(|n| !n.trim().is_empty()),
            actor: actor.to_owned(),
        }],
    })
}

async fn earlier_contacts(state: &AppState, lead_id: &str) -> Result<usize, ApiError> {
    Ok(state
        .store
        .feedback_of(lead_id)
        .await?
        .iter()
        .filter(|f| f.kind == "contact")
        .count())
}

/// Records feedback on a lead; answers with the lead as it now stands.
#[utoipa::path(post, path = "/api/leads/{id}/feedback", tag = "feedback",
    params(("id" = String, Path, description = "Lead id")),
    request_body = FeedbackBody,
    responses((status = 201, body = Object), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let caller = state.keys.require(&headers, Role::Admin).await?;
    let body: FeedbackBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::json(format!("the body is not valid feedback: {e}")))?;
    record(&state, &id, body, &caller.name).await?;
    Ok((StatusCode::CREATED, Json(lead_detail(&state, &id).await?)))
}

/// Records one piece of feedback on a lead by `actor` (the API and the
/// dashboard's feedback form).
pub async fn record(
    state: &AppState,
    id: &str,
    body: FeedbackBody,
    actor: &str,
) -> Result<(), ApiError> {
    if state.store.lead(id).await?.is_none() {
        return Err(ApiError::not_found(format!("lead {id}")));
    }
    let earlier = earlier_contacts(state, id).await?;
    let update = to_update(&state.active().model, id, body, actor, earlier, now_ms())?;
    state.writer.update_profile(update).await?;
    Ok(())
}

/// A lead's feedback, oldest first.
#[utoipa::path(get, path = "/api/leads/{id}/feedback", tag = "feedback",
    params(("id" = String, Path, description = "Lead id")),
    responses((status = 200, body = Vec<FeedbackRow>)),
    security(("api_key" = [])))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Vec<FeedbackRow>>, ApiError> {
    state.keys.require(&headers, Role::Read).await?;
    Ok(Json(state.store.feedback_of(&id).await?))
}

/// Imports feedback from CSV with a header row: `lead_id`, `kind`, and any
/// of `at`, `reached`, `first_try`, `reason`, `value`, `note`, `stage`;
/// other columns are BANT answers. Bad rows are reported by line and field.
#[utoipa::path(post, path = "/api/import/feedback", tag = "import",
    request_body(content = String, content_type = "text/csv"),
    responses((status = 202, body = Started), (status = 400, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn import(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Started>), ApiError> {
    let caller = state.keys.require(&headers, Role::Admin).await?;
    let text = body_text(body).await?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(std::io::Cursor::new(text.into_bytes()));
    let names: Vec<String> = reader
        .headers()
        .map_err(|e| ApiError::field("header", format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.to_lowercase())
        .collect();
    for needed in ["lead_id", "kind"] {
        if !names.iter().any(|n| n == needed) {
            return Err(ApiError::field(
                "header",
                format!("expected a `{needed}` column; found {}", names.join(", ")),
            ));
        }
    }
    let job = state.jobs.start("import", None);
    let id = job.id();
    tokio::spawn(async move {
        let records: Vec<_> = reader.records().collect();
        let mut t = Tally::new(job, records.len() as u64);
        let model = state.active().model;
        let mut contacts: FxHashMap<String, usize> = FxHashMap::default();
        let mut chunk = Vec::new();
        let total = records.len();
        for (n, record) in records.into_iter().enumerate() {
            let line = n + 2;
            match row(&state, &model, &names, record, &caller.name, &mut contacts).await {
                Ok(u) => chunk.push(u),
                Err((field, message)) => t.reject(line, field.as_deref(), message),
            }
            if (chunk.len() == CHUNK || n + 1 == total)
                && !send_profiles(&state, &mut chunk, &mut t, n as u64 + 1).await
            {
                return;
            }
        }
        t.report(total as u64);
        t.job.finish();
    });
    Ok((StatusCode::ACCEPTED, Json(Started { job: id })))
}

/// One CSV row as a profile change, or the field and what is wrong.
async fn row(
    state: &AppState,
    model: &Model,
    names: &[String],
    record: Result<csv::StringRecord, csv::Error>,
    actor: &str,
    contacts: &mut FxHashMap<String, usize>,
) -> Result<ProfileUpdate, (Option<String>, String)> {
    let record = record.map_err(|e| (None, e.to_string()))?;
    let mut body = FeedbackBody::default();
    let mut lead = String::new();
    let mut answers = serde_json::Map::new();
    let flag = |name: &str, v: &str| match v.to_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err((
            Some(name.to_owned()),
            format!("expected true or false, found `{v}`"),
        )),
    };
    for (name, v) in names.iter().zip(record.iter()) {
        if v.is_empty() {
            continue;
        }
        match name.as_str() {
            "lead_id" => lead = v.to_owned(),
            "kind" => body.kind = Some(v.to_owned()),
            "at" => body.at = Some(serde_json::Value::String(v.to_owned())),
            "reached" => body.reached = Some(flag(name, v)?),
            "first_try" => body.first_try = Some(flag(name, v)?),
            "reason" => body.reason = Some(v.to_owned()),
            "value" => {
                body.value = Some(v.parse().map_err(|_| {
                    (
                        Some("value".to_owned()),
                        format!("expected a number, found `{v}`"),
                    )
                })?);
            }
            "note" => body.note = Some(v.to_owned()),
            "stage" => body.stage = Some(v.to_owned()),
            other => {
                let value = v
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map_or_else(
                        || serde_json::Value::String(v.to_owned()),
                        serde_json::Value::Number,
                    );
                answers.insert(other.to_owned(), value);
            }
        }
    }
    if lead.is_empty() {
        return Err((Some("lead_id".to_owned()), "expected a lead id".to_owned()));
    }
    // A lead seen earlier in the file was checked then.
    if !contacts.contains_key(&lead) {
        match state.store.lead(&lead).await {
            Ok(Some(_)) => {}
            Ok(None) => return Err((Some("lead_id".to_owned()), format!("no lead {lead}"))),
            Err(e) => return Err((None, format!("cannot read lead {lead}: {e}"))),
        }
    }
    if !answers.is_empty() {
        body.answers = Some(answers);
    }
    let earlier = match contacts.get(&lead) {
        Some(&n) => n,
        None => earlier_contacts(state, &lead)
            .await
            .map_err(|e| (None, e.body().error.message))?,
    };
    let is_contact = body.kind.as_deref().and_then(Kind::parse) == Some(Kind::Contact);
    let update = to_update(model, &lead, body, actor, earlier, now_ms()).map_err(|e| {
        let b = e.body().error;
        (b.field, b.message)
    })?;
    contacts.insert(lead, earlier + usize::from(is_contact));
    Ok(update)
}
