//! Hot leads: the ranked list sales works from, with filters, search,
//! score-trend sparklines and the top reasons.

use crate::app::AppState;
use crate::dashboard::chart::sparkline;
use crate::dashboard::frame::{Frame, OrPage, PageError, render};
use crate::dashboard::session::Viewer;
use crate::dashboard::{assets, url_encode};
use crate::routes::leads::{ListQuery, ranked_page, row_cursor};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use leadscore_store::LeadListRow;
use rustc_hash::FxHashMap;
use serde::Deserialize;

/// History entries drawn in a sparkline.
const SPARK_POINTS: i64 = 20;
/// Reasons shown per lead.
const REASONS: usize = 3;
/// Leads per page.
const PAGE: u32 = 50;

/// The filters as the form sends them (empty fields are no filter).
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    q: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    cell: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    hot: String,
    #[serde(default)]
    min_score: String,
    cursor: Option<String>,
}

impl Filters {
    fn query(&self, v: &Viewer) -> Result<ListQuery, PageError> {
        let min_score = match self.min_score.trim() {
            "" => None,
            s => Some(s.replace(',', ".").parse::<f64>().map_err(|_| {
                PageError::api(
                    v,
                    crate::error::ApiError::field("min_score", "expected a number"),
                )
            })?),
        };
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(ListQuery {
            stage: text(&self.stage),
            cell: text(&self.cell),
            hot: Some(!self.hot.is_empty()),
            account: text(&self.account),
            owner: text(&self.owner),
            min_score,
            max_score: None,
            q: text(&self.q),
            cursor: self.cursor.clone().filter(|c| !c.is_empty()),
            limit: Some(PAGE),
        })
    }

    /// The query string of these filters without the cursor.
    fn link(&self) -> String {
        [
            ("q", &self.q),
            ("stage", &self.stage),
            ("cell", &self.cell),
            ("owner", &self.owner),
            ("account", &self.account),
            ("hot", &self.hot),
            ("min_score", &self.min_score),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// One row as shown.
pub struct Row {
    pub rank: usize,
    pub href: String,
    pub id: String,
    pub name: String,
    pub email: String,
    pub account: String,
    pub total: String,
    pub fit: String,
    pub engagement: String,
    pub cell: String,
    pub hot: bool,
    pub stage: String,
    pub owner: String,
    pub last: String,
    pub spark: String,
    pub reasons: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "leads.html")]
struct Page {
    f: Frame,
    assets: &'static str,
    filters: Filters,
    stages: Vec<String>,
    cells: Vec<String>,
    rows: Vec<Row>,
    next: Option<String>,
    first: Option<String>,
}

/// Lead rows as shown, each with the sparkline of its recent history.
pub async fn rows(
    state: &AppState,
    f: &Frame,
    leads: Vec<LeadListRow>,
) -> Result<Vec<Row>, crate::error::ApiError> {
    let ids: Vec<String> = leads.iter().map(|r| r.score.lead_id.clone()).collect();
    let mut trends: FxHashMap<String, Vec<f64>> = FxHashMap::default();
    for h in state.store.recent_history(&ids, SPARK_POINTS).await? {
        trends.entry(h.lead_id).or_default().push(h.total);
    }
    let lang = f.lang;
    Ok(leads
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let s = r.score;
            let mut trend = trends.remove(&s.lead_id).unwrap_or_default();
            if trend.last() != Some(&s.total) {
                trend.push(s.total);
            }
            let reasons: Vec<serde_json::Value> =
                serde_json::from_str(&s.reasons).unwrap_or_default();
            Row {
                rank: i + 1,
                href: format!("/leads/{}", url_encode(&s.lead_id)),
                name: r.name.clone().unwrap_or_else(|| s.lead_id.clone()),
                id: s.lead_id,
                email: r.email.unwrap_or_default(),
                account: r.account.unwrap_or_default(),
                total: lang.num(s.total, 1),
                fit: lang.num(s.fit, 1),
                engagement: lang.num(s.engagement, 1),
                cell: s.cell,
                hot: s.hot,
                stage: s.stage,
                owner: r.owner.unwrap_or_default(),
                last: s
                    .last_activity
                    .map_or_else(|| f.t.never.to_owned(), |m| lang.datetime(m)),
                spark: sparkline(&trend),
                reasons: reasons
                    .iter()
                    .take(REASONS)
                    .map(|r| {
                        (
                            r["rule"].as_str().unwrap_or_default().to_owned(),
                            lang.num(r["points"].as_f64().unwrap_or_default(), 1),
                        )
                    })
                    .collect(),
            }
        })
        .collect())
}

/// The matrix cells, `A1` … `D4`.
pub fn all_cells() -> Vec<String> {
    ["A", "B", "C", "D"]
        .iter()
        .flat_map(|f| (1..=4).map(move |e| format!("{f}{e}")))
        .collect()
}

/// `GET /leads`.
pub async fn list(
    State(state): State<AppState>,
    v: Viewer,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let f = Frame::new(&v, "leads", None);
    let q = filters.query(&v)?;
    let paged = q.cursor.is_some();
    let (leads, limit) = ranked_page(&state, q).await.or_page(&v)?;
    let link = filters.link();
    let next = (leads.len() == limit as usize)
        .then(|| leads.last().map(row_cursor))
        .flatten()
        .map(|c| format!("/leads?{link}&cursor={}", url_encode(&c)));
    let rows = rows(&state, &f, leads).await.or_page(&v)?;
    let stages = state
        .active()
        .model
        .stages
        .iter()
        .map(|s| s.name.to_string())
        .collect();
    Ok(render(&Page {
        f,
        assets: assets::version(),
        filters,
        stages,
        cells: all_cells(),
        rows,
        next,
        first: paged.then(|| format!("/leads?{link}")),
    }))
}
