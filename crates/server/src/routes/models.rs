//! The models API: upload (validated, versioned), read, and activate with a
//! background rescore whose progress is a job.

use crate::app::AppState;
use crate::auth::Role;
use crate::error::ApiError;
use crate::runtime::Loaded;
use crate::runtime::behaviour::LiveHistory;
use crate::runtime::prepare::prepare;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use leadscore_store::ModelRow;
use serde::Serialize;
use std::sync::Arc;

/// A stored model version.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModelInfo {
    /// Version.
    pub version: i64,
    /// Name from the file.
    pub name: String,
    /// Uploaded at (ms).
    pub created_at: i64,
    /// Scoring now.
    pub active: bool,
    /// The TOML source (in single-model answers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

fn info(m: ModelRow, with_source: bool) -> ModelInfo {
    ModelInfo {
        version: m.version,
        name: m.name,
        created_at: m.created_at,
        active: m.active,
        source: with_source.then_some(m.source),
    }
}

/// Every model version, newest first.
#[utoipa::path(get, path = "/api/models", tag = "models",
    responses((status = 200, body = Vec<ModelInfo>)), security(("api_key" = [])))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<ModelInfo>>, ApiError> {
    state.keys.require(&headers, Role::Read).await?;
    let rows = state.store.models().await?;
    Ok(Json(rows.into_iter().map(|m| info(m, false)).collect()))
}

/// One model version with its source.
#[utoipa::path(get, path = "/api/models/{version}", tag = "models",
    params(("version" = i64, Path, description = "Model version")),
    responses((status = 200, body = ModelInfo), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(version): Path<i64>,
) -> Result<Json<ModelInfo>, ApiError> {
    state.keys.require(&headers, Role::Read).await?;
    let m = state
        .store
        .model(version)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("model version {version}")))?;
    Ok(Json(info(m, true)))
}

/// Uploads a model file (TOML body). It is validated and stored as a new,
/// inactive version; every error is listed if it does not validate.
#[utoipa::path(post, path = "/api/models", tag = "models",
    request_body(content = String, content_type = "application/toml"),
    responses((status = 201, body = ModelInfo), (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: String,
) -> Result<(StatusCode, Json<ModelInfo>), ApiError> {
    state.keys.require(&headers, Role::Admin).await?;
    Ok((
        StatusCode::CREATED,
        Json(store_version(&state, &body).await?),
    ))
}

/// Validates a model file and stores it as a new, inactive version (the
/// API and the dashboard).
pub async fn store_version(state: &AppState, source: &str) -> Result<ModelInfo, ApiError> {
    // Validation only: a behaviour model's record starts when it is activated.
    let scratch = Arc::new(LiveHistory::default());
    let model = prepare(state.store.as_ref(), source, Some(&scratch)).await?;
    let now = crate::clock::now_ms();
    let version = state.store.insert_model(&model.name, source, now).await?;
    Ok(ModelInfo {
        version,
        name: model.name.to_string(),
        created_at: now,
        active: false,
        source: None,
    })
}

/// Where an activation's progress can be followed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Activation {
    /// The version being activated.
    pub version: i64,
    /// Follow progress at `/api/jobs` (the newest `activate` job).
    pub jobs: String,
}

/// A stored model version, compiled with its trained model attached; one
/// that reads behaviour reads it from `history`.
async fn stored(
    state: &AppState,
    version: i64,
    history: &Arc<LiveHistory>,
) -> Result<Loaded, ApiError> {
    let m = state
        .store
        .model(version)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("model version {version}")))?;
    Ok(Loaded {
        model: Arc::new(prepare(state.store.as_ref(), &m.source, Some(history)).await?),
        version,
    })
}

/// Starts rescoring every lead under a stored version (the API and the
/// dashboard).
pub async fn start_activation(state: &AppState, version: i64) -> Result<(), ApiError> {
    let model = stored(state, version, &state.shared.history).await?;
    state.writer.activate(model).await?;
    Ok(())
}

/// Activates a model version: every lead is rescored in the background;
/// reads serve the previous scores until the switch.
#[utoipa::path(post, path = "/api/models/{version}/activate", tag = "models",
    params(("version" = i64, Path, description = "Model version")),
    responses((status = 202, body = Activation), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn activate(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(version): Path<i64>,
) -> Result<(StatusCode, Json<Activation>), ApiError> {
    state.keys.require(&headers, Role::Admin).await?;
    start_activation(&state, version).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Activation {
            version,
            jobs: "/api/jobs".to_owned(),
        }),
    ))
}

/// Scores every stored lead under a model version without activating it and
/// counts what would change against the active scores: leads changing stage
/// or cell, new and lost MQLs, and the moves between stages. The result is
/// the job's detail.
#[utoipa::path(post, path = "/api/models/{version}/preview", tag = "models",
    params(("version" = i64, Path, description = "Model version")),
    responses((status = 202, body = crate::routes::transfer::Started), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn preview(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(version): Path<i64>,
) -> Result<(StatusCode, Json<crate::routes::transfer::Started>), ApiError> {
    state.keys.require(&headers, Role::Read).await?;
    let id = start_preview(&state, version).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(crate::routes::transfer::Started { job: id }),
    ))
}

/// Starts a preview job of a stored version against the active scores;
/// returns the job's id (the API and the dashboard).
pub async fn start_preview(state: &AppState, version: i64) -> Result<u64, ApiError> {
    // The preview's runtime records behaviour of its own, so it neither
    // clears nor doubles the writer's record.
    let history = Arc::new(LiveHistory::default());
    let candidate = stored(state, version, &history).await?;
    let job = state.jobs.start("preview", Some(version));
    let id = job.id();
    let (store, active) = (Arc::clone(&state.store), state.active().version);
    tokio::spawn(async move {
        match crate::preview::preview(store.as_ref(), candidate, history, active, &job).await {
            Ok(detail) => {
                job.detail(detail);
                job.finish();
            }
            Err(e) => job.fail(&format!("the preview failed: {e}")),
        }
    });
    Ok(id)
}
