//! The Segment HTTP tracking API: `/v1/identify`, `/v1/track`, `/v1/page`,
//! `/v1/screen`, `/v1/group`, `/v1/alias` and `/v1/batch`, authorised by the
//! write key as the HTTP Basic user name, with the spec's size limits.

use crate::app::AppState;
use crate::auth::Role;
use crate::error::ApiError;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use leadscore_core::{Event, EventKind, Timestamp, segment};
use serde::Serialize;
use serde_json::Value as Json_;
use std::time::Instant;

/// Largest single event, as in Segment's HTTP API.
pub const MAX_EVENT_BYTES: usize = 32 * 1024;
/// Largest batch request, as in Segment's HTTP API.
pub const MAX_BATCH_BYTES: usize = 500 * 1024;

/// The answer to a single-event call.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Accepted {
    /// Always true on success, as Segment answers.
    pub success: bool,
    /// False when the message id was already stored (the event was ignored).
    pub new: bool,
}

/// One rejected event of a batch.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Rejected {
    /// Position in the batch, from 0.
    pub index: usize,
    /// Stable error code.
    pub code: &'static str,
    /// The field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What was wrong.
    pub message: String,
}

/// The answer to a batch.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchAccepted {
    /// True when at least one event was stored or was a repeat.
    pub success: bool,
    /// New events stored.
    pub accepted: usize,
    /// Repeated message ids, ignored.
    pub duplicates: usize,
    /// Events that could not be read.
    pub rejected: Vec<Rejected>,
}

async fn read_body(body: Body, limit: usize, what: &str) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::too_large(format!("{what} is larger than {} KB", limit / 1024)))
}

fn now() -> Timestamp {
    Timestamp(crate::clock::now_ms())
}

fn segment_error(e: &segment::SegmentError) -> ApiError {
    match e.field() {
        Some(f) => ApiError::field(f, e.to_string()),
        None => ApiError::json(e.to_string()),
    }
}

/// Reads one message, stamping `receivedAt` (and the batch's `sentAt`) so
/// that client clock skew is corrected as the spec describes.
fn read_message(
    mut v: Json_,
    kind: Option<EventKind>,
    sent_at: Option<&Json_>,
    received: Timestamp,
) -> Result<Event, ApiError> {
    if let Json_::Object(m) = &mut v {
        m.entry("receivedAt")
            .or_insert_with(|| Json_::String(received.to_rfc3339()));
        if let Some(s) = sent_at {
            m.entry("sentAt").or_insert_with(|| s.clone());
        }
    }
    segment::parse_message_with_default_time(&v, kind, received).map_err(|e| segment_error(&e))
}

/// Hands events to the writer and counts the outcome in the metrics.
async fn ingest(
    state: &AppState,
    events: Vec<Event>,
    started: Instant,
) -> Result<crate::writer::Ingested, ApiError> {
    let done = state.writer.ingest(events).await?;
    state.metrics.count("accepted", done.accepted);
    state.metrics.count("duplicate", done.duplicates);
    state
        .metrics
        .ingest_seconds
        .observe(started.elapsed().as_secs_f64());
    Ok(done)
}

async fn single(
    state: AppState,
    headers: HeaderMap,
    body: Body,
    kind: EventKind,
) -> Result<Json<Accepted>, ApiError> {
    state.keys.require(&headers, Role::Write).await?;
    let started = Instant::now();
    let bytes = read_body(body, MAX_EVENT_BYTES, "an event").await?;
    let v: Json_ = serde_json::from_slice(&bytes).map_err(|e| {
        state.metrics.count("rejected", 1);
        ApiError::json(format!("the body is not valid JSON: {e}"))
    })?;
    let event = read_message(v, Some(kind), None, now()).inspect_err(|_| {
        state.metrics.count("rejected", 1);
    })?;
    let done = ingest(&state, vec![event], started).await?;
    Ok(Json(Accepted {
        success: true,
        new: done.accepted == 1,
    }))
}

macro_rules! single_endpoint {
    ($name:ident, $path:literal, $kind:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "ingest",
                            request_body(content = Object, description = "A Segment message"),
                            responses(
                                (status = 200, body = Accepted),
                                (status = 400, body = crate::error::ErrorBody),
                                (status = 401, body = crate::error::ErrorBody),
                                (status = 413, body = crate::error::ErrorBody)),
                            security(("write_key" = [])))]
        pub async fn $name(
            State(state): State<AppState>,
            headers: HeaderMap,
            body: Body,
        ) -> Result<Json<Accepted>, ApiError> {
            single(state, headers, body, $kind).await
        }
    };
}

single_endpoint!(
    track,
    "/v1/track",
    EventKind::Track,
    "Records a named action."
);
single_endpoint!(page, "/v1/page", EventKind::Page, "Records a page view.");
single_endpoint!(
    screen,
    "/v1/screen",
    EventKind::Screen,
    "Records an app screen view."
);
single_endpoint!(
    identify,
    "/v1/identify",
    EventKind::Identify,
    "Ties a visitor to a lead and sets traits."
);
single_endpoint!(
    group,
    "/v1/group",
    EventKind::Group,
    "Links a lead to an account."
);
single_endpoint!(
    alias,
    "/v1/alias",
    EventKind::Alias,
    "Declares two ids the same person."
);

/// Records many messages at once; bad ones are reported, good ones kept.
#[utoipa::path(post, path = "/v1/batch", tag = "ingest",
    request_body(content = Object, description = "`{\"batch\": [messages], \"sentAt\": ...}`"),
    responses(
        (status = 200, body = BatchAccepted),
        (status = 400, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody)),
    security(("write_key" = [])))]
pub async fn batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<BatchAccepted>, ApiError> {
    state.keys.require(&headers, Role::Write).await?;
    let started = Instant::now();
    let bytes = read_body(body, MAX_BATCH_BYTES, "a batch").await?;
    #[derive(serde::Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        batch: Option<Vec<&'a serde_json::value::RawValue>>,
        #[serde(rename = "sentAt")]
        sent_at: Option<Json_>,
    }
    let envelope: Envelope<'_> = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::json(format!("the body is not valid JSON: {e}")))?;
    let items = envelope
        .batch
        .ok_or_else(|| ApiError::field("batch", "missing field `batch` (an array of messages)"))?;
    let received = now();
    let mut events = Vec::with_capacity(items.len());
    let mut rejected = Vec::new();
    for (index, raw) in items.into_iter().enumerate() {
        let reject = |e: ApiError| Rejected {
            index,
            code: e.code,
            field: e.field,
            message: e.message,
        };
        if raw.get().len() > MAX_EVENT_BYTES {
            rejected.push(reject(ApiError::too_large(
                "the event is larger than 32 KB",
            )));
            continue;
        }
        let parsed = serde_json::from_str::<Json_>(raw.get())
            .map_err(|e| ApiError::json(e.to_string()))
            .and_then(|v| read_message(v, None, envelope.sent_at.as_ref(), received));
        match parsed {
            Ok(e) => events.push(e),
            Err(e) => rejected.push(reject(e)),
        }
    }
    state.metrics.count("rejected", rejected.len());
    if events.is_empty() {
        let first = rejected
            .first()
            .map(|r| r.message.clone())
            .unwrap_or_default();
        return Err(ApiError {
            message: format!("no event in the batch could be read; the first problem: {first}"),
            ..ApiError::field("batch", "")
        });
    }
    let done = ingest(&state, events, started).await?;
    Ok(Json(BatchAccepted {
        success: true,
        accepted: done.accepted,
        duplicates: done.duplicates,
        rejected,
    }))
}
