//! Keys and jobs: creating and revoking API keys, following long work.

use crate::app::AppState;
use crate::auth::{Role, hash_key, new_key};
use crate::error::ApiError;
use crate::jobs::JobStatus;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

/// A key as listed (never the key itself).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyInfo {
    /// Id.
    pub id: i64,
    /// Label.
    pub name: String,
    /// Role.
    pub role: String,
    /// The key's first characters.
    pub prefix: String,
    /// Created at (ms).
    pub created_at: i64,
    /// Revoked at (ms).
    pub revoked_at: Option<i64>,
}

/// A new key's request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewKey {
    /// Label.
    pub name: String,
    /// `write`, `read` or `admin`.
    pub role: Role,
}

/// A new key, shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedKey {
    /// Id.
    pub id: i64,
    /// The key: store it now, it cannot be shown again.
    pub key: String,
    /// Role.
    pub role: Role,
}

/// Every key.
#[utoipa::path(get, path = "/api/keys", tag = "keys",
    responses((status = 200, body = Vec<KeyInfo>)), security(("api_key" = [])))]
pub async fn list_keys(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<KeyInfo>>, ApiError> {
    state.keys.require(&headers, Role::Admin).await?;
    let rows = state.store.keys().await?;
    Ok(Json(
        rows.into_iter()
            .map(|k| KeyInfo {
                id: k.id,
                name: k.name,
                role: k.role,
                prefix: k.prefix,
                created_at: k.created_at,
                revoked_at: k.revoked_at,
            })
            .collect(),
    ))
}

/// Creates a key.
#[utoipa::path(post, path = "/api/keys", tag = "keys", request_body = NewKey,
    responses((status = 201, body = CreatedKey), (status = 400, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn create_key(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<CreatedKey>), ApiError> {
    state.keys.require(&headers, Role::Admin).await?;
    let req: NewKey = serde_json::from_slice(&body).map_err(|e| {
        ApiError::json(format!(
            "expected {{\"name\": text, \"role\": \"write\"|\"read\"|\"admin\"}}: {e}"
        ))
    })?;
    let key = new_key(req.role);
    let now = crate::clock::now_ms();
    let prefix: String = key.chars().take(10).collect();
    let id = state
        .store
        .insert_key(&req.name, req.role.as_str(), &hash_key(&key), &prefix, now)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedKey {
            id,
            key,
            role: req.role,
        }),
    ))
}

/// Revokes a key.
#[utoipa::path(delete, path = "/api/keys/{id}", tag = "keys",
    params(("id" = i64, Path, description = "Key id")),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn revoke_key(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.keys.require(&headers, Role::Admin).await?;
    let now = crate::clock::now_ms();
    if !state.store.revoke_key(id, now).await? {
        return Err(ApiError::not_found(format!("live key {id}")));
    }
    state.keys.forget();
    Ok(StatusCode::NO_CONTENT)
}

/// Long work, newest first: start-up load, model activations, imports.
#[utoipa::path(get, path = "/api/jobs", tag = "jobs",
    responses((status = 200, body = Vec<JobStatus>)), security(("api_key" = [])))]
pub async fn list_jobs(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<JobStatus>>, ApiError> {
    state.keys.require(&headers, Role::Read).await?;
    Ok(Json(state.jobs.list()))
}

/// One job.
#[utoipa::path(get, path = "/api/jobs/{id}", tag = "jobs",
    params(("id" = u64, Path, description = "Job id")),
    responses((status = 200, body = JobStatus), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn get_job(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Result<Json<JobStatus>, ApiError> {
    state.keys.require(&headers, Role::Read).await?;
    state
        .jobs
        .get(id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("job {id}")))
}
