//! Health and Prometheus metrics, open to probes without a key.

use crate::app::AppState;
use crate::error::ApiError;
use crate::metrics::LogPosition;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;

/// Health answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// The active model version.
    pub model_version: i64,
}

/// Liveness and readiness: answers once the store is reachable.
#[utoipa::path(get, path = "/health", tag = "ops", responses((status = 200, body = Health)))]
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.store.models().await?;
    Ok(Json(Health {
        status: "ok",
        backend: state.store.backend(),
        model_version: state.active().version,
    }))
}

/// Prometheus text exposition. The log positions are read from the store
/// at each scrape; if it does not answer, the last ones read are shown and
/// the counters still are.
#[utoipa::path(get, path = "/metrics", tag = "ops", responses((status = 200, body = String)))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    match log_position(&state).await {
        Ok(p) => state.metrics.set_log_position(p),
        Err(e) => tracing::warn!(error = %e, "Reading the log positions for /metrics failed"),
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

async fn log_position(state: &AppState) -> Result<LogPosition, leadscore_store::StoreError> {
    // The mark first: read the other way round, a flush between the two
    // reads could show the mark past the end.
    let applied = state.store.applied_seq().await?;
    let end = state.store.log_end().await?;
    Ok(LogPosition { end, applied })
}
