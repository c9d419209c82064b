//! Predictive scoring over the API: train a model from a CSV of leads with
//! known outcomes or from the server's own history (profiles, behaviour
//! and sales feedback), list trained models, backtest and compare stored
//! rule model versions on a CSV or by replaying the history week by week,
//! and suggest a rule model. Each runs as a job; its result is the job's
//! detail (`GET /api/jobs/{id}`).

use super::Params;
use super::transfer::{Started, body_text};
use crate::app::AppState;
use crate::auth::Role;
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::history::load_history;
use crate::jobs::JobHandle;
use crate::runtime::behaviour::LiveHistory;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use leadscore_core::Timestamp;
use leadscore_core::dataset::Dataset;
use leadscore_core::model::Model;
use leadscore_ml::dataset::{HistorySpec, Loaded, SplitSpec, from_history, load};
use leadscore_ml::history::{CutOff, Feedback, FeedbackOutcome};
use leadscore_ml::replay::replay;
use leadscore_ml::table::TableSpec;
use leadscore_ml::train::{Kind, Options, train_and_evaluate};
use leadscore_store::PredictorRow;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;

/// The data options: which columns mean what, and the hold-out.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct DataParams {
    /// The outcome column; with `source=store`, `won` (won against lost)
    /// or `sql` (accepted against rejected).
    pub outcome: Option<String>,
    /// The id column.
    pub id: Option<String>,
    /// Outcome values meaning converted, comma-separated (default 1, true,
    /// yes, won, converted).
    pub positive: Option<String>,
    /// Columns to leave out, comma-separated.
    pub exclude: Option<String>,
    /// Values meaning "not answered", comma-separated (e.g. `Select`).
    pub not_answered: Option<String>,
    /// `random` (default) or `time` (by `time_column`; with
    /// `source=store`, by each lead's first event).
    pub split: Option<String>,
    /// Share held out (default 0.2).
    pub test_share: Option<f64>,
    /// Column ordering rows in time, for `split=time`.
    pub time_column: Option<String>,
    /// Seed (default 42).
    pub seed: Option<u64>,
}

fn list(v: &Option<String>) -> Vec<String> {
    v.iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl DataParams {
    fn outcome(&self) -> Result<&str, ApiError> {
        self.outcome
            .as_deref()
            .ok_or_else(|| ApiError::field("outcome", "missing field `outcome`"))
    }

    /// With `source=store`: `split=time` holds out the leads seen last
    /// (by their first event); there is no column to name.
    fn store_split_by_time(&self) -> Result<bool, ApiError> {
        match self.split.as_deref().unwrap_or("random") {
            "random" => Ok(false),
            "time" if self.time_column.is_some() => Err(ApiError::field(
                "time_column",
                "with source=store, split=time orders leads by their first event; leave time_column out",
            )),
            "time" => Ok(true),
            other => Err(ApiError::field(
                "split",
                format!("expected `random` or `time`, found `{other}`"),
            )),
        }
    }

    fn spec(&self) -> Result<(TableSpec, SplitSpec), ApiError> {
        let outcome = self.outcome()?.to_owned();
        let share = self.test_share.unwrap_or(0.2);
        let split = match self.split.as_deref().unwrap_or("random") {
            "random" => SplitSpec::Random {
                share,
                seed: self.seed.unwrap_or(42),
            },
            "time" => SplitSpec::Time {
                column: self.time_column.clone().ok_or_else(|| {
                    ApiError::field("time_column", "split=time needs the column to order by")
                })?,
                share,
            },
            other => {
                return Err(ApiError::field(
                    "split",
                    format!("expected `random` or `time`, found `{other}`"),
                ));
            }
        };
        Ok((
            TableSpec {
                id: self.id.clone(),
                outcome,
                positive: list(&self.positive),
                exclude: list(&self.exclude),
                not_answered: list(&self.not_answered),
            },
            split,
        ))
    }
}

/// Starts a job that loads the CSV body and runs `work` on it off the async
/// threads; `work` returns the job's result.
async fn job<F>(
    state: &AppState,
    kind: &str,
    body: Body,
    params: &DataParams,
    profiles: bool,
    work: F,
) -> Result<(StatusCode, Json<Started>), ApiError>
where
    F: FnOnce(Loaded, &JobHandle) -> Result<serde_json::Value, String> + Send + 'static,
{
    let (spec, split) = params.spec()?;
    let csv = body_text(body).await?;
    let job = state.jobs.start(kind, None);
    let id = job.id();
    tokio::task::spawn_blocking(move || {
        job.progress(0, Some(2));
        let result = load(csv.as_bytes(), &spec, &split, profiles)
            .map_err(|e| e.to_string())
            .and_then(|d| {
                job.progress(1, Some(2));
                work(d, &job)
            });
        finish(&job, result);
    });
    Ok((StatusCode::ACCEPTED, Json(Started { job: id })))
}

/// Ends a job with its result.
fn finish(job: &JobHandle, result: Result<serde_json::Value, String>) {
    match result {
        Ok(detail) => {
            job.detail(detail);
            job.progress(2, Some(2));
            job.finish();
        }
        Err(e) => job.fail(&e),
    }
}

/// Where the data comes from, and for the server's history, the moment
/// each lead is described at.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct HistoryParams {
    /// `csv` (default: the request body) or `store` (the server's own
    /// leads, events and sales feedback).
    pub source: Option<String>,
    /// With `source=store`: describe each lead this many days after its
    /// first event (never after its first feedback).
    pub horizon_days: Option<u32>,
    /// With `source=store`: describe every lead as of this time (RFC 3339
    /// or a date; never after its first feedback).
    pub as_of: Option<String>,
}

impl HistoryParams {
    /// Whether the data is the server's history.
    fn reads_store(&self) -> Result<bool, ApiError> {
        match self.source.as_deref().unwrap_or("csv") {
            "csv" if self.horizon_days.is_some() || self.as_of.is_some() => Err(ApiError::field(
                if self.as_of.is_some() {
                    "as_of"
                } else {
                    "horizon_days"
                },
                "describes behaviour in the server's history: use it with source=store",
            )),
            "csv" => Ok(false),
            "store" => Ok(true),
            other => Err(ApiError::field(
                "source",
                format!("expected `csv` or `store`, found `{other}`"),
            )),
        }
    }

    fn cutoff(&self) -> Result<CutOff, ApiError> {
        match (&self.as_of, self.horizon_days) {
            (Some(_), Some(_)) => Err(ApiError::field(
                "horizon_days",
                "give horizon_days or as_of, not both",
            )),
            (Some(t), None) => Timestamp::parse(t)
                .map(CutOff::At)
                .map_err(|e| ApiError::field("as_of", e.to_string())),
            (None, Some(n)) => Ok(CutOff::HorizonDays(n)),
            (None, None) => Ok(CutOff::Latest),
        }
    }
}

/// Starts a job that reads the server's history and runs `work` on it off
/// the async threads; `work` returns the job's result.
fn history_job<F>(state: &AppState, kind: &str, work: F) -> (StatusCode, Json<Started>)
where
    F: FnOnce(Dataset, Vec<Feedback>) -> Result<serde_json::Value, String> + Send + 'static,
{
    let job = state.jobs.start(kind, None);
    let id = job.id();
    let store = std::sync::Arc::clone(&state.store);
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let result = handle
            .block_on(load_history(store.as_ref(), &|n| job.progress(n, None)))
            .map_err(|e| format!("reading the history failed: {e}"))
            .and_then(|(ds, feedback)| work(ds, feedback));
        finish(&job, result);
    });
    (StatusCode::ACCEPTED, Json(Started { job: id }))
}

/// How to make training rows of the server's history (`source=store`).
fn history_spec(data: &DataParams, h: &HistoryParams) -> Result<HistorySpec, ApiError> {
    Ok(HistorySpec {
        outcome: match data.outcome()? {
            "won" => FeedbackOutcome::Won,
            "sql" => FeedbackOutcome::Sql,
            other => {
                return Err(ApiError::field(
                    "outcome",
                    format!("with source=store, expected `won` or `sql`, found `{other}`"),
                ));
            }
        },
        cutoff: h.cutoff()?,
        exclude: list(&data.exclude),
        not_answered: list(&data.not_answered),
        test_share: data.test_share.unwrap_or(0.2),
        by_time: data.store_split_by_time()?,
        seed: data.seed.unwrap_or(42),
    })
}

/// Training options.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TrainParams {
    /// `logistic` (default) or `gbt`.
    pub kind: Option<String>,
}

/// Trains a model on a CSV of leads with outcomes (the body), or with
/// `source=store` on the server's own leads whose outcome sales reported,
/// described by their profile and their behaviour up to the cut-off; the
/// job's detail holds the version and the hold-out metrics, and the model
/// is stored under its version.
#[utoipa::path(post, path = "/api/train", tag = "predictive",
    params(DataParams, TrainParams, HistoryParams),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 202, body = Started), (status = 400, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn post_train(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(data): Params<DataParams>,
    Params(p): Params<TrainParams>,
    Params(h): Params<HistoryParams>,
    body: Body,
) -> Result<(StatusCode, Json<Started>), ApiError> {
    state.keys.require(&headers, Role::Admin).await?;
    let from_store = h.reads_store()?;
    let kind = match p.kind.as_deref().unwrap_or("logistic") {
        "logistic" => Kind::Logistic,
        "gbt" => Kind::Gbt,
        other => {
            return Err(ApiError::field(
                "kind",
                format!("expected `logistic` or `gbt`, found `{other}`"),
            ));
        }
    };
    let seed = data.seed.unwrap_or(42);
    let not_answered = list(&data.not_answered);
    let store = std::sync::Arc::clone(&state.store);
    let handle = tokio::runtime::Handle::current();
    let options = Options {
        seed,
        not_answered: not_answered.clone(),
        ..Options::new(kind)
    };
    let train_and_store = move |d: Loaded| {
        let (model, report) = train_and_evaluate(&d, &options).map_err(|e| e.to_string())?;
        let report = serde_json::to_value(&report).map_err(|e| e.to_string())?;
        let row = PredictorRow {
            version: model.version.clone(),
            kind: kind.as_str().to_owned(),
            body: serde_json::to_string(&model).map_err(|e| e.to_string())?,
            report: report.to_string(),
            created_at: now_ms(),
        };
        handle
            .block_on(store.put_predictor(&row))
            .map_err(|e| format!("storing the model failed: {e}"))?;
        Ok(report)
    };
    if !from_store {
        return job(&state, "train", body, &data, false, move |d, _| {
            train_and_store(d)
        })
        .await;
    }
    let spec = history_spec(&data, &h)?;
    Ok(history_job(&state, "train", move |ds, feedback| {
        train_and_store(from_history(&Arc::new(ds), &feedback, &spec).map_err(|e| e.to_string())?)
    }))
}

/// A stored model as listed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PredictorInfo {
    /// Version (content hash).
    pub version: String,
    /// `logistic` or `gbt`.
    pub kind: String,
    /// Stored at (ms).
    pub created_at: i64,
    /// The training report: hold-out metrics and more.
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
}

impl From<PredictorRow> for PredictorInfo {
    fn from(r: PredictorRow) -> PredictorInfo {
        PredictorInfo {
            version: r.version,
            kind: r.kind,
            created_at: r.created_at,
            report: serde_json::from_str(&r.report).unwrap_or_default(),
        }
    }
}

/// Every trained model, newest first.
#[utoipa::path(get, path = "/api/predictors", tag = "predictive",
    responses((status = 200, body = Vec<PredictorInfo>)), security(("api_key" = [])))]
pub async fn predictors(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<PredictorInfo>>, ApiError> {
    state.keys.require(&headers, Role::Read).await?;
    let rows = state.store.predictors().await?;
    Ok(Json(rows.into_iter().map(PredictorInfo::from).collect()))
}

/// One trained model with its parameters.
#[utoipa::path(get, path = "/api/predictors/{version}", tag = "predictive",
    params(("version" = String, Path, description = "Model version")),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn predictor(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(version): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.keys.require(&headers, Role::Read).await?;
    let row = state
        .store
        .predictor(&version)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("trained model {version}")))?;
    let model: serde_json::Value = serde_json::from_str(&row.body).unwrap_or_default();
    let info = PredictorInfo::from(row);
    Ok(Json(json!({"version": info.version, "kind": info.kind,
        "created_at": info.created_at, "report": info.report, "model": model})))
}

/// Which rule models to backtest.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BacktestParams {
    /// Stored model version (default: the active one).
    pub model: Option<i64>,
    /// A second version to compare with and preview the switch to.
    pub compare: Option<i64>,
    /// Also report a line at this total.
    pub threshold: Option<f64>,
}

/// A stored rule model; a trained model it names that reads behaviour reads
/// it from `history` (without one, such a model is refused).
async fn rule_model(
    state: &AppState,
    version: i64,
    field: &str,
    history: Option<&Arc<LiveHistory>>,
) -> Result<Model, ApiError> {
    let row = state
        .store
        .model(version)
        .await?
        .ok_or_else(|| ApiError::field(field, format!("no model version {version}")))?;
    Ok(crate::runtime::prepare::prepare(state.store.as_ref(), &row.source, history).await?)
}

/// Stored versions `model` and `compare` (given as the fields of that name).
async fn rule_models(
    state: &AppState,
    model: i64,
    compare: Option<i64>,
    history: Option<&Arc<LiveHistory>>,
) -> Result<(Model, Option<Model>), ApiError> {
    let first = rule_model(state, model, "model", history).await?;
    let second = match compare {
        Some(v) => Some(rule_model(state, v, "compare", history).await?),
        None => None,
    };
    Ok((first, second))
}

/// Starts the backtest job that replays the server's history week by week
/// under stored versions `model` and `compare` (also from the dashboard).
pub(crate) async fn start_replay(
    state: &AppState,
    model: i64,
    compare: Option<i64>,
    threshold: Option<f64>,
) -> Result<(StatusCode, Json<Started>), ApiError> {
    // A replay's trained models read behaviour from the replayed log.
    let history = Arc::new(LiveHistory::default());
    let (first, second) = rule_models(state, model, compare, Some(&history)).await?;
    Ok(history_job(state, "backtest", move |ds, feedback| {
        history.fill(&ds);
        let models: Vec<&Model> = std::iter::once(&first).chain(second.as_ref()).collect();
        serde_json::to_value(replay(&models, &ds, &feedback, threshold)).map_err(|e| e.to_string())
    }))
}

/// Backtests stored rule model versions on a CSV of leads with outcomes
/// (the body); with `compare`, previews the switch from one to the other.
/// With `source=store`, replays the server's event log week by week under
/// each version instead: new MQLs per week and the share sales accepted
/// and won.
#[utoipa::path(post, path = "/api/backtest", tag = "predictive",
    params(DataParams, BacktestParams, HistoryParams),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 202, body = Started), (status = 400, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn post_backtest(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(data): Params<DataParams>,
    Params(p): Params<BacktestParams>,
    Params(h): Params<HistoryParams>,
    body: Body,
) -> Result<(StatusCode, Json<Started>), ApiError> {
    state.keys.require(&headers, Role::Read).await?;
    let from_store = h.reads_store()?;
    let version = p.model.unwrap_or(state.active().version);
    if from_store {
        return start_replay(&state, version, p.compare, p.threshold).await;
    }
    let (first, second) = rule_models(&state, version, p.compare, None).await?;
    let time_column = data.time_column.clone();
    job(&state, "backtest", body, &data, true, move |d, _| {
        let models: Vec<&Model> = std::iter::once(&first).chain(second.as_ref()).collect();
        serde_json::to_value(leadscore_ml::backtest::run_models(
            &models,
            &d,
            p.threshold,
            time_column.as_deref(),
        ))
        .map_err(|e| e.to_string())
    })
    .await
}

/// Where to put the suggested MQL line, and whether to store the model.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SuggestParams {
    /// Leads sales can work per week (with `arrivals`).
    pub capacity: Option<f64>,
    /// New leads per week.
    pub arrivals: Option<f64>,
    /// Or: the lowest line whose leads convert at least this often.
    pub precision: Option<f64>,
    /// Points per unit of log-odds (default 10).
    pub scale: Option<f64>,
    /// Store the suggestion as a new, inactive model version.
    pub store: Option<bool>,
}

/// Suggests a rule model from a CSV of leads with outcomes (the body): the
/// job's detail holds the model file, its MQL line and its backtest, and
/// with `store=true` the version it was stored as (inactive, ready to
/// compare with the active one and to activate).
#[utoipa::path(post, path = "/api/suggest", tag = "predictive",
    params(DataParams, SuggestParams, HistoryParams),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 202, body = Started), (status = 400, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn post_suggest(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(data): Params<DataParams>,
    Params(p): Params<SuggestParams>,
    Params(h): Params<HistoryParams>,
    body: Body,
) -> Result<(StatusCode, Json<Started>), ApiError> {
    state.keys.require(&headers, Role::Admin).await?;
    use leadscore_ml::suggest::{Target, suggest_model};
    let from_store = h.reads_store()?;
    let target = match (p.capacity, p.arrivals, p.precision) {
        (Some(capacity), Some(arrivals), None) if capacity > 0.0 && arrivals > 0.0 => {
            Target::Capacity { capacity, arrivals }
        }
        (None, None, Some(x)) if (0.0..=1.0).contains(&x) => Target::Precision(x),
        (None, None, Some(_)) => {
            return Err(ApiError::field("precision", "expected a share from 0 to 1"));
        }
        _ => {
            return Err(ApiError::field(
                "capacity",
                "give capacity and arrivals (leads per week, above 0), or precision",
            ));
        }
    };
    let not_answered = list(&data.not_answered).into_iter().next();
    let (seed, scale, keep) = (
        data.seed.unwrap_or(42),
        p.scale.unwrap_or(10.0),
        p.store == Some(true),
    );
    let store = std::sync::Arc::clone(&state.store);
    let handle = tokio::runtime::Handle::current();
    let source = if from_store {
        "the server's history"
    } else {
        "the uploaded data"
    };
    let suggest = move |d: Loaded| {
        let s = suggest_model(&d, target, scale, not_answered.as_deref(), seed, source)?;
        let stored = if keep {
            Some(
                handle
                    .block_on(store.insert_model("suggested", &s.toml, now_ms()))
                    .map_err(|e| format!("storing the model failed: {e}"))?,
            )
        } else {
            None
        };
        Ok(json!({
            "model": s.toml,
            "rules": s.rules,
            "engagement_rules": s.engagement_rules,
            "mql_line": s.line,
            "report": s.report,
            "stored_version": stored,
        }))
    };
    if !from_store {
        return job(&state, "suggest", body, &data, true, move |d, _| suggest(d)).await;
    }
    let spec = history_spec(&data, &h)?;
    Ok(history_job(&state, "suggest", move |ds, feedback| {
        suggest(from_history(&Arc::new(ds), &feedback, &spec).map_err(|e| e.to_string())?)
    }))
}
