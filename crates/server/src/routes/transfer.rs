//! Bulk import (Segment JSON Lines events, CSV profiles) as background jobs
//! with progress, and export of the scored leads.

use super::Params;
use super::leads::LeadSummary;
use crate::app::AppState;
use crate::auth::Role;
use crate::error::ApiError;
use crate::jobs::JobHandle;
use crate::writer::ProfileUpdate;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use leadscore_core::import::ProfileColumns;
use leadscore_core::segment;
use leadscore_store::{Cursor, LeadFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Largest import body.
const MAX_IMPORT_BYTES: usize = 512 * 1024 * 1024;
/// Rows sent to the writer at a time.
pub(super) const CHUNK: usize = 5_000;
/// Errors kept in a job's detail; the count covers the rest.
const KEEP_ERRORS: usize = 100;

/// Where an import's progress can be followed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Started {
    /// The job id: `GET /api/jobs/{job}`.
    pub job: u64,
}

pub(super) async fn body_text(body: Body) -> Result<String, ApiError> {
    let bytes = axum::body::to_bytes(body, MAX_IMPORT_BYTES)
        .await
        .map_err(|_| ApiError::too_large("an import is larger than 512 MB"))?;
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        ApiError::field(
            "body",
            format!(
                "expected UTF-8 text; invalid byte at offset {}",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

pub(super) struct Tally {
    pub job: JobHandle,
    pub lines: u64,
    pub accepted: usize,
    duplicates: usize,
    rejected: usize,
    errors: Vec<serde_json::Value>,
}

impl Tally {
    pub fn new(job: JobHandle, lines: u64) -> Tally {
        Tally {
            job,
            lines,
            accepted: 0,
            duplicates: 0,
            rejected: 0,
            errors: Vec::new(),
        }
    }

    pub fn reject(&mut self, line: usize, field: Option<&str>, message: String) {
        self.rejected += 1;
        if self.errors.len() < KEEP_ERRORS {
            self.errors
                .push(json!({"line": line, "field": field, "message": message}));
        }
    }

    pub fn report(&self, done: u64) {
        self.job.progress(done, Some(self.lines));
        self.job.detail(json!({
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "errors": self.errors,
        }));
    }
}

/// Imports Segment messages, one JSON object per line. Bad lines are
/// reported by line number in the job; good ones are stored.
#[utoipa::path(post, path = "/api/import/events", tag = "import",
    request_body(content = String, content_type = "application/x-ndjson"),
    responses((status = 202, body = Started), (status = 413, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn import_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Started>), ApiError> {
    state.keys.require(&headers, Role::Admin).await?;
    let text = body_text(body).await?;
    let job = state.jobs.start("import", None);
    let id = job.id();
    tokio::spawn(async move {
        let mut t = Tally::new(job, text.lines().count() as u64);
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut done = 0;
        for (n, line) in text.lines().enumerate() {
            done = n as u64 + 1;
            if line.trim().is_empty() {
                continue;
            }
            match segment::parse_line(line) {
                Ok(e) => chunk.push(e),
                Err(e) => t.reject(n + 1, e.field(), e.to_string()),
            }
            if chunk.len() == CHUNK {
                if !send(&state, &mut chunk, &mut t).await {
                    return;
                }
                t.report(done);
            }
        }
        if send(&state, &mut chunk, &mut t).await {
            t.report(done);
            t.job.finish();
        }
    });
    Ok((StatusCode::ACCEPTED, Json(Started { job: id })))
}

async fn send(state: &AppState, chunk: &mut Vec<leadscore_core::Event>, t: &mut Tally) -> bool {
    if chunk.is_empty() {
        return true;
    }
    match state.writer.ingest(std::mem::take(chunk)).await {
        Ok(done) => {
            t.accepted += done.accepted;
            t.duplicates += done.duplicates;
            true
        }
        Err(e) => {
            t.job.fail(&format!("storing failed: {e}"));
            false
        }
    }
}

/// Stores a chunk of profile changes (emptying it) and reports progress;
/// false, with the job failed, if storing failed.
pub(super) async fn send_profiles(
    state: &AppState,
    chunk: &mut Vec<ProfileUpdate>,
    t: &mut Tally,
    done: u64,
) -> bool {
    let batch = std::mem::take(chunk);
    let count = batch.len();
    if let Err(e) = state.writer.update_profiles(batch).await {
        t.job.fail(&format!("storing failed: {e}"));
        return false;
    }
    t.accepted += count;
    t.report(done);
    true
}

/// Imports lead profiles from CSV with a header row; the id column is `id`
/// (or `lead_id`, `user_id`, `email`...). Bad rows are reported by line.
#[utoipa::path(post, path = "/api/import/leads", tag = "import",
    request_body(content = String, content_type = "text/csv"),
    responses((status = 202, body = Started), (status = 400, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn import_leads(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Started>), ApiError> {
    state.keys.require(&headers, Role::Admin).await?;
    let text = body_text(body).await?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(std::io::Cursor::new(text.into_bytes()));
    let headers_row = reader
        .headers()
        .map_err(|e| ApiError::field("header", format!("cannot read the header row: {e}")))?
        .clone();
    let names: Vec<&str> = headers_row.iter().collect();
    let columns = ProfileColumns::from_headers(&names, None)
        .map_err(|e| ApiError::field("header", e.to_string()))?;
    let job = state.jobs.start("import", None);
    let id = job.id();
    tokio::spawn(async move {
        let records: Vec<_> = reader.records().collect();
        let mut t = Tally::new(job, records.len() as u64);
        let mut chunk = Vec::with_capacity(CHUNK);
        for (n, record) in records.into_iter().enumerate() {
            let line = n + 2;
            let profile = record.map_err(|e| e.to_string()).and_then(|r| {
                columns
                    .profile(&r.iter().collect::<Vec<_>>())
                    .map_err(|e| e.to_string())
            });
            match profile {
                Ok(p) => chunk.push(ProfileUpdate {
                    lead_id: p.id.to_string(),
                    attributes: p.attributes.into_iter().collect(),
                    owner: None,
                    cause: Some("import".to_owned()),
                    feedback: Vec::new(),
                }),
                Err(message) => t.reject(line, None, message),
            }
            if (chunk.len() == CHUNK || n + 1 == t.lines as usize)
                && !send_profiles(&state, &mut chunk, &mut t, n as u64 + 1).await
            {
                return;
            }
        }
        t.report(t.lines);
        t.job.finish();
    });
    Ok((StatusCode::ACCEPTED, Json(Started { job: id })))
}

/// Export format.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    /// `csv` (default) or `jsonl`.
    pub format: Option<String>,
}

/// Every scored lead, hottest first, as CSV or JSON Lines.
#[utoipa::path(get, path = "/api/export/leads", tag = "import", params(ExportQuery),
    responses((status = 200, body = String)), security(("api_key" = [])))]
pub async fn export_leads(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<ExportQuery>,
) -> Result<impl IntoResponse, ApiError> {
    state.keys.require(&headers, Role::Read).await?;
    let format = q.format.unwrap_or_else(|| "csv".to_owned());
    if format != "csv" && format != "jsonl" {
        return Err(ApiError::field(
            "format",
            format!("expected csv or jsonl, found {format}"),
        ));
    }
    let version = state.active().version;
    let mut out = Vec::new();
    let mut csv_out = csv::Writer::from_writer(Vec::new());
    if format == "csv" {
        csv_out
            .write_record([
                "id",
                "name",
                "email",
                "account",
                "owner",
                "total",
                "fit",
                "engagement",
                "cell",
                "hot",
                "stage",
            ])
            .map_err(|e| ApiError::internal(&e))?;
    }
    let mut after: Option<Cursor> = None;
    loop {
        let rows = state
            .store
            .ranked(
                version,
                &LeadFilter {
                    limit: 500,
                    after: after.clone(),
                    ..LeadFilter::default()
                },
            )
            .await?;
        let Some(last) = rows.last() else { break };
        after = Some(Cursor {
            total: last.score.total,
            lead_id: last.score.lead_id.clone(),
        });
        for r in rows.into_iter().map(LeadSummary::from) {
            if format == "csv" {
                csv_out
                    .write_record([
                        r.id.as_str(),
                        r.name.as_deref().unwrap_or(""),
                        r.email.as_deref().unwrap_or(""),
                        r.account.as_deref().unwrap_or(""),
                        r.owner.as_deref().unwrap_or(""),
                        &r.total.to_string(),
                        &r.fit.to_string(),
                        &r.engagement.to_string(),
                        &r.cell,
                        if r.hot { "true" } else { "false" },
                        &r.stage,
                    ])
                    .map_err(|e| ApiError::internal(&e))?;
            } else {
                serde_json::to_writer(&mut out, &r).map_err(|e| ApiError::internal(&e))?;
                out.push(b'\n');
            }
        }
    }
    let (body, kind) = if format == "csv" {
        (
            csv_out.into_inner().map_err(|e| ApiError::internal(&e))?,
            "text/csv; charset=utf-8",
        )
    } else {
        (out, "application/x-ndjson")
    };
    Ok(([(header::CONTENT_TYPE, kind)], body))
}
