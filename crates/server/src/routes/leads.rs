//! The leads API: the ranked list, one lead in full, profile edits and
//! erasure.

use super::Params;
use super::{Page, decode_cursor, encode_cursor};
use crate::app::AppState;
use crate::auth::Role;
use crate::error::ApiError;
use crate::explain::lead_detail;
use crate::writer::ProfileUpdate;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use leadscore_core::Value;
use leadscore_store::{LeadFilter, LeadListRow};
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

/// Filters of the ranked list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Lifecycle stage.
    pub stage: Option<String>,
    /// Matrix cell (`A1` ... `D4`).
    pub cell: Option<String>,
    /// Only hot leads.
    pub hot: Option<bool>,
    /// Account id.
    pub account: Option<String>,
    /// Owner.
    pub owner: Option<String>,
    /// Lowest total.
    pub min_score: Option<f64>,
    /// Highest total.
    pub max_score: Option<f64>,
    /// Text in the id, name, email or account.
    pub q: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1-500 (default 50).
    pub limit: Option<u32>,
}

/// A lead in the ranked list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LeadSummary {
    /// Lead id.
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Account.
    pub account: Option<String>,
    /// Owner.
    pub owner: Option<String>,
    /// Total score.
    pub total: f64,
    /// Fit.
    pub fit: f64,
    /// Engagement.
    pub engagement: f64,
    /// Matrix cell.
    pub cell: String,
    /// Hot cell.
    pub hot: bool,
    /// Stage.
    pub stage: String,
    /// Latest activity (ms since the epoch).
    pub last_activity: Option<i64>,
    /// Top reasons: `[{"rule", "points"}]`.
    #[schema(value_type = Object)]
    pub reasons: serde_json::Value,
}

impl From<LeadListRow> for LeadSummary {
    fn from(r: LeadListRow) -> LeadSummary {
        LeadSummary {
            id: r.score.lead_id,
            name: r.name,
            email: r.email,
            account: r.account,
            owner: r.owner,
            total: r.score.total,
            fit: r.score.fit,
            engagement: r.score.engagement,
            cell: r.score.cell,
            hot: r.score.hot,
            stage: r.score.stage,
            last_activity: r.score.last_activity,
            reasons: serde_json::from_str(&r.score.reasons).unwrap_or_default(),
        }
    }
}

/// The ranked list, hottest first.
#[utoipa::path(get, path = "/api/leads", tag = "leads", params(ListQuery),
    responses((status = 200, body = Page<LeadSummary>), (status = 400, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<ListQuery>,
) -> Result<Json<Page<LeadSummary>>, ApiError> {
    state.keys.require(&headers, Role::Read).await?;
    let (rows, limit) = ranked_page(&state, q).await?;
    Ok(Json(Page::of(rows, limit, row_cursor, LeadSummary::from)))
}

impl ListQuery {
    /// The store's filter for these parameters.
    pub fn filter(self) -> Result<LeadFilter, ApiError> {
        Ok(LeadFilter {
            limit: super::page_limit(self.limit)?,
            stage: self.stage.filter(|s| !s.is_empty()),
            cell: self
                .cell
                .filter(|c| !c.is_empty())
                .map(|c| c.to_uppercase()),
            hot_only: self.hot.unwrap_or(false),
            account: self.account.filter(|a| !a.is_empty()),
            owner: self.owner.filter(|o| !o.is_empty()),
            min_score: self.min_score,
            max_score: self.max_score,
            search: self.q,
            after: self.cursor.as_deref().map(decode_cursor).transpose()?,
        })
    }
}

/// One page of the ranked list under the active model, and its page size
/// (the API and the dashboard's hot leads).
pub async fn ranked_page(
    state: &AppState,
    q: ListQuery,
) -> Result<(Vec<LeadListRow>, u32), ApiError> {
    let filter = q.filter()?;
    let rows = state.store.ranked(state.active().version, &filter).await?;
    Ok((rows, filter.limit))
}

/// The cursor that continues the ranked list after `row`.
pub fn row_cursor(row: &LeadListRow) -> String {
    encode_cursor(row.score.total, &row.score.lead_id)
}

/// One lead: profile, score per group, cell, stage, explanation, timeline
/// and history.
#[utoipa::path(get, path = "/api/leads/{id}", tag = "leads",
    params(("id" = String, Path, description = "Lead id")),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.keys.require(&headers, Role::Read).await?;
    Ok(Json(lead_detail(&state, &id).await?))
}

/// A profile change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ProfileBody {
    /// Attributes to set; `null` removes one.
    #[schema(value_type = Object)]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
    /// The owner; `null` clears it.
    #[serde(default, deserialize_with = "some_or_null")]
    #[schema(value_type = Option<String>)]
    pub owner: Option<Option<String>>,
}

/// Tells "owner": null (clear it) apart from no "owner" (leave it).
fn some_or_null<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Creates a lead or updates its profile.
#[utoipa::path(put, path = "/api/leads/{id}", tag = "leads",
    params(("id" = String, Path, description = "Lead id")),
    request_body = ProfileBody,
    responses((status = 200, body = Object), (status = 201, body = Object), (status = 400, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn put(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let caller = state.keys.require(&headers, Role::Admin).await?;
    if id.trim().is_empty() || id.len() > 200 {
        return Err(ApiError::field(
            "id",
            "expected a lead id of 1 to 200 characters",
        ));
    }
    let body: ProfileBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::json(format!("the body is not a valid profile: {e}")))?;
    let attributes = scalar_attributes("attributes", body.attributes.iter().flatten())?;
    let created = state
        .writer
        .update_profile(ProfileUpdate {
            lead_id: id.clone(),
            attributes,
            owner: body.owner,
            cause: Some(format!("edit:{}", caller.name)),
            feedback: Vec::new(),
        })
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(lead_detail(&state, &id).await?)))
}

/// Profile attributes from a JSON object: strings, numbers, booleans and
/// nulls (which remove an attribute); anything else names its field as
/// `{object}.{key}`.
pub fn scalar_attributes<'a>(
    object: &str,
    map: impl Iterator<Item = (&'a String, &'a serde_json::Value)>,
) -> Result<Vec<(SmolStr, Value)>, ApiError> {
    map.map(|(k, v)| {
        if v.is_array() || v.is_object() {
            Err(ApiError::field(
                &format!("{object}.{k}"),
                "expected a string, number, boolean or null",
            ))
        } else {
            Ok((SmolStr::new(k), Value::from_json(v)))
        }
    })
    .collect()
}

/// What erasing a lead removed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Erased {
    /// The lead.
    pub id: String,
    /// Events deleted with it.
    pub events: u64,
}

/// Erases a lead and every event of it (the right to be forgotten).
#[utoipa::path(delete, path = "/api/leads/{id}", tag = "leads",
    params(("id" = String, Path, description = "Lead id")),
    responses((status = 200, body = Erased), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn erase(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Erased>, ApiError> {
    state.keys.require(&headers, Role::Admin).await?;
    let events = state.writer.erase(id.clone()).await?;
    Ok(Json(Erased { id, events }))
}
