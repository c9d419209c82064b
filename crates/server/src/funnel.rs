//! The funnel report: how leads created in a date range moved through the
//! stages (from their history), what sales reported back (from feedback),
//! and whether higher scores and hotter cells really convert more. Shared by
//! the API and the CLI; it reads only the store.

use leadscore_core::model::Model;
use leadscore_store::{FeedbackRow, Store, StoreError};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::collections::BTreeMap;

/// The share of MQLs that become SQLs often quoted for B2B funnels, shown
/// beside the measured rate for comparison.
pub const TYPICAL_MQL_TO_SQL: f64 = 0.25;

/// What to report on.
#[derive(Debug, Clone, Default)]
pub struct FunnelQuery {
    /// Leads created at or after (ms).
    pub from: i64,
    /// Leads created before (ms).
    pub to: i64,
    /// Only leads from this source (profile `source` or `utm_source`).
    pub source: Option<String>,
    /// Only leads from this campaign (profile `campaign` or `utm_campaign`).
    pub campaign: Option<String>,
    /// Width of the score bands (default 20 points).
    pub band: f64,
    /// Break counts down by `source`, `campaign` or `month` (of creation,
    /// `2026-11`): the funnel over time.
    pub by: Option<String>,
}

/// The report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Funnel {
    /// Model version the stages and scores come from.
    pub model_version: i64,
    /// Leads created in the range (after the source and campaign filters).
    pub leads: usize,
    /// Per stage, in model order.
    pub stages: Vec<StageCount>,
    /// Conversion from each automatic stage to the next, then to won.
    pub conversion: Vec<Step>,
    /// MQL to SQL, when the model has stages named `mql` and `sql`.
    pub mql_to_sql: Option<f64>,
    /// The commonly quoted MQL to SQL rate, for comparison.
    pub typical_mql_to_sql: f64,
    /// Leads won (feedback `won`).
    pub won: usize,
    /// Of the leads' first contact attempts, the share that reached the lead.
    pub first_try_rate: Option<f64>,
    /// First contact attempts recorded.
    pub first_tries: usize,
    /// Conversion by current score band, lowest band first.
    pub by_score: Vec<Band>,
    /// Conversion by current matrix cell.
    pub by_cell: Vec<Band>,
    /// Counts per source or campaign, when asked for.
    pub by_group: Vec<GroupCount>,
}

/// One stage.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StageCount {
    /// The stage.
    pub stage: String,
    /// Leads that ever entered it.
    pub entered: usize,
    /// Leads that reached it or a later automatic stage (a lead that
    /// skipped it counts).
    pub reached: usize,
    /// Median time leads spent in it before their next stage (ms).
    pub median_ms_in_stage: Option<i64>,
}

/// One step of the funnel.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Step {
    /// From this stage.
    pub from: String,
    /// To this one (`won` at the end).
    pub to: String,
    /// Share of the leads that reached `from` and also reached `to`.
    pub rate: Option<f64>,
}

/// Conversion of one score band or cell.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Band {
    /// `40-60`, or a cell such as `A1`.
    pub label: String,
    /// Leads in it.
    pub leads: usize,
    /// Of them, reached SQL (or the last automatic stage).
    pub sql: usize,
    /// Of them, won.
    pub won: usize,
    /// `won / leads`.
    pub won_rate: Option<f64>,
    /// `sql / leads`.
    pub sql_rate: Option<f64>,
}

/// Counts of one source or campaign.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupCount {
    /// The source or campaign (`(none)` when missing).
    pub group: String,
    /// Leads.
    pub leads: usize,
    /// Reached MQL.
    pub mql: usize,
    /// Reached SQL.
    pub sql: usize,
    /// Won.
    pub won: usize,
}

fn rate(n: usize, of: usize) -> Option<f64> {
    (of > 0).then(|| n as f64 / of as f64)
}

fn median(mut v: Vec<i64>) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    Some(v[v.len() / 2])
}

/// The UTC month of a time, `2026-11`.
fn month_of(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).map_or_else(
        |_| "(none)".to_owned(),
        |t| format!("{}-{:02}", t.year(), u8::from(t.month())),
    )
}

/// A profile attribute read from the stored JSON, with a fallback name.
fn attr(profile: &serde_json::Value, name: &str, fallback: &str) -> Option<String> {
    [name, fallback]
        .iter()
        .find_map(|k| profile.get(k).and_then(serde_json::Value::as_str))
        .map(str::to_owned)
}

/// Builds the report for `version` of `model`.
pub async fn funnel(
    store: &dyn Store,
    model: &Model,
    version: i64,
    q: &FunnelQuery,
) -> Result<Funnel, StoreError> {
    let band = if q.band > 0.0 { q.band } else { 20.0 };
    let mut leads = store.funnel_leads(version, q.from, q.to).await?;
    let mut groups: FxHashMap<String, String> = FxHashMap::default();
    leads.retain(|l| {
        let p: serde_json::Value = serde_json::from_str(&l.profile).unwrap_or_default();
        let source = attr(&p, "source", "utm_source");
        let campaign = attr(&p, "campaign", "utm_campaign");
        let keep = q.source.as_ref().is_none_or(|s| source.as_ref() == Some(s))
            && q.campaign
                .as_ref()
                .is_none_or(|c| campaign.as_ref() == Some(c));
        if keep && let Some(by) = &q.by {
            let g = match by.as_str() {
                "campaign" => campaign,
                "month" => Some(month_of(l.created_at)),
                _ => source,
            };
            groups.insert(l.id.clone(), g.unwrap_or_else(|| "(none)".into()));
        }
        keep
    });
    let cohort: FxHashSet<&str> = leads.iter().map(|l| l.id.as_str()).collect();

    // Stage entries of the cohort, per lead, in time order.
    let stage_index: FxHashMap<&str, usize> = model
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let mut entries: FxHashMap<String, Vec<(i64, usize)>> = FxHashMap::default();
    for e in store.stage_entries(version).await? {
        if let (true, Some(&i)) = (
            cohort.contains(e.lead_id.as_str()),
            stage_index.get(e.stage.as_str()),
        ) {
            entries.entry(e.lead_id).or_default().push((e.at, i));
        }
    }
    let feedback: Vec<FeedbackRow> = store.feedback_between(i64::MIN, i64::MAX).await?;
    let won: FxHashSet<&str> = feedback
        .iter()
        .filter(|f| f.kind == "won" && cohort.contains(f.lead_id.as_str()))
        .map(|f| f.lead_id.as_str())
        .collect();
    let mut first_tries = 0;
    let mut first_reached = 0;
    for f in &feedback {
        if f.kind == "contact" && f.first_try == Some(true) && cohort.contains(f.lead_id.as_str()) {
            first_tries += 1;
            first_reached += usize::from(f.reached == Some(true));
        }
    }

    // The automatic stages in order: "reached" counts a lead at its
    // furthest automatic stage and every one before it.
    let automatic: Vec<usize> = (0..model.stages.len())
        .filter(|&i| !model.stages[i].manual)
        .collect();
    let rank_of = |stage: usize| automatic.iter().position(|&a| a == stage);
    let n = model.stages.len();
    let mut entered = vec![0usize; n];
    let mut reached = vec![0usize; n];
    let mut in_stage: Vec<Vec<i64>> = vec![Vec::new(); n];
    let mut furthest: FxHashMap<&str, usize> = FxHashMap::default();
    for l in &leads {
        let mut list = entries.get(&l.id).cloned().unwrap_or_default();
        list.sort_unstable();
        let mut seen = vec![false; n];
        seen[0] = true;
        for (k, &(at, stage)) in list.iter().enumerate() {
            seen[stage] = true;
            if let Some(&(next, _)) = list.get(k + 1) {
                in_stage[stage].push(next - at);
            }
        }
        let top = (0..n)
            .filter(|&i| seen[i])
            .filter_map(rank_of)
            .max()
            .unwrap_or(0);
        furthest.insert(l.id.as_str(), top);
        for i in 0..n {
            entered[i] += usize::from(seen[i]);
        }
        for &a in &automatic[..=top] {
            reached[a] += 1;
        }
    }
    for i in 0..n {
        if model.stages[i].manual {
            reached[i] = entered[i];
        }
    }
    let stages: Vec<StageCount> = (0..n)
        .map(|i| StageCount {
            stage: model.stages[i].name.to_string(),
            entered: entered[i],
            reached: reached[i],
            median_ms_in_stage: median(std::mem::take(&mut in_stage[i])),
        })
        .collect();
    let mut conversion: Vec<Step> = automatic
        .windows(2)
        .map(|w| Step {
            from: model.stages[w[0]].name.to_string(),
            to: model.stages[w[1]].name.to_string(),
            rate: rate(reached[w[1]], reached[w[0]]),
        })
        .collect();
    if let Some(&last) = automatic.last() {
        let won_there = leads
            .iter()
            .filter(|l| {
                won.contains(l.id.as_str())
                    && furthest.get(l.id.as_str()) == Some(&(automatic.len() - 1))
            })
            .count();
        conversion.push(Step {
            from: model.stages[last].name.to_string(),
            to: "won".into(),
            rate: rate(won_there, reached[last]),
        });
    }
    let named = |name: &str| stage_index.get(name).copied();
    let mql_to_sql = match (named("mql"), named("sql")) {
        (Some(m), Some(s)) => rate(reached[s], reached[m]),
        _ => None,
    };
    let sql_rank = named("sql")
        .and_then(rank_of)
        .unwrap_or(automatic.len().saturating_sub(1));
    let mql_rank = named("mql").and_then(rank_of).unwrap_or(sql_rank);

    let mut score_bands: BTreeMap<i64, (usize, usize, usize)> = BTreeMap::new();
    let mut cells: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut by_group: BTreeMap<String, (usize, usize, usize, usize)> = BTreeMap::new();
    for l in &leads {
        let top = furthest.get(l.id.as_str()).copied().unwrap_or(0);
        let is_sql = usize::from(top >= sql_rank);
        let is_won = usize::from(won.contains(l.id.as_str()));
        if let Some(total) = l.total {
            let b = score_bands
                .entry((total / band).floor() as i64)
                .or_default();
            *b = (b.0 + 1, b.1 + is_sql, b.2 + is_won);
        }
        if let Some(cell) = &l.cell {
            let c = cells.entry(cell.clone()).or_default();
            *c = (c.0 + 1, c.1 + is_sql, c.2 + is_won);
        }
        if let Some(g) = groups.get(&l.id) {
            let e = by_group.entry(g.clone()).or_default();
            *e = (
                e.0 + 1,
                e.1 + usize::from(top >= mql_rank),
                e.2 + is_sql,
                e.3 + is_won,
            );
        }
    }
    let to_band = |label: String, (leads, sql, won): (usize, usize, usize)| Band {
        label,
        leads,
        sql,
        won,
        won_rate: rate(won, leads),
        sql_rate: rate(sql, leads),
    };
    Ok(Funnel {
        model_version: version,
        leads: leads.len(),
        stages,
        conversion,
        mql_to_sql,
        typical_mql_to_sql: TYPICAL_MQL_TO_SQL,
        won: won.len(),
        first_try_rate: rate(first_reached, first_tries),
        first_tries,
        by_score: score_bands
            .into_iter()
            .map(|(b, c)| {
                let lo = b as f64 * band;
                to_band(format!("{lo}-{}", lo + band), c)
            })
            .collect(),
        by_cell: cells.into_iter().map(|(c, v)| to_band(c, v)).collect(),
        by_group: by_group
            .into_iter()
            .map(|(group, (leads, mql, sql, won))| GroupCount {
                group,
                leads,
                mql,
                sql,
                won,
            })
            .collect(),
    })
}
