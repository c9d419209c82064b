//! The model: the active rules, every version with preview and activation,
//! uploads, job progress, backtest and comparison results, conversion by
//! score band, and the trained model's calibration.

use super::{CsrfOnly, Done};
use crate::app::AppState;
use crate::dashboard::assets;
use crate::dashboard::chart::{self, Kind, Series};
use crate::dashboard::frame::{Frame, OrPage, PageError, check_csrf, check_form, render};
use crate::dashboard::session::Viewer;
use crate::jobs::JobStatus;
use crate::routes::models::{start_activation, start_preview, store_version};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;

/// Job kinds this page follows.
const KINDS: [&str; 4] = ["preview", "activate", "backtest", "train"];
/// Jobs shown.
const JOBS: usize = 10;

/// A version as shown.
pub struct Version {
    pub version: i64,
    pub name: String,
    pub created: String,
    pub active: bool,
    pub preview: String,
    pub activate: String,
}

/// A job as shown.
pub struct Job {
    pub id: u64,
    pub kind: String,
    pub version: String,
    pub state: &'static str,
    pub running: bool,
    pub done: u64,
    pub total: u64,
    pub error: String,
    pub result: Vec<(String, String)>,
}

/// A backtest job's comparison of two versions: its id and figures.
pub type Comparison = (u64, Vec<(String, String)>);

/// One backtested model's figures.
pub struct Backtest {
    pub job: u64,
    pub model: String,
    pub auc: String,
    pub top_10: String,
    pub lines: Vec<(String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "model.html")]
struct Page {
    f: Frame,
    assets: &'static str,
    active_version: i64,
    active_name: String,
    source: String,
    versions: Vec<Version>,
    jobs: Vec<Job>,
    backtests: Vec<Backtest>,
    comparisons: Vec<Comparison>,
    replays: Vec<super::backtest::Replay>,
    bands_chart: String,
    /// When the band counts were made.
    bands_as_of: String,
    calibration_chart: String,
    trained: String,
}

/// What switching versions would change, from a preview's or a
/// comparison's figures.
fn changes(f: &Frame, d: &Value) -> Vec<(String, String)> {
    let t = f.t;
    [
        (t.compared_leads, "leads"),
        (t.stage_changes, "stage_changes"),
        (t.cell_changes, "cell_changes"),
        (t.new_mqls, "new_mqls"),
        (t.lost_mqls, "lost_mqls"),
    ]
    .iter()
    .map(|(label, key)| {
        (
            (*label).to_owned(),
            f.num(&d[*key].as_f64().unwrap_or_default(), 0),
        )
    })
    .collect()
}

fn job(f: &Frame, j: &JobStatus) -> Job {
    let t = f.t;
    let d = &j.detail;
    let mut result = Vec::new();
    if j.kind == "preview" && d.is_object() {
        result = changes(f, d);
        if let Some(moves) = d["stage_moves"].as_object() {
            for (k, n) in moves {
                result.push((k.clone(), f.num(&n.as_f64().unwrap_or_default(), 0)));
            }
        }
    }
    Job {
        id: j.id,
        kind: j.kind.clone(),
        version: j.model_version.map_or_else(String::new, |v| v.to_string()),
        state: match j.state.as_str() {
            "running" => t.job_running,
            "done" => t.job_done,
            _ => t.job_failed,
        },
        running: j.state == "running",
        done: j.done,
        total: j.total.unwrap_or(0).max(j.done),
        error: j.error.clone().unwrap_or_default(),
        result,
    }
}

fn backtests(f: &Frame, jobs: &[JobStatus]) -> (Vec<Backtest>, Vec<Comparison>) {
    let (mut out, mut comparisons) = (Vec::new(), Vec::new());
    for j in jobs
        .iter()
        .filter(|j| j.kind == "backtest" && j.state == "done")
        // Replays of the event log are shown by `super::backtest`.
        .filter(|j| !j.detail["weeks"].is_number())
    {
        for m in j.detail["models"].as_array().into_iter().flatten() {
            let h = &m["holdout"];
            out.push(Backtest {
                job: j.id,
                model: m["model"].as_str().unwrap_or_default().to_owned(),
                auc: f.num(&h["roc_auc"].as_f64().unwrap_or_default(), 3),
                top_10: f.pct(&h["top_10"].as_f64()),
                lines: m["lines"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|l| {
                        (
                            l["line"].as_str().unwrap_or_default().to_owned(),
                            f.num(&l["leads"].as_f64().unwrap_or_default(), 0),
                            f.pct(&l["conversion"].as_f64()),
                            f.pct(&l["caught"].as_f64()),
                        )
                    })
                    .collect(),
            });
        }
        let p = &j.detail["preview"];
        if p.is_object() {
            comparisons.push((j.id, changes(f, p)));
        }
    }
    (out, comparisons)
}

/// The calibration chart of the trained model the rules use, else the
/// newest one; and its version.
async fn calibration(
    state: &AppState,
    f: &Frame,
) -> Result<(String, String), crate::error::ApiError> {
    let named = state.active().model.predictive.clone();
    let row = match named {
        Some(v) => state.store.predictor(&v).await?,
        None => state.store.predictors().await?.into_iter().next(),
    };
    let Some(row) = row else {
        return Ok((String::new(), String::new()));
    };
    let report: Value = serde_json::from_str(&row.report).unwrap_or_default();
    let bins: Vec<&Value> = report["holdout"]["calibration"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["rows"].as_u64().unwrap_or(0) > 0)
        .collect();
    if bins.is_empty() {
        return Ok((String::new(), row.version));
    }
    let x: Vec<f64> = bins
        .iter()
        .map(|b| b["predicted"].as_f64().unwrap_or_default())
        .collect();
    let chart = chart::data(
        Kind::Line,
        &x,
        &[],
        &[
            Series {
                label: f.t.observed_rate.to_owned(),
                values: bins.iter().map(|b| b["observed"].as_f64()).collect(),
            },
            Series {
                label: f.t.predicted_rate.to_owned(),
                values: x.iter().map(|p| Some(*p)).collect(),
            },
        ],
    );
    Ok((chart, row.version))
}

/// `GET /model`.
pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let mut f = Frame::new(&v, "model", done.done.as_deref());
    let active = state.active();
    let models = state.store.models().await.or_page(&v)?;
    let source = models
        .iter()
        .find(|m| m.version == active.version)
        .map(|m| m.source.clone())
        .unwrap_or_default();
    let versions = models
        .iter()
        .map(|m| Version {
            version: m.version,
            name: m.name.clone(),
            created: f.at(&m.created_at),
            active: m.version == active.version,
            preview: format!("/model/{}/preview", m.version),
            activate: format!("/model/{}/activate", m.version),
        })
        .collect();
    let all_jobs: Vec<JobStatus> = state
        .jobs
        .list()
        .into_iter()
        .filter(|j| KINDS.contains(&j.kind.as_str()))
        .collect();
    let jobs: Vec<Job> = all_jobs.iter().take(JOBS).map(|j| job(&f, j)).collect();
    f.refresh = jobs.iter().any(|j| j.running);
    let (backtests, comparisons) = backtests(&f, &all_jobs);
    let replays = super::backtest::replays(&f, &all_jobs);
    let funnel = super::funnel::cached(&state, &super::funnel::Form::default(), "month")
        .await
        .or_page(&v)?;
    let (bands, bands_as_of) = match funnel.ready() {
        Some((r, made_at, refreshing)) => (
            r["by_score"].as_array().cloned().unwrap_or_default(),
            super::as_of(&f, made_at, refreshing),
        ),
        None => (Vec::new(), f.t.computing.to_owned()),
    };
    let bands_chart = chart::conversion_bars(&bands, f.t.won);
    let (calibration_chart, trained) = calibration(&state, &f).await.or_page(&v)?;
    Ok(render(&Page {
        assets: assets::version(),
        active_version: active.version,
        active_name: active.model.name.to_string(),
        source,
        versions,
        jobs,
        backtests,
        comparisons,
        replays,
        bands_chart,
        bands_as_of,
        calibration_chart,
        trained,
        f,
    }))
}

/// The upload form.
#[derive(Debug, Deserialize)]
pub struct Upload {
    csrf: String,
    source: String,
}

/// `POST /model/upload`: stores the file as an inactive version and starts
/// its preview.
pub async fn upload(
    State(state): State<AppState>,
    v: Viewer,
    Form(form): Form<Upload>,
) -> Result<Response, PageError> {
    check_form(&v, &form.csrf, v.role.manages_models())?;
    let stored = store_version(&state, &form.source).await.or_page(&v)?;
    start_preview(&state, stored.version).await.or_page(&v)?;
    Ok(Redirect::to("/model?done=uploaded").into_response())
}

/// `POST /model/{version}/preview`.
pub async fn preview(
    State(state): State<AppState>,
    v: Viewer,
    Path(version): Path<i64>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    check_csrf(&v, &form.csrf)?;
    start_preview(&state, version).await.or_page(&v)?;
    Ok(Redirect::to("/model?done=preview").into_response())
}

/// `POST /model/{version}/activate`: admins and marketing only.
pub async fn activate(
    State(state): State<AppState>,
    v: Viewer,
    Path(version): Path<i64>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    check_form(&v, &form.csrf, v.role.manages_models())?;
    start_activation(&state, version).await.or_page(&v)?;
    state.dashboard.cache.expire();
    Ok(Redirect::to("/model?done=activating").into_response())
}
