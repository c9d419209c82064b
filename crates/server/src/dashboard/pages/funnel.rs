//! The funnel: stage counts and conversion, over time (by month of
//! creation), by source or campaign, by score band and cell, and the
//! first-try contact rate.

use crate::app::AppState;
use crate::dashboard::assets;
use crate::dashboard::chart::{self, Kind, Series};
use crate::dashboard::frame::{Frame, OrPage, PageError, render};
use crate::dashboard::session::Viewer;
use crate::dashboard::summaries::Summary;
use crate::routes::funnel::{FunnelParams, report};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;

/// The report form; empty fields are no filter.
#[derive(Debug, Default, Deserialize)]
pub struct Form {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    by: String,
}

impl Form {
    fn params(&self, by: &str) -> FunnelParams {
        let given = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        FunnelParams {
            from: given(&self.from),
            to: given(&self.to),
            source: given(&self.source),
            campaign: given(&self.campaign),
            by: Some(by.to_owned()),
            ..FunnelParams::default()
        }
    }
}

/// A row of a table: a label and formatted cells.
pub type TableRow = (String, Vec<String>);

#[derive(Template)]
#[template(path = "funnel.html")]
struct Page {
    f: Frame,
    assets: &'static str,
    form: Form,
    by_campaign: bool,
    leads: String,
    won: String,
    mql_to_sql: String,
    typical: String,
    first_try: String,
    first_tries: String,
    stages: Vec<TableRow>,
    steps: Vec<TableRow>,
    months: Vec<TableRow>,
    months_chart: String,
    groups: Vec<TableRow>,
    bands: Vec<TableRow>,
    bands_chart: String,
    cells: Vec<TableRow>,
    /// When the report was made.
    as_of: String,
}

/// The report for `by`, as last made (never waiting for a full scan).
pub(super) async fn cached(
    state: &AppState,
    form: &Form,
    by: &str,
) -> Result<Summary, crate::error::ApiError> {
    let key = format!(
        "funnel:{}:{by}:{}:{}:{}:{}",
        state.active().version,
        form.from,
        form.to,
        form.source,
        form.campaign
    );
    let params = form.params(by);
    let owned = state.clone();
    state
        .dashboard
        .cache
        .get_or(key, move || async move {
            let r = report(&owned, params).await?;
            serde_json::to_value(&r).map_err(|e| crate::error::ApiError::internal(&e))
        })
        .await
}

fn counts(f: &Frame, rows: &Value, label: &str, cols: &[&str]) -> Vec<TableRow> {
    rows.as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let label = r[label].as_str().unwrap_or_default();
            let label = if label == "(none)" {
                f.t.none_value
            } else {
                label
            };
            (
                label.to_owned(),
                cols.iter()
                    .map(|c| match r[*c].as_f64() {
                        Some(x) if c.ends_with("rate") => f.pct(&Some(x)),
                        Some(x) if c.starts_with("median") => f.lang.days(x as i64),
                        Some(x) => f.num(&x, 0),
                        None => "—".to_owned(),
                    })
                    .collect(),
            )
        })
        .collect()
}

fn share(n: &Value, of: &Value) -> Option<f64> {
    let (n, of) = (n.as_f64()?, of.as_f64()?);
    (of > 0.0).then(|| n / of)
}

/// `GET /funnel`.
pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Query(form): Query<Form>,
) -> Result<Response, PageError> {
    let f = Frame::new(&v, "funnel", None);
    let by_campaign = form.by == "campaign";
    // Both at once, so that a view waits for neither longer than one wait.
    let (over_time, grouped) = tokio::join!(
        cached(&state, &form, "month"),
        cached(
            &state,
            &form,
            if by_campaign { "campaign" } else { "source" },
        )
    );
    let (over_time, grouped) = (over_time.or_page(&v)?, grouped.or_page(&v)?);
    let (Some((r, made_at, refreshing)), Some((grouped, _, _))) =
        (over_time.ready(), grouped.ready())
    else {
        return Ok(super::computing(f.t.nav_funnel, f));
    };
    let r = r.as_ref();
    let as_of = super::as_of(&f, made_at, refreshing);
    let months_json = r["by_group"].as_array().cloned().unwrap_or_default();
    let mut months: Vec<TableRow> = Vec::new();
    let labels: Vec<String> = months_json
        .iter()
        .map(|m| m["group"].as_str().unwrap_or_default().to_owned())
        .collect();
    let series_of = |key: &str, label: &str| Series {
        label: label.to_owned(),
        values: months_json
            .iter()
            .map(|m| chart::percent(share(&m[key], &m["leads"])))
            .collect(),
    };
    for m in &months_json {
        months.push((
            m["group"].as_str().unwrap_or_default().to_owned(),
            vec![
                f.num(&m["leads"].as_f64().unwrap_or_default(), 0),
                f.num(&m["mql"].as_f64().unwrap_or_default(), 0),
                f.num(&m["sql"].as_f64().unwrap_or_default(), 0),
                f.num(&m["won"].as_f64().unwrap_or_default(), 0),
                f.pct(&share(&m["mql"], &m["leads"])),
                f.pct(&share(&m["sql"], &m["mql"])),
            ],
        ));
    }
    let months_chart = if labels.is_empty() {
        String::new()
    } else {
        chart::data(
            Kind::Bars,
            &[],
            &labels,
            &[
                series_of("mql", "MQL %"),
                series_of("sql", "SQL %"),
                series_of("won", &format!("{} %", f.t.won)),
            ],
        )
    };
    let band_rows = r["by_score"].as_array().cloned().unwrap_or_default();
    let bands_chart = chart::conversion_bars(&band_rows, f.t.won);
    let page = Page {
        leads: f.num(&r["leads"].as_f64().unwrap_or_default(), 0),
        won: f.num(&r["won"].as_f64().unwrap_or_default(), 0),
        mql_to_sql: f.pct(&r["mql_to_sql"].as_f64()),
        typical: f.pct(&r["typical_mql_to_sql"].as_f64()),
        first_try: f.pct(&r["first_try_rate"].as_f64()),
        first_tries: f.num(&r["first_tries"].as_f64().unwrap_or_default(), 0),
        stages: counts(
            &f,
            &r["stages"],
            "stage",
            &["entered", "reached", "median_ms_in_stage"],
        ),
        steps: r["conversion"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                (
                    format!(
                        "{} → {}",
                        s["from"].as_str().unwrap_or_default(),
                        s["to"].as_str().unwrap_or_default()
                    ),
                    vec![f.pct(&s["rate"].as_f64())],
                )
            })
            .collect(),
        months,
        months_chart,
        groups: counts(
            &f,
            &grouped["by_group"],
            "group",
            &["leads", "mql", "sql", "won"],
        ),
        bands: counts(
            &f,
            &r["by_score"],
            "label",
            &["leads", "sql", "won", "sql_rate", "won_rate"],
        ),
        bands_chart,
        as_of,
        cells: counts(
            &f,
            &r["by_cell"],
            "label",
            &["leads", "sql", "won", "sql_rate", "won_rate"],
        ),
        assets: assets::version(),
        by_campaign,
        form,
        f,
    };
    Ok(render(&page))
}
