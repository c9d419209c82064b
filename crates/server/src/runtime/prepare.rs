//! Making a model file ready to score with: compile it and attach the
//! trained model its `[predictive]` section names, read from the store.

use super::behaviour::LiveHistory;
use leadscore_core::model::Model;
use leadscore_ml::train::Trained;
use leadscore_store::{Store, StoreError};
use std::sync::Arc;

/// Why a model file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// It does not compile, or names a trained model that is not stored.
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Compiles `source` and attaches its trained model; one trained with
/// events reads each lead's behaviour from `history`, which starts
/// recording (without a history, such a model is refused).
pub async fn prepare(
    store: &dyn Store,
    source: &str,
    history: Option<&Arc<LiveHistory>>,
) -> Result<Model, PrepareError> {
    let model = Model::from_toml(source).map_err(|e| PrepareError::Invalid(e.to_string()))?;
    let Some(version) = model.predictive.clone() else {
        return Ok(model);
    };
    let row = store.predictor(&version).await?.ok_or_else(|| {
        PrepareError::Invalid(format!(
            "[predictive]: no trained model {version}; train one with POST /api/train or list them with GET /api/predictors"
        ))
    })?;
    let trained: Trained = serde_json::from_str(&row.body).map_err(|e| StoreError::Corrupt {
        what: "trained model",
        detail: format!("{version}: {e}"),
    })?;
    let live = history.filter(|_| trained.behaviour.is_some()).map(|h| {
        h.record();
        Arc::clone(h) as Arc<dyn leadscore_ml::live::History>
    });
    let p = leadscore_ml::live::predictor(trained, live)
        .map_err(|e| PrepareError::Invalid(format!("[predictive]: {e}")))?;
    Ok(model.with_predictor(p))
}
