//! Previewing a model version on the live leads before activating it: the
//! leads' states are rebuilt from the event log under the candidate (the
//! same replay as at start-up, in a runtime of its own that is dropped
//! afterwards), scored now, and compared with the active scores.

use crate::clock::now_ms;
use crate::jobs::JobHandle;
use crate::runtime::{Loaded, load::load};
use leadscore_core::Timestamp;
use leadscore_store::{Cursor, LeadFilter, Store, StoreError};
use rustc_hash::FxHashMap;
use serde_json::{Value, json};
use smol_str::SmolStr;
use std::collections::BTreeMap;

/// Active scores read per page.
const PAGE: u32 = 500;

/// Counts what activating `candidate` would change against version `active`.
pub async fn preview(
    store: &dyn Store,
    candidate: Loaded,
    history: std::sync::Arc<crate::runtime::behaviour::LiveHistory>,
    active: i64,
    job: &JobHandle,
) -> Result<Value, StoreError> {
    let model = std::sync::Arc::clone(&candidate.model);
    let report = |phase: &'static str, n: u64| {
        job.progress(n, None);
        tracing::debug!(phase, rows = n, "Preview loading");
    };
    let mut rt = load(store, candidate, history, &report).await?;
    let leads: Vec<u32> = rt.index.values().copied().collect();
    let scores = rt.score_active(&leads, Timestamp(now_ms()));
    let after: FxHashMap<SmolStr, (SmolStr, SmolStr)> = scores
        .iter()
        .map(|(i, s)| {
            (
                rt.leads[*i as usize].profile.id.clone(),
                (SmolStr::new(s.stage_name(&model)), s.cell()),
            )
        })
        .collect();
    let (mut compared, mut stage_changes, mut cell_changes, mut new_mqls, mut lost_mqls) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut moves: BTreeMap<String, u64> = BTreeMap::new();
    let mut filter = LeadFilter {
        limit: PAGE,
        ..LeadFilter::default()
    };
    loop {
        let page = store.ranked(active, &filter).await?;
        for row in &page {
            let s = &row.score;
            let Some((stage, cell)) = after.get(s.lead_id.as_str()) else {
                continue;
            };
            compared += 1;
            if s.stage != stage.as_str() {
                stage_changes += 1;
                *moves.entry(format!("{} -> {stage}", s.stage)).or_default() += 1;
            }
            cell_changes += u64::from(s.cell != cell.as_str());
            new_mqls += u64::from(stage == "mql" && s.stage != "mql");
            lost_mqls += u64::from(s.stage == "mql" && stage != "mql");
        }
        match page.last() {
            Some(last) if page.len() == PAGE as usize => {
                filter.after = Some(Cursor {
                    total: last.score.total,
                    lead_id: last.score.lead_id.clone(),
                });
            }
            _ => break,
        }
    }
    Ok(json!({
        "model_version": model.version,
        "against_version": active,
        "leads": compared,
        "stage_changes": stage_changes,
        "cell_changes": cell_changes,
        "new_mqls": new_mqls,
        "lost_mqls": lost_mqls,
        "stage_moves": moves,
    }))
}
