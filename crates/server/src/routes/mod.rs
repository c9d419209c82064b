//! The router: every route, its role check, and the OpenAPI document built
//! from the handlers' annotations.

pub mod accounts;
pub mod admin;
pub mod feedback;
pub mod funnel;
pub mod leads;
pub mod learn;
pub mod models;
pub mod offers;
pub mod ops;
pub mod segment;
pub mod snippet;
pub mod transfer;
pub mod webhooks;

use crate::app::AppState;
use crate::error::ApiError;
use axum::Router;
use base64::Engine;
use leadscore_store::Cursor;
use serde::Serialize;
use tower_http::decompression::RequestDecompressionLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Largest body of the routes that read it whole: profiles, keys, model files.
const MAX_SMALL_BODY: usize = 2 * 1024 * 1024;

/// Query parameters whose errors have the API's JSON shape and name the
/// parameter (axum's own `Query` answers in plain text).
pub struct Params<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Params<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Params(v)),
            Err(e) => Err(query_error(&e.body_text())),
        }
    }
}

/// The parameter a query-string error names, if it names one.
fn query_error(text: &str) -> ApiError {
    let message = text
        .strip_prefix("Failed to deserialize query string: ")
        .unwrap_or(text);
    let field = message
        .split_once("field `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(f, _)| f.to_owned())
        .or_else(|| message.split_once(':').map(|(f, _)| f.trim().to_owned()))
        .filter(|f| !f.is_empty() && !f.contains(' '))
        .unwrap_or_else(|| "query".to_owned());
    ApiError::field(&field, message.to_owned())
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A list's page size: 1 to 500, 50 when not given.
pub fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(50);
    if (1..=500).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::field(
            "limit",
            format!("expected 1 to 500, found {limit}"),
        ))
    }
}

impl<T> Page<T> {
    /// A page of `rows`, with a cursor from the last row when the page is
    /// full (a short page is the last one).
    pub fn of<R>(
        rows: Vec<R>,
        limit: u32,
        cursor: impl Fn(&R) -> String,
        item: impl Fn(R) -> T,
    ) -> Page<T> {
        let next_cursor = (rows.len() == limit as usize)
            .then(|| rows.last().map(cursor))
            .flatten();
        Page {
            items: rows.into_iter().map(item).collect(),
            next_cursor,
        }
    }
}

/// An opaque cursor: the last row's sort key. The total travels as its bit
/// pattern: a decimal round trip may land one unit in the last place off,
/// and a cursor even that far off repeats or skips rows.
pub fn encode_cursor(total: f64, id: &str) -> String {
    let text = serde_json::to_vec(&(total.to_bits(), id)).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

/// Reads a cursor made by [`encode_cursor`].
pub fn decode_cursor(text: &str) -> Result<Cursor, ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|b| serde_json::from_slice::<(u64, String)>(&b).ok())
        .map(|(bits, lead_id)| Cursor {
            total: f64::from_bits(bits),
            lead_id,
        })
        .ok_or_else(|| ApiError::field("cursor", "expected a next_cursor from an earlier page"))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "leadscore", description = "Lead scoring: Segment-compatible ingestion and the leads API."),
    modifiers(&SecuritySchemes)
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let c = api.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "write_key",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
        c.add_security_scheme(
            "api_key",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Every route over `state`.
pub fn router(state: AppState) -> Router {
    let (router, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(segment::track))
        .routes(routes!(segment::page))
        .routes(routes!(segment::screen))
        .routes(routes!(segment::identify))
        .routes(routes!(segment::group))
        .routes(routes!(segment::alias))
        .routes(routes!(segment::batch))
        .routes(routes!(offers::get))
        .routes(routes!(snippet::get))
        .routes(routes!(leads::list))
        .routes(routes!(leads::get, leads::put, leads::erase))
        .routes(routes!(feedback::post, feedback::list))
        .routes(routes!(feedback::import))
        .routes(routes!(funnel::get))
        .routes(routes!(webhooks::list))
        .routes(routes!(webhooks::put, webhooks::delete))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::delivery))
        .routes(routes!(webhooks::retry))
        .routes(routes!(learn::post_train))
        .routes(routes!(learn::predictors))
        .routes(routes!(learn::predictor))
        .routes(routes!(learn::post_backtest))
        .routes(routes!(learn::post_suggest))
        .routes(routes!(transfer::import_events))
        .routes(routes!(transfer::import_leads))
        .routes(routes!(transfer::export_leads))
        .routes(routes!(accounts::list))
        .routes(routes!(accounts::get))
        .routes(routes!(models::list, models::upload))
        .routes(routes!(models::get))
        .routes(routes!(models::activate))
        .routes(routes!(models::preview))
        .routes(routes!(admin::list_keys, admin::create_key))
        .routes(routes!(admin::revoke_key))
        .routes(routes!(admin::list_jobs))
        .routes(routes!(admin::get_job))
        .routes(routes!(ops::health))
        .routes(routes!(ops::metrics))
        .split_for_parts();
    let api = std::sync::Arc::new(api);
    router
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let api = std::sync::Arc::clone(&api);
                async move { axum::Json(api.as_ref().clone()) }
            }),
        )
        .merge(crate::dashboard::router())
        // Reads see the effects of every event acknowledged before them.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::writer::settle::settle_reads,
        ))
        .layer(RequestDecompressionLayer::new())
        // Websites call the Segment and offer routes from the browser with
        // their write key. Only the dashboard uses cookies, and CORS never
        // sends them here (no allow-credentials), so any origin may call.
        .layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(tower_http::cors::Any)
                .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
                .allow_headers([
                    axum::http::header::AUTHORIZATION,
                    axum::http::header::CONTENT_TYPE,
                    axum::http::header::CONTENT_ENCODING,
                ]),
        )
        // Bodies read whole (profiles, model files, keys) stay small; the
        // Segment and import routes read the raw body with their own limits.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_SMALL_BODY))
        .fallback(|| async { ApiError::not_found("route") })
        .with_state(state)
}
