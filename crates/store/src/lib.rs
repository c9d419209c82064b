//! Storage for leadscore: the [`Store`] trait and its two implementations,
//! SQLite (the embedded default, one file) and PostgreSQL (production).
//!
//! The event log is the source of truth. Leads, identities and scores are
//! derived from it and written in the same transaction as the events that
//! changed them, so a crash never leaves a half-applied score.
//!
//! ```no_run
//! # async fn demo() -> Result<(), leadscore_store::StoreError> {
//! let store = leadscore_store::open("sqlite://leadscore.db").await?;
//! let models = store.models().await?;
//! # Ok(()) }
//! ```

pub mod background;
mod checkpoint;
mod dashboard;
mod error;
mod handoff;
mod listed_tx;
mod listing;
mod log_file;
mod postgres;
mod predictors;
mod rows;
mod sql;
mod sql_handoff;
mod sqlite;
mod sqlite_tx;
pub mod testing;
mod traits;
mod wal;

pub use checkpoint::Housekeeping;
pub use dashboard::{CellStageCount, DashboardStore, SessionRow, UserRow};
pub use error::StoreError;
pub use handoff::{
    AttemptOutcome, AttemptRow, DeliveryRow, FeedbackRow, FunnelLeadRow, HandoffStore, HandoffTx,
    NewDelivery, OfferRow, StageEntryRow, TriggerStateRow, WebhookRow, status,
};
pub use postgres::PgStore;
pub use predictors::{PredictorRow, PredictorStore};
pub use rows::{
    AccountRow, AccountScoreRow, Cursor, EventRow, HistoryRow, KeyRow, LeadFilter, LeadListRow,
    LeadRow, ModelRow, NewEvent, ScoreRow,
};
pub use sqlite::SqliteStore;
pub use sqlite_tx::SqliteTx;
pub use traits::{Store, Tx};

use std::sync::Arc;

/// Opens the store a URL names: `sqlite://path` (or a plain file path) or
/// `postgres://...`, applying its migrations.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::open(url).await?))
    } else {
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        Ok(Arc::new(
            SqliteStore::open(std::path::Path::new(path)).await?,
        ))
    }
}
