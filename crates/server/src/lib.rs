//! The leadscore HTTP service: Segment-compatible ingestion, the leads,
//! accounts, models and keys API, webhooks and their outbox worker,
//! offers, sales feedback and the funnel, health and metrics, and the web
//! dashboard, all over one store.
//!
//! [`app::start`] opens the store, loads the scoring state and serves.

pub mod app;
pub mod auth;
pub mod clock;
pub mod dashboard;
pub mod deliver;
pub mod error;
pub mod explain;
pub mod funnel;
pub mod history;
pub mod jobs;
pub mod metrics;
pub mod preview;
pub mod routes;
pub mod runtime;
pub mod writer;

pub use app::{Config, Running, StartError, start};
pub use auth::Role;
