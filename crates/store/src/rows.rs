//! The rows the store reads and writes, and the ranked-list query.

use serde::{Deserialize, Serialize};

/// An event to append to the log.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// Unique message id; a repeat is ignored.
    pub message_id: String,
    /// The id the event is filed under: its `userId`, else its `anonymousId`.
    pub identity: String,
    /// The `userId`, if any.
    pub user_id: Option<String>,
    /// The `anonymousId`, if any.
    pub anonymous_id: Option<String>,
    /// Message type (`track`, `page`, ...).
    pub kind: String,
    /// Event name (the track event, or the type).
    pub name: String,
    /// Event time, milliseconds since the Unix epoch.
    pub ts: i64,
    /// When the server received it, milliseconds since the Unix epoch.
    pub received_at: i64,
    /// The normalised Segment message, as JSON.
    pub body: String,
}

/// An event read back from the log.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EventRow {
    /// Position in the log.
    pub seq: i64,
    /// The id it is filed under.
    pub identity: String,
    /// Event time (ms).
    pub ts: i64,
    /// The normalised Segment message, as JSON.
    pub body: String,
}

/// A lead's stored profile.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LeadRow {
    /// The lead id.
    pub id: String,
    /// Attributes, as a JSON object.
    pub profile: String,
    /// Display name, copied from the profile for search.
    pub name: Option<String>,
    /// Email, copied from the profile for search.
    pub email: Option<String>,
    /// Account (company) id.
    pub account: Option<String>,
    /// Sales owner.
    pub owner: Option<String>,
    /// First seen (ms).
    pub created_at: i64,
    /// Last changed (ms).
    pub updated_at: i64,
}

/// A lead's score under one model version.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ScoreRow {
    /// The model version that produced it.
    pub model_version: i64,
    /// The lead.
    pub lead_id: String,
    /// Overall total.
    pub total: f64,
    /// Fit total.
    pub fit: f64,
    /// Engagement total.
    pub engagement: f64,
    /// Group totals as a JSON object `{"group": points}`.
    pub groups: String,
    /// BANT count, 0-4.
    pub bant: i64,
    /// Matrix cell, `A1` ... `D4`.
    pub cell: String,
    /// Whether the cell is hot.
    pub hot: bool,
    /// Lifecycle stage name.
    pub stage: String,
    /// Whether a person set the stage.
    pub manual_stage: bool,
    /// Email quality class.
    pub email_quality: String,
    /// Latest event time (ms).
    pub last_activity: Option<i64>,
    /// Number of events.
    pub events: i64,
    /// Top reasons as a JSON array of `{"rule", "points"}`.
    pub reasons: String,
    /// The time the score is for (ms).
    pub scored_at: i64,
}

/// A row of the ranked list: the score and the lead's headline fields.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LeadListRow {
    /// The score.
    #[sqlx(flatten)]
    pub score: ScoreRow,
    /// Display name.
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Account.
    pub account: Option<String>,
    /// Owner.
    pub owner: Option<String>,
}

/// One entry of a lead's score and stage history.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct HistoryRow {
    /// The lead.
    pub lead_id: String,
    /// The model version.
    pub model_version: i64,
    /// When (ms).
    pub at: i64,
    /// Total after the change.
    pub total: f64,
    /// Cell after the change.
    pub cell: String,
    /// Stage after the change.
    pub stage: String,
    /// Owner after the change.
    pub owner: Option<String>,
    /// What caused it: `event:<message id>`, `decay`, `profile:<key>`,
    /// `merge`, `model:<v>`, `trigger:<name>`, `feedback:<key>`.
    pub cause: String,
}

/// An account's traits from `group` calls.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AccountRow {
    /// Account id (the `groupId`).
    pub id: String,
    /// Traits as a JSON object.
    pub traits: String,
    /// Last changed (ms).
    pub updated_at: i64,
}

/// An account's roll-up of its contacts' scores under one model version.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct AccountScoreRow {
    /// The model version.
    pub model_version: i64,
    /// The account.
    pub account_id: String,
    /// Known contacts.
    pub contacts: i64,
    /// Contacts with positive engagement.
    pub engaged_contacts: i64,
    /// Contacts in a hot cell.
    pub hot_contacts: i64,
    /// The best fit among contacts.
    pub best_fit: f64,
    /// Sum of contacts' engagement.
    pub total_engagement: f64,
    /// The best total among contacts.
    pub best_total: f64,
}

/// A stored model file.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ModelRow {
    /// Version number, assigned on upload.
    pub version: i64,
    /// The model's name.
    pub name: String,
    /// The TOML source.
    pub source: String,
    /// Uploaded at (ms).
    pub created_at: i64,
    /// Whether it is the one scoring now.
    pub active: bool,
}

/// A stored API key (only its hash).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct KeyRow {
    /// Key id.
    pub id: i64,
    /// A label.
    pub name: String,
    /// `write`, `read` or `admin`.
    pub role: String,
    /// SHA-256 of the key, hex.
    pub hash: String,
    /// The first characters of the key, to recognise it in lists.
    pub prefix: String,
    /// Created at (ms).
    pub created_at: i64,
    /// Revoked at (ms), if revoked.
    pub revoked_at: Option<i64>,
}

/// Where a page of the ranked list starts: after this total and lead id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    /// The last total of the previous page.
    pub total: f64,
    /// The last lead id of the previous page.
    pub lead_id: String,
}

/// Filters for the ranked list; `None` means no filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadFilter {
    /// Lifecycle stage.
    pub stage: Option<String>,
    /// Matrix cell.
    pub cell: Option<String>,
    /// Only hot leads.
    pub hot_only: bool,
    /// Account id.
    pub account: Option<String>,
    /// Owner.
    pub owner: Option<String>,
    /// Lowest total.
    pub min_score: Option<f64>,
    /// Highest total.
    pub max_score: Option<f64>,
    /// Text in the id, name, email or account (case-insensitive).
    pub search: Option<String>,
    /// Continue after this row.
    pub after: Option<Cursor>,
    /// Page size.
    pub limit: u32,
}
