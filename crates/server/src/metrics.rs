//! Prometheus metrics: what ingestion accepted, rejected and how long its
//! commits took.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::Arc;

/// Label of the event counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    /// `accepted`, `duplicate` or `rejected`.
    pub outcome: &'static str,
}

/// The server's metrics and their registry.
pub struct Metrics {
    registry: Registry,
    /// Events by outcome.
    pub events: Family<Outcome, Counter>,
    /// Seconds from request to durable commit of ingest requests.
    pub ingest_seconds: Histogram,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// Fresh metrics.
    pub fn new() -> Arc<Metrics> {
        let mut registry = Registry::with_prefix("leadscore");
        let events = Family::<Outcome, Counter>::default();
        registry.register(
            "ingest_events",
            "Events received, by outcome",
            events.clone(),
        );
        let ingest_seconds = Histogram::new([
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
        ]);
        registry.register(
            "ingest_commit_seconds",
            "Time from receiving ingest requests to their durable commit",
            ingest_seconds.clone(),
        );
        Arc::new(Metrics {
            registry,
            events,
            ingest_seconds,
        })
    }

    /// Counts events with an outcome.
    pub fn count(&self, outcome: &'static str, n: usize) {
        self.events
            .get_or_create(&Outcome { outcome })
            .inc_by(n as u64);
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
