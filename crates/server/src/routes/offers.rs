//! The offer endpoint the website calls with its write key: the current
//! offer of the visitor (by user id or anonymous id), so the site shows the
//! call to action a trigger chose.

use super::Params;
use crate::app::AppState;
use crate::auth::Role;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use leadscore_store::OfferRow;
use serde::{Deserialize, Serialize};

/// Who is asking.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct OfferQuery {
    /// The visitor's user id, when known.
    pub user_id: Option<String>,
    /// The visitor's anonymous id (the site's first-party cookie).
    pub anonymous_id: Option<String>,
}

/// The visitor's offer, if any.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OfferAnswer {
    /// The newest offer of the visitor's lead; `null` when there is none
    /// (or the visitor is not a known lead yet).
    pub offer: Option<Offer>,
}

/// An offer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Offer {
    /// The offer's id.
    pub id: String,
    /// The content key the site maps to its call to action.
    pub content: String,
    /// The trigger that chose it.
    pub trigger: String,
    /// When (ms).
    pub created_at: i64,
}

impl From<OfferRow> for Offer {
    fn from(o: OfferRow) -> Offer {
        Offer {
            id: o.offer_id,
            content: o.content,
            trigger: o.trigger,
            created_at: o.created_at,
        }
    }
}

/// The visitor's current offer.
#[utoipa::path(get, path = "/v1/offer", tag = "segment", params(OfferQuery),
    responses((status = 200, body = OfferAnswer), (status = 400, body = crate::error::ErrorBody)),
    security(("write_key" = [])))]
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<OfferQuery>,
) -> Result<Json<OfferAnswer>, ApiError> {
    state.keys.require(&headers, Role::Write).await?;
    let identity = q
        .user_id
        .as_deref()
        .or(q.anonymous_id.as_deref())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::field("userId", "expected a userId or an anonymousId"))?;
    let offer = match state.store.lead_of(identity).await? {
        Some(lead) => state.store.offer(&lead).await?.map(Offer::from),
        None => None,
    };
    Ok(Json(OfferAnswer { offer }))
}
