//! Webhook endpoints and their deliveries: create and list endpoints, read
//! the outbox and each delivery's attempts, retry a failed delivery.

use super::Params;
use super::{Page, page_limit};
use crate::app::AppState;
use crate::auth::Role;
use crate::clock::now_ms;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use leadscore_store::{AttemptRow, DeliveryRow, WebhookRow, status};
use serde::{Deserialize, Serialize};

/// Default time one attempt may take.
const DEFAULT_TIMEOUT_MS: i64 = 5_000;
/// Default attempts before a delivery is dead.
const DEFAULT_MAX_ATTEMPTS: i64 = 8;

/// An endpoint as listed (its secret is never shown again).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookInfo {
    /// The name trigger actions use (`{ webhook = "crm" }`).
    pub name: String,
    /// Where deliveries are posted.
    pub url: String,
    /// Milliseconds one attempt may take.
    pub timeout_ms: i64,
    /// Attempts before a delivery is dead.
    pub max_attempts: i64,
    /// Created at (ms).
    pub created_at: i64,
}

impl From<WebhookRow> for WebhookInfo {
    fn from(w: WebhookRow) -> WebhookInfo {
        WebhookInfo {
            name: w.name,
            url: w.url,
            timeout_ms: w.timeout_ms,
            max_attempts: w.max_attempts,
            created_at: w.created_at,
        }
    }
}

/// An endpoint to create or replace.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    /// `http://` or `https://` URL.
    pub url: String,
    /// Signing secret; one is generated when not given.
    pub secret: Option<String>,
    /// Milliseconds one attempt may take (100 to 60000; default 5000).
    pub timeout_ms: Option<i64>,
    /// Attempts before a delivery is dead (1 to 50; default 8).
    pub max_attempts: Option<i64>,
}

/// A created endpoint with its secret, shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedWebhook {
    /// The endpoint.
    #[serde(flatten)]
    pub webhook: WebhookInfo,
    /// The signing secret: keep it to verify `X-Leadscore-Signature`.
    pub secret: String,
}

/// Every webhook endpoint.
#[utoipa::path(get, path = "/api/webhooks", tag = "webhooks",
    responses((status = 200, body = Vec<WebhookInfo>)), security(("api_key" = [])))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<WebhookInfo>>, ApiError> {
    state.keys.require(&headers, Role::Admin).await?;
    let rows = state.store.webhooks().await?;
    Ok(Json(rows.into_iter().map(WebhookInfo::from).collect()))
}

/// Creates or replaces a webhook endpoint.
#[utoipa::path(put, path = "/api/webhooks/{name}", tag = "webhooks",
    params(("name" = String, Path, description = "Endpoint name")),
    request_body = WebhookBody,
    responses((status = 200, body = CreatedWebhook), (status = 400, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn put(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<CreatedWebhook>, ApiError> {
    state.keys.require(&headers, Role::Admin).await?;
    if name.is_empty()
        || name.len() > 100
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ApiError::field(
            "name",
            "expected 1 to 100 letters, digits, `-` or `_`",
        ));
    }
    let body: WebhookBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::json(format!("the body is not a valid webhook: {e}")))?;
    let url = reqwest::Url::parse(&body.url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| ApiError::field("url", "expected an http:// or https:// URL"))?;
    let timeout_ms = body.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
    if !(100..=60_000).contains(&timeout_ms) {
        return Err(ApiError::field(
            "timeout_ms",
            format!("expected 100 to 60000, found {timeout_ms}"),
        ));
    }
    let max_attempts = body.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS);
    if !(1..=50).contains(&max_attempts) {
        return Err(ApiError::field(
            "max_attempts",
            format!("expected 1 to 50, found {max_attempts}"),
        ));
    }
    let secret = match body.secret {
        Some(s) if s.len() >= 16 => s,
        Some(_) => {
            return Err(ApiError::field(
                "secret",
                "expected at least 16 characters (or leave it out to get one)",
            ));
        }
        None => format!("whsec_{}", hex::encode(rand::random::<[u8; 24]>())),
    };
    let row = WebhookRow {
        name,
        url: url.to_string(),
        secret: secret.clone(),
        timeout_ms,
        max_attempts,
        created_at: now_ms(),
    };
    state.store.put_webhook(&row).await?;
    Ok(Json(CreatedWebhook {
        webhook: row.into(),
        secret,
    }))
}

/// Deletes a webhook endpoint; its pending deliveries fail until one of
/// that name exists again.
#[utoipa::path(delete, path = "/api/webhooks/{name}", tag = "webhooks",
    params(("name" = String, Path, description = "Endpoint name")),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.keys.require(&headers, Role::Admin).await?;
    if state.store.delete_webhook(&name).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("webhook {name}")))
    }
}

/// Filters of the delivery log.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct DeliveryQuery {
    /// `pending`, `delivered` or `dead`.
    pub status: Option<String>,
    /// Only this lead's deliveries.
    pub lead: Option<String>,
    /// From a `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
}

/// The delivery log, newest first.
#[utoipa::path(get, path = "/api/deliveries", tag = "webhooks",
    params(DeliveryQuery),
    responses((status = 200, body = Page<DeliveryRow>), (status = 400, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn deliveries(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<DeliveryQuery>,
) -> Result<Json<Page<DeliveryRow>>, ApiError> {
    state.keys.require(&headers, Role::Read).await?;
    let (rows, limit) = delivery_page(&state, &q).await?;
    Ok(Json(Page::of(rows, limit, |d| d.id.to_string(), |d| d)))
}

/// One page of the delivery log and its page size (the API and the
/// dashboard).
pub async fn delivery_page(
    state: &AppState,
    q: &DeliveryQuery,
) -> Result<(Vec<DeliveryRow>, u32), ApiError> {
    let limit = page_limit(q.limit)?;
    if let Some(s) = &q.status
        && ![status::PENDING, status::DELIVERED, status::DEAD].contains(&s.as_str())
    {
        return Err(ApiError::field(
            "status",
            "expected `pending`, `delivered` or `dead`",
        ));
    }
    let before = match &q.cursor {
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            ApiError::field("cursor", "expected a next_cursor from an earlier page")
        })?),
        None => None,
    };
    let rows = state
        .store
        .deliveries(
            q.status.as_deref(),
            q.lead.as_deref(),
            before,
            i64::from(limit),
        )
        .await?;
    Ok((rows, limit))
}

/// One delivery with its body and every attempt.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryDetail {
    /// The delivery.
    #[serde(flatten)]
    pub delivery: DeliveryRow,
    /// The JSON body the receiver gets.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// Attempts, oldest first.
    pub attempts: Vec<AttemptRow>,
}

/// One delivery.
#[utoipa::path(get, path = "/api/deliveries/{id}", tag = "webhooks",
    params(("id" = i64, Path, description = "Delivery (outbox position)")),
    responses((status = 200, body = DeliveryDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn delivery(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<DeliveryDetail>, ApiError> {
    state.keys.require(&headers, Role::Read).await?;
    let d = state
        .store
        .delivery(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("delivery {id}")))?;
    let attempts = state.store.attempts(id).await?;
    let payload = serde_json::from_str(&d.payload).unwrap_or(serde_json::Value::Null);
    Ok(Json(DeliveryDetail {
        delivery: d,
        payload,
        attempts,
    }))
}

/// Sends a pending or dead delivery again now, with a fresh count of attempts.
#[utoipa::path(post, path = "/api/deliveries/{id}/retry", tag = "webhooks",
    params(("id" = i64, Path, description = "Delivery (outbox position)")),
    responses((status = 202), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn retry(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.keys.require(&headers, Role::Admin).await?;
    retry_now(&state, id).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Makes a pending or dead delivery due now and wakes the worker (the API
/// and the dashboard).
pub async fn retry_now(state: &AppState, id: i64) -> Result<(), ApiError> {
    let d = state
        .store
        .delivery(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("delivery {id}")))?;
    if d.status == status::DELIVERED {
        return Err(ApiError::conflict(format!(
            "delivery {id} was already delivered"
        )));
    }
    state.store.retry_delivery(id, now_ms()).await?;
    state.outbox.notify_one();
    Ok(())
}
