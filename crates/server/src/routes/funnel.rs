//! The funnel report over the API: stage counts and conversion, the
//! first-try contact rate, and conversion by score band and matrix cell.

use super::Params;
use crate::app::AppState;
use crate::auth::Role;
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::funnel::{Funnel, FunnelQuery, funnel};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use leadscore_core::Timestamp;
use leadscore_core::model::Model;
use serde::Deserialize;

/// Report parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct FunnelParams {
    /// Leads created from this time (RFC 3339 or a date, e.g. `2026-03-01`).
    pub from: Option<String>,
    /// Leads created before this time.
    pub to: Option<String>,
    /// Only this source.
    pub source: Option<String>,
    /// Only this campaign.
    pub campaign: Option<String>,
    /// Model version (default: the active one).
    pub version: Option<i64>,
    /// Score band width (default 20).
    pub band: Option<f64>,
    /// Break down by `source`, `campaign` or `month` (of creation).
    pub by: Option<String>,
}

fn time(field: &str, v: Option<&str>, default: i64) -> Result<i64, ApiError> {
    match v {
        None | Some("") => Ok(default),
        Some(s) => Timestamp::parse(s).map(|t| t.0).map_err(|e| {
            ApiError::field(field, format!("expected an RFC 3339 time or a date: {e}"))
        }),
    }
}

/// The funnel of leads created in a date range.
#[utoipa::path(get, path = "/api/funnel", tag = "feedback", params(FunnelParams),
    responses((status = 200, body = Funnel), (status = 400, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(p): Params<FunnelParams>,
) -> Result<Json<Funnel>, ApiError> {
    state.keys.require(&headers, Role::Read).await?;
    Ok(Json(report(&state, p).await?))
}

/// The funnel report for these parameters (the API and the dashboard).
pub async fn report(state: &AppState, p: FunnelParams) -> Result<Funnel, ApiError> {
    let q = FunnelQuery {
        from: time("from", p.from.as_deref(), i64::MIN)?,
        to: time("to", p.to.as_deref(), now_ms().saturating_add(1))?,
        source: p.source,
        campaign: p.campaign,
        band: p.band.unwrap_or(20.0),
        by: p.by,
    };
    if let Some(by) = &q.by
        && !["source", "campaign", "month"].contains(&by.as_str())
    {
        return Err(ApiError::field(
            "by",
            "expected `source`, `campaign` or `month`",
        ));
    }
    if !(q.band > 0.0 && q.band.is_finite()) {
        return Err(ApiError::field(
            "band",
            "expected a positive number of points",
        ));
    }
    let active = state.active();
    let (model, version) = match p.version {
        None => (active.model, active.version),
        Some(v) if v == active.version => (active.model, v),
        Some(v) => {
            let row = state
                .store
                .model(v)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("model version {v}")))?;
            let m = Model::from_toml(&row.source)
                .map_err(|e| ApiError::invalid_model(e.to_string()))?;
            (std::sync::Arc::new(m), v)
        }
    };
    Ok(funnel(state.store.as_ref(), &model, version, &q).await?)
}
