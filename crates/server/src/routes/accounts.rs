//! The accounts API: companies with their contacts' roll-up.

use super::Page;
use super::Params;
use super::leads::LeadSummary;
use crate::app::AppState;
use crate::auth::Role;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use leadscore_store::{AccountScoreRow, LeadFilter, LeadListRow};
use serde::Deserialize;
use serde_json::{Value, json};

/// Paging of the account list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct AccountQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1-500 (default 50).
    pub limit: Option<u32>,
}

/// The cursor that continues the account list after `row`.
pub fn account_cursor(row: &AccountScoreRow) -> String {
    super::encode_cursor(row.total_engagement, &row.account_id)
}

fn read_cursor(text: &str) -> Result<(f64, String), ApiError> {
    super::decode_cursor(text).map(|c| (c.total, c.lead_id))
}

/// Accounts by their contacts' total engagement.
#[utoipa::path(get, path = "/api/accounts", tag = "accounts", params(AccountQuery),
    responses((status = 200, body = Object)), security(("api_key" = [])))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<AccountQuery>,
) -> Result<Json<Page<AccountScoreRow>>, ApiError> {
    state.keys.require(&headers, Role::Read).await?;
    let (rows, limit) = account_page(&state, &q).await?;
    Ok(Json(Page::of(rows, limit, account_cursor, |r| r)))
}

/// One page of accounts and its page size (the API and the dashboard).
pub async fn account_page(
    state: &AppState,
    q: &AccountQuery,
) -> Result<(Vec<AccountScoreRow>, u32), ApiError> {
    let limit = super::page_limit(q.limit)?;
    let after = q.cursor.as_deref().map(read_cursor).transpose()?;
    let rows = state
        .store
        .account_scores(state.active().version, after, i64::from(limit))
        .await?;
    Ok((rows, limit))
}

/// One account: traits, roll-up and its contacts, hottest first.
#[utoipa::path(get, path = "/api/accounts/{id}", tag = "accounts",
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state.keys.require(&headers, Role::Read).await?;
    let a = account_detail(&state, &id).await?;
    Ok(Json(json!({
        "id": id,
        "traits": a.traits,
        "rollup": a.rollup,
        "contacts": a.contacts.into_iter().map(LeadSummary::from).collect::<Vec<_>>(),
    })))
}

/// One account as the API and the dashboard show it.
pub struct AccountDetail {
    /// Traits from `group` calls.
    pub traits: Option<Value>,
    /// The roll-up under the active version.
    pub rollup: Option<AccountScoreRow>,
    /// Contacts, hottest first (at most 200).
    pub contacts: Vec<LeadListRow>,
}

/// Reads one account; not found when it has neither traits nor a roll-up.
pub async fn account_detail(state: &AppState, id: &str) -> Result<AccountDetail, ApiError> {
    let version = state.active().version;
    let rollup = state.store.account_score(version, id).await?;
    let traits = state.store.account(id).await?;
    if rollup.is_none() && traits.is_none() {
        return Err(ApiError::not_found(format!("account {id}")));
    }
    let contacts = state
        .store
        .ranked(
            version,
            &LeadFilter {
                account: Some(id.to_owned()),
                limit: 200,
                ..LeadFilter::default()
            },
        )
        .await?;
    Ok(AccountDetail {
        traits: traits.and_then(|t| serde_json::from_str::<Value>(&t.traits).ok()),
        rollup,
        contacts,
    })
}
