//! Read your own writes: an ingest request is answered once its events are
//! stored, while the leads and scores they change are written a moment
//! later (see the writer). Every request other than ingestion first waits
//! for those writes when some are pending, so a client that reads after its
//! events were acknowledged sees their effect; with nothing pending (the
//! usual case for reads) it costs one atomic load.

use crate::app::AppState;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

/// Middleware: waits for pending derived writes before anything but a
/// Segment ingest call.
pub async fn settle_reads(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let ingest = request.method() == Method::POST && request.uri().path().starts_with("/v1/");
    if !ingest && state.shared.unwritten() {
        // A failed write is reported by the writer's own log and reloads
        // its state; the read then serves what the store holds.
        if let Err(e) = state.writer.settle().await {
            tracing::warn!(error = %e, "Could not wait for pending writes");
        }
    }
    next.run(request).await
}
