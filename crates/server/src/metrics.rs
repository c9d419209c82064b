//! Prometheus metrics: what ingestion accepted, rejected and how long its
//! commits took, and how far the written-behind effects of acknowledged
//! events (scores, history) trail the event log.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
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
    /// The event log's last position.
    log_end: Gauge,
    /// The log position the stored scores and history reflect.
    log_applied: Gauge,
    /// Events stored and acknowledged whose effects are not written yet.
    unapplied: Gauge,
}

/// How far the derived tables trail the event log, read from the store
/// when metrics are scraped.
#[derive(Debug, Clone, Copy)]
pub struct LogPosition {
    /// The log's last position ([`leadscore_store::Store::log_end`]).
    pub end: i64,
    /// What the derived tables reflect ([`leadscore_store::Store::applied_seq`]).
    pub applied: i64,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

/// Buckets of the written-behind flush's duration: a flush of a quiet
/// moment takes milliseconds, one after a burst of tens of thousands of
/// events up to seconds.
pub fn flush_histogram() -> Histogram {
    Histogram::new([
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
    ])
}

impl Metrics {
    /// Fresh metrics; `flush_seconds` is the writer's record of its
    /// written-behind flushes (see [`crate::writer::Shared`]).
    pub fn new(flush_seconds: Histogram) -> Arc<Metrics> {
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
        registry.register(
            "flush_seconds",
            "Time each write of acknowledged events' effects (scores, history, leads) took",
            flush_seconds,
        );
        let log_end = Gauge::default();
        registry.register(
            "event_log_end",
            "Position of the last event stored in the event log",
            log_end.clone(),
        );
        let log_applied = Gauge::default();
        registry.register(
            "event_log_applied",
            "Log position up to which scores and history are written",
            log_applied.clone(),
        );
        let unapplied = Gauge::default();
        registry.register(
            "events_unapplied",
            "Acknowledged events whose scores and history are not written yet \
             (already scored in memory; a steady rise means the database falls behind)",
            unapplied.clone(),
        );
        Arc::new(Metrics {
            registry,
            events,
            ingest_seconds,
            log_end,
            log_applied,
            unapplied,
        })
    }

    /// Records how far the derived tables trail the log.
    pub fn set_log_position(&self, p: LogPosition) {
        self.log_end.set(p.end);
        self.log_applied.set(p.applied);
        self.unapplied.set((p.end - p.applied).max(0));
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
