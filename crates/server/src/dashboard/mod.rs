//! The web dashboard served beside the API: server-rendered pages for sales
//! and marketing (hot leads, one lead, accounts, funnel, matrix, model,
//! deliveries, users), in English and Vietnamese, behind a login.
//!
//! Pages call the same functions and store reads as the API handlers; they
//! never call the API over HTTP.

pub mod assets;
pub mod chart;
pub mod frame;
pub mod i18n;
mod pages;
pub mod session;
pub mod summaries;
pub mod users;

use crate::app::AppState;
use axum::Router;
use axum::routing::{get, post};

/// What the dashboard keeps between requests.
#[derive(Debug, Clone, Default)]
pub struct DashState {
    /// Failed logins per email.
    pub brake: session::LoginBrake,
    /// Whether cookies are marked `Secure` (the server is behind HTTPS).
    pub secure_cookies: bool,
    /// Recently computed summaries that read many leads.
    pub cache: summaries::Cache,
}

/// Every dashboard route.
pub fn router() -> Router<AppState> {
    use pages::*;
    Router::new()
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/leads") }),
        )
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/lang/{code}", get(login::language))
        .route("/assets/{file}", get(assets::serve))
        .route("/leads", get(leads::list))
        .route("/leads/{id}", get(lead::show))
        .route("/leads/{id}/feedback", post(lead::feedback))
        .route("/accounts", get(accounts::list))
        .route("/accounts/{id}", get(accounts::show))
        .route("/funnel", get(funnel::show))
        .route("/matrix", get(matrix::show))
        .route("/model", get(model::show))
        .route("/model/upload", post(model::upload))
        .route("/model/backtest", post(backtest::start))
        .route("/model/{version}/preview", post(model::preview))
        .route("/model/{version}/activate", post(model::activate))
        .route("/deliveries", get(deliveries::list))
        .route("/deliveries/{id}/retry", post(deliveries::retry))
        .route("/users", get(users_page::list).post(users_page::add))
        .route("/users/{id}/role", post(users_page::role))
        .route("/users/{id}/delete", post(users_page::delete))
        .layer(axum::middleware::map_response(frame::security_headers))
}

pub use pages::warm;

/// Percent-encodes a path segment or query value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
