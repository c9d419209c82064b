//! The storage contract and rows of the hand-off to sales: trigger states,
//! the webhook outbox and its delivery log, offers and sales feedback.

use crate::error::StoreError;
use async_trait::async_trait;
use serde::Serialize;

/// A trigger's state for one lead, where it differs from the start state.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TriggerStateRow {
    /// The lead.
    pub lead_id: String,
    /// The trigger's name.
    pub trigger: String,
    /// Whether it is armed.
    pub armed: bool,
    /// When the state last changed (ms).
    pub at: i64,
}

/// A webhook endpoint.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct WebhookRow {
    /// The name actions refer to.
    pub name: String,
    /// Where deliveries are posted.
    pub url: String,
    /// The HMAC-SHA256 key deliveries are signed with.
    pub secret: String,
    /// How long one attempt may take (ms).
    pub timeout_ms: i64,
    /// Attempts before a delivery is dead.
    pub max_attempts: i64,
    /// When it was created (ms).
    pub created_at: i64,
}

/// A delivery to write to the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    /// Stable id receivers use to drop duplicates.
    pub delivery_id: String,
    /// The endpoint's name.
    pub webhook: String,
    /// The lead.
    pub lead_id: String,
    /// The trigger that fired.
    pub trigger: String,
    /// The JSON body.
    pub payload: String,
    /// When it was fired (ms); also its first attempt time.
    pub created_at: i64,
}

/// Where a delivery is.
pub mod status {
    /// Waiting for its next attempt.
    pub const PENDING: &str = "pending";
    /// A receiver answered 2xx.
    pub const DELIVERED: &str = "delivered";
    /// Every attempt failed; only a manual retry sends it again.
    pub const DEAD: &str = "dead";
}

/// A delivery in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DeliveryRow {
    /// Position in the outbox.
    pub id: i64,
    /// Stable id, sent in the `X-Leadscore-Delivery` header.
    pub delivery_id: String,
    /// The endpoint's name.
    pub webhook: String,
    /// The lead.
    pub lead_id: String,
    /// The trigger that fired.
    pub trigger: String,
    /// The JSON body.
    #[serde(skip)]
    pub payload: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// When the next attempt is due (ms).
    pub next_attempt_at: i64,
    /// What went wrong last.
    pub last_error: Option<String>,
    /// When it was fired (ms).
    pub created_at: i64,
    /// When a receiver accepted it (ms).
    pub delivered_at: Option<i64>,
}

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AttemptRow {
    /// The delivery (outbox position).
    pub outbox_id: i64,
    /// When it was made (ms).
    pub at: i64,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<i64>,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// How long it took (ms).
    pub duration_ms: i64,
}

/// What an attempt leaves the delivery as.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptOutcome {
    /// The attempt, for the log.
    pub attempt: AttemptRow,
    /// The delivery's new status.
    pub status: &'static str,
    /// Its next attempt time, when still pending.
    pub next_attempt_at: i64,
}

/// An offer shown to a lead's visitor.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OfferRow {
    /// The lead.
    pub lead_id: String,
    /// The offer's id.
    pub offer_id: String,
    /// The content key the website maps to its call to action.
    pub content: String,
    /// The trigger that made it.
    pub trigger: String,
    /// When (ms).
    pub created_at: i64,
}

/// One piece of sales feedback.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FeedbackRow {
    /// The lead.
    pub lead_id: String,
    /// When it happened (ms).
    pub at: i64,
    /// `contact`, `accepted`, `rejected`, `opportunity`, `won`, `lost` or `bant`.
    pub kind: String,
    /// For `contact`: whether the lead was reached.
    pub reached: Option<bool>,
    /// For `contact`: whether it was the first attempt.
    pub first_try: Option<bool>,
    /// For `rejected` and `lost`: why.
    pub reason: Option<String>,
    /// For `won` and `opportunity`: the deal's value.
    pub value: Option<f64>,
    /// Free text.
    pub note: Option<String>,
    /// The key (person or system) that recorded it.
    pub actor: String,
}

/// The first time a lead entered a stage, from its history.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StageEntryRow {
    /// The lead.
    pub lead_id: String,
    /// The stage.
    pub stage: String,
    /// First entry (ms).
    pub at: i64,
}

/// A lead as the funnel report sees it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct FunnelLeadRow {
    /// The lead.
    pub id: String,
    /// Its attributes, as a JSON object (source and campaign are read from it).
    pub profile: String,
    /// First seen (ms).
    pub created_at: i64,
    /// Current total under the version, if scored.
    pub total: Option<f64>,
    /// Current matrix cell under the version, if scored.
    pub cell: Option<String>,
}

/// Reads and writes of the hand-off outside a scoring transaction.
#[async_trait]
pub trait HandoffStore: Send + Sync {
    /// Every stored trigger state.
    async fn trigger_states(&self) -> Result<Vec<TriggerStateRow>, StoreError>;
    /// Every named counter (round-robin turns).
    async fn counters(&self) -> Result<Vec<(String, i64)>, StoreError>;

    /// Creates or replaces a webhook endpoint.
    async fn put_webhook(&self, row: &WebhookRow) -> Result<(), StoreError>;
    /// Every webhook endpoint, by name.
    async fn webhooks(&self) -> Result<Vec<WebhookRow>, StoreError>;
    /// Deletes an endpoint; false if there was none.
    async fn delete_webhook(&self, name: &str) -> Result<bool, StoreError>;

    /// Pending deliveries due at `now`, oldest first.
    async fn due_deliveries(&self, now: i64, limit: i64) -> Result<Vec<DeliveryRow>, StoreError>;
    /// The earliest next attempt of any pending delivery.
    async fn next_due(&self) -> Result<Option<i64>, StoreError>;
    /// Logs an attempt and moves the delivery on, in one transaction.
    async fn record_attempt(&self, outcome: &AttemptOutcome) -> Result<(), StoreError>;
    /// Deliveries, newest first, optionally of one status or lead, before
    /// outbox position `before`.
    async fn deliveries(
        &self,
        status: Option<&str>,
        lead_id: Option<&str>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError>;
    /// One delivery.
    async fn delivery(&self, id: i64) -> Result<Option<DeliveryRow>, StoreError>;
    /// A delivery's attempts, oldest first.
    async fn attempts(&self, outbox_id: i64) -> Result<Vec<AttemptRow>, StoreError>;
    /// Makes a delivery pending again, due at `now`, with its attempts
    /// counted afresh; false if there is no such delivery or it was delivered.
    async fn retry_delivery(&self, id: i64, now: i64) -> Result<bool, StoreError>;

    /// A lead's newest offer.
    async fn offer(&self, lead_id: &str) -> Result<Option<OfferRow>, StoreError>;
    /// A lead's feedback, oldest first.
    async fn feedback_of(&self, lead_id: &str) -> Result<Vec<FeedbackRow>, StoreError>;
    /// Feedback recorded in `[from, to)`.
    async fn feedback_between(&self, from: i64, to: i64) -> Result<Vec<FeedbackRow>, StoreError>;
    /// When each lead first entered each stage under a model version.
    async fn stage_entries(&self, version: i64) -> Result<Vec<StageEntryRow>, StoreError>;
    /// Leads created in `[from, to)` with their current score under a version.
    async fn funnel_leads(
        &self,
        version: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<FunnelLeadRow>, StoreError>;
}

/// Hand-off writes that commit with the score change that caused them.
#[async_trait]
pub trait HandoffTx: Send {
    /// Stores trigger states.
    async fn put_trigger_states(&mut self, rows: &[TriggerStateRow]) -> Result<(), StoreError>;
    /// Removes trigger states (back to the start state).
    async fn clear_trigger_states(&mut self, keys: &[(String, String)]) -> Result<(), StoreError>;
    /// Sets named counters.
    async fn put_counters(&mut self, rows: &[(String, i64)]) -> Result<(), StoreError>;
    /// Appends deliveries to the outbox.
    async fn enqueue(&mut self, rows: &[NewDelivery]) -> Result<(), StoreError>;
    /// Creates or replaces offers.
    async fn put_offers(&mut self, rows: &[OfferRow]) -> Result<(), StoreError>;
    /// Appends feedback.
    async fn add_feedback(&mut self, rows: &[FeedbackRow]) -> Result<(), StoreError>;
}
