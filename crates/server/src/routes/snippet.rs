//! The website tracking snippet, served from the binary so a site embeds it
//! with one `<script>` line and no build step or CDN.

use axum::http::header;
use axum::response::IntoResponse;

/// The snippet's source (`crates/server/assets/leadscore.js`).
pub const SOURCE: &str = include_str!("../../assets/leadscore.js");

/// The tracking snippet a website embeds; see the README's "Tracking snippet".
#[utoipa::path(get, path = "/v1/leadscore.js", tag = "segment",
    responses((status = 200, description = "The JavaScript snippet", content_type = "application/javascript")))]
pub async fn get() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            ),
            // Short, so a new release reaches every site within minutes.
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        SOURCE,
    )
}
