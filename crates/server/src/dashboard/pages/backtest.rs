//! Backtests started from the Model page: the server's own event log
//! replayed week by week under a stored version (and optionally one to
//! compare it with), the job `POST /api/backtest?source=store` starts, and
//! its results: new MQLs per week and the share sales accepted and won.

use crate::app::AppState;
use crate::dashboard::chart::{self, Kind, Series};
use crate::dashboard::frame::{Frame, OrPage, PageError, check_form};
use crate::dashboard::session::Viewer;
use crate::error::ApiError;
use crate::jobs::JobStatus;
use crate::routes::learn::start_replay;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;

/// The form: the version to test and, optionally, one to compare with.
#[derive(Debug, Deserialize)]
pub struct BacktestForm {
    csrf: String,
    model: String,
    #[serde(default)]
    compare: String,
}

impl BacktestForm {
    fn versions(&self) -> Result<(i64, Option<i64>), ApiError> {
        let version = |field: &str, s: &str| {
            s.trim()
                .parse::<i64>()
                .map_err(|_| ApiError::field(field, "expected a model version number"))
        };
        let model = version("model", &self.model)?;
        let compare = match self.compare.trim() {
            "" => None,
            c if version("compare", c)? == model => {
                return Err(ApiError::field(
                    "compare",
                    "expected a version other than the one tested",
                ));
            }
            c => Some(version("compare", c)?),
        };
        Ok((model, compare))
    }
}

/// `POST /model/backtest`: admins and marketing only.
pub async fn start(
    State(state): State<AppState>,
    v: Viewer,
    Form(form): Form<BacktestForm>,
) -> Result<Response, PageError> {
    check_form(&v, &form.csrf, v.role.manages_models())?;
    let (model, compare) = form.versions().or_page(&v)?;
    // The page lists the job with the others; its id is not needed here.
    let _started = start_replay(&state, model, compare, None)
        .await
        .or_page(&v)?;
    Ok(Redirect::to("/model?done=backtest#backtests").into_response())
}

/// One model's lines in a replay, as shown: line, new leads past it, per
/// week, accepted as SQL, won.
pub struct ModelLines {
    pub model: String,
    pub lines: Vec<[String; 5]>,
}

/// A finished replay, as shown.
pub struct Replay {
    pub job: u64,
    /// Leads, events and weeks replayed.
    pub summary: String,
    pub models: Vec<ModelLines>,
    /// New leads past each model's first line, week by week.
    pub chart: String,
}

/// The finished replays among `jobs`, newest first.
pub fn replays(f: &Frame, jobs: &[JobStatus]) -> Vec<Replay> {
    jobs.iter()
        .filter(|j| j.kind == "backtest" && j.state == "done")
        .filter(|j| j.detail["weeks"].is_number())
        .map(|j| replay(f, j.id, &j.detail))
        .collect()
}

fn replay(f: &Frame, job: u64, d: &Value) -> Replay {
    let t = f.t;
    let n = |v: &Value| f.num(&v.as_f64().unwrap_or_default(), 0);
    let models: Vec<&Value> = d["models"].as_array().into_iter().flatten().collect();
    let models_shown = models
        .iter()
        .map(|m| ModelLines {
            model: m["model"].as_str().unwrap_or_default().to_owned(),
            lines: m["lines"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|l| {
                    let total = &l["total"];
                    [
                        l["line"].as_str().unwrap_or_default().to_owned(),
                        n(&total["new"]),
                        f.num(&l["per_week"].as_f64().unwrap_or_default(), 1),
                        f.pct(&total["sql_rate"].as_f64()),
                        f.pct(&total["won_rate"].as_f64()),
                    ]
                })
                .collect(),
        })
        .collect();
    let first_lines: Vec<&Value> = models.iter().map(|m| &m["lines"][0]).collect();
    let labels: Vec<String> = first_lines
        .first()
        .and_then(|l| l["weeks"].as_array())
        .into_iter()
        .flatten()
        .map(|w| w["week"].as_str().unwrap_or_default().to_owned())
        .collect();
    let series: Vec<Series> = models
        .iter()
        .zip(&first_lines)
        .map(|(m, l)| Series {
            label: m["model"].as_str().unwrap_or_default().to_owned(),
            values: l["weeks"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|w| w["new"].as_f64())
                .collect(),
        })
        .collect();
    Replay {
        job,
        summary: format!(
            "{} {} · {} {} · {} {} · SQL {} · {} {}",
            n(&d["leads"]),
            t.leads.to_lowercase(),
            n(&d["events"]),
            t.events_label.to_lowercase(),
            n(&d["weeks"]),
            t.weeks,
            n(&d["sql_leads"]),
            t.won,
            n(&d["won_leads"]),
        ),
        models: models_shown,
        chart: if labels.is_empty() {
            String::new()
        } else {
            chart::data(Kind::Bars, &[], &labels, &series)
        },
    }
}
