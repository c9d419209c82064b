//! The fit × engagement matrix: a heatmap of leads per cell with the share
//! of each cell at SQL or beyond; each cell opens its leads.

use crate::app::AppState;
use crate::dashboard::assets;
use crate::dashboard::frame::{Frame, OrPage, PageError, render};
use crate::dashboard::session::Viewer;
use crate::dashboard::summaries::Summary;
use crate::error::ApiError;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use rustc_hash::FxHashMap;
use serde_json::json;
use std::sync::Arc;

/// Stages after SQL in model order that are exits, not progress.
const EXITS: [&str; 3] = ["disqualified", "recycled", "lost"];

/// One cell as shown.
pub struct Cell {
    pub name: String,
    pub href: String,
    pub leads: String,
    pub rate: String,
    pub heat: u8,
    pub hot: bool,
}

#[derive(Template)]
#[template(path = "matrix.html")]
struct Page {
    f: Frame,
    assets: &'static str,
    rows: Vec<(char, Vec<Cell>)>,
    total: String,
    /// When the counts were made.
    as_of: String,
}

/// Leads per cell and stage under the active version, `[[cell, stage,
/// leads]]`, as last made (never waiting for a full scan).
pub(super) async fn counts(state: &AppState) -> Result<Summary, ApiError> {
    let version = state.active().version;
    let store = Arc::clone(&state.store);
    state
        .dashboard
        .cache
        .get_or(format!("matrix:{version}"), move || async move {
            let rows = store.cell_stage_counts(version).await?;
            Ok(json!(
                rows.into_iter()
                    .map(|r| (r.cell, r.stage, r.leads))
                    .collect::<Vec<_>>()
            ))
        })
        .await
}

/// `GET /matrix`.
pub async fn show(State(state): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    let f = Frame::new(&v, "matrix", None);
    let active = state.active();
    let counts = counts(&state).await.or_page(&v)?;
    let Some((counts, made_at, refreshing)) = counts.ready() else {
        return Ok(super::computing(f.t.nav_matrix, f));
    };
    let as_of = super::as_of(&f, made_at, refreshing);
    let stages: Vec<&str> = active
        .model
        .stages
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let sql_at = stages
        .iter()
        .position(|s| *s == "sql")
        .unwrap_or(stages.len());
    let converted = |stage: &str| {
        stages
            .iter()
            .position(|s| *s == stage)
            .is_some_and(|i| i >= sql_at && !EXITS.contains(&stage))
    };
    let mut per_cell: FxHashMap<String, (i64, i64)> = FxHashMap::default();
    for row in counts.as_array().into_iter().flatten() {
        let (cell, stage, n) = (
            row[0].as_str().unwrap_or_default(),
            row[1].as_str().unwrap_or_default(),
            row[2].as_i64().unwrap_or_default(),
        );
        let e = per_cell.entry(cell.to_owned()).or_default();
        e.0 += n;
        if converted(stage) {
            e.1 += n;
        }
    }
    let max = per_cell.values().map(|c| c.0).max().unwrap_or(0).max(1);
    let total: i64 = per_cell.values().map(|c| c.0).sum();
    let hot_cells = &active.model.grades.hot;
    let rows = ['A', 'B', 'C', 'D']
        .iter()
        .enumerate()
        .map(|(band, fit)| {
            let cells = (1..=4usize)
                .map(|eng| {
                    let name = format!("{fit}{eng}");
                    let (leads, conv) = per_cell.get(&name).copied().unwrap_or((0, 0));
                    // Six steps of colour by the cell's share of the largest cell.
                    let heat = if leads == 0 {
                        0
                    } else {
                        1 + (leads * 4 / max) as u8
                    };
                    Cell {
                        href: format!("/leads?cell={name}"),
                        leads: f.int(&leads),
                        rate: f.pct(&(leads > 0).then(|| conv as f64 / leads as f64)),
                        heat,
                        hot: hot_cells[band][eng - 1],
                        name,
                    }
                })
                .collect();
            (*fit, cells)
        })
        .collect();
    Ok(render(&Page {
        total: f.int(&total),
        as_of,
        f,
        assets: assets::version(),
        rows,
    }))
}
